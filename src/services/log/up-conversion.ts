/**
 * Up-conversion of legacy (magic 0/1) entries read from a log to v2 batches, for fetchers that only speak v2
 * (Kafka's `LazyDownConversionRecords` goes the other way; Kafka itself serves stored bytes as they are).
 * Split out of log.ts.
 */
import { buildRecordBatch, MAGIC_V2, nextBatchAt, TimestampType } from './record-batch.js';
import { legacyBatchAt, LegacyRecordBatch } from './legacy-records.js';

/** Up-convert legacy (magic 0/1) entries in a read result to v2 batches; v2 bytes are passed through. */
export function upConvertIfNeeded(records: Buffer): Buffer {
  // fast path: every batch's magic byte is 2
  let pos = 0;
  let legacy = false;
  while (pos + 17 <= records.length) {
    if (records[pos + 16] !== MAGIC_V2) {
      legacy = true;
      break;
    }
    pos += 12 + records.readInt32BE(pos + 8);
  }
  if (!legacy) return records;
  const out: Buffer[] = [];
  pos = 0;
  for (;;) {
    let e;
    try {
      e = nextBatchAt(records, pos, records.length, Number.MAX_SAFE_INTEGER, legacyBatchAt);
    } catch {
      break;
    }
    if (e === null) break;
    if (e.batch instanceof LegacyRecordBatch) {
      const inner = e.batch.innerRecords();
      if (inner.length > 0) {
        const base = inner[0]!.offset;
        const tsType = e.batch.timestampType === TimestampType.LogAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime;
        out.push(
          buildRecordBatch({
            baseOffset: base,
            timestampType: tsType,
            logAppendTime: tsType === TimestampType.LogAppendTime ? e.batch.maxTimestamp : undefined,
            records: inner.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, offsetDelta: Number(r.offset - base) })),
          }),
        );
      }
    } else {
      out.push(records.subarray(e.position, e.position + e.size));
    }
    pos += e.size;
  }
  return Buffer.concat(out);
}

