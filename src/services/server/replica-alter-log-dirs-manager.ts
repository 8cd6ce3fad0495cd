/**
 * The `-future` replica mover: Kafka's ReplicaAlterLogDirsManager + ReplicaAlterLogDirsThread (ZooKeeper mode,
 * DirectoryEventHandler.NOOP), driven by the ReplicaManager. A partition moving to another log dir
 * (AlterReplicaLogDirs) has a `-future` log in the destination dir; the mover copies the current log's batches into it
 * (Kafka fetches them from the local replica with FetchLogEnd isolation: up to the current log end), moves its high
 * watermark (the current one, clamped) and log start offset along, and truncates it as the current log truncates (the
 * OffsetsForLeaderEpoch exchange with the current replica, AbstractFetcherThread.getOffsetTruncationState, checked each
 * round since it costs two epoch-cache lookups). Once both logs end at the same offset — checked in the same event-loop
 * turn as the last append, so no produce or follower append can slip in (Kafka holds leaderIsrUpdateLock) — the host
 * swaps them (Partition.maybeReplaceCurrentWithFutureReplica → LogManager.replaceCurrentWithFutureLog) and the
 * partition leaves the mover. Produce and fetch go on throughout: the current log serves until the swap.
 *
 * Rate: `replica.alter.log.dirs.io.max.bytes.per.second` (Kafka's alterLogDirs ReplicationQuotaManager, every
 * moving partition throttled): over the rate the mover waits `replica.fetch.backoff.ms`, as Kafka's fetcher does on an
 * empty fetch. Bytes per partition per round: `replica.fetch.max.bytes` (at least one batch).
 *
 * Per partition: a state of the replicaAlterLogDirsState machine *definition* (src/machines/replica-alter-log-dirs-state.ts:
 * truncating → copying → swapped, or failed), advanced by the pure transition the ReplicaManager hands in.
 *
 * Threads: `num.replica.alter.log.dirs.threads` (unset: the number of log dirs, as Kafka) mover loops; a partition
 * belongs to loop `abs(31 * topic.hashCode + partition) % threads` (Kafka's AbstractFetcherManager.getFetcherId).
 * Differs from Kafka: the loops are async loops on the event loop, not threads — each round's read of the current
 * log runs off the loop (readAsync), so N loops keep up to N reads in flight; the appends into the future logs are
 * synchronous. Before the swap the current log's leader-epoch entries past the future log's are copied, so that a
 * new leader epoch with no record yet is not lost.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Logger } from '../../logger.js';
import type { Log } from '../log/log.js';
import { appendRecordsToFollower } from '../replication/partition.js';
import { fetcherIdFor } from '../replication/replica-fetcher-thread.js';

/** The logs of a partition being moved, as the ReplicaManager hosts them. */
export interface MovingLogs { current: Log; future: Log }

export interface AlterLogDirsHost {
  /** The hosted (online) partition's current and future logs; null once it is not hosted, offline, or has no future log. */
  movingLogs(topic: string, partition: number): MovingLogs | null;
  /** Kafka's maybeReplaceCurrentWithFutureReplica once both logs end at the same offset: swap, and re-point the hosted partition. */
  replaceCurrentWithFuture(topic: string, partition: number): void;
}

/** The replicaAlterLogDirsState machine's states and events (src/machines/replica-alter-log-dirs-state.ts). */
export type MoveStateName = 'truncating' | 'copying' | 'swapped' | 'failed';
export type MoveEvent = 'truncation.completed' | 'truncation.needed' | 'caught.up' | 'failed';
/** The machine's pure transition, handed in (services do not import machines). */
export type AdvanceMoveState = (state: MoveStateName, event: MoveEvent) => { state: MoveStateName; valid: boolean };

export interface AlterLogDirsOptions {
  /** The per-partition state transitions (the replicaAlterLogDirsState machine definition's). */
  advanceMoveState: AdvanceMoveState;
  /** num.replica.alter.log.dirs.threads (or the number of log dirs): the mover loops, fixed at start as in Kafka. */
  threads: number;
  /** replica.fetch.max.bytes (read per round). */
  maxBytes: () => number;
  /** replica.fetch.backoff.ms. */
  backoffMs: () => number;
  /** Throttle (replica.alter.log.dirs.io.max.bytes.per.second): true while over the rate; `record` counts copied bytes. */
  quota?: { isExceeded(): boolean; record(bytes: number): void };
}

/** Where a partition's moving state stands (Kafka's PartitionFetchState, reduced to what the local copy needs). */
export interface MoveState { topic: string; partition: number; fetcherId: number; state: MoveStateName; copiedBytes: number; startedAt: number }

