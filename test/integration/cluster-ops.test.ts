/**
 * Operating a cluster (issue 15) on one shared 3-broker cluster: DeleteRecords moving the log start offset on the
 * leader and (through fetch responses) the followers, with each broker's log-start-offset-checkpoint; DescribeCluster;
 * DescribeLogDirs; ElectLeaders (preferred, unclean) and the legacy preferred-replica-election znode. Requests go through Rafka's admin client (services/admin/admin-client.ts), which speaks only the
 * Kafka protocol.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, readdir, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { AdminClient } from '../../src/services/admin/admin-client.js';
import { readPartition } from '../helpers/fault-checker.js';
import { runCommand as runProcess } from './support.js';
import { RAFKA_BIN } from '../helpers/broker-process.js';
import { run as topicsCmd } from '../../src/commands/topics.js';
import { run as reassignCmd } from '../../src/commands/reassign.js';
import { run as electCmd } from '../../src/commands/leader-election.js';
import { run as deleteRecordsCmd } from '../../src/commands/delete-records.js';
import { run as logDirsCmd } from '../../src/commands/log-dirs.js';
import { run as groupsCmd } from '../../src/commands/consumer-groups.js';
import { run as configsCmd } from '../../src/commands/configs.js';
import { ErrorCode } from '../../src/protocol/errors.js';

/** The slower scenarios (broker restarts, session expiries, a kcat consumer group): `npm run test:cluster-ops:full`. */
const FULL = process.env.RAFKA_CLUSTER_OPS_FULL === '1';

const RACK_OF: Record<number, string> = { 1: 'rack-a', 2: 'rack-b', 3: 'rack-a' };
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
      'group.initial.rebalance.delay.ms': '0',
      'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector',
      // small follower fetches so that a throttled move is paced (the opt-in throttle-rate test)
      ...(FULL ? { 'replica.fetch.max.bytes': '65536' } : {}),
    },
    // two racks: a = brokers 1 and 3, b = broker 2 (rack-aware assignment, KIP-392 fetch from follower)
    brokerProps: (id) => ({ 'broker.rack': RACK_OF[id]! }),
    // two log dirs per broker: AlterReplicaLogDirs moves replicas between them
    logDirsPerBroker: 2,
  });
  await c.waitForMetadata();
  admin = new AdminClient({ bootstrap: c.bootstrap, requestTimeoutMs: 30_000 });
}, 120_000);
afterAll(async () => {
  // a broker that died during the run: say why (its last error lines and stderr)
  for (const id of c?.ids ?? []) {
    const p = c.broker(id).process;
    if (p?.exited) console.log(`broker ${id} exited (${p.exitCode}):\n${p.logs.filter((l) => l.level >= 50).slice(-10).map((l) => JSON.stringify(l)).join('\n')}\n${p.stderr.slice(-30).join('\n')}`);
  }
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
  // CreateTopics answers once the controller wrote the topic; each broker learns it from its UpdateMetadata a moment
  // later, and the CLI asks whichever broker it reaches first (CI saw --generate fail on a broker that had not yet).
  const want = assignments?.length ?? partitions;
  await cl.waitFor(async () => {
    for (const id of cl.ids) {
      if (!cl.broker(id).running) continue;
      const m = await runProcess('kcat', ['-b', cl.broker(id).address, '-L', '-t', name, '-J', '-m', '5'], undefined, 10_000);
      if (m.code !== 0) return false;
      const t = (JSON.parse(m.stdout) as { topics: Array<{ topic: string; partitions: Array<{ leader: number }> }> }).topics.find((x) => x.topic === name);
      if (!t || t.partitions.length !== want || t.partitions.some((p) => p.leader < 0)) return false;
    }
    return true;
  }, `${name} with a leader per partition in every broker's metadata`, 30_000);
  const all = Array.from({ length: rf }, (_, i) => i + 1);
  for (let p = 0; p < partitions; p++) if (rf === 3) await cl.waitForIsr(name, p, all);
}

async function produce(topic: string, n: number, prefix = 'v'): Promise<void> {
  const kafka = new Kafka({ clientId: 'cluster-ops-producer', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING });
  const p = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  try {
    for (let i = 0; i < n; i += 10) {
      await p.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, j) => ({ value: `${prefix}${i + j}` })) });
    }
  } finally { await p.disconnect(); }
}

/** `batches` acks=all sends of ten 10 KB values (100 KB each) with `producer`; the values sent. */
async function produceBig(producer: { send(r: { topic: string; acks: number; messages: Array<{ value: string }> }): Promise<unknown> }, topic: string, batches: number): Promise<string[]> {
  const sent: string[] = [];
  const pad = 'x'.repeat(10_000);
  for (let i = 0; i < batches; i++) {
    const values = Array.from({ length: 10 }, (_, j) => `big-${i * 10 + j}-${pad}`);
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    sent.push(...values);
  }
  return sent;
}

async function checkpointOffset(brokerId: number, topic: string, partition: number): Promise<bigint | null> {
  for (const d of c.broker(brokerId).logDirs) { // the partition is in one of the broker's dirs
    const text = await readFile(join(d, 'log-start-offset-checkpoint'), 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(2)) {
      const [t, p, o] = line.trim().split(' ');
      if (t === topic && Number(p) === partition) return BigInt(o!);
    }
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
    // the topic's override reaches the leader's log with the LeaderAndIsr's config load: ask until it is there
    await c.waitFor(async () => {
      const leader = (await c.waitForLeader('trim-compact', 0)).leader;
      const r = await admin.sendTo(leader, 21, { topics: [{ name: 'trim-compact', partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 1000 });
      return r.body.topics[0]!.partitions[0]!.errorCode === ErrorCode.POLICY_VIOLATION;
    }, 'POLICY_VIOLATION from the compacted topic', 20_000);
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
      expect(r.body.results.map((d) => d.logDir)).toEqual(c.broker(id).logDirs);
      const parts = r.body.results.flatMap((dir) => {
        expect(dir.errorCode).toBe(0);
        expect(dir.totalBytes).toBeGreaterThan(0n);
        // other topics are listed without partitions (as Kafka): only the requested ones are described
        for (const o of dir.topics.filter((x) => x.name !== 'dirs')) expect(o.partitions).toEqual([]);
        return dir.topics.find((x) => x.name === 'dirs')?.partitions ?? [];
      });
      expect(parts.map((p) => p.partitionIndex).sort()).toEqual([0, 1]);
      expect(parts.reduce((s, p) => s + p.partitionSize, 0n)).toBeGreaterThan(0n);
      for (const p of parts) { expect(p.isFutureKey).toBe(false); expect(p.offsetLag).toBeGreaterThanOrEqual(0n); }
    }
    const all = await admin.sendTo(1, 35, { topics: null });
    expect(all.body.results.flatMap((d) => d.topics.find((t) => t.name === 'trim')?.partitions.map((p) => p.partitionIndex) ?? [])).toEqual([0]);
  }, 60_000);
});

