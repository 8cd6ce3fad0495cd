/**
 * Read buffers of the fetch path, pooled instead of allocated per request (issue 17). A Fetch reads up to
 * `max.partition.fetch.bytes` / `replica.fetch.max.bytes` (1 MiB by default) per partition from the log; a fresh
 * `Buffer.allocUnsafe` of that size is a new mapping the kernel must fault in and zero, and external memory that drives
 * V8's garbage collections — per request, for every consumer and follower. Here a read takes a slab of the next
 * power-of-two size class from a free list and gives it back when the response that carries the bytes has been
 * written to the socket (response-send.ts `onSent`), or dropped.
 *
 * Kafka has no counterpart: it never reads record bytes into the JVM for a plaintext Fetch (`FileRecords` go to the
 * socket with `transferTo`); its request and response buffers come from the `MemoryPool` for requests only.
 *
 * The rule that keeps it safe: a lease is released exactly once, and only when nothing will read the bytes again —
 * a released slab may be handed to the next read at once. {@link ReadLease.release} is idempotent.
 */

export interface ReadLease {
  /** Exactly the bytes asked for (a view of a pooled slab, or of its own memory when not pooled). */
  readonly buffer: Buffer;
  /** Gives the slab back (only when nothing reads `buffer` any more); further calls do nothing. */
  release(): void;
}

const MIN_CLASS = 64 * 1024;

export class ReadBufferPool {
  private readonly free = new Map<number, Buffer[]>();
  /** Every slab's ArrayBuffer (network workers transfer them to the thread that writes the response: `owns`, `adopt`). */
  private readonly slabs = new WeakSet<ArrayBuffer>();
  private pooledBytes = 0;
  /** Leases handed out / served from a free slab / released (tests, diagnostics). */
  leased = 0;
  reused = 0;
  released = 0;

  /**
   * @param maxPooledBytes free slabs kept at most (beyond it released slabs are left to the GC)
   * @param maxSlabBytes reads larger than this are not pooled
   */
  constructor(private readonly maxPooledBytes = 32 * 1024 * 1024, private readonly maxSlabBytes = 16 * 1024 * 1024) {}

  /** Free bytes held for reuse. */
  get idleBytes(): number { return this.pooledBytes; }

  /** Whether `b` is one of this pool's slabs (a network worker may take it by transfer and give it back: adopt). */
  owns(b: ArrayBufferLike): boolean { return this.slabs.has(b as ArrayBuffer); }

  /** A slab transferred away comes back (as a new ArrayBuffer object): pooled again if it fits. */
  adopt(slab: ArrayBuffer): void {
    const cls = slab.byteLength;
    if (cls < MIN_CLASS || cls > this.maxSlabBytes || (cls & (cls - 1)) !== 0) return;
    if (this.pooledBytes + cls > this.maxPooledBytes) return;
    this.slabs.add(slab);
    let l = this.free.get(cls);
    if (!l) this.free.set(cls, (l = []));
    l.push(Buffer.from(slab));
    this.pooledBytes += cls;
  }

  acquire(size: number): ReadLease {
    this.leased++;
    if (size > this.maxSlabBytes || size <= 0) {
      return { buffer: Buffer.allocUnsafe(Math.max(0, size)), release: () => {} };
    }
    let cls = MIN_CLASS;
    while (cls < size) cls *= 2;
    const list = this.free.get(cls);
    let slab = list?.pop();
    if (slab !== undefined) {
      this.pooledBytes -= cls;
      this.reused++;
    } else {
      slab = Buffer.allocUnsafeSlow(cls);
      this.slabs.add(slab.buffer as ArrayBuffer);
    }
    let done = false;
    const owned = slab;
    return {
      buffer: owned.subarray(0, size),
      release: () => {
        if (done) return;
        done = true;
        this.released++;
        // transferred to a network worker (detached here): it comes back through adopt(), if at all
        if (owned.length === 0) return;
        if (this.pooledBytes + cls > this.maxPooledBytes) return;
        let l = this.free.get(cls);
        if (!l) this.free.set(cls, (l = []));
        l.push(owned);
        this.pooledBytes += cls;
      },
    };
  }
}

/** The broker's pool for Fetch reads (consumers and followers). */
export const fetchReadPool = new ReadBufferPool();
