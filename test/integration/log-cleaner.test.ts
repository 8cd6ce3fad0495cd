/**
 * Log compaction on the real broker process (real ZooKeeper, kcat and a raw pipelined OffsetCommit client):
 *  - a compacted topic, 100k keyed records = 1k keys × 100 overwrites: after cleaning, kcat reads every key's latest
 *    value and the partition's `.log` files shrank to a fraction of what was written;
 *  - tombstones are consumed while young and vanish after delete.retention.ms;
 *  - __consumer_offsets after 1M offset commits of one group is < 5% of its uncompacted size;
 *  - kill -9 while the cleaner works: after a restart every key's latest value is there, no .cleaned/.swap left.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeResponse, encodeRequest } from '../../src/protocol/frame.js';
import { iterateBatches, RecordBatch } from '../../src/services/log/record-batch.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { prerequisite } from '../helpers/environment.js';
import { brokerConfig, cleanupAll, startBroker, started, type TestBroker } from './support.js';

const exec = promisify(execFile);
const hasKcat = prerequisite('kcat', existsSync('/usr/bin/kcat'), 'apt-get install -y kcat');

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;
let kafka: Kafka;
let logDir: string;

const KEYS = 1000;
const ROUNDS = 100;

async function until<T>(f: () => T | Promise<T>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${broker.tail(15)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const partDir = (tp: string) => join(logDir, tp);
/** Bytes of the partition's .log files; listed again when the broker renamed one (swap, .deleted) between the listing and its stat. */
function logBytes(tp: string): number {
  for (;;) {
    try {
      return readdirSync(partDir(tp)).filter((f) => f.endsWith('.log')).reduce((n, f) => n + statSync(join(partDir(tp), f)).size, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
const tempFiles = (tp: string) => readdirSync(partDir(tp)).filter((f) => /\.(cleaned|swap)$/.test(f));

async function createTopic(topic: string, configs: Record<string, string>, numPartitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** kcat producer: `key\tvalue` lines (an empty value is a tombstone with -Z). */
async function produce(topic: string, lines: string[]): Promise<void> {
  const child = exec('kcat', ['-b', bootstrap, '-P', '-t', topic, '-p', '0', '-K', '\t', '-Z', '-X', 'linger.ms=20', '-X', 'batch.num.messages=1000', '-X', 'topic.message.timeout.ms=20000'], { timeout: 60_000, maxBuffer: 1 << 26 });
  child.child.stdin!.end(lines.map((l) => `${l}\n`).join(''));
  await child;
}

/** Everything in the partition from the beginning: [key, value or null]. */
async function consume(topic: string): Promise<Array<[string, string | null]>> {
  const { stdout } = await exec('kcat', ['-b', bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k\t%S\t%s\n'], { timeout: 60_000, maxBuffer: 1 << 28 });
  return stdout.split('\n').filter((l) => l !== '').map((l) => {
    const [k, len, ...v] = l.split('\t');
    return [k!, len === '-1' ? null : v.join('\t')];
  });
}

/** One request on `sock`, its decoded OffsetCommit v7 response. */
function oneRequest(sock: import('node:net').Socket, frame: Buffer) {
  return new Promise<{ topics: Array<{ partitions: Array<{ errorCode: number }> }> }>((resolve) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      sock.off('data', onData);
      resolve(decodeResponse(buf.subarray(4, 4 + buf.readInt32BE(0)), 8, 7).body as never);
    };
    sock.on('data', onData);
    sock.write(frame);
  });
}

const latest = (recs: Array<[string, string | null]>) => new Map(recs);

describe.skipIf(!hasKcat)('log cleaner on the real broker', () => {
  beforeAll(async () => {
    zk = await startZooKeeper();
    b = await brokerConfig(zk, {
      'num.partitions': '1',
      'offsets.topic.replication.factor': '1',
      'offsets.topic.num.partitions': '1',
      'offsets.topic.segment.bytes': String(1 << 20),
      'group.initial.rebalance.delay.ms': '0',
      'log.cleaner.backoff.ms': '100',
      'log.cleaner.dedupe.buffer.size': String(4 << 20),
      'log.segment.delete.delay.ms': '1000',
    }, {});
    logDir = b.logDirs[0]!;
    b.props['log.dirs'] = logDir;
    const { writeBrokerConfig } = await import('../helpers/broker-process.js');
    await writeBrokerConfig(b.dir, b.props);
    broker = startBroker(b);
    await broker.waitForLog(started);
    bootstrap = b.props.listeners!.replace('PLAINTEXT://', '');
    kafka = new Kafka({ clientId: 'cleaner-it', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
  }, 60_000);
  afterAll(async () => {
    await stopAllBrokers();
    await cleanupAll();
    await zk?.close();
  });

  let written = 0;
  const value = (round: number, k: number) => `value-${round}-of-key-${k}-${'x'.repeat(16)}`;

  it('100k records over 1k keys: every key keeps its latest value, the log shrinks', async () => {
    await createTopic('compacted', { 'cleanup.policy': 'compact', 'segment.bytes': String(128 * 1024), 'min.cleanable.dirty.ratio': '0.01' });
    const lines: string[] = [];
    for (let r = 0; r < ROUNDS; r++) for (let k = 0; k < KEYS; k++) lines.push(`key-${k}\t${value(r, k)}`);
    written = lines.reduce((n, l) => n + l.length - 1, 0); // key + value bytes alone: a lower bound of the uncompacted log
    await produce('compacted', lines);
    // the last segment stays active (never cleaned): what is cleanable shrinks to ~1k records
    await until(() => logBytes('compacted-0') < written / 10, 30_000, `compacted-0 below ${written / 10} bytes (now ${logBytes('compacted-0')})`);
    const got = await consume('compacted');
    if (process.env.RAFKA_DEBUG_CLEANER) console.log('compacted-0', { written, logBytes: logBytes('compacted-0'), records: got.length });
    const want = new Map(Array.from({ length: KEYS }, (_, k) => [`key-${k}`, value(ROUNDS - 1, k)]));
    expect(latest(got)).toEqual(want);
    expect(got.length).toBeLessThan(ROUNDS * KEYS / 10);
    expect(tempFiles('compacted-0')).toEqual([]);
  }, 90_000);

  it('a record without a key is rejected by a compacted topic (INVALID_RECORD)', async () => {
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    try {
      await expect(producer.send({ topic: 'compacted', messages: [{ value: 'no key' }] })).rejects.toThrow(/failed the validation|without key|INVALID_RECORD/i);
    } finally {
      await producer.disconnect();
    }
  }, 30_000);

  it('tombstones are there while young and vanish after delete.retention.ms', async () => {
    await createTopic('tombs', { 'cleanup.policy': 'compact', 'delete.retention.ms': '1000', 'segment.ms': '300', 'min.cleanable.dirty.ratio': '0.01' });
    await produce('tombs', Array.from({ length: 100 }, (_, i) => `t-${i}\tv-${i}`));
    await produce('tombs', Array.from({ length: 50 }, (_, i) => `t-${i}\t`)); // null values
    const young = latest(await consume('tombs'));
    expect([...young.values()].filter((v) => v === null).length).toBe(50);
    // keep producing a filler now and then: segments roll (segment.ms) and the cleaner gets dirty bytes to clean
    let n = 0;
    const seen = await until(async () => {
      await produce('tombs', [`filler-${n++}\tf`]);
      const now = await consume('tombs');
      return now.every(([, v]) => v !== null) ? now : null;
    }, 30_000, 'tombstones removed');
    const m = latest(seen!);
    for (let i = 0; i < 100; i++) expect(m.get(`t-${i}`)).toBe(i < 50 ? undefined : `v-${i}`);
  }, 60_000);

  it('__consumer_offsets after 1M commits of one group is < 5% of its uncompacted size', async () => {
    const PARTS = 200;
    const REQUESTS = 5000; // × 200 partitions = 1M commits
    await createTopic('committed', {}, PARTS);
    const port = Number(bootstrap.split(':')[1]);
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => { sock.once('connect', () => r()); sock.once('error', j); });
    const frame = (id: number) => encodeRequest({ requestApiKey: 8, requestApiVersion: 7, correlationId: id, clientId: 'it' }, {
      groupId: 'one-group', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'committed', partitions: Array.from({ length: PARTS }, (_, p) => ({ partitionIndex: p, committedOffset: BigInt(id), committedLeaderEpoch: -1, committedMetadata: '' })) }],
    });
    let errors = 0;
    const codes = new Set<number>();
    // the first use of a group creates __consumer_offsets: retry one commit until the coordinator answers
    await until(async () => {
      const r = await oneRequest(sock, frame(0));
      return r.topics.every((t) => t.partitions.every((p) => p.errorCode === 0));
    }, 20_000, 'the group coordinator');
    await new Promise<void>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      let sent = 0;
      let done = 0;
      const pump = () => { const chunk: Buffer[] = []; while (sent < REQUESTS && sent - done < 50) chunk.push(frame(++sent)); if (chunk.length) sock.write(Buffer.concat(chunk)); };
      sock.on('error', reject);
      sock.on('data', (d) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
          const n = buf.readInt32BE(0);
          const { body } = decodeResponse(buf.subarray(4, 4 + n), 8, 7);
          for (const t of body.topics) for (const p of t.partitions) if (p.errorCode !== 0) { errors++; codes.add(p.errorCode); }
          buf = buf.subarray(4 + n);
          done++;
        }
        if (done === REQUESTS) resolve(); else pump();
      });
      pump();
    });
    sock.destroy();
    expect(errors, `error codes ${[...codes].join(',')}\n${broker.logs.filter((l) => l.level >= 40).slice(0, 5).map((l) => JSON.stringify(l)).join('\n')}`).toBe(0);
    // every commit request is one batch of PARTS same-sized records: the active segment's last batch gives the size
    const dir = partDir('__consumer_offsets-0');
    const active = readdirSync(dir).filter((f) => f.endsWith('.log')).sort().at(-1)!;
    const batches = [...iterateBatches(await import('node:fs').then((fs) => fs.readFileSync(join(dir, active))))].map((e) => e.batch as RecordBatch);
    const perCommitBatch = batches.filter((bb) => bb.recordsCount === PARTS).at(-1)!.sizeInBytes;
    const uncompacted = perCommitBatch * REQUESTS;
    await until(() => logBytes('__consumer_offsets-0') < uncompacted * 0.05, 30_000, `__consumer_offsets-0 below 5% of ${uncompacted} (now ${logBytes('__consumer_offsets-0')})`);
    if (process.env.RAFKA_DEBUG_CLEANER) console.log('__consumer_offsets-0', { uncompacted, logBytes: logBytes('__consumer_offsets-0') });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = (await admin.fetchOffsets({ groupId: 'one-group', topics: ['committed'] }))[0]!.partitions;
      expect(offsets.length).toBe(PARTS);
      expect(offsets.every((p) => p.offset === String(REQUESTS))).toBe(true);
    } finally {
      await admin.disconnect();
    }
  }, 120_000);

  it('kill -9 while cleaning loses nothing: after a restart every key has its latest value, no .cleaned/.swap left', async () => {
    // min.compaction.lag.ms keeps the cleaner away until the produce below is acknowledged
    await createTopic('crash', { 'cleanup.policy': 'compact', 'segment.bytes': String(128 * 1024), 'min.cleanable.dirty.ratio': '0.01', 'min.compaction.lag.ms': '3000' });
    const lines: string[] = [];
    for (let r = 0; r < 50; r++) for (let k = 0; k < KEYS; k++) lines.push(`key-${k}\t${value(r, k)}`);
    // SIGKILL the moment the cleaner creates a .cleaned segment in the partition (inotify): a crash mid-clean.
    // On a loaded machine the watcher's callback can run after the cleaner already swapped the segment in;
    // then the kill missed the clean (nothing left over) and the round is repeated with a restarted broker.
    const { watch } = await import('node:fs');
    const midClean = (files: string[]) => files.some((f) => f.endsWith('.cleaned') || f.endsWith('.swap'));
    let leftover: string[] = [];
    for (let round = 0; round < 4 && !midClean(leftover); round++) {
      if (round > 0) {
        broker = startBroker(b);
        await broker.waitForLog(started, 60_000);
      }
      await produce('crash', lines);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { w.close(); reject(new Error(`no clean of crash-0 began\n${broker.tail(15)}`)); }, 30_000);
        const w = watch(partDir('crash-0'), (_ev, name) => {
          if (!String(name).endsWith('.log.cleaned')) return;
          broker.signal('SIGKILL');
          clearTimeout(timer);
          w.close();
          resolve();
        });
      });
      await broker.waitForExit(10_000);
      leftover = tempFiles('crash-0');
    }
    expect(leftover.some((f) => f.endsWith('.cleaned') || f.endsWith('.swap'))).toBe(true); // it did die mid-clean
    // Restarted with the cleaner off, so that only recovery can have touched the temporary files: with it on, a
    // new clean after the restart (a loaded machine's slow consume below) left a fresh .cleaned of the same name.
    broker = startBroker(b, ['-o', 'log.cleaner.enable=false']);
    await broker.waitForLog(started, 60_000);
    const got = await consume('crash');
    const want = new Map(Array.from({ length: KEYS }, (_, k) => [`key-${k}`, value(49, k)]));
    expect(latest(got)).toEqual(want);
    expect(tempFiles('crash-0'), `left at the kill: ${leftover.join(',')}`).toEqual([]);
  }, 240_000);
});
