/**
 * Cleaning one log (Kafka `Cleaner`): build the key → latest offset map over the dirty section
 * [firstDirtyOffset, firstUncleanableOffset) — stopping where the bounded map is full — then recopy every segment
 * from the log start up to where the map reached, in groups of at most `segment.bytes` (and index limits), each
 * group into one `<base>.log.cleaned` segment that is swapped into the log.
 *
 * Off the hot path: the work is synchronous I/O in slices; the event loop gets a turn (setImmediate) whenever a
 * slice ran longer than `yieldMs`, so produce/fetch wait at most about that long. Before each slice `checkDone`
 * may abort (shutdown, log deleted): the `.cleaned` files written so far are deleted.
 */
import fs from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from '../../../logger.js';
import { LegacyRecordBatch } from '../legacy-records.js';
import type { Log } from '../log.js';
import type { LogConfig } from '../log-config.js';
import { LogSegment } from '../log-segment.js';
import { CLEANED_FILE_SUFFIX, logFile, offsetIndexFile, timeIndexFile, txnIndexFile } from '../log-file-names.js';
import { fsyncDir } from '../atomic-write.js';
import { MAGIC_V2, type RecordBatch, type RecordCursor } from '../record-batch.js';
import type { AbortedTxn } from '../transaction-index.js';
import { CleanedTransactionMetadata } from './cleaned-transaction-metadata.js';
import type { OffsetMap } from './offset-map.js';
import { type BatchRetention, filterBatch, keepLegacyEntry, type RecordFilter } from './record-filter.js';

/** Kafka `LogCleaningAbortedException`: the clean stopped on request; not an error of the log. */
export class LogCleaningAbortedError extends Error {
  override name = 'LogCleaningAbortedError';
}

/**
 * The log as the Cleaner uses it: the Log itself in the main thread, or a view of its segment files in the clean
 * worker (clean-worker.ts), whose swap is done by the main thread.
 */
export interface CleanableLog {
  readonly dir: string;
  readonly config: LogConfig;
  logSegments(from?: bigint, to?: bigint): LogSegment[];
  producerEntries(): ReadonlyArray<{ producerId: bigint; epoch: number; lastOffset: bigint }>;
  /** Swap `cleaned` (flushed, `.cleaned`) in for `old`; false if the log changed meanwhile. */
  replaceSegments(cleaned: LogSegment, old: readonly LogSegment[]): boolean | Promise<boolean>;
}

/** What the cleaner needs to know about a log to clean it (Kafka `LogToClean`). */
export interface LogToClean {
  topicPartition: string;
  log: Log;
  firstDirtyOffset: bigint;
  /** Exclusive end of the cleanable section (base offset of the first uncleanable segment). */
  firstUncleanableOffset: bigint;
  cleanBytes: number;
  cleanableBytes: number;
  cleanableRatio: number;
  needCompactionNow: boolean;
}

/** Kafka `CleanerStats`. */
export class CleanerStats {
  readonly startTime = performance.now();
  mapCompleteTime = -1;
  endTime = -1;
  bytesRead = 0;
  bytesWritten = 0;
  mapBytesRead = 0;
  mapMessagesRead = 0;
  messagesRead = 0;
  invalidMessagesRead = 0;
  messagesWritten = 0;
  bufferUtilization = 0;
  get elapsedSecs(): number {
    return (this.endTime - this.startTime) / 1000;
  }
}

export interface CleanerOptions {
  offsetMap: OffsetMap;
  /** `log.cleaner.io.buffer.load.factor`: the map is considered full at slots × this. */
  dupBufferLoadFactor: number;
  /** Throws {@link LogCleaningAbortedError} when the clean of `topicPartition` must stop. */
  checkDone: (topicPartition: string) => void;
  /** Old segments swapped out: their handles may be closed after `delayMs` (reads in flight finish first). */
  retireSegments?: (segments: LogSegment[], delayMs: number) => void;
  now?: () => number;
  /** Longest synchronous slice before the event loop gets a turn (default 5 ms). */
  yieldMs?: number;
  /** `log.cleaner.io.max.bytes.per.second`: read + write rate cap (Kafka's Throttler); default none. */
  maxIoBytesPerSecond?: number;
  log?: Logger;
}

/** Producer → its last data offset / epoch (Kafka `lastRecordsOfActiveProducers`). */
type LastRecords = Map<bigint, { lastDataOffset: bigint | null; producerEpoch: number }>;

export class Cleaner {
  readonly offsetMap: OffsetMap;
  private readonly opts: CleanerOptions;
  private lastYield = performance.now();
  private readonly throttler: Throttler | null;

