/**
 * The broker's LogManager (Kafka `LogManager`, reference §1.2 steps 10–11, §1.6, §4): owns the log dirs (locks,
 * checkpoints, clean-shutdown marker) and every partition {@link Log}. Scheduling is NOT done here: the
 * LogManager machine calls the periodic methods (flush, checkpoints, retention) on its own timers.
 *
 * Loading: per dir, an async pool of `num.recovery.threads.per.data.dir` workers takes partition dirs from a
 * queue; each partition is loaded with synchronous I/O in one go and the worker yields to the event loop
 * (`setImmediate`) between partitions, so timers and sockets keep being served during a long startup. (Node has
 * one JS thread: the pool bounds interleaving, not CPU parallelism.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { removeLeftoverTmpFiles } from './atomic-write.js';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { KafkaConfig } from '../../config/kafka-config.js';
import type { Logger } from '../../logger.js';
import { validateLogDirs } from './log-dirs.js';
import { lockLogDir, LogDirLockedError, type FileLock } from './file-lock.js';
import { deleteCleanShutdownFile, hasCleanShutdownFile, writeCleanShutdownFile } from './clean-shutdown-file.js';
import { ensureLogManagerCheckpoints, type OffsetCheckpointFile, topicPartitionKey } from './offset-checkpoint-file.js';
import { deleteDirName, futureDirName, listPartitionDirs, partitionDirName, type PartitionDir } from './partition-dir.js';
import { fsyncDirSync } from './leader-epoch-cache.js';
import { brokerLogConfig, cleanupCompacts, type LogConfig, logConfigWithOverrides } from './log-config.js';
import { isIoError, KafkaStorageError, Log, type LogHooks } from './log.js';
import { type RecoveryJobResult, RecoveryWorker } from './recovery-worker.js';
import { cleanerConfig, cleanerEnabled, LogCleaner } from './cleaner/log-cleaner.js';
import { WorkerJobError } from './worker-job-error.js';

/** Kafka halts (Exit.halt(1)) rather than failing startup normally when no log dir is usable. */
export class NoLiveLogDirError extends Error { override name = 'NoLiveLogDirError'; }
/** Kafka's LogDirNotFoundException (LOG_DIR_NOT_FOUND): AlterReplicaLogDirs names a dir that is not in log.dirs. */
export class LogDirNotFoundError extends Error { override name = 'LogDirNotFoundError'; }
export { LogDirLockedError } from './file-lock.js';
export { DuplicateLogDirError } from './log-dirs.js';

export interface LogManagerOptions {
  /** Absolute paths. */
  logDirs: string[];
  initialOfflineDirs: Array<{ dir: string; error: string }>;
  config: KafkaConfig;
  /** `/config/topics/<topic>` overrides, by topic. */
  topicConfigs?: Map<string, Record<string, string>>;
  log: Logger;
  onDirFailure: (dir: string, error: Error) => void;
  now?: () => number;
  /**
   * Recover logs of a dir without `.kafka_cleanshutdown` in worker threads (one per recovery "thread", i.e.
   * `num.recovery.threads.per.data.dir` per dir). Default true; only effective from compiled JavaScript.
   */
  recoveryInWorkers?: boolean;
  /** Only logs with at least this many bytes to recover use a worker (default 8 MiB). */
  workerRecoveryMinBytes?: number;
}

export interface LoadLogsSummary {
  logs: number;
  /** `-future` dirs loaded (replicas being moved between log dirs). */
  futureLogs: number;
  /** `-stray` dirs loaded (and closed again). */
  strayLogs: number;
  recoveredSegments: number;
  truncatedBytes: number;
  /** Dirs that had `.kafka_cleanshutdown` (consumed). */
  hadCleanShutdown: string[];
  durationMs: number;
  /** Logs whose recovery ran in a worker thread. */
  recoveredInWorkers: number;
}

/**
 * Recovering in a worker costs a second (clean) load in the main thread and a message round trip, so only logs
 * with at least this many bytes above their recovery point go to a worker; smaller ones recover in-thread
 * (at ~1.5 GB/s, 8 MiB blocks the event loop for ~5 ms).
 */
const WORKER_RECOVERY_MIN_BYTES = 8 << 20;

/** Bytes of the `.log` files from the segment containing `recoveryPoint` on (what an unclean load re-reads). */
function bytesToRecover(dir: string, recoveryPoint: bigint): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0; // the load itself reports the error
  }
  const logs = names.filter((n) => n.length === 24 && n.endsWith('.log')).sort();
  let from = 0;
  for (let i = 0; i < logs.length; i++) if (BigInt(logs[i]!.slice(0, 20)) <= recoveryPoint) from = i;
  let bytes = 0;
  for (const n of logs.slice(from)) {
    try {
      bytes += fs.statSync(path.join(dir, n)).size;
    } catch {
      // vanished: nothing to recover there
    }
  }
  return bytes;
}

/** Logs closed concurrently per dir at shutdown. */
const SHUTDOWN_CONCURRENCY = 16;

interface DirState {
  dir: string;
  lock: FileLock;
  recoveryPointCheckpoint: OffsetCheckpointFile;
  logStartOffsetCheckpoint: OffsetCheckpointFile;
  hadCleanShutdown: boolean;
  /** Every log of the dir finished loading (a marker may be written at shutdown). */
  loadedAll: boolean;
}

interface PendingDelete {
  files: string[];
  due: number;
}

