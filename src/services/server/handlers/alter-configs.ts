/**
 * AlterConfigs (33) and IncrementalAlterConfigs (44), as Kafka's KafkaApis + ZkAdminManager in ZooKeeper mode:
 * - one result per resource, in request order; a resource named twice → INVALID_REQUEST for both;
 * - TOPIC: unknown topic → UNKNOWN_TOPIC_OR_PARTITION; the new overrides (AlterConfigs: exactly the request's;
 *   incremental: /config/topics/<t> with the operations applied) are validated as LogConfig does and written with a
 *   /config/changes notification, which every broker's config manager applies to the topic's logs;
 * - BROKER: '' = cluster-wide default (/config/brokers/<default>), or this broker's id (anything else →
 *   INVALID_REQUEST); the dynamic-update rules (read-only keys, per-broker-only keys, bad values → INVALID_REQUEST
 *   with Kafka's message) apply, passwords are stored encoded; the notification makes every broker (this one too)
 *   reload its dynamic config. Keys Kafka accepts but Rafka does not act on (a Kafka dynamic key Rafka lacks, a
 *   custom key, a topic key such as cleanup.policy) are answered and stored as Kafka does; the reload skips them
 *   with one warning each (src/services/config/dynamic-broker-config.ts);
 * - validateOnly validates and writes nothing; other resource types (BROKER_LOGGER included) → INVALID_REQUEST.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import {
  ConfigException, ConfigResourceType, InvalidRequestError, brokerConfigChange, brokerConfigKey, brokerEntity, checkIncrementalOps,
  checkLegacyConfigs, describeResource, fromPersistentProps, prepareIncrementalConfigs, resourceTypeName, topicConfigChange, type AlterConfigOp,
} from '../../admin/config-admin.js';
import { DEFAULT_ENTITY } from '../../zookeeper/zk-data.js';
import { UnknownTopicOrPartitionError } from '../../admin/admin-zk-client.js';
import type { BrokerContext } from '../broker-context.js';
import { topicConfigKey } from './describe-configs.js';
import { adminTimeoutMs, errorMessageOf, knownErrorCode, withTimeout, type ApiHandler } from './common.js';

interface Resource { resourceType: number; resourceName: string }
interface Result extends Resource { errorCode: number; errorMessage: string | null }

/** How a resource's new props are made from its current ones (the stored ones, passwords decoded). */
type NewProps = (current: () => Promise<Record<string, string>>, keys: typeof brokerConfigKey) => Promise<Record<string, string>>;

async function alterResource(ctx: BrokerContext, r: Resource, newProps: NewProps, validateOnly: boolean): Promise<void> {
  const config = ctx.config();
  switch (r.resourceType) {
    case ConfigResourceType.TOPIC: {
      const topic = r.resourceName;
      if (!ctx.metadata.topic(topic)) throw new UnknownTopicOrPartitionError(`The topic '${topic}' does not exist.`);
      const props = topicConfigChange(await newProps(() => ctx.admin.entityConfigs('topics', topic), topicConfigKey));
      if (validateOnly) return;
      ctx.log.info({ topic, configs: props }, `Updating topic ${topic} with new configuration : ${Object.entries(props).map(([k, v]) => `${k}=${v}`).join(',')}`);
      await withTimeout(ctx.admin.changeEntityConfigs('topics', topic, props), adminTimeoutMs(ctx), `Altering the configs of topic ${topic}`);
      return;
    }
    case ConfigResourceType.BROKER: {
      const brokerId = brokerEntity(r.resourceName, config.brokerId);
      const entity = brokerId === null ? DEFAULT_ENTITY : String(brokerId);
      const props = await newProps(async () => fromPersistentProps(await ctx.admin.entityConfigs('brokers', entity), config), brokerConfigKey);
      const persistent = brokerConfigChange(props, brokerId !== null, config);
      if (validateOnly) return;
      ctx.log.info({ entity, configs: Object.keys(props) }, brokerId === null ? 'Updating brokers with new configuration' : `Updating broker ${brokerId} with new configuration`);
      await withTimeout(ctx.admin.changeEntityConfigs('brokers', entity, persistent), adminTimeoutMs(ctx), `Altering the configs of brokers/${entity}`);
      return;
    }
    default:
      throw new InvalidRequestError(`AlterConfigs is only supported for topics and brokers, but resource type is ${resourceTypeName(r.resourceType)}`);
  }
}

