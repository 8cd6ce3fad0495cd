/**
 * The log cleaner service (Kafka `LogCleaner` + one `CleanerThread`'s work): the LogCleaner machine
 * (src/machines/log-cleaner.ts) calls {@link LogCleaner.cleanFilthiestLog} in a loop and sleeps
 * `log.cleaner.backoff.ms` when nothing was cleaned. The work runs on the event loop in slices (see cleaner.ts).
 *
 * `log.cleaner.threads` > 1 does not add parallelism here (one JS thread): one loop runs, with the offset map
 * sized `log.cleaner.dedupe.buffer.size / log.cleaner.threads` as each of Kafka's threads would have.
 */
import type { KafkaConfig } from '../../../config/kafka-config.js';
import type { Logger } from '../../../logger.js';
import { isIoError, KafkaStorageError, type Log } from '../log.js';
import { LogSegment } from '../log-segment.js';
import { fsyncDir } from '../atomic-write.js';
import { CLEANED_FILE_SUFFIX } from '../log-file-names.js';
import { Cleaner, type CleanerStats, LogCleaningAbortedError, type LogToClean } from './cleaner.js';
import { CleanWorker } from './clean-worker.js';
import { WorkerJobError } from '../worker-job-error.js';
import { LogCleanerManager, tpOf } from './log-cleaner-manager.js';
import { OffsetMap } from './offset-map.js';

/** Kafka `CleanerConfig`. */
export interface CleanerConfig {
  numThreads: number;
  dedupeBufferSize: number;
  dedupeBufferLoadFactor: number;
  backoffMs: number;
  enableCleaner: boolean;
  /** `log.cleaner.io.max.bytes.per.second` (default Double.MAX_VALUE: no cap). */
  maxIoBytesPerSecond?: number;
}

export function cleanerConfig(config: KafkaConfig): CleanerConfig {
  return {
    numThreads: config.getInt('log.cleaner.threads'),
    dedupeBufferSize: config.getLong('log.cleaner.dedupe.buffer.size'),
    dedupeBufferLoadFactor: config.getDouble('log.cleaner.io.buffer.load.factor'),
    backoffMs: config.getLong('log.cleaner.backoff.ms'),
    enableCleaner: config.getBoolean('log.cleaner.enable'),
    maxIoBytesPerSecond: config.getDouble('log.cleaner.io.max.bytes.per.second'),
  };
}

/** The cleaner runs when enabled and given at least one thread (Kafka starts no thread with 0). */
export const cleanerEnabled = (c: CleanerConfig): boolean => c.enableCleaner && c.numThreads > 0;

export interface LogCleanerOptions {
  config: CleanerConfig;
  logDirs: string[];
  logs: () => Iterable<Log>;
  log: Logger;
  /** I/O error while cleaning a log of `dir` (the LogDirFailureChannel). */
  onIoError: (dir: string, error: Error) => void;
  now?: () => number;
  yieldMs?: number;
  /** Clean in a worker thread (default: when running from compiled JavaScript). */
  useWorker?: boolean;
}

export class LogCleaner {
  readonly manager: LogCleanerManager;
  /** Replaced by {@link reconfigure} (a dynamic log.cleaner.* change). */
  config: CleanerConfig;
  private readonly opts: LogCleanerOptions;
  private cleaner: Cleaner;
  /** A reconfigure is aborting the clean in progress. */
  private reconfiguring = false;
  private current: Promise<boolean> | null = null;
  private stopped = false;
  private started: Promise<void> | null = null;
  private readonly retired = new Set<{ timer: NodeJS.Timeout; segments: LogSegment[] }>();
  /** Stats of the last clean (Kafka's lastStats). */
  lastStats: Pick<CleanerStats, 'bytesRead' | 'bytesWritten' | 'messagesRead' | 'messagesWritten' | 'invalidMessagesRead' | 'bufferUtilization' | 'elapsedSecs'> | null = null;
  private worker: CleanWorker | null = null;
  private mapMemory: number;
  /** The clean in progress in the worker (to abort it). */
  private job: { tp: string; dir: string; abort: () => void } | null = null;

  constructor(opts: LogCleanerOptions) {
    this.opts = opts;
    this.config = opts.config;
    this.manager = new LogCleanerManager({ logDirs: opts.logDirs, logs: opts.logs, log: opts.log, onIoError: opts.onIoError });
    this.mapMemory = LogCleaner.mapMemoryOf(opts.config);
    this.cleaner = this.createCleaner(opts.config);
  }

  /** Each of Kafka's cleaner threads gets dedupe.buffer.size / threads of offset map. */
  private static mapMemoryOf(c: CleanerConfig): number {
    return Math.min(c.dedupeBufferSize / Math.max(1, c.numThreads), 0x7fffffff);
  }

