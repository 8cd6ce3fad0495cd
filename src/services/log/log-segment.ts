/**
 * One log segment (reference §4.7, §4.8, §4.10; Kafka `LogSegment` + `FileRecords`): the `.log` file of
 * concatenated batches plus its offset, time and transaction indexes.
 *
 * I/O model: synchronous positional reads/writes on file descriptors (`fs.*Sync`), like Kafka's blocking
 * FileChannel/mmap calls; small writes land in the page cache. Only `flush()` is async (fsync on the thread pool);
 * `flushSync()` exists too. The offset/time indexes are opened lazily on first use (Kafka `LazyIndex`).
 */

import type { ReadBufferPool } from './read-buffer-pool.js';
import fs from 'node:fs';
import {
  type BatchEntry, type BatchView, CorruptRecordError, HEADER_SIZE_UP_TO_MAGIC, InvalidRecordError, LENGTH_OFFSET,
  LOG_OVERHEAD, MAGIC_V2, MIN_RECORD_OVERHEAD, nextBatchAt, RECORD_BATCH_OVERHEAD, RecordBatch,
} from './record-batch.js';
import { legacyBatchAt, LegacyRecordBatch } from './legacy-records.js';
import { logFile, offsetIndexFile, type TemporaryFileSuffix, timeIndexFile, txnIndexFile } from './log-file-names.js';
import { DEFAULT_MAX_INDEX_SIZE, fsyncAsync, INT32_MAX, OffsetIndex, type OffsetPosition } from './offset-index.js';
import { TimeIndex, type TimestampOffset } from './time-index.js';
import { nativeAddon, type ReadAheadHandle } from './native-addon.js';
import { flushSlots, segmentHandles } from './segment-handle-cache.js';
import { type AbortedTxn, TransactionIndex } from './transaction-index.js';

export class LogSegmentOffsetOverflowError extends Error {
  constructor(
    message: string,
    readonly segmentBaseOffset: bigint,
    readonly offset: bigint,
  ) {
    super(message);
    this.name = 'LogSegmentOffsetOverflowError';
  }
}

// ------------------------------------------------------------------------------------------------ file reader

const DEFAULT_CHUNK = 1 << 20;
const INT32_MAX_BIG = BigInt(INT32_MAX);
const HEADER_SCAN_CHUNK = 16 << 10;

/** `RAFKA_READ_AHEAD=0` turns the recovery read-ahead thread off (read per region: benchmarks compare both). */
const readAheadEnabled = (): boolean => process.env['RAFKA_READ_AHEAD'] !== '0';

/**
 * The bytes of a file region, chunk by chunk, for {@link readBatchesFromFile}: `ensure(pos, n)` makes
 * [pos, pos + n) available in `view` (file position `bufStart` = view[0]) or returns false at the region's end.
 * With `readAhead` (and the native addon), the next chunk is read on the addon's thread while the caller works
 * on the current one; the unconsumed tail of a chunk (a batch split by the chunk boundary) is copied in front of
 * the next chunk. A batch larger than a chunk is read synchronously, and read-ahead resumes after it.
 */
class FileChunks {
  view: Buffer = Buffer.alloc(0);
  bufStart: number;
  private bufLen = 0;
  private buf: Buffer;
  /** Read-ahead: the buffer being filled, the file position and length requested (null: none outstanding). */
  private ahead: { reader: ReadAheadHandle; spare: Buffer; position: number | null; length: number } | null = null;

  constructor(
    private readonly fd: number,
    start: number,
    private readonly end: number,
    private readonly chunkSize: number,
    readAhead: boolean,
  ) {
    this.bufStart = start;
    if (readAhead && nativeAddon !== null && readAheadEnabled() && end - start > 2 * chunkSize) {
      // Layout of both buffers: [carry room: chunkSize][chunk: chunkSize]
      this.buf = Buffer.allocUnsafe(2 * chunkSize);
      this.ahead = { reader: nativeAddon.readAheadCreate(), spare: Buffer.allocUnsafe(2 * chunkSize), position: null, length: 0 };
    } else {
      this.buf = Buffer.allocUnsafe(Math.min(chunkSize, Math.max(end - start, 64)));
    }
  }

