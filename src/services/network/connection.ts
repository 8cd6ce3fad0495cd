/**
 * One client connection: Kafka's size-prefixed framing, a hard cap on request size, responses
 * written in request order (pipelining clients rely on it) even when handled concurrently, and an
 * idle timeout. Anything malformed closes this connection only.
 */
import type { Socket } from 'node:net';
import type { KafkaPrincipal } from '../security/principal.js';
import { FrameReader, FrameSizeError, readIntoOwnBuffers, type Frame, type FramePool } from './frame-reader.js';
import { ResponseSend, onSentOf, type ResponseFrame } from './response-send.js';

export type RequestHandler = (frame: Buffer, conn: ConnectionInfo) => Promise<ResponseFrame | null>;

export interface ConnectionInfo {
  id: string; listenerName: string; remoteAddress: string; remotePort: number;
  /** The listener's security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL). */
  securityProtocol?: string;
  /**
   * Who this connection is (Kafka's KafkaPrincipal of the channel): User:ANONYMOUS on PLAINTEXT and TLS without a
   * client certificate, the mapped certificate DN with mTLS, the SASL authorization id once authenticated.
   */
  principal?: KafkaPrincipal;
  /** Aborted when the connection closes: long-running handlers (Fetch long polls) stop waiting. */
  signal?: AbortSignal;
  /**
   * A handler calls this once when its request leaves for a purgatory (acks=all DelayedProduce, Fetch long poll):
   * the request no longer counts against queued.max.requests — as in Kafka, where the request queue holds only
   * requests not yet handled. Without it, requests parked waiting for replication fill the budget and the
   * followers' Fetch requests that would complete them are never read (a stall until the produce timeout).
   */
  park?: () => void;
  /**
   * While set, frames larger than this close the connection: sasl.server.max.receive.size before SASL authentication
   * (set by the socket server, cleared by the authenticator once the client is authenticated).
   */
  maxReceiveBytes?: number;
  /** Closes the connection once every response queued so far is written (a failed SASL login's answer). */
  closeAfterResponse?: () => void;
  /**
   * Client quotas (KIP-219): the response just produced is sent, then this connection is not read for `ms` (Kafka's
   * ThrottledChannel mute). Reads resume when it ends, unless the connection is paused for another reason.
   */
  throttle?: (ms: number) => void;
}

/** Bytes a paused plaintext connection still reads ahead (Node 20's default highWaterMark of a socket stream). */
const PAUSED_READ_AHEAD_BYTES = 16 * 1024;

/** Thrown by a handler to drop the connection (malformed request); the message is logged once. */
export class CloseConnectionError extends Error { override name = 'CloseConnectionError'; }

export interface ConnectionLimits {
  maxRequestBytes: number;
  idleTimeoutMs: number;
  /** Shared budget of requests being handled across all connections (queued.max.requests). */
  inFlight: RequestBudget;
  /**
   * queued.max.request.bytes (Kafka's MemoryPool, J's memory-pool.ts): each frame's size is reserved once its size
   * prefix is read and before its buffer exists; while refused, this connection is not read. The reservation goes
   * back with the request's budget slot (answered or parked) or when the connection closes.
   */
  memoryPool?: RequestMemoryPool;
  /**
   * Request-time metrics (P's issue-16 sink: RequestQueueTimeMs, ResponseQueueTimeMs, ResponseSendTimeMs). Absent:
   * no clock is read. Called once per answered request; a request dropped by a close or a failed handler is not.
   */
  requestTimes?: RequestTimesSink;
  /** Where pooled produce frames are read into (default frame-reader.ts produceFramePool; a network worker's HandoffPool). */
  framePool?: FramePool;
}

