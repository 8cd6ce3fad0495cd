/**
 * Loading one partition directory's segments (the core of Kafka's `LogLoader.load`, reference §4.10), minus
 * producer-state snapshots and leader-epoch files (callers get every valid batch through `onBatch`):
 *
 *  1. delete `*.deleted` and `*.cleaned` files; for `*.swap`: index swaps are dropped (rebuilt), `.log.swap` files
 *     with base offset ≥ the smallest `.cleaned` offset are deleted, the rest complete the interrupted swap
 *     (segment files covered by [min swap base, max swap next offset) are deleted, then `.swap` is renamed away);
 *  2. delete orphan index files (no `.log`);
 *  3. open every `.log` in ascending offset order; a missing `.index` or a corrupt `.txnindex` → recover that
 *     segment; a missing `.timeindex` is created with size 0;
 *  4. without a clean shutdown: recover every segment from the one containing the recovery point to the end;
 *     the first segment that loses bytes stops recovery and all later segments are deleted;
 *  5. log end offset < log start offset → all segments deleted; no segments → an empty one at the log start offset;
 *  6. the active (last) segment's indexes are resized to `maxIndexSize`.
 */

import fs from 'node:fs';
import path from 'node:path';
import { type BatchView, CorruptRecordError, InvalidRecordError } from './record-batch.js';
import { LogSegment, LogSegmentOffsetOverflowError, type LogSegmentOptions } from './log-segment.js';
import {
  CLEANED_FILE_SUFFIX, DELETED_FILE_SUFFIX, logFile, offsetIndexFile, parseSegmentFileName, SWAP_FILE_SUFFIX,
  timeIndexFile, txnIndexFile,
} from './log-file-names.js';
import { CorruptIndexError, InvalidOffsetError } from './offset-index.js';

export interface LoadSegmentsOptions {
  /** Partition directory. */
  dir: string;
  /** Recovery point from `recovery-point-offset-checkpoint` (missing entry ⇒ 0). */
  recoveryPoint?: bigint;
  /** Log start offset from `log-start-offset-checkpoint` (missing entry ⇒ 0). */
  logStartOffset?: bigint;
  /** `.kafka_cleanshutdown` existed. */
  hadCleanShutdown: boolean;
  indexIntervalBytes?: number;
  maxIndexSize?: number;
  /** For a new empty segment: `log.preallocate` / `segment.bytes`. */
  preallocate?: boolean;
  initFileSize?: number;
  /** Passed to `LogSegment.recover`. */
  maxMessageSize?: number;
  /** Every valid batch of every recovered segment, in order (leader-epoch cache, producer state). */
  onBatch?: (batch: BatchView, segmentBaseOffset: bigint) => void;
  /**
   * Segments removed after a truncation (or because LEO < log start offset) are first renamed to `*.deleted`.
   * If given, this is called with those files and is responsible for deleting them later (Kafka deletes after
   * `file.delete.delay.ms`); otherwise they are deleted at once.
   */
  scheduleDelete?: (files: string[]) => void;
  /** Diagnostic messages (warn level in Kafka). */
  log?: (message: string) => void;
}

export interface LoadedSegments {
  /** Open segments in ascending base-offset order (the last one is active). */
  segments: LogSegment[];
  logEndOffset: bigint;
  /** New recovery point: LEO after a clean shutdown, else min(checkpoint, LEO). */
  recoveryPoint: bigint;
  /** max(checkpointed log start offset, first segment base offset). */
  logStartOffset: bigint;
  /** Bytes cut from `.log` files by recovery (not counting deleted later segments). */
  truncatedBytes: number;
  /** Base offsets of segments recovered (indexes rebuilt). */
  recoveredSegments: bigint[];
  /** Base offsets of segments deleted after a truncation or because LEO < log start offset. */
  deletedSegments: bigint[];
}