  ensure(pos: number, n: number): boolean {
    if (pos >= this.bufStart && pos + n <= this.bufStart + this.bufLen) return true;
    const a = this.ahead;
    if (a !== null && a.position !== null && this.takeReadAhead(pos, n)) return true;
    if (a !== null && a.position !== null) this.dropReadAhead();
    const want = Math.min(Math.max(n, this.chunkSize), this.end - pos);
    if (want < n) return false;
    if (this.buf.length < want) this.buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const r = fs.readSync(this.fd, this.buf, got, want - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    this.setView(this.buf, 0, pos, got);
    if (a !== null && got === want) this.requestNext(pos + got);
    return got >= n;
  }

  /**
   * Waits for the outstanding chunk and moves [pos, its start) in front of it; false, without waiting, if the
   * carried bytes do not fit (a batch larger than a chunk) or `pos` is not in the current view.
   */
  private takeReadAhead(pos: number, n: number): boolean {
    const a = this.ahead!;
    const next = a.position!;
    const carry = next - pos;
    if (pos < this.bufStart || carry < 0 || carry > this.chunkSize) return false;
    a.position = null;
    const got = nativeAddon!.readAheadWait(a.reader); // an I/O error propagates like a readSync one
    const cs = this.chunkSize;
    const fresh = a.spare;
    this.view.copy(fresh, cs - carry, pos - this.bufStart, pos - this.bufStart + carry);
    a.spare = this.buf;
    this.buf = fresh;
    this.setView(fresh, cs - carry, pos, carry + got);
    if (got === a.length && next + got < this.end) this.requestNext(next + got);
    return carry + got >= n;
  }

  private requestNext(position: number): void {
    const a = this.ahead!;
    const length = Math.min(this.chunkSize, this.end - position);
    if (length <= 0) return;
    nativeAddon!.readAheadStart(a.reader, this.fd, a.spare, this.chunkSize, length, position);
    a.position = position;
    a.length = length;
  }

  private setView(buf: Buffer, offset: number, pos: number, len: number): void {
    this.bufStart = pos;
    this.bufLen = len;
    this.view = buf.subarray(offset, offset + len);
  }

  /** Waits for the outstanding read and drops its result (an error too: a plain read of that range follows). */
  private dropReadAhead(): void {
    const a = this.ahead!;
    a.position = null;
    try {
      nativeAddon!.readAheadWait(a.reader);
    } catch {
      // re-read synchronously by the caller if still needed
    }
  }

  /** Waits for an outstanding read and stops the thread. */
  stopReadAhead(): void {
    const a = this.ahead;
    if (a === null) return;
    this.ahead = null;
    nativeAddon!.readAheadClose(a.reader); // waits for an outstanding read first
  }
}

/**
 * Iterate batches stored in a file between `start` and `end` (Kafka `FileLogInputStream`): stops at a trailing
 * partial batch, throws {@link CorruptRecordError} for a size field < 14 or > `maxBatchSize`, or an unknown magic.
 * Each yielded `batch` is a view into an internal chunk buffer that is only valid until the next iteration.
 * With `withData` false only the first 61 bytes of each batch are guaranteed to be loaded (header fields only,
 * do not call `isValid()`). `readAhead` (long sequential scans: recovery) reads the next chunk on a native
 * thread meanwhile, when the addon is built.
 */
export function* readBatchesFromFile(
  fd: number,
  start: number,
  end: number,
  options: { withData?: boolean; maxBatchSize?: number; chunkSize?: number; readAhead?: boolean } = {},
): Generator<BatchEntry> {
  const withData = options.withData ?? true;
  const maxBatchSize = options.maxBatchSize ?? INT32_MAX;
  // Header-only scans (offset lookups) usually cover about index.interval.bytes: read small chunks for them.
  const chunkSize = options.chunkSize ?? (withData ? DEFAULT_CHUNK : HEADER_SCAN_CHUNK);
  const chunks = new FileChunks(fd, start, end, chunkSize, withData && (options.readAhead ?? false));
  try {
    yield* batchesOf(chunks, start, end, withData, maxBatchSize);
  } finally {
    chunks.stopReadAhead();
  }
}

function* batchesOf(chunks: FileChunks, start: number, end: number, withData: boolean, maxBatchSize: number): Generator<BatchEntry> {
  const ensure = (pos: number, n: number): boolean => chunks.ensure(pos, n);
  let position = start;
  for (;;) {
    if (position + HEADER_SIZE_UP_TO_MAGIC >= end) return;
    if (!ensure(position, HEADER_SIZE_UP_TO_MAGIC)) return;
    const view = chunks.view;
    const rel = position - chunks.bufStart;
    const recordSize = view.readInt32BE(rel + LENGTH_OFFSET);
    if (recordSize < MIN_RECORD_OVERHEAD) {
      throw new CorruptRecordError(
        `Found record size ${recordSize} smaller than minimum record overhead (${MIN_RECORD_OVERHEAD}) at position ${position}.`,
      );
    }
    if (recordSize > maxBatchSize) {
      throw new CorruptRecordError(
        `Found record size ${recordSize} larger than the maximum allowed batch size (${maxBatchSize}) at position ${position}.`,
      );
    }
    const size = recordSize + LOG_OVERHEAD;
    if (position + size > end) return;
    const magic = view.readInt8(rel + 16);
    if (magic < 0 || magic > MAGIC_V2) throw new CorruptRecordError(`Invalid magic ${magic} at position ${position}`);
    const need = withData ? size : Math.min(size, RECORD_BATCH_OVERHEAD);
    if (!ensure(position, need)) return;
    const data = chunks.view;
    const entry = nextBatchAt(data, position - chunks.bufStart, data.length, maxBatchSize, legacyBatchAt);
    if (entry === null) {
      // Only possible in header-only mode when the batch extends past the chunk: build the view directly.
      const r = position - chunks.bufStart;
      const batch: BatchView = magic === MAGIC_V2 ? new RecordBatch(data, r) : new LegacyRecordBatch(data, r);
      yield { position, size, magic, batch };
    } else {
      entry.position = position; // absolute file position (nextBatchAt saw a chunk-relative one)
      yield entry;
    }
    position += size;
  }
}

// ------------------------------------------------------------------------------------------------ segment

export interface LogSegmentOptions {
  /** `index.interval.bytes` (default 4096). */
  indexIntervalBytes?: number;
  /** `segment.index.bytes` (default 10 MiB). */
  maxIndexSize?: number;
  rollJitterMs?: number;
  /** The `.log` file must already exist (loading) — default false (creating). */
  fileAlreadyExists?: boolean;
  /** Preallocate a NEW `.log` file to this size (`log.preallocate`); its logical size starts at 0. */
  initFileSize?: number;
  preallocate?: boolean;
  /** Temporary suffix of all files (`.cleaned`, `.swap`), default none. */
  fileSuffix?: TemporaryFileSuffix | '';
  /** Clock for `created` / roll decisions (default Date.now). */
  now?: () => number;
}

export interface LogOffsetMetadata {
  messageOffset: bigint;
  segmentBaseOffset: bigint;
  relativePositionInSegment: number;
}

export interface FetchDataInfo {
  fetchOffsetMetadata: LogOffsetMetadata;
  /** Position in the `.log` file of the first returned byte. */
  position: number;
  /** Raw batches (the last one may be partial if `maxSize` cut it). */
  records: Buffer;
  firstEntryIncomplete: boolean;
  /** Set when `records` is a pooled read buffer (readAsync with a pool): call once nothing reads it any more. */
  release?: () => void;
}

export interface LogOffsetPosition {
  /** Last offset of the batch found. */
  offset: bigint;
  position: number;
  size: number;
}

export interface RollParams {
  maxSegmentBytes: number;
  maxSegmentMs: number;
  maxTimestampInMessages: number;
  maxOffsetInMessages: bigint;
  messagesSize: number;
  now: number;
}

export interface RecoverOptions {
  /** Batches whose size field exceeds this are treated as corrupt (default: no limit, as Kafka 3.x). */
  maxMessageSize?: number;
  /** Called for every valid batch in order (leader-epoch cache, producer state). The view is only valid during the call. */
  onBatch?: (batch: BatchView) => void;
}

const UNKNOWN: TimestampOffset = { timestamp: -1, offset: -1n };

export class LogSegment {
  readonly baseOffset: bigint;
  readonly dir: string;
  readonly indexIntervalBytes: number;
  readonly maxIndexSize: number;
  readonly rollJitterMs: number;
  readonly txnIndex: TransactionIndex;

