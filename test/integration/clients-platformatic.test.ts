/**
 * @platformatic/kafka 1.35.0 (the release npm installs on Node 20) against the real broker process: its admin
 * (CreateTopics v7, Metadata v9, DescribeConfigs v4, DeleteTopics v6), its producer (Produce v7, keyed records,
 * acks=all) and its group consumer (FindCoordinator v4, JoinGroup v6, SyncGroup v4, Fetch v12, OffsetCommit v8,
 * OffsetFetch v8). It decodes every fetched batch as RecordBatch v2 without looking at the magic byte, so reading
 * back exactly what was produced also checks that the broker only ever serves v2 batches.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Admin, Producer, Consumer, ProduceAcks, ConfigResourceTypes, stringSerializers, stringDeserializers, type MessagesStream } from '@platformatic/kafka';
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildLegacyMessageSet } from '../../src/services/log/record-conversion.js';
import { CompressionType, TimestampType } from '../../src/services/log/record-batch.js';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, eventually, type TestBroker } from './support.js';

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  zk = await startZooKeeper();
  b = await brokerConfig(zk, {
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '3',
    'group.initial.rebalance.delay.ms': '0',
    'group.min.session.timeout.ms': '1000',
  });
  broker = startBroker(b);
  await broker.waitForLog(started);
  bootstrap = b.props.listeners.replace('PLAINTEXT://', '');
}, 60_000);

afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  await stopAllBrokers();
  await cleanupAll();
  await zk?.close();
});

const base = () => ({ bootstrapBrokers: [bootstrap], retries: 5, retryDelay: 100, timeout: 10_000 });

function admin(): Admin {
  const a = new Admin({ clientId: 'plt-admin', ...base() });
  closers.push(() => a.close());
  return a;
}

function producer(): Producer<string, string, string, string> {
  const p = new Producer({ clientId: 'plt-producer', ...base(), serializers: stringSerializers, acks: ProduceAcks.ALL });
  closers.push(() => p.close());
  return p;
}

function consumer(groupId: string): Consumer<string, string, string, string> {
  const c = new Consumer({
    clientId: `plt-consumer-${groupId}`, groupId, ...base(), deserializers: stringDeserializers,
    sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: 500, maxWaitTime: 200,
  });
  closers.push(() => new Promise<void>((resolve) => c.close(true, () => resolve())));
  return c;
}

type Seen = { partition: number; offset: bigint; key: string; value: string; header: string | undefined };

/** Reads the stream until `count` messages arrived (deadline: timeoutMs), committing each one. */
async function readCommitting(stream: MessagesStream<string, string, string, string>, count: number, timeoutMs = 20_000): Promise<Seen[]> {
  const seen: Seen[] = [];
  const timer = setTimeout(() => stream.destroy(new Error(`read ${seen.length} of ${count} messages in ${timeoutMs} ms\n${broker.tail(20)}`)), timeoutMs);
  try {
    for await (const m of stream) {
      seen.push({ partition: m.partition, offset: m.offset, key: m.key, value: m.value, header: m.headers.get('h') });
      await m.commit();
      if (seen.length >= count) break;
    }
  } finally { clearTimeout(timer); }
  return seen;
}

