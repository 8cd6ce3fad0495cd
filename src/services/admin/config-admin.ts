/**
 * The validation half of Kafka's ZkAdminManager.alterConfigs / incrementalAlterConfigs (ZooKeeper mode), free of
 * I/O so handlers and tests share it:
 * - {@link prepareIncrementalConfigs}: SET / DELETE / APPEND / SUBTRACT applied to an entity's current props
 *   (APPEND / SUBTRACT only for LIST configs, starting from the config's default when unset);
 * - {@link topicConfigChange}: LogConfig.validate (unknown names, bad values);
 * - {@link brokerConfigChange}: DynamicBrokerConfig.validate (read-only keys, per-broker-only keys at the cluster
 *   default, values that do not parse or make the whole config invalid), then toPersistentProps (passwords encoded).
 * As Kafka 3.7 answers: a broker change DynamicBrokerConfig.validate refuses → INVALID_REQUEST with its bare message
 * (ConfigAdminManager); any other ConfigException → INVALID_CONFIG "Invalid config value for resource
 * ConfigResource(type=…, name='…'): …" (ZkAdminManager, KAFKA-13899); "Unknown topic config name" → INVALID_CONFIG.
 */
import { configKey, type ConfigType } from '../../config/config-def.js';
import { kafkaOnlyDynamicKey } from '../../config/dynamic-broker-config.js';
import { ConfigException, KafkaConfig } from '../../config/kafka-config.js';
import { validateDynamicUpdate, encodePasswordConfigs, isPasswordConfig } from '../config/dynamic-broker-config.js';
import { decodeStoredPassword } from '../config/dynamic-passwords.js';
import { configAfterUpdate, validateReconfiguration } from '../config/reconfiguration.js';
import { dynamicLayersBehind } from '../server/dynamic-config-loader.js';
import { InvalidConfigurationError, validateTopicConfigs } from './topic-validation.js';

export const ConfigResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;
const RESOURCE_TYPE_NAMES: Record<number, string> = { 0: 'UNKNOWN', 2: 'TOPIC', 4: 'BROKER', 8: 'BROKER_LOGGER', 16: 'CLIENT_METRICS', 32: 'GROUP' };
export const resourceTypeName = (t: number) => RESOURCE_TYPE_NAMES[t] ?? 'UNKNOWN';

/** ConfigResource.toString. */
export const describeResource = (type: number, name: string) => `ConfigResource(type=${resourceTypeName(type)}, name='${name}')`;

export const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

export class InvalidRequestError extends Error { override name = 'InvalidRequestError'; }

export interface AlterConfigOp { name: string; configOperation: number; value: string | null }
export type ConfigKeyLookup = (name: string) => { type: ConfigType; defaultValue: string | null } | undefined;

/** Kafka's request checks before any resource is touched: duplicate keys, nulls where a value is needed. */
export function checkIncrementalOps(ops: readonly AlterConfigOp[]): void {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const o of ops) (seen.has(o.name) ? dup : seen).add(o.name);
  if (dup.size > 0) throw new InvalidRequestError(`Error due to duplicate config keys : ${[...dup].join(',')}`);
  const unknownOp = ops.find((o) => OP_NAMES[o.configOperation] === undefined);
  if (unknownOp) throw new InvalidRequestError(`Unknown operations type ${unknownOp.configOperation}`);
  const nulls = ops.filter((o) => o.value === null && o.configOperation !== OpType.DELETE).map((o) => `${OP_NAMES[o.configOperation]}:${o.name}`);
  if (nulls.length > 0) throw new InvalidRequestError(`Null value not supported for : ${nulls.join(',')}`);
}

/** AlterConfigs (legacy): every config needs a value. */
export function checkLegacyConfigs(configs: ReadonlyArray<{ name: string; value: string | null }>): Record<string, string> {
  const nulls = configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) throw new InvalidRequestError(`Null value not supported for : ${nulls.join(',')}`);
  return Object.fromEntries(configs.map((c) => [c.name, c.value!]));
}

