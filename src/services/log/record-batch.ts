/**
 * Record batch format v2 (magic 2), see reference §5: a zero-copy view over the bytes of one batch inside a
 * Buffer, in-place mutators used on append (offset assignment, LogAppendTime, leader epoch), a record cursor
 * (decompressing compressed batches), a walker over concatenated batches, and a small encoder for the broker's
 * own batches.
 *
 * Layout (big-endian):
 *   0 baseOffset i64 | 8 batchLength i32 | 12 partitionLeaderEpoch i32 | 16 magic i8 | 17 crc u32 |
 *   21 attributes i16 | 23 lastOffsetDelta i32 | 27 baseTimestamp i64 | 35 maxTimestamp i64 | 43 producerId i64 |
 *   51 producerEpoch i16 | 53 baseSequence i32 | 57 recordsCount i32 | 61 records...
 * CRC-32C covers [21, end); offset, length, leader epoch and magic are not covered.
 *
 * Timestamps are exposed as JS numbers (exact for |t| ≤ 2^53 ms, i.e. every real timestamp); offsets and
 * producer ids as bigint.
 */

import { decompress } from './compression.js';
import { CompressionType, CorruptRecordError, CURRENT_MAGIC, InvalidRecordError, MAGIC_V0, MAGIC_V1, MAGIC_V2 } from './record-format.js';

export { CompressionType, CorruptRecordError, CURRENT_MAGIC, InvalidRecordError, MAGIC_V0, MAGIC_V1, MAGIC_V2 };
import { crc32c } from './crc32c.js';
import { type Cursor, InvalidVarintError, readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

// ------------------------------------------------------------------------------------------------ constants

export const BASE_OFFSET_OFFSET = 0;
export const LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
/** `RECORD_BATCH_OVERHEAD`: size of a v2 batch header. */
export const RECORD_BATCH_OVERHEAD = 61;
/** `LOG_OVERHEAD`: offset + length prefix common to every format. */
export const LOG_OVERHEAD = 12;
/** Bytes needed to read the magic byte (`HEADER_SIZE_UP_TO_MAGIC`). */
export const HEADER_SIZE_UP_TO_MAGIC = 17;
/** Smallest legal value of the size field (`LegacyRecord.RECORD_OVERHEAD_V0`). */
export const MIN_RECORD_OVERHEAD = 14;

export const NO_TIMESTAMP = -1;
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

export enum TimestampType {
  NoTimestampType = -1,
  CreateTime = 0,
  LogAppendTime = 1,
}

export const COMPRESSION_CODEC_MASK = 0x07;
const TIMESTAMP_TYPE_MASK = 0x08;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

// ------------------------------------------------------------------------------------------------ helpers

/** Read an int64 as a JS number (exact when within ±2^53). */
export function readInt64AsNumber(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4);
}

/** Write an integral JS number (|v| ≤ 2^53) as int64. */
export function writeInt64FromNumber(buf: Buffer, pos: number, value: number): void {
  const hi = Math.floor(value / 4294967296);
  const lo = value - hi * 4294967296;
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(lo, pos + 4);
}

/** Fields common to v2 batches and legacy (v0/v1) top-level messages, as used by the log layer. */
export interface BatchView {
  readonly magic: number;
  /** Position of the batch inside {@link buffer}. */
  readonly position: number;
  readonly buffer: Buffer;
  /** Total size in bytes including the 12-byte offset/length prefix. */
  readonly sizeInBytes: number;
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly nextOffset: bigint;
  readonly maxTimestamp: number;
  readonly timestampType: TimestampType;
  readonly compressionType: CompressionType;
  readonly partitionLeaderEpoch: number;
  isValid(): boolean;
  ensureValid(): void;
}

// ------------------------------------------------------------------------------------------------ view

/**
 * Zero-copy view over one v2 batch starting at `position` in `buffer`. Construction reads nothing; getters read
 * the buffer on each call. The buffer may extend past the batch (e.g. a whole segment read).
 */
export class RecordBatch implements BatchView {
  constructor(
    readonly buffer: Buffer,
    readonly position = 0,
  ) {}