describe('@platformatic/kafka 1.35.0', () => {
  it('admin creates, lists, describes and deletes topics', async () => {
    const a = admin();
    const created = await a.createTopics({ topics: ['plt-admin'], partitions: 3, replicas: 1, configs: [{ name: 'retention.ms', value: '3600000' }] });
    expect(created.map((t) => ({ name: t.name, partitions: t.partitions, replicas: t.replicas }))).toEqual([{ name: 'plt-admin', partitions: 3, replicas: 1 }]);
    expect(created[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await a.listTopics()).toContain('plt-admin');

    const md = await a.metadata({ topics: ['plt-admin'], forceUpdate: true });
    const topic = md.topics.get('plt-admin')!;
    expect(topic.partitionsCount).toBe(3);
    expect(topic.partitions.map((p) => p.leader)).toEqual([1, 1, 1]);
    expect([...md.brokers.keys()]).toEqual([1]);

    const [desc] = await a.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'plt-admin', configurationKeys: ['retention.ms', 'cleanup.policy'] }] });
    expect(Object.fromEntries(desc!.configs.map((c) => [c.name, c.value]))).toEqual({ 'retention.ms': '3600000', 'cleanup.policy': 'delete' });

    await a.deleteTopics({ topics: ['plt-admin'] });
    await eventually(async () => !(await a.listTopics()).includes('plt-admin'), 10_000, 'plt-admin to disappear');
  });

  it('produces keyed records with acks=all; a group consumer reads them all and commits; a second member of the group resumes after the commits', async () => {
    await admin().createTopics({ topics: ['plt-data'], partitions: 3, replicas: 1 });
    const p = producer();
    const sent = Array.from({ length: 600 }, (_, i) => ({ key: `key-${i % 11}`, value: `value-${i}`, header: `h${i}` }));
    const acked: Array<{ partition: number; offset: bigint }> = [];
    for (let i = 0; i < sent.length; i += 200) {
      const r = await p.send({
        acks: ProduceAcks.ALL,
        messages: sent.slice(i, i + 200).map((m) => ({ topic: 'plt-data', key: m.key, value: m.value, headers: new Map([['h', m.header]]) })),
      });
      acked.push(...r.offsets!.map((o) => ({ partition: o.partition, offset: o.offset })));
    }
    expect(acked.length).toBeGreaterThan(0);

    // first member: everything produced, each record once, keys keep their partition, offsets dense per partition
    const c1 = consumer('plt-group');
    const s1 = await c1.consume({ topics: ['plt-data'], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    const first = await readCommitting(s1, sent.length);
    expect(first.map((m) => m.value).sort()).toEqual(sent.map((m) => m.value).sort());
    expect(first.every((m) => m.header === `h${m.value.slice('value-'.length)}`)).toBe(true);
    const partitionOfKey = new Map<string, number>();
    for (const m of first) {
      expect(partitionOfKey.get(m.key) ?? m.partition, `key ${m.key}`).toBe(m.partition);
      partitionOfKey.set(m.key, m.partition);
    }
    const perPartition = new Map<number, bigint[]>();
    for (const m of first) perPartition.set(m.partition, [...(perPartition.get(m.partition) ?? []), m.offset]);
    for (const offsets of perPartition.values()) expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)));
    const committed = await c1.listCommittedOffsets({ topics: [{ topic: 'plt-data', partitions: [0, 1, 2] }] });
    expect(committed.get('plt-data')).toEqual([0, 1, 2].map((i) => BigInt(perPartition.get(i)?.length ?? 0)));
    await s1.close();
    await c1.close();

    // more records, then a second consumer in the same group: it starts at the commits, so it sees only the new ones
    const more = Array.from({ length: 90 }, (_, i) => ({ topic: 'plt-data', key: `key-${i % 11}`, value: `later-${i}` }));
    await p.send({ acks: ProduceAcks.ALL, messages: more });
    const c2 = consumer('plt-group');
    const s2 = await c2.consume({ topics: ['plt-data'], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    const second = await readCommitting(s2, more.length);
    expect(second.map((m) => m.value).sort()).toEqual(more.map((m) => m.value).sort());
    await s2.close();
  });

  it('reads a log written in the legacy format (magic 0/1, as by Kafka < 0.11) as v2 batches, and appends after it', async () => {
    await admin().createTopics({ topics: ['plt-legacy'], partitions: 1, replicas: 1 });
    const holds = async (d: string) => existsSync(d) && (await readdir(d)).includes('plt-legacy-0');
    const dirOf = async () => { for (const d of b.logDirs) if (await holds(d)) return d; return undefined; };
    const logDir = (await eventually(dirOf, 10_000, 'the plt-legacy-0 log'))!;
    expect(await broker.stop()).toBe(0);

    // the partition's only segment replaced by message sets of the old formats, as an unclean shutdown left it
    const rec = (o: number) => ({ offset: BigInt(o), timestamp: 1_600_000_000_000 + o, key: Buffer.from(`old-key-${o}`), value: Buffer.from(`old-${o}`) });
    const segment = Buffer.concat([
      buildLegacyMessageSet({ magic: 0, compressionType: CompressionType.None, timestampType: TimestampType.CreateTime, records: [0, 1].map(rec) }),
      buildLegacyMessageSet({ magic: 1, compressionType: CompressionType.Gzip, timestampType: TimestampType.CreateTime, records: [2, 3, 4].map(rec) }),
      buildLegacyMessageSet({ magic: 1, compressionType: CompressionType.None, timestampType: TimestampType.CreateTime, records: [5].map(rec) }),
    ]);
    const partitionDir = join(logDir, 'plt-legacy-0');
    for (const f of await readdir(partitionDir)) if (/\.(index|timeindex|log)$/.test(f)) await rm(join(partitionDir, f));
    await writeFile(join(partitionDir, '00000000000000000000.log'), segment);
    await rm(join(logDir, '.kafka_cleanshutdown'), { force: true });
    broker = startBroker(b);
    await broker.waitForLog(started);

    await producer().send({ acks: ProduceAcks.ALL, messages: [{ topic: 'plt-legacy', key: 'new-key', value: 'new-6' }] });
    const c = consumer('plt-legacy-group');
    const s = await c.consume({ topics: ['plt-legacy'], mode: 'earliest', autocommit: false });
    const got = await readCommitting(s, 7);
    expect(got.map((m) => [m.offset, m.key, m.value])).toEqual([
      ...[0, 1, 2, 3, 4, 5].map((o) => [BigInt(o), `old-key-${o}`, `old-${o}`]),
      [6n, 'new-key', 'new-6'],
    ]);
    await s.close();
  });
});

