import { ProtocolDecodeError } from './errors.js';

/**
 * A cursor over a Buffer that reads Kafka protocol primitives (big-endian fixed-width integers, zigzag and
 * unsigned varints, classic and compact strings/bytes/array lengths, UUIDs).
 *
 * Every read checks bounds first and throws {@link ProtocolDecodeError} carrying the offset and what was
 * expected: truncation, negative lengths other than -1 (null), -1 where null is not allowed, lengths beyond
 * the end of the buffer, varints longer than 5 (10) bytes.
 *
 * Strings are decoded as UTF-8 with replacement (U+FFFD) of invalid sequences, exactly like the Java broker
 * (`new String(bytes, StandardCharsets.UTF_8)`): invalid UTF-8 is not a decode error. Such a string does not
 * round-trip byte-for-byte, which Kafka does not do either.
 *
 * `bytes`/`records` values are zero-copy `subarray`s of the decoded buffer: they stay valid only as long as the
 * caller does not reuse that buffer.
 */
export class Reader {
  buf: Buffer;
  pos: number;
  end: number;
  private view: DataView | null = null;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(expected: string, detail?: string, at = this.pos): never {
    throw new ProtocolDecodeError(expected, at, detail);
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) this.fail(what, `${n} bytes needed, ${this.end - this.pos} remain`);
  }

  skip(n: number): void {
    this.need(n, `${n} bytes to skip`);
    this.pos += n;
  }

  int8(): number {
    if (this.pos >= this.end) this.fail('int8', 'end of buffer');
    const v = this.buf[this.pos++]!;
    return (v << 24) >> 24;
  }

  bool(): boolean {
    if (this.pos >= this.end) this.fail('bool', 'end of buffer');
    return this.buf[this.pos++] !== 0;
  }

  int16(): number {
    this.need(2, 'int16');
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return ((b[p]! << 24) | (b[p + 1]! << 16)) >> 16;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  int32(): number {
    this.need(4, 'int32');
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  uint32(): number {
    return this.int32() >>> 0;
  }

  int64(): bigint {
    this.need(8, 'int64');
    const v = this.dataView().getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  private dataView(): DataView {
    return (this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length));
  }

  float64(): number {
    this.need(8, 'float64');
    const v = this.dataView().getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** A UUID as its canonical lower-case 8-4-4-4-12 hex form. */
  uuid(): string {
    this.need(16, 'uuid');
    const p = this.pos;
    const h = this.buf.toString('hex', p, p + 16);
    this.pos = p + 16;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** Unsigned LEB128, at most 5 bytes, as a non-negative number < 2^32 (Kafka `readUnsignedVarint`). */
  unsignedVarint(): number {
    const b = this.buf;
    const start = this.pos;
    let p = start;
    let value = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      if (p >= this.end) this.fail('unsigned varint', 'end of buffer', start);
      const byte = b[p++]!;
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        this.pos = p;
        return value >>> 0;
      }
    }
    return this.fail('unsigned varint', 'longer than 5 bytes', start);
  }

  /** ZigZag varint (int32). */
  varint(): number {
    const raw = this.unsignedVarint();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** ZigZag varlong (int64), at most 10 bytes. */
  varlong(): bigint {
    const b = this.buf;
    const start = this.pos;
    let p = start;
    let raw = 0n;
    for (let shift = 0n; shift <= 63n; shift += 7n) {
      if (p >= this.end) this.fail('varlong', 'end of buffer', start);
      const byte = b[p++]!;
      raw |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        this.pos = p;
        raw = BigInt.asUintN(64, raw);
        return BigInt.asIntN(64, (raw >> 1n) ^ -(raw & 1n));
      }
    }
    return this.fail('varlong', 'longer than 10 bytes', start);
  }

  private utf8(len: number, what: string, start: number): string {
    if (len > 0x7fff) this.fail(what, `length ${len} exceeds 32767`, start);
    if (this.end - this.pos < len) this.fail(what, `length ${len} exceeds the ${this.end - this.pos} bytes remaining`, start);
    const p = this.pos;
    this.pos = p + len;
    return len === 0 ? '' : this.buf.toString('utf8', p, p + len);
  }

  /** int16 length + UTF-8; -1 is rejected. */
  string(): string {
    const start = this.pos;
    const len = this.int16();
    if (len < 0) this.fail('non-null string', `length ${len}`, start);
    return this.utf8(len, 'string', start);
  }

  nullableString(): string | null {
    const start = this.pos;
    const len = this.int16();
    if (len === -1) return null;
    if (len < 0) this.fail('nullable string', `negative length ${len}`, start);
    return this.utf8(len, 'nullable string', start);
  }

  /** Unsigned varint (length + 1) + UTF-8; 0 (null) is rejected. */
  compactString(): string {
    const start = this.pos;
    const n = this.unsignedVarint();
    if (n === 0) this.fail('non-null compact string', 'null', start);
    return this.utf8(n - 1, 'compact string', start);
  }

  compactNullableString(): string | null {
    const start = this.pos;
    const n = this.unsignedVarint();
    if (n === 0) return null;
    return this.utf8(n - 1, 'compact nullable string', start);
  }

  private slice(len: number, what: string, start: number): Buffer {
    if (this.end - this.pos < len) this.fail(what, `length ${len} exceeds the ${this.end - this.pos} bytes remaining`, start);
    const p = this.pos;
    this.pos = p + len;
    return this.buf.subarray(p, p + len);
  }

  /** int32 length + bytes (zero-copy slice); -1 is rejected. */
  bytes(): Buffer {
    const start = this.pos;
    const len = this.int32();
    if (len < 0) this.fail('non-null bytes', `length ${len}`, start);
    return this.slice(len, 'bytes', start);
  }

  nullableBytes(): Buffer | null {
    const start = this.pos;
    const len = this.int32();
    if (len === -1) return null;
    if (len < 0) this.fail('nullable bytes', `negative length ${len}`, start);
    return this.slice(len, 'nullable bytes', start);
  }

  compactBytes(): Buffer {
    const start = this.pos;
    const n = this.unsignedVarint();
    if (n === 0) this.fail('non-null compact bytes', 'null', start);
    return this.slice(n - 1, 'compact bytes', start);
  }

  compactNullableBytes(): Buffer | null {
    const start = this.pos;
    const n = this.unsignedVarint();
    if (n === 0) return null;
    return this.slice(n - 1, 'compact nullable bytes', start);
  }

  /**
   * int32 element count of a classic array; -1 (null) only if `nullable`, otherwise an error. A count larger
   * than the remaining bytes is rejected before anything is allocated (every element takes at least 1 byte).
   */
  arrayLength(nullable: boolean): number {
    const start = this.pos;
    const n = this.int32();
    if (n < 0) {
      if (n === -1 && nullable) return -1;
      this.fail(nullable ? 'nullable array length' : 'non-null array length', `length ${n}`, start);
    }
    if (n > this.end - this.pos) this.fail('array length', `${n} elements but only ${this.end - this.pos} bytes remain`, start);
    return n;
  }

  /** Compact array count (unsigned varint N, count N-1, 0 = null); returns -1 for null. */
  compactArrayLength(nullable: boolean): number {
    const start = this.pos;
    const n = this.unsignedVarint() - 1;
    if (n === -1) {
      if (nullable) return -1;
      this.fail('non-null compact array length', 'null', start);
    }
    if (n > this.end - this.pos) this.fail('compact array length', `${n} elements but only ${this.end - this.pos} bytes remain`, start);
    return n;
  }
}
