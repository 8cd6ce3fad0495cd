/**
 * One partition's log (Kafka `UnifiedLog` + `LocalLog`, local part only): an ordered list of {@link LogSegment}s,
 * the log start / end offsets, recovery point, leader-epoch cache and producer-state snapshots.
 *
 * Designed for 10,000 instances per broker: a plain object, no timers, no promises kept alive; segments open
 * their indexes lazily; the producer table exists only once an idempotent producer wrote to the log.
 * All I/O is synchronous (as Kafka's FileChannel calls) except {@link Log.flushAsync}. Any errno error from the
 * file system is reported once through `hooks.onIoError` (the LogManager takes the dir offline) and rethrown as
 * {@link KafkaStorageError}; the log then refuses further work.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  CorruptRecordError, InvalidRecordError, MAGIC_V2, nextBatchAt, RecordBatch, TimestampType, buildRecordBatch,
  type BatchView,
} from './record-batch.js';
import { legacyBatchAt, LegacyRecordBatch } from './legacy-records.js';
import { LogSegment, type LogSegmentOptions } from './log-segment.js';
import { loadSegments } from './segment-recovery.js';
import { cleanupCompacts, type LogConfig, randomSegmentJitter } from './log-config.js';
import { validateKeysForCompactedTopic } from './compacted-keys.js';
import { fsyncDirSync, LeaderEpochCache } from './leader-epoch-cache.js';
import {
  CorruptSnapshotError, listProducerSnapshots, ProducerStateTable, readProducerSnapshot, writeProducerSnapshot,
  writeProducerSnapshotAsync,
} from './producer-state.js';
import { InconsistentTopicIdError, readPartitionMetadata, writePartitionMetadata } from './partition-metadata-file.js';
import { CheckpointFileError } from './checkpoint-file.js';
import { PartitionMetadataError } from './partition-metadata-file.js';
import { CLEANED_FILE_SUFFIX, DELETED_FILE_SUFFIX, SWAP_FILE_SUFFIX } from './log-file-names.js';

export { CorruptRecordError, InvalidRecordError } from './record-batch.js';

// ------------------------------------------------------------------------------------------------ errors

/** Kafka `OffsetOutOfRangeException`. */
export class OffsetOutOfRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OffsetOutOfRangeError';
  }
}

/** Kafka `RecordTooLargeException`: one batch is larger than `max.message.bytes`. */
export class RecordTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordTooLargeError';
  }
}

/** Kafka `RecordBatchTooLargeException`: the whole append is larger than `segment.bytes`. */
export class RecordBatchTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordBatchTooLargeError';
  }
}

/** Kafka `UnsupportedForMessageFormatException`: only magic 2 batches are accepted for writes. */
export class UnsupportedForMessageFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedForMessageFormatError';
  }
}

/** Kafka `KafkaStorageException`: the log's dir failed (or is offline). */
export class KafkaStorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaStorageError';
  }
}