  private logFd: number | null;
  private _logFile: string;
  private _offsetIndexFile: string;
  private _timeIndexFile: string;
  private _size: number;
  private _offsetIndex: OffsetIndex | null = null;
  private _timeIndex: TimeIndex | null = null;
  private bytesSinceLastIndexEntry = 0;
  private rollingBasedTimestamp: number | null = null;
  private _maxTimestampAndOffsetSoFar: TimestampOffset = UNKNOWN;
  private readonly now: () => number;
  created: number;

  private constructor(dir: string, baseOffset: bigint, opts: LogSegmentOptions) {
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.indexIntervalBytes = opts.indexIntervalBytes ?? 4096;
    this.maxIndexSize = opts.maxIndexSize ?? DEFAULT_MAX_INDEX_SIZE;
    this.rollJitterMs = opts.rollJitterMs ?? 0;
    this.now = opts.now ?? Date.now;
    this.created = this.now();
    const suffix = opts.fileSuffix ?? '';
    this._logFile = logFile(dir, baseOffset, suffix);
    this._offsetIndexFile = offsetIndexFile(dir, baseOffset, suffix);
    this._timeIndexFile = timeIndexFile(dir, baseOffset, suffix);
    this.txnIndex = new TransactionIndex(baseOffset, txnIndexFile(dir, baseOffset, suffix));

    // An existing .log is opened lazily, on first read or write: a broker with thousands of
    // partitions must not hold a descriptor for every segment it merely loaded.
    let size: number | null = null;
    try {
      size = fs.statSync(this._logFile).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || opts.fileAlreadyExists) throw e;
    }
    if (size !== null) {
      this.logFd = null;
      this._size = size;
    } else {
      const fd = fs.openSync(this._logFile, 'w+');
      this.logFd = fd;
      if (opts.preallocate && (opts.initFileSize ?? 0) > 0) fs.ftruncateSync(fd, opts.initFileSize!);
      this._size = 0;
      segmentHandles.opened(this);
    }
  }

  /** Operations holding an fd across other work (async I/O, batch iteration): never released meanwhile. */
  private pins = 0;
  get pinned(): boolean {
    return this.pins > 0;
  }
  private pin(): void {
    this.pins++;
  }
  private unpin(): void {
    this.pins--;
  }

  private closed = false;
  /** Index sizes requested (resizeIndexes) before the index was opened: applied on first open. */
  private pendingIndexSize: number | null = null;

  /** Open (loading: `fileAlreadyExists: true`) or create the segment `<dir>/<baseOffset>.log` and its indexes. */
  static open(dir: string, baseOffset: bigint, options: LogSegmentOptions = {}): LogSegment {
    return new LogSegment(dir, baseOffset, options);
  }

  // -------------------------------------------------------------------------------------------- accessors

  get logFile(): string {
    return this._logFile;
  }
  get offsetIndexFile(): string {
    return this._offsetIndexFile;
  }
  get timeIndexFile(): string {
    return this._timeIndexFile;
  }
  /** Bytes in the `.log` file (logical size). */
  get size(): number {
    return this._size;
  }
  get isOpen(): boolean {
    return !this.closed;
  }
  private get fd(): number {
    if (this.closed) throw new Error(`Segment ${this._logFile} is closed`);
    if (this.logFd === null) {
      this.logFd = fs.openSync(this._logFile, 'r+');
      segmentHandles.opened(this);
    } else segmentHandles.touch(this);
    return this.logFd;
  }

