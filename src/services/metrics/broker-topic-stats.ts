/**
 * Kafka's `kafka.server.BrokerTopicStats` / `BrokerTopicMetrics`: per-topic and all-topics meters of the produce and
 * fetch paths, rendered as the JMX exporter renders `kafka.server:type=BrokerTopicMetrics,name=XPerSec[,topic=t]`
 * (`kafka_server_brokertopicmetrics_x_total`, with a `topic` label for the per-topic MBeans).
 *
 * The hot path calls the {@link TopicStatsHooks} methods: a Map lookup and two additions each, no allocation (a
 * topic's record is created once, on its first request). Differs from Kafka: Yammer meters also carry 1/5/15-minute
 * rates; Prometheus derives rates from the counters (`rate(...[5m])`), so only the counts are kept. Per-topic
 * metrics of a deleted topic stay until restart (Kafka removes them on StopReplica(delete)).
 */
import type { Registry } from 'prom-client';
import { ErrorCode } from '../../protocol/errors.js';
import { registerFamily, type Sample } from './metric-families.js';

/** "Failed produce requests metric is not incremented for known exceptions" (ReplicaManager.appendToLocalLog). */
const PRODUCE_KNOWN_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.CORRUPT_MESSAGE, ErrorCode.KAFKA_STORAGE_ERROR,
]);
/** The same for fetches (ReplicaManager.readFromLocalLog); OFFSET_OUT_OF_RANGE is handled there, not counted. */
const FETCH_KNOWN_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.REPLICA_NOT_AVAILABLE, ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.INCONSISTENT_TOPIC_ID, ErrorCode.OFFSET_OUT_OF_RANGE,
]);

/** What the produce / fetch handlers report (BrokerContext.stats): one small interface, called per partition. */
export interface TopicStatsHooks {
  /** A partition of a Produce request (TotalProduceRequestsPerSec). */
  produceRequest(topic: string): void;
  /** Appended to the leader (BytesInPerSec, MessagesInPerSec). */
  produced(topic: string, bytes: number, messages: number): void;
  /**
   * The leader append failed with `errorCode`: FailedProduceRequestsPerSec except for Kafka's "known" errors
   * (ReplicaManager.appendToLocalLog); MESSAGE_TOO_LARGE / RECORD_LIST_TOO_LARGE count the batch as BytesRejectedPerSec.
   */
  produceError(topic: string, errorCode: number, batchBytes: number): void;
  /** A partition of a Fetch request (TotalFetchRequestsPerSec). */
  fetchRequest(topic: string): void;
  /** The read failed with `errorCode`: FailedFetchRequestsPerSec except for Kafka's known errors (readFromLocalLog). */
  fetchError(topic: string, errorCode: number): void;
  /** Bytes sent in a Fetch response: a consumer's count as BytesOutPerSec, a follower's as ReplicationBytesOutPerSec. */
  bytesOut(topic: string, bytes: number, fromFollower: boolean): void;
}

/** One BrokerTopicMetrics: the counters of one topic, or of all topics. */
class TopicCounters {
  messagesIn = 0;
  bytesIn = 0;
  bytesOut = 0;
  bytesRejected = 0;
  failedProduceRequests = 0;
  failedFetchRequests = 0;
  totalProduceRequests = 0;
  totalFetchRequests = 0;
  replicationBytesOut = 0;
  replicationBytesIn = 0;
}

type CounterField = Exclude<keyof TopicCounters, never>;

/** The JMX exporter name of each meter (MBean name without PerSec, lower-cased, `_total`). */
const METERS: ReadonlyArray<[CounterField, string, string, boolean]> = [
  ['messagesIn', 'messagesin', 'Messages appended to leader logs by clients (MessagesInPerSec).', true],
  ['bytesIn', 'bytesin', 'Bytes appended to leader logs by clients (BytesInPerSec).', true],
  ['bytesOut', 'bytesout', 'Bytes sent to consumers in Fetch responses (BytesOutPerSec).', true],
  ['bytesRejected', 'bytesrejected', 'Bytes of produce batches rejected as too large (BytesRejectedPerSec).', true],
  ['failedProduceRequests', 'failedproducerequests', 'Partition appends that failed (FailedProduceRequestsPerSec).', true],
  ['failedFetchRequests', 'failedfetchrequests', 'Partition reads that failed (FailedFetchRequestsPerSec).', true],
  ['totalProduceRequests', 'totalproducerequests', 'Partitions in Produce requests (TotalProduceRequestsPerSec).', true],
  ['totalFetchRequests', 'totalfetchrequests', 'Partitions in Fetch requests (TotalFetchRequestsPerSec).', true],
  ['replicationBytesOut', 'replicationbytesout', 'Bytes sent to followers in Fetch responses (ReplicationBytesOutPerSec).', false],
  ['replicationBytesIn', 'replicationbytesin', 'Bytes this broker\'s replica fetchers appended as a follower (ReplicationBytesInPerSec).', false],
];