  get baseOffset(): bigint {
    return this.buffer.readBigInt64BE(this.position);
  }
  /** The batch length field (size − 12). */
  get batchLength(): number {
    return this.buffer.readInt32BE(this.position + LENGTH_OFFSET);
  }
  get sizeInBytes(): number {
    return LOG_OVERHEAD + this.buffer.readInt32BE(this.position + LENGTH_OFFSET);
  }
  get partitionLeaderEpoch(): number {
    return this.buffer.readInt32BE(this.position + PARTITION_LEADER_EPOCH_OFFSET);
  }
  get magic(): number {
    return this.buffer.readInt8(this.position + MAGIC_OFFSET);
  }
  /** Stored CRC (unsigned). */
  get crc(): number {
    return this.buffer.readUInt32BE(this.position + CRC_OFFSET);
  }
  get attributes(): number {
    return this.buffer.readInt16BE(this.position + ATTRIBUTES_OFFSET);
  }
  get compressionType(): CompressionType {
    return (this.buffer[this.position + ATTRIBUTES_OFFSET + 1]! & COMPRESSION_CODEC_MASK) as CompressionType;
  }
  get timestampType(): TimestampType {
    return this.buffer[this.position + ATTRIBUTES_OFFSET + 1]! & TIMESTAMP_TYPE_MASK
      ? TimestampType.LogAppendTime
      : TimestampType.CreateTime;
  }
  get isTransactional(): boolean {
    return (this.buffer[this.position + ATTRIBUTES_OFFSET + 1]! & TRANSACTIONAL_FLAG_MASK) !== 0;
  }
  get isControlBatch(): boolean {
    return (this.buffer[this.position + ATTRIBUTES_OFFSET + 1]! & CONTROL_FLAG_MASK) !== 0;
  }
  get hasDeleteHorizon(): boolean {
    return (this.buffer[this.position + ATTRIBUTES_OFFSET + 1]! & DELETE_HORIZON_FLAG_MASK) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.buffer.readInt32BE(this.position + LAST_OFFSET_DELTA_OFFSET);
  }
  get lastOffset(): bigint {
    return this.baseOffset + BigInt(this.lastOffsetDelta);
  }
  get nextOffset(): bigint {
    return this.baseOffset + BigInt(this.lastOffsetDelta) + 1n;
  }
  get baseTimestamp(): number {
    return readInt64AsNumber(this.buffer, this.position + BASE_TIMESTAMP_OFFSET);
  }
  get maxTimestamp(): number {
    return readInt64AsNumber(this.buffer, this.position + MAX_TIMESTAMP_OFFSET);
  }
  get producerId(): bigint {
    return this.buffer.readBigInt64BE(this.position + PRODUCER_ID_OFFSET);
  }
  get producerEpoch(): number {
    return this.buffer.readInt16BE(this.position + PRODUCER_EPOCH_OFFSET);
  }
  get baseSequence(): number {
    return this.buffer.readInt32BE(this.position + BASE_SEQUENCE_OFFSET);
  }
  /** Last sequence (wrapping at int32 max like Kafka's `incrementSequence`), or -1. */
  get lastSequence(): number {
    const base = this.baseSequence;
    if (base === NO_SEQUENCE) return NO_SEQUENCE;
    const delta = this.lastOffsetDelta;
    return base > 0x7fffffff - delta ? delta - (0x7fffffff - base) - 1 : base + delta;
  }
  /** producerId ≥ 0, from the int32 holding its sign (no BigInt: this is read for every appended batch). */
  get hasProducerId(): boolean {
    return this.buffer.readInt32BE(this.position + PRODUCER_ID_OFFSET) >= 0;
  }
  get recordsCount(): number {
    return this.buffer.readInt32BE(this.position + RECORDS_COUNT_OFFSET);
  }

  /** CRC-32C of bytes [21, end) as currently stored. */
  computeChecksum(): number {
    return crc32c(this.buffer, this.position + ATTRIBUTES_OFFSET, this.position + this.sizeInBytes);
  }

