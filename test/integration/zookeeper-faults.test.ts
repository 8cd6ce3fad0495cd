/**
 * ZooKeeper faults against the real broker process: absent at start, stopped and restarted while
 * running, session expiry. While ZooKeeper is away the broker must wait quietly (< 5% of a core)
 * and recover by itself — the Rust original spun at 100% here.
 */
import { describe, it, expect, afterAll, afterEach } from 'vitest';
import { startZooKeeper, freePort, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, inspectZk, cleanupAll, eventually } from './support.js';
import { CreateMode } from '../../src/services/zookeeper/zk-session.js';

const servers: ZooKeeperServer[] = [];
afterEach(async () => { await stopAllBrokers(); for (const s of servers.splice(0)) await s.close(); });
afterAll(async () => { await cleanupAll(); });

async function zookeeper(tickTime = 500): Promise<ZooKeeperServer> {
  const s = await startZooKeeper({ tickTime });
  servers.push(s);
  return s;
}

/** Fraction of one core the process used over `ms`. */
async function cpuShare(p: BrokerProcess, ms: number): Promise<number> {
  const c0 = await p.cpuSeconds();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  const c1 = await p.cpuSeconds();
  return (c1 - c0) / ((Date.now() - t0) / 1000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ZooKeeper faults', () => {
  it('waits quietly for an absent ZooKeeper, then fails with Kafka\'s timeout error', async () => {
    const port = await freePort();
    const fake = { connectString: `127.0.0.1:${port}` } as ZooKeeperServer;
    const b = await brokerConfig(fake, { 'zookeeper.connection.timeout.ms': '11000' });
    const p = startBroker(b);
    await p.waitForLog((l) => l.msg.startsWith('Connecting to ZooKeeper'));
    const share = await cpuShare(p, 10_000);
    expect(share, `CPU share while waiting: ${share}`).toBeLessThan(0.05);
    expect(await p.waitForExit(10_000)).toBe(1);
    const fatal = p.logs.filter((l) => l.level === 60).map((l) => l.msg).join('\n');
    expect(fatal).toMatch(new RegExp(`Timed out waiting for connection to ZooKeeper at 127\\.0\\.0\\.1:${port}/it.* \\(zookeeper\\.connection\\.timeout\\.ms=11000\\)`));
  }, 40_000);

  it('goes degraded while ZooKeeper is stopped, burns < 5% CPU, and recovers with nothing lost', async () => {
    const zk = await zookeeper(1000); // session timeouts up to 20 s
    const b = await brokerConfig(zk, { 'zookeeper.session.timeout.ms': '20000' });
    const p = startBroker(b);
    await p.waitForLog(started);
    const s0 = await inspectZk(zk, b.chroot);
    const czxid = (await s0.getData('/brokers/ids/1')).stat.czxid.toString('hex');
    s0.close();
    await zk.stop();
    await p.waitForLog((l) => l.msg.startsWith('Disconnected from ZooKeeper'));
    const share = await cpuShare(p, 10_500);
    expect(share, `CPU share during outage: ${share}`).toBeLessThan(0.05);
    expect(p.logs.some((l) => l.msg.startsWith('Still waiting for ZooKeeper'))).toBe(true);
    await zk.start();
    await p.waitForLog((l) => l.msg === 'Reconnected to ZooKeeper', 20_000);
    const s1 = await inspectZk(zk, b.chroot);
    // Same session, same registration: the ephemeral survived the outage.
    expect((await s1.getData('/brokers/ids/1')).stat.czxid.toString('hex')).toBe(czxid);
    expect(p.logs.some((l) => l.msg.includes('session expired'))).toBe(false);
    expect(p.exited).toBe(false);
    expect(await p.stop()).toBe(0);
  }, 60_000);

  it('re-registers exactly once and re-elects after its session expires', async () => {
    const zk = await zookeeper(500);
    const b = await brokerConfig(zk, { 'zookeeper.session.timeout.ms': '3000' });
    const p = startBroker(b);
    await p.waitForLog(started);
    await p.waitForLog((l) => l.actor === 'controller' && l.controllerId === 1);
    const s = await inspectZk(zk, b.chroot);
    const before = await s.getData('/brokers/ids/1');
    // A process pause longer than the session timeout (as a long GC pause would be).
    p.signal('SIGSTOP');
    await eventually(async () => (await s.exists('/brokers/ids/1')) === null, 15_000, 'the expired ephemeral to vanish');
    p.signal('SIGCONT');
    await p.waitForLog((l) => l.msg.startsWith('Re-registered broker 1'), 20_000);
    const after = await eventually(() => s.getData('/brokers/ids/1'), 10_000, 're-registration');
    expect(after.stat.czxid.toString('hex')).not.toBe(before.stat.czxid.toString('hex'));
    expect(after.stat.ephemeralOwner.toString('hex')).not.toBe(before.stat.ephemeralOwner.toString('hex'));
    await eventually(async () => (await s.exists('/controller')) !== null, 10_000, 'a controller');
    await sleep(1500); // any duplicate re-registration or election would show up by now
    expect(p.logs.filter((l) => l.msg.startsWith('Re-registered broker')).length).toBe(1);
    expect(p.logs.filter((l) => l.msg.startsWith('ZooKeeper session expired')).length).toBe(1);
    const elections = p.logs.filter((l) => l.actor === 'controller' && l.controllerId !== undefined);
    expect(elections.length).toBe(2);
    expect(JSON.parse((await s.getData('/controller')).data!.toString()).brokerid).toBe(1);
    // Watches were re-armed on the new session: config changes and /feature changes still arrive.
    await s.create('/config/brokers/1', Buffer.from(JSON.stringify({ version: 1, config: { 'log.retention.ms': '777' } })));
    await s.create('/config/changes/config_change_', Buffer.from(JSON.stringify({ version: 2, entity_path: 'brokers/1' })), CreateMode.PERSISTENT_SEQUENTIAL);
    const applied = await p.waitForLog((l) => l.msg === 'Applied dynamic broker config', 10_000);
    expect(applied.changed).toEqual({ 'log.retention.ms': '777' });
    await s.setData('/feature', Buffer.from(JSON.stringify({ version: 2, status: 0, features: {} })));
    await p.waitForLog((l) => l.msg === 'Finalized features updated' && l.epoch === -1, 10_000);
    expect(await p.stop()).toBe(0);
  }, 60_000);

  it('survives ZooKeeper being down longer than the session timeout, and is registered again afterwards', async () => {
    const zk = await zookeeper(500);
    const b = await brokerConfig(zk, { 'zookeeper.session.timeout.ms': '3000' });
    const p = startBroker(b);
    await p.waitForLog(started);
    await zk.stop();
    await sleep(6000);
    await zk.start();
    const s = await inspectZk(zk, b.chroot);
    await eventually(async () => (await s.exists('/brokers/ids/1')) !== null, 20_000, 'registration after the outage');
    // The registration seen first may be the old session's, revived by the restarted ZooKeeper; past its timeout
    // that one expires, and the broker must then register again with a new session (on a loaded CI machine the
    // new session can take seconds: CI once saw the gap, so wait for the condition instead of sampling once).
    await sleep(4000);
    await eventually(async () => (await s.exists('/brokers/ids/1')) !== null, 20_000, 'registration once the old session has expired');
    expect(p.logs.filter((l) => l.msg.startsWith('Re-registered broker')).length).toBeLessThanOrEqual(1);
    expect(p.exited).toBe(false);
    expect(await p.stop()).toBe(0);
  }, 60_000);
});
