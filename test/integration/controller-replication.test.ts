/**
 * The controller's side of replication against three real broker processes on one real ZooKeeper:
 * - AlterPartition over the wire (a leader's ISR change, sent by the broker-side AlterPartitionManager) updates the
 *   partition state znode with a new version and the ISR every broker serves in Metadata; stale or ineligible
 *   proposals are refused with Kafka's errors;
 * - a controlled shutdown (SIGTERM) moves every partition the broker leads to another ISR member and takes it out of
 *   the ISRs before it exits, within a few seconds.
 * Metrics across brokers (issue 16; each broker has a metrics.http.listener): /readyz answers 503 during a controlled
 * shutdown; UnderReplicatedPartitions counts the partitions a broker leads without every replica in the ISR; a
 * restarted follower's ReplicaFetcherManager MaxLag is above 0 while it catches up, 0 once caught up; the leader's
 * IsrExpands / IsrShrinks counters move when it takes the follower back and when it drops it (SIGSTOP past
 * replica.lag.time.max.ms).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import pino from 'pino';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { freePort } from '../helpers/zookeeper-server.js';
import { brokerConfig, startBroker, started, cleanupAll, eventually, inspectZk, readJson, runCommand, type TestBroker } from './support.js';
import type { ZkSession } from '../../src/services/zookeeper/zk-session.js';
import { changeEntityConfig, createTopicWithAssignment } from '../../src/services/admin/admin-zk-client.js';
import { DefaultAlterPartitionManager, ZkAlterPartitionManager } from '../../src/services/replication/alter-partition-manager.js';
import { NodeToControllerChannel } from '../../src/services/replication/node-to-controller-channel.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/errors.js';

const log = pino({ level: 'silent' });
let zk: ZooKeeperServer;
let s: ZkSession;
const cfg: Record<number, TestBroker> = {};
const proc: Record<number, BrokerProcess> = {};
const addr = (id: number) => cfg[id]!.props.listeners.replace('PLAINTEXT://', '');
const port = (id: number) => Number(addr(id).split(':')[1]);

interface KcatMetadata { topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number; isrs: Array<{ id: number }> }> }> }
async function metadata(id: number, topic: string): Promise<Array<{ partition: number; leader: number; isrs: number[] }>> {
  const r = await runCommand('kcat', ['-b', addr(id), '-L', '-J', '-t', topic, '-m', '5']);
  const parts = (JSON.parse(r.stdout) as KcatMetadata).topics.find((t) => t.topic === topic)?.partitions ?? [];
  return parts.map((p) => ({ partition: p.partition, leader: p.leader, isrs: p.isrs.map((b) => b.id) }));
}
const state = async (topic: string, p: number) => {
  const n = await s.getData(`/brokers/topics/${topic}/partitions/${p}/state`);
  return { ...JSON.parse(n.data!.toString()) as { leader: number; leader_epoch: number; isr: number[] }, version: n.stat.version };
};
const metricsPort: Record<number, number> = {};
const metricsUrl = (id: number) => `http://127.0.0.1:${metricsPort[id]}`;
/** The sum of a metric's series (`labels`: the start of the label set to match) on a broker's /metrics; NaN if absent. */
async function metric(id: number, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${metricsUrl(id)}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  let sum = NaN;
  for (const l of text.split('\n')) {
    if (!l.startsWith(labels === '' ? name : `${name}{${labels}`) || (l[name.length] !== ' ' && l[name.length] !== '{')) continue;
    sum = (Number.isNaN(sum) ? 0 : sum) + Number(l.slice(l.lastIndexOf(' ') + 1));
  }
  return sum;
}
const URP = 'kafka_server_replicamanager_underreplicatedpartitions';
const brokerEpoch = async (id: number) => BigInt(`0x${(await s.getData(`/brokers/ids/${id}`)).stat.czxid.toString('hex')}`);

