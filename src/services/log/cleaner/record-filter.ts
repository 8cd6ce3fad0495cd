/**
 * Filtering one batch for the cleaner (Kafka `MemoryRecords.filterTo` + `buildRetainedRecordsInto`):
 * - a batch whose records are all kept (and that needs no delete horizon) is copied byte for byte;
 * - otherwise the kept records are re-encoded into a batch with the original batch's metadata: base offset and
 *   last offset (so the producer's last sequence survives), partition leader epoch, producer id/epoch/base
 *   sequence, transactional/control flags, timestamp type and compression codec (the records are re-compressed);
 * - a batch with tombstones or a transaction marker that has no delete horizon yet gets one
 *   (now + `delete.retention.ms`, KIP-534): its base timestamp becomes the horizon and the DELETE_HORIZON flag is
 *   set, record timestamps staying what they were;
 * - a batch whose records all go but that must stay (last batch of a producer, last batch of the cleaning round)
 *   is kept as an empty header (record count 0).
 * Legacy (magic 0/1) entries: an uncompressed message is kept or dropped as a whole; compressed wrappers are kept.
 */
import { compress } from '../compression.js';
import { crc32c } from '../crc32c.js';
import { LegacyRecordBatch } from '../legacy-records.js';
import {
  ATTRIBUTES_OFFSET, BASE_OFFSET_OFFSET, COMPRESSION_CODEC_MASK, DELETE_HORIZON_FLAG_MASK, BASE_SEQUENCE_OFFSET, BASE_TIMESTAMP_OFFSET, CompressionType, CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET, LENGTH_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, MAGIC_V2, MAX_TIMESTAMP_OFFSET, NO_TIMESTAMP,
  PARTITION_LEADER_EPOCH_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORD_BATCH_OVERHEAD, RECORDS_COUNT_OFFSET,
  type RecordBatch, type RecordCursor, TimestampType, writeInt64FromNumber,
} from '../record-batch.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../varint.js';

/** Kafka `RecordFilter.BatchRetention`. */
export type BatchRetention = 'DELETE' | 'DELETE_EMPTY' | 'RETAIN_EMPTY';

export interface RecordFilter {
  /** Clean time; compared with batches' delete horizons. */
  readonly currentTime: number;
  readonly deleteRetentionMs: number;
  checkBatchRetention(batch: RecordBatch): { retention: BatchRetention; containsMarkerForEmptyTxn: boolean };
  /** `c` is positioned on the record. */
  shouldRetainRecord(batch: RecordBatch, c: RecordCursor): boolean;
}

export interface FilteredBatch {
  /** Bytes to write, or null when the batch is dropped. */
  output: Buffer | null;
  messagesRead: number;
  messagesRetained: number;
  /** Last offset of the written batch. */
  lastOffset: bigint;
  maxTimestamp: number;
}

interface KeptRecord {
  attributes: number;
  timestamp: number;
  offsetDelta: number;
  /** The record from its key-length varint to its end (key, value, headers), a view. */
  tail: Buffer;
}

/** Filter one v2 batch (`bytes` are the batch's bytes, `batch` a view on them). */
export function filterBatch(batch: RecordBatch, bytes: Buffer, filter: RecordFilter): FilteredBatch {
  const { retention, containsMarkerForEmptyTxn } = filter.checkBatchRetention(batch);
  const count = batch.recordsCount;
  const dropped: FilteredBatch = { output: null, messagesRead: count, messagesRetained: 0, lastOffset: batch.lastOffset, maxTimestamp: batch.maxTimestamp };
  if (retention === 'DELETE') return dropped;
  const kept: KeptRecord[] = [];
  let containsTombstones = false;
  let all = true;
  let maxTs = NO_TIMESTAMP;
  const c = batch.records();
  while (c.next()) {
    if (!filter.shouldRetainRecord(batch, c)) {
      all = false;
      continue;
    }
    if (c.valueLength < 0) containsTombstones = true;
    const ts = c.timestamp;
    if (ts > maxTs) maxTs = ts;
    const tailStart = c.keyPosition - sizeOfVarint(c.keyLength);
    kept.push({ attributes: c.attributes, timestamp: ts, offsetDelta: c.offsetDelta, tail: c.data.subarray(tailStart, c.recordPosition + c.recordSize) });
  }
  if (kept.length > 0) {
    const needToSetDeleteHorizon = (containsTombstones || containsMarkerForEmptyTxn) && !batch.hasDeleteHorizon;
    const result = { messagesRead: count, messagesRetained: kept.length, lastOffset: batch.lastOffset };
    if (all && !needToSetDeleteHorizon) return { ...result, output: Buffer.from(bytes), maxTimestamp: batch.maxTimestamp };
    const horizon = needToSetDeleteHorizon ? filter.currentTime + filter.deleteRetentionMs : batch.hasDeleteHorizon ? batch.baseTimestamp : NO_TIMESTAMP;
    const output = buildRetainedBatch(batch, kept, horizon);
    return { ...result, output, maxTimestamp: batch.timestampType === TimestampType.LogAppendTime ? batch.maxTimestamp : maxTs };
  }
  if (retention === 'RETAIN_EMPTY') return { ...dropped, output: emptyBatchHeader(batch) };
  return dropped;
}

