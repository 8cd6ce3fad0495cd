import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogSegment, LogSegmentOffsetOverflowError, readBatchesFromFile } from '../../../src/services/log/log-segment.js';
import { nativeAddon } from '../../../src/services/log/native-addon.js';
import { decodeLog, encodeBatch } from './log-test-helpers.js';
import { hex, pyDecode, pyEncodeBatches, type PyBatchSpec } from './kafka-python.js';
import { compatDir, prerequisite } from '../../helpers/environment.js';

const T = 1_700_000_000_000;
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafka-seg-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function readOffsetIndex(file: string): [number, number][] {
  const b = fs.readFileSync(file);
  const out: [number, number][] = [];
  for (let p = 0; p + 8 <= b.length; p += 8) out.push([b.readInt32BE(p), b.readInt32BE(p + 4)]);
  return out;
}
function readTimeIndex(file: string): [number, number][] {
  const b = fs.readFileSync(file);
  const out: [number, number][] = [];
  for (let p = 0; p + 12 <= b.length; p += 12) out.push([Number(b.readBigInt64BE(p)), b.readInt32BE(p + 8)]);
  return out;
}

/** N batches of `perBatch` records each, starting at `base`, with timestamps that mostly increase. */
function makeBatches(base: number, n: number, perBatch = 3, valueSize = 40): { bufs: Buffer[]; specs: PyBatchSpec[] } {
  const specs: PyBatchSpec[] = [];
  let off = base;
  for (let i = 0; i < n; i++) {
    const ts = T + i * 10 + (i % 4 === 3 ? -25 : 0); // every 4th batch goes back in time
    specs.push({
      baseOffset: off,
      partitionLeaderEpoch: 0,
      records: Array.from({ length: perBatch }, (_, j) => ({
        offset: j,
        timestamp: ts + j,
        key: hex(`k${off + j}`),
        value: hex(`v${off + j}-`.padEnd(valueSize, 'x')),
      })),
    });
    off += perBatch;
  }
  return { bufs: pyEncodeBatches(specs), specs };
}

/** Expected offset-index entries for one-batch-per-append (Kafka's rule), computed independently. */
function expectedIndex(bufs: Buffer[], specs: PyBatchSpec[], base: number, interval: number, perBatch: number): [number, number][] {
  const out: [number, number][] = [];
  let since = 0;
  let pos = 0;
  bufs.forEach((b, i) => {
    if (since > interval) {
      out.push([specs[i]!.baseOffset! + perBatch - 1 - base, pos]);
      since = 0;
    }
    since += b.length;
    pos += b.length;
  });
  return out;
}

function appendAll(seg: LogSegment, bufs: Buffer[], specs: PyBatchSpec[], perBatch: number): void {
  bufs.forEach((b, i) => {
    const ts = Math.max(...specs[i]!.records.map((r) => r.timestamp));
    const last = BigInt(specs[i]!.baseOffset! + perBatch - 1);
    seg.append(last, ts, last, b);
  });
}

