import { describe, it, expect } from 'vitest';
import { murmur3x86_128, OffsetMap, BYTES_PER_ENTRY } from '../../../../src/services/log/cleaner/offset-map.js';

const key = (s: string) => Buffer.from(s);
const put = (m: OffsetMap, k: string, o: number) => m.put(key(k), 0, Buffer.byteLength(k), o);
const get = (m: OffsetMap, k: string) => m.get(key(k), 0, Buffer.byteLength(k));

describe('OffsetMap (Kafka SkimpyOffsetMap)', () => {
  it('maps keys to their latest offset and answers -1 for unknown keys', () => {
    const m = new OffsetMap(1024 * BYTES_PER_ENTRY);
    expect(m.slots).toBe(1024);
    for (let i = 0; i < 500; i++) put(m, `k${i}`, i);
    for (let i = 0; i < 500; i++) put(m, `k${i}`, 1000 + i); // overwrite: same entries
    expect(m.size).toBe(500);
    for (let i = 0; i < 500; i++) expect(get(m, `k${i}`)).toBe(1000 + i);
    expect(get(m, 'absent')).toBe(-1);
    expect(m.utilization).toBeCloseTo(500 / 1024);
  });

  it('reads keys in place (offset/length into a larger buffer) like whole buffers', () => {
    const m = new OffsetMap(64 * BYTES_PER_ENTRY);
    const buf = Buffer.from('xxhello-worldyy');
    m.put(buf, 2, 11, 42);
    expect(get(m, 'hello-world')).toBe(42);
  });

  it('bounded by its memory: a full map refuses new keys; clear empties it and resets latestOffset', () => {
    const m = new OffsetMap(10 * BYTES_PER_ENTRY);
    for (let i = 0; i < 10; i++) put(m, `k${i}`, i);
    expect(() => put(m, 'one-more', 11)).toThrow(/full/);
    m.updateLatestOffset(99);
    m.updateLatestOffset(50);
    expect(m.latestOffset).toBe(99);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.latestOffset).toBe(-1);
    expect(get(m, 'k3')).toBe(-1);
    put(m, 'k3', 7);
    expect(get(m, 'k3')).toBe(7);
  });

  it('clears only the used slots, or a full map in slices with pauses between them', async () => {
    const m = new OffsetMap(1024 * BYTES_PER_ENTRY);
    for (let i = 0; i < 100; i++) put(m, `a${i}`, i); // < slots/4: tracked
    m.clear();
    for (let i = 0; i < 100; i++) expect(get(m, `a${i}`)).toBe(-1);
    for (let i = 0; i < 900; i++) put(m, `b${i}`, i); // > slots/4: the whole table is zeroed
    let pauses = 0;
    await m.clearInSlices(async () => { pauses++; }, 100);
    expect(pauses).toBe(11);
    expect(m.size).toBe(0);
    for (let i = 0; i < 900; i++) expect(get(m, `b${i}`)).toBe(-1);
    put(m, 'b1', 5);
    expect(get(m, 'b1')).toBe(5);
  });

  it('offsets beyond 2^32 survive', () => {
    const m = new OffsetMap(16 * BYTES_PER_ENTRY);
    put(m, 'big', 2 ** 40 + 3);
    expect(get(m, 'big')).toBe(2 ** 40 + 3);
  });

  it('the 128-bit hash has no collision over 200k distinct keys and every tail length', () => {
    const seen = new Set<string>();
    const out = new Int32Array(4);
    for (let i = 0; i < 200_000; i++) {
      const k = Buffer.from(`group-${i % 97}/topic-${i}/p${i % 31}`.slice(0, 1 + (i % 40)) + i);
      murmur3x86_128(k, 0, k.length, out);
      seen.add(`${out[0]},${out[1]},${out[2]},${out[3]}`);
    }
    expect(seen.size).toBe(200_000);
    // known answers: empty input is all zeros for seed 0; one differing byte changes every word
    murmur3x86_128(Buffer.alloc(0), 0, 0, out);
    expect([...out]).toEqual([0, 0, 0, 0]);
    const a = new Int32Array(4);
    const b = new Int32Array(4);
    murmur3x86_128(Buffer.from('abcdefghijklmnopq'), 0, 17, a);
    murmur3x86_128(Buffer.from('abcdefghijklmnopr'), 0, 17, b);
    for (let i = 0; i < 4; i++) expect(a[i]).not.toBe(b[i]);
  });
});
