/**
 * Kafka `LogValidator.validateMessagesAndAssignOffsetsCompressed` / `buildRecordsAndAssignOffsets` for v2 batches:
 * the codec a leader append is stored with is the topic's `compression.type` (Kafka `BrokerCompressionType.
 * targetCompression`), or the batch's own codec for `producer`. A batch whose codec differs from that target is
 * decompressed and rebuilt as one new v2 batch with the target codec, keeping what Kafka's `MemoryRecordsBuilder`
 * keeps: producer id/epoch, base sequence, isTransactional, partition leader epoch, and every record's timestamp,
 * key, value and headers (offset deltas become 0..n-1, base timestamp = first record's). Offsets, the leader epoch
 * and LogAppendTime are set afterwards by the log, on the rebuilt batch as on an in-place one. Control batches are
 * never rebuilt (Kafka keeps uncompressed control batches in place; clients cannot write any).
 * Zstd as target is accepted whatever the Produce version (Kafka only refuses it for inter.broker.protocol.version
 * < 2.1; old consumers then get UNSUPPORTED_COMPRESSION_TYPE from Fetch < v10).
 */
import type { LogConfig } from './log-config.js';
import { buildRecordBatch, CompressionType, RecordBatch } from './record-batch.js';
import { compressRecordBatch } from './record-conversion.js';

const TARGETS: Readonly<Record<string, CompressionType>> = {
  uncompressed: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

/** Kafka `BrokerCompressionType.targetCompression`: the codec to store `source` with under `compression.type`. */
export function targetCompression(compressionType: string, source: CompressionType): CompressionType {
  return TARGETS[compressionType] ?? source;
}

/** The codec level of `compression.<codec>.level` (Kafka `Compression.of(type).level(...)`; lz4 keeps its default). */
function levelOf(target: CompressionType, config: CompressionLevels): number | undefined {
  if (target === CompressionType.Gzip) return config.compressionGzipLevel;
  if (target === CompressionType.Zstd) return config.compressionZstdLevel;
  return undefined;
}

export type CompressionLevels = Pick<LogConfig, 'compressionGzipLevel' | 'compressionZstdLevel'>;

/** One v2 batch rebuilt with `target`: base offset 0, the batch's producer fields, timestamps and records. */
export function recompressBatch(batch: RecordBatch, target: CompressionType, levels?: CompressionLevels): Buffer {
  const records = batch.toRecords().map((r, i) => ({ key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers, offsetDelta: i }));
  const rebuilt = buildRecordBatch({
    records,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    isTransactional: batch.isTransactional,
  });
  return compressRecordBatch(rebuilt, target, { level: levels && levelOf(target, levels) });
}

/** The batches of one append after recompression (views over {@link data}, the bytes to write). */
export interface RecompressedAppend {
  data: Buffer;
  batches: RecordBatch[];
}

/**
 * Recompress the batches of a leader append (already validated, views over the append's bytes) whose codec is not
 * the target of `compressionType`. Returns null when every batch stays as it is (always for `producer`: one string
 * comparison, the fast path).
 */
export function recompressForAppend(
  batches: readonly RecordBatch[],
  config: Pick<LogConfig, 'compressionType'> & CompressionLevels,
): RecompressedAppend | null {
  const compressionType = config.compressionType;
  if (compressionType === 'producer') return null;
  let parts: Buffer[] | null = null;
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!;
    const source = b.compressionType;
    const target = targetCompression(compressionType, source);
    const keep = target === source || b.isControlBatch;
    if (keep && parts === null) continue;
    parts ??= batches.slice(0, i).map(slice);
    parts.push(keep ? slice(b) : recompressBatch(b, target, config));
  }
  if (parts === null) return null;
  const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const out: RecordBatch[] = [];
  for (let pos = 0; pos < data.length; pos += out[out.length - 1]!.sizeInBytes) out.push(new RecordBatch(data, pos));
  return { data, batches: out };
}

function slice(b: RecordBatch): Buffer {
  return b.buffer.subarray(b.position, b.position + b.sizeInBytes);
}
