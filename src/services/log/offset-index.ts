/**
 * Segment indexes (reference §4.7, §4.8): {@link AbstractIndex}, the base of the offset index (this file) and the
 * time index (`time-index.ts`), and {@link OffsetIndex}.
 *
 * Storage choice: Node has no mmap, so each index keeps an in-memory Buffer copy of its entries and writes
 * through to the file with positional `fs.writeSync` on every append (a few bytes into the page cache).
 * Reads (lookups, binary search) use only the in-memory copy, which is loaded lazily from the file on first
 * read, so opening many segments or resetting an index during recovery never reads a preallocated 10 MiB file.
 * Semantics mirror Kafka's mmapped indexes:
 *  - a NEW file is created and sized (sparse `ftruncate`) to `maxIndexSize` rounded down to the entry size;
 *  - an EXISTING file is trusted: `entries = fileLength / entrySize`, and `maxEntries` equals that too until it is
 *    `resize`d (as Kafka does for the active segment after loading);
 *  - `truncateTo*` only moves the entry count; the file keeps its length until `trimToValidSize`/`resize`/`close`;
 *  - `flush` = fsync of the file (Kafka: `MappedByteBuffer.force()`).
 * All operations are synchronous except `flush()` (async fsync; `flushSync()` also exists).
 */

import fs from 'node:fs';

export class InvalidOffsetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOffsetError';
  }
}

export class IndexOffsetOverflowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexOffsetOverflowError';
  }
}

export class CorruptIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptIndexError';
  }
}

export const INT32_MAX = 0x7fffffff;
const INT32_MAX_BIG = BigInt(INT32_MAX);

/** Round `n` down to a multiple of `factor`. */
export function roundDownToExactMultiple(n: number, factor: number): number {
  return factor * Math.floor(n / factor);
}

export function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

export interface IndexOptions {
  /** Max file size for a newly created index / for `reset`/`resize` (default 10 MiB = `segment.index.bytes`). */
  maxIndexSize?: number;
  /** Open read-only (default writable). */
  writable?: boolean;
}

export const DEFAULT_MAX_INDEX_SIZE = 10 * 1024 * 1024;

export abstract class AbstractIndex {
  abstract readonly entrySize: number;

  private fd: number | null;
  private _file: string;
  /** In-memory copy of the entries region [0, entries * entrySize); null until first needed. */
  private mem: Buffer | null = null;
  protected _entries = 0;
  private _maxEntries = 0;
  private _length = 0;
  readonly writable: boolean;
  readonly newlyCreated: boolean;
  maxIndexSize: number;

  protected constructor(
    file: string,
    readonly baseOffset: bigint,
    entrySize: number,
    options: IndexOptions = {},
  ) {
    this._file = file;
    this.maxIndexSize = options.maxIndexSize ?? DEFAULT_MAX_INDEX_SIZE;
    this.writable = options.writable ?? true;
    let created = false;
    let fd: number;
    if (this.writable) {
      try {
        fd = fs.openSync(file, 'wx+');
        created = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        fd = fs.openSync(file, 'r+');
      }
    } else {
      fd = fs.openSync(file, 'r');
    }
    this.fd = fd;
    this.newlyCreated = created;
    try {
      if (created) {
        const len = roundDownToExactMultiple(this.maxIndexSize, entrySize);
        if (len < entrySize) throw new Error(`Invalid max index size ${this.maxIndexSize}`);
        fs.ftruncateSync(fd, len);
        this._length = len;
        this._entries = 0;
      } else {
        this._length = fs.fstatSync(fd).size;
        this._entries = Math.floor(this._length / entrySize);
      }
      this._maxEntries = Math.floor(this._length / entrySize);
    } catch (e) {
      fs.closeSync(fd);
      this.fd = null;
      throw e;
    }
  }

  get file(): string {
    return this._file;
  }
  /** Number of valid entries. */
  get entries(): number {
    return this._entries;
  }
  get maxEntries(): number {
    return this._maxEntries;
  }
  /** Current file length in bytes. */
  get length(): number {
    return this._length;
  }
  /** Bytes used by valid entries. */
  get sizeInBytes(): number {
    return this._entries * this.entrySize;
  }
  isFull(): boolean {
    return this._entries >= this._maxEntries;
  }
  get isOpen(): boolean {
    return this.fd !== null;
  }

