/**
 * Live changes through ZooKeeper: dynamic broker configs (/config/brokers + /config/changes) and
 * finalized features (/feature), as Kafka's tools would write them.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, inspectZk, cleanupAll } from './support.js';
import { CreateMode, type ZkSession } from '../../src/services/zookeeper/zk-session.js';

let zk: ZooKeeperServer;
beforeAll(async () => { zk = await startZooKeeper(); });
afterEach(async () => { await stopAllBrokers(); });
afterAll(async () => { await cleanupAll(); await zk?.close(); });

/** What kafka-configs.sh --alter --entity-type brokers does in ZooKeeper. */
async function alterBrokerConfig(s: ZkSession, entity: string, config: Record<string, string>): Promise<void> {
  const path = `/config/brokers/${entity}`;
  const data = Buffer.from(JSON.stringify({ version: 1, config }));
  if (await s.exists(path)) await s.setData(path, data); else await s.create(path, data);
  await s.create('/config/changes/config_change_', Buffer.from(JSON.stringify({ version: 2, entity_path: `brokers/${entity}` })), CreateMode.PERSISTENT_SEQUENTIAL);
}

const applied = (l: { msg: string }) => l.msg === 'Applied dynamic broker config';

describe('dynamic broker config', () => {
  it('applies configs present in ZooKeeper at startup, per-broker over cluster default over static', async () => {
    const b = await brokerConfig(zk, { 'log.retention.ms': '1000' });
    const s = await inspectZk(zk, b.chroot);
    await s.mkdirp('/config/brokers');
    await s.mkdirp('/config/changes');
    await alterBrokerConfig(s, '<default>', { 'log.retention.ms': '2000', 'log.cleaner.threads': '2' });
    await alterBrokerConfig(s, '1', { 'log.retention.ms': '3000' });
    const p = startBroker(b);
    await p.waitForLog(started);
    const startup = p.logs.find((l) => l.msg === 'Applied dynamic broker configs from ZooKeeper');
    expect(startup?.dynamicConfigs).toEqual(expect.arrayContaining(['log.retention.ms', 'log.cleaner.threads']));
  });

  it('applies a change live and ignores keys that are not dynamic', async () => {
    const b = await brokerConfig(zk);
    const p = startBroker(b);
    await p.waitForLog(started);
    const s = await inspectZk(zk, b.chroot);
    await alterBrokerConfig(s, '1', { 'log.retention.ms': '4242', 'zookeeper.session.timeout.ms': '1' });
    const line = await p.waitForLog(applied);
    expect(line.changed).toEqual({ 'log.retention.ms': '4242' });
    expect(p.logs.some((l) => l.level === 40 && l.key === 'zookeeper.session.timeout.ms')).toBe(true);
    await alterBrokerConfig(s, '<default>', { 'log.cleaner.threads': '2' });
    const second = await p.waitForLog((l) => applied(l) && (l.changed as Record<string, string>)['log.cleaner.threads'] === '2');
    expect(second.changed).toEqual({ 'log.cleaner.threads': '2' });
    // Written past the broker's validation: its LogCleaner refuses more than double (Kafka keeps the config whole, logs why)
    await alterBrokerConfig(s, '<default>', { 'log.cleaner.threads': '5', 'log.retention.ms': '77' });
    const refused = await p.waitForLog((l) => l.level === 40 && l.key === 'log.cleaner.threads' && l.value === '5');
    expect(refused.reason).toMatch(/Invalid value org\.apache\.kafka\.common\.config\.ConfigException: Log cleaner threads cannot be increased to more than double the current value 2 for configuration Invalid dynamic configuration/);
    // A change for another broker is not ours to apply.
    await alterBrokerConfig(s, '2', { 'log.retention.ms': '1' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(p.logs.filter(applied)).toHaveLength(2);
  });

  it('ignores an invalid dynamic value with a logged reason and keeps running', async () => {
    const b = await brokerConfig(zk);
    const p = startBroker(b);
    await p.waitForLog(started);
    const s = await inspectZk(zk, b.chroot);
    await alterBrokerConfig(s, '1', { 'log.retention.ms': 'soon' });
    const warn = await p.waitForLog((l) => l.level === 40 && l.key === 'log.retention.ms');
    expect(warn.msg).toMatch(/Invalid value soon for configuration log\.retention\.ms/);
    expect(p.exited).toBe(false);
  });
});

describe('controller election', () => {
  it('re-elects itself with a higher epoch when /controller disappears', async () => {
    const b = await brokerConfig(zk);
    const p = startBroker(b);
    await p.waitForLog(started);
    await p.waitForLog((l) => l.actor === 'controller' && l.controllerId === 1);
    const s = await inspectZk(zk, b.chroot);
    expect((await s.getData('/controller_epoch')).data!.toString()).toBe('1');
    await s.remove('/controller');
    await p.waitForLog((l) => l.actor === 'controller' && l.controllerId === 1 && l.controllerEpoch === 2, 10_000);
    expect(JSON.parse((await s.getData('/controller')).data!.toString()).brokerid).toBe(1);
    expect((await s.getData('/controller_epoch')).data!.toString()).toBe('2');
  });
});

describe('finalized features (/feature)', () => {
  it('tracks /feature changes with their epoch and exits on features it does not support', async () => {
    const b = await brokerConfig(zk);
    const p = startBroker(b);
    await p.waitForLog(started);
    const s = await inspectZk(zk, b.chroot);
    await p.waitForLog((l) => l.msg === 'Finalized features updated' && l.epoch === 0);
    await s.setData('/feature', Buffer.from(JSON.stringify({ version: 2, status: 0, features: {} })));
    const disabled = await p.waitForLog((l) => l.msg === 'Finalized features updated' && l.epoch === -1);
    expect(disabled.finalizedFeatures).toEqual({});
    await s.setData('/feature', Buffer.from(JSON.stringify({ version: 2, status: 1, features: { 'metadata.version': { max_version_level: 7 } } })));
    expect(await p.waitForExit(20_000)).toBe(1);
    const fatal = p.logs.filter((l) => l.level === 60).map((l) => l.msg).join('\n');
    expect(fatal).toMatch(/Failed to process feature ZK node change event.*incompatible finalized features \(metadata\.version=7\)/);
    expect(await s.exists('/brokers/ids/1')).toBeNull(); // shut down, session closed
  });
});
