/**
 * What the request handlers (KafkaApis) see of the broker. The Majordomo wires the real
 * implementations (metadata from the controller, logs from the LogManager, topic admin through
 * ZooKeeper); handler tests can supply small fakes.
 */
import type { Logger } from '../../logger.js';
import type { KafkaConfig } from '../../config/kafka-config.js';
import type { BrokerInfo } from '../zookeeper/zk-data.js';
import type { TopicMetadata } from '../controller/cluster-metadata.js';
import type { LeaderAndIsrControl, StopReplicaControl, UpdateMetadataControl } from '../controller/control-requests.js';
import type { LogConfig } from '../log/log-config.js';
import type { ControllerApis } from '../controller/controller-apis.js';
import type { FetchManager } from './fetch-session.js';
import type { Authorizer } from '../security/request-authorizer.js';
import type { TopicStatsHooks } from '../metrics/broker-topic-stats.js';
import type { RequestMetrics } from '../metrics/request-metrics.js';
import type { TxnVerificationMetricsSink } from '../metrics/txn-verification-metrics.js';
import type { QuotaManagers } from '../quota/quota-managers.js';
import type { ReplicationQuotas } from '../replication/replication-quota-manager.js';
import type { ZkSession } from '../zookeeper/zk-session.js';
import type { LogDirsSource } from '../admin/describe-log-dirs.js';

export interface MetadataView {
  readonly brokerId: number;
  clusterId(): string;
  /** -1 when unknown. */
  controllerId(): number;
  /** Live brokers with their advertised endpoints. */
  brokers(): BrokerInfo[];
  topics(): TopicMetadata[];
  topic(name: string): TopicMetadata | undefined;
  /** Resolves true once `pred` holds for the metadata (checked on every update), false after timeoutMs. */
  waitFor(pred: (m: MetadataView) => boolean, timeoutMs: number): Promise<boolean>;
}

export interface AppendResult { firstOffset: bigint; lastOffset: bigint; logAppendTime: number; logStartOffset: bigint; recordCount: number }
export interface ReadResult { records: Buffer; highWatermark: bigint; logStartOffset: bigint }

/** One local partition replica this broker leads (a Log underneath). */
export interface PartitionLog {
  /** The log's effective LogConfig (topic overrides over broker defaults). */
  readonly config: LogConfig;
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  readonly highWatermark: bigint;
  appendAsLeader(records: Buffer, leaderEpoch: number): AppendResult;
  read(startOffset: bigint, maxBytes: number, opts?: { minOneMessage?: boolean }): ReadResult;
  fetchOffsetByTimestamp(ts: number): { offset: bigint; timestamp: number; leaderEpoch: number } | null;
  /** ListOffsets v0: segment base offsets modified at or before `ts` (-1 latest, -2 earliest), newest first. */
  legacyFetchOffsetsBefore(ts: number, maxNumOffsets: number): bigint[];
  /** Transactions: the last stable offset (absent: = high watermark, no transactions). */
  readonly lastStableOffset?: bigint;
  /** Transactions: aborted transactions overlapping [start, upperBound) from the `.txnindex` files. */
  collectAbortedTransactions?(startOffset: bigint, upperBoundOffset: bigint): Array<{ producerId: bigint; firstOffset: bigint; lastOffset: bigint; lastStableOffset: bigint }>;
  /** DescribeProducers: the producers with state in this log. */
  producerEntries?(): Array<{ producerId: bigint; epoch: number; lastSequence: number; timestamp: number; coordinatorEpoch: number; currentTxnFirstOffset: bigint }>;
  /** KIP-890 (transaction/add-partitions-to-txn-manager.ts): the verification guard, or null when the producer's transaction is open here. */
  maybeStartTransactionVerification?(producerId: bigint, sequence: number, epoch: number): object | null;
  verificationGuard?(producerId: bigint): object | undefined;
  hasOngoingTransaction?(producerId: bigint): boolean;
}

/**
 * The leader side of a hosted partition (the replication Partition): what Produce, Fetch and OffsetsForLeaderEpoch
 * need beyond the log.
 */