  /** Size ≥ 61, the whole batch is inside the buffer, magic is 2, and the stored CRC matches. */
  isValid(): boolean {
    const size = this.sizeInBytes;
    if (size < RECORD_BATCH_OVERHEAD || this.position + size > this.buffer.length) return false;
    if (this.magic !== MAGIC_V2) return false;
    return this.computeChecksum() === this.crc;
  }

  /** Throws {@link CorruptRecordError} unless {@link isValid}. */
  ensureValid(): void {
    const size = this.sizeInBytes;
    if (size < RECORD_BATCH_OVERHEAD) {
      throw new CorruptRecordError(
        `Record batch is corrupt (the size ${size} is smaller than the minimum allowed overhead ${RECORD_BATCH_OVERHEAD})`,
      );
    }
    if (this.position + size > this.buffer.length) {
      throw new CorruptRecordError(`Record batch is truncated (size ${size}, ${this.buffer.length - this.position} bytes available)`);
    }
    if (this.magic !== MAGIC_V2) throw new CorruptRecordError(`Invalid magic ${this.magic} for a v2 record batch`);
    const stored = this.crc;
    const computed = this.computeChecksum();
    if (stored !== computed) {
      throw new CorruptRecordError(`Record batch is corrupt (stored crc = ${stored}, computed crc = ${computed})`);
    }
  }

  /** Bytes of this batch (a view, not a copy). */
  slice(): Buffer {
    return this.buffer.subarray(this.position, this.position + this.sizeInBytes);
  }

  // -------------------------------------------------------------------------------------------- mutators

  /** Set baseOffset so that the last offset becomes `offset` (Kafka `setLastOffset`). Not covered by the CRC. */
  setLastOffset(offset: bigint): void {
    this.buffer.writeBigInt64BE(offset - BigInt(this.lastOffsetDelta), this.position + BASE_OFFSET_OFFSET);
  }

  /** Set baseOffset. Not covered by the CRC. */
  setBaseOffset(offset: bigint): void {
    this.buffer.writeBigInt64BE(offset, this.position + BASE_OFFSET_OFFSET);
  }

  /** Set partitionLeaderEpoch. Not covered by the CRC. */
  setPartitionLeaderEpoch(epoch: number): void {
    this.buffer.writeInt32BE(epoch, this.position + PARTITION_LEADER_EPOCH_OFFSET);
  }

  /**
   * Set the timestamp type and max timestamp (LogAppendTime on append), then recompute the CRC.
   * A no-op when both are unchanged (as Kafka's `setMaxTimestamp`).
   */
  setMaxTimestamp(timestampType: TimestampType, maxTimestamp: number): void {
    if (timestampType === TimestampType.NoTimestampType) throw new Error('Timestamp type must be CreateTime or LogAppendTime');
    if (this.maxTimestamp === maxTimestamp && this.timestampType === timestampType) return;
    writeInt64FromNumber(this.buffer, this.position + MAX_TIMESTAMP_OFFSET, maxTimestamp);
    const p = this.position + ATTRIBUTES_OFFSET;
    let attrs = this.buffer.readUInt16BE(p);
    attrs = timestampType === TimestampType.LogAppendTime ? attrs | TIMESTAMP_TYPE_MASK : attrs & ~TIMESTAMP_TYPE_MASK;
    this.buffer.writeUInt16BE(attrs & 0xffff, p);
    this.buffer.writeUInt32BE(this.computeChecksum(), this.position + CRC_OFFSET);
  }

  /** Recompute and store the CRC. */
  updateChecksum(): void {
    this.buffer.writeUInt32BE(this.computeChecksum(), this.position + CRC_OFFSET);
  }

  // -------------------------------------------------------------------------------------------- records

  /**
   * A cursor over this batch's records. Uncompressed batches are read in place; compressed ones (gzip, snappy,
   * lz4, zstd) are decompressed first (`compression.ts`), failures raising {@link InvalidRecordError}.
   */
  records(): RecordCursor {
    const ct = this.compressionType;
    if (ct === CompressionType.None) return new RecordCursor(this);
    const end = this.position + this.sizeInBytes;
    if (end > this.buffer.length) throw new InvalidRecordError('Record batch extends past the end of the buffer');
    return new RecordCursor(this, decompress(ct, this.buffer.subarray(this.position + RECORD_BATCH_OVERHEAD, end)));
  }