describe('racks', () => {
  it('CreateTopics and CreatePartitions assign rack-aware (AdminUtils): every partition spans both racks; Metadata shows the racks', async () => {
    await createTopic(admin, c, 'racked', 6, 2);
    const md = await admin.sendTo(1, 3, { topics: [{ name: 'racked' }], allowAutoTopicCreation: false });
    expect(md.body.brokers.map((b) => [b.nodeId, b.rack])).toEqual([[1, 'rack-a'], [2, 'rack-b'], [3, 'rack-a']]);
    const spansRacks = (replicas: number[]) => new Set(replicas.map((r) => RACK_OF[r])).size === 2;
    expect(md.body.topics[0]!.partitions.map((p) => p.replicaNodes).filter((r) => !spansRacks(r))).toEqual([]);
    // rack-alternated list [1,2,3]: the rack-b broker leads one partition in three
    expect(md.body.topics[0]!.partitions.filter((p) => p.replicaNodes[0] === 2)).toHaveLength(2);
    const grow = await admin.sendToController(37, { topics: [{ name: 'racked', count: 9, assignments: null }], timeoutMs: 30_000, validateOnly: false },
      (b) => b.results.some((x) => x.errorCode === ErrorCode.NOT_CONTROLLER));
    expect(grow.body.results[0]!.errorCode).toBe(0);
    await c.waitFor(async () => {
      const m = await admin.sendTo(1, 3, { topics: [{ name: 'racked' }], allowAutoTopicCreation: false });
      const ps = m.body.topics[0]!.partitions;
      return ps.length === 9 && ps.every((p) => spansRacks(p.replicaNodes));
    }, 'racked grown to 9 partitions, each spanning both racks', 30_000);
  }, 60_000);
});

describe('fetch from follower (KIP-392)', () => {
  const fetch = (broker: number, rackId: string, fetchOffset: bigint, maxVersion = 11, maxWaitMs = 0, a = admin) => a.sendTo(broker, 1, {
    replicaId: -1, maxWaitMs, minBytes: maxWaitMs > 0 ? 1 : 0, maxBytes: 1_000_000, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId,
    topics: [{ topic: 'ffr', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1_000_000 }] }],
    forgottenTopicsData: [],
  }, { maxVersion });

  it('the leader names the follower in the client\'s rack; the follower serves v11+ consumers up to its HW; kcat with client.rack reads it all', async () => {
    await createTopic(admin, c, 'ffr', 1, 3, {}, [[1, 2, 3]]);
    await c.waitForIsr('ffr', 0, [1, 2, 3]);
    await produce('ffr', 20);
    // broker 1 leads (rack-a); a rack-b consumer is sent to broker 2 once it holds the offset and is in the ISR
    const fromLeader = await fetch(1, 'rack-b', 0n);
    expect(fromLeader.version).toBe(11);
    expect(fromLeader.body.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, preferredReadReplica: 2, highWatermark: 20n });
    expect(fromLeader.body.responses[0]!.partitions[0]!.records?.length ?? 0).toBe(0);
    const sameRack = await fetch(1, 'rack-a', 0n);
    expect(sameRack.body.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, preferredReadReplica: -1 });
    expect(sameRack.body.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0);
    // the follower's HW follows the leader's with its next fetch
    const fromFollower = await c.waitFor(async () => {
      const r = (await fetch(2, 'rack-b', 0n)).body.responses[0]!.partitions[0]!;
      return r.highWatermark === 20n ? r : null;
    }, 'broker 2 serves ffr-0 up to HW 20', 30_000);
    expect(fromFollower).toMatchObject({ errorCode: 0, preferredReadReplica: -1 });
    expect(fromFollower.records!.length).toBe(sameRack.body.responses[0]!.partitions[0]!.records!.length);
    expect((await fetch(2, 'rack-b', 20n)).body.responses[0]!.partitions[0]!.records?.length ?? 0).toBe(0);
    // a consumer long-polling the follower wakes when the follower's HW moves, not at its max wait (20 s)
    const t0 = Date.now();
    const polling = fetch(2, 'rack-b', 20n, 11, 20_000);
    await produce('ffr', 10, 'w');
    const woke = (await polling).body.responses[0]!.partitions[0]!;
    expect(woke.records!.length).toBeGreaterThan(0);
    expect(woke.highWatermark).toBe(30n);
    expect(Date.now() - t0).toBeLessThan(15_000);
    // below v11 (no client metadata) a follower still refuses, as Kafka
    expect((await fetch(2, 'rack-b', 0n, 10)).body.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const k = await runProcess('kcat', ['-b', c.broker(1).address, '-C', '-t', 'ffr', '-o', 'beginning', '-c', '30', '-e', '-q', '-f', '%o\n', '-X', 'client.rack=rack-b'], undefined, 30_000);
    expect(k.code).toBe(0);
    expect(k.stdout.trim().split('\n').map(Number)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  }, 60_000);
});