export class LogManager {
  private readonly opts: LogManagerOptions;
  private readonly dirs = new Map<string, DirState>();
  private readonly offline: Array<{ dir: string; error: string }>;
  private readonly logs = new Map<string, Log>();
  private readonly futureLogs = new Map<string, Log>();
  private readonly strayLogDirs: string[] = [];
  /** Kafka's preferredLogDirs: where AlterReplicaLogDirs asked a partition not hosted yet to be created. */
  private readonly preferredLogDirs = new Map<string, string>();
  private brokerDefaults: LogConfig;
  /** num.recovery.threads.per.data.dir, dynamic (Kafka's resizeRecoveryThreadPool): loading's pool, shutdown's closes. */
  private numRecoveryThreadsPerDataDir: number;
  private readonly topicConfigCache = new Map<string, LogConfig>();
  private readonly hooks: LogHooks;
  private pendingDeletes: PendingDelete[] = [];
  private deleteTimer: NodeJS.Timeout | null = null;
  private readonly reportedFailures = new Set<string>();
  private shutDown = false;
  /** Kafka's `cleaner`: null unless log.cleaner.enable (the LogCleaner machine runs it). */
  readonly cleaner: LogCleaner | null;

  private constructor(opts: LogManagerOptions, dirs: DirState[], offline: Array<{ dir: string; error: string }>) {
    this.opts = opts;
    for (const d of dirs) this.dirs.set(d.dir, d);
    this.offline = offline;
    this.brokerDefaults = brokerLogConfig(opts.config);
    this.numRecoveryThreadsPerDataDir = Math.max(1, opts.config.getInt('num.recovery.threads.per.data.dir'));
    this.hooks = {
      onIoError: (dir, err) => this.reportDirFailure(dir, err),
      scheduleDelete: (files, delayMs) => this.scheduleDelete(files, delayMs),
      warn: (m) => opts.log.warn(m),
      info: (m) => opts.log.info(m),
      now: opts.now,
      producerIdExpirationMs: () => this.producerIdExpirationMs,
    };
    this.cleaner = this.createCleaner();
  }

  /** The log cleaner over this manager's logs (I/O errors go where the logs' go: the dir goes offline). */
  private createCleaner(): LogCleaner | null {
    const config = cleanerConfig(this.opts.config);
    if (!cleanerEnabled(config)) return null;
    return new LogCleaner({
      config, logDirs: [...this.dirs.keys()], logs: () => this.logs.values(), log: this.opts.log, now: this.opts.now,
      onIoError: (dir, err) => this.reportDirFailure(dir, err),
    });
  }

  /**
   * Compacted logs (also `compact,delete`) get their retention from the cleaner, as in Kafka (whose retention task
   * skips them even when the cleaner is disabled).
   */
  private retentionByCleaner(l: Log): boolean {
    return cleanupCompacts(l.config);
  }

  /**
   * LogManager construction: validate/create dirs, lock `.lock` in each live dir, create empty recovery-point /
   * log-start checkpoints if missing. Throws LogDirLockedError / DuplicateLogDirError (fatal); NoLiveLogDirError
   * when no dir is usable.
   */
  static async create(opts: LogManagerOptions): Promise<LogManager> {
    const known = new Map(opts.initialOfflineDirs.map((o) => [path.resolve(o.dir), o.error]));
    const validation = await validateLogDirs(opts.logDirs, { initialOfflineDirs: [...known.keys()] });
    const offline = validation.offline.map((o) => ({ dir: o.dir, error: known.get(o.dir) ?? o.error.message }));
    const states: DirState[] = [];
    try {
      for (const dir of validation.online) {
        let lock: FileLock;
        try {
          lock = await lockLogDir(dir);
        } catch (e) {
          if (e instanceof LogDirLockedError) throw e;
          offline.push({ dir, error: `Disk error while locking directory ${dir}: ${(e as Error).message}` });
          continue;
        }
        try {
          const cps = await ensureLogManagerCheckpoints(dir);
          states.push({ dir, lock, recoveryPointCheckpoint: cps.recoveryPoint, logStartOffsetCheckpoint: cps.logStartOffset, hadCleanShutdown: false, loadedAll: false });
        } catch (e) {
          await lock.release().catch(() => {});
          offline.push({ dir, error: `Disk error while creating checkpoint files in ${dir}: ${(e as Error).message}` });
        }
      }
    } catch (e) {
      await Promise.allSettled(states.map((s) => s.lock.release()));
      throw e;
    }
    for (const o of offline) opts.log.error({ dir: o.dir }, `Log dir ${o.dir} is offline: ${o.error}`);
    if (states.length === 0) {
      throw new NoLiveLogDirError(`Shutdown broker because none of the specified log dirs from ${opts.logDirs.join(', ')} can be created or validated`);
    }
    return new LogManager(opts, states, offline);
  }

  get liveLogDirs(): string[] {
    return [...this.dirs.keys()];
  }
  get offlineLogDirs(): Array<{ dir: string; error: string }> {
    return this.offline.map((o) => ({ ...o }));
  }

  /** Effective LogConfig of a topic (broker defaults + overrides). */
  logConfigFor(topic: string): LogConfig {
    let c = this.topicConfigCache.get(topic);
    if (!c) {
      const errors: Array<{ key: string; value: string; message: string }> = [];
      c = logConfigWithOverrides(this.brokerDefaults, this.opts.topicConfigs?.get(topic), errors);
      for (const e of errors) this.opts.log.warn(`Invalid topic config ${e.key}=${e.value} for ${topic} ignored: ${e.message}`);
      this.topicConfigCache.set(topic, c);
    }
    return c;
  }

  /** True once the topic's `/config/topics` overrides are known (read at startup, created here, or notified). */
  hasTopicConfig(topic: string): boolean {
    return this.opts.topicConfigs?.has(topic) ?? false;
  }

  /** New `/config/topics/<topic>` overrides: applied to the topic's logs at once. */
  updateTopicConfig(topic: string, overrides: Record<string, string>): void {
    if (!this.opts.topicConfigs) this.opts.topicConfigs = new Map();
    this.opts.topicConfigs.set(topic, overrides);
    this.topicConfigCache.delete(topic);
    const c = this.logConfigFor(topic);
    for (const l of this.logsWithFuture()) if (l.topic === topic) l.updateConfig(c); // Kafka logsByTopic: future logs too
  }

