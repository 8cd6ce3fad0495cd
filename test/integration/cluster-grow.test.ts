/**
 * Growing a cluster (issue 15's tests), opt-in (`npm run test:cluster-ops:full`, RAFKA_CLUSTER_OPS_FULL=1): three
 * brokers, then a fourth started and `rafka reassign` (generate over 1-4, execute with a throttle, verify) moving
 * partitions onto it under acks=all load — every acked record read back once, the leaders balanced after a preferred
 * election; and the destination broker killed (kill -9) in the middle of a throttled reassignment, restarted: the
 * reassignment completes. Its own ZooKeeper and 4-broker cluster (broker 4 started by the test), so the shared
 * cluster-ops cluster keeps its three brokers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { readPartition } from '../helpers/fault-checker.js';
import { AdminClient } from '../../src/services/admin/admin-client.js';
import { run as reassignCmd } from '../../src/commands/reassign.js';
import { run as electCmd } from '../../src/commands/leader-election.js';
import { run as topicsCmd } from '../../src/commands/topics.js';

const FULL = process.env.RAFKA_CLUSTER_OPS_FULL === '1';

let zk: ZooKeeperServer;
let c: Cluster;
let admin: AdminClient;
let dir: string;

type Cmd = (argv: string[], io: { out: (s: string) => void; err: (s: string) => void }) => Promise<number>;
async function cli(cmd: Cmd, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await cmd(['--bootstrap-server', c.bootstrap, ...argv], { out: (x) => { out += x; }, err: (x) => { err += x; } });
  return { code, out, err };
}

describe.runIf(FULL)('growing a cluster: a fourth broker', () => {
  beforeAll(async () => {
    zk = await startZooKeeper();
    c = await startCluster({
      zkConnect: zk.connectString, brokers: 4, start: false,
      props: { 'auto.create.topics.enable': 'false', 'auto.leader.rebalance.enable': 'false', 'zookeeper.session.timeout.ms': '6000', 'replica.fetch.max.bytes': '65536' },
    });
    for (const id of [1, 2, 3]) await c.start(id);
    await c.waitForMetadata();
    admin = new AdminClient({ bootstrap: [1, 2, 3].map((id) => c.broker(id).address).join(','), requestTimeoutMs: 30_000 });
    dir = await mkdtemp(join(tmpdir(), 'rafka-grow-'));
  }, 120_000);
  afterAll(async () => {
    admin?.close();
    await c?.close();
    await zk?.close();
  });

  it('reassign moves partitions onto the new broker under acks=all load: nothing lost, leaders balanced', async () => {
    expect((await cli(topicsCmd, '--create', '--topic', 'grow', '--partitions', '8', '--replication-factor', '2')).code).toBe(0);
    for (let p = 0; p < 8; p++) await c.waitForLeader('grow', p);
    await c.start(4);
    await c.waitForMetadata();
    const kafka = new Kafka({ clientId: 'grow', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING });
    // not idempotent: kafkajs's idempotent producer got OUT_OF_ORDER_SEQUENCE_NUMBER here once (leaders moving under
    // load; kafkajs issue #598 reports it against Kafka too) — see notes-Q. At-least-once: nothing acked may be lost.
    const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    await producer.connect();
    const acked: string[] = [];
    const unconfirmed: string[] = [];
    let stop = false;
    let n = 0;
    const load = (async () => {
      while (!stop) {
        const values = Array.from({ length: 16 }, () => `g-${n++}`);
        const md = await producer.send({ topic: 'grow', acks: -1, messages: values.map((value, i) => ({ value, partition: i % 8 })) });
        // acked = what the answer confirms: kafkajs 2.2.4 sometimes resolves a send whose answer lacks partitions that
        // moved between brokers meanwhile (their records were never written); those are counted apart
        const confirmed = new Set(md.filter((m) => m.errorCode === 0).map((m) => m.partition));
        values.forEach((v, i) => (confirmed.has(i % 8) ? acked : unconfirmed).push(v));
      }
    })();
    try {
      await c.waitFor(() => n >= 400, 'some load before the move', 30_000);
      const topicsFile = join(dir, 'topics.json');
      await writeFile(topicsFile, JSON.stringify({ version: 1, topics: [{ topic: 'grow' }] }));
      const g = await cli(reassignCmd, '--generate', '--topics-to-move-json-file', topicsFile, '--broker-list', '1,2,3,4');
      expect(g.code).toBe(0);
      const proposed = g.out.split('\n')[4]!;
      const plan = JSON.parse(proposed) as { partitions: Array<{ partition: number; replicas: number[] }> };
      expect(plan.partitions.filter((p) => p.replicas.includes(4)).length).toBe(4); // 8 × 2 replicas over 4 brokers
      const planFile = join(dir, 'grow.json');
      await writeFile(planFile, proposed);
      expect((await cli(reassignCmd, '--execute', '--reassignment-json-file', planFile, '--throttle', '10000000')).code).toBe(0);
      await c.waitFor(async () => (await cli(reassignCmd, '--verify', '--reassignment-json-file', planFile)).code === 0, 'the reassignment verified', 120_000);
      expect((await cli(electCmd, '--election-type', 'preferred', '--all-topic-partitions')).code).toBe(0);
      const leaders = await c.waitFor(async () => {
        const ls: number[] = [];
        for (let p = 0; p < 8; p++) ls.push((await c.partitionState('grow', p))?.leader ?? -1);
        return ls.every((l, p) => l === plan.partitions.find((x) => x.partition === p)!.replicas[0]) ? ls : null;
      }, 'every partition led by its preferred replica', 30_000);
      const per = [1, 2, 3, 4].map((b) => leaders.filter((l) => l === b).length);
      expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1); // 2 each
      const before = n;
      await c.waitFor(() => n >= before + 200, 'produce going on after the move', 30_000);
    } finally {
      stop = true;
      await load;
      await producer.disconnect();
    }
    const seen = new Set<string>();
    for (let p = 0; p < 8; p++) for (const r of await readPartition(c.bootstrap, 'grow', p)) seen.add(r.value);
    const lost = acked.filter((v) => !seen.has(v));
    if (lost.length > 0) console.log(`LOST ${lost.length}: ${lost.map((v) => `${v}→p${Number(v.slice(2)) % 8}`).join(' ')}\n${await c.diagnose(['grow'], 30)}`);
    console.log(`grow: ${acked.length} acked, ${unconfirmed.length} sent but not confirmed by kafkajs's answer (${unconfirmed.filter((v) => seen.has(v)).length} of them written)`);
    expect(lost).toEqual([]); // nothing acked lost
  }, 300_000);

  it('the destination broker killed in the middle of a throttled reassignment: restarted, the reassignment completes', async () => {
    expect((await cli(topicsCmd, '--create', '--topic', 'kill-dest', '--replica-assignment', '1:2')).code).toBe(0);
    await c.waitForIsr('kill-dest', 0, [1, 2]);
    const kafka = new Kafka({ clientId: 'kill-dest', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const pad = 'y'.repeat(10_000);
    const sent: string[] = [];
    try {
      for (let i = 0; i < 20; i++) { // 2 MB
        const values = Array.from({ length: 10 }, (_, j) => `k-${i * 10 + j}-${pad}`);
        await producer.send({ topic: 'kill-dest', acks: -1, messages: values.map((value) => ({ value })) });
        sent.push(...values);
      }
    } finally { await producer.disconnect(); }
    const planFile = join(dir, 'kill.json');
    await writeFile(planFile, JSON.stringify({ version: 1, partitions: [{ topic: 'kill-dest', partition: 0, replicas: [1, 4] }] }));
    // 200 KB/s: the 2 MB take ~10 s, time to kill the destination in the middle
    expect((await cli(reassignCmd, '--execute', '--reassignment-json-file', planFile, '--throttle', '200000')).code).toBe(0);
    const logSize = async (id: number) => {
      try {
        const r = await admin.sendTo(id, 35, { topics: [{ topic: 'kill-dest', partitions: [0] }] });
        return r.body.results.flatMap((d) => d.topics.find((t) => t.name === 'kill-dest')?.partitions ?? []).reduce((s, p) => s + p.partitionSize, 0n);
      } catch { return -1n; }
    };
    await c.waitFor(async () => { const s = await logSize(4); return s > 200_000n && s < 1_500_000n; }, 'broker 4 part way through the copy', 60_000);
    await c.kill(4);
    expect((await cli(reassignCmd, '--verify', '--reassignment-json-file', planFile)).code).toBe(1); // still in progress
    await c.start(4);
    await c.waitFor(async () => (await cli(reassignCmd, '--verify', '--reassignment-json-file', planFile)).code === 0, 'the reassignment completed after the restart', 120_000);
    expect((await c.assignment('kill-dest')).get(0)).toEqual([1, 4]);
    await c.waitForIsr('kill-dest', 0, [1, 4], 60_000);
    const seen = (await readPartition(c.bootstrap, 'kill-dest', 0)).map((r) => r.value);
    expect(seen).toEqual(sent);
  }, 300_000);
});