describe('LogSegment append/read', () => {
  it('appends batches, builds the offset index every indexIntervalBytes, data readable by kafka-python', () => {
    const { bufs, specs } = makeBatches(100, 30);
    const seg = LogSegment.open(dir, 100n, { indexIntervalBytes: 300, maxIndexSize: 4096 });
    appendAll(seg, bufs, specs, 3);
    const all = Buffer.concat(bufs);
    expect(seg.size).toBe(all.length);
    expect(fs.readFileSync(seg.logFile)).toEqual(all);
    const want = expectedIndex(bufs, specs, 100, 300, 3);
    expect(want.length).toBeGreaterThan(3);
    expect(seg.offsetIndex.entries).toBe(want.length);
    expect(seg.readNextOffset()).toBe(190n);
    expect(seg.maxTimestampSoFar).toBe(Math.max(...specs.flatMap((s) => s.records.map((r) => r.timestamp))));
    seg.close();
    expect(readOffsetIndex(path.join(dir, '00000000000000000100.index'))).toEqual(want);
    const ti = readTimeIndex(path.join(dir, '00000000000000000100.timeindex'));
    for (let i = 1; i < ti.length; i++) expect(ti[i]![0]).toBeGreaterThan(ti[i - 1]![0]);
    // final entry = (max timestamp, offset of the batch holding it)
    const maxTs = Math.max(...specs.flatMap((s) => s.records.map((r) => r.timestamp)));
    expect(ti.at(-1)![0]).toBe(maxTs);
    const py = pyDecode(fs.readFileSync(path.join(dir, '00000000000000000100.log')));
    expect(py).toHaveLength(30);
    expect(py.every((b) => b.crcOk)).toBe(true);
  });

  it('read(startOffset, maxBytes) starts at the batch holding startOffset', async () => {
    const { bufs, specs } = makeBatches(0, 20);
    const seg = LogSegment.open(dir, 0n, { indexIntervalBytes: 200, maxIndexSize: 4096 });
    appendAll(seg, bufs, specs, 3);
    const positions: number[] = [];
    bufs.reduce((p, b) => (positions.push(p), p + b.length), 0);
    for (const off of [0, 1, 2, 3, 4, 17, 31, 59]) {
      const r = seg.read(BigInt(off), 1 << 20)!;
      const bi = Math.floor(off / 3);
      expect(r.position).toBe(positions[bi]);
      expect(r.fetchOffsetMetadata.relativePositionInSegment).toBe(positions[bi]);
      expect(r.records).toEqual(Buffer.concat(bufs.slice(bi)));
      expect(r.firstEntryIncomplete).toBe(false);
    }
    expect(seg.read(60n, 100)).toBeNull();
    const small = seg.read(30n, 10)!;
    expect(small.records.length).toBe(10);
    expect(small.firstEntryIncomplete).toBe(true);
    const one = seg.read(30n, 10, seg.size, true)!;
    expect(one.records).toEqual(bufs[10]);
    const capped = seg.read(0n, 1 << 20, positions[2])!;
    expect(capped.records).toEqual(Buffer.concat(bufs.slice(0, 2)));
    expect(seg.read(5n, 0)!.records.length).toBe(0);
    for (const [off, max, min] of [[0, 1 << 20, false], [31, 10, false], [30, 10, true], [17, 500, false]] as const) {
      expect(await seg.readAsync(BigInt(off), max, seg.size, min)).toEqual(seg.read(BigInt(off), max, seg.size, min));
    }
    expect(await seg.readAsync(60n, 100)).toBeNull();
    seg.close();
  });

  it('findOffsetByTimestamp returns the first record with timestamp >= target', () => {
    const { bufs, specs } = makeBatches(0, 12, 3);
    const seg = LogSegment.open(dir, 0n, { indexIntervalBytes: 150, maxIndexSize: 4096 });
    appendAll(seg, bufs, specs, 3);
    const recs = specs.flatMap((s) => s.records.map((r) => ({ ts: r.timestamp, off: s.baseOffset! + r.offset })));
    for (const target of [T - 100, T, T + 1, T + 5, T + 22, T + 40, T + 61, T + 112, T + 1000]) {
      const hit = recs.find((r) => r.ts >= target);
      const got = seg.findOffsetByTimestamp(target);
      if (!hit) expect(got).toBeNull();
      else expect(got).toEqual({ timestamp: hit.ts, offset: BigInt(hit.off), leaderEpoch: 0 });
    }
    const later = seg.findOffsetByTimestamp(T, 10n)!;
    expect(later.offset).toBe(BigInt(recs.find((r) => r.off >= 10 && r.ts >= T)!.off));
    seg.close();
  });

  it('findOffsetByTimestamp searches inside gzip batches', () => {
    const [plain, gz] = pyEncodeBatches([
      { baseOffset: 0, records: [{ offset: 0, timestamp: T, value: hex('a') }] },
      { baseOffset: 1, compression: 1, records: [0, 1, 2, 3].map((i) => ({ offset: i, timestamp: T + 10 * (i + 1), value: hex('b'.repeat(50)) })) },
    ]);
    const seg = LogSegment.open(dir, 0n, { maxIndexSize: 4096 });
    seg.append(0n, T, 0n, plain!);
    seg.append(4n, T + 40, 4n, gz!);
    expect(seg.findOffsetByTimestamp(T + 25)).toEqual({ timestamp: T + 30, offset: 3n, leaderEpoch: null });
    expect(seg.findOffsetByTimestamp(T + 41)).toBeNull();
    expect(seg.readNextOffset()).toBe(5n);
    seg.close();
  });

  it('header-only scans handle batches larger than the scan chunk (16 KiB)', () => {
    const bufs = pyEncodeBatches(
      [0, 1, 2, 3].map((i) => ({ baseOffset: i * 2, records: [0, 1].map((j) => ({ offset: j, timestamp: T + i, value: hex('q'.repeat(20000 + i)) })) })),
    );
    const seg = LogSegment.open(dir, 0n, { indexIntervalBytes: 1 << 30, maxIndexSize: 4096 });
    bufs.forEach((b, i) => seg.append(BigInt(i * 2 + 1), T + i, BigInt(i * 2 + 1), b!));
    expect(seg.offsetIndex.entries).toBe(0);
    expect(seg.readNextOffset()).toBe(8n);
    const starts = [0, bufs[0]!.length, bufs[0]!.length + bufs[1]!.length, bufs[0]!.length + bufs[1]!.length + bufs[2]!.length];
    for (let o = 0; o < 8; o++) expect(seg.translateOffset(BigInt(o))).toEqual({ offset: BigInt(Math.floor(o / 2) * 2 + 1), position: starts[Math.floor(o / 2)], size: bufs[Math.floor(o / 2)]!.length });
    expect(seg.read(5n, 1 << 20)!.records).toEqual(Buffer.concat(bufs.slice(2)));
    expect(seg.findOffsetByTimestamp(T + 2)!.offset).toBe(4n);
    seg.close();
    const again = LogSegment.open(dir, 0n, { fileAlreadyExists: true, maxIndexSize: 4096 });
    expect(again.recover()).toBe(0);
    again.close();
  });

  it('rejects offsets that do not fit relative to the base offset', () => {
    const seg = LogSegment.open(dir, 0n, { maxIndexSize: 4096 });
    const { bufs } = makeBatches(0, 1);
    expect(() => seg.append(2n ** 31n, T, 0n, bufs[0]!)).toThrow(LogSegmentOffsetOverflowError);
    seg.close();
  });
});

