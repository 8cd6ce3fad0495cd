/**
 * The seam between the leader's Partition (which decides an ISR change) and whoever makes it durable — Kafka's
 * `AlterPartitionManager`. In ZooKeeper mode with inter.broker.protocol.version >= 2.7-IV2 the leader sends
 * AlterPartition (AlterIsr) to the controller, which writes `/brokers/topics/<t>/partitions/<p>/state` with a
 * conditional version and answers with the new LeaderAndIsr; with an older IBP the leader writes the znode itself
 * and adds `/isr_change_notification/isr_change_N` (Kafka's `ZkAlterPartitionManager`).
 *
 * Only types live here, so that the replica side (services/server, services/replication) and the controller side
 * (services/controller) depend on this module and not on each other.
 */

/** Kafka's LeaderAndIsr as the leader knows it; `partitionEpoch` is the state znode's version in ZooKeeper mode. */
export interface LeaderAndIsrState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  partitionEpoch: number;
  /** LeaderRecoveryState: 0 RECOVERED (the only value ZooKeeper mode uses), 1 RECOVERING. */
  leaderRecoveryState: number;
}

export interface AlterPartitionItem {
  topic: string;
  /** base64url as ZooKeeper stores it, or null (AlterPartition < v2 names topics). */
  topicId: string | null;
  partition: number;
  /** The proposed state: same leader and leader epoch, the new ISR, the partition epoch it was derived from. */
  proposed: LeaderAndIsrState;
}

/**
 * The controller's answer for one partition: the committed state (whose partitionEpoch the leader adopts) or
 * Kafka's per-partition error (INVALID_UPDATE_VERSION, FENCED_LEADER_EPOCH, NOT_CONTROLLER, INELIGIBLE_REPLICA,
 * OPERATION_NOT_ATTEMPTED, UNKNOWN_TOPIC_OR_PARTITION, …).
 */
export type AlterPartitionResult = { errorCode: 0; state: LeaderAndIsrState } | { errorCode: number; state?: undefined };

export interface AlterPartitionManager {
  /**
   * Submits one ISR change; at most one may be in flight per partition (Kafka's `Partition.pendingState`).
   * Resolves with the controller's answer; rejects only when this broker is shutting down.
   * Implementations batch items sent in one turn into one request and retry transport failures with back-off.
   */
  submit(item: AlterPartitionItem): Promise<AlterPartitionResult>;
}
