/**
 * The read half of a connection's framing: Kafka's `NetworkReceive` (a 4-byte size, then a buffer of exactly that
 * size, read as the bytes arrive) with `socket.request.max.bytes` checked on the size before anything is allocated.
 *
 * - A frame that lies whole inside one socket chunk is a view of that chunk: no copy (small requests, many per chunk).
 * - A frame spread over chunks gets one buffer of its size the moment its size is known, and each chunk's share is
 *   copied in as it arrives — never a list of chunks concatenated at the end (that concat into a fresh buffer was
 *   about a third of the broker's CPU on a 1 MB produce stream, issue 17).
 * - Produce frames of {@link POOLED_FRAME_MIN_BYTES} or more take that buffer from {@link produceFramePool}: a fresh
 *   1 MiB allocation per request is new memory the kernel faults in and zeroes, ~1 CPU-s per GB on this VM, a reused
 *   slab is ~0.03 (bench: bench/frame-copy.mjs). The slab goes back when the connection's handler has settled: the
 *   produce path writes the records to the log synchronously and keeps no view of them (log.ts appendAsLeader →
 *   log-segment.ts append → fs.writeSync; producer state keeps numbers). Other APIs get a buffer of their own:
 *   some keep bytes fields of their request (group member metadata, SASL tokens).
 *
 * Differs from Kafka: Kafka takes every request buffer from one `MemoryPool` (`queued.max.request.bytes`, J's
 * concern); here only produce frames are pooled, and the pool bounds what it keeps idle, not what is lent.
 */
import { ReadBufferPool, type ReadLease } from '../log/read-buffer-pool.js';

/** Produce frames at least this big are read into pooled slabs (smaller ones are cheap to allocate). */
export const POOLED_FRAME_MIN_BYTES = 32 * 1024;
const PRODUCE_API_KEY = 0;

/** Slabs for produce request frames, given back when their request is handled. */
export const produceFramePool = new ReadBufferPool(32 * 1024 * 1024, 16 * 1024 * 1024);

/** A request frame (without its size prefix), and what gives its buffer back once nothing reads it (may be a no-op). */
export interface Frame {
  readonly buffer: Buffer;
  release(): void;
  /** Bytes reserved for it through the `admit` callback (queued.max.request.bytes); 0 without one. */
  readonly reserved: number;
}

/** A size prefix the connection must not accept: the message says why; the connection closes. */
export class FrameSizeError extends Error { override name = 'FrameSizeError'; }

const NO_RELEASE = (): void => {};

export class FrameReader {
  /** Unread bytes: chunks[0] from `offset` on, then the rest whole. */
  private chunks: Buffer[] = [];
  private offset = 0;
  private bytes = 0;
  private readonly scratch = Buffer.allocUnsafe(6);
  /** The frame being filled (its size prefix already consumed). */
  private partial: Buffer | null = null;
  private partialLease: ReadLease | null = null;
  private filled = 0;
  private partialReserved = 0;
  /** True while the frame whose size prefix is buffered was refused by `admit` (call next() again once there is room). */
  waitingForMemory = false;
  /** Frames read into a buffer of their own / as views of a chunk / from the pool (tests, diagnostics). */
  copied = 0;
  viewed = 0;
  pooled = 0;

  /**
   * @param checkSize returns why a frame of `size` bytes is refused (the connection closes), or null to accept it;
   *   called with the size prefix before any buffer for it exists
   * @param admit reserves `size` bytes for an accepted frame before its buffer exists (Kafka's MemoryPool.tryAllocate,
   *   queued.max.request.bytes): false leaves the frame unread and sets {@link waitingForMemory}
   */
  constructor(private readonly checkSize: (size: number) => string | null, private readonly pool: ReadBufferPool = produceFramePool,
    private readonly admit: ((size: number) => boolean) | null = null) {}