export interface LeaderPartition {
  /**
   * The leader append: acks=-1 below the effective min ISR throws NotEnoughReplicasError (nothing written).
   * `origin` 'coordinator': transaction markers and transactional offset commits (Kafka's AppendOrigin.COORDINATOR).
   */
  appendRecordsToLeader(records: Buffer, requiredAcks: number, origin?: 'client' | 'coordinator'): AppendResult;
  /** A follower's Fetch (its LEO = fetchOffset); false when `replicaId` is not a follower of this partition. */
  updateFollowerFetchState(replicaId: number, fetchOffset: bigint, followerStartOffset: bigint, leaderEndOffset: bigint): boolean;
  /** The committed ISR (replication throttles hold back only replicas out of it). */
  readonly isr?: readonly number[];
  /** The followers' fetch states (KIP-392: the preferred read replica is chosen among those in the ISR). */
  followerStates?(): ReadonlyArray<{ brokerId: number; logStartOffset: bigint; logEndOffset: bigint; lastCaughtUpTimeMs: number }>;
  /** OffsetsForLeaderEpoch / the diverging-epoch check: the current-leader-epoch check, then the end of `leaderEpoch`. */
  lastOffsetForLeaderEpoch(currentLeaderEpoch: number, leaderEpoch: number, fetchOnlyFromLeader: boolean): { errorCode: number; leaderEpoch: number; endOffset: bigint };
  /**
   * DeleteRecords (Partition.deleteRecordsOnLeader): moves the log start offset to `offset` (-1 = the high watermark);
   * throws PolicyViolationError (no `delete` cleanup policy) or OffsetOutOfRangeError (negative, or above the HW).
   * Absent in handler fakes that do not serve DeleteRecords.
   */
  deleteRecordsOnLeader?(offset: bigint): { requestedOffset: bigint; lowWatermark: bigint };
  /** Partition.lowWatermarkIfLeader: the smallest log start offset of the leader and its live followers. */
  lowWatermark?(): bigint;
}

export type PartitionLookup =
  | { kind: 'leader'; log: PartitionLog; leaderEpoch: number; partition: LeaderPartition }
  | { kind: 'unknown' }            // no such topic-partition in the metadata → UNKNOWN_TOPIC_OR_PARTITION
  // exists, led elsewhere or leaderless → NOT_LEADER_OR_FOLLOWER; `follower`: this broker's follower replica (KIP-392
  // fetch from follower: it serves consumers that sent client metadata, up to its high watermark)
  | { kind: 'notLeader'; follower?: { log: PartitionLog; leaderEpoch: number } }
  | { kind: 'offline' };           // its log dir is offline → KAFKA_STORAGE_ERROR

