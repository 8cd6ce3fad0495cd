/**
 * The partition-leader side of WriteTxnMarkers (Kafka `KafkaApis.handleWriteTxnMarkersRequest`): for every marker
 * and partition, a COMMIT/ABORT control batch with the coordinator epoch is appended as the leader with origin
 * COORDINATOR (the log checks the producer epoch and the coordinator epoch, completes the transaction, fills the
 * `.txnindex`), acks=-1, and waits for the ISR up to `request.timeout.ms`. Markers written to `__consumer_offsets`
 * partitions then complete the group coordinator's pending transactional offsets (commit: they become the committed
 * offsets; abort: they are dropped), as Kafka's `scheduleHandleTxnCompletion`.
 *
 * The same function serves the WriteTxnMarkers request of a remote coordinator and this broker's own coordinator
 * in-process (TransactionMarkerChannelManager), so both go through one code path.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { buildEndTxnMarker } from '../log/record-batch.js';
import type { BrokerContext } from '../server/broker-context.js';
import { knownErrorCode } from '../server/handlers/common.js';
import { OFFSETS_TOPIC } from '../group/group-keys.js';

export interface TxnMarkerEntry {
  producerId: bigint;
  producerEpoch: number;
  /** true = COMMIT */
  transactionResult: boolean;
  topics: Array<{ name: string; partitionIndexes: number[] }>;
  coordinatorEpoch: number;
}

export interface TxnMarkerResult {
  producerId: bigint;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;
}

/** What the marker writer needs of the group coordinator. */
export interface TxnOffsetCompletion {
  completeTransactionalOffsets(producerId: bigint, offsetsPartitions: number[], isCommit: boolean): void;
}

export async function writeTxnMarkers(ctx: BrokerContext, markers: readonly TxnMarkerEntry[], groups: TxnOffsetCompletion | null): Promise<TxnMarkerResult[]> {
  const timeoutMs = ctx.config().getInt('request.timeout.ms');
  return Promise.all(markers.map(async (m): Promise<TxnMarkerResult> => {
    const waiting: Array<{ out: { partitionIndex: number; errorCode: number }; topic: string; partition: number; requiredOffset: bigint }> = [];
    const topics = m.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partition) => {
        const out = { partitionIndex: partition, errorCode: ErrorCode.NONE as number };
        const lookup = ctx.replicas.partition(t.name, partition);
        if (lookup.kind !== 'leader') {
          out.errorCode = lookup.kind === 'unknown' ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : lookup.kind === 'offline' ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NOT_LEADER_OR_FOLLOWER;
          return out;
        }
        try {
          const batch = buildEndTxnMarker({ producerId: m.producerId, producerEpoch: m.producerEpoch, commit: m.transactionResult, coordinatorEpoch: m.coordinatorEpoch });
          const r = lookup.partition.appendRecordsToLeader(batch, -1, 'coordinator');
          waiting.push({ out, topic: t.name, partition, requiredOffset: r.lastOffset + 1n });
        } catch (e) {
          const code = knownErrorCode(e);
          if (code === null) ctx.log.error({ err: e, topic: t.name, partition }, `Error writing a transaction marker to ${t.name}-${partition}`);
          out.errorCode = code ?? ErrorCode.UNKNOWN_SERVER_ERROR;
        }
        return out;
      }),
    }));
    if (waiting.length > 0) {
      const codes = await ctx.replicas.waitForReplication(waiting.map((w) => ({ topic: w.topic, partition: w.partition, requiredOffset: w.requiredOffset })), timeoutMs);
      waiting.forEach((w, i) => { w.out.errorCode = codes[i] ?? ErrorCode.REQUEST_TIMED_OUT; });
    }
    const offsetsPartitions = waiting.filter((w) => w.topic === OFFSETS_TOPIC && w.out.errorCode === ErrorCode.NONE).map((w) => w.partition);
    if (offsetsPartitions.length > 0 && groups) groups.completeTransactionalOffsets(m.producerId, offsetsPartitions, m.transactionResult);
    return { producerId: m.producerId, topics };
  }));
}
