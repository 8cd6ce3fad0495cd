import { describe, expect, it } from 'vitest';
import { KafkaConfig } from '../../src/config/kafka-config.js';

const BASE = { 'zookeeper.connect': 'localhost:2181' };
const build = (props: Record<string, string>) => KafkaConfig.fromProps({ ...BASE, ...props });
const HOUR = 3_600_000;

describe('synonyms', () => {
  it('log.dirs wins over log.dir, which has a default', () => {
    expect(build({}).logDirs).toEqual(['/tmp/kafka-logs']);
    expect(build({ 'log.dir': '/a' }).logDirs).toEqual(['/a']);
    expect(build({ 'log.dir': '/a', 'log.dirs': '/b, /c,' }).logDirs).toEqual(['/b', '/c']);
  });

  it('log.roll.ms wins over log.roll.hours (x 3600000)', () => {
    expect(build({}).logRollTimeMillis).toBe(168 * HOUR);
    expect(build({ 'log.roll.hours': '2' }).logRollTimeMillis).toBe(2 * HOUR);
    expect(build({ 'log.roll.hours': '2', 'log.roll.ms': '1000' }).logRollTimeMillis).toBe(1000);
  });

  it('log.roll.jitter.ms wins over log.roll.jitter.hours', () => {
    expect(build({}).logRollTimeJitterMillis).toBe(0);
    expect(build({ 'log.roll.jitter.hours': '1' }).logRollTimeJitterMillis).toBe(HOUR);
    expect(build({ 'log.roll.jitter.hours': '1', 'log.roll.jitter.ms': '5' }).logRollTimeJitterMillis).toBe(5);
  });

  it('log.retention.ms over .minutes over .hours; negatives mean unlimited', () => {
    expect(build({}).logRetentionTimeMillis).toBe(168 * HOUR);
    expect(build({ 'log.retention.hours': '1' }).logRetentionTimeMillis).toBe(HOUR);
    expect(build({ 'log.retention.hours': '1', 'log.retention.minutes': '2' }).logRetentionTimeMillis).toBe(120_000);
    expect(build({ 'log.retention.minutes': '2', 'log.retention.ms': '7' }).logRetentionTimeMillis).toBe(7);
    expect(build({ 'log.retention.ms': '-5' }).logRetentionTimeMillis).toBe(-1);
  });

  it('log.flush.interval.ms falls back to log.flush.scheduler.interval.ms', () => {
    expect(build({ 'log.flush.scheduler.interval.ms': '9' }).logFlushIntervalMs).toBe(9);
    expect(build({ 'log.flush.scheduler.interval.ms': '9', 'log.flush.interval.ms': '3' }).logFlushIntervalMs).toBe(3);
  });

  it('zookeeper.connection.timeout.ms defaults to zookeeper.session.timeout.ms', () => {
    expect(build({}).zkConnectionTimeoutMs).toBe(18000);
    expect(build({ 'zookeeper.session.timeout.ms': '6000' }).zkConnectionTimeoutMs).toBe(6000);
    expect(build({ 'zookeeper.session.timeout.ms': '6000', 'zookeeper.connection.timeout.ms': '100' }).zkConnectionTimeoutMs).toBe(100);
  });

  it('advertised.listeners defaults to listeners', () => {
    const c = build({ listeners: 'PLAINTEXT://h1:9092' });
    expect(c.effectiveAdvertisedListeners).toEqual(c.listeners);
    const d = build({ listeners: 'PLAINTEXT://:9092', 'advertised.listeners': 'PLAINTEXT://public:19092' });
    expect(d.effectiveAdvertisedListeners).toEqual([
      { listenerName: 'PLAINTEXT', host: 'public', port: 19092, securityProtocol: 'PLAINTEXT' },
    ]);
  });

  it('inter.broker.listener.name defaults to security.inter.broker.protocol', () => {
    expect(build({}).interBrokerListenerName).toBe('PLAINTEXT');
    const ssl = build({ listeners: 'PLAINTEXT://:9092,SSL://:9093', 'security.inter.broker.protocol': 'SSL' });
    expect([ssl.interBrokerListenerName, ssl.interBrokerSecurityProtocol]).toEqual(['SSL', 'SSL']);
    const named = build({
      listeners: 'CLIENT://:9092,REPL://:9093',
      'listener.security.protocol.map': 'CLIENT:PLAINTEXT,REPL:SSL',
      'inter.broker.listener.name': 'repl',
    });
    expect([named.interBrokerListenerName, named.interBrokerSecurityProtocol]).toEqual(['REPL', 'SSL']);
  });

  it('rejects both inter.broker.listener.name and security.inter.broker.protocol', () => {
    expect(() => build({ 'inter.broker.listener.name': 'PLAINTEXT', 'security.inter.broker.protocol': 'PLAINTEXT' }))
      .toThrow('Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.');
  });
});

