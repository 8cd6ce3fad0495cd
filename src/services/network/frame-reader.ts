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
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { ReadBufferPool, type ReadLease } from '../log/read-buffer-pool.js';

/** Produce frames at least this big are read into pooled slabs (smaller ones are cheap to allocate). */
export const POOLED_FRAME_MIN_BYTES = 32 * 1024;
const PRODUCE_API_KEY = 0;

/** Slabs for produce request frames, given back when their request is handled. */
export const produceFramePool = new ReadBufferPool(32 * 1024 * 1024, 16 * 1024 * 1024);

/**
 * One read buffer for every plaintext connection (reads happen one at a time on the event loop, and each read's bytes
 * are parsed or copied out before the read callback returns): the size of Node's own per-read allocation.
 */
const SHARED_READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);
/** Reads up to this size are copied out of the shared buffer whole (frames are then views of the copy). */
const OWN_COPY_MAX_BYTES = 16 * 1024;

/**
 * Node's `onread` (reads into buffers the caller chooses) for a socket Node created itself — an accepted socket,
 * whose options cannot carry `onread`. Uses Node's own per-socket slots for it (the `kBuffer`/`kBufferCb`/
 * `kBufferGen` symbols `net.Socket` sets for `onread`) and `useUserBuffer` of the TCP handle; returns false, changing
 * nothing, when they are not there (another Node, a TLS socket, a socket that already buffered data). `onRead`
 * returning false stops reading (Node's own pause for `onread`); `socket.resume()` restarts it.
 */
export function readIntoOwnBuffers(socket: Socket, next: () => Buffer, onRead: (n: number, buf: Buffer) => boolean): boolean {
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Buffer) => void } })._handle;
  if (socket instanceof TLSSocket || typeof handle?.useUserBuffer !== 'function' || socket.readableLength > 0) return false;
  const sym = (d: string) => Object.getOwnPropertySymbols(socket).find((x) => x.description === d);
  const kBuffer = sym('kBuffer'); const kBufferCb = sym('kBufferCb'); const kBufferGen = sym('kBufferGen');
  if (!kBuffer || !kBufferCb || !kBufferGen) return false;
  const slots = socket as unknown as Record<symbol, unknown>;
  if (slots[kBuffer] !== null && slots[kBuffer] !== undefined) return false;
  const first = next();
  slots[kBuffer] = first;
  slots[kBufferCb] = onRead;
  slots[kBufferGen] = next;
  handle.useUserBuffer(first);
  return true;
}

/** Where produce frames' buffers come from: ReadBufferPool, or a network worker's HandoffPool (transferable slabs). */
export interface FramePool { acquire(size: number): ReadLease }

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
  /** Socket reads that landed straight in the frame being filled (own reads). */
  directReads = 0;

  /**
   * @param checkSize returns why a frame of `size` bytes is refused (the connection closes), or null to accept it;
   *   called with the size prefix before any buffer for it exists
   * @param admit reserves `size` bytes for an accepted frame before its buffer exists (Kafka's MemoryPool.tryAllocate,
   *   queued.max.request.bytes): false leaves the frame unread and sets {@link waitingForMemory}
   */
  constructor(private readonly checkSize: (size: number) => string | null, private readonly pool: FramePool = produceFramePool,
    private readonly admit: ((size: number) => boolean) | null = null) {}

  /** Bytes received and held in chunks, not yet copied into a frame. */
  get unparsedBytes(): number { return this.bytes; }

  /** Bytes received and not yet part of a returned frame (a partly filled frame's share included). */
  get bufferedBytes(): number { return this.bytes + this.filled; }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  // ------------------------------------------------------------ reads into our own buffers (Node's `onread`)

  /**
   * Set when the socket reads into {@link nextReadBuffer}: a partly filled frame dropped by {@link clear} is then not
   * given back to the pool (a read already queued for the socket may still land in it).
   */
  ownReads = false;
  /** True while the last chunk is {@link SHARED_READ_BUFFER}'s bytes: frames must not be views of it. */
  private borrowed = false;

  /**
   * Where the socket's next read should land: the rest of the frame being filled when nothing is buffered before it
   * (the kernel copies straight into the frame: no allocation, no copy), else the shared read buffer.
   */
  nextReadBuffer(): Buffer {
    // at most Node's own read size per read: a paused connection's read-ahead stays bounded as with 'data' chunks. A
    // frame already full (read whole while the connection is paused or muted, not yet taken by next()) gets no more:
    // an empty buffer would fail the read (ENOBUFS) and drop the connection
    if (this.partial !== null && this.bytes === 0 && this.filled < this.partial.length) return this.partial.subarray(this.filled, this.filled + SHARED_READ_BUFFER.length);
    return SHARED_READ_BUFFER;
  }

  /**
   * `n` bytes were read into `buf` (the last {@link nextReadBuffer}). Bytes in the shared buffer are lent until
   * {@link settle}: call it before returning from the read callback.
   */
  onRead(n: number, buf: Buffer): void {
    if (n <= 0) return;
    if (this.partial !== null && this.bytes === 0 && buf.buffer === this.partial.buffer && buf.byteOffset === this.partial.byteOffset + this.filled) {
      this.filled += n;
      this.directReads++;
      return;
    }
    if (buf.buffer !== SHARED_READ_BUFFER.buffer) throw new Error('read into an unexpected buffer');
    if (n <= OWN_COPY_MAX_BYTES) {
      // small reads (requests of a few KB): one copy of the read, frames are views of it — cheaper than a copy per frame
      const own = Buffer.allocUnsafe(n);
      buf.copy(own, 0, 0, n);
      this.push(own);
      return;
    }
    this.push(buf.subarray(0, n));
    this.borrowed = true;
  }

  /** The shared read buffer is about to be reused: what is still unread of it is copied into memory of its own. */
  settle(): void {
    if (!this.borrowed) return;
    this.borrowed = false;
    const last = this.chunks.length - 1;
    if (last < 0) return;
    const c = this.chunks[last]!;
    if (c.buffer !== SHARED_READ_BUFFER.buffer) return;
    const from = last === 0 ? this.offset : 0;
    const own = Buffer.allocUnsafe(c.length - from);
    c.copy(own, 0, from);
    this.chunks[last] = own;
    if (last === 0) this.offset = 0;
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
    if (!this.ownReads) this.partialLease?.release();
    this.partial = null;
    this.partialLease = null;
    this.partialReserved = 0;
    this.filled = 0;
    this.borrowed = false;
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
      // a view of the chunk, unless the chunk is the shared read buffer (overwritten by the next read): then a copy
      const view = first.subarray(this.offset + 4, this.offset + 4 + size);
      let buffer = view;
      let release = NO_RELEASE;
      if (first.buffer === SHARED_READ_BUFFER.buffer) {
        // a produce frame read whole into the shared buffer goes to a pooled slab like one that spans reads
        if (size >= POOLED_FRAME_MIN_BYTES && view.readInt16BE(0) === PRODUCE_API_KEY) {
          const lease = this.pool.acquire(size);
          buffer = lease.buffer;
          release = () => lease.release();
          this.pooled++;
        } else buffer = Buffer.allocUnsafe(size);
        view.copy(buffer);
      }
      this.consume(4 + size);
      this.viewed++;
      return { buffer, release, reserved };
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
