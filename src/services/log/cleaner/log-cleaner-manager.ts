/**
 * Which log to clean next and what was cleaned (Kafka `LogCleanerManager`): the `cleaner-offset-checkpoint` of
 * every log dir (first dirty offset per partition, read at startup, rewritten after each clean), the partitions
 * being cleaned or deleted by the cleaner, partitions marked uncleanable after a failed clean, and the choice of
 * the filthiest compacted log (highest dirty ratio above `min.cleanable.dirty.ratio`, or overdue by
 * `max.compaction.lag.ms`). Node runs one thread, so the state needs no lock; an abort is a flag the cleaner
 * checks between slices of work. Partitions whose cleaning is paused (Kafka's `LogCleaningPaused(count)`: a log-dir
 * move's `-future` replica exists) are neither cleaned nor given retention; Rafka keeps the pause count beside the
 * in-progress states, so an abort in flight and a pause do not overwrite each other.
 */
import path from 'node:path';
import type { Logger } from '../../../logger.js';
import { cleanupCompacts, cleanupDeletes } from '../log-config.js';
import type { Log } from '../log.js';
import type { LogSegment } from '../log-segment.js';
import { CLEANER_OFFSET_CHECKPOINT_FILE, OffsetCheckpointFile, topicPartitionKey } from '../offset-checkpoint-file.js';
import { LogCleaningAbortedError, type LogToClean } from './cleaner.js';

type CleaningState = 'inProgress' | 'aborted';

interface DirCheckpoint {
  file: OffsetCheckpointFile;
  offsets: Map<string, bigint>;
}

export interface LogCleanerManagerOptions {
  logDirs: string[];
  /** The LogManager's current logs. */
  logs: () => Iterable<Log>;
  log: Logger;
  /** A checkpoint file could not be read or written. */
  onIoError?: (dir: string, error: Error) => void;
}

export const tpOf = (log: Log): string => topicPartitionKey(log.topic, log.partition);

export class LogCleanerManager {
  private readonly opts: LogCleanerManagerOptions;
  private readonly checkpoints = new Map<string, DirCheckpoint>();
  private readonly inProgress = new Map<string, CleaningState>();
  private readonly uncleanable = new Map<string, Set<string>>();
  /** Kafka's LogCleaningPaused(count), by `topic-partition`. */
  private readonly paused = new Map<string, number>();
  /** Highest dirty ratio seen by the last grab (Kafka's max-dirty-percent gauge). */
  dirtiestLogCleanableRatio = 0;
  timeOfLastRun = 0;

  constructor(opts: LogCleanerManagerOptions) {
    this.opts = opts;
    for (const dir of opts.logDirs) {
      this.checkpoints.set(dir, { file: new OffsetCheckpointFile(path.join(dir, CLEANER_OFFSET_CHECKPOINT_FILE)), offsets: new Map() });
    }
  }

  private loading: Promise<void> | null = null;
  /** The checkpoints have been read (their offsets can be used synchronously). */
  private loaded = false;
  /** Checkpoint writes per dir, one after the other. */
  private readonly writes = new Map<string, Promise<void>>();

  /** Create missing checkpoint files and read every dir's checkpoint once (a dir whose file fails is dropped). */
  loadCheckpoints(): Promise<void> {
    return (this.loading ??= this.readCheckpoints());
  }

  private async readCheckpoints(): Promise<void> {
    for (const [dir, cp] of [...this.checkpoints]) {
      try {
        await cp.file.ensureExists();
        cp.offsets = await cp.file.read();
      } catch (e) {
        this.opts.log.error({ dir, err: e }, `Failed to access checkpoint file ${CLEANER_OFFSET_CHECKPOINT_FILE} in dir ${dir}`);
        this.checkpoints.delete(dir);
        this.opts.onIoError?.(dir, e as Error);
      }
    }
    this.loaded = true;
  }

  /** First dirty offsets by `topic-partition`, all dirs. */
  allCleanerCheckpoints(): Map<string, bigint> {
    const m = new Map<string, bigint>();
    for (const cp of this.checkpoints.values()) for (const [k, v] of cp.offsets) m.set(k, v);
    return m;
  }

  cleaningState(tp: string): CleaningState | undefined {
    return this.inProgress.get(tp);
  }

