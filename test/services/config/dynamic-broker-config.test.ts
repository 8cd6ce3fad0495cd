import { describe, expect, it } from 'vitest';
import { ConfigException, KafkaConfig } from '../../../src/config/kafka-config.js';
import {
  buildEffectiveConfig, changedKeys, DEFAULT_ENTITY, validateDynamicUpdate,
} from '../../../src/services/config/dynamic-broker-config.js';
import { reportIgnoredDynamicConfigs } from '../../../src/services/server/dynamic-config-loader.js';
import type { Logger } from '../../../src/logger.js';

const STATIC = { 'zookeeper.connect': 'zk:2181', 'broker.id': '1', 'num.io.threads': '4', 'log.roll.hours': '24' };

describe('buildEffectiveConfig precedence', () => {
  it('per-broker > <default> > static > default', () => {
    const { config, ignored } = buildEffectiveConfig(
      STATIC,
      { 'num.io.threads': '6', 'background.threads': '7', 'min.insync.replicas': '2' },
      { 'num.io.threads': '9', 'min.insync.replicas': '3' },
    );
    expect(ignored).toEqual([]);
    expect(config.getInt('num.io.threads')).toBe(9);
    expect(config.getInt('min.insync.replicas')).toBe(3);
    expect(config.getInt('background.threads')).toBe(7);
    expect(config.getInt('num.network.threads')).toBe(3);
    expect(config.brokerId).toBe(1);
  });

  it('with no dynamic config the static config is the effective one', () => {
    const { config } = buildEffectiveConfig(STATIC, {}, {});
    expect(config.loggableValues()).toEqual(KafkaConfig.fromProps(STATIC).loggableValues());
  });

  it('a dynamic key removes its static synonyms (log.roll.ms removes log.roll.hours)', () => {
    const { config } = buildEffectiveConfig(STATIC, { 'log.roll.ms': '5000' }, {});
    expect(config.logRollTimeMillis).toBe(5000);
    expect(config.originals['log.roll.hours']).toBeUndefined();
    expect(buildEffectiveConfig(STATIC, {}, {}).config.logRollTimeMillis).toBe(24 * 3_600_000);
  });

  it('a per-broker log.retention.ms beats a <default> one and removes static .hours/.minutes', () => {
    const props = { ...STATIC, 'log.retention.minutes': '10', 'log.retention.hours': '1' };
    const { config } = buildEffectiveConfig(props, { 'log.retention.ms': '111' }, { 'log.retention.ms': '222' });
    expect(config.logRetentionTimeMillis).toBe(222);
    expect(config.originals['log.retention.minutes']).toBeUndefined();
  });
});

