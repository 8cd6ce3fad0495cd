import { ZOOKEEPER_CONFIGS } from './defs/zookeeper.js';
import { GENERAL_CONFIGS } from './defs/general.js';
import { SOCKET_SERVER_CONFIGS } from './defs/socket-server.js';
import { LOG_CONFIGS } from './defs/log.js';
import { LOG_CLEANER_CONFIGS } from './defs/log-cleaner.js';
import { REPLICATION_CONFIGS } from './defs/replication.js';
import { GROUP_COORDINATOR_CONFIGS } from './defs/group-coordinator.js';
import { TRANSACTION_CONFIGS } from './defs/transaction.js';
import { SECURITY_CONFIGS } from './defs/security.js';
import { METRIC_CONFIGS } from './defs/metrics.js';
import { QUOTA_CONFIGS, REMOTE_LOG_CONFIGS } from './defs/quota.js';
import { RAFKA_CONFIGS } from './defs/rafka.js';
import { RAFKA_APPLIED_LIVE } from './dynamic-broker-config.js';

export type { Validator } from './validators.js';
export { LONG_MAX, INT_MAX } from './config-key.js';
export type { ConfigType, DynamicMode, Importance, ConfigKey } from './config-key.js';
import type { ConfigKey } from './config-key.js';

/** The one definition table: parsing, defaults, validation, dumps, dynamic rules and help derive from it. */
export const BROKER_CONFIG_DEFS: readonly ConfigKey[] = Object.freeze(withAppliedLive([
  ...ZOOKEEPER_CONFIGS,
  ...GENERAL_CONFIGS,
  ...SOCKET_SERVER_CONFIGS,
  ...LOG_CONFIGS,
  ...LOG_CLEANER_CONFIGS,
  ...REPLICATION_CONFIGS,
  ...GROUP_COORDINATOR_CONFIGS,
  ...TRANSACTION_CONFIGS,
  ...SECURITY_CONFIGS,
  ...METRIC_CONFIGS,
  ...QUOTA_CONFIGS,
  ...REMOTE_LOG_CONFIGS,
  ...RAFKA_CONFIGS,
]));

/** Each dynamic row says whether the running broker applies it (RAFKA_APPLIED_LIVE). */
function withAppliedLive(keys: ConfigKey[]): ConfigKey[] {
  for (const k of keys) if (k.dynamic !== 'read-only') k.appliedLive = RAFKA_APPLIED_LIVE.has(k.name);
  return keys;
}

const BY_NAME: ReadonlyMap<string, ConfigKey> = new Map(BROKER_CONFIG_DEFS.map((k) => [k.name, k]));

export function configKey(name: string): ConfigKey | undefined {
  return BY_NAME.get(name);
}

export function isKnownConfig(name: string): boolean {
  return BY_NAME.has(name);
}
