/**
 * AlterPartitionReassignments (45) and ListPartitionReassignments (46), KIP-455, as Kafka's KafkaApis
 * handleAlterPartitionReassignmentsRequest / handleListPartitionReassignmentsRequest on a ZooKeeper-mode broker: the
 * controller does the work (services/controller/partition-reassignment.ts); on any other broker both answer a
 * top-level NOT_CONTROLLER (Kafka's processApiPartitionReassignment / processListPartitionReassignments when not
 * active), and the admin client retries at the controller. A reassignment answers once started (not completed);
 * replicas null cancels. The list answers only partitions being reassigned.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ApiHandler } from './common.js';

export function alterPartitionReassignmentsHandler(): ApiHandler<typeof ApiKey.AlterPartitionReassignments> {
  return {
    apiKey: ApiKey.AlterPartitionReassignments,
    async handle(req, { broker: ctx }) {
      const requests = req.body.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas === null ? null : [...p.replicas] })));
      const results = ctx.controller ? await ctx.controller.alterPartitionReassignments(requests) : null;
      if (results === null) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, responses: [] };
      const byTopic = new Map<string, typeof results>();
      for (const r of results) { const l = byTopic.get(r.topic); if (l) l.push(r); else byTopic.set(r.topic, [r]); }
      return {
        throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null,
        responses: [...byTopic].map(([name, list]) => ({ name, partitions: list.map((r) => ({ partitionIndex: r.partition, errorCode: r.errorCode, errorMessage: r.errorMessage })) })),
      };
    },
    errorResponse(_req, errorCode, message) {
      return { throttleTimeMs: 0, errorCode, errorMessage: message, responses: [] };
    },
  };
}

export function listPartitionReassignmentsHandler(): ApiHandler<typeof ApiKey.ListPartitionReassignments> {
  return {
    apiKey: ApiKey.ListPartitionReassignments,
    async handle(req, { broker: ctx }) {
      const wanted = req.body.topics === null ? null : req.body.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
      const list = ctx.controller ? await ctx.controller.listPartitionReassignments(wanted) : null;
      if (list === null) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null, topics: [] };
      const byTopic = new Map<string, typeof list>();
      for (const r of list) { const l = byTopic.get(r.topic); if (l) l.push(r); else byTopic.set(r.topic, [r]); }
      return {
        throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null,
        topics: [...byTopic].map(([name, l]) => ({ name, partitions: l.map((r) => ({ partitionIndex: r.partition, replicas: r.replicas, addingReplicas: r.addingReplicas, removingReplicas: r.removingReplicas })) })),
      };
    },
    errorResponse(_req, errorCode, message) {
      return { throttleTimeMs: 0, errorCode, errorMessage: message, topics: [] };
    },
  };
}
