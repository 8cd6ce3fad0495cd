import { configKey } from '../../config/config-def.js';
import { parseValue } from '../../config/config-values.js';
import { ConfigException } from '../../config/kafka-config.js';

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

type RejectionKind = 'invalid' | 'nonDynamic' | 'listenerPrefixOnly' | 'perBrokerOnly';
interface Rejection { kind: RejectionKind; reason: string }

/** Kafka's write-path (AlterConfigs) messages; each is followed by the offending keys. */
const WRITE_PATH_MESSAGES: Record<Exclude<RejectionKind, 'invalid'>, string> = {
  nonDynamic: 'Cannot update these configs dynamically',
  listenerPrefixOnly: 'These security configs can be dynamically updated only per-listener using the listener prefix',
  perBrokerOnly: 'Cannot update these configs at default cluster level, broker id must be specified',
};

/** Why one dynamic key may not be applied at this level, or null if it may. */
export function rejection(key: string, value: string, perBrokerConfig: boolean): Rejection | null {
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
