import { ConfigException } from './config-exception.js';
import { BROKER_CONFIG_DEFS, isKnownConfig } from './config-def.js';
import type { ConfigKey } from './config-key.js';
import { parseType } from './parse-type.js';

/** Keys Kafka resolves by prefix (per-listener overrides), so they are never "unknown". */
const KNOWN_PREFIXES = ['listener.name.'];

export function isRecognisedKey(name: string): boolean {
  return isKnownConfig(name) || KNOWN_PREFIXES.some((p) => name.startsWith(p));
}

export const unknownConfigMessage = (key: string): string =>
  `The configuration '${key}' was supplied but isn't a known config.`;

/** Parse + validate one supplied value against its definition (ConfigDef.parseValue). */
export function parseValue(key: ConfigKey, raw: string): unknown {
  const value = parseType(key.name, raw, key.type);
  if (value !== null) key.validator?.ensureValid(key.name, value);
  return value;
}

/** Lists are shared with callers (and defaults with the table): nobody may mutate them. */
const freeze = (v: unknown): unknown => (Array.isArray(v) ? Object.freeze(v) : v);

/** ConfigDef.parse: every defined key gets its supplied value or its default; required keys must be supplied. */
export function parseAll(props: Readonly<Record<string, string>>): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const key of BROKER_CONFIG_DEFS) {
    if (Object.hasOwn(props, key.name)) {
      values.set(key.name, freeze(parseValue(key, props[key.name]!)));
    } else if (key.default === undefined) {
      throw new ConfigException(`Missing required configuration "${key.name}" which has no default value.`);
    } else {
      values.set(key.name, freeze(key.default));
    }
  }
  return values;
}
