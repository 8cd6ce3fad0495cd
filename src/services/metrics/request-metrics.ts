/**
 * Kafka's `kafka.network.RequestMetrics` (RequestChannel.scala): per request type, the request rate by version
 * (`RequestsPerSec{request,version}`) and the time histograms
 * (TotalTimeMs, RequestQueueTimeMs, LocalTimeMs, RemoteTimeMs, ResponseQueueTimeMs, ResponseSendTimeMs,
 * ThrottleTimeMs), rendered as the JMX exporter renders them: `kafka_network_requestmetrics_requests_total{request,version}`
 * and summaries `kafka_network_requestmetrics_totaltimems{request,quantile}` with `_sum` / `_count`.
 *
 * Recorded with numbers only; each request type's record is allocated on its first request. Two sources:
 * - the dispatcher (kafka-apis.ts, {@link RequestMetrics.record}): the request count by version, LocalTimeMs = the
 *   handler's synchronous turn on the event loop (what Kafka's request thread spends) and RemoteTimeMs = from the
 *   end of that turn to the encoded response (purgatory, file I/O and the continuations after them);
 * - the connection (connection.ts RequestTimesSink, {@link RequestMetrics.connectionTimes}), Kafka's
 *   RequestChannel.Request.updateRequestMetrics: RequestQueueTimeMs = frame complete → handed to the handler (waiting
 *   for queued.max.requests / the connection's own queue), ResponseQueueTimeMs = response complete → handed to the
 *   socket (waiting behind earlier responses of the same connection: Kafka's in-order response queue),
 *   ResponseSendTimeMs = handed to the socket → written, and TotalTimeMs = frame complete → written.
 * Without a connection sink (handlers driven directly) TotalTimeMs is the dispatcher's decoded request → encoded response.
 * Differs from Kafka: requests a SASL listener's authenticator answers before authentication (SaslHandshake,
 * SaslAuthenticate, ApiVersions) get queue/send/total times but no RequestsPerSec/LocalTimeMs (Kafka records neither:
 * its authenticator answers them on the network thread).
 *
 * ErrorsPerSec{request,error} (RequestChannel.updateErrorMetrics over `response.errorCounts()`): every `errorCode`
 * field of the response body, NONE included, counted per request type into a preallocated array — a walk of plain
 * objects and arrays only (class instances such as record slices are not entered), no allocation. Differs: Kafka's
 * errorCounts is per response class (a few skip nested levels); this counts each errorCode field once.
 * Offset commits (group-coordinator-metrics offset-commit-count) = partitions answered NONE in OffsetCommit and
 * TxnOffsetCommit responses (Kafka counts the offsets its GroupMetadataManager stored: the same, less any whose
 * append then failed).
 */
import type { Registry } from 'prom-client';
import { ApiKey, apiKeyName } from '../../protocol/api-keys.js';
import { KAFKA_ERRORS } from '../../protocol/errors.js';
import type { RequestTimesSink } from '../network/connection.js';
import { LatencyHistogram } from './latency-histogram.js';
import { registerFamily, summarySamples, type Sample } from './metric-families.js';

const MAX_VERSION = 32;
/** Error codes -1 .. ERROR_SLOTS-2 (index = code + 1); anything else lands in the last slot (rendered as UNKNOWN). */
const ERROR_SLOTS = 160;
const MAX_DEPTH = 6;

class RequestTypeMetrics {
  readonly byVersion = new Float64Array(MAX_VERSION);
  readonly errors = new Float64Array(ERROR_SLOTS);
  readonly totalTime = new LatencyHistogram();
  readonly throttleTime = new LatencyHistogram();
  readonly localTime = new LatencyHistogram();
  readonly remoteTime = new LatencyHistogram();
  readonly requestQueueTime = new LatencyHistogram();
  readonly responseQueueTime = new LatencyHistogram();
  readonly responseSendTime = new LatencyHistogram();
  constructor(readonly name: string) {}
}

const TIMERS: ReadonlyArray<[keyof RequestTypeMetrics & string, string, string]> = [
  ['totalTime', 'totaltimems', 'Time from receiving a request to its response being written (TotalTimeMs), ms.'],
  ['throttleTime', 'throttletimems', 'Quota throttle time given in responses (ThrottleTimeMs), ms.'],
  ['localTime', 'localtimems', 'The handler\'s synchronous turn on the event loop (LocalTimeMs: Kafka\'s request-thread time), ms.'],
  ['remoteTime', 'remotetimems', 'From the end of the handler\'s synchronous turn to the encoded response: purgatory, file I/O and their continuations (RemoteTimeMs), ms.'],
  ['requestQueueTime', 'requestqueuetimems', 'From the request\'s last byte read to its handler (waiting for queued.max.requests or the connection\'s queue; RequestQueueTimeMs), ms.'],
  ['responseQueueTime', 'responsequeuetimems', 'From the response complete to handed to the socket (behind earlier responses of the connection; ResponseQueueTimeMs), ms.'],
  ['responseSendTime', 'responsesendtimems', 'From handed to the socket to written (ResponseSendTimeMs), ms.'],
];

/** Request types beyond this key are not recorded (a bound on the per-type table whatever a frame claims). */
const MAX_API_KEY = 127;