  /** Kafka `grabFilthiestCompactedLog`: the dirtiest cleanable log, now marked in progress; null if none. */
  async grabFilthiestCompactedLog(now: number): Promise<LogToClean | null> {
    this.timeOfLastRun = now;
    const lastClean = this.allCleanerCheckpoints();
    const dirty: LogToClean[] = [];
    for (const log of this.opts.logs()) {
      const tp = tpOf(log);
      if (!this.isCleanable(log, tp)) continue;
      let ltc: LogToClean;
      try {
        const offsets = cleanableOffsets(log, lastClean.get(tp), now, this.opts.log);
        if (offsets.forceUpdateCheckpoint) await this.updateCheckpoints(log.logDir, { tp, offset: offsets.firstDirtyOffset });
        ltc = logToClean(log, offsets.firstDirtyOffset, offsets.firstUncleanableDirtyOffset, maxCompactionDelay(log, offsets.firstDirtyOffset, now) > 0);
      } catch (e) {
        // Kafka: a LogCleaningException for this log only ("Failed to calculate log cleaning stats")
        this.opts.log.warn({ topicPartition: tp, err: e }, `Failed to calculate log cleaning stats for partition ${tp}. Marking it as uncleanable`);
        this.markPartitionUncleanable(log.logDir, tp);
        continue;
      }
      if (ltc.cleanBytes + ltc.cleanableBytes > 0) dirty.push(ltc);
    }
    this.dirtiestLogCleanableRatio = dirty.reduce((m, l) => Math.max(m, l.cleanableRatio), 0);
    const cleanable = dirty.filter((l) => (l.needCompactionNow && l.cleanableBytes > 0) || l.cleanableRatio > l.log.config.minCleanableRatio);
    if (cleanable.length === 0) return null;
    const filthiest = cleanable.reduce((a, b) => (b.cleanableRatio > a.cleanableRatio ? b : a));
    this.inProgress.set(filthiest.topicPartition, 'inProgress');
    return filthiest;
  }

  /** Online, compacted, not being cleaned and not marked uncleanable (the logs both selections consider). */
  private isCleanable(log: Log, tp: string): boolean {
    return !log.isOffline && cleanupCompacts(log.config) && !this.inProgress.has(tp) && !this.paused.has(tp) && !this.isUncleanable(log);
  }

  /** Kafka `deletableLogs`: compacted logs whose retention the cleaner runs (marked in progress meanwhile). */
  deletableLogs(): Log[] {
    const out: Log[] = [];
    for (const log of this.opts.logs()) {
      const tp = tpOf(log);
      if (!this.isCleanable(log, tp)) continue;
      this.inProgress.set(tp, 'inProgress');
      out.push(log);
    }
    return out;
  }

  /** Stop cleaning `tp` at the cleaner's next check (log deleted, dir failed, shutdown). */
  abortCleaning(tp: string): void {
    if (this.inProgress.get(tp) === 'inProgress') this.inProgress.set(tp, 'aborted');
  }

  /**
   * Kafka `abortAndPauseCleaning`: a clean of `tp` in progress is aborted (it stops at its next check and its
   * cleaned segment is not swapped in), and no clean or compacted-log retention of `tp` starts until as many
   * {@link resumeCleaning} calls. Kafka blocks until the running clean has stopped; here the abort flag and the pause
   * are set at once, and the cleaner's next check (or its swap) sees them.
   */
  abortAndPauseCleaning(tp: string): void {
    this.abortCleaning(tp);
    this.paused.set(tp, (this.paused.get(tp) ?? 0) + 1);
  }

  /** Kafka `resumeCleaning`: undo one pause; false (nothing changed) if `tp` was not paused (Kafka throws IllegalStateException). */
  resumeCleaning(tp: string): boolean {
    const n = this.paused.get(tp);
    if (n === undefined) return false;
    if (n <= 1) this.paused.delete(tp);
    else this.paused.set(tp, n - 1);
    return true;
  }

  /** The pause count of `tp` (0: not paused). */
  pausedCount(tp: string): number {
    return this.paused.get(tp) ?? 0;
  }

  /**
   * Kafka `alterCheckpointDir` (LogManager.replaceCurrentWithFutureLog): `tp`'s first dirty offset moves from the
   * source dir's `cleaner-offset-checkpoint` to the destination dir's, so a moved compacted log is not cleaned again
   * from its start; an uncleanable mark moves with it. The offset is read before this call returns control (the
   * checkpoints are loaded at the cleaner's start), so a later removal of `tp` from the source dir cannot lose it.
   */
  async alterCheckpointDir(tp: string, sourceDir: string, destDir: string): Promise<void> {
    const marks = this.uncleanable.get(sourceDir);
    if (marks?.delete(tp)) this.markPartitionUncleanable(destDir, tp);
    if (!this.loaded) await this.loadCheckpoints();
    const offset = this.checkpoints.get(sourceDir)?.offsets.get(tp);
    if (offset === undefined) return;
    await this.updateCheckpoints(sourceDir, undefined, tp);
    await this.updateCheckpoints(destDir, { tp, offset });
  }

