import { ProtocolEncodeError } from './errors.js';

/** Byte buffers at least this large are not copied by a chunked Writer (see {@link Writer.chunked}). */
export const ZERO_COPY_THRESHOLD = 4096;

/**
 * An append-only encoder into one growable Buffer (doubling; no allocation per field).
 *
 * In *chunked* mode (`new Writer(n, true)`), `bytes`/`records` values of at least {@link ZERO_COPY_THRESHOLD}
 * bytes are not copied: the bytes written so far become one chunk, the value itself the next, and
 * {@link Writer.finishChunks} returns the list for `socket.cork()`/`writev`. Fetch responses use this.
 */
export class Writer {
  buf: Buffer;
  /** Write position in `buf`. */
  pos = 0;
  /** Start in `buf` of the bytes not yet handed over as a chunk. */
  private segStart = 0;
  private chunks: Buffer[] | null;
  private chunkedBytes = 0;
  /** DataView over `buf` for int64/float64 (V8 inlines DataView access; Buffer's BigInt writers are slower). */
  private view: DataView | null = null;

  constructor(initialSize = 256, chunked = false) {
    this.buf = Buffer.allocUnsafe(initialSize);
    this.chunks = chunked ? [] : null;
  }

  /** Total bytes written, including zero-copy chunks. */
  get length(): number {
    return this.chunkedBytes + this.pos - this.segStart;
  }

  private grow(n: number): void {
    const used = this.pos - this.segStart;
    let size = this.buf.length * 2;
    while (size < used + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.segStart, this.pos);
    this.buf = next;
    this.view = null;
    this.pos = used;
    this.segStart = 0;
  }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  int8(v: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = v & 0xff;
  }

  bool(v: boolean): void {
    this.int8(v ? 1 : 0);
  }

  int16(v: number): void {
    if (this.pos + 2 > this.buf.length) this.grow(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 8) & 0xff;
    b[p + 1] = v & 0xff;
    this.pos = p + 2;
  }

  uint16(v: number): void {
    this.int16(v);
  }

  int32(v: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }

  uint32(v: number): void {
    this.int32(v);
  }

