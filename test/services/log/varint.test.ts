import { describe, expect, it } from 'vitest';
import {
  cursor, InvalidVarintError, readUnsignedVarint, readVarint, readVarlong, readVarlongBig, sizeOfVarint, sizeOfVarlong,
  skipVarint, writeVarint, writeVarlong,
} from '../../../src/services/log/varint.js';

// Independent reference encoder with bigint arithmetic.
function refEncode(v: bigint, bits: 32 | 64): Buffer {
  const n = BigInt.asIntN(bits, v);
  let z = BigInt.asUintN(bits, (n << 1n) ^ (n >> BigInt(bits - 1)));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

const int32Samples = [0, 1, -1, 63, -64, 64, -65, 127, 128, 300, -300, 8191, 8192, 2 ** 20, -(2 ** 20), 2 ** 27, 2 ** 30, 2147483647, -2147483648];
const int64Samples: bigint[] = [
  0n, 1n, -1n, 63n, -64n, 64n, 2n ** 27n - 1n, -(2n ** 27n), 2n ** 27n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 35n, 1_700_000_000_000n,
  -1_700_000_000_000n, 2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 62n, 9223372036854775807n, -9223372036854775808n,
];

describe('varint (int32)', () => {
  it('known byte vectors (Kafka ByteUtils)', () => {
    expect(refEncode(0n, 32).toString('hex')).toBe('00');
    const b = Buffer.alloc(5);
    expect(writeVarint(b, 0, -1)).toBe(1);
    expect(b.subarray(0, 1).toString('hex')).toBe('01');
    expect(writeVarint(b, 0, 64)).toBe(2);
    expect(b.subarray(0, 2).toString('hex')).toBe('8001');
    expect(writeVarint(b, 0, 2147483647)).toBe(5);
    expect(b.toString('hex')).toBe('feffffff0f');
    expect(writeVarint(b, 0, -2147483648)).toBe(5);
    expect(b.toString('hex')).toBe('ffffffff0f');
  });

  it('round-trips and matches the reference encoder', () => {
    for (const v of int32Samples) {
      const ref = refEncode(BigInt(v), 32);
      const b = Buffer.alloc(10, 0xaa);
      const end = writeVarint(b, 2, v);
      expect(b.subarray(2, end)).toEqual(ref);
      expect(sizeOfVarint(v)).toBe(ref.length);
      const c = cursor(b, 2);
      expect(readVarint(c)).toBe(v);
      expect(c.pos).toBe(end);
      const s = cursor(b, 2);
      skipVarint(s);
      expect(s.pos).toBe(end);
    }
  });

  it('rejects too-long and truncated varints', () => {
    expect(() => readVarint(cursor(Buffer.from('ffffffffff01', 'hex')))).toThrow(InvalidVarintError);
    expect(() => readVarint(cursor(Buffer.from('ff', 'hex')))).toThrow(InvalidVarintError);
    expect(readUnsignedVarint(cursor(Buffer.from('ffffffff0f', 'hex')))).toBe(-1);
  });
});

describe('varlong (int64)', () => {
  it('known byte vectors', () => {
    const b = Buffer.alloc(10);
    expect(writeVarlong(b, 0, 9223372036854775807n)).toBe(10);
    expect(b.toString('hex')).toBe('feffffffffffffffff01');
    expect(writeVarlong(b, 0, -9223372036854775808n)).toBe(10);
    expect(b.toString('hex')).toBe('ffffffffffffffffff01');
  });

  it('round-trips number and bigint forms and matches the reference', () => {
    for (const v of int64Samples) {
      const ref = refEncode(v, 64);
      for (const input of [v, ...(v >= -(2n ** 53n) && v <= 2n ** 53n ? [Number(v)] : [])]) {
        const b = Buffer.alloc(12, 0x55);
        const end = writeVarlong(b, 1, input);
        expect(b.subarray(1, end)).toEqual(ref);
        expect(sizeOfVarlong(input)).toBe(ref.length);
      }
      const c = cursor(ref);
      expect(readVarlongBig(c)).toBe(v);
      expect(c.pos).toBe(ref.length);
      const d = cursor(ref);
      expect(readVarlong(d)).toBe(Number(v));
      expect(d.pos).toBe(ref.length);
    }
  });

  it('rejects 11-byte and overflowing varlongs', () => {
    expect(() => readVarlongBig(cursor(Buffer.from('ffffffffffffffffffff01', 'hex')))).toThrow(InvalidVarintError);
    expect(() => readVarlong(cursor(Buffer.from('ffffffffffffffffffff01', 'hex')))).toThrow(InvalidVarintError);
    expect(() => readVarlongBig(cursor(Buffer.from('ffffffffffffffffff02', 'hex')))).toThrow(InvalidVarintError);
    expect(() => readVarlong(cursor(Buffer.from('8080', 'hex')))).toThrow(InvalidVarintError);
  });
});