  /** Convenience: all records materialised (allocates). */
  toRecords(): Record[] {
    const out: Record[] = [];
    const c = this.records();
    while (c.next()) out.push(c.toRecord());
    return out;
  }
}

/** A materialised record. */
export interface Record {
  offset: bigint;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/**
 * Walks the records of a v2 batch (in place for uncompressed batches, over {@link data} = the decompressed
 * records of a compressed batch). `next()` parses one record's framing (lengths and deltas) into plain number
 * fields without allocating; key/value/headers are materialised only on request. Positions below are indexes into
 * {@link data}.
 *
 * ```ts
 * const c = batch.records();
 * while (c.next()) use(c.offsetDelta, c.timestamp, c.key());
 * ```
 */
export class RecordCursor {
  private readonly cur: Cursor;
  private readonly end: number;
  private readonly count: number;
  private read = 0;
  private readonly baseTimestamp: number;
  private readonly logAppendTime: number | null;
  private readonly baseOffset: bigint;

  /** Index of this record in the batch (0-based). */
  index = -1;
  /** Byte position of the record (its length varint) in `data`. */
  recordPosition = 0;
  /** Total size of the record, including its length varint. */
  recordSize = 0;
  attributes = 0;
  timestampDelta = 0;
  offsetDelta = 0;
  /** Position of key bytes in `data`; length -1 = null key. */
  keyPosition = 0;
  keyLength = -1;
  valuePosition = 0;
  valueLength = -1;
  /** Position of the first header (after the header-count varint). */
  headersPosition = 0;
  headerCount = 0;

  /** Buffer holding the records: the batch buffer, or the decompressed records of a compressed batch. */
  readonly data: Buffer;

  constructor(
    readonly batch: RecordBatch,
    decompressed?: Buffer,
  ) {
    const buf = batch.buffer;
    const batchEnd = batch.position + batch.sizeInBytes;
    if (batchEnd > buf.length) throw new InvalidRecordError('Record batch extends past the end of the buffer');
    if (decompressed) {
      this.data = decompressed;
      this.cur = { buf: decompressed, pos: 0 };
      this.end = decompressed.length;
    } else {
      this.data = buf;
      this.cur = { buf, pos: batch.position + RECORD_BATCH_OVERHEAD };
      this.end = batchEnd;
    }
    this.count = batch.recordsCount;
    if (this.count < 0) throw new InvalidRecordError(`Found invalid record count ${this.count} in magic v2 batch`);
    this.baseTimestamp = batch.baseTimestamp;
    this.logAppendTime = batch.timestampType === TimestampType.LogAppendTime ? batch.maxTimestamp : null;
    this.baseOffset = batch.baseOffset;
  }

  /** Absolute offset of the current record (allocates a bigint). */
  get offset(): bigint {
    return this.baseOffset + BigInt(this.offsetDelta);
  }

  /** Timestamp of the current record (batch max timestamp for LogAppendTime batches). */
  get timestamp(): number {
    return this.logAppendTime ?? this.baseTimestamp + this.timestampDelta;
  }

