import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startZooKeeper, type ZooKeeperServer } from '../../helpers/zookeeper-server.js';
import { ZkSession } from '../../../src/services/zookeeper/zk-session.js';
import {
  ensureChroot, createTopLevelPaths, getOrCreateClusterId, generateBrokerId, registerBroker,
  BrokerIdAlreadyRegisteredError, tryElectController, getControllerId, readFeatureZNode, ensureFeatureZNode,
  createLogDirEventNotification, retryUntilConnected,
} from '../../../src/services/zookeeper/kafka-zk-client.js';
import { registerBrokerInZooKeeper, type SlowRegistration } from '../../../src/services/server/broker-registration.js';
import { PERSISTENT_ZK_PATHS, BrokerIdZNode, type BrokerInfo } from '../../../src/services/zookeeper/zk-data.js';

let zk: ZooKeeperServer;
const sessions: ZkSession[] = [];
let n = 0;

async function session(chroot = `/t${n}`): Promise<ZkSession> {
  await ensureChroot(`${zk.connectString}${chroot}`, 6000, 5000);
  const s = new ZkSession(`${zk.connectString}${chroot}`, { sessionTimeoutMs: 6000 });
  sessions.push(s);
  await s.connect(5000);
  return s;
}

const broker = (id: number, port = 9092): BrokerInfo => ({
  id, rack: null, jmxPort: -1, timestamp: 1, features: {},
  endpoints: [{ listenerName: 'PLAINTEXT', host: 'localhost', port, securityProtocol: 'PLAINTEXT' }],
});

beforeAll(async () => { zk = await startZooKeeper(); });
afterAll(async () => { sessions.forEach((s) => s.close()); await zk?.close(); });

