import { BROKER_CONFIG_DEFS, configKey } from '../../config/config-def.js';
import { parseValue } from '../../config/config-values.js';
import { ConfigException, KafkaConfig } from '../../config/kafka-config.js';
import { brokerConfigSynonyms } from '../../config/synonyms.js';
import { decodePassword, encodePassword } from './password-encoder.js';

/** A /config/brokers entry dropped while building the effective config (Kafka logs these as errors). */
export interface IgnoredDynamicConfig {
  key: string;
  value: string;
  /** '<default>' or the broker id. */
  entity: string;
  reason: string;
}

export const DEFAULT_ENTITY = '<default>';

/** `listener.name.<listener>.<config>`: a per-listener override of <config>. */
const LISTENER_CONFIG_REGEX = /^listener\.name\.[^.]*\.(.*)$/;
/** Per-listener keys that still apply cluster-wide (everything else listener-prefixed is per-broker). */
const CLUSTER_LEVEL_LISTENER_CONFIGS = new Set(['max.connections', 'max.connection.creation.rate', 'num.network.threads']);
/** Keystore/truststore keys (SslConfigs.RECONFIGURABLE_CONFIGS): dynamic only with a listener prefix. */
const LISTENER_PREFIX_ONLY_CONFIGS = new Set([
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password',
  'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.password',
  'ssl.keystore.certificate.chain', 'ssl.keystore.key', 'ssl.truststore.certificates',
]);

/** Dynamic password configs (also when listener-prefixed) are stored encrypted with password.encoder.secret. */
const DYNAMIC_PASSWORD_CONFIGS = BROKER_CONFIG_DEFS.filter((k) => k.type === 'password' && k.dynamic !== 'read-only').map((k) => k.name);
export const isPasswordConfig = (name: string): boolean => DYNAMIC_PASSWORD_CONFIGS.some((p) => name.endsWith(p));

type RejectionKind = 'invalid' | 'nonDynamic' | 'listenerPrefixOnly' | 'perBrokerOnly';
interface Rejection { kind: RejectionKind; reason: string }

/** Kafka's write-path (AlterConfigs) messages; each is followed by the offending keys. */
const WRITE_PATH_MESSAGES: Record<Exclude<RejectionKind, 'invalid'>, string> = {
  nonDynamic: 'Cannot update these configs dynamically',
  listenerPrefixOnly: 'These security configs can be dynamically updated only per-listener using the listener prefix',
  perBrokerOnly: 'Cannot update these configs at default cluster level, broker id must be specified',
};

/** Why one dynamic key may not be applied at this level, or null if it may. */
function rejection(key: string, value: string, perBrokerConfig: boolean): Rejection | null {
  const listenerMatch = LISTENER_CONFIG_REGEX.exec(key);
  const baseName = listenerMatch ? listenerMatch[1]! : key;
  const def = configKey(baseName);
  if (def) {
    try {
      parseValue(def, value);
    } catch (e) {
      return { kind: 'invalid', reason: (e as Error).message };
    }
  }
  if (!listenerMatch && def?.dynamic === 'read-only') {
    return { kind: 'nonDynamic', reason: `${key} cannot be updated dynamically (read-only); non-dynamic configs in ZooKeeper are ignored` };
  }
  if (!listenerMatch && LISTENER_PREFIX_ONLY_CONFIGS.has(key)) {
    return { kind: 'listenerPrefixOnly', reason: WRITE_PATH_MESSAGES.listenerPrefixOnly };
  }
  const perBrokerOnly = listenerMatch ? !CLUSTER_LEVEL_LISTENER_CONFIGS.has(baseName) : def?.dynamic === 'per-broker';
  if (!perBrokerConfig && perBrokerOnly) return { kind: 'perBrokerOnly', reason: WRITE_PATH_MESSAGES.perBrokerOnly };
  return null; // Unknown custom keys are allowed, as in Kafka.
}

/** Decrypt a stored password with password.encoder.secret, falling back to password.encoder.old.secret. */
function decodeStoredPassword(key: string, value: string, staticConfig: KafkaConfig): string {
  const secrets = [staticConfig.getPassword('password.encoder.secret'), staticConfig.getPassword('password.encoder.old.secret')]
    .filter((s): s is string => s !== null);
  if (secrets.length === 0) {
    throw new ConfigException(`Dynamic password config ${key} could not be decoded, ignoring: Password encoder secret not configured`);
  }
  let error: unknown;
  for (const secret of secrets) {
    try {
      return decodePassword(value, secret);
    } catch (e) {
      error = e;
    }
  }
  throw new ConfigException(`Dynamic password config ${key} could not be decoded, ignoring: ${(error as Error).message}`);
}

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

/**
 * Write-path check (reference §6.3, DynamicBrokerConfig.validateConfigs): throws on the first class of
 * problem found, naming every offending key.
 */
export function validateDynamicUpdate(props: Record<string, string>, perBrokerConfig: boolean): void {
  const rejected = Object.entries(props).flatMap(([key, value]) => {
    const r = rejection(key, value, perBrokerConfig);
    return r === null ? [] : [{ key, ...r }];
  });
  for (const kind of ['nonDynamic', 'listenerPrefixOnly', 'perBrokerOnly'] as const) {
    const keys = rejected.filter((r) => r.kind === kind).map((r) => r.key);
    if (keys.length > 0) throw new ConfigException(`${WRITE_PATH_MESSAGES[kind]}: ${keys.join(', ')}`);
  }
  if (rejected.length > 0) throw new ConfigException(rejected[0]!.reason);
}

/**
 * DynamicBrokerConfig.toPersistentProps: encrypt password configs before they are written to ZooKeeper.
 * Passwords may only be stored per broker, and need password.encoder.secret in the static config.
 */
export function encodePasswordConfigs(
  props: Record<string, string>,
  perBrokerConfig: boolean,
  staticConfig: KafkaConfig,
): Record<string, string> {
  const out = { ...props };
  for (const [key, value] of Object.entries(props)) {
    if (!isPasswordConfig(key)) continue;
    if (!perBrokerConfig) throw new ConfigException('Password config can be defined only at broker level');
    const secret = staticConfig.getPassword('password.encoder.secret');
    if (secret === null) throw new ConfigException('Password encoder secret not configured');
    out[key] = encodePassword(value, {
      secret,
      keyFactoryAlgorithm: staticConfig.getString('password.encoder.keyfactory.algorithm'),
      cipherAlgorithm: staticConfig.getString('password.encoder.cipher.algorithm')!,
      keyLength: staticConfig.getInt('password.encoder.key.length'),
      iterations: staticConfig.getInt('password.encoder.iterations'),
    });
  }
  return out;
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