  protected get handle(): number {
    if (this.fd === null) throw new Error(`Index ${this._file} is closed`);
    return this.fd;
  }

  /** The in-memory copy of the entries, loading it from the file on first use. */
  protected get data(): Buffer {
    if (this.mem === null) {
      const needed = this._entries * this.entrySize;
      const buf = Buffer.alloc(Math.max(needed, this.entrySize * 64));
      let off = 0;
      while (off < needed) {
        const n = fs.readSync(this.handle, buf, off, needed - off, off);
        if (n === 0) break;
        off += n;
      }
      this.mem = buf;
    }
    return this.mem;
  }

  /** Slot `slot` as stored in the file (one positional read; the in-memory copy is not loaded). */
  protected readSlot(slot: number): Buffer {
    const buf = Buffer.alloc(this.entrySize);
    if (this.mem !== null) {
      this.mem.copy(buf, 0, slot * this.entrySize, (slot + 1) * this.entrySize);
      return buf;
    }
    let off = 0;
    while (off < this.entrySize) {
      const n = fs.readSync(this.handle, buf, off, this.entrySize - off, slot * this.entrySize + off);
      if (n === 0) break;
      off += n;
    }
    return buf;
  }

  /** Entries from this slot on are in memory only (bulk mode); null when the file is up to date. */
  private pendingFrom: number | null = null;
  private bulk = false;

  /**
   * Bulk mode (index rebuild during recovery): appends go to memory only and reach the file in one
   * write at endBulkAppend() (or any resize/flush/close), instead of one write() per entry.
   */
  beginBulkAppend(): void {
    this.bulk = true;
  }

  endBulkAppend(): void {
    this.bulk = false;
    this.writePending();
  }

  private writePending(): void {
    if (this.pendingFrom === null || this.fd === null) { this.pendingFrom = null; return; }
    const from = this.pendingFrom * this.entrySize;
    const to = this._entries * this.entrySize;
    this.pendingFrom = null;
    let written = 0;
    while (from + written < to) written += fs.writeSync(this.fd, this.data, from + written, to - from - written, from + written);
  }

  /** Write one entry (already encoded in `entry`) at slot `this._entries`, through to the file, and count it. */
  protected writeEntry(entry: Buffer): void {
    if (!this.writable) throw new Error(`Index ${this._file} is read-only`);
    const pos = this._entries * this.entrySize;
    let mem = this.data;
    if (pos + this.entrySize > mem.length) {
      const grown = Buffer.alloc(Math.max(mem.length * 2, pos + this.entrySize));
      mem.copy(grown, 0, 0, pos);
      this.mem = mem = grown;
    }
    entry.copy(mem, pos, 0, this.entrySize);
    if (this.bulk) {
      if (this.pendingFrom === null) this.pendingFrom = this._entries;
    } else {
      let written = 0;
      while (written < this.entrySize) {
        written += fs.writeSync(this.handle, entry, written, this.entrySize - written, pos + written);
      }
    }
    this._entries++;
  }

  /** Drop entries beyond `n` (in memory; the file keeps its length). */
  protected truncateToEntries(n: number): void {
    this._entries = Math.max(0, Math.min(n, this._entries));
    if (this.pendingFrom !== null && this.pendingFrom >= this._entries) this.pendingFrom = null;
  }

  /** Remove all entries. */
  truncate(): void {
    this.truncateToEntries(0);
  }

  /**
   * Set the file length to `newSize` rounded down to the entry size (keeping the entries that fit).
   * Returns true if the length changed.
   */
  resize(newSize: number): boolean {
    this.writePending();
    const rounded = roundDownToExactMultiple(newSize, this.entrySize);
    if (rounded === this._length) {
      this._maxEntries = rounded / this.entrySize;
      return false;
    }
    fs.ftruncateSync(this.handle, rounded);
    this._length = rounded;
    this._maxEntries = rounded / this.entrySize;
    if (this._entries > this._maxEntries) this._entries = this._maxEntries;
    return true;
  }

