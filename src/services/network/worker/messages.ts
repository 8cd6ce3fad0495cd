/**
 * The messages between the main thread and a network worker (network-worker.ts, network-workers.ts). Kafka's shape:
 * a Processor thread (here a worker) owns its connections' I/O and hands complete requests to the RequestChannel; the
 * request handlers (here the main thread, the only one with state) answer through the same channel. One message per
 * event-loop turn in each direction carries every request / response / control of that turn. Bytes travel in
 * transferred ArrayBuffers that come back to be reused (handoff-pool.ts): a big request frame (a produce frame read
 * into a pooled slab, or any frame read into a buffer of its own) is transferred as it is, no copy; smaller frames of
 * the turn are copied into one buffer; the turn's responses are copied into one pooled slab on the main thread.
 */

/** workerData of a network worker. */
export interface NetworkWorkerConfig {
  index: number;
  maxRequestBytes: number;
  idleTimeoutMs: number;
  /** queued.max.requests, one budget for the broker (shared-budgets.ts): its shared memory. */
  queuedMaxRequests: number;
  inFlight: SharedArrayBuffer;
  /** queued.max.request.bytes (shared-budgets.ts SharedMemoryPool): capacity, largest allocation, shared memory; null: none. */
  memoryPool: { capacity: number; maxSingleAllocation: number; shared: SharedArrayBuffer } | null;
  /** The main thread's performance.timeOrigin: request timestamps are converted to the main's clock. */
  mainTimeOrigin: number;
  /** Whether to take the RequestTimesSink timestamps. */
  requestTimes: boolean;
  /** FdSlots' shared memory: new connections' descriptors (fd-slots.ts). */
  fdSlots: SharedArrayBuffer;
}

/**
 * A new connection: the worker takes its descriptor (its own dup of the accepted socket) from FdSlots slot `slot` and
 * wraps it in a net.Socket.
 */
export interface NewConnectionMessage { t: 'conn'; conn: number; slot: number; id: string; listenerName: string; remoteAddress: string; remotePort: number }

/**
 * Worker → main, once per turn. `reqs`: (conn, req, where, length, back) per request frame: `where` ≥ 0 is the offset
 * of its bytes in `buf`; −1 − i means `slabs[i]` from offset 0; `back` 1: the main gives that slab back (in
 * MainBatch.back) once the request's handler has settled (pooled produce frames: the handler keeps no view of them);
 * `back`: response slabs of the main's pool, every response in them written or dropped;
 * `times`: RequestTimesSink.record's 7 arguments per answered request, on the main's clock; `closed`: connections the
 * worker closed (reason null for a plain disconnect).
 */
export interface WorkerBatch {
  t: 'batch';
  reqs: number[];
  buf: ArrayBuffer | null;
  slabs: ArrayBuffer[];
  back: ArrayBuffer[];
  /** Fetch read slabs (MainBatch.fslabs) given back, every response using them written or dropped. */
  backFetch: ArrayBuffer[];
  times: number[];
  closed: Array<{ conn: number; reason: string | null }>;
}

/** Operation kinds of {@link MainBatch}.ops, 5 numbers each: kind, conn, req, a, b. */
export const Op = {
  /** a = offset in buf, or −1 − i: slabs[i] from 0; b = length (−1: no response, acks=0) */
  Response: 0,
  /** the handler failed: a = index in strs (the reason); the connection closes */
  Fail: 1,
  /** ConnectionInfo.park */
  Park: 2,
  /** ConnectionInfo.throttle: a = ms */
  Throttle: 3,
  /** ConnectionInfo.closeAfterResponse */
  CloseAfterResponse: 4,
  /** the main closes the connection: a = index in strs or −1 (no reason) */
  Close: 5,
  /**
   * a response in chunks: a = start in segs (n, then n × [kind, index, offset, length]: kind 0 = slabs[index],
   * kind 1 = fslabs[index], a fetch read slab given back in WorkerBatch.backFetch once written); b = total length
   */
  ChunkedResponse: 6,
} as const;

/**
 * Main → worker, once per turn, in the order the main produced them (a control before the response it precedes).
 * `buf`: a slab of the main's pool holding the responses (the worker gives it back once all are written or dropped);
 * `slabs`: big responses, one slab each (a Response op's offset −1 − i: `slabs[i]` from 0), each given back once
 * written; `back`: request slabs given back (their handlers settled).
 */
export interface MainBatch {
  t: 'batch'; ops: number[]; strs: string[]; buf: ArrayBuffer | null; slabs: ArrayBuffer[]; fslabs: ArrayBuffer[]; segs: number[]; back: ArrayBuffer[];
}

export type ToWorker = NewConnectionMessage | MainBatch;
