/**
 * Record format conversion, checked against kafka-python 2.0.2's own reader and writer (an independent
 * implementation): v2 → magic 0/1 for old fetchers, magic 0/1 → v2 for old producers.
 */
import { describe, expect, it } from 'vitest';
import { iterateLogBatches, LegacyRecordBatch } from '../../../src/services/log/legacy-records.js';
import { buildEndTxnMarker, buildRecordBatch, CompressionType, CorruptRecordError, RecordBatch, TimestampType } from '../../../src/services/log/record-batch.js';
import {
  buildLegacyMessageSet, compressRecordBatch, downConvert, UnsupportedCompressionTypeError, upConvertForAppend,
} from '../../../src/services/log/record-conversion.js';
import { hex, pyDecode, pyEncodeBatches } from './kafka-python.js';

const T0 = 1_700_000_000_000;

/** A v2 batch at `base` with values v<base>.. and timestamps T0 + offset, optionally compressed. */
function v2(base: number, n: number, codec = CompressionType.None, opts: { logAppendTime?: number; headers?: boolean } = {}): Buffer {
  const b = buildRecordBatch({
    baseOffset: base,
    timestampType: opts.logAppendTime !== undefined ? TimestampType.LogAppendTime : TimestampType.CreateTime,
    logAppendTime: opts.logAppendTime,
    records: Array.from({ length: n }, (_, i) => ({
      key: (base + i) % 2 === 0 ? `k${base + i}` : null, value: `v${base + i}`, timestamp: T0 + base + i,
      headers: opts.headers ? [{ key: 'h', value: 'x' }] : [],
    })),
  });
  return compressRecordBatch(b, codec);
}

/** Records as kafka-python decodes them (one python process per call: used where the format itself is checked). */
const flat = (buf: Buffer) => pyDecode(buf).flatMap((b) => b.records.map((r) => ({ magic: b.magic, crcOk: b.crcOk, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value })));
/** The same shape from the legacy reader (itself checked against kafka-python in legacy-records.test.ts): no process. */
const local = (buf: Buffer) => [...iterateLogBatches(buf)].flatMap((e) => {
  const m = e.batch as LegacyRecordBatch;
  return m.innerRecords().map((r) => ({ magic: e.magic, crcOk: m.isValid(), offset: Number(r.offset), timestamp: r.timestamp, key: r.key?.toString('hex') ?? null, value: r.value?.toString('hex') ?? null }));
});
const expectRecords = (from: number, to: number, magic: number, ts: (o: number) => number) => Array.from({ length: to - from }, (_, i) => {
  const o = from + i;
  return { magic, crcOk: true, offset: o, timestamp: ts(o), key: o % 2 === 0 ? hex(`k${o}`) : null, value: hex(`v${o}`) };
});

describe('compressRecordBatch', () => {
  it.each([CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd])('codec %i: a valid v2 batch with the same records', (codec) => {
    const plain = v2(10, 5, CompressionType.None, { headers: true });
    const packed = compressRecordBatch(plain, codec);
    const b = new RecordBatch(packed);
    b.ensureValid();
    expect(b.compressionType).toBe(codec);
    expect(b.toRecords()).toEqual(new RecordBatch(plain).toRecords());
  });
});

