/**
 * Kafka's `AddPartitionsToTxnManager` metrics (KIP-890 transaction verification, kafka.server:type=
 * AddPartitionsToTxnManager): `VerificationTimeMs` (a histogram: from a produce's verification request being queued to
 * its callback, per transaction) and `VerificationFailureRate` (a meter marked with the number of partitions that
 * failed verification), rendered as the JMX exporter renders them: the summary
 * `kafka_server_addpartitionstotxnmanager_verificationtimems{quantile}` and the counter
 * `kafka_server_addpartitionstotxnmanager_verificationfailurerate_total`.
 *
 * The transaction service (S's add-partitions-to-txn-manager.ts) calls the sink at Kafka's two points
 * (`sendCallback` → verificationTime, `topicPartitionsToError` / the unverified partitions of a result →
 * verificationFailures); it reaches it as BrokerContext.txnVerificationMetrics, present only when metrics are on.
 * Differs from Kafka's exporter rendering: the exporter's generic rule makes `…_verificationfailurerate_count` of a
 * meter whose name does not end in PerSec; Prometheus reserves `_count` for summaries (promtool rejects it on a
 * counter), so it is `_total`, as every other meter here.
 */
import type { Registry } from 'prom-client';
import { LatencyHistogram } from './latency-histogram.js';
import { registerFamily, summarySamples } from './metric-families.js';

/** What the AddPartitionsToTxnManager reports (BrokerContext.txnVerificationMetrics). */
export interface TxnVerificationMetricsSink {
  /** One transaction's verification answered (its callback runs): `ms` since its request was queued. */
  verificationTime(ms: number): void;
  /** Partitions whose verification failed (Kafka marks the meter with the count, 0 included). */
  verificationFailures(partitions: number): void;
}

export class TxnVerificationMetrics implements TxnVerificationMetricsSink {
  readonly time = new LatencyHistogram();
  failures = 0;

  verificationTime(ms: number): void { this.time.observe(ms > 0 ? ms : 0); }
  verificationFailures(partitions: number): void { if (partitions > 0) this.failures += partitions; }

  register(registry: Registry): void {
    const timeName = 'kafka_server_addpartitionstotxnmanager_verificationtimems';
    registerFamily(registry, timeName, 'Time a produce waited for its transaction verification (KIP-890, AddPartitionsToTxnManager VerificationTimeMs), ms.', 'summary',
      () => summarySamples(timeName, this.time));
    registerFamily(registry, 'kafka_server_addpartitionstotxnmanager_verificationfailurerate_total', 'Partitions that failed transaction verification (KIP-890, AddPartitionsToTxnManager VerificationFailureRate).', 'counter',
      () => [{ value: this.failures }]);
  }
}
