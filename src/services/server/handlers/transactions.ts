/**
 * The transaction APIs, as Kafka's KafkaApis handlers in front of the TransactionCoordinator / GroupCoordinator:
 * - AddPartitionsToTxn (24) v0–3: partitions of unknown topics → UNKNOWN_TOPIC_OR_PARTITION and the others
 *   OPERATION_NOT_ATTEMPTED (nothing added); else the coordinator's one answer for every partition. v4 (from
 *   partition leaders, KIP-890): a batch of transactions, each handled so; `verifyOnly` ones are checked, not added
 *   (TransactionCoordinator.handleVerifyPartitionsInTransaction). Kafka requires CLUSTER_ACTION for v4.
 * - AddOffsetsToTxn (25): adds the group's `__consumer_offsets` partition to the transaction.
 * - EndTxn (26): commit / abort; answered once PrepareCommit/PrepareAbort is replicated.
 * - TxnOffsetCommit (28): unknown topics → UNKNOWN_TOPIC_OR_PARTITION per partition; the rest go to the group
 *   coordinator as pending transactional offsets; with `transaction.partition.verification.enable` the group's
 *   `__consumer_offsets` partition is first verified with the transaction coordinator (KIP-890, as Kafka 3.7's
 *   GroupCoordinator.handleTxnCommitOffsets): not added by AddOffsetsToTxn → INVALID_TXN_STATE, nothing appended.
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
import { tpKey as verifyKey, type TransactionVerification } from '../../transaction/add-partitions-to-txn-manager.js';
import type { BrokerContext } from '../broker-context.js';
import { partitionOf, type ApiHandler } from './common.js';

const fencedFor = (version: number, code: number): number => (version < 2 && code === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : code);

export function addPartitionsToTxnHandler(tc: TransactionCoordinator): ApiHandler<typeof ApiKey.AddPartitionsToTxn> {
  type Topics = ReadonlyArray<{ name: string; partitions: readonly number[] }>;
  const results = (topics: Topics, code: (t: string, p: number) => number) =>
    topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name, p) })) }));
  /** One transaction: unknown partitions fail it (the rest OPERATION_NOT_ATTEMPTED); else add, or verify (v4 verifyOnly). */
  const one = async (ctx: BrokerContext, version: number, id: string, producerId: bigint, producerEpoch: number, topics: Topics, verifyOnly: boolean) => {
    const unknown = new Set<string>();
    for (const t of topics) for (const p of t.partitions) if (!partitionOf(ctx.metadata.topic(t.name), p)) unknown.add(verifyKey(t.name, p));
    if (unknown.size > 0) return results(topics, (t, p) => (unknown.has(verifyKey(t, p)) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
    const parts: Array<[string, number]> = topics.flatMap((t) => t.partitions.map((p): [string, number] => [t.name, p]));
    if (verifyOnly) {
      const errors = tc.handleVerifyPartitionsInTransaction(id, producerId, producerEpoch, parts);
      return results(topics, (t, p) => errors.get(verifyKey(t, p)) ?? ErrorCode.NONE);
    }
    const code = fencedFor(version, await tc.handleAddPartitions(id, producerId, producerEpoch, parts));
    return results(topics, () => code);
  };
  return {
    apiKey: ApiKey.AddPartitionsToTxn,
    async handle(req, { broker: ctx }) {
      const b = req.body;
      if (req.apiVersion < 4) {
        return { throttleTimeMs: 0, resultsByTopicV3AndBelow: await one(ctx, req.apiVersion, b.v3AndBelowTransactionalId, b.v3AndBelowProducerId, b.v3AndBelowProducerEpoch, b.v3AndBelowTopics, false) };
      }
      // v4 (brokers, KIP-890): a batch of transactions, each answered on its own
      const resultsByTransaction = await Promise.all(b.transactions.map(async (t) => ({
        transactionalId: t.transactionalId,
        topicResults: await one(ctx, req.apiVersion, t.transactionalId, t.producerId, t.producerEpoch, t.topics, t.verifyOnly),
      })));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
    },
    errorResponse(req, errorCode) {
      if (req.apiVersion < 4) return { throttleTimeMs: 0, resultsByTopicV3AndBelow: results(req.body.v3AndBelowTopics, () => errorCode) };
      return { throttleTimeMs: 0, errorCode, resultsByTransaction: req.body.transactions.map((t) => ({ transactionalId: t.transactionalId, topicResults: results(t.topics, () => errorCode) })) };
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

export function txnOffsetCommitHandler(gc: GroupCoordinator, verification: TransactionVerification | null = null): ApiHandler<typeof ApiKey.TxnOffsetCommit> {
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
        // KIP-890 (Kafka 3.7 handleTxnCommitOffsets): after the group status check, the group's __consumer_offsets
        // partition is verified with the transaction coordinator; the append then needs the still-current guard
        const status = gc.groupStatus(b.groupId);
        const verified = status === ErrorCode.NONE && verification ? await verification.verifyOffsetCommit(b.transactionalId, b.producerId, b.producerEpoch, gc.partitionFor(b.groupId)) : null;
        const res = verified && verified.errorCode !== ErrorCode.NONE ? known.map(() => verified.errorCode)
          : await gc.commitTxnOffsets(b.groupId, b.producerId, b.producerEpoch, who, known, verified?.refuseAppend);
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

/**
 * DescribeTransactions (65, KIP-664): per transactional id the coordinator's error (NOT_COORDINATOR,
 * COORDINATOR_LOAD_IN_PROGRESS, …), TRANSACTIONAL_ID_NOT_FOUND, or its state, timeout, start time, producer and
 * partitions (Kafka's TransactionCoordinator.handleDescribeTransactions).
 */
export function describeTransactionsHandler(tc: TransactionCoordinator): ApiHandler<typeof ApiKey.DescribeTransactions> {
  const empty = (transactionalId: string, errorCode: number) => ({
    errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [],
  });
  return {
    apiKey: ApiKey.DescribeTransactions,
    async handle(req) {
      return {
        throttleTimeMs: 0,
        transactionStates: req.body.transactionalIds.map((id) => {
          const d = tc.describe(id);
          if (d.errorCode !== ErrorCode.NONE || !d.metadata) return empty(id, d.errorCode);
          const m = d.metadata;
          const byTopic = new Map<string, number[]>();
          for (const [t, p] of m.partitions.values()) { let l = byTopic.get(t); if (!l) byTopic.set(t, (l = [])); l.push(p); }
          return {
            errorCode: ErrorCode.NONE, transactionalId: id, transactionState: m.state, transactionTimeoutMs: m.txnTimeoutMs,
            transactionStartTimeMs: BigInt(m.txnStartTimestamp), producerId: m.producerId, producerEpoch: m.producerEpoch,
            topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
          };
        }),
      };
    },
    errorResponse(req, errorCode) {
      return { throttleTimeMs: 0, transactionStates: req.body.transactionalIds.map((id) => empty(id, errorCode)) };
    },
  };
}

/** ListTransactions (66, KIP-664): the transactions of the partitions this broker coordinates, filtered. */
export function listTransactionsHandler(tc: TransactionCoordinator): ApiHandler<typeof ApiKey.ListTransactions> {
  return {
    apiKey: ApiKey.ListTransactions,
    async handle(req) {
      const r = tc.list(req.body.stateFilters, req.body.producerIdFilters);
      return {
        throttleTimeMs: 0, errorCode: r.errorCode, unknownStateFilters: r.unknownStateFilters,
        transactionStates: r.transactions.map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state })),
      };
    },
    errorResponse(_req, errorCode) {
      return { throttleTimeMs: 0, errorCode, unknownStateFilters: [], transactionStates: [] };
    },
  };
}

/**
 * DescribeProducers (61, KIP-664): the active producers of partitions led here (Kafka's
 * ReplicaManager.activeProducerState): id, epoch, last sequence and timestamp, coordinator epoch and the first offset
 * of the open transaction; not led here → NOT_LEADER_OR_FOLLOWER, unknown → UNKNOWN_TOPIC_OR_PARTITION.
 */
export function describeProducersHandler(): ApiHandler<typeof ApiKey.DescribeProducers> {
  return {
    apiKey: ApiKey.DescribeProducers,
    async handle(req, { broker: ctx }) {
      return {
        throttleTimeMs: 0,
        topics: req.body.topics.map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex) => {
            const fail = (errorCode: number) => ({ partitionIndex, errorCode, errorMessage: null, activeProducers: [] });
            const lookup = ctx.replicas.partition(t.name, partitionIndex);
            if (lookup.kind === 'unknown') return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            if (lookup.kind === 'notLeader') return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
            if (lookup.kind === 'offline') return fail(ErrorCode.KAFKA_STORAGE_ERROR);
            const entries = lookup.log.producerEntries?.() ?? [];
            return {
              partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null,
              activeProducers: entries.map((e) => ({
                producerId: e.producerId, producerEpoch: e.epoch, lastSequence: e.lastSequence, lastTimestamp: BigInt(e.timestamp),
                coordinatorEpoch: e.coordinatorEpoch, currentTxnStartOffset: e.currentTxnFirstOffset,
              })),
            };
          }),
        })),
      };
    },
    errorResponse(req, errorCode) {
      return { throttleTimeMs: 0, topics: req.body.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode, errorMessage: null, activeProducers: [] })) })) };
    },
  };
}
