/**
 * Network worker threads (issue 17, opt-in RAFKA_NETWORK_WORKERS=1 with num.network.threads=2): real clients through
 * a broker whose PLAINTEXT connections are served by 2 worker threads. kcat (librdkafka) and kafkajs produce with
 * acks=all and read their records back byte for byte; the broker's debug lines show connections on both workers.
 * Opt-in like the feature (12–14 s with its own ZooKeeper and broker; 1 of 14 runs at load 21 timed out its kafkajs
 * consumer): RAFKA_NETWORK_WORKERS_IT=1 or `npm run test:network-workers`. CI runs the worker unit tests
 * (test/services/network/network-workers.test.ts) on real sockets.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { spawnBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, started, cleanupAll, runCommand, eventually, type TestBroker } from './support.js';

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;
const RUN = process.env['RAFKA_NETWORK_WORKERS_IT'] === '1';

beforeAll(async () => {
  if (!RUN) return;
  zk = await startZooKeeper();
  b = await brokerConfig(zk, { 'num.partitions': '2', 'auto.create.topics.enable': 'true', 'num.network.threads': '2', 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '2' });
  broker = spawnBroker(['-v', 'debug', b.configPath], { env: { RAFKA_NETWORK_WORKERS: process.env['T_NW_OFF'] === '1' ? '0' : '1' } });
  await broker.waitForLog(started, 60_000);
  bootstrap = b.props.listeners.replace('PLAINTEXT://', '');
}, 90_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

const handedTo = (w: number) => broker.logs.some((l) => l.msg.startsWith('Connection ') && l.msg.endsWith(`handed to network worker ${w}`));

describe.skipIf(!RUN)('network worker threads (RAFKA_NETWORK_WORKERS=1, num.network.threads=2)', () => {
  it('started 2 workers', () => {
    expect(broker.logs.some((l) => l.msg === '2 network worker threads serve the PLAINTEXT listeners\' connections'), broker.tail()).toBe(true);
  });

  it('kcat produces 500 records with acks=all and reads them back byte for byte', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `k${i % 7}:${randomBytes(20 + (i % 50)).toString('base64')}`);
    const p = await runCommand('kcat', ['-b', bootstrap, '-P', '-t', 'nw-kcat', '-K:', '-X', 'acks=all'], `${lines.join('\n')}\n`);
    expect(p.code, p.stderr).toBe(0);
    const c = await runCommand('kcat', ['-b', bootstrap, '-C', '-t', 'nw-kcat', '-e', '-o', 'beginning', '-f', '%p:%k:%s\n']);
    expect(c.code, c.stderr).toBe(0);
    const got = c.stdout.trim().split('\n').map((l) => { const [, ...rest] = l.split(':'); return rest.join(':'); });
    expect(got.sort()).toEqual([...lines].sort());
  });

  it('kafkajs produces binary records with acks=all and a group consumer reads them back byte for byte', async () => {
    const kafka = new Kafka({ clientId: 'rafka-nw', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: 'nw-group', maxWaitTimeInMs: 200 });
    try {
      await admin.createTopics({ topics: [{ topic: 'nw-kjs', numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
      // the group join (coordinator, offsets topic) overlaps the produce: the consumer reads records as they arrive
      const got = new Map<string, Buffer>();
      await consumer.connect();
      await consumer.subscribe({ topic: 'nw-kjs', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => { got.set(message.key!.toString(), Buffer.from(message.value!)); } });
      await producer.connect();
      const sent = new Map<string, Buffer>();
      for (let batch = 0; batch < 3; batch++) {
        const messages = Array.from({ length: 100 }, (_, i) => {
          const key = `key-${batch}-${i}`;
          const value = randomBytes(i === 50 ? 100_000 : 1 + i * 13); // one ~100 KB record per batch
          sent.set(key, value);
          return { key, value };
        });
        await producer.send({ topic: 'nw-kjs', acks: -1, messages });
      }
      const offsets = await admin.fetchTopicOffsets('nw-kjs');
      expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(300);
      await eventually(async () => got.size >= sent.size, 30_000, 'every record consumed').catch((e) => { throw new Error(`${e.message}: ${got.size} of ${sent.size}\n${broker.tail(30)}`); });
      for (const [k, v] of sent) expect(got.get(k)?.equals(v), k).toBe(true);
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  });

  it('spread the connections over both workers', () => {
    expect(handedTo(0) && handedTo(1), broker.tail(40)).toBe(true);
  });
});
