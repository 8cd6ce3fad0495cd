/**
 * The write half of a connection: Kafka's `Send` / `NetworkSend` as `Selector` writes them. A response is either one
 * buffer (Kafka's ByteBufferSend) or, for Fetch, a list of chunks — the encoded header and field bytes, and the
 * record bytes read from the log as they are, not copied into the response (Kafka's MultiRecordsSend of the header
 * and `FileRecords`, which it hands to `FileChannel.transferTo`, i.e. sendfile). The chunks go to the kernel in one
 * `writev`.
 *
 * Responses finished in the same event-loop turn (an acks=all high-watermark advance completes many produces at
 * once; a leader append wakes many long polls) are corked and leave in one `writev` when the turn's microtasks are
 * done (`process.nextTick`), instead of one write syscall each. Order is the order of {@link ResponseSend.send}
 * calls; the Connection calls it in request order.
 *
 * `onSent` runs once the response's bytes are handed to the kernel, or failed (connection closed): the moment
 * buffers lent to the response (pooled read buffers) may be reused — never earlier, since the socket may still be
 * reading them.
 *
 * Differs from Kafka: no `sendfile` here: Node's socket writes take memory, and a native sendfile would have to
 * bypass libuv's write queue (see the notes of issue 17); TLS sockets take the same path (Kafka copies for TLS too).
 */
import type { Socket } from 'node:net';

/** An encoded response frame (size prefix included): one buffer, or chunks to write in order. */
export type ResponseFrame = Buffer | readonly Buffer[];

/**
 * What runs once a response's bytes are written or dropped (pooled read buffers go back): carried from the handler's
 * response body to the encoded frame (kafka-apis) to the connection, which runs it exactly once.
 */
const ON_SENT = Symbol('onSent');
type WithOnSent = { [ON_SENT]?: () => void };

/** Marks `body` so that `releases` run once its encoded response is written or dropped. Returns `body`. */
export function withOnSent<T extends object>(body: T, releases: ReadonlyArray<() => void>): T {
  if (releases.length > 0) (body as T & WithOnSent)[ON_SENT] = () => { for (const r of releases) r(); };
  return body;
}

/** Attaches one callback (no wrapper allocated; the network worker shares one per batch of responses). Returns `x`. */
export function setOnSent<T extends object>(x: T, fn: () => void): T {
  (x as T & WithOnSent)[ON_SENT] = fn;
  return x;
}

/** The callback attached by {@link withOnSent} (to a body or a frame), or undefined. */
export function onSentOf(x: unknown): (() => void) | undefined {
  return x !== null && typeof x === 'object' ? (x as WithOnSent)[ON_SENT] : undefined;
}

/** Moves the body's callback to its encoded frame (chunks: the record bytes are still read by the socket). */
export function carryOnSent(body: unknown, frame: Buffer[]): Buffer[] {
  const fn = onSentOf(body);
  if (fn) (frame as Buffer[] & WithOnSent)[ON_SENT] = fn;
  return frame;
}

/** A response frame as one buffer (copies chunked frames; tests and non-socket callers). */
export function frameBytes(frame: ResponseFrame): Buffer {
  return Buffer.isBuffer(frame) ? frame : frame.length === 1 ? frame[0]! : Buffer.concat(frame as Buffer[]);
}

/** Bytes in a response frame. */
export function frameLength(frame: ResponseFrame): number {
  if (Buffer.isBuffer(frame)) return frame.length;
  let n = 0;
  for (const c of frame) n += c.length;
  return n;
}

/** What a ResponseSend needs of a socket (net.Socket or tls.TLSSocket). */
export type SendSocket = Pick<Socket, 'write' | 'cork' | 'uncork' | 'destroyed'>;

export class ResponseSend {
  private corked = false;
  /** Responses and bytes handed to the socket (tests, metrics). */
  sent = 0;
  bytes = 0;

  constructor(private readonly socket: SendSocket) {}

  /** Writes one response after every earlier one; `onSent(err)` once its bytes left (or could not). */
  send(frame: ResponseFrame, onSent?: (err?: Error | null) => void): void {
    const s = this.socket;
    if (s.destroyed) {
      if (onSent) process.nextTick(onSent, new Error('connection closed'));
      return;
    }
    if (!this.corked) {
      this.corked = true;
      s.cork();
      process.nextTick(() => { this.corked = false; s.uncork(); });
    }
    this.sent++;
    if (Buffer.isBuffer(frame)) {
      this.bytes += frame.length;
      s.write(frame, onSent);
      return;
    }
    // the last chunk's callback runs once every chunk before it was written too (a stream's writes complete in order)
    let last = frame.length - 1;
    while (last > 0 && frame[last]!.length === 0) last--;
    for (let i = 0; i <= last; i++) {
      const c = frame[i]!;
      this.bytes += c.length;
      if (i === last) s.write(c, onSent);
      else if (c.length > 0) s.write(c);
    }
    if (last < 0 && onSent) process.nextTick(onSent, null);
  }
}
