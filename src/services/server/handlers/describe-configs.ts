/**
 * DescribeConfigs (32), as Kafka's `ConfigHelper.describeConfigs` (ZooKeeper mode):
 * - BROKER "<this broker id>": every non-internal broker config plus unknown supplied keys, sorted by name; value
 *   as Kafka's `ConfigDef.convertToString` (lists comma-separated), null for passwords and keys of unknown type
 *   (sensitive); readOnly unless dynamically updatable; source STATIC_BROKER_CONFIG when supplied, else
 *   DEFAULT_CONFIG; synonyms (v1+ includeSynonyms) over the broker synonyms, Kafka's order and `dropWhile`;
 *   configType and documentation from v3; the dynamic layers stored in /config/brokers (<id>, <default>) come first
 *   (DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG). BROKER "" → the cluster-wide dynamic defaults; another
 *   id → INVALID_REQUEST.
 * - TOPIC: the topic configs with the topic's overrides (source TOPIC_CONFIG) or the broker-derived defaults
 *   (Kafka's TopicConfigSynonyms), the overrides read from /config/topics/<name> (`admin.entityConfigs`).
 *   Unknown topic → UNKNOWN_TOPIC_OR_PARTITION; invalid name → INVALID_TOPIC_EXCEPTION.
 * - Other resource types (BROKER_LOGGER, …) → INVALID_REQUEST.
 * Broker values are those of `ctx.config()` (the effective config, dynamic layers applied by the config manager).
 */
import { configKey, BROKER_CONFIG_DEFS, type ConfigKey, type ConfigType } from '../../../config/config-def.js';
import type { KafkaConfig } from '../../../config/kafka-config.js';
import { formatValue } from '../../../config/parse-type.js';
import { brokerConfigSynonyms } from '../../../config/synonyms.js';
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ResponseInput } from '../../../protocol/frame.js';
import { validateTopicName } from '../../admin/topic-validation.js';
import { DEFAULT_ENTITY } from '../../zookeeper/zk-data.js';
import type { BrokerContext } from '../broker-context.js';
import { dynamicLayersBehind } from '../dynamic-config-loader.js';
import { errorMessageOf, knownErrorCode, type ApiHandler } from './common.js';

type Result = NonNullable<ResponseInput<typeof ApiKey.DescribeConfigs>['results']>[number];
type Entry = NonNullable<Result['configs']>[number];
type Synonym = NonNullable<Entry['synonyms']>[number];

