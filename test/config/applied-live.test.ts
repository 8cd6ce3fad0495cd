import { describe, expect, it } from 'vitest';
import { KAFKA_LISTENER_PREFIX_ONLY_CONFIGS, RAFKA_APPLIED_LIVE } from '../../src/config/dynamic-broker-config.js';
import { BROKER_CONFIG_DEFS, configKey } from '../../src/config/config-def.js';
import { KafkaConfig, renderConfigHelp } from '../../src/config/kafka-config.js';
import { brokerLogConfig } from '../../src/services/log/log-config.js';
import { cleanerConfig } from '../../src/services/log/cleaner/log-cleaner.js';

/** Applied by LogCleaner.reconfigure, not through brokerLogConfig. */
const CLEANER_KEYS = ['log.cleaner.threads', 'log.cleaner.dedupe.buffer.size', 'log.cleaner.io.buffer.load.factor', 'log.cleaner.io.max.bytes.per.second', 'log.cleaner.backoff.ms'];
/** Applied by their own component (fetcher pool resize, LogManager recovery threads), not through brokerLogConfig. */
const OWN_COMPONENT = ['unclean.leader.election.enable', 'num.replica.fetchers', 'num.recovery.threads.per.data.dir',
  'listeners', 'advertised.listeners', 'listener.security.protocol.map', // the socket server (dynamic-config-safety.test.ts)
  'max.connections', 'max.connections.per.ip', 'max.connections.per.ip.overrides', 'max.connection.creation.rate', // ConnectionQuotas (metrics.test.ts)
  ...KAFKA_LISTENER_PREFIX_ONLY_CONFIGS]; // listener.name.<l>.ssl.keystore.* etc.: tls-reconfigure.ts (tls-reconfigure.test.ts)

/** A valid value other than the default, per key (what a dynamic update would set). */
const OTHER: Record<string, string> = {
  'log.segment.bytes': '2097152', 'log.roll.ms': '3600000', 'log.roll.jitter.ms': '5', 'log.index.size.max.bytes': '4096',
  'log.index.interval.bytes': '1024', 'log.flush.interval.messages': '7', 'log.flush.interval.ms': '1234', 'log.retention.ms': '4321',
  'log.retention.bytes': '999999', 'message.max.bytes': '12345', 'log.message.timestamp.type': 'LogAppendTime',
  'log.message.timestamp.difference.max.ms': '1000', 'log.message.timestamp.before.max.ms': '1000', 'log.message.timestamp.after.max.ms': '1000',
  'log.segment.delete.delay.ms': '1', 'log.cleanup.policy': 'compact', 'log.preallocate': 'true', 'log.cleaner.delete.retention.ms': '1',
  'log.cleaner.min.cleanable.ratio': '0.9', 'log.cleaner.min.compaction.lag.ms': '1', 'log.cleaner.max.compaction.lag.ms': '100000',
  'compression.type': 'gzip', 'compression.gzip.level': '3', 'compression.zstd.level': '7', 'log.message.downconversion.enable': 'false',
  'min.insync.replicas': '2',
};

describe('--help-config "applied live" (RAFKA_APPLIED_LIVE)', () => {
  it('every live key is dynamic in the table', () => {
    for (const k of RAFKA_APPLIED_LIVE) expect([k, configKey(k)?.dynamic]).not.toEqual([k, 'read-only']);
  });

  it('each log key reaches the running logs: changing it changes brokerLogConfig (what LogManager.updateBrokerDefaults applies)', () => {
    const base = brokerLogConfig(KafkaConfig.fromProps({ 'zookeeper.connect': 'x:1' }));
    for (const k of [...RAFKA_APPLIED_LIVE].filter((x) => !OWN_COMPONENT.includes(x) && !CLEANER_KEYS.includes(x))) {
      expect(OTHER[k], `a test value for ${k}`).toBeDefined();
      const changed = brokerLogConfig(KafkaConfig.fromProps({ 'zookeeper.connect': 'x:1', [k]: OTHER[k]! }));
      expect(JSON.stringify(changed), k).not.toBe(JSON.stringify(base));
    }
  });

  it('each cleaner key changes the cleaner config (what LogCleaner.reconfigure applies)', () => {
    const base = cleanerConfig(KafkaConfig.fromProps({ 'zookeeper.connect': 'x:1' }));
    const other: Record<string, string> = { 'log.cleaner.threads': '2', 'log.cleaner.dedupe.buffer.size': '268435456', 'log.cleaner.io.buffer.load.factor': '0.5', 'log.cleaner.io.max.bytes.per.second': '1000000', 'log.cleaner.backoff.ms': '100' };
    for (const k of CLEANER_KEYS) {
      expect(RAFKA_APPLIED_LIVE.has(k)).toBe(true);
      expect(JSON.stringify(cleanerConfig(KafkaConfig.fromProps({ 'zookeeper.connect': 'x:1', [k]: other[k]! }))), k).not.toBe(JSON.stringify(base));
    }
  });

  it('--help-config tags them and explains the tag', () => {
    const help = renderConfigHelp();
    expect(help).toMatch(/^message\.max\.bytes \(applied live\)$/m);
    expect(help).toMatch(/^num\.replica\.fetchers \(applied live\)$/m);
    expect(help).toMatch(/^log\.cleaner\.threads \(applied live\)$/m);
    expect(help).toMatch(/^log\.cleaner\.backoff\.ms \(applied live\)$/m);
    expect(help).toMatch(/^num\.recovery\.threads\.per\.data\.dir \(applied live\)$/m);
    expect(help).toMatch(/^listeners \(applied live\)$/m);
    expect(help).toMatch(/^max\.connections \(applied live\)$/m);
    expect(help).toMatch(/^log\.cleaner\.enable$/m); // read-only in Kafka: not live
    expect(help).toMatch(/^num\.io\.threads \(accepted, not implemented\)$/m);
    expect(help).toMatch(/Rafka has no request handler pool/);
    expect(help).toMatch(/Rafka has no background thread pool/);
    // the table's rows carry it; the footer lists every dynamic key in exactly one of three groups
    const groups = ['applied live', 'taking effect at the next start', 'accepted but with no effect in Rafka'].map((g) => {
      const m = new RegExp(`^Dynamic(?: keys: \\d+;)?,? ${g.replace(/ /g, ' ')} \\(\\d+\\): (.*)\\.$`, 'm').exec(help);
      expect(m, g).not.toBeNull();
      return m![1]!.split(', ');
    });
    const dynamic = BROKER_CONFIG_DEFS.filter((k) => k.dynamic !== 'read-only').map((k) => k.name).sort();
    expect(groups.flat().sort()).toEqual(dynamic);
    expect(groups[0]).toEqual(BROKER_CONFIG_DEFS.filter((k) => k.appliedLive).map((k) => k.name).sort());
    expect(groups[2]).toContain('num.io.threads');
    expect(help).toMatch(/^num\.io\.threads[^]*?Update Mode: cluster-wide \(no effect in Rafka\)$/m);
    expect(help).toMatch(/^listeners \(applied live\)[^]*?Update Mode: per-broker \(applied live\)$/m);
    expect(help).toContain('tagged "applied live" take effect in the running broker');
  });
});
