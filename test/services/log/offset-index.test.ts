import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IndexOffsetOverflowError, InvalidOffsetError, OffsetIndex } from '../../../src/services/log/offset-index.js';
import { compatDir } from '../../helpers/environment.js';

// Independent reader of the on-disk format.
function readEntries(file: string): [number, number][] {
  const b = fs.readFileSync(file);
  const out: [number, number][] = [];
  for (let p = 0; p + 8 <= b.length; p += 8) out.push([b.readInt32BE(p), b.readInt32BE(p + 4)]);
  return out;
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafka-oidx-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('OffsetIndex', () => {
  it('creates a new file preallocated to maxIndexSize rounded down to 8', () => {
    const f = path.join(dir, '00000000000000000100.index');
    const idx = new OffsetIndex(f, 100n, { maxIndexSize: 1003 });
    expect(idx.newlyCreated).toBe(true);
    expect(fs.statSync(f).size).toBe(1000);
    expect(idx.entries).toBe(0);
    expect(idx.maxEntries).toBe(125);
    expect(idx.lastOffset).toBe(100n);
    expect(idx.lookup(150n)).toEqual({ offset: 100n, position: 0 });
    idx.close();
    expect(fs.statSync(f).size).toBe(0);
    const def = new OffsetIndex(path.join(dir, 'd.index'), 0n);
    expect(def.length).toBe(10 * 1024 * 1024);
    expect(def.maxEntries).toBe(1310720);
    def.close();
  });

  it('append writes through big-endian (relOffset, position); lookup = greatest entry <= target', () => {
    const f = path.join(dir, 'a.index');
    const idx = new OffsetIndex(f, 1000n, { maxIndexSize: 80 });
    idx.append(1003n, 0);
    idx.append(1010n, 4100);
    idx.append(1020n, 8300);
    expect(readEntries(f).slice(0, 4)).toEqual([[3, 0], [10, 4100], [20, 8300], [0, 0]]);
    expect(idx.lookup(999n)).toEqual({ offset: 1000n, position: 0 });
    expect(idx.lookup(1002n)).toEqual({ offset: 1000n, position: 0 });
    expect(idx.lookup(1003n)).toEqual({ offset: 1003n, position: 0 });
    expect(idx.lookup(1015n)).toEqual({ offset: 1010n, position: 4100 });
    expect(idx.lookup(1020n)).toEqual({ offset: 1020n, position: 8300 });
    expect(idx.lookup(99999999999n)).toEqual({ offset: 1020n, position: 8300 });
    expect(idx.lastOffset).toBe(1020n);
    expect(idx.fetchUpperBoundOffset(0, 5000)).toEqual({ offset: 1020n, position: 8300 });
    expect(idx.fetchUpperBoundOffset(0, 100)).toEqual({ offset: 1010n, position: 4100 });
    expect(idx.fetchUpperBoundOffset(8300, 1)).toBeNull();
    expect(() => idx.append(1020n, 9000)).toThrow(InvalidOffsetError);
    expect(() => idx.append(1019n, 9000)).toThrow(InvalidOffsetError);
    expect(() => idx.append(1000n + 2n ** 31n, 9000)).toThrow(IndexOffsetOverflowError);
    idx.close();
    expect(readEntries(f)).toEqual([[3, 0], [10, 4100], [20, 8300]]);
  });

  it('binary search over many entries matches a linear scan', () => {
    const idx = new OffsetIndex(path.join(dir, 'b.index'), 0n, { maxIndexSize: 8 * 1000 });
    for (let i = 0; i < 1000; i++) idx.append(BigInt(i * 3 + 1), i * 100);
    expect(idx.isFull()).toBe(true);
    expect(() => idx.append(5000n, 1)).toThrow(/full/);
    for (let t = 0; t < 3010; t += 7) {
      const i = Math.min(999, Math.floor((t - 1) / 3));
      const want = t < 1 ? { offset: 0n, position: 0 } : { offset: BigInt(i * 3 + 1), position: i * 100 };
      expect(idx.lookup(BigInt(t))).toEqual(want);
    }
    idx.close();
  });

  it('reopened files are trusted: entries = length / 8; resize, truncateTo, trim', () => {
    const f = path.join(dir, 'c.index');
    const raw = Buffer.alloc(8 * 4 + 5); // 4 entries + 5 stray bytes
    [[1, 10], [2, 20], [5, 50], [9, 90]].forEach(([o, p], i) => {
      raw.writeInt32BE(o!, i * 8);
      raw.writeInt32BE(p!, i * 8 + 4);
    });
    fs.writeFileSync(f, raw);
    const idx = new OffsetIndex(f, 0n, { maxIndexSize: 800 });
    expect(idx.newlyCreated).toBe(false);
    expect(idx.entries).toBe(4);
    expect(idx.maxEntries).toBe(4);
    expect(idx.isFull()).toBe(true);
    expect(idx.lastOffset).toBe(9n);
    expect(idx.resize(800)).toBe(true);
    expect(fs.statSync(f).size).toBe(800);
    expect(idx.isFull()).toBe(false);
    expect(idx.entries).toBe(4);
    idx.truncateTo(5n); // removes offsets >= 5
    expect(idx.entries).toBe(2);
    expect(idx.lastOffset).toBe(2n);
    idx.append(3n, 30);
    idx.truncateTo(4n);
    expect(idx.entries).toBe(3);
    idx.truncateTo(0n);
    expect(idx.entries).toBe(0);
    idx.append(7n, 70);
    idx.trimToValidSize();
    expect(readEntries(f)).toEqual([[7, 70]]);
    idx.reset();
    expect(idx.entries).toBe(0);
    expect(fs.statSync(f).size).toBe(800);
    idx.append(1n, 1);
    idx.flushSync();
    idx.close();
    expect(readEntries(f)).toEqual([[1, 1]]);
  });

  it('async flush, read-only open, delete', async () => {
    const f = path.join(dir, 'd.index');
    const idx = new OffsetIndex(f, 0n, { maxIndexSize: 80 });
    idx.append(1n, 0);
    await idx.flush();
    idx.close();
    const ro = new OffsetIndex(f, 0n, { writable: false });
    expect(ro.lookup(5n)).toEqual({ offset: 1n, position: 0 });
    expect(() => ro.append(2n, 1)).toThrow();
    expect(ro.deleteIfExists()).toBe(true);
    expect(fs.existsSync(f)).toBe(false);
  });

  it('reads an index written by Kafka 2.7.1 (empty trimmed index of a rolled segment)', () => {
    const src = path.join(compatDir(), '__consumer_offsets-39', '00000000000000000000.index');
    const f = path.join(dir, '00000000000000000000.index');
    fs.copyFileSync(src, f);
    fs.chmodSync(f, 0o644);
    const idx = new OffsetIndex(f, 0n);
    expect(idx.entries).toBe(0);
    expect(idx.lookup(10n)).toEqual({ offset: 0n, position: 0 });
    idx.close();
  });
});

describe('OffsetIndex bulk append (index rebuild during recovery)', () => {
  it('keeps entries in memory until endBulkAppend, then writes them in one go', () => {
    const file = path.join(dir, '00000000000000000100.index');
    const idx = new OffsetIndex(file, 100n, { maxIndexSize: 8 * 16 });
    idx.beginBulkAppend();
    idx.append(105n, 1000);
    idx.append(110n, 2000);
    expect(idx.lookup(107n)).toEqual({ offset: 105n, position: 1000 }); // readable while pending
    expect(fs.readFileSync(file).subarray(0, 16).every((b) => b === 0)).toBe(true); // not on disk yet
    idx.endBulkAppend();
    const bytes = fs.readFileSync(file);
    expect([bytes.readInt32BE(0), bytes.readInt32BE(4), bytes.readInt32BE(8), bytes.readInt32BE(12)]).toEqual([5, 1000, 10, 2000]);
    idx.close();
    expect(fs.statSync(file).size).toBe(16);
  });

  it('writes pending entries before a trim even without endBulkAppend', () => {
    const file = path.join(dir, '00000000000000000000.index');
    const idx = new OffsetIndex(file, 0n, { maxIndexSize: 8 * 16 });
    idx.beginBulkAppend();
    idx.append(3n, 30);
    idx.trimToValidSize();
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBe(8);
    expect([bytes.readInt32BE(0), bytes.readInt32BE(4)]).toEqual([3, 30]);
    idx.closeHandler();
  });
});