/**
 * What the replica fetchers report (ReplicaFetcherThread.processPartitionData): ReplicationBytesInPerSec and each
 * partition's lag for ReplicaFetcherManager MaxLag. Allocation-free after a partition's first report.
 */
export interface FetcherStatsHooks {
  replicationBytesIn(bytes: number): void;
  /** max(0, leader HW − next fetch offset) after a fetched partition was processed. */
  fetcherLag(topic: string, partition: number, lag: number): void;
}

interface LagEntry { lag: number; at: number }

/** FetcherLagStats: per partition, the last lag seen; MaxLag = the largest of those reported recently. */
export class FetcherLagStats {
  private readonly byTopic = new Map<string, Map<number, LagEntry>>();
  constructor(private readonly now: () => number = Date.now) {}
  set(topic: string, partition: number, lag: number): void {
    let t = this.byTopic.get(topic);
    if (t === undefined) { t = new Map(); this.byTopic.set(topic, t); }
    const e = t.get(partition);
    if (e === undefined) t.set(partition, { lag, at: this.now() });
    else { e.lag = lag; e.at = this.now(); }
  }
  /** The largest lag reported within `maxAgeMs` (a partition no longer followed stops counting; Kafka removes it). */
  maxLag(maxAgeMs = 60_000): number {
    const oldest = this.now() - maxAgeMs;
    let max = 0;
    for (const t of this.byTopic.values()) for (const e of t.values()) if (e.at >= oldest && e.lag > max) max = e.lag;
    return max;
  }
}

export class BrokerTopicStats implements TopicStatsHooks, FetcherStatsHooks {
  readonly allTopics = new TopicCounters();
  readonly fetcherLagStats = new FetcherLagStats();
  private readonly topics = new Map<string, TopicCounters>();

  topicStats(topic: string): TopicCounters {
    let t = this.topics.get(topic);
    if (t === undefined) { t = new TopicCounters(); this.topics.set(topic, t); }
    return t;
  }

  produceRequest(topic: string): void { this.topicStats(topic).totalProduceRequests++; this.allTopics.totalProduceRequests++; }
  produced(topic: string, bytes: number, messages: number): void {
    const t = this.topicStats(topic);
    t.bytesIn += bytes; t.messagesIn += messages;
    this.allTopics.bytesIn += bytes; this.allTopics.messagesIn += messages;
  }
  produceError(topic: string, errorCode: number, batchBytes: number): void {
    const t = this.topicStats(topic);
    if (errorCode === ErrorCode.MESSAGE_TOO_LARGE || errorCode === ErrorCode.RECORD_LIST_TOO_LARGE) {
      t.bytesRejected += batchBytes; this.allTopics.bytesRejected += batchBytes;
      return;
    }
    if (PRODUCE_KNOWN_ERRORS.has(errorCode)) return;
    t.failedProduceRequests++; this.allTopics.failedProduceRequests++;
  }
  fetchRequest(topic: string): void { this.topicStats(topic).totalFetchRequests++; this.allTopics.totalFetchRequests++; }
  fetchError(topic: string, errorCode: number): void {
    if (FETCH_KNOWN_ERRORS.has(errorCode)) return;
    this.topicStats(topic).failedFetchRequests++; this.allTopics.failedFetchRequests++;
  }
  bytesOut(topic: string, bytes: number, fromFollower: boolean): void {
    // Kafka: a follower's fetch counts only as ReplicationBytesOutPerSec (all topics)
    if (fromFollower) { this.allTopics.replicationBytesOut += bytes; return; }
    this.topicStats(topic).bytesOut += bytes; this.allTopics.bytesOut += bytes;
  }

  replicationBytesIn(bytes: number): void { this.allTopics.replicationBytesIn += bytes; }
  fetcherLag(topic: string, partition: number, lag: number): void { this.fetcherLagStats.set(topic, partition, lag); }

  /** The kafka_server_brokertopicmetrics_* families (scrape time). */
  register(registry: Registry): void {
    for (const [field, name, help, perTopic] of METERS) {
      registerFamily(registry, `kafka_server_brokertopicmetrics_${name}_total`, help, 'counter', () => {
        const out: Sample[] = [{ value: this.allTopics[field] }];
        if (perTopic) for (const [topic, t] of this.topics) out.push({ value: t[field], labels: { topic } });
        return out;
      });
    }
    registerFamily(registry, 'kafka_server_replicafetchermanager_maxlag', 'Largest lag, in messages, of a partition this broker follows (ReplicaFetcherManager MaxLag).', 'gauge',
      () => [{ value: this.fetcherLagStats.maxLag(), labels: { client_id: 'Replica' } }]);
  }
}

/** Kafka's updateBytesOut for each partition of a Fetch response (KafkaApis.handleFetchRequest's response callback). */
export function recordBytesOut(stats: TopicStatsHooks, responses: ReadonlyArray<{ topic?: string; partitions?: ReadonlyArray<{ records?: Uint8Array | null }> }>, fromFollower: boolean): void {
  for (const t of responses) for (const p of t.partitions ?? []) if (p.records && p.records.length > 0) stats.bytesOut(t.topic ?? '', p.records.length, fromFollower);
}
