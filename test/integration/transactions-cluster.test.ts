/**
 * Transactions on a 3-broker cluster: the partitions of a transaction are led by different brokers, so the
 * coordinator writes most markers with WriteTxnMarkers over the inter-broker listener (and its own in-process);
 * `__transaction_state` has replication factor 3 (min ISR 2). kafkajs commits and aborts across the three leaders;
 * read_committed sees exactly the committed records. Then the coordinator broker is killed (kill -9) with a
 * transaction open: a new coordinator takes over `__transaction_state`, and a new producer with the same id fences the
 * old transaction (aborted) and commits.
 *
 * Opt-in (`npm run test:transactions:full`, ~45 s with the cluster start): the CI budget is spent by the single-broker
 * file (transactions.test.ts), which covers the in-process marker path and the WriteTxnMarkers handler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { partitionForTxn } from '../../src/services/transaction/transaction-log.js';

const FULL = process.env.RAFKA_TXN_FULL === '1';
let zk: ZooKeeperServer;
let c: Cluster;
let kafka: Kafka;

beforeAll(async () => {
  if (!FULL) return;
  zk = await startZooKeeper();
  c = await startCluster({
    zkConnect: zk.connectString,
    props: {
      'auto.create.topics.enable': 'false',
      'zookeeper.session.timeout.ms': '4000',
      'group.initial.rebalance.delay.ms': '0',
      'offsets.topic.num.partitions': '3',
      'transaction.state.log.num.partitions': '3',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
    },
  });
  kafka = new Kafka({ clientId: 'txn-cluster', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'txc', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
  await admin.disconnect();
}, 120_000);
afterAll(async () => {
  await c?.close();
  await zk?.close();
});

async function readCommitted(topic: string, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `r-${Date.now()}`, maxWaitTimeInMs: 100 });
  const got: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }: EachMessagePayload) => { got.push(message.value!.toString()); } });
  try {
    await c.waitFor(() => got.length >= expected, `${expected} committed records of ${topic}`, 30_000);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await consumer.disconnect();
  }
  return got;
}

describe.runIf(FULL)('transactions on three brokers', () => {
  it('commit and abort across partitions led by three brokers (remote WriteTxnMarkers); the coordinator fails over', async () => {
    const leaders = new Set<number>();
    for (const p of [0, 1, 2]) leaders.add((await c.waitForLeader('txc', p)).leader);
    expect(leaders.size).toBeGreaterThan(1); // markers must go to another broker

    const producer = kafka.producer({ transactionalId: 'txc-id', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const all = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ partition: i % 3, value: `${prefix}${i}` }));
    const t1 = await producer.transaction();
    await t1.send({ topic: 'txc', messages: all('c', 6) });
    await t1.commit();
    const t2 = await producer.transaction();
    await t2.send({ topic: 'txc', messages: all('a', 6) });
    await t2.abort();
    const got = await readCommitted('txc', 6);
    expect([...got].sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);

    // kill the coordinator (the leader of the id's __transaction_state partition) with a transaction open
    const t3 = await producer.transaction();
    await t3.send({ topic: 'txc', messages: all('z', 3) });
    const coordinator = (await c.waitForLeader('__transaction_state', partitionForTxn('txc-id', 3))).leader;
    await c.kill(coordinator);
    await c.waitForLeader('__transaction_state', partitionForTxn('txc-id', 3), { not: coordinator, timeoutMs: 30_000 });
    await producer.disconnect().catch(() => {});
    const fresh = kafka.producer({ transactionalId: 'txc-id', maxInFlightRequests: 1, idempotent: true });
    await fresh.connect(); // fences and aborts t3 on the new coordinator
    const t4 = await fresh.transaction();
    await t4.send({ topic: 'txc', messages: all('n', 3) });
    await t4.commit();
    await fresh.disconnect();
    const after = await readCommitted('txc', 9);
    expect([...after].sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'n0', 'n1', 'n2']);
  }, 120_000);
});
