import { ReadBufferPool } from '../../../src/services/log/read-buffer-pool.js';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CorruptRecordError, InvalidRecordError, Log, type LogHooks, OffsetOutOfRangeError, RecordTooLargeError,
  UnsupportedForMessageFormatError,
} from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../src/services/log/log-config.js';
import { makeTmpDir, rmrf } from './tmp.js';
import { crc32cRef, decodeLog, decodeOffsetIndex, decodeTimeIndex, encodeBatch, pad20 } from './log-test-helpers.js';
import { pyDecode, pyEncodeBatches } from './kafka-python.js';

const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

const cfg = (o: Partial<LogConfig> = {}): LogConfig => ({ ...DEFAULT_LOG_CONFIG, ...o });

async function newLog(config: LogConfig, hooks: LogHooks = {}): Promise<{ log: Log; dir: string; root: string }> {
  const root = await makeTmpDir();
  cleanup.push(root);
  const dir = path.join(root, 'topic-0');
  return { log: Log.create({ dir, topic: 'topic', partition: 0, config, hooks }), dir, root };
}

const val = (i: number, n = 200): Buffer => Buffer.alloc(n, 48 + (i % 10));
const batch = (n: number, ts: number, size = 200, opts: Parameters<typeof encodeBatch>[1] = {}): Buffer =>
  encodeBatch(Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${i}`), value: val(i, size), timestamp: ts + i })), opts);

function segFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
}

describe('Log append', () => {
  it('assigns offsets and the leader epoch in place and writes batches kafka-python validates', async () => {
    const { log, dir } = await newLog(cfg());
    const b1 = batch(3, 1000);
    const r1 = log.appendAsLeader(b1, 5);
    expect(r1).toEqual({ firstOffset: 0n, lastOffset: 2n, logAppendTime: -1, logStartOffset: 0n, recordCount: 3 });
    expect(b1.readBigInt64BE(0)).toBe(0n);
    const two = Buffer.concat([batch(2, 2000), batch(4, 3000)]);
    const r2 = log.appendAsLeader(two, 5);
    expect([r2.firstOffset, r2.lastOffset, r2.recordCount]).toEqual([3n, 8n, 6]);
    expect(two.readBigInt64BE(0)).toBe(3n);
    expect(log.logEndOffset).toBe(9n);
    expect(log.highWatermark).toBe(9n);
    const bytes = readFileSync(path.join(dir, `${pad20(0)}.log`));
    const ref = decodeLog(bytes);
    expect(ref.validBytes).toBe(bytes.length);
    expect(ref.batches.map((b) => [b.baseOffset, b.lastOffset, b.partitionLeaderEpoch, b.crcOk])).toEqual([
      [0n, 2n, 5, true], [3n, 4n, 5, true], [5n, 8n, 5, true],
    ]);
    const py = pyDecode(bytes);
    expect(py.flatMap((b) => b.records.map((r) => r.offset))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(py.every((b) => b.crcOk)).toBe(true);
    expect(readFileSync(path.join(dir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n1\n5 0\n');
    log.appendAsLeader(batch(1, 4000), 7);
    expect(readFileSync(path.join(dir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n2\n5 0\n7 9\n');
  });

  it('rejects oversized, corrupt, legacy and inconsistent batches without writing anything', async () => {
    const { log } = await newLog(cfg({ maxMessageBytes: 1000 }));
    expect(() => log.appendAsLeader(batch(10, 1), 0)).toThrow(RecordTooLargeError);
    const bad = batch(1, 1);
    bad[bad.length - 1] ^= 0xff;
    expect(() => log.appendAsLeader(bad, 0)).toThrow(CorruptRecordError);
    const [legacy] = pyEncodeBatches([{ magic: 1, records: [{ offset: 0, timestamp: 5, value: '61' }] }]);
    expect(() => log.appendAsLeader(legacy!, 0)).toThrow(UnsupportedForMessageFormatError);
    const wrongDelta = batch(2, 1);
    wrongDelta.writeInt32BE(5, 23);
    wrongDelta.writeUInt32BE(crc32cRef(wrongDelta, 21), 17);
    expect(() => log.appendAsLeader(wrongDelta, 0)).toThrow(InvalidRecordError);
    expect(() => log.appendAsLeader(Buffer.alloc(5), 0)).toThrow(CorruptRecordError);
    expect(log.logEndOffset).toBe(0n);
    expect(log.size).toBe(0);
    // a trailing partial batch is trimmed (Kafka trimInvalidBytes)
    const ok = batch(1, 1);
    const r = log.appendAsLeader(Buffer.concat([ok, batch(1, 2).subarray(0, 30)]), 0);
    expect(r.lastOffset).toBe(0n);
    expect(log.size).toBe(ok.length);
  });

  it('sets LogAppendTime and recomputes the CRC', async () => {
    const now = 1_700_000_123_456;
    const { log, dir } = await newLog(cfg({ messageTimestampType: 'LogAppendTime' }), { now: () => now });
    const r = log.appendAsLeader(batch(2, 10), 0);
    expect(r.logAppendTime).toBe(now);
    const py = pyDecode(readFileSync(path.join(dir, `${pad20(0)}.log`)));
    expect(py[0]!.crcOk).toBe(true);
    expect(py[0]!.timestampType).toBe(1);
    expect(py[0]!.maxTimestamp).toBe(now);
    expect(py[0]!.records.map((x) => x.timestamp)).toEqual([now, now]);
  });

  it('flush.messages=1 moves the recovery point with every append; default leaves it', async () => {
    const a = await newLog(cfg({ flushMessages: 1 }));
    a.log.appendAsLeader(batch(2, 1), 0);
    expect(a.log.recoveryPoint).toBe(2n);
    a.log.appendAsLeader(batch(1, 1), 0);
    expect(a.log.recoveryPoint).toBe(3n);
    const b = await newLog(cfg());
    b.log.appendAsLeader(batch(2, 1), 0);
    expect(b.log.recoveryPoint).toBe(0n);
    await b.log.flushAsync();
    expect(b.log.recoveryPoint).toBe(2n);
  });
});

describe('Log roll, indexes, read', () => {
  it('rolls on segment.bytes, trims rolled indexes, and its index entries point at batch starts', async () => {
    const { log, dir } = await newLog(cfg({ segmentBytes: 20_000, indexIntervalBytes: 1000, maxIndexSize: 4096 }));
    const sizes: number[] = [];
    for (let i = 0; i < 150; i++) {
      const b = batch(4, 10_000 + i * 10, 100);
      sizes.push(b.length);
      log.appendAsLeader(b, 1);
    }
    expect(log.logEndOffset).toBe(600n);
    const segs = segFiles(dir);
    expect(segs.length).toBeGreaterThan(2);
    expect(log.segmentBaseOffsets().map((o) => `${pad20(o)}.log`)).toEqual(segs);
    for (const s of segs.slice(0, -1)) {
      const base = BigInt(s.slice(0, 20));
      const logBytes = readFileSync(path.join(dir, s));
      expect(logBytes.length).toBeLessThanOrEqual(20_000);
      const ref = decodeLog(logBytes);
      expect(ref.validBytes).toBe(logBytes.length);
      const positions = new Map(ref.batches.map((b) => [b.position, b]));
      const idx = decodeOffsetIndex(readFileSync(path.join(dir, `${s.slice(0, 20)}.index`)));
      expect(idx.length).toBeGreaterThan(0);
      for (const [rel, pos] of idx) {
        const b = positions.get(pos);
        expect(b, `index entry ${rel}@${pos}`).toBeDefined();
        expect(b!.lastOffset - base).toBe(BigInt(rel));
      }
      const tidx = decodeTimeIndex(readFileSync(path.join(dir, `${s.slice(0, 20)}.timeindex`)));
      const last = tidx[tidx.length - 1]!;
      const maxBatch = ref.batches[ref.batches.length - 1]!;
      expect(last).toEqual([maxBatch.maxTimestamp, Number(maxBatch.lastOffset - base)]);
      for (let i = 1; i < tidx.length; i++) expect(tidx[i]![0]).toBeGreaterThan(tidx[i - 1]![0]);
    }
    // the active segment's indexes stay preallocated until close
    const active = segs[segs.length - 1]!.slice(0, 20);
    expect(statSync(path.join(dir, `${active}.index`)).size).toBe(4096);
    log.close();
    expect(statSync(path.join(dir, `${active}.index`)).size % 8).toBe(0);
    expect(statSync(path.join(dir, `${active}.index`)).size).toBeLessThan(4096);
    expect(statSync(path.join(dir, `${active}.timeindex`)).size % 12).toBe(0);
    // producer snapshots at roll points and at the LEO
    expect(existsSync(path.join(dir, `${pad20(600)}.snapshot`))).toBe(true);

    // reopen cleanly: same LEO, reads across segments return every offset once
    const again = Log.load({ dir, topic: 'topic', partition: 0, config: cfg({ segmentBytes: 20_000, indexIntervalBytes: 1000, maxIndexSize: 4096 }), hadCleanShutdown: true });
    expect(again.recoveredSegments).toBe(0);
    const l2 = again.log;
    expect(l2.logEndOffset).toBe(600n);
    const seen: number[] = [];
    for (let next = 0n; next < l2.logEndOffset; ) {
      const r = l2.read(next, 3000);
      const dec = pyDecode(r.records);
      for (const b of dec) for (const rec of b.records) if (rec.offset >= Number(next)) seen.push(rec.offset);
      next = BigInt(seen[seen.length - 1]! + 1);
    }
    expect(seen).toEqual(Array.from({ length: 600 }, (_, i) => i));
    l2.close();
  }, 180_000); // ~200 kafka-python reads: 27–34 s beside busy worktrees, once over the default 60 s

  it('rolls on segment.ms (with jitter 0) using the first batch timestamp', async () => {
    let now = 1_000_000;
    const { log } = await newLog(cfg({ segmentMs: 1000 }), { now: () => now });
    log.appendAsLeader(batch(1, now), 0);
    now += 500;
    log.appendAsLeader(batch(1, now), 0);
    expect(log.numberOfSegments).toBe(1);
    now += 600;
    log.appendAsLeader(batch(1, now), 0);
    expect(log.segmentBaseOffsets()).toEqual([0n, 2n]);
  });

  it('read: range errors, empty at the LEO, minOneMessage, maxBytes cut', async () => {
    const { log } = await newLog(cfg());
    for (let i = 0; i < 5; i++) log.appendAsLeader(batch(2, 100 * i, 500), 0);
    expect(() => log.read(11n, 100)).toThrow(OffsetOutOfRangeError);
    expect(() => log.read(-1n, 100)).toThrow(OffsetOutOfRangeError);
    expect(log.read(10n, 100).records.length).toBe(0);
    const one = log.read(3n, 10, { minOneMessage: true });
    const dec = decodeLog(one.records);
    expect(dec.batches.length).toBe(1);
    expect(dec.batches[0]!.baseOffset).toBe(2n);
    expect(log.read(3n, 10).records.length).toBe(10);
    expect(one.highWatermark).toBe(10n);
  });

  it('ListOffsets: earliest, latest, max timestamp, by timestamp', async () => {
    const { log } = await newLog(cfg({ segmentBytes: 3000, indexIntervalBytes: 100 }));
    const ts = [100, 200, 900, 300, 400, 500, 600, 700];
    for (const t of ts) log.appendAsLeader(encodeBatch([{ value: val(1, 600), timestamp: t }, { value: val(2, 600), timestamp: t + 1 }]), 2);
    expect(log.numberOfSegments).toBeGreaterThan(1);
    expect(log.fetchOffsetByTimestamp(-2)).toEqual({ offset: 0n, timestamp: -1, leaderEpoch: 2 });
    expect(log.fetchOffsetByTimestamp(-1)).toEqual({ offset: 16n, timestamp: -1, leaderEpoch: 2 });
    expect(log.fetchOffsetByTimestamp(-3)).toEqual({ offset: 5n, timestamp: 901, leaderEpoch: 2 });
    expect(log.fetchOffsetByTimestamp(201)).toEqual({ offset: 3n, timestamp: 201, leaderEpoch: 2 });
    expect(log.fetchOffsetByTimestamp(450)).toEqual({ offset: 4n, timestamp: 900, leaderEpoch: 2 });
    expect(log.fetchOffsetByTimestamp(650)).toEqual({ offset: 4n, timestamp: 900, leaderEpoch: 2 });
    expect(log.fetchOffsetByTimestamp(950)).toBeNull();
  });

  it('ListOffsets v0 (legacyFetchOffsetsBefore): segment base offsets by file mtime, newest first, capped', async () => {
    const { log, dir } = await newLog(cfg({ segmentBytes: 3000 }), { now: () => 99_000 });
    for (let i = 0; i < 8; i++) log.appendAsLeader(encodeBatch([{ value: val(1, 600), timestamp: i }, { value: val(2, 600), timestamp: i }]), 2);
    const bases = log.segmentBaseOffsets();
    expect(bases).toEqual([0n, 4n, 8n, 12n]);
    // segment i last modified at (i + 1) * 10 s
    bases.forEach((b, i) => utimesSync(path.join(dir, `${pad20(Number(b))}.log`), (i + 1) * 10, (i + 1) * 10));
    expect(log.legacyFetchOffsetsBefore(-1, 1)).toEqual([16n]); // the log end offset ("now": the active segment has data)
    expect(log.legacyFetchOffsetsBefore(-1, 10)).toEqual([16n, 12n, 8n, 4n, 0n]);
    expect(log.legacyFetchOffsetsBefore(-2, 1)).toEqual([0n]);
    expect(log.legacyFetchOffsetsBefore(-2, 5)).toEqual([0n]); // nothing before the first
    expect(log.legacyFetchOffsetsBefore(25_000, 10)).toEqual([4n, 0n]); // segments modified at or before 25 s
    expect(log.legacyFetchOffsetsBefore(30_000, 2)).toEqual([8n, 4n]);
    expect(log.legacyFetchOffsetsBefore(99_000, 1)).toEqual([16n]);
    expect(log.legacyFetchOffsetsBefore(9_999, 10)).toEqual([]);
    expect(log.legacyFetchOffsetsBefore(-1, 0)).toEqual([]);
    // base offsets below the log start offset read as the log start offset
    log.maybeIncrementLogStartOffset(6n);
    expect(log.legacyFetchOffsetsBefore(-1, 10)).toEqual([16n, 12n, 8n, 6n, 6n]);
  });

  it('ListOffsets v0 on an empty log: the log start offset alone', async () => {
    const { log } = await newLog(cfg());
    expect(log.legacyFetchOffsetsBefore(-1, 10)).toEqual([0n]);
    expect(log.legacyFetchOffsetsBefore(-2, 10)).toEqual([0n]);
  });

  it('up-converts legacy v0/v1 entries found in a segment to v2 on read', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const dir = path.join(root, 'old-0');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const legacy = pyEncodeBatches([
      { magic: 1, records: [{ offset: 0, timestamp: 1111, key: '6b', value: '7631' }] },
      { magic: 1, records: [{ offset: 1, timestamp: 2222, value: '7632' }] },
      { magic: 0, records: [{ offset: 2, timestamp: -1, value: '7633' }] },
    ]);
    writeFileSync(path.join(dir, `${pad20(0)}.log`), Buffer.concat(legacy));
    const { log } = Log.load({ dir, topic: 'old', partition: 0, config: cfg(), hadCleanShutdown: false });
    expect(log.logEndOffset).toBe(3n);
    const dec = pyDecode(log.read(0n, 1 << 20).records);
    expect(dec.map((b) => b.magic)).toEqual([2, 2, 2]);
    expect(dec.every((b) => b.crcOk)).toBe(true);
    expect(dec.flatMap((b) => b.records.map((r) => [r.offset, r.timestamp, r.value]))).toEqual([
      [0, 1111, '7631'], [1, 2222, '7632'], [2, -1, '7633'],
    ]);
    // writes to this log are v2 and continue at offset 3
    expect(log.appendAsLeader(batch(1, 5), 0).firstOffset).toBe(3n);
    log.close();
  });
});

describe('Log retention', () => {
  it('deletes by time, size and log start offset, never the active segment; renames to .deleted first', async () => {
    let now = 10_000_000;
    const scheduled: string[][] = [];
    const hooks: LogHooks = { now: () => now, scheduleDelete: (files) => scheduled.push(files) };
    const { log, dir } = await newLog(cfg({ segmentBytes: 2000, retentionMs: 60_000, retentionBytes: -1 }), hooks);
    for (let i = 0; i < 10; i++) log.appendAsLeader(batch(1, now - 100_000 + i, 900), 0); // old
    const segsBefore = log.numberOfSegments;
    expect(segsBefore).toBeGreaterThan(3);
    for (let i = 0; i < 2; i++) log.appendAsLeader(batch(1, now, 900), 0); // recent
    const n = log.deleteOldSegments(now);
    expect(n).toBeGreaterThan(0);
    expect(log.numberOfSegments).toBeGreaterThanOrEqual(1);
    expect(log.logStartOffset).toBe(log.segmentBaseOffsets()[0]);
    const files = scheduled.flat();
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.endsWith('.deleted') && existsSync(f))).toBe(true);
    expect(() => log.read(0n, 100)).toThrow(OffsetOutOfRangeError);

    // size: keep at most ~one segment
    const log2 = (await newLog(cfg({ segmentBytes: 2000, retentionMs: -1, retentionBytes: 2500 }), { now: () => now })).log;
    for (let i = 0; i < 12; i++) log2.appendAsLeader(batch(1, now, 900), 0);
    log2.deleteOldSegments(now);
    expect(log2.size).toBeLessThanOrEqual(2500 + 2000);
    expect(log2.size).toBeGreaterThan(0);

    // the active segment alone is never deleted, whatever its age
    const log3 = (await newLog(cfg({ retentionMs: 1 }), { now: () => now })).log;
    log3.appendAsLeader(batch(1, 1), 0);
    expect(log3.deleteOldSegments(now)).toBe(0);

    // log start offset moved by DeleteRecords: segments entirely below go
    const log4 = (await newLog(cfg({ segmentBytes: 2000, retentionMs: -1 }), { now: () => now })).log;
    for (let i = 0; i < 8; i++) log4.appendAsLeader(batch(1, now, 900), 0);
    const bases = log4.segmentBaseOffsets();
    log4.maybeIncrementLogStartOffset(bases[2]! + 1n);
    expect(log4.deleteOldSegments(now)).toBe(2);
    expect(log4.logStartOffset).toBe(bases[2]! + 1n);
    void dir;
  });
});

describe('producer-state snapshot on close', () => {
  it('writes <LEO>.snapshot in Kafka format (version 1, CRC-32C from byte 6) with the producers seen', async () => {
    const { log, dir } = await newLog(cfg());
    // recent timestamps: a producer idle for producer.id.expiration.ms (1 day) is dropped when the snapshot is loaded
    const ts = Date.now();
    log.appendAsLeader(batch(3, ts, 10, { producerId: 77n, producerEpoch: 2, baseSequence: 0 }), 0);
    log.appendAsLeader(batch(2, ts, 10, { producerId: 77n, producerEpoch: 2, baseSequence: 3 }), 0);
    log.close();
    const buf = readFileSync(path.join(dir, `${pad20(5)}.snapshot`));
    expect(buf.readInt16BE(0)).toBe(1);
    expect(buf.readUInt32BE(2)).toBe(crc32cRef(buf, 6));
    expect(buf.readInt32BE(6)).toBe(1);
    expect(buf.length).toBe(10 + 46);
    expect(buf.readBigInt64BE(10)).toBe(77n); // producerId
    expect(buf.readInt16BE(18)).toBe(2); // epoch
    expect(buf.readInt32BE(20)).toBe(4); // last sequence
    expect(buf.readBigInt64BE(24)).toBe(4n); // last offset
    const { log: again } = Log.load({ dir, topic: 'topic', partition: 0, config: cfg(), hadCleanShutdown: true });
    expect(again.producerEntries().map((e) => [e.producerId, e.lastSequence])).toEqual([[77n, 4]]);
    again.close();
  });
});

describe('Log.readAsync', () => {
  it('returns the same bytes as read() across segments', async () => {
    const { log } = await newLog(cfg({ segmentBytes: 3000 }));
    for (let i = 0; i < 12; i++) log.appendAsLeader(batch(2, i, 400), 0);
    expect(log.numberOfSegments).toBeGreaterThan(2);
    for (const o of [0n, 5n, 13n, 23n]) {
      const a = await log.readAsync(o, 5000, { minOneMessage: true });
      expect(a.records.equals(log.read(o, 5000, { minOneMessage: true }).records)).toBe(true);
    }
    expect((await log.readAsync(24n, 100)).records.length).toBe(0);
    await expect(log.readAsync(25n, 100)).rejects.toBeInstanceOf(OffsetOutOfRangeError);
  });

  it('with a pool: the same bytes in a pooled buffer, given back by release, reused by the next read', async () => {
    const { log } = await newLog(cfg({ segmentBytes: 3000 }));
    for (let i = 0; i < 12; i++) log.appendAsLeader(batch(2, i, 400), 0);
    const pool = new ReadBufferPool();
    const kept: Buffer[] = [];
    for (const o of [0n, 5n, 13n, 23n]) {
      const a = await log.readAsync(o, 5000, { minOneMessage: true, pool });
      const expected = log.read(o, 5000, { minOneMessage: true }).records;
      expect(a.records.equals(expected)).toBe(true);
      expect(typeof a.release).toBe('function');
      kept.push(Buffer.from(a.records));
      a.release!();
    }
    expect(pool.leased).toBe(4);
    expect(pool.released).toBe(4);
    expect(pool.reused).toBe(3); // one 64 KiB slab served every read
    // a read still held is not overwritten by the next one
    const held = await log.readAsync(0n, 5000, { minOneMessage: true, pool });
    const next = await log.readAsync(13n, 5000, { minOneMessage: true, pool });
    expect(held.records.equals(kept[0]!)).toBe(true);
    expect(next.records.equals(kept[2]!)).toBe(true);
    held.release!(); next.release!();
  });
});

describe('flush after roll', () => {
  it('a roll flushes the rolled segments in the background and moves the recovery point to the new segment', async () => {
    const { log } = await newLog(cfg({ segmentBytes: 2000 }));
    for (let i = 0; i < 3; i++) log.appendAsLeader(batch(1, i, 900), 0);
    expect(log.numberOfSegments).toBe(2);
    const newBase = log.segmentBaseOffsets()[1]!;
    expect(log.recoveryPoint).toBe(0n);
    for (let i = 0; i < 20 && log.recoveryPoint < newBase; i++) await new Promise((r) => setTimeout(r, 5));
    expect(log.recoveryPoint).toBe(newBase);
  });
});

describe('roll on full indexes', () => {
  it('rolls when the offset or time index is full (segment.index.bytes)', async () => {
    // 48 bytes: 6 offset entries, 4 time entries (the last time slot is reserved for the final entry)
    const { log, dir } = await newLog(cfg({ maxIndexSize: 48, indexIntervalBytes: 0 }));
    for (let i = 0; i < 20; i++) log.appendAsLeader(batch(1, 1000 + i, 50), 0);
    expect(log.numberOfSegments).toBeGreaterThan(3);
    log.close();
    for (const base of log.segmentBaseOffsets()) {
      const t = decodeTimeIndex(readFileSync(path.join(dir, `${pad20(base)}.timeindex`)));
      expect(t.length).toBeLessThanOrEqual(4);
      expect(decodeOffsetIndex(readFileSync(path.join(dir, `${pad20(base)}.index`))).length).toBeLessThanOrEqual(6);
    }
  });
});

describe('Log: a brand-new empty log', () => {
  it('has its index files from the start, so a clean restart rebuilds nothing', async () => {
    const { log, dir } = await newLog(cfg());
    log.close();
    expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining([`${pad20(0)}.index`, `${pad20(0)}.log`, `${pad20(0)}.timeindex`]));
    const warnings: string[] = [];
    const r = Log.load({ dir, topic: 'topic', partition: 0, config: cfg(), hadCleanShutdown: true, hooks: { warn: (m) => warnings.push(m) } });
    expect(r.recoveredSegments).toBe(0);
    expect(warnings.filter((w) => /rebuilding index/.test(w))).toEqual([]);
    r.log.close();
  });
});