  private createCleaner(c: CleanerConfig): Cleaner {
    return new Cleaner({
      offsetMap: new OffsetMap(LogCleaner.mapMemoryOf(c)),
      dupBufferLoadFactor: c.dedupeBufferLoadFactor,
      checkDone: (tp) => this.checkDone(tp),
      retireSegments: (segments, delayMs) => this.retire(segments, delayMs),
      now: this.opts.now,
      yieldMs: this.opts.yieldMs,
      maxIoBytesPerSecond: c.maxIoBytesPerSecond,
      log: this.opts.log,
    });
  }

  /**
   * Kafka's LogCleaner.reconfigure (log.cleaner.threads / dedupe.buffer.size / io.buffer.load.factor /
   * io.max.bytes.per.second changed dynamically: Kafka shuts its threads down and starts new ones): the clean in
   * progress is aborted (its log is cleaned again in a next round) and cleaning goes on with the new offset map size,
   * load factor and io throttle. log.cleaner.backoff.ms: the next idle wait uses it, and a cleaner idle now starts a
   * round at once (Kafka's new threads start with a round); a backoff-only change aborts nothing (Kafka restarts its
   * threads for it too). Turning the cleaner on or off is not a dynamic change in Kafka (log.cleaner.enable is
   * read-only; log.cleaner.threads below 1 is refused by reconfiguration.ts): false then, nothing changed.
   */
  async reconfigure(next: CleanerConfig): Promise<boolean> {
    const c = this.config;
    if (cleanerEnabled(next) !== cleanerEnabled(c)) return false;
    if (next.backoffMs !== c.backoffMs) {
      this.config = { ...this.config, backoffMs: next.backoffMs };
      this.opts.log.info({ backoffMs: next.backoffMs }, `Updated log.cleaner.backoff.ms to ${next.backoffMs} (a dynamic change)`);
      for (const wake of [...this.reconfiguredListeners]) wake();
    }
    if (next.numThreads === c.numThreads && next.dedupeBufferSize === c.dedupeBufferSize && next.dedupeBufferLoadFactor === c.dedupeBufferLoadFactor
      && next.maxIoBytesPerSecond === c.maxIoBytesPerSecond) return true;
    this.reconfiguring = true;
    this.job?.abort();
    try { await this.current?.catch(() => false); } finally { this.reconfiguring = false; }
    this.config = { ...next };
    this.mapMemory = LogCleaner.mapMemoryOf(next);
    this.cleaner = this.createCleaner(next);
    this.opts.log.info({ threads: next.numThreads, dedupeBufferSize: next.dedupeBufferSize, loadFactor: next.dedupeBufferLoadFactor, maxIoBytesPerSecond: next.maxIoBytesPerSecond },
      'Reconfigured the log cleaner (a dynamic log.cleaner.* change)');
    return true;
  }

  private readonly reconfiguredListeners = new Set<() => void>();
  /** Called after a dynamic change of log.cleaner.backoff.ms (the cleaner machine's idle wait ends on it). */
  onBackoffChanged(listener: () => void): () => void {
    this.reconfiguredListeners.add(listener);
    return () => { this.reconfiguredListeners.delete(listener); };
  }

  /** Read the `cleaner-offset-checkpoint` files (once; Kafka's LogCleaner.startup). */
  startup(): Promise<void> {
    if (this.started === null) this.opts.log.info({ threads: this.config.numThreads, dedupeBufferSize: this.config.dedupeBufferSize, worker: this.useWorker() }, 'Starting the log cleaner');
    return (this.started ??= this.manager.loadCheckpoints());
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private checkDone(tp: string): void {
    if (this.stopped) throw new LogCleaningAbortedError('The log cleaner is shutting down');
    if (this.reconfiguring) throw new LogCleaningAbortedError('The log cleaner is being reconfigured');
    this.manager.checkCleaningAborted(tp);
  }

  /** One round of Kafka's `CleanerThread.doWork`: clean the filthiest log, then retention of compacted logs. True if a log was cleaned. */
  cleanFilthiestLog(): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    if (this.current) return this.current;
    const p = this.doCleanFilthiestLog().finally(() => { this.current = null; });
    this.current = p;
    return p;
  }

  private async doCleanFilthiestLog(): Promise<boolean> {
    await this.startup();
    if (this.stopped) return false;
    const now = (this.opts.now ?? Date.now)();
    const ltc = await this.manager.grabFilthiestCompactedLog(now);
    let cleaned = false;
    if (ltc) {
      try {
        await this.cleanLog(ltc);
        cleaned = true;
      } catch (e) {
        this.markUncleanable(ltc.log, e);
      }
    }
    if (!this.stopped) this.deleteOldSegmentsOfCompactedLogs();
    this.manager.maintainUncleanablePartitions();
    return cleaned;
  }

