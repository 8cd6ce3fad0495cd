import { describe, expect, it } from 'vitest';
import {
  crc32, crc32Js, iterateLogBatches, LegacyRecordBatch, nextLogBatchAt,
} from '../../../src/services/log/legacy-records.js';
import { CompressionType, CorruptRecordError, RecordBatch, TimestampType } from '../../../src/services/log/record-batch.js';
import { hex, pyDecode, pyEncodeBatches } from './kafka-python.js';

const T0 = 1_600_000_000_000;

describe('CRC-32 (IEEE)', () => {
  it('check values', () => {
    expect(crc32Js(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Js(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    const b = Buffer.from('xx123456789yy');
    expect(crc32(b, 2, 11)).toBe(0xcbf43926);
    expect(crc32Js(b, 2, 11)).toBe(0xcbf43926);
    expect(crc32Js(b, 6, 11, crc32Js(b, 2, 6))).toBe(0xcbf43926);
  });
});

describe('legacy message sets written by kafka-python', () => {
  const [v0, v1, gz0, gz1] = pyEncodeBatches([
    { magic: 0, records: [{ offset: 5, timestamp: 0, key: hex('k'), value: hex('v') }, { offset: 6, timestamp: 0, key: null, value: hex('vv') }] },
    { magic: 1, records: [{ offset: 7, timestamp: T0, key: null, value: hex('one') }, { offset: 8, timestamp: T0 + 9, key: hex('kk'), value: null }] },
    { magic: 0, compression: 1, records: [{ offset: 10, timestamp: 0, value: hex('a') }, { offset: 11, timestamp: 0, value: hex('b') }] },
    { magic: 1, compression: 1, records: [{ offset: 0, timestamp: T0, value: hex('c') }, { offset: 1, timestamp: T0 + 1, value: hex('d') }, { offset: 2, timestamp: T0 + 2, value: hex('e') }] },
  ]);

  it('reads uncompressed v0 and v1 messages like kafka-python', () => {
    const all = Buffer.concat([v0!, v1!]);
    const py = pyDecode(all).flatMap((b) => b.records);
    const entries = [...iterateLogBatches(all)];
    expect(entries.map((e) => e.magic)).toEqual([0, 0, 1, 1]);
    const got = entries.map((e) => {
      const m = e.batch as LegacyRecordBatch;
      expect(m.isValid()).toBe(true);
      m.ensureValid();
      return { offset: Number(m.offset), timestamp: m.timestamp, key: m.key()?.toString('hex') ?? null, value: m.value()?.toString('hex') ?? null };
    });
    expect(got).toEqual(py.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value })));
    const first = entries[0]!.batch as LegacyRecordBatch;
    expect(first.timestampType).toBe(TimestampType.NoTimestampType);
    expect(first.maxTimestamp).toBe(-1);
    expect(first.baseOffset).toBe(5n);
    expect(first.nextOffset).toBe(6n);
    expect(first.sizeInBytes).toBe(12 + 14 + 1 + 1);
    const third = entries[2]!.batch as LegacyRecordBatch;
    expect(third.timestampType).toBe(TimestampType.CreateTime);
    expect(third.timestamp).toBe(T0);
  });

  it('detects corruption (CRC, lengths) and truncation', () => {
    const b = Buffer.from(v1!);
    b[12 + b.readInt32BE(8) - 1]! ^= 1; // last byte of the first message
    const m = new LegacyRecordBatch(b, 0);
    expect(m.isValid()).toBe(false);
    expect(() => m.ensureValid()).toThrow(CorruptRecordError);
    const c = Buffer.from(v1!);
    c.writeInt32BE(1000, 26); // key length past the end
    expect(() => new LegacyRecordBatch(c, 0).ensureValid()).toThrow(/Key length|does not match/);
    // partial trailing message is not yielded
    expect([...iterateLogBatches(v1!.subarray(0, v1!.length - 1))]).toHaveLength(1);
  });

  it('gzip wrappers: reported compressed, inner records decompressed with absolute offsets', () => {
    // A broker stores the wrapper with the offset of its last inner message (kafka-python, a client, writes 0).
    gz0!.writeBigInt64BE(11n, 0);
    gz1!.writeBigInt64BE(102n, 0);
    const py0 = pyDecode(gz0!)[0]!;
    const w0 = nextLogBatchAt(gz0!, 0, gz0!.length)!.batch as LegacyRecordBatch;
    expect(w0.isValid()).toBe(true);
    expect(w0.compressionType).toBe(CompressionType.Gzip);
    expect(w0.innerRecords().map((r) => [Number(r.offset), r.value?.toString('hex')])).toEqual(py0.records.map((r) => [r.offset, r.value]));
    expect(w0.baseOffset).toBe(10n);
    expect(w0.lastOffset).toBe(11n);

    const py1 = pyDecode(gz1!)[0]!;
    const w1 = new LegacyRecordBatch(gz1!, 0);
    expect(w1.isValid()).toBe(true);
    expect(w1.innerRecords().map((r) => [Number(r.offset), r.timestamp, r.value?.toString('hex')])).toEqual(
      py1.records.map((r) => [r.offset, r.timestamp, r.value]),
    );
    expect(py1.records.map((r) => r.offset)).toEqual([100, 101, 102]);
    expect(w1.baseOffset).toBe(100n);
    expect(w1.nextOffset).toBe(103n);
  });

  it('mixed-magic log: legacy followed by v2', () => {
    const [v2] = pyEncodeBatches([{ baseOffset: 9, records: [{ offset: 0, timestamp: T0, value: hex('z') }] }]);
    const all = Buffer.concat([v0!, v2!]);
    const entries = [...iterateLogBatches(all)];
    expect(entries.map((e) => e.magic)).toEqual([0, 0, 2]);
    expect(entries[2]!.batch).toBeInstanceOf(RecordBatch);
    expect(entries.every((e) => e.batch.isValid())).toBe(true);
  });
});
