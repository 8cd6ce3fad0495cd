/**
 * The cleaner's key → latest offset map (Kafka `OffsetMap` / `SkimpyOffsetMap`): a fixed-size open-addressing
 * hash table of 24-byte slots (a 128-bit key hash + the offset), so its memory is bounded by
 * `log.cleaner.dedupe.buffer.size` / `log.cleaner.threads` whatever the number of keys. Two keys with the same
 * 128-bit hash are one key (as in Kafka); the hash is MurmurHash3 x86_128 (Kafka's default is MD5, which costs
 * ~1.3 µs per key through node:crypto on the event loop; the stored format does not depend on it).
 *
 * Probing follows Kafka: the first four attempts use the four 32-bit words of the hash, then linear steps.
 * The tables are allocated on first use (a broker without compacted topics never pays for them).
 */

/** Bytes per slot: 16 bytes of hash + 8 bytes of offset (Kafka: hashSize + 8). */
export const BYTES_PER_ENTRY = 24;

export class OffsetMap {
  /** How many entries `memory` bytes hold (the table is capped at 2 GiB). */
  static slotsFor(memory: number): number {
    return Math.floor(Math.min(memory, 0x7fffffff) / BYTES_PER_ENTRY);
  }

  readonly slots: number;
  private hashes: Int32Array | null = null;
  private offsets: Float64Array | null = null;
  private entries = 0;
  private _latestOffset = -1;
  private lookups = 0;
  private probes = 0;
  /** Scratch for the current key's hash (h1..h4). */
  private readonly h = new Int32Array(4);
  /** Slots filled since the last clear (up to a quarter of the slots), so clearing costs O(entries). */
  private used: Int32Array | null = null;
  private usedCount = 0;
  private usedOverflow = false;

  /** `memory`: bytes for the table (Kafka: dedupe buffer size / cleaner threads, at most 2^31 - 1). */
  constructor(memory: number) {
    this.slots = OffsetMap.slotsFor(memory);
    if (this.slots < 1) throw new RangeError(`Offset map memory ${memory} is too small for one entry`);
  }

  /** Entries in the map. */
  get size(): number {
    return this.entries;
  }
  /** Highest offset seen while building the map (-1 when cleared); records above it are always kept. */
  get latestOffset(): number {
    return this._latestOffset;
  }
  /** Fraction of slots used. */
  get utilization(): number {
    return this.entries / this.slots;
  }
  /** Average probes per lookup (collision rate). */
  get collisionRate(): number {
    return this.lookups === 0 ? 0 : (this.probes - this.lookups) / this.lookups;
  }

  private tables(): { hashes: Int32Array; offsets: Float64Array } {
    if (this.hashes === null || this.offsets === null) {
      this.hashes = new Int32Array(this.slots * 4);
      this.offsets = new Float64Array(this.slots);
    }
    return { hashes: this.hashes, offsets: this.offsets };
  }

  /** Slot of `this.h` for probe `attempt` (Kafka `positionOf`). */
  private slotOf(attempt: number): number {
    const probe = attempt < 4 ? this.h[attempt]! : this.h[3]! + (attempt - 3);
    return (probe & 0x7fffffff) % this.slots;
  }

  private isEmpty(hashes: Int32Array, offsets: Float64Array, slot: number): boolean {
    const i = slot * 4;
    return hashes[i] === 0 && hashes[i + 1] === 0 && hashes[i + 2] === 0 && hashes[i + 3] === 0 && offsets[slot] === 0;
  }

  private matches(hashes: Int32Array, slot: number): boolean {
    const i = slot * 4;
    const h = this.h;
    return hashes[i] === h[0] && hashes[i + 1] === h[1] && hashes[i + 2] === h[2] && hashes[i + 3] === h[3];
  }

  /** Map the key bytes `buf[start, start + length)` to `offset`; a known key gets the new offset. */
  put(buf: Uint8Array, start: number, length: number, offset: number): void {
    if (this.entries >= this.slots) throw new Error(`Attempt to add a new entry to a full offset map (${this.slots} slots)`);
    const { hashes, offsets } = this.tables();
    murmur3x86_128(buf, start, length, this.h);
    this.lookups++;
    let attempt = 0;
    let slot = this.slotOf(attempt);
    while (!this.isEmpty(hashes, offsets, slot)) {
      if (this.matches(hashes, slot)) {
        offsets[slot] = offset;
        this.probes += attempt + 1;
        return;
      }
      slot = this.slotOf(++attempt);
    }
    this.probes += attempt + 1;
    hashes.set(this.h, slot * 4);
    offsets[slot] = offset;
    this.entries++;
    this.trackUsed(slot);
  }

