import { describe, expect, it } from 'vitest';
import {
  buildEndTxnMarker, buildRecordBatch, CompressionType, CorruptRecordError, InvalidRecordError, iterateBatches, nextBatchAt,
  RecordBatch, TimestampType,
} from '../../../src/services/log/record-batch.js';
import { hex, pyDecode, pyEncodeBatches, type PyBatchSpec } from './kafka-python.js';

const T0 = 1_700_000_000_000;

const specs: PyBatchSpec[] = [
  {
    baseOffset: 100,
    partitionLeaderEpoch: 7,
    records: [
      { offset: 0, timestamp: T0, key: hex('k0'), value: hex('v0'), headers: [['h1', hex('x')], ['h2', null]] },
      { offset: 1, timestamp: T0 + 5, key: null, value: hex('value-1') },
      { offset: 2, timestamp: T0 - 3, key: hex('k2'), value: null },
    ],
  },
  { baseOffset: 103, records: [{ offset: 0, timestamp: T0 + 100, key: null, value: hex('x'.repeat(300)) }] },
  {
    baseOffset: 104,
    isTransactional: true,
    producerId: 123456789012,
    producerEpoch: 3,
    baseSequence: 17,
    records: [
      { offset: 0, timestamp: T0, value: hex('a') },
      { offset: 1, timestamp: T0 + 1, value: hex('b') },
    ],
  },
];

