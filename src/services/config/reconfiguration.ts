/**
 * The `validateReconfiguration` half of Kafka 3.7.1's BrokerReconfigurables (DynamicBrokerConfig.processReconfiguration,
 * run with validateOnly on the AlterConfigs write path and again when a broker applies a change it read from ZooKeeper):
 * - LogCleaner.validateReconfiguration: log.cleaner.threads at least 1, at least half and at most double the current
 *   count (only while the cleaner runs: Kafka registers no cleaner reconfigurable when log.cleaner.enable=false);
 * - DynamicThreadPool.validateReconfiguration: num.io.threads, num.replica.fetchers, num.recovery.threads.per.data.dir,
 *   background.threads: at least 1, at least half and at most double the current value (only keys whose value changes);
 *   DataPlaneAcceptor.validateReconfiguration: the same for each running listener's num.network.threads;
 * - DynamicListenerConfig.validateReconfiguration: advertised listeners a subset of listeners, listeners a subset of
 *   the security protocol map, an existing listener keeps its security protocol and its non-reconfigurable
 *   `listener.name.<l>.*` configs, the inter-broker listener stays advertised.
 * A failure is Kafka's `new ConfigException("Invalid dynamic configuration", e)` — the two-argument constructor, so the
 * text clients see is "Invalid value org.apache.kafka.common.config.ConfigException: <why> for configuration Invalid
 * dynamic configuration" (AlterConfigs answers it as INVALID_REQUEST, ConfigAdminManager).
 *
 * Differs from Kafka: the checks are data-only here; what each reconfigurable then does lives with its component
 * (LogCleaner.reconfigure, ReplicaFetcherManager fetchers.resize, LogManager recovery threads, SocketServer listeners).
 */
import { ConfigException } from '../../config/config-exception.js';
import { KafkaConfig } from '../../config/kafka-config.js';
import type { EndPoint } from '../../config/listeners.js';
import { KAFKA_LISTENER_PREFIX_ONLY_CONFIGS } from '../../config/dynamic-broker-config.js';
import { buildEffectiveConfig } from './dynamic-broker-config.js';

/** DynamicThreadPool.ReconfigurableConfigs. */
export const THREAD_POOL_CONFIGS = ['num.io.threads', 'num.replica.fetchers', 'num.recovery.threads.per.data.dir', 'background.threads'] as const;

/** LogCleaner.ReconfigurableConfigs (Kafka 3.7.1). */
export const LOG_CLEANER_RECONFIGURABLE = [
  'log.cleaner.threads', 'log.cleaner.dedupe.buffer.size', 'log.cleaner.io.buffer.load.factor', 'log.cleaner.io.buffer.size',
  'message.max.bytes', 'log.cleaner.io.max.bytes.per.second', 'log.cleaner.backoff.ms',
] as const;

/** SocketServer.ListenerReconfigurableConfigs ++ DataPlaneAcceptor.ListenerReconfigurableConfigs. */
const LISTENER_RECONFIGURABLE = new Set(['max.connections', 'max.connection.creation.rate', 'num.network.threads']);

/** The text of Kafka's wrapped validation failure. */
export const invalidDynamicConfiguration = (why: string): string =>
  `Invalid value org.apache.kafka.common.config.ConfigException: ${why} for configuration Invalid dynamic configuration`;

function logCleaner(current: KafkaConfig, next: KafkaConfig): void {
  // LogManager creates no LogCleaner (so no reconfigurable) when log.cleaner.enable=false
  if (!current.getBoolean('log.cleaner.enable')) return;
  // needsReconfiguration: only when one of LogCleaner.ReconfigurableConfigs changes
  if (LOG_CLEANER_RECONFIGURABLE.every((k) => JSON.stringify(current.get(k)) === JSON.stringify(next.get(k)))) return;
  const numThreads = next.getInt('log.cleaner.threads');
  const currentThreads = current.getInt('log.cleaner.threads');
  if (numThreads < 1) throw new ConfigException('Log cleaner threads should be at least 1');
  if (numThreads < Math.trunc(currentThreads / 2)) throw new ConfigException(`Log cleaner threads cannot be reduced to less than half the current value ${currentThreads}`);
  if (numThreads > currentThreads * 2) throw new ConfigException(`Log cleaner threads cannot be increased to more than double the current value ${currentThreads}`);
}

/** The thread-count rule shared by DynamicThreadPool and DataPlaneAcceptor. */
function threadCount(k: string, newValue: number, oldValue: number): void {
  if (newValue === oldValue) return;
  const errorMsg = `Dynamic thread count update validation failed for ${k}=${newValue}`;
  if (newValue <= 0) throw new ConfigException(`${errorMsg}, value should be at least 1`);
  if (newValue < Math.trunc(oldValue / 2)) throw new ConfigException(`${errorMsg}, value should be at least half the current value ${oldValue}`);
  if (newValue > oldValue * 2) throw new ConfigException(`${errorMsg}, value should not be greater than double the current value ${oldValue}`);
}

