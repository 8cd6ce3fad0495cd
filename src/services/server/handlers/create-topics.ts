/**
 * CreateTopics (19), as Kafka's `KafkaApis.handleCreateTopicsRequest` + `ZkAdminManager.createTopics`:
 * - not the active controller → NOT_CONTROLLER for every topic;
 * - one result per distinct name; a name listed twice → INVALID_REQUEST "Found multiple entries for this topic.";
 * - numPartitions / replicationFactor -1 → `num.partitions` / `default.replication.factor`; manual assignments
 *   exclude both (INVALID_REQUEST); null config values → INVALID_CONFIG;
 * - `admin.createTopic` validates and writes (or only validates: validateOnly); its errors map by name to
 *   TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR,
 *   INVALID_REPLICA_ASSIGNMENT, INVALID_CONFIG (errorMessage from v1);
 * - then waits up to timeoutMs until the metadata shows a leader for every partition of every created topic;
 *   topics still without leaders → REQUEST_TIMED_OUT. timeoutMs ≤ 0 answers REQUEST_TIMED_OUT at once for the
 *   created topics (Kafka does the same), validateOnly answers at once;
 * - v5+: numPartitions, replicationFactor and configs of successful topics: every topic config with its effective
 *   value and source (TOPIC_CONFIG for the request's configs, else the broker's); v7: topic id.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ResponseInput } from '../../../protocol/frame.js';
import type { KafkaConfig } from '../../../config/kafka-config.js';
import type { BrokerContext, CreateTopicRequest, MetadataView } from '../broker-context.js';
import { topicConfigEntries } from './describe-configs.js';
import { applyControllerThrottle, newControllerMutationQuota } from '../../quota/controller-mutation-quota.js';
import { ZERO_UUID, adminTimeoutMs, errorMessageOf, knownErrorCode, topicIdToWire, withTimeout, type ApiHandler } from './common.js';

type Result = NonNullable<ResponseInput<typeof ApiKey.CreateTopics>['topics']>[number];

const CLUSTER_METADATA_TOPIC = '__cluster_metadata';

/**
 * Kafka's v5+ `configs` of a created topic: every topic config with its effective value (the request's override,
 * else the broker-derived default) and source, as DescribeConfigs would show it (no synonyms, no docs).
 */
function createdTopicConfigs(config: KafkaConfig, overrides: Record<string, string>): NonNullable<Result['configs']> {
  return topicConfigEntries(config, overrides, null, { includeSynonyms: false, includeDocumentation: false })
    .map((e) => ({ name: e.name, value: e.value ?? null, readOnly: e.readOnly ?? false, configSource: e.configSource ?? -1, isSensitive: e.isSensitive ?? false }));
}

/** True when `name` exists with `partitions` partitions, each with a leader. */
export function topicReady(m: MetadataView, name: string, partitions: number): boolean {
  const t = m.topic(name);
  return t !== undefined && t.partitions.length >= partitions && t.partitions.every((p) => p.leader >= 0);
}

function failed(name: string, errorCode: number, errorMessage: string | null): Result {
  return { name, topicId: ZERO_UUID, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: [] };
}

