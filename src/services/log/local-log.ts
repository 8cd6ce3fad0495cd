/**
 * The segments of one partition's log on local disk (Kafka `LocalLog`): the ordered list of {@link LogSegment}s,
 * the log end offset, recovery point and last flush time, and the segment-level operations — roll, flush (the
 * segments and the partition dir), read, truncation, deletion (rename to `.deleted` + scheduled removal) and the
 * cleaner's swap. {@link Log} (Kafka `UnifiedLog`) owns the log start offset, high watermark, leader epochs and
 * producer state on top. Differs from Kafka: no I/O error handling here (the `Log` wraps every call in its
 * `io()` step), and reads return raw bytes, the `Log` adds the high watermark / log start offset.
 */
import fs from 'node:fs';
import { LogSegment, type LogSegmentOptions } from './log-segment.js';
import { type LogConfig, randomSegmentJitter } from './log-config.js';
import { fsyncDirSync } from './leader-epoch-cache.js';
import { fsyncFileIfExists, fsyncFileIfExistsSync } from './atomic-write.js';
import { CLEANED_FILE_SUFFIX, DELETED_FILE_SUFFIX, SWAP_FILE_SUFFIX } from './log-file-names.js';
import type { LogHooks } from './log-types.js';
import { upConvertIfNeeded } from './up-conversion.js';
import { flushSlots } from './segment-handle-cache.js';

/**
 * Run an fsync that holds a descriptor in one of the shared flush slots: the flushes scheduled by rolls of
 * thousands of partitions at once must not open a descriptor each (EMFILE under a low `ulimit -n`).
 */
async function withFlushSlot<T>(f: () => Promise<T>): Promise<T> {
  await flushSlots.acquire();
  try {
    return await f();
  } finally {
    flushSlots.release();
  }
}

export class LocalLog {
  /** Ascending by base offset; the last one is the active segment. */
  segments: LogSegment[];
  /** The log end offset (Kafka `nextOffsetMetadata`). */
  nextOffset: bigint;
  recoveryPoint: bigint;
  lastFlushTime: number;
  config: LogConfig;
  /**
   * Entries of the partition dir changed (segment created) `dirChanges` times; the fsync of the dir covered the
   * first `dirSynced` of them. A flush takes the count before its dir fsync and records it only once that fsync
   * completed, so a concurrent flush never skips the dir because another one is still syncing it.
   */
  private dirChanges = 0;
  private dirSynced = 0;
  /**
   * Segments rolled whose roll writes (final time-index entry, indexes and `.log` trimmed) are not fsynced yet:
   * flushed by the next flush even when the recovery point is already past them (flush.messages=1 moved it there
   * before the roll), as Kafka's roll schedules a flush of the rolled segment.
   */
  private rolledUnflushed: LogSegment[] = [];
  /** Files written without fsync (the producer snapshot of a roll) that the next flush fsyncs (Kafka `flushProducerStateSnapshot`). */
  private filesUnflushed: string[] = [];

  constructor(
    readonly dir: string,
    config: LogConfig,
    private readonly hooks: LogHooks,
    private readonly tpString: string,
    segments: LogSegment[],
    logEndOffset: bigint,
    recoveryPoint: bigint,
  ) {
    this.config = config;
    this.segments = segments;
    this.nextOffset = logEndOffset;
    this.recoveryPoint = recoveryPoint;
    this.lastFlushTime = this.now();
  }

  /** A segment file was created in the partition dir: the next flush fsyncs the dir. */
  markDirChanged(): void {
    this.dirChanges++;
  }

  get dirNeedsFlush(): boolean {
    return this.dirSynced !== this.dirChanges;
  }

  /** Something a flush must make durable even if the recovery point is already at the target. */
  get hasUnflushedRollWrites(): boolean {
    return this.rolledUnflushed.length > 0 || this.filesUnflushed.length > 0 || this.dirNeedsFlush;
  }

  /** Have the next flush fsync `file` (written without fsync); a file deleted meanwhile is skipped. */
  addUnflushedFile(file: string): void {
    this.filesUnflushed.push(file);
  }

  now(): number {
    return (this.hooks.now ?? Date.now)();
  }