describe('RecordBatch view over batches written by kafka-python', () => {
  const bufs = pyEncodeBatches(specs);

  it('reads every header field like kafka-python does', () => {
    const decoded = pyDecode(Buffer.concat(bufs));
    expect(decoded).toHaveLength(3);
    for (let i = 0; i < bufs.length; i++) {
      const b = new RecordBatch(bufs[i]!);
      const d = decoded[i]!;
      expect(b.baseOffset).toBe(BigInt(d.baseOffset!));
      expect(b.batchLength).toBe(d.length);
      expect(b.sizeInBytes).toBe(bufs[i]!.length);
      expect(b.partitionLeaderEpoch).toBe(d.partitionLeaderEpoch);
      expect(b.magic).toBe(2);
      expect(b.crc).toBe(d.crc);
      expect(b.attributes).toBe(d.attributes);
      expect(b.compressionType).toBe(CompressionType.None);
      expect(b.timestampType).toBe(TimestampType.CreateTime);
      expect(b.isTransactional).toBe(d.isTransactional);
      expect(b.isControlBatch).toBe(false);
      expect(b.lastOffsetDelta).toBe(d.lastOffsetDelta);
      expect(b.lastOffset).toBe(BigInt(d.baseOffset! + d.lastOffsetDelta!));
      expect(b.nextOffset).toBe(b.lastOffset + 1n);
      expect(b.baseTimestamp).toBe(d.baseTimestamp);
      expect(b.maxTimestamp).toBe(d.maxTimestamp);
      expect(b.producerId).toBe(BigInt(d.producerId!));
      expect(b.producerEpoch).toBe(d.producerEpoch);
      expect(b.baseSequence).toBe(d.baseSequence);
      expect(b.recordsCount).toBe(d.count);
      expect(b.isValid()).toBe(true);
      expect(() => b.ensureValid()).not.toThrow();
    }
    expect(new RecordBatch(bufs[2]!).lastSequence).toBe(18);
  });

  it('iterates records (offset, timestamp, key, value, headers) like kafka-python', () => {
    const decoded = pyDecode(Buffer.concat(bufs));
    for (let i = 0; i < bufs.length; i++) {
      const recs = new RecordBatch(bufs[i]!).toRecords();
      const want = decoded[i]!.records;
      expect(recs.map((r) => r.offset)).toEqual(want.map((r) => BigInt(r.offset)));
      expect(recs.map((r) => r.timestamp)).toEqual(want.map((r) => r.timestamp));
      expect(recs.map((r) => r.key?.toString('hex') ?? null)).toEqual(want.map((r) => r.key));
      expect(recs.map((r) => r.value?.toString('hex') ?? null)).toEqual(want.map((r) => r.value));
      expect(recs.map((r) => r.headers.map((h) => [h.key, h.value?.toString('hex') ?? null]))).toEqual(want.map((r) => r.headers));
    }
  });

  it('the header-only cursor path exposes deltas and lengths without materialising', () => {
    const c = new RecordBatch(bufs[0]!).records();
    const seen: [number, number, number, number][] = [];
    while (c.next()) seen.push([c.offsetDelta, c.timestampDelta, c.keyLength, c.valueLength]);
    expect(seen).toEqual([
      [0, 0, 2, 2],
      [1, 5, -1, 7],
      [2, -3, 2, -1],
    ]);
  });

  it('detects a flipped byte anywhere in the CRC range, but not in offset/epoch', () => {
    const orig = bufs[0]!;
    for (let p = 21; p < orig.length; p += 7) {
      const b = Buffer.from(orig);
      b[p]! ^= 0x10;
      expect(new RecordBatch(b).isValid()).toBe(false);
      expect(() => new RecordBatch(b).ensureValid()).toThrow(CorruptRecordError);
    }
    const b = Buffer.from(orig);
    b[3]! ^= 1; // baseOffset
    b[13]! ^= 1; // leader epoch
    expect(new RecordBatch(b).isValid()).toBe(true);
    const small = Buffer.from(orig);
    small.writeInt32BE(20, 8);
    expect(() => new RecordBatch(small).ensureValid()).toThrow(/smaller than the minimum allowed overhead 61/);
  });

  it('mutators keep the batch valid for kafka-python', () => {
    const b = Buffer.from(bufs[0]!);
    const v = new RecordBatch(b);
    v.setLastOffset(5002n);
    expect(v.baseOffset).toBe(5000n);
    v.setPartitionLeaderEpoch(42);
    v.setMaxTimestamp(TimestampType.LogAppendTime, T0 + 999_999);
    let d = pyDecode(b)[0]!;
    expect(d.crcOk).toBe(true);
    expect(d.baseOffset).toBe(5000);
    expect(d.partitionLeaderEpoch).toBe(42);
    expect(d.timestampType).toBe(1);
    expect(d.maxTimestamp).toBe(T0 + 999_999);
    expect(d.records.map((r) => r.offset)).toEqual([5000, 5001, 5002]);
    expect(d.records.every((r) => r.timestamp === T0 + 999_999)).toBe(true);
    expect(v.toRecords().every((r) => r.timestamp === T0 + 999_999)).toBe(true);
    v.setBaseOffset(7n);
    v.setMaxTimestamp(TimestampType.CreateTime, T0 + 5);
    d = pyDecode(b)[0]!;
    expect(d.crcOk).toBe(true);
    expect(d.baseOffset).toBe(7);
    expect(d.timestampType).toBe(0);
    expect(d.records.map((r) => r.timestamp)).toEqual([T0, T0 + 5, T0 - 3]);
  });

  it('gzip batches: compressed, valid, records decompressed like kafka-python', () => {
    const [gz] = pyEncodeBatches([
      {
        baseOffset: 40,
        compression: 1,
        records: Array.from({ length: 5 }, (_, i) => ({ offset: i, timestamp: T0 + i, key: hex(`k${i}`), value: hex('z'.repeat(100)), headers: [['h', hex(`${i}`)]] as [string, string][] })),
      },
    ]);
    const v = new RecordBatch(gz!);
    expect(v.compressionType).toBe(CompressionType.Gzip);
    expect(v.isValid()).toBe(true);
    expect(gz!.length).toBeLessThan(500);
    const py = pyDecode(gz!)[0]!;
    const recs = v.toRecords();
    expect(recs.map((r) => [Number(r.offset), r.timestamp, r.key?.toString('hex'), r.value?.toString('hex'), r.headers.map((h) => [h.key, h.value?.toString('hex')])])).toEqual(
      py.records.map((r) => [r.offset, r.timestamp, r.key, r.value, r.headers]),
    );
    const bad = Buffer.from(gz!);
    bad[21 + 1] = (bad[21 + 1]! & ~7) | 2; // claim snappy
    expect(() => new RecordBatch(bad).records()).toThrow(InvalidRecordError);
  });
});

