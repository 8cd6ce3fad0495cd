/**
 * DeleteTopics (20), as Kafka's `KafkaApis.handleDeleteTopicsRequest` + `ZkAdminManager.deleteTopics`:
 * - not the active controller → NOT_CONTROLLER; `delete.topic.enable=false` → TOPIC_DELETION_DISABLED (v3+) or
 *   INVALID_REQUEST (v0–2);
 * - v6 addresses topics by name or by id (both in one entry: INVALID_REQUEST for the whole request); an unknown id → UNKNOWN_TOPIC_ID, an unknown
 *   name → UNKNOWN_TOPIC_OR_PARTITION; one result per distinct topic;
 * - internal topics (`__consumer_offsets`, `__transaction_state`) → INVALID_TOPIC_EXCEPTION, nothing marked. DIFFERS from
 *   Kafka 3.7.1: its ZK-mode handler (and ZkAdminManager / TopicDeletionManager) has no internal-topic check, so the
 *   topic is deleted and re-created empty on the next FindCoordinator, losing every group's offsets and every open
 *   transaction (issue 16: never lose them). The message is the one Kafka's old TopicCommand printed client-side;
 *   the error is the one Kafka's Produce gives for writes to an internal topic;
 * - controller_mutation_rate (KIP-599, controller-mutation-quota.ts): each topic takes its partition count from the
 *   client's token bucket before it is marked; v5+ a bucket below zero → THROTTLING_QUOTA_EXCEEDED for that topic;
 *   throttle_time_ms and the connection mute as sendResponseMaybeThrottleWithControllerQuota;
 * - `admin.deleteTopic` marks it for deletion (already marked counts as success), then the handler waits up to
 *   timeoutMs until the topic is gone from the metadata, else REQUEST_TIMED_OUT (timeoutMs ≤ 0: at once).
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ResponseInput } from '../../../protocol/frame.js';
import { isInternalTopic } from '../../admin/topic-validation.js';
import { applyControllerThrottle, newControllerMutationQuota } from '../../quota/controller-mutation-quota.js';
import { ZERO_UUID, adminTimeoutMs, errorMessageOf, knownErrorCode, topicIdToWire, withTimeout, type ApiHandler, type RequestOf } from './common.js';

type Result = NonNullable<ResponseInput<typeof ApiKey.DeleteTopics>['responses']>[number];

/** The request's topics in the v6 shape (v0–5 carry only names). */
function requestedTopics(req: RequestOf<typeof ApiKey.DeleteTopics>): Array<{ name: string | null; topicId: string }> {
  return req.apiVersion >= 6 ? req.body.topics : req.body.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
}

export function deleteTopicsHandler(): ApiHandler<typeof ApiKey.DeleteTopics> {
  return {
    apiKey: ApiKey.DeleteTopics,
    async handle(req, { broker: ctx, conn }) {
      const md = ctx.metadata;
      const requested = requestedTopics(req);
      // KIP-599: strict from v5 (THROTTLING_QUOTA_EXCEEDED per topic), permissive below
      const quota = newControllerMutationQuota(ctx.quotas?.controllerMutation, conn, req.header.clientId, req.apiVersion, 5);
      const uniform = (errorCode: number) => ({
        throttleTimeMs: 0,
        responses: requested.map((t): Result => ({ name: t.name, topicId: t.topicId, errorCode, errorMessage: null })),
      });
      if (md.controllerId() !== md.brokerId) return uniform(ErrorCode.NOT_CONTROLLER);
      if (!ctx.config().getBoolean('delete.topic.enable')) {
        return uniform(req.apiVersion < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED);
      }

      if (requested.some((t) => t.name !== null && t.topicId !== ZERO_UUID)) {
        // Kafka throws InvalidRequestException: the whole request gets the error
        const message = 'Topic name and topic ID can not both be specified.';
        return { throttleTimeMs: 0, responses: requested.map((t): Result => ({ name: t.name, topicId: t.topicId, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message })) };
      }
      const results: Result[] = [];
      const byName = new Map<string, Result>();
      const toDelete: string[] = [];
      for (const t of requested) {
        const hasId = t.topicId !== ZERO_UUID;
        let name = t.name;
        if (hasId) name = md.topics().find((m) => topicIdToWire(m.topicId) === t.topicId)?.name ?? null;
        if (name === null) {
          results.push({ name: null, topicId: t.topicId, errorCode: hasId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.INVALID_REQUEST, errorMessage: null });
          continue;
        }
        if (byName.has(name)) continue;
        const r: Result = { name, topicId: t.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
        byName.set(name, r);
        results.push(r);
        const meta = md.topic(name);
        if (!meta) r.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (isInternalTopic(name)) {
          r.errorCode = ErrorCode.INVALID_TOPIC_EXCEPTION;
          r.errorMessage = `Topic ${name} is a kafka internal topic and is not allowed to be marked for deletion.`;
          if (req.apiVersion >= 6) r.topicId = topicIdToWire(meta.topicId);
        } else {
          if (req.apiVersion >= 6) r.topicId = topicIdToWire(meta.topicId);
          toDelete.push(name);
        }
      }

      const marked: string[] = [];
      await Promise.all(toDelete.map(async (name) => {
        const partitions = md.topic(name)?.partitions.length ?? 0;
        let recorded = false;
        try {
          quota.record(partitions);
          recorded = true;
          await withTimeout(ctx.admin.deleteTopic(name), adminTimeoutMs(ctx), `Deleting topic ${name}`);
          marked.push(name);
        } catch (e) {
          if (e instanceof Error && e.name === 'TopicAlreadyMarkedForDeletionError') { marked.push(name); return; }
          if (recorded) quota.unrecord(partitions);
          const code = knownErrorCode(e);
          if (code === null) ctx.log.error({ err: e, topic: name }, `Error processing delete topic request for topic ${name}`);
          else if (code === ErrorCode.THROTTLING_QUOTA_EXCEEDED) ctx.log.debug({ topic: name }, `Topic deletion not allowed because quota is violated`);
          const r = byName.get(name)!;
          r.errorCode = code ?? ErrorCode.UNKNOWN_SERVER_ERROR;
          r.errorMessage = errorMessageOf(e);
        }
      }));

      const timeoutMs = req.body.timeoutMs;
      await Promise.all(marked.map(async (name) => {
        const gone = timeoutMs > 0 && await md.waitFor((m) => m.topic(name) === undefined, timeoutMs);
        if (!gone) byName.get(name)!.errorCode = ErrorCode.REQUEST_TIMED_OUT;
      }));
      const response = { throttleTimeMs: 0, responses: results };
      applyControllerThrottle(quota, response, conn);
      return response;
    },
    errorResponse(req, errorCode, message) {
      return {
        throttleTimeMs: 0,
        responses: requestedTopics(req).map((t): Result => ({ name: t.name, topicId: t.topicId, errorCode, errorMessage: message })),
      };
    },
  };
}
