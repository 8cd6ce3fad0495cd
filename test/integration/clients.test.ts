/**
 * Real clients against the real broker: kcat (librdkafka), kafkajs and kafka-python produce,
 * consume, and administer topics without noticing Rafka is not Apache Kafka.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, inspectZk, type TestBroker } from './support.js';
import { CreateMode } from '../../src/services/zookeeper/zk-session.js';
import { createTopicWithAssignment } from '../../src/services/admin/admin-zk-client.js';

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

describe('kcat (librdkafka) offsets and timestamps', () => {
  // 40 records, record i with CreateTime T0 + 1000 i, in 4 batches of 10 (kafkajs sets explicit timestamps)
  const T0 = Date.now() - 3_600_000;
  const ts = (i: number) => T0 + 1000 * i;
  beforeAll(async () => {
    const kafka = new Kafka({ clientId: 'rafka-ts', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const producer = kafka.producer();
    await producer.connect();
    for (let b0 = 0; b0 < 40; b0 += 10) {
      await producer.send({ topic: 'kcat-ts', acks: -1, messages: Array.from({ length: 10 }, (_, k) => ({ key: `k${b0 + k}`, value: `v${b0 + k}`, timestamp: String(ts(b0 + k)) })) });
    }
    await producer.disconnect();
  });
  const consume = async (offset: string) => {
    const c = await kcat(['-C', '-t', 'kcat-ts', '-p', '0', '-e', '-o', offset, '-f', '%o:%T:%s\n']);
    expect(c.code, c.stderr).toBe(0);
    return c.stdout.trim().split('\n').filter((l) => l !== '');
  };
  const expected = (from: number, to = 40) => Array.from({ length: to - from }, (_, k) => `${from + k}:${ts(from + k)}:v${from + k}`);

  it('-Q answers offsets for times: inside a batch, on a batch boundary, before the first and after the last record', async () => {
    // one query per run: the same partition twice in one ListOffsets request is INVALID_REQUEST in Kafka
    const query = async (t: number) => {
      const q = await kcat(['-Q', '-t', `kcat-ts:0:${t}`]);
      expect(q.code, q.stderr).toBe(0);
      const m = /^kcat-ts \[0\]\s+offset (-?\d+)$/m.exec(q.stdout); // -1: no record that late
      expect(m, q.stdout).not.toBeNull();
      return Number(m![1]);
    };
    expect(await query(ts(14) - 500)).toBe(14);
    expect(await query(ts(20))).toBe(20);
    expect(await query(T0 - 60_000)).toBe(0);
    expect(await query(ts(39) + 1)).toBe(-1);
  });

  it('consumes from a timestamp (-o s@ms): the first record at or after it, in the middle of a batch', async () => {
    expect(await consume(`s@${ts(23) - 1}`)).toEqual(expected(23));
  });

  it('consumes from an absolute offset inside a batch, and from N before the end (-o -N)', async () => {
    expect(await consume('17')).toEqual(expected(17));
    expect(await consume('-5')).toEqual(expected(35));
  });

  it('consumes from the end: only records produced after it started', async () => {
    const tail = execFile('kcat', ['-b', bootstrap, '-C', '-t', 'kcat-ts', '-p', '0', '-o', 'end', '-c', '3', '-f', '%o:%s\n'], { timeout: 30_000 });
    let out = '';
    tail.stdout!.on('data', (d) => { out += d; });
    const exited = new Promise<number | null>((resolve) => tail.on('exit', (code) => resolve(code)));
    // one record at a time until kcat has 3: it may have taken its end offset after the first few
    let done = false;
    void exited.then(() => { done = true; });
    for (let j = 0; !done && j < 50; j++) {
      const p = await kcat(['-P', '-t', 'kcat-ts', '-p', '0'], `late-${j}\n`);
      expect(p.code, p.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await exited).toBe(0);
    const got = out.trim().split('\n').map((l) => l.split(':'));
    expect(got).toHaveLength(3);
    const first = Number(got[0]![0]);
    expect(first).toBeGreaterThanOrEqual(40); // none of the 40 records that were there before
    expect(got).toEqual([0, 1, 2].map((k) => [String(first + k), `late-${first + k - 40}`]));
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

describe('topic-level configs reach the Fetch path (topic override > broker default)', () => {
  it('message.downconversion.enable=false set by kafkajs createTopics: old fetches of that topic fail, of others and new fetches work', async () => {
    const kafka = new Kafka({ clientId: 'rafka-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ waitForLeaders: true, topics: [
        { topic: 'noconv', numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'message.downconversion.enable', value: 'false' }] },
        { topic: 'conv', numPartitions: 1, replicationFactor: 1 },
      ] })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    for (const t of ['noconv', 'conv']) expect((await kcat(['-P', '-t', t], 'a\nb\nc\n')).code).toBe(0);
    const r = await python(`
import json, time
from kafka import KafkaConsumer, TopicPartition
def consume(topic, api):
    c = KafkaConsumer(bootstrap_servers='${bootstrap}', group_id=None, enable_auto_commit=False, api_version=api)
    tp = TopicPartition(topic, 0)
    c.assign([tp]); c.seek(tp, 0)
    got, deadline = [], time.time() + 4
    try:
        while len(got) < 3 and time.time() < deadline:
            for recs in c.poll(timeout_ms=100).values():
                got += [m.value.decode() for m in recs]
    except Exception as e:
        got = type(e).__name__
    c.close()
    return got
print(json.dumps({'old-noconv': consume('noconv', (0, 10, 0)), 'old-conv': consume('conv', (0, 10, 0)), 'new-noconv': consume('noconv', None)}))
`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual({ 'old-noconv': 'UnsupportedVersionError', 'old-conv': ['a', 'b', 'c'], 'new-noconv': ['a', 'b', 'c'] });
    // a later override, written as kafka-configs.sh --alter --entity-type topics does (/config/topics + a change notification)
    const s = await inspectZk(zk, b.chroot);
    await s.setData('/config/topics/conv', Buffer.from(JSON.stringify({ version: 1, config: { 'message.downconversion.enable': 'false' } })));
    await s.create('/config/changes/config_change_', Buffer.from(JSON.stringify({ version: 2, entity_path: 'topics/conv' })), CreateMode.PERSISTENT_SEQUENTIAL);
    await s.close();
    await broker.waitForLog((l) => l.msg === 'Processed topic config change for conv');
    const again = await python(`
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers='${bootstrap}', group_id=None, enable_auto_commit=False, api_version=(0, 10, 0))
tp = TopicPartition('conv', 0)
c.assign([tp]); c.seek(tp, 0)
try:
    c.poll(timeout_ms=4000); print('no error')
except Exception as e:
    print(type(e).__name__)
`);
    expect(again.stdout.trim().split('\n').at(-1), again.stderr).toBe('UnsupportedVersionError');
  });
});

describe('topic-level configs of a topic created by another tool (written to ZooKeeper directly)', () => {
  it('reach its logs: an old fetch of it is refused by message.downconversion.enable=false', async () => {
    const s = await inspectZk(zk, b.chroot);
    await createTopicWithAssignment(s, { topic: 'zk-noconv', assignment: new Map([[0, [1]]]), configs: { 'message.downconversion.enable': 'false' } });
    await s.close();
    await broker.waitForLog((l) => l.msg === 'Processed topic config change for zk-noconv');
    expect((await kcat(['-P', '-t', 'zk-noconv'], 'a\n')).code).toBe(0);
    const r = await python(`
from kafka import KafkaConsumer, TopicPartition
def first_error(api):
    c = KafkaConsumer(bootstrap_servers='${bootstrap}', group_id=None, enable_auto_commit=False, api_version=api)
    tp = TopicPartition('zk-noconv', 0)
    c.assign([tp]); c.seek(tp, 0)
    try:
        got = sum(len(v) for v in c.poll(timeout_ms=4000).values()); return 'records: %d' % got
    except Exception as e:
        return type(e).__name__
    finally:
        c.close()
print(first_error((0, 10, 0))); print(first_error(None))
`);
    expect(r.stdout.trim().split('\n').slice(-2), r.stderr).toEqual(['UnsupportedVersionError', 'records: 1']);
  });
});

describe('kafka-python with old protocol versions (api_version pinned, as clients of Kafka 0.8.2–0.10.1)', () => {
  it('produces magic 0/1 message sets (Produce v0–v2) and fetches them and v2 batches down-converted (Fetch v0–v3)', async () => {
    // per pinned version: its own topic (codec per version), then read back from offset 5 of it and of a topic
    // written by a current producer (v2 batches, gzip, 20 records per batch: offset 5 is inside a batch)
    const r = await python(`
import json, time
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
B = '${bootstrap}'
def produce(topic, api, comp):
    p = KafkaProducer(bootstrap_servers=B, acks=1, api_version=api, compression_type=comp, linger_ms=50)
    fs = [p.send(topic, key=b'k%d' % i, value=b'v%d' % i) for i in range(20)]
    offsets = [f.get(timeout=10).offset for f in fs]
    p.close()
    return offsets
def consume(topic, api, start, n):
    c = KafkaConsumer(bootstrap_servers=B, group_id=None, enable_auto_commit=False, api_version=api)
    tp = TopicPartition(topic, 0)
    c.assign([tp]); c.seek(tp, start)
    got, deadline = [], time.time() + 15
    while len(got) < n and time.time() < deadline:
        for recs in c.poll(timeout_ms=200).values():
            got += [[m.offset, m.key.decode(), m.value.decode(), m.timestamp is not None] for m in recs]
    c.close()
    return got
out = {'modern': produce('kpy-modern', None, 'gzip')}
for name, api, comp in [('v0', (0, 8, 2), 'snappy'), ('v1', (0, 9), None), ('v2', (0, 10, 0), 'lz4'), ('v3', (0, 10, 1), 'gzip')]:
    out[name] = {'offsets': produce('kpy-old-' + name, api, comp), 'own': consume('kpy-old-' + name, api, 5, 15), 'modern': consume('kpy-modern', api, 5, 15)}
print(json.dumps(out))
`);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    const all = Array.from({ length: 20 }, (_, i) => i);
    expect(out.modern).toEqual(all);
    for (const [name, fetchVersion] of [['v0', 0], ['v1', 1], ['v2', 2], ['v3', 3]] as const) {
      const hasTimestamps = fetchVersion >= 2; // magic 1 carries timestamps, magic 0 none
      const expected = all.slice(5).map((i) => [i, `k${i}`, `v${i}`, hasTimestamps]);
      expect(out[name].offsets, name).toEqual(all);
      expect(out[name].own, name).toEqual(expected);
      expect(out[name].modern, name).toEqual(expected);
    }
  });
});

describe('kafka-python below 0.10.1 (ListOffsets v0): logical offsets', () => {
  it('seek_to_beginning / seek_to_end / auto_offset_reset with api_version (0, 9) and (0, 10, 0)', async () => {
    const r = await python(`
import json, time
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
B = '${bootstrap}'
p = KafkaProducer(bootstrap_servers=B, acks=1)
for i in range(10):
    p.send('kpy-v0-offsets', value=b'v%d' % i)
p.flush(); p.close()
tp = TopicPartition('kpy-v0-offsets', 0)
def drain(c, n):
    got, deadline = [], time.time() + 10
    while len(got) < n and time.time() < deadline:
        for recs in c.poll(timeout_ms=100).values():
            got += [m.offset for m in recs]
    return got
out = {}
for api in [(0, 9), (0, 10, 0)]:
    name = '.'.join(map(str, api))
    c = KafkaConsumer(bootstrap_servers=B, group_id=None, enable_auto_commit=False, api_version=api)
    c.assign([tp])
    c.seek_to_beginning(tp); first = c.position(tp); begin = drain(c, 10)
    c.seek_to_end(tp); end = c.position(tp)
    c.close()
    r = KafkaConsumer(bootstrap_servers=B, group_id=None, enable_auto_commit=False, api_version=api, auto_offset_reset='earliest')
    r.assign([tp]); reset = drain(r, 10); r.close()
    out[name] = {'first': first, 'begin': begin, 'end': end, 'reset': reset}
print(json.dumps(out))
`);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    const all = Array.from({ length: 10 }, (_, i) => i);
    for (const name of ['0.9', '0.10.0']) expect(out[name], name).toEqual({ first: 0, begin: all, end: 10, reset: all });
  });
});

describe('kcat (librdkafka) with broker.version.fallback (no ApiVersions: the old fixed versions)', () => {
  // 0.9.0: Produce v1 (magic 0) + Fetch v1 + ListOffsets v0; 0.10.0: Produce v2 (magic 1) + Fetch v2 + ListOffsets v1;
  // 0.10.1: Fetch v3. Logical offsets (beginning, N before the end) go through ListOffsets.
  it.each([['0.9.0', 'gzip', false], ['0.10.0', 'snappy', true], ['0.10.1', 'lz4', true]] as const)('%s, -z %s: produces and consumes from the beginning, from an offset and from N before the end', async (fallback, codec, hasTimestamps) => {
    const x = ['-X', 'api.version.request=false', '-X', `broker.version.fallback=${fallback}`];
    const topic = `kcat-fallback-${fallback}`;
    const p = await kcat(['-P', '-t', topic, '-K:', '-z', codec, ...x], 'k0:v0\nk1:v1\nk2:v2\nk3:v3\n');
    expect(p.code, p.stderr).toBe(0);
    const consume = async (from: string) => {
      const c = await kcat(['-C', '-t', topic, '-p', '0', '-o', from, '-e', '-f', '%o %k %s %T\n', ...x]);
      expect(c.code, c.stderr).toBe(0);
      return c.stdout.trim().split('\n').map((l) => l.split(' '));
    };
    const expected = (from: number) => [0, 1, 2, 3].slice(from).map((i) => [String(i), `k${i}`, `v${i}`]);
    const all = await consume('beginning');
    expect(all.map((f) => f.slice(0, 3))).toEqual(expected(0));
    // %T: the record timestamp (magic 1), 0 when the format has none (magic 0)
    expect(all.every((f) => (Number(f[3]) > 0) === hasTimestamps)).toBe(true);
    expect((await consume('1')).map((f) => f.slice(0, 3))).toEqual(expected(1));
    expect((await consume('-2')).map((f) => f.slice(0, 3))).toEqual(expected(2));
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
