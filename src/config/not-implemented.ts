/**
 * Keys Rafka accepts but does not act on yet (`implemented: false` in the definition table, src/config/defs): the
 * one startup warning that names every such key set to something other than its default. Kafka has no
 * counterpart (every key it defines takes effect); this is how Rafka stays honest about the difference.
 */
import { BROKER_CONFIG_DEFS, configKey } from './config-def.js';
import { parseValue } from './config-values.js';
import type { ConfigKey } from './config-key.js';
import { formatValue } from './parse-type.js';

/** What the warning needs of a parsed config (KafkaConfig satisfies it). */
export interface SuppliedConfig {
  readonly originals: Readonly<Record<string, string>>;
  get(name: string): unknown;
}

function sameAsDefault(key: ConfigKey, value: unknown): boolean {
  if (Array.isArray(value) && Array.isArray(key.default)) return value.join(',') === key.default.join(',');
  return value === key.default;
}

/**
 * `listener.name.<listener>.[<mechanism>.]<config>` (Kafka's per-listener override, the mechanism for SASL keys):
 * the base `<config>`, or null for a key without that prefix.
 */
const LISTENER_KEY = /^listener\.name\.[^.]+\.(?:[^.]+\.(?=sasl\.))?(.+)$/;

/**
 * The keys the broker reads per listener (KafkaConfig.listenerValue in services/security): their
 * `listener.name.<l>.<key>` overrides take effect, so the warning does not name them.
 */
export const READ_PER_LISTENER: ReadonlySet<string> = new Set([
  'ssl.enabled.protocols', 'ssl.cipher.suites', 'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password',
  'ssl.key.password', 'ssl.keystore.key', 'ssl.keystore.certificate.chain', 'ssl.truststore.certificates',
  'ssl.truststore.type', 'ssl.truststore.location', 'ssl.client.auth', 'ssl.principal.mapping.rules',
  'sasl.enabled.mechanisms', 'sasl.jaas.config', 'ssl.endpoint.identification.algorithm', 'connections.max.reauth.ms',
  'max.connections', 'max.connection.creation.rate', 'ssl.allow.dn.changes', 'ssl.allow.san.changes',
]);

/** A per-listener value printed in the warning: hidden when the base key is a password or looks secret. */
function formatListenerValue(key: ConfigKey | undefined, base: string, raw: string): string {
  if (key?.type === 'password' || /password|secret|jaas|credential|token/i.test(base)) return '[hidden]';
  if (!key) return raw;
  try {
    return formatValue(key.type, parseValue(key, raw));
  } catch {
    return raw;
  }
}

/** A supplied per-listener override that is not the base key's default (an unparsable value counts as set). */
function listenerOverrideSet(key: ConfigKey | undefined, raw: string): boolean {
  if (!key) return true;
  try {
    return !sameAsDefault(key, parseValue(key, raw));
  } catch {
    return true;
  }
}

/**
 * `key=value` (passwords `[hidden]`) for every supplied non-default value of a key that is not implemented, sorted.
 * Per-listener keys (`listener.name.<listener>.<config>`) count whenever set to a non-default value, except those of
 * {@link READ_PER_LISTENER}: Rafka reads no other per-listener override, so even one of an implemented key
 * (listener.name.internal.num.partitions) has no effect.
 */
export function notImplementedOverrides(config: SuppliedConfig): string[] {
  const table = BROKER_CONFIG_DEFS
    .filter((k) => !k.implemented && Object.hasOwn(config.originals, k.name) && !sameAsDefault(k, config.get(k.name)))
    .map((k) => `${k.name}=${formatValue(k.type, config.get(k.name))}`);
  const perListener = Object.entries(config.originals).flatMap(([name, raw]) => {
    const base = LISTENER_KEY.exec(name)?.[1];
    if (base === undefined || READ_PER_LISTENER.has(base)) return [];
    const key = configKey(base);
    if (!listenerOverrideSet(key, raw)) return [];
    return [`${name}=${formatListenerValue(key, base, raw)}`];
  });
  return [...table, ...perListener].sort();
}

/** The one warning line, or null when every supplied key takes effect. */
export function notImplementedWarning(config: SuppliedConfig): string | null {
  const keys = notImplementedOverrides(config);
  if (keys.length === 0) return null;
  return `${keys.length} config${keys.length === 1 ? '' : 's'} set to a non-default value that Rafka accepts but does not implement yet (no effect): ${keys.join(', ')}`;
}