beforeAll(async () => {
  zk = await startZooKeeper();
  const props = { 'auto.create.topics.enable': 'false', 'controlled.shutdown.retry.backoff.ms': '500' };
  for (const id of [1, 2, 3]) metricsPort[id] = await freePort();
  const own = (id: number) => ({ 'broker.id': String(id), 'metrics.http.listener': `127.0.0.1:${metricsPort[id]}`,
    // broker 1 drops a stopped follower from its ISRs within seconds; broker 3 fetches one batch per round (a visible lag)
    // and, SIGSTOPped for that, keeps its ZooKeeper session (the leader drops it, not the controller)
    ...(id === 1 ? { 'replica.lag.time.max.ms': '2000' } : {}), ...(id === 3 ? { 'replica.fetch.max.bytes': '1', 'zookeeper.session.timeout.ms': '15000' } : {}) });
  cfg[1] = await brokerConfig(zk, { ...props, ...own(1) });
  for (const id of [2, 3]) cfg[id] = await brokerConfig(zk, { ...props, ...own(id) }, { chroot: cfg[1].chroot });
  s = await inspectZk(zk, cfg[1].chroot);
  for (const id of [1, 2, 3]) { proc[id] = startBroker(cfg[id]!); await proc[id]!.waitForLog(started, 30_000); }
}, 90_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

describe('the controller with three brokers', () => {
  it('AlterPartition over the wire: the znode gets the new ISR and version, every broker serves it; stale and ineligible proposals are refused', async () => {
    const topicId = await createTopicWithAssignment(s, { topic: 'isr', assignment: new Map([[0, [2, 3, 1]]]) });
    await eventually(async () => (await metadata(3, 'isr'))[0]?.isrs.length === 3, 20_000, 'the topic in the metadata');
    const before = await state('isr', 0);
    expect(before).toMatchObject({ leader: 2, isr: [2, 3, 1] });
    expect((await readJson(s, '/controller')).brokerid).toBe(1);
    // Broker 2 leads isr-0: it drops 1 from the ISR through the controller (broker 1), as its Partition would.
    const channel = new NodeToControllerChannel({ channelName: 'alter-partition', brokerId: 2, controller: () => ({ id: 1, host: '127.0.0.1', port: port(1) }), requestTimeoutMs: 5000, retryBackoffMs: 50, log });
    const epoch2 = await brokerEpoch(2);
    const manager = new DefaultAlterPartitionManager({ brokerId: 2, brokerEpoch: () => epoch2, interBrokerProtocolVersion: () => '3.7-IV4', send: (v, b) => channel.send(ApiKey.AlterPartition, v, b), log });
    const item = (isr: number[], partitionEpoch: number, leaderEpoch = before.leader_epoch) => ({ topic: 'isr', topicId, partition: 0, proposed: { leader: 2, leaderEpoch, isr, partitionEpoch, leaderRecoveryState: 0 } });
    try {
      const r = await manager.submit(item([2, 3], before.version));
      expect(r).toEqual({ errorCode: 0, state: { leader: 2, leaderEpoch: before.leader_epoch, isr: [2, 3], partitionEpoch: before.version + 1, leaderRecoveryState: 0 } });
      expect(await state('isr', 0)).toMatchObject({ leader: 2, leader_epoch: before.leader_epoch, isr: [2, 3], version: before.version + 1 });
      for (const id of [1, 2, 3]) await eventually(async () => (await metadata(id, 'isr'))[0]?.isrs.join() === '2,3', 10_000, `broker ${id}'s metadata to show ISR 2,3`);
      // The same proposal again (a retry) answers the committed state; an old partition epoch is refused; so is an old leader epoch.
      expect((await manager.submit(item([2, 3], before.version))).state?.partitionEpoch).toBe(before.version + 1);
      expect(await manager.submit(item([2], before.version))).toEqual({ errorCode: ErrorCode.INVALID_UPDATE_VERSION });
      expect(await manager.submit(item([2], before.version + 1, before.leader_epoch - 1))).toEqual({ errorCode: ErrorCode.FENCED_LEADER_EPOCH });
      // A broker that is not registered cannot join the ISR.
      expect(await manager.submit(item([2, 3, 9], before.version + 1))).toEqual({ errorCode: ErrorCode.INELIGIBLE_REPLICA });
      expect(await state('isr', 0)).toMatchObject({ isr: [2, 3], version: before.version + 1 });
      // A broker that is not the controller answers NOT_CONTROLLER (the manager would look for the controller again).
      const other = new NodeToControllerChannel({ channelName: 'alter-partition', brokerId: 2, controller: () => ({ id: 3, host: '127.0.0.1', port: port(3) }), requestTimeoutMs: 5000, retryBackoffMs: 50, log });
      const answer = await other.send(ApiKey.AlterPartition, 3, { brokerId: 2, brokerEpoch: epoch2, topics: [] });
      other.close();
      expect(answer.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    } finally {
      manager.shutdown();
      channel.close();
    }
  }, 60_000);

  it('an old-IBP leader\'s own ISR write + /isr_change_notification: the controller propagates it with UpdateMetadata and deletes the notification', async () => {
    await createTopicWithAssignment(s, { topic: 'oldibp', assignment: new Map([[0, [3, 1, 2]]]) });
    await eventually(async () => (await metadata(2, 'oldibp'))[0]?.isrs.length === 3, 20_000, 'the topic in the metadata');
    const zkManager = new ZkAlterPartitionManager(() => s, log, { checkIntervalMs: 50, lingerMs: 0, maxDelayMs: 60_000 });
    const before = await state('oldibp', 0);
    const r = await zkManager.submit({ topic: 'oldibp', topicId: null, partition: 0, proposed: { leader: 3, leaderEpoch: before.leader_epoch, isr: [3, 1], partitionEpoch: before.version, leaderRecoveryState: 0 } });
    expect(r.state?.partitionEpoch).toBe(before.version + 1);
    expect(await zkManager.maybePropagateIsrChanges(true)).toBe(true);
    zkManager.shutdown();
    for (const id of [1, 2, 3]) await eventually(async () => (await metadata(id, 'oldibp'))[0]?.isrs.join() === '3,1', 10_000, `broker ${id}'s metadata to show ISR 3,1`);
    await eventually(async () => (await s.getChildren('/isr_change_notification')).length === 0, 10_000, 'the notification to be deleted');
    expect(await state('oldibp', 0)).toMatchObject({ leader: 3, isr: [3, 1], leader_epoch: before.leader_epoch, version: before.version + 1 });
  }, 60_000);

  it('a controlled shutdown (SIGTERM) moves every partition the broker leads to another ISR member and takes it out of the ISRs, in a few seconds', async () => {
    const assignment = new Map<number, number[]>();
    for (let p = 0; p < 60; p++) assignment.set(p, [(p % 3) + 1, ((p + 1) % 3) + 1, ((p + 2) % 3) + 1]);
    const c0 = Date.now();
    await createTopicWithAssignment(s, { topic: 'moving', assignment });
    await eventually(async () => (await metadata(2, 'moving')).length === 60, 30_000, 'the topic in the metadata');
    console.log(`60 partitions x 3 replicas created and in the metadata in ${Date.now() - c0} ms`);
    const ledBy3 = [...assignment].filter(([, r]) => r[0] === 3).map(([p]) => p);
    for (const p of ledBy3) expect((await state('moving', p)).leader).toBe(3);
    expect((await fetch(`${metricsUrl(3)}/readyz`)).status).toBe(200);
    const t0 = Date.now();
    const stopping = proc[3]!.stop(20_000);
    // /readyz while it shuts down (until its listener closes): not ready, naming the broker state
    const probes: Array<{ status: number; notReady: string[] }> = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        try {
          const r = await fetch(`${metricsUrl(3)}/readyz`, { signal: AbortSignal.timeout(5000) });
          probes.push({ status: r.status, notReady: ((await r.json()) as { notReady: string[] }).notReady });
        } catch { /* closed: the process is going */ }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    let movedMs = -1;
    await eventually(async () => {
      const states = await Promise.all([...assignment.keys()].map((p) => state('moving', p)));
      if (states.some((x) => x.leader === 3 || x.isr.includes(3))) return false;
      movedMs = Date.now() - t0;
      return true;
    }, 15_000, 'leadership off broker 3 and broker 3 out of every ISR').catch((e) => {
      for (const id of [1, 3]) console.log(proc[id]!.logs.filter((l) => l.time as number > t0 - 1000 && !/^Partition moving-/.test(l.msg)).map((l) => `${id} ${(l.time as number) - t0} ${l.msg}`).join('\n'));
      throw e;
    });
    expect(await stopping).toBe(0);
    probing = false;
    await prober;
    expect(probes.some((p) => p.status === 503 && p.notReady.includes('broker state is PENDING_CONTROLLED_SHUTDOWN, not RUNNING')),
      JSON.stringify(probes.slice(0, 5))).toBe(true);
    // every partition of 'moving' is now led by 1 or 2 without 3 in its ISR: under-replicated there
    await eventually(async () => (await metric(1, URP)) + (await metric(2, URP)) >= 60, 10_000, 'UnderReplicatedPartitions of brokers 1 and 2 to count moving-*');
    const lines = proc[3]!.logs.map((l) => l.msg);
    expect(lines).toContain('Starting controlled shutdown');
    expect(lines.some((m) => /^Controlled shutdown request returned successfully/.test(m))).toBe(true);
    expect(proc[3]!.logs.filter((l) => typeof l.brokerState === 'string').map((l) => l.brokerState)).toEqual(expect.arrayContaining(['RUNNING', 'PENDING_CONTROLLED_SHUTDOWN', 'SHUTTING_DOWN']));
    // The new leaders come from the old ISR (the next replica in assignment order) under a new leader epoch.
    for (const p of ledBy3) expect((await state('moving', p)).leader).toBe(assignment.get(p)![1]);
    // Clients see it: broker 1 serves the new leaders with ISR without 3.
    await eventually(async () => (await metadata(1, 'moving')).every((x) => x.leader !== 3 && !x.isrs.includes(3)), 10_000, 'metadata without broker 3');
    console.log(`controlled shutdown: ${ledBy3.length} leaderships moved and ISRs shrunk ${movedMs} ms after SIGTERM`);
    expect(movedMs).toBeLessThan(5000);
  }, 60_000);

  it('kill -9 of a leader whose ISR is itself: the partition goes offline (leader -1, ISR kept), until unclean.leader.election.enable is set on the topic, dynamically', async () => {
    // Broker 3 is gone (previous test); brokers 1 and 2 remain, 1 is the controller.
    const topicId = await createTopicWithAssignment(s, { topic: 'lonely', assignment: new Map([[0, [2, 1]]]) });
    await eventually(async () => (await metadata(1, 'lonely'))[0]?.isrs.length === 2, 20_000, 'the topic in the metadata');
    const before = await state('lonely', 0);
    // Leader 2 shrinks the ISR to itself through the controller (as its Partition would when 1 lags).
    const channel = new NodeToControllerChannel({ channelName: 'alter-partition', brokerId: 2, controller: () => ({ id: 1, host: '127.0.0.1', port: port(1) }), requestTimeoutMs: 5000, retryBackoffMs: 50, log });
    const epoch2 = await brokerEpoch(2);
    const manager = new DefaultAlterPartitionManager({ brokerId: 2, brokerEpoch: () => epoch2, interBrokerProtocolVersion: () => '3.7-IV4', send: (v, b) => channel.send(ApiKey.AlterPartition, v, b), log });
    const r = await manager.submit({ topic: 'lonely', topicId, partition: 0, proposed: { leader: 2, leaderEpoch: before.leader_epoch, isr: [2], partitionEpoch: before.version, leaderRecoveryState: 0 } });
    manager.shutdown();
    channel.close();
    expect(r.errorCode).toBe(0);
    proc[2]!.signal('SIGKILL');
    // After the session timeout: no clean candidate, so leader -1 and the ISR keeps 2 (the replica with every acknowledged record).
    const offline = (await eventually(async () => { const x = await state('lonely', 0); return x.leader === -1 ? x : undefined; }, 30_000, 'the partition to go offline'))!;
    expect(offline.isr).toEqual([2]);
    await eventually(async () => (await metadata(1, 'lonely'))[0]?.leader === -1, 10_000, 'metadata to show no leader');
    // Unclean election allowed for this topic only, at runtime: broker 1 leads, alone, and the controller says so loudly.
    await changeEntityConfig(s, 'topics', 'lonely', { 'unclean.leader.election.enable': 'true' });
    const elected = (await eventually(async () => { const x = await state('lonely', 0); return x.leader === 1 ? x : undefined; }, 15_000, 'an unclean election'))!;
    expect(elected).toMatchObject({ isr: [1], leader_epoch: offline.leader_epoch + 1 });
    // the line reaches the test through the child's stdout pipe, which a loaded machine may deliver after ZooKeeper's answer
    await eventually(async () => proc[1]!.logs.some((l) => l.level === 50 && /^UNCLEAN LEADER ELECTION: partition lonely-0/.test(l.msg)), 10_000, 'the controller\'s UNCLEAN LEADER ELECTION line');
    await eventually(async () => (await metadata(1, 'lonely'))[0]?.leader === 1, 10_000, 'metadata to show leader 1');
  }, 60_000);

  it('a controlled shutdown of the controller broker itself moves its leaderships, then another broker takes over as controller', async () => {
    // Broker 3 comes back (it shut down cleanly); broker 1 is the controller; broker 2 is dead (previous test).
    // While 3 is away, 150 one-record batches go to a partition it follows: led by 1, ISR [1], under-replicated.
    await createTopicWithAssignment(s, { topic: 'lagging', assignment: new Map([[0, [1, 3]]]) });
    await eventually(async () => (await metadata(1, 'lagging'))[0]?.leader === 1, 20_000, 'lagging-0 led by 1');
    const values = Array.from({ length: 150 }, (_, i) => `v${i}`).join('\n') + '\n';
    const produced = await runCommand('kcat', ['-b', addr(1), '-P', '-t', 'lagging', '-p', '0', '-X', 'linger.ms=0', '-X', 'batch.num.messages=1'], values);
    expect(produced.code, produced.stderr).toBe(0);
    expect(await metric(1, URP)).toBeGreaterThanOrEqual(61); // moving-* (2 is dead, 3 away) and lagging-0
    const expands0 = await metric(1, 'kafka_server_replicamanager_isrexpands_total');
    const shrinks0 = await metric(1, 'kafka_server_replicamanager_isrshrinks_total');
    proc[3] = startBroker(cfg[3]!);
    // broker 3 fetches one batch per round (replica.fetch.max.bytes=1): its MaxLag is above 0 while it catches up
    let maxLagSeen = 0;
    for (const deadline = Date.now() + 30_000; maxLagSeen === 0 && Date.now() < deadline;) {
      try { maxLagSeen = Math.max(maxLagSeen, await metric(3, 'kafka_server_replicafetchermanager_maxlag', 'client_id="Replica"')); } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(maxLagSeen, 'broker 3\'s MaxLag above 0 while it catches up').toBeGreaterThan(0);
    await proc[3]!.waitForLog(started, 30_000);
    await eventually(async () => (await state('lagging', 0)).isr.length === 2, 20_000, 'lagging-0 ISR [1, 3]');
    await eventually(async () => (await metric(3, 'kafka_server_replicafetchermanager_maxlag', 'client_id="Replica"')) === 0, 10_000, 'MaxLag 0 once caught up');
    expect(await metric(1, 'kafka_server_replicamanager_isrexpands_total')).toBeGreaterThan(expands0);
    // stopped past replica.lag.time.max.ms (2 s on broker 1) while behind (Kafka never drops a caught-up follower), broker 3
    // leaves lagging-0's ISR: a shrink by its leader, long before 3's ZooKeeper session (15 s) expires
    proc[3]!.signal('SIGSTOP');
    try {
      const more = await runCommand('kcat', ['-b', addr(1), '-P', '-t', 'lagging', '-p', '0', '-X', 'acks=1'], 'behind\n');
      expect(more.code, more.stderr).toBe(0);
      await eventually(async () => (await state('lagging', 0)).isr.length === 1, 15_000, 'broker 1 to drop the stopped broker 3 from lagging-0');
    } finally { proc[3]!.signal('SIGCONT'); }
    expect(await metric(1, 'kafka_server_replicamanager_isrshrinks_total')).toBeGreaterThan(shrinks0);
    await eventually(async () => (await state('lagging', 0)).isr.length === 2, 20_000, 'broker 3 back in lagging-0\'s ISR');
    await createTopicWithAssignment(s, { topic: 'ctl', assignment: new Map([[0, [1, 3]], [1, [3, 1]]]) });
    await eventually(async () => (await state('ctl', 0)).isr.length === 2 && (await metadata(3, 'ctl')).length === 2, 20_000, 'the topic');
    const t0 = Date.now();
    const stopping = proc[1]!.stop(20_000);
    const moved = await eventually(async () => { const x = await state('ctl', 0); return x.leader === 3 ? x : undefined; }, 15_000, 'ctl-0 led by broker 3');
    expect(moved!.isr).toEqual([3]);
    const movedMs = Date.now() - t0;
    expect(await stopping).toBe(0);
    // lonely-0 had no other ISR member: it was reported remaining, retried, and the broker shut down anyway.
    expect(proc[1]!.logs.some((l) => /partitions remaining to move/.test(l.msg))).toBe(true);
    await eventually(async () => (await readJson(s, '/controller')).brokerid === 3, 15_000, 'broker 3 to be the controller');
    await eventually(async () => (await metadata(3, 'ctl')).every((p) => p.leader === 3), 10_000, 'metadata: broker 3 leads ctl');
    console.log(`controlled shutdown of the controller: ctl-0 moved ${movedMs} ms after SIGTERM`);
  }, 60_000);
});
