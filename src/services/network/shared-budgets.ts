/**
 * queued.max.requests and queued.max.request.bytes across threads: with network workers (worker/), every worker and
 * the main thread (TLS / SASL listeners) draw on ONE budget, as Kafka's RequestChannel queue and SocketServer
 * MemoryPool are one per broker. The counters live in shared memory (Atomics); a thread that finds the budget used up
 * registers its connections' wake-ups locally and waits (Atomics.waitAsync, no thread blocked) for a release in any
 * thread to bump a generation counter. The same objects stand in for InFlightBudget (connection.ts) and MemoryPool
 * (memory-pool.ts) on either side: the main creates them, each worker attaches to their shared memory.
 *
 * Kafka's shape: ArrayBlockingQueue(queued.max.requests) shared by processors and handlers; SimpleMemoryPool with an
 * AtomicLong of available bytes, non-strict. Differs: Kafka's queue counts requests waiting for a handler thread;
 * Rafka's budget counts requests until answered or parked (connection.ts InFlightBudget).
 */
import type { RequestBudget, RequestMemoryPool } from './connection.js';

/** Atomics.waitAsync (Node ≥ 16; not in this TypeScript lib). */
type WaitAsync = (a: Int32Array, index: number, value: number) => { async: boolean; value: Promise<unknown> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Local wake-ups, woken by a release in this thread or (through the generation word) in another one. */
class Waiters {
  private readonly fns: Array<() => void> = [];
  private armed = false;

  /** `gen`: the Int32Array and index of the generation word bumped by releases that may wake waiters. */
  constructor(private readonly gen: Int32Array, private readonly index: number, private readonly ready: () => boolean, private readonly wakeAll: boolean) {}

  get size(): number { return this.fns.length; }

  add(fn: () => void): void {
    this.fns.push(fn);
    this.arm();
  }

  /** Another thread may be waiting: bump the generation and wake it. */
  signal(): void {
    Atomics.add(this.gen, this.index, 1);
    Atomics.notify(this.gen, this.index);
  }

  /** Calls local waiters while the budget is ready (one at a time, or all at once for the memory pool). */
  wake(): void {
    while (this.fns.length > 0 && this.ready()) {
      if (this.wakeAll) { for (const fn of this.fns.splice(0)) fn(); } else this.fns.shift()!();
    }
    if (this.fns.length > 0) this.arm();
  }

  private arm(): void {
    if (this.armed) return;
    // the generation is read BEFORE the budget is looked at: a release in between changes it, so no wake-up is lost
    const g = Atomics.load(this.gen, this.index);
    if (this.ready()) { this.armed = true; queueMicrotask(() => { this.armed = false; this.wake(); }); return; }
    const w = waitAsync(this.gen, this.index, g);
    this.armed = true;
    const done = () => { this.armed = false; this.wake(); };
    if (w.async) void (w.value as Promise<unknown>).then(done); else queueMicrotask(done);
  }
}

/** queued.max.requests for every thread: Int32 [used, generation]. */
export class SharedInFlightBudget implements RequestBudget {
  readonly shared: SharedArrayBuffer;
  private readonly a: Int32Array;
  private readonly waiters: Waiters;

  constructor(readonly capacity: number, shared?: SharedArrayBuffer) {
    this.shared = shared ?? new SharedArrayBuffer(8);
    this.a = new Int32Array(this.shared);
    this.waiters = new Waiters(this.a, 1, () => Atomics.load(this.a, 0) < this.capacity, false);
  }

  get inUse(): number { return Atomics.load(this.a, 0); }

  tryAcquire(): boolean {
    for (;;) {
      const used = Atomics.load(this.a, 0);
      if (used >= this.capacity) return false;
      if (Atomics.compareExchange(this.a, 0, used, used + 1) === used) return true;
    }
  }

  release(): void {
    const before = Atomics.sub(this.a, 0, 1);
    if (before >= this.capacity) this.waiters.signal();
    this.waiters.wake();
  }

  onAvailable(fn: () => void): void { this.waiters.add(fn); }
}

/**
 * queued.max.request.bytes for every thread (memory-pool.ts MemoryPool's rules: non-strict, one request may overshoot):
 * BigInt64 [available], Int32 [generation]. `depletedCount` counts this thread's refusals only.
 */
export class SharedMemoryPool implements RequestMemoryPool {
  readonly shared: SharedArrayBuffer;
  private readonly available: BigInt64Array;
  private readonly gen: Int32Array;
  private readonly waiters: Waiters;
  private readonly cap: bigint;
  depletedCount = 0;

  constructor(readonly capacity: number, readonly maxSingleAllocation: number, shared?: SharedArrayBuffer) {
    this.shared = shared ?? new SharedArrayBuffer(16);
    this.available = new BigInt64Array(this.shared, 0, 1);
    this.gen = new Int32Array(this.shared, 8, 1);
    this.cap = BigInt(capacity);
    if (!shared) Atomics.store(this.available, 0, this.cap);
    this.waiters = new Waiters(this.gen, 0, () => Atomics.load(this.available, 0) >= 1n, true);
  }

  tryAllocate(bytes: number): boolean {
    if (bytes < 0 || bytes > this.maxSingleAllocation) throw new RangeError(`Cannot allocate ${bytes} bytes (1..${this.maxSingleAllocation})`);
    const n = BigInt(bytes);
    for (;;) {
      const a = Atomics.load(this.available, 0);
      if (a < 1n) { this.depletedCount++; return false; }
      if (Atomics.compareExchange(this.available, 0, a, a - n) === a) return true;
    }
  }

  release(bytes: number): void {
    const n = BigInt(bytes);
    for (;;) {
      const a = Atomics.load(this.available, 0);
      const next = a + n > this.cap ? this.cap : a + n; // a double release must not grow the pool
      if (Atomics.compareExchange(this.available, 0, a, next) !== a) continue;
      if (a < 1n && next >= 1n) this.waiters.signal();
      break;
    }
    this.waiters.wake();
  }

  onAvailable(fn: () => void): void {
    if (Atomics.load(this.available, 0) >= 1n) { queueMicrotask(fn); return; }
    this.waiters.add(fn);
  }

  get availableBytes(): number { return Number(Atomics.load(this.available, 0)); }
  get usedBytes(): number { return this.capacity - this.availableBytes; }
  /** This thread's connections waiting for memory. */
  get waiting(): number { return this.waiters.size; }
}
