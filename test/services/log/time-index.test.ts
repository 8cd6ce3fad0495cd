import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidOffsetError } from '../../../src/services/log/offset-index.js';
import { TimeIndex } from '../../../src/services/log/time-index.js';
import { compatDir } from '../../helpers/environment.js';

function readEntries(file: string): [number, number][] {
  const b = fs.readFileSync(file);
  const out: [number, number][] = [];
  for (let p = 0; p + 12 <= b.length; p += 12) out.push([Number(b.readBigInt64BE(p)), b.readInt32BE(p + 8)]);
  return out;
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafka-tidx-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const T = 1_700_000_000_000;

describe('TimeIndex', () => {
  it('preallocates to a multiple of 12 and reserves the last slot', () => {
    const f = path.join(dir, 'a.timeindex');
    const def = new TimeIndex(path.join(dir, 'def.timeindex'), 0n);
    expect(def.length).toBe(10485756);
    expect(def.maxEntries).toBe(873813);
    def.close();
    const idx = new TimeIndex(f, 50n, { maxIndexSize: 40 }); // 3 slots
    expect(fs.statSync(f).size).toBe(36);
    expect(idx.lastEntry).toEqual({ timestamp: -1, offset: 50n });
    idx.maybeAppend(T, 51n);
    idx.maybeAppend(T + 10, 55n);
    expect(idx.isFull()).toBe(true);
    expect(() => idx.maybeAppend(T + 20, 56n)).toThrow(/full/);
    idx.maybeAppend(T + 20, 56n, true); // final entry uses the reserved slot
    expect(idx.entries).toBe(3);
    idx.close();
    expect(readEntries(f)).toEqual([[T, 1], [T + 10, 5], [T + 20, 6]]);
  });

  it('appends only strictly larger timestamps; rejects smaller offsets/timestamps', () => {
    const f = path.join(dir, 'b.timeindex');
    const idx = new TimeIndex(f, 0n, { maxIndexSize: 1200 });
    idx.maybeAppend(-1, 0n); // NO_TIMESTAMP on empty index: ignored
    expect(idx.entries).toBe(0);
    idx.maybeAppend(T, 3n);
    idx.maybeAppend(T, 7n); // equal timestamp: skipped
    expect(idx.entries).toBe(1);
    expect(() => idx.maybeAppend(T + 1, 2n)).toThrow(InvalidOffsetError);
    expect(() => idx.maybeAppend(T - 1, 9n)).toThrow(/no larger than the last timestamp/);
    idx.maybeAppend(T + 5, 10n);
    idx.maybeAppend(T + 9, 20n);
    expect(idx.lookup(T - 1)).toEqual({ timestamp: -1, offset: 0n });
    expect(idx.lookup(T)).toEqual({ timestamp: T, offset: 3n });
    expect(idx.lookup(T + 7)).toEqual({ timestamp: T + 5, offset: 10n });
    expect(idx.lookup(T + 100)).toEqual({ timestamp: T + 9, offset: 20n });
    idx.truncateTo(10n);
    expect(idx.entries).toBe(1);
    expect(idx.lastEntry).toEqual({ timestamp: T, offset: 3n });
    idx.truncateTo(11n);
    expect(idx.entries).toBe(1);
    idx.maybeAppend(T + 3, 12n);
    idx.close();
    expect(readEntries(f)).toEqual([[T, 3], [T + 3, 12]]);
  });

  it('reopens trusting length / 12 and reads a Kafka 2.7.1 time index', () => {
    const src = path.join(compatDir(), '__consumer_offsets-39', '00000000000000000000.timeindex');
    const f = path.join(dir, '00000000000000000000.timeindex');
    fs.copyFileSync(src, f);
    fs.chmodSync(f, 0o644);
    const idx = new TimeIndex(f, 0n, { maxIndexSize: 1200 });
    expect(idx.entries).toBe(1);
    expect(idx.lastEntry).toEqual({ timestamp: 0x1888260a41e, offset: 17n });
    expect(idx.isFull()).toBe(true); // maxEntries = 1 until resized
    idx.resize(1200);
    expect(idx.isFull()).toBe(false);
    idx.maybeAppend(0x1888260a41e + 1, 18n);
    idx.close();
    expect(readEntries(f)).toEqual([[0x1888260a41e, 17], [0x1888260a41e + 1, 18]]);
  });
});