  /** Throws {@link LogCleaningAbortedError} if `tp`'s clean was aborted. */
  checkCleaningAborted(tp: string): void {
    if (this.inProgress.get(tp) === 'aborted') throw new LogCleaningAbortedError(`Cleaning of ${tp} was aborted`);
  }

  /** Kafka `doneCleaning`: a completed clean moves the checkpoint to `endOffset`; an aborted one does not. */
  async doneCleaning(tp: string, dir: string, endOffset: bigint): Promise<void> {
    const state = this.inProgress.get(tp);
    this.inProgress.delete(tp);
    if (state === 'inProgress') await this.updateCheckpoints(dir, { tp, offset: endOffset });
  }

  doneDeleting(tps: Iterable<string>): void {
    for (const tp of tps) this.inProgress.delete(tp);
  }

  /** Rewrite `dir`'s checkpoint with one entry set or removed; entries of logs no longer present are dropped. */
  async updateCheckpoints(dir: string, update?: { tp: string; offset: bigint }, remove?: string): Promise<void> {
    await this.loadCheckpoints();
    const cp = this.checkpoints.get(dir);
    if (!cp) return;
    const present = new Set<string>();
    for (const l of this.opts.logs()) if (l.logDir === dir) present.add(tpOf(l));
    const next = new Map([...cp.offsets].filter(([k]) => present.has(k) && k !== remove));
    if (update) next.set(update.tp, update.offset);
    cp.offsets = next;
    const write = (this.writes.get(dir) ?? Promise.resolve()).then(() => cp.file.write(next)).catch((e: unknown) => {
      this.opts.log.error({ dir, err: e }, `Failed to access checkpoint file ${CLEANER_OFFSET_CHECKPOINT_FILE} in dir ${dir}`);
      this.opts.onIoError?.(dir, e as Error);
    });
    this.writes.set(dir, write);
    await write;
  }

  markPartitionUncleanable(dir: string, tp: string): void {
    let s = this.uncleanable.get(dir);
    if (!s) this.uncleanable.set(dir, (s = new Set()));
    s.add(tp);
  }

  uncleanablePartitions(dir: string): string[] {
    return [...(this.uncleanable.get(dir) ?? [])];
  }

  private isUncleanable(log: Log): boolean {
    return this.uncleanable.get(log.logDir)?.has(tpOf(log)) ?? false;
  }

  /** Forget uncleanable partitions whose log is gone (Kafka `maintainUncleanablePartitions`). */
  maintainUncleanablePartitions(): void {
    const present = new Set<string>();
    for (const l of this.opts.logs()) present.add(`${l.logDir}\0${tpOf(l)}`);
    for (const [dir, s] of this.uncleanable) {
      for (const tp of s) if (!present.has(`${dir}\0${tp}`)) s.delete(tp);
      if (s.size === 0) this.uncleanable.delete(dir);
    }
  }

  /** A dir failed: stop using its checkpoint and abort its logs' cleaning. */
  handleLogDirFailure(dir: string): void {
    this.opts.log.warn({ dir }, `Stopping cleaning logs in dir ${dir}`);
    this.checkpoints.delete(dir);
    for (const l of this.opts.logs()) if (l.logDir === dir) this.abortCleaning(tpOf(l));
  }

  /** Abort every clean in progress (shutdown). */
  abortAll(): void {
    for (const tp of this.inProgress.keys()) this.abortCleaning(tp);
  }
}

// ------------------------------------------------------------------------------------------------ static helpers