  private markUncleanable(log: Log, e: unknown): void {
    this.opts.log.warn({ topicPartition: tpOf(log), dir: log.logDir, err: e }, `Unexpected exception thrown when cleaning log ${log}. Marking its partition (${tpOf(log)}) as uncleanable`);
    this.manager.markPartitionUncleanable(log.logDir, tpOf(log));
  }

  /** Kafka `cleanLog`: aborts and offline logs are not failures; an I/O error takes the dir offline. */
  private async cleanLog(ltc: LogToClean): Promise<void> {
    const { topicPartition: tp, log } = ltc;
    let endOffset = ltc.firstDirtyOffset;
    try {
      const { endOffset: next, stats } = await this.cleanInWorkerOrHere(ltc);
      endOffset = next;
      this.recordStats(tp, ltc.firstDirtyOffset, endOffset, stats);
    } catch (e) {
      if (e instanceof LogCleaningAbortedError || this.stopped || this.reconfiguring || this.manager.cleaningState(tp) === 'aborted') {
        this.opts.log.info({ topicPartition: tp }, `Cleaning of ${tp} aborted: ${(e as Error).message}`);
      } else if (e instanceof KafkaStorageError) {
        // the log's dir is already offline
      } else if (isIoError(e)) {
        this.opts.log.error({ topicPartition: tp, dir: log.logDir, err: e }, `Failed to clean up log for ${tp} in dir ${log.logDir} due to IOException`);
        this.opts.onIoError(log.logDir, e as Error);
      } else throw e;
    } finally {
      await this.manager.doneCleaning(tp, log.logDir, endOffset);
    }
  }

  private useWorker(): boolean {
    return (this.opts.useWorker ?? true) && CleanWorker.supported;
  }

  /** In the worker thread when available (a dead worker is replaced; if it cannot run, the clean runs here). */
  private async cleanInWorkerOrHere(ltc: LogToClean): Promise<{ endOffset: bigint; stats: NonNullable<LogCleaner['lastStats']> }> {
    if (!this.useWorker()) return this.cleaner.clean(ltc);
    try {
      if (this.worker === null || this.worker.isDead) this.worker = new CleanWorker();
    } catch (e) {
      this.opts.log.warn({ err: e }, 'Could not start the log clean worker; cleaning on the main thread');
      return this.cleaner.clean(ltc);
    }
    const { log, topicPartition: tp } = ltc;
    this.opts.log.info({ topicPartition: tp, worker: true }, `Beginning cleaning of log ${tp}`);
    const run = this.worker.run({
      dir: log.dir, topicPartition: tp, config: log.config, firstDirtyOffset: ltc.firstDirtyOffset, firstUncleanableOffset: ltc.firstUncleanableOffset,
      currentTime: (this.opts.now ?? Date.now)(),
      segmentBases: log.logSegments(0n, ltc.firstUncleanableOffset).map((s) => s.baseOffset),
      producers: log.producerEntries().map((p) => ({ producerId: p.producerId, epoch: p.epoch, lastOffset: p.lastOffset })),
      mapMemory: this.mapMemory, loadFactor: this.config.dedupeBufferLoadFactor, maxIoBytesPerSecond: this.config.maxIoBytesPerSecond,
    }, (cleanedBase, oldBases) => this.swapForWorker(ltc, cleanedBase, oldBases));
    this.job = { tp, dir: log.logDir, abort: run.abort };
    if (this.stopped) run.abort();
    try {
      return await run.result;
    } catch (e) {
      if (e instanceof WorkerJobError && e.name === 'LogCleaningAbortedError') throw new LogCleaningAbortedError(e.message);
      throw e;
    } finally {
      this.job = null;
    }
  }

  /** The main thread's half of a worker's clean: swap its `.cleaned` segment into the Log. */
  private async swapForWorker(ltc: LogToClean, cleanedBase: bigint, oldBases: bigint[]): Promise<boolean> {
    const { log, topicPartition: tp } = ltc;
    if (this.stopped || this.manager.cleaningState(tp) !== 'inProgress' || log.isOffline) return false;
    const byBase = new Map(log.logSegments().map((s) => [s.baseOffset, s]));
    const old = oldBases.map((b) => byBase.get(b));
    if (old.some((s) => s === undefined)) return false;
    const cleaned = LogSegment.open(log.dir, cleanedBase, {
      fileSuffix: CLEANED_FILE_SUFFIX, fileAlreadyExists: true, indexIntervalBytes: log.config.indexIntervalBytes, maxIndexSize: log.config.maxIndexSize,
    });
    let swapped = false;
    this.opts.log.info({ topicPartition: tp, cleaned: String(cleanedBase), segments: oldBases.map(String) }, `Swapping in cleaned segment ${cleanedBase} for segment(s) ${oldBases.join(',')} in log ${tp}`);
    try {
      swapped = log.replaceSegments(cleaned, old as LogSegment[]);
    } finally {
      if (!swapped) cleaned.closeHandlers();
    }
    if (!swapped) return false;
    cleaned.releaseHandles();
    this.retire(old as LogSegment[], log.config.fileDeleteDelayMs);
    try {
      await fsyncDir(log.dir);
    } catch (e) {
      if (!log.isOffline && this.manager.cleaningState(tp) === 'inProgress') this.opts.onIoError(log.logDir, e as Error);
    }
    return true; // swapped either way: the worker must not delete what are now the log's files
  }

