/**
 * DynamicBrokerConfig's read path: the effective broker config from the static props and the /config/brokers layers,
 * with every entry Kafka would drop (fromPersistentProps, removeInvalidConfigs, a layer that fails as a whole) and
 * every entry Rafka does not act on reported as ignored instead of applied. Nothing found in ZooKeeper is fatal.
 */
import { BROKER_CONFIG_DEFS, configKey } from '../../config/config-def.js';
import { KafkaConfig } from '../../config/kafka-config.js';
import { brokerConfigSynonyms } from '../../config/synonyms.js';
import { formatValue } from '../../config/parse-type.js';
import { SECURITY_CONFIG_KEYS, unsupportedSecurity } from '../../config/unsupported-security.js';
import { implementation, rejection } from './dynamic-config-rules.js';
import { decodeStoredPassword, isPasswordConfig } from './dynamic-passwords.js';

export { validateDynamicUpdate } from './dynamic-config-rules.js';
export { encodePasswordConfigs, isPasswordConfig } from './dynamic-passwords.js';

/** A /config/brokers entry dropped while building the effective config (Kafka logs these as errors). */
export interface IgnoredDynamicConfig {
  key: string;
  /** As stored, except a password's ('[hidden]'): this goes into log lines. */
  value: string;
  /** '<default>' or the broker id. */
  entity: string;
  reason: string;
}

export const DEFAULT_ENTITY = '<default>';
/** The dynamic broker keys ReplicationQuotas applies (services/replication/replication-quota-manager.ts). */
export const REPLICATION_THROTTLE_RATES: readonly string[] = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate', 'replica.alter.log.dirs.io.max.bytes.per.second'];

/** DynamicBrokerConfig.fromPersistentProps: split one ZK entity's props into usable (decoded) and ignored. */
function filterLayer(
  props: Record<string, string>,
  entity: string,
  staticConfig: KafkaConfig,
): { kept: Record<string, string>; ignored: IgnoredDynamicConfig[]; unimplemented: IgnoredDynamicConfig[] } {
  const kept: Record<string, string> = {};
  const ignored: IgnoredDynamicConfig[] = [];
  const unimplemented: IgnoredDynamicConfig[] = [];
  for (const [key, value] of Object.entries(props)) {
    const ignore = (reason: string) => ignored.push({ key, value: loggableValue(key, value), entity, reason });
    const rejected = rejection(key, value, entity !== DEFAULT_ENTITY);
    if (rejected !== null) { ignore(rejected.reason); continue; }
    let decoded = value;
    if (isPasswordConfig(key)) {
      try { decoded = decodeStoredPassword(key, value, staticConfig); } catch (e) { ignore((e as Error).message); continue; }
    }
    // Replication throttle rates (BrokerConfigHandler): read from the broker's own entity by ReplicationQuotas, not
    // part of KafkaConfig; Kafka ignores them at <default> (ZK mode), so they are reported there.
    if (REPLICATION_THROTTLE_RATES.includes(key)) {
      if (entity === DEFAULT_ENTITY) ignore('Kafka (ZooKeeper mode) applies replication throttle rates only from a broker\'s own entity, /config/brokers/<id>');
      continue;
    }
    // Accepted by Kafka's rules but not acted on by Rafka: reported; kept out of the config unless the table has it.
    const notImplemented = implementation(key);
    if (notImplemented !== null) {
      if (!notImplemented.apply) { ignore(notImplemented.reason); continue; }
      unimplemented.push({ key, value: loggableValue(key, value), entity, reason: notImplemented.reason });
    }
    kept[key] = decoded;
  }
  return { kept, ignored, unimplemented };
}

/** A value for a log line: passwords (also listener-prefixed, encoded or not) never appear. */
export function loggableValue(key: string, value: string): string {
  return isPasswordConfig(key) || configKey(key)?.type === 'password' ? '[hidden]' : value;
}

/** overrideProps: a key replaces its synonyms from lower layers, so precedence follows the layer, not the key. */
function overrideProps(props: Record<string, string>, overrides: Record<string, string>): Record<string, string> {
  const merged = { ...props };
  for (const [key, value] of Object.entries(overrides)) {
    for (const synonym of brokerConfigSynonyms(key)) delete merged[synonym];
    merged[key] = value;
  }
  return merged;
}

/**
 * Apply one layer; if the combined config is invalid the whole layer is dropped, like a failed reconfiguration (its
 * entries then count as ignored, not as applied-but-unimplemented).
 */