  private trackUsed(slot: number): void {
    if (this.usedOverflow) return;
    if (this.used === null || this.usedCount === this.used.length) {
      const cap = Math.max(1, Math.floor(this.slots / 4));
      if (this.used !== null && this.used.length >= cap) {
        this.usedOverflow = true;
        return;
      }
      const next = new Int32Array(Math.min(cap, Math.max(1024, (this.used?.length ?? 0) * 2)));
      if (this.used) next.set(this.used);
      this.used = next;
    }
    this.used[this.usedCount++] = slot;
  }

  /** The offset mapped for the key, or -1 (Kafka `get`). */
  get(buf: Uint8Array, start: number, length: number): number {
    if (this.entries === 0) return -1;
    const { hashes, offsets } = this.tables();
    murmur3x86_128(buf, start, length, this.h);
    this.lookups++;
    let attempt = 0;
    let slot = this.slotOf(attempt);
    for (;;) {
      if (this.isEmpty(hashes, offsets, slot)) return -1;
      if (this.matches(hashes, slot)) {
        this.probes += attempt + 1;
        return offsets[slot]!;
      }
      // the table is never full while being read (load factor < 1), so an empty slot ends every probe sequence
      if (attempt > this.slots) return -1;
      slot = this.slotOf(++attempt);
    }
  }

  /** Raise {@link latestOffset} (Kafka `updateLatestOffset`, called per batch and at segment ends). */
  updateLatestOffset(offset: number): void {
    if (offset > this._latestOffset) this._latestOffset = offset;
  }

  /** Empty the map for the next log (Kafka zeroes the whole buffer; here only the slots used, when known). */
  clear(): void {
    if (this.entries > 0 && this.hashes !== null && this.offsets !== null) {
      if (this.usedOverflow) this.zeroSlots(0, this.slots);
      else for (let i = 0; i < this.usedCount; i++) this.zeroSlot(this.used![i]!);
    }
    this.reset();
  }

  /** {@link clear} for a full map, in slices of `sliceSlots` with `pause()` between them (keeps the event loop free). */
  async clearInSlices(pause: () => Promise<void>, sliceSlots = 1 << 20): Promise<void> {
    if (this.entries > 0 && this.usedOverflow) {
      for (let from = 0; from < this.slots; from += sliceSlots) {
        this.zeroSlots(from, Math.min(this.slots, from + sliceSlots));
        await pause();
      }
      this.entries = 0;
    }
    this.clear();
  }

  private zeroSlot(slot: number): void {
    this.hashes!.fill(0, slot * 4, slot * 4 + 4);
    this.offsets![slot] = 0;
  }

  private zeroSlots(from: number, to: number): void {
    this.hashes!.fill(0, from * 4, to * 4);
    this.offsets!.fill(0, from, to);
  }

  private reset(): void {
    this.usedCount = 0;
    this.usedOverflow = false;
    this.entries = 0;
    this._latestOffset = -1;
    this.lookups = 0;
    this.probes = 0;
  }

  toString(): string {
    return `OffsetMap(slots=${this.slots}, size=${this.entries}, latestOffset=${this._latestOffset})`;
  }
}

// ------------------------------------------------------------------------------------------------ hash

const C1 = 0x239b961b;
const C2 = 0xab0e9789 | 0;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93 | 0;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b | 0);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35 | 0);
  h ^= h >>> 16;
  return h;
}

const le32 = (b: Uint8Array, p: number): number => b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);

/** MurmurHash3 x86_128 (seed 0) of `buf[start, start + length)` into `out` (4 × int32, h1..h4). */
export function murmur3x86_128(buf: Uint8Array, start: number, length: number, out: Int32Array): void {
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  const blocksEnd = start + (length & ~15);
  for (let p = start; p < blocksEnd; p += 16) {
    let k1 = le32(buf, p);
    let k2 = le32(buf, p + 4);
    let k3 = le32(buf, p + 8);
    let k4 = le32(buf, p + 12);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(((rotl(h1, 19) + h2) | 0), 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(((rotl(h2, 17) + h3) | 0), 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(((rotl(h3, 15) + h4) | 0), 5) + (0x96cd1c35 | 0)) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(((rotl(h4, 13) + h1) | 0), 5) + 0x32ac3b17) | 0;
  }
  const t = blocksEnd;
  const rem = length & 15;
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  let k4 = 0;
  // tail bytes, little-endian into k1..k4 (the reference's switch fallthrough, unrolled)
  for (let i = rem - 1; i >= 0; i--) {
    const byte = buf[t + i]! << ((i & 3) * 8);
    if (i >= 12) k4 ^= byte;
    else if (i >= 8) k3 ^= byte;
    else if (i >= 4) k2 ^= byte;
    else k1 ^= byte;
  }
  if (rem > 12) h4 ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1);
  if (rem > 8) h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
  if (rem > 4) h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
  if (rem > 0) h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  out[0] = h1;
  out[1] = h2;
  out[2] = h3;
  out[3] = h4;
}