export function createTopicsHandler(): ApiHandler<typeof ApiKey.CreateTopics> {
  return {
    apiKey: ApiKey.CreateTopics,
    async handle(req, { broker: ctx, conn }) {
      const { topics, timeoutMs, validateOnly } = req.body;
      // KIP-599 controller_mutation_rate: strict from v6, permissive below (controller-mutation-quota.ts)
      const quota = newControllerMutationQuota(ctx.quotas?.controllerMutation, conn, req.header.clientId, req.apiVersion, 6);
      const md = ctx.metadata;
      const names = [...new Set(topics.map((t) => t.name))];
      if (md.controllerId() !== md.brokerId) {
        return { throttleTimeMs: 0, topics: names.map((n) => failed(n, ErrorCode.NOT_CONTROLLER, null)) };
      }
      const counts = new Map<string, number>();
      for (const t of topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
      const config = ctx.config();

      const results = new Map<string, Result>();
      const created: Array<{ name: string; partitions: number }> = [];
      await Promise.all(topics.map(async (topic) => {
        const name = topic.name;
        if (name === CLUSTER_METADATA_TOPIC) {
          // Kafka leaves the KRaft metadata topic out of the creatable names: it fails authorization
          results.set(name, failed(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.'));
          return;
        }
        if ((counts.get(name) ?? 0) > 1) {
          results.set(name, failed(name, ErrorCode.INVALID_REQUEST, 'Found multiple entries for this topic.'));
          return;
        }
        try {
          const nullConfigs = topic.configs.filter((c) => c.value === null).map((c) => c.name);
          if (nullConfigs.length > 0) {
            results.set(name, failed(name, ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nullConfigs.join(',')}`));
            return;
          }
          const hasAssignments = topic.assignments.length > 0;
          if (hasAssignments && (topic.numPartitions !== -1 || topic.replicationFactor !== -1)) {
            results.set(name, failed(name, ErrorCode.INVALID_REQUEST,
              'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.'));
            return;
          }
          const configs: Record<string, string> = {};
          for (const c of topic.configs) configs[c.name] = c.value!;
          const request: CreateTopicRequest = { name, numPartitions: 0, replicationFactor: 0, configs };
          if (hasAssignments) {
            const assignments = new Map<number, number[]>();
            for (const a of topic.assignments) assignments.set(a.partitionIndex, [...a.brokerIds]);
            request.assignments = assignments;
            request.numPartitions = assignments.size;
            request.replicationFactor = topic.assignments[0]!.brokerIds.length;
          } else {
            request.numPartitions = topic.numPartitions === -1 ? config.getInt('num.partitions') : topic.numPartitions;
            request.replicationFactor = topic.replicationFactor === -1 ? config.getInt('default.replication.factor') : topic.replicationFactor;
          }
          if (!validateOnly) quota.record(request.numPartitions);
          try {
            await withTimeout(ctx.admin.createTopic(request, validateOnly), adminTimeoutMs(ctx), `Creating topic ${name}`);
          } catch (e) {
            if (!validateOnly) quota.unrecord(request.numPartitions); // Kafka records after validating: invalid ones cost nothing
            throw e;
          }
          results.set(name, {
            name,
            topicId: ZERO_UUID,
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            numPartitions: request.numPartitions,
            replicationFactor: request.replicationFactor,
            configs: req.apiVersion >= 5 ? createdTopicConfigs(config, configs) : [],
          });
          if (!validateOnly) created.push({ name, partitions: request.numPartitions });
        } catch (e) {
          const code = knownErrorCode(e);
          if (code === null) ctx.log.error({ err: e, topic: name }, `Error processing create topic request for ${name}`);
          else ctx.log.info({ topic: name }, `Create topic ${name} failed: ${errorMessageOf(e)}`);
          results.set(name, failed(name, code ?? ErrorCode.UNKNOWN_SERVER_ERROR, errorMessageOf(e)));
        }
      }));

      if (!validateOnly && created.length > 0) {
        const ready = timeoutMs <= 0
          ? created.map(() => false)
          : await Promise.all(created.map((c) => md.waitFor((m) => topicReady(m, c.name, c.partitions), timeoutMs)));
        created.forEach((c, i) => {
          if (!ready[i]) {
            results.set(c.name, failed(c.name, ErrorCode.REQUEST_TIMED_OUT, null));
          } else {
            results.get(c.name)!.topicId = topicIdToWire(md.topic(c.name)?.topicId ?? null);
          }
        });
      }
      const out = names.map((n) => results.get(n)!);
      if (req.apiVersion < 1) for (const r of out) r.errorMessage = null;
      const response = { throttleTimeMs: 0, topics: out };
      applyControllerThrottle(quota, response, conn);
      return response;
    },
    errorResponse(req, errorCode, message) {
      return { throttleTimeMs: 0, topics: [...new Set(req.body.topics.map((t) => t.name))].map((n) => failed(n, errorCode, message)) };
    },
  };
}