/** True for errors that mean "the disk/dir is bad" (Kafka IOException). */
export function isIoError(e: unknown): boolean {
  if (e instanceof CheckpointFileError || e instanceof PartitionMetadataError) return true;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

// ------------------------------------------------------------------------------------------------ types

/** Shared by all logs of a LogManager (one object, not one per log). */
export interface LogHooks {
  /** An I/O error happened in `logDir` (the parent of the partition dir). Called before the error is rethrown. */
  onIoError?: (logDir: string, error: Error) => void;
  /** Files renamed to `*.deleted` that must be removed after `delayMs` (default: removed at once). */
  scheduleDelete?: (files: string[], delayMs: number) => void;
  warn?: (message: string) => void;
  now?: () => number;
  random?: () => number;
}

export interface LogAppendInfo {
  firstOffset: bigint;
  lastOffset: bigint;
  /** Broker time written into LogAppendTime batches, -1 for CreateTime. */
  logAppendTime: number;
  logStartOffset: bigint;
  recordCount: number;
}

export interface LogReadResult {
  records: Buffer;
  highWatermark: bigint;
  logStartOffset: bigint;
}

export interface LoadLogOptions {
  /** Partition dir `<logDir>/<topic>-<partition>`. */
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  recoveryPoint?: bigint;
  logStartOffset?: bigint;
  hadCleanShutdown: boolean;
  topicId?: string;
  hooks?: LogHooks;
  /** Recovery point to keep after a load that follows a recovery done elsewhere (a {@link RecoveryWorker}). */
  recoveryPointOverride?: bigint;
}

export interface LoadLogResult {
  log: Log;
  recoveredSegments: number;
  truncatedBytes: number;
}

export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;
export const MAX_TIMESTAMP = -3;

const NO_HOOKS: LogHooks = {};

// ------------------------------------------------------------------------------------------------ Log

export class Log {
  readonly topic: string;
  readonly partition: number;
  private _dir: string;
  private _config: LogConfig;
  private readonly hooks: LogHooks;
  private segments: LogSegment[];
  private nextOffset: bigint;
  private _logStartOffset: bigint;
  private _recoveryPoint: bigint;
  private _highWatermark: bigint;
  private lastFlushTime: number;
  /** Loaded on first use (most logs of a big broker are never touched between startup and shutdown). */
  private _epochCache: LeaderEpochCache | null;
  /** Truncation to apply when the epoch cache is loaded lazily (Kafka applies it at load). */
  private pendingEpochTruncation: { end: bigint; start: bigint } | null = null;
  private producers: ProducerStateTable | null = null;
  /** Snapshot files not read yet (newest last); read on first need of the producer table. */
  private unreadSnapshots: Array<{ offset: bigint; file: string }> | null = null;
  private lastSnapOffset: bigint;
  private dirNeedsFlush = false;
  /** undefined = `partition.metadata` not read yet. */
  private _topicId: string | null | undefined;
  private failed: Error | null = null;
  private closed = false;

  private constructor(
    o: { dir: string; topic: string; partition: number; config: LogConfig; hooks: LogHooks },
    segments: LogSegment[],
    logEndOffset: bigint,
    logStartOffset: bigint,
    recoveryPoint: bigint,
    epochCache: LeaderEpochCache | null,
    topicId: string | null | undefined,
  ) {
    this._dir = o.dir;
    this.topic = o.topic;
    this.partition = o.partition;
    this._config = o.config;
    this.hooks = o.hooks;
    this.segments = segments;
    this.nextOffset = logEndOffset;
    this._logStartOffset = logStartOffset;
    this._recoveryPoint = recoveryPoint;
    this._highWatermark = logEndOffset;
    this.lastFlushTime = this.now();
    this._epochCache = epochCache;
    this.lastSnapOffset = logStartOffset;
    this._topicId = topicId;
  }

  /** Create a brand-new empty log (the partition dir is created, its parent fsynced). */
  static create(o: { dir: string; topic: string; partition: number; config: LogConfig; topicId?: string; hooks?: LogHooks }): Log {
    fs.mkdirSync(o.dir, { recursive: true });
    fsyncDirSync(path.dirname(o.dir));
    const log = Log.load({ ...o, hadCleanShutdown: true }).log;
    log.dirNeedsFlush = true; // the first segment's files are new entries of the partition dir
    return log;
  }

  /** Load (and recover after an unclean shutdown) an existing partition dir (Kafka `UnifiedLog.apply` / `LogLoader`). */
  static load(o: LoadLogOptions): LoadLogResult {
    const hooks = o.hooks ?? NO_HOOKS;
    // Read only when needed: by recovery (epochs of recovered batches) or a topic id check.
    let epochCache: LeaderEpochCache | null = null;
    const cache = (): LeaderEpochCache => (epochCache ??= LeaderEpochCache.load(o.dir));
    let storedTopicId: string | null | undefined = o.topicId === undefined ? undefined : readPartitionMetadata(o.dir);
    if (o.topicId !== undefined && storedTopicId !== null && storedTopicId !== o.topicId) {
      throw new InconsistentTopicIdError(`Tried to assign topic ID ${o.topicId} to log for topic partition ${o.topic}-${o.partition}, but log already contained topic ID ${storedTopicId}`);
    }
    const recovered = new ProducerStateTable();
    let sawProducer = false;
    const loaded = loadSegments({
      dir: o.dir,
      recoveryPoint: o.recoveryPoint ?? 0n,
      logStartOffset: o.logStartOffset ?? 0n,
      hadCleanShutdown: o.hadCleanShutdown,
      indexIntervalBytes: o.config.indexIntervalBytes,
      maxIndexSize: o.config.maxIndexSize,
      preallocate: o.config.preallocate,
      initFileSize: o.config.preallocate ? o.config.segmentBytes : undefined,
      onBatch: (batch: BatchView) => {
        if (batch.magic >= MAGIC_V2) {
          const epoch = batch.partitionLeaderEpoch;
          if (epoch >= 0 && epoch > cache().latestEpoch) cache().assign(epoch, batch.baseOffset);
          const b = batch as RecordBatch;
          if (b.producerId >= 0n) {
            sawProducer = true;
            recovered.update(b);
          }
        }
      },
      scheduleDelete: hooks.scheduleDelete ? (files) => hooks.scheduleDelete!(files, o.config.fileDeleteDelayMs) : undefined,
      log: hooks.warn,
    });
    const leo = loaded.logEndOffset;
    const rpo = o.recoveryPointOverride;
    const log = new Log(
      { dir: o.dir, topic: o.topic, partition: o.partition, config: o.config, hooks },
      loaded.segments,
      leo,
      loaded.logStartOffset,
      rpo !== undefined && rpo < loaded.recoveryPoint ? rpo : loaded.recoveryPoint,
      epochCache,
      storedTopicId,
    );
    try {
      if (epochCache !== null) {
        (epochCache as LeaderEpochCache).truncateFromEnd(leo);
        (epochCache as LeaderEpochCache).truncateFromStart(loaded.logStartOffset);
      } else {
        log.pendingEpochTruncation = { end: leo, start: loaded.logStartOffset };
      }
      log.loadProducerState(recovered, sawProducer);
      if (o.topicId !== undefined && storedTopicId === null) {
        writePartitionMetadata(o.dir, o.topicId);
        storedTopicId = o.topicId;
        log._topicId = o.topicId;
      }
    } catch (e) {
      for (const s of loaded.segments) s.closeHandlers();
      throw e;
    }
    // A loaded log holds no file descriptors until it is used (10,000 partitions must fit the fd limit).
    for (const s of loaded.segments) s.releaseHandles();
    return { log, recoveredSegments: loaded.recoveredSegments.length, truncatedBytes: loaded.truncatedBytes };
  }

  /**
   * Producer snapshots: drop those past the LEO and stray ones (below the log start offset and not the latest);
   * the latest is read lazily (first producer append / snapshot), unless recovery saw producer batches, in which
   * case it is read now and the producers of recovered batches after it are applied.
   */
  private loadProducerState(recovered: ProducerStateTable, sawProducer: boolean): void {
    const leo = this.nextOffset;
    let snaps = listProducerSnapshots(this._dir);
    if (snaps.length === 0 && !sawProducer) return;
    for (const s of snaps) if (s.offset > leo) fs.rmSync(s.file, { force: true });
    snaps = snaps.filter((s) => s.offset <= leo);
    const latest = snaps[snaps.length - 1];
    const bases = new Set(this.segments.map((s) => s.baseOffset));
    snaps = snaps.filter((s) => {
      if (s === latest || bases.has(s.offset) || s.offset >= this._logStartOffset) return true;
      fs.rmSync(s.file, { force: true });
      return false;
    });
    if (latest && latest.offset > this.lastSnapOffset) this.lastSnapOffset = latest.offset;
    this.unreadSnapshots = snaps.length > 0 ? snaps : null;
    if (sawProducer) {
      const snapOffset = this.readLatestSnapshot();
      for (const e of recovered.entries()) {
        if (e.lastOffset >= snapOffset) (this.producers ??= new ProducerStateTable()).producers.set(e.producerId, e);
      }
    }
  }

  /** Read the newest readable snapshot into the producer table (corrupt ones are deleted); returns its offset. */
  private readLatestSnapshot(): bigint {
    const snaps = this.unreadSnapshots;
    this.unreadSnapshots = null;
    if (snaps === null) return this._logStartOffset;
    for (let i = snaps.length - 1; i >= 0; i--) {
      const s = snaps[i]!;
      try {
        const entries = readProducerSnapshot(s.file);
        if (entries.length > 0) (this.producers ??= new ProducerStateTable()).load(entries);
        return s.offset;
      } catch (e) {
        if (!(e instanceof CorruptSnapshotError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        this.hooks.warn?.(`Deleting corrupt producer snapshot ${s.file}: ${(e as Error).message}`);
        fs.rmSync(s.file, { force: true });
      }
    }
    return this._logStartOffset;
  }

  private producerTable(): ProducerStateTable {
    if (this.unreadSnapshots !== null) this.readLatestSnapshot();
    return (this.producers ??= new ProducerStateTable());
  }

  private get epochCache(): LeaderEpochCache {
    if (this._epochCache === null) {
      const c = LeaderEpochCache.load(this._dir);
      const t = this.pendingEpochTruncation;
      this.pendingEpochTruncation = null;
      if (t) {
        c.truncateFromEnd(t.end);
        c.truncateFromStart(t.start);
      }
      this._epochCache = c;
    }
    return this._epochCache;
  }

  // -------------------------------------------------------------------------------------------- accessors

  get dir(): string {
    return this._dir;
  }
  /** The log dir holding this partition dir. */
  get logDir(): string {
    return path.dirname(this._dir);
  }
  get config(): LogConfig {
    return this._config;
  }
  get topicId(): string | null {
    if (this._topicId === undefined) this._topicId = this.io(() => readPartitionMetadata(this._dir));
    return this._topicId;
  }
  get logStartOffset(): bigint {
    return this._logStartOffset;
  }
  get logEndOffset(): bigint {
    return this.nextOffset;
  }
  /** = LEO on a single broker (no followers); kept as its own value for the replica layer. */
  get highWatermark(): bigint {
    return this._highWatermark;
  }
  get recoveryPoint(): bigint {
    return this._recoveryPoint;
  }
  get numberOfSegments(): number {
    return this.segments.length;
  }
  /** Base offsets of the segments, ascending. */
  segmentBaseOffsets(): bigint[] {
    return this.segments.map((s) => s.baseOffset);
  }
  /** Bytes in all `.log` files. */
  get size(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }
  get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }
  get latestEpoch(): number {
    return this.epochCache.latestEpoch;
  }
  leaderEpochEntries(): Array<{ epoch: number; startOffset: bigint }> {
    return this.epochCache.epochEntries();
  }
  /** Producers known to this log (snapshot content). */
  producerEntries(): ReturnType<ProducerStateTable['entries']> {
    if (this.unreadSnapshots !== null) this.io(() => this.readLatestSnapshot());
    return this.producers?.entries() ?? [];
  }
  get isOffline(): boolean {
    return this.failed !== null;
  }
  /** Unflushed messages (LEO − recovery point). */
  get unflushedMessages(): bigint {
    return this.nextOffset - this._recoveryPoint;
  }
  get timeSinceLastFlush(): number {
    return this.now() - this.lastFlushTime;
  }

  /** Replace the config (dynamic topic config change). Takes effect for the next append/roll. */
  updateConfig(config: LogConfig): void {
    this._config = config;
  }

  /** Set the high watermark (clamped to [logStartOffset, LEO]). */
  updateHighWatermark(hw: bigint): bigint {
    const v = hw < this._logStartOffset ? this._logStartOffset : hw > this.nextOffset ? this.nextOffset : hw;
    this._highWatermark = v;
    return v;
  }

  /** Write `partition.metadata` once the topic id is known (Kafka `assignTopicId`). */
  assignTopicId(topicId: string): void {
    const current = this.topicId;
    if (current === topicId) return;
    if (current !== null) {
      throw new InconsistentTopicIdError(`Tried to assign topic ID ${topicId} to log for topic partition ${this.tpString}, but log already contained topic ID ${this._topicId}`);
    }
    this.io(() => writePartitionMetadata(this._dir, topicId));
    this._topicId = topicId;
  }

  private get tpString(): string {
    return `${this.topic}-${this.partition}`;
  }

  private now(): number {
    return (this.hooks.now ?? Date.now)();
  }

  private checkUsable(): void {
    if (this.failed) throw new KafkaStorageError(`The log dir of ${this.tpString} (${this.logDir}) is offline`, { cause: this.failed });
    if (this.closed) throw new KafkaStorageError(`The log for ${this.tpString} is closed`);
  }

  /** Run an I/O step: errno errors mark the log failed, are reported once, and become KafkaStorageError. */
  private io<T>(f: () => T): T {
    this.checkUsable();
    try {
      return f();
    } catch (e) {
      throw this.ioFailure(e);
    }
  }

  private ioFailure(e: unknown): unknown {
    if (!isIoError(e)) return e;
    const err = e as Error;
    if (this.failed === null) {
      this.failed = err;
      this.hooks.onIoError?.(this.logDir, err);
    }
    return new KafkaStorageError(`Error while writing/reading log ${this.tpString} in dir ${this.logDir}: ${err.message}`, { cause: err });
  }

  private segmentOptions(): LogSegmentOptions {
    const c = this._config;
    return {
      indexIntervalBytes: c.indexIntervalBytes,
      maxIndexSize: c.maxIndexSize,
      rollJitterMs: randomSegmentJitter(c, this.hooks.random),
      preallocate: c.preallocate,
      initFileSize: c.preallocate ? c.segmentBytes : undefined,
      now: this.hooks.now,
    };
  }

  // -------------------------------------------------------------------------------------------- append

  /**
   * Leader append (Kafka `appendAsLeader` with `LogValidator` for magic 2, uncompressed or compressed batches
   * kept as they are): validates, assigns offsets in place, rolls, appends, maybe flushes.
   */
  appendAsLeader(records: Buffer, leaderEpoch: number): LogAppendInfo {
    this.checkUsable();
    const config = this._config;
    const batches: RecordBatch[] = [];
    let validBytes = 0;
    let recordCount = 0;
    for (;;) {
      const e = nextBatchAt(records, validBytes, records.length, Number.MAX_SAFE_INTEGER, legacyBatchAt);
      if (e === null) break;
      if (e.magic !== MAGIC_V2) {
        throw new UnsupportedForMessageFormatError(`Record batch with magic ${e.magic} is not supported for writes to ${this.tpString} (only magic 2)`);
      }
      if (e.size > config.maxMessageBytes) {
        throw new RecordTooLargeError(
          `The record batch size in the append to ${this.tpString} is ${e.size} bytes which exceeds the maximum configured value of ${config.maxMessageBytes}.`,
        );
      }
      const b = e.batch as RecordBatch;
      b.ensureValid();
      if (cleanupCompacts(config)) validateKeysForCompactedTopic(b, this.tpString);
      const count = b.recordsCount;
      if (count <= 0) throw new InvalidRecordError(`Record batch for ${this.tpString} contains no records`);
      if (b.lastOffsetDelta !== count - 1) {
        throw new InvalidRecordError(`Record batch for ${this.tpString} has lastOffsetDelta ${b.lastOffsetDelta} but ${count} records`);
      }
      recordCount += count;
      batches.push(b);
      validBytes += e.size;
    }
    if (batches.length === 0) throw new CorruptRecordError(`The append to ${this.tpString} contains no complete record batch`);
    // Kafka trims trailing bytes that do not form a whole batch.
    const data = validBytes === records.length ? records : records.subarray(0, validBytes);
    if (validBytes > config.segmentBytes) {
      throw new RecordBatchTooLargeError(
        `The size of this message set (${validBytes}) exceeds the log segment size (${config.segmentBytes}) of ${this.tpString}.`,
      );
    }

    const now = this.now();
    const logAppend = config.messageTimestampType === 'LogAppendTime';
    const firstOffset = this.nextOffset;
    let offset = firstOffset;
    let maxTs = -1;
    let offsetOfMaxTs = firstOffset;
    for (const b of batches) {
      b.setBaseOffset(offset);
      offset += BigInt(b.lastOffsetDelta) + 1n;
      b.setPartitionLeaderEpoch(leaderEpoch);
      if (logAppend) b.setMaxTimestamp(TimestampType.LogAppendTime, now);
      else if (b.timestampType !== TimestampType.CreateTime) b.setMaxTimestamp(TimestampType.CreateTime, b.maxTimestamp);
      const ts = b.maxTimestamp;
      if (ts > maxTs) {
        maxTs = ts;
        offsetOfMaxTs = offset - 1n;
      }
    }
    const lastOffset = offset - 1n;

    this.io(() => {
      const segment = this.maybeRoll(validBytes, maxTs, lastOffset, now);
      segment.append(lastOffset, maxTs, offsetOfMaxTs, data);
      if (leaderEpoch >= 0 && leaderEpoch > this.epochCache.latestEpoch) this.epochCache.assign(leaderEpoch, firstOffset);
    });
    for (const b of batches) if (b.producerId >= 0n) this.io(() => this.producerTable()).update(b);
    this.nextOffset = offset;
    this._highWatermark = offset;
    if (this.nextOffset - this._recoveryPoint >= BigInt(config.flushMessages)) this.flush();
    return { firstOffset, lastOffset, logAppendTime: logAppend ? now : -1, logStartOffset: this._logStartOffset, recordCount };
  }

  private maybeRoll(messagesSize: number, maxTimestamp: number, maxOffset: bigint, now: number): LogSegment {
    const segment = this.activeSegment;
    const c = this._config;
    if (
      segment.shouldRoll({
        maxSegmentBytes: c.segmentBytes,
        maxSegmentMs: c.segmentMs,
        maxTimestampInMessages: maxTimestamp,
        maxOffsetInMessages: maxOffset,
        messagesSize,
        now,
      })
    ) {
      return this.rollUnchecked();
    }
    return segment;
  }

  /** Roll a new active segment at the LEO (no-op if the active segment is empty and already there). */
  roll(): LogSegment {
    return this.io(() => this.rollUnchecked());
  }

  private rollUnchecked(): LogSegment {
    const newOffset = this.nextOffset;
    const active = this.activeSegment;
    if (active.baseOffset === newOffset && active.size === 0) return active;
    if (active.baseOffset >= newOffset) {
      throw new Error(`Trying to roll a new log segment for topic partition ${this.tpString} with start offset ${newOffset} =max(provided offset = ${newOffset}, LEO = ${this.nextOffset}) lower than start offset of the active segment ${active.baseOffset}`);
    }
    active.onBecomeInactiveSegment();
    const seg = LogSegment.open(this._dir, newOffset, this.segmentOptions());
    void seg.offsetIndex; // create the index files now, preallocated (as Kafka's roll)
    void seg.timeIndex;
    this.segments.push(seg);
    this.dirNeedsFlush = true;
    this.takeProducerSnapshot(newOffset, false);
    // As Kafka's scheduled "flush-log" after a roll: the rolled segment(s) become durable in the background and
    // the recovery point moves to the new segment (so a crash recovers only from here). Failures are reported
    // through hooks.onIoError inside flushAsync.
    this.flushAsync(newOffset).catch(() => {});
    return seg;
  }

  private takeProducerSnapshot(offset: bigint, sync: boolean): void {
    if (offset <= this.lastSnapOffset) return;
    const entries = this.producers !== null || this.unreadSnapshots !== null ? this.producerTable().entries() : [];
    writeProducerSnapshot(this._dir, offset, entries, sync);
    this.lastSnapOffset = offset;
  }

  // -------------------------------------------------------------------------------------------- flush

  /**
   * fsync every segment holding offsets in [recoveryPoint, upToOffset) (default: the LEO), the partition dir if
   * segments were created, then move the recovery point (Kafka `flush`).
   */
  flush(upToOffset: bigint = this.nextOffset): void {
    const target = upToOffset > this.nextOffset ? this.nextOffset : upToOffset;
    if (target <= this._recoveryPoint) return;
    this.io(() => {
      for (const s of this.segmentsToFlush(target)) s.flushSync();
      if (this.dirNeedsFlush) {
        fsyncDirSync(this._dir);
        this.dirNeedsFlush = false;
      }
    });
    if (target > this._recoveryPoint) this._recoveryPoint = target;
    this.lastFlushTime = this.now();
  }

  /** {@link flush} with the fsyncs on the libuv thread pool. */
  async flushAsync(upToOffset: bigint = this.nextOffset): Promise<void> {
    const target = upToOffset > this.nextOffset ? this.nextOffset : upToOffset;
    if (target <= this._recoveryPoint) return;
    this.checkUsable();
    const segs = this.segmentsToFlush(target);
    const needDir = this.dirNeedsFlush;
    this.dirNeedsFlush = false;
    try {
      for (const s of segs) if (s.isOpen && this.segments.includes(s)) await this.flushUnlessReplaced(s);
      if (needDir) {
        const fh = await fs.promises.open(this._dir, 'r');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
      }
    } catch (e) {
      if (this.closed || this.failed) return;
      throw this.ioFailure(e);
    }
    if (target > this._recoveryPoint) this._recoveryPoint = target;
    this.lastFlushTime = this.now();
  }

  private segmentsToFlush(target: bigint): LogSegment[] {
    const rp = this._recoveryPoint;
    const out: LogSegment[] = [];
    for (let i = 0; i < this.segments.length; i++) {
      const s = this.segments[i]!;
      const next = this.segments[i + 1];
      if (next && next.baseOffset <= rp) continue; // entirely below the recovery point
      if (s.baseOffset >= target) break;
      out.push(s);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------- read

  /** Index of the segment with the greatest base offset ≤ `offset` (-1 if none). */
  private floorSegmentIndex(offset: bigint): number {
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

  /**
   * Read raw batches from `startOffset` (Kafka `LocalLog.read`): at most `maxBytes` (the last batch may be cut),
   * but at least the first whole batch with `minOneMessage`. Legacy (v0/v1) entries are up-converted to v2.
   */
  read(startOffset: bigint, maxBytes: number, opts: { minOneMessage?: boolean } = {}): LogReadResult {
    this.checkUsable();
    const leo = this.nextOffset;
    const empty = (): LogReadResult => ({ records: Buffer.alloc(0), highWatermark: this._highWatermark, logStartOffset: this._logStartOffset });
    if (startOffset === leo) return empty();
    if (startOffset < this._logStartOffset || startOffset > leo) {
      throw new OffsetOutOfRangeError(
        `Received request for offset ${startOffset} for partition ${this.tpString}, but we only have log segments in the range ${this._logStartOffset} to ${leo}.`,
      );
    }
    return this.io(() => {
      let i = this.floorSegmentIndex(startOffset);
      if (i < 0) i = 0;
      for (; i < this.segments.length; i++) {
        const seg = this.segments[i]!;
        const info = seg.read(startOffset, maxBytes, seg.size, opts.minOneMessage ?? false);
        if (info !== null) {
          return { records: upConvertIfNeeded(info.records), highWatermark: this._highWatermark, logStartOffset: this._logStartOffset };
        }
      }
      return empty();
    });
  }

  /**
   * {@link read} with the bytes read off the event loop (the fetch path). A segment deleted by retention while
   * the read is in flight gives {@link OffsetOutOfRangeError}, not a dir failure.
   */
  async readAsync(startOffset: bigint, maxBytes: number, opts: { minOneMessage?: boolean } = {}): Promise<LogReadResult> {
    this.checkUsable();
    const leo = this.nextOffset;
    const result = (records: Buffer): LogReadResult => ({ records, highWatermark: this._highWatermark, logStartOffset: this._logStartOffset });
    if (startOffset === leo) return result(Buffer.alloc(0));
    if (startOffset < this._logStartOffset || startOffset > leo) {
      throw new OffsetOutOfRangeError(
        `Received request for offset ${startOffset} for partition ${this.tpString}, but we only have log segments in the range ${this._logStartOffset} to ${leo}.`,
      );
    }
    let i = Math.max(0, this.floorSegmentIndex(startOffset));
    for (; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      let info;
      try {
        info = await seg.readAsync(startOffset, maxBytes, seg.size, opts.minOneMessage ?? false);
      } catch (e) {
        // swapped out by the cleaner while reading: its records are in the segment that replaced it
        if (!this.closed && !this.failed && this.wasReplaced(seg)) return this.readAsync(startOffset, maxBytes, opts);
        if (!seg.isOpen || this.closed) {
          throw new OffsetOutOfRangeError(`Segment ${seg.baseOffset} of ${this.tpString} was deleted while reading offset ${startOffset}`);
        }
        throw this.ioFailure(e);
      }
      if (info !== null) return result(upConvertIfNeeded(info.records));
      if (this.wasReplaced(seg)) return this.readAsync(startOffset, maxBytes, opts); // the list changed meanwhile
    }
    return result(Buffer.alloc(0));
  }

  /**
   * ListOffsets (Kafka `fetchOffsetByTimestamp`): -2 earliest, -1 latest, -3 max timestamp, otherwise the first
   * record with timestamp ≥ `ts` (time index, then a scan). Null if no record qualifies.
   */
  fetchOffsetByTimestamp(ts: number): { offset: bigint; timestamp: number; leaderEpoch: number } | null {
    this.checkUsable();
    if (ts === EARLIEST_TIMESTAMP) {
      return { offset: this._logStartOffset, timestamp: -1, leaderEpoch: this.epochCache.epochForOffset(this._logStartOffset) };
    }
    if (ts === LATEST_TIMESTAMP) {
      return { offset: this.nextOffset, timestamp: -1, leaderEpoch: this.epochCache.latestEpoch };
    }
    return this.io(() => {
      if (ts === MAX_TIMESTAMP) {
        let best: LogSegment | null = null;
        for (const s of this.segments) if (s.size > 0 && (best === null || s.maxTimestampSoFar > best.maxTimestampSoFar)) best = s;
        if (best === null || best.maxTimestampSoFar < 0) return null;
        const off = best.offsetOfMaxTimestampSoFar;
        return { offset: off, timestamp: best.maxTimestampSoFar, leaderEpoch: this.epochCache.epochForOffset(off) };
      }
      for (const s of this.segments) {
        if (s.size === 0 || s.largestTimestamp < ts) continue;
        const found = s.findOffsetByTimestamp(ts, this._logStartOffset);
        if (found) return { offset: found.offset, timestamp: found.timestamp, leaderEpoch: found.leaderEpoch ?? this.epochCache.epochForOffset(found.offset) };
      }
      return null;
    });
  }

  // -------------------------------------------------------------------------------------------- retention

  /**
   * Retention (Kafka `deleteOldSegments`): with `delete` in cleanup.policy, segments past retention.ms (by their
   * largest timestamp) and the oldest segments beyond retention.bytes; always segments entirely below the log
   * start offset. Never the active segment. Deleted segments are renamed to `*.deleted` and handed to
   * `hooks.scheduleDelete`. Returns the number of segments deleted.
   */
  deleteOldSegments(now: number = this.now()): number {
    this.checkUsable();
    const c = this._config;
    const deletes = c.cleanupPolicy.includes('delete');
    const candidates = this.segments.slice(0, -1); // never the active segment
    // As Kafka: time, then size, then log start offset, each on what the previous one left.
    let n = 0;
    if (deletes && c.retentionMs >= 0) {
      while (n < candidates.length && now - candidates[n]!.largestTimestamp > c.retentionMs) n++;
    }
    if (deletes && c.retentionBytes >= 0) {
      let diff = this.size - c.retentionBytes;
      for (let i = 0; i < n; i++) diff -= candidates[i]!.size;
      while (n < candidates.length && diff - candidates[n]!.size >= 0) {
        diff -= candidates[n]!.size;
        n++;
      }
    }
    while (n < candidates.length && this.segments[n + 1]!.baseOffset <= this._logStartOffset) n++;
    if (n === 0) return 0;
    this.io(() => this.removeSegments(this.segments.slice(0, n)));
    return n;
  }

  private removeSegments(toRemove: LogSegment[]): void {
    const files: string[] = [];
    for (const s of toRemove) {
      s.closeHandlers();
      s.changeFileSuffixes('', DELETED_FILE_SUFFIX);
      for (const f of [s.logFile, s.offsetIndexFile, s.timeIndexFile, s.txnIndex.file]) if (fs.existsSync(f)) files.push(f);
    }
    this.segments = this.segments.slice(toRemove.length);
    const newStart = this.segments[0]!.baseOffset;
    if (newStart > this._logStartOffset) this._logStartOffset = newStart;
    if (this._recoveryPoint < this._logStartOffset) this._recoveryPoint = this._logStartOffset;
    if (this._highWatermark < this._logStartOffset) this._highWatermark = this._logStartOffset;
    this.epochCache.truncateFromStart(this._logStartOffset);
    for (const s of listProducerSnapshots(this._dir)) if (s.offset < this._logStartOffset) fs.rmSync(s.file, { force: true });
    if (this.hooks.scheduleDelete) this.hooks.scheduleDelete(files, this._config.fileDeleteDelayMs);
    else for (const f of files) fs.rmSync(f, { force: true });
  }

  /** DeleteRecords: move the log start offset up (never past the high watermark); deletes covered segments on the next retention run. */
  maybeIncrementLogStartOffset(newStart: bigint): boolean {
    this.checkUsable();
    if (newStart > this._highWatermark) {
      throw new OffsetOutOfRangeError(`Cannot increment the log start offset to ${newStart} of partition ${this.tpString} since it is larger than the high watermark ${this._highWatermark}`);
    }
    if (newStart <= this._logStartOffset) return false;
    this._logStartOffset = newStart;
    this.io(() => this.epochCache.truncateFromStart(newStart));
    return true;
  }

  // -------------------------------------------------------------------------------------------- log cleaner

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

  /**
   * Swap a `.cleaned` segment in for the contiguous segments `old` it replaces (Kafka `replaceSegments`), in
   * Kafka's crash-safe order: `.cleaned` → `.swap`, old segments → `.deleted` (removed after file.delete.delay.ms
   * by hooks.scheduleDelete; their handles stay open for reads in flight, the caller closes them), `.swap` → ''.
   * A crash at any point is completed or undone by the loader (segment-recovery.ts). Returns false, changing
   * nothing, when `old` are no longer the log's segments. The caller fsyncs the partition dir afterwards (off the
   * event loop); the cleaned segment must be flushed before.
   */
  replaceSegments(cleaned: LogSegment, old: readonly LogSegment[]): boolean {
    this.checkUsable();
    const i = this.segments.indexOf(old[0]!);
    if (i < 0 || old.some((s, k) => this.segments[i + k] !== s) || i + old.length >= this.segments.length) return false;
    this.io(() => {
      cleaned.changeFileSuffixes(CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX);
      this.segments.splice(i, old.length, cleaned);
      const files: string[] = [];
      for (const s of old) {
        s.changeFileSuffixes('', DELETED_FILE_SUFFIX);
        for (const f of [s.logFile, s.offsetIndexFile, s.timeIndexFile, s.txnIndex.file]) if (fs.existsSync(f)) files.push(f);
      }
      if (this.hooks.scheduleDelete) this.hooks.scheduleDelete(files, this._config.fileDeleteDelayMs);
      else for (const f of files) fs.rmSync(f, { force: true });
      cleaned.changeFileSuffixes(SWAP_FILE_SUFFIX, '');
    });
    return true;
  }

  /** A segment the cleaner swapped out (still covered by the log's offsets, unlike one deleted by retention). */
  private wasReplaced(seg: LogSegment): boolean {
    return !this.segments.includes(seg) && seg.baseOffset >= this._logStartOffset;
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

  // -------------------------------------------------------------------------------------------- close

  /**
   * Clean close (Kafka `UnifiedLog.close`): producer snapshot at the LEO, then every segment closed (final time
   * index entry, indexes and `.log` trimmed, `.log` fsynced). Call {@link flush} first for a clean shutdown.
   */
  close(): void {
    if (this.closed) return;
    try {
      this.io(() => {
        this.takeProducerSnapshot(this.nextOffset, true);
        for (const s of this.segments) s.close();
      });
    } finally {
      this.closed = true;
    }
  }

  /**
   * {@link close} with the producer snapshot written and fsynced off the event loop (LogManager shutdown closes
   * many logs concurrently this way). Segment closes are synchronous but cheap after a flush.
   */
  async closeAsync(): Promise<void> {
    if (this.closed) return;
    this.checkUsable();
    try {
      const leo = this.nextOffset;
      if (leo > this.lastSnapOffset) {
        const entries = this.producers !== null || this.unreadSnapshots !== null ? this.producerTable().entries() : [];
        await writeProducerSnapshotAsync(this._dir, leo, entries);
        this.lastSnapOffset = leo;
      }
      for (const s of this.segments) s.close();
    } catch (e) {
      throw this.ioFailure(e);
    } finally {
      this.closed = true;
    }
  }

  /**
   * Leave the files exactly as a clean close would for the next loader (producer snapshot at the LEO, active
   * segment's indexes trimmed to their entries), but without fsyncs, then drop the handles. Used by a
   * {@link RecoveryWorker} after recovering a log: the main thread then loads it as cleanly shut down.
   */
  releaseAfterRecovery(): void {
    this.io(() => {
      this.takeProducerSnapshot(this.nextOffset, false);
      const active = this.activeSegment;
      active.offsetIndex.trimToValidSize();
      active.timeIndex.trimToValidSize();
    });
    this.closeHandlers();
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
    this.closed = true;
  }

  toString(): string {
    return `Log(dir=${this._dir}, topic=${this.topic}, partition=${this.partition}, logStartOffset=${this._logStartOffset}, logEndOffset=${this.nextOffset})`;
  }
}

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


// ------------------------------------------------------------------------------------------------ recovery worker

export interface RecoveryJob {
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  recoveryPoint: bigint;
  logStartOffset: bigint;
}

export interface RecoveryJobResult {
  recoveredSegments: number;
  truncatedBytes: number;
  /** The recovery point the log had after recovering (min(checkpoint, LEO)). */
  recoveryPoint: bigint;
  logEndOffset: bigint;
  warnings: string[];
}

/** The job failed inside the worker (the error is rebuilt from the worker's message: name, message, code). */
export class RecoveryJobError extends Error {
  code?: string;
  constructor(name: string, message: string, code?: string) {
    super(message);
    this.name = name;
    if (code !== undefined) this.code = code;
  }
}

const WORKER_FLAG = 'rafkaLogRecoveryWorker';

/**
 * One worker thread that recovers logs after an unclean shutdown (`Log.load` without a marker, then
 * {@link Log.releaseAfterRecovery}), so a long segment recovery neither blocks the event loop nor serialises
 * dirs/partitions on one core. Only available from compiled JavaScript (`supported`); one job at a time.
 * The worker's module is this file, whose imports are the log layer only (no fs-ext, no pino).
 */
export class RecoveryWorker {
  static readonly supported: boolean = import.meta.url.endsWith('.js');
  private readonly worker: Worker;
  private pending: { resolve: (r: RecoveryJobResult) => void; reject: (e: Error) => void } | null = null;
  private dead: Error | null = null;

  constructor() {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { [WORKER_FLAG]: true } });
    this.worker.on('message', (m: WorkerReply) => {
      const p = this.pending;
      this.pending = null;
      if (!p) return;
      if (m.ok) {
        p.resolve({ recoveredSegments: m.recoveredSegments, truncatedBytes: m.truncatedBytes, recoveryPoint: BigInt(m.recoveryPoint), logEndOffset: BigInt(m.logEndOffset), warnings: m.warnings });
      } else {
        const err = new RecoveryJobError(m.name, m.message, m.code);
        (err as Error & { warnings?: string[] }).warnings = m.warnings;
        p.reject(err);
      }
    });
    const die = (e: Error): void => {
      this.dead ??= e;
      const p = this.pending;
      this.pending = null;
      p?.reject(new Error(`Log recovery worker died: ${e.message}`));
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new Error(`exit code ${code}`)));
  }

  /** True once the thread died (its jobs must be redone in-thread). */
  get isDead(): boolean {
    return this.dead !== null;
  }

  run(job: RecoveryJob): Promise<RecoveryJobResult> {
    if (this.dead) return Promise.reject(new Error(`Log recovery worker died: ${this.dead.message}`));
    if (this.pending) return Promise.reject(new Error('RecoveryWorker runs one job at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage({ ...job, recoveryPoint: String(job.recoveryPoint), logStartOffset: String(job.logStartOffset) });
    });
  }

  async terminate(): Promise<void> {
    this.dead ??= new Error('terminated');
    await this.worker.terminate();
  }
}

type WorkerReply =
  | { ok: true; recoveredSegments: number; truncatedBytes: number; recoveryPoint: string; logEndOffset: string; warnings: string[] }
  | { ok: false; name: string; message: string; code?: string; warnings: string[] };

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_FLAG] === true) {
  parentPort!.on('message', (job: Omit<RecoveryJob, 'recoveryPoint' | 'logStartOffset'> & { recoveryPoint: string; logStartOffset: string }) => {
    const warnings: string[] = [];
    let reply: WorkerReply;
    try {
      const res = Log.load({
        dir: job.dir,
        topic: job.topic,
        partition: job.partition,
        config: job.config,
        recoveryPoint: BigInt(job.recoveryPoint),
        logStartOffset: BigInt(job.logStartOffset),
        hadCleanShutdown: false,
        hooks: { warn: (m) => warnings.push(m) },
      });
      const recoveryPoint = res.log.recoveryPoint;
      const logEndOffset = res.log.logEndOffset;
      res.log.releaseAfterRecovery();
      reply = { ok: true, recoveredSegments: res.recoveredSegments, truncatedBytes: res.truncatedBytes, recoveryPoint: String(recoveryPoint), logEndOffset: String(logEndOffset), warnings };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const code = typeof err.code === 'string' ? err.code : isIoError(e) ? 'EIO' : undefined;
      reply = { ok: false, name: err.name ?? 'Error', message: err.message ?? String(e), code, warnings };
    }
    parentPort!.postMessage(reply);
  });
}
