/**
 * One partition's log (Kafka `UnifiedLog`, local part only): the log start offset, high watermark, leader-epoch
 * cache and producer state on top of a {@link LocalLog} (the segments, LEO, recovery point, roll/flush/read/
 * truncate), loaded by log-loader.ts (Kafka `LogLoader`). Recovery on a worker thread: recovery-worker.ts.
 *
 * Designed for 10,000 instances per broker: a plain object, no timers, no promises kept alive; segments open
 * their indexes lazily; the producer table exists only once an idempotent producer wrote to the log.
 * All I/O is synchronous (as Kafka's FileChannel calls) except {@link Log.flushAsync}. Any errno error from the
 * file system is reported once through `hooks.onIoError` (the LogManager takes the dir offline) and rethrown as
 * {@link KafkaStorageError}; the log then refuses further work.
 */
import { LogFlushStats } from '../metrics/global-stats.js';
import fs from 'node:fs';
import path from 'node:path';
import { CorruptRecordError, InvalidRecordError, MAGIC_V2, nextBatchAt, RecordBatch, TimestampType } from './record-batch.js';
import { legacyBatchAt } from './legacy-records.js';
import type { LogSegment } from './log-segment.js';
import { validateRecordTimestamps } from './log-validator.js';
import { cleanupCompacts, type LogConfig } from './log-config.js';
import { validateKeysForCompactedTopic } from './compacted-keys.js';
import { fsyncDirSync, LeaderEpochCache } from './leader-epoch-cache.js';
import { listProducerSnapshots, writeProducerSnapshot, writeProducerSnapshotAsync, type ProducerSnapshotEntry } from './producer-state.js';
import { BatchMetadata, ProducerStateManager, type AppendOrigin, type CompletedTxn, type ProducerAppendInfo, type ProducerEntryData, type VerificationStateEntry } from './producer-state-manager.js';
import { readEndTxnMarker } from './end-txn-marker.js';
import type { AbortedTxn } from './transaction-index.js';
import { rebuildProducerState, type PendingProducerLoad } from './producer-state-loader.js';
import { InconsistentTopicIdError, readPartitionMetadata, writePartitionMetadata } from './partition-metadata-file.js';
import { recompressForAppend } from './recompression.js';
import {
  isIoError, KafkaStorageError, OffsetOutOfRangeError, OffsetsOutOfOrderError, RecordBatchTooLargeError, RecordTooLargeError, UnexpectedAppendOffsetError,
  UnsupportedForMessageFormatError,
} from './log-errors.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP, type LogAppendInfo, type LogHooks, type LogReadResult } from './log-types.js';
import { LocalLog } from './local-log.js';
import { upConvertIfNeeded } from './up-conversion.js';
import { loadLogSegments, loadProducerSnapshots, type LoadLogOptions } from './log-loader.js';
import type { ReadBufferPool } from './read-buffer-pool.js';

/**
 * Reads of the active segment up to this size are made synchronously by readAsync: the bytes were just written and
 * are in the page cache (a pread of 64 KiB from it takes microseconds), while an async read costs a thread-pool round
 * trip — per Fetch of every tailing consumer and every follower (issue 11: two follower fetches per acks=all produce).
 */
const SYNC_READ_MAX_BYTES = 64 * 1024;

export { CorruptRecordError, InvalidRecordError } from './record-batch.js';
export { InvalidTimestampError } from './log-validator.js';
export {
  isIoError, KafkaStorageError, OffsetOutOfRangeError, OffsetsOutOfOrderError, RecordBatchTooLargeError, RecordTooLargeError, UnexpectedAppendOffsetError,
  UnsupportedForMessageFormatError,
} from './log-errors.js';
export { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP, type LogAppendInfo, type LogHooks, type LogReadResult } from './log-types.js';
export type { LoadLogOptions } from './log-loader.js';
export { upConvertIfNeeded } from './up-conversion.js';

export interface LoadLogResult {
  log: Log;
  recoveredSegments: number;
  truncatedBytes: number;
}

const NO_HOOKS: LogHooks = {};
const DEFAULT_PRODUCER_ID_EXPIRATION = (): number => 86400000;

// ------------------------------------------------------------------------------------------------ Log