/** Kafka `buildRetainedRecordsInto` for magic 2. `deleteHorizonMs` is -1 for none. */
export function buildRetainedBatch(original: RecordBatch, kept: readonly KeptRecord[], deleteHorizonMs: number): Buffer {
  const baseTimestamp = deleteHorizonMs !== NO_TIMESTAMP ? deleteHorizonMs : kept[0]!.timestamp;
  const bodies: Array<{ size: number; tsDelta: number; rec: KeptRecord }> = [];
  let recordsSize = 0;
  for (const rec of kept) {
    const tsDelta = rec.timestamp - baseTimestamp;
    const size = 1 + sizeOfVarlong(tsDelta) + sizeOfVarint(rec.offsetDelta) + rec.tail.length;
    bodies.push({ size, tsDelta, rec });
    recordsSize += sizeOfVarint(size) + size;
  }
  const records = Buffer.allocUnsafe(recordsSize);
  let pos = 0;
  for (const { size, tsDelta, rec } of bodies) {
    pos = writeVarint(records, pos, size);
    records[pos++] = rec.attributes;
    pos = writeVarlong(records, pos, tsDelta);
    pos = writeVarint(records, pos, rec.offsetDelta);
    pos += rec.tail.copy(records, pos);
  }
  const codec = original.compressionType;
  const payload = codec === CompressionType.None ? records : compress(codec, records);
  const out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + payload.length);
  const logAppend = original.timestampType === TimestampType.LogAppendTime;
  let maxTimestamp = NO_TIMESTAMP;
  if (logAppend) maxTimestamp = original.maxTimestamp;
  else for (const r of kept) if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
  const attrs = (original.attributes & ~DELETE_HORIZON_FLAG_MASK) | (deleteHorizonMs !== NO_TIMESTAMP ? DELETE_HORIZON_FLAG_MASK : 0);
  writeHeader(out, original, {
    attributes: attrs,
    baseTimestamp,
    maxTimestamp,
    count: kept.length,
  });
  payload.copy(out, RECORD_BATCH_OVERHEAD);
  out.writeUInt32BE(crc32c(out, ATTRIBUTES_OFFSET, out.length), CRC_OFFSET);
  return out;
}

/** Kafka `DefaultRecordBatch.writeEmptyHeader`: the batch's offsets and producer fields, no records. */
export function emptyBatchHeader(original: RecordBatch): Buffer {
  const out = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD);
  const attrs = original.attributes & ~(COMPRESSION_CODEC_MASK | DELETE_HORIZON_FLAG_MASK);
  writeHeader(out, original, { attributes: attrs, baseTimestamp: NO_TIMESTAMP, maxTimestamp: original.maxTimestamp, count: 0 });
  out.writeUInt32BE(crc32c(out, ATTRIBUTES_OFFSET, out.length), CRC_OFFSET);
  return out;
}

function writeHeader(out: Buffer, original: RecordBatch, f: { attributes: number; baseTimestamp: number; maxTimestamp: number; count: number }): void {
  out.writeBigInt64BE(original.baseOffset, BASE_OFFSET_OFFSET);
  out.writeInt32BE(out.length - LOG_OVERHEAD, LENGTH_OFFSET);
  out.writeInt32BE(original.partitionLeaderEpoch, PARTITION_LEADER_EPOCH_OFFSET);
  out.writeInt8(MAGIC_V2, MAGIC_OFFSET);
  out.writeUInt32BE(0, CRC_OFFSET);
  out.writeInt16BE(f.attributes, ATTRIBUTES_OFFSET);
  out.writeInt32BE(original.lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET);
  writeInt64FromNumber(out, BASE_TIMESTAMP_OFFSET, f.baseTimestamp);
  writeInt64FromNumber(out, MAX_TIMESTAMP_OFFSET, f.maxTimestamp);
  out.writeBigInt64BE(original.producerId, PRODUCER_ID_OFFSET);
  out.writeInt16BE(original.producerEpoch, PRODUCER_EPOCH_OFFSET);
  out.writeInt32BE(original.baseSequence, BASE_SEQUENCE_OFFSET);
  out.writeInt32BE(f.count, RECORDS_COUNT_OFFSET);
}

/**
 * A legacy (magic 0/1) top-level entry: kept as is, or dropped when it is an uncompressed message whose key has a
 * later offset, has no key, or is a tombstone past the legacy delete horizon. Compressed wrappers are kept whole.
 */
export function keepLegacyEntry(
  entry: LegacyRecordBatch,
  latestOffsetOf: (key: Buffer) => number,
  mapLatestOffset: number,
  retainDeletes: boolean,
): boolean {
  if (entry.isCompressed) return true;
  const offset = Number(entry.offset);
  if (offset > mapLatestOffset) return true;
  const key = entry.key();
  if (key === null) return false;
  if (offset < latestOffsetOf(key)) return false;
  return entry.value() !== null || retainDeletes;
}
