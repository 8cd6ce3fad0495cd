/**
 * Who owns a descriptor posted to a network worker: the main thread puts its dup of an accepted socket into a slot of
 * shared memory and posts the slot's index; the worker takes it with an atomic exchange. When the worker dies (or is
 * stopped) before taking it, the main sweeps the slots with the same exchange and closes what is still there. Exactly
 * one side gets each descriptor, whatever the timing: never a leak (the first version leaked an fd posted to a worker
 * that died before reading its message), never a double close of a number reused meanwhile.
 *
 * Kafka has no counterpart: its Acceptor hands the SocketChannel object to a Processor's queue in one JVM.
 */
const FREE = -1;

export class FdSlots {
  readonly shared: SharedArrayBuffer;
  private readonly slots: Int32Array;
  private cursor = 0;

  /** `shared`: the worker's view of the same slots (from workerData); absent: new slots (the main thread). */
  constructor(size = 1024, shared?: SharedArrayBuffer) {
    this.shared = shared ?? new SharedArrayBuffer(4 * size);
    this.slots = new Int32Array(this.shared);
    if (!shared) this.slots.fill(FREE);
  }

  /** Main: puts `fd` into a free slot; its index, or −1 when every slot is taken (then the caller keeps the fd). */
  put(fd: number): number {
    const n = this.slots.length;
    for (let i = 0; i < n; i++) {
      const k = (this.cursor + i) % n;
      if (Atomics.compareExchange(this.slots, k, FREE, fd) === FREE) { this.cursor = (k + 1) % n; return k; }
    }
    return -1;
  }

  /** Worker (or the main's sweep): takes the descriptor in slot `k`; −1 when the other side already took it. */
  take(k: number): number {
    return Atomics.exchange(this.slots, k, FREE);
  }

  /** Main, once the worker is gone: every descriptor it never took (the caller closes them). */
  sweep(): number[] {
    const out: number[] = [];
    for (let k = 0; k < this.slots.length; k++) {
      const fd = this.take(k);
      if (fd !== FREE) out.push(fd);
    }
    return out;
  }
}
