/**
 * A cluster of two real broker processes on one ZooKeeper (different broker.id, ports and log dirs): the controller
 * tells the other broker about the cluster over the controller channel, so clients can bootstrap from either; when
 * the controller broker stops, the other takes over, keeps serving its partitions and shows the dead broker's as
 * leaderless until it is back, with no data lost.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { Kafka, logLevel } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, eventually, inspectZk, readJson, type TestBroker } from './support.js';
import type { ZkSession } from '../../src/services/zookeeper/zk-session.js';
import { markTopicForDeletion } from '../../src/services/admin/admin-zk-client.js';

let zk: ZooKeeperServer;
let s: ZkSession;
const cfg: Record<number, TestBroker> = {};
const proc: Record<number, BrokerProcess> = {};
const TOPIC = 'multi';
/** Replication factor 2: a replica on each broker (no replication yet: followers only create their log). */
const PAIR = 'pair';
/** Deleted while broker 1 is down: broker 1 deletes its replica's log when it is back. */
const DOOMED = 'doomed';

const logDirsOf = async (id: number, topic: string) => (await Promise.all(cfg[id]!.logDirs.map((d) => readdir(d)))).flat().filter((n) => new RegExp(`^${topic}-\\d+$`).test(n)).sort();

const addr = (id: number) => cfg[id]!.props.listeners.replace('PLAINTEXT://', '');

function kcat(bootstrap: string, args: string[], input?: string): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve) => {
    const p = execFile('kcat', ['-b', bootstrap, ...args], { timeout: 30_000 }, (err, stdout) => resolve({ stdout, code: err ? 1 : 0 }));
    if (input !== undefined) p.stdin!.end(input);
  });
}

interface KcatMetadata {
  controllerid: number;
  brokers: Array<{ id: number; name: string }>;
  topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number; error?: string }> }>;
}

async function metadata(id: number, topic = TOPIC): Promise<KcatMetadata> {
  const r = await kcat(addr(id), ['-L', '-J', '-t', topic, '-m', '5']);
  return JSON.parse(r.stdout) as KcatMetadata;
}

const leaders = (m: KcatMetadata, topic = TOPIC) => new Map((m.topics.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.leader]));

async function start(id: number): Promise<void> {
  proc[id] = startBroker(cfg[id]!);
  await proc[id]!.waitForLog(started, 30_000);
}