/**
 * Receives one request's timestamps (ms on this thread's `performance.now()` clock), as Kafka's RequestChannel.Request
 * keeps them: `receivedAt` the whole frame was read (startTimeNanos), `dequeuedAt` its handler was called
 * (requestDequeueTimeNanos: the gap is waiting for queued.max.requests, a quota mute or this connection's own queue),
 * `completedAt` the handler settled (apiLocalCompleteTimeNanos/responseCompleteTimeNanos), `sendStartAt` the response
 * was handed to the socket after every earlier one (responseDequeueTimeNanos), `sentAt` its bytes were written. A
 * request with no response (acks=0) has sendStartAt = sentAt = completedAt.
 */
export interface RequestTimesSink {
  record(apiKey: number, apiVersion: number, receivedAt: number, dequeuedAt: number, completedAt: number, sendStartAt: number, sentAt: number): void;
}

/** What the connection needs of Kafka's MemoryPool. */
export interface RequestMemoryPool {
  tryAllocate(bytes: number): boolean;
  release(bytes: number): void;
  onAvailable(fn: () => void): void;
}

export interface ConnectionEvents {
  onClose(conn: Connection, reason: string | null): void;
}

/** What a connection needs of queued.max.requests (InFlightBudget; shared-budgets.ts across threads). */
export interface RequestBudget {
  readonly capacity: number;
  readonly inUse: number;
  tryAcquire(): boolean;
  release(): void;
  /** Called once when a slot may be free again (the caller retries tryAcquire). */
  onAvailable(fn: () => void): void;
}

/** queued.max.requests: when the broker holds this many requests, sockets stop being read. */
export class InFlightBudget implements RequestBudget {
  private used = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(readonly capacity: number) {}
  get inUse(): number { return this.used; }
  tryAcquire(): boolean { if (this.used >= this.capacity) return false; this.used++; return true; }
  release(): void {
    this.used--;
    // Wake waiters until one takes the slot (a waiter whose connection closed meanwhile does not).
    while (this.used < this.capacity && this.waiters.length > 0) this.waiters.shift()!();
  }
  onAvailable(fn: () => void): void { this.waiters.push(fn); }
}

interface Slot {
  response: ResponseFrame | null; done: boolean; released: boolean; /** memoryPool bytes */ reserved: number;
  /** requestTimes only (0 without a sink): api key and version, and the timestamps of {@link RequestTimesSink}. */
  apiKey: number; apiVersion: number; receivedAt: number; dequeuedAt: number; completedAt: number;
  /** requestTimes only: when the response was handed to the socket, and its onSent release until written. */
  sendStartAt: number; release: (() => void) | null;
}

export class Connection {
  /** Size-prefixed frames, each read into one buffer as its bytes arrive (frame-reader.ts). */
  private readonly reader: FrameReader;
  /** A complete frame waiting for room in the budget (the socket is paused meanwhile). */
  private pending: Frame | null = null;
  /** When `pending` was read whole (requestTimes only). */
  private pendingReceivedAt = 0;
  private readonly slots: Slot[] = [];
  /** Slots that may still hold a share of the budget (parkOne's candidates; stale entries are skipped there). */
  private held: Slot[] = [];
  private closed = false;
  private paused = false;
  private pausedForOwnQueue = false;
  private closeWhenFlushed = false;
  private idleTimer: NodeJS.Timeout | null = null;
  private lastActive = 0;
  /** Bytes read (own reads) since the last pause or mute began. */
  private readWhilePaused = 0;
  private throttleTimer: NodeJS.Timeout | null = null;
  private readonly abort = new AbortController();
  /** Writes responses (Fetch's record bytes uncopied, a turn's responses in one writev): response-send.ts. */
  private readonly send: ResponseSend;
  readonly info: ConnectionInfo;
  /** Reads land in buffers the reader chooses (Node's onread), not in 'data' chunks. */
  readonly ownReads: boolean;
  requests = 0;

