import { BROKER_CONFIG_DEFS, configKey } from '../../config/config-def.js';
import { ConfigException, KafkaConfig } from '../../config/kafka-config.js';
import { brokerConfigSynonyms } from '../../config/synonyms.js';
import { rejection } from './dynamic-config-rules.js';
import { decodeStoredPassword, isPasswordConfig } from './dynamic-passwords.js';

export { validateDynamicUpdate } from './dynamic-config-rules.js';
export { encodePasswordConfigs, isPasswordConfig } from './dynamic-passwords.js';

/** A /config/brokers entry dropped while building the effective config (Kafka logs these as errors). */
export interface IgnoredDynamicConfig {
  key: string;
  value: string;
  /** '<default>' or the broker id. */
  entity: string;
  reason: string;
}

export const DEFAULT_ENTITY = '<default>';

/** DynamicBrokerConfig.fromPersistentProps: split one ZK entity's props into usable (decoded) and ignored. */
function filterLayer(
  props: Record<string, string>,
  entity: string,
  staticConfig: KafkaConfig,
): { kept: Record<string, string>; ignored: IgnoredDynamicConfig[] } {
  const kept: Record<string, string> = {};
  const ignored: IgnoredDynamicConfig[] = [];
  for (const [key, value] of Object.entries(props)) {
    const rejected = rejection(key, value, entity !== DEFAULT_ENTITY);
    if (rejected !== null) {
      ignored.push({ key, value, entity, reason: rejected.reason });
      continue;
    }
    try {
      kept[key] = isPasswordConfig(key) ? decodeStoredPassword(key, value, staticConfig) : value;
    } catch (e) {
      ignored.push({ key, value, entity, reason: (e as Error).message });
    }
  }
  return { kept, ignored };
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

/** Apply one layer; if the combined config is invalid the whole layer is dropped, like a failed reconfiguration. */
function applyLayer(
  props: Record<string, string>,
  config: KafkaConfig,
  layer: Record<string, string>,
  entity: string,
  ignored: IgnoredDynamicConfig[],
): { props: Record<string, string>; config: KafkaConfig } {
  if (Object.keys(layer).length === 0) return { props, config };
  const merged = overrideProps(props, layer);
  try {
    return { props: merged, config: KafkaConfig.fromProps(merged) };
  } catch (e) {
    if (!(e instanceof ConfigException)) throw e;
    const what = entity === DEFAULT_ENTITY ? 'Cluster default configs' : `Per-broker configs of ${entity}`;
    for (const [key, value] of Object.entries(layer)) {
      ignored.push({ key, value, entity, reason: `${what} could not be applied: ${e.message}` });
    }
    return { props, config };
  }
}

/**
 * The effective broker config (reference §6.1): per-broker dynamic > `<default>` dynamic > static > default.
 * Invalid static config throws (fatal at startup); bad dynamic entries are dropped and reported instead.
 */
export function buildEffectiveConfig(
  staticProps: Record<string, string>,
  clusterDefault: Record<string, string>,
  perBroker: Record<string, string>,
  opts: { brokerId?: number } = {},
): { config: KafkaConfig; ignored: IgnoredDynamicConfig[] } {
  let state = { props: { ...staticProps }, config: KafkaConfig.fromProps(staticProps) };
  const brokerEntity = String(opts.brokerId ?? state.config.brokerId);
  const defaults = filterLayer(clusterDefault, DEFAULT_ENTITY, state.config);
  const broker = filterLayer(perBroker, brokerEntity, state.config);
  const ignored = [...defaults.ignored, ...broker.ignored];
  state = applyLayer(state.props, state.config, defaults.kept, DEFAULT_ENTITY, ignored);
  state = applyLayer(state.props, state.config, broker.kept, brokerEntity, ignored);
  return { config: state.config, ignored };
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
