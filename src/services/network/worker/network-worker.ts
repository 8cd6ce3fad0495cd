/**
 * A network worker thread: Kafka's SocketServer.Processor (one of num.network.threads). It owns the I/O of the
 * connections the main thread hands it (each as its own dup of the accepted socket's descriptor): reads, framing
 * (FrameReader), the per-connection response order, the idle timeout, queued.max.requests and the writes — the very
 * Connection class the in-thread path uses. Each complete request frame goes to the main thread (the request
 * handlers: KafkaApis, which keeps all state), batched once per turn; the answers come back the same way.
 *
 * queued.max.requests and queued.max.request.bytes are the broker's (one budget and one memory pool in shared memory
 * with the main thread and the other workers: shared-budgets.ts).
 *
 * Differs from Kafka: the request handlers are one thread (the main), not num.io.threads; PLAINTEXT only (TLS / SASL
 * listeners are served by the main thread).
 */
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { SharedInFlightBudget, SharedMemoryPool } from '../shared-budgets.js';
import { Connection, type ConnectionInfo, type RequestHandler, type RequestTimesSink } from '../connection.js';
import { setOnSent, type ResponseFrame } from '../response-send.js';
import { FdSlots } from './fd-slots.js';
import { HandoffPool, ownsWholeBuffer } from './handoff-pool.js';
import { Op, type MainBatch, type NetworkWorkerConfig, type NewConnectionMessage, type ToWorker, type WorkerBatch } from './messages.js';

const config = workerData as NetworkWorkerConfig;
const port = parentPort!;
// one queued.max.requests and one memory pool for the broker: the main's, in shared memory
const budget = new SharedInFlightBudget(config.queuedMaxRequests, config.inFlight);
const mp = config.memoryPool;
const memoryPool = mp ? new SharedMemoryPool(mp.capacity, mp.maxSingleAllocation, mp.shared) : null;
const fdSlots = new FdSlots(0, config.fdSlots);
const connections = new Map<number, Connection>();
const pending = new Map<number, { resolve: (r: ResponseFrame | null) => void; reject: (e: Error) => void }>();
let nextReq = 0;

/** Produce frames are read into slabs of this pool, transferred to the main thread as they are and given back. */
const framePool = new HandoffPool();
/** Frames of their own at least this big are transferred rather than copied into the turn's buffer. */
const TRANSFER_MIN_BYTES = 64 * 1024;

// ------------------------------------------------------------------ the turn's batch to the main thread
let reqs: number[] = [];
let frames: Buffer[] = [];
let bytes = 0;
let slabs: ArrayBuffer[] = [];
let back: ArrayBuffer[] = [];
let backFetch: ArrayBuffer[] = [];
let times: number[] = [];
let closed: WorkerBatch['closed'] = [];
let scheduled = false;

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(flush);
}

/**
 * One message for the turn: big frames' own buffers transferred as they are, the small frames copied into one
 * transferred buffer, the main's response slabs given back.
 */
function flush(): void {
  scheduled = false;
  let buf: ArrayBuffer | null = null;
  if (bytes > 0) {
    // own (not pooled: the main may keep views of small frames) and not zero-filled: every byte is written below
    const view = Buffer.allocUnsafeSlow(bytes);
    buf = view.buffer as ArrayBuffer;
    let at = 0;
    for (const f of frames) { view.set(f, at); at += f.length; }
  }
  const batch: WorkerBatch = { t: 'batch', reqs, buf, slabs, back, backFetch, times, closed };
  const transfer: ArrayBuffer[] = [...(buf ? [buf] : []), ...slabs, ...back, ...backFetch];
  reqs = []; frames = []; bytes = 0; slabs = []; back = []; backFetch = []; times = []; closed = [];
  port.postMessage(batch, transfer);
}

/** The request timestamps, moved to the main thread's performance.now() clock. */
const shift = performance.timeOrigin - config.mainTimeOrigin;
const timesSink: RequestTimesSink = {
  record(apiKey, apiVersion, receivedAt, dequeuedAt, completedAt, sendStartAt, sentAt) {
    times.push(apiKey, apiVersion, receivedAt + shift, dequeuedAt + shift, completedAt + shift, sendStartAt + shift, sentAt + shift);
    schedule();
  },
};

function handlerFor(conn: number): RequestHandler {
  return (frame) => new Promise<ResponseFrame | null>((resolve, reject) => {
    const req = nextReq++;
    pending.set(req, { resolve, reject });
    const ab = frame.buffer;
    if (framePool.owns(ab)) {
      // a pooled produce frame: the slab moves to the main thread and comes back once the handler has settled
      slabs.push(ab as ArrayBuffer);
      reqs.push(conn, req, -slabs.length, frame.length, 1);
    } else if (ownsWholeBuffer(frame, TRANSFER_MIN_BYTES)) {
      slabs.push(ab as ArrayBuffer);
      reqs.push(conn, req, -slabs.length, frame.length, 0);
    } else {
      reqs.push(conn, req, bytes, frame.length, 0);
      frames.push(frame);
      bytes += frame.length;
    }
    schedule();
  });
}