  /** Advance to the next record; false when all `recordsCount` records were read. */
  next(): boolean {
    const c = this.cur;
    if (this.read >= this.count) {
      if (c.pos !== this.end) throw new InvalidRecordError('Incorrect declared batch size, records still remaining in file');
      return false;
    }
    if (c.pos >= this.end) throw new InvalidRecordError('Incorrect declared batch size, premature EOF reached');
    try {
      const start = c.pos;
      const bodySize = readVarint(c);
      const bodyStart = c.pos;
      const bodyEnd = bodyStart + bodySize;
      if (bodySize < 0 || bodyEnd > this.end) {
        throw new InvalidRecordError(`Invalid record size ${bodySize} at position ${start}`);
      }
      this.attributes = c.buf[c.pos++]!;
      this.timestampDelta = readVarlong(c);
      this.offsetDelta = readVarint(c);
      const keyLength = readVarint(c);
      this.keyPosition = c.pos;
      this.keyLength = keyLength < 0 ? -1 : keyLength;
      if (keyLength > 0) c.pos += keyLength;
      const valueLength = readVarint(c);
      this.valuePosition = c.pos;
      this.valueLength = valueLength < 0 ? -1 : valueLength;
      if (valueLength > 0) c.pos += valueLength;
      if (c.pos > bodyEnd) throw new InvalidRecordError('Record key/value extend past the record');
      const headerCount = readVarint(c);
      if (headerCount < 0) throw new InvalidRecordError(`Found invalid number of record headers ${headerCount}`);
      this.headerCount = headerCount;
      this.headersPosition = c.pos;
      for (let h = 0; h < headerCount; h++) {
        const hk = readVarint(c);
        if (hk < 0) throw new InvalidRecordError(`Invalid negative header key size ${hk}`);
        c.pos += hk;
        const hv = readVarint(c);
        if (hv > 0) c.pos += hv;
        if (c.pos > bodyEnd) throw new InvalidRecordError('Record headers extend past the record');
      }
      if (c.pos !== bodyEnd) {
        throw new InvalidRecordError(
          `Invalid record size: expected to read ${bodySize} bytes in record payload, but instead read ${c.pos - bodyStart}`,
        );
      }
      this.recordPosition = start;
      this.recordSize = bodyEnd - start;
    } catch (e) {
      if (e instanceof InvalidVarintError) throw new InvalidRecordError(e.message);
      throw e;
    }
    this.read++;
    this.index++;
    return true;
  }

  /** The current record's key (a view into the batch buffer), or null. */
  key(): Buffer | null {
    return this.keyLength < 0 ? null : this.data.subarray(this.keyPosition, this.keyPosition + this.keyLength);
  }

  /** The current record's value (a view), or null. */
  value(): Buffer | null {
    return this.valueLength < 0 ? null : this.data.subarray(this.valuePosition, this.valuePosition + this.valueLength);
  }

  /** The current record's headers (allocates). */
  headers(): RecordHeader[] {
    const out: RecordHeader[] = [];
    const buf = this.data;
    const c: Cursor = { buf, pos: this.headersPosition };
    for (let h = 0; h < this.headerCount; h++) {
      const kl = readVarint(c);
      const key = buf.toString('utf8', c.pos, c.pos + kl);
      c.pos += kl;
      const vl = readVarint(c);
      let value: Buffer | null = null;
      if (vl >= 0) {
        value = buf.subarray(c.pos, c.pos + vl);
        c.pos += vl;
      }
      out.push({ key, value });
    }
    return out;
  }

