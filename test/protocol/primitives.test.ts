import { describe, expect, test } from 'vitest';
import { ProtocolDecodeError, ProtocolEncodeError } from '../../src/protocol/primitives/errors.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer, ZERO_COPY_THRESHOLD } from '../../src/protocol/primitives/writer.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function decodeError(fn: () => unknown): ProtocolDecodeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolDecodeError);
    return e as ProtocolDecodeError;
  }
  throw new Error('expected a ProtocolDecodeError');
}

describe('fixed-width integers', () => {
  test('big-endian values and their encodings', () => {
    const w = new Writer(4); // grows
    w.int8(-1);
    w.int16(-2);
    w.uint16(65535);
    w.int32(-3);
    w.uint32(0xfffffffe);
    w.int64(-4n);
    w.int64(0x0102030405060708n);
    w.int64(-5); // numbers are accepted for int64
    w.float64(1.5);
    w.bool(true);
    w.bool(false);
    const b = w.finish();
    expect(b.toString('hex')).toBe(
      'ff' + 'fffe' + 'ffff' + 'fffffffd' + 'fffffffe' + 'fffffffffffffffc' + '0102030405060708' + 'fffffffffffffffb' + '3ff8000000000000' + '01' + '00',
    );
    const r = new Reader(b);
    expect([r.int8(), r.int16(), r.uint16(), r.int32(), r.uint32()]).toEqual([-1, -2, 65535, -3, 0xfffffffe]);
    expect([r.int64(), r.int64(), r.int64()]).toEqual([-4n, 0x0102030405060708n, -5n]);
    expect(r.float64()).toBe(1.5);
    expect([r.bool(), r.bool()]).toEqual([true, false]);
    expect(r.remaining).toBe(0);
  });

  test('int64 from a number: extremes of the safe range, and unsafe numbers are refused', () => {
    for (const n of [0, 1, -1, 2 ** 32, -(2 ** 32), 2 ** 32 + 5, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      const w = new Writer();
      w.int64(n);
      expect(new Reader(w.finish()).int64()).toBe(BigInt(n));
    }
    expect(() => new Writer().int64(2 ** 60)).toThrow(ProtocolEncodeError);
  });

  test('any non-zero byte is true (as Kafka reads booleans)', () => {
    expect(new Reader(hex('07')).bool()).toBe(true);
  });

  test('truncation names what was expected and where', () => {
    const e = decodeError(() => {
      const r = new Reader(hex('0001 0002 00'));
      r.int16();
      r.int16();
      r.int32();
    });
    expect(e.offset).toBe(4);
    expect(e.expected).toBe('int32');
    expect(e.kind).toBe('malformed');
    expect(e.message).toContain('offset 4');
    for (const read of ['int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'bool', 'uuid'] as const) {
      decodeError(() => new Reader(Buffer.alloc(0))[read]());
    }
  });

  test('a reader respects its end, not the buffer length', () => {
    const r = new Reader(hex('00000001 00000002'), 0, 4);
    expect(r.int32()).toBe(1);
    decodeError(() => r.int32());
  });
});

describe('varints', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [2147483647, 'feffffff0f'],
    [-2147483648, 'ffffffff0f'],
  ];
  test.each(cases)('zigzag varint %i = %s', (n, h) => {
    const w = new Writer();
    w.varint(n);
    expect(w.finish().toString('hex')).toBe(h);
    expect(new Reader(hex(h)).varint()).toBe(n);
  });

  test('unsigned varints up to 2^32-1', () => {
    for (const [n, h] of [
      [0, '00'],
      [127, '7f'],
      [128, '8001'],
      [300, 'ac02'],
      [0xffffffff, 'ffffffff0f'],
    ] as const) {
      const w = new Writer();
      w.unsignedVarint(n);
      expect(w.finish().toString('hex')).toBe(h);
      expect(new Reader(hex(h)).unsignedVarint()).toBe(n);
    }
  });

  test('varlongs', () => {
    for (const n of [0n, -1n, 1n, 1234567890123n, -(2n ** 63n), 2n ** 63n - 1n]) {
      const w = new Writer();
      w.varlong(n);
      const b = w.finish();
      const r = new Reader(b);
      expect(r.varlong()).toBe(n);
      expect(r.remaining).toBe(0);
    }
    const w = new Writer();
    w.varlong(-(2n ** 63n));
    expect(w.finish().length).toBe(10);
  });

  test('too long or truncated varints are errors', () => {
    const e = decodeError(() => new Reader(hex('ffffffffff01')).unsignedVarint());
    expect(e.message).toContain('longer than 5 bytes');
    expect(decodeError(() => new Reader(hex('8080')).unsignedVarint()).offset).toBe(0);
    expect(decodeError(() => new Reader(hex('ffffffffffffffffffff01')).varlong()).message).toContain('longer than 10 bytes');
  });
});