describe('LogSegment recover / truncate / lifecycle', () => {
  function writeSegment(base: number, n: number, interval = 300): { bufs: Buffer[]; specs: PyBatchSpec[]; all: Buffer } {
    const { bufs, specs } = makeBatches(base, n);
    const all = Buffer.concat(bufs);
    fs.writeFileSync(path.join(dir, `${String(base).padStart(20, '0')}.log`), all);
    return { bufs, specs, all };
  }

  it('rebuilds missing indexes exactly as appends would have written them', () => {
    const { bufs, specs } = writeSegment(50, 25);
    const seg = LogSegment.open(dir, 50n, { fileAlreadyExists: true, indexIntervalBytes: 300, maxIndexSize: 4096 });
    expect(() => seg.sanityCheck(true)).toThrow(/does not exist/);
    const seen: bigint[] = [];
    expect(seg.recover({ onBatch: (b) => seen.push(b.baseOffset) })).toBe(0);
    expect(seen).toEqual(specs.map((s) => BigInt(s.baseOffset!)));
    expect(seg.readNextOffset()).toBe(125n);
    seg.close();
    expect(readOffsetIndex(path.join(dir, '00000000000000000050.index'))).toEqual(expectedIndex(bufs, specs, 50, 300, 3));
    const maxTs = Math.max(...specs.flatMap((s) => s.records.map((r) => r.timestamp)));
    expect(readTimeIndex(path.join(dir, '00000000000000000050.timeindex')).at(-1)![0]).toBe(maxTs);
  });

  it('garbage index files are replaced by recovery', () => {
    const { bufs, specs } = writeSegment(0, 10);
    fs.writeFileSync(path.join(dir, '00000000000000000000.index'), Buffer.alloc(803, 0xab));
    fs.writeFileSync(path.join(dir, '00000000000000000000.timeindex'), Buffer.alloc(100, 0x7f));
    const seg = LogSegment.open(dir, 0n, { fileAlreadyExists: true, indexIntervalBytes: 300, maxIndexSize: 4096 });
    expect(seg.recover()).toBe(0);
    for (let o = 0; o < 30; o++) expect(seg.read(BigInt(o), 100000)!.records[0]).toBeDefined();
    seg.close();
    expect(readOffsetIndex(path.join(dir, '00000000000000000000.index'))).toEqual(expectedIndex(bufs, specs, 0, 300, 3));
  });

  const faults: [string, (all: Buffer, bufs: Buffer[]) => { data: Buffer; keepBatches: number }][] = [
    ['torn last batch', (all, bufs) => ({ data: all.subarray(0, all.length - 7), keepBatches: bufs.length - 1 })],
    ['flipped byte mid-file', (all, bufs) => {
      const d = Buffer.from(all);
      const start = bufs.slice(0, 6).reduce((a, b) => a + b.length, 0);
      d[start + 40]! ^= 0x01; // inside batch 6's CRC range
      return { data: d, keepBatches: 6 };
    }],
    ['zero-filled tail', (all, bufs) => ({ data: Buffer.concat([all, Buffer.alloc(4096)]), keepBatches: bufs.length })],
    ['size field < 14', (all, bufs) => {
      const d = Buffer.from(all);
      const start = bufs.slice(0, 3).reduce((a, b) => a + b.length, 0);
      d.writeInt32BE(5, start + 8);
      return { data: d, keepBatches: 3 };
    }],
    ['out-of-order offsets', (all, bufs) => {
      const d = Buffer.from(all);
      const start = bufs.slice(0, 4).reduce((a, b) => a + b.length, 0);
      d.writeBigInt64BE(1n, start); // baseOffset is not covered by the CRC
      return { data: d, keepBatches: 4 };
    }],
    ['bad magic', (all, bufs) => {
      const d = Buffer.from(all);
      const start = bufs.slice(0, 2).reduce((a, b) => a + b.length, 0);
      d[start + 16] = 9;
      return { data: d, keepBatches: 2 };
    }],
  ];

  for (const [name, fault] of faults) {
    it(`recover truncates at the first invalid byte: ${name}`, () => {
      const { bufs, all } = writeSegment(0, 12);
      const { data, keepBatches } = fault(all, bufs);
      const f = path.join(dir, '00000000000000000000.log');
      fs.writeFileSync(f, data);
      const seg = LogSegment.open(dir, 0n, { fileAlreadyExists: true, indexIntervalBytes: 300, maxIndexSize: 4096 });
      const keep = bufs.slice(0, keepBatches).reduce((a, b) => a + b.length, 0);
      expect(seg.recover()).toBe(data.length - keep);
      expect(seg.size).toBe(keep);
      expect(seg.readNextOffset()).toBe(BigInt(keepBatches * 3));
      seg.close();
      const onDisk = fs.readFileSync(f);
      expect(onDisk).toEqual(all.subarray(0, keep));
      const py = pyDecode(onDisk);
      expect(py).toHaveLength(keepBatches);
      expect(py.every((b) => b.crcOk)).toBe(true);
    });
  }

  it('randomised: a flipped byte in [crc, end) of any batch truncates exactly at that batch; any tear cuts the torn batch', () => {
    const { bufs, all } = writeSegment(0, 40);
    const starts: number[] = [];
    bufs.reduce((p, b) => (starts.push(p), p + b.length), 0);
    const f = path.join(dir, '00000000000000000000.log');
    let seed = 424242;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let trial = 0; trial < 40; trial++) {
      const bi = rnd(bufs.length);
      const d = Buffer.from(all);
      let keepBatches: number;
      if (trial % 2 === 0) {
        const at = starts[bi]! + 17 + rnd(bufs[bi]!.length - 17);
        d[at]! ^= 1 << rnd(8);
        fs.writeFileSync(f, d);
        keepBatches = bi;
      } else {
        const cut = starts[bi]! + 1 + rnd(bufs[bi]!.length - 1); // strictly inside batch bi (or its end)
        fs.writeFileSync(f, d.subarray(0, cut));
        keepBatches = cut === starts[bi]! + bufs[bi]!.length ? bi + 1 : bi;
      }
      const seg = LogSegment.open(dir, 0n, { fileAlreadyExists: true, indexIntervalBytes: 300, maxIndexSize: 4096 });
      seg.recover();
      const keep = keepBatches === bufs.length ? all.length : starts[keepBatches]!;
      expect(seg.size, `trial ${trial}`).toBe(keep);
      expect(seg.readNextOffset()).toBe(BigInt(keepBatches * 3));
      seg.close();
      expect(fs.readFileSync(f).equals(all.subarray(0, keep))).toBe(true);
      for (const n of ['00000000000000000000.index', '00000000000000000000.timeindex']) fs.rmSync(path.join(dir, n), { force: true });
    }
  });

  it('maxMessageSize limits batch sizes during recovery', () => {
    const { bufs } = writeSegment(0, 5);
    const seg = LogSegment.open(dir, 0n, { fileAlreadyExists: true, maxIndexSize: 4096 });
    expect(seg.recover({ maxMessageSize: 10 })).toBe(bufs.reduce((a, b) => a + b.length, 0));
    expect(seg.size).toBe(0);
    seg.close();
  });

  it('truncateTo(offset) removes the batch holding offset and everything after', () => {
    const { bufs, specs } = makeBatches(0, 20);
    const seg = LogSegment.open(dir, 0n, { indexIntervalBytes: 200, maxIndexSize: 4096 });
    appendAll(seg, bufs, specs, 3);
    const removed = seg.truncateTo(31n); // batch 10 holds 30..32
    const keep = bufs.slice(0, 10).reduce((a, b) => a + b.length, 0);
    expect(removed).toBe(Buffer.concat(bufs).length - keep);
    expect(seg.size).toBe(keep);
    expect(seg.readNextOffset()).toBe(30n);
    expect(seg.offsetIndex.lastOffset).toBeLessThan(31n);
    expect(seg.timeIndex.lastEntry.offset).toBeLessThan(31n);
    expect(seg.offsetIndex.length).toBe(4096);
    expect(seg.maxTimestampSoFar).toBe(Math.max(...specs.slice(0, 10).flatMap((s) => s.records.map((r) => r.timestamp))));
    // appending continues after truncation
    const [more] = pyEncodeBatches([{ baseOffset: 30, records: [{ offset: 0, timestamp: T + 5000, value: hex('again') }] }]);
    seg.append(30n, T + 5000, 30n, more!);
    expect(seg.readNextOffset()).toBe(31n);
    expect(seg.truncateTo(1000n)).toBe(0);
    expect(seg.truncateTo(0n)).toBe(keep + more!.length);
    expect(seg.size).toBe(0);
    seg.close();
  });

  it('onBecomeInactiveSegment trims indexes and preallocated log; reopening trusts trimmed indexes', () => {
    const { bufs, specs } = makeBatches(0, 15);
    const seg = LogSegment.open(dir, 0n, { indexIntervalBytes: 200, maxIndexSize: 4096, preallocate: true, initFileSize: 1 << 16 });
    expect(fs.statSync(seg.logFile).size).toBe(1 << 16);
    expect(seg.size).toBe(0);
    appendAll(seg, bufs, specs, 3);
    seg.onBecomeInactiveSegment();
    const entries = seg.offsetIndex.entries;
    expect(fs.statSync(seg.logFile).size).toBe(seg.size);
    expect(fs.statSync(seg.offsetIndexFile).size).toBe(entries * 8);
    expect(fs.statSync(seg.timeIndexFile).size).toBe(seg.timeIndex.entries * 12);
    seg.close();
    const again = LogSegment.open(dir, 0n, { fileAlreadyExists: true, indexIntervalBytes: 200, maxIndexSize: 4096 });
    again.sanityCheck(false);
    expect(again.offsetIndex.entries).toBe(entries);
    expect(again.readNextOffset()).toBe(45n);
    expect(again.read(44n, 1 << 20)!.records).toEqual(bufs[14]);
    again.resizeIndexes();
    expect(again.offsetIndex.isFull()).toBe(false);
    again.close();
  });

  it('flush, suffix changes and delete', async () => {
    const { bufs, specs } = makeBatches(0, 3);
    const seg = LogSegment.open(dir, 0n, { maxIndexSize: 4096 });
    appendAll(seg, bufs, specs, 3);
    await seg.flush();
    seg.flushSync();
    seg.changeFileSuffixes('', '.deleted');
    expect(seg.hasSuffix('.deleted')).toBe(true);
    expect(fs.existsSync(path.join(dir, '00000000000000000000.log.deleted'))).toBe(true);
    expect(fs.existsSync(path.join(dir, '00000000000000000000.index.deleted'))).toBe(true);
    expect(seg.readNextOffset()).toBe(9n);
    seg.deleteIfExists();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('shouldRoll on size, time, full index, offset overflow', () => {
    let now = 1000;
    const seg = LogSegment.open(dir, 0n, { maxIndexSize: 4096, now: () => now });
    const p = { maxSegmentBytes: 1000, maxSegmentMs: 100, maxTimestampInMessages: T, maxOffsetInMessages: 0n, messagesSize: 10, now };
    expect(seg.shouldRoll(p)).toBe(false);
    const { bufs, specs } = makeBatches(0, 1);
    appendAll(seg, bufs, specs, 3);
    expect(seg.shouldRoll({ ...p, maxTimestampInMessages: specs[0]!.records[2]!.timestamp + 50 })).toBe(false);
    expect(seg.shouldRoll({ ...p, maxTimestampInMessages: specs[0]!.records[2]!.timestamp + 500 })).toBe(true);
    expect(seg.shouldRoll({ ...p, maxSegmentBytes: seg.size + 5 })).toBe(true);
    expect(seg.shouldRoll({ ...p, maxOffsetInMessages: 2n ** 31n })).toBe(true);
    now = 5000;
    seg.close();
  });
});

describe('LogSegment with legacy (magic 0/1) data', () => {
  it('recovers a mixed v1 + v2 segment and truncates at a corrupt legacy message', () => {
    const [v1, v2] = pyEncodeBatches([
      { magic: 1, records: [0, 1, 2, 3].map((i) => ({ offset: i, timestamp: T + i, key: hex(`k${i}`), value: hex('legacy') })) },
      { baseOffset: 4, records: [{ offset: 0, timestamp: T + 10, value: hex('v2') }] },
    ]);
    const f = path.join(dir, '00000000000000000000.log');
    fs.writeFileSync(f, Buffer.concat([v1!, v2!]));
    let seg = LogSegment.open(dir, 0n, { fileAlreadyExists: true, indexIntervalBytes: 10, maxIndexSize: 4096 });
    expect(seg.recover()).toBe(0);
    expect(seg.readNextOffset()).toBe(5n);
    expect(seg.findOffsetByTimestamp(T + 2)).toEqual({ timestamp: T + 2, offset: 2n, leaderEpoch: null });
    expect(seg.timeIndex.lastEntry).toEqual({ timestamp: T + 10, offset: 4n });
    seg.close();
    const d = fs.readFileSync(f);
    const second = 12 + d.readInt32BE(8);
    d[second + 20]! ^= 4; // inside message 1's CRC range
    fs.writeFileSync(f, d);
    seg = LogSegment.open(dir, 0n, { fileAlreadyExists: true, maxIndexSize: 4096 });
    expect(seg.recover()).toBe(d.length - second);
    expect(seg.readNextOffset()).toBe(1n);
    seg.close();
  });
});

describe('LogSegment on Kafka 2.7.1 data', () => {
  it('recovers __consumer_offsets-39 segment 0 without losing bytes', () => {
    const src = path.join(compatDir(), '__consumer_offsets-39');
    for (const f of ['00000000000000000000.log', '00000000000000000000.index', '00000000000000000000.timeindex']) {
      fs.copyFileSync(path.join(src, f), path.join(dir, f));
      fs.chmodSync(path.join(dir, f), 0o644);
    }
    const seg = LogSegment.open(dir, 0n, { fileAlreadyExists: true });
    seg.sanityCheck(false);
    expect(seg.readNextOffset()).toBe(18n);
    const before = seg.timeIndex.lastEntry;
    expect(seg.recover()).toBe(0);
    expect(seg.readNextOffset()).toBe(18n);
    expect(seg.timeIndex.lastEntry).toEqual(before); // same final time entry as Kafka wrote
    seg.close();
    expect(fs.readFileSync(path.join(dir, '00000000000000000000.timeindex'))).toEqual(fs.readFileSync(path.join(src, '00000000000000000000.timeindex')));
  });
});

describe('LogSegment recovery read-ahead (native thread reads the next chunk)', () => {
  /** Batches of very different sizes (100 B … 300 KiB, one of 1.5 MiB: larger than a chunk), ~4 MiB in all. */
  function mixedSegment(): { all: Buffer; starts: number[]; sizes: number[] } {
    const bufs: Buffer[] = [];
    let seed = 99;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed % n);
    let off = 0n;
    for (let i = 0; bufs.reduce((a, b) => a + b.length, 0) < 4 << 20; i++) {
      const len = i === 25 ? 3 << 19 : [100, 3000, 20_000, 300_000][rnd(4)]! + rnd(5000);
      bufs.push(encodeBatch([{ key: null, value: Buffer.alloc(len, i & 0xff), timestamp: T + i }], { baseOffset: off }));
      off += 1n;
    }
    const starts: number[] = [];
    bufs.reduce((p, b) => (starts.push(p), p + b.length), 0);
    return { all: Buffer.concat(bufs), starts, sizes: bufs.map((b) => b.length) };
  }

  it('yields the same batches with and without read-ahead across many chunk boundaries, all CRC-valid', () => {
    const { all, starts, sizes } = mixedSegment();
    const f = path.join(dir, 'x.log');
    fs.writeFileSync(f, all);
    const fd = fs.openSync(f, 'r');
    try {
      for (const chunkSize of [64 << 10, 1 << 20]) {
        const seen: Array<[number, number]> = [];
        for (const e of readBatchesFromFile(fd, 0, all.length, { chunkSize, readAhead: true })) {
          expect(e.batch.isValid(), `batch at ${e.position}`).toBe(true);
          seen.push([e.position, e.size]);
        }
        expect(seen).toEqual(starts.map((s, i) => [s, sizes[i]!]));
        const plain = [...readBatchesFromFile(fd, 0, all.length, { chunkSize })].map((e) => [e.position, e.size]);
        expect(plain).toEqual(seen);
      }
    } finally {
      fs.closeSync(fd);
    }
  });

  it('recover() uses it when the addon is built and truncates exactly at a flipped byte 3 MiB in', () => {
    const { all, starts } = mixedSegment();
    const bad = starts.findIndex((s) => s > 3 << 20);
    const d = Buffer.from(all);
    d[starts[bad]! + 70]! ^= 0x10;
    fs.writeFileSync(path.join(dir, '00000000000000000000.log'), d);
    let created = 0;
    const addon = nativeAddon;
    const original = addon?.readAheadCreate;
    if (addon) addon.readAheadCreate = () => (created++, original!.call(addon));
    try {
      const seg = LogSegment.open(dir, 0n, { fileAlreadyExists: true });
      expect(seg.recover()).toBe(all.length - starts[bad]!);
      expect(seg.readNextOffset()).toBe(BigInt(bad));
      seg.close();
    } finally {
      if (addon) addon.readAheadCreate = original!;
    }
    expect(decodeLog(fs.readFileSync(path.join(dir, '00000000000000000000.log'))).batches.every((b) => b.crcOk)).toBe(true);
    expect(fs.statSync(path.join(dir, '00000000000000000000.log')).size).toBe(starts[bad]);
    if (addon && process.env['RAFKA_READ_AHEAD'] !== '0') expect(created).toBe(1);
  });

  it('the addon reports a failed read as an fs-style error', (ctx) => {
    if (!prerequisite('native addon (native/, built by npm ci)', nativeAddon !== null, 'a C compiler and node-gyp: npm ci builds it') || !nativeAddon) return ctx.skip();
    const fd = fs.openSync(dir, 'r'); // a directory: pread fails with EISDIR
    const r = nativeAddon.readAheadCreate();
    try {
      nativeAddon.readAheadStart(r, fd, Buffer.alloc(16), 0, 16, 0);
      expect(() => nativeAddon!.readAheadWait(r)).toThrow(expect.objectContaining({ code: 'EISDIR', syscall: 'read' }));
      expect(() => nativeAddon!.readAheadStart(r, fd, Buffer.alloc(16), 8, 16, 0)).toThrow(RangeError);
    } finally {
      nativeAddon.readAheadClose(r);
      fs.closeSync(fd);
    }
  });
});