  /** The offset index, opened (or created, preallocated) on first use. */
  get offsetIndex(): OffsetIndex {
    if (this._offsetIndex === null) {
      this._offsetIndex = new OffsetIndex(this._offsetIndexFile, this.baseOffset, { maxIndexSize: this.maxIndexSize });
      if (this.pendingIndexSize !== null) this._offsetIndex.resize(this.pendingIndexSize);
      segmentHandles.opened(this);
    } else segmentHandles.touch(this);
    return this._offsetIndex;
  }
  /** The time index, opened (or created, preallocated) on first use. */
  get timeIndex(): TimeIndex {
    if (this._timeIndex === null) {
      this._timeIndex = new TimeIndex(this._timeIndexFile, this.baseOffset, { maxIndexSize: this.maxIndexSize });
      if (this.pendingIndexSize !== null) this._timeIndex.resize(this.pendingIndexSize);
      segmentHandles.opened(this);
    } else segmentHandles.touch(this);
    return this._timeIndex;
  }

  private get maxTimestampAndOffsetSoFar(): TimestampOffset {
    if (this._maxTimestampAndOffsetSoFar === UNKNOWN) this._maxTimestampAndOffsetSoFar = this.timeIndex.lastEntry;
    return this._maxTimestampAndOffsetSoFar;
  }
  /** Largest batch max-timestamp in the segment so far (-1 if none). */
  get maxTimestampSoFar(): number {
    return this.maxTimestampAndOffsetSoFar.timestamp;
  }
  /** Offset recorded with {@link maxTimestampSoFar}. */
  get offsetOfMaxTimestampSoFar(): bigint {
    return this.maxTimestampAndOffsetSoFar.offset;
  }

  /** `maxTimestampSoFar` if known, else the file's modification time. */
  get largestTimestamp(): number {
    const t = this.maxTimestampSoFar;
    return t >= 0 ? t : this.lastModified;
  }
  get lastModified(): number {
    return fs.statSync(this._logFile).mtimeMs;
  }

  canConvertToRelativeOffset(offset: bigint): boolean {
    const rel = offset - this.baseOffset;
    return rel >= 0n && rel <= INT32_MAX_BIG;
  }

  private ensureOffsetInRange(offset: bigint): void {
    if (!this.canConvertToRelativeOffset(offset)) {
      throw new LogSegmentOffsetOverflowError(
        `Detected offset overflow at offset ${offset} in segment with base offset ${this.baseOffset} (${this._logFile})`,
        this.baseOffset,
        offset,
      );
    }
  }

  // -------------------------------------------------------------------------------------------- sanity

  /**
   * Kafka `LogSegment.sanityCheck` as used by the loader: throws an ENOENT error if the `.index` file is missing
   * (→ rebuild), resizes a newly created time index to 0, and runs the txn-index check (`CorruptIndexError`).
   */
  sanityCheck(timeIndexFileNewlyCreated: boolean): void {
    if (!fs.existsSync(this._offsetIndexFile)) {
      const err = new Error(`Offset index file ${this._offsetIndexFile} does not exist`) as NodeJS.ErrnoException;
      err.code = 'ENOENT';
      throw err;
    }
    if (timeIndexFileNewlyCreated) this.timeIndex.resize(0);
    this.txnIndex.sanityCheck();
  }

  /**
   * After an unclean shutdown, for a segment below the recovery point (not recovered): the indexes' tails must be
   * real entries (see `OffsetIndex.tailSanityCheck`), else {@link CorruptIndexError} → the loader recovers it.
   */
  indexTailSanityCheck(): void {
    this.offsetIndex.tailSanityCheck(this._size);
    this.timeIndex.tailSanityCheck();
  }

  // -------------------------------------------------------------------------------------------- append

  /**
   * Append `records` (one or more complete batches with offsets already assigned) at the end of the `.log`.
   * An index entry `(largestOffset → position of these records)` is added when more than `indexIntervalBytes`
   * were appended since the last entry.
   */
  append(largestOffset: bigint, largestTimestamp: number, shallowOffsetOfMaxTimestamp: bigint, records: Buffer): void {
    if (records.length === 0) return;
    const physicalPosition = this._size;
    if (physicalPosition === 0) this.rollingBasedTimestamp = largestTimestamp;
    this.ensureOffsetInRange(largestOffset);
    if (records.length > INT32_MAX - this._size) {
      throw new Error(`Append of size ${records.length} bytes is too large for segment with current file position at ${this._size}`);
    }
    let written = 0;
    while (written < records.length) {
      written += fs.writeSync(this.fd, records, written, records.length - written, physicalPosition + written);
    }
    this._size += records.length;
    if (largestTimestamp > this.maxTimestampSoFar) {
      this._maxTimestampAndOffsetSoFar = { timestamp: largestTimestamp, offset: shallowOffsetOfMaxTimestamp };
    }
    if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
      this.offsetIndex.append(largestOffset, physicalPosition);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += records.length;
  }

  /** Record an aborted transaction in the `.txnindex`. */
  appendAbortedTxn(txn: AbortedTxn): void {
    const wasOpen = this.txnIndex.isOpen;
    this.txnIndex.append(txn);
    if (!wasOpen) segmentHandles.opened(this); // a segment holding only its .txnindex fd is in the budget too
    else segmentHandles.touch(this);
  }