export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;
export const ConfigSource = { TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;
const CONFIG_TYPE: Record<ConfigType, number> = { boolean: 1, string: 2, int: 3, long: 5, double: 6, list: 7, class: 8, password: 9 };

/** ConfigDef.convertToString (null stays null). */
function toConfigString(type: ConfigType | undefined, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (type === 'list') return (value as string[]).join(',');
  if (type === 'int' || type === 'long' || type === 'double') return formatValue(type, value);
  return String(value);
}

const isSensitive = (type: ConfigType | undefined) => type === undefined || type === 'password';

/** The dynamic layers as stored in /config/brokers/<id> and /config/brokers/<default>. */
export interface DynamicLayers {
  perBroker: Record<string, string>;
  clusterDefault: Record<string, string>;
  /** The static props (Kafka's staticBrokerConfigs); absent: the config's originals (no dynamic layer merged in). */
  staticProps?: Record<string, string>;
}
const NO_DYNAMIC: DynamicLayers = { perBroker: {}, clusterDefault: {} };

/** Kafka's configSynonyms: dynamic per-broker, dynamic default, static, defaults; then drop until `name`. */
function brokerSynonymList(config: KafkaConfig, name: string, synonyms: string[], sensitive: boolean, dyn: DynamicLayers = NO_DYNAMIC): Synonym[] {
  const out: Synonym[] = [];
  for (const [layer, source] of [[dyn.perBroker, ConfigSource.DYNAMIC_BROKER_CONFIG], [dyn.clusterDefault, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG]] as const) {
    for (const s of synonyms) if (layer[s] !== undefined) out.push({ name: s, value: sensitive ? null : layer[s]!, source });
  }
  for (const s of synonyms) {
    const raw = (dyn.staticProps ?? config.originals)[s];
    if (raw !== undefined) out.push({ name: s, value: sensitive ? null : raw, source: ConfigSource.STATIC_BROKER_CONFIG });
  }
  for (const s of synonyms) {
    const k = configKey(s);
    if (k && k.default !== undefined && k.default !== null) {
      out.push({ name: s, value: sensitive ? null : toConfigString(k.type, k.default), source: ConfigSource.DEFAULT_CONFIG });
    }
  }
  const i = out.findIndex((s) => s.name === name);
  return i < 0 ? [] : out.slice(i);
}

interface Flags { includeSynonyms: boolean; includeDocumentation: boolean }

function brokerEntry(config: KafkaConfig, name: string, flags: Flags, dyn: DynamicLayers = NO_DYNAMIC, defaultsOnly = false): Entry {
  const key: ConfigKey | undefined = configKey(name);
  const sensitive = isSensitive(key?.type);
  let value: string | null = null;
  if (!sensitive) value = defaultsOnly ? dyn.clusterDefault[name] ?? null : key ? toConfigString(key.type, safeGet(config, name)) : null;
  let synonyms = brokerSynonymList(config, name, key ? brokerConfigSynonyms(name) : [name], sensitive, dyn);
  // BROKER "": only the cluster-wide dynamic layer (Kafka's perBrokerConfig = false)
  if (defaultsOnly) synonyms = synonyms.filter((s) => s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
  const source = synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
  return {
    name,
    value,
    readOnly: key ? key.dynamic === 'read-only' : true,
    isDefault: source === ConfigSource.DEFAULT_CONFIG,
    configSource: source,
    isSensitive: sensitive,
    synonyms: flags.includeSynonyms ? synonyms : [],
    configType: key ? CONFIG_TYPE[key.type] : 0,
    documentation: flags.includeDocumentation ? key?.doc ?? null : null,
  };
}

function safeGet(config: KafkaConfig, name: string): unknown {
  try { return config.get(name); } catch { return null; }
}

/** Kafka's topic configs: [topic key, broker synonym (TopicConfigSynonyms) or null, type, default without synonym]. */
const TOPIC_CONFIGS: ReadonlyArray<readonly [string, string | null, ConfigType, unknown]> = [
  ['cleanup.policy', 'log.cleanup.policy', 'list', null],
  ['compression.type', 'compression.type', 'string', null],
  ['delete.retention.ms', 'log.cleaner.delete.retention.ms', 'long', null],
  ['file.delete.delay.ms', 'log.segment.delete.delay.ms', 'long', null],
  ['flush.messages', 'log.flush.interval.messages', 'long', null],
  ['flush.ms', 'log.flush.interval.ms', 'long', null],
  ['follower.replication.throttled.replicas', null, 'list', []],
  ['index.interval.bytes', 'log.index.interval.bytes', 'int', null],
  ['leader.replication.throttled.replicas', null, 'list', []],
  ['local.retention.bytes', 'log.local.retention.bytes', 'long', null],
  ['local.retention.ms', 'log.local.retention.ms', 'long', null],
  ['max.compaction.lag.ms', 'log.cleaner.max.compaction.lag.ms', 'long', null],
  ['max.message.bytes', 'message.max.bytes', 'int', null],
  ['message.downconversion.enable', 'log.message.downconversion.enable', 'boolean', null],
  ['message.format.version', 'log.message.format.version', 'string', null],
  ['message.timestamp.after.max.ms', 'log.message.timestamp.after.max.ms', 'long', null],
  ['message.timestamp.before.max.ms', 'log.message.timestamp.before.max.ms', 'long', null],
  ['message.timestamp.difference.max.ms', 'log.message.timestamp.difference.max.ms', 'long', null],
  ['message.timestamp.type', 'log.message.timestamp.type', 'string', null],
  ['min.cleanable.dirty.ratio', 'log.cleaner.min.cleanable.ratio', 'double', null],
  ['min.compaction.lag.ms', 'log.cleaner.min.compaction.lag.ms', 'long', null],
  ['min.insync.replicas', 'min.insync.replicas', 'int', null],
  ['preallocate', 'log.preallocate', 'boolean', null],
  ['remote.storage.enable', null, 'boolean', false],
  ['retention.bytes', 'log.retention.bytes', 'long', null],
  ['retention.ms', 'log.retention.ms', 'long', null],
  ['segment.bytes', 'log.segment.bytes', 'int', null],
  ['segment.index.bytes', 'log.index.size.max.bytes', 'int', null],
  ['segment.jitter.ms', 'log.roll.jitter.ms', 'long', null],
  ['segment.ms', 'log.roll.ms', 'long', null],
  ['unclean.leader.election.enable', 'unclean.leader.election.enable', 'boolean', null],
];

/** LogConfig's definition of a topic config: its type and (broker-independent) default as a string, or undefined. */
export function topicConfigKey(name: string): { type: ConfigType; defaultValue: string | null } | undefined {
  const row = TOPIC_CONFIGS.find(([n]) => n === name);
  if (!row) return undefined;
  const [, brokerKey, type, dflt] = row;
  return { type, defaultValue: toConfigString(type, brokerKey ? configKey(brokerKey)?.default : dflt) };
}

/** The broker value a topic config defaults to (KafkaServer.copyKafkaConfigToLog). */
function brokerDerived(config: KafkaConfig, brokerKey: string): unknown {
  switch (brokerKey) {
    case 'log.retention.ms': return config.logRetentionTimeMillis;
    case 'log.roll.ms': return config.logRollTimeMillis;
    case 'log.roll.jitter.ms': return config.logRollTimeJitterMillis;
    case 'log.flush.interval.ms': return config.logFlushIntervalMs;
    default: return safeGet(config, brokerKey);
  }
}

export function topicConfigEntries(config: KafkaConfig, overrides: Record<string, string>, keys: readonly string[] | null, flags: Flags, dyn: DynamicLayers = NO_DYNAMIC): Entry[] {
  return TOPIC_CONFIGS.filter(([name]) => keys === null || keys.length === 0 || keys.includes(name)).map(([name, brokerKey, type, dflt]): Entry => {
    const override = overrides[name];
    const value = override !== undefined ? override : toConfigString(type, brokerKey ? brokerDerived(config, brokerKey) : dflt);
    let synonyms: Synonym[] = brokerKey ? brokerSynonymList(config, brokerKey, brokerConfigSynonyms(brokerKey), false, dyn) : [];
    if (override !== undefined) synonyms = [{ name, value: override, source: ConfigSource.TOPIC_CONFIG }, ...synonyms];
    const source = synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
    return {
      name,
      value,
      readOnly: false,
      isDefault: source === ConfigSource.DEFAULT_CONFIG,
      configSource: source,
      isSensitive: false,
      synonyms: flags.includeSynonyms ? synonyms : [],
      configType: CONFIG_TYPE[type],
      documentation: flags.includeDocumentation ? (brokerKey ? configKey(brokerKey)?.doc ?? null : null) : null,
    };
  });
}

/**
 * The dynamic layers the config in use was built from (Kafka's currentDynamicBrokerConfigs), so the value and its
 * synonyms are one snapshot; read from ZooKeeper only for a config not built by a load. Reading ZooKeeper always
 * answered a just-altered key with the old (e.g. null) value beside a synonym already carrying the new one until the
 * change notification reached the broker.
 */
async function dynamicLayers(ctx: BrokerContext, config: KafkaConfig): Promise<DynamicLayers> {
  const applied = dynamicLayersBehind(config);
  if (applied) return applied;
  const brokerId = config.brokerId;
  return { perBroker: await ctx.admin.entityConfigs('brokers', String(brokerId)), clusterDefault: await ctx.admin.entityConfigs('brokers', DEFAULT_ENTITY) };
}

function failure(r: { resourceType: number; resourceName: string }, errorCode: number, errorMessage: string | null): Result {
  return { errorCode, errorMessage, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] };
}

async function describeResource(ctx: BrokerContext, r: { resourceType: number; resourceName: string; configurationKeys: string[] | null }, flags: Flags): Promise<Result> {
  const config = ctx.config();
  const ok = (configs: Entry[]): Result => ({ errorCode: ErrorCode.NONE, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs });
  const wanted = (name: string) => r.configurationKeys === null || r.configurationKeys.length === 0 || r.configurationKeys.includes(name);
  switch (r.resourceType) {
    case ResourceType.BROKER: {
      const dyn = await dynamicLayers(ctx, config);
      if (r.resourceName === '') return ok(Object.keys(dyn.clusterDefault).filter(wanted).sort().map((n) => brokerEntry(config, n, flags, dyn, true)));
      if (!/^-?\d+$/.test(r.resourceName)) return failure(r, ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${r.resourceName}`);
      if (Number(r.resourceName) !== config.brokerId) {
        return failure(r, ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${config.brokerId} or empty string, but received ${r.resourceName}`);
      }
      const names = new Set<string>(BROKER_CONFIG_DEFS.filter((k) => !k.internal).map((k) => k.name));
      for (const k of Object.keys(config.originals)) names.add(k);
      for (const k of Object.keys(dyn.perBroker)) names.add(k);
      return ok([...names].filter(wanted).sort().map((n) => brokerEntry(config, n, flags, dyn)));
    }
    case ResourceType.TOPIC: {
      try {
        validateTopicName(r.resourceName);
      } catch (e) {
        return failure(r, ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessageOf(e));
      }
      if (!ctx.metadata.topic(r.resourceName)) return failure(r, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${r.resourceName}' does not exist.`);
      const overrides = await ctx.admin.entityConfigs('topics', r.resourceName);
      return ok(topicConfigEntries(config, overrides, r.configurationKeys, flags, await dynamicLayers(ctx, config)));
    }
    case ResourceType.BROKER_LOGGER:
      return failure(r, ErrorCode.INVALID_REQUEST, 'BROKER_LOGGER configs are not supported');
    default:
      return failure(r, ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${r.resourceType}`);
  }
}

export function describeConfigsHandler(): ApiHandler<typeof ApiKey.DescribeConfigs> {
  return {
    apiKey: ApiKey.DescribeConfigs,
    async handle(req, { broker: ctx }) {
      const flags = { includeSynonyms: req.apiVersion >= 1 && req.body.includeSynonyms, includeDocumentation: req.apiVersion >= 3 && req.body.includeDocumentation };
      const results = await Promise.all(req.body.resources.map(async (r) => {
        try {
          const res = await describeResource(ctx, r, flags);
          for (const c of res.configs ?? []) {
            if (req.apiVersion >= 1) c.isDefault = false; // a v0-only field (configSource replaces it)
            if (req.apiVersion < 3) { c.configType = 0; c.documentation = null; }
          }
          return res;
        } catch (e) {
          const code = knownErrorCode(e);
          if (code === null) ctx.log.error({ err: e, resource: r.resourceName }, `Error describing configs of resource ${r.resourceType}/${r.resourceName}`);
          return failure(r, code ?? ErrorCode.UNKNOWN_SERVER_ERROR, errorMessageOf(e));
        }
      }));
      return { throttleTimeMs: 0, results };
    },
    errorResponse(req, errorCode, message) {
      return { throttleTimeMs: 0, results: req.body.resources.map((r) => failure(r, errorCode, message)) };
    },
  };
}
