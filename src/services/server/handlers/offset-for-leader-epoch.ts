/**
 * OffsetForLeaderEpoch (23), as Kafka's `KafkaApis.handleOffsetForLeaderEpochRequest` +
 * `ReplicaManager.lastOffsetForLeaderEpoch` → `Partition.lastOffsetForLeaderEpoch`: per partition, the largest
 * epoch ≤ the requested one this leader knows and the offset where it ends (its leader-epoch cache's
 * endOffsetFor; the current epoch ends at the log end offset), so that a follower (IBP < 2.7) or a consumer
 * (KIP-320, after a leader change) finds where its log diverged.
 * - UNKNOWN_TOPIC_OR_PARTITION / NOT_LEADER_OR_FOLLOWER (leader only: fetchOnlyFromLeader) / KAFKA_STORAGE_ERROR;
 * - currentLeaderEpoch (v2+; -1 = no check): older → FENCED_LEADER_EPOCH, newer → UNKNOWN_LEADER_EPOCH;
 * - an unknown epoch answers leaderEpoch -1 and endOffset -1 (v0 has no leaderEpoch field).
 * Differs from Kafka: a follower replica of the partition answers NOT_LEADER_OR_FOLLOWER before the epoch check
 * (Kafka checks the epoch first); either way the client refreshes its metadata.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ResponseInput } from '../../../protocol/frame.js';
import { errorMessageOf, knownErrorCode, type ApiHandler } from './common.js';

type Response = ResponseInput<typeof ApiKey.OffsetForLeaderEpoch>;
type PartitionOut = NonNullable<NonNullable<Response['topics']>[number]['partitions']>[number];

const errorPartition = (partition: number, errorCode: number): PartitionOut => ({ errorCode, partition, leaderEpoch: -1, endOffset: -1n });

export function offsetForLeaderEpochHandler(): ApiHandler<typeof ApiKey.OffsetForLeaderEpoch> {
  return {
    apiKey: ApiKey.OffsetForLeaderEpoch,
    async handle(req, { broker: ctx }) {
      const topics = req.body.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p): PartitionOut => {
          const lookup = ctx.replicas.partition(t.topic, p.partition);
          switch (lookup.kind) {
            case 'unknown': return errorPartition(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            case 'notLeader': return errorPartition(p.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER);
            case 'offline': return errorPartition(p.partition, ErrorCode.KAFKA_STORAGE_ERROR);
            case 'leader': break;
          }
          try {
            const r = lookup.partition.lastOffsetForLeaderEpoch(req.apiVersion >= 2 ? p.currentLeaderEpoch : -1, p.leaderEpoch, true);
            if (r.errorCode !== ErrorCode.NONE) return errorPartition(p.partition, r.errorCode);
            return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: r.leaderEpoch, endOffset: r.endOffset };
          } catch (e) {
            const code = knownErrorCode(e);
            if (code === null) ctx.log.error({ err: e, topic: t.topic, partition: p.partition }, `Error in OffsetForLeaderEpoch of ${t.topic}-${p.partition}: ${errorMessageOf(e)}`);
            return errorPartition(p.partition, code ?? ErrorCode.UNKNOWN_SERVER_ERROR);
          }
        }),
      }));
      return { throttleTimeMs: 0, topics };
    },
    errorResponse(req, errorCode) {
      return { throttleTimeMs: 0, topics: req.body.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => errorPartition(p.partition, errorCode)) })) };
    },
  };
}