describe('LogSegment handles: the .txnindex fd', () => {
  /** Open fds of this process pointing at `file`. */
  const fdsOn = (file: string) => fs.readdirSync('/proc/self/fd').filter((fd) => {
    try { return fs.readlinkSync(`/proc/self/fd/${fd}`) === file; } catch { return false; }
  }).length;
  const txn = (lastOffset: bigint) => ({ producerId: 7n, firstOffset: 0n, lastOffset, lastStableOffset: lastOffset });

  it('releaseHandles closes it with the others; it reopens on the next append, and a flush after a release still syncs it', async () => {
    const seg = LogSegment.open(dir, 0n, { maxIndexSize: 4096 });
    seg.append(2n, T, 0n, encodeBatch([{ value: Buffer.from('a'), timestamp: T }, { value: Buffer.from('b'), timestamp: T }]));
    seg.appendAbortedTxn(txn(1n));
    const file = seg.txnIndex.file;
    expect(fdsOn(file)).toBe(1);
    seg.releaseHandles();
    expect(fdsOn(file)).toBe(0);
    expect(seg.collectAbortedTxns(0n, 10n).abortedTransactions.map((t) => t.lastOffset)).toEqual([1n]);
    const fsyncs: number[] = [];
    const real = fs.fsyncSync;
    fs.fsyncSync = (fd: number) => { fsyncs.push(fd); real(fd); };
    try {
      seg.flushSync(); // written before the release, not yet synced: reopened to fsync
      expect(fsyncs.length).toBe(4); // .log, .index, .timeindex, .txnindex
      seg.releaseHandles();
      seg.flushSync(); // nothing new: the .txnindex is not reopened
      expect(fdsOn(file)).toBe(0);
    } finally {
      fs.fsyncSync = real;
    }
    seg.appendAbortedTxn(txn(2n));
    expect(fdsOn(file)).toBe(1);
    seg.close();
    expect(fdsOn(file)).toBe(0);
    expect(fs.statSync(file).size).toBe(2 * 34);
  });
});
