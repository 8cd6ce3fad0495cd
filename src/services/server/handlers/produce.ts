/**
 * Produce (0), as Kafka's `KafkaApis.handleProduceRequest` + `ReplicaManager.appendRecords` on a single broker:
 * - acks other than -1, 0, 1 → INVALID_REQUIRED_ACKS on every partition;
 * - per partition, in Kafka's order: not in the metadata → UNKNOWN_TOPIC_OR_PARTITION; `ProduceRequest.validateRecords`
 *   for v3+ (at least one batch, magic 2, exactly one batch → INVALID_RECORD; zstd below v7 →
 *   UNSUPPORTED_COMPRESSION_TYPE); internal topics only from the admin client id → INVALID_TOPIC_EXCEPTION; the
 *   local replica (NOT_LEADER_OR_FOLLOWER / KAFKA_STORAGE_ERROR / UNKNOWN_TOPIC_OR_PARTITION); then the Partition's
 *   `appendRecordsToLeader`: acks=-1 with an ISR smaller than the effective min ISR (`min.insync.replicas`, topic
 *   override or broker default, at most the replica count: Kafka 3.7's effectiveMinIsr) → NOT_ENOUGH_REPLICAS,
 *   nothing written; log errors map by name: MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, CORRUPT_MESSAGE,
 *   INVALID_RECORD, INVALID_TIMESTAMP, …; anything else is logged and UNKNOWN_SERVER_ERROR for that partition);
 * - acks=-1: the partitions appended wait in the DelayedProduce purgatory (ReplicaView.waitForReplication) until
 *   every ISR member has their records (NONE), the ISR fell below the min ISR meanwhile
 *   (NOT_ENOUGH_REPLICAS_AFTER_APPEND), leadership moved (NOT_LEADER_OR_FOLLOWER), or the request's `timeout_ms`
 *   passed (REQUEST_TIMED_OUT);
 * - acks=0: no response; if any partition failed the connection is closed (Kafka does so the client notices);
 * - v0–v2 carry magic 0/1 message sets: they are converted to v2 batches before the append (LogValidator's
 *   conversion to the log's format, record-conversion.ts), so the log only ever holds v2.
 *
 * Idempotent producers: the log validates each batch with a producer id (Log.analyzeAndValidateProducerState):
 * OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH; a retried batch is answered NONE with its original offsets.
 * Transactions (KIP-890, `transaction.partition.verification.enable`): with a transactional id, the partitions whose
 * log has no open transaction for the producer are first verified with the transaction coordinator, and each
 * transactional append is checked against that verification (transaction/add-partitions-to-txn-manager.ts).
 *
 * Buffer lifetime: a big Produce request is read into a pooled slab (network/frame-reader.ts) that the connection
 * reuses for another request once this handler's promise settles. Nothing here may keep a view of the request's
 * record bytes beyond that (the log writes them synchronously; anything kept must be copied).
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ResponseInput } from '../../../protocol/frame.js';
import { isInternalTopic } from '../../admin/topic-validation.js';
import { RecordValidationError } from '../../log/compacted-keys.js';
import { nextLogBatchAt } from '../../log/legacy-records.js';
import { ATTRIBUTES_OFFSET, CompressionType, MAGIC_OFFSET, MAGIC_V2 } from '../../log/record-batch.js';
import { upConvertForAppend } from '../../log/record-conversion.js';
import { CloseConnectionError, type ConnectionInfo } from '../../network/connection.js';
import type { BrokerContext } from '../broker-context.js';
import type { ProduceVerification, TransactionVerification } from '../../transaction/add-partitions-to-txn-manager.js';
import { errorMessageOf, knownErrorCode, partitionOf, type ApiHandler } from './common.js';

type Response = ResponseInput<typeof ApiKey.Produce>;
type PartitionOut = NonNullable<NonNullable<Response['responses']>[number]['partitionResponses']>[number];

const ADMIN_CLIENT_ID = '__admin_client';

class PartitionError extends Error {
  constructor(readonly code: number, message: string | null = null) { super(message ?? ''); }
}

/** `ProduceRequest.validateRecords` (v3+): exactly one magic-2 batch, zstd only from v7. */
function validateRecords(version: number, records: Buffer): void {
  if (version < 3) return;
  const first = nextLogBatchAt(records, 0, records.length);
  if (first === null) {
    throw new PartitionError(ErrorCode.INVALID_RECORD, `Produce requests with version ${version} must have at least one record batch per partition`);
  }
  if (first.magic !== MAGIC_V2) {
    throw new PartitionError(ErrorCode.INVALID_RECORD, `Produce requests with version ${version} are only allowed to contain record batches with magic version 2`);
  }
  if (version < 7 && first.batch.compressionType === CompressionType.Zstd) {
    throw new PartitionError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `Produce requests with version ${version} are not allowed to use ZStandard compression`);
  }
  if (nextLogBatchAt(records, first.size, records.length) !== null) {
    throw new PartitionError(ErrorCode.INVALID_RECORD, `Produce requests with version ${version} are only allowed to contain exactly one record batch per partition`);
  }
}

