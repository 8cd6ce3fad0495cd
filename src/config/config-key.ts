import type { Validator } from './validators.js';


export type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list' | 'password' | 'class';
/** How a key may be changed at runtime through /config/brokers (reference §6.2). */
export type DynamicMode = 'read-only' | 'per-broker' | 'cluster-wide';
export type Importance = 'high' | 'medium' | 'low';

export interface ConfigKey {
  name: string;
  type: ConfigType;
  /**
   * Typed default (number, boolean, string, string[] for lists, or null for "unset").
   * `undefined` means the key is required: it has no default value.
   */
  default?: unknown;
  validator?: Validator;
  importance: Importance;
  dynamic: DynamicMode;
  doc: string;
  /** Exists only in Rafka, not in Apache Kafka. */
  rafkaOnly?: boolean;
  /** Kafka defines it with defineInternal: accepted, but not part of the public docs. */
  internal?: boolean;
  /**
   * false: accepted and validated, but nothing in Rafka acts on it yet. A non-default value is named in the one
   * startup warning and `--help-config` says "accepted, not implemented". test/config/implemented-marker.test.ts
   * keeps this honest in both directions (a key read by the broker must not be marked false, and vice versa).
   */
  implemented: boolean;
  /**
   * A dynamic key the running broker applies at once (tagged "applied live" in --help-config); false for a dynamic key
   * that is stored and described but takes effect at the next start, and for read-only keys. Set in config-def.ts from
   * dynamic-broker-config.ts's RAFKA_APPLIED_LIVE (test/config/applied-live.test.ts checks each one reaches its component).
   */
  appliedLive?: boolean;
}

/** Java's Long.MAX_VALUE as the nearest double; printed back exactly by formatNumber. */
export const LONG_MAX = 2 ** 63;
export const INT_MAX = 2 ** 31 - 1;

/** Table-row builder in Kafka's `define(name, type, default, validator, importance, doc)` order, plus the dynamic mode. */
export function define(
  name: string,
  type: ConfigType,
  dflt: unknown,
  validator: Validator | undefined,
  importance: Importance,
  dynamic: DynamicMode,
  doc: string,
  extra: { rafkaOnly?: boolean; internal?: boolean; implemented?: false } = {},
): ConfigKey {
  const key: ConfigKey = { name, type, importance, dynamic, doc, ...extra, implemented: extra.implemented ?? true };
  if (dflt !== undefined) key.default = dflt;
  if (validator !== undefined) key.validator = validator;
  return key;
}

/** Marker for a required key (no default value). */
export const NO_DEFAULT = undefined;

/** `define(...)`'s last argument for a key Rafka accepts but does not act on yet (see {@link ConfigKey.implemented}). */
export const NOT_IMPLEMENTED = Object.freeze({ implemented: false as const });