  get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Bytes in all `.log` files. */
  get size(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  segmentOptions(): LogSegmentOptions {
    const c = this.config;
    return {
      indexIntervalBytes: c.indexIntervalBytes,
      maxIndexSize: c.maxIndexSize,
      rollJitterMs: randomSegmentJitter(c, this.hooks.random),
      preallocate: c.preallocate,
      initFileSize: c.preallocate ? c.segmentBytes : undefined,
      now: this.hooks.now,
    };
  }

  /** Index of the segment with the greatest base offset ≤ `offset` (-1 if none). */
  floorSegmentIndex(offset: bigint): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** The live segments overlapping [from, to) (Kafka `logSegments(from, to)`), ascending. */
  logSegments(from = 0n, to?: bigint): LogSegment[] {
    const out: LogSegment[] = [];
    for (let i = Math.max(0, this.floorSegmentIndex(from)); i < this.segments.length; i++) {
      const s = this.segments[i]!;
      if (to !== undefined && s.baseOffset >= to) break;
      out.push(s);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------- roll

  /**
   * Roll a new active segment at `newOffset` (Kafka `LocalLog.roll`): the active one becomes inactive (final
   * time index entry, indexes and `.log` trimmed), the new one's index files are created. Returns the active
   * segment unchanged when it is empty and already at `newOffset`.
   */
  roll(newOffset: bigint): LogSegment {
    const active = this.activeSegment;
    if (active.baseOffset === newOffset && active.size === 0) return active;
    if (active.baseOffset >= newOffset) {
      throw new Error(`Trying to roll a new log segment for topic partition ${this.tpString} with start offset ${newOffset} =max(provided offset = ${newOffset}, LEO = ${this.nextOffset}) lower than start offset of the active segment ${active.baseOffset}`);
    }
    active.onBecomeInactiveSegment();
    const seg = LogSegment.open(this.dir, newOffset, this.segmentOptions());
    void seg.offsetIndex; // create the index files now, preallocated (as Kafka's roll)
    void seg.timeIndex;
    this.segments.push(seg);
    this.rolledUnflushed.push(active);
    this.markDirChanged();
    return seg;
  }

  // -------------------------------------------------------------------------------------------- flush

  /** The segments holding offsets in [recoveryPoint, target), after the rolled ones whose roll writes are not durable yet. */
  segmentsToFlush(target: bigint): LogSegment[] {
    const rp = this.recoveryPoint;
    const out: LogSegment[] = [];
    for (const s of this.rolledUnflushed) if (s.baseOffset < rp && this.segments.includes(s)) out.push(s);
    for (let i = 0; i < this.segments.length; i++) {
      const s = this.segments[i]!;
      const next = this.segments[i + 1];
      if (next && next.baseOffset <= rp) continue; // entirely below the recovery point
      if (s.baseOffset >= target) break;
      out.push(s);
    }
    return out;
  }

  /** fsync the segments below `target` not flushed yet, then the partition dir if segments were created (Kafka `LocalLog.flush`). */
  flush(target: bigint): void {
    const files = this.filesUnflushed;
    for (const f of files) fsyncFileIfExistsSync(f);
    this.filesUnflushed = this.filesUnflushed.filter((f) => !files.includes(f));
    for (const s of this.segmentsToFlush(target)) {
      s.flushSync();
      this.flushed(s);
    }
    const changes = this.dirChanges;
    if (this.dirSynced !== changes) {
      fsyncDirSync(this.dir);
      if (changes > this.dirSynced) this.dirSynced = changes;
    }
  }

  /** {@link flush} up to `target` with the fsyncs on the libuv thread pool. */
  async flushAsync(target: bigint): Promise<void> {
    const segs = this.segmentsToFlush(target);
    const files = this.filesUnflushed.slice();
    const changes = this.dirChanges;
    for (const f of files) await withFlushSlot(() => fsyncFileIfExists(f));
    this.filesUnflushed = this.filesUnflushed.filter((f) => !files.includes(f));
    for (const s of segs) {
      if (s.isOpen && this.segments.includes(s)) await this.flushUnlessReplaced(s);
      this.flushed(s);
    }
    if (this.dirSynced < changes) {
      await withFlushSlot(async () => {
        const fh = await fs.promises.open(this.dir, 'r');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
      });
      if (changes > this.dirSynced) this.dirSynced = changes;
    }
  }

  private flushed(s: LogSegment): void {
    const i = this.rolledUnflushed.indexOf(s);
    if (i >= 0) this.rolledUnflushed.splice(i, 1);
  }

  /** Flush a segment; one the cleaner swapped out meanwhile (handles closed) no longer needs it. */
  private async flushUnlessReplaced(s: LogSegment): Promise<void> {
    try {
      await s.flush();
    } catch (e) {
      if (!this.segments.includes(s)) return;
      throw e;
    }
  }

  // -------------------------------------------------------------------------------------------- read

  /** The records from `startOffset` (up-converted to v2), or null when no segment holds it (Kafka `LocalLog.read`). */
  read(startOffset: bigint, maxBytes: number, minOneMessage: boolean): Buffer | null {
    let i = this.floorSegmentIndex(startOffset);
    if (i < 0) i = 0;
    for (; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      const info = seg.read(startOffset, maxBytes, seg.size, minOneMessage);
      if (info !== null) return upConvertIfNeeded(info.records);
    }
    return null;
  }

  // -------------------------------------------------------------------------------------------- truncation / deletion

  /** Cut the log at `targetOffset` (≥ the first segment's base): segments above it deleted, the one holding it truncated. */
  truncateTo(targetOffset: bigint): void {
    const above = this.segments.filter((seg) => seg.baseOffset > targetOffset);
    this.scheduleSegmentDeletion(above);
    this.segments = this.segments.slice(0, this.segments.length - above.length);
    this.activeSegment.truncateTo(targetOffset);
  }

  /** Delete every segment and start with an empty one at `newOffset` (Kafka `LocalLog.truncateFullyAndStartAt`). */
  truncateFullyAndStartAt(newOffset: bigint): void {
    this.scheduleSegmentDeletion(this.segments);
    const fresh = LogSegment.open(this.dir, newOffset, this.segmentOptions());
    void fresh.offsetIndex; // index files now, preallocated (as a roll)
    void fresh.timeIndex;
    this.segments = [fresh];
    this.markDirChanged();
  }

  /** Remove the oldest `toRemove` segments (Kafka `LocalLog.removeAndDeleteSegments`). */
  removeOldest(toRemove: readonly LogSegment[]): void {
    this.scheduleSegmentDeletion(toRemove);
    this.segments = this.segments.slice(toRemove.length);
  }

  /** Close `segs`, rename their files to `.deleted` and have them removed after `file.delete.delay.ms`. */
  scheduleSegmentDeletion(segs: readonly LogSegment[]): void {
    for (const seg of segs) seg.closeHandlers();
    this.renameDeletedAndSchedule(segs);
  }

  /** Rename `segs`' files to `.deleted` and have them removed after `file.delete.delay.ms` (handles left as they are). */
  private renameDeletedAndSchedule(segs: readonly LogSegment[]): void {
    const files: string[] = [];
    for (const seg of segs) {
      seg.changeFileSuffixes('', DELETED_FILE_SUFFIX);
      for (const f of [seg.logFile, seg.offsetIndexFile, seg.timeIndexFile, seg.txnIndex.file]) if (fs.existsSync(f)) files.push(f);
    }
    if (this.hooks.scheduleDelete) this.hooks.scheduleDelete(files, this.config.fileDeleteDelayMs);
    else for (const f of files) fs.rmSync(f, { force: true });
  }

  /**
   * Swap a `.cleaned` segment in for the contiguous segments `old` (Kafka `LocalLog.replaceSegments`), in Kafka's
   * crash-safe order: `.cleaned` → `.swap`, old segments → `.deleted` (handles left open for reads in flight),
   * `.swap` → ''. False, changing nothing, when `old` are no longer the log's segments.
   */
  replaceSegments(cleaned: LogSegment, old: readonly LogSegment[]): boolean {
    const i = this.segments.indexOf(old[0]!);
    if (i < 0 || old.some((s, k) => this.segments[i + k] !== s) || i + old.length >= this.segments.length) return false;
    cleaned.changeFileSuffixes(CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX);
    this.segments.splice(i, old.length, cleaned);
    this.renameDeletedAndSchedule(old); // handles stay open for reads in flight
    cleaned.changeFileSuffixes(SWAP_FILE_SUFFIX, '');
    return true;
  }

  /** Close file handles without flushing or writing anything (dir failure). */
  closeHandlers(): void {
    for (const s of this.segments) {
      try {
        s.closeHandlers();
      } catch {
        // the disk is gone; nothing more to do
      }
    }
  }
}
