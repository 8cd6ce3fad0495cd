/**
 * Conversion between RecordBatch v2 (what the log stores) and the legacy message format (magic 0 and 1):
 * - {@link downConvert}: Kafka's `RecordsUtil.downConvert` as driven by `LazyDownConversionRecords`, for Fetch v0–v3
 *   (v0/v1 carry magic 0, v2/v3 magic 1);
 * - {@link upConvertForAppend}: `LogValidator`'s conversion of a Produce v0–v2 message set to the log's format v2;
 * - {@link buildLegacyMessageSet}: `MemoryRecordsBuilder` for magic 0/1 (the writer beside legacy-records.ts' reader).
 */
import { compress, type CompressOptions } from './compression.js';
import { crc32c } from './crc32c.js';
import { crc32, iterateLogBatches, LegacyRecordBatch, type LegacyRecord, RECORD_OVERHEAD_V0, RECORD_OVERHEAD_V1 } from './legacy-records.js';
import {
  ATTRIBUTES_OFFSET, buildRecordBatch, COMPRESSION_CODEC_MASK, CompressionType, CRC_OFFSET, LENGTH_OFFSET, LOG_OVERHEAD, MAGIC_V0, MAGIC_V1, MAGIC_V2,
  NO_TIMESTAMP, RECORD_BATCH_OVERHEAD, RecordBatch, TimestampType, writeInt64FromNumber,
} from './record-batch.js';

/** Kafka `UnsupportedCompressionTypeException` (mapped to UNSUPPORTED_COMPRESSION_TYPE by name). */
export class UnsupportedCompressionTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedCompressionTypeError';
  }
}

/** LegacyRecord's attribute bit for LogAppendTime (magic 1 only). */
const LEGACY_TIMESTAMP_TYPE_MASK = 0x08;

export interface LegacyRecordInput {
  /** Absolute offset. */
  offset: bigint;
  /** Ignored for magic 0. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

export interface LegacyMessageSetOptions {
  magic: 0 | 1;
  compressionType: CompressionType;
  /** CreateTime or LogAppendTime (magic 1; magic 0 has no timestamps). */
  timestampType: TimestampType;
  /** The broker time written as every timestamp for LogAppendTime. */
  logAppendTime?: number;
  records: readonly LegacyRecordInput[];
}

/** `LegacyRecord.write` with its 12-byte log prefix: offset | size | crc | magic | attributes | [timestamp] | key | value. */
function legacyMessage(magic: 0 | 1, offsetField: bigint, timestamp: number, key: Buffer | null, value: Buffer | null, attributes: number): Buffer {
  const size = (magic === MAGIC_V0 ? RECORD_OVERHEAD_V0 : RECORD_OVERHEAD_V1) + (key?.length ?? 0) + (value?.length ?? 0);
  const buf = Buffer.alloc(LOG_OVERHEAD + size);
  buf.writeBigInt64BE(offsetField, 0);
  buf.writeInt32BE(size, LENGTH_OFFSET);
  buf.writeInt8(magic, 16);
  buf.writeInt8(attributes, 17);
  let pos = 18;
  if (magic === MAGIC_V1) {
    writeInt64FromNumber(buf, pos, timestamp);
    pos += 8;
  }
  for (const field of [key, value]) {
    buf.writeInt32BE(field === null ? -1 : field.length, pos);
    pos += 4;
    if (field !== null) pos += field.copy(buf, pos);
  }
  buf.writeUInt32BE(crc32(buf, 16, buf.length), 12);
  return buf;
}

/**
 * A magic 0/1 message set, as Kafka's `MemoryRecordsBuilder` writes one: uncompressed, one message per record at its
 * absolute offset; compressed, one wrapper message whose offset is the last record's and whose value is the
 * compressed inner messages (magic 1: inner offsets relative to the first, wrapper timestamp = max timestamp, or
 * the log append time).
 */
export function buildLegacyMessageSet(opts: LegacyMessageSetOptions): Buffer {
  const { magic, records, compressionType } = opts;
  if (records.length === 0) return Buffer.alloc(0);
  const logAppend = magic === MAGIC_V1 && opts.timestampType === TimestampType.LogAppendTime;
  const tsAttribute = logAppend ? LEGACY_TIMESTAMP_TYPE_MASK : 0;
  const timestampOf = (r: LegacyRecordInput) => (magic === MAGIC_V0 ? NO_TIMESTAMP : logAppend ? opts.logAppendTime ?? NO_TIMESTAMP : r.timestamp);
  if (compressionType === CompressionType.None) {
    return Buffer.concat(records.map((r) => legacyMessage(magic, r.offset, timestampOf(r), r.key, r.value, tsAttribute)));
  }
  if (compressionType === CompressionType.Zstd) {
    throw new UnsupportedCompressionTypeError(`Magic ${magic} message sets cannot be zstd-compressed`);
  }
  const base = records[0]!.offset;
  const inner = Buffer.concat(records.map((r) =>
    legacyMessage(magic, magic === MAGIC_V1 ? r.offset - base : r.offset, timestampOf(r), r.key, r.value, tsAttribute)));
  let wrapperTimestamp = NO_TIMESTAMP;
  for (const r of records) wrapperTimestamp = Math.max(wrapperTimestamp, timestampOf(r));
  return legacyMessage(magic, records[records.length - 1]!.offset, wrapperTimestamp, null, compress(compressionType, inner, { magic }), tsAttribute | compressionType);
}