  /**
   * New broker-level log defaults (a dynamic broker config change, Kafka `DynamicLogConfig.reconfigure`): every
   * log gets them, under its topic's overrides.
   */
  updateBrokerDefaults(config: KafkaConfig): void {
    this.reconfigureCleaner(config);
    this.resizeRecoveryThreadPool(config.getInt('num.recovery.threads.per.data.dir'));
    const defaults = brokerLogConfig(config);
    if (JSON.stringify(defaults) === JSON.stringify(this.brokerDefaults)) return;
    this.brokerDefaults = defaults;
    this.topicConfigCache.clear();
    for (const l of this.logsWithFuture()) l.updateConfig(this.logConfigFor(l.topic));
  }

  /**
   * Kafka's LogManager.resizeRecoveryThreadPool (DynamicThreadPool): later loads and the shutdown's flush-and-close use
   * the new count per dir (at shutdown at least SHUTDOWN_CONCURRENCY closes are in flight whatever the count).
   */
  private resizeRecoveryThreadPool(newSize: number): void {
    if (newSize === this.numRecoveryThreadsPerDataDir || newSize < 1) return;
    this.opts.log.info({ from: this.numRecoveryThreadsPerDataDir, to: newSize }, `Resizing recovery thread pool size for each data dir from ${this.numRecoveryThreadsPerDataDir} to ${newSize}`);
    this.numRecoveryThreadsPerDataDir = newSize;
  }

  /** The recovery threads per data dir now (num.recovery.threads.per.data.dir, dynamic). */
  get recoveryThreadsPerDataDir(): number {
    return this.numRecoveryThreadsPerDataDir;
  }

  /** The cleaner's dynamic keys (Kafka's LogCleaner.reconfigure: LogCleaner.ReconfigurableConfigs). */
  private reconfigureCleaner(config: KafkaConfig): void {
    if (!this.cleaner) return;
    const next = cleanerConfig(config);
    this.cleaner.reconfigure(next).then((applied) => {
      // only a change that skipped validation (reconfiguration.ts refuses threads < 1 while the cleaner runs)
      if (!applied) this.opts.log.warn(`log.cleaner.threads=${next.numThreads} would stop the log cleaner: not applied (Kafka refuses fewer than 1 cleaner thread)`);
    }, (e) => this.opts.log.error({ err: e }, `Reconfiguring the log cleaner failed: ${(e as Error).message}`));
  }

  /**
   * Kafka's LogDirFailureChannel.maybeAddOfflineLogDir for I/O outside the logs (the ReplicaManager's
   * replication-offset-checkpoint): the dir is reported failed once and goes offline as for a log's I/O error.
   */
  maybeAddOfflineLogDir(dir: string, err: Error): void {
    this.reportDirFailure(path.resolve(dir), err);
  }

