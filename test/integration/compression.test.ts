/**
 * Compressed batches end to end: kcat (librdkafka) produces with every codec to the real broker, then the
 * partition's `.log` file is read with the log layer's record cursor (and `rafka dump-log --deep-iteration
 * --print-data-log`): keys, values, headers and offsets equal what kcat sent. Then `compression.type` (topic
 * override set by kafkajs createTopics, broker default) recompresses what kcat sends, and kcat consumes it back.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as dumpLog } from '../../src/commands/dump-log.js';
import { compressionName } from '../../src/services/log/compression.js';
import { iterateLogBatches } from '../../src/services/log/legacy-records.js';
import { CompressionType, RecordBatch } from '../../src/services/log/record-batch.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { runCli } from '../tools/log/helpers.js';
import { prerequisite } from '../helpers/environment.js';
import { brokerConfig, cleanupAll, eventually, startBroker, started, type TestBroker } from './support.js';

const exec = promisify(execFile);
const hasKcat = prerequisite('kcat', existsSync('/usr/bin/kcat'), 'apt-get install -y kcat');

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;

beforeAll(async () => {
  if (hasKcat) zk = await startZooKeeper();
}, 60_000);
afterAll(async () => {
  await stopAllBrokers();
  await cleanupAll();
  await zk?.close();
});

/** The partition's first segment, once it holds data (in either log dir). */
async function segmentOf(t: TestBroker, topic: string, minBytes = 1): Promise<string> {
  return (await eventually<string | undefined>(async () => {
    for (const dir of t.logDirs) {
      const f = join(dir, `${topic}-0`, '00000000000000000000.log');
      if (existsSync(f) && readFileSync(f).length >= minBytes) return f;
    }
    return undefined;
  }, 10_000, `${topic}-0 log`))!;
}

/** [offset, key, value] of every record in a segment file, and the codecs of its batches (CRCs checked). */
function readSegment(file: string): { codecs: Set<number>; records: [number, string | null, string | null][] } {
  const codecs = new Set<number>();
  const records: [number, string | null, string | null][] = [];
  for (const e of iterateLogBatches(readFileSync(file))) {
    const batch = e.batch as RecordBatch;
    batch.ensureValid();
    codecs.add(batch.compressionType);
    for (const r of batch.toRecords()) records.push([Number(r.offset), r.key?.toString() ?? null, r.value?.toString() ?? null]);
  }
  return { codecs, records };
}

