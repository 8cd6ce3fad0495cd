import { describe, expect, it } from 'vitest';
import { BROKER_CONFIG_DEFS, configKey } from '../../src/config/config-def.js';
import { KafkaConfig, renderConfigHelp } from '../../src/config/kafka-config.js';

describe('loggableValues (startup dump)', () => {
  const c = KafkaConfig.fromProps({
    'zookeeper.connect': 'zk:2181',
    'ssl.keystore.password': 's3cret',
    'password.encoder.secret': 'other-secret',
    'log.cleanup.policy': 'compact,delete',
  });
  const dump = c.loggableValues();
  const value = (k: string) => dump.find(([key]) => key === k)?.[1];

  it('covers every defined key once, sorted by name', () => {
    const keys = dump.map(([k]) => k);
    expect(keys).toEqual([...BROKER_CONFIG_DEFS.map((k) => k.name)].sort());
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('masks passwords and never leaks them', () => {
    expect(value('ssl.keystore.password')).toBe('[hidden]');
    expect(value('password.encoder.secret')).toBe('[hidden]');
    expect(JSON.stringify(dump)).not.toContain('s3cret');
    expect(c.getPassword('ssl.keystore.password')).toBe('s3cret');
    expect(value('ssl.truststore.password')).toBe('null');
  });

  it('renders values as Kafka logs them', () => {
    expect(value('zookeeper.connect')).toBe('zk:2181');
    expect(value('log.cleanup.policy')).toBe('[compact, delete]');
    expect(value('log.flush.interval.messages')).toBe('9223372036854775807');
    expect(value('log.cleaner.min.cleanable.ratio')).toBe('0.5');
    expect(value('log.cleaner.io.max.bytes.per.second')).toBe('1.7976931348623157E308');
    expect(value('log.roll.ms')).toBe('null');
  });
});

describe('definition table', () => {
  it('has unique names and well-formed rows', () => {
    const names = BROKER_CONFIG_DEFS.map((k) => k.name);
    expect(new Set(names).size).toBe(names.length);
    for (const k of BROKER_CONFIG_DEFS) {
      expect(k.doc.length, k.name).toBeGreaterThan(10);
      expect(['read-only', 'per-broker', 'cluster-wide']).toContain(k.dynamic);
    }
  });

  it('defaults pass their own validators', () => {
    for (const k of BROKER_CONFIG_DEFS) {
      if (k.default !== undefined && k.default !== null) expect(() => k.validator?.ensureValid(k.name, k.default), k.name).not.toThrow();
    }
  });

  it('marks Rafka-only keys and the dynamic modes of §6.2', () => {
    expect(configKey('inspect.port')?.rafkaOnly).toBe(true);
    expect(BROKER_CONFIG_DEFS.filter((k) => k.rafkaOnly).map((k) => k.name)).toEqual(['inspect.port', 'metrics.http.listener']);
    expect(configKey('listeners')?.dynamic).toBe('per-broker');
    expect(configKey('log.retention.ms')?.dynamic).toBe('cluster-wide');
    expect(configKey('log.retention.hours')?.dynamic).toBe('read-only');
    expect(configKey('zookeeper.connect')?.dynamic).toBe('read-only');
  });
});

describe('renderConfigHelp', () => {
  const help = renderConfigHelp();

  it('lists every key of the table', () => {
    for (const k of BROKER_CONFIG_DEFS) expect(help).toMatch(new RegExp(`^${k.name.replaceAll('.', '\\.')}( |$)`, 'm'));
  });

  it('shows type, default, valid values, importance, update mode and doc', () => {
    const block = help.split('\n\n').find((b) => b.startsWith('num.partitions\n'))!;
    expect(block).toContain(configKey('num.partitions')!.doc);
    expect(block).toContain('Type: int');
    expect(block).toContain('Default: 1');
    expect(block).toContain('Valid Values: [1,...]');
    expect(block).toContain('Importance: medium');
    expect(block).toContain('Update Mode: read-only');
    expect(help).toMatch(/^zookeeper\.connect\n.*\n.*\n {2}Default: \(required\)/m);
    expect(help).toMatch(/^inspect\.port \(Rafka only\)$/m);
  });
});