  private reportDirFailure(dir: string, err: Error): void {
    if (this.reportedFailures.has(dir)) return;
    this.reportedFailures.add(dir);
    const code = (err as NodeJS.ErrnoException).code ?? ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    const hint = code === 'EMFILE' || code === 'ENFILE'
      ? ' (out of file descriptors: log segments keep theirs within half the open-files limit, so sockets or other files used the rest; raise the open-files limit, e.g. `ulimit -n 100000`)'
      : '';
    this.opts.log.error({ dir, err }, `Error in log dir ${dir}: ${err.message}${hint}`);
    try {
      this.opts.onDirFailure(dir, err);
    } catch (e) {
      this.opts.log.error({ err: e }, 'onDirFailure handler threw');
    }
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  // -------------------------------------------------------------------------------------------- loading

  /** Kafka `loadLogs` for every live dir (see the module comment for the concurrency model). */
  async loadLogs(): Promise<LoadLogsSummary> {
    const start = performance.now();
    const threads = this.numRecoveryThreadsPerDataDir;
    const summary: LoadLogsSummary = { logs: 0, futureLogs: 0, strayLogs: 0, recoveredSegments: 0, truncatedBytes: 0, hadCleanShutdown: [], durationMs: 0, recoveredInWorkers: 0 };
    const useWorkers = RecoveryWorker.supported && this.opts.recoveryInWorkers !== false;
    const failedDirs = new Map<string, Error>();

    await Promise.all(
      [...this.dirs.values()].map(async (state) => {
        const dir = state.dir;
        let recoveryPoints = new Map<string, bigint>();
        let logStartOffsets = new Map<string, bigint>();
        let partitions;
        try {
          for (const f of await removeLeftoverTmpFiles(dir)) this.opts.log.info(`Deleted leftover temporary file ${path.join(dir, f)} of an interrupted atomic write`);
          state.hadCleanShutdown = await hasCleanShutdownFile(dir);
          if (state.hadCleanShutdown) {
            summary.hadCleanShutdown.push(dir);
            await deleteCleanShutdownFile(dir);
          }
          try {
            recoveryPoints = await state.recoveryPointCheckpoint.read();
          } catch (e) {
            this.opts.log.warn(`Error occurred while reading recovery-point-offset-checkpoint file of directory ${dir}, resetting the recovery checkpoint to 0: ${(e as Error).message}`);
            if (isIoError(e)) failedDirs.set(dir, e as Error);
          }
          try {
            logStartOffsets = await state.logStartOffsetCheckpoint.read();
          } catch (e) {
            this.opts.log.warn(`Error occurred while reading log-start-offset-checkpoint file of directory ${dir}, resetting to the base offset of the first segment: ${(e as Error).message}`);
            if (isIoError(e)) failedDirs.set(dir, e as Error);
          }
          partitions = await listPartitionDirs(dir);
        } catch (e) {
          if (!isIoError(e)) throw e;
          failedDirs.set(dir, e as Error);
          return;
        }
        const queue = [...partitions];
        let dirOk = true;
        const worker = async (): Promise<void> => {
          // After an unclean shutdown this "recovery thread" is a real worker thread (created on first need).
          let thread: RecoveryWorker | null = null;
          try {
            await loop((w) => (thread = w), () => thread);
          } finally {
            await (thread as RecoveryWorker | null)?.terminate();
          }
        };
        const loop = async (setThread: (w: RecoveryWorker) => void, getThread: () => RecoveryWorker | null): Promise<void> => {
          for (;;) {
            const p = queue.shift();
            if (!p) return;
            await yieldToLoop();
            if (failedDirs.has(dir) && !dirOk) return;
            if (p.kind === 'delete') {
              this.scheduleDelete([p.path], this.logConfigFor(p.topic).fileDeleteDelayMs);
              continue;
            }
            const key = topicPartitionKey(p.topic, p.partition);
            try {
              const config = this.logConfigFor(p.topic);
              const recoveryPoint = recoveryPoints.get(key) ?? 0n;
              const logStartOffset = logStartOffsets.get(key) ?? 0n;
              let recovered: RecoveryJobResult | null = null;
              if (useWorkers && !state.hadCleanShutdown && bytesToRecover(p.path, recoveryPoint) >= (this.opts.workerRecoveryMinBytes ?? WORKER_RECOVERY_MIN_BYTES)) {
                let w = getThread();
                if (w === null || w.isDead) setThread((w = new RecoveryWorker()));
                try {
                  const r = await w.run({ dir: p.path, topic: p.topic, partition: p.partition, config, recoveryPoint, logStartOffset, producerIdExpirationMs: this.producerIdExpirationMs });
                  for (const m of r.warnings) this.opts.log.warn(m);
                  recovered = r;
                  summary.recoveredInWorkers++;
                } catch (e) {
                  if (e instanceof WorkerJobError) {
                    for (const m of (e as Error & { warnings?: string[] }).warnings ?? []) this.opts.log.warn(m);
                    throw e;
                  }
                  this.opts.log.warn(`${(e as Error).message}; recovering ${key} in the main thread`);
                }
              }
              const res = Log.load({
                dir: p.path,
                topic: p.topic,
                partition: p.partition,
                config,
                recoveryPoint,
                logStartOffset,
                hadCleanShutdown: state.hadCleanShutdown || recovered !== null,
                recoveryPointOverride: recovered?.recoveryPoint,
                hooks: this.hooks,
              });
              if (recovered) {
                res.log.adoptProducerState(recovered.producers, recovered.logEndOffset);
                res.recoveredSegments = recovered.recoveredSegments;
                res.truncatedBytes = recovered.truncatedBytes;
              }
              this.registerLoadedLog(p, res.log);
              if (p.kind === 'current') summary.logs++;
              else if (p.kind === 'future') summary.futureLogs++;
              else summary.strayLogs++;
              summary.recoveredSegments += res.recoveredSegments;
              summary.truncatedBytes += res.truncatedBytes;
            } catch (e) {
              if (!isIoError(e)) throw e;
              this.opts.log.error({ err: e }, `Error while loading log dir ${dir}: ${(e as Error).message}`);
              failedDirs.set(dir, e as Error);
              dirOk = false;
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(threads, Math.max(1, queue.length)) }, worker));
        state.loadedAll = dirOk && !failedDirs.has(dir);
      }),
    );
    for (const [dir, err] of failedDirs) this.reportDirFailure(dir, err);
    // Dirs load in parallel: report them in configured order, not in the order they finished.
    const order = [...this.dirs.keys()];
    summary.hadCleanShutdown.sort((a, b) => order.indexOf(a) - order.indexOf(b));
    summary.durationMs = performance.now() - start;
    this.opts.log.info(
      { logs: summary.logs, recoveredSegments: summary.recoveredSegments, recoveredInWorkers: summary.recoveredInWorkers, truncatedBytes: summary.truncatedBytes, durationMs: Math.round(summary.durationMs) },
      `Loaded ${summary.logs} logs in ${Math.round(summary.durationMs)}ms`,
    );
    return summary;
  }

  // -------------------------------------------------------------------------------------------- logs

  /**
   * A loaded partition dir joins the current, future or stray logs (Kafka `LogManager.loadLog`). A `-future` dir is
   * a replica that was being moved to this dir (AlterReplicaLogDirs): as Kafka (ZK mode) it is kept and the move
   * resumes when the partition's next LeaderAndIsr hosts it (ReplicaManager → ReplicaAlterLogDirsManager); until
   * then it is flushed, checkpointed and closed like a current log, and deleted with its topic. A `-stray` dir is only loaded (recovered) and reported, as Kafka, then closed: nothing uses it.
   * A second current or future log of a partition is fatal, as in Kafka.
   */
  private registerLoadedLog(p: PartitionDir, log: Log): void {
    const key = topicPartitionKey(p.topic, p.partition);
    if (p.kind === 'stray') {
      log.closeHandlers();
      this.strayLogDirs.push(p.path);
      this.opts.log.warn(`Loaded stray log: ${p.path}`);
      return;
    }
    const logs = p.kind === 'future' ? this.futureLogs : this.logs;
    const previous = logs.get(key);
    if (previous) {
      log.closeHandlers();
      if (p.kind === 'future') throw new Error(`Duplicate log directories found: ${p.path}, ${previous.dir}`);
      throw new Error(`Duplicate log directories for ${key} are found in both ${previous.dir} and ${p.path}. It is likely because log directory failure happened while broker was replacing current replica with future replica. Recover broker from this failure by manually deleting one of the two directories for this partition. It is recommended to delete the partition in the log directory that is known to have failed recently.`);
    }
    logs.set(key, log);
    if (p.kind === 'future') {
      this.pauseCleaningForMove(key);
      this.opts.log.info(`Loaded future log ${p.path} for ${key}: the move between log dirs resumes when the partition is hosted (LeaderAndIsr)`);
    }
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.logs.get(topicPartitionKey(topic, partition));
  }

  /** The `-future` log of a partition (Kafka `getLog(tp, isFuture = true)`). */
  getFutureLog(topic: string, partition: number): Log | undefined {
    return this.futureLogs.get(topicPartitionKey(topic, partition));
  }

  /** Paths of the `-stray` dirs found at load. */
  get strayLogPaths(): string[] {
    return [...this.strayLogDirs];
  }

  /** Current and future logs (Kafka `allLogs`): what is flushed, checkpointed and closed. */
  private logsWithFuture(): Log[] {
    return [...this.logs.values(), ...this.futureLogs.values()];
  }

  allLogs(): Log[] {
    return [...this.logs.values()];
  }

  /** The `-future` logs (AlterReplicaLogDirs moves in progress), for DescribeLogDirs. */
  allFutureLogs(): Log[] {
    return [...this.futureLogs.values()];
  }

  /** Logs per live dir (new logs go to the dir with the fewest). */
  private partitionCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const d of this.dirs.keys()) counts.set(d, 0);
    for (const l of this.logs.values()) {
      const d = l.logDir;
      if (counts.has(d)) counts.set(d, counts.get(d)! + 1);
    }
    return counts;
  }

  /**
   * The existing log, or a new one in the live dir with the fewest partitions (Kafka `getOrCreateLog`).
   * `isNew: false` (a replica that should already exist, e.g. LeaderAndIsr without isNew) refuses to create a log
   * while some dir is offline — it may be there. Default `true`.
   */
  getOrCreateLog(topic: string, partition: number, opts: { topicId?: string; isNew?: boolean } = {}): Log {
    const key = topicPartitionKey(topic, partition);
    const existing = this.logs.get(key);
    if (existing) {
      if (opts.topicId !== undefined) existing.assignTopicId(opts.topicId);
      return existing;
    }
    if (this.dirs.size === 0) throw new KafkaStorageError(`Can not create log for ${key} because all log directories are offline`);
    if (opts.isNew === false && this.offline.length > 0) {
      throw new KafkaStorageError(`Can not create log for ${key} because log directories ${this.offline.map((o) => o.dir).join(',')} are offline`);
    }
    let best: string | null = null;
    let bestCount = Infinity;
    for (const [d, n] of this.partitionCounts()) {
      if (n < bestCount) {
        best = d;
        bestCount = n;
      }
    }
    const preferred = this.preferredLogDirs.get(key);
    if (preferred !== undefined && this.dirs.has(preferred)) best = preferred; // Kafka: the preferred dir if it is live
    this.preferredLogDirs.delete(key);
    const dir = path.join(best!, key);
    let log: Log;
    try {
      log = Log.create({ dir, topic, partition, config: this.logConfigFor(topic), topicId: opts.topicId, hooks: this.hooks });
    } catch (e) {
      if (isIoError(e)) {
        this.reportDirFailure(best!, e as Error);
        throw new KafkaStorageError(`Error while creating log for ${key} in dir ${best}: ${(e as Error).message}`, { cause: e });
      }
      throw e;
    }
    this.logs.set(key, log);
    this.opts.log.info(`Created log for partition ${key} in ${dir}`);
    return log;
  }

  // -------------------------------------------------------------------------------------------- log-dir moves

  /**
   * Kafka's `LogManager.isLogDirOnline` as AlterReplicaLogDirs uses it: `dir` (an absolute path) must be one of
   * log.dirs (else {@link LogDirNotFoundError}); returns whether it is live.
   */
  isLogDirOnline(dir: string): boolean {
    const configured = this.opts.logDirs.map((d) => path.resolve(d));
    if (!path.isAbsolute(dir) || !configured.includes(path.resolve(dir))) throw new LogDirNotFoundError(`Failed to find the log directory ${dir}`);
    return this.dirs.has(path.resolve(dir));
  }

  /** Kafka's maybeUpdatePreferredLogDir: a partition created here later goes to `dir` (a hosted one is unaffected). */
  maybeUpdatePreferredLogDir(topic: string, partition: number, dir: string): void {
    const key = topicPartitionKey(topic, partition);
    if (!this.logs.has(key)) this.preferredLogDirs.set(key, path.resolve(dir));
  }

  /**
   * Kafka's getOrCreateLog(isFuture = true): the partition's `-future` log in `dir` (`<topic>-<p>.<uuid>-future`),
   * created empty if absent. Throws if the partition already has a future log in another dir (Kafka's
   * IllegalStateException in Partition.maybeCreateFutureReplica) or `dir` is not live.
   */
  getOrCreateFutureLog(topic: string, partition: number, dir: string, topicId?: string): Log {
    const key = topicPartitionKey(topic, partition);
    const logDir = path.resolve(dir);
    const existing = this.futureLogs.get(key);
    if (existing) {
      if (existing.logDir !== logDir) throw new Error(`The future log dir ${existing.logDir} of ${key} is different from the requested log dir ${logDir}`);
      return existing;
    }
    if (!this.dirs.has(logDir)) throw new KafkaStorageError(`Can not create the future log for ${key} because log directory ${logDir} is offline`);
    if (this.offline.length > 0) { // Kafka's getOrCreateLog(isNew = false): it may be in the offline dir already
      throw new KafkaStorageError(`Can not create log for ${key} because log directories ${this.offline.map((o) => o.dir).join(',')} are offline`);
    }
    let log: Log;
    try {
      log = Log.create({ dir: path.join(logDir, futureDirName(topic, partition)), topic, partition, config: this.logConfigFor(topic), ...(topicId ? { topicId } : {}), hooks: this.hooks });
    } catch (e) {
      if (isIoError(e)) {
        this.reportDirFailure(logDir, e as Error);
        throw new KafkaStorageError(`Error while creating the future log for ${key} in dir ${logDir}: ${(e as Error).message}`, { cause: e });
      }
      throw e;
    }
    this.futureLogs.set(key, log);
    this.pauseCleaningForMove(key);
    this.opts.log.info(`Created log for partition ${key} in ${log.dir} (future replica: moving from ${this.logs.get(key)?.logDir ?? '?'} to ${logDir})`);
    return log;
  }

  /** Kafka's Partition.removeFutureLocalReplica → asyncDelete(isFuture): a cancelled move's future log is deleted. */
  removeFutureLog(topic: string, partition: number): boolean {
    const key = topicPartitionKey(topic, partition);
    const future = this.futureLogs.get(key);
    if (!future) return false;
    this.futureLogs.delete(key);
    this.resumeCleaningAfterMove(key);
    this.renameAndScheduleDelete(future, key);
    return true;
  }

  /**
   * Kafka pauses cleaning of a partition while its `-future` replica is moved (ReplicaManager.alterReplicaLogDirs /
   * maybeAddLogDirFetchers → abortAndPauseCleaning) and resumes it at the swap (replaceCurrentWithFutureLog). Rafka
   * pauses once per future log, when it is created or loaded, and resumes when it leaves — swapped in, or deleted
   * (a cancelled move, the partition deleted, its dir failed). Kafka 3.7.1 resumes only at the swap: a cancelled move
   * leaves the partition paused until a restart (and a move redirected to a third dir pauses it twice); Rafka does not
   * follow that leak.
   */
  private readonly cleaningPausedForMove = new Set<string>();
  private pauseCleaningForMove(key: string): void {
    if (!this.cleaner || this.cleaningPausedForMove.has(key)) return;
    this.cleaningPausedForMove.add(key);
    this.cleaner.abortAndPauseCleaning(key);
  }
  private resumeCleaningAfterMove(key: string): void {
    if (!this.cleaningPausedForMove.delete(key)) return;
    this.cleaner?.resumeCleaning(key);
  }

  /**
   * Kafka's `LogManager.replaceCurrentWithFutureLog` (the caller checked that both logs end at the same offset, in
   * the same event-loop turn as the last append): the future log's dir is renamed to `<topic>-<partition>` and it
   * becomes the current log with the current log's high watermark, then the old current log is closed, renamed
   * `-delete` and scheduled for deletion, and its dir's checkpoints rewritten without it. Synchronous: no append,
   * read or truncation of the partition interleaves. Returns the new current log.
   *
   * Differs from Kafka: a Log's paths are fixed, so the future log is closed (producer snapshot written), its dir
   * renamed, and loaded again as cleanly shut down (a small synchronous load: indexes are not rebuilt). The cleaner's
   * first dirty offset follows the log to its new dir (Kafka's alterCheckpointDir) and cleaning, paused while the
   * future log existed, resumes.
   * A crash between the two renames leaves two current dirs, which the next start refuses (the same message as Kafka).
   */
  replaceCurrentWithFutureLog(topic: string, partition: number): Log {
    const key = topicPartitionKey(topic, partition);
    const source = this.logs.get(key);
    const dest = this.futureLogs.get(key);
    if (!source || source.isOffline) throw new KafkaStorageError(`The current replica for ${key} is offline`);
    if (!dest || dest.isOffline) throw new KafkaStorageError(`The future replica for ${key} is offline`);
    this.opts.log.info(`Attempting to replace current log ${source} with ${dest} for ${key}`);
    const destLogDir = dest.logDir;
    const target = path.join(destLogDir, partitionDirName(topic, partition));
    let moved: Log;
    try {
      dest.flush();
      dest.close();
      fs.renameSync(dest.dir, target);
      fsyncDirSync(destLogDir);
      moved = Log.load({
        dir: target, topic, partition, config: dest.config, hadCleanShutdown: true,
        recoveryPoint: dest.logEndOffset, logStartOffset: dest.logStartOffset, hooks: this.hooks,
      }).log;
    } catch (e) {
      this.futureLogs.delete(key);
      this.resumeCleaningAfterMove(key);
      dest.closeHandlers();
      if (isIoError(e) || e instanceof KafkaStorageError) {
        this.reportDirFailure(destLogDir, ((e as Error).cause as Error | undefined) ?? (e as Error));
        throw e instanceof KafkaStorageError ? e : new KafkaStorageError(`Error while renaming the future log of ${key} in dir ${destLogDir}: ${(e as Error).message}`, { cause: e });
      }
      throw e;
    }
    moved.updateHighWatermark(source.highWatermark);
    this.futureLogs.delete(key);
    this.logs.set(key, moved);
    if (this.cleaner) {
      // Kafka: cleaner.alterCheckpointDir, then resumeCleaning. The offset is taken now (before the source's removal
      // below drops it from its dir's checkpoint); cleaning resumes once the destination's checkpoint has it.
      const cleaner = this.cleaner;
      const paused = this.cleaningPausedForMove.delete(key); // a next move pauses again (its own count)
      cleaner.alterCheckpointDir(key, source.logDir, destLogDir)
        .catch((e) => this.opts.log.error({ err: e }, `Could not move the cleaner checkpoint of ${key} to ${destLogDir}: ${(e as Error).message}`))
        .finally(() => { if (paused) cleaner.resumeCleaning(key); });
    }
    this.renameAndScheduleDelete(source, key);
    this.checkpointDirSync(source.logDir);
    this.opts.log.info(`The current replica is successfully replaced with the future replica for ${key}`);
    return moved;
  }

  /** Rewrite `dir`'s recovery-point and log-start-offset checkpoints now (a log left it). */
  private checkpointDirSync(dir: string): void {
    const state = this.dirs.get(dir);
    if (!state) return;
    const rp = new Map<string, bigint>();
    const lso = new Map<string, bigint>();
    for (const l of this.logsWithFuture()) {
      if (l.logDir !== dir || l.isOffline) continue;
      const k = topicPartitionKey(l.topic, l.partition);
      rp.set(k, l.recoveryPoint);
      const first = l.segmentBaseOffsets()[0];
      if (first !== undefined && l.logStartOffset > first) lso.set(k, l.logStartOffset);
    }
    // asynchronous writes: the next periodic checkpoint covers a failure here
    state.recoveryPointCheckpoint.write(rp).catch((e) => { if (isIoError(e)) this.reportDirFailure(dir, e as Error); });
    state.logStartOffsetCheckpoint.write(lso).catch((e) => { if (isIoError(e)) this.reportDirFailure(dir, e as Error); });
  }

  /**
   * Delete a partition's log (topic deletion / StopReplica with delete; Kafka `asyncDelete`): close it, rename
   * its dir to `<topic>-<partition>.<uuid>-delete` (fsync of the log dir) and remove it after
   * `file.delete.delay.ms`. Its checkpoint entries disappear with the next checkpoint. Returns false if absent.
   */
  deleteLog(topic: string, partition: number): boolean {
    const key = topicPartitionKey(topic, partition);
    const future = this.futureLogs.get(key); // Kafka deletes the future replica with the partition (asyncDelete isFuture)
    if (future) {
      this.futureLogs.delete(key);
      this.resumeCleaningAfterMove(key);
      this.renameAndScheduleDelete(future, key);
    }
    const log = this.logs.get(key);
    if (!log) return future !== undefined;
    this.logs.delete(key);
    this.renameAndScheduleDelete(log, key);
    return true;
  }

  /** Close `log`, rename its dir to `<topic>-<partition>.<uuid>-delete` and remove it after `file.delete.delay.ms`. */
  private renameAndScheduleDelete(log: Log, key: string): void {
    const { topic, partition } = log;
    const logDir = log.logDir;
    this.cleaner?.abortCleaning(key, logDir);
    try {
      if (!log.isOffline) log.close();
      const target = path.join(logDir, deleteDirName(topic, partition));
      fs.renameSync(log.dir, target);
      fsyncDirSync(logDir);
      this.scheduleDelete([target], log.config.fileDeleteDelayMs);
      this.opts.log.info(`Log for partition ${key} is renamed to ${target} and is scheduled for deletion`);
    } catch (e) {
      log.closeHandlers();
      if (isIoError(e) || e instanceof KafkaStorageError) {
        this.reportDirFailure(logDir, ((e as Error).cause as Error | undefined) ?? (e as Error));
        throw e instanceof KafkaStorageError ? e : new KafkaStorageError(`Error while deleting log for ${key} in dir ${logDir}: ${(e as Error).message}`, { cause: e });
      }
      throw e;
    }
  }

  /** Delete every log of `topic` ({@link deleteLog} each, in every live dir). Returns how many were deleted. */
  deleteTopic(topic: string): number {
    let n = 0;
    for (const l of this.logsWithFuture()) if (l.topic === topic && this.deleteLog(topic, l.partition)) n++;
    this.forgetTopicConfig(topic);
    return n;
  }

  /** A deleted topic's overrides go: a topic re-created under this name starts from its own /config/topics. */
  forgetTopicConfig(topic: string): void {
    this.topicConfigCache.delete(topic);
    this.opts.topicConfigs?.delete(topic);
  }

  // -------------------------------------------------------------------------------------------- periodic tasks

  /** Flush logs whose `flush.ms` elapsed since their last flush (Kafka `flushDirtyLogs`). */
  async flushDirtyLogs(): Promise<void> {
    for (const l of this.logsWithFuture()) {
      if (l.isOffline) continue;
      if (l.timeSinceLastFlush >= l.config.flushMs && l.unflushedMessages > 0n) {
        try {
          await l.flushAsync();
        } catch (e) {
          this.opts.log.error({ err: e }, `Error flushing log ${l.topic}-${l.partition}: ${(e as Error).message}`);
        }
      }
    }
  }

  private logsByDir(): Map<string, Log[]> {
    const m = new Map<string, Log[]>();
    for (const d of this.dirs.keys()) m.set(d, []);
    for (const l of this.logsWithFuture()) m.get(l.logDir)?.push(l);
    return m;
  }

  /** Write `recovery-point-offset-checkpoint` in every live dir (all its logs). */
  async checkpointRecoveryPoints(): Promise<void> {
    for (const [dir, logs] of this.logsByDir()) {
      const state = this.dirs.get(dir);
      if (!state) continue;
      const m = new Map<string, bigint>();
      for (const l of logs) if (!l.isOffline) m.set(topicPartitionKey(l.topic, l.partition), l.recoveryPoint);
      try {
        await state.recoveryPointCheckpoint.write(m);
      } catch (e) {
        if (!isIoError(e)) throw e;
        this.reportDirFailure(dir, e as Error);
      }
    }
  }

  /** Write `log-start-offset-checkpoint` in every live dir (logs whose start offset is above their first segment). */
  async checkpointLogStartOffsets(): Promise<void> {
    for (const [dir, logs] of this.logsByDir()) {
      const state = this.dirs.get(dir);
      if (!state) continue;
      const m = new Map<string, bigint>();
      for (const l of logs) {
        if (l.isOffline) continue;
        const first = l.segmentBaseOffsets()[0];
        if (first !== undefined && l.logStartOffset > first) m.set(topicPartitionKey(l.topic, l.partition), l.logStartOffset);
      }
      try {
        await state.logStartOffsetCheckpoint.write(m);
      } catch (e) {
        if (!isIoError(e)) throw e;
        this.reportDirFailure(dir, e as Error);
      }
    }
  }

  /** `producer.id.expiration.ms` (read per use: a cluster-wide dynamic config in Kafka). */
  private get producerIdExpirationMs(): number {
    return this.opts.config.getInt('producer.id.expiration.ms');
  }

  /** Kafka's `PeriodicProducerExpirationCheck`: forget idle producers of every log. */
  async removeExpiredProducers(): Promise<{ removed: number }> {
    let removed = 0;
    const now = this.now();
    for (const l of this.logs.values()) {
      if (l.isOffline) continue;
      removed += l.removeExpiredProducers(now);
    }
    if (removed > 0) this.opts.log.info({ removed }, `Removed ${removed} expired producer ids`);
    return { removed };
  }

  /** Retention for every log (Kafka `cleanupLogs`); also removes `.deleted` files whose delay has passed. */
  async cleanupLogs(): Promise<{ deletedSegments: number }> {
    let deletedSegments = 0;
    const now = this.now();
    for (const l of this.logs.values()) {
      if (l.isOffline || this.retentionByCleaner(l)) continue;
      try {
        deletedSegments += l.deleteOldSegments(now);
      } catch (e) {
        this.opts.log.error({ err: e }, `Error during retention of ${l.topic}-${l.partition}: ${(e as Error).message}`);
      }
      await yieldToLoop();
    }
    await this.deleteDueFiles();
    if (deletedSegments > 0) this.opts.log.info(`Log cleanup completed. ${deletedSegments} segments deleted`);
    return { deletedSegments };
  }

  // -------------------------------------------------------------------------------------------- async deletes

  private scheduleDelete(files: string[], delayMs: number): void {
    if (files.length === 0) return;
    this.pendingDeletes.push({ files, due: this.now() + delayMs });
    this.armDeleteTimer();
  }

  private armDeleteTimer(): void {
    if (this.deleteTimer) clearTimeout(this.deleteTimer);
    this.deleteTimer = null;
    if (this.pendingDeletes.length === 0 || this.shutDown) return;
    const due = Math.min(...this.pendingDeletes.map((p) => p.due));
    this.deleteTimer = setTimeout(() => {
      this.deleteTimer = null;
      this.deleteDueFiles().catch((e) => this.opts.log.error({ err: e }, 'Error deleting files'));
    }, Math.max(0, Math.min(due - this.now(), 2 ** 31 - 1)));
    this.deleteTimer.unref();
  }

  /** Remove files/dirs scheduled for deletion whose delay has passed. Returns how many paths were removed. */
  async deleteDueFiles(): Promise<number> {
    const now = this.now();
    const due = this.pendingDeletes.filter((p) => p.due <= now);
    this.pendingDeletes = this.pendingDeletes.filter((p) => p.due > now);
    let n = 0;
    for (const p of due) {
      for (const f of p.files) {
        try {
          await fs.promises.rm(f, { recursive: true, force: true });
          n++;
        } catch (e) {
          this.opts.log.warn(`Could not delete ${f}: ${(e as Error).message}`);
        }
      }
    }
    this.armDeleteTimer();
    return n;
  }

  /** Paths waiting for deletion (for tests/metrics). */
  get pendingDeletions(): string[] {
    return this.pendingDeletes.flatMap((p) => p.files);
  }

  // -------------------------------------------------------------------------------------------- failure / shutdown

  /** A dir failed: close its logs without flushing, release its lock, drop it from the live dirs. */
  handleLogDirFailure(dir: string): void {
    const state = this.dirs.get(dir);
    if (!state) return;
    this.dirs.delete(dir);
    this.offline.push({ dir, error: `Log dir ${dir} failed` });
    this.cleaner?.handleLogDirFailure(dir);
    for (const logs of [this.logs, this.futureLogs]) {
      for (const [key, l] of logs) {
        if (l.logDir !== dir) continue;
        l.closeHandlers();
        logs.delete(key);
        if (logs === this.futureLogs) this.resumeCleaningAfterMove(key);
      }
    }
    state.lock.release().catch((e) => this.opts.log.warn(`Could not release the lock of ${dir}: ${(e as Error).message}`));
    this.opts.log.error(`Logs for partitions in dir ${dir} are offline and the dir is removed from the live log dirs`);
  }

  /** Kafka stops the cleaner first: a clean in progress is aborted and its `.cleaned` files removed. */
  private async stopCleaner(): Promise<void> {
    try {
      await this.cleaner?.shutdown();
    } catch (e) {
      this.opts.log.error({ err: e }, `Error shutting down the log cleaner: ${(e as Error).message}`);
    }
  }

  /**
   * Clean shutdown (Kafka `LogManager.shutdown`, §1.6): per live dir, flush and close every log; if all closed,
   * write both checkpoints and — when the dir loaded completely or had a marker — `.kafka_cleanshutdown`.
   * Finally release (and delete) every `.lock`.
   */
  async shutdown(): Promise<void> {
    if (this.shutDown) return;
    this.shutDown = true;
    await this.stopCleaner();
    if (this.deleteTimer) clearTimeout(this.deleteTimer);
    this.deleteTimer = null;
    const byDir = this.logsByDir();
    try {
      for (const [dir, logs] of byDir) {
        const state = this.dirs.get(dir)!;
        let ok = true;
        // Kafka closes a dir's logs on a thread pool; here up to SHUTDOWN_CONCURRENCY logs at a time have their
        // fsyncs in flight on the libuv pool (fsyncs of one disk then share journal commits).
        const queue = [...logs];
        const worker = async (): Promise<void> => {
          for (let l = queue.shift(); l; l = queue.shift()) {
            try {
              if (l.isOffline) {
                ok = false;
                continue;
              }
              await l.flushAsync();
              await l.closeAsync();
            } catch (e) {
              ok = false;
              this.opts.log.error({ err: e }, `Error closing log ${l.topic}-${l.partition}: ${(e as Error).message}`);
            }
          }
        };
        const closers = Math.max(SHUTDOWN_CONCURRENCY, this.numRecoveryThreadsPerDataDir); // Kafka: a pool of numRecoveryThreadsPerDataDir
        await Promise.all(Array.from({ length: Math.min(closers, Math.max(1, queue.length)) }, worker));
        if (!ok) continue;
        try {
          const rp = new Map<string, bigint>();
          const lso = new Map<string, bigint>();
          for (const l of logs) {
            const key = topicPartitionKey(l.topic, l.partition);
            rp.set(key, l.recoveryPoint);
            const first = l.segmentBaseOffsets()[0];
            if (first !== undefined && l.logStartOffset > first) lso.set(key, l.logStartOffset);
          }
          await state.recoveryPointCheckpoint.write(rp);
          await state.logStartOffsetCheckpoint.write(lso);
          if (state.loadedAll || state.hadCleanShutdown) await writeCleanShutdownFile(dir);
        } catch (e) {
          this.opts.log.error({ err: e }, `Error writing checkpoints / clean shutdown marker in ${dir}: ${(e as Error).message}`);
        }
      }
    } finally {
      this.logs.clear();
      this.futureLogs.clear();
      await Promise.allSettled([...this.dirs.values()].map((s) => s.lock.release()));
    }
    this.opts.log.info('Shutdown complete.');
  }
}

