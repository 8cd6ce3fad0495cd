/**
 * What every API handler shares: the handler shape the dispatcher (kafka-apis.ts) calls, the request/response
 * types per API key, and small helpers (topic ids, Kafka error mapping by error name).
 */
import type { DecodedRequest, ResponseInput } from '../../../protocol/frame.js';
import type { ImplementedApiKey } from '../../../protocol/messages/index.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ConnectionInfo } from '../../network/connection.js';
import type { BrokerContext } from '../broker-context.js';
import type { PartitionMetadata, TopicMetadata } from '../../controller/cluster-metadata.js';

/** The decoded request of one API key. */
export type RequestOf<K extends ImplementedApiKey> = Extract<DecodedRequest, { apiKey: K }>;

export interface HandlerContext {
  broker: BrokerContext;
  conn: ConnectionInfo;
}

/**
 * One API: `handle` answers a request (null = send nothing, Produce acks=0); `errorResponse` builds the response
 * Kafka gives when handling failed unexpectedly (`AbstractRequest.getErrorResponse`): the error code on every
 * per-topic / per-partition entry of the request.
 */
export interface ApiHandler<K extends ImplementedApiKey> {
  readonly apiKey: K;
  handle(req: RequestOf<K>, hc: HandlerContext): Promise<ResponseInput<K> | null>;
  errorResponse(req: RequestOf<K>, errorCode: number, message: string | null): ResponseInput<K>;
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** A Kafka Uuid stored as base64url (ZooKeeper `topic_id`) → the codec's 8-4-4-4-12 hex form; null → zero. */
export function topicIdToWire(id: string | null): string {
  if (id === null || id === '') return ZERO_UUID;
  if (id.length === 36 && id[8] === '-') return id.toLowerCase();
  const b = Buffer.from(id, 'base64url');
  if (b.length !== 16) return ZERO_UUID;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Errors raised by the log / admin layers, matched by `name` (so handlers do not depend on their files). */
const ERROR_CODES_BY_NAME: Readonly<Record<string, number>> = {
  OffsetOutOfRangeError: ErrorCode.OFFSET_OUT_OF_RANGE,
  ThrottlingQuotaExceededError: ErrorCode.THROTTLING_QUOTA_EXCEEDED,
  RecordTooLargeError: ErrorCode.MESSAGE_TOO_LARGE,
  RecordBatchTooLargeError: ErrorCode.RECORD_LIST_TOO_LARGE,
  CorruptRecordError: ErrorCode.CORRUPT_MESSAGE,
  InvalidRecordError: ErrorCode.INVALID_RECORD,
  InvalidTimestampError: ErrorCode.INVALID_TIMESTAMP,
  UnsupportedForMessageFormatError: ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
  UnsupportedCompressionTypeError: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
  KafkaStorageError: ErrorCode.KAFKA_STORAGE_ERROR,
  NotLeaderOrFollowerError: ErrorCode.NOT_LEADER_OR_FOLLOWER,
  NotEnoughReplicasError: ErrorCode.NOT_ENOUGH_REPLICAS,
  TopicExistsError: ErrorCode.TOPIC_ALREADY_EXISTS,
  InvalidTopicError: ErrorCode.INVALID_TOPIC_EXCEPTION,
  InvalidPartitionsError: ErrorCode.INVALID_PARTITIONS,
  InvalidReplicationFactorError: ErrorCode.INVALID_REPLICATION_FACTOR,
  InvalidReplicaAssignmentError: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
  InvalidConfigurationError: ErrorCode.INVALID_CONFIG,
  InvalidConfigError: ErrorCode.INVALID_CONFIG,
  ConfigException: ErrorCode.INVALID_CONFIG,
  PolicyViolationError: ErrorCode.POLICY_VIOLATION,
  ControllerMovedError: ErrorCode.NOT_CONTROLLER,
  UnknownTopicOrPartitionError: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  BrokerNotAvailableError: ErrorCode.BROKER_NOT_AVAILABLE,
  ReassignmentInProgressError: ErrorCode.REASSIGNMENT_IN_PROGRESS,
  InvalidRequestError: ErrorCode.INVALID_REQUEST,
  TopicDeletionDisabledError: ErrorCode.TOPIC_DELETION_DISABLED,
  AdminTimeoutError: ErrorCode.REQUEST_TIMED_OUT,
  OutOfOrderSequenceError: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  InvalidProducerEpochError: ErrorCode.INVALID_PRODUCER_EPOCH,
  InvalidTxnStateError: ErrorCode.INVALID_TXN_STATE,
  TransactionCoordinatorFencedError: ErrorCode.TRANSACTION_COORDINATOR_FENCED,
};

/** The Kafka error code for a known error (by `name`), or null when it is unexpected (UNKNOWN_SERVER_ERROR). */
export function knownErrorCode(err: unknown): number | null {
  if (!(err instanceof Error)) return null;
  return ERROR_CODES_BY_NAME[err.name] ?? null;
}

export function errorMessageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Kafka's AclOperation codes; with no authorizer every supported operation is authorized. */
const ACL_OP = { CREATE: 5, READ: 3, WRITE: 4, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9, DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12 };
const bits = (ops: number[]) => ops.reduce((acc, op) => acc | (1 << op), 0);
export const TOPIC_AUTHORIZED_OPERATIONS = bits([ACL_OP.READ, ACL_OP.WRITE, ACL_OP.CREATE, ACL_OP.DESCRIBE, ACL_OP.DELETE, ACL_OP.ALTER, ACL_OP.DESCRIBE_CONFIGS, ACL_OP.ALTER_CONFIGS]);
export const CLUSTER_AUTHORIZED_OPERATIONS = bits([ACL_OP.CREATE, ACL_OP.CLUSTER_ACTION, ACL_OP.DESCRIBE_CONFIGS, ACL_OP.ALTER_CONFIGS, ACL_OP.IDEMPOTENT_WRITE, ACL_OP.ALTER, ACL_OP.DESCRIBE]);
/** MetadataResponse's "not requested" value. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** Milliseconds left until `deadline` (never negative). */
export function remainingMs(deadline: number): number {
  return Math.max(0, deadline - Date.now());
}

/** A topic's partition by index: O(1) when the list is dense and ordered (the usual case), else a scan. */
export function partitionOf(t: TopicMetadata | undefined, partition: number): PartitionMetadata | undefined {
  if (!t) return undefined;
  const direct = t.partitions[partition];
  if (direct?.partition === partition) return direct;
  return t.partitions.find((p) => p.partition === partition);
}

/** An admin (ZooKeeper) operation that did not finish in time; it may still complete later. */
export class AdminTimeoutError extends Error { override name = 'AdminTimeoutError'; }

/**
 * `p`, or an {@link AdminTimeoutError} after `ms`: handlers never wait forever on ZooKeeper (a disconnected client
 * may queue requests until its session expires). A late rejection of `p` is swallowed.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new AdminTimeoutError(`${what} did not complete within ${ms} ms`)), Math.max(0, ms));
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}

/** How long handlers wait for one admin write: the ZooKeeper session timeout (after it the session is lost). */
export function adminTimeoutMs(ctx: BrokerContext): number {
  return ctx.config().zkSessionTimeoutMs;
}