  constructor(readonly socket: Socket, info: ConnectionInfo, private readonly limits: ConnectionLimits,
    private readonly handler: RequestHandler, private readonly events: ConnectionEvents) {
    this.info = { ...info, signal: this.abort.signal, park: () => this.parkOne(), throttle: (ms) => this.mute(ms), closeAfterResponse: () => { this.closeWhenFlushed = true; } };
    this.send = new ResponseSend(socket);
    const pool = limits.memoryPool;
    this.reader = new FrameReader((size) => this.refusal(size), limits.framePool, pool ? (size) => pool.tryAllocate(size) : null);
    socket.setNoDelay(true);
    // plaintext: the kernel reads straight into the frame being filled (no per-read allocation, no copy); TLS and
    // any Node without the hooks: 'data' chunks (frame-reader.ts readIntoOwnBuffers)
    this.ownReads = readIntoOwnBuffers(socket, () => this.reader.nextReadBuffer(), (n, buf) => this.onOwnRead(n, buf));
    this.reader.ownReads = this.ownReads;
    if (!this.ownReads) socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => this.close(null));
    socket.on('close', () => this.close(null));
    this.armIdle();
  }

  get isClosed(): boolean { return this.closed; }
  /** How its frames were read (frame-reader.ts counters; tests, diagnostics). */
  get frameStats(): { viewed: number; copied: number; pooled: number; directReads: number } {
    const r = this.reader;
    return { viewed: r.viewed, copied: r.copied, pooled: r.pooled, directReads: r.directReads };
  }

  /**
   * Marks activity (every read). The idle timer is not re-created per read (a clearTimeout + setTimeout per read was
   * timer churn and garbage on the latency path): it fires at the earliest possible expiry and re-arms itself for
   * what is left since the last activity.
   */
  private armIdle(): void {
    const limit = this.limits.idleTimeoutMs;
    if (limit <= 0) return;
    this.lastActive = Date.now();
    if (this.idleTimer === null) this.scheduleIdle(limit);
  }

  private scheduleIdle(ms: number): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.closed) return;
      const limit = this.limits.idleTimeoutMs;
      const idle = Date.now() - this.lastActive;
      if (idle >= limit) this.close(`idle for more than connections.max.idle.ms=${limit}`);
      else this.scheduleIdle(limit - idle);
    }, ms);
    this.idleTimer.unref();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.armIdle();
    this.reader.push(chunk);
    this.drainFrames();
  }

  /**
   * Stops reading for a pause or a mute. With own reads the socket is not paused (Node would stop reading at once and
   * a peer's close would go unseen): the read callback stops the reads once {@link PAUSED_READ_AHEAD_BYTES} are
   * read ahead, as Node's stream does at its highWaterMark; `socket.resume()` restarts them.
   */
  private stopReading(): void {
    this.readWhilePaused = 0;
    if (!this.ownReads) this.socket.pause();
  }

  /** A read into the reader's buffer (ownReads): false stops reading until the socket is resumed. */
  private onOwnRead(n: number, buf: Buffer): boolean {
    if (this.closed) return false;
    this.armIdle();
    try {
      this.reader.onRead(n, buf);
      this.drainFrames();
    } catch (e) {
      // thrown inside Node's read callback it would be an uncaught exception: this connection only
      this.close(`reading the connection failed: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    } finally {
      this.reader.settle();
    }
    // paused (budget, memory pool, quota mute): keep reading only up to what Node's stream would have buffered (its
    // highWaterMark), so a peer's close is still seen; then stop until resumed. Counted per read, whether the bytes
    // went to the chunk list or straight into a frame being filled.
    if (this.closed) return false;
    if (!this.paused && this.throttleTimer === null) return true;
    this.readWhilePaused += n;
    return this.readWhilePaused < PAUSED_READ_AHEAD_BYTES;
  }

  /** Why a request of `size` bytes (its size prefix) closes the connection, or null (checked before reading it). */
  private refusal(size: number): string | null {
    if (size > this.limits.maxRequestBytes) return `request of ${size} bytes is larger than socket.request.max.bytes=${this.limits.maxRequestBytes}`;
    const preAuthLimit = this.info.maxReceiveBytes;
    if (preAuthLimit !== undefined && size > preAuthLimit) {
      return `request of ${size} bytes before SASL authentication is larger than sasl.server.max.receive.size=${preAuthLimit}`;
    }
    return null;
  }

  /** Takes complete frames off the reader and dispatches them while the budget allows. */
  private drainFrames(): void {
    while (!this.closed && this.throttleTimer === null) {
      let frame = this.pending;
      if (frame === null) {
        try {
          frame = this.reader.next();
        } catch (e) {
          if (!(e instanceof FrameSizeError)) throw e;
          this.close(e.message);
          return;
        }
        if (frame === null) {
          if (this.reader.waitingForMemory) this.pauseForMemory();
          return;
        }
        if (this.limits.requestTimes) this.pendingReceivedAt = performance.now();
      }
      this.pending = frame;
      // parked requests are out of the shared budget: this connection's own queue is bounded by the same figure
      if (this.slots.length >= this.limits.inFlight.capacity) { this.pauseForOwnQueue(); return; }
      if (!this.limits.inFlight.tryAcquire()) { this.pause(); return; }
      this.pending = null;
      this.dispatch(frame);
    }
  }

  /** Quota throttling: stop reading for `ms` (a longer throttle replaces a shorter one in progress). */
  private mute(ms: number): void {
    if (this.closed || ms <= 0) return;
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.stopReading();
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = null;
      if (!this.closed && !this.paused) { this.socket.resume(); this.drainFrames(); }
    }, ms);
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.stopReading();
    this.limits.inFlight.onAvailable(() => { this.paused = false; if (!this.closed && !this.throttleTimer) { this.socket.resume(); this.drainFrames(); } });
  }

  /** queued.max.request.bytes is used up: stop reading until the memory pool has room again. */
  private pauseForMemory(): void {
    if (this.paused) return;
    this.paused = true;
    this.stopReading();
    this.limits.memoryPool!.onAvailable(() => { this.paused = false; if (!this.closed && !this.throttleTimer) { this.socket.resume(); this.drainFrames(); } });
  }

  /** Stops reading until this connection's queue of unanswered requests shrinks (flushInOrder resumes). */
  private pauseForOwnQueue(): void {
    if (this.paused) return;
    this.paused = true;
    this.pausedForOwnQueue = true;
    this.stopReading();
  }

  /**
   * A request of this connection is parked: one of its slots still held goes back to the shared budget. The budget
   * is a count, so which slot is marked does not matter: each slot is still released exactly once.
   */
  private parkOne(): void {
    // newest first, and released/finished slots dropped for good: O(1) amortised (a scan from the head was O(queue)
    // per park — 500 parked acks=all produces made every new one scan 500 slots)
    while (this.held.length > 0) {
      const slot = this.held.pop()!;
      if (!slot.released && !slot.done) { this.releaseSlot(slot); return; }
    }
  }

  private dispatch(frame: Frame): void {
    const slot: Slot = { response: null, done: false, released: false, reserved: frame.reserved, apiKey: -1, apiVersion: -1, receivedAt: 0, dequeuedAt: 0, completedAt: 0, sendStartAt: 0, release: null };
    const times = this.limits.requestTimes;
    if (times && frame.buffer.length >= 4) {
      slot.apiKey = frame.buffer.readInt16BE(0);
      slot.apiVersion = frame.buffer.readInt16BE(2);
      slot.receivedAt = this.pendingReceivedAt;
      slot.dequeuedAt = performance.now();
    }
    this.slots.push(slot);
    this.held.push(slot);
    // most requests are answered without parking: drop their entries now and then (amortised O(1), bounded memory)
    if (this.held.length > 2 * this.slots.length + 16) this.held = this.held.filter((s) => !s.released && !s.done);
    this.requests++;
    // the frame's buffer (a pooled produce slab) goes back once the handler is done with it, whatever the outcome
    this.handler(frame.buffer, this.info).then(
      (response) => {
        frame.release();
        if (times) slot.completedAt = performance.now();
        slot.response = response; slot.done = true; this.releaseSlot(slot); this.flushInOrder();
      },
      (err: unknown) => {
        frame.release();
        this.releaseSlot(slot);
        this.close(err instanceof Error ? err.message : String(err));
      });
  }

  /** A slot goes back to the shared budget once: when answered, or when the connection closes first. */
  private releaseSlot(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    this.limits.inFlight.release();
    if (slot.reserved > 0) this.limits.memoryPool?.release(slot.reserved);
  }

  /** Writes every finished response at the head of the queue; later ones wait for earlier ones. */
  private flushInOrder(): void {
    while (this.slots.length > 0 && this.slots[0].done) {
      const slot = this.slots.shift()!;
      const response = slot.response;
      // onSent: buffers lent to the response (pooled reads) go back once written, or now when it is dropped
      if (this.limits.requestTimes && slot.apiKey >= 0 && !this.closed) this.sendTimed(slot, response);
      else if (response && !this.closed) this.send.send(response, onSentOf(response));
      else if (response) onSentOf(response)?.();
    }
    if (this.closeWhenFlushed && this.slots.length === 0 && !this.closed) { this.closeGracefully(); return; }
    if (this.pausedForOwnQueue && this.slots.length < this.limits.inFlight.capacity) {
      this.pausedForOwnQueue = false;
      this.paused = false;
      if (!this.closed && !this.throttleTimer) { this.socket.resume(); this.drainFrames(); }
    }
  }

  /**
   * {@link flushInOrder} with requestTimes: the sink hears of the request once its bytes are written. No closure per
   * request: the slot waits in {@link timedSends} and one callback per connection takes the oldest — a socket's write
   * callbacks run in write order (a failed write's may come after later ones' errors: then nothing is recorded, and
   * each slot's release still runs exactly once).
   */
  private sendTimed(slot: Slot, response: ResponseFrame | null): void {
    const sendStartAt = performance.now();
    if (response === null) {
      this.limits.requestTimes!.record(slot.apiKey, slot.apiVersion, slot.receivedAt, slot.dequeuedAt, slot.completedAt, slot.completedAt, slot.completedAt);
      return;
    }
    slot.sendStartAt = sendStartAt;
    slot.release = onSentOf(response) ?? null;
    this.timedSends.push(slot);
    this.send.send(response, this.onTimedSent);
  }

  /** Timed responses handed to the socket, oldest first, whose write callback has not run yet. */
  private readonly timedSends: Slot[] = [];
  private readonly onTimedSent = (err?: Error | null): void => {
    const slot = this.timedSends.shift();
    if (!slot) return;
    const release = slot.release;
    slot.release = null;
    slot.response = null;
    release?.();
    if (!err) this.limits.requestTimes!.record(slot.apiKey, slot.apiVersion, slot.receivedAt, slot.dequeuedAt, slot.completedAt, slot.sendStartAt, performance.now());
  };

  /** Ends the socket after what was written (the peer reads the last response), then lets it go. */
  private closeGracefully(): void {
    const socket = this.socket;
    this.close(null, false);
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  /** Closes the socket; `reason` (when not a plain disconnect) is logged by the server. */
  close(reason: string | null, destroy = true): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    const partlyRead = this.reader.clear();
    if (partlyRead > 0) this.limits.memoryPool?.release(partlyRead);
    if (this.pending !== null) {
      this.pending.release();
      if (this.pending.reserved > 0) this.limits.memoryPool?.release(this.pending.reserved);
      this.pending = null;
    }
    this.abort.abort();
    for (const slot of this.slots) this.releaseSlot(slot);
    if (destroy) this.socket.destroy();
    this.events.onClose(this, reason);
  }
}
