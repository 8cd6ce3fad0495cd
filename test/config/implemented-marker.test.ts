/**
 * The `implemented` marker of the definition table (src/config/defs) is kept honest in both directions by reading
 * the source: a key counts as READ when some file under src/ outside src/config/defs and validate-values.ts (which
 * only checks values against each other) calls a config getter with its name — `get('k')`, `getInt('k')`, ...,
 * `listenerValue(x, 'k')`. Then:
 *   - a key marked implemented is read, or refuses every non-default value at startup (checked by building one);
 *   - a key marked not implemented is NOT read: whoever wires a key must flip its marker, and the startup warning
 *     and `--help-config` change with it;
 *   - every field KafkaConfig fills from a key is used outside kafka-config.ts or to derive another field (a key
 *     read into a dead field is not implemented either).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BROKER_CONFIG_DEFS, configKey } from '../../src/config/config-def.js';
import { ConfigException, KafkaConfig, renderConfigHelp } from '../../src/config/kafka-config.js';
import { READ_PER_LISTENER, notImplementedOverrides, notImplementedWarning } from '../../src/config/not-implemented.js';
import { REPO_ROOT } from '../helpers/environment.js';

const SRC = join(REPO_ROOT, 'src');
const sources = (() => {
  const out: Array<{ rel: string; text: string }> = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) out.push({ rel: relative(SRC, p), text: readFileSync(p, 'utf8') });
    }
  };
  walk(SRC);
  return out;
})();

const GETTER = /\b(?:get|getInt|getLong|getDouble|getBoolean|getString|getPassword|getList)\(\s*'([a-z0-9.A-Z]+)'\s*\)|\blistenerValue\([^,()]+,\s*'([a-z0-9.A-Z]+)'\s*\)|\blistenerMechanismValue\([^()]*?,\s*'([a-z0-9.A-Z]+)'\s*\)/g;
const NOT_A_READ = (rel: string) => rel.startsWith('config/defs/') || rel === 'config/validate-values.ts';

/** key → files that read it. */
const reads = new Map<string, string[]>();
for (const { rel, text } of sources) {
  if (NOT_A_READ(rel)) continue;
  for (const m of text.matchAll(GETTER)) {
    const key = m[1] ?? m[2] ?? m[3]!;
    reads.set(key, [...(reads.get(key) ?? []), rel]);
  }
}

const BASE = { 'zookeeper.connect': 'zk:2181', 'log.dirs': '/tmp/rafka-marker-test' };

/** Keys whose only accepted value is the one Rafka implements: any other value refuses to start. */
const REFUSES_OTHER_VALUES: Record<string, Record<string, string>> = {
  'process.roles': { 'process.roles': 'broker' },
  'node.id': { 'broker.id': '1', 'node.id': '2' },
  'zookeeper.metadata.migration.enable': { 'zookeeper.metadata.migration.enable': 'true' },
  'remote.log.storage.system.enable': { 'remote.log.storage.system.enable': 'true' },
};

describe('the implemented marker matches the code', () => {
  it('the scan finds the reads it should (it is not blind)', () => {
    expect(reads.get('num.partitions')).toContain('services/server/handlers/create-topics.ts');
    expect(reads.get('queued.max.requests')).toContain('machines/majordomo.ts');
    expect(reads.get('log.segment.bytes')).toContain('services/log/log-config.ts');
    expect(reads.size).toBeGreaterThan(80);
  });

  it('every key marked implemented is read by the broker, or refuses any other value', () => {
    const unread = BROKER_CONFIG_DEFS.filter((k) => k.implemented && !reads.has(k.name) && !(k.name in REFUSES_OTHER_VALUES)).map((k) => k.name);
    expect(unread, 'marked implemented, but nothing outside src/config/defs reads them: mark them NOT_IMPLEMENTED').toEqual([]);
  });

  it('refusing keys refuse', () => {
    for (const [key, props] of Object.entries(REFUSES_OTHER_VALUES)) {
      expect(configKey(key)?.implemented, key).toBe(true);
      expect(() => KafkaConfig.fromProps({ ...BASE, ...props }), key).toThrow(ConfigException);
    }
  });

  it('no key marked not implemented is read anywhere', () => {
    const read = BROKER_CONFIG_DEFS.filter((k) => !k.implemented && reads.has(k.name)).map((k) => `${k.name} (${reads.get(k.name)!.join(', ')})`);
    expect(read, 'marked NOT_IMPLEMENTED, but the broker reads them: drop the marker').toEqual([]);
  });

  it('every field KafkaConfig fills is used (outside kafka-config.ts, or to derive another field)', () => {
    const kafkaConfig = sources.find((s) => s.rel === 'config/kafka-config.ts')!.text;
    const fields = [...kafkaConfig.matchAll(/^ {2}readonly (\w+):/gm)].map((m) => m[1]!);
    expect(fields.length).toBeGreaterThan(10);
    const usedInside = (f: string) => (kafkaConfig.match(new RegExp(`this\\.${f}\\b`, 'g')) ?? []).length >= 2; // assigned, then used to derive another field
    const unused = fields.filter((f) => !usedInside(f) && !sources.some((s) => s.rel !== 'config/kafka-config.ts' && new RegExp(`\\.${f}\\b`).test(s.text)));
    expect(unused).toEqual([]);
  });
});