describe.skipIf(!hasKcat)('kcat -z <codec> to the real broker, records read back from the .log file', () => {
  beforeAll(async () => {
    b = await brokerConfig(zk, { 'num.partitions': '1', 'auto.create.topics.enable': 'true' });
    broker = startBroker(b);
    await broker.waitForLog(started);
    bootstrap = b.props.listeners!.replace('PLAINTEXT://', '');
  }, 60_000);

  const values = (codec: string) => Array.from({ length: 200 }, (_, i) => `${codec} value ${i} ${'abcdefghij'.repeat(20 + (i % 13))}`);

  for (const codec of [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    const name = compressionName(codec);
    it(name, async () => {
      const topic = `compressed-${name}`;
      const vals = values(name);
      const child = exec('kcat', ['-b', bootstrap, '-P', '-t', topic, '-p', '0', '-z', name, '-K', '\t', '-H', 'h1=v1', '-X', 'topic.message.timeout.ms=20000'], { timeout: 30_000 });
      child.child.stdin!.end(vals.map((v, i) => `key-${i}\t${v}\n`).join(''));
      await child;

      const file = await eventually<string | undefined>(async () => {
        for (const dir of b.logDirs) {
          const f = join(dir, `${topic}-0`, '00000000000000000000.log');
          if (existsSync(f) && readFileSync(f).length > 0) return f;
        }
        return undefined;
      }, 10_000, `${topic}-0 log`);
      const buf = readFileSync(file!);
      const got: [number, string | null, string | null, string][] = [];
      const codecs = new Set<number>();
      for (const e of iterateLogBatches(buf)) {
        const batch = e.batch as RecordBatch;
        batch.ensureValid();
        codecs.add(batch.compressionType);
        for (const r of batch.toRecords()) got.push([Number(r.offset), r.key?.toString() ?? null, r.value?.toString() ?? null, r.headers.map((h) => `${h.key}=${h.value}`).join(',')]);
      }
      expect([...codecs]).toEqual([codec]);
      expect(got).toEqual(vals.map((v, i) => [i, `key-${i}`, v, 'h1=v1']));

      const dump = await runCli(dumpLog, ['--deep-iteration', '--print-data-log', file!]);
      expect(dump.code, dump.err).toBe(0);
      expect(dump.out).toContain(`compresscodec: ${name}`);
      expect(dump.out).toContain(`key: key-199 payload: ${vals[199]}`);
      expect(dump.out).not.toContain('not supported');
    }, 60_000);
  }
});

describe.skipIf(!hasKcat)('compression.type recompresses what producers send (topic override, broker default)', () => {
  let lz4Broker: TestBroker;
  let servers: string;
  beforeAll(async () => {
    lz4Broker = await brokerConfig(zk, { 'num.partitions': '1', 'auto.create.topics.enable': 'true', 'compression.type': 'lz4' });
    await startBroker(lz4Broker).waitForLog(started);
    servers = lz4Broker.props.listeners!.replace('PLAINTEXT://', '');
  }, 60_000);

  /** kcat produces 100 records; `fallback` pins an old broker version (no ApiVersions: older Produce versions). */
  const produce = async (topic: string, from: number, codec: string | null, fallback?: string) => {
    const old = fallback ? ['-X', 'api.version.request=false', '-X', `broker.version.fallback=${fallback}`] : [];
    const child = exec('kcat', ['-b', servers, '-P', '-t', topic, '-p', '0', ...(codec ? ['-z', codec] : []), ...old, '-K', '\t', '-X', 'topic.message.timeout.ms=20000'], { timeout: 30_000 });
    child.child.stdin!.end(Array.from({ length: 100 }, (_, i) => `k${from + i}\t${codec ?? 'plain'} ${from + i} ${'xyz'.repeat(40)}\n`).join(''));
    await child;
  };
  const sent = (from: number, codec: string | null) => Array.from({ length: 100 }, (_, i) => [from + i, `k${from + i}`, `${codec ?? 'plain'} ${from + i} ${'xyz'.repeat(40)}`]);

  it('topic compression.type=gzip: snappy and uncompressed batches are stored gzip; kcat consumes them intact', async () => {
    const kafka = new Kafka({ clientId: 'rafka-test', brokers: [servers], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ waitForLeaders: true, topics: [
        { topic: 'gz', numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'compression.type', value: 'gzip' }] },
        { topic: 'zs', numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'compression.type', value: 'zstd' }] },
      ] })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    await produce('gz', 0, 'snappy');
    await produce('gz', 100, null);
    const expected = [...sent(0, 'snappy'), ...sent(100, null)];
    const file = await segmentOf(lz4Broker, 'gz');
    const seg = readSegment(file);
    expect([...seg.codecs]).toEqual([CompressionType.Gzip]);
    expect(seg.records).toEqual(expected);

    const dump = await runCli(dumpLog, ['--deep-iteration', file]);
    expect(dump.code, dump.err).toBe(0);
    expect(dump.out).toContain('compresscodec: gzip');
    expect(dump.out).not.toMatch(/compresscodec: (snappy|none)/);

    const consumed = await exec('kcat', ['-b', servers, '-C', '-t', 'gz', '-p', '0', '-o', 'beginning', '-e', '-f', '%o\t%k\t%s\n'], { timeout: 30_000 });
    expect(consumed.stdout.trimEnd().split('\n').map((l) => { const [o, k, v] = l.split('\t'); return [Number(o), k, v]; })).toEqual(expected);
  }, 60_000);

  it('topic compression.type=zstd: Produce v3 (gzip batch) and v2 (magic 1 message set) are accepted and stored zstd, as Kafka (IBP ≥ 2.1)', async () => {
    await produce('zs', 0, 'gzip', '0.11.0.0');
    await produce('zs', 100, null, '0.10.2.0');
    const seg = readSegment(await segmentOf(lz4Broker, 'zs'));
    expect([...seg.codecs]).toEqual([CompressionType.Zstd]);
    expect(seg.records).toEqual([...sent(0, 'gzip'), ...sent(100, null)]);
  }, 60_000);

  it('broker compression.type=lz4 applies to a topic without an override', async () => {
    await produce('auto', 0, 'snappy');
    const seg = readSegment(await segmentOf(lz4Broker, 'auto'));
    expect([...seg.codecs]).toEqual([CompressionType.Lz4]);
    expect(seg.records).toEqual(sent(0, 'snappy'));
  }, 60_000);
});
