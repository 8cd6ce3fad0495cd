/**
 * CreatePartitions (37), as Kafka's KafkaApis.handleCreatePartitionsRequest + ZkAdminManager.createPartitions:
 * - not the active controller → NOT_CONTROLLER for every topic; a topic listed twice → INVALID_REQUEST
 *   "Duplicate topic in request.";
 * - `admin.createPartitions` validates (count must grow, given assignments: one per new partition, known brokers,
 *   partition 0's replication factor) and writes the new assignment to /brokers/topics/<t>; its errors map by name
 *   (UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS, INVALID_REPLICA_ASSIGNMENT, BROKER_NOT_AVAILABLE,
 *   REASSIGNMENT_IN_PROGRESS, INVALID_REPLICATION_FACTOR);
 * - validateOnly answers at once; otherwise waits up to timeoutMs until the metadata shows every partition with a
 *   leader (the controller elects them), REQUEST_TIMED_OUT after; timeoutMs ≤ 0 answers REQUEST_TIMED_OUT at once
 *   for the topics that were changed (as Kafka).
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import { topicReady } from './create-topics.js';
import { applyControllerThrottle, newControllerMutationQuota } from '../../quota/controller-mutation-quota.js';
import { adminTimeoutMs, errorMessageOf, knownErrorCode, withTimeout, type ApiHandler } from './common.js';

interface Result { name: string; errorCode: number; errorMessage: string | null }

export function createPartitionsHandler(): ApiHandler<typeof ApiKey.CreatePartitions> {
  return {
    apiKey: ApiKey.CreatePartitions,
    async handle(req, { broker: ctx, conn }) {
      const { topics, timeoutMs, validateOnly } = req.body;
      // KIP-599 controller_mutation_rate: strict from v3, permissive below (controller-mutation-quota.ts)
      const quota = newControllerMutationQuota(ctx.quotas?.controllerMutation, conn, req.header.clientId, req.apiVersion, 3);
      const md = ctx.metadata;
      if (md.controllerId() !== md.brokerId) {
        return { throttleTimeMs: 0, results: topics.map((t) => ({ name: t.name, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null })) };
      }
      const counts = new Map<string, number>();
      for (const t of topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
      const results = new Map<string, Result>();
      const changed: Array<{ name: string; count: number }> = [];
      for (const t of topics) {
        if (results.has(t.name)) continue;
        if ((counts.get(t.name) ?? 0) > 1) {
          results.set(t.name, { name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic in request.' });
          continue;
        }
        try {
          const assignments = t.assignments === null ? null : t.assignments.map((a) => [...a.brokerIds]);
          const increment = Math.max(0, t.count - (md.topic(t.name)?.partitions.length ?? t.count));
          if (!validateOnly) quota.record(increment);
          try {
            await withTimeout(ctx.admin.createPartitions(t.name, t.count, assignments, validateOnly), adminTimeoutMs(ctx), `Creating partitions of ${t.name}`);
          } catch (e) {
            if (!validateOnly) quota.unrecord(increment);
            throw e;
          }
          results.set(t.name, { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
          if (!validateOnly) changed.push({ name: t.name, count: t.count });
        } catch (e) {
          const code = knownErrorCode(e);
          if (code === null) ctx.log.error({ err: e, topic: t.name }, `Error creating partitions of ${t.name}`);
          else ctx.log.info({ topic: t.name }, `Create partitions of ${t.name} failed: ${errorMessageOf(e)}`);
          results.set(t.name, { name: t.name, errorCode: code ?? ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: errorMessageOf(e) });
        }
      }
      if (changed.length > 0) {
        const ready = timeoutMs <= 0 ? changed.map(() => false) : await Promise.all(changed.map((c) => md.waitFor((m) => topicReady(m, c.name, c.count), timeoutMs)));
        changed.forEach((c, i) => { if (!ready[i]) results.set(c.name, { name: c.name, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: null }); });
      }
      const response = { throttleTimeMs: 0, results: [...results.values()] };
      applyControllerThrottle(quota, response, conn);
      return response;
    },
    errorResponse(req, errorCode, message) {
      return { throttleTimeMs: 0, results: [...new Set(req.body.topics.map((t) => t.name))].map((name) => ({ name, errorCode, errorMessage: message })) };
    },
  };
}