/** RequestUtils.hasTransactionalRecords: the first batch of some partition is a transactional v2 batch. */
function hasTransactionalRecords(topicData: ReadonlyArray<{ partitionData: ReadonlyArray<{ records: Buffer | null }> }>): boolean {
  for (const t of topicData) {
    for (const p of t.partitionData) {
      const r = p.records;
      if (r && r.length > ATTRIBUTES_OFFSET + 1 && r[MAGIC_OFFSET] === MAGIC_V2 && (r[ATTRIBUTES_OFFSET + 1]! & 0x10) !== 0) return true;
    }
  }
  return false;
}

/**
 * The empty record_errors of every answer without record errors: one shared array, never written (the encoder only
 * reads it; a validation failure replaces it). One allocation less per partition answered (10k/s latency path).
 */
const NO_RECORD_ERRORS: PartitionOut['recordErrors'] = Object.freeze([]) as unknown as PartitionOut['recordErrors'];

function errorPartition(index: number, errorCode: number, errorMessage: string | null): PartitionOut {
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: NO_RECORD_ERRORS, errorMessage };
}

/**
 * The offset each appended partition's records end at (+1): what acks=-1 waits for the ISR to reach. Null for acks
 * 0 and 1 (nothing waits: no map per request on that path).
 */
type RequiredOffsets = Map<PartitionOut, bigint> | null;