  int64(v: bigint | number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new ProtocolEncodeError(`int64 value ${v} is not a safe integer; pass a bigint`);
      // hi/lo split without BigInt for the common small case
      const lo = v % 0x100000000;
      const hi = (v - lo) / 0x100000000;
      this.int32(lo < 0 ? hi - 1 : hi);
      this.int32(lo < 0 ? lo + 0x100000000 : lo);
      return;
    }
    if (v === 0n || v === -1n) {
      // the common defaults, without BigInt arithmetic
      const byte = v === 0n ? 0 : 0xff;
      const b = this.buf;
      const p = this.pos;
      b[p] = b[p + 1] = b[p + 2] = b[p + 3] = b[p + 4] = b[p + 5] = b[p + 6] = b[p + 7] = byte;
    } else {
      this.dataView().setBigInt64(this.pos, v); // wraps modulo 2^64 like BigInt.asIntN(64, v)
    }
    this.pos += 8;
  }

  private dataView(): DataView {
    return (this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length));
  }

  float64(v: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    this.dataView().setFloat64(this.pos, v);
    this.pos += 8;
  }

  uuid(v: string): void {
    if (v.length !== 36 || v[8] !== '-' || v[13] !== '-' || v[18] !== '-' || v[23] !== '-') {
      throw new ProtocolEncodeError(`invalid UUID ${JSON.stringify(v)}`);
    }
    const hex = v.slice(0, 8) + v.slice(9, 13) + v.slice(14, 18) + v.slice(19, 23) + v.slice(24);
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new ProtocolEncodeError(`invalid UUID ${JSON.stringify(v)}`);
    this.ensure(16);
    this.buf.write(hex, this.pos, 16, 'hex');
    this.pos += 16;
  }

  unsignedVarint(v: number): void {
    if (this.pos + 5 > this.buf.length) this.grow(5);
    const b = this.buf;
    let p = this.pos;
    v = v >>> 0;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    this.pos = p;
  }

  varint(v: number): void {
    this.unsignedVarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: bigint): void {
    let raw = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    while (raw >= 0x80n) {
      this.buf[this.pos++] = Number(raw & 0x7fn) | 0x80;
      raw >>= 7n;
    }
    this.buf[this.pos++] = Number(raw);
  }

  /** Writes the UTF-8 bytes of `s` whose byte length `len` is already known. */
  private utf8(s: string, len: number): void {
    if (this.pos + len > this.buf.length) this.grow(len);
    if (len === s.length && len < 48) {
      // ASCII fast path: cheaper than a Buffer.write call for short strings
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < len; i++) b[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.pos += this.buf.write(s, this.pos, len, 'utf8');
    }
  }

  /**
   * Short ASCII fast path: copies char codes after a `prefix`-byte gap and returns true if all were ASCII
   * (the caller then writes the length prefix); false leaves `pos` unchanged.
   */
  private asciiAfter(s: string, prefix: number): boolean {
    const n = s.length;
    if (this.pos + prefix + n > this.buf.length) this.grow(prefix + n);
    const b = this.buf;
    let p = this.pos + prefix;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      b[p++] = c;
    }
    return true;
  }

  string(s: string): void {
    const n = s.length;
    if (n < 64 && this.asciiAfter(s, 2)) {
      this.int16(n);
      this.pos += n;
      return;
    }
    const len = Buffer.byteLength(s, 'utf8');
    if (len > 0x7fff) throw new ProtocolEncodeError(`string of ${len} bytes is longer than 32767`);
    this.int16(len);
    this.utf8(s, len);
  }

  nullableString(s: string | null): void {
    if (s === null) this.int16(-1);
    else this.string(s);
  }

  compactString(s: string): void {
    const n = s.length;
    if (n < 64 && this.asciiAfter(s, 1)) {
      this.buf[this.pos] = n + 1;
      this.pos += 1 + n;
      return;
    }
    const len = Buffer.byteLength(s, 'utf8');
    if (len > 0x7fff) throw new ProtocolEncodeError(`string of ${len} bytes is longer than 32767`);
    this.unsignedVarint(len + 1);
    this.utf8(s, len);
  }

  compactNullableString(s: string | null): void {
    if (s === null) this.unsignedVarint(0);
    else this.compactString(s);
  }

  /** Raw bytes, no length prefix; zero-copy in chunked mode when large. */
  raw(b: Uint8Array): void {
    const n = b.length;
    if (this.chunks !== null && n >= ZERO_COPY_THRESHOLD) {
      if (this.pos > this.segStart) {
        this.chunks.push(this.buf.subarray(this.segStart, this.pos));
        this.chunkedBytes += this.pos - this.segStart;
      }
      this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, n));
      this.chunkedBytes += n;
      this.segStart = this.pos;
      return;
    }
    if (this.pos + n > this.buf.length) this.grow(n);
    this.buf.set(b, this.pos);
    this.pos += n;
  }

  bytes(b: Uint8Array): void {
    this.int32(b.length);
    this.raw(b);
  }

  nullableBytes(b: Uint8Array | null): void {
    if (b === null) this.int32(-1);
    else this.bytes(b);
  }

  compactBytes(b: Uint8Array): void {
    this.unsignedVarint(b.length + 1);
    this.raw(b);
  }

  compactNullableBytes(b: Uint8Array | null): void {
    if (b === null) this.unsignedVarint(0);
    else this.compactBytes(b);
  }

  /** Overwrites an int32 at an absolute position of the current (unchunked) buffer, e.g. a size prefix. */
  patchInt32(at: number, v: number): void {
    const target = this.chunks !== null && this.chunks.length > 0 ? this.chunks[0]! : this.buf;
    target.writeInt32BE(v, at);
  }

  /** The encoded bytes (a view of the internal buffer; the Writer must not be written to afterwards). */
  finish(): Buffer {
    if (this.chunks !== null && this.chunks.length > 0) return Buffer.concat(this.finishChunks());
    return this.buf.subarray(0, this.pos);
  }

  /** The encoded bytes as a list of buffers to write in order (chunked mode: large blobs are not copied). */
  finishChunks(): Buffer[] {
    const out = this.chunks === null ? [] : this.chunks.slice();
    if (this.pos > this.segStart) out.push(this.buf.subarray(this.segStart, this.pos));
    return out;
  }
}
