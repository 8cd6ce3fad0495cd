/** DynamicBrokerConfig.initialize / reload: read /config/brokers/{<default>,<id>} and rebuild the effective config. */
import type { ZkSession } from '../zookeeper/zk-session.js';
import { getBrokerDynamicConfigs } from '../zookeeper/kafka-zk-client.js';
import { buildEffectiveConfig, changedKeys, type IgnoredDynamicConfig } from '../config/dynamic-broker-config.js';
import type { KafkaConfig } from '../../config/kafka-config.js';

export interface DynamicConfigLoad {
  config: KafkaConfig;
  ignored: IgnoredDynamicConfig[];
  clusterDefault: Record<string, string>;
  perBroker: Record<string, string>;
  changed: string[];
}

export async function loadDynamicBrokerConfig(zk: ZkSession, brokerId: number, staticProps: Record<string, string>, previous?: KafkaConfig): Promise<DynamicConfigLoad> {
  const { clusterDefault, perBroker } = await getBrokerDynamicConfigs(zk, brokerId);
  const { config, ignored } = buildEffectiveConfig(staticProps, clusterDefault, perBroker, { brokerId });
  return { config, ignored, clusterDefault, perBroker, changed: previous ? changedKeys(previous, config) : [] };
}