describe('strings', () => {
  test('classic and compact, nullable and not', () => {
    const w = new Writer();
    w.string('héllo');
    w.nullableString(null);
    w.compactString('abc');
    w.compactNullableString(null);
    w.compactNullableString('');
    const b = w.finish();
    expect(b.toString('hex')).toBe('0006' + Buffer.from('héllo').toString('hex') + 'ffff' + '04616263' + '00' + '01');
    const r = new Reader(b);
    expect([r.string(), r.nullableString(), r.compactString(), r.compactNullableString(), r.compactNullableString()]).toEqual([
      'héllo',
      null,
      'abc',
      null,
      '',
    ]);
  });

  test('null where not nullable, negative lengths, lengths beyond the buffer or above 32767', () => {
    expect(decodeError(() => new Reader(hex('ffff')).string()).message).toContain('non-null string');
    expect(decodeError(() => new Reader(hex('fffe')).nullableString()).message).toContain('negative length -2');
    expect(decodeError(() => new Reader(hex('00')).compactString()).message).toContain('null');
    const e = decodeError(() => new Reader(hex('0005 6162')).string());
    expect(e.offset).toBe(0);
    expect(e.message).toContain('exceeds the 2 bytes remaining');
    expect(decodeError(() => new Reader(hex('ffffffff0f')).compactNullableString()).message).toContain('exceeds 32767');
  });

  test('invalid UTF-8 is replaced with U+FFFD, as the Java broker does, not rejected', () => {
    expect(new Reader(hex('0003 61ff62')).string()).toBe('a\ufffdb');
  });

  test('strings longer than 32767 UTF-8 bytes cannot be encoded', () => {
    expect(() => new Writer().string('é'.repeat(20000))).toThrow(ProtocolEncodeError);
    expect(() => new Writer().compactString('x'.repeat(32768))).toThrow(ProtocolEncodeError);
    const w = new Writer();
    w.string('x'.repeat(32767));
    expect(new Reader(w.finish()).string().length).toBe(32767);
  });

  test('non-ASCII and long ASCII strings take the Buffer.write path and still round-trip', () => {
    for (const s of ['日本語', '🙂', 'a'.repeat(100), 'mixed ascii and ü']) {
      const w = new Writer(1);
      w.compactString(s);
      expect(new Reader(w.finish()).compactString()).toBe(s);
    }
  });
});

describe('bytes and arrays', () => {
  test('bytes are zero-copy slices of the input', () => {
    const b = hex('00000003 010203 04 aabbcc ffffffff 00');
    const r = new Reader(b);
    const v = r.bytes();
    expect(v.toString('hex')).toBe('010203');
    expect(v.buffer).toBe(b.buffer);
    expect(r.compactBytes().toString('hex')).toBe('aabbcc');
    expect(r.nullableBytes()).toBeNull();
    expect(r.compactNullableBytes()).toBeNull();
  });

  test('byte length errors', () => {
    expect(decodeError(() => new Reader(hex('ffffffff')).bytes()).message).toContain('non-null bytes');
    expect(decodeError(() => new Reader(hex('80000000')).nullableBytes()).message).toContain('negative length');
    expect(decodeError(() => new Reader(hex('7fffffff 00')).bytes()).message).toContain('exceeds the 1 bytes remaining');
    expect(decodeError(() => new Reader(hex('00')).compactBytes()).message).toContain('null');
  });

  test('array lengths: -1 only when nullable, other negatives and counts above the remaining bytes rejected', () => {
    expect(new Reader(hex('ffffffff')).arrayLength(true)).toBe(-1);
    expect(decodeError(() => new Reader(hex('ffffffff')).arrayLength(false)).message).toContain('length -1');
    expect(decodeError(() => new Reader(hex('fffffffe')).arrayLength(true)).message).toContain('length -2');
    expect(decodeError(() => new Reader(hex('7fffffff 0000')).arrayLength(false)).message).toContain('2147483647 elements but only 2 bytes remain');
    expect(new Reader(hex('00000002 0000')).arrayLength(false)).toBe(2);
    expect(new Reader(hex('00')).compactArrayLength(true)).toBe(-1);
    expect(decodeError(() => new Reader(hex('00')).compactArrayLength(false)).message).toContain('null');
    expect(decodeError(() => new Reader(hex('ffffffff0f')).compactArrayLength(false)).message).toContain('elements but only 0 bytes remain');
  });
});

describe('UUID', () => {
  test('canonical lower-case form, both ways', () => {
    const u = '0123abcd-4567-89ab-cdef-0123456789ab';
    const w = new Writer();
    w.uuid(u);
    const b = w.finish();
    expect(b.toString('hex')).toBe('0123abcd456789abcdef0123456789ab');
    expect(new Reader(b).uuid()).toBe(u);
  });
  test('malformed UUID strings are refused', () => {
    for (const u of ['', 'not-a-uuid', '0123abcd-4567-89ab-cdef-0123456789ag', '0123abcd04567-89ab-cdef-0123456789ab']) {
      expect(() => new Writer().uuid(u)).toThrow(ProtocolEncodeError);
    }
  });
});

describe('Writer', () => {
  test('grows from a tiny buffer without losing data', () => {
    const w = new Writer(1);
    for (let i = 0; i < 10000; i++) w.int32(i);
    const r = new Reader(w.finish());
    for (let i = 0; i < 10000; i++) expect(r.int32()).toBe(i);
  });

  test('chunked mode hands large byte values over without copying', () => {
    const big = Buffer.alloc(ZERO_COPY_THRESHOLD + 10, 7);
    const small = Buffer.from('tiny');
    const w = new Writer(8, true);
    w.int32(0);
    w.bytes(small);
    w.compactBytes(big);
    w.int16(99);
    w.patchInt32(0, w.length - 4);
    const chunks = w.finishChunks();
    expect(chunks.some((c) => c === big)).toBe(true);
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(w.length);
    const r = new Reader(all);
    expect(r.int32()).toBe(all.length - 4);
    expect(r.bytes().toString()).toBe('tiny');
    expect(r.compactBytes().equals(big)).toBe(true);
    expect(r.int16()).toBe(99);
    // finish() concatenates the same bytes
    expect(w.finish().equals(all)).toBe(true);
  });
});