interface EpochLog {
  readonly logEndOffset: bigint;
  readonly highWatermark: bigint;
  readonly latestEpoch: number;
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: bigint };
}

/**
 * Kafka's AbstractFetcherThread.getOffsetTruncationState, iterated against the local current replica (the "leader")
 * until complete: the offset the future log must truncate to, or null when it is a prefix of the current log.
 */
export function futureTruncationOffset(current: EpochLog, future: EpochLog): bigint | null {
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  const result = (t: bigint) => (t < future.logEndOffset ? t : null);
  let replicaEnd = future.logEndOffset;
  let epoch = future.latestEpoch;
  for (let i = 0; i < 64; i++) {
    if (epoch < 0) return result(min(replicaEnd, current.logEndOffset)); // no epochs: only the lengths can tell
    const leader = current.endOffsetForEpoch(epoch);
    // UNDEFINED_EPOCH_OFFSET: the current log knows no such epoch any more; keep what was committed (the high watermark)
    if (leader.endOffset < 0n) return result(min(min(future.highWatermark, replicaEnd), current.logEndOffset));
    const mine = future.endOffsetForEpoch(leader.epoch);
    if (mine.endOffset < 0n) return result(min(leader.endOffset, replicaEnd));
    if (mine.epoch === leader.epoch) return result(min(min(mine.endOffset, leader.endOffset), replicaEnd));
    // the future log does not know the epoch the current one answered with: truncate to the end of its largest
    // smaller epoch and ask again (Kafka's truncationCompleted = false)
    if (mine.epoch >= epoch) break;
    replicaEnd = min(mine.endOffset, replicaEnd);
    epoch = mine.epoch;
  }
  return result(replicaEnd);
}

const key = (topic: string, partition: number) => `${topic}-${partition}`;

/** One mover loop (Kafka: one ReplicaAlterLogDirsThread). */
interface MoverLoop { running: boolean; wake: (() => void) | null }

export class ReplicaAlterLogDirsManager {
  private readonly moving = new Map<string, MoveState>();
  private readonly loops: MoverLoop[];
  private stopped = false;

  constructor(private readonly host: AlterLogDirsHost, private readonly log: Logger, private readonly opts: AlterLogDirsOptions, private readonly now: () => number = Date.now) {
    this.loops = Array.from({ length: Math.max(1, Math.floor(opts.threads)) }, () => ({ running: false, wake: null }));
  }

  /** The number of mover loops (num.replica.alter.log.dirs.threads). */
  get threads(): number { return this.loops.length; }

  /** Kafka's addFetcherForPartitions: start (or keep) moving these partitions. */
  addPartitions(partitions: Array<{ topic: string; partition: number }>): void {
    if (this.stopped) return;
    const kicked = new Set<number>();
    for (const p of partitions) {
      const k = key(p.topic, p.partition);
      if (this.moving.has(k) || !this.host.movingLogs(p.topic, p.partition)) continue;
      const fetcherId = fetcherIdFor(p.topic, p.partition, this.loops.length);
      this.moving.set(k, { topic: p.topic, partition: p.partition, fetcherId, state: 'truncating', copiedBytes: 0, startedAt: this.now() });
      kicked.add(fetcherId);
      this.log.info({ topicPartition: k, fetcherId }, `Added ${k} to the replica alter-log-dirs mover ${fetcherId}`);
    }
    for (const id of kicked) this.kick(id);
  }

  /** Kafka's removeFetcherForPartitions. */
  removePartitions(partitions: Array<{ topic: string; partition: number }>): void {
    for (const p of partitions) this.moving.delete(key(p.topic, p.partition));
  }

  /** Partitions being moved (for tests and logs). */
  get movingPartitions(): MoveState[] { return [...this.moving.values()]; }

  shutdown(): void {
    this.stopped = true;
    this.moving.clear();
    for (const l of this.loops) l.wake?.();
  }

  private has(id: number): boolean {
    for (const s of this.moving.values()) if (s.fetcherId === id) return true;
    return false;
  }

  private kick(id: number): void {
    const l = this.loops[id]!;
    if (l.wake) { const w = l.wake; l.wake = null; w(); }
    if (l.running || this.stopped || !this.has(id)) return;
    l.running = true;
    this.loop(id, l).catch((e) => this.log.error({ err: e, fetcherId: id }, `Replica alter-log-dirs mover ${id} failed: ${(e as Error).message}`)).finally(() => {
      l.running = false;
      if (!this.stopped && this.has(id)) this.kick(id);
    });
  }