  constructor(opts: CleanerOptions) {
    this.opts = opts;
    this.offsetMap = opts.offsetMap;
    const rate = opts.maxIoBytesPerSecond;
    this.throttler = rate !== undefined && rate > 0 && rate < Number.MAX_SAFE_INTEGER ? new Throttler(rate) : null;
    if (opts.offsetMap.slots * opts.dupBufferLoadFactor <= 1) {
      throw new RangeError('offset map is too small to fit in even a single message, so log cleaning will never make progress. You can increase log.cleaner.dedupe.buffer.size or decrease log.cleaner.threads');
    }
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Abort check, then a turn of the event loop if this slice ran long enough. */
  private async checkpoint(tp: string): Promise<void> {
    this.opts.checkDone(tp);
    if (performance.now() - this.lastYield >= (this.opts.yieldMs ?? 5)) {
      await yieldToLoop();
      this.lastYield = performance.now();
      this.opts.checkDone(tp);
    }
  }

  /** Clean the log; returns the first offset not cleaned (the new cleaner checkpoint) and the stats. */
  async clean(cleanable: LogToClean): Promise<{ endOffset: bigint; stats: CleanerStats }> {
    return this.doClean(cleanable, this.now());
  }

  async doClean(cleanable: LogToClean, currentTime: number): Promise<{ endOffset: bigint; stats: CleanerStats }> {
    return this.cleanLog(cleanable.log, cleanable.topicPartition, cleanable.firstDirtyOffset, cleanable.firstUncleanableOffset, currentTime);
  }

  /** Kafka `doClean` on any {@link CleanableLog} (the main thread's Log or the worker's view of its files). */
  async cleanLog(log: CleanableLog, tp: string, firstDirtyOffset: bigint, firstUncleanableOffset: bigint, currentTime: number): Promise<{ endOffset: bigint; stats: CleanerStats }> {
    const cleanable = { firstDirtyOffset, firstUncleanableOffset };
    this.opts.log?.info({ topicPartition: tp }, `Beginning cleaning of log ${tp}`);
    // Tombstones of legacy (v0/v1) entries go once their segment is older than this (v2 batches carry a horizon).
    const cleanSegs = log.logSegments(0n, cleanable.firstDirtyOffset);
    const lastClean = cleanSegs[cleanSegs.length - 1];
    const legacyDeleteHorizonMs = lastClean ? lastClean.lastModified - log.config.deleteRetentionMs : 0;
    const stats = new CleanerStats();
    const upperBoundOffset = cleanable.firstUncleanableOffset;
    await this.buildOffsetMap(log, tp, cleanable.firstDirtyOffset, upperBoundOffset, stats);
    const endOffset = BigInt(this.offsetMap.latestOffset + 1);
    stats.mapCompleteTime = performance.now();
    const txn = new CleanedTransactionMetadata();
    const groups = groupSegmentsBySize(log.logSegments(0n, endOffset), log.config.segmentBytes, log.config.maxIndexSize, upperBoundOffset);
    for (const group of groups) {
      await this.cleanSegments(log, tp, group, currentTime, stats, txn, legacyDeleteHorizonMs, upperBoundOffset);
    }
    stats.bufferUtilization = this.offsetMap.utilization;
    stats.endTime = performance.now();
    return { endOffset, stats };
  }

  // -------------------------------------------------------------------------------------------- offset map

  /** Map key → latest offset for [start, end); stops when the map reaches slots × load factor (Kafka `buildOffsetMap`). */
  async buildOffsetMap(log: CleanableLog, tp: string, start: bigint, end: bigint, stats: CleanerStats): Promise<void> {
    const map = this.offsetMap;
    await map.clearInSlices(() => this.checkpoint(tp));
    const dirty = log.logSegments(start, end);
    this.opts.log?.info({ topicPartition: tp, segments: dirty.length, start: String(start), end: String(end) }, `Building offset map for log ${tp} for ${dirty.length} segments in offset range [${start}, ${end}).`);
    const txn = new CleanedTransactionMetadata();
    txn.addAbortedTransactions(collectAbortedTransactions(log, start, end));
    const maxDesiredMapSize = Math.floor(map.slots * this.opts.dupBufferLoadFactor);
    for (let i = 0; i < dirty.length; i++) {
      const next = i + 1 < dirty.length ? dirty[i + 1]!.baseOffset : end;
      const full = await this.buildOffsetMapForSegment(tp, dirty[i]!, start, next, maxDesiredMapSize, txn, stats);
      if (full) {
        this.opts.log?.debug({ topicPartition: tp }, `Offset map is full, ${i} segments fully mapped, segment with base offset ${dirty[i]!.baseOffset} is partially mapped`);
        break;
      }
    }
  }

  /** Returns true when the map filled up inside this segment. */
  private async buildOffsetMapForSegment(
    tp: string, segment: LogSegment, startOffset: bigint, nextSegmentStartOffset: bigint, maxDesiredMapSize: number,
    txn: CleanedTransactionMetadata, stats: CleanerStats,
  ): Promise<boolean> {
    const map = this.offsetMap;
    const start = Number(startOffset);
    const position = segment.offsetIndex.lookup(startOffset).position;
    for (const e of segment.batchesFrom(position, { withData: true })) {
      await this.checkpoint(tp);
      await this.throttler?.maybeThrottle(e.size);
      stats.mapBytesRead += e.size;
      if (e.magic < MAGIC_V2) {
        for (const r of (e.batch as LegacyRecordBatch).innerRecords()) {
          if (r.key !== null && r.offset >= startOffset) {
            if (map.size >= maxDesiredMapSize) return true;
            map.put(r.key, 0, r.key.length, Number(r.offset));
          }
          stats.mapMessagesRead++;
        }
      } else {
        const batch = e.batch as RecordBatch;
        if (batch.isControlBatch) {
          txn.onControlBatchRead(batch);
          stats.mapMessagesRead++;
        } else if (txn.onBatchRead(batch)) {
          stats.mapMessagesRead += batch.recordsCount; // aborted: its keys do not count
        } else {
          const base = Number(batch.baseOffset);
          const c = batch.records();
          while (c.next()) {
            const offset = base + c.offsetDelta;
            if (c.keyLength >= 0 && offset >= start) {
              if (map.size >= maxDesiredMapSize) return true;
              map.put(c.data, c.keyPosition, c.keyLength, offset);
            }
            stats.mapMessagesRead++;
          }
        }
      }
      if (e.batch.lastOffset >= startOffset) map.updateLatestOffset(Number(e.batch.lastOffset));
    }
    // offsets may have gaps: the map covers this segment up to the next one
    map.updateLatestOffset(Number(nextSegmentStartOffset) - 1);
    return false;
  }

  // -------------------------------------------------------------------------------------------- recopy

  /** Clean a group of segments into one `.cleaned` segment and swap it in (Kafka `cleanSegments`). */
  async cleanSegments(
    log: CleanableLog, tp: string, segments: LogSegment[], currentTime: number, stats: CleanerStats, txn: CleanedTransactionMetadata,
    legacyDeleteHorizonMs: number, upperBoundOffsetOfCleaningRound: bigint,
  ): Promise<void> {
    const cleaned = createNewCleanedSegment(log, segments[0]!.baseOffset);
    txn.cleanedIndex = cleaned.txnIndex;
    try {
      const lastRecords = lastRecordsOfActiveProducers(log);
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i]!;
        const next = segments[i + 1];
        // the full segment's aborted transactions: the cleaned segment's transaction index is rebuilt from them
        const upper = next ? next.baseOffset : seg.readNextOffset();
        txn.addAbortedTransactions(collectAbortedTransactions(log, seg.baseOffset, upper));
        const retainLegacyDeletes = seg.lastModified > legacyDeleteHorizonMs;
        await this.cleanInto(tp, seg, cleaned, retainLegacyDeletes, log.config.deleteRetentionMs, txn, lastRecords, upperBoundOffsetOfCleaningRound, stats, currentTime);
      }
      cleaned.onBecomeInactiveSegment();
      await cleaned.flush(); // fsyncs on the thread pool, not the event loop
      // keep the last modified time of the originals (legacy delete horizon, time-based retention of empty segments)
      const modified = segments[segments.length - 1]!.lastModified / 1000;
      fs.utimesSync(cleaned.logFile, modified, modified);
      this.opts.checkDone(tp);
      this.opts.log?.info({ topicPartition: tp, cleaned: String(cleaned.baseOffset), segments: segments.map((s) => String(s.baseOffset)) }, `Swapping in cleaned segment ${cleaned} for segment(s) ${segments.map((s) => s.baseOffset).join(',')} in log ${tp}`);
      if (!(await log.replaceSegments(cleaned, segments))) throw new LogCleaningAbortedError(`Segments of ${tp} changed while cleaning`);
    } catch (e) {
      cleaned.deleteIfExists();
      throw e;
    }
    await fsyncDir(log.dir); // the renames of the swap
    cleaned.releaseHandles();
    this.opts.retireSegments?.(segments, log.config.fileDeleteDelayMs);
  }

  /** Recopy the retained batches of `source` into `dest` (Kafka `cleanInto`). */
  private async cleanInto(
    tp: string, source: LogSegment, dest: LogSegment, retainLegacyDeletes: boolean, deleteRetentionMs: number,
    txn: CleanedTransactionMetadata, lastRecords: LastRecords, upperBoundOffsetOfCleaningRound: bigint, stats: CleanerStats,
    currentTime: number,
  ): Promise<void> {
    const map = this.offsetMap;
    const filter = cleanerRecordFilter(map, txn, lastRecords, upperBoundOffsetOfCleaningRound, stats, currentTime, deleteRetentionMs);
    const flushEvery = Math.max(dest.indexIntervalBytes, 1);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let lastOffset = -1n;
    let maxTs = -1;
    let offsetOfMaxTs = -1n;
    const flush = (): void => {
      if (pendingBytes === 0) return;
      dest.append(lastOffset, maxTs, offsetOfMaxTs, pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes));
      stats.bytesWritten += pendingBytes;
      pending = [];
      pendingBytes = 0;
      maxTs = -1;
    };
    for (const e of source.batchesFrom(0, { withData: true })) {
      await this.checkpoint(tp);
      await this.throttler?.maybeThrottle(e.size);
      stats.bytesRead += e.size;
      let out: Buffer | null = null;
      let ts = -1;
      if (e.magic < MAGIC_V2) {
        const entry = e.batch as LegacyRecordBatch;
        stats.messagesRead++;
        if (keepLegacyEntry(entry, (k) => map.get(k, 0, k.length), map.latestOffset, retainLegacyDeletes)) {
          out = Buffer.from(entry.buffer.subarray(entry.position, entry.position + e.size));
          ts = entry.maxTimestamp;
          stats.messagesWritten++;
        }
      } else {
        const batch = e.batch as RecordBatch;
        const r = filterBatch(batch, batch.buffer.subarray(batch.position, batch.position + e.size), filter);
        stats.messagesRead += r.messagesRead;
        stats.messagesWritten += r.messagesRetained;
        out = r.output;
        ts = r.maxTimestamp;
      }
      if (out === null) continue;
      pending.push(out);
      pendingBytes += out.length;
      lastOffset = e.batch.lastOffset;
      if (ts > maxTs) {
        maxTs = ts;
        offsetOfMaxTs = lastOffset;
      }
      if (pendingBytes >= flushEvery) {
        await this.throttler?.maybeThrottle(pendingBytes);
        flush();
      }
    }
    flush();
  }
}