export class RequestMetrics {
  private readonly byKey: Array<RequestTypeMetrics | undefined> = [];
  /** Set once a connection records the times: TotalTimeMs is then the connection's (frame read → response written). */
  private timedByConnection = false;
  private sink: RequestTimesSink | null = null;

  private of(apiKey: number): RequestTypeMetrics {
    let m = this.byKey[apiKey];
    if (m === undefined) { m = new RequestTypeMetrics(apiKeyName(apiKey)); this.byKey[apiKey] = m; }
    return m;
  }

  /** One request answered (or dropped: acks=0) by the dispatcher: `handleMs` from decoded to encoded, `localMs` its synchronous turn. */
  record(apiKey: number, version: number, handleMs: number, localMs = 0): void {
    const m = this.of(apiKey);
    m.byVersion[version < MAX_VERSION ? version : MAX_VERSION - 1]!++;
    if (!this.timedByConnection) m.totalTime.observe(handleMs);
    const local = localMs < handleMs ? localMs : handleMs;
    m.localTime.observe(local);
    m.remoteTime.observe(handleMs - local);
  }

  /**
   * The sink the connections call with each request's timestamps (connection.ts ConnectionLimits.requestTimes); from
   * the first call on, TotalTimeMs is measured by the connection.
   */
  connectionTimes(): RequestTimesSink {
    this.timedByConnection = true;
    this.sink ??= {
      record: (apiKey, _apiVersion, received, dequeued, completed, sendStart, sent) => {
        if (!(apiKey >= 0 && apiKey <= MAX_API_KEY)) return;
        const m = this.of(apiKey);
        m.requestQueueTime.observe(nonNegative(dequeued - received));
        m.responseQueueTime.observe(nonNegative(sendStart - completed));
        m.responseSendTime.observe(nonNegative(sent - sendStart));
        m.totalTime.observe(nonNegative(sent - received));
      },
    };
    return this.sink;
  }

  throttled(apiKey: number, throttleMs: number): void { this.of(apiKey).throttleTime.observe(throttleMs); }

  /** ErrorsPerSec: the error codes of one response body (the decoded object the handler returned). */
  recordErrors(apiKey: number, body: unknown): void {
    if (body === null || typeof body !== 'object') return;
    countErrorCodes(body, this.of(apiKey).errors, 0);
  }

  /** Offsets committed: OffsetCommit + TxnOffsetCommit partitions answered NONE. */
  get offsetCommits(): number {
    let n = 0;
    for (const k of [ApiKey.OffsetCommit, ApiKey.TxnOffsetCommit]) n += this.byKey[k]?.errors[1] ?? 0;
    return n;
  }

  register(registry: Registry): void {
    const present = () => this.byKey.filter((m): m is RequestTypeMetrics => m !== undefined);
    registerFamily(registry, 'kafka_network_requestmetrics_requests_total', 'Requests by type and version (RequestsPerSec).', 'counter', () => {
      const out: Sample[] = [];
      for (const m of present()) m.byVersion.forEach((n, version) => { if (n > 0) out.push({ value: n, labels: { request: m.name, version } }); });
      return out;
    });
    registerFamily(registry, 'kafka_network_requestmetrics_errors_total', 'Error codes in responses by request type, NONE included (ErrorsPerSec).', 'counter', () => {
      const out: Sample[] = [];
      for (const m of present()) {
        m.errors.forEach((n, i) => {
          if (n > 0) out.push({ value: n, labels: { request: m.name, error: i === ERROR_SLOTS - 1 ? 'UNKNOWN' : KAFKA_ERRORS.get(i - 1)?.name ?? `UNKNOWN_${i - 1}` } });
        });
      }
      return out;
    });
    registerFamily(registry, 'kafka_server_group_coordinator_metrics_offset_commit_total', 'Offsets committed (group-coordinator-metrics offset-commit-count; _total, as Prometheus reserves _count for summaries).', 'counter',
      () => [{ value: this.offsetCommits }]);
    for (const [field, name, help] of TIMERS) {
      const metric = `kafka_network_requestmetrics_${name}`;
      registerFamily(registry, metric, help, 'summary', () => present().flatMap((m) => summarySamples(metric, m[field] as LatencyHistogram, { request: m.name })));
    }
  }
}

function nonNegative(ms: number): number { return ms > 0 ? ms : 0; }

/** Counts every numeric `errorCode` in plain objects / arrays under `v` (not entering class instances or buffers). */
function countErrorCodes(v: object, into: Float64Array, depth: number): void {
  if (Array.isArray(v)) {
    if (depth < MAX_DEPTH) for (let i = 0; i < v.length; i++) { const e: unknown = v[i]; if (e !== null && typeof e === 'object') countErrorCodes(e, into, depth + 1); }
    return;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return;
  const o = v as Record<string, unknown>;
  for (const key in o) {
    const f = o[key];
    if (key === 'errorCode') {
      if (typeof f === 'number') { const i = f + 1; into[i >= 0 && i < ERROR_SLOTS - 1 ? i : ERROR_SLOTS - 1]!++; }
    } else if (f !== null && typeof f === 'object' && depth < MAX_DEPTH) countErrorCodes(f, into, depth + 1);
  }
}