  collectAbortedTxns(fetchOffset: bigint, upperBoundOffset: bigint): { abortedTransactions: AbortedTxn[]; isComplete: boolean } {
    return this.txnIndex.collectAbortedTxns(fetchOffset, upperBoundOffset);
  }

  // -------------------------------------------------------------------------------------------- read

  /** Iterate batches from file position `start` (see {@link readBatchesFromFile}). */
  *batchesFrom(start = 0, options: { withData?: boolean; end?: number; maxBatchSize?: number; readAhead?: boolean } = {}): Generator<BatchEntry> {
    this.pin(); // the iteration holds the fd while its consumer may open other segments
    try {
      yield* readBatchesFromFile(this.fd, start, Math.min(options.end ?? this._size, this._size), options);
    } finally {
      this.unpin();
    }
  }

  /**
   * The first batch whose last offset is ≥ `offset`, searching from the offset index's lower bound (Kafka
   * `translateOffset`), or null if none.
   */
  translateOffset(offset: bigint, startingFilePosition = 0): LogOffsetPosition | null {
    const mapping = this.offsetIndex.lookup(offset);
    for (const e of this.batchesFrom(Math.max(mapping.position, startingFilePosition), { withData: false })) {
      const last = e.batch.lastOffset;
      if (last >= offset) return { offset: last, position: e.position, size: e.size };
    }
    return null;
  }

  /**
   * Read from the batch containing `startOffset`, at most `maxSize` bytes and not past `maxPosition`.
   * Null if `startOffset` is beyond the segment. With `minOneMessage`, the first batch is returned whole
   * even if larger than `maxSize`.
   */
  read(startOffset: bigint, maxSize: number, maxPosition = this._size, minOneMessage = false): FetchDataInfo | null {
    const plan = this.planRead(startOffset, maxSize, maxPosition, minOneMessage);
    if (plan === null) return null;
    const { info, fetchSize } = plan;
    return fetchSize === 0 ? info : { ...info, records: this.readBytes(info.position, fetchSize) };
  }

  /** Offset lookup and size computation shared by {@link read} / {@link readAsync}; `records` left empty. */
  private planRead(startOffset: bigint, maxSize: number, maxPosition: number, minOneMessage: boolean): { info: FetchDataInfo; fetchSize: number } | null {
    if (maxSize < 0) throw new RangeError(`Invalid max size ${maxSize} for log read from segment ${this._logFile}`);
    const startOffsetAndSize = this.translateOffset(startOffset);
    if (startOffsetAndSize === null) return null;
    const startPosition = startOffsetAndSize.position;
    const fetchOffsetMetadata: LogOffsetMetadata = {
      messageOffset: startOffset,
      segmentBaseOffset: this.baseOffset,
      relativePositionInSegment: startPosition,
    };
    const adjustedMaxSize = minOneMessage ? Math.max(maxSize, startOffsetAndSize.size) : maxSize;
    const fetchSize = adjustedMaxSize === 0 ? 0 : Math.max(0, Math.min(maxPosition - startPosition, adjustedMaxSize));
    return {
      info: {
        fetchOffsetMetadata,
        position: startPosition,
        records: Buffer.alloc(0),
        firstEntryIncomplete: adjustedMaxSize !== 0 && adjustedMaxSize < startOffsetAndSize.size,
      },
      fetchSize,
    };
  }

