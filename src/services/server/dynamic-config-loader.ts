/** DynamicBrokerConfig.initialize / reload: read /config/brokers/{<default>,<id>} and rebuild the effective config. */
import type { Logger } from '../../logger.js';
import type { ZkSession } from '../zookeeper/zk-session.js';
import { getBrokerDynamicConfigs } from '../zookeeper/kafka-zk-client.js';
import { buildEffectiveConfig, changedKeys, loggableValue, type IgnoredDynamicConfig } from '../config/dynamic-broker-config.js';
import type { KafkaConfig } from '../../config/kafka-config.js';
import { validateReconfiguration } from '../config/reconfiguration.js';

export interface DynamicConfigLoad {
  config: KafkaConfig;
  /** Entries not applied, and applied entries Rafka does not act on: each reported once. */
  ignored: IgnoredDynamicConfig[];
  unimplemented: IgnoredDynamicConfig[];
  clusterDefault: Record<string, string>;
  perBroker: Record<string, string>;
  changed: string[];
}

export async function loadDynamicBrokerConfig(zk: ZkSession, brokerId: number, staticProps: Record<string, string>, previous?: KafkaConfig): Promise<DynamicConfigLoad> {
  const { clusterDefault, perBroker } = await getBrokerDynamicConfigs(zk, brokerId);
  const { config, ignored, unimplemented } = buildEffectiveConfig(staticProps, clusterDefault, perBroker, { brokerId });
  const refused = previous ? reconfigurationRefusal(previous, config, clusterDefault, perBroker) : [];
  if (previous && refused.length > 0) {
    // DynamicBrokerConfig.updateCurrentConfig: a reconfigurable refusing the new config keeps the current one whole
    return { config: previous, ignored: [...ignored, ...refused], unimplemented, clusterDefault, perBroker, changed: [] };
  }
  ignoredBehind.set(config, new Set([...ignored, ...unimplemented].map(ignoredEntryId)));
  rememberDynamicLayers(config, { clusterDefault, perBroker, staticProps });
  return { config, ignored, unimplemented, clusterDefault, perBroker, changed: previous ? changedKeys(previous, config) : [] };
}

/** The ignored entries of the load that built a config: a later load reports only entries new since then. */
const ignoredBehind = new WeakMap<KafkaConfig, ReadonlySet<string>>();
export const ignoredEntriesBehind = (config: KafkaConfig): ReadonlySet<string> => ignoredBehind.get(config) ?? new Set();

/**
 * The layers a config was built from (Kafka's currentDynamicBrokerConfigs / currentDynamicDefaultConfigs / staticBrokerConfigs):
 * DescribeConfigs answers values and synonyms from this one snapshot, as Kafka does, not from a fresher ZooKeeper read
 * the broker has not applied yet. Undefined for a config not built by a load.
 */
export interface ConfigLayers { clusterDefault: Record<string, string>; perBroker: Record<string, string>; staticProps: Record<string, string> }
const layersBehind = new WeakMap<KafkaConfig, ConfigLayers>();
export const dynamicLayersBehind = (config: KafkaConfig): ConfigLayers | undefined => layersBehind.get(config);
export function rememberDynamicLayers(config: KafkaConfig, layers: ConfigLayers): void {
  layersBehind.set(config, layers);
}

/** One ignored entry's identity: the same entry found again on a reload is not reported again. */
export const ignoredEntryId = (i: IgnoredDynamicConfig): string => `${i.entity}\0${i.key}\0${i.value}`;

/**
 * One warning per /config/brokers entry not applied or without effect (key, value, znode, reason), skipping those in
 * `reported` (already warned about by an earlier load). Returns the ids of this load's entries: the next `reported`.
 */
export function reportIgnoredDynamicConfigs(log: Logger, load: Pick<DynamicConfigLoad, 'ignored' | 'unimplemented'>, reported: ReadonlySet<string> = new Set()): Set<string> {
  const ids = new Set<string>();
  for (const [list, what] of [[load.ignored, 'Ignoring'], [load.unimplemented, 'No effect of']] as const) {
    for (const i of list) {
      const id = ignoredEntryId(i);
      ids.add(id);
      if (reported.has(id)) continue;
      const znode = `/config/brokers/${i.entity}`;
      log.warn({ key: i.key, value: i.value, znode, reason: i.reason }, `${what} dynamic broker config ${i.key}=${i.value} in ${znode}: ${i.reason}`);
    }
  }
  return ids;
}

/**
 * A change read from ZooKeeper that a reconfigurable refuses (written by a tool that skipped the broker's validation,
 * or valid against another broker's config): one ignored entry per changed key of the layers, with Kafka's reason.
 */
function reconfigurationRefusal(previous: KafkaConfig, next: KafkaConfig, clusterDefault: Record<string, string>, perBroker: Record<string, string>): IgnoredDynamicConfig[] {
  try {
    validateReconfiguration(previous, next);
    return [];
  } catch (e) {
    const reason = `the broker configuration was not updated (DynamicBrokerConfig: ${(e as Error).message})`;
    return changedKeys(previous, next).map((key) => {
      const own = Object.hasOwn(perBroker, key);
      const value = own ? perBroker[key] : clusterDefault[key];
      return { key, value: value === undefined ? '(removed)' : loggableValue(key, value), entity: own ? String(next.brokerId) : '<default>', reason };
    });
  }
}
