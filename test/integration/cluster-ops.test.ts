/**
 * Operating a cluster (issue 15) on one shared 3-broker cluster: DeleteRecords moving the log start offset on the
 * leader and (through fetch responses) the followers, with each broker's log-start-offset-checkpoint; DescribeCluster;
 * DescribeLogDirs; ElectLeaders (preferred, unclean) and the legacy preferred-replica-election znode. Requests go through Rafka's admin client (services/admin/admin-client.ts), which speaks only the
 * Kafka protocol.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { AdminClient } from '../../src/services/admin/admin-client.js';
import { ErrorCode } from '../../src/protocol/errors.js';

/** The slower scenarios (broker restarts, session expiries): `npm run test:cluster-ops:full`. */
const FULL = process.env.RAFKA_CLUSTER_OPS_FULL === '1';

let zk: ZooKeeperServer;
let c: Cluster;
let admin: AdminClient;

beforeAll(async () => {
  zk = await startZooKeeper();
  c = await startCluster({
    zkConnect: zk.connectString,
    props: {
      'auto.create.topics.enable': 'false',
      'log.initial.task.delay.ms': '0',
      'log.flush.start.offset.checkpoint.interval.ms': '300',
      'zookeeper.session.timeout.ms': '6000',
      // the auto leader rebalance would race the ElectLeaders checks: its own (opt-in) test below
      'auto.leader.rebalance.enable': 'false',
    },
  });
  await c.waitForMetadata();
  admin = new AdminClient({ bootstrap: c.bootstrap, requestTimeoutMs: 30_000 });
}, 120_000);
afterAll(async () => {
  admin?.close();
  await c?.close();
  await zk?.close();
});

export async function createTopic(a: AdminClient, cl: Cluster, name: string, partitions: number, rf: number, configs: Record<string, string> = {}, assignments?: number[][]): Promise<void> {
  const r = await a.sendToController(19, {
    topics: [{ name, numPartitions: assignments ? -1 : partitions, replicationFactor: assignments ? -1 : rf,
      assignments: (assignments ?? []).map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })), configs: Object.entries(configs).map(([k, value]) => ({ name: k, value })) }],
    timeoutMs: 30_000, validateOnly: false,
  }, (b) => b.topics.some((t) => t.errorCode === ErrorCode.NOT_CONTROLLER));
  expect(r.body.topics[0]!.errorCode).toBe(0);
  const all = Array.from({ length: rf }, (_, i) => i + 1);
  for (let p = 0; p < partitions; p++) if (rf === 3) await cl.waitForIsr(name, p, all);
}

async function produce(topic: string, n: number): Promise<void> {
  const kafka = new Kafka({ clientId: 'cluster-ops-producer', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING });
  const p = kafka.producer({ allowAutoTopicCreation: false });
  await p.connect();
  try {
    for (let i = 0; i < n; i += 10) {
      await p.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, j) => ({ value: `v${i + j}` })) });
    }
  } finally { await p.disconnect(); }
}

async function checkpointOffset(brokerId: number, topic: string, partition: number): Promise<bigint | null> {
  const file = join(c.broker(brokerId).logDirs[0]!, 'log-start-offset-checkpoint');
  const text = await readFile(file, 'utf8').catch(() => '');
  for (const line of text.split('\n').slice(2)) {
    const [t, p, o] = line.trim().split(' ');
    if (t === topic && Number(p) === partition) return BigInt(o!);
  }
  return null;
}

