/**
 * The broker's metrics registry: what Kafka's `KafkaYammerMetrics` + `JmxReporter` expose, named as the Prometheus
 * JMX exporter's common Kafka rules render the MBeans (`kafka.server:type=ReplicaManager,name=LeaderCount` →
 * `kafka_server_replicamanager_leadercount`), so Kafka dashboards and alerts work unchanged. The mapping table is
 * in the README (Monitoring).
 *
 * Built on prom-client (the Node standard: maintained, text-format escaping, the Node runtime collectors — heap,
 * RSS, GC, event-loop lag, open fds — that stand in for the JVM's). Rafka's own values are kept in plain objects
 * and turned into samples at scrape time (metric-families.ts), so the produce/fetch path never allocates for them.
 * Exists only when `metrics.http.listener` is set: with metrics off the hooks are absent and cost nothing.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { BrokerTopicStats } from './broker-topic-stats.js';
import { RequestMetrics } from './request-metrics.js';
import { TxnVerificationMetrics } from './txn-verification-metrics.js';
import { registerFamily, registerGauge } from './metric-families.js';
import { registerBrokerGauges } from './broker-gauges.js';
import type { ObservedBroker } from './observed-broker.js';

export class KafkaMetrics {
  readonly registry = new Registry();
  readonly topicStats = new BrokerTopicStats();
  readonly requests = new RequestMetrics();
  /** KIP-890 verification (AddPartitionsToTxnManager VerificationTimeMs / VerificationFailureRate). */
  readonly txnVerification = new TxnVerificationMetrics();
  private observed = false;
  /** ReplicaManager's IsrShrinksPerSec / IsrExpandsPerSec: ISR changes committed by this broker's leaders. */
  readonly isrChanges = { shrinks: 0, expands: 0 };
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private idleElu: EventLoopUtilization = performance.eventLoopUtilization();

  constructor() {
    // the event-loop delay sampler at 100 ms, not prom-client's 10 ms: a 10 ms timer costs this VM ~6.5 ms of CPU per
    // second doing nothing (kvm-clock wake-ups; bench/metrics.mjs "idle broker CPU": on 9.9 vs off 2.7 ms/s), which was
    // most of what metrics cost a broker under load (+16-19% CPU per GB); stalls still delay the next sample and show
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
    // prom-client's `_total` gauges (Prometheus reserves `_total` for counters: promtool check metrics complains); the
    // same counts remain as nodejs_active_handles / _requests / _resources by type
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    this.topicStats.register(this.registry);
    this.requests.register(this.registry);
    this.txnVerification.register(this.registry);
    registerFamily(this.registry, 'kafka_server_replicamanager_isrshrinks_total', 'ISR shrinks committed by this broker\'s leaders (IsrShrinksPerSec).', 'counter',
      () => [{ value: this.isrChanges.shrinks }]);
    registerFamily(this.registry, 'kafka_server_replicamanager_isrexpands_total', 'ISR expansions committed by this broker\'s leaders (IsrExpandsPerSec).', 'counter',
      () => [{ value: this.isrChanges.expands }]);
    // Kafka's NetworkProcessorAvgIdlePercent / RequestHandlerAvgIdlePercent have one Node equivalent: the event loop's idle share
    registerGauge(this.registry, 'nodejs_eventloop_utilization', 'Share of time the event loop was busy since the previous scrape (0..1).', () => {
      const now = performance.eventLoopUtilization();
      const delta = performance.eventLoopUtilization(now, this.elu);
      this.elu = now;
      return delta.utilization;
    });
    // kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent: one event loop does the network and the
    // request handling, so it is its idle share since the previous scrape (0..1, as Kafka's gauge)
    registerGauge(this.registry, 'kafka_network_socketserver_networkprocessoravgidlepercent', 'Idle share of the event loop, which is Rafka\'s network processor, since the previous scrape (NetworkProcessorAvgIdlePercent, 0..1).', () => {
      const now = performance.eventLoopUtilization();
      const delta = performance.eventLoopUtilization(now, this.idleElu);
      this.idleElu = now;
      return 1 - delta.utilization;
    });
  }

  /**
   * Wraps the Partition's ISR state transition (ReplicaManagerOptions.advanceIsrState) to count what Kafka's
   * Partition marks on commit: a committed pendingShrink is an ISR shrink, a committed pendingExpand an expansion.
   */
  countIsrChanges<S extends string, E extends string>(advance: (state: S, event: E) => { state: S; valid: boolean }): (state: S, event: E) => { state: S; valid: boolean } {
    return (state, event) => {
      const r = advance(state, event);
      if (r.valid && event === 'isr.committed') {
        if (state === 'pendingShrink') this.isrChanges.shrinks++;
        else if (state === 'pendingExpand') this.isrChanges.expands++;
      }
      return r;
    };
  }

  /** Adds the gauges read from the broker's state at scrape time (once; the Majordomo's metrics server calls it). */
  observe(broker: ObservedBroker): void {
    if (this.observed) return;
    this.observed = true;
    registerBrokerGauges(this.registry, broker);
  }

  /** The Prometheus text exposition (format 0.0.4). */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
