/**
 * num.network.threads: the main thread's side of the network workers (Kafka's SocketServer with its Processors and
 * RequestChannel). The acceptor (socket-server.ts, main thread) hands each accepted PLAINTEXT socket to a worker
 * (round robin, as Kafka's Acceptor assigns processors): the worker gets its own descriptor of the socket (native
 * dupFd, F_DUPFD_CLOEXEC) and does all of the connection's I/O (network-worker.ts). The main thread keeps its handle
 * unread until the worker reports the connection closed (so connection quotas, which count on the socket's 'close',
 * stay as they are), runs each request through the unchanged handler path (KafkaApis) with a ConnectionInfo whose
 * park / throttle / closeAfterResponse are messages to the worker, and posts the response bytes back.
 *
 * Differs from Kafka: opt-in (RAFKA_NETWORK_WORKERS=1, see socket-server.ts); PLAINTEXT listeners without SASL only;
 * response bytes are copied once into a pooled slab per turn (Fetch's uncopied record chunks included); a worker that
 * stops is logged as an error, its connections are closed (clients reconnect) and new ones go to the others (the
 * main thread serves them itself when none is left) — Kafka's processor threads do not die on their own.
 */
import { closeSync, existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../../logger.js';
import { nativeAddon } from '../../log/native-addon.js';
import { ANONYMOUS } from '../../security/principal.js';
import type { ConnectionInfo, RequestHandler, RequestTimesSink } from '../connection.js';
import { onSentOf, type ResponseFrame } from '../response-send.js';
import type { SharedInFlightBudget, SharedMemoryPool } from '../shared-budgets.js';
import { FdSlots } from './fd-slots.js';
import { fetchReadPool, type ReadBufferPool } from '../../log/read-buffer-pool.js';
import { HandoffPool } from './handoff-pool.js';
import { Op, type MainBatch, type NetworkWorkerConfig, type NewConnectionMessage, type WorkerBatch } from './messages.js';

/** What the socket server needs of a connection it serves (in this thread or in a worker). */
export interface ServedConnection { readonly info: ConnectionInfo; close(reason: string | null): void }

export interface NetworkWorkersOptions {
  threads: number;
  maxRequestBytes: number;
  idleTimeoutMs: number;
  queuedMaxRequests: number;
  /** The broker's queued.max.requests budget (the main thread's connections use it too). */
  inFlight: SharedInFlightBudget;
  /** The broker's queued.max.request.bytes pool (null: none). */
  memoryPool: SharedMemoryPool | null;
  /** Where Fetch record bytes are read (default the broker's fetchReadPool; tests). */
  readPool?: ReadBufferPool;
  handler: RequestHandler;
  requestTimes?: RequestTimesSink;
  log: Logger;
  /** A connection served by a worker is gone (reason: why it was closed, null for a plain disconnect). */
  onClose(conn: ServedConnection, reason: string | null): void;
}

type DupFd = (fd: number) => number;

/**
 * The worker count: num.network.threads capped at the cores (the rule), but only when RAFKA_NETWORK_WORKERS=1.
 * Opt-in because Kafka's key defaults to 3: applying it by default would move every broker's connections into threads
 * in this first version; 0 = off.
 */
export function networkThreadsOf(configured: number, env: NodeJS.ProcessEnv = process.env): number {
  if (env['RAFKA_NETWORK_WORKERS'] !== '1') return 0;
  return Math.max(1, Math.min(configured, availableParallelism()));
}

/** The native dupFd, or why network workers cannot run. */
export function networkWorkersUnavailable(): string | null {
  if (!nativeAddon) return 'the native addon (native/) is not built or RAFKA_NATIVE=0';
  if (typeof (nativeAddon as unknown as { dupFd?: unknown }).dupFd !== 'function') return 'the native addon has no dupFd (rebuild native/)';
  return null;
}

/** The worker's script: next to this file when built; from src (vitest), the built one in dist. */
function workerScript(): URL {
  const here = new URL('./network-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../../../dist/services/network/worker/network-worker.js', import.meta.url);
}

/** Chunks at least this big that are fetch read slabs are transferred rather than copied. */
const TRANSFER_MIN_BYTES = 16 * 1024;

/** Responses at least this big get a slab of their own (smaller ones share the turn's slab). */
const OWN_SLAB_MIN_BYTES = 64 * 1024;

/** Copies a response frame (one buffer or chunks) into `to` at `at`; returns its length. */
function copyFrame(r: ResponseFrame, to: Buffer, at = 0): number {
  if (Buffer.isBuffer(r)) { to.set(r, at); return r.length; }
  let n = 0;
  for (const c of r) { to.set(c, at + n); n += c.length; }
  return n;
}

class RemoteConnection implements ServedConnection {
  closed = false;
  readonly abort = new AbortController();
  readonly info: ConnectionInfo;

  constructor(readonly worker: WorkerSlot, readonly conn: number, readonly socket: Socket, base: ConnectionInfo) {
    const post = (kind: number, a = 0) => { if (!this.closed) worker.op(kind, conn, -1, a, 0); };
    this.info = {
      ...base, principal: base.principal ?? ANONYMOUS, signal: this.abort.signal,
      park: () => post(Op.Park), throttle: (ms) => post(Op.Throttle, Math.max(0, Math.round(ms))), closeAfterResponse: () => post(Op.CloseAfterResponse),
    };
  }

  close(reason: string | null): void {
    if (this.closed) return;
    this.worker.op(Op.Close, this.conn, -1, reason === null ? -1 : this.worker.str(reason), 0);
  }
}

class WorkerSlot {
  readonly connections = new Map<number, RemoteConnection>();
  alive = true;
  /** Connections handed to it since start. */
  served = 0;
  private ops: number[] = [];
  private strs: string[] = [];
  private responses: ResponseFrame[] = [];
  private bytes = 0;
  /** Request slabs given back to the worker since start (tests, diagnostics). */
  slabsBack = 0;
  /** Fetch read slabs moved to the worker without a copy since start (tests, diagnostics). */
  fetchSlabsMoved = 0;
  /** Request slabs whose handlers settled, going back to the worker. */
  private back: ArrayBuffer[] = [];
  /** Big responses of the turn, each in a slab of its own. */
  private slabs: ArrayBuffer[] = [];
  /** Fetch read slabs (fetchReadPool) moved to the worker as they are, and their index in `fslabs`. */
  private fslabs: ArrayBuffer[] = [];
  private fslabIndex = new Map<ArrayBuffer, number>();
  /** Chunked responses' segments (Op.ChunkedResponse). */
  private segs: number[] = [];
  /** Responses whose onSent runs once the message is posted (their transferred slabs are detached by then). */
  private afterPost: ResponseFrame[] = [];
  private scheduled = false;

  constructor(readonly index: number, readonly worker: Worker, private readonly pool: HandoffPool, readonly fds: FdSlots,
    private readonly readPool: ReadBufferPool) {}

  /** A request slab goes back to the worker (its handler settled, or it was never handled). */
  giveBack(slab: ArrayBuffer): void {
    if (!this.alive) return;
    this.slabsBack++;
    this.back.push(slab);
    this.schedule();
  }

  str(s: string): number { this.strs.push(s); return this.strs.length - 1; }

  op(kind: number, conn: number, req: number, a: number, b: number): void {
    if (!this.alive) return;
    this.ops.push(kind, conn, req, a, b);
    this.schedule();
  }

  respond(conn: number, req: number, response: ResponseFrame | null): void {
    if (!this.alive) { if (response) onSentOf(response)?.(); return; }
    if (response === null) { this.op(Op.Response, conn, req, 0, -1); return; }
    let len = 0;
    if (Buffer.isBuffer(response)) len = response.length;
    else for (const c of response) len += c.length;
    if (len >= OWN_SLAB_MIN_BYTES && !Buffer.isBuffer(response) && response.some((c) => c.length >= TRANSFER_MIN_BYTES && this.readPool.owns(c.buffer))) {
      this.respondChunks(conn, req, response, len);
    } else if (len >= OWN_SLAB_MIN_BYTES) {
      // a big response (Fetch) gets a slab of its own size class: the turn's size varies, a response's much less,
      // so slabs are reused rather than created for every new turn size
      const slab = this.pool.take(len);
      copyFrame(response, Buffer.from(slab, 0, len));
      onSentOf(response)?.();
      this.slabs.push(slab);
      this.ops.push(Op.Response, conn, req, -this.slabs.length, len);
    } else {
      this.ops.push(Op.Response, conn, req, this.bytes, len);
      this.responses.push(response);
      this.bytes += len;
    }
    this.schedule();
  }

  /**
   * A Fetch response whose record bytes are slabs of the fetch read pool: those slabs move to the worker as they are
   * (no copy; the worker writes them and gives them back, fetchReadPool.adopt), the rest of the response (headers,
   * other small chunks) is copied into one slab of this side's pool. The response's onSent (the read leases' release)
   * runs once the message is posted: a transferred slab is detached by then, and its release pools nothing.
   */
  private respondChunks(conn: number, req: number, response: readonly Buffer[], len: number): void {
    let restBytes = 0;
    const moved = (c: Buffer) => c.length >= TRANSFER_MIN_BYTES && this.readPool.owns(c.buffer);
    for (const c of response) if (!moved(c)) restBytes += c.length;
    let rest: Buffer | null = null;
    let restIdx = -1;
    if (restBytes > 0) {
      const slab = this.pool.take(restBytes);
      this.slabs.push(slab);
      restIdx = this.slabs.length - 1;
      rest = Buffer.from(slab, 0, restBytes);
    }
    const start = this.segs.length;
    this.segs.push(0);
    let n = 0;
    let at = 0;
    for (const c of response) {
      if (c.length === 0) continue;
      n++;
      if (moved(c)) {
        const ab = c.buffer as ArrayBuffer;
        let i = this.fslabIndex.get(ab);
        if (i === undefined) { i = this.fslabs.length; this.fslabs.push(ab); this.fslabIndex.set(ab, i); this.fetchSlabsMoved++; }
        this.segs.push(1, i, c.byteOffset, c.length);
      } else {
        rest!.set(c, at);
        this.segs.push(0, restIdx, at, c.length);
        at += c.length;
      }
    }
    this.segs[start] = n;
    this.afterPost.push(response);
    this.ops.push(Op.ChunkedResponse, conn, req, start, len);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** The turn's operations in one message; response bytes copied into one transferred buffer, then given back. */
  private flush(): void {
    this.scheduled = false;
    let buf: ArrayBuffer | null = null;
    if (this.bytes > 0) {
      // a pooled slab (the worker gives it back once the responses in it are written), not zero-filled
      buf = this.pool.take(this.bytes);
      const view = Buffer.from(buf, 0, this.bytes);
      let at = 0;
      for (const r of this.responses) at += copyFrame(r, view, at);
    }
    const batch: MainBatch = { t: 'batch', ops: this.ops, strs: this.strs, buf, slabs: this.slabs, fslabs: this.fslabs, segs: this.segs, back: this.back };
    const transfer = [...(buf ? [buf] : []), ...this.slabs, ...this.fslabs, ...this.back];
    const lent = this.responses;
    const afterPost = this.afterPost;
    this.ops = []; this.strs = []; this.responses = []; this.bytes = 0; this.back = []; this.slabs = [];
    this.fslabs = []; this.fslabIndex = new Map(); this.segs = []; this.afterPost = [];
    if (this.alive) this.worker.postMessage(batch, transfer);
    for (const r of lent) onSentOf(r)?.();
    for (const r of afterPost) onSentOf(r)?.();
  }
}

export class NetworkWorkers {
  private readonly slots: WorkerSlot[] = [];
  private readonly dupFd: DupFd;
  private nextConn = 0;
  /** Response slabs (the workers give them back once written). */
  private readonly pool = new HandoffPool();
  /** Fetch's read buffers: their slabs go to the workers as they are and come back (adopt). */
  private readonly readPool: ReadBufferPool;
  private roundRobin = 0;
  private stopping = false;
  /** Requests handed to the handler and not yet settled (the socket server's drain waits for them). */
  inFlight = 0;

  constructor(private readonly opts: NetworkWorkersOptions) {
    this.readPool = opts.readPool ?? fetchReadPool;
    const why = networkWorkersUnavailable();
    if (why) throw new Error(`network workers unavailable: ${why}`);
    this.dupFd = (nativeAddon as unknown as { dupFd: DupFd }).dupFd;
    const script = workerScript();
    for (let i = 0; i < opts.threads; i++) {
      const fds = new FdSlots();
      const data: NetworkWorkerConfig = {
        fdSlots: fds.shared, inFlight: opts.inFlight.shared,
        memoryPool: opts.memoryPool ? { capacity: opts.memoryPool.capacity, maxSingleAllocation: opts.memoryPool.maxSingleAllocation, shared: opts.memoryPool.shared } : null,
        index: i, maxRequestBytes: opts.maxRequestBytes, idleTimeoutMs: opts.idleTimeoutMs, queuedMaxRequests: opts.queuedMaxRequests,
        mainTimeOrigin: performance.timeOrigin, requestTimes: opts.requestTimes !== undefined,
      };
      const slot = new WorkerSlot(i, new Worker(script, { workerData: data, name: `rafka-network-${i}` }), this.pool, fds, this.readPool);
      slot.worker.on('message', (m: WorkerBatch) => this.onBatch(slot, m));
      slot.worker.on('error', (e) => this.workerGone(slot, e.message));
      slot.worker.on('exit', (code) => this.workerGone(slot, `exit code ${code}`));
      this.slots.push(slot);
    }
  }

  /** Connections handed to each worker since start (index = worker). */
  get served(): number[] { return this.slots.map((s) => s.served); }
  /** Hand-off buffers: request slabs given back to the workers; response slabs created and reused here (tests, diagnostics). */
  get handoffStats(): { requestSlabsBack: number; responseSlabsCreated: number; responseSlabsReused: number; fetchSlabsMoved: number } {
    return { requestSlabsBack: this.slots.reduce((n, s) => n + s.slabsBack, 0), responseSlabsCreated: this.pool.created, responseSlabsReused: this.pool.reused,
      fetchSlabsMoved: this.slots.reduce((n, s) => n + s.fetchSlabsMoved, 0) };
  }
  get liveWorkers(): number { return this.slots.filter((s) => s.alive).length; }
  /** The Worker objects (tests: stop one to see its connections closed). */
  get workers(): Worker[] { return this.slots.map((s) => s.worker); }

  /**
   * Hands an accepted, never-read socket (createServer's pauseOnConnect) to the next live worker. Null: no live worker
   * or no descriptor — the caller serves it in this thread.
   */
  handOff(socket: Socket, info: ConnectionInfo): ServedConnection | null {
    if (this.stopping) return null;
    const live = this.slots.filter((s) => s.alive);
    if (live.length === 0) return null;
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) return null;
    let copy: number;
    try {
      copy = this.dupFd(fd);
    } catch (e) {
      this.opts.log.warn({ connection: info.id, err: (e as Error).message }, 'Cannot hand the connection to a network worker; serving it in the main thread');
      return null;
    }
    const slot = live[this.roundRobin++ % live.length]!;
    const fdSlot = slot.fds.put(copy);
    if (fdSlot < 0) { closeSync(copy); return null; } // a worker that takes none: served here
    const conn = this.nextConn++;
    const remote = new RemoteConnection(slot, conn, socket, info);
    slot.connections.set(conn, remote);
    slot.served++;
    socket.on('error', () => undefined); // never read here; the worker's socket sees the errors
    const m: NewConnectionMessage = { t: 'conn', conn, slot: fdSlot, id: info.id, listenerName: info.listenerName, remoteAddress: info.remoteAddress, remotePort: info.remotePort };
    slot.worker.postMessage(m);
    this.opts.log.debug({ connection: info.id, worker: slot.index }, `Connection ${info.id} handed to network worker ${slot.index}`);
    return remote;
  }

  private onBatch(slot: WorkerSlot, b: WorkerBatch): void {
    for (const slab of b.back) this.pool.giveBack(slab);
    for (const slab of b.backFetch) this.readPool.adopt(slab);
    const r = b.reqs;
    for (let i = 0; i < r.length; i += 5) {
      const conn = r[i]!, req = r[i + 1]!, where = r[i + 2]!, len = r[i + 3]!;
      const slab = where < 0 ? b.slabs[-1 - where]! : null;
      const back = r[i + 4] === 1 ? slab : null;
      const remote = slot.connections.get(conn);
      if (!remote) { if (back) slot.giveBack(back); continue; } // closed meanwhile: the worker drops its answer anyway
      // an empty frame (no buffer in the batch) still gets its answer or its error, as in this thread
      const frame = slab ? Buffer.from(slab, 0, len) : b.buf ? Buffer.from(b.buf, where, len) : Buffer.alloc(0);
      this.dispatch(slot, remote, req, frame, back);
    }
    const sink = this.opts.requestTimes;
    const t = b.times;
    if (sink) for (let i = 0; i < t.length; i += 7) sink.record(t[i]!, t[i + 1]!, t[i + 2]!, t[i + 3]!, t[i + 4]!, t[i + 5]!, t[i + 6]!);
    for (const c of b.closed) {
      const remote = slot.connections.get(c.conn);
      if (remote) this.closed(slot, remote, c.reason);
    }
  }

  /** `back`: the frame's slab, given back to the worker once the handler has settled (a produce frame: no view is kept). */
  private dispatch(slot: WorkerSlot, remote: RemoteConnection, req: number, frame: Buffer, back: ArrayBuffer | null): void {
    this.inFlight++;
    this.opts.handler(frame, remote.info).then(
      (response) => { this.inFlight--; slot.respond(remote.conn, req, response); if (back) slot.giveBack(back); },
      (err: unknown) => { this.inFlight--; slot.op(Op.Fail, remote.conn, req, slot.str(err instanceof Error ? err.message : String(err)), 0); if (back) slot.giveBack(back); });
  }

  /** The worker closed it (or the worker is gone): the main's handle goes too (the peer sees the close once both are). */
  private closed(slot: WorkerSlot, remote: RemoteConnection, reason: string | null): void {
    if (remote.closed) return;
    remote.closed = true;
    slot.connections.delete(remote.conn);
    remote.abort.abort();
    remote.socket.destroy();
    this.opts.onClose(remote, reason);
  }

  private workerGone(slot: WorkerSlot, why: string): void {
    if (!slot.alive) return;
    slot.alive = false;
    if (!this.stopping) {
      this.opts.log.error({ worker: slot.index, reason: why, connections: slot.connections.size },
        `Network worker ${slot.index} stopped unexpectedly (${why}): closing its ${slot.connections.size} connections; ${this.liveWorkers} network workers left`);
    }
    for (const remote of [...slot.connections.values()]) this.closed(slot, remote, this.stopping ? null : `network worker ${slot.index} stopped (${why})`);
    // descriptors posted to it and never taken: closed here (the exchange in FdSlots gives each to one side only)
    for (const fd of slot.fds.sweep()) { try { closeSync(fd); } catch { /* closed already */ } }
  }

  /** Stops every worker; their connections close. */
  async close(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate().catch(() => undefined)));
    for (const s of this.slots) this.workerGone(s, 'shutdown');
  }
}
