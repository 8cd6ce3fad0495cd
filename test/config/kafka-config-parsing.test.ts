import { describe, expect, it, vi } from 'vitest';
import { ConfigException, KafkaConfig, unknownConfigMessage } from '../../src/config/kafka-config.js';

const BASE = { 'zookeeper.connect': 'localhost:2181' };
const build = (props: Record<string, string>) => KafkaConfig.fromProps({ ...BASE, ...props });
const errorOf = (props: Record<string, string>): string => {
  try {
    build(props);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigException);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigException');
};

describe('type parsing, with Kafka-shaped messages', () => {
  it('int', () => {
    expect(build({ 'num.partitions': ' 12 ' }).getInt('num.partitions')).toBe(12);
    expect(errorOf({ 'num.partitions': 'abc' }))
      .toBe('Invalid value abc for configuration num.partitions: Not a number of type INT');
    expect(errorOf({ 'num.partitions': '1.5' })).toMatch(/Not a number of type INT$/);
    expect(errorOf({ 'num.partitions': '2147483648' })).toMatch(/Not a number of type INT$/);
    expect(errorOf({ 'num.partitions': '' })).toBe('Invalid value  for configuration num.partitions: Not a number of type INT');
  });

  it('long, including Long.MAX_VALUE', () => {
    const c = build({ 'log.retention.bytes': '9223372036854775807', 'log.retention.ms': '-1' });
    expect(c.getLong('log.retention.bytes')).toBe(2 ** 63);
    expect(c.getLong('log.retention.ms')).toBe(-1);
    expect(errorOf({ 'log.retention.bytes': '9223372036854775808' }))
      .toBe('Invalid value 9223372036854775808 for configuration log.retention.bytes: Not a number of type LONG');
  });

  it('double', () => {
    expect(build({ 'log.cleaner.min.cleanable.ratio': '0.25' }).getDouble('log.cleaner.min.cleanable.ratio')).toBe(0.25);
    expect(build({ 'log.cleaner.io.max.bytes.per.second': '1e6' }).getDouble('log.cleaner.io.max.bytes.per.second')).toBe(1e6);
    expect(errorOf({ 'log.cleaner.io.buffer.load.factor': 'x' }))
      .toBe('Invalid value x for configuration log.cleaner.io.buffer.load.factor: Not a number of type DOUBLE');
  });

  it('boolean, case-insensitive', () => {
    expect(build({ 'delete.topic.enable': 'FALSE' }).getBoolean('delete.topic.enable')).toBe(false);
    expect(errorOf({ 'delete.topic.enable': 'yes' }))
      .toBe('Invalid value yes for configuration delete.topic.enable: Expected value to be either true or false');
  });

  it('list splits on commas with surrounding whitespace', () => {
    expect(build({ 'log.cleanup.policy': 'compact , delete' }).getList('log.cleanup.policy')).toEqual(['compact', 'delete']);
    expect(build({ 'metric.reporters': '' }).getList('metric.reporters')).toEqual([]);
  });

  it('string is trimmed; class is kept as a name', () => {
    expect(build({ 'broker.rack': '  r1 ' }).rack).toBe('r1');
    expect(build({ 'alter.config.policy.class.name': 'a.B' }).getString('alter.config.policy.class.name')).toBe('a.B');
  });

  it('typed getters refuse the wrong type and unknown names', () => {
    const c = build({});
    expect(() => c.getInt('delete.topic.enable')).toThrow('Configuration delete.topic.enable is of type boolean, not int');
    expect(() => c.get('no.such.key')).toThrow("Unknown configuration 'no.such.key'");
  });
});

describe('validators, with Kafka-shaped messages', () => {
  it('atLeast', () => {
    expect(errorOf({ 'num.partitions': '0' }))
      .toBe('Invalid value 0 for configuration num.partitions: Value must be at least 1');
  });

  it('between', () => {
    expect(errorOf({ 'log.cleaner.min.cleanable.ratio': '1.5' }))
      .toBe('Invalid value 1.5 for configuration log.cleaner.min.cleanable.ratio: Value must be no more than 1');
    expect(errorOf({ 'compression.lz4.level': '0' }))
      .toBe('Invalid value 0 for configuration compression.lz4.level: Value must be at least 1');
  });

  it('between-or-sentinel (gzip level)', () => {
    expect(build({ 'compression.gzip.level': '-1' }).getInt('compression.gzip.level')).toBe(-1);
    expect(errorOf({ 'compression.gzip.level': '10' }))
      .toBe('Invalid value 10 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1');
  });

  it('validString', () => {
    expect(errorOf({ 'compression.type': 'brotli' })).toBe(
      'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer');
    expect(errorOf({ 'security.inter.broker.protocol': 'TLS' })).toMatch(/String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL$/);
  });

  it('validList checks every element', () => {
    expect(errorOf({ 'log.cleanup.policy': 'compact,foo' }))
      .toBe('Invalid value foo for configuration log.cleanup.policy: String must be one of: compact, delete');
  });

  it('case-insensitive validString', () => {
    expect(build({ 'group.consumer.migration.policy': 'UPGRADE' }).getString('group.consumer.migration.policy')).toBe('UPGRADE');
    expect(errorOf({ 'group.consumer.migration.policy': 'x' })).toMatch(/String must be one of \(case insensitive\)/);
  });

  it('metadata version', () => {
    expect(build({ 'inter.broker.protocol.version': '3.7' }).getString('inter.broker.protocol.version')).toBe('3.7');
    expect(build({ 'inter.broker.protocol.version': '2.8-IV1' })).toBeInstanceOf(KafkaConfig);
    expect(errorOf({ 'inter.broker.protocol.version': '9.9' }))
      .toBe('Invalid value 9.9 for configuration inter.broker.protocol.version: Version 9.9 is not a valid version');
  });

  it('rafka inspect.port: null or -1 is off, otherwise a port', () => {
    expect(build({}).inspectPort).toBeNull();
    expect(build({ 'inspect.port': '-1' }).inspectPort).toBeNull();
    expect(build({ 'inspect.port': '7777' }).inspectPort).toBe(7777);
    expect(errorOf({ 'inspect.port': '70000' })).toMatch(/Value must be between 0 and 65535 or equal to -1$/);
  });
});

describe('required and unknown keys', () => {
  it('zookeeper.connect is required', () => {
    expect(() => KafkaConfig.fromProps({})).toThrow('Missing required configuration "zookeeper.connect" which has no default value.');
  });

  it('zookeeper.connect must not be empty', () => {
    expect(() => KafkaConfig.fromProps({ 'zookeeper.connect': ' ' }))
      .toThrow('Invalid value  for configuration zookeeper.connect: String must be non-empty');
  });

  it('unknown keys are reported through the callback, never fatal', () => {
    const onUnknownKey = vi.fn();
    const c = KafkaConfig.fromProps({ ...BASE, 'foo.bar': '1', 'listener.name.plaintext.max.connections': '5' }, { onUnknownKey });
    expect(onUnknownKey.mock.calls).toEqual([['foo.bar']]);
    expect(c.originals['foo.bar']).toBe('1');
    expect(unknownConfigMessage('foo.bar')).toBe("The configuration 'foo.bar' was supplied but isn't a known config.");
  });
});
