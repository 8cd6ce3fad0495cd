import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSegments, type LoadedSegments } from '../../../src/services/log/segment-recovery.js';
import { hex, pyDecode, pyEncodeBatches } from './kafka-python.js';
import { compatDir } from '../../helpers/environment.js';

const FIXTURE = compatDir();
const T = 1_700_000_000_000;

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rafka-load-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function chmodTree(p: string): void {
  fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644);
  if (fs.statSync(p).isDirectory()) for (const c of fs.readdirSync(p)) chmodTree(path.join(p, c));
}

function closeAll(l: LoadedSegments): void {
  for (const s of l.segments) s.close();
}

describe('loadSegments on the Kafka 2.7.1 unclean-shutdown fixture', () => {
  it('every partition loads with the README log end offsets and loses no bytes', () => {
    const root = path.join(tmp, 'logs');
    fs.cpSync(FIXTURE, root, { recursive: true });
    chmodTree(root);
    const rp = new Map<string, bigint>();
    for (const line of fs.readFileSync(path.join(root, 'recovery-point-offset-checkpoint'), 'utf8').split('\n').slice(2)) {
      const [t, p, o] = line.trim().split(/\s+/);
      if (t && p && o) rp.set(`${t}-${p}`, BigInt(o));
    }
    const expected: Record<string, bigint> = {
      '__consumer_offsets-39': 20n, '__consumer_offsets-17': 3n, '__consumer_offsets-28': 3n, '__consumer_offsets-33': 3n,
      '__consumer_offsets-8': 3n, 'myTopic-0': 38n, 'test_topic-0': 12n, 'test_topic_0603-0': 9n,
    };
    const partitions = fs.readdirSync(root).filter((n) => fs.statSync(path.join(root, n)).isDirectory());
    expect(partitions).toHaveLength(53);
    let totalBatches = 0;
    for (const p of partitions) {
      const dir = path.join(root, p);
      const logsBefore = new Map(fs.readdirSync(dir).filter((n) => n.endsWith('.log')).map((n) => [n, fs.readFileSync(path.join(dir, n))]));
      const loaded = loadSegments({ dir, hadCleanShutdown: false, recoveryPoint: rp.get(p) ?? 0n });
      expect(loaded.logEndOffset, p).toBe(expected[p] ?? 0n);
      expect(loaded.truncatedBytes, p).toBe(0);
      expect(loaded.deletedSegments, p).toEqual([]);
      expect(loaded.recoveryPoint, p).toBe(rp.get(p) ?? 0n);
      expect(loaded.segments.map((s) => s.baseOffset), p).toEqual([...logsBefore.keys()].sort().map((n) => BigInt(n.slice(0, 20))));
      const active = loaded.segments.at(-1)!;
      expect(active.offsetIndex.isFull()).toBe(false);
      closeAll(loaded);
      for (const [n, bytes] of logsBefore) expect(fs.readFileSync(path.join(dir, n)), `${p}/${n}`).toEqual(bytes);
      // every segment now has both indexes (the active ones were missing) and they are trimmed
      for (const s of loaded.segments) {
        expect(fs.existsSync(s.offsetIndexFile)).toBe(true);
        expect(fs.existsSync(s.timeIndexFile)).toBe(true);
        expect(fs.statSync(s.offsetIndexFile).size % 8).toBe(0);
      }
      for (const [n, bytes] of logsBefore) if (bytes.length > 0) totalBatches += pyDecode(fs.readFileSync(path.join(dir, n))).length;
    }
    expect(totalBatches).toBe(3 + 2 + 3 + 4 + 3);
    // a second (clean) load of the same dirs trusts the trimmed indexes and finds the same offsets
    for (const [p, leo] of Object.entries(expected)) {
      const again = loadSegments({ dir: path.join(root, p), hadCleanShutdown: true, recoveryPoint: 0n });
      expect(again.logEndOffset).toBe(leo);
      expect(again.recoveredSegments).toEqual([]);
      expect(again.recoveryPoint).toBe(leo);
      closeAll(again);
    }
  });

  it('__consumer_offsets-39: reads every offset through the rebuilt indexes', () => {
    const dir = path.join(tmp, 'p');
    fs.cpSync(path.join(FIXTURE, '__consumer_offsets-39'), dir, { recursive: true });
    chmodTree(dir);
    const loaded = loadSegments({ dir, hadCleanShutdown: false, recoveryPoint: 18n });
    expect(loaded.recoveredSegments).toEqual([18n]);
    const seg18 = loaded.segments[1]!;
    const r = seg18.read(19n, 1 << 20)!;
    const py = pyDecode(r.records);
    expect(py.at(-1)!.records.at(-1)!.offset).toBe(19);
    closeAll(loaded);
  });
});