  toRecord(): Record {
    return { offset: this.offset, timestamp: this.timestamp, key: this.key(), value: this.value(), headers: this.headers() };
  }
}

// ------------------------------------------------------------------------------------------------ walker

/** One entry found by {@link iterateBatches}. */
export interface BatchEntry<B extends BatchView = BatchView> {
  /** Position of the batch in the buffer. */
  position: number;
  /** Total size including the 12-byte prefix. */
  size: number;
  magic: number;
  batch: B;
}

export interface IterateBatchesOptions {
  /** First byte to read (default 0). */
  start?: number;
  /** End of the readable region (default buffer length). */
  end?: number;
  /** Batches whose size field exceeds this are corrupt (Kafka `maxMessageSize` check). Default: no limit. */
  maxBatchSize?: number;
  /**
   * Factory for magic 0/1 entries. Without it, a legacy entry raises {@link CorruptRecordError}
   * (see `legacy-records.ts`, which supplies one).
   */
  legacy?: (buffer: Buffer, position: number) => BatchView;
}

/**
 * Walk concatenated batches in `buffer` (as in a `.log` file). Stops silently at a trailing partial batch
 * (fewer than 12 bytes left, or a declared size running past `end`) — the caller can compare the last
 * yielded end with `end` to know how many bytes were left over. Throws {@link CorruptRecordError} when a size
 * field is < 14 or > `maxBatchSize`, or the magic byte is not 0, 1 or 2. Batch contents (CRC) are NOT checked
 * here; call `batch.ensureValid()`.
 */
export function* iterateBatches(buffer: Buffer, options: IterateBatchesOptions = {}): Generator<BatchEntry> {
  let position = options.start ?? 0;
  const end = Math.min(options.end ?? buffer.length, buffer.length);
  const max = options.maxBatchSize ?? Number.MAX_SAFE_INTEGER;
  for (;;) {
    const entry = nextBatchAt(buffer, position, end, max, options.legacy);
    if (entry === null) return;
    yield entry;
    position += entry.size;
  }
}

/**
 * The batch starting at `position`, or null if the bytes up to `end` hold only a partial batch.
 * Same checks as {@link iterateBatches}.
 */
export function nextBatchAt(
  buffer: Buffer,
  position: number,
  end: number,
  maxBatchSize = Number.MAX_SAFE_INTEGER,
  legacy?: (buffer: Buffer, position: number) => BatchView,
): BatchEntry | null {
  // As Kafka's ByteBufferLogInputStream: fewer than 12 bytes left is a partial batch; otherwise the size field
  // is checked first (the file reader in log-segment.ts applies FileLogInputStream's 17-byte rule before this).
  if (position + LOG_OVERHEAD > end) return null;
  const recordSize = buffer.readInt32BE(position + LENGTH_OFFSET);
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
  if (position + size > end) return null;
  const magic = buffer.readInt8(position + MAGIC_OFFSET);
  if (magic === MAGIC_V2) return { position, size, magic, batch: new RecordBatch(buffer, position) };
  if (magic === MAGIC_V0 || magic === MAGIC_V1) {
    if (!legacy) throw new CorruptRecordError(`Legacy magic ${magic} batch at position ${position} (no legacy reader given)`);
    return { position, size, magic, batch: legacy(buffer, position) };
  }
  throw new CorruptRecordError(`Invalid magic ${magic} at position ${position}`);
}

// ------------------------------------------------------------------------------------------------ encoder

export interface RecordInput {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  /** Milliseconds; default: the batch's `defaultTimestamp`. */
  timestamp?: number;
  headers?: { key: string; value?: Buffer | string | null }[];
  /** Offset delta; default: index in the batch. Must be increasing. */
  offsetDelta?: number;
}

export interface BuildRecordBatchOptions {
  baseOffset?: bigint | number;
  records: RecordInput[];
  partitionLeaderEpoch?: number;
  timestampType?: TimestampType.CreateTime | TimestampType.LogAppendTime;
  /** For LogAppendTime: the broker time written as maxTimestamp. Otherwise computed from the records. */
  logAppendTime?: number;
  /** Timestamp of records that have none (default Date.now()). */
  defaultTimestamp?: number;
  producerId?: bigint | number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  /** Override lastOffsetDelta (e.g. for compacted batches); default: last record's offsetDelta (0 if empty). */
  lastOffsetDelta?: number;
}

function toBuf(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

/** Encode an uncompressed v2 batch (CRC set). For the broker's own writes (control batches, internal topics). */
export function buildRecordBatch(opts: BuildRecordBatchOptions): Buffer {
  const now = opts.defaultTimestamp ?? Date.now();
  const recs = opts.records.map((r, i) => ({
    key: toBuf(r.key),
    value: toBuf(r.value),
    timestamp: r.timestamp ?? now,
    headers: (r.headers ?? []).map((h) => ({ key: Buffer.from(h.key, 'utf8'), value: toBuf(h.value) })),
    offsetDelta: r.offsetDelta ?? i,
  }));
  const baseTimestamp = recs.length > 0 ? recs[0]!.timestamp : NO_TIMESTAMP;
  let maxTimestamp = NO_TIMESTAMP;
  for (const r of recs) if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
  const logAppend = opts.timestampType === TimestampType.LogAppendTime;
  if (logAppend) maxTimestamp = opts.logAppendTime ?? now;

  // sizes
  const bodySizes: number[] = [];
  let total = RECORD_BATCH_OVERHEAD;
  for (const r of recs) {
    let body = 1 + sizeOfVarlong(r.timestamp - baseTimestamp) + sizeOfVarint(r.offsetDelta);
    body += r.key ? sizeOfVarint(r.key.length) + r.key.length : 1;
    body += r.value ? sizeOfVarint(r.value.length) + r.value.length : 1;
    body += sizeOfVarint(r.headers.length);
    for (const h of r.headers) {
      body += sizeOfVarint(h.key.length) + h.key.length;
      body += h.value ? sizeOfVarint(h.value.length) + h.value.length : 1;
    }
    bodySizes.push(body);
    total += sizeOfVarint(body) + body;
  }

  const buf = Buffer.alloc(total);
  buf.writeBigInt64BE(BigInt(opts.baseOffset ?? 0), BASE_OFFSET_OFFSET);
  buf.writeInt32BE(total - LOG_OVERHEAD, LENGTH_OFFSET);
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH_OFFSET);
  buf.writeInt8(MAGIC_V2, MAGIC_OFFSET);
  let attrs = 0;
  if (logAppend) attrs |= TIMESTAMP_TYPE_MASK;
  if (opts.isTransactional) attrs |= TRANSACTIONAL_FLAG_MASK;
  if (opts.isControl) attrs |= CONTROL_FLAG_MASK;
  buf.writeInt16BE(attrs, ATTRIBUTES_OFFSET);
  const lastOffsetDelta = opts.lastOffsetDelta ?? (recs.length > 0 ? recs[recs.length - 1]!.offsetDelta : 0);
  buf.writeInt32BE(lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET);
  writeInt64FromNumber(buf, BASE_TIMESTAMP_OFFSET, baseTimestamp);
  writeInt64FromNumber(buf, MAX_TIMESTAMP_OFFSET, maxTimestamp);
  buf.writeBigInt64BE(BigInt(opts.producerId ?? NO_PRODUCER_ID), PRODUCER_ID_OFFSET);
  buf.writeInt16BE(opts.producerEpoch ?? NO_PRODUCER_EPOCH, PRODUCER_EPOCH_OFFSET);
  buf.writeInt32BE(opts.baseSequence ?? NO_SEQUENCE, BASE_SEQUENCE_OFFSET);
  buf.writeInt32BE(recs.length, RECORDS_COUNT_OFFSET);

  let pos = RECORD_BATCH_OVERHEAD;
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    pos = writeVarint(buf, pos, bodySizes[i]!);
    buf[pos++] = 0;
    pos = writeVarlong(buf, pos, r.timestamp - baseTimestamp);
    pos = writeVarint(buf, pos, r.offsetDelta);
    if (r.key) {
      pos = writeVarint(buf, pos, r.key.length);
      pos += r.key.copy(buf, pos);
    } else pos = writeVarint(buf, pos, -1);
    if (r.value) {
      pos = writeVarint(buf, pos, r.value.length);
      pos += r.value.copy(buf, pos);
    } else pos = writeVarint(buf, pos, -1);
    pos = writeVarint(buf, pos, r.headers.length);
    for (const h of r.headers) {
      pos = writeVarint(buf, pos, h.key.length);
      pos += h.key.copy(buf, pos);
      if (h.value) {
        pos = writeVarint(buf, pos, h.value.length);
        pos += h.value.copy(buf, pos);
      } else pos = writeVarint(buf, pos, -1);
    }
  }
  if (pos !== total) throw new Error(`buildRecordBatch size mismatch: wrote ${pos}, expected ${total}`);
  buf.writeUInt32BE(crc32c(buf, ATTRIBUTES_OFFSET, total), CRC_OFFSET);
  return buf;
}

/** Encode a transaction marker control batch (ABORT = 0, COMMIT = 1) for `producerId`/`producerEpoch`. */
export function buildEndTxnMarker(opts: {
  baseOffset?: bigint | number;
  producerId: bigint | number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
  timestamp?: number;
  partitionLeaderEpoch?: number;
}): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(opts.commit ? 1 : 0, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(opts.coordinatorEpoch, 2);
  return buildRecordBatch({
    baseOffset: opts.baseOffset ?? 0,
    records: [{ key, value, timestamp: opts.timestamp ?? Date.now() }],
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    isTransactional: true,
    isControl: true,
    partitionLeaderEpoch: opts.partitionLeaderEpoch,
  });
}
