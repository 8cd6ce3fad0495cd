/**
 * Compressed batches end to end: kcat (librdkafka) produces with every codec to the real broker, then the
 * partition's `.log` file is read with the log layer's record cursor (and `rafka dump-log --deep-iteration
 * --print-data-log`): keys, values, headers and offsets equal what kcat sent.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as dumpLog } from '../../src/commands/dump-log.js';
import { compressionName } from '../../src/services/log/compression.js';
import { iterateLogBatches } from '../../src/services/log/legacy-records.js';
import { CompressionType, RecordBatch } from '../../src/services/log/record-batch.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { runCli } from '../tools/log/helpers.js';
import { brokerConfig, cleanupAll, eventually, startBroker, started, type TestBroker } from './support.js';

const exec = promisify(execFile);
const hasKcat = existsSync('/usr/bin/kcat');

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;

describe.skipIf(!hasKcat)('kcat -z <codec> to the real broker, records read back from the .log file', () => {
  beforeAll(async () => {
    zk = await startZooKeeper();
    b = await brokerConfig(zk, { 'num.partitions': '1', 'auto.create.topics.enable': 'true' });
    broker = startBroker(b);
    await broker.waitForLog(started);
    bootstrap = b.props.listeners!.replace('PLAINTEXT://', '');
  }, 60_000);
  afterAll(async () => {
    await stopAllBrokers();
    await cleanupAll();
    await zk?.close();
  });

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
