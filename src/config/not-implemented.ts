/**
 * Keys Rafka accepts but does not act on yet (`implemented: false` in the definition table, src/config/defs): the
 * one startup warning that names every such key set to something other than its default. Kafka has no
 * counterpart (every key it defines takes effect); this is how Rafka stays honest about the difference.
 */
import { BROKER_CONFIG_DEFS } from './config-def.js';
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

/** `key=value` (passwords `[hidden]`) for every supplied non-default value of a key that is not implemented, sorted. */
export function notImplementedOverrides(config: SuppliedConfig): string[] {
  return BROKER_CONFIG_DEFS
    .filter((k) => !k.implemented && Object.hasOwn(config.originals, k.name) && !sameAsDefault(k, config.get(k.name)))
    .map((k) => `${k.name}=${formatValue(k.type, config.get(k.name))}`)
    .sort();
}

/** The one warning line, or null when every supplied key takes effect. */
export function notImplementedWarning(config: SuppliedConfig): string | null {
  const keys = notImplementedOverrides(config);
  if (keys.length === 0) return null;
  return `${keys.length} config${keys.length === 1 ? '' : 's'} set to a non-default value that Rafka accepts but does not implement yet (no effect): ${keys.join(', ')}`;
}
