/**
 * Real clients against the real broker: kcat (librdkafka), kafkajs and kafka-python produce,
 * consume, and administer topics without noticing Rafka is not Apache Kafka.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, type TestBroker } from './support.js';

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;

function run(cmd: string, args: string[], input?: string, timeoutMs = 30_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0 }));
    if (input !== undefined) { p.stdin!.end(input); }
  });
}

const kcat = (args: string[], input?: string) => run('kcat', ['-b', bootstrap, ...args], input);
const python = (code: string) => run('/usr/bin/python3', ['-c', code], undefined, 60_000);

beforeAll(async () => {
  zk = await startZooKeeper();
  b = await brokerConfig(zk, { 'num.partitions': '1', 'auto.create.topics.enable': 'true' });
  broker = startBroker(b);
  await broker.waitForLog(started);
  bootstrap = b.props.listeners.replace('PLAINTEXT://', '');
}, 60_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

describe('kcat (librdkafka)', () => {
  it('lists the broker as its own controller', async () => {
    const r = await kcat(['-L', '-J']);
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(r.stdout);
    expect(meta.controllerid).toBe(1);
    expect(meta.brokers).toEqual([{ id: 1, name: bootstrap }]);
  });

  it('produces 1000 keyed messages to an auto-created topic and consumes them back in order', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `k${i % 7}:value-${i}`);
    const p = await kcat(['-P', '-t', 'kcat-topic', '-K:'], `${lines.join('\n')}\n`);
    expect(p.code, p.stderr).toBe(0);
    const c = await kcat(['-C', '-t', 'kcat-topic', '-e', '-o', 'beginning', '-f', '%k:%s:%o\n']);
    expect(c.code, c.stderr).toBe(0);
    const got = c.stdout.trim().split('\n');
    expect(got).toHaveLength(1000);
    expect(got.map((l) => l.split(':').slice(0, 2).join(':'))).toEqual(lines);
    expect(got.map((l) => Number(l.split(':')[2]))).toEqual(lines.map((_, i) => i));
  });
});

describe('kafkajs', () => {
  it('creates a topic, produces across its partitions with acks=all, reads offsets, deletes it', async () => {
    const kafka = new Kafka({ clientId: 'rafka-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'kjs', numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })).toBe(true);
      expect(await admin.listTopics()).toContain('kjs');
      const md = await admin.fetchTopicMetadata({ topics: ['kjs'] });
      expect(md.topics[0].partitions.map((p) => p.leader).sort()).toEqual([1, 1, 1]);
      const producer = kafka.producer();
      await producer.connect();
      for (let batch = 0; batch < 3; batch++) {
        await producer.send({ topic: 'kjs', acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ key: `key-${i}`, value: `v${batch}-${i}` })) });
      }
      await producer.disconnect();
      const offsets = await admin.fetchTopicOffsets('kjs');
      expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(300);
      expect(offsets.every((o) => o.low === '0')).toBe(true);
      await admin.deleteTopics({ topics: ['kjs'], timeout: 10_000 });
      expect(await admin.listTopics()).not.toContain('kjs');
    } finally {
      await admin.disconnect();
    }
  });
});

describe('kafka-python', () => {
  it('produces and consumes (assigned partition, no group) with its fixed old protocol versions', async () => {
    const r = await python(`
import json
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
p = KafkaProducer(bootstrap_servers='${bootstrap}', acks=1)
for i in range(100):
    p.send('kpy', key=b'k%d' % i, value=b'v%d' % i)
p.flush(); p.close()
c = KafkaConsumer(bootstrap_servers='${bootstrap}', group_id=None, enable_auto_commit=False, consumer_timeout_ms=5000)
tp = TopicPartition('kpy', 0)
c.assign([tp]); c.seek_to_beginning(tp)
got = [(m.offset, m.key.decode(), m.value.decode()) for m in c]
print(json.dumps(got)); c.close()
`);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => [i, `k${i}`, `v${i}`]));
  });
});

describe('durability', () => {
  it('serves every acknowledged message again after a clean restart', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `durable-${i}`);
    const p = await kcat(['-P', '-t', 'durable', '-X', 'acks=all'], `${lines.join('\n')}\n`);
    expect(p.code, `${p.stderr}\n${broker.tail(40)}`).toBe(0);
    expect(await broker.stop()).toBe(0);
    broker = startBroker(b);
    await broker.waitForLog(started);
    const loaded = await broker.waitForLog((l) => l.msg.startsWith('Log manager ready'));
    expect(loaded.logs).toBeGreaterThanOrEqual(2);
    const c = await kcat(['-C', '-t', 'durable', '-e', '-o', 'beginning']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim().split('\n')).toEqual(lines);
  });
});
