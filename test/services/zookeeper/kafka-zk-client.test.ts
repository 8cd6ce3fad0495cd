import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startZooKeeper, type ZooKeeperServer } from '../../helpers/zookeeper-server.js';
import { ZkSession } from '../../../src/services/zookeeper/zk-session.js';
import {
  ensureChroot, createTopLevelPaths, getOrCreateClusterId, generateBrokerId, registerBroker,
  BrokerIdAlreadyRegisteredError, tryElectController, getControllerId, readFeatureZNode, ensureFeatureZNode,
  createLogDirEventNotification,
} from '../../../src/services/zookeeper/kafka-zk-client.js';
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