/** Kafka's `Throttler`: over windows of 100 ms, sleeps when the observed byte rate is above the desired one. */
export class Throttler {
  private periodStart: number;
  private observed = 0;

  constructor(
    private readonly desiredRatePerSec: number,
    private readonly checkIntervalMs = 100,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.periodStart = now();
  }

  async maybeThrottle(bytes: number): Promise<void> {
    this.observed += bytes;
    const elapsed = this.now() - this.periodStart;
    if (elapsed < this.checkIntervalMs) return;
    const rate = (this.observed * 1000) / elapsed;
    if (rate > this.desiredRatePerSec) {
      const sleepMs = (this.observed * 1000) / this.desiredRatePerSec - elapsed;
      if (sleepMs > 0) await this.sleep(sleepMs);
    }
    this.periodStart = this.now();
    this.observed = 0;
  }
}

// ------------------------------------------------------------------------------------------------ helpers

/** The cleaner's retention rules per batch and record (Kafka's `logCleanerFilter` + `shouldRetainRecord`). */
function cleanerRecordFilter(
  map: OffsetMap, txn: CleanedTransactionMetadata, lastRecords: LastRecords, upperBoundOffsetOfCleaningRound: bigint,
  stats: CleanerStats, currentTime: number, deleteRetentionMs: number,
): RecordFilter {
  let discardBatchRecords = false;
  let base = 0;
  return {
    currentTime,
    deleteRetentionMs,
    checkBatchRetention(batch) {
      // transaction markers piggy-back on the tombstone horizon: removed only once their transaction's data is gone
      const canDiscardBatch = batch.isControlBatch ? txn.onControlBatchRead(batch) : txn.onBatchRead(batch);
      discardBatchRecords = batch.isControlBatch
        ? canDiscardBatch && batch.hasDeleteHorizon && batch.baseTimestamp <= currentTime
        : canDiscardBatch;
      base = Number(batch.baseOffset);
      const last = batch.hasProducerId ? lastRecords.get(batch.producerId) : undefined;
      const isLastOfProducer = last !== undefined && (last.lastDataOffset !== null
        ? batch.lastOffset === last.lastDataOffset
        : batch.isControlBatch && batch.producerEpoch === last.producerEpoch);
      let retention: BatchRetention;
      if (isLastOfProducer) retention = 'RETAIN_EMPTY';
      else if (batch.nextOffset === upperBoundOffsetOfCleaningRound) retention = 'RETAIN_EMPTY'; // keeps the last offset
      else if (discardBatchRecords) retention = 'DELETE';
      else retention = 'DELETE_EMPTY';
      return { retention, containsMarkerForEmptyTxn: canDiscardBatch && batch.isControlBatch };
    },
    shouldRetainRecord(batch: RecordBatch, c: RecordCursor) {
      if (discardBatchRecords) return false;
      if (batch.isControlBatch) return true;
      const offset = base + c.offsetDelta;
      if (offset > map.latestOffset) return true;
      if (c.keyLength < 0) {
        stats.invalidMessagesRead++;
        return false;
      }
      const latestForKey = offset >= map.get(c.data, c.keyPosition, c.keyLength);
      const retainDeletes = !batch.hasDeleteHorizon || currentTime < batch.baseTimestamp;
      return latestForKey && (c.valueLength >= 0 || retainDeletes);
    },
  };
}

