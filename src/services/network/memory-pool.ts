/**
 * Kafka's `SimpleMemoryPool` (clients/src/main/java/org/apache/kafka/common/memory/SimpleMemoryPool.java) as the
 * broker builds it for `queued.max.request.bytes`: one pool across every connection, non-strict (an allocation
 * succeeds while any memory is left, so the total may overshoot by at most one request, ≤ socket.request.max.bytes).
 * A connection reserves a frame's size once its size prefix is read and before its buffer exists; refused, it stops
 * reading (Kafka's Selector mutes the channel "for memory pressure") until a release wakes it (`onAvailable`). The
 * reservation is given back when the request's handler settles or parks, as Kafka's `request.releaseBuffer()` after
 * KafkaApis.handle, or when the connection closes.
 *
 * Differs from Kafka: queued.max.request.bytes = -1 is not unbounded (Kafka's MemoryPool.NONE) but a default
 * derived from the heap (`defaultQueuedMaxRequestBytes`): partially received requests across connections were the
 * unbounded memory issue 16 found. Buffers live outside V8's heap, so the heap limit is a yardstick, not a ceiling.
 */
import { getHeapStatistics } from 'node:v8';

export class MemoryPool {
  private available: number;
  private readonly waiters: Array<() => void> = [];
  /** Times an allocation was refused (Kafka's MemoryPoolAvgDepletedPercent counts the time; this counts refusals). */
  depletedCount = 0;

  constructor(readonly capacity: number, readonly maxSingleAllocation: number) {
    this.available = capacity;
  }

  /** Reserves `bytes` if any memory is left (non-strict); false = wait for `onAvailable`. */
  tryAllocate(bytes: number): boolean {
    if (bytes < 0 || bytes > this.maxSingleAllocation) throw new RangeError(`Cannot allocate ${bytes} bytes (1..${this.maxSingleAllocation})`);
    if (this.available < 1) { this.depletedCount++; return false; }
    this.available -= bytes;
    return true;
  }

  release(bytes: number): void {
    this.available += bytes;
    if (this.available > this.capacity) this.available = this.capacity; // a double release must not grow the pool
    // every waiter retries (each re-registers if refused again); ones whose connection closed just return
    while (this.available >= 1 && this.waiters.length > 0) {
      const batch = this.waiters.splice(0);
      for (const fn of batch) fn();
    }
  }

  /** Called once when memory is available again. */
  onAvailable(fn: () => void): void {
    if (this.available >= 1) { queueMicrotask(fn); return; }
    this.waiters.push(fn);
  }

  get availableBytes(): number { return this.available; }
  get usedBytes(): number { return this.capacity - this.available; }
  get waiting(): number { return this.waiters.length; }
}

/**
 * queued.max.request.bytes = -1 (Kafka's default, unbounded there): a quarter of V8's heap limit, at least
 * socket.request.max.bytes (one request of the largest size must fit).
 */
export function defaultQueuedMaxRequestBytes(socketRequestMaxBytes: number, heapLimit = getHeapStatistics().heap_size_limit): number {
  return Math.max(socketRequestMaxBytes, Math.floor(heapLimit / 4));
}

/** The pool the socket server shares across connections: configured bytes, or the heap default when ≤ 0. */
export function requestMemoryPool(queuedMaxRequestBytes: number, socketRequestMaxBytes: number): MemoryPool {
  const capacity = queuedMaxRequestBytes > 0 ? queuedMaxRequestBytes : defaultQueuedMaxRequestBytes(socketRequestMaxBytes);
  return new MemoryPool(capacity, Math.max(socketRequestMaxBytes, capacity));
}