function appendPartition(
  ctx: BrokerContext, version: number, acks: number, clientId: string | null, topic: string, index: number, records: Buffer | null, required: RequiredOffsets,
  verified: ProduceVerification | null = null,
): PartitionOut {
  const meta = partitionOf(ctx.metadata.topic(topic), index);
  if (!meta) return errorPartition(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
  try {
    const data = records ?? Buffer.alloc(0);
    validateRecords(version, data);
    ctx.stats?.produceRequest(topic);
    if (isInternalTopic(topic) && clientId !== ADMIN_CLIENT_ID) {
      throw new PartitionError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic}`);
    }
    const lookup = ctx.replicas.partition(topic, index);
    switch (lookup.kind) {
      case 'unknown': throw new PartitionError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      case 'notLeader': throw new PartitionError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      case 'offline': throw new PartitionError(ErrorCode.KAFKA_STORAGE_ERROR);
      case 'leader': break;
    }
    if (data.length === 0) {
      return { index, errorCode: ErrorCode.NONE, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: lookup.log.logStartOffset, recordErrors: NO_RECORD_ERRORS, errorMessage: null };
    }
    const refused = verified?.refuseAppend(topic, index, data, lookup.log); // KIP-890, just before the append
    if (refused) throw new PartitionError(refused.code, refused.message === '' ? null : refused.message);
    // Partition.appendRecordsToLeader: acks=-1 below the effective min ISR (topic override or broker default) → NOT_ENOUGH_REPLICAS
    const r = lookup.partition.appendRecordsToLeader(version < 3 ? upConvertForAppend(data) : data, acks);
    const out: PartitionOut = {
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: r.firstOffset,
      logAppendTimeMs: r.logAppendTime === -1 ? -1n : BigInt(r.logAppendTime),
      logStartOffset: r.logStartOffset,
      recordErrors: NO_RECORD_ERRORS,
      errorMessage: null,
    };
    required?.set(out, r.lastOffset + 1n);
    ctx.stats?.produced(topic, data.length, r.recordCount);
    return out;
  } catch (e) {
    if (e instanceof PartitionError) return errorPartition(index, e.code, e.message === '' ? null : e.message);
    if (e instanceof RecordValidationError) {
      ctx.stats?.produceError(topic, ErrorCode.INVALID_RECORD, records?.length ?? 0);
      return { ...errorPartition(index, ErrorCode.INVALID_RECORD, e.message), recordErrors: e.recordErrors };
    }
    const code = knownErrorCode(e);
    ctx.stats?.produceError(topic, code ?? ErrorCode.UNKNOWN_SERVER_ERROR, records?.length ?? 0);
    if (code === null) ctx.log.error({ err: e, topic, partition: index }, `Error processing append operation on partition ${topic}-${index}`);
    return errorPartition(index, code ?? ErrorCode.UNKNOWN_SERVER_ERROR, errorMessageOf(e));
  }
}

/**
 * Kafka's DelayedProduce: the partitions appended (a base offset, no error) wait for the ISR; each answer's error
 * code becomes the one the replication wait gave (the offsets stay: the records are in the leader's log).
 */
async function awaitReplication(ctx: BrokerContext, conn: ConnectionInfo, responses: Array<{ name: string; partitionResponses: PartitionOut[] }>, required: Map<PartitionOut, bigint>, timeoutMs: number): Promise<void> {
  const waiting: Array<{ out: PartitionOut; topic: string; partition: number; requiredOffset: bigint }> = [];
  for (const t of responses) {
    for (const p of t.partitionResponses) {
      const requiredOffset = required.get(p);
      if (requiredOffset !== undefined) waiting.push({ out: p, topic: t.name, partition: p.index ?? 0, requiredOffset });
    }
  }
  if (waiting.length === 0) return;
  conn.park?.(); // in the purgatory now: out of queued.max.requests, so the followers' fetches are still read
  const codes = await ctx.replicas.waitForReplication(waiting, timeoutMs);
  for (let i = 0; i < waiting.length; i++) waiting[i]!.out.errorCode = codes[i] ?? ErrorCode.REQUEST_TIMED_OUT;
}

/** Every partition of the request with the same error. */
function allPartitions(topicData: ReadonlyArray<{ name: string; partitionData: ReadonlyArray<{ index: number }> }>, errorCode: number, message: string | null): Response {
  return {
    responses: topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((p) => errorPartition(p.index, errorCode, message)) })),
    throttleTimeMs: 0,
  };
}

export function produceHandler(txnVerification: TransactionVerification | null = null): ApiHandler<typeof ApiKey.Produce> {
  return {
    apiKey: ApiKey.Produce,
    async handle(req, { broker: ctx, conn }) {
      const { acks, topicData } = req.body;
      const version = req.apiVersion;
      // Kafka: transactional batches need a transactional id (authorized for WRITE) → else the whole request fails
      if (req.body.transactionalId === null && hasTransactionalRecords(topicData)) {
        if (acks === 0) throw new CloseConnectionError(`Closing connection: transactional records without a transactional id in a Produce request with ack=0 (correlation id ${req.header.correlationId})`);
        return allPartitions(req.body.topicData, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, null);
      }
      const validAcks = acks === -1 || acks === 0 || acks === 1;
      const verified = validAcks && txnVerification && req.body.transactionalId !== null ? await txnVerification.verifyProduce(req.body.transactionalId, topicData) : null;
      const required: RequiredOffsets = acks === -1 ? new Map() : null;
      const responses = topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => validAcks
          ? appendPartition(ctx, version, acks, req.header.clientId, t.name, p.index, p.records, required, verified)
          : errorPartition(p.index, ErrorCode.INVALID_REQUIRED_ACKS, null)),
      }));
      if (required !== null) await awaitReplication(ctx, conn, responses, required, req.body.timeoutMs);
      if (acks === 0) {
        const failed = responses.flatMap((t) => t.partitionResponses
          .filter((p) => p.errorCode !== ErrorCode.NONE)
          .map((p) => `${t.name}-${p.index}: error ${p.errorCode}${p.errorMessage ? ` (${p.errorMessage})` : ''}`));
        if (failed.length > 0) {
          throw new CloseConnectionError(`Closing connection due to error during produce request with correlation id ${req.header.correlationId} from client id ${
            req.header.clientId ?? 'null'} with ack=0. Topic and partition to errors: ${failed.join(', ')}`);
        }
        return null;
      }
      return { responses, throttleTimeMs: 0 };
    },
    errorResponse(req, errorCode, message) {
      return allPartitions(req.body.topicData, errorCode, message);
    },
  };
}
