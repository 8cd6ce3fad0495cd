/**
 * Startup failures an operator must understand at once: inconsistent metadata, a duplicate broker
 * id, bad config, a locked log dir. Each exits non-zero with one clear line.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, spawnBroker, writeBrokerConfig, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, inspectZk, readJson, cleanupAll, tempDir } from './support.js';

let zk: ZooKeeperServer;
beforeAll(async () => { zk = await startZooKeeper(); });
afterEach(async () => { await stopAllBrokers(); });
afterAll(async () => { await cleanupAll(); await zk?.close(); });

async function writeMeta(dir: string, lines: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'meta.properties'), `#\n${lines.join('\n')}\n`);
}

async function expectFatal(p: BrokerProcess, pattern: RegExp): Promise<void> {
  expect(await p.waitForExit(20_000), p.tail()).toBe(1);
  const fatal = p.logs.filter((l) => l.level === 60).map((l) => l.msg);
  expect(fatal.some((m) => pattern.test(m)), `fatal lines: ${fatal.join(' | ')}`).toBe(true);
}

describe('inconsistent metadata', () => {
  it('refuses a meta.properties whose cluster.id differs from ZooKeeper\'s', async () => {
    const b = await brokerConfig(zk);
    await writeMeta(b.logDirs[0], ['version=0', 'broker.id=1', 'cluster.id=AAAAAAAAAAAAAAAAAAAAAA']);
    await expectFatal(startBroker(b), /Invalid cluster\.id in: .*logs-a\/meta\.properties\. Expected [\w-]{22}, but read AAAAAAAAAAAAAAAAAAAAAA/);
  });

  it('refuses a configured broker.id that differs from the stored one', async () => {
    const b = await brokerConfig(zk, { 'broker.id': '5' });
    await writeMeta(b.logDirs[0], ['version=0', 'broker.id=3']);
    await expectFatal(startBroker(b), /Stored node id 3 doesn't match previous node id 5/);
  });

  it('refuses log dirs whose stored broker ids disagree', async () => {
    const b = await brokerConfig(zk, { 'broker.id': '' });
    await writeMeta(b.logDirs[0], ['version=0', 'broker.id=1']);
    await writeMeta(b.logDirs[1], ['version=0', 'broker.id=2']);
    await expectFatal(startBroker(b), /Stored node id 2 doesn't match previous node id 1/);
  });

  it('refuses a second live broker with the same id and leaves the first registered', async () => {
    const a = await brokerConfig(zk);
    const first = startBroker(a);
    await first.waitForLog(started);
    const b = await brokerConfig(zk, {}, { chroot: a.chroot });
    await expectFatal(startBroker(b), /node already exists.*broker\.id 1 is registered by another live broker/);
    const s = await inspectZk(zk, a.chroot);
    expect((await readJson(s, '/brokers/ids/1')).endpoints).toEqual([a.props.listeners]);
    expect(first.exited).toBe(false);
  });

  it('refuses a second broker process on the same log dir', async () => {
    const a = await brokerConfig(zk);
    const first = startBroker(a);
    await first.waitForLog(started);
    const b = await brokerConfig(zk, {}, { chroot: a.chroot, logDirs: [a.logDirs[0]] }); // same id, same cluster: only the lock stops it
    await expectFatal(startBroker(b), /Failed to acquire lock on file \.lock in .*logs-a\. A Kafka instance in another process or thread is using this directory\./);
  });

  it('halts when no log dir is usable', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'not-a-dir'), 'x');
    const b = await brokerConfig(zk, {}, { logDirs: [join(dir, 'not-a-dir', 'logs')] });
    await expectFatal(startBroker(b), /none of the specified log dirs .* can be created or validated/);
  });
});

describe('bad configuration', () => {
  it('names the key, the value and what was expected', async () => {
    const b = await brokerConfig(zk, { 'num.partitions': 'abc' });
    await expectFatal(startBroker(b), /^Invalid value abc for configuration num\.partitions: Not a number of type INT$/);
  });

  it('requires zookeeper.connect', async () => {
    const dir = await tempDir();
    const cfg = await writeBrokerConfig(dir, { 'broker.id': '1', 'log.dirs': join(dir, 'l') });
    await expectFatal(spawnBroker([cfg]), /Missing required configuration "zookeeper\.connect" which has no default value\./);
  });

  it('lets -o/--override win over the file and warns about unknown keys', async () => {
    const b = await brokerConfig(zk, { 'no.such.config': 'x' });
    const p = startBroker(b, ['--override', 'broker.id=7', '-o', 'num.partitions=3']);
    await p.waitForLog(started);
    expect(p.logs.some((l) => l.level === 40 && l.msg === "The configuration 'no.such.config' was supplied but isn't a known config.")).toBe(true);
    const cfg = p.logs.find((l) => l.msg.startsWith('KafkaConfig values'))!.config as Record<string, string>;
    expect(cfg['broker.id']).toBe('7');
    expect(cfg['num.partitions']).toBe('3');
    const s = await inspectZk(zk, b.chroot);
    expect(await s.exists('/brokers/ids/7')).not.toBeNull();
  });

  it('refuses zookeeper.set.acl without a secure ZooKeeper connection, naming the key', async () => {
    const b = await brokerConfig(zk, { 'zookeeper.set.acl': 'true' });
    // Kafka's SecurityException (KafkaZkClient.createZkClient), naming the TLS settings and the JAAS system properties
    await expectFatal(startBroker(b), /^zookeeper\.set\.acl is true, but ZooKeeper client TLS configuration identifying at least zookeeper\.ssl\.client\.enable, zookeeper\.clientCnxnSocket, and zookeeper\.ssl\.keystore\.location was not present and the verification of the JAAS login file failed \[java\.security\.auth\.login\.config=null, zookeeper\.sasl\.client=default:true, zookeeper\.sasl\.clientconfig=default:Client\]$/);
  });

  it('prints every config with --help-config, before reading any file', async () => {
    const p = spawnBroker(['--help-config']);
    expect(await p.waitForExit(10_000)).toBe(0);
    const out = p.logs.map((l) => l.msg).join('\n');
    for (const key of ['zookeeper.connect', 'log.dirs', 'num.partitions', 'inspect.port']) expect(out).toContain(key);
  });

  it('masks passwords in the startup config dump', async () => {
    const b = await brokerConfig(zk, { 'ssl.keystore.password': 'hunter2' });
    const p = startBroker(b);
    await p.waitForLog(started);
    const line = p.logs.find((l) => l.msg.startsWith('KafkaConfig values'))!;
    expect(JSON.stringify(line)).not.toContain('hunter2');
    expect((line.config as Record<string, string>)['ssl.keystore.password']).toBe('[hidden]');
  });
});
