/**
 * OffsetCommit (8), OffsetFetch (9), OffsetDelete (47) over the GroupCoordinator, as Kafka's KafkaApis:
 * - OffsetCommit: partitions of unknown topics → UNKNOWN_TOPIC_OR_PARTITION, metadata longer than
 *   offset.metadata.max.bytes → OFFSET_METADATA_TOO_LARGE, the rest go to the coordinator (member / generation
 *   checks, then one __consumer_offsets append). v2–v4 `retentionTimeMs` sets an explicit expiry. The empty group id
 *   is allowed (Kafka's backwards compatibility).
 * - OffsetFetch: v1 carries a group error on every partition; v2+ as the top-level error (no topics). Null topics
 *   (v2+) = every committed offset. Not committed → offset -1, metadata ''. v8+: the multi-group form, errors per group.
 * - OffsetDelete: group errors top-level; partitions of topics the consumer group subscribes to → GROUP_SUBSCRIBED_TO_TOPIC.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { GroupCoordinator, OffsetCommitEntry } from '../../group/group-coordinator.js';
import { partitionOf, type ApiHandler } from './common.js';

export function offsetCommitHandler(gc: GroupCoordinator): ApiHandler<typeof ApiKey.OffsetCommit> {
  return {
    apiKey: ApiKey.OffsetCommit,
    async handle(req, hc) {
      const b = req.body;
      const maxMetadata = hc.broker.config().getInt('offset.metadata.max.bytes');
      const retention = req.apiVersion >= 2 && req.apiVersion <= 4 ? Number(b.retentionTimeMs) : -1;
      const codes: number[][] = b.topics.map((t) => t.partitions.map(() => ErrorCode.NONE));
      const entries: OffsetCommitEntry[] = [];
      const where: Array<[number, number]> = [];
      b.topics.forEach((t, ti) => {
        const topic = hc.broker.metadata.topic(t.name);
        t.partitions.forEach((p, pi) => {
          if (!partitionOf(topic, p.partitionIndex)) codes[ti]![pi] = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          else if (p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata, 'utf8') > maxMetadata) codes[ti]![pi] = ErrorCode.OFFSET_METADATA_TOO_LARGE;
          else {
            entries.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: req.apiVersion >= 6 ? p.committedLeaderEpoch : -1, metadata: p.committedMetadata, retentionMs: retention });
            where.push([ti, pi]);
          }
        });
      });
      if (entries.length > 0) {
        const results = await gc.commitOffsets(b.groupId, { memberId: b.memberId, groupInstanceId: b.groupInstanceId, generationId: b.generationIdOrMemberEpoch }, entries);
        results.forEach((code, i) => { const [ti, pi] = where[i]!; codes[ti]![pi] = code; });
      }
      return {
        throttleTimeMs: 0,
        topics: b.topics.map((t, ti) => ({ name: t.name, partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, errorCode: codes[ti]![pi]! })) })),
      };
    },
    errorResponse(req, errorCode) {
      return { throttleTimeMs: 0, topics: req.body.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) };
    },
  };
}

type FetchTopics = Array<{ name: string; partitionIndexes: number[] }> | null;

export function offsetFetchHandler(gc: GroupCoordinator): ApiHandler<typeof ApiKey.OffsetFetch> {
  const fetchOne = (groupId: string, topics: FetchTopics, version: number, requireStable = false) => {
    const r = gc.fetchOffsets(groupId, topics === null ? null : topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes })));
    if (r.errorCode !== ErrorCode.NONE && version < 2) {
      // v0/v1: no top-level error field: the error goes on every requested partition
      return { errorCode: r.errorCode, topics: (topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: r.errorCode })) })) };
    }
    return {
      errorCode: r.errorCode,
      topics: r.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => (requireStable && gc.hasPendingTxnOffset(groupId, t.name, p.partition)
          // KIP-447: an offset a transaction may still commit is not answered to require_stable fetches (Kafka's getOffsets)
          ? { partitionIndex: p.partition, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
          : { partitionIndex: p.partition, committedOffset: p.offset, committedLeaderEpoch: version >= 5 ? p.leaderEpoch : -1, metadata: p.metadata, errorCode: ErrorCode.NONE })),
      })),
    };
  };
  return {
    apiKey: ApiKey.OffsetFetch,
    async handle(req) {
      const b = req.body;
      if (req.apiVersion >= 8) {
        return {
          throttleTimeMs: 0,
          groups: b.groups.map((g) => { const r = fetchOne(g.groupId, g.topics, req.apiVersion, b.requireStable); return { groupId: g.groupId, topics: r.topics, errorCode: r.errorCode }; }),
        };
      }
      const r = fetchOne(b.groupId, req.apiVersion >= 2 ? b.topics : (b.topics ?? []), req.apiVersion, req.apiVersion >= 7 && b.requireStable);
      return { throttleTimeMs: 0, topics: r.topics, errorCode: req.apiVersion >= 2 ? r.errorCode : 0 };
    },
    errorResponse(req, errorCode) {
      if (req.apiVersion >= 8) return { throttleTimeMs: 0, groups: req.body.groups.map((g) => ({ groupId: g.groupId, topics: [], errorCode })) };
      if (req.apiVersion >= 2) return { throttleTimeMs: 0, topics: [], errorCode };
      return { throttleTimeMs: 0, topics: (req.body.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1n, metadata: '', errorCode })) })) };
    },
  };
}

export function offsetDeleteHandler(gc: GroupCoordinator): ApiHandler<typeof ApiKey.OffsetDelete> {
  return {
    apiKey: ApiKey.OffsetDelete,
    async handle(req) {
      const b = req.body;
      if (b.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, throttleTimeMs: 0, topics: [] };
      const r = gc.deleteOffsets(b.groupId, b.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })));
      return {
        errorCode: r.errorCode,
        throttleTimeMs: 0,
        topics: r.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.errorCode })) })),
      };
    },
    errorResponse(_req, errorCode) { return { errorCode, throttleTimeMs: 0, topics: [] }; },
  };
}