async function consumeAll(bootstrap: string, partition: number): Promise<string[]> {
  const r = await kcat(bootstrap, ['-C', '-t', TOPIC, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
  expect(r.code).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

beforeAll(async () => {
  zk = await startZooKeeper();
  cfg[1] = await brokerConfig(zk, { 'broker.id': '1', 'auto.create.topics.enable': 'false' });
  cfg[2] = await brokerConfig(zk, { 'broker.id': '2', 'auto.create.topics.enable': 'false' }, { chroot: cfg[1].chroot });
  s = await inspectZk(zk, cfg[1].chroot);
  await start(1);
  await start(2);
}, 90_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

describe('a cluster of two brokers', () => {
  const produced = new Map<number, string[]>();

  it('serves metadata for both brokers from either, after a topic created through the controller broker', async () => {
    const controllerId = (await readJson(s, '/controller')).brokerid as number;
    expect(controllerId).toBe(1);
    const kafka = new Kafka({ clientId: 'multi', brokers: [addr(1)], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 4, replicationFactor: 1 }, { topic: PAIR, numPartitions: 2, replicationFactor: 2 }, { topic: DOOMED, numPartitions: 1, replicationFactor: 2 }], waitForLeaders: true })).toBe(true);
    } finally { await admin.disconnect(); }

    // The non-controller broker learns the cluster over the controller channel.
    const m = (await eventually(async () => { const x = await metadata(2); return leaders(x).size === 4 && [...leaders(x).values()].every((l) => l >= 1) ? x : null; }, 15_000, 'broker 2 to know the topic'))!;
    expect(m.brokers.map((b) => b.id).sort()).toEqual([1, 2]);
    expect(m.controllerid).toBe(1);
    expect(new Set(leaders(m).values())).toEqual(new Set([1, 2]));
    expect(leaders(await metadata(1))).toEqual(leaders(m));
    expect(new Set(leaders(await metadata(2, PAIR), PAIR).values())).toEqual(new Set([1, 2]));
  }, 60_000);

  it('takes produce through bootstrap broker 2 for every partition and gives it all back', async () => {
    await Promise.all([0, 1, 2, 3].map(async (p) => {
      const values = Array.from({ length: 5 }, (_, i) => `p${p}-v${i}`);
      produced.set(p, values);
      const r = await kcat(addr(2), ['-P', '-t', TOPIC, '-p', String(p)], values.join('\n') + '\n');
      expect(r.code).toBe(0);
    }));
    for (const p of [0, 1, 2, 3]) expect(await consumeAll(addr(2), p)).toEqual(produced.get(p));
  }, 60_000);

  it('fails over when the controller broker stops, shows its partitions leaderless, and serves them again once it is back', async () => {
    const before = leaders(await metadata(2));
    const ofDead = [...before].filter(([, l]) => l === 1).map(([p]) => p);
    const ofLive = [...before].filter(([, l]) => l === 2).map(([p]) => p);
    expect(await proc[1]!.stop()).toBe(0);

    await eventually(async () => (await readJson(s, '/controller')).brokerid === 2, 15_000, 'broker 2 to become controller');
    const m = (await eventually(async () => { const x = await metadata(2); return x.brokers.length === 1 && ofDead.every((p) => leaders(x).get(p) === -1) ? x : null; }, 15_000, 'the dead broker\'s partitions to be leaderless'))!;
    expect(m.controllerid).toBe(2);
    for (const p of ofDead) expect(m.topics[0]!.partitions.find((x) => x.partition === p)!.error).toMatch(/Leader not available/i);
    for (const p of ofLive) {
      expect(leaders(m).get(p)).toBe(2);
      produced.get(p)!.push(`p${p}-after-failover`);
      expect((await kcat(addr(2), ['-P', '-t', TOPIC, '-p', String(p)], `p${p}-after-failover\n`)).code).toBe(0);
      expect(await consumeAll(addr(2), p)).toEqual(produced.get(p));
    }

    // With replication factor 2 the dead leader's partition moves to the other replica, which takes produce.
    const pair = (await eventually(async () => { const x = leaders(await metadata(2, PAIR), PAIR); return [...x.values()].every((l) => l === 2) ? x : null; }, 15_000, 'pair partitions to move to broker 2'))!;
    expect([...pair.keys()].sort()).toEqual([0, 1]);
    for (const p of [0, 1]) expect((await kcat(addr(2), ['-P', '-t', PAIR, '-p', String(p)], 'x\n')).code).toBe(0);

    // A topic deleted while a replica's broker is down: the live replica goes now, the other once its broker is back.
    expect(await logDirsOf(1, DOOMED)).toEqual(['doomed-0']);
    // As kafka-topics.sh --zookeeper marks it (kafkajs refuses to act while partitions are leaderless).
    await markTopicForDeletion(s, DOOMED);
    await eventually(async () => (await logDirsOf(2, DOOMED)).length === 0, 15_000, 'broker 2 to delete its doomed log');
    expect(await s.exists('/brokers/topics/doomed')).not.toBeNull(); // deletion waits for broker 1
    expect((await metadata(2)).topics.map((t) => t.topic)).not.toContain(DOOMED);

    await start(1);
    await eventually(async () => (await logDirsOf(1, DOOMED)).length === 0, 15_000, 'broker 1 to delete its doomed log once back');
    await eventually(async () => (await s.exists('/brokers/topics/doomed')) === null, 15_000, 'the doomed topic znode to go');
    await eventually(async () => { const x = await metadata(1); return x.brokers.length === 2 && [...leaders(x).values()].every((l) => l >= 1) ? x : null; }, 20_000, 'every partition to have a leader again');
    expect(leaders(await metadata(2))).toEqual(before);
    produced.get(ofDead[0]!)!.push('back');
    expect((await kcat(addr(2), ['-P', '-t', TOPIC, '-p', String(ofDead[0])], 'back\n')).code).toBe(0);
    for (const p of [0, 1, 2, 3]) expect(await consumeAll(addr(2), p)).toEqual(produced.get(p));
    // No preferred-leader rebalance: broker 2 keeps leading both pair partitions; broker 1 is their follower again.
    expect([...leaders(await metadata(1, PAIR), PAIR).values()]).toEqual([2, 2]);
  }, 90_000);

  it('deletes a topic: the controller tells every replica to drop its log (StopReplica), the followers\' too', async () => {
    const dirsOf = (id: number) => logDirsOf(id, PAIR);
    expect(await dirsOf(1)).toEqual(['pair-0', 'pair-1']); // the follower replicas' logs exist too
    expect(await dirsOf(2)).toEqual(['pair-0', 'pair-1']);
    const admin = new Kafka({ clientId: 'multi', brokers: [addr(1)], logLevel: logLevel.NOTHING, retry: { retries: 5 } }).admin();
    await admin.connect();
    try { await admin.deleteTopics({ topics: [PAIR], timeout: 15_000 }); } finally { await admin.disconnect(); }
    await eventually(async () => (await dirsOf(1)).length === 0 && (await dirsOf(2)).length === 0, 15_000, 'both brokers to delete the pair logs');
    for (const id of [1, 2]) expect((await metadata(id)).topics.map((t) => t.topic)).not.toContain(PAIR);
  }, 60_000);
});
