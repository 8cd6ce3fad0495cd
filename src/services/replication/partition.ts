/**
 * One partition replica hosted by this broker — Kafka's `kafka.cluster.Partition` (with `Replica`/`ReplicaState`
 * for the followers the leader tracks). It decides, as Kafka does:
 * - leadership: `makeLeader` / `makeFollower` from LeaderAndIsr, skipped when the partition epoch is older than ours;
 *   a new leader epoch resets the followers' state (in the ISR: caught up now, else never);
 * - the followers' fetch state from their Fetch requests (`updateFollowerFetchState`: log end offset = fetch offset,
 *   lastCaughtUpTimeMs as `Replica.updateFetchStateOrThrow`);
 * - the high watermark (`maybeIncrementLeaderHW`): the smallest log end offset of the maximal ISR (and of followers
 *   caught up enough to join it), only forward, not while the ISR is below the effective min ISR (Kafka 3.7);
 * - ISR changes (`maybeExpandIsr` on follower fetches, `maybeShrinkIsr` from the isr-expiration task): one change in
 *   flight (Kafka's PendingExpandIsr / PendingShrinkIsr), sent through {@link AlterPartitionManager.submit}; the
 *   answer commits the new ISR and partition epoch, reverts, waits for LeaderAndIsr or resubmits as Kafka's
 *   `handleAlterPartitionError`. The state name (committed / pendingExpand / pendingShrink) moves only through the
 *   pure transitions of the partitionIsrState machine definition (src/machines/partition-isr-state.ts, handed in as
 *   `advanceIsrState`);
 * - acks=-1: the effective min ISR check before the append and `checkEnoughReplicasReachOffset` for DelayedProduce;
 * - KIP-320 leader-epoch checks and `lastOffsetForLeaderEpoch` (OffsetsForLeaderEpoch, Fetch's diverging epoch).
 *
 * Differs from Kafka: no locks (one event loop); no reassignment (adding/removing replicas) and no future logs; the
 * ISR eligibility of a follower is "its broker is alive in the metadata" (ZooKeeper mode, as Kafka's ZK metadata
 * cache check); the high watermark lives in the log (`updateHighWatermark`) and the Partition moves it.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { Logger } from '../../logger.js';
import type { AppendResult } from '../server/broker-context.js';
import type { LogConfig } from '../log/log-config.js';
import type { AlterPartitionManager, AlterPartitionResult, LeaderAndIsrState } from './alter-partition-types.js';
import { UnexpectedAppendOffsetError } from '../log/log-errors.js';

/** What the Partition needs of its log (a Log in the broker, a small fake in unit tests). */
export interface ReplicaLog {
  readonly config: LogConfig;
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  readonly highWatermark: bigint;
  /** Sets the high watermark, clamped to [logStartOffset, logEndOffset]; returns the value set. */
  updateHighWatermark(hw: bigint): bigint;
  appendAsLeader(records: Buffer, leaderEpoch: number, origin?: 'client' | 'coordinator'): AppendResult;
  /** The leader-epoch cache's endOffsetFor(epoch) at the log end offset (Kafka's `endOffsetForEpoch`). */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: bigint };
  /** Kafka's maybeAssignEpochStartOffset: a new leader epoch starts at the log end offset. */
  maybeAssignEpochStartOffset(epoch: number, startOffset: bigint): void;
}

/** LeaderAndIsr's per-partition state, as the Partition uses it. */
export interface PartitionStateInput {
  controllerEpoch: number;
  leader: number;
  leaderEpoch: number;
  isr: number[];
  partitionEpoch: number;
  replicas: number[];
}

/** Kafka's `ReplicaState`: the leader's view of one follower. */
export interface ReplicaState {
  readonly brokerId: number;
  logStartOffset: bigint;
  /** The fetch offset of its last Fetch (-1 unknown). */
  logEndOffset: bigint;
  lastFetchLeaderLogEndOffset: bigint;
  lastFetchTimeMs: number;
  lastCaughtUpTimeMs: number;
}