  /** Bytes received and not yet part of a returned frame (a partly filled frame's share included). */
  get bufferedBytes(): number { return this.bytes + this.filled; }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /**
   * The next complete frame, or null until more bytes arrive. Throws {@link FrameSizeError} for a refused size
   * prefix (nothing of that frame was allocated).
   */
  next(): Frame | null {
    if (this.partial === null) {
      const view = this.start();
      if (view !== null) return view;
      if (this.partial === null) return null;
    }
    this.fill();
    if (this.filled < this.partial.length) return null;
    const buffer = this.partial;
    const lease = this.partialLease;
    const reserved = this.partialReserved;
    this.partial = null;
    this.partialLease = null;
    this.partialReserved = 0;
    this.filled = 0;
    return { buffer, release: lease ? () => lease.release() : NO_RELEASE, reserved };
  }

  /**
   * Drops what is buffered (connection closed); a partly filled pooled frame goes back. Returns the bytes reserved
   * (`admit`) for that partly read frame, for the caller to release.
   */
  clear(): number {
    const reserved = this.partialReserved;
    this.chunks = [];
    this.offset = 0;
    this.bytes = 0;
    this.partialLease?.release();
    this.partial = null;
    this.partialLease = null;
    this.partialReserved = 0;
    this.filled = 0;
    return reserved;
  }

  /**
   * Reads a size prefix: returns the frame when it is whole inside the first chunk (a view, consumed); else starts
   * `partial` and returns null — or returns null with `partial` unset when more bytes are needed first.
   */
  private start(): Frame | null {
    if (this.bytes < 4) return null;
    const size = this.peekInt32();
    const refused = size < 0 ? `request of ${size} bytes is a negative size` : this.checkSize(size);
    if (refused !== null) throw new FrameSizeError(refused);
    const first = this.chunks[0]!;
    const whole = first.length - this.offset >= 4 + size;
    // the api key decides where a big frame goes: wait for it
    if (!whole && size >= POOLED_FRAME_MIN_BYTES && this.bytes < 6) return null;
    if (this.admit !== null && !this.admit(size)) { this.waitingForMemory = true; return null; }
    this.waitingForMemory = false;
    const reserved = this.admit !== null ? size : 0;
    if (whole) {
      const buffer = first.subarray(this.offset + 4, this.offset + 4 + size);
      this.consume(4 + size);
      this.viewed++;
      return { buffer, release: NO_RELEASE, reserved };
    }
    this.partialReserved = reserved;
    if (size >= POOLED_FRAME_MIN_BYTES) {
      if (this.peekInt16At4() === PRODUCE_API_KEY) {
        const lease = this.pool.acquire(size);
        this.partialLease = lease;
        this.partial = lease.buffer;
        this.pooled++;
      }
    }
    if (this.partial === null) { this.partial = Buffer.allocUnsafe(size); this.copied++; }
    this.filled = 0;
    this.consume(4);
    return null;
  }

  /** Copies buffered bytes into the frame being filled. */
  private fill(): void {
    const frame = this.partial!;
    while (this.filled < frame.length && this.chunks.length > 0) {
      const c = this.chunks[0]!;
      const n = Math.min(c.length - this.offset, frame.length - this.filled);
      c.copy(frame, this.filled, this.offset, this.offset + n);
      this.filled += n;
      this.consume(n);
    }
  }

  private consume(n: number): void {
    this.bytes -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      const left = c.length - this.offset;
      if (n < left) { this.offset += n; return; }
      n -= left;
      this.chunks.shift();
      this.offset = 0;
    }
  }

  /** The first 6 buffered bytes (fewer if fewer are buffered) as a buffer: a view when chunk 0 holds them. */
  private headBytes(): Buffer {
    const first = this.chunks[0]!;
    if (first.length - this.offset >= 6) return first.subarray(this.offset, this.offset + 6);
    let have = 0;
    for (let i = 0, off = this.offset; i < this.chunks.length && have < 6; i++, off = 0) {
      const c = this.chunks[i]!;
      const n = Math.min(c.length - off, 6 - have);
      c.copy(this.scratch, have, off, off + n);
      have += n;
    }
    return this.scratch.subarray(0, have);
  }

  private peekInt32(): number { return this.headBytes().readInt32BE(0); }
  private peekInt16At4(): number { return this.headBytes().readInt16BE(4); }
}
