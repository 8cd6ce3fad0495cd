/**
 * The dynamic-update rules of Kafka's DynamicBrokerConfig (validateConfigs on the write path, fromPersistentProps +
 * removeInvalidConfigs on the read path), applied to one key at a time:
 * - a key the config table defines: its `dynamic` mode (read-only → "Cannot update these configs dynamically");
 * - a key the table does not define but Kafka 3.7 defines (src/config/dynamic-broker-config.ts): Kafka's mode, so
 *   e.g. sasl.kerberos.min.time.before.relogin at <default> is refused as per-broker only and controller.quorum.voters
 *   as not dynamic, as Kafka does;
 * - anything else is a custom key, which Kafka accepts (DynamicConfig.Broker.validate allows custom props).
 * {@link implementation} then says whether Rafka acts on an accepted key (the read path reports those it does not).
 */
import { configKey } from '../../config/config-def.js';
import { parseValue } from '../../config/config-values.js';
import { ConfigException } from '../../config/kafka-config.js';
import {
  KAFKA_BROKER_QUOTA_CONFIGS, KAFKA_CLUSTER_LEVEL_LISTENER_CONFIGS, KAFKA_LISTENER_PREFIX_ONLY_CONFIGS, kafkaOnlyDynamicKey, kafkaUpdateMode,
} from '../../config/dynamic-broker-config.js';
import { TOPIC_CONFIG_NAMES } from '../admin/topic-validation.js';

/** `listener.name.<listener>.<config>`: a per-listener override of <config>. */
const LISTENER_CONFIG_REGEX = /^listener\.name\.[^.]*\.(.*)$/;

type RejectionKind = 'invalid' | 'nonDynamic' | 'listenerPrefixOnly' | 'perBrokerOnly';
interface Rejection { kind: RejectionKind; reason: string }

/** Kafka's write-path (AlterConfigs) messages; each is followed by the offending keys. */
const WRITE_PATH_MESSAGES: Record<Exclude<RejectionKind, 'invalid'>, string> = {
  nonDynamic: 'Cannot update these configs dynamically',
  listenerPrefixOnly: 'These security configs can be dynamically updated only per-listener using the listener prefix',
  perBrokerOnly: 'Cannot update these configs at default cluster level, broker id must be specified',
};

/** The config a (possibly listener-prefixed) key sets. */
export const baseConfigName = (key: string): string => LISTENER_CONFIG_REGEX.exec(key)?.[1] ?? key;

/** Why one dynamic key may not be applied at this level, or null if it may. */
export function rejection(key: string, value: string, perBrokerConfig: boolean): Rejection | null {
  const listenerMatch = LISTENER_CONFIG_REGEX.exec(key);
  const baseName = listenerMatch ? listenerMatch[1]! : key;
  const def = configKey(baseName);
  const mode = def?.dynamic ?? kafkaUpdateMode(baseName);
  if (!listenerMatch && mode === 'read-only') {
    return { kind: 'nonDynamic', reason: `${key} cannot be updated dynamically (read-only); non-dynamic configs in ZooKeeper are ignored` };
  }
  if (!listenerMatch && KAFKA_LISTENER_PREFIX_ONLY_CONFIGS.has(key)) {
    return { kind: 'listenerPrefixOnly', reason: WRITE_PATH_MESSAGES.listenerPrefixOnly };
  }
  const typed = def ?? kafkaOnlyDynamicKey(baseName);
  if (typed) {
    try {
      parseValue(typed, value);
    } catch (e) {
      return { kind: 'invalid', reason: (e as Error).message };
    }
  }
  const perBrokerOnly = listenerMatch ? !KAFKA_CLUSTER_LEVEL_LISTENER_CONFIGS.has(baseName) : mode === 'per-broker';
  if (!perBrokerConfig && perBrokerOnly) return { kind: 'perBrokerOnly', reason: WRITE_PATH_MESSAGES.perBrokerOnly };
  return null; // Unknown custom keys are allowed, as in Kafka.
}

/** Why Rafka does not act on a key Kafka accepts; `apply`: it still goes into the config (DescribeConfigs shows it). */
export interface NotImplemented { reason: string; apply: boolean }

/**
 * Whether Rafka acts on a key Kafka accepts in /config/brokers: `null` if it does, else why not. A table key marked
 * not implemented is applied (no code reads it) and reported; any other key is left out of the config.
 */
export function implementation(key: string): NotImplemented | null {
  const baseName = baseConfigName(key);
  const def = configKey(baseName);
  if (def) return def.implemented ? null : { reason: 'accepted as Kafka does, but Rafka does not implement it: no effect', apply: true };
  const skip = (reason: string) => ({ reason, apply: false });
  if (KAFKA_BROKER_QUOTA_CONFIGS.includes(baseName)) return skip('a Kafka replication throttle that Rafka does not implement');
  if (kafkaUpdateMode(baseName)) return skip('a Kafka dynamic broker config that Rafka does not implement');
  if (TOPIC_CONFIG_NAMES.has(key)) return skip('not a broker config but a topic config (set it on the topic, /config/topics/<topic>)');
  return skip('not a Kafka broker config (Kafka keeps such custom keys for plugins; Rafka has none)');
}

/** Scala's Set.toString, as Kafka prints the offending keys. */
const scalaSet = (keys: string[]): string => `Set(${keys.join(', ')})`;

/**
 * Write-path check (DynamicBrokerConfig.validateConfigs): throws on the first class of problem found, in Kafka's
 * order (read-only keys, security keys without a listener prefix, invalid values, per-broker keys at the default).
 */
export function validateDynamicUpdate(props: Record<string, string>, perBrokerConfig: boolean): void {
  const rejected = Object.entries(props).flatMap(([key, value]) => {
    const r = rejection(key, value, perBrokerConfig);
    return r === null ? [] : [{ key, ...r }];
  });
  const keysOf = (kind: RejectionKind) => rejected.filter((r) => r.kind === kind).map((r) => r.key);
  for (const kind of ['nonDynamic', 'listenerPrefixOnly'] as const) {
    if (keysOf(kind).length > 0) throw new ConfigException(`${WRITE_PATH_MESSAGES[kind]}: ${scalaSet(keysOf(kind))}`);
  }
  const invalid = rejected.find((r) => r.kind === 'invalid');
  if (invalid) throw new ConfigException(invalid.reason);
  if (keysOf('perBrokerOnly').length > 0) throw new ConfigException(`${WRITE_PATH_MESSAGES.perBrokerOnly}: ${scalaSet(keysOf('perBrokerOnly'))}`);
}
