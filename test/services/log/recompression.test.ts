/**
 * compression.type on leader appends (Kafka LogValidator): batches are written by kafka-python 2.0.2 (every
 * codec) and the segment the Log wrote is read back by kafka-python's MemoryRecords (CRC checked) — both
 * independent of src/services/log.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Log, RecordTooLargeError } from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../src/services/log/log-config.js';
import { OutOfOrderSequenceError } from '../../../src/services/log/producer-state-manager.js';
import { hex, pyDecode, type PyDecodedBatch, pyEncodeBatches, type PyBatchSpec } from './kafka-python.js';
import { makeTmpDir, rmrf } from './tmp.js';

const NOW = 1_700_000_000_000;
const CODECS = ['uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'] as const; // index = codec id
const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

async function newLog(o: Partial<LogConfig>): Promise<{ log: Log; segment: () => Buffer }> {
  const root = await makeTmpDir();
  cleanup.push(root);
  const dir = path.join(root, 't-0');
  const log = Log.create({ dir, topic: 't', partition: 0, config: { ...DEFAULT_LOG_CONFIG, ...o }, hooks: { now: () => NOW } });
  return { log, segment: () => readFileSync(path.join(dir, `${'0'.repeat(20)}.log`)) };
}

/** A producer batch from kafka-python with codec `codec`: headers, null key, timestamps not in order. */
function spec(codec: number, o: Partial<PyBatchSpec> = {}): PyBatchSpec {
  return {
    compression: codec,
    producerId: 1000 + codec,
    producerEpoch: 3,
    baseSequence: 0,
    isTransactional: codec % 2 === 1,
    records: [
      { offset: 0, timestamp: NOW - 50, key: hex(`k${codec}`), value: hex('x'.repeat(300)), headers: [['h', hex('hv')], ['n', null]] },
      { offset: 1, timestamp: NOW - 90, key: null, value: hex(`value-${codec}`) },
      { offset: 2, timestamp: NOW - 10, key: hex('k'), value: null },
    ],
    ...o,
  };
}

const records = (b: PyDecodedBatch) => b.records.map(({ timestamp, key, value, headers }) => ({ timestamp, key, value, headers }));