/** The per-resource answer: Kafka's error mapping (ConfigException → INVALID_CONFIG with the resource named). */
async function answer(ctx: BrokerContext, r: Resource, run: () => Promise<void>): Promise<Result> {
  try {
    await run();
    return { ...pick(r), errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (e) {
    if (e instanceof ConfigException) {
      const message = `Invalid config value for resource ${describeResource(r.resourceType, r.resourceName)}: ${e.message}`;
      ctx.log.info({ resource: r.resourceName }, message);
      return { ...pick(r), errorCode: ErrorCode.INVALID_CONFIG, errorMessage: message };
    }
    const code = knownErrorCode(e);
    if (code === null) ctx.log.error({ err: e, resource: r.resourceName }, `Error processing alter configs request for resource ${describeResource(r.resourceType, r.resourceName)}`);
    return { ...pick(r), errorCode: code ?? ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: errorMessageOf(e) };
  }
}

const pick = (r: Resource): Resource => ({ resourceType: r.resourceType, resourceName: r.resourceName });

/** Resources listed more than once are refused (ConfigAdminManager: "Each resource must appear at most once."). */
function duplicates(rs: readonly Resource[]): Set<string> {
  const seen = new Set<string>(), dup = new Set<string>();
  for (const r of rs) { const k = `${r.resourceType}\0${r.resourceName}`; (seen.has(k) ? dup : seen).add(k); }
  return dup;
}

async function alterAll<R extends Resource>(ctx: BrokerContext, rs: readonly R[], run: (r: R) => Promise<void>): Promise<Result[]> {
  const dup = duplicates(rs);
  // One at a time: two resources may be the same ZooKeeper entity only via duplicates, but keep writes ordered.
  const out: Result[] = [];
  for (const r of rs) {
    if (dup.has(`${r.resourceType}\0${r.resourceName}`)) out.push({ ...pick(r), errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Each resource must appear at most once.' });
    else out.push(await answer(ctx, r, () => run(r)));
  }
  return out;
}

const failAll = (rs: readonly Resource[], errorCode: number, errorMessage: string | null): Result[] => rs.map((r) => ({ ...pick(r), errorCode, errorMessage }));

export function alterConfigsHandler(): ApiHandler<typeof ApiKey.AlterConfigs> {
  return {
    apiKey: ApiKey.AlterConfigs,
    async handle(req, { broker: ctx }) {
      const responses = await alterAll(ctx, req.body.resources, (r) => {
        const requested = checkLegacyConfigs(r.configs);
        return alterResource(ctx, r, async () => requested, req.body.validateOnly);
      });
      return { throttleTimeMs: 0, responses };
    },
    errorResponse(req, errorCode, message) {
      return { throttleTimeMs: 0, responses: failAll(req.body.resources, errorCode, message) };
    },
  };
}

export function incrementalAlterConfigsHandler(): ApiHandler<typeof ApiKey.IncrementalAlterConfigs> {
  return {
    apiKey: ApiKey.IncrementalAlterConfigs,
    async handle(req, { broker: ctx }) {
      const responses = await alterAll(ctx, req.body.resources, (r) => {
        const ops: AlterConfigOp[] = r.configs;
        checkIncrementalOps(ops);
        return alterResource(ctx, r, async (current, keys) => prepareIncrementalConfigs(ops, await current(), keys), req.body.validateOnly);
      });
      return { throttleTimeMs: 0, responses };
    },
    errorResponse(req, errorCode, message) {
      return { throttleTimeMs: 0, responses: failAll(req.body.resources, errorCode, message) };
    },
  };
}