export class Log {
  readonly topic: string;
  readonly partition: number;
  /** The segments, LEO, recovery point (Kafka `UnifiedLog.localLog`). */
  private readonly local: LocalLog;
  private readonly hooks: LogHooks;
  private _logStartOffset: bigint;
  private _highWatermark: bigint;
  /** Loaded on first use (most logs of a big broker are never touched between startup and shutdown). */
  private _epochCache: LeaderEpochCache | null;
  /** Truncation to apply when the epoch cache is loaded lazily (Kafka applies it at load). */
  private pendingEpochTruncation: { end: bigint; start: bigint } | null = null;
  private readonly producerStateManager: ProducerStateManager;
  /** Producer state not loaded yet (snapshot + replay); done on first need ({@link producerState}). */
  private pendingProducerLoad: PendingProducerLoad | null = null;
  private lastSnapOffset: bigint;
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
    this.topic = o.topic;
    this.partition = o.partition;
    this.hooks = o.hooks;
    this.local = new LocalLog(o.dir, o.config, o.hooks, `${o.topic}-${o.partition}`, segments, logEndOffset, recoveryPoint);
    this._logStartOffset = logStartOffset;
    this._highWatermark = logEndOffset;
    this._epochCache = epochCache;
    if (epochCache !== null) this.watchEpochCache(epochCache);
    this.lastSnapOffset = logStartOffset;
    this._topicId = topicId;
    this.producerStateManager = new ProducerStateManager(`${o.topic}-${o.partition}`, o.hooks.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION);
  }

  /** Create a brand-new empty log (the partition dir is created, its parent fsynced). */
  static create(o: { dir: string; topic: string; partition: number; config: LogConfig; topicId?: string; hooks?: LogHooks }): Log {
    fs.mkdirSync(o.dir, { recursive: true });
    fsyncDirSync(path.dirname(o.dir));
    const log = Log.load({ ...o, hadCleanShutdown: true }).log;
    log.local.markDirChanged(); // the first segment's files are new entries of the partition dir
    return log;
  }

  /** Load (and recover after an unclean shutdown) an existing partition dir (Kafka `UnifiedLog.apply` / `LogLoader`). */
  static load(o: LoadLogOptions): LoadLogResult {
    const hooks = o.hooks ?? NO_HOOKS;
    const loaded = loadLogSegments(o, hooks);
    const leo = loaded.logEndOffset;
    const epochCache = loaded.epochCache;
    const log = new Log(
      { dir: o.dir, topic: o.topic, partition: o.partition, config: o.config, hooks },
      loaded.segments,
      leo,
      loaded.logStartOffset,
      loaded.recoveryPoint,
      epochCache,
      loaded.storedTopicId,
    );
    try {
      if (epochCache !== null) {
        epochCache.truncateFromEnd(leo);
        epochCache.truncateFromStart(loaded.logStartOffset);
      } else {
        log.pendingEpochTruncation = { end: leo, start: loaded.logStartOffset };
      }
      const snaps = loadProducerSnapshots(o.dir, leo, log._logStartOffset, loaded.segments, o.hadCleanShutdown);
      if (snaps !== null) {
        const latest = snaps.latestSnapshotOffset;
        if (latest !== undefined && latest > log.lastSnapOffset) log.lastSnapOffset = latest;
        log.pendingProducerLoad = snaps.load;
      }
      if (o.topicId !== undefined && loaded.storedTopicId === null) {
        writePartitionMetadata(o.dir, o.topicId);
        log._topicId = o.topicId;
      }
    } catch (e) {
      for (const s of loaded.segments) s.closeHandlers();
      throw e;
    }
    // A loaded log holds no file descriptors until it is used (10,000 partitions must fit the fd limit).
    for (const s of loaded.segments) s.releaseHandles();
    return { log, recoveredSegments: loaded.recoveredSegments, truncatedBytes: loaded.truncatedBytes };
  }

  /** The producer state, loaded (snapshot + replay of the batches after it) on first use. */
  private producerState(): ProducerStateManager {
    const load = this.pendingProducerLoad;
    if (load !== null) {
      this.io(() => rebuildProducerState(this.producerStateManager, this.local.segments, load, this._logStartOffset, this.now(), this.hooks.warn));
      this.pendingProducerLoad = null;
      this.producerStateManager.onHighWatermarkUpdated(this._highWatermark);
    }
    return this.producerStateManager;
  }

  /** The cache's asynchronous truncation writes fail as this log's other I/O does (the dir goes offline). */
  private watchEpochCache(c: LeaderEpochCache): void {
    c.onFlushError = (e) => { this.ioFailure(e); };
  }

  /** Resolves once the leader-epoch checkpoint's asynchronous truncation write (if any) landed (tests). */
  leaderEpochCheckpointFlushed(): Promise<void> {
    return this._epochCache?.flushed() ?? Promise.resolve();
  }

  private get epochCache(): LeaderEpochCache {
    if (this._epochCache === null) {
      const c = LeaderEpochCache.load(this.local.dir);
      const t = this.pendingEpochTruncation;
      this.pendingEpochTruncation = null;
      if (t) {
        c.truncateFromEnd(t.end);
        c.truncateFromStart(t.start);
      }
      this._epochCache = c;
      this.watchEpochCache(c);
    }
    return this._epochCache;
  }

  // -------------------------------------------------------------------------------------------- accessors

  get dir(): string {
    return this.local.dir;
  }
  /** The log dir holding this partition dir. */
  get logDir(): string {
    return path.dirname(this.local.dir);
  }
  get config(): LogConfig {
    return this.local.config;
  }
  get topicId(): string | null {
    if (this._topicId === undefined) this._topicId = this.io(() => readPartitionMetadata(this.local.dir));
    return this._topicId;
  }
  get logStartOffset(): bigint {
    return this._logStartOffset;
  }
  get logEndOffset(): bigint {
    return this.local.nextOffset;
  }
  /** = LEO on a single broker (no followers); kept as its own value for the replica layer. */
  get highWatermark(): bigint {
    return this._highWatermark;
  }
  get recoveryPoint(): bigint {
    return this.local.recoveryPoint;
  }
  get numberOfSegments(): number {
    return this.local.segments.length;
  }
  /** Base offsets of the segments, ascending. */
  segmentBaseOffsets(): bigint[] {
    return this.local.segments.map((s) => s.baseOffset);
  }
  /** Bytes in all `.log` files. */
  get size(): number {
    return this.local.size;
  }
  get activeSegment(): LogSegment {
    return this.local.activeSegment;
  }
  get latestEpoch(): number {
    return this.epochCache.latestEpoch;
  }
  leaderEpochEntries(): Array<{ epoch: number; startOffset: bigint }> {
    return this.epochCache.epochEntries();
  }
  /** Producers known to this log (as a snapshot would hold them). */
  producerEntries(): ProducerSnapshotEntry[] {
    return this.producerState().snapshotEntries();
  }

  /** The producer state with every retained batch (a recovery worker returns it with its result). */
  exportProducerState(): ProducerEntryData[] {
    return this.producerState().exportEntries();
  }

  /**
   * Take over the state a {@link RecoveryWorker} rebuilt for this log (its LEO must be this log's): keeps each
   * producer's last 5 batches, which the snapshot the worker left (last batch only) cannot hold.
   */
  adoptProducerState(data: readonly ProducerEntryData[], logEndOffset: bigint): boolean {
    if (logEndOffset !== this.local.nextOffset) return false;
    this.producerStateManager.importEntries(data, logEndOffset);
    this.pendingProducerLoad = null;
    return true;
  }

  /**
   * KIP-890 (Kafka `UnifiedLog.maybeStartTransactionVerification`): the verification guard for a transactional batch
   * of a producer with no open transaction here (created if absent), or null when its transaction is already open.
   * The guard must still be {@link verificationGuard}'s answer when the verified batch is appended.
   */
  maybeStartTransactionVerification(producerId: bigint, sequence: number, epoch: number): VerificationStateEntry | null {
    const psm = this.producerState();
    return psm.hasOngoingTransaction(producerId) ? null : psm.maybeCreateVerificationStateEntry(producerId, sequence, epoch, this.now());
  }
  /** The producer's verification guard in progress, if any. */
  verificationGuard(producerId: bigint): VerificationStateEntry | undefined {
    return this.producerState().verificationStateEntry(producerId);
  }
  /** Kafka `hasOngoingTransaction`. */
  hasOngoingTransaction(producerId: bigint): boolean {
    return this.producerState().hasOngoingTransaction(producerId);
  }

  /** Forget producers idle longer than `producer.id.expiration.ms` (not-yet-loaded state is filtered on load). */
  removeExpiredProducers(now: number = this.now()): number {
    if (this.pendingProducerLoad !== null || this.producerStateManager.isEmpty) return 0;
    return this.producerStateManager.removeExpiredProducers(now);
  }
  get isOffline(): boolean {
    return this.failed !== null;
  }
  /** Unflushed messages (LEO − recovery point). */
  get unflushedMessages(): bigint {
    return this.local.nextOffset - this.local.recoveryPoint;
  }
  get timeSinceLastFlush(): number {
    return this.now() - this.local.lastFlushTime;
  }

  /** Replace the config (dynamic topic config change). Takes effect for the next append/roll. */
  updateConfig(config: LogConfig): void {
    this.local.config = config;
  }

  /** Set the high watermark (clamped to [logStartOffset, LEO]). */
  updateHighWatermark(hw: bigint): bigint {
    const v = hw < this._logStartOffset ? this._logStartOffset : hw > this.local.nextOffset ? this.local.nextOffset : hw;
    this._highWatermark = v;
    if (this.pendingProducerLoad === null) this.producerStateManager.onHighWatermarkUpdated(v);
    return v;
  }

  /** Write `partition.metadata` once the topic id is known (Kafka `assignTopicId`). */
  assignTopicId(topicId: string): void {
    const current = this.topicId;
    if (current === topicId) return;
    if (current !== null) {
      throw new InconsistentTopicIdError(`Tried to assign topic ID ${topicId} to log for topic partition ${this.tpString}, but log already contained topic ID ${this._topicId}`);
    }
    this.io(() => writePartitionMetadata(this.local.dir, topicId));
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

  // -------------------------------------------------------------------------------------------- append

  /**
   * Leader append (Kafka `appendAsLeader` with `LogValidator` for magic 2: batches kept as they are, or rebuilt
   * with the topic's `compression.type` when it is not `producer`, see recompression.ts): validates, assigns
   * offsets in place, rolls, appends, maybe flushes.
   */
  appendAsLeader(records: Buffer, leaderEpoch: number, origin: AppendOrigin = 'client'): LogAppendInfo {
    this.checkUsable();
    const config = this.local.config;
    let batches: RecordBatch[] = [];
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
      validateRecordTimestamps(b, config, this.now());
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
    let data = validBytes === records.length ? records : records.subarray(0, validBytes);
    const recompressed = recompressForAppend(batches, config);
    if (recompressed !== null) {
      data = recompressed.data;
      batches = recompressed.batches;
      this.checkRecompressedSizes(batches);
    }
    if (data.length > config.segmentBytes) {
      throw new RecordBatchTooLargeError(
        `The size of this message set (${data.length}) exceeds the log segment size (${config.segmentBytes}) of ${this.tpString}.`,
      );
    }

    const now = this.now();
    const logAppend = config.messageTimestampType === 'LogAppendTime';
    const firstOffset = this.local.nextOffset;
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

    const completedTxns: CompletedTxn[] = [];
    const producerAppends = this.analyzeAndValidateProducerState(batches, logAppend ? now : -1, origin, completedTxns);
    if (producerAppends instanceof BatchMetadata) {
      // A retried batch already in the log: answer with its offsets, append nothing (Kafka's duplicate path).
      return { firstOffset: producerAppends.firstOffset, lastOffset: producerAppends.lastOffset, logAppendTime: producerAppends.timestamp, logStartOffset: this._logStartOffset, recordCount: 0 };
    }
    this.io(() => {
      const segment = this.maybeRoll(data.length, maxTs, lastOffset, now);
      segment.append(lastOffset, maxTs, offsetOfMaxTs, data);
      if (leaderEpoch >= 0 && leaderEpoch > this.epochCache.latestEpoch) this.epochCache.assign(leaderEpoch, firstOffset);
    });
    if (producerAppends !== null) for (const a of producerAppends) this.producerStateManager.update(a);
    if (completedTxns.length > 0) this.completeTxns(completedTxns);
    this.local.nextOffset = offset;
    this._highWatermark = offset;
    if (this.local.nextOffset - this.local.recoveryPoint >= BigInt(config.flushMessages)) this.flush();
    return { firstOffset, lastOffset, logAppendTime: logAppend ? now : -1, logStartOffset: this._logStartOffset, recordCount };
  }

  /**
   * Follower append (Kafka `appendAsFollower`, origin REPLICATION): the leader's batches exactly as fetched —
   * offsets, partition leader epochs, timestamps, compression, bytes — each batch's CRC checked, nothing re-validated
   * or rebuilt; a trailing partial batch (cut by the fetch size) is left out. Offsets must not go below the log end
   * offset nor backwards (UnexpectedAppendOffsetError / OffsetsOutOfOrderError); the epoch cache learns each
   * batch's epoch; the producer state follows without sequence checks. The high watermark is not touched (the
   * fetcher sets it from the leader's). Returns the last offset appended, or null when there was no whole batch.
   */
  appendAsFollower(records: Buffer): bigint | null {
    this.checkUsable();
    const batches: RecordBatch[] = [];
    let pos = 0;
    let expected = this.local.nextOffset;
    let maxTs = -1;
    let offsetOfMaxTs = expected;
    for (;;) {
      const e = nextBatchAt(records, pos, records.length, Number.MAX_SAFE_INTEGER, legacyBatchAt);
      if (e === null) break;
      if (e.magic !== MAGIC_V2) throw new UnsupportedForMessageFormatError(`Record batch with magic ${e.magic} is not supported for replication to ${this.tpString} (only magic 2)`);
      const b = e.batch as RecordBatch;
      b.ensureValid();
      if (b.baseOffset < expected) {
        throw batches.length === 0
          ? new UnexpectedAppendOffsetError(`Unexpected offset in append to ${this.tpString}. First offset ${b.baseOffset} is less than the next offset ${expected}.`,
            b.baseOffset, b.baseOffset + BigInt(b.lastOffsetDelta))
          : new OffsetsOutOfOrderError(`Out of order offsets found in append to ${this.tpString}: ${b.baseOffset} after ${expected - 1n}`);
      }
      const last = b.baseOffset + BigInt(b.lastOffsetDelta);
      if (b.maxTimestamp > maxTs) { maxTs = b.maxTimestamp; offsetOfMaxTs = last; }
      expected = last + 1n;
      batches.push(b);
      pos += e.size;
    }
    if (batches.length === 0) return null;
    const data = pos === records.length ? records : records.subarray(0, pos);
    if (data.length > this.local.config.segmentBytes) {
      throw new RecordBatchTooLargeError(`The size of this message set (${data.length}) exceeds the log segment size (${this.local.config.segmentBytes}) of ${this.tpString}.`);
    }
    const lastOffset = expected - 1n;
    // producer state as the leader's (Kafka's REPLICATION origin: no duplicate or sequence checks)
    let updates: ProducerAppendInfo[] | null = null;
    const completedTxns: CompletedTxn[] = [];
    for (const b of batches) {
      if (!b.hasProducerId) continue;
      let info = updates?.find((u) => u.producerId === b.producerId);
      if (info === undefined) (updates ??= []).push((info = this.producerState().prepareUpdate(b.producerId, 'rebuild')));
      if (b.isControlBatch) {
        const marker = readEndTxnMarker(b);
        const c = marker ? info.appendEndTxnMarker(b.producerEpoch, marker.coordinatorEpoch, marker.isCommit, b.baseOffset, b.maxTimestamp) : null;
        if (c) completedTxns.push(c);
        continue;
      }
      info.appendDataBatch(b.producerEpoch, b.baseSequence, b.lastSequence, b.maxTimestamp, b.baseOffset, b.baseOffset + BigInt(b.lastOffsetDelta), b.isTransactional);
    }
    const now = this.now();
    this.io(() => {
      const segment = this.maybeRoll(data.length, maxTs, lastOffset, now);
      segment.append(lastOffset, maxTs, offsetOfMaxTs, data);
      for (const b of batches) {
        const epoch = b.partitionLeaderEpoch;
        if (epoch >= 0 && epoch !== this.epochCache.latestEpoch) this.epochCache.assign(epoch, b.baseOffset);
      }
    });
    if (updates !== null) for (const a of updates) this.producerStateManager.update(a);
    if (completedTxns.length > 0) this.completeTxns(completedTxns);
    this.local.nextOffset = expected;
    if (this.local.nextOffset - this.local.recoveryPoint >= BigInt(this.local.config.flushMessages)) this.flush();
    return lastOffset;
  }

  /** Kafka `UnifiedLog.endOffsetForEpoch` (the leader-epoch cache's endOffsetFor at this log end offset). */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: bigint } {
    return this.epochCache.endOffsetFor(epoch, this.local.nextOffset);
  }

  /**
   * Kafka `maybeAssignEpochStartOffset`: a new leader records its epoch at its log end offset before writing, so
   * that followers with entries from a later epoch than any in this log truncate correctly (KIP-279).
   */
  maybeAssignEpochStartOffset(epoch: number, startOffset: bigint): void {
    this.checkUsable();
    // Written asynchronously (Kafka writes it through, under the partition lock, on one of its request threads; on this
    // single event loop a LeaderAndIsr making the broker leader of 1,000 partitions blocked for ~8 s of fsyncs and its
    // ZooKeeper session expired — AB, issue 15). Safe: the entry is at the log end (no batch of the epoch yet); until
    // the write lands, a crash leaves batches of the epoch only above the recovery point — every flush lands a pending
    // write before it moves the recovery point ({@link flush}) — and recovery re-assigns epochs from those batches.
    this.io(() => this.epochCache.assign(epoch, startOffset, true));
  }

  /** Kafka checks batches rebuilt by the validator against max.message.bytes again (their size changed). */
  private checkRecompressedSizes(batches: readonly RecordBatch[]): void {
    for (const b of batches) {
      if (b.sizeInBytes > this.local.config.maxMessageBytes) {
        throw new RecordTooLargeError(
          `Message batch size is ${b.sizeInBytes} bytes in append to partition ${this.tpString} which exceeds the maximum configured size of ${this.local.config.maxMessageBytes}.`,
        );
      }
    }
  }

  /**
   * Kafka `analyzeAndValidateProducerState` for a client append (offsets already assigned): per batch with a
   * producer id, a retry of one of the producer's last 5 batches → that batch's metadata (nothing is appended);
   * otherwise epoch / sequence validation (OutOfOrderSequenceError, InvalidProducerEpochError). Returns the
   * updates to apply after the write, or null when no batch has a producer id (one integer read per batch).
   */
  private analyzeAndValidateProducerState(
    batches: readonly RecordBatch[], logAppendTime: number, origin: AppendOrigin, completedTxns: CompletedTxn[],
  ): ProducerAppendInfo[] | BatchMetadata | null {
    let updates: ProducerAppendInfo[] | null = null;
    for (const b of batches) {
      if (!b.hasProducerId) continue;
      if (b.isControlBatch) {
        // LogValidator's client checks for batches with a producer id (markers always carry one)
        if (origin === 'client') throw new InvalidRecordError(`Clients are not allowed to write control records in topic partition ${this.tpString}`);
        const marker = readEndTxnMarker(b);
        if (marker === null) continue;
        let info = updates?.find((u) => u.producerId === b.producerId);
        if (info === undefined) (updates ??= []).push((info = this.producerState().prepareUpdate(b.producerId, origin)));
        const c = info.appendEndTxnMarker(b.producerEpoch, marker.coordinatorEpoch, marker.isCommit, b.baseOffset, logAppendTime >= 0 ? logAppendTime : b.maxTimestamp);
        if (c) completedTxns.push(c);
        continue;
      }
      const firstSeq = b.baseSequence;
      if (firstSeq < 0 && origin === 'client') throw new InvalidRecordError(`Invalid sequence number ${firstSeq} in record batch with producerId ${b.producerId} in topic partition ${this.tpString}`);
      const psm = this.producerState();
      const producerId = b.producerId;
      const epoch = b.producerEpoch;
      const lastSeq = b.lastSequence;
      if (origin === 'client') {
        const duplicate = psm.lastEntry(producerId)?.findDuplicateBatch(epoch, firstSeq, lastSeq);
        if (duplicate) return duplicate;
      }
      let info = updates?.find((u) => u.producerId === producerId);
      if (info === undefined) (updates ??= []).push((info = psm.prepareUpdate(producerId, origin)));
      const firstOffset = b.baseOffset;
      const lastOffset = firstOffset + BigInt(b.lastOffsetDelta);
      info.appendDataBatch(epoch, firstSeq, lastSeq, logAppendTime >= 0 ? logAppendTime : b.maxTimestamp, firstOffset, lastOffset, b.isTransactional);
    }
    return updates;
  }

  /**
   * Kafka's append epilogue for markers: an aborted transaction goes into the active segment's `.txnindex` with the
   * last stable offset at that point; every completed transaction leaves the ongoing set.
   */
  private completeTxns(completed: readonly CompletedTxn[]): void {
    const psm = this.producerStateManager;
    for (const c of completed) {
      if (c.isAborted) {
        const lso = psm.lastStableOffset(c);
        this.io(() => this.activeSegment.appendAbortedTxn({ producerId: c.producerId, firstOffset: c.firstOffset, lastOffset: c.lastOffset, lastStableOffset: lso }));
      }
      psm.completeTxn(c);
    }
  }

  /**
   * Kafka `UnifiedLog.lastStableOffset`: the first offset of a transaction not yet decided (or whose marker is not
   * replicated yet), when below the high watermark; else the high watermark. Loads the producer state if needed.
   */
  get lastStableOffset(): bigint {
    const fu = this.producerState().firstUnstableOffset();
    return fu !== null && fu < this._highWatermark ? fu : this._highWatermark;
  }

  /**
   * The aborted transactions overlapping [startOffset, upperBoundOffset) (Kafka `collectAbortedTransactions`): each
   * segment's `.txnindex` from the one holding `startOffset`, until an entry's LSO reaches the upper bound.
   */
  collectAbortedTransactions(startOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    this.checkUsable();
    // after a recovery the segments' .txnindex entries are rebuilt with the (lazy) producer state: load it first,
    // else a caller that has not asked for the LSO yet would get none (a Kafka-written log dir, AC's test)
    this.producerState();
    return this.io(() => {
      const out: AbortedTxn[] = [];
      const segs = this.local.segments;
      for (let i = Math.max(0, this.local.floorSegmentIndex(startOffset)); i < segs.length; i++) {
        const r = segs[i]!.collectAbortedTxns(startOffset, upperBoundOffset);
        out.push(...r.abortedTransactions);
        if (r.isComplete) break;
      }
      return out;
    });
  }

  private maybeRoll(messagesSize: number, maxTimestamp: number, maxOffset: bigint, now: number): LogSegment {
    const segment = this.activeSegment;
    const c = this.local.config;
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
    const newOffset = this.local.nextOffset;
    const active = this.activeSegment;
    const seg = this.local.roll(newOffset);
    if (seg === active) return active;
    const snapshot = this.takeProducerSnapshot(newOffset, false);
    if (snapshot !== null) this.local.addUnflushedFile(snapshot);
    // As Kafka's scheduled "flush-log" after a roll: the producer snapshot and the rolled segment(s) (their data and
    // what the roll wrote: final time-index entry, trimmed indexes) become durable in the background, then the
    // recovery point moves to the new segment (so a crash recovers only from here). The rolled segment is flushed
    // even when the recovery point is already past it (flush.messages=1), and a synchronous flush in between
    // (the next append's) includes it. Failures are reported through hooks.onIoError inside flushAsync.
    this.flushAsync(newOffset).catch(() => {});
    return seg;
  }

  /** Write the producer snapshot at `offset` unless one at or past it exists; returns its file, or null. */
  private takeProducerSnapshot(offset: bigint, sync: boolean): string | null {
    if (offset <= this.lastSnapOffset) return null;
    const file = writeProducerSnapshot(this.local.dir, offset, this.producerState().snapshotEntries(), sync);
    this.lastSnapOffset = offset;
    return file;
  }

  // -------------------------------------------------------------------------------------------- flush

  /**
   * fsync every segment holding offsets in [recoveryPoint, upToOffset) (default: the LEO), what rolls wrote and
   * did not fsync yet (rolled segments, producer snapshots), the partition dir if segments were created, then move
   * the recovery point (Kafka `flush`).
   */
  flush(upToOffset: bigint = this.local.nextOffset): void {
    const target = upToOffset > this.local.nextOffset ? this.local.nextOffset : upToOffset;
    if (target <= this.local.recoveryPoint && !this.local.hasUnflushedRollWrites) return;
    const started = performance.now();
    this.io(() => {
      this.local.flush(target);
      this._epochCache?.flushIfPending(); // a new leader's asynchronous assign lands before the recovery point passes its batches
    });
    LogFlushStats.logFlushTimer.observe(performance.now() - started); // Kafka's LogFlushRateAndTimeMs
    if (target > this.local.recoveryPoint) this.local.recoveryPoint = target;
    this.local.lastFlushTime = this.now();
  }

  /** {@link flush} with the fsyncs on the libuv thread pool. */
  async flushAsync(upToOffset: bigint = this.local.nextOffset): Promise<void> {
    const target = upToOffset > this.local.nextOffset ? this.local.nextOffset : upToOffset;
    if (target <= this.local.recoveryPoint && !this.local.hasUnflushedRollWrites) return;
    this.checkUsable();
    const started = performance.now();
    try {
      await this.local.flushAsync(target);
      // a new leader's asynchronous assign lands before the recovery point passes its batches
      if (this._epochCache?.flushPending) {
        await this._epochCache.flushed();
        this._epochCache.flushIfPending();
      }
      LogFlushStats.logFlushTimer.observe(performance.now() - started);
    } catch (e) {
      if (this.closed || this.failed) return;
      throw this.ioFailure(e);
    }
    if (target > this.local.recoveryPoint) this.local.recoveryPoint = target;
    this.local.lastFlushTime = this.now();
  }

  // -------------------------------------------------------------------------------------------- read

  /**
   * Read raw batches from `startOffset` (Kafka `LocalLog.read`): at most `maxBytes` (the last batch may be cut),
   * but at least the first whole batch with `minOneMessage`. Legacy (v0/v1) entries are up-converted to v2.
   */
  read(startOffset: bigint, maxBytes: number, opts: { minOneMessage?: boolean } = {}): LogReadResult {
    this.checkUsable();
    const leo = this.local.nextOffset;
    const empty = (): LogReadResult => ({ records: Buffer.alloc(0), highWatermark: this._highWatermark, logStartOffset: this._logStartOffset });
    if (startOffset === leo) return empty();
    if (startOffset < this._logStartOffset || startOffset > leo) {
      throw new OffsetOutOfRangeError(
        `Received request for offset ${startOffset} for partition ${this.tpString}, but we only have log segments in the range ${this._logStartOffset} to ${leo}.`,
      );
    }
    return this.io(() => {
      const records = this.local.read(startOffset, maxBytes, opts.minOneMessage ?? false);
      return records === null ? empty() : { records, highWatermark: this._highWatermark, logStartOffset: this._logStartOffset };
    });
  }

  /**
   * {@link read} with the bytes read off the event loop (the fetch path). A segment deleted by retention while
   * the read is in flight gives {@link OffsetOutOfRangeError}, not a dir failure.
   */
  async readAsync(startOffset: bigint, maxBytes: number, opts: { minOneMessage?: boolean; pool?: ReadBufferPool } = {}): Promise<LogReadResult> {
    this.checkUsable();
    const leo = this.local.nextOffset;
    const result = (records: Buffer, release?: () => void): LogReadResult => ({ records, highWatermark: this._highWatermark, logStartOffset: this._logStartOffset, release });
    if (startOffset === leo) return result(Buffer.alloc(0));
    if (startOffset < this._logStartOffset || startOffset > leo) {
      throw new OffsetOutOfRangeError(
        `Received request for offset ${startOffset} for partition ${this.tpString}, but we only have log segments in the range ${this._logStartOffset} to ${leo}.`,
      );
    }
    let i = Math.max(0, this.local.floorSegmentIndex(startOffset));
    for (; i < this.local.segments.length; i++) {
      const seg = this.local.segments[i]!;
      let info;
      try {
        // the active segment's tail is in the page cache: small reads of it are synchronous (SYNC_READ_MAX_BYTES)
        info = await seg.readAsync(startOffset, maxBytes, seg.size, opts.minOneMessage ?? false, opts.pool, seg === this.local.activeSegment ? SYNC_READ_MAX_BYTES : 0);
      } catch (e) {
        // swapped out by the cleaner while reading: its records are in the segment that replaced it
        if (!this.closed && !this.failed && this.wasReplaced(seg)) return this.readAsync(startOffset, maxBytes, opts);
        // the whole log closed meanwhile (moved to another log dir, or deleted): a retriable error, not an offset reset (Q)
        if (this.closed && !this.failed) throw new KafkaStorageError(`The log of ${this.tpString} was closed while reading offset ${startOffset}`);
        if (!seg.isOpen || this.closed) {
          throw new OffsetOutOfRangeError(`Segment ${seg.baseOffset} of ${this.tpString} was deleted while reading offset ${startOffset}`);
        }
        throw this.ioFailure(e);
      }
      if (info !== null) {
        const records = upConvertIfNeeded(info.records);
        if (records === info.records) return result(records, info.release);
        info.release?.(); // up-converted into a buffer of its own
        return result(records);
      }
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
      return { offset: this.local.nextOffset, timestamp: -1, leaderEpoch: this.epochCache.latestEpoch };
    }
    return this.io(() => {
      if (ts === MAX_TIMESTAMP) {
        let best: LogSegment | null = null;
        for (const s of this.local.segments) if (s.size > 0 && (best === null || s.maxTimestampSoFar > best.maxTimestampSoFar)) best = s;
        if (best === null || best.maxTimestampSoFar < 0) return null;
        const off = best.offsetOfMaxTimestampSoFar;
        return { offset: off, timestamp: best.maxTimestampSoFar, leaderEpoch: this.epochCache.epochForOffset(off) };
      }
      for (const s of this.local.segments) {
        if (s.size === 0 || s.largestTimestamp < ts) continue;
        const found = s.findOffsetByTimestamp(ts, this._logStartOffset);
        if (found) return { offset: found.offset, timestamp: found.timestamp, leaderEpoch: found.leaderEpoch ?? this.epochCache.epochForOffset(found.offset) };
      }
      return null;
    });
  }

  /**
   * ListOffsets v0 (Kafka `legacyFetchOffsetsBefore`): the candidates are each segment's base offset (at least the
   * log start offset) with its file's last-modified time, plus the log end offset at "now" when the active segment
   * has data. -1 (latest) starts from the last candidate, -2 (earliest) from the first, any other time from the
   * newest candidate modified at or before it; up to `maxNumOffsets` offsets from there backwards, newest first.
   */
  legacyFetchOffsetsBefore(timestamp: number, maxNumOffsets: number): bigint[] {
    this.checkUsable();
    const candidates = this.io(() => this.local.segments.map((s) => ({
      offset: s.baseOffset > this._logStartOffset ? s.baseOffset : this._logStartOffset,
      time: Math.floor(s.lastModified),
    })));
    if (this.activeSegment.size > 0) candidates.push({ offset: this.local.nextOffset, time: this.now() });
    let start: number;
    if (timestamp === LATEST_TIMESTAMP) start = candidates.length - 1;
    else if (timestamp === EARLIEST_TIMESTAMP) start = 0;
    else {
      start = candidates.length - 1;
      while (start >= 0 && candidates[start]!.time > timestamp) start--;
    }
    const picked: bigint[] = [];
    for (let i = start; i >= 0 && picked.length < maxNumOffsets; i--) picked.push(candidates[i]!.offset); // newest first: candidates ascend
    return picked;
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
    const c = this.local.config;
    const deletes = c.cleanupPolicy.includes('delete');
    const candidates = this.local.segments.slice(0, -1); // never the active segment
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
    while (n < candidates.length && this.local.segments[n + 1]!.baseOffset <= this._logStartOffset) n++;
    if (n === 0) return 0;
    this.io(() => this.removeSegments(this.local.segments.slice(0, n)));
    return n;
  }

  private removeSegments(toRemove: LogSegment[]): void {
    if (this.pendingProducerLoad !== null) this.producerState(); // its snapshot may be among those deleted below
    this.local.removeOldest(toRemove);
    const newStart = this.local.segments[0]!.baseOffset;
    if (newStart > this._logStartOffset) this._logStartOffset = newStart;
    if (this.local.recoveryPoint < this._logStartOffset) this.local.recoveryPoint = this._logStartOffset;
    if (this._highWatermark < this._logStartOffset) this._highWatermark = this._logStartOffset;
    this.epochCache.truncateFromStart(this._logStartOffset);
    for (const s of listProducerSnapshots(this.local.dir)) if (s.offset < this._logStartOffset) fs.rmSync(s.file, { force: true });
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

  // -------------------------------------------------------------------------------------------- truncation

  /**
   * Remove every record from `targetOffset` on (Kafka `UnifiedLog.truncateTo`, a follower truncating to the
   * leader's log). Segments above it are renamed to `.deleted` and removed after `file.delete.delay.ms`, the
   * segment holding it is cut at that batch (indexes too), the LEO becomes `targetOffset` and the recovery point,
   * high watermark and log start offset are capped by it; leader epochs from `targetOffset` on are dropped. A
   * target below the first segment truncates fully ({@link truncateFullyAndStartAt}). Returns false (only the
   * epoch cache is trimmed at the LEO) when `targetOffset` ≥ the LEO.
   */
  truncateTo(targetOffset: bigint): boolean {
    if (targetOffset < 0n) throw new RangeError(`Cannot truncate partition ${this.tpString} to a negative offset (${targetOffset}).`);
    if (targetOffset >= this.local.nextOffset) {
      this.hooks.info?.(`Truncating to ${targetOffset} has no effect as the largest offset in the log is ${this.local.nextOffset - 1n}`);
      this.io(() => this.epochCache.truncateFromEnd(this.local.nextOffset));
      return false;
    }
    this.hooks.info?.(`Truncating to offset ${targetOffset}`);
    if (this.local.segments[0]!.baseOffset > targetOffset) {
      this.truncateFullyAndStartAt(targetOffset);
      return true;
    }
    this.io(() => {
      this.local.truncateTo(targetOffset);
      this.epochCache.truncateFromEnd(targetOffset);
    });
    this.local.nextOffset = targetOffset;
    if (this.local.recoveryPoint > targetOffset) this.local.recoveryPoint = targetOffset;
    if (this._logStartOffset > targetOffset) this._logStartOffset = targetOffset;
    if (this._highWatermark > targetOffset) this._highWatermark = targetOffset;
    this.rebuildProducerStateAfterTruncation(targetOffset);
    return true;
  }

  /**
   * Delete every segment and start an empty log at `newOffset` (Kafka `truncateFullyAndStartAt`): log start
   * offset, LEO, recovery point and high watermark all become `newOffset`; the leader-epoch cache is cleared.
   */
  truncateFullyAndStartAt(newOffset: bigint): void {
    this.io(() => {
      this.local.truncateFullyAndStartAt(newOffset);
      this.epochCache.clearAndFlush(); // Kafka: clearAndFlush, written through
    });
    this.local.nextOffset = newOffset;
    this._logStartOffset = newOffset;
    this.local.recoveryPoint = newOffset;
    this._highWatermark = newOffset;
    this.rebuildProducerStateAfterTruncation(newOffset, true);
  }

  /**
   * Producer state after a truncation to `leo` (Kafka `deleteProducerSnapshots` above it + `rebuildProducerState`):
   * snapshots past the new end go, the map is emptied and rebuilt lazily from the remaining snapshots and batches,
   * as at load; with nothing left it simply starts empty at `leo`. A full truncation deletes every snapshot.
   */
  private rebuildProducerStateAfterTruncation(leo: bigint, full = false): void {
    let snaps = listProducerSnapshots(this.local.dir);
    for (const s of snaps) if (full || s.offset > leo) fs.rmSync(s.file, { force: true });
    snaps = full ? [] : snaps.filter((s) => s.offset <= leo);
    this.producerStateManager.importEntries([], this._logStartOffset);
    this.lastSnapOffset = snaps.at(-1)?.offset ?? this._logStartOffset;
    this.pendingProducerLoad = !full && (leo > this._logStartOffset || snaps.length > 0) ? { snapshots: snaps, lastOffset: leo } : null;
    if (this.pendingProducerLoad === null) this.producerStateManager.updateMapEndOffset(leo);
  }

  // -------------------------------------------------------------------------------------------- log cleaner

  /** The live segments overlapping [from, to) (Kafka `logSegments(from, to)`), ascending. */
  logSegments(from = 0n, to?: bigint): LogSegment[] {
    return this.local.logSegments(from, to);
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
    return this.io(() => this.local.replaceSegments(cleaned, old));
  }

  /** A segment the cleaner swapped out (still covered by the log's offsets, unlike one deleted by retention). */
  private wasReplaced(seg: LogSegment): boolean {
    return !this.local.segments.includes(seg) && seg.baseOffset >= this._logStartOffset;
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
        this.takeProducerSnapshot(this.local.nextOffset, true);
        this._epochCache?.flushIfPending(); // a truncation's asynchronous write not landed yet
        for (const s of this.local.segments) s.close();
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
      const leo = this.local.nextOffset;
      if (leo > this.lastSnapOffset) {
        await writeProducerSnapshotAsync(this.local.dir, leo, this.producerState().snapshotEntries());
        this.lastSnapOffset = leo;
      }
      this._epochCache?.flushIfPending(); // a truncation's asynchronous write not landed yet
      for (const s of this.local.segments) s.close();
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
      this.takeProducerSnapshot(this.local.nextOffset, false);
      const active = this.activeSegment;
      active.offsetIndex.trimToValidSize();
      active.timeIndex.trimToValidSize();
    });
    this.closeHandlers();
  }

  /** Close file handles without flushing or writing anything (dir failure). */
  closeHandlers(): void {
    this.local.closeHandlers();
    this.closed = true;
  }

  toString(): string {
    return `Log(dir=${this.local.dir}, topic=${this.topic}, partition=${this.partition}, logStartOffset=${this._logStartOffset}, logEndOffset=${this.local.nextOffset})`;
  }
}
