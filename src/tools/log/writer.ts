/**
 * Buffered output for the log tools: text and raw bytes are copied into a 1 MiB buffer which is handed to a
 * sink when full. The sink may return a promise (backpressure, e.g. a pipe); callers `await w.maybeFlush()`
 * between units of work so memory stays bounded whatever the input size.
 */

import { StringDecoder } from 'node:string_decoder';

export type Sink = (chunk: Buffer) => void | Promise<void>;

export const WRITER_CHUNK = 1 << 20;

/** Thrown by a sink whose reader went away (EPIPE, e.g. `| head`): the caller stops quietly. */
export class OutputClosedError extends Error {
  constructor() {
    super('output closed');
    this.name = 'OutputClosedError';
  }
}

export class BufferedWriter {
  private buf: Buffer;
  private len = 0;
  /** Total bytes written through this writer. */
  written = 0;

  constructor(
    private readonly sink: Sink,
    private readonly chunk = WRITER_CHUNK,
  ) {
    this.buf = Buffer.allocUnsafe(chunk);
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    // Grow for this one oversized piece (flushed at the next maybeFlush).
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }

  /** Append text (UTF-8). */
  text(s: string): void {
    const n = s.length;
    // Fast path: ASCII strings encode to exactly n bytes or fewer than 3n.
    this.room(n * 3);
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  /** Append raw bytes `b[start, end)`. */
  bytes(b: Uint8Array, start = 0, end = b.length): void {
    const n = end - start;
    this.room(n);
    this.buf.set(b.subarray(start, end), this.len);
    this.len += n;
  }

  get pending(): number {
    return this.len;
  }

  /** Hand the buffer to the sink when it holds at least one chunk's worth. */
  async maybeFlush(): Promise<void> {
    if (this.len >= this.chunk) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.len === 0) return;
    const out = this.buf.subarray(0, this.len);
    this.written += this.len;
    // The sink may keep the chunk (async streams): never reuse a buffer once handed over.
    this.buf = Buffer.allocUnsafe(this.chunk);
    this.len = 0;
    const r = this.sink(out);
    if (r) await r;
  }
}

/** A sink writing to `process.stdout`, waiting for 'drain' when the stream is full; EPIPE ends output quietly. */
export function stdoutSink(): Sink {
  let closed = false;
  process.stdout.on('error', () => {
    closed = true;
  });
  return (chunk) => {
    if (closed) throw new OutputClosedError();
    if (process.stdout.write(chunk)) return;
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        process.stdout.off('drain', done);
        process.stdout.off('error', done);
        process.stdout.off('close', done);
        if (closed) reject(new OutputClosedError());
        else resolve();
      };
      process.stdout.once('drain', done);
      process.stdout.once('error', done);
      process.stdout.once('close', done);
    });
  };
}

/** A sink calling `out(text)` per chunk (tests); multi-byte characters split across chunks are kept whole. */
export function stringSink(out: (s: string) => void): Sink {
  const d = new StringDecoder('utf8');
  return (chunk) => out(d.write(chunk));
}