function open(m: NewConnectionMessage): void {
  let socket: Socket;
  const fd = fdSlots.take(m.slot);
  try {
    if (fd < 0) throw new Error('its descriptor was already taken back');
    socket = new Socket({ fd, readable: true, writable: true });
  } catch (e) {
    if (fd >= 0) { try { closeSync(fd); } catch { /* closed already */ } }
    closed.push({ conn: m.conn, reason: `network worker ${config.index} cannot use the connection's socket: ${(e as Error).message}` });
    schedule();
    return;
  }
  const info: ConnectionInfo = { id: m.id, listenerName: m.listenerName, remoteAddress: m.remoteAddress, remotePort: m.remotePort, securityProtocol: 'PLAINTEXT' };
  const c = new Connection(socket, info, {
    maxRequestBytes: config.maxRequestBytes, idleTimeoutMs: config.idleTimeoutMs, inFlight: budget, framePool,
    ...(memoryPool ? { memoryPool } : {}),
    ...(config.requestTimes ? { requestTimes: timesSink } : {}),
  }, handlerFor(m.conn), {
    onClose: (_c, reason) => {
      connections.delete(m.conn);
      closed.push({ conn: m.conn, reason });
      schedule();
    },
  });
  connections.set(m.conn, c);
}

function apply(b: MainBatch): void {
  for (const slab of b.back) framePool.giveBack(slab);
  // the responses are views of b.buf: it goes back to the main once every one of them is written or dropped
  const buf = b.buf;
  let views = 0;
  const taken = b.slabs.length > 0 ? new Set<ArrayBuffer>() : null;
  // slabs of chunked responses: references per slab; at 0 it goes back (fetch read slabs to the fetch pool)
  const refs = new Map<ArrayBuffer, number>();
  const fetchSlabs = new Set(b.fslabs);
  const unref = (slab: ArrayBuffer) => {
    const left = refs.get(slab)! - 1;
    refs.set(slab, left);
    if (left > 0) return;
    (fetchSlabs.has(slab) ? backFetch : back).push(slab);
    schedule();
  };
  const sent = buf ? () => { if (--views === 0) { back.push(buf); schedule(); } } : null;
  const ops = b.ops;
  for (let i = 0; i < ops.length; i += 5) {
    const kind = ops[i]!, conn = ops[i + 1]!, req = ops[i + 2]!, a = ops[i + 3]!, len = ops[i + 4]!;
    switch (kind) {
      case Op.Response: {
        const p = pending.get(req);
        if (!p) break;
        pending.delete(req);
        if (len < 0) { p.resolve(null); break; }
        if (a < 0) {
          // a big response in a slab of its own: back to the main once written or dropped
          const slab = b.slabs[-1 - a]!;
          taken!.add(slab);
          p.resolve(setOnSent(Buffer.from(slab, 0, len), () => { back.push(slab); schedule(); }));
          break;
        }
        if (!buf || len === 0) { p.resolve(Buffer.alloc(0)); break; }
        views++;
        p.resolve(setOnSent(Buffer.from(buf, a, len), sent!));
        break;
      }
      case Op.ChunkedResponse: {
        const p = pending.get(req);
        if (!p) break;
        pending.delete(req);
        // views of the main's slab (headers) and of fetch read slabs (records); each slab back once every response
        // of this batch using it is written or dropped
        const n = b.segs[a]!;
        const chunks: Buffer[] = [];
        const used: ArrayBuffer[] = [];
        for (let k = 0, at = a + 1; k < n; k++, at += 4) {
          const kind = b.segs[at]!, idx = b.segs[at + 1]!, off = b.segs[at + 2]!, l = b.segs[at + 3]!;
          const slab = kind === 1 ? b.fslabs[idx]! : b.slabs[idx]!;
          chunks.push(Buffer.from(slab, off, l));
          if (!used.includes(slab)) { used.push(slab); refs.set(slab, (refs.get(slab) ?? 0) + 1); }
        }
        p.resolve(setOnSent(chunks, () => { for (const slab of used) unref(slab); }));
        break;
      }
      case Op.Fail: {
        const p = pending.get(req);
        if (!p) break;
        pending.delete(req);
        p.reject(new Error(b.strs[a] ?? 'request failed'));
        break;
      }
      case Op.Park: connections.get(conn)?.info.park?.(); break;
      case Op.Throttle: connections.get(conn)?.info.throttle?.(a); break;
      case Op.CloseAfterResponse: connections.get(conn)?.info.closeAfterResponse?.(); break;
      case Op.Close: connections.get(conn)?.close(a >= 0 ? (b.strs[a] ?? null) : null); break;
    }
  }
  // no response of it was taken (their connections gone): back at once
  if (buf && views === 0) { back.push(buf); schedule(); }
  // slabs no response took (their connections gone): back at once
  for (const slab of b.slabs) if (!taken!.has(slab) && !refs.has(slab)) { back.push(slab); schedule(); }
  for (const slab of b.fslabs) if (!refs.has(slab)) { backFetch.push(slab); schedule(); }
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'conn') open(m);
  else apply(m);
});