  /** Raw bytes of the `.log` file at [position, position + length) (clipped to the segment size). */
  readBytes(position: number, length: number, into?: Buffer): Buffer {
    const n = Math.max(0, Math.min(length, this._size - position));
    const buf = into !== undefined && into.length >= n ? into.subarray(0, n) : Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const r = fs.readSync(this.fd, buf, got, n - got, position + got);
      if (r === 0) break;
      got += r;
    }
    return got === n ? buf : buf.subarray(0, got);
  }

  /**
   * {@link read} with the data read off the event loop (fs.read on the thread pool); the offset lookup itself
   * (index + a few KiB of headers) stays synchronous.
   */
  async readAsync(startOffset: bigint, maxSize: number, maxPosition = this._size, minOneMessage = false, pool?: ReadBufferPool, syncUpTo = 0): Promise<FetchDataInfo | null> {
    const plan = this.planRead(startOffset, maxSize, maxPosition, minOneMessage);
    if (plan === null) return null;
    const { info, fetchSize } = plan;
    if (fetchSize === 0) return info;
    const size = Math.max(0, Math.min(fetchSize, this._size - info.position));
    // a small read (a tailing consumer's or follower's few new batches, just written: page cache) costs less than the
    // thread-pool round trip of an async read, and adds a few microseconds to the turn
    const sync = size <= syncUpTo;
    if (pool === undefined) return { ...info, records: sync ? this.readBytes(info.position, fetchSize) : await this.readBytesAsync(info.position, fetchSize) };
    const lease = pool.acquire(size);
    try {
      const records = sync ? this.readBytes(info.position, fetchSize, lease.buffer) : await this.readBytesAsync(info.position, fetchSize, lease.buffer);
      return { ...info, records, release: lease.release };
    } catch (e) {
      lease.release();
      throw e;
    }
  }

  /** Async {@link readBytes}; into `into` (at least the clipped length) when given, e.g. a pooled read buffer. */
  async readBytesAsync(position: number, length: number, into?: Buffer): Promise<Buffer> {
    const n = Math.max(0, Math.min(length, this._size - position));
    const buf = into !== undefined && into.length >= n ? into : Buffer.allocUnsafe(n);
    const fd = this.fd;
    let got = 0;
    this.pin(); // fd used across awaits
    try {
      while (got < n) {
        const r = await new Promise<number>((resolve, reject) =>
          fs.read(fd, buf, got, n - got, position + got, (err, bytes) => (err ? reject(err) : resolve(bytes))),
        );
        if (r === 0) break;
        got += r;
      }
    } finally {
      this.unpin();
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  }

  /** Offset after the last batch in the segment (base offset if empty). */
  readNextOffset(): bigint {
    const start = this.offsetIndex.lookup(this.offsetIndex.lastOffset).position;
    let next = this.baseOffset;
    for (const e of this.batchesFrom(start, { withData: false })) next = e.batch.nextOffset;
    return next;
  }

  /**
   * The first record with timestamp ≥ `timestamp` and offset ≥ `startingOffset` (Kafka `findOffsetByTimestamp`),
   * or null. Batches of every codec are searched record by record (compressed ones decompressed first); a batch
   * whose records cannot be read (corrupt data or an unknown codec id) answers with its base offset and max
   * timestamp (a lower bound for the answer).
   */
  findOffsetByTimestamp(timestamp: number, startingOffset: bigint = this.baseOffset): { timestamp: number; offset: bigint; leaderEpoch: number | null } | null {
    const timestampOffset = this.timeIndex.lookup(timestamp);
    const target = timestampOffset.offset > startingOffset ? timestampOffset.offset : startingOffset;
    const position = this.offsetIndex.lookup(target).position;
    for (const e of this.batchesFrom(position, { withData: true })) {
      const b = e.batch;
      if (b.maxTimestamp < timestamp) continue;
      const epoch = b.partitionLeaderEpoch >= 0 ? b.partitionLeaderEpoch : null;
      if (b instanceof RecordBatch) {
        let c;
        try {
          c = b.records();
        } catch (err) {
          if (!(err instanceof InvalidRecordError)) throw err;
          // records unreadable (corrupt, unknown codec): the batch is the best lower bound we can give
          if (b.lastOffset >= startingOffset) {
            return { timestamp: b.maxTimestamp, offset: b.baseOffset > startingOffset ? b.baseOffset : startingOffset, leaderEpoch: epoch };
          }
          continue;
        }
        while (c.next()) {
          const ts = c.timestamp;
          if (ts >= timestamp) {
            const off = c.offset;
            if (off >= startingOffset) return { timestamp: ts, offset: off, leaderEpoch: epoch };
          }
        }
      } else if (b instanceof LegacyRecordBatch) {
        let recs;
        try {
          recs = b.innerRecords();
        } catch {
          if (b.lastOffset >= startingOffset) return { timestamp: b.maxTimestamp, offset: b.lastOffset, leaderEpoch: null };
          continue;
        }
        for (const r of recs) if (r.timestamp >= timestamp && r.offset >= startingOffset) return { timestamp: r.timestamp, offset: r.offset, leaderEpoch: null };
      }
    }
    return null;
  }

  /** Largest batch max-timestamp at or after file position `start` ({@link TimestampOffset} with the batch's last offset). */
  largestTimestampAfter(start: number): TimestampOffset {
    let best: TimestampOffset = { timestamp: -1, offset: -1n };
    for (const e of this.batchesFrom(start, { withData: false })) {
      const ts = e.batch.maxTimestamp;
      if (ts > best.timestamp) best = { timestamp: ts, offset: e.batch.lastOffset };
    }
    return best;
  }

  // -------------------------------------------------------------------------------------------- recovery

  /**
   * Rebuild the indexes from the `.log` and truncate it after the last valid batch (Kafka `LogSegment.recover`).
   * A batch is valid if its framing is complete (size ≥ 14 and within the file), its magic is 0–2, it passes
   * `ensureValid()` (v2: size ≥ 61 and CRC-32C; v0/v1: framing and CRC-32), and its offsets increase (base ≥
   * segment base, each batch after the previous one's last offset). Iteration stops at the first invalid byte;
   * everything from there is truncated. Returns the number of bytes truncated.
   * Throws {@link LogSegmentOffsetOverflowError} if a batch's offsets do not fit relative to the base offset.
   */
  recover(options: RecoverOptions = {}): number {
    const offsetIndex = this.offsetIndex;
    const timeIndex = this.timeIndex;
    offsetIndex.reset();
    timeIndex.reset();
    this.txnIndex.reset();
    let validBytes = 0;
    let lastIndexEntry = 0;
    let maxTs = -1;
    let maxTsOffset = -1n;
    let prevLast = this.baseOffset - 1n;
    // Rebuilt entries reach the files in one write each (at trim), not one write() per entry.
    offsetIndex.beginBulkAppend();
    timeIndex.beginBulkAppend();
    try {
      for (const e of this.batchesFrom(0, { withData: true, maxBatchSize: options.maxMessageSize, readAhead: true })) {
        const batch = e.batch;
        batch.ensureValid();
        const last = batch.lastOffset;
        const base = batch instanceof RecordBatch ? batch.baseOffset : last;
        if (base <= prevLast || last < base) {
          throw new InvalidRecordError(
            `Out of order offsets in ${this._logFile} at position ${e.position}: batch ${base}..${last} after offset ${prevLast}`,
          );
        }
        this.ensureOffsetInRange(last);
        if (batch.maxTimestamp > maxTs) {
          maxTs = batch.maxTimestamp;
          maxTsOffset = last;
        }
        if (validBytes - lastIndexEntry > this.indexIntervalBytes) {
          offsetIndex.append(last, validBytes);
          timeIndex.maybeAppend(maxTs, maxTsOffset);
          lastIndexEntry = validBytes;
        }
        validBytes += e.size;
        prevLast = last;
        options.onBatch?.(batch);
      }
    } catch (err) {
      if (!(err instanceof CorruptRecordError || err instanceof InvalidRecordError)) throw err;
    } finally {
      offsetIndex.endBulkAppend();
      timeIndex.endBulkAppend();
    }
    this._maxTimestampAndOffsetSoFar = maxTs >= 0 ? { timestamp: maxTs, offset: maxTsOffset } : { timestamp: -1, offset: this.baseOffset };
    const truncated = this._size - validBytes;
    this.truncateLogTo(validBytes);
    offsetIndex.trimToValidSize();
    // Kafka appends maxTimestampAndOffsetSoFar (Unknown = -1 → no entry) with skipFullCheck.
    timeIndex.maybeAppend(maxTs, maxTsOffset < 0n ? this.baseOffset : maxTsOffset, true);
    timeIndex.trimToValidSize();
    return truncated;
  }

  /** Truncate the `.log` file to `targetSize` bytes; returns bytes removed. */
  private truncateLogTo(targetSize: number): number {
    const original = this._size;
    if (targetSize > original || targetSize < 0) {
      throw new Error(`Attempt to truncate log segment ${this._logFile} to ${targetSize} bytes failed, size of this log segment is ${original} bytes.`);
    }
    if (targetSize < fs.fstatSync(this.fd).size) fs.ftruncateSync(this.fd, targetSize);
    this._size = targetSize;
    return original - targetSize;
  }

  /**
   * Remove all data from `offset` on (Kafka `truncateTo`): indexes truncated and resized to max, the `.log`
   * truncated at the batch containing `offset`. Returns bytes removed from the `.log`.
   */
  truncateTo(offset: bigint): number {
    const mapping = this.translateOffset(offset);
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    this.txnIndex.truncateTo(offset);
    this.offsetIndex.resize(this.offsetIndex.maxIndexSize);
    this.timeIndex.resize(this.timeIndex.maxIndexSize);
    const bytesTruncated = mapping === null ? 0 : this.truncateLogTo(mapping.position);
    if (this._size === 0) {
      this.created = this.now();
      this.rollingBasedTimestamp = null;
    }
    this.bytesSinceLastIndexEntry = 0;
    if (this.maxTimestampSoFar >= 0) this.loadLargestTimestamp();
    return bytesTruncated;
  }

  private loadLargestTimestamp(): void {
    const lastTimeEntry = this.timeIndex.lastEntry;
    this._maxTimestampAndOffsetSoFar = lastTimeEntry;
    const offsetPosition: OffsetPosition = this.offsetIndex.lookup(lastTimeEntry.offset);
    const after = this.largestTimestampAfter(offsetPosition.position);
    if (after.timestamp > lastTimeEntry.timestamp) this._maxTimestampAndOffsetSoFar = after;
  }

  // -------------------------------------------------------------------------------------------- roll

  private loadFirstBatchTimestamp(): void {
    if (this.rollingBasedTimestamp === null) {
      for (const e of this.batchesFrom(0, { withData: false })) {
        this.rollingBasedTimestamp = e.batch.maxTimestamp;
        break;
      }
    }
  }

  /** ms since the first batch's timestamp (or since creation when unknown). */
  timeWaitedForRoll(now: number, messageTimestamp: number): number {
    this.loadFirstBatchTimestamp();
    const t = this.rollingBasedTimestamp;
    return t !== null && t >= 0 ? messageTimestamp - t : now - this.created;
  }

  /** Kafka `shouldRoll`. */
  shouldRoll(p: RollParams): boolean {
    const reachedRollMs = this.timeWaitedForRoll(p.now, p.maxTimestampInMessages) > p.maxSegmentMs - this.rollJitterMs;
    return (
      this._size > p.maxSegmentBytes - p.messagesSize ||
      (this._size > 0 && reachedRollMs) ||
      this.offsetIndex.isFull() ||
      this.timeIndex.isFull() ||
      !this.canConvertToRelativeOffset(p.maxOffsetInMessages)
    );
  }

  /** On roll: final time-index entry, trim both indexes and the `.log` file (drop preallocation). */
  onBecomeInactiveSegment(): void {
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
    this.trimLog();
    this.pendingIndexSize = null; // no longer active: reopened indexes keep their trimmed size
  }

  private trimLog(): void {
    if (fs.fstatSync(this.fd).size > this._size) fs.ftruncateSync(this.fd, this._size);
  }

  /** Grow indexes back to `maxIndexSize` (the active segment after loading); deferred until an index is opened. */
  resizeIndexes(size = this.maxIndexSize): void {
    this.pendingIndexSize = size;
    this._offsetIndex?.resize(size);
    this._timeIndex?.resize(size);
  }

  // -------------------------------------------------------------------------------------------- durability

  flushSync(): void {
    fs.fsyncSync(this.fd);
    this.offsetIndex.flushSync();
    this.timeIndex.flushSync();
    this.txnIndex.flushSync();
  }

  async flush(): Promise<void> {
    await flushSlots.acquire(); // queued flushes hold no fd
    if (this.closed) {
      // closed while queued: deleted, failed, or closed by a shutdown that flushed it first
      flushSlots.release();
      return;
    }
    this.pin(); // fds used across awaits
    try {
      await fsyncAsync(this.fd);
      await this.offsetIndex.flush();
      await this.timeIndex.flush();
      await this.txnIndex.flush();
    } finally {
      this.unpin();
      flushSlots.release();
    }
  }

  /** Final time-index entry (if any timestamp is known), trim indexes, close everything. */
  close(): void {
    if (this.closed) return;
    // As Kafka: only when the max timestamp was loaded/updated (never opens an index just to close it).
    const m = this._maxTimestampAndOffsetSoFar;
    if (m !== UNKNOWN && m.timestamp >= 0) this.timeIndex.maybeAppend(m.timestamp, m.offset, true);
    // Trimmed, then fsynced: a clean shutdown is trusted by the next load (no index check), so a power cut after
    // it must not bring back an untrimmed index ending in zero slots (issue 12; Kafka does not fsync here).
    for (const idx of [this._offsetIndex, this._timeIndex]) {
      if (idx === null || !idx.isOpen) continue;
      idx.trimToValidSize();
      idx.flushSync();
      idx.close();
    }
    this.txnIndex.close();
    // Kafka FileRecords.close(): flush, trim, close (a never-opened .log was neither written nor grown); trimmed
    // before the fsync here, so the trim is durable too.
    if (this.logFd !== null) {
      this.trimLog();
      fs.fsyncSync(this.logFd);
      fs.closeSync(this.logFd);
      this.logFd = null;
    }
    this.closed = true;
    segmentHandles.closed(this);
  }

  /**
   * Give back the file descriptors while the segment stays usable: files reopen on next use.
   * Indexes are trimmed first (an index reopens with entries = file length / entry size), and an
   * active segment's indexes grow back to maxIndexSize when reopened (pendingIndexSize).
   */
  releaseHandles(): void {
    if (this.closed) return;
    segmentHandles.closed(this);
    for (const idx of [this._offsetIndex, this._timeIndex]) {
      if (idx === null) continue;
      // a preallocated (active) index grows back to its length when reopened
      if (idx.length > idx.sizeInBytes && this.pendingIndexSize === null) this.pendingIndexSize = idx.length;
      idx.trimToValidSize();
      idx.closeHandler();
    }
    this._offsetIndex = null;
    this._timeIndex = null;
    this.txnIndex.close(); // counted in the 4-fd budget per segment; reopens on the next append or flush
    if (this.logFd !== null) {
      fs.closeSync(this.logFd);
      this.logFd = null;
    }
  }

  /** Close file handles without trimming or writing (e.g. after a disk failure). */
  closeHandlers(): void {
    this.closed = true;
    segmentHandles.closed(this);
    this._offsetIndex?.closeHandler();
    this._timeIndex?.closeHandler();
    this.txnIndex.close();
    if (this.logFd !== null) {
      fs.closeSync(this.logFd);
      this.logFd = null;
    }
  }

  /** Close handles and delete the `.log`, `.index`, `.timeindex`, `.txnindex` files (those that exist). */
  deleteIfExists(): void {
    this.closeHandlers();
    for (const f of [this._logFile, this._offsetIndexFile, this._timeIndexFile, this.txnIndex.file]) {
      try {
        fs.unlinkSync(f);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    this._offsetIndex = null;
    this._timeIndex = null;
  }

  /** Alias of {@link deleteIfExists}. */
  deleteFiles(): void {
    this.deleteIfExists();
  }

  /**
   * Rename all files from `oldSuffix` to `newSuffix` (e.g. '' → '.deleted', '.swap' → ''), keeping handles open.
   */
  changeFileSuffixes(oldSuffix: TemporaryFileSuffix | '', newSuffix: TemporaryFileSuffix | ''): void {
    const swap = (f: string): string => {
      if (!f.endsWith(oldSuffix)) throw new Error(`File ${f} does not end with suffix '${oldSuffix}'`);
      return f.substring(0, f.length - oldSuffix.length) + newSuffix;
    };
    const rename = (from: string): string => {
      const to = swap(from);
      if (fs.existsSync(from)) fs.renameSync(from, to);
      return to;
    };
    this._logFile = rename(this._logFile);
    this._offsetIndexFile = rename(this._offsetIndexFile);
    this._timeIndexFile = rename(this._timeIndexFile);
    this._offsetIndex?.setFile(this._offsetIndexFile);
    this._timeIndex?.setFile(this._timeIndexFile);
    this.txnIndex.renameTo(swap(this.txnIndex.file));
  }

  hasSuffix(suffix: TemporaryFileSuffix): boolean {
    return this._logFile.endsWith(suffix) && this._offsetIndexFile.endsWith(suffix) && this._timeIndexFile.endsWith(suffix);
  }

  toString(): string {
    return `LogSegment(baseOffset=${this.baseOffset}, size=${this._size}, file=${this._logFile})`;
  }
}

