/**
 * ZigZag varint / varlong as used by Kafka record format v2 (`ByteUtils.readVarint` etc.):
 * ZigZag-encode (`(n << 1) ^ (n >> 31)` / `>> 63`), then unsigned LEB128 (7 bits per byte, low group first,
 * high bit = continuation). At most 5 bytes for a varint (int32), 10 for a varlong (int64).
 *
 * Decoding uses a small mutable {@link Cursor} so that hot loops allocate nothing per value.
 */

export class InvalidVarintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidVarintError';
  }
}

/** A read position into a buffer; decoders advance `pos`. */
export interface Cursor {
  buf: Uint8Array;
  pos: number;
}

export function cursor(buf: Uint8Array, pos = 0): Cursor {
  return { buf, pos };
}

function eof(): never {
  throw new InvalidVarintError('Varint runs past the end of the buffer');
}

/** Decode an unsigned LEB128 of at most 5 bytes into an unsigned 32-bit pattern (as a signed int). */
export function readUnsignedVarint(c: Cursor): number {
  const buf = c.buf;
  let pos = c.pos;
  const end = buf.length;
  let value = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (pos >= end) eof();
    const b = buf[pos++]!;
    value |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      c.pos = pos;
      return value;
    }
  }
  throw new InvalidVarintError('Varint is too long, the most significant bit in the 5th byte is set');
}

/** Decode a ZigZag varint (int32). */
export function readVarint(c: Cursor): number {
  const raw = readUnsignedVarint(c);
  return (raw >>> 1) ^ -(raw & 1);
}

/**
 * Decode a ZigZag varlong as a JS number; exact when |value| ≤ 2^53 (timestamp deltas, lengths).
 * Larger magnitudes are rounded; use {@link readVarlongBig} when exactness matters.
 */
export function readVarlong(c: Cursor): number {
  const buf = c.buf;
  let pos = c.pos;
  const end = buf.length;
  // Fast path: up to 4 bytes (28 bits) with int arithmetic.
  let low = 0;
  let shift = 0;
  for (; shift < 28; shift += 7) {
    if (pos >= end) eof();
    const b = buf[pos++]!;
    low |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      c.pos = pos;
      // low < 2^28, non-negative
      return low & 1 ? -((low + 1) / 2) : low / 2;
    }
  }
  // Slow path: accumulate floor(raw / 2) directly (each later group contributes (b & 0x7f) * 2^(7i - 1)), so the
  // result is exact whenever |value| <= 2^53.
  let half = low >>> 1;
  let mul = 2 ** 27;
  for (let i = 4; i < 10; i++) {
    if (pos >= end) eof();
    const b = buf[pos++]!;
    half += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      if (i === 9 && b > 1) throw new InvalidVarintError('Varlong overflows 64 bits');
      c.pos = pos;
      // ZigZag: even raw -> raw/2, odd raw -> -(raw+1)/2 = -(floor(raw/2) + 1). Parity of raw = parity of low.
      return low & 1 ? -(half + 1) : half;
    }
    mul *= 128;
  }
  throw new InvalidVarintError('Varlong is too long, the most significant bit in the 10th byte is set');
}

/** Decode a ZigZag varlong exactly as a bigint (int64). */
export function readVarlongBig(c: Cursor): bigint {
  const buf = c.buf;
  let pos = c.pos;
  const end = buf.length;
  let raw = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) eof();
    const b = buf[pos++]!;
    raw |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      if (i === 9 && b > 1) throw new InvalidVarintError('Varlong overflows 64 bits');
      c.pos = pos;
      return (raw >> 1n) ^ -(raw & 1n);
    }
    shift += 7n;
  }
  throw new InvalidVarintError('Varlong is too long, the most significant bit in the 10th byte is set');
}

/** Advance past one varint/varlong without decoding it. */
export function skipVarint(c: Cursor, maxBytes = 10): void {
  const buf = c.buf;
  let pos = c.pos;
  for (let i = 0; i < maxBytes; i++) {
    if (pos >= buf.length) eof();
    if ((buf[pos++]! & 0x80) === 0) {
      c.pos = pos;
      return;
    }
  }
  throw new InvalidVarintError('Varint is too long');
}

// ---------------------------------------------------------------------------------------------- encoding

/** Bytes needed for a ZigZag varint of int32 `value`. */
export function sizeOfVarint(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

/** Write ZigZag varint of int32 `value` at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

const MASK64 = (1n << 64n) - 1n;

function zigzag64(value: number | bigint): bigint {
  const v = BigInt.asIntN(64, typeof value === 'bigint' ? value : BigInt(value));
  return ((v << 1n) ^ (v >> 63n)) & MASK64;
}

/** Bytes needed for a ZigZag varlong of int64 `value` (number must be an integer). */
export function sizeOfVarlong(value: number | bigint): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= -0x8000000 && value < 0x8000000) {
    return sizeOfVarint(value);
  }
  let v = zigzag64(value);
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** Write ZigZag varlong of int64 `value` at `pos`; returns the position after it. */
export function writeVarlong(buf: Uint8Array, pos: number, value: number | bigint): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= -0x8000000 && value < 0x8000000) {
    // fits in 28 bits after zigzag → same bytes as the int32 encoding
    return writeVarint(buf, pos, value);
  }
  let v = zigzag64(value);
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}
