/**
 * Consumer groups on the real broker process (bin/rafka.js → dist): kafkajs group of 3 on 6 partitions, one leaves,
 * and the committed offsets survive a restart (loaded back from __consumer_offsets).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, type TestBroker } from '../../integration/support.js';

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;

beforeAll(async () => {
  zk = await startZooKeeper();
  b = await brokerConfig(zk, { 'num.partitions': '1', 'offsets.topic.replication.factor': '1', 'offsets.topic.num.partitions': '5', 'group.initial.rebalance.delay.ms': '300' });
  broker = startBroker(b);
  await broker.waitForLog(started);
  bootstrap = b.props.listeners.replace('PLAINTEXT://', '');
}, 60_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

async function until(cond: () => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!cond()) { if (Date.now() > deadline) throw new Error(`timed out: ${what}`); await new Promise((r) => setTimeout(r, 50)); }
}

describe('consumer groups on the real broker', () => {
  it('kafkajs: 3 consumers x 6 partitions, 3000 records once; one leaves; offsets survive a restart', async () => {
    const kafka = new Kafka({ clientId: 'wired', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'ev', numPartitions: 6 }], waitForLeaders: true });
    const seen: string[] = [];
    const assignments = new Map<number, number>();
    const consumers: Consumer[] = [];
    for (let i = 0; i < 3; i++) {
      const c = kafka.consumer({ groupId: 'wg', sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 500 });
      c.on(c.events.GROUP_JOIN, (e) => assignments.set(i, Object.values(e.payload.memberAssignment as Record<string, number[]>).reduce((n, p) => n + p.length, 0)));
      await c.connect();
      await c.subscribe({ topic: 'ev', fromBeginning: true });
      await c.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); } });
      consumers.push(c);
    }
    await until(() => assignments.size === 3 && [...assignments.values()].every((n) => n === 2), 60_000, 'join');
    const producer = kafka.producer();
    await producer.connect();
    for (let k = 0; k < 30; k++) await producer.send({ topic: 'ev', messages: Array.from({ length: 100 }, (_, j) => ({ value: `v${k * 100 + j}` })) });
    await until(() => seen.length >= 3000, 60_000, '3000');
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.length).toBe(3000);
    expect(new Set(seen).size).toBe(3000);
    assignments.clear();
    await consumers[2]!.disconnect();
    await until(() => (assignments.get(0) ?? 0) + (assignments.get(1) ?? 0) === 6, 60_000, 'rebalance');
    for (let k = 30; k < 60; k++) await producer.send({ topic: 'ev', messages: Array.from({ length: 100 }, (_, j) => ({ value: `v${k * 100 + j}` })) });
    await until(() => new Set(seen).size >= 6000, 60_000, '6000');
    for (const c of consumers.slice(0, 2)) await c.disconnect();
    await producer.disconnect();
    const before = await admin.fetchOffsets({ groupId: 'wg', topics: ['ev'] });
    const total = before[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
    expect(total).toBe(6000);
    const groups = await admin.listGroups();
    expect(groups.groups.map((g) => g.groupId)).toContain('wg');
    await admin.disconnect();

    // restart: committed offsets are loaded back from __consumer_offsets
    expect(await broker.stop()).toBe(0);
    broker = startBroker(b);
    await broker.waitForLog(started);
    const admin2 = kafka.admin();
    await admin2.connect();
    const after = await admin2.fetchOffsets({ groupId: 'wg', topics: ['ev'] });
    expect(after[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(6000);
    const d = await admin2.describeGroups(['wg']);
    expect(d.groups[0]!.state).toBe('Empty');
    await admin2.disconnect();
  }, 180_000);
});
