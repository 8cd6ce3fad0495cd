/**
 * Three brokers on a three-node ZooKeeper ensemble (issue 11): each ZooKeeper node in turn — the ensemble's leader
 * first — is killed (SIGKILL) and restarted while idempotent acks=all producers write numbered records to every
 * broker. The brokers keep serving (produce goes on while a node is down), and nothing acknowledged is lost or
 * duplicated. Needs no replication: the topic has one replica per partition, one partition led by each broker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startZooKeeperEnsemble, type ZooKeeperEnsemble } from '../helpers/zookeeper-ensemble.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { NumberedProducer, checkHistory, formatReport, historyOk, readPartition, type LogRecord } from '../helpers/fault-checker.js';

const TOPIC = 'zk-ensemble-load';
let ens: ZooKeeperEnsemble;
let c: Cluster;

beforeAll(async () => {
  ens = await startZooKeeperEnsemble();
  c = await startCluster({ zkConnect: ens.connectString, props: { 'auto.create.topics.enable': 'false' } });
}, 180_000);
afterAll(async () => {
  await c?.close();
  await ens?.close();
});

describe('a ZooKeeper ensemble node dies under load', () => {
  it('keeps every broker serving and loses no acknowledged record while each ZooKeeper node is killed and restarted', async () => {
    const admin = new Kafka({ clientId: 'zke', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: [1] }, { partition: 1, replicas: [2] }, { partition: 2, replicas: [3] }] }],
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    for (const p of [0, 1, 2]) await c.waitForLeader(TOPIC, p);

    const producers = [0, 1, 2].map((p) => new NumberedProducer(`p${p}`, TOPIC, p, c.bootstrap.split(','), { batch: 5 }));
    await Promise.all(producers.map((p) => p.start()));
    let faults = 0;
    try {
      await Promise.all(producers.map((p) => p.waitForProgress(50, 30_000, 'before any fault')));
      const leader = (await ens.leader())!;
      expect(leader).not.toBeNull();
      const order = [leader, ...[1, 2, 3].filter((i) => i !== leader)];
      for (const node of order) {
        await ens.kill(node);
        faults++;
        // Every broker keeps taking writes while this ZooKeeper node is down (its session moves to another node).
        await Promise.all(producers.map((p) => p.waitForProgress(50, 60_000, `with ZooKeeper node ${node} down`)));
        expect(await c.controller()).not.toBeNull();
        await ens.start(node);
        await ens.waitForQuorum();
        await Promise.all(producers.map((p) => p.waitForProgress(20, 60_000, `after ZooKeeper node ${node} is back`)));
      }
    } finally {
      await Promise.all(producers.map((p) => p.stop()));
    }
    await c.waitFor(async () => (await c.liveBrokers()).length === 3, 'all three brokers registered');

    const finalLogs = new Map<number, LogRecord[]>();
    for (const p of [0, 1, 2]) finalLogs.set(p, await readPartition(c.bootstrap, TOPIC, p));
    const r = checkHistory({ producers, finalLogs, faults });
    console.log(`[zookeeper-ensemble] ${formatReport(r)}`);
    expect(r.acknowledged).toBeGreaterThan(0);
    expect(historyOk(r), formatReport(r)).toBe(true);
  }, 420_000);
});