describe('buildEffectiveConfig ignores what Kafka ignores', () => {
  it('non-dynamic keys, at either level', () => {
    const { config, ignored } = buildEffectiveConfig(STATIC, { 'log.dirs': '/elsewhere' }, { 'zookeeper.connect': 'other:2181' });
    expect(config.logDirs).toEqual(['/tmp/kafka-logs']);
    expect(config.zkConnect).toBe('zk:2181');
    expect(ignored.map((i) => [i.key, i.entity])).toEqual([['log.dirs', DEFAULT_ENTITY], ['zookeeper.connect', '1']]);
    expect(ignored.every((i) => i.reason.includes('cannot be updated dynamically'))).toBe(true);
  });

  it('per-broker-only keys at <default>, but accepts them per broker', () => {
    const listeners = 'PLAINTEXT://:9093';
    const atDefault = buildEffectiveConfig(STATIC, { listeners, 'listener.name.plaintext.ssl.client.auth': 'none' }, {});
    expect(atDefault.config.listeners[0]!.port).toBe(9092);
    expect(atDefault.ignored.map((i) => i.key)).toEqual(['listeners', 'listener.name.plaintext.ssl.client.auth']);
    expect(atDefault.ignored[0]!.reason).toBe('Cannot update these configs at default cluster level, broker id must be specified');
    const perBroker = buildEffectiveConfig(STATIC, {}, { listeners });
    expect(perBroker.ignored).toEqual([]);
    expect(perBroker.config.listeners[0]!.port).toBe(9093);
  });

  it('cluster-level listener overrides are allowed at <default>', () => {
    const { ignored, config } = buildEffectiveConfig(STATIC, { 'listener.name.plaintext.max.connections': '10' }, {});
    expect(ignored).toEqual([]);
    expect(config.originals['listener.name.plaintext.max.connections']).toBe('10');
  });

  it('keystore keys without a listener prefix', () => {
    const { ignored } = buildEffectiveConfig(STATIC, {}, { 'ssl.keystore.location': '/ks.jks' });
    expect(ignored[0]!.reason).toMatch(/only per-listener using the listener prefix/);
  });

  it('invalid values, with the ConfigException message as reason, keeping the valid ones', () => {
    const { config, ignored } = buildEffectiveConfig(STATIC, { 'num.io.threads': 'lots', 'background.threads': '3' },
      { 'min.insync.replicas': '0', 'listener.name.plaintext.max.connections': 'x' });
    expect(config.getInt('num.io.threads')).toBe(4);
    expect(config.getInt('background.threads')).toBe(3);
    expect(config.getInt('min.insync.replicas')).toBe(1);
    expect(ignored).toEqual([
      { key: 'num.io.threads', value: 'lots', entity: DEFAULT_ENTITY,
        reason: 'Invalid value lots for configuration num.io.threads: Not a number of type INT' },
      { key: 'min.insync.replicas', value: '0', entity: '1',
        reason: 'Invalid value 0 for configuration min.insync.replicas: Value must be at least 1' },
      { key: 'listener.name.plaintext.max.connections', value: 'x', entity: '1',
        reason: 'Invalid value x for configuration max.connections: Not a number of type INT' },
    ]);
  });

  it('a malformed dynamic listener list is dropped on its own', () => {
    const { config, ignored } = buildEffectiveConfig(STATIC, {}, { listeners: 'nonsense', 'num.io.threads': '2' });
    expect(config.getInt('num.io.threads')).toBe(2);
    expect(ignored).toEqual([{ key: 'listeners', value: 'nonsense', entity: '1',
      reason: 'Invalid value nonsense for configuration listeners: Unable to parse nonsense to a broker endpoint' }]);
  });

  it('drops a whole layer whose combined result fails cross-key validation', () => {
    const { config, ignored } = buildEffectiveConfig(STATIC, {},
      { 'num.io.threads': '2', 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' });
    expect(config.getInt('num.io.threads')).toBe(4);
    expect(ignored.map((i) => i.key).sort()).toEqual(['advertised.listeners', 'num.io.threads']);
    expect(ignored[0]!.reason).toMatch(/^Per-broker configs of 1 could not be applied: .*0\.0\.0\.0/);
  });

  it('skips what Kafka accepts but Rafka does not act on, each with its reason; the rest of the layer applies', () => {
    const { ignored, config } = buildEffectiveConfig(STATIC,
      { 'custom.thing': 'x', 'cleanup.policy': 'compact', 'num.io.threads': '6', 'follower.replication.throttled.rate': '50' },
      { 'sasl.kerberos.min.time.before.relogin': '58000', 'leader.replication.throttled.rate': '100', 'replica.alter.log.dirs.io.max.bytes.per.second': '7', 'listener.name.plaintext.sasl.kerberos.service.name': 'kafka' });
    expect(config.getInt('num.io.threads')).toBe(6);
    expect(config.originals['custom.thing']).toBeUndefined();
    // num.io.threads is in the table but marked not implemented: applied (DescribeConfigs shows it) and reported
    expect(buildEffectiveConfig(STATIC, { 'num.io.threads': '6' }, {}).unimplemented).toEqual([
      { entity: DEFAULT_ENTITY, key: 'num.io.threads', value: '6', reason: 'accepted as Kafka does, but Rafka does not implement it: no effect' }]);
    expect(ignored.map((i) => [i.entity, i.key, i.value, i.reason])).toEqual([
      [DEFAULT_ENTITY, 'custom.thing', 'x', 'not a Kafka broker config (Kafka keeps such custom keys for plugins; Rafka has none)'],
      [DEFAULT_ENTITY, 'cleanup.policy', 'compact', 'not a broker config but a topic config (set it on the topic, /config/topics/<topic>)'],
      // the throttle rates apply from the broker's own entity only (ReplicationQuotas reads them), as Kafka's BrokerConfigHandler
      [DEFAULT_ENTITY, 'follower.replication.throttled.rate', '50', 'Kafka (ZooKeeper mode) applies replication throttle rates only from a broker\'s own entity, /config/brokers/<id>'],
      ['1', 'sasl.kerberos.min.time.before.relogin', '58000', 'a Kafka dynamic broker config that Rafka does not implement'],
      ['1', 'listener.name.plaintext.sasl.kerberos.service.name', 'kafka', 'a Kafka dynamic broker config that Rafka does not implement'],
    ]);
  });

  it('skips read-only keys, bad values and per-broker keys at <default> written by hand; never throws; hides passwords', () => {
    const { ignored, config } = buildEffectiveConfig(STATIC,
      { 'listeners': 'PLAINTEXT://:9093', 'sasl.kerberos.min.time.before.relogin': '1' },
      { 'broker.id': '7', 'log.dirs': '/elsewhere', 'num.io.threads': 'many', 'follower.replication.throttled.rate': '-5',
        'listener.name.plaintext.ssl.key.password': 'not-encoded' });
    expect(config.brokerId).toBe(1);
    expect(config.getInt('num.io.threads')).toBe(4);
    expect(Object.fromEntries(ignored.map((i) => [`${i.entity}/${i.key}`, i.value]))).toEqual({
      [`${DEFAULT_ENTITY}/listeners`]: 'PLAINTEXT://:9093',
      [`${DEFAULT_ENTITY}/sasl.kerberos.min.time.before.relogin`]: '1',
      '1/broker.id': '7', '1/log.dirs': '/elsewhere', '1/num.io.threads': 'many', '1/follower.replication.throttled.rate': '-5',
      '1/listener.name.plaintext.ssl.key.password': '[hidden]',
    });
    expect(ignored.find((i) => i.key === 'broker.id')!.reason).toMatch(/read-only/);
    expect(ignored.find((i) => i.key === 'follower.replication.throttled.rate')!.reason).toBe('Invalid value -5 for configuration follower.replication.throttled.rate: Value must be at least 0');
  });

  it('a dynamic listeners / listener.security.protocol.map change to SSL or SASL applies like any other (security is served since issue 14)', () => {
    const { config, ignored } = buildEffectiveConfig(STATIC, {}, { listeners: 'PLAINTEXT://:9092,SASL_PLAINTEXT://:9093', 'num.io.threads': '2' });
    expect(config.listeners.map((e) => e.listenerName)).toEqual(['PLAINTEXT', 'SASL_PLAINTEXT']);
    expect(ignored).toEqual([]);
    const statik = { ...STATIC, listeners: 'PLAINTEXT://:9092,INTERNAL://:9093', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT' };
    const mapped = buildEffectiveConfig(statik, {}, { 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SASL_SSL' });
    expect(mapped.ignored).toEqual([]);
    expect(mapped.config.listeners.map((e) => e.securityProtocol)).toEqual(['PLAINTEXT', 'SASL_SSL']);
    const ok = buildEffectiveConfig(statik, {}, { listeners: 'PLAINTEXT://:9092,INTERNAL://:9094' });
    expect(ok.ignored).toEqual([]);
    expect(ok.config.listeners.map((e) => e.port)).toEqual([9092, 9094]);
  });

  it('a bad static config is still fatal', () => {
    expect(() => buildEffectiveConfig({ 'broker.id': '1' }, {}, {})).toThrow(ConfigException);
  });
});

describe('validateDynamicUpdate (AlterConfigs write path)', () => {
  it('names the offending keys with Kafka\'s messages', () => {
    expect(() => validateDynamicUpdate({ 'log.dirs': '/x', 'broker.id': '3' }, true))
      .toThrow('Cannot update these configs dynamically: Set(log.dirs, broker.id)');
    expect(() => validateDynamicUpdate({ 'advertised.listeners': 'PLAINTEXT://h:1' }, false))
      .toThrow('Cannot update these configs at default cluster level, broker id must be specified: Set(advertised.listeners)');
    expect(() => validateDynamicUpdate({ 'num.io.threads': '0' }, false))
      .toThrow('Invalid value 0 for configuration num.io.threads: Value must be at least 1');
    expect(() => validateDynamicUpdate({ 'num.io.threads': '2', 'advertised.listeners': 'PLAINTEXT://h:1' }, true)).not.toThrow();
  });
});

describe('changedKeys', () => {
  it('lists keys whose effective value changed, sorted', () => {
    const before = KafkaConfig.fromProps(STATIC);
    const { config: after } = buildEffectiveConfig(STATIC,
      { 'log.roll.ms': '5000', 'num.io.threads': '4', 'listener.name.plaintext.max.connections': '9' }, {});
    expect(changedKeys(before, after)).toEqual(['listener.name.plaintext.max.connections', 'log.roll.hours', 'log.roll.ms']);
    expect(changedKeys(before, before)).toEqual([]);
  });

  it('sees list and password changes', () => {
    const a = KafkaConfig.fromProps({ ...STATIC, 'ssl.key.password': 'a', 'metric.reporters': 'x' });
    const b = KafkaConfig.fromProps({ ...STATIC, 'ssl.key.password': 'b', 'metric.reporters': 'x,y' });
    expect(changedKeys(a, b)).toEqual(['metric.reporters', 'ssl.key.password']);
  });
});