/** The records of one batch converted to `toMagic` (null: nothing left to send from it). */
function convertBatch(entry: { magic: number; batch: unknown }, toMagic: 0 | 1, firstOffset: bigint): Buffer | null {
  if (entry.magic === MAGIC_V2) {
    const batch = entry.batch as RecordBatch;
    // uncompressed v2 batches are split into single messages: drop those before the fetch offset (librdkafka relies on it)
    const records = batch.toRecords().filter((r) => batch.compressionType !== CompressionType.None || r.offset >= firstOffset);
    if (records.length === 0) return null;
    const logAppend = batch.timestampType === TimestampType.LogAppendTime;
    return buildLegacyMessageSet({
      magic: toMagic,
      compressionType: batch.compressionType,
      timestampType: logAppend ? TimestampType.LogAppendTime : TimestampType.CreateTime,
      logAppendTime: logAppend ? batch.maxTimestamp : undefined,
      records,
    });
  }
  // magic 1 → 0 (legacy data straight from an old log)
  const m = entry.batch as LegacyRecordBatch;
  const records = m.innerRecords().filter((r) => m.isCompressed || r.offset >= firstOffset);
  if (records.length === 0) return null;
  return buildLegacyMessageSet({ magic: toMagic, compressionType: m.compressionType, timestampType: TimestampType.CreateTime, records });
}

/**
 * Down-convert fetched records (as read from the log, starting at the batch holding `firstOffset`) to magic 0 or 1.
 * Batches already at or below `toMagic` are kept as they are; control batches are dropped (no equivalent in magic
 * 0/1); zstd batches raise {@link UnsupportedCompressionTypeError}. As `LazyDownConversionRecords`, the result
 * holds at least the first converted batch, then more while it stays within the size of the unconverted records
 * (Kafka fills the rest with a partial message; whole messages only here, the client fetches the rest next time).
 */
export function downConvert(records: Buffer, toMagic: 0 | 1, firstOffset: bigint): Buffer {
  const out: Buffer[] = [];
  let size = 0;
  for (const e of iterateLogBatches(records)) {
    if (e.magic === MAGIC_V2) {
      const batch = e.batch as RecordBatch;
      if (batch.isControlBatch) continue;
      if (batch.compressionType === CompressionType.Zstd) {
        throw new UnsupportedCompressionTypeError('Down-conversion of zstandard-compressed batches is not supported');
      }
    }
    const converted = e.magic <= toMagic ? records.subarray(e.position, e.position + e.size) : convertBatch(e, toMagic, firstOffset);
    if (converted === null) continue;
    if (out.length > 0 && size + converted.length > records.length) break;
    out.push(converted);
    size += converted.length;
  }
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}

/** An uncompressed v2 batch with its records section compressed by `type` (attributes, length and CRC updated). */
export function compressRecordBatch(batch: Buffer, type: CompressionType, options: CompressOptions = {}): Buffer {
  if (type === CompressionType.None) return batch;
  const body = compress(type, batch.subarray(RECORD_BATCH_OVERHEAD), options);
  const out = Buffer.alloc(RECORD_BATCH_OVERHEAD + body.length);
  batch.copy(out, 0, 0, RECORD_BATCH_OVERHEAD);
  body.copy(out, RECORD_BATCH_OVERHEAD);
  out.writeInt32BE(out.length - LOG_OVERHEAD, LENGTH_OFFSET);
  out.writeInt16BE((out.readInt16BE(ATTRIBUTES_OFFSET) & ~COMPRESSION_CODEC_MASK) | type, ATTRIBUTES_OFFSET);
  out.writeUInt32BE(crc32c(out, ATTRIBUTES_OFFSET, out.length), CRC_OFFSET);
  return out;
}

function v2BatchOf(records: readonly LegacyRecord[], codec: CompressionType): Buffer {
  const batch = buildRecordBatch({
    timestampType: TimestampType.CreateTime,
    records: records.map((r, i) => ({ key: r.key, value: r.value, timestamp: r.timestamp, offsetDelta: i })),
  });
  return compressRecordBatch(batch, codec);
}

/**
 * `LogValidator` for a message set whose magic is below the log's (Produce v0–v2): each legacy message is CRC-checked
 * (CorruptRecordError) and each run of legacy messages becomes one v2 batch, compressed with the codec of the
 * producer's first compressed wrapper (what `compression.type=producer` keeps); magic 0 records keep no timestamp
 * (-1). v2 batches pass through untouched; offsets are assigned by the log afterwards. Returns `records` itself
 * when there is nothing to convert (including bytes that hold no complete entry: the log reports those).
 */
export function upConvertForAppend(records: Buffer): Buffer {
  const out: Buffer[] = [];
  let pending: LegacyRecord[] = [];
  let codec = CompressionType.None;
  let legacy = false;
  const flush = () => {
    if (pending.length > 0) out.push(v2BatchOf(pending, codec));
    pending = [];
    codec = CompressionType.None;
  };
  for (const e of iterateLogBatches(records)) {
    if (e.magic === MAGIC_V2) {
      flush();
      out.push(records.subarray(e.position, e.position + e.size));
      continue;
    }
    legacy = true;
    const m = e.batch as LegacyRecordBatch;
    m.ensureValid();
    if (m.isCompressed && codec === CompressionType.None) codec = m.compressionType;
    pending.push(...m.innerRecords());
  }
  flush();
  return legacy ? Buffer.concat(out) : records;
}