  /** Shrink the file to exactly the valid entries. */
  trimToValidSize(): void {
    this.resize(this._entries * this.entrySize);
  }

  /** Remove all entries and resize back to `maxIndexSize` (Kafka `reset`). */
  reset(): void {
    this.truncate();
    this.resize(this.maxIndexSize);
  }

  flushSync(): void {
    this.writePending();
    if (this.fd !== null) fs.fsyncSync(this.fd);
  }

  async flush(): Promise<void> {
    this.writePending();
    if (this.fd !== null) await fsyncAsync(this.fd);
  }

  /** Trim to the valid size and close the file. */
  close(): void {
    if (this.fd === null) return;
    if (this.writable) this.trimToValidSize();
    this.closeHandler();
  }

  /** Close the file without trimming. */
  closeHandler(): void {
    if (this.fd === null) return;
    this.writePending();
    fs.closeSync(this.fd);
    this.fd = null;
  }

  /** Close (without trimming) and delete the file; true if it existed. */
  deleteIfExists(): boolean {
    this.closeHandler();
    this.mem = null;
    try {
      fs.unlinkSync(this._file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  /** Rename the underlying file (the descriptor stays valid). */
  renameTo(file: string): void {
    fs.renameSync(this._file, file);
    this._file = file;
  }

  /** Update the file name after an external rename (e.g. a suffix change done by the caller). */
  setFile(file: string): void {
    this._file = file;
  }

  /** Relative offset of an absolute offset; throws {@link IndexOffsetOverflowError} if it does not fit int32. */
  relativeOffset(offset: bigint): number {
    const rel = offset - this.baseOffset;
    if (rel < 0n || rel > INT32_MAX_BIG) {
      throw new IndexOffsetOverflowError(`Integer overflow for offset: ${offset} (${this._file})`);
    }
    return Number(rel);
  }

  canAppendOffset(offset: bigint): boolean {
    const rel = offset - this.baseOffset;
    return rel >= 0n && rel <= INT32_MAX_BIG;
  }

  /**
   * Largest slot whose key (as read by `keyAt`) is ≤ `target`, or -1 if none (binary search over the valid
   * entries; keys are non-decreasing).
   */
  protected largestLowerBoundSlot(target: number, keyAt: (slot: number) => number): number {
    const n = this._entries;
    if (n === 0 || keyAt(0) > target) return -1;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (keyAt(mid) <= target) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Smallest slot whose key is ≥ `target`, or -1 if none. */
  protected smallestUpperBoundSlot(target: number, keyAt: (slot: number) => number): number {
    const n = this._entries;
    if (n === 0 || keyAt(n - 1) < target) return -1;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (keyAt(mid) >= target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

// ------------------------------------------------------------------------------------------------ offset index

export interface OffsetPosition {
  offset: bigint;
  position: number;
}

export const OFFSET_INDEX_ENTRY_SIZE = 8;

/**
 * `.index`: 8-byte entries `int32 relativeOffset, int32 position` (big-endian), offsets strictly increasing.
 */
export class OffsetIndex extends AbstractIndex {
  readonly entrySize = OFFSET_INDEX_ENTRY_SIZE;
  private readonly scratch = Buffer.alloc(OFFSET_INDEX_ENTRY_SIZE);

  constructor(file: string, baseOffset: bigint, options: IndexOptions = {}) {
    super(file, baseOffset, OFFSET_INDEX_ENTRY_SIZE, options);
  }

  private relAt = (slot: number): number => this.data.readInt32BE(slot * OFFSET_INDEX_ENTRY_SIZE);
  private posAt = (slot: number): number => this.data.readInt32BE(slot * OFFSET_INDEX_ENTRY_SIZE + 4);

  /** Entry `n` (absolute offset, position). */
  entry(n: number): OffsetPosition {
    if (n < 0 || n >= this._entries) throw new RangeError(`Attempt to fetch the ${n}th entry from index ${this.file}, which has size ${this._entries}.`);
    return { offset: this.baseOffset + BigInt(this.relAt(n)), position: this.posAt(n) };
  }

  /** Offset of the last entry, or the base offset when empty. */
  get lastOffset(): bigint {
    return this._entries === 0 ? this.baseOffset : this.baseOffset + BigInt(this.relAt(this._entries - 1));
  }

  /**
   * Add `(offset, position)`. Throws when full, or {@link InvalidOffsetError} unless `offset` is larger than the
   * last entry's offset.
   */
  append(offset: bigint, position: number): void {
    if (this.isFull()) throw new Error(`Attempt to append to a full index (size = ${this._entries}).`);
    if (this._entries !== 0 && offset <= this.lastOffset) {
      throw new InvalidOffsetError(
        `Attempt to append an offset (${offset}) to position ${this._entries} no larger than the last offset appended (${this.lastOffset}) to ${this.file}.`,
      );
    }
    const e = this.scratch;
    e.writeInt32BE(this.relativeOffset(offset), 0);
    e.writeInt32BE(position, 4);
    this.writeEntry(e);
  }

  private relTarget(offset: bigint): number {
    const rel = offset - this.baseOffset;
    if (rel < 0n) return -1;
    if (rel > INT32_MAX_BIG) return INT32_MAX;
    return Number(rel);
  }

  /** Greatest entry with offset ≤ `targetOffset`, else `(baseOffset, 0)`. */
  lookup(targetOffset: bigint): OffsetPosition {
    const slot = this.largestLowerBoundSlot(this.relTarget(targetOffset), this.relAt);
    return slot === -1 ? { offset: this.baseOffset, position: 0 } : this.entry(slot);
  }

  /** Smallest entry with position ≥ `fetchPosition + fetchSize`, or null (Kafka `fetchUpperBoundOffset`). */
  fetchUpperBoundOffset(fetchPosition: number, fetchSize: number): OffsetPosition | null {
    const slot = this.smallestUpperBoundSlot(fetchPosition + fetchSize, this.posAt);
    return slot === -1 ? null : this.entry(slot);
  }

  /** Remove entries with offset ≥ `offset`. */
  truncateTo(offset: bigint): void {
    const rel = this.relTarget(offset);
    const slot = this.largestLowerBoundSlot(rel, this.relAt);
    const newEntries = slot < 0 ? 0 : this.relAt(slot) === rel ? slot : slot + 1;
    this.truncateToEntries(newEntries);
  }

  /**
   * The tail check the loader runs after an unclean shutdown on segments it does not recover (below the recovery
   * point), where Kafka 3.7 trusts the index: an index whose trim or entries were lost in a power cut ends in
   * zero slots (preallocated length) or in entries that are not increasing. Reads the last two slots only.
   * Throws {@link CorruptIndexError} (→ the segment is recovered, its indexes rebuilt).
   */
  tailSanityCheck(logSize: number): void {
    const n = this._entries;
    if (n === 0) return;
    const last = this.readSlot(n - 1);
    const rel = last.readInt32BE(0);
    const pos = last.readInt32BE(4);
    if (pos <= 0 || pos >= logSize || rel < 0) {
      throw new CorruptIndexError(`Corrupt index found, index file (${this.file}) ends in the entry (${rel}, ${pos}), which points outside the ${logSize} bytes of its log (a zero slot of a preallocated index not trimmed).`);
    }
    if (n >= 2) {
      const prev = this.readSlot(n - 2);
      if (rel <= prev.readInt32BE(0) || pos <= prev.readInt32BE(4)) {
        throw new CorruptIndexError(`Corrupt index found, index file (${this.file}): the last entry (${rel}, ${pos}) does not follow the one before (${prev.readInt32BE(0)}, ${prev.readInt32BE(4)}).`);
      }
    }
  }

  /** Kafka `sanityCheck` (not run by log loading): length multiple of 8 and last offset ≥ base. */
  sanityCheck(): void {
    if (this._entries !== 0 && this.lastOffset < this.baseOffset) {
      throw new CorruptIndexError(
        `Corrupt index found, index file (${this.file}) has non-zero size but the last offset is ${this.lastOffset} which is less than the base offset ${this.baseOffset}.`,
      );
    }
    if (this.length % this.entrySize !== 0) {
      throw new CorruptIndexError(`Index file ${this.file} is corrupt, found ${this.length} bytes which is neither positive nor a multiple of ${this.entrySize}.`);
    }
  }
}