function threadPools(current: KafkaConfig, next: KafkaConfig): void {
  for (const k of THREAD_POOL_CONFIGS) threadCount(k, next.getInt(k), current.getInt(k));
  // DataPlaneAcceptor.validateReconfiguration: each running listener's num.network.threads (listener override first)
  const running = new Set(current.listeners.map((l) => l.listenerName));
  for (const l of next.listeners.filter((x) => running.has(x.listenerName))) {
    threadCount('num.network.threads', networkThreadsOf(next, l.listenerName), networkThreadsOf(current, l.listenerName));
  }
}

/**
 * A listener's num.network.threads as Kafka's valuesWithPrefixOverride gives it (checked only: Rafka's worker pool reads
 * the global value, so this is not a listenerValue read that test/config/implemented-marker.test.ts would count).
 */
function networkThreadsOf(config: KafkaConfig, listenerName: string): number {
  const override = config.originals[`listener.name.${listenerName.toLowerCase()}.num.network.threads`];
  return override !== undefined && /^\s*-?\d+\s*$/.test(override) ? Number(override) : config.getInt('num.network.threads');
}

/** Scala's Map[ListenerName, EndPoint].toString, as Kafka's messages print the listener maps. */
const endpointMap = (eps: readonly EndPoint[]): string =>
  `Map(${eps.map((e) => `ListenerName(${e.listenerName}) -> EndPoint(${e.host === '' ? 'null' : e.host},${e.port},ListenerName(${e.listenerName}),${e.securityProtocol})`).join(', ')})`;

/** KafkaConfig.originalsWithPrefix(prefix, strip) minus the configs a running listener can change. */
function immutableListenerConfigs(config: KafkaConfig, listenerName: string): string {
  const prefix = `listener.name.${listenerName.toLowerCase()}.`;
  const out = Object.entries(config.originals)
    .filter(([k]) => k.startsWith(prefix))
    .map(([k, v]) => [k.slice(prefix.length), v] as const)
    .filter(([k]) => !KAFKA_LISTENER_PREFIX_ONLY_CONFIGS.has(k) && !LISTENER_RECONFIGURABLE.has(k))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(out);
}

function listeners(current: KafkaConfig, next: KafkaConfig): void {
  const newListeners = new Set(next.listeners.map((e) => e.listenerName));
  const oldListeners = new Set(current.listeners.map((e) => e.listenerName));
  if (!next.effectiveAdvertisedListeners.every((e) => newListeners.has(e.listenerName))) {
    throw new ConfigException(`Advertised listeners '${endpointMap(next.effectiveAdvertisedListeners)}' must be a subset of listeners '${endpointMap(next.listeners)}'`);
  }
  if (![...newListeners].every((l) => next.listenerSecurityProtocolMap[l] !== undefined)) {
    const map = Object.entries(next.listenerSecurityProtocolMap).map(([l, p]) => `ListenerName(${l}) -> ${p}`).join(', ');
    throw new ConfigException(`Listeners '${endpointMap(next.listeners)}' must be subset of listener map 'Map(${map})'`);
  }
  for (const l of [...newListeners].filter((x) => oldListeners.has(x))) {
    if (immutableListenerConfigs(next, l) !== immutableListenerConfigs(current, l)) {
      throw new ConfigException(`Configs cannot be updated dynamically for existing listener ${l}, restart broker or create a new listener for update`);
    }
    if (current.listenerSecurityProtocolMap[l] !== next.listenerSecurityProtocolMap[l]) {
      throw new ConfigException(`Security protocol cannot be updated for existing listener ${l}`);
    }
  }
  if (!next.effectiveAdvertisedListeners.some((e) => e.listenerName === next.interBrokerListenerName)) {
    throw new ConfigException(`Advertised listener must be specified for inter-broker listener ${next.interBrokerListenerName}`);
  }
}

/**
 * Every reconfigurable's check of `next` against the running `current` config. Throws Kafka's wrapped ConfigException
 * ({@link invalidDynamicConfiguration}).
 */
export function validateReconfiguration(current: KafkaConfig, next: KafkaConfig): void {
  try {
    logCleaner(current, next);
    threadPools(current, next);
    listeners(current, next);
  } catch (e) {
    throw new ConfigException(invalidDynamicConfiguration((e as Error).message));
  }
}

/**
 * DynamicBrokerConfig.validate's new config: static props, then (per broker) the cluster default and the new props, or
 * (cluster default) the new props and this broker's own entity on top. `layers` are the ones `current` was built from;
 * without them (a config not built by a load) the new props go over the current config's own props.
 */
export function configAfterUpdate(
  current: KafkaConfig,
  props: Record<string, string>,
  perBrokerConfig: boolean,
  layers: { staticProps: Record<string, string>; clusterDefault: Record<string, string>; perBroker: Record<string, string> } | undefined,
): KafkaConfig {
  if (!layers) return KafkaConfig.fromProps({ ...current.originals, ...props });
  return buildEffectiveConfig(layers.staticProps, perBrokerConfig ? layers.clusterDefault : props, perBrokerConfig ? props : layers.perBroker, { brokerId: current.brokerId }).config;
}
