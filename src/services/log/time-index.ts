/**
 * `.timeindex` (reference §4.7, §4.8): 12-byte entries `int64 timestamp, int32 relativeOffset` (big-endian)
 * meaning "the largest timestamp seen up to this offset". Entries are added only when the timestamp is strictly
 * larger than the last one; the last slot is reserved for the final entry written on roll/close, so `isFull()` is
 * `entries >= maxEntries - 1`. Storage: see `offset-index.ts` (in-memory copy + positional write-through).
 */

import { AbstractIndex, CorruptIndexError, type IndexOptions, INT32_MAX, InvalidOffsetError } from './offset-index.js';

export interface TimestampOffset {
  timestamp: number;
  offset: bigint;
}

export const TIME_INDEX_ENTRY_SIZE = 12;
const NO_TIMESTAMP = -1;

export class TimeIndex extends AbstractIndex {
  readonly entrySize = TIME_INDEX_ENTRY_SIZE;
  private readonly scratch = Buffer.alloc(TIME_INDEX_ENTRY_SIZE);
  private cachedLast: TimestampOffset | null = null;

  constructor(file: string, baseOffset: bigint, options: IndexOptions = {}) {
    super(file, baseOffset, TIME_INDEX_ENTRY_SIZE, options);
  }

  private tsAt = (slot: number): number => {
    const d = this.data;
    const p = slot * TIME_INDEX_ENTRY_SIZE;
    return d.readInt32BE(p) * 4294967296 + d.readUInt32BE(p + 4);
  };
  private relAt = (slot: number): number => this.data.readInt32BE(slot * TIME_INDEX_ENTRY_SIZE + 8);

  override isFull(): boolean {
    return this.entries >= this.maxEntries - 1;
  }

  entry(n: number): TimestampOffset {
    if (n < 0 || n >= this.entries) throw new RangeError(`Attempt to fetch the ${n}th entry from time index ${this.file}, which has size ${this.entries}.`);
    return { timestamp: this.tsAt(n), offset: this.baseOffset + BigInt(this.relAt(n)) };
  }

  /** The last entry, or `(-1, baseOffset)` when empty. */
  get lastEntry(): TimestampOffset {
    if (this.cachedLast === null) {
      this.cachedLast = this.entries === 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entry(this.entries - 1);
    }
    return this.cachedLast;
  }

  /**
   * Append `(timestamp, offset)` if `timestamp` is strictly larger than the last entry's (Kafka `maybeAppend`).
   * Throws when full (unless `skipFullCheck`, used for the final entry on roll/close), {@link InvalidOffsetError}
   * if `offset` is smaller than the last entry's offset, or an error if `timestamp` is smaller than the last one.
   */
  maybeAppend(timestamp: number, offset: bigint, skipFullCheck = false): void {
    if (!skipFullCheck && this.isFull()) throw new Error(`Attempt to append to a full time index (size = ${this.entries}).`);
    const last = this.lastEntry;
    if (this.entries !== 0 && offset < last.offset) {
      throw new InvalidOffsetError(
        `Attempt to append an offset (${offset}) to slot ${this.entries} no larger than the last offset appended (${last.offset}) to ${this.file}.`,
      );
    }
    if (this.entries !== 0 && timestamp < last.timestamp) {
      throw new Error(
        `Attempt to append a timestamp (${timestamp}) to slot ${this.entries} no larger than the last timestamp appended (${last.timestamp}) to ${this.file}.`,
      );
    }
    if (timestamp > last.timestamp) {
      if (this.entries >= this.maxEntries) throw new Error(`Time index ${this.file} has no room for the final entry`);
      const e = this.scratch;
      const hi = Math.floor(timestamp / 4294967296);
      e.writeInt32BE(hi, 0);
      e.writeUInt32BE(timestamp - hi * 4294967296, 4);
      e.writeInt32BE(this.relativeOffset(offset), 8);
      this.writeEntry(e);
      this.cachedLast = { timestamp, offset };
    }
  }

  /**
   * Entry with the greatest timestamp ≤ `targetTimestamp`, else `(-1, baseOffset)`. The offset is a lower bound
   * for the first message with timestamp ≥ target (the segment scans forward from there).
   */
  lookup(targetTimestamp: number): TimestampOffset {
    const slot = this.largestLowerBoundSlot(targetTimestamp, this.tsAt);
    return slot === -1 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entry(slot);
  }

  /** Remove entries with offset ≥ `offset`. */
  truncateTo(offset: bigint): void {
    const relBig = offset - this.baseOffset;
    const rel = relBig < 0n ? -1 : relBig > BigInt(INT32_MAX) ? INT32_MAX : Number(relBig);
    const slot = this.largestLowerBoundSlot(rel, this.relAt);
    const newEntries = slot < 0 ? 0 : this.relAt(slot) === rel ? slot : slot + 1;
    this.truncateToEntries(newEntries);
  }

  protected override truncateToEntries(n: number): void {
    super.truncateToEntries(n);
    this.cachedLast = null;
  }

  override resize(newSize: number): boolean {
    const changed = super.resize(newSize);
    this.cachedLast = null;
    return changed;
  }

  /**
   * Tail check after an unclean shutdown (see `OffsetIndex.tailSanityCheck`): timestamps strictly increase and
   * offsets do not decrease from entry to entry, and the last timestamp is not below the first (Kafka's check), so
   * an untrimmed time index ending in zero slots (last timestamp 0: "ancient" to time retention) is rebuilt.
   */
  tailSanityCheck(): void {
    const n = this.entries;
    if (n === 0) return;
    const at = (slot: number): { ts: number; rel: number } => {
      const b = this.readSlot(slot);
      return { ts: b.readInt32BE(0) * 4294967296 + b.readUInt32BE(4), rel: b.readInt32BE(8) };
    };
    const last = at(n - 1);
    const first = n > 1 ? at(0) : last;
    if (last.ts < first.ts || last.rel < 0) {
      throw new CorruptIndexError(`Corrupt time index found, time index file (${this.file}) ends in (${last.ts}, ${last.rel}), below its first entry (${first.ts}, ${first.rel}).`);
    }
    if (n >= 2) {
      const prev = at(n - 2);
      if (last.ts <= prev.ts || last.rel < prev.rel) {
        throw new CorruptIndexError(`Corrupt time index found, time index file (${this.file}): the last entry (${last.ts}, ${last.rel}) does not follow the one before (${prev.ts}, ${prev.rel}).`);
      }
    }
  }

  /** Kafka `sanityCheck` (not run by log loading). */
  sanityCheck(): void {
    if (this.entries !== 0) {
      const last = this.lastEntry;
      if (last.timestamp < this.tsAt(0)) {
        throw new CorruptIndexError(`Corrupt time index found, time index file (${this.file}) has non-zero size but the last timestamp is ${last.timestamp} which is less than the first entry ${this.tsAt(0)}`);
      }
      if (last.offset < this.baseOffset) {
        throw new CorruptIndexError(`Corrupt time index found, time index file (${this.file}) has non-zero size but the last offset is ${last.offset} which is less than the first offset ${this.baseOffset}`);
      }
    }
    if (this.length % this.entrySize !== 0) {
      throw new CorruptIndexError(`Time index file ${this.file} is corrupt, found ${this.length} bytes which is neither positive nor a multiple of ${this.entrySize}.`);
    }
  }
}
