/**
 * Process-wide timers of code that has no broker context at hand, as Kafka's own are process-wide objects in the
 * global Yammer registry: `LogFlushStats.logFlushTimer` (kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs)
 * and `ZooKeeperClient`'s request latency (kafka.server:type=ZooKeeperClientMetrics,name=ZooKeeperRequestLatencyMs).
 * One number-only observe per flush / ZooKeeper request; rendered by KafkaMetrics when metrics are on.
 */
import { LatencyHistogram } from './latency-histogram.js';

export const LogFlushStats = { logFlushTimer: new LatencyHistogram() };
export const ZooKeeperClientMetrics = { requestLatency: new LatencyHistogram() };
