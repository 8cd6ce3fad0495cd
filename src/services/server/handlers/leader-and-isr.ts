/**
 * LeaderAndIsr (4), from the controller (KafkaApis.handleLeaderAndIsrRequest): become leader or follower for the
 * listed partitions. Answer: per-partition errors, by topic name before v5 and by topic id from v5; a stale
 * request gets the error on the request and on every partition (LeaderAndIsrRequest.getErrorResponse).
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import type { ResponseInput } from '../../../protocol/frame.js';
import { leaderAndIsrFromWire, topicIdToUuid, type LeaderAndIsrControl } from '../../controller/control-requests.js';
import { handleLeaderAndIsr } from '../control-requests.js';
import type { PartitionError } from '../broker-context.js';
import type { ApiHandler } from './common.js';

type Response = ResponseInput<typeof ApiKey.LeaderAndIsr>;

function toResponse(version: number, errorCode: number, partitionErrors: PartitionError[]): Response {
  if (version < 5) return { errorCode, partitionErrors: partitionErrors.map((e) => ({ topicName: e.topicName, partitionIndex: e.partitionIndex, errorCode: e.errorCode })) };
  const topics = new Map<string, { topicId: string; partitionErrors: Array<{ partitionIndex: number; errorCode: number }> }>();
  for (const e of partitionErrors) {
    let t = topics.get(e.topicName);
    if (!t) topics.set(e.topicName, (t = { topicId: topicIdToUuid(e.topicId), partitionErrors: [] }));
    t.partitionErrors.push({ partitionIndex: e.partitionIndex, errorCode: e.errorCode });
  }
  return { errorCode, topics: [...topics.values()] };
}

const everyPartition = (c: LeaderAndIsrControl, errorCode: number): PartitionError[] =>
  c.topics.flatMap((t) => t.partitions.map((p) => ({ topicName: t.topicName, topicId: t.topicId, partitionIndex: p.partitionIndex, errorCode })));

export function leaderAndIsrHandler(): ApiHandler<typeof ApiKey.LeaderAndIsr> {
  return {
    apiKey: ApiKey.LeaderAndIsr,
    async handle(req, hc) {
      const control = hc.broker.control;
      if (!control) throw new Error('this broker takes no controller requests');
      const c = leaderAndIsrFromWire(req.body, req.apiVersion);
      const r = handleLeaderAndIsr(control, c);
      return toResponse(req.apiVersion, r.errorCode, r.errorCode === 0 ? r.partitionErrors : everyPartition(c, r.errorCode));
    },
    errorResponse(req, errorCode) {
      return toResponse(req.apiVersion, errorCode, everyPartition(leaderAndIsrFromWire(req.body, req.apiVersion), errorCode));
    },
  };
}