/** ZkAdminManager.prepareIncrementalConfigs: the entity's props after the operations (a new object). */
export function prepareIncrementalConfigs(ops: readonly AlterConfigOp[], current: Record<string, string>, keys: ConfigKeyLookup): Record<string, string> {
  const props = { ...current };
  const listType = (name: string) => {
    const k = keys(name);
    if (!k) throw new InvalidConfigurationError(`Unknown topic config name: ${name}`);
    return k.type === 'list';
  };
  const oldList = (name: string) => (props[name] ?? keys(name)?.defaultValue ?? '').split(',');
  for (const op of ops) {
    switch (op.configOperation) {
      case OpType.SET: props[op.name] = op.value!; break;
      case OpType.DELETE: delete props[op.name]; break;
      case OpType.APPEND:
        if (!listType(op.name)) throw new InvalidConfigurationError(`Config value append is not allowed for config key: ${op.name}`);
        props[op.name] = [...oldList(op.name), ...op.value!.split(',')].join(',');
        break;
      case OpType.SUBTRACT: {
        if (!listType(op.name)) throw new InvalidConfigurationError(`Config value subtract is not allowed for config key: ${op.name}`);
        const remove = op.value!.split(',');
        props[op.name] = diff(oldList(op.name), remove).join(',');
        break;
      }
      default: throw new InvalidRequestError(`Unknown operations type ${op.configOperation}`);
    }
  }
  return props;
}

/** Scala's List.diff: removes one occurrence per element of `remove`. */
function diff(list: string[], remove: string[]): string[] {
  const counts = new Map<string, number>();
  for (const r of remove) counts.set(r, (counts.get(r) ?? 0) + 1);
  return list.filter((x) => { const n = counts.get(x) ?? 0; if (n > 0) { counts.set(x, n - 1); return false; } return true; });
}

/** A topic's new overrides, validated (LogConfig.validate). */
export function topicConfigChange(props: Record<string, string>): Record<string, string> {
  validateTopicConfigs(props);
  return props;
}

/** Broker config keys for prepareIncrementalConfigs (KafkaConfig.configKeys: the table, else Kafka's dynamic keys it lacks). */
export const brokerConfigKey: ConfigKeyLookup = (name) => {
  const k = configKey(name) ?? kafkaOnlyDynamicKey(name);
  if (!k) return undefined;
  const d = k.default;
  return { type: k.type, defaultValue: d === null || d === undefined ? null : Array.isArray(d) ? d.join(',') : String(d) };
};

/** DynamicBrokerConfig.fromPersistentProps for the write path: stored passwords decoded (undecodable ones dropped). */
export function fromPersistentProps(persistent: Record<string, string>, config: KafkaConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(persistent)) {
    if (!isPasswordConfig(k)) { out[k] = v; continue; }
    try { out[k] = decodeStoredPassword(k, v, config); } catch { /* Kafka drops what it cannot decode */ }
  }
  return out;
}

/**
 * DynamicBrokerConfig.validate + toPersistentProps: the props to store at /config/brokers/<id|<default>>. The new
 * layer must leave a valid broker config (checked over the current effective config with the layer on top).
 */
export function brokerConfigChange(props: Record<string, string>, perBrokerConfig: boolean, config: KafkaConfig): Record<string, string> {
  validateBrokerConfigChange(props, perBrokerConfig, config);
  return encodePasswordConfigs(props, perBrokerConfig, config);
}

/**
 * ConfigAdminManager.validateBrokerConfigChange (Kafka 3.7, run in KafkaApis before ZkAdminManager): any failure of
 * DynamicBrokerConfig.validate becomes INVALID_REQUEST with the bare message (KAFKA-13609 keeps it so).
 */
function validateBrokerConfigChange(props: Record<string, string>, perBrokerConfig: boolean, config: KafkaConfig): void {
  try {
    validateDynamicUpdate(props, perBrokerConfig);
    KafkaConfig.fromProps({ ...config.originals, ...props });
    // BrokerReconfigurable.validateReconfiguration (thread counts, cleaner threads, listeners): issue 15, AA
    validateReconfiguration(config, configAfterUpdate(config, props, perBrokerConfig, dynamicLayersBehind(config)));
  } catch (e) {
    throw new InvalidRequestError((e as Error).message);
  }
}

/** ZkAdminManager.getBrokerId: '' → the cluster default (null); else this broker's id, or INVALID_REQUEST. */
export function brokerEntity(resourceName: string, brokerId: number): number | null {
  if (resourceName === '') return null;
  if (!/^-?\d+$/.test(resourceName)) throw new InvalidRequestError(`Node id must be an integer, but it is: ${resourceName}`);
  if (Number(resourceName) !== brokerId) throw new InvalidRequestError(`Unexpected broker id, expected ${brokerId}, but received ${resourceName}`);
  return brokerId;
}

export { ConfigException };