/** Kafka `LogCleanerManager.cleanableOffsets`. */
export function cleanableOffsets(
  log: Log, lastCleanOffset: bigint | undefined, now: number, logger?: Logger,
): { firstDirtyOffset: bigint; firstUncleanableDirtyOffset: bigint; forceUpdateCheckpoint: boolean } {
  const logStartOffset = log.logStartOffset;
  const checkpointDirtyOffset = lastCleanOffset ?? logStartOffset;
  let firstDirtyOffset = checkpointDirtyOffset;
  let forceUpdateCheckpoint = false;
  if (checkpointDirtyOffset < logStartOffset) {
    if (!(cleanupCompacts(log.config) && cleanupDeletes(log.config))) {
      logger?.warn(`Resetting first dirty offset of ${tpOf(log)} to log start offset ${logStartOffset} since the checkpointed offset ${checkpointDirtyOffset} is invalid.`);
    }
    firstDirtyOffset = logStartOffset;
    forceUpdateCheckpoint = true;
  } else if (checkpointDirtyOffset > log.logEndOffset) {
    logger?.warn(`The last checkpoint dirty offset for partition ${tpOf(log)} is ${checkpointDirtyOffset}, which is larger than the log end offset ${log.logEndOffset}. Resetting to the log start offset ${logStartOffset}.`);
    firstDirtyOffset = logStartOffset;
    forceUpdateCheckpoint = true;
  }
  // Kafka: min(last stable offset, active segment base): data of undecided transactions is never cleaned (issue 13)
  const lso = log.lastStableOffset;
  let uncleanable = lso < log.activeSegment.baseOffset ? lso : log.activeSegment.baseOffset;
  const lag = Math.max(log.config.minCompactionLagMs, 0);
  if (lag > 0) {
    const tooNew = nonActiveLogSegmentsFrom(log, firstDirtyOffset).find((s) => s.largestTimestamp > now - lag);
    if (tooNew && tooNew.baseOffset < uncleanable) uncleanable = tooNew.baseOffset;
  }
  return { firstDirtyOffset, firstUncleanableDirtyOffset: uncleanable > firstDirtyOffset ? uncleanable : firstDirtyOffset, forceUpdateCheckpoint };
}

/** Segments from the one containing `from` up to (not including) the active segment. */
function nonActiveLogSegmentsFrom(log: Log, from: bigint): LogSegment[] {
  return log.logSegments(from, log.activeSegment.baseOffset);
}

/** Kafka `calculateCleanableBytes`: the first uncleanable segment's base offset and the bytes before it. */
export function calculateCleanableBytes(log: Log, firstDirtyOffset: bigint, uncleanableOffset: bigint): { firstUncleanableOffset: bigint; cleanableBytes: number } {
  const seg = nonActiveLogSegmentsFrom(log, uncleanableOffset)[0] ?? log.activeSegment;
  const firstUncleanableOffset = seg.baseOffset;
  const from = firstDirtyOffset < firstUncleanableOffset ? firstDirtyOffset : firstUncleanableOffset;
  let cleanableBytes = 0;
  for (const s of log.logSegments(from, firstUncleanableOffset)) cleanableBytes += s.size;
  return { firstUncleanableOffset, cleanableBytes };
}

/** Kafka's `LogToClean` values: clean bytes before the first dirty offset, cleanable bytes after, their ratio. */
export function logToClean(log: Log, firstDirtyOffset: bigint, uncleanableOffset: bigint, needCompactionNow = false): LogToClean {
  let cleanBytes = 0;
  for (const s of log.logSegments(0n, firstDirtyOffset)) cleanBytes += s.size;
  const { firstUncleanableOffset, cleanableBytes } = calculateCleanableBytes(log, firstDirtyOffset, uncleanableOffset);
  const total = cleanBytes + cleanableBytes;
  return {
    topicPartition: tpOf(log), log, firstDirtyOffset, firstUncleanableOffset, cleanBytes, cleanableBytes,
    cleanableRatio: total === 0 ? 0 : cleanableBytes / total, needCompactionNow,
  };
}

/** Kafka `maxCompactionDelay`: how long past `max.compaction.lag.ms` the oldest dirty record is (0 if not overdue). */
export function maxCompactionDelay(log: Log, firstDirtyOffset: bigint, now: number): number {
  const maxLag = Math.max(log.config.maxCompactionLagMs, 0);
  if (maxLag >= Number.MAX_SAFE_INTEGER || maxLag > now) return 0; // the default (Long.MAX_VALUE): never overdue, skip reading headers
  let earliest = Infinity;
  for (const s of nonActiveLogSegmentsFrom(log, firstDirtyOffset)) {
    for (const e of s.batchesFrom(0, { withData: false })) {
      if (e.batch.maxTimestamp > 0 && e.batch.maxTimestamp < earliest) earliest = e.batch.maxTimestamp;
      break;
    }
  }
  const cleanUntil = now - maxLag;
  return earliest < cleanUntil ? cleanUntil - earliest : 0;
}