  /** The machine's transition for one partition (an event its state refuses is a bug: logged, state kept). */
  private advance(s: MoveState, event: MoveEvent): void {
    const r = this.opts.advanceMoveState(s.state, event);
    if (!r.valid) this.log.warn({ topicPartition: key(s.topic, s.partition), state: s.state, event }, `Ignored ${event} of ${key(s.topic, s.partition)} in state ${s.state}`);
    s.state = r.state;
  }

  private async loop(id: number, l: MoverLoop): Promise<void> {
    while (!this.stopped && this.has(id)) {
      if (this.opts.quota?.isExceeded()) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => { l.wake = null; resolve(); }, Math.max(1, this.opts.backoffMs()));
          t.unref();
          l.wake = () => { clearTimeout(t); resolve(); };
        });
        continue;
      }
      for (const s of [...this.moving.values()]) {
        if (this.stopped) return;
        if (s.fetcherId !== id || this.moving.get(key(s.topic, s.partition)) !== s) continue;
        try {
          await this.step(s);
        } catch (e) {
          // Kafka's fetcher marks the partition failed and stops moving it (the future log stays; a restart resumes)
          this.advance(s, 'failed');
          this.moving.delete(key(s.topic, s.partition));
          this.log.error({ topicPartition: key(s.topic, s.partition), err: (e as Error).message }, `Moving ${key(s.topic, s.partition)} between log dirs failed; the partition is no longer moved: ${(e as Error).message}`);
        }
      }
      await yieldToLoop();
    }
  }

  /** One round for one partition: truncate if needed, copy up to maxBytes, maybe swap. */
  private async step(s: MoveState): Promise<void> {
    const k = key(s.topic, s.partition);
    const logs = this.host.movingLogs(s.topic, s.partition);
    if (!logs) { this.moving.delete(k); return; }
    const { current, future } = logs;
    if (s.state === 'copying' && needsTruncation(current, future)) this.advance(s, 'truncation.needed');
    if (s.state === 'truncating') {
      this.truncate(k, current, future);
      this.advance(s, 'truncation.completed');
    }
    const start = future.logEndOffset;
    if (start < current.logEndOffset) {
      const r = await current.readAsync(start, Math.max(1, this.opts.maxBytes()), { minOneMessage: true });
      try {
        const again = this.host.movingLogs(s.topic, s.partition);
        // stopped, swapped, truncated or appended meanwhile: the next round starts over
        if (this.moving.get(k) !== s || again?.current !== current || again.future !== future || future.logEndOffset !== start) return;
        if (r.records.length > 0) {
          appendRecordsToFollower(future, r.records, k, this.log);
          s.copiedBytes += r.records.length;
          this.opts.quota?.record(r.records.length);
        }
      } finally {
        r.release?.();
      }
    }
    future.updateHighWatermark(current.highWatermark);
    future.maybeIncrementLogStartOffset(current.logStartOffset);
    if (future.logEndOffset === current.logEndOffset && this.moving.get(k) === s && !needsTruncation(current, future)) {
      for (const e of current.leaderEpochEntries()) if (e.epoch > future.latestEpoch) future.maybeAssignEpochStartOffset(e.epoch, e.startOffset);
      this.moving.delete(k);
      this.host.replaceCurrentWithFuture(s.topic, s.partition);
      this.advance(s, 'caught.up');
      this.log.info({ topicPartition: k, bytes: s.copiedBytes, ms: this.now() - s.startedAt }, `Moved ${k} to ${future.logDir}: ${s.copiedBytes} bytes copied in ${this.now() - s.startedAt} ms`);
    }
  }

  /** The truncating state's work: cut the future log back to where it agrees with the current one. */
  private truncate(k: string, current: Log, future: Log): void {
    if (future.logEndOffset < current.logStartOffset) {
      // the current log's start moved past the copy (retention, DeleteRecords): start the copy there
      future.truncateFullyAndStartAt(current.logStartOffset);
      return;
    }
    const target = futureTruncationOffset(current, future);
    if (target === null) return;
    this.log.info({ topicPartition: k, from: String(future.logEndOffset), to: String(target) }, `Truncating the future replica of ${k} to ${target} (the current replica diverged)`);
    if (target < future.logStartOffset) future.truncateFullyAndStartAt(current.logStartOffset);
    else future.truncateTo(target);
  }
}

/** The copy no longer agrees with the current log (it truncated, or its start moved past the copy). */
function needsTruncation(current: Log, future: Log): boolean {
  return future.logEndOffset < current.logStartOffset || futureTruncationOffset(current, future) !== null;
}
