/**
 * The transaction APIs, as Kafka's KafkaApis handlers in front of the TransactionCoordinator / GroupCoordinator:
 * - AddPartitionsToTxn (24) v0–3: partitions of unknown topics → UNKNOWN_TOPIC_OR_PARTITION and the others
 *   OPERATION_NOT_ATTEMPTED (nothing added); else the coordinator's one answer for every partition. (v4, the
 *   broker-to-coordinator verification batch of KIP-890, is not implemented.)
 * - AddOffsetsToTxn (25): adds the group's `__consumer_offsets` partition to the transaction.
 * - EndTxn (26): commit / abort; answered once PrepareCommit/PrepareAbort is replicated.
 * - TxnOffsetCommit (28): unknown topics → UNKNOWN_TOPIC_OR_PARTITION per partition; the rest go to the group
 *   coordinator as pending transactional offsets.
 * - WriteTxnMarkers (27, inter-broker): txn-marker-writer.ts (the same code the local coordinator uses in-process).
 * PRODUCER_FENCED is answered as INVALID_PRODUCER_EPOCH to the versions that predate it (KIP-588: AddPartitionsToTxn,
 * AddOffsetsToTxn, EndTxn and TxnOffsetCommit below v2), as Kafka does.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import { OFFSETS_TOPIC } from '../../group/group-keys.js';
import type { TransactionCoordinator } from '../../transaction/transaction-coordinator.js';
import { writeTxnMarkers } from '../../transaction/txn-marker-writer.js';
import { partitionOf, type ApiHandler } from './common.js';

const fencedFor = (version: number, code: number): number => (version < 2 && code === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : code);

export function addPartitionsToTxnHandler(tc: TransactionCoordinator): ApiHandler<typeof ApiKey.AddPartitionsToTxn> {
  const results = (topics: ReadonlyArray<{ name: string; partitions: readonly number[] }>, code: (t: string, p: number) => number) =>
    topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name, p) })) }));
  return {
    apiKey: ApiKey.AddPartitionsToTxn,
    async handle(req, { broker: ctx }) {
      const b = req.body;
      const topics = b.v3AndBelowTopics;
      const unknown = new Set<string>();
      for (const t of topics) for (const p of t.partitions) if (!partitionOf(ctx.metadata.topic(t.name), p)) unknown.add(`${t.name}-${p}`);
      if (unknown.size > 0) {
        return { throttleTimeMs: 0, resultsByTopicV3AndBelow: results(topics, (t, p) => (unknown.has(`${t}-${p}`) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED)) };
      }
      const parts: Array<[string, number]> = topics.flatMap((t) => t.partitions.map((p): [string, number] => [t.name, p]));
      const code = fencedFor(req.apiVersion, await tc.handleAddPartitions(b.v3AndBelowTransactionalId, b.v3AndBelowProducerId, b.v3AndBelowProducerEpoch, parts));
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: results(topics, () => code) };
    },
    errorResponse(req, errorCode) {
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: results(req.body.v3AndBelowTopics, () => errorCode) };
    },
  };
}

export function addOffsetsToTxnHandler(tc: TransactionCoordinator, gc: GroupCoordinator): ApiHandler<typeof ApiKey.AddOffsetsToTxn> {
  return {
    apiKey: ApiKey.AddOffsetsToTxn,
    async handle(req) {
      const b = req.body;
      const code = await tc.handleAddPartitions(b.transactionalId, b.producerId, b.producerEpoch, [[OFFSETS_TOPIC, gc.partitionFor(b.groupId)]]);
      return { throttleTimeMs: 0, errorCode: fencedFor(req.apiVersion, code) };
    },
    errorResponse(_req, errorCode) {
      return { throttleTimeMs: 0, errorCode };
    },
  };
}

export function endTxnHandler(tc: TransactionCoordinator): ApiHandler<typeof ApiKey.EndTxn> {
  return {
    apiKey: ApiKey.EndTxn,
    async handle(req) {
      const b = req.body;
      const code = await tc.endTransaction(b.transactionalId, b.producerId, b.producerEpoch, b.committed);
      return { throttleTimeMs: 0, errorCode: fencedFor(req.apiVersion, code) };
    },
    errorResponse(_req, errorCode) {
      return { throttleTimeMs: 0, errorCode };
    },
  };
}

export function txnOffsetCommitHandler(gc: GroupCoordinator): ApiHandler<typeof ApiKey.TxnOffsetCommit> {
  return {
    apiKey: ApiKey.TxnOffsetCommit,
    async handle(req, { broker: ctx }) {
      const b = req.body;
      const known: Array<{ topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string | null; retentionMs: number }> = [];
      const codes = new Map<string, number>();
      for (const t of b.topics) {
        for (const p of t.partitions) {
          if (!partitionOf(ctx.metadata.topic(t.name), p.partitionIndex)) codes.set(`${t.name}\u0000${p.partitionIndex}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          else known.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata, retentionMs: -1 });
        }
      }
      if (known.length > 0) {
        const who = { memberId: b.memberId, groupInstanceId: b.groupInstanceId, generationId: b.generationId };
        const res = await gc.commitTxnOffsets(b.groupId, b.producerId, b.producerEpoch, who, known);
        known.forEach((k, i) => codes.set(`${k.topic}\u0000${k.partition}`, fencedFor(req.apiVersion, res[i] ?? ErrorCode.UNKNOWN_SERVER_ERROR)));
      }
      return {
        throttleTimeMs: 0,
        topics: b.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes.get(`${t.name}\u0000${p.partitionIndex}`) ?? ErrorCode.UNKNOWN_SERVER_ERROR })) })),
      };
    },
    errorResponse(req, errorCode) {
      return { throttleTimeMs: 0, topics: req.body.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) };
    },
  };
}

export function writeTxnMarkersHandler(gc: GroupCoordinator): ApiHandler<typeof ApiKey.WriteTxnMarkers> {
  return {
    apiKey: ApiKey.WriteTxnMarkers,
    async handle(req, { broker: ctx }) {
      return { markers: await writeTxnMarkers(ctx, req.body.markers, gc) };
    },
    errorResponse(req, errorCode) {
      return {
        markers: req.body.markers.map((m) => ({
          producerId: m.producerId,
          topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })) })),
        })),
      };
    },
  };
}