/** Kafka's PartitionState kinds: the committed ISR, or one change in flight. */
export type IsrStateName = 'committed' | 'pendingExpand' | 'pendingShrink';
export type IsrStateEvent = 'isr.expand' | 'isr.shrink' | 'isr.committed' | 'isr.reverted' | 'isr.retry' | 'leaderAndIsr';
/** The pure transition of the partitionIsrState machine definition (src/machines/partition-isr-state.ts), handed in. */
export type AdvanceIsrState = (state: IsrStateName, event: IsrStateEvent) => { state: IsrStateName; valid: boolean };

export interface PartitionDeps {
  brokerId: number;
  /** The ISR state machine's pure transition (the machine definition is the one source of the legal changes). */
  advanceIsrState: AdvanceIsrState;
  /** Where ISR changes go; absent: the leader proposes none (the controller's ISR stays). */
  alterPartitionManager?: AlterPartitionManager;
  /** replica.lag.time.max.ms */
  replicaLagTimeMaxMs: () => number;
  /** ZooKeeper mode's ISR eligibility: the broker is registered (alive in the metadata cache). */
  isBrokerAlive: (brokerId: number) => boolean;
  log: Logger;
  now?: () => number;
  /** The high watermark moved forward (complete delayed produces / fetches). */
  onHighWatermarkIncreased?: (p: Partition) => void;
  /** The committed ISR changed (complete delayed produces, which look at the ISR size). */
  onIsrChanged?: (p: Partition) => void;
}

/** Kafka's PartitionState: the committed ISR, or one change in flight. */
type IsrState =
  | { kind: 'committed'; isr: readonly number[] }
  | { kind: 'pendingExpand'; isr: readonly number[]; newInSyncReplicaId: number; proposed: readonly number[] }
  | { kind: 'pendingShrink'; isr: readonly number[]; outOfSync: readonly number[]; proposed: readonly number[] };

/** Thrown by the leader-only operations; the handlers map errors by name (handlers/common.ts). */
export class NotLeaderOrFollowerError extends Error { override name = 'NotLeaderOrFollowerError'; }
export class NotEnoughReplicasError extends Error { override name = 'NotEnoughReplicasError'; }