describe('compression.type recompresses leader appends (LogValidator)', () => {
  it('every codec pair: stored with the target codec, records and producer metadata kept, read by kafka-python', async () => {
    const sources = pyEncodeBatches(CODECS.map((_, c) => spec(c)));
    const original = pyDecode(Buffer.concat(sources));
    for (const target of [...CODECS, 'producer']) {
      const { log, segment } = await newLog({ compressionType: target });
      sources.forEach((b, i) => expect(log.appendAsLeader(Buffer.from(b), 7).firstOffset).toBe(BigInt(3 * i)));
      const stored = pyDecode(segment());
      expect(stored).toHaveLength(CODECS.length);
      stored.forEach((b, c) => {
        const src = original[c]!;
        const label = `${CODECS[c]} → ${target}`;
        expect(b.compression, label).toBe(target === 'producer' ? c : CODECS.indexOf(target as (typeof CODECS)[number]));
        expect(b.crcOk, label).toBe(true);
        expect(records(b), label).toEqual(records(src));
        expect(b.records.map((r) => r.offset), label).toEqual([3 * c, 3 * c + 1, 3 * c + 2]);
        expect(
          { pid: b.producerId, epoch: b.producerEpoch, seq: b.baseSequence, txn: b.isTransactional, ple: b.partitionLeaderEpoch, count: b.count, lod: b.lastOffsetDelta },
          label,
        ).toEqual({ pid: 1000 + c, epoch: 3, seq: 0, txn: c % 2 === 1, ple: 7, count: 3, lod: 2 });
        expect({ type: b.timestampType, base: b.baseTimestamp, max: b.maxTimestamp }, label).toEqual({ type: 0, base: NOW - 50, max: NOW - 10 });
      });
      log.close();
    }
  });

  it('keeps a batch already in the target codec byte for byte (records section untouched)', async () => {
    const [gz] = pyEncodeBatches([spec(1)]);
    const { log, segment } = await newLog({ compressionType: 'gzip' });
    log.appendAsLeader(Buffer.from(gz!), 0);
    expect(segment().subarray(61)).toEqual(gz!.subarray(61));
  });

  it('LogAppendTime topic: the rebuilt batch carries LogAppendTime = now', async () => {
    const [snappy] = pyEncodeBatches([spec(2)]);
    const { log, segment } = await newLog({ compressionType: 'lz4', messageTimestampType: 'LogAppendTime' });
    expect(log.appendAsLeader(Buffer.from(snappy!), 0).logAppendTime).toBe(NOW);
    const [b] = pyDecode(segment());
    expect({ codec: b!.compression, type: b!.timestampType, max: b!.maxTimestamp, crcOk: b!.crcOk }).toEqual({ codec: 3, type: 1, max: NOW, crcOk: true });
  });

  it('an append of several batches: only those in another codec are rebuilt, offsets stay contiguous', async () => {
    const bs = pyEncodeBatches([spec(0, { producerId: -1, producerEpoch: -1, baseSequence: -1 }), spec(1, { producerId: -1, producerEpoch: -1, baseSequence: -1 })]);
    const { log, segment } = await newLog({ compressionType: 'gzip' });
    const r = log.appendAsLeader(Buffer.concat(bs), 0);
    expect([r.firstOffset, r.lastOffset, r.recordCount]).toEqual([0n, 5n, 6]);
    const stored = pyDecode(segment());
    expect(stored.map((b) => [b.compression, b.baseOffset, b.crcOk])).toEqual([[1, 0, true], [1, 3, true]]);
    expect(segment().subarray(segment().length - bs[1]!.length + 61)).toEqual(bs[1]!.subarray(61));
  });

  it('idempotent producer: a retried recompressed batch is a duplicate, sequences still checked', async () => {
    const [first, second, gap] = pyEncodeBatches([
      spec(2, { producerId: 77, isTransactional: false }),
      spec(2, { producerId: 77, baseSequence: 3, isTransactional: false }),
      spec(2, { producerId: 77, baseSequence: 9, isTransactional: false }),
    ]);
    const { log, segment } = await newLog({ compressionType: 'zstd' });
    expect(log.appendAsLeader(Buffer.from(first!), 0).lastOffset).toBe(2n);
    const retry = log.appendAsLeader(Buffer.from(first!), 0);
    expect([retry.firstOffset, retry.lastOffset, retry.recordCount]).toEqual([0n, 2n, 0]);
    expect(log.logEndOffset).toBe(3n);
    expect(() => log.appendAsLeader(Buffer.from(gap!), 0)).toThrow(OutOfOrderSequenceError);
    expect(log.appendAsLeader(Buffer.from(second!), 0).firstOffset).toBe(3n);
    expect(pyDecode(segment()).map((b) => [b.compression, b.producerId, b.baseSequence])).toEqual([[4, 77, 0], [4, 77, 3]]);
  });

  it('compression.gzip.level and compression.zstd.level set the level of the rebuilt batch', async () => {
    const value = hex(Array.from({ length: 4000 }, (_, i) => `word${(i * 7919) % 613} `).join(''));
    const [plain] = pyEncodeBatches([{ records: [{ offset: 0, timestamp: NOW, key: null, value }] }]);
    const stored = async (o: Partial<LogConfig>) => {
      const { log, segment } = await newLog(o);
      log.appendAsLeader(Buffer.from(plain!), 0);
      const [b] = pyDecode(segment());
      expect(b!.records[0]!.value).toBe(value);
      return segment();
    };
    const gz1 = await stored({ compressionType: 'gzip', compressionGzipLevel: 1 });
    const gz9 = await stored({ compressionType: 'gzip', compressionGzipLevel: 9 });
    // gzip header XFL (byte 8 of the member, after the 61-byte batch header): 4 = fastest, 2 = maximum compression
    expect([gz1[61 + 8], gz9[61 + 8]]).toEqual([4, 2]);
    const zs1 = await stored({ compressionType: 'zstd', compressionZstdLevel: 1 });
    const zs19 = await stored({ compressionType: 'zstd', compressionZstdLevel: 19 });
    expect(zs19.length).toBeLessThan(zs1.length);
  });

  it('a rebuilt batch over max.message.bytes is RecordTooLarge (its size changed)', async () => {
    const big = { offset: 0, timestamp: NOW, key: null, value: hex('a'.repeat(5000)) };
    const [gz] = pyEncodeBatches([{ compression: 1, records: [big] }]);
    expect(gz!.length).toBeLessThan(1000);
    const { log } = await newLog({ compressionType: 'uncompressed', maxMessageBytes: 2000 });
    expect(() => log.appendAsLeader(Buffer.from(gz!), 0)).toThrow(RecordTooLargeError);
    expect(log.logEndOffset).toBe(0n);
  });
});