/**
 * Group segments into runs of at most `maxSize` log bytes and `maxIndexSize` index bytes each, whose offsets fit
 * one segment (Kafka `groupSegmentsBySize`); the last offset of a segment is estimated by the next base offset.
 */
export function groupSegmentsBySize(segments: LogSegment[], maxSize: number, maxIndexSize: number, firstUncleanableOffset: bigint): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const first = segments[i]!;
    const group = [first];
    let logSize = first.size;
    let indexSize = indexBytes(first.offsetIndexFile);
    let timeIndexSize = indexBytes(first.timeIndexFile);
    i++;
    while (i < segments.length) {
      const s = segments[i]!;
      const lastOffsetOfS = i + 1 < segments.length ? segments[i + 1]!.baseOffset - 1n : firstUncleanableOffset - 1n;
      const idx = indexBytes(s.offsetIndexFile);
      const tidx = indexBytes(s.timeIndexFile);
      if (logSize + s.size > maxSize || indexSize + idx > maxIndexSize || timeIndexSize + tidx > maxIndexSize) break;
      if (s.size !== 0 && lastOffsetOfS - group[0]!.baseOffset > 0x7fffffffn) break;
      group.push(s);
      logSize += s.size;
      indexSize += idx;
      timeIndexSize += tidx;
      i++;
    }
    groups.push(group);
  }
  return groups;
}