describe('iterateBatches', () => {
  const bufs = pyEncodeBatches(specs);
  const all = Buffer.concat(bufs);

  it('yields position/size/batch for each batch', () => {
    const got = [...iterateBatches(all)].map((e) => [e.position, e.size, e.magic, (e.batch as RecordBatch).baseOffset]);
    let pos = 0;
    const want = bufs.map((b, i) => {
      const r = [pos, b.length, 2, BigInt(specs[i]!.baseOffset!)];
      pos += b.length;
      return r;
    });
    expect(got).toEqual(want);
  });

  it('stops at a trailing partial batch, for every cut point', () => {
    const firstTwo = bufs[0]!.length + bufs[1]!.length;
    for (let cut = firstTwo; cut < all.length; cut++) {
      const entries = [...iterateBatches(all, { end: cut })];
      expect(entries).toHaveLength(2);
    }
    expect([...iterateBatches(all.subarray(0, 5))]).toHaveLength(0);
  });

  it('reports corruption for size < 14, size > max, and bad magic', () => {
    const b = Buffer.from(all);
    b.writeInt32BE(13, bufs[0]!.length + 8);
    const it = iterateBatches(b);
    expect(it.next().done).toBe(false);
    expect(() => it.next()).toThrow(CorruptRecordError);
    expect(() => [...iterateBatches(all, { maxBatchSize: 100 })]).toThrow(/larger than the maximum/);
    const m = Buffer.from(all);
    m[16] = 7;
    expect(() => nextBatchAt(m, 0, m.length)).toThrow(/Invalid magic 7/);
    // 12..16 trailing bytes: a plausible size field is a partial batch, a size < 14 is corrupt
    const tail = Buffer.concat([bufs[0]!, bufs[1]!.subarray(0, 13)]);
    expect([...iterateBatches(tail)]).toHaveLength(1);
    const badTail = Buffer.from(tail);
    badTail.writeInt32BE(3, bufs[0]!.length + 8);
    expect(() => [...iterateBatches(badTail)]).toThrow(CorruptRecordError);
    const z = Buffer.alloc(200);
    expect(() => nextBatchAt(z, 0, z.length)).toThrow(CorruptRecordError); // zero-filled tail: size 0
  });
});

describe('buildRecordBatch (checked by kafka-python)', () => {
  it('encodes records, headers, null key/value, producer fields', () => {
    const buf = buildRecordBatch({
      baseOffset: 12345678901n,
      partitionLeaderEpoch: 3,
      producerId: 99n,
      producerEpoch: 2,
      baseSequence: 10,
      isTransactional: true,
      records: [
        { key: 'a', value: 'b', timestamp: T0, headers: [{ key: 'hk', value: 'hv' }, { key: 'n', value: null }] },
        { key: null, value: Buffer.alloc(1000, 1), timestamp: T0 + 2 ** 31 },
        { key: 'c', value: null, timestamp: T0 - 1 },
      ],
    });
    const [d] = pyDecode(buf);
    expect(d!.crcOk).toBe(true);
    expect(d!.baseOffset).toBe(12345678901);
    expect(d!.partitionLeaderEpoch).toBe(3);
    expect(d!.producerId).toBe(99);
    expect(d!.producerEpoch).toBe(2);
    expect(d!.baseSequence).toBe(10);
    expect(d!.isTransactional).toBe(true);
    expect(d!.lastOffsetDelta).toBe(2);
    expect(d!.baseTimestamp).toBe(T0);
    expect(d!.maxTimestamp).toBe(T0 + 2 ** 31);
    expect(d!.count).toBe(3);
    expect(d!.records).toEqual([
      { offset: 12345678901, timestamp: T0, key: hex('a'), value: hex('b'), headers: [['hk', hex('hv')], ['n', null]] },
      { offset: 12345678902, timestamp: T0 + 2 ** 31, key: null, value: Buffer.alloc(1000, 1).toString('hex'), headers: [] },
      { offset: 12345678903, timestamp: T0 - 1, key: hex('c'), value: null, headers: [] },
    ]);
  });

  it('LogAppendTime and control markers', () => {
    const lat = buildRecordBatch({ records: [{ value: 'x', timestamp: 5 }], timestampType: TimestampType.LogAppendTime, logAppendTime: T0 });
    const [d] = pyDecode(lat);
    expect(d!.crcOk).toBe(true);
    expect(d!.timestampType).toBe(1);
    expect(d!.records[0]!.timestamp).toBe(T0);
    const marker = buildEndTxnMarker({ baseOffset: 50, producerId: 7n, producerEpoch: 1, commit: true, coordinatorEpoch: 9, timestamp: T0 });
    const [m] = pyDecode(marker);
    expect(m!.crcOk).toBe(true);
    expect(m!.isControl).toBe(true);
    expect(m!.isTransactional).toBe(true);
    expect(m!.records[0]!.key).toBe('00000001');
    expect(m!.records[0]!.value).toBe('000000000009');
    expect(new RecordBatch(marker).isControlBatch).toBe(true);
  });
});