describe('DeleteRecords', () => {
  it('moves the log start offset on the leader and the followers, checkpointed on each broker', async () => {
    await createTopic(admin, c, 'trim', 1, 3);
    await produce('trim', 100);
    const leader = (await c.waitForLeader('trim', 0)).leader;
    const r = await admin.sendTo(leader, 21, { topics: [{ name: 'trim', partitions: [{ partitionIndex: 0, offset: 40n }] }], timeoutMs: 30_000 });
    const res = r.body.topics[0]!.partitions[0]!;
    expect(res.errorCode).toBe(0);
    // the low watermark is the smallest log start offset of the ISR: the followers took 40 too
    expect(res.lowWatermark).toBe(40n);
    const earliest = await admin.sendTo(leader, 2, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'trim', partitions: [{ partitionIndex: 0, timestamp: -2n }] }] });
    expect(earliest.body.topics[0]!.partitions[0]!.offset).toBe(40n);
    for (const id of c.ids) await c.waitFor(async () => (await checkpointOffset(id, 'trim', 0)) === 40n, `broker ${id} checkpoints log start offset 40`, 30_000);

    // -1 = up to the high watermark (100); above the HW → OFFSET_OUT_OF_RANGE; elsewhere → NOT_LEADER_OR_FOLLOWER
    const hw = await admin.sendTo(leader, 21, { topics: [{ name: 'trim', partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 30_000 });
    expect(hw.body.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, lowWatermark: 100n });
    const tooFar = await admin.sendTo(leader, 21, { topics: [{ name: 'trim', partitions: [{ partitionIndex: 0, offset: 500n }] }], timeoutMs: 1000 });
    expect(tooFar.body.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const other = c.ids.find((id) => id !== leader)!;
    const notLeader = await admin.sendTo(other, 21, { topics: [{ name: 'trim', partitions: [{ partitionIndex: 0, offset: 10n }] }, { name: 'nope', partitions: [{ partitionIndex: 0, offset: 1n }] }], timeoutMs: 1000 });
    expect(notLeader.body.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(notLeader.body.topics[1]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, lowWatermark: -1n });
  }, 120_000);

  it('refuses a compacted topic (POLICY_VIOLATION)', async () => {
    await createTopic(admin, c, 'trim-compact', 1, 3, { 'cleanup.policy': 'compact' });
    const leader = (await c.waitForLeader('trim-compact', 0)).leader;
    const r = await admin.sendTo(leader, 21, { topics: [{ name: 'trim-compact', partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 1000 });
    expect(r.body.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.POLICY_VIOLATION);
  }, 60_000);
});

describe('DescribeCluster and DescribeLogDirs', () => {
  it('DescribeCluster lists the three brokers and the controller', async () => {
    const controller = await c.controller();
    for (const id of c.ids) {
      const r = await admin.sendTo(id, 60, { includeClusterAuthorizedOperations: false });
      expect(r.version).toBe(1);
      expect(r.body.errorCode).toBe(0);
      expect(r.body.controllerId).toBe(controller);
      expect(r.body.brokers.map((b) => b.brokerId)).toEqual([1, 2, 3]);
      expect(r.body.brokers.map((b) => `${b.host}:${b.port}`)).toEqual(c.ids.map((i) => c.broker(i).address));
    }
    const bad = await admin.sendTo(1, 60, { includeClusterAuthorizedOperations: false, endpointType: 2 });
    expect(bad.body.errorCode).toBe(ErrorCode.MISMATCHED_ENDPOINT_TYPE);
  });

  it('DescribeLogDirs lists each broker\'s dir with its partitions, sizes and lags', async () => {
    await createTopic(admin, c, 'dirs', 2, 3);
    await produce('dirs', 20);
    for (const id of c.ids) {
      const r = await admin.sendTo(id, 35, { topics: [{ topic: 'dirs', partitions: [0, 1] }] });
      expect(r.version).toBe(4);
      expect(r.body.results).toHaveLength(1);
      const dir = r.body.results[0]!;
      expect(dir.errorCode).toBe(0);
      expect(dir.logDir).toBe(c.broker(id).logDirs[0]);
      expect(dir.totalBytes).toBeGreaterThan(0n);
      const t = dir.topics.find((x) => x.name === 'dirs')!;
      expect(t.partitions.map((p) => p.partitionIndex)).toEqual([0, 1]);
      expect(t.partitions.reduce((s, p) => s + p.partitionSize, 0n)).toBeGreaterThan(0n);
      for (const p of t.partitions) { expect(p.isFutureKey).toBe(false); expect(p.offsetLag).toBeGreaterThanOrEqual(0n); }
      // other topics are listed without partitions (as Kafka): only the requested ones are described
      for (const o of dir.topics.filter((x) => x.name !== 'dirs')) expect(o.partitions).toEqual([]);
    }
    const all = await admin.sendTo(1, 35, { topics: null });
    expect(all.body.results[0]!.topics.find((t) => t.name === 'trim')?.partitions.map((p) => p.partitionIndex)).toEqual([0]);
  }, 60_000);
});

describe('leader elections', () => {
  const elect = (type: number, topicPartitions: Array<{ topic: string; partitions: number[] }> | null) =>
    admin.sendToController(43, { electionType: type, topicPartitions, timeoutMs: 30_000 }, (b) => b.replicaElectionResults.some((r) => r.partitionResult.some((p) => p.errorCode === ErrorCode.NOT_CONTROLLER)));
  const resultOf = (b: { replicaElectionResults: Array<{ topic: string; partitionResult: Array<{ partitionId: number; errorCode: number }> }> }, topic: string, p: number) =>
    b.replicaElectionResults.find((r) => r.topic === topic)?.partitionResult.find((x) => x.partitionId === p)?.errorCode;

  /** Stops broker 1 (controlled shutdown moves its leadership away) and starts it again, back in the ISR. */
  async function bounceBroker1(topic: string): Promise<void> {
    await c.terminate(1);
    await c.waitForLeader(topic, 0, { not: 1 });
    await c.start(1);
    await c.waitForIsr(topic, 0, [1, 2, 3], 60_000);
    await c.waitForMetadata();
  }

  it('ElectLeaders PREFERRED moves leadership back to the first replica; NOT_CONTROLLER elsewhere; ELECTION_NOT_NEEDED after', async () => {
    await createTopic(admin, c, 'pref', 1, 3, {}, [[1, 2, 3]]);
    await bounceBroker1('pref');
    expect((await c.partitionState('pref', 0))!.leader).not.toBe(1);
    const controller = (await c.controller())!;
    const other = c.ids.find((id) => id !== controller)!;
    const refused = await admin.sendTo(other, 43, { electionType: 0, topicPartitions: [{ topic: 'pref', partitions: [0] }], timeoutMs: 5000 });
    expect(resultOf(refused.body, 'pref', 0)).toBe(ErrorCode.NOT_CONTROLLER);
    const r = await elect(0, [{ topic: 'pref', partitions: [0] }, { topic: 'nope', partitions: [0] }]);
    expect(r.body.errorCode).toBe(0);
    expect(resultOf(r.body, 'pref', 0)).toBe(ErrorCode.NONE);
    expect(resultOf(r.body, 'nope', 0)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await c.partitionState('pref', 0))!.leader).toBe(1);
    expect(resultOf((await elect(0, [{ topic: 'pref', partitions: [0] }])).body, 'pref', 0)).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    // all partitions: the ones that needed nothing are left out
    const all = await elect(0, null);
    expect(resultOf(all.body, 'pref', 0)).toBeUndefined();
  }, 120_000);

  it.runIf(FULL)('the legacy /admin/preferred_replica_election znode is acted on and deleted', async () => {
    await bounceBroker1('pref');
    await c.zk.create('/admin/preferred_replica_election', Buffer.from(JSON.stringify({ version: 1, partitions: [{ topic: 'pref', partition: 0 }] })));
    await c.waitFor(async () => (await c.partitionState('pref', 0))?.leader === 1, 'leader 1 again', 30_000);
    await c.waitFor(async () => (await c.zk.exists('/admin/preferred_replica_election')) === null, 'znode deleted', 30_000);
  }, 120_000);

  it.runIf(FULL)('ElectLeaders UNCLEAN elects an out-of-sync replica of an offline partition', async () => {
    await createTopic(admin, c, 'unclean', 1, 2, { 'min.insync.replicas': '1' }, [[2, 3]]);
    await c.waitForIsr('unclean', 0, [2, 3]);
    await c.terminate(3);
    await c.waitForIsr('unclean', 0, [2]);
    await c.kill(2);
    await c.waitFor(async () => (await c.partitionState('unclean', 0))?.leader === -1, 'unclean offline', 30_000);
    await c.start(3);
    await c.waitFor(async () => (await c.liveBrokers()).includes(3), 'broker 3 registered');
    // preferred cannot help (3 is not in the ISR); unclean can
    expect(resultOf((await elect(0, [{ topic: 'unclean', partitions: [0] }])).body, 'unclean', 0)).toBe(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    const r = await elect(1, [{ topic: 'unclean', partitions: [0] }, { topic: 'pref', partitions: [0] }]);
    expect(resultOf(r.body, 'unclean', 0)).toBe(ErrorCode.NONE);
    expect(resultOf(r.body, 'pref', 0)).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    const st = (await c.partitionState('unclean', 0))!;
    expect(st.leader).toBe(3);
    expect(st.isr).toEqual([3]);
    await c.start(2);
    await c.waitForIsr('unclean', 0, [2, 3], 60_000);
  }, 120_000);
});