describe('not implemented keys are announced', () => {
  const notImplemented = BROKER_CONFIG_DEFS.filter((k) => !k.implemented);

  it('the table has some, and only among Kafka keys', () => {
    expect(notImplemented.length).toBeGreaterThan(50);
    expect(notImplemented.every((k) => !k.rafkaOnly)).toBe(true);
  });

  it('one warning names every non-default value of such a key (passwords hidden), nothing for defaults or implemented keys', () => {
    const c = KafkaConfig.fromProps({
      ...BASE,
      'num.io.threads': '16', // not implemented, non-default
      'num.network.threads': '3', // not implemented, but its default
      'ssl.truststore.password': 's3cret', // not implemented, a password
      'zookeeper.ssl.cipher.suites': 'A,B', // a list
      'num.partitions': '4', // implemented
    });
    expect(notImplementedOverrides(c)).toEqual(['num.io.threads=16', 'ssl.truststore.password=[hidden]', 'zookeeper.ssl.cipher.suites=[A, B]']);
    const w = notImplementedWarning(c)!;
    expect(w).toBe('3 configs set to a non-default value that Rafka accepts but does not implement yet (no effect): ' +
      'num.io.threads=16, ssl.truststore.password=[hidden], zookeeper.ssl.cipher.suites=[A, B]');
    expect(w).not.toContain('s3cret');
    expect(notImplementedWarning(KafkaConfig.fromProps({ ...BASE, 'num.partitions': '4', 'num.network.threads': '3' }))).toBeNull();
  });

  it('per-listener keys (listener.name.<l>.<key>) are named unless Rafka reads them per listener (secrets hidden)', () => {
    const c = KafkaConfig.fromProps({
      ...BASE,
      listeners: 'PLAINTEXT://:9092,INTERNAL://:9093',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
      'listener.name.internal.ssl.keystore.location': '/etc/ks.jks', // read per listener: not named
      'listener.name.internal.ssl.truststore.password': 'ks-s3cret', // a password, not implemented
      'listener.name.internal.plain.sasl.jaas.config': 'org.example.Login required password="jaas-s3cret";', // read per listener and mechanism: not named
      'listener.name.internal.sasl.kerberos.service.name': 'kafka', // not in the table: named
      'listener.name.internal.ssl.client.auth': 'none', // base not implemented, but its default
      'listener.name.internal.num.io.threads': '16', // base not implemented (any key may be prefixed)
      'listener.name.internal.no.such.key': 'x', // not in the table at all: no effect either
      'listener.name.internal.num.partitions': '4', // base implemented, but no per-listener value is read
      'listener.name.internal.log.retention.hours': '168', // the base key's default: not named
    });
    expect(notImplementedOverrides(c)).toEqual([
      'listener.name.internal.no.such.key=x',
      'listener.name.internal.num.io.threads=16',
      'listener.name.internal.num.partitions=4',
      'listener.name.internal.sasl.kerberos.service.name=kafka',
      'listener.name.internal.ssl.truststore.password=[hidden]',
    ]);
    const w = notImplementedWarning(c)!;
    expect(w).toMatch(/^5 configs set to a non-default value that Rafka accepts but does not implement yet \(no effect\): listener\.name\.internal\.no\.such\.key=x, /);
    expect(w).not.toMatch(/s3cret/);
  });

  it('the per-listener keys the warning leaves out are exactly those read with listenerValue', () => {
    const perListener = new Set<string>();
    for (const { rel, text } of sources) {
      if (rel === 'config/kafka-config.ts') continue;
      for (const m of text.matchAll(/\blistenerValue\([^,()]+,\s*'([a-z0-9.A-Z]+)'\s*\)|\blistenerMechanismValue\([^()]*?,\s*'([a-z0-9.A-Z]+)'\s*\)/g)) perListener.add(m[1] ?? m[2]!);
    }
    expect([...perListener].sort()).toEqual([...READ_PER_LISTENER].sort());
  });

  it('--help-config marks each of them, and only them', () => {
    const help = renderConfigHelp();
    const marked = [...help.matchAll(/^(\S+) \((?:[^)]*, )?accepted, not implemented\)$/gm)].map((m) => m[1]).sort();
    expect(marked).toEqual(notImplemented.map((k) => k.name).sort());
    expect(help.split('\n')[0]).toBe(`Broker configuration (${BROKER_CONFIG_DEFS.length} keys; ${notImplemented.length} accepted, not implemented: Rafka does not act on them yet)`);
  });
});

describe('the README counts are the table\'s', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');

  it('states how many Kafka keys the table defines and how many are not implemented', () => {
    const kafkaKeys = BROKER_CONFIG_DEFS.filter((k) => !k.rafkaOnly);
    expect(BROKER_CONFIG_DEFS.filter((k) => k.rafkaOnly).map((k) => k.name)).toEqual(['inspect.port', 'metrics.http.listener']);
    const defined = /Kafka 3\.x's broker configs \((\d+) keys, plus Rafka's own `inspect\.port` and `metrics\.http\.listener`\)/.exec(readme);
    const notImplemented = /Every key either takes effect or says it does not: (\d+) of the (\d+) are accepted/.exec(readme);
    expect(defined?.slice(1).map(Number), 'README: "Kafka 3.x\'s broker configs (N keys, ..."').toEqual([kafkaKeys.length]);
    expect(notImplemented?.slice(1).map(Number), 'README: "...: N of the M are accepted"').toEqual([kafkaKeys.filter((k) => !k.implemented).length, kafkaKeys.length]);
  });
});
