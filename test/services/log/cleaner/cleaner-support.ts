/** Shared by the cleaner tests: a compacted log on disk, batches (optionally compressed), reading it back. */
import * as path from 'node:path';
import { readdirSync } from 'node:fs';
import { pino } from 'pino';
import { Log, type LogHooks } from '../../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../../src/services/log/log-config.js';
import { LogCleaner } from '../../../../src/services/log/cleaner/log-cleaner.js';
import { compress } from '../../../../src/services/log/compression.js';
import {
  ATTRIBUTES_OFFSET, buildRecordBatch, CompressionType, CRC_OFFSET, iterateBatches, LENGTH_OFFSET, LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD, RecordBatch,
} from '../../../../src/services/log/record-batch.js';
import { crc32cRef } from '../log-test-helpers.js';
import { makeTmpDir } from '../tmp.js';

export const silent = pino({ level: 'silent' });

export const compactConfig = (o: Partial<LogConfig> = {}): LogConfig => ({
  ...DEFAULT_LOG_CONFIG, cleanupPolicy: ['compact'], segmentBytes: 2048, indexIntervalBytes: 256, deleteRetentionMs: 1000,
  minCleanableRatio: 0.01, fileDeleteDelayMs: 0, ...o,
});

export async function compactedLog(config: LogConfig = compactConfig(), hooks: LogHooks = {}): Promise<{ log: Log; root: string; dir: string }> {
  const root = await makeTmpDir('rafka-cleaner-');
  const dir = path.join(root, 't-0');
  return { log: Log.create({ dir, topic: 't', partition: 0, config, hooks }), root, dir };
}

export interface Rec { key: string | null; value: string | null }

/** One batch of `recs` (timestamp `ts`), compressed with `codec` (CRC recomputed by an independent CRC-32C). */
export function batchOf(recs: Rec[], ts: number, codec = CompressionType.None, extra: { producerId?: bigint; producerEpoch?: number; baseSequence?: number } = {}): Buffer {
  const plain = buildRecordBatch({ records: recs.map((r, i) => ({ key: r.key, value: r.value, timestamp: ts + i })), defaultTimestamp: ts, ...extra });
  if (codec === CompressionType.None) return plain;
  const body = compress(codec, plain.subarray(RECORD_BATCH_OVERHEAD));
  const out = Buffer.concat([plain.subarray(0, RECORD_BATCH_OVERHEAD), body]);
  out.writeInt32BE(out.length - LOG_OVERHEAD, LENGTH_OFFSET);
  out.writeInt16BE(out.readInt16BE(ATTRIBUTES_OFFSET) | codec, ATTRIBUTES_OFFSET);
  out.writeUInt32BE(crc32cRef(out, ATTRIBUTES_OFFSET, out.length), CRC_OFFSET);
  return out;
}

export interface ReadRecord { offset: bigint; key: string | null; value: string | null; timestamp: number }

/** Every record of the log, from its start, as a consumer would see them. */
export function readAll(log: Log): { records: ReadRecord[]; batches: RecordBatch[] } {
  const records: ReadRecord[] = [];
  const batches: RecordBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { records: buf } = log.read(offset, 1 << 20, { minOneMessage: true });
    if (buf.length === 0) break;
    for (const e of iterateBatches(buf)) {
      const b = e.batch as RecordBatch;
      batches.push(new RecordBatch(Buffer.from(b.slice())));
      const c = b.records();
      while (c.next()) {
        if (c.offset < offset) continue;
        records.push({ offset: c.offset, key: c.key()?.toString() ?? null, value: c.value()?.toString() ?? null, timestamp: c.timestamp });
      }
      offset = b.nextOffset;
    }
  }
  return { records, batches };
}

/** key → value of the last record per key. */
export function latestPerKey(records: ReadRecord[]): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (const r of records) if (r.key !== null) m.set(r.key, r.value);
  return m;
}

export function newCleaner(logs: () => Iterable<Log>, logDirs: string[], o: { now?: () => number; dedupeBufferSize?: number; yieldMs?: number; onIoError?: (dir: string, e: Error) => void } = {}): LogCleaner {
  return new LogCleaner({
    config: { numThreads: 1, dedupeBufferSize: o.dedupeBufferSize ?? 1 << 20, dedupeBufferLoadFactor: 0.9, backoffMs: 10, enableCleaner: true },
    logDirs, logs, log: silent, now: o.now, yieldMs: o.yieldMs, onIoError: o.onIoError ?? (() => {}),
  });
}

export const tempFiles = (dir: string): string[] => readdirSync(dir).filter((f) => /\.(cleaned|swap|deleted)$/.test(f));