/** Bytes of an index file (non-active segments' indexes are trimmed to their entries); 0 if missing. */
function indexBytes(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Aborted transactions of the segments overlapping [start, end) (Kafka `collectAbortedTransactions`). */
export function collectAbortedTransactions(log: CleanableLog, start: bigint, end: bigint): AbortedTxn[] {
  const out: AbortedTxn[] = [];
  for (const s of log.logSegments(start, end)) out.push(...s.collectAbortedTxns(start, end).abortedTransactions);
  return out;
}

function lastRecordsOfActiveProducers(log: CleanableLog): LastRecords {
  const m: LastRecords = new Map();
  for (const e of log.producerEntries()) m.set(e.producerId, { lastDataOffset: e.lastOffset >= 0n ? e.lastOffset : null, producerEpoch: e.epoch });
  return m;
}

/** A new segment `<base>.log.cleaned` (+ indexes) in the log's dir; stale `.cleaned` files of a crash are removed first. */
function createNewCleanedSegment(log: CleanableLog, baseOffset: bigint): LogSegment {
  for (const f of [logFile, offsetIndexFile, timeIndexFile, txnIndexFile]) fs.rmSync(f(log.dir, baseOffset, CLEANED_FILE_SUFFIX), { force: true });
  const seg = LogSegment.open(log.dir, baseOffset, {
    indexIntervalBytes: log.config.indexIntervalBytes,
    maxIndexSize: log.config.maxIndexSize,
    fileSuffix: CLEANED_FILE_SUFFIX,
  });
  void seg.offsetIndex; // created now, so the swapped-in segment has index files even when empty
  void seg.timeIndex;
  return seg;
}