describe('KafkaZkClient against a real ZooKeeper', () => {
  it('creates the chroot and every persistent path idempotently', async () => {
    n++;
    const s = await session();
    await createTopLevelPaths(s);
    await createTopLevelPaths(s);
    for (const p of PERSISTENT_ZK_PATHS) expect(await s.exists(p), p).not.toBeNull();
    const root = new ZkSession(zk.connectString, { sessionTimeoutMs: 6000 });
    sessions.push(root);
    await root.connect(5000);
    expect(await root.exists(`/t${n}/brokers/ids`)).not.toBeNull();
  });

  it('creates the cluster id once, in Kafka JSON, and then reads it back', async () => {
    n++;
    const s = await session();
    const id = await getOrCreateClusterId(s);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(JSON.parse((await s.getData('/cluster/id')).data!.toString())).toEqual({ version: '1', id });
    expect(await getOrCreateClusterId(s)).toBe(id);
  });

  it('generates broker ids from /brokers/seqid starting at reserved.broker.max.id + 1', async () => {
    n++;
    const s = await session();
    await createTopLevelPaths(s);
    expect(await generateBrokerId(s, 1000)).toBe(1001);
    expect(await generateBrokerId(s, 1000)).toBe(1002);
  });

  it('registers an ephemeral broker znode and refuses a duplicate from another live session', async () => {
    n++;
    const a = await session();
    const b = await session(`/t${n}`);
    await createTopLevelPaths(a);
    const epoch = await registerBroker(a, broker(1));
    expect(epoch > 0n).toBe(true);
    const node = await a.getData('/brokers/ids/1');
    expect(node.stat.ephemeralOwner.toString('hex')).toBe(a.sessionId);
    const decoded = JSON.parse(node.data!.toString());
    expect(decoded).toMatchObject({ version: 5, host: 'localhost', port: 9092, jmx_port: -1, endpoints: ['PLAINTEXT://localhost:9092'], features: {} });
    expect(BrokerIdZNode.decode(1, node.data).endpoints[0]).toMatchObject({ host: 'localhost', port: 9092 });
    await expect(registerBroker(b, broker(1))).rejects.toBeInstanceOf(BrokerIdAlreadyRegisteredError);
    // Re-registering from the owning session is idempotent.
    expect(await registerBroker(a, broker(1))).toBe(epoch);
    a.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(await b.exists('/brokers/ids/1')).toBeNull(); // ephemeral gone with its session
  });

  it("fails at once on another live broker's registration (Kafka's NodeExists), but waits out a crashed earlier process of itself (same endpoints)", async () => {
    n++;
    const other = await session();
    const me = await session(`/t${n}`);
    await createTopLevelPaths(other);
    await registerBroker(other, broker(1, 9093)); // another broker with id 1, elsewhere
    const t0 = Date.now();
    const waits: string[] = [];
    await expect(registerBroker(me, broker(1), [], { staleWaitMs: 5000, onWaiting: (o) => waits.push(o) }))
      .rejects.toThrow(/node already exists and owner '0x[0-9a-f]+' does not match current session/);
    expect(Date.now() - t0, 'no wait for a live duplicate').toBeLessThan(2000);
    expect(waits).toEqual([]);
    other.close();
    await new Promise((r) => setTimeout(r, 300));
    // Our own endpoints, held by a session that is not ours: our crashed predecessor. Wait for it to go.
    const ghost = await session(`/t${n}`);
    await registerBroker(ghost, broker(1));
    const registering = registerBroker(me, broker(1), [], { staleWaitMs: 5000, onWaiting: (o) => waits.push(o) });
    await new Promise((r) => setTimeout(r, 300));
    expect(waits).toEqual([ghost.sessionId]);
    ghost.close();
    expect(await registering > 0n).toBe(true);
    expect((await me.getData('/brokers/ids/1')).stat.ephemeralOwner.toString('hex')).toBe(me.sessionId);
  });

  it("creates again when the predecessor's registration goes away while it is read (Kafka's getAfterNodeExists NONODE)", async () => {
    n++;
    const me = await session();
    const ghost = await session(`/t${n}`);
    await createTopLevelPaths(me);
    await registerBroker(ghost, broker(1)); // a crashed earlier process of this broker, session not yet expired
    // The ghost's session ends right after our create was refused, before we read the node: the read finds nothing.
    let injected = false;
    const racing = new Proxy(me, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (prop !== 'getDataOrNull' && prop !== 'exists') return typeof v === 'function' ? v.bind(target) : v;
        return async (path: string, ...rest: unknown[]) => {
          if (prop === 'getDataOrNull' && path === '/brokers/ids/1' && !injected) {
            injected = true;
            ghost.close();
            const deadline = Date.now() + 10_000;
            while (await target.exists(path)) {
              if (Date.now() > deadline) throw new Error('ghost registration never went away');
              await new Promise((r) => setTimeout(r, 20));
            }
          }
          return (v as (...a: unknown[]) => unknown).call(target, path, ...rest);
        };
      },
    });
    const waits: string[] = [];
    const epoch = await registerBroker(racing, broker(1), [], { staleWaitMs: 5000, onWaiting: (o) => waits.push(o) });
    expect(injected).toBe(true);
    expect(epoch > 0n).toBe(true);
    expect((await me.getData('/brokers/ids/1')).stat.ephemeralOwner.toString('hex')).toBe(me.sessionId);
    expect(waits).toEqual([]); // nothing to wait for: it was gone
  });

  it('a registration held by ZooKeeper reports which call it waits on (broker-registration.ts)', async () => {
    n++;
    const me = await session();
    await createTopLevelPaths(me);
    // ZooKeeper never answers the create (the connection and the session stay fine): the call is withheld.
    const held = new Proxy(me, {
      get(target, prop, receiver) {
        if (prop === 'create') return () => new Promise(() => undefined);
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const reports: SlowRegistration[] = [];
    const abort = new AbortController();
    void registerBrokerInZooKeeper(held, broker(1), [], { staleWaitMs: 5000, signal: abort.signal, slowAfterMs: 50, onSlow: (r) => reports.push(r) });
    const deadline = Date.now() + 10_000;
    while (reports.length < 2) {
      if (Date.now() > deadline) throw new Error(`only ${reports.length} reports`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(reports[0]).toMatchObject({ step: 'creating ephemeral /brokers/ids/1', connected: true, sessionId: me.sessionId });
    expect(reports[1]!.elapsedMs).toBeGreaterThan(reports[0]!.elapsedMs);
    abort.abort();
  });

  it('retryUntilConnected on a closed session fails at once instead of spinning or waiting for ever', async () => {
    n++;
    const s = await session();
    s.close(); // while connected: the library answers CONNECTION_LOSS at once and still says SYNC_CONNECTED
    let calls = 0;
    const op = () => (++calls > 50 ? Promise.reject(new Error('spun: retried at once, again and again')) : s.getData('/'));
    await expect(retryUntilConnected(s, op)).rejects.toThrow(/session closed/);
    expect(calls).toBe(1);
    expect(s.isConnected).toBe(false);
  });

  it('elects exactly one controller and bumps the controller epoch', async () => {
    n++;
    const a = await session();
    const b = await session(`/t${n}`);
    const [ra, rb] = await Promise.all([tryElectController(a, 1), tryElectController(b, 2)]);
    expect([ra.elected, rb.elected].filter(Boolean)).toHaveLength(1);
    const winner = ra.elected ? 1 : 2;
    expect(await getControllerId(a)).toBe(winner);
    expect((await a.getData('/controller_epoch')).data!.toString()).toBe('1');
    expect(JSON.parse((await a.getData('/controller')).data!.toString())).toMatchObject({ version: 2, brokerid: winner, kraftControllerEpoch: -1 });
  });

  it('reads /feature as Kafka writes it and creates it enabled and empty', async () => {
    n++;
    const s = await session();
    expect(await readFeatureZNode(s)).toEqual({ data: null, epoch: -1 });
    await ensureFeatureZNode(s);
    const r = await readFeatureZNode(s);
    expect(r.data).toEqual({ version: 2, status: 'enabled', features: {} });
    expect(r.epoch).toBe(0);
  });

  it('writes log dir event notifications as sequential znodes', async () => {
    n++;
    const s = await session();
    await createTopLevelPaths(s);
    const p = await createLogDirEventNotification(s, 3);
    expect(p).toMatch(/\/log_dir_event_notification\/log_dir_event_\d{10}$/);
    expect(JSON.parse((await s.getData(p)).data!.toString())).toEqual({ version: 1, broker: 3, event: 1 });
  });
});