// ------------------------------------------------------------------------------------- faults, independent writer

const SEG_BATCHES = 10;
const PER_BATCH = 3;

/** Three segments at 0, 30, 60, each of 10 batches × 3 records, written by kafka-python. */
function writePartition(dir: string): Map<bigint, Buffer[]> {
  fs.mkdirSync(dir, { recursive: true });
  const out = new Map<bigint, Buffer[]>();
  for (const base of [0, 30, 60]) {
    const specs = Array.from({ length: SEG_BATCHES }, (_, i) => ({
      baseOffset: base + i * PER_BATCH,
      partitionLeaderEpoch: 1,
      records: Array.from({ length: PER_BATCH }, (_, j) => ({
        offset: j,
        timestamp: T + base * 10 + i * 10 + j,
        key: hex(`k${base + i * PER_BATCH + j}`),
        value: hex('v'.repeat(150)),
      })),
    }));
    const bufs = pyEncodeBatches(specs);
    out.set(BigInt(base), bufs);
    fs.writeFileSync(path.join(dir, `${String(base).padStart(20, '0')}.log`), Buffer.concat(bufs));
  }
  return out;
}

const sizeOf = (bufs: Buffer[], n: number): number => bufs.slice(0, n).reduce((a, b) => a + b.length, 0);

