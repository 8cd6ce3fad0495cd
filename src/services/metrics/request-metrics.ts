/**
 * Kafka's `kafka.network.RequestMetrics` (RequestChannel.scala): per request type, the request rate by version
 * (`RequestsPerSec{request,version}`) and the time histograms
 * (TotalTimeMs, ThrottleTimeMs), rendered as the
 * JMX exporter renders them: `kafka_network_requestmetrics_requests_total{request,version}` and summaries
 * `kafka_network_requestmetrics_totaltimems{request,quantile}` with `_sum` / `_count`.
 *
 * Recorded once per request by the dispatcher (kafka-apis.ts) with numbers only; each request type's record is
 * allocated on its first request. Differs from Kafka: TotalTimeMs runs from the decoded request to the encoded
 * response (the socket write is not timed); RequestQueueTimeMs, LocalTimeMs, RemoteTimeMs, ResponseQueueTimeMs and
 * ResponseSendTimeMs are not split out yet (one event loop: there is no queue between network and I/O threads).
 */
import type { Registry } from 'prom-client';
import { apiKeyName } from '../../protocol/api-keys.js';
import { LatencyHistogram } from './latency-histogram.js';
import { registerFamily, summarySamples, type Sample } from './metric-families.js';

const MAX_VERSION = 32;

class RequestTypeMetrics {
  readonly byVersion = new Float64Array(MAX_VERSION);
  readonly totalTime = new LatencyHistogram();
  readonly throttleTime = new LatencyHistogram();
  constructor(readonly name: string) {}
}

const TIMERS: ReadonlyArray<[keyof RequestTypeMetrics & string, string, string]> = [
  ['totalTime', 'totaltimems', 'Time from receiving a request to its response being written (TotalTimeMs), ms.'],
  ['throttleTime', 'throttletimems', 'Quota throttle time given in responses (ThrottleTimeMs), ms.'],
];

export class RequestMetrics {
  private readonly byKey: Array<RequestTypeMetrics | undefined> = [];

  private of(apiKey: number): RequestTypeMetrics {
    let m = this.byKey[apiKey];
    if (m === undefined) { m = new RequestTypeMetrics(apiKeyName(apiKey)); this.byKey[apiKey] = m; }
    return m;
  }

  /** One request answered (or dropped: acks=0). Times in ms. */
  record(apiKey: number, version: number, totalMs: number): void {
    const m = this.of(apiKey);
    m.byVersion[version < MAX_VERSION ? version : MAX_VERSION - 1]!++;
    m.totalTime.observe(totalMs);
  }

  throttled(apiKey: number, throttleMs: number): void { this.of(apiKey).throttleTime.observe(throttleMs); }

  register(registry: Registry): void {
    const present = () => this.byKey.filter((m): m is RequestTypeMetrics => m !== undefined);
    registerFamily(registry, 'kafka_network_requestmetrics_requests_total', 'Requests by type and version (RequestsPerSec).', 'counter', () => {
      const out: Sample[] = [];
      for (const m of present()) m.byVersion.forEach((n, version) => { if (n > 0) out.push({ value: n, labels: { request: m.name, version } }); });
      return out;
    });
    for (const [field, name, help] of TIMERS) {
      const metric = `kafka_network_requestmetrics_${name}`;
      registerFamily(registry, metric, help, 'summary', () => present().flatMap((m) => summarySamples(metric, m[field] as LatencyHistogram, { request: m.name })));
    }
  }
}