describe('broker.id rules', () => {
  it('generation enabled: -1 .. reserved.broker.max.id', () => {
    expect(build({}).brokerId).toBe(-1);
    expect(build({ 'broker.id': '1000' }).brokerId).toBe(1000);
    expect(() => build({ 'broker.id': '1001' })).toThrow('broker.id must be greater than or equal to -1 and not greater than reserved.broker.max.id');
    expect(build({ 'broker.id': '1001', 'reserved.broker.max.id': '2000' }).brokerId).toBe(1001);
    expect(() => build({ 'broker.id': '-2' })).toThrow(/greater than or equal to -1/);
  });

  it('generation disabled: >= 0', () => {
    expect(() => build({ 'broker.id.generation.enable': 'false' })).toThrow('broker.id must be greater than or equal to 0');
    expect(build({ 'broker.id.generation.enable': 'false', 'broker.id': '0' }).brokerId).toBe(0);
  });

  it('node.id, when set, must equal broker.id; ZooKeeper mode only', () => {
    expect(() => build({ 'broker.id': '1', 'node.id': '2' })).toThrow('You must set `node.id` to the same value as `broker.id`.');
    expect(build({ 'broker.id': '2', 'node.id': '2' }).brokerId).toBe(2);
    expect(() => build({ 'process.roles': 'broker' })).toThrow(/ZooKeeper mode only/);
    expect(() => build({ 'zookeeper.metadata.migration.enable': 'true' })).toThrow(/not supported/);
    expect(() => build({ 'remote.log.storage.system.enable': 'true' })).toThrow(/no tiered storage/);
  });
});

describe('other cross-key checks', () => {
  it('log and replication relations', () => {
    expect(() => build({ 'log.retention.ms': '0' })).toThrow('log.retention.ms must be unlimited (-1) or, greater than or equal to 1');
    expect(() => build({ 'log.roll.ms': '0' })).toThrow('log.roll.ms must be greater than or equal to 1');
    expect(() => build({ 'log.dirs': ' , ' })).toThrow('At least one log directory must be defined via log.dirs or log.dir.');
    expect(() => build({ 'replica.fetch.wait.max.ms': '40000' })).toThrow(/replica.socket.timeout.ms should always be at least/);
    expect(() => build({ 'log.cleaner.dedupe.buffer.size': '1048576' })).toThrow(/at least 1MB per cleaner thread/);
  });

  it('socket server relations', () => {
    expect(() => build({ 'queued.max.request.bytes': '10' })).toThrow('queued.max.request.bytes must be larger or equal to socket.request.max.bytes');
    expect(() => build({ 'max.connections.per.ip': '0' })).toThrow(/can be set to zero only if/);
    expect(build({ 'max.connections.per.ip': '0', 'max.connections.per.ip.overrides': 'h:1' })).toBeInstanceOf(KafkaConfig);
  });
});

describe('listenerValue', () => {
  it('prefers listener.name.<listener>.<key>, parsed like the base key', () => {
    const c = build({ 'max.connections': '100', 'listener.name.internal.max.connections': '7' });
    expect(c.listenerValue('INTERNAL', 'max.connections')).toBe(7);
    expect(c.listenerValue('PLAINTEXT', 'max.connections')).toBe(100);
    const bad = build({ 'listener.name.plaintext.max.connections': '-1' });
    expect(() => bad.listenerValue('PLAINTEXT', 'max.connections'))
      .toThrow('Invalid value -1 for configuration max.connections: Value must be at least 0');
  });
});
