import { describe, expect, it } from 'vitest';
import { KafkaConfig } from '../../../src/config/kafka-config.js';
import { configAfterUpdate, invalidDynamicConfiguration, validateReconfiguration } from '../../../src/services/config/reconfiguration.js';
import { brokerConfigChange } from '../../../src/services/admin/config-admin.js';
import { rememberDynamicLayers } from '../../../src/services/server/dynamic-config-loader.js';

const STATIC = { 'zookeeper.connect': 'x:1', 'broker.id': '1' };
const cfg = (p: Record<string, string> = {}) => KafkaConfig.fromProps({ ...STATIC, ...p });
const refusal = (current: KafkaConfig, next: KafkaConfig): string | null => {
  try { validateReconfiguration(current, next); return null; } catch (e) { return (e as Error).message; }
};

describe('validateReconfiguration (Kafka 3.7.1 BrokerReconfigurable.validateReconfiguration)', () => {
  it('wraps the reason as Kafka\'s two-argument ConfigException("Invalid dynamic configuration", e) prints it', () => {
    expect(invalidDynamicConfiguration('x')).toBe('Invalid value org.apache.kafka.common.config.ConfigException: x for configuration Invalid dynamic configuration');
  });

  it('DynamicThreadPool: each of the four pools at least 1, within half and double of the current value', () => {
    const cur = cfg({ 'num.io.threads': '8', 'background.threads': '10', 'num.recovery.threads.per.data.dir': '2', 'num.replica.fetchers': '1' });
    expect(refusal(cur, cfg({ 'num.io.threads': '16', 'background.threads': '5', 'num.recovery.threads.per.data.dir': '4', 'num.replica.fetchers': '2' }))).toBeNull();
    expect(refusal(cur, cfg({ 'num.io.threads': '17', 'background.threads': '10', 'num.recovery.threads.per.data.dir': '2' })))
      .toBe(invalidDynamicConfiguration('Dynamic thread count update validation failed for num.io.threads=17, value should not be greater than double the current value 8'));
    expect(refusal(cur, cfg({ 'num.io.threads': '8', 'background.threads': '4', 'num.recovery.threads.per.data.dir': '2' })))
      .toBe(invalidDynamicConfiguration('Dynamic thread count update validation failed for background.threads=4, value should be at least half the current value 10'));
    expect(refusal(cur, cfg({ 'num.io.threads': '8', 'background.threads': '10', 'num.recovery.threads.per.data.dir': '5' })))
      .toMatch(/num\.recovery\.threads\.per\.data\.dir=5, value should not be greater than double the current value 2/);
    expect(refusal(cfg(), cfg({ 'num.replica.fetchers': '3' }))).toMatch(/num\.replica\.fetchers=3, value should not be greater than double the current value 1/);
    // DataPlaneAcceptor: num.network.threads per running listener, a listener override first
    expect(refusal(cfg(), cfg({ 'num.network.threads': '6' }))).toBeNull();
    expect(refusal(cfg(), cfg({ 'num.network.threads': '7' }))).toBe(invalidDynamicConfiguration('Dynamic thread count update validation failed for num.network.threads=7, value should not be greater than double the current value 3'));
    expect(refusal(cfg(), cfg({ 'listener.name.plaintext.num.network.threads': '1' }))).toBeNull(); // 3 / 2 = 1 in Kafka's Int division
    expect(refusal(cfg({ 'num.network.threads': '8' }), cfg({ 'num.network.threads': '8', 'listener.name.plaintext.num.network.threads': '3' })))
      .toMatch(/num\.network\.threads=3, value should be at least half the current value 8/);
  });

  it('LogCleaner: threads at least 1 and within half / double, checked when any cleaner key changes; no check with log.cleaner.enable=false', () => {
    expect(refusal(cfg(), cfg({ 'log.cleaner.threads': '2' }))).toBeNull();
    expect(refusal(cfg(), cfg({ 'log.cleaner.threads': '3' }))).toBe(invalidDynamicConfiguration('Log cleaner threads cannot be increased to more than double the current value 1'));
    expect(refusal(cfg({ 'log.cleaner.threads': '4' }), cfg({ 'log.cleaner.threads': '1' }))).toBe(invalidDynamicConfiguration('Log cleaner threads cannot be reduced to less than half the current value 4'));
    expect(refusal(cfg(), cfg({ 'log.cleaner.threads': '0' }))).toBe(invalidDynamicConfiguration('Log cleaner threads should be at least 1'));
    // threads 0 (no cleaner thread): any cleaner key change is refused, as Kafka's check runs on every cleaner change
    expect(refusal(cfg({ 'log.cleaner.threads': '0' }), cfg({ 'log.cleaner.threads': '0', 'log.cleaner.backoff.ms': '5' }))).toMatch(/should be at least 1/);
    expect(refusal(cfg({ 'log.cleaner.threads': '0' }), cfg({ 'log.cleaner.threads': '0' }))).toBeNull();
    expect(refusal(cfg({ 'log.cleaner.enable': 'false' }), cfg({ 'log.cleaner.enable': 'false', 'log.cleaner.threads': '7' }))).toBeNull();
    expect(refusal(cfg(), cfg({ 'log.cleaner.backoff.ms': '100' }))).toBeNull();
  });

  it('DynamicListenerConfig: adding and removing listeners is fine; the inter-broker one stays advertised, protocols and listener configs of existing listeners stay', () => {
    const cur = cfg({ listeners: 'PLAINTEXT://:9092', 'listener.name.plaintext.max.connections': '5' });
    const map = 'PLAINTEXT:PLAINTEXT,EXTRA:PLAINTEXT,SECURE:SSL';
    expect(refusal(cur, cfg({ listeners: 'PLAINTEXT://:9092,EXTRA://:9093', 'listener.security.protocol.map': map, 'listener.name.plaintext.max.connections': '9' }))).toBeNull();
    const two = cfg({ listeners: 'PLAINTEXT://:9092,EXTRA://:9093', 'listener.security.protocol.map': map });
    expect(refusal(two, cfg({ listeners: 'PLAINTEXT://:9092', 'listener.security.protocol.map': map }))).toBeNull();
    expect(refusal(two, cfg({ listeners: 'PLAINTEXT://:9092,EXTRA://:9093', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,EXTRA:SSL' })))
      .toBe(invalidDynamicConfiguration('Security protocol cannot be updated for existing listener EXTRA'));
    expect(refusal(two, cfg({ listeners: 'PLAINTEXT://:9092,EXTRA://:9093', 'listener.security.protocol.map': map, 'listener.name.extra.sasl.enabled.mechanisms': 'PLAIN' })))
      .toBe(invalidDynamicConfiguration('Configs cannot be updated dynamically for existing listener EXTRA, restart broker or create a new listener for update'));
    // the inter-broker listener cannot go: KafkaConfig's own check (validateValues) refuses it before any reconfigurable
    const withInternal = cfg({ listeners: 'PLAINTEXT://:9092,INTERNAL://:9094', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT', 'inter.broker.listener.name': 'INTERNAL' });
    expect(() => cfg({ listeners: 'PLAINTEXT://:9092', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT', 'inter.broker.listener.name': 'INTERNAL' })).toThrow(/inter.broker.listener.name must be a listener name defined in advertised.listeners/);
    expect(refusal(withInternal, withInternal)).toBeNull();
  });

  it('the AlterConfigs write path refuses with Kafka\'s text, from the new layer over the layers the running config was built from', () => {
    const current = cfg({ 'num.io.threads': '4' });
    rememberDynamicLayers(current, { staticProps: { ...STATIC, 'num.io.threads': '4' }, clusterDefault: {}, perBroker: {} });
    expect(() => brokerConfigChange({ 'num.io.threads': '9' }, true, current)).toThrow(invalidDynamicConfiguration('Dynamic thread count update validation failed for num.io.threads=9, value should not be greater than double the current value 4'));
    expect(brokerConfigChange({ 'num.io.threads': '8' }, false, current)).toEqual({ 'num.io.threads': '8' });
    // a cluster default under a per-broker value of this broker changes nothing here: not validated against it
    const layered = cfg({ 'num.io.threads': '4' });
    rememberDynamicLayers(layered, { staticProps: STATIC, clusterDefault: {}, perBroker: { 'num.io.threads': '4' } });
    expect(configAfterUpdate(layered, { 'num.io.threads': '100' }, false, { staticProps: STATIC, clusterDefault: {}, perBroker: { 'num.io.threads': '4' } }).getInt('num.io.threads')).toBe(4);
    expect(brokerConfigChange({ 'num.io.threads': '100' }, false, layered)).toEqual({ 'num.io.threads': '100' });
  });
});