function unlinkIfExists(f: string): void {
  try {
    fs.unlinkSync(f);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function deleteIndicesIfExist(dir: string, baseOffset: bigint, suffix: '' | '.swap' = ''): void {
  unlinkIfExists(offsetIndexFile(dir, baseOffset, suffix));
  unlinkIfExists(timeIndexFile(dir, baseOffset, suffix));
  unlinkIfExists(txnIndexFile(dir, baseOffset, suffix));
}

function isExistingFile(f: string): boolean {
  try {
    return fs.statSync(f).isFile();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Step 1: temporary files. Exported for tests. */
export function removeTempFilesAndCompleteSwaps(dir: string, segmentOptions: LogSegmentOptions = {}, log?: (m: string) => void): void {
  const swapLogs: { file: string; baseOffset: bigint }[] = [];
  const cleaned: { file: string; baseOffset: bigint }[] = [];
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (!isExistingFile(file)) continue; // may be gone: a `.log.swap` seen earlier removes its segment's indexes
    const parsed = parseSegmentFileName(name);
    if (name.endsWith(DELETED_FILE_SUFFIX) || name.endsWith('.tmp')) {
      // `.tmp`: an atomic write (leader-epoch-checkpoint, partition.metadata) cut before its rename
      log?.(`Deleting stray temporary file ${file}`);
      unlinkIfExists(file);
    } else if (name.endsWith(CLEANED_FILE_SUFFIX)) {
      if (parsed) cleaned.push({ file, baseOffset: parsed.baseOffset });
      else unlinkIfExists(file);
    } else if (name.endsWith(SWAP_FILE_SUFFIX) && parsed) {
      log?.(`Found file ${file} from interrupted swap operation.`);
      if (parsed.suffix === '.log') {
        deleteIndicesIfExist(dir, parsed.baseOffset);
        swapLogs.push({ file, baseOffset: parsed.baseOffset });
      } else {
        // an index being swapped: drop it and the regular indexes, they are rebuilt
        deleteIndicesIfExist(dir, parsed.baseOffset);
        unlinkIfExists(file);
      }
    }
  }
  const minCleaned = cleaned.reduce<bigint | null>((m, c) => (m === null || c.baseOffset < m ? c.baseOffset : m), null);
  for (const c of cleaned) unlinkIfExists(c.file);
  const valid = swapLogs.filter((s) => {
    if (minCleaned !== null && s.baseOffset >= minCleaned) {
      log?.(`Deleting invalid swap file ${s.file} (min cleaned offset ${minCleaned})`);
      unlinkIfExists(s.file);
      return false;
    }
    return true;
  });
  if (valid.length === 0) return;

  let minSwap: bigint | null = null;
  let maxSwap: bigint | null = null;
  for (const s of valid) {
    const seg = LogSegment.open(dir, s.baseOffset, { ...segmentOptions, fileAlreadyExists: true, fileSuffix: '.swap' });
    try {
      const next = seg.readNextOffset();
      if (minSwap === null || seg.baseOffset < minSwap) minSwap = seg.baseOffset;
      if (maxSwap === null || next > maxSwap) maxSwap = next;
    } finally {
      seg.closeHandlers();
      deleteIndicesIfExist(dir, s.baseOffset, '.swap'); // opened lazily only if needed; rebuilt later
    }
  }
  // Delete the segments the swap replaces (compacted/split but not yet renamed away before the crash).
  for (const name of fs.readdirSync(dir)) {
    const parsed = parseSegmentFileName(name);
    if (!parsed || parsed.tempSuffix !== '' || parsed.suffix === '.snapshot') continue;
    if (parsed.baseOffset >= minSwap! && parsed.baseOffset < maxSwap!) {
      log?.(`Deleting segment file ${name} that was compacted but has not been deleted yet.`);
      unlinkIfExists(path.join(dir, name));
    }
  }
  for (const s of valid) fs.renameSync(s.file, s.file.substring(0, s.file.length - SWAP_FILE_SUFFIX.length));
}

/**
 * Load (and, after an unclean shutdown, recover) every segment of one partition directory.
 * A legacy segment whose offsets overflow its base offset (`LogSegmentOffsetOverflowError`, KAFKA-6264) is split
 * into segments that fit ({@link splitOverflowedSegment}) and loading restarts, as Kafka's `retryOnOffsetOverflow`
 * (so `onBatch` may see the batches of earlier segments again).
 */
export function loadSegments(options: LoadSegmentsOptions): LoadedSegments {
  const segOpts: LogSegmentOptions = { indexIntervalBytes: options.indexIntervalBytes, maxIndexSize: options.maxIndexSize };
  for (let attempt = 0; ; attempt++) {
    try {
      return loadSegmentsOnce(options);
    } catch (e) {
      if (!(e instanceof LogSegmentOffsetOverflowError) || attempt >= 100) throw e;
      options.log?.(`Caught segment overflow error: ${e.message}. Split segment and retry.`);
      splitOverflowedSegment(options.dir, e.segmentBaseOffset, segOpts, options.log);
    }
  }
}

/**
 * Split segment `baseOffset` into segments whose offsets fit int32 relative to their base (each new segment's base
 * is its first batch's base offset). Valid batches are copied until the first invalid one (the rest would be
 * truncated by recovery anyway). Crash-safe like Kafka's split: new files are written as `.cleaned`, renamed to
 * `.swap`, the old segment is deleted, then `.swap` is renamed away (an interrupted split is completed by the swap
 * handling of the next load). Returns the new base offsets.
 */
export function splitOverflowedSegment(dir: string, baseOffset: bigint, segmentOptions: LogSegmentOptions = {}, log?: (m: string) => void): bigint[] {
  const source = LogSegment.open(dir, baseOffset, { ...segmentOptions, fileAlreadyExists: true });
  const created: LogSegment[] = [];
  try {
    let current: LogSegment | null = null;
    let prevLast = -1n;
    try {
      for (const e of source.batchesFrom(0, { withData: true })) {
        const b = e.batch;
        b.ensureValid();
        const last = b.lastOffset;
        const base = b.baseOffset;
        if (base <= prevLast || last < base) break;
        if (current === null || !current.canConvertToRelativeOffset(last)) {
          current = LogSegment.open(dir, base, { ...segmentOptions, fileSuffix: '.cleaned' });
          created.push(current);
        }
        current.append(last, b.maxTimestamp, last, b.buffer.subarray(b.position, b.position + e.size));
        prevLast = last;
      }
    } catch (err) {
      if (!(err instanceof CorruptRecordError || err instanceof InvalidRecordError)) throw err;
    }
    if (created.length === 0) created.push(LogSegment.open(dir, baseOffset, { ...segmentOptions, fileSuffix: '.cleaned' }));
    for (const s of created) {
      s.onBecomeInactiveSegment();
      s.flushSync();
      s.changeFileSuffixes('.cleaned', '.swap');
      s.close();
    }
    log?.(`Split segment ${baseOffset} into ${created.map((s) => s.baseOffset).join(', ')}`);
    source.deleteIfExists();
    for (const s of created) {
      for (const f of [s.logFile, s.offsetIndexFile, s.timeIndexFile, s.txnIndex.file]) {
        if (fs.existsSync(f)) fs.renameSync(f, f.substring(0, f.length - SWAP_FILE_SUFFIX.length));
      }
    }
    return created.map((s) => s.baseOffset);
  } catch (e) {
    source.closeHandlers();
    for (const s of created) s.closeHandlers();
    throw e;
  }
}

function loadSegmentsOnce(options: LoadSegmentsOptions): LoadedSegments {
  const { dir, hadCleanShutdown } = options;
  const recoveryPointCheckpoint = options.recoveryPoint ?? 0n;
  const logStartOffsetCheckpoint = options.logStartOffset ?? 0n;
  const log = options.log;
  const segOpts: LogSegmentOptions = {
    indexIntervalBytes: options.indexIntervalBytes,
    maxIndexSize: options.maxIndexSize,
  };
  const recoveredSegments: bigint[] = [];
  const deletedSegments: bigint[] = [];
  let truncatedBytes = 0;

  removeTempFilesAndCompleteSwaps(dir, segOpts, log);

  // Orphan indexes, then segment list.
  const logOffsets: bigint[] = [];
  const names = fs.readdirSync(dir);
  const present = new Set(names);
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (!parsed || parsed.tempSuffix !== '') continue;
    if (parsed.suffix === '.log') logOffsets.push(parsed.baseOffset);
    else if (parsed.suffix === '.index' || parsed.suffix === '.timeindex' || parsed.suffix === '.txnindex') {
      if (!present.has(path.basename(logFile(dir, parsed.baseOffset)))) {
        log?.(`Found an orphaned index file ${name}, with no corresponding log file.`);
        unlinkIfExists(path.join(dir, name));
      }
    }
  }
  logOffsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const recoverSegment = (segment: LogSegment): number => {
    const bytes = segment.recover({
      maxMessageSize: options.maxMessageSize,
      onBatch: options.onBatch ? (b) => options.onBatch!(b, segment.baseOffset) : undefined,
    });
    recoveredSegments.push(segment.baseOffset);
    return bytes;
  };

  // Base offset of the segment containing the recovery point (or the first): from there on, an unclean shutdown
  // recovers every segment below anyway, so a missing/corrupt index there is not recovered twice (Kafka does
  // recover it at load time as well; deferring it also makes a truncation there delete the later segments).
  let floorBase: bigint | null = logOffsets.length > 0 ? logOffsets[0]! : null;
  for (const b of logOffsets) if (b <= recoveryPointCheckpoint) floorBase = b;
  const recoveredLater = (b: bigint): boolean => !hadCleanShutdown && floorBase !== null && b >= floorBase;

  const segments: LogSegment[] = [];
  try {
    for (const baseOffset of logOffsets) {
      const timeIndexFileNewlyCreated = !fs.existsSync(timeIndexFile(dir, baseOffset));
      const segment = LogSegment.open(dir, baseOffset, { ...segOpts, fileAlreadyExists: true });
      segments.push(segment);
      try {
        segment.sanityCheck(timeIndexFileNewlyCreated);
        // Unlike Kafka 3.7, an unclean shutdown does not make us trust indexes below the recovery point: a power
        // cut can undo their trim at the roll or their last entries (issue 12).
        if (!hadCleanShutdown && !recoveredLater(baseOffset)) segment.indexTailSanityCheck();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          log?.(`Could not find offset index file corresponding to log file ${segment.logFile}, recovering segment and rebuilding index files...`);
          if (!recoveredLater(baseOffset)) truncatedBytes += recoverSegment(segment);
        } else if (e instanceof CorruptIndexError) {
          log?.(`Found a corrupted index file corresponding to log file ${segment.logFile} due to ${e.message}, recovering segment and rebuilding index files...`);
          if (!recoveredLater(baseOffset)) truncatedBytes += recoverSegment(segment);
        } else throw e;
      }
    }

    const removeSegments = (toRemove: LogSegment[]): void => {
      const files: string[] = [];
      for (const s of toRemove) {
        s.closeHandlers();
        s.changeFileSuffixes('', '.deleted');
        for (const f of [s.logFile, s.offsetIndexFile, s.timeIndexFile, s.txnIndex.file]) if (fs.existsSync(f)) files.push(f);
        deletedSegments.push(s.baseOffset);
        segments.splice(segments.indexOf(s), 1);
      }
      if (options.scheduleDelete) options.scheduleDelete(files);
      else for (const f of files) unlinkIfExists(f);
    };

    if (!hadCleanShutdown && segments.length > 0) {
      // Segments from the one containing the recovery point (floor) to the end.
      const unflushed = segments.filter((s) => recoveredLater(s.baseOffset));
      for (let i = 0; i < unflushed.length; i++) {
        const segment = unflushed[i]!;
        let bytes: number;
        try {
          bytes = recoverSegment(segment);
        } catch (e) {
          if (!(e instanceof InvalidOffsetError)) throw e;
          log?.(`Found invalid offset during recovery of ${segment.logFile}. Truncating the segment to its base offset ${segment.baseOffset}`);
          bytes = segment.truncateTo(segment.baseOffset);
        }
        truncatedBytes += bytes;
        if (bytes > 0) {
          log?.(`Corruption found in segment ${segment.baseOffset}, truncating to offset ${segment.readNextOffset()}`);
          removeSegments(unflushed.slice(i + 1));
          break;
        }
      }
    }

    let logEndOffset = segments.length > 0 ? segments[segments.length - 1]!.readNextOffset() : logStartOffsetCheckpoint;
    if (segments.length > 0 && logEndOffset < logStartOffsetCheckpoint) {
      log?.(`Deleting all segments because logEndOffset (${logEndOffset}) is smaller than logStartOffset ${logStartOffsetCheckpoint}. This could happen if segment files were deleted from the file system.`);
      removeSegments([...segments]);
    }
    if (segments.length === 0) {
      const fresh = LogSegment.open(dir, logStartOffsetCheckpoint, {
        ...segOpts,
        preallocate: options.preallocate,
        initFileSize: options.initFileSize,
      });
      // Create its index files now, so a clean restart finds them and does not rebuild them.
      void fresh.offsetIndex;
      void fresh.timeIndex;
      segments.push(fresh);
      logEndOffset = logStartOffsetCheckpoint;
    }
    const recoveryPoint = hadCleanShutdown ? logEndOffset : recoveryPointCheckpoint < logEndOffset ? recoveryPointCheckpoint : logEndOffset;
    segments[segments.length - 1]!.resizeIndexes(options.maxIndexSize);
    const firstBase = segments[0]!.baseOffset;
    return {
      segments,
      logEndOffset,
      recoveryPoint,
      logStartOffset: logStartOffsetCheckpoint > firstBase ? logStartOffsetCheckpoint : firstBase,
      truncatedBytes,
      recoveredSegments,
      deletedSegments,
    };
  } catch (e) {
    for (const s of segments) s.closeHandlers();
    throw e;
  }
}