  /** Retention of compacted logs runs here, not in the LogManager's retention task (Kafka `deletableLogs`). */
  private deleteOldSegmentsOfCompactedLogs(): void {
    const deletable = this.manager.deletableLogs();
    try {
      for (const log of deletable) {
        try {
          if (!log.isOffline) log.deleteOldSegments();
        } catch (e) {
          if (!(e instanceof KafkaStorageError)) this.markUncleanable(log, e);
        }
      }
    } finally {
      this.manager.doneDeleting(deletable.map(tpOf));
    }
  }

  private recordStats(tp: string, from: bigint, to: bigint, stats: NonNullable<LogCleaner['lastStats']>): void {
    this.lastStats = stats;
    const mb = (b: number): number => Math.round((b / (1024 * 1024)) * 10) / 10;
    const secs = Math.max(stats.elapsedSecs, 1e-3);
    this.opts.log.info({
      topicPartition: tp, from: String(from), to: String(to), seconds: Math.round(secs * 1000) / 1000,
      mbRead: mb(stats.bytesRead), mbWritten: mb(stats.bytesWritten), messagesRead: stats.messagesRead, messagesWritten: stats.messagesWritten,
      bufferUtilization: Math.round(stats.bufferUtilization * 1000) / 1000,
    }, `Log cleaner cleaned log ${tp} (dirty section = [${from}, ${to}]): ${mb(stats.bytesRead)} MB processed in ${secs.toFixed(1)} s, ` +
      `${(100 * (1 - stats.bytesWritten / Math.max(1, stats.bytesRead))).toFixed(1)}% size reduction (${(100 * (1 - stats.messagesWritten / Math.max(1, stats.messagesRead))).toFixed(1)}% fewer messages)`);
    if (stats.invalidMessagesRead > 0) this.opts.log.warn({ topicPartition: tp }, `Found ${stats.invalidMessagesRead} invalid messages during compaction.`);
  }

  /** Swapped-out segments keep their handles until `file.delete.delay.ms` (fetches in flight may still read them). */
  private retire(segments: LogSegment[], delayMs: number): void {
    const entry = { segments, timer: setTimeout(() => { this.retired.delete(entry); closeAll(segments); }, Math.min(delayMs, 2 ** 31 - 1)) };
    entry.timer.unref();
    this.retired.add(entry);
  }

  /** Kafka `LogCleaner.abortAndPauseCleaning`: the clean of `tp` in progress stops; none starts until resumed. */
  abortAndPauseCleaning(tp: string): void {
    this.manager.abortAndPauseCleaning(tp);
    if (this.job?.tp === tp) this.job.abort();
  }

  /** Kafka `LogCleaner.resumeCleaning`: undo one pause of `tp`. */
  resumeCleaning(tp: string): boolean {
    return this.manager.resumeCleaning(tp);
  }

  /** Kafka `LogCleaner.alterCheckpointDir`: `tp`'s cleaner checkpoint follows its log to `destDir`. */
  alterCheckpointDir(tp: string, sourceDir: string, destDir: string): Promise<void> {
    return this.manager.alterCheckpointDir(tp, sourceDir, destDir);
  }

  /** Stop cleaning `tp` (log deleted); its checkpoint entry goes too. */
  abortCleaning(tp: string, dir?: string): void {
    this.manager.abortCleaning(tp);
    if (this.job?.tp === tp) this.job.abort();
    if (dir !== undefined) void this.manager.updateCheckpoints(dir, undefined, tp);
  }

  handleLogDirFailure(dir: string): void {
    this.manager.handleLogDirFailure(dir);
    if (this.job?.dir === dir) this.job.abort();
  }

  /** Kafka `LogCleaner.shutdown`: abort the clean in progress and wait for it (its `.cleaned` files are removed). */
  async shutdown(): Promise<void> {
    if (!this.stopped) this.opts.log.info('Shutting down the log cleaner.');
    this.stopped = true;
    this.manager.abortAll();
    this.job?.abort();
    await this.current?.catch(() => false);
    await this.worker?.terminate();
    for (const r of this.retired) {
      clearTimeout(r.timer);
      closeAll(r.segments);
    }
    this.retired.clear();
  }
}

function closeAll(segments: LogSegment[]): void {
  for (const s of segments) {
    try {
      s.closeHandlers();
    } catch {
      // already gone
    }
  }
}
