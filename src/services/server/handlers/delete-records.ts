/**
 * DeleteRecords (21), as Kafka's KafkaApis.handleDeleteRecordsRequest + ReplicaManager.deleteRecords + DelayedDeleteRecords:
 * - a partition missing from the metadata → UNKNOWN_TOPIC_OR_PARTITION, low watermark -1;
 * - not led here → NOT_LEADER_OR_FOLLOWER; offline dir → KAFKA_STORAGE_ERROR; compact-only topic → POLICY_VIOLATION;
 *   offset above the high watermark (or negative other than -1) → OFFSET_OUT_OF_RANGE; -1 means "up to the HW";
 * - otherwise the leader moves its log start offset and the answer waits (up to timeoutMs) until the low watermark —
 *   the smallest log start offset of the leader and its live followers — reaches the requested offset; a partition
 *   still short of it then answers REQUEST_TIMED_OUT with the low watermark reached.
 *
 * Differs from Kafka: the wait re-checks every {@link POLL_MS} ms instead of being completed from the follower fetch
 * path (no DeleteRecords purgatory): at most one cheap check per pending request per poll.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import { knownErrorCode, errorMessageOf, partitionOf, type ApiHandler } from './common.js';

const POLL_MS = 25;
const INVALID_LOW_WATERMARK = -1n;

interface Pending { topic: string; partition: number; requested: bigint; result: { partitionIndex: number; lowWatermark: bigint; errorCode: number } }

export function deleteRecordsHandler(): ApiHandler<typeof ApiKey.DeleteRecords> {
  return {
    apiKey: ApiKey.DeleteRecords,
    async handle(req, { broker: ctx }) {
      const pending: Pending[] = [];
      const topics = req.body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const result: Pending['result'] = { partitionIndex: p.partitionIndex, lowWatermark: INVALID_LOW_WATERMARK, errorCode: ErrorCode.NONE as number };
          if (!partitionOf(ctx.metadata.topic(t.name), p.partitionIndex)) { result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION; return result; }
          const l = ctx.replicas.partition(t.name, p.partitionIndex);
          if (l.kind !== 'leader') {
            result.errorCode = l.kind === 'offline' ? ErrorCode.KAFKA_STORAGE_ERROR : l.kind === 'unknown' ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER;
            return result;
          }
          if (!l.partition.deleteRecordsOnLeader) { result.errorCode = ErrorCode.UNKNOWN_SERVER_ERROR; return result; }
          try {
            const r = l.partition.deleteRecordsOnLeader(p.offset);
            result.lowWatermark = r.lowWatermark;
            ctx.log.info({ topic: t.name, partition: p.partitionIndex, offset: String(r.requestedOffset) }, `DeleteRecords: log start offset of ${t.name}-${p.partitionIndex} moved to ${r.requestedOffset}`);
            if (r.lowWatermark < r.requestedOffset) pending.push({ topic: t.name, partition: p.partitionIndex, requested: r.requestedOffset, result });
          } catch (e) {
            const code = knownErrorCode(e);
            if (code === null) ctx.log.error({ err: e, topic: t.name, partition: p.partitionIndex }, 'DeleteRecords failed');
            else ctx.log.info({ topic: t.name, partition: p.partitionIndex }, `DeleteRecords on ${t.name}-${p.partitionIndex}: ${errorMessageOf(e)}`);
            result.errorCode = code ?? ErrorCode.UNKNOWN_SERVER_ERROR;
          }
          return result;
        }),
      }));
      // DelayedDeleteRecords: until every partition's low watermark reaches its requested offset, or the timeout.
      const deadline = Date.now() + Math.max(0, req.body.timeoutMs);
      let waiting = pending;
      while (waiting.length > 0) {
        waiting = waiting.filter((w) => {
          const l = ctx.replicas.partition(w.topic, w.partition);
          if (l.kind !== 'leader' || !l.partition.lowWatermark) { w.result.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER; return false; }
          w.result.lowWatermark = l.partition.lowWatermark();
          return w.result.lowWatermark < w.requested;
        });
        if (waiting.length === 0) break;
        if (Date.now() >= deadline) { for (const w of waiting) w.result.errorCode = ErrorCode.REQUEST_TIMED_OUT; break; }
        await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(1, deadline - Date.now()))));
      }
      return { throttleTimeMs: 0, topics };
    },
    errorResponse(req, errorCode) {
      return { throttleTimeMs: 0, topics: req.body.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: INVALID_LOW_WATERMARK, errorCode })) })) };
    },
  };
}
