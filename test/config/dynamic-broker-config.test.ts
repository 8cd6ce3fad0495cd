/** Kafka 3.7's dynamic-key data (src/config/dynamic-broker-config.ts) against the config table: they must agree. */
import { describe, expect, it } from 'vitest';
import { BROKER_CONFIG_DEFS, configKey } from '../../src/config/config-def.js';
import {
  KAFKA_BROKER_QUOTA_CONFIGS, KAFKA_DYNAMIC_BROKER_CONFIGS, KAFKA_LISTENER_PREFIX_ONLY_CONFIGS, KAFKA_READ_ONLY_CONFIGS_NOT_IN_TABLE,
  kafkaOnlyDynamicKey, kafkaUpdateMode,
} from '../../src/config/dynamic-broker-config.js';

/** Dynamic in the table but added to Kafka after 3.7 (KIP-390, 3.8). */
const AFTER_3_7 = ['compression.gzip.level', 'compression.lz4.level', 'compression.zstd.level'];

describe("Kafka 3.7's dynamic broker configs", () => {
  it('has the 83 keys of AllDynamicConfigs plus the 3 DynamicConfig.Broker throttles', () => {
    expect(KAFKA_DYNAMIC_BROKER_CONFIGS.size).toBe(86);
    for (const k of KAFKA_BROKER_QUOTA_CONFIGS) expect(KAFKA_DYNAMIC_BROKER_CONFIGS.get(k)).toBe('cluster-wide');
    for (const k of KAFKA_LISTENER_PREFIX_ONLY_CONFIGS) expect(KAFKA_DYNAMIC_BROKER_CONFIGS.get(k)).toBe('per-broker');
    expect(KAFKA_DYNAMIC_BROKER_CONFIGS.get('num.network.threads')).toBe('cluster-wide'); // ClusterLevelListenerConfigs
    expect(KAFKA_DYNAMIC_BROKER_CONFIGS.get('sasl.kerberos.min.time.before.relogin')).toBe('per-broker');
  });

  it('agrees with the table: same mode for every key both define; the table adds only later Kafka keys', () => {
    for (const [name, mode] of KAFKA_DYNAMIC_BROKER_CONFIGS) {
      const def = configKey(name);
      if (def) expect(def.dynamic, name).toBe(mode);
      else expect(kafkaOnlyDynamicKey(name), `${name} needs Kafka's type here`).toBeDefined();
    }
    const tableDynamic = BROKER_CONFIG_DEFS.filter((k) => k.dynamic !== 'read-only').map((k) => k.name);
    expect(tableDynamic.filter((k) => !KAFKA_DYNAMIC_BROKER_CONFIGS.has(k))).toEqual(AFTER_3_7);
  });

  it("knows Kafka's read-only keys the table lacks; any the table defines is read-only there", () => {
    for (const k of KAFKA_READ_ONLY_CONFIGS_NOT_IN_TABLE) {
      expect(KAFKA_DYNAMIC_BROKER_CONFIGS.has(k), k).toBe(false);
      const def = configKey(k);
      if (def) expect(def.dynamic, k).toBe('read-only');
      expect(kafkaUpdateMode(k)).toBe('read-only');
    }
    expect(kafkaUpdateMode('controller.quorum.voters')).toBe('read-only');
    expect(kafkaUpdateMode('my.plugin.setting')).toBeUndefined();
  });
});