export interface ReplicaView {
  partition(topic: string, partition: number): PartitionLookup;
  /** Resolves when any of these partitions got new data, or after timeoutMs (Fetch long polling). */
  waitForData(partitions: Array<{ topic: string; partition: number }>, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /**
   * acks=-1 (Kafka's DelayedProduce): resolves, per item, NONE once every ISR member has the records up to
   * `requiredOffset` (the HW reached it), NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below the min ISR
   * meanwhile, NOT_LEADER_OR_FOLLOWER if leadership moved, REQUEST_TIMED_OUT after `timeoutMs`.
   */
  waitForReplication(items: Array<{ topic: string; partition: number; requiredOffset: bigint }>, timeoutMs: number): Promise<number[]>;
}

export interface CreateTopicRequest { name: string; numPartitions: number; replicationFactor: number; assignments?: Map<number, number[]>; configs: Record<string, string> }

export interface AdminView {
  /** Validates and writes the topic to ZooKeeper; throws errors named as Kafka's (TopicExistsError, InvalidTopicError, InvalidReplicationFactorError, InvalidPartitionsError, InvalidConfigurationError). */
  createTopic(req: CreateTopicRequest, validateOnly: boolean): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  /** /config/<type>/<name> as stored in ZooKeeper ({} when absent; passwords still encoded). */
  entityConfigs(type: ConfigEntityType, name: string): Promise<Record<string, string>>;
  /** AdminZkClient.changeEntityConfig (topics, brokers): replace the entity's configs and notify every broker. */
  changeEntityConfigs(type: ConfigEntityType, name: string, configs: Record<string, string>): Promise<void>;
  /**
   * Adds partitions up to `count` (given replica lists for the new ones, or Kafka's automatic assignment). Throws
   * errors named as Kafka's (UnknownTopicOrPartitionError, InvalidPartitionsError, InvalidReplicaAssignmentError,
   * BrokerNotAvailableError, ReassignmentInProgressError, InvalidReplicationFactorError).
   */
  createPartitions(topic: string, count: number, assignments: number[][] | null, validateOnly: boolean): Promise<void>;
}

export type ConfigEntityType = 'topics' | 'brokers';

export interface BrokerContext {
  config(): KafkaConfig;
  metadata: MetadataView;
  replicas: ReplicaView;
  admin: AdminView;
  /** Where the controller's LeaderAndIsr / UpdateMetadata / StopReplica go (absent: the broker refuses them). */
  control?: ControlPlane;
  /** The log dirs and their logs (DescribeLogDirs); absent: no dirs are described. */
  logDirs?: LogDirsSource;
  /** AlterReplicaLogDirs (the ReplicaManager's log-dir mover); absent: every partition KAFKA_STORAGE_ERROR. */
  logDirMover?: { alterReplicaLogDirs(a: Array<{ dir: string; topic: string; partition: number }>): Array<{ dir: string; topic: string; partition: number; errorCode: number }> };
  /** The controller's request entry points (AlterPartition, ControlledShutdown); absent: NOT_CONTROLLER. */
  controller?: ControllerApis;
  /** Incremental fetch sessions (KIP-227, fetch-session.ts); absent: no session is ever created. */
  fetchManager?: FetchManager;
  /** authorizer.class.name's AclAuthorizer (services/security); absent: every request is allowed, as Kafka without one. */
  authorizer?: Authorizer;
  log: Logger;
  /** BrokerTopicStats hooks of the produce / fetch path; absent when metrics are off (metrics.http.listener empty). */
  stats?: TopicStatsHooks;
  /** Per-request-type counts and times (kafka.network RequestMetrics); absent when metrics are off. */
  requestMetrics?: RequestMetrics;
  /** KIP-890 verification metrics (AddPartitionsToTxnManager VerificationTimeMs / VerificationFailureRate); absent when metrics are off. */
  txnVerificationMetrics?: TxnVerificationMetricsSink;
  /** Client quotas (ClientQuotaManager per type); absent in handler tests. */
  quotas?: QuotaManagers;
  /** Replication throttles (QuotaFactory's leader / follower ReplicationQuotaManager); absent in handler tests. */
  replicationQuotas?: ReplicationQuotas;
  /** Where DescribeClientQuotas / AlterClientQuotas read and write /config/clients and /config/users (absent: refused). */
  clientQuotaStore?: () => ZkSession;
  /** Where CreateAcls / DeleteAcls write /kafka-acl* (with an AclAuthorizer; absent: SECURITY_DISABLED). */
  aclStore?: () => ZkSession;
  /** Where Describe/AlterUserScramCredentials read and write /config/users (absent: UNKNOWN_SERVER_ERROR). */
  scramCredentialStore?: () => ZkSession;
}

/** One partition's error in a LeaderAndIsr or StopReplica answer. */
export interface PartitionError { topicName: string; topicId: string | null; partitionIndex: number; errorCode: number }
/** The answer to a LeaderAndIsr or StopReplica request, as the ReplicaManager gives it. */
export interface ControlResult { errorCode: number; partitionErrors: PartitionError[] }

/** What the controller's requests need of the ReplicaManager (it implements this; the interface lives here so that
 * control-requests.ts and replica-manager.ts do not import each other). */
export interface ControlReplicas {
  becomeLeaderOrFollower(c: LeaderAndIsrControl): ControlResult;
  maybeUpdateMetadataCache(c: UpdateMetadataControl): { errorCode: number };
  stopReplicas(c: StopReplicaControl): ControlResult;
}

/** The broker's side of the controller's requests (control-requests.ts). */
export interface ControlPlane {
  /** This broker's epoch: the czxid of its /brokers/ids/<id> registration (-1 before it registered). */
  brokerEpoch(): bigint;
  replicas: ControlReplicas;
  log: Logger;
  /** Told the topics of each LeaderAndIsr applied (their logs may be new: the broker reads their topic configs). */
  onLeaderAndIsr?: (topics: string[]) => void;
  /** Told the topics of each StopReplica applied (Kafka's handleStopReplicaRequest → the coordinators' onResignation). */
  onStopReplica?: (topics: string[]) => void;
}