describe('buildLegacyMessageSet', () => {
  const records = [0, 1, 2].map((i) => ({ offset: BigInt(40 + i), timestamp: T0 + i, key: i === 1 ? null : Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }));

  it.each([[0, CompressionType.None], [1, CompressionType.None], [0, CompressionType.Gzip], [1, CompressionType.Gzip]] as const)(
    'magic %i codec %i reads back in kafka-python with absolute offsets and CRCs ok', (magic, codec) => {
      const set = buildLegacyMessageSet({ magic, compressionType: codec, timestampType: TimestampType.CreateTime, records });
      expect(flat(set)).toEqual(records.map((r) => ({
        magic, crcOk: true, offset: Number(r.offset), timestamp: magic === 0 ? -1 : r.timestamp, key: r.key?.toString('hex') ?? null, value: r.value.toString('hex'),
      })));
    });

  it.each([CompressionType.Snappy, CompressionType.Lz4])('codec %i wrappers decode with the legacy reader (both magics)', (codec) => {
    for (const magic of [0, 1] as const) {
      const set = buildLegacyMessageSet({ magic, compressionType: codec, timestampType: TimestampType.CreateTime, records });
      const [e, ...rest] = [...iterateLogBatches(set)];
      expect(rest).toEqual([]);
      const m = e!.batch as LegacyRecordBatch;
      m.ensureValid();
      expect(m.offset).toBe(42n); // the wrapper carries the last inner offset
      expect(m.innerRecords().map((r) => [r.offset, r.value?.toString()])).toEqual([[40n, 'v0'], [41n, 'v1'], [42n, 'v2']]);
    }
  });

  it('magic 1 LogAppendTime: every message and the wrapper carry the append time and the timestamp-type bit', () => {
    const set = buildLegacyMessageSet({ magic: 1, compressionType: CompressionType.Gzip, timestampType: TimestampType.LogAppendTime, logAppendTime: T0 + 999, records });
    const [d] = pyDecode(set);
    expect(d!.timestampType).toBe(1);
    expect(d!.records.map((r) => r.timestamp)).toEqual([T0 + 999, T0 + 999, T0 + 999]);
  });

  it('refuses zstd (no such codec in magic 0/1)', () => {
    expect(() => buildLegacyMessageSet({ magic: 1, compressionType: CompressionType.Zstd, timestampType: TimestampType.CreateTime, records })).toThrow(UnsupportedCompressionTypeError);
  });
});