describe('loadSegments on faults', () => {
  it('missing indexes everywhere after an unclean shutdown: all rebuilt, nothing lost', () => {
    const dir = path.join(tmp, 't-0');
    writePartition(dir);
    const batches: bigint[] = [];
    const l = loadSegments({ dir, hadCleanShutdown: false, indexIntervalBytes: 400, maxIndexSize: 4096, onBatch: (b) => batches.push(b.baseOffset) });
    expect(l.logEndOffset).toBe(90n);
    expect(l.truncatedBytes).toBe(0);
    expect(l.recoveredSegments).toEqual([0n, 30n, 60n]);
    expect(batches).toHaveLength(30);
    for (let o = 0n; o < 90n; o += 7n) {
      const seg = l.segments.findLast((s) => s.baseOffset <= o)!;
      const rec = pyDecode(seg.read(o, 1 << 20)!.records)[0]!;
      expect(BigInt(rec.baseOffset!) <= o && o <= BigInt(rec.baseOffset! + rec.lastOffsetDelta!)).toBe(true);
    }
    closeAll(l);
  });

  it('torn last batch: truncated, LEO = end of the last whole batch', () => {
    const dir = path.join(tmp, 't-0');
    const segs = writePartition(dir);
    const f = path.join(dir, '00000000000000000060.log');
    const full = fs.readFileSync(f);
    fs.writeFileSync(f, full.subarray(0, full.length - 50));
    const l = loadSegments({ dir, hadCleanShutdown: false, recoveryPoint: 60n, maxIndexSize: 4096 });
    expect(l.logEndOffset).toBe(87n);
    expect(l.truncatedBytes).toBe(segs.get(60n)!.at(-1)!.length - 50);
    // segments 0 and 30 lack an index (rebuilt at load), 60 is recovered because it holds the recovery point
    expect(l.recoveredSegments).toEqual([0n, 30n, 60n]);
    closeAll(l);
    expect(pyDecode(fs.readFileSync(f))).toHaveLength(9);
  });

  it('flipped byte mid-file: truncated from that batch, later segments deleted, nothing before lost', () => {
    const dir = path.join(tmp, 't-0');
    const segs = writePartition(dir);
    const f30 = path.join(dir, '00000000000000000030.log');
    const d = fs.readFileSync(f30);
    const at = sizeOf(segs.get(30n)!, 4) + 100; // inside batch 4 of segment 30
    d[at]! ^= 0x20;
    fs.writeFileSync(f30, d);
    const seg0Before = fs.readFileSync(path.join(dir, '00000000000000000000.log'));
    const scheduled: string[] = [];
    const l = loadSegments({ dir, hadCleanShutdown: false, recoveryPoint: 0n, maxIndexSize: 4096, scheduleDelete: (fs_) => scheduled.push(...fs_) });
    expect(l.logEndOffset).toBe(30n + 4n * 3n);
    expect(l.truncatedBytes).toBe(d.length - sizeOf(segs.get(30n)!, 4));
    expect(l.deletedSegments).toEqual([60n]);
    expect(l.segments.map((s) => s.baseOffset)).toEqual([0n, 30n]);
    expect(l.recoveryPoint).toBe(0n);
    expect(scheduled.some((x) => x.endsWith('00000000000000000060.log.deleted'))).toBe(true);
    expect(fs.existsSync(path.join(dir, '00000000000000000060.log'))).toBe(false);
    closeAll(l);
    expect(fs.readFileSync(path.join(dir, '00000000000000000000.log'))).toEqual(seg0Before);
    expect(fs.readFileSync(f30)).toEqual(d.subarray(0, sizeOf(segs.get(30n)!, 4)));
    // the next load deletes the leftover *.deleted files
    const again = loadSegments({ dir, hadCleanShutdown: true, maxIndexSize: 4096 });
    expect(fs.readdirSync(dir).some((n) => n.endsWith('.deleted'))).toBe(false);
    expect(again.logEndOffset).toBe(42n);
    closeAll(again);
  });

  it('segments below the recovery point are not re-validated (Kafka behaviour)', () => {
    const dir = path.join(tmp, 't-0');
    const segs = writePartition(dir);
    // indexes exist for all segments (clean state), then corrupt segment 0's data
    closeAll(loadSegments({ dir, hadCleanShutdown: false, maxIndexSize: 4096 }));
    const f0 = path.join(dir, '00000000000000000000.log');
    const d = fs.readFileSync(f0);
    d[sizeOf(segs.get(0n)!, 2) + 80]! ^= 1;
    fs.writeFileSync(f0, d);
    const l = loadSegments({ dir, hadCleanShutdown: false, recoveryPoint: 60n, maxIndexSize: 4096 });
    expect(l.recoveredSegments).toEqual([60n]);
    expect(l.logEndOffset).toBe(90n);
    closeAll(l);
  });

  it('zero-filled tail (preallocated file after a crash) is cut', () => {
    const dir = path.join(tmp, 't-0');
    writePartition(dir);
    const f = path.join(dir, '00000000000000000060.log');
    fs.appendFileSync(f, Buffer.alloc(64 * 1024));
    const l = loadSegments({ dir, hadCleanShutdown: false, recoveryPoint: 30n, maxIndexSize: 4096 });
    expect(l.truncatedBytes).toBe(64 * 1024);
    expect(l.logEndOffset).toBe(90n);
    expect(l.deletedSegments).toEqual([]);
    closeAll(l);
  });

  it('garbage index files and a corrupt txnindex are rebuilt; orphan and temp files removed', () => {
    const dir = path.join(tmp, 't-0');
    writePartition(dir);
    closeAll(loadSegments({ dir, hadCleanShutdown: false, indexIntervalBytes: 400, maxIndexSize: 4096 }));
    const idx30 = path.join(dir, '00000000000000000030.index');
    const goodIdx = fs.readFileSync(idx30);
    expect(goodIdx.length).toBeGreaterThan(0);
    fs.writeFileSync(idx30, Buffer.alloc(goodIdx.length, 0xee));
    fs.writeFileSync(path.join(dir, '00000000000000000030.txnindex'), Buffer.alloc(10)); // partial entry → corrupt
    fs.writeFileSync(path.join(dir, '00000000000000000099.index'), Buffer.alloc(16)); // orphan
    fs.writeFileSync(path.join(dir, '00000000000000000000.log.deleted'), 'x');
    fs.writeFileSync(path.join(dir, '00000000000000000005.log.cleaned'), 'x');
    const l = loadSegments({ dir, hadCleanShutdown: true, indexIntervalBytes: 400, maxIndexSize: 4096 });
    expect(l.recoveredSegments).toEqual([30n]); // corrupt txnindex triggers the rebuild
    closeAll(l);
    expect(fs.readFileSync(idx30)).toEqual(goodIdx);
    const names = fs.readdirSync(dir);
    expect(names).not.toContain('00000000000000000099.index');
    expect(names.some((n) => n.endsWith('.deleted') || n.endsWith('.cleaned'))).toBe(false);
  });

  it('completes an interrupted swap: replaced segments deleted, .swap renamed', () => {
    const dir = path.join(tmp, 't-0');
    const segs = writePartition(dir);
    // a "cleaned" replacement of segments 0 and 30: batches 0..9 of seg 0 and 0..9 of seg 30 (compaction keeps all here)
    fs.writeFileSync(path.join(dir, '00000000000000000000.log.swap'), Buffer.concat([...segs.get(0n)!, ...segs.get(30n)!]));
    fs.writeFileSync(path.join(dir, '00000000000000000000.index.swap'), Buffer.alloc(8));
    const l = loadSegments({ dir, hadCleanShutdown: false, maxIndexSize: 4096 });
    expect(l.segments.map((s) => s.baseOffset)).toEqual([0n, 60n]);
    expect(l.logEndOffset).toBe(90n);
    closeAll(l);
    expect(fs.readdirSync(dir).some((n) => n.includes('.swap'))).toBe(false);
    expect(fs.existsSync(path.join(dir, '00000000000000000030.log'))).toBe(false);
  });

  it('splits a segment whose offsets overflow int32 relative to its base (KAFKA-6264) and retries', () => {
    const dir = path.join(tmp, 'o-0');
    fs.mkdirSync(dir);
    const big = 3_000_000_000;
    const bufs = pyEncodeBatches([
      { baseOffset: 0, records: [0, 1, 2].map((i) => ({ offset: i, timestamp: T + i, value: hex('a') })) },
      { baseOffset: big, records: [0, 1].map((i) => ({ offset: i, timestamp: T + 10 + i, value: hex('b') })) },
      { baseOffset: big + 2, records: [{ offset: 0, timestamp: T + 20, value: hex('c') }] },
    ]);
    fs.writeFileSync(path.join(dir, '00000000000000000000.log'), Buffer.concat(bufs));
    const logs: string[] = [];
    const l = loadSegments({ dir, hadCleanShutdown: false, maxIndexSize: 4096, log: (m) => logs.push(m) });
    expect(logs.some((m) => m.includes('Split segment'))).toBe(true);
    expect(l.segments.map((s) => s.baseOffset)).toEqual([0n, BigInt(big)]);
    expect(l.logEndOffset).toBe(BigInt(big + 3));
    expect(l.truncatedBytes).toBe(0);
    closeAll(l);
    expect(fs.readFileSync(path.join(dir, '00000000000000000000.log'))).toEqual(bufs[0]);
    expect(fs.readFileSync(path.join(dir, `${String(big).padStart(20, '0')}.log`))).toEqual(Buffer.concat([bufs[1]!, bufs[2]!]));
    expect(fs.readdirSync(dir).some((n) => n.endsWith('.swap') || n.endsWith('.cleaned'))).toBe(false);
  });

  it('log start offset beyond the log end: everything deleted, empty segment at the start offset', () => {
    const dir = path.join(tmp, 't-0');
    writePartition(dir);
    const l = loadSegments({ dir, hadCleanShutdown: true, logStartOffset: 500n, maxIndexSize: 4096 });
    expect(l.deletedSegments).toEqual([0n, 30n, 60n]);
    expect(l.segments.map((s) => s.baseOffset)).toEqual([500n]);
    expect(l.logEndOffset).toBe(500n);
    expect(l.logStartOffset).toBe(500n);
    closeAll(l);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.log'))).toEqual(['00000000000000000500.log']);
  });

  it('empty directory gets one empty segment at the log start offset', () => {
    const dir = path.join(tmp, 'e-0');
    fs.mkdirSync(dir);
    const l = loadSegments({ dir, hadCleanShutdown: false, logStartOffset: 7n, maxIndexSize: 4096 });
    expect(l.logEndOffset).toBe(7n);
    expect(l.segments[0]!.size).toBe(0);
    closeAll(l);
  });
});
