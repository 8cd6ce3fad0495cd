/**
 * Buffers that cross between the main thread and a network worker by transfer (postMessage's transfer list) and come
 * back the same way, so each one is faulted in once and reused: the first version of the workers allocated every
 * turn's hand-off buffer fresh, a new mapping the kernel faults in and zeroes per 4 KiB (21k page faults vs 1.5k
 * in-thread for 256 MiB of 1 MiB produce frames, 2.8x the CPU per GB; issue 17).
 *
 * Each slab is a whole ArrayBuffer of a power-of-two size class (a Buffer at offset 0 of its own memory: transferable;
 * Node's shared 8 KiB pool never is). A lease is what ReadBufferPool's is (FrameReader reads produce frames into it),
 * so a produce frame is read by the kernel straight into a slab that is then transferred to the main thread: no copy.
 * A slab that was transferred away is detached here; its lease's release then does nothing, and the slab comes back
 * as a new ArrayBuffer object through {@link HandoffPool.giveBack}. A slab that never comes back (the other thread
 * dropped it: a closed connection, a worker gone) is left to the GC.
 *
 * Kafka has no counterpart (its processors and request handlers share one heap); the rule is the one of
 * ReadBufferPool: a slab goes back only once nothing reads its bytes.
 */
import type { ReadLease } from '../../log/read-buffer-pool.js';

const MIN_CLASS = 16 * 1024;

export class HandoffPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** Every slab of this pool (a slab given back is a new ArrayBuffer object: added again). */
  private readonly slabs = new WeakSet<ArrayBuffer>();
  private pooledBytes = 0;
  /** Slabs created / served from the free list / given back by the other thread (tests, diagnostics). */
  created = 0;
  reused = 0;
  returned = 0;

  /**
   * @param maxPooledBytes free slabs kept at most (beyond it, given-back slabs are left to the GC)
   * @param maxSlabBytes larger requests get a slab of exactly their size, never pooled
   */
  constructor(private readonly maxPooledBytes = 64 * 1024 * 1024, private readonly maxSlabBytes = 16 * 1024 * 1024) {}

  get idleBytes(): number { return this.pooledBytes; }

  /** The size class of `size` bytes, or 0 when not pooled. */
  private classOf(size: number): number {
    if (size <= 0 || size > this.maxSlabBytes) return 0;
    let cls = MIN_CLASS;
    while (cls < size) cls *= 2;
    return cls;
  }

  /** A whole transferable ArrayBuffer of at least `size` bytes (its bytes are not zeroed). */
  take(size: number): ArrayBuffer {
    const cls = this.classOf(size);
    if (cls > 0) {
      const slab = this.free.get(cls)?.pop();
      if (slab !== undefined) { this.pooledBytes -= cls; this.reused++; return slab; }
    }
    this.created++;
    // own memory (never Node's shared pool), not zero-filled: the caller writes before anything reads
    const slab = Buffer.allocUnsafeSlow(cls > 0 ? cls : Math.max(1, size)).buffer as ArrayBuffer;
    this.slabs.add(slab);
    return slab;
  }

  /** Whether `b` is a slab of this pool (then it may be transferred, and come back through giveBack). */
  owns(b: ArrayBufferLike): boolean { return this.slabs.has(b as ArrayBuffer); }

  /** A slab back (from the other thread, or unused here): pooled if it is of a size class and there is room. */
  giveBack(slab: ArrayBuffer): void {
    const cls = slab.byteLength;
    if (cls === 0 || this.classOf(cls) !== cls) return; // detached, or not one of ours
    this.slabs.add(slab);
    if (this.pooledBytes + cls > this.maxPooledBytes) return;
    let l = this.free.get(cls);
    if (!l) this.free.set(cls, (l = []));
    l.push(slab);
    this.pooledBytes += cls;
    this.returned++;
  }

  /** ReadBufferPool's lease (FrameReader): `buffer` is a view at offset 0 of a whole slab, so its ArrayBuffer can be transferred. */
  acquire(size: number): ReadLease {
    const slab = this.take(size);
    const buffer = Buffer.from(slab, 0, size);
    let done = false;
    return {
      buffer,
      release: () => {
        if (done) return;
        done = true;
        // transferred away: detached here (byteLength 0); it comes back through giveBack, if at all
        if (slab.byteLength > 0) this.giveBack(slab);
      },
    };
  }
}

/**
 * Whether a frame's buffer may be transferred as it is (no other view can share its memory): the whole of an
 * ArrayBuffer of its own (FrameReader gives a frame that spans reads a buffer of its own; Node's shared 8 KiB pool is
 * only used for smaller ones). Below `minBytes`, copying it into the turn's buffer is cheaper than a transfer.
 */
export function ownsWholeBuffer(b: Buffer, minBytes: number): boolean {
  return b.length >= minBytes && b.byteOffset === 0 && b.length === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer);
}
