/** MemoryPool (Kafka's SimpleMemoryPool, non-strict, as the broker's queued.max.request.bytes pool). */
import { describe, it, expect } from 'vitest';
import { MemoryPool, defaultQueuedMaxRequestBytes, requestMemoryPool } from '../../../src/services/network/memory-pool.js';

describe('MemoryPool', () => {
  it('non-strict: allocates while any memory is left (overshoot ≤ one request), refuses at zero, wakes waiters on release', async () => {
    const pool = new MemoryPool(100, 100);
    expect(pool.tryAllocate(60)).toBe(true);
    expect(pool.tryAllocate(60)).toBe(true); // 40 left ≥ 1: allowed, now -20
    expect(pool.availableBytes).toBe(-20);
    expect(pool.tryAllocate(1)).toBe(false);
    expect(pool.depletedCount).toBe(1);
    const woken: string[] = [];
    pool.onAvailable(() => woken.push('a'));
    pool.onAvailable(() => woken.push('b'));
    pool.release(10); // -10: still nothing
    expect(woken).toEqual([]);
    pool.release(60); // 50
    expect(woken).toEqual(['a', 'b']);
    expect(pool.usedBytes).toBe(50);
    pool.release(60);
    expect(pool.availableBytes).toBe(100);
    pool.release(5); // never above capacity
    expect(pool.availableBytes).toBe(100);
    let late = false;
    pool.onAvailable(() => { late = true; });
    await Promise.resolve();
    expect(late).toBe(true);
    expect(() => pool.tryAllocate(101)).toThrow(RangeError);
  });

  it('queued.max.request.bytes = -1: a quarter of the heap limit, at least socket.request.max.bytes', () => {
    expect(defaultQueuedMaxRequestBytes(100 * 2 ** 20, 4 * 2 ** 30)).toBe(2 ** 30);
    expect(defaultQueuedMaxRequestBytes(100 * 2 ** 20, 256 * 2 ** 20)).toBe(100 * 2 ** 20);
    expect(requestMemoryPool(-1, 1000).capacity).toBeGreaterThanOrEqual(1000);
    expect(requestMemoryPool(5000, 1000).capacity).toBe(5000);
  });
});