export class Partition {
  leaderId = -1;
  leaderEpoch = -1;
  partitionEpoch = -1;
  controllerEpoch = 0;
  /** The log end offset when this broker became leader at the current epoch (Kafka's leaderEpochStartOffsetOpt). */
  leaderEpochStartOffset: bigint | null = null;
  replicas: number[] = [];
  private state: IsrState = { kind: 'committed', isr: [] };
  private readonly remotes = new Map<number, ReplicaState>();
  private readonly now: () => number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    public topicId: string | null,
    /** Re-pointed when a log-dir move swaps the future log in (Kafka's `var log`; Q, AlterReplicaLogDirs). */
    public log: ReplicaLog,
    private readonly deps: PartitionDeps,
  ) {
    this.now = deps.now ?? Date.now;
  }

  get tp(): string { return `${this.topic}-${this.partition}`; }
  get isLeader(): boolean { return this.leaderId === this.deps.brokerId; }
  get highWatermark(): bigint { return this.log.highWatermark; }
  /** The committed ISR (for an in-flight shrink still the old one: Kafka's partitionState.isr). */
  get isr(): readonly number[] { return this.state.isr; }
  /** The committed ISR plus a replica being added (Kafka's maximalIsr): the HW waits for every member. */
  get maximalIsr(): readonly number[] { return this.state.kind === 'pendingExpand' ? this.state.proposed : this.state.isr; }
  get isIsrChangeInFlight(): boolean { return this.state.kind !== 'committed'; }
  /** The ISR state's name (the partitionIsrState machine's state). */
  get isrStateName(): IsrStateName { return this.state.kind; }

  /** One step of the ISR state machine; an event the state refuses is logged and returns false (nothing changes). */
  private advanceIsr(event: IsrStateEvent): boolean {
    const r = this.deps.advanceIsrState(this.state.kind, event);
    if (!r.valid) this.deps.log.warn({ topicPartition: this.tp, state: this.state.kind, event }, `Invalid ISR state transition of ${this.tp}: ${event} in ${this.state.kind}`);
    return r.valid;
  }
  followerStates(): ReplicaState[] { return [...this.remotes.values()].map((r) => ({ ...r })); }
  followerState(id: number): ReplicaState | undefined { return this.remotes.get(id); }

  /** Kafka's effectiveMinIsr: min.insync.replicas (topic override or broker default), at most the replica count. */
  effectiveMinIsr(): number {
    return Math.min(this.log.config.minInSyncReplicas, this.remotes.size + 1);
  }

  get isUnderMinIsr(): boolean { return this.isLeader && this.state.isr.length < this.effectiveMinIsr(); }

  /**
   * Kafka `makeLeader`. Returns false when skipped (partition epoch older than ours). A new leader epoch records its
   * start offset (the LEO now) and resets every follower's state; the HW may advance at once (ISR down to one).
   */
  makeLeader(s: PartitionStateInput): boolean {
    if (s.partitionEpoch < this.partitionEpoch) {
      this.deps.log.info({ topicPartition: this.tp, partitionEpoch: s.partitionEpoch, currentPartitionEpoch: this.partitionEpoch },
        `Skipped the become-leader state change for ${this.tp} since the leader is already at a newer partition epoch ${this.partitionEpoch}`);
      return false;
    }
    const now = this.now();
    const isNewLeader = !this.isLeader;
    const isNewLeaderEpoch = s.leaderEpoch > this.leaderEpoch;
    this.controllerEpoch = s.controllerEpoch;
    this.updateAssignmentAndIsr(s.replicas, true, s.isr);
    if (isNewLeaderEpoch) {
      const startOffset = this.log.logEndOffset;
      for (const r of this.remotes.values()) {
        r.lastCaughtUpTimeMs = s.isr.includes(r.brokerId) ? now : 0;
        if (isNewLeader) {
          r.logStartOffset = -1n; r.logEndOffset = -1n; r.lastFetchLeaderLogEndOffset = -1n; r.lastFetchTimeMs = 0;
        } else {
          r.lastFetchLeaderLogEndOffset = startOffset; r.lastFetchTimeMs = now;
        }
      }
      // KIP-279: the epoch is cached before any write, so that followers ahead in a later epoch truncate right
      this.log.maybeAssignEpochStartOffset(s.leaderEpoch, startOffset);
      this.leaderEpoch = s.leaderEpoch;
      this.leaderEpochStartOffset = startOffset;
      this.deps.log.info({ topicPartition: this.tp, leaderEpoch: s.leaderEpoch, startOffset: String(startOffset), partitionEpoch: s.partitionEpoch, isr: s.isr, highWatermark: String(this.highWatermark) },
        `Leader ${this.tp} starts at leader epoch ${s.leaderEpoch} from offset ${startOffset} with partition epoch ${s.partitionEpoch}, high watermark ${this.highWatermark}, ISR [${s.isr.join(',')}]`);
    }
    this.partitionEpoch = s.partitionEpoch;
    this.leaderId = this.deps.brokerId;
    this.deps.onIsrChanged?.(this);
    if (this.maybeIncrementLeaderHW(now)) this.deps.onHighWatermarkIncreased?.(this);
    return true;
  }

  /**
   * Kafka `makeFollower`: the leader, epochs and assignment; the ISR is forgotten (only a leader keeps it). Returns
   * whether the leader epoch is new (the fetcher restarts), or false when skipped (older partition epoch).
   */
  makeFollower(s: PartitionStateInput): boolean {
    if (s.partitionEpoch < this.partitionEpoch) {
      this.deps.log.info({ topicPartition: this.tp, partitionEpoch: s.partitionEpoch, currentPartitionEpoch: this.partitionEpoch },
        `Skipped the become-follower state change for ${this.tp} since the follower is already at a newer partition epoch ${this.partitionEpoch}`);
      return false;
    }
    const wasLeader = this.isLeader;
    const isNewLeaderEpoch = s.leaderEpoch > this.leaderEpoch;
    this.controllerEpoch = s.controllerEpoch;
    this.leaderId = s.leader;
    this.leaderEpoch = s.leaderEpoch;
    this.leaderEpochStartOffset = null;
    this.partitionEpoch = s.partitionEpoch;
    this.updateAssignmentAndIsr(s.replicas, false, []);
    if (wasLeader) this.deps.onIsrChanged?.(this); // waiting produces answer NOT_LEADER_OR_FOLLOWER
    return isNewLeaderEpoch;
  }

  private updateAssignmentAndIsr(replicas: number[], isLeader: boolean, isr: number[]): void {
    this.replicas = [...replicas];
    if (isLeader) {
      const followers = replicas.filter((id) => id !== this.deps.brokerId);
      for (const id of followers) {
        if (!this.remotes.has(id)) {
          this.remotes.set(id, { brokerId: id, logStartOffset: -1n, logEndOffset: -1n, lastFetchLeaderLogEndOffset: -1n, lastFetchTimeMs: 0, lastCaughtUpTimeMs: 0 });
        }
      }
      for (const id of [...this.remotes.keys()]) if (!followers.includes(id)) this.remotes.delete(id);
    } else {
      this.remotes.clear();
    }
    this.advanceIsr('leaderAndIsr');
    this.state = { kind: 'committed', isr: [...isr] };
  }

  /** KIP-320: -1 = no check; older → FENCED_LEADER_EPOCH, newer → UNKNOWN_LEADER_EPOCH (Kafka's checkCurrentLeaderEpoch). */
  checkCurrentLeaderEpoch(requested: number): number {
    if (requested === -1) return ErrorCode.NONE;
    if (requested < this.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
    if (requested > this.leaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
    return ErrorCode.NONE;
  }

  /**
   * Kafka `appendRecordsToLeader`: only on the leader; acks=-1 needs an ISR of at least the effective min ISR
   * (NOT_ENOUGH_REPLICAS, nothing written). The HW may advance (ISR of one) after the append.
   */
  appendRecordsToLeader(records: Buffer, requiredAcks: number, origin: 'client' | 'coordinator' = 'client'): AppendResult {
    if (!this.isLeader) throw new NotLeaderOrFollowerError(`Leader not local for partition ${this.tp} on broker ${this.deps.brokerId}`);
    const minIsr = this.effectiveMinIsr();
    if (requiredAcks === -1 && this.state.isr.length < minIsr) {
      throw new NotEnoughReplicasError(`The size of the current ISR [${this.state.isr.join(', ')}] is insufficient to satisfy the min.isr requirement of ${minIsr} for partition ${this.tp}`);
    }
    const hw = this.log.highWatermark;
    const r = this.log.appendAsLeader(records, this.leaderEpoch, origin);
    // the log must not move the HW by itself: the Partition decides it
    if (this.log.highWatermark !== hw) this.log.updateHighWatermark(hw);
    if (this.maybeIncrementLeaderHW(this.now())) this.deps.onHighWatermarkIncreased?.(this);
    return r;
  }

  /** Kafka `ReplicaState.isCaughtUp`. */
  private isCaughtUp(r: ReplicaState, leaderEndOffset: bigint, now: number): boolean {
    return r.logEndOffset === leaderEndOffset || now - r.lastCaughtUpTimeMs <= this.deps.replicaLagTimeMaxMs();
  }

  /**
   * Kafka `maybeIncrementLeaderHW`: the smallest log end offset among the maximal ISR and the followers caught up
   * enough to join it; forward only; nothing while under the effective min ISR. Returns whether the HW moved.
   */
  maybeIncrementLeaderHW(now: number = this.now()): boolean {
    if (!this.isLeader || this.isUnderMinIsr) return false;
    const leo = this.log.logEndOffset;
    let newHw = leo;
    const maximal = this.maximalIsr;
    for (const r of this.remotes.values()) {
      if (r.logEndOffset < newHw && (maximal.includes(r.brokerId) || (this.isCaughtUp(r, leo, now) && this.deps.isBrokerAlive(r.brokerId)))) {
        newHw = r.logEndOffset;
      }
    }
    const old = this.log.highWatermark;
    if (newHw <= old) return false;
    this.log.updateHighWatermark(newHw);
    return this.log.highWatermark > old;
  }

  /**
   * Kafka `updateFollowerFetchState` (+ `Replica.updateFetchStateOrThrow`): records a follower's fetch (its LEO is
   * the fetch offset), maybe adds it to the ISR, maybe advances the HW. `leaderEndOffset` is the leader's LEO before
   * the read. Returns false for a broker that is not a follower of this partition.
   */
  updateFollowerFetchState(replicaId: number, fetchOffset: bigint, followerStartOffset: bigint, leaderEndOffset: bigint, now: number = this.now()): boolean {
    const r = this.remotes.get(replicaId);
    if (!r) return false;
    const prevEnd = r.logEndOffset;
    if (fetchOffset >= leaderEndOffset) r.lastCaughtUpTimeMs = Math.max(r.lastCaughtUpTimeMs, now);
    else if (fetchOffset >= r.lastFetchLeaderLogEndOffset) r.lastCaughtUpTimeMs = Math.max(r.lastCaughtUpTimeMs, r.lastFetchTimeMs);
    r.logStartOffset = followerStartOffset;
    r.logEndOffset = fetchOffset;
    r.lastFetchLeaderLogEndOffset = leaderEndOffset > r.lastFetchLeaderLogEndOffset ? leaderEndOffset : r.lastFetchLeaderLogEndOffset;
    r.lastFetchTimeMs = now;
    this.maybeExpandIsr(r);
    if (prevEnd !== r.logEndOffset && this.maybeIncrementLeaderHW(now)) this.deps.onHighWatermarkIncreased?.(this);
    return true;
  }

  /** Kafka `maybeExpandIsr`: a follower at or above the HW and the current epoch's start offset joins the ISR. */
  private maybeExpandIsr(r: ReplicaState): void {
    if (!this.deps.alterPartitionManager) return;
    if (this.state.kind !== 'committed' || this.state.isr.includes(r.brokerId) || !this.deps.isBrokerAlive(r.brokerId)) return;
    if (this.leaderEpochStartOffset === null || r.logEndOffset < this.log.highWatermark || r.logEndOffset < this.leaderEpochStartOffset) return;
    const proposed = [...this.state.isr, r.brokerId];
    if (!this.advanceIsr('isr.expand')) return;
    this.deps.log.info({ topicPartition: this.tp, isr: this.state.isr, replicaId: r.brokerId, logEndOffset: String(r.logEndOffset), highWatermark: String(this.highWatermark) },
      `Expanding ISR of ${this.tp} from ${this.state.isr.join(',')} to ${proposed.join(',')}`);
    this.state = { kind: 'pendingExpand', isr: this.state.isr, newInSyncReplicaId: r.brokerId, proposed };
    this.submitAlterPartition();
  }

  /**
   * Kafka `getOutOfSyncReplicas`: ISR followers not caught up within replica.lag.time.max.ms (a follower that never
   * fetched since this broker led counts as not caught up once its lastCaughtUpTimeMs is that old).
   */
  outOfSyncReplicas(now: number = this.now()): number[] {
    const leo = this.log.logEndOffset;
    return this.state.isr.filter((id) => {
      if (id === this.deps.brokerId) return false;
      const r = this.remotes.get(id);
      return r === undefined || !this.isCaughtUp(r, leo, now);
    });
  }

  /** Kafka `maybeShrinkIsr` (the isr-expiration task): drop the lagging followers. Returns whether a shrink was submitted. */
  maybeShrinkIsr(now: number = this.now()): boolean {
    if (!this.isLeader || this.state.kind !== 'committed' || !this.deps.alterPartitionManager) return false;
    const outOfSync = this.outOfSyncReplicas(now);
    if (outOfSync.length === 0) return false;
    const proposed = this.state.isr.filter((id) => !outOfSync.includes(id));
    if (!this.advanceIsr('isr.shrink')) return false;
    this.deps.log.info({ topicPartition: this.tp, isr: this.state.isr, outOfSync, leaderEndOffset: String(this.log.logEndOffset), highWatermark: String(this.highWatermark) },
      `Shrinking ISR of ${this.tp} from ${this.state.isr.join(',')} to ${proposed.join(',')}: out-of-sync replicas ${outOfSync.join(',')}`);
    this.state = { kind: 'pendingShrink', isr: this.state.isr, outOfSync, proposed };
    this.submitAlterPartition();
    return true;
  }

  private submitAlterPartition(): void {
    const pending = this.state;
    if (pending.kind === 'committed' || !this.deps.alterPartitionManager) return;
    const proposed: LeaderAndIsrState = {
      leader: this.deps.brokerId, leaderEpoch: this.leaderEpoch, isr: [...pending.proposed], partitionEpoch: this.partitionEpoch, leaderRecoveryState: 0,
    };
    const item = { topic: this.topic, topicId: this.topicId, partition: this.partition, proposed };
    this.deps.alterPartitionManager.submit(item).then(
      (result) => this.handleAlterPartitionResult(pending, proposed, result),
      (e: unknown) => this.deps.log.info({ topicPartition: this.tp, err: (e as Error).message }, `ISR change of ${this.tp} abandoned: ${(e as Error).message}`),
    );
  }

  /** Kafka's AlterPartition callback (`handleAlterPartitionUpdate` / `handleAlterPartitionError`). */
  private handleAlterPartitionResult(pending: IsrState, proposed: LeaderAndIsrState, result: AlterPartitionResult): void {
    if (this.state !== pending) return; // LeaderAndIsr (or another change) since: the answer is stale
    if (result.state !== undefined) {
      const s = result.state;
      if (s.leaderEpoch !== this.leaderEpoch || s.partitionEpoch < this.partitionEpoch) {
        this.deps.log.info({ topicPartition: this.tp, answer: s }, `Ignoring the AlterPartition answer for ${this.tp}: leader epoch or partition epoch no longer current`);
        return;
      }
      if (!this.advanceIsr('isr.committed')) return;
      this.state = { kind: 'committed', isr: [...s.isr] };
      this.partitionEpoch = s.partitionEpoch;
      this.deps.log.info({ topicPartition: this.tp, isr: s.isr, partitionEpoch: s.partitionEpoch }, `ISR of ${this.tp} updated to ${s.isr.join(',')} and partition epoch updated to ${s.partitionEpoch}`);
      this.deps.onIsrChanged?.(this);
      if (this.maybeIncrementLeaderHW()) this.deps.onHighWatermarkIncreased?.(this);
      return;
    }
    switch (result.errorCode) {
      case ErrorCode.OPERATION_NOT_ATTEMPTED:
      case ErrorCode.INELIGIBLE_REPLICA:
        this.deps.log.info({ topicPartition: this.tp, errorCode: result.errorCode }, `Failed to alter the ISR of ${this.tp} to ${proposed.isr.join(',')} (error ${result.errorCode}); reverting to the committed ISR`);
        if (this.advanceIsr('isr.reverted')) this.state = { kind: 'committed', isr: pending.isr };
        return;
      case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      case ErrorCode.UNKNOWN_TOPIC_ID:
      case ErrorCode.FENCED_LEADER_EPOCH:
      case ErrorCode.INVALID_UPDATE_VERSION:
      case ErrorCode.INVALID_REQUEST:
      case ErrorCode.NEW_LEADER_ELECTED:
        this.deps.log.info({ topicPartition: this.tp, errorCode: result.errorCode }, `Failed to alter the ISR of ${this.tp} (error ${result.errorCode}); waiting for the controller's LeaderAndIsr`);
        return; // stays pending until the next LeaderAndIsr
      default:
        this.deps.log.warn({ topicPartition: this.tp, errorCode: result.errorCode }, `Failed to alter the ISR of ${this.tp} (error ${result.errorCode}); retrying`);
        setTimeout(() => { if (this.state === pending && this.advanceIsr('isr.retry')) this.submitAlterPartition(); }, 50).unref?.();
    }
  }

  /**
   * Kafka `checkEnoughReplicasReachOffset` (DelayedProduce): done once the HW reached `requiredOffset` — NONE, or
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the maximal ISR fell below the effective min ISR meanwhile; a broker that
   * is no longer leader answers NOT_LEADER_OR_FOLLOWER.
   */
  checkEnoughReplicasReachOffset(requiredOffset: bigint): { done: boolean; errorCode: number } {
    if (!this.isLeader) return { done: true, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    if (this.log.highWatermark < requiredOffset) return { done: false, errorCode: ErrorCode.NONE };
    return { done: true, errorCode: this.effectiveMinIsr() <= this.maximalIsr.length ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND };
  }

  /**
   * Kafka `lastOffsetForLeaderEpoch` (OffsetsForLeaderEpoch, and the diverging-epoch check of follower fetches):
   * the current-leader-epoch check, then the log's `endOffsetFor(leaderEpoch)`.
   */
  lastOffsetForLeaderEpoch(currentLeaderEpoch: number, leaderEpoch: number, fetchOnlyFromLeader: boolean): { errorCode: number; leaderEpoch: number; endOffset: bigint } {
    const epochError = this.checkCurrentLeaderEpoch(currentLeaderEpoch);
    if (epochError !== ErrorCode.NONE) return { errorCode: epochError, leaderEpoch: -1, endOffset: -1n };
    if (fetchOnlyFromLeader && !this.isLeader) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderEpoch: -1, endOffset: -1n };
    const r = this.log.endOffsetForEpoch(leaderEpoch);
    return { errorCode: ErrorCode.NONE, leaderEpoch: r.epoch, endOffset: r.endOffset };
  }
}

/** What a follower's append needs of its log (the Log). */
export interface FollowerAppendLog {
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  appendAsFollower(records: Buffer): bigint | null;
  truncateFullyAndStartAt(offset: bigint): void;
}

/**
 * Kafka's `Partition.appendRecordsToFollowerOrFutureReplica`: the follower's append, except that an empty log
 * (log end = log start) whose first fetched batch starts below its end and ends at or after it — the leader's log
 * start offset fell inside a batch (DeleteRecords), and the follower restarted its log there after
 * OFFSET_OUT_OF_RANGE — starts again at the batch's base offset and appends. Any other error is the caller's.
 */
export function appendRecordsToFollower(log: FollowerAppendLog, records: Buffer, tp: string, logger: Logger): bigint | null {
  try {
    return log.appendAsFollower(records);
  } catch (e) {
    if (!(e instanceof UnexpectedAppendOffsetError)) throw e;
    const end = log.logEndOffset;
    if (end !== log.logStartOffset || e.firstOffset < 0n || e.firstOffset >= end || e.lastOffset < end) throw e;
    logger.info({ topicPartition: tp, firstOffset: String(e.firstOffset), logStartOffset: String(log.logStartOffset) },
      `Unexpected offset in append to ${tp}. First offset ${e.firstOffset} is less than log start offset ${log.logStartOffset}. Since this is the first record to be appended to the follower's log, will start the log from offset ${e.firstOffset}.`);
    log.truncateFullyAndStartAt(e.firstOffset);
    return log.appendAsFollower(records);
  }
}