describe('leader elections', () => {
  const elect = (type: number, topicPartitions: Array<{ topic: string; partitions: number[] }> | null) =>
    admin.sendToController(43, { electionType: type, topicPartitions, timeoutMs: 30_000 }, (b) => b.replicaElectionResults.some((r) => r.partitionResult.some((p) => p.errorCode === ErrorCode.NOT_CONTROLLER)));
  const resultOf = (b: { replicaElectionResults: Array<{ topic: string; partitionResult: Array<{ partitionId: number; errorCode: number }> }> }, topic: string, p: number) =>
    b.replicaElectionResults.find((r) => r.topic === topic)?.partitionResult.find((x) => x.partitionId === p)?.errorCode;

  /** Reorders the replicas (a reassignment that completes at once): the leader stays, the preferred replica changes. */
  async function reorder(topic: string, replicas: number[]): Promise<void> {
    const r = await admin.sendToController(45, { timeoutMs: 30_000, topics: [{ name: topic, partitions: [{ partitionIndex: 0, replicas }] }] }, (b) => b.errorCode === ErrorCode.NOT_CONTROLLER);
    expect(r.body.responses[0]!.partitions[0]!.errorCode).toBe(0);
    await c.waitFor(async () => (await c.assignment(topic)).get(0)?.join() === replicas.join(), `${topic} reordered to ${replicas.join()}`);
  }

  it('ElectLeaders PREFERRED moves leadership back to the first replica; NOT_CONTROLLER elsewhere; ELECTION_NOT_NEEDED after', async () => {
    await createTopic(admin, c, 'pref', 1, 3, {}, [[1, 2, 3]]);
    expect((await c.waitForLeader('pref', 0)).leader).toBe(1);
    await reorder('pref', [2, 1, 3]);
    expect((await c.partitionState('pref', 0))!.leader).toBe(1);
    const controller = (await c.controller())!;
    const other = c.ids.find((id) => id !== controller)!;
    const refused = await admin.sendTo(other, 43, { electionType: 0, topicPartitions: [{ topic: 'pref', partitions: [0] }], timeoutMs: 5000 });
    expect(resultOf(refused.body, 'pref', 0)).toBe(ErrorCode.NOT_CONTROLLER);
    const r = await elect(0, [{ topic: 'pref', partitions: [0] }, { topic: 'nope', partitions: [0] }]);
    expect(r.body.errorCode).toBe(0);
    expect(resultOf(r.body, 'pref', 0)).toBe(ErrorCode.NONE);
    expect(resultOf(r.body, 'nope', 0)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await c.partitionState('pref', 0))!.leader).toBe(2);
    expect(resultOf((await elect(0, [{ topic: 'pref', partitions: [0] }])).body, 'pref', 0)).toBe(ErrorCode.ELECTION_NOT_NEEDED);
    // all partitions: the ones that needed nothing are left out
    const all = await elect(0, null);
    expect(resultOf(all.body, 'pref', 0)).toBeUndefined();
  }, 120_000);

  it('the legacy /admin/preferred_replica_election znode is acted on and deleted', async () => {
    await reorder('pref', [1, 2, 3]);
    expect((await c.partitionState('pref', 0))!.leader).toBe(2);
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

describe('partition reassignment', () => {
  const alter = (topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; replicas: number[] | null }> }>, a = admin) =>
    a.sendToController(45, { timeoutMs: 30_000, topics }, (b) => b.errorCode === ErrorCode.NOT_CONTROLLER);
  const list = (topics: Array<{ name: string; partitionIndexes: number[] }> | null = null, a = admin) =>
    a.sendToController(46, { timeoutMs: 30_000, topics }, (b) => b.errorCode === ErrorCode.NOT_CONTROLLER);
  const hasLog = async (id: number, dir: string) => {
    for (const d of c.broker(id).logDirs) if ((await readdir(d)).includes(dir)) return true;
    return false;
  };

  async function consumeAll(topic: string, partitions: number): Promise<string[]> {
    const out: string[] = [];
    for (let p = 0; p < partitions; p++) out.push(...(await readPartition(c.bootstrap, topic, p)).map((r) => r.value));
    return out;
  }

  it('moves a replica to another broker: the new one catches up, leadership moves, the old copy is deleted', async () => {
    await createTopic(admin, c, 'move', 2, 2, { 'min.insync.replicas': '1' }, [[1, 2], [2, 1]]);
    await c.waitForIsr('move', 0, [1, 2]);
    await produce('move', 200);
    expect(await hasLog(1, 'move-0')).toBe(true);
    expect(await hasLog(3, 'move-0')).toBe(false);
    const r = await alter([{ name: 'move', partitions: [{ partitionIndex: 0, replicas: [2, 3] }] }]);
    expect(r.body.errorCode).toBe(0);
    expect(r.body.responses[0]!.partitions[0]).toMatchObject({ partitionIndex: 0, errorCode: 0 });
    await c.waitFor(async () => (await list()).body.topics.length === 0, 'reassignment done', 60_000);
    expect((await c.assignment('move')).get(0)).toEqual([2, 3]);
    const st = (await c.partitionState('move', 0))!;
    expect([2, 3]).toContain(st.leader);
    expect([...st.isr].sort()).toEqual([2, 3]);
    // the removed replica got StopReplica(delete): its dir is renamed for deletion
    await c.waitFor(async () => !(await hasLog(1, 'move-0')), 'broker 1 deletes move-0', 30_000);
    expect(await hasLog(3, 'move-0')).toBe(true);
    await produce('move', 100, 'after');
    const seen = await consumeAll('move', 2);
    expect(new Set(seen).size).toBe(300);
    expect(seen).toHaveLength(300); // idempotent producer: no duplicates either
    expect(new Set(seen).size).toBe(300);
  }, 120_000);

  it('validates, lists an ongoing reassignment, cancels it back to the original replicas; NOT_CONTROLLER elsewhere', async () => {
    const controller = (await c.controller())!;
    const other = c.ids.find((id) => id !== controller)!;
    expect((await admin.sendTo(other, 45, { timeoutMs: 1000, topics: [{ name: 'move', partitions: [{ partitionIndex: 1, replicas: [1, 2, 3] }] }] })).body.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect((await admin.sendTo(other, 46, { timeoutMs: 1000, topics: null })).body.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    const bad = await alter([{ name: 'move', partitions: [{ partitionIndex: 1, replicas: [1, 1] }, { partitionIndex: 7, replicas: [1] }] },
      { name: 'move', partitions: [] }]);
    const codes = Object.fromEntries(bad.body.responses.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.errorCode])));
    expect(codes).toEqual({ 1: ErrorCode.INVALID_REPLICA_ASSIGNMENT, 7: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect((await alter([{ name: 'move', partitions: [{ partitionIndex: 1, replicas: null }] }])).body.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
    // a frozen broker cannot catch up: the reassignment stays in progress until cancelled
    const frozen = other;
    const replicas = c.ids.filter((id) => id !== frozen);
    await createTopic(admin, c, 'cancel', 1, 2, {}, [replicas]);
    await c.waitForIsr('cancel', 0, replicas);
    // a client that does not bootstrap from the frozen broker (its requests would wait for the request timeout)
    const unfrozen = new AdminClient({ bootstrap: replicas.map((id) => c.broker(id).address).join(','), requestTimeoutMs: 30_000 });
    const alter2: typeof alter = (t) => alter(t, unfrozen);
    const list2: typeof list = (t = null) => list(t, unfrozen);
    c.pause(frozen);
    try {
      const r = await alter2([{ name: 'cancel', partitions: [{ partitionIndex: 0, replicas: [...replicas, frozen] }] }]);
      expect(r.body.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, errorMessage: null });
      const l = await list2([{ name: 'cancel', partitionIndexes: [0] }, { name: 'move', partitionIndexes: [0, 1] }]);
      expect(l.body.topics).toEqual([{ name: 'cancel', partitions: [{ partitionIndex: 0, replicas: [...replicas, frozen], addingReplicas: [frozen], removingReplicas: [] }] }]);
      const cancel = await alter2([{ name: 'cancel', partitions: [{ partitionIndex: 0, replicas: null }] }]);
      expect(cancel.body.responses[0]!.partitions[0]!.errorCode).toBe(0);
      expect((await list2()).body.topics).toEqual([]);
      expect((await c.assignment('cancel')).get(0)).toEqual(replicas);
    } finally { c.resume(frozen); unfrozen.close(); }
  }, 60_000);

  it('the legacy /admin/reassign_partitions znode: a reorder completes at once and the znode goes', async () => {
    await c.zk.create('/admin/reassign_partitions', Buffer.from(JSON.stringify({ version: 1, partitions: [{ topic: 'move', partition: 1, replicas: [1, 2] }] })));
    await c.waitFor(async () => (await c.assignment('move')).get(1)?.join() === '1,2', 'move-1 reordered to [1,2]', 30_000);
    await c.waitFor(async () => (await c.zk.exists('/admin/reassign_partitions')) === null, 'znode deleted', 30_000);
  }, 60_000);
});

describe('rafka admin commands (Kafka protocol only) against the cluster', () => {
  type Cmd = (argv: string[], io: { out: (s: string) => void; err: (s: string) => void }) => Promise<number>;
  async function cli(cmd: Cmd, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '', err = '';
    const code = await cmd(['--bootstrap-server', c.bootstrap, ...argv], { out: (x) => { out += x; }, err: (x) => { err += x; } });
    return { code, out, err };
  }
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'rafka-cli-')); });

  it('topics: create, list (the bin), describe, alter, delete; usage and unreachable exit codes', async () => {
    const created = await cli(topicsCmd, '--create', '--topic', 'cli-t', '--partitions', '2', '--replication-factor', '3', '--config', 'retention.ms=12345');
    expect(created).toMatchObject({ code: 0, out: 'Created topic cli-t.\n' });
    const listed = await runProcess('node', [RAFKA_BIN, 'topics', '--bootstrap-server', c.bootstrap, '--list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')).toContain('cli-t');
    await c.waitForIsr('cli-t', 1, [1, 2, 3]);
    const d = await cli(topicsCmd, '--describe', '--topic', 'cli-t');
    expect(d.code).toBe(0);
    const lines = d.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Topic: cli-t\tTopicId: \S+\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: retention.ms=12345$/);
    expect(lines.slice(1)).toHaveLength(2);
    expect(lines[2]).toMatch(/^\tTopic: cli-t\tPartition: 1\tLeader: [123]\tReplicas: [123],[123],[123]\tIsr: [123],[123],[123]$/);
    expect(await cli(topicsCmd, '--alter', '--topic', 'cli-t', '--partitions', '3')).toMatchObject({ code: 0 });
    await c.waitFor(async () => (await cli(topicsCmd, '--describe', '--topic', 'cli-t')).out.includes('PartitionCount: 3'), 'three partitions');
    const dup = await cli(topicsCmd, '--create', '--topic', 'cli-t', '--partitions', '1', '--replication-factor', '1');
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('TOPIC_ALREADY_EXISTS');
    expect((await cli(topicsCmd, '--topic', 'x')).code).toBe(2);
    let err = '';
    expect(await topicsCmd(['--bootstrap-server', '127.0.0.1:1', '--list'], { out: () => undefined, err: (x) => { err += x; } })).toBe(3);
    expect(err).toMatch(/No broker of 127.0.0.1:1 answered/);
  }, 60_000);

  it('delete-records and log-dirs describe', async () => {
    await produce('cli-t', 50);
    const file = join(dir, 'offsets.json');
    await writeFile(file, JSON.stringify({ version: 1, partitions: [{ topic: 'cli-t', partition: 0, offset: -1 }] }));
    const r = await cli(deleteRecordsCmd, '--offset-json-file', file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Records delete operation completed:\npartition: cli-t-0\tlow_watermark: \d+\n$/);
    const l = await cli(logDirsCmd, 'describe', '--topic-list', 'cli-t');
    expect(l.code).toBe(0);
    const json = JSON.parse(l.out.trimEnd().split('\n').pop()!) as { brokers: Array<{ broker: number; logDirs: Array<{ partitions: Array<{ partition: string; size: number }> }> }> };
    expect(json.brokers.map((b) => b.broker)).toEqual([1, 2, 3]);
    for (const b of json.brokers) expect(b.logDirs.flatMap((d) => d.partitions.map((p) => p.partition)).sort()).toEqual(['cli-t-0', 'cli-t-1', 'cli-t-2']);
    expect((await cli(topicsCmd, '--delete', '--topic', 'cli-t'))).toMatchObject({ code: 0, out: 'Deleted topic cli-t.\n' });
  }, 60_000);

  it('reassign --generate / --execute / --verify with Kafka\'s JSON, then leader-election', async () => {
    await createTopic(admin, c, 'cli-move', 2, 2, {}, [[1, 2], [2, 1]]);
    const topicsFile = join(dir, 'topics.json');
    await writeFile(topicsFile, JSON.stringify({ version: 1, topics: [{ topic: 'cli-move' }] }));
    const g = await cli(reassignCmd, '--generate', '--topics-to-move-json-file', topicsFile, '--broker-list', '2,3');
    expect(g.code).toBe(0);
    const [, current, , , proposed] = g.out.split('\n');
    expect(JSON.parse(current!).partitions.map((p: { replicas: number[] }) => p.replicas)).toEqual([[1, 2], [2, 1]]);
    const plan = JSON.parse(proposed!) as { partitions: Array<{ replicas: number[] }> };
    for (const p of plan.partitions) expect([...p.replicas].sort()).toEqual([2, 3]);
    const planFile = join(dir, 'plan.json');
    await writeFile(planFile, proposed!);
    const e = await cli(reassignCmd, '--execute', '--reassignment-json-file', planFile);
    expect(e.code).toBe(0);
    expect(e.out).toContain('Successfully started partition reassignments for cli-move-0,cli-move-1');
    await c.waitFor(async () => (await cli(reassignCmd, '--verify', '--reassignment-json-file', planFile)).code === 0, 'reassignment verified', 60_000);
    const v = await cli(reassignCmd, '--verify', '--reassignment-json-file', planFile);
    expect(v.out).toContain('Reassignment of partition cli-move-0 is completed.');
    expect((await cli(reassignCmd, '--list')).out).toBe('No partition reassignments found.\n');
    const el = await cli(electCmd, '--election-type', 'preferred', '--all-topic-partitions');
    expect(el.code).toBe(0);
    const one = await cli(electCmd, '--election-type', 'PREFERRED', '--topic', 'cli-move', '--partition', '0');
    expect(one.code).toBe(0);
    expect(one.out).toMatch(/Valid replica already elected for partitions cli-move-0|Successfully completed leader election \(PREFERRED\) for partitions cli-move-0/);
    expect((await cli(electCmd, '--election-type', 'SOMETIMES', '--all-topic-partitions')).code).toBe(2);
  }, 90_000);

  const topicConfigs = async (topic: string) => Object.fromEntries((await admin.sendAny(32, {
    resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'] }],
    includeSynonyms: false, includeDocumentation: false,
  })).body.results[0]!.configs.filter((x) => x.configSource === 1).map((x) => [x.name, x.value]));
  const brokerEntity = async (id: number) => {
    const n = await c.zk.getDataOrNull(`/config/brokers/${id}`);
    return n?.data ? (JSON.parse(n.data.toString()) as { config: Record<string, string> }).config : {};
  };
  const throttleRates = async (id: number) => {
    const e = await brokerEntity(id);
    return [e['leader.replication.throttled.rate'] ?? null, e['follower.replication.throttled.rate'] ?? null];
  };

  it('reassign --execute --throttle sets Kafka\'s throttle configs (topic lists, moving brokers\' rates); --verify clears them once done', async () => {
    await createTopic(admin, c, 'cli-thr', 1, 2, {}, [[1, 3]]);
    await produce('cli-thr', 50);
    const planFile = join(dir, 'thr.json');
    await writeFile(planFile, JSON.stringify({ version: 1, partitions: [{ topic: 'cli-thr', partition: 0, replicas: [2, 3] }] }));
    const e = await cli(reassignCmd, '--execute', '--reassignment-json-file', planFile, '--throttle', '50000000');
    expect(e.code).toBe(0);
    expect(e.out).toContain('Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.\n');
    expect(e.out).toContain('The inter-broker throttle limit was set to 50000000 B/s\n');
    // leader throttles on the sources (1, 3), follower throttle on the destination (2)
    expect(await topicConfigs('cli-thr')).toEqual({ 'leader.replication.throttled.replicas': '0:1,0:3', 'follower.replication.throttled.replicas': '0:2' });
    for (const id of [1, 2, 3]) expect(await throttleRates(id)).toEqual(['50000000', '50000000']);
    const t0 = Date.now();
    await c.waitFor(async () => (await cli(reassignCmd, '--verify', '--reassignment-json-file', planFile)).code === 0, 'throttled reassignment verified', 60_000);
    console.log(`throttled reassignment verified after ${Date.now() - t0} ms`);
    for (const id of [1, 2, 3]) expect(await throttleRates(id)).toEqual([null, null]);
    expect(await topicConfigs('cli-thr')).toEqual({});
    const again = await cli(reassignCmd, '--verify', '--reassignment-json-file', planFile);
    expect(again.out).toContain('Clearing broker-level throttles on brokers 1,2,3\nClearing topic-level throttles on topic cli-thr\n');
    expect((await cli(reassignCmd, '--verify', '--reassignment-json-file', planFile, '--throttle', '5')).code).toBe(2);
  }, 90_000);

  it('reassign log_dirs moves the leader\'s replica to its other log dir under acks=all load (AlterReplicaLogDirs, the -future mover): DescribeLogDirs shows the future replica and its lag, --verify follows it, every acked record is read back, the old copy is deleted', async () => {
    await createTopic(admin, c, 'dirmove', 1, 3, { 'min.insync.replicas': '2' }, [[1, 2, 3]]);
    const leader = 1;
    const describe = async () => (await admin.sendTo(leader, 35, { topics: [{ topic: 'dirmove', partitions: [0] }] })).body.results
      .flatMap((d) => (d.topics.find((t) => t.name === 'dirmove')?.partitions ?? []).map((p) => ({ dir: d.logDir, ...p })));
    const from = (await describe()).find((p) => !p.isFutureKey)!.dir;
    const to = c.broker(leader).logDirs.find((d) => d !== from)!;
    // a throttle low enough to hold the copy after its first round (replica.fetch.max.bytes = 1 MiB): the move is seen in progress
    const logs = c.broker(leader).process!;
    const throttled = logs.waitForLog((l) => /alterLogDirs replication throttle is now 1000 B\/s/.test(l.msg), 20_000);
    expect((await cli(configsCmd, '--alter', '--entity-type', 'brokers', '--entity-name', String(leader), '--add-config', 'replica.alter.log.dirs.io.max.bytes.per.second=1000')).code).toBe(0);
    await throttled;
    const kafka = new Kafka({ clientId: 'dirmove', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const acked = await produceBig(producer, 'dirmove', 11); // 1.1 MB before the move: more than the mover's first round (1 MiB)
    // acks=all load during the move
    let stop = false;
    let n = 0;
    const load = (async () => {
      while (!stop) {
        const values = Array.from({ length: 5 }, () => `live-${n++}`);
        await producer.send({ topic: 'dirmove', acks: -1, messages: values.map((value) => ({ value })) });
        acked.push(...values);
      }
    })();
    try {
      const planFile = join(dir, 'dirmove.json');
      await writeFile(planFile, JSON.stringify({ version: 1, partitions: [{ topic: 'dirmove', partition: 0, replicas: [1, 2, 3], log_dirs: [to, 'any', 'any'] }] }));
      const e = await cli(reassignCmd, '--execute', '--reassignment-json-file', planFile, '--replica-alter-log-dirs-throttle', '1000');
      expect(e.err).toBe('');
      expect(e.code).toBe(0);
      expect(e.out).toContain('The replica-alter-dir throttle limit was set to 1000 B/s\n');
      expect(e.out).toContain('Successfully started log directory move for: dirmove-0-1\n');
      // the -future replica in the target dir, behind the current one
      const moving = await c.waitFor(async () => {
        const ps = await describe();
        const f = ps.find((p) => p.isFutureKey);
        return f && f.dir === to && f.partitionSize > 0n && f.offsetLag > 0n ? ps : null;
      }, 'a future replica with a lag in the target dir', 30_000);
      expect(moving.find((p) => !p.isFutureKey)!.dir).toBe(from);
      const v = await cli(reassignCmd, '--verify', '--reassignment-json-file', planFile);
      expect(v.code).toBe(1);
      expect(v.out).toContain('Reassignment of replica dirmove-0-1 is still in progress.\n');
      // raise the throttle (Kafka: resubmit with --additional): the copy catches up and the logs swap under the load
      expect((await cli(reassignCmd, '--execute', '--additional', '--reassignment-json-file', planFile, '--replica-alter-log-dirs-throttle', '1000000000')).code).toBe(0);
      await c.waitFor(async () => (await cli(reassignCmd, '--verify', '--reassignment-json-file', planFile)).code === 0, 'the log dir move verified', 60_000);
      const done = await cli(reassignCmd, '--verify', '--reassignment-json-file', planFile);
      expect(done.out).toContain('Reassignment of replica dirmove-0-1 completed successfully.\n');
      expect((await brokerEntity(leader))['replica.alter.log.dirs.io.max.bytes.per.second']).toBeUndefined(); // --verify cleared it
      const before = n;
      await c.waitFor(async () => n >= before + 20, 'produce going on after the swap', 30_000);
    } finally {
      stop = true;
      await load;
      await producer.disconnect();
    }
    expect(n).toBeGreaterThan(20);
    const after = await describe();
    expect(after).toEqual([expect.objectContaining({ dir: to, isFutureKey: false })]);
    expect((await readdir(to)).includes('dirmove-0')).toBe(true);
    expect((await readdir(from)).includes('dirmove-0')).toBe(false);
    expect((await readdir(from)).some((x) => x.startsWith('dirmove-0.') && x.endsWith('-delete'))).toBe(true);
    const seen = (await readPartition(c.bootstrap, 'dirmove', 0)).map((r) => r.value);
    expect(seen.length).toBe(acked.length); // idempotent producer: every acked record once
    expect(new Set(seen)).toEqual(new Set(acked));
  }, 120_000);

  it.runIf(FULL)('a broker killed (kill -9) in the middle of a log dir move resumes it after its restart (the -future log is loaded, the mover restarts at LeaderAndIsr)', async () => {
    await createTopic(admin, c, 'dirresume', 1, 2, { 'min.insync.replicas': '1' }, [[2, 3]]);
    const mover = 3;
    const describe = async (id: number) => (await admin.sendTo(id, 35, { topics: [{ topic: 'dirresume', partitions: [0] }] })).body.results
      .flatMap((d) => (d.topics.find((t) => t.name === 'dirresume')?.partitions ?? []).map((p) => ({ dir: d.logDir, ...p })));
    const from = (await describe(mover)).find((p) => !p.isFutureKey)!.dir;
    const to = c.broker(mover).logDirs.find((d) => d !== from)!;
    const throttle = async (rate: number) => {
      const applied = c.broker(mover).process!.waitForLog((l) => l.msg === `The alterLogDirs replication throttle is now ${rate} B/s`, 20_000);
      expect((await cli(configsCmd, '--alter', '--entity-type', 'brokers', '--entity-name', String(mover), '--add-config', `replica.alter.log.dirs.io.max.bytes.per.second=${rate}`)).code).toBe(0);
      await applied;
    };
    await throttle(1000);
    const kafka = new Kafka({ clientId: 'dirresume', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await produceBig(producer, 'dirresume', 12);
      await c.waitForIsr('dirresume', 0, [2, 3]);
      const r = await admin.sendTo(mover, 34, { dirs: [{ path: to, topics: [{ name: 'dirresume', partitions: [0] }] }] });
      expect(r.body.results[0]!.partitions[0]!.errorCode).toBe(0);
      await c.waitFor(async () => (await describe(mover)).some((p) => p.isFutureKey && p.dir === to && p.offsetLag > 0n), 'the move held by the throttle', 30_000);
      await c.restart(mover, { hard: true });
      // the -future log is back, still behind (the throttle is in ZooKeeper), then released
      const resumed = await c.waitFor(async () => { const ps = await describe(mover); return ps.some((p) => p.isFutureKey && p.dir === to) ? ps : null; }, 'the future replica loaded after the restart', 60_000);
      expect(resumed.find((p) => !p.isFutureKey)!.dir).toBe(from);
      expect(c.broker(mover).process!.logs.some((l) => /Loaded future log .*dirresume-0\..*-future/.test(l.msg))).toBe(true);
      await produceBig(producer, 'dirresume', 2); // the current log moves on meanwhile
      await throttle(1_000_000_000);
      await c.waitFor(async () => { const ps = await describe(mover); return ps.length === 1 && ps[0]!.dir === to && !ps[0]!.isFutureKey; }, 'the move completed after the restart', 60_000);
      await c.waitForIsr('dirresume', 0, [2, 3], 60_000);
      // the moved replica holds what the leader holds
      await c.waitFor(async () => (await describe(mover))[0]!.partitionSize === (await describe(2))[0]!.partitionSize, 'the moved replica as large as the leader\'s', 30_000);
    } finally {
      await producer.disconnect();
      await cli(configsCmd, '--alter', '--entity-type', 'brokers', '--entity-name', String(mover), '--delete-config', 'replica.alter.log.dirs.io.max.bytes.per.second');
    }
  }, 180_000);

  // The "throttle respected (measured rate within 20% of the limit)": ~3.3 MB moved at 200 KB/s is ~12 s, so opt-in.
  it.runIf(FULL)('a throttled reassignment moves data at the throttle rate (within 20%)', async () => {
    await createTopic(admin, c, 'thr-rate', 1, 1, {}, [[1]]);
    const kafka = new Kafka({ clientId: 'thr-rate', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING });
    const p = kafka.producer({ allowAutoTopicCreation: false });
    await p.connect();
    const value = Buffer.alloc(16 * 1024, 7);
    try { for (let i = 0; i < 20; i++) await p.send({ topic: 'thr-rate', acks: -1, messages: Array.from({ length: 10 }, () => ({ value })) }); } finally { await p.disconnect(); }
    const planFile = join(dir, 'thr-rate.json');
    await writeFile(planFile, JSON.stringify({ version: 1, partitions: [{ topic: 'thr-rate', partition: 0, replicas: [1, 2] }] }));
    const rate = 200_000;
    const total = 200 * 16 * 1024;
    const sizeOn2 = async () => {
      const d = await admin.sendTo(2, 35, { topics: [{ topic: 'thr-rate', partitions: [0] }] });
      return Number(d.body.results.flatMap((r) => r.topics.find((t) => t.name === 'thr-rate')?.partitions ?? []).reduce((n, x) => n + x.partitionSize, 0n));
    };
    expect((await cli(reassignCmd, '--execute', '--reassignment-json-file', planFile, '--throttle', String(rate))).code).toBe(0);
    // the steady state, between 40% and 95% of the data: SimpleRate lets a burst through at the start
    // (its windows began before the move), as in Kafka
    const at = async (fraction: number) => c.waitFor(async () => { const s = await sizeOn2(); return s >= total * fraction ? { s, t: Date.now() } : null; }, `broker 2 holds ${fraction * 100}%`, 120_000);
    const a = await at(0.4);
    const b = await at(0.95);
    const measured = (b.s - a.s) / ((b.t - a.t) / 1000);
    console.log(`throttled move: ${b.s - a.s} B in ${((b.t - a.t) / 1000).toFixed(1)} s = ${(measured / 1000).toFixed(0)} KB/s (limit ${rate / 1000} KB/s; replica.fetch.max.bytes 64 KiB, batches of 160 KiB; shared machine)`);
    await c.waitFor(async () => (await cli(reassignCmd, '--verify', '--reassignment-json-file', planFile)).code === 0, 'throttled move done', 120_000);
    expect(measured).toBeLessThan(rate * 1.2);
    expect(measured).toBeGreaterThan(rate * 0.8);
  }, 180_000);

  it.runIf(FULL)('consumer-groups --list / --describe: the lag is what kcat left unconsumed', async () => {
    await createTopic(admin, c, 'cli-lag', 1, 3);
    await produce('cli-lag', 50);
    const k = await runProcess('kcat', ['-b', c.bootstrap, '-G', 'cli-group', '-o', 'beginning', '-c', '30', '-q', '-f', '%o\n', '-X', 'enable.auto.commit=true', 'cli-lag'], undefined, 60_000);
    expect(k.code).toBe(0);
    const consumed = k.stdout.trim().split('\n').length;
    expect(consumed).toBe(30);
    const l = await cli(groupsCmd, '--list');
    expect(l.out.split('\n')).toContain('cli-group');
    const d = await cli(groupsCmd, '--describe', '--group', 'cli-group', '--json');
    expect(d.code).toBe(0);
    const j = JSON.parse(d.out) as { partitions: Array<{ topic: string; partition: number; currentOffset: number; logEndOffset: number; lag: number }> };
    expect(j.partitions).toEqual([expect.objectContaining({ topic: 'cli-lag', partition: 0, currentOffset: 30, logEndOffset: 50, lag: 50 - consumed })]);
    const text = await cli(groupsCmd, '--describe', '--group', 'cli-group');
    expect(text.out).toMatch(/GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG/);
    expect(text.out).toMatch(/cli-group\s+cli-lag\s+0\s+30\s+50\s+20/);
  }, 90_000);

  it('consumer-groups --reset-offsets (each scenario, dry run, clamping, active group refused) and --delete', async () => {
    await createTopic(admin, c, 'cli-reset', 1, 3);
    await produce('cli-reset', 30);
    const g = 'cli-reset-g';
    const reset = (...args: string[]) => cli(groupsCmd, '--reset-offsets', '--group', g, '--topic', 'cli-reset', ...args);
    const current = async () => {
      const d = await cli(groupsCmd, '--describe', '--group', g, '--json');
      return (JSON.parse(d.out) as { partitions: Array<{ currentOffset: number }> }).partitions[0]?.currentOffset ?? null;
    };
    // a group that does not exist yet (Dead) may be reset: the offsets create it, Empty
    const first = await reset('--to-offset', '10', '--execute');
    expect(first).toMatchObject({ code: 0 }); // (the whole answer shown if not)
    expect(first.out).toBe(`\n${'GROUP'.padEnd(30)} ${'TOPIC'.padEnd(30)} ${'PARTITION'.padEnd(10)} ${'NEW-OFFSET'.padEnd(15)}\n${g.padEnd(30)} ${'cli-reset'.padEnd(30)} ${'0'.padEnd(10)} ${'10'.padEnd(15)}\n`);
    expect(await current()).toBe(10);
    const dry = await reset('--shift-by', '-3', '--json');
    expect(JSON.parse(dry.out)).toEqual({ group: g, executed: false, partitions: [{ group: g, topic: 'cli-reset', partition: 0, newOffset: 7 }] });
    expect(await current()).toBe(10); // --dry-run is the default
    const clamped = await reset('--shift-by', '100', '--execute');
    expect(clamped.err).toContain('New offset (110) is higher than latest offset for topic partition cli-reset-0. Value will be set to 30');
    expect(await current()).toBe(30);
    expect((await reset('--to-earliest', '--execute')).code).toBe(0);
    expect(await current()).toBe(0);
    expect((await cli(groupsCmd, '--reset-offsets', '--group', g, '--all-topics', '--to-latest', '--execute')).code).toBe(0);
    expect(await current()).toBe(30);
    expect((await reset('--to-datetime', '2000-01-01T00:00:00.000Z', '--execute')).code).toBe(0);
    expect(await current()).toBe(0);
    expect((await reset('--to-datetime', '2999-01-01T00:00:00.000', '--execute')).code).toBe(0); // nothing after it: the log end
    expect(await current()).toBe(30);
    // --export (Kafka's CSV for one group), the same plan back with --from-file; --by-duration; --all-groups
    const exported = await reset('--to-offset', '12', '--export');
    expect(exported.out).toBe('cli-reset,0,12\n\n');
    const csv = `${dir}/reset.csv`;
    await writeFile(csv, exported.out);
    expect((await cli(groupsCmd, '--reset-offsets', '--group', g, '--from-file', csv, '--execute')).code).toBe(0);
    expect(await current()).toBe(12);
    expect((await reset('--by-duration', 'PT1H', '--execute')).code).toBe(0); // every record is younger than an hour
    expect(await current()).toBe(0);
    expect((await cli(groupsCmd, '--reset-offsets', '--all-groups', '--all-topics', '--to-latest', '--export')).out).toContain(`${g},cli-reset,0,30\n`);
    // --delete-offsets of an inactive group
    const g2 = 'cli-reset-g2';
    expect((await cli(groupsCmd, '--reset-offsets', '--group', g2, '--topic', 'cli-reset', '--to-offset', '5', '--execute')).code).toBe(0);
    const delOff = await cli(groupsCmd, '--delete-offsets', '--group', g2, '--topic', 'cli-reset');
    expect(delOff).toMatchObject({ code: 0, out: `Request succeed for deleting offsets with topic cli-reset group ${g2}\n\n${'TOPIC'.padEnd(30)} ${'PARTITION'.padEnd(15)} ${'STATUS'.padEnd(15)}\n${'cli-reset'.padEnd(30)} ${'0'.padEnd(15)} ${'Successful'.padEnd(15)}\n` });
    const d2 = await cli(groupsCmd, '--describe', '--group', g2, '--json');
    expect((JSON.parse(d2.out) as { partitions: unknown[] }).partitions).toEqual([]);
    expect((await reset('--to-earliest', '--to-latest')).code).toBe(2);
    expect((await cli(groupsCmd, '--reset-offsets', '--group', g, '--to-latest')).code).toBe(2); // no scope
    // an active group (one member joined) is refused, with Kafka's message
    const coordinator = (await admin.sendAny(10, { key: 'cli-active-g', keyType: 0 }, { maxVersion: 3 })).body.nodeId;
    const join = (memberId: string) => admin.sendTo(coordinator, 11, { groupId: 'cli-active-g', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId, groupInstanceId: null,
      protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 1, 0, 9, ...Buffer.from('cli-reset'), 0, 0, 0, 0]) }], reason: null }, { maxVersion: 5 });
    let j = await join('');
    if (j.body.errorCode === ErrorCode.MEMBER_ID_REQUIRED) j = await join(j.body.memberId);
    expect(j.body.errorCode).toBe(0);
    const refused = await cli(groupsCmd, '--reset-offsets', '--group', 'cli-active-g', '--topic', 'cli-reset', '--to-earliest', '--execute');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/Assignments can only be reset if the group 'cli-active-g' is inactive, but the current state is (CompletingRebalance|Stable)\./);
    // --delete: the emptied group goes with its offsets; an unknown one is an error
    expect(await cli(groupsCmd, '--delete', '--group', g)).toMatchObject({ code: 0, out: `Deletion of requested consumer groups ('${g}') was successful.\n` });
    expect(await current()).toBeNull();
    const unknown = await cli(groupsCmd, '--delete', '--group', 'no-such-group');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("* Group 'no-such-group' could not be deleted due to: GROUP_ID_NOT_FOUND");
  }, 60_000);

  it('num.replica.fetchers changed at runtime resizes the broker\'s fetcher pool; replication goes on', async () => {
    await createTopic(admin, c, 'cli-fetchers', 4, 3);
    const b3 = c.broker(3).process!;
    expect(await cli(configsCmd, '--entity-type', 'brokers', '--entity-name', '3', '--alter', '--add-config', 'num.replica.fetchers=2')).toMatchObject({ code: 0 });
    await b3.waitForLog((l) => String(l.msg).startsWith('Resizing fetcher thread pool size from 1 to 2'), 30_000);
    // acks=all with broker 3 in every ISR: each produce completes only once broker 3's new fetchers copied it
    await produce('cli-fetchers', 40);
    for (let p = 0; p < 4; p++) await c.waitForIsr('cli-fetchers', p, [1, 2, 3]);
    expect(await cli(configsCmd, '--entity-type', 'brokers', '--entity-name', '3', '--alter', '--delete-config', 'num.replica.fetchers')).toMatchObject({ code: 0 });
    await b3.waitForLog((l) => String(l.msg).startsWith('Resizing fetcher thread pool size from 2 to 1'), 30_000);
  }, 60_000);

  it('configs --alter / --describe for a topic and a broker', async () => {
    await createTopic(admin, c, 'cli-cfg', 1, 3);
    expect(await cli(configsCmd, '--entity-type', 'topics', '--entity-name', 'cli-cfg', '--alter', '--add-config', 'retention.ms=99999,cleanup.policy=compact'))
      .toMatchObject({ code: 0, out: 'Completed updating config for topic cli-cfg.\n' });
    const d = await cli(configsCmd, '--entity-type', 'topics', '--entity-name', 'cli-cfg', '--describe');
    expect(d.code).toBe(0);
    expect(d.out).toContain('Dynamic configs for topic cli-cfg are:\n');
    expect(d.out).toMatch(/^ {2}retention\.ms=99999 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=99999/m);
    expect(d.out).toMatch(/^ {2}cleanup\.policy=compact /m);
    expect((await cli(configsCmd, '--entity-type', 'topics', '--entity-name', 'cli-cfg', '--alter', '--delete-config', 'retention.ms')).code).toBe(0);
    const after = await cli(configsCmd, '--entity-type', 'topics', '--entity-name', 'cli-cfg', '--describe');
    expect(after.out).not.toContain('retention.ms=');
    expect(await cli(configsCmd, '--entity-type', 'brokers', '--entity-name', '2', '--alter', '--add-config', 'log.retention.ms=7777777')).toMatchObject({ code: 0 });
    // the broker applies it when the config change notification reaches it
    const b = await c.waitFor(async () => { const r = await cli(configsCmd, '--entity-type', 'brokers', '--entity-name', '2', '--describe'); return r.out.includes('log.retention.ms=7777777') ? r : null; }, 'broker 2 describes its new dynamic config');
    // (the broker's DescribeConfigs answers value null for log.retention.ms today; the synonym carries it)
    expect(b.out).toMatch(/^ {2}log\.retention\.ms=\S+ sensitive=false synonyms=\{DYNAMIC_BROKER_CONFIG:log\.retention\.ms=7777777/m);
    const bad = await cli(configsCmd, '--entity-type', 'topics', '--entity-name', 'cli-cfg', '--alter', '--add-config', 'retention.ms=abc');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('INVALID_CONFIG');
  }, 60_000);
});