describe('downConvert (Fetch v0–v3)', () => {
  const batches = [v2(0, 4), v2(4, 3, CompressionType.Gzip), v2(7, 3, CompressionType.None, { headers: true })];
  const log = Buffer.concat(batches);

  /** What an old consumer does: fetch from `next` (the log returns the batches from the one holding it), skip earlier offsets. */
  function consumeAll(magic: 0 | 1): { records: ReturnType<typeof flat>; fetches: number } {
    const records: ReturnType<typeof flat> = [];
    let next = 0;
    let fetches = 0;
    while (next < 10) {
      const read = Buffer.concat(batches.filter((b) => new RecordBatch(b).lastOffset >= BigInt(next)));
      const got = local(downConvert(read, magic, BigInt(next))).filter((r) => r.offset >= next);
      expect(got.length, `fetch from ${next}`).toBeGreaterThan(0);
      records.push(...got);
      next = got.at(-1)!.offset + 1;
      fetches++;
    }
    return { records, fetches };
  }

  it.each([0, 1] as const)('to magic %i: a consumer fetching repeatedly gets every record once, same offsets, keys, values; timestamps in magic 1', (magic) => {
    expect(consumeAll(magic).records).toEqual(expectRecords(0, 10, magic, (o) => (magic === 0 ? -1 : T0 + o)));
    expect(flat(downConvert(log, magic, 0n))).toEqual(local(downConvert(log, magic, 0n))); // kafka-python reads the same
    // uncompressed batches become one message per record, a compressed batch one wrapper
    expect(pyDecode(downConvert(batches[1]!, magic, 0n)).map((b) => b.records.length)).toEqual([3]);
    expect(pyDecode(downConvert(batches[0]!, magic, 0n)).map((b) => b.records.length)).toEqual([1, 1, 1, 1]);
  });

  it('drops the records before the fetch offset from uncompressed batches only (compressed wrappers stay whole)', () => {
    expect(local(downConvert(batches[0]!, 1, 2n)).map((r) => r.offset)).toEqual([2, 3]);
    expect(local(downConvert(batches[1]!, 1, 5n)).map((r) => r.offset)).toEqual([4, 5, 6]);
  });

  it('stays within the size read, except that the first converted batch is always whole', () => {
    const big = v2(0, 50); // 50 magic 1 messages are larger than their v2 batch
    const one = downConvert(big, 1, 0n);
    expect(one.length).toBeGreaterThan(big.length);
    expect(local(one).map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(downConvert(Buffer.concat([big, v2(50, 50)]), 1, 0n)).toEqual(one); // the second batch does not fit
    // single-record batches shrink when converted: all of them fit
    const small = Buffer.concat(Array.from({ length: 20 }, (_, i) => v2(i, 1)));
    expect(local(downConvert(small, 1, 0n)).map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('keeps LogAppendTime of magic 1 (the batch max timestamp)', () => {
    const [d] = pyDecode(downConvert(v2(0, 2, CompressionType.Snappy, { logAppendTime: T0 + 5000 }), 1, 0n).subarray(0));
    expect(d!.timestampType).toBe(1);
  });

  it('skips control batches, refuses zstd batches', () => {
    const marker = buildEndTxnMarker({ baseOffset: 4, producerId: 7, producerEpoch: 0, commit: true, coordinatorEpoch: 0 });
    expect(local(downConvert(Buffer.concat([v2(0, 2), marker, v2(5, 1)]), 1, 0n)).map((r) => r.offset)).toEqual([0, 1, 5]);
    expect(() => downConvert(v2(0, 2, CompressionType.Zstd), 1, 0n)).toThrow(UnsupportedCompressionTypeError);
  });

  it('passes magic 0/1 entries already at or below the target through, and converts magic 1 to 0', () => {
    const [m1] = pyEncodeBatches([{ magic: 1, records: [{ offset: 3, timestamp: T0, value: hex('old') }] }]);
    expect(downConvert(m1!, 1, 0n)).toEqual(m1);
    expect(flat(downConvert(m1!, 0, 0n))).toEqual([{ magic: 0, crcOk: true, offset: 3, timestamp: -1, key: null, value: hex('old') }]);
  });
});

describe('upConvertForAppend (Produce v0–v2)', () => {
  it('turns kafka-python magic 0 and 1 message sets (plain and gzip) into one v2 batch each run, CRC-checked', () => {
    const sets = pyEncodeBatches([
      { magic: 0, records: [{ offset: 0, timestamp: 0, key: hex('a'), value: hex('1') }, { offset: 1, timestamp: 0, value: hex('2') }] },
      { magic: 1, records: [{ offset: 0, timestamp: T0, value: hex('3') }, { offset: 1, timestamp: T0 + 7, key: hex('b'), value: hex('4') }] },
      { magic: 1, compression: 1, records: [{ offset: 0, timestamp: T0 + 1, value: hex('5') }, { offset: 1, timestamp: T0 + 2, value: hex('6') }] },
    ]);
    const expected = [
      [[0, -1, hex('a'), hex('1')], [1, -1, null, hex('2')]],
      [[0, T0, null, hex('3')], [1, T0 + 7, hex('b'), hex('4')]],
      [[0, T0 + 1, null, hex('5')], [1, T0 + 2, null, hex('6')]],
    ];
    sets.forEach((set, i) => {
      const out = upConvertForAppend(set);
      const batches = pyDecode(out);
      expect(batches.map((b) => [b.magic, b.crcOk, b.compression])).toEqual([[2, true, i === 2 ? 1 : 0]]);
      expect(batches[0]!.records.map((r) => [r.offset, r.timestamp, r.key, r.value])).toEqual(expected[i]);
    });
  });

  it('returns v2 data untouched (same buffer) and keeps v2 batches between legacy runs', () => {
    const batch = v2(0, 2);
    expect(upConvertForAppend(batch)).toBe(batch);
    const [legacy] = pyEncodeBatches([{ magic: 1, records: [{ offset: 0, timestamp: T0, value: hex('L') }] }]);
    const out = upConvertForAppend(Buffer.concat([legacy!, batch, legacy!]));
    expect(pyDecode(out).map((b) => [b.magic, b.records.map((r) => r.value)])).toEqual([[2, [hex('L')]], [2, [hex('v0'), hex('v1')]], [2, [hex('L')]]]);
  });

  it('rejects a legacy message with a bad CRC (CORRUPT_MESSAGE)', () => {
    const [legacy] = pyEncodeBatches([{ magic: 1, records: [{ offset: 0, timestamp: T0, value: hex('payload') }] }]);
    const bad = Buffer.from(legacy!);
    bad[bad.length - 1]! ^= 0xff;
    expect(() => upConvertForAppend(bad)).toThrow(CorruptRecordError);
  });
});