function applyLayer(
  props: Record<string, string>,
  config: KafkaConfig,
  layer: Record<string, string>,
  entity: string,
  ignored: IgnoredDynamicConfig[],
  unimplemented: IgnoredDynamicConfig[],
): { props: Record<string, string>; config: KafkaConfig } {
  if (Object.keys(layer).length === 0) return { props, config };
  const merged = overrideProps(props, layer);
  let next: KafkaConfig;
  try {
    next = KafkaConfig.fromProps(merged);
  } catch (e) {
    // Never fatal: whatever is in ZooKeeper (a hand edit, another tool) only costs this layer.
    const what = entity === DEFAULT_ENTITY ? 'Cluster default configs' : `Per-broker configs of ${entity}`;
    for (let i = unimplemented.length - 1; i >= 0; i--) if (unimplemented[i]!.entity === entity) unimplemented.splice(i, 1);
    for (const [key, value] of Object.entries(layer)) {
      ignored.push({ key, value: loggableValue(key, value), entity, reason: `${what} could not be applied: ${(e as Error).message}` });
    }
    return { props, config };
  }
  // Security Rafka does not implement is refused at runtime as at startup (an SSL/SASL listener would serve
  // plaintext): the layer's security keys are skipped and reported, the rest of the layer applies.
  const before = new Set(unsupportedSecurity(config));
  const refused = unsupportedSecurity(next).filter((r) => !before.has(r));
  if (refused.length === 0) return { props: merged, config: next };
  const securityKeys = Object.keys(layer).filter((k) => SECURITY_CONFIG_KEYS.has(k));
  const dropped = securityKeys.length > 0 ? securityKeys : Object.keys(layer);
  for (const key of dropped) {
    for (let i = unimplemented.length - 1; i >= 0; i--) if (unimplemented[i]!.entity === entity && unimplemented[i]!.key === key) unimplemented.splice(i, 1);
    ignored.push({ key, value: loggableValue(key, layer[key]!), entity, reason: `refused at runtime as at startup: ${refused.join('; ')}` });
  }
  const rest = Object.fromEntries(Object.entries(layer).filter(([k]) => !dropped.includes(k)));
  return applyLayer(props, config, rest, entity, ignored, unimplemented);
}

/**
 * The effective broker config (reference §6.1): per-broker dynamic > `<default>` dynamic > static > default.
 * Invalid static config throws (fatal at startup); bad dynamic entries are dropped and reported instead (`ignored`);
 * `unimplemented`: applied table keys that Rafka does not act on (DescribeConfigs shows them; nothing reads them).
 */
export function buildEffectiveConfig(
  staticProps: Record<string, string>,
  clusterDefault: Record<string, string>,
  perBroker: Record<string, string>,
  opts: { brokerId?: number } = {},
): { config: KafkaConfig; ignored: IgnoredDynamicConfig[]; unimplemented: IgnoredDynamicConfig[] } {
  let state = { props: { ...staticProps }, config: KafkaConfig.fromProps(staticProps) };
  const brokerEntity = String(opts.brokerId ?? state.config.brokerId);
  const defaults = filterLayer(clusterDefault, DEFAULT_ENTITY, state.config);
  const broker = filterLayer(perBroker, brokerEntity, state.config);
  const ignored = [...defaults.ignored, ...broker.ignored];
  const unimplemented = [...defaults.unimplemented, ...broker.unimplemented];
  state = applyLayer(state.props, state.config, defaults.kept, DEFAULT_ENTITY, ignored, unimplemented);
  state = applyLayer(state.props, state.config, broker.kept, brokerEntity, ignored, unimplemented);
  return { config: state.config, ignored, unimplemented };
}

/** A key's effective value for a log line: table keys typed, others as supplied, passwords hidden. */
export function loggableConfigValue(config: KafkaConfig, key: string): string {
  const def = configKey(key);
  if (def) return formatValue(def.type, config.get(key));
  const raw = config.originals[key];
  return raw === undefined ? '(removed)' : loggableValue(key, raw);
}

/** Keys whose effective value differs between two configs (what a reconfiguration has to act on), sorted. */
export function changedKeys(before: KafkaConfig, after: KafkaConfig): string[] {
  const changed = new Set<string>();
  for (const { name } of BROKER_CONFIG_DEFS) {
    if (JSON.stringify(before.get(name)) !== JSON.stringify(after.get(name))) changed.add(name);
  }
  // Keys outside the table (listener.name.* overrides, custom keys) compare by their raw text.
  for (const key of new Set([...Object.keys(before.originals), ...Object.keys(after.originals)])) {
    if (!configKey(key) && before.originals[key] !== after.originals[key]) changed.add(key);
  }
  return [...changed].sort();
}
