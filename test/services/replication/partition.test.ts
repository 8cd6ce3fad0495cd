/**
 * The leader's Partition: follower fetch state, high watermark = min LEO of the (maximal) ISR and never backwards,
 * the effective min ISR, ISR expansion / shrink through the AlterPartitionManager seam and the handling of its
 * answers, the DelayedProduce check, KIP-320 epoch checks and OffsetsForLeaderEpoch.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createLogger } from '../../../src/logger.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../src/services/log/log-config.js';
import { Partition, NotEnoughReplicasError, NotLeaderOrFollowerError, type ReplicaLog } from '../../../src/services/replication/partition.js';
import type { AlterPartitionItem, AlterPartitionResult } from '../../../src/services/replication/alter-partition-types.js';
import { DelayedProducePurgatory } from '../../../src/services/replication/delayed-produce.js';
import type { AppendResult } from '../../../src/services/server/broker-context.js';
import { endOffsetForEpoch } from '../../../src/services/log/leader-epoch-cache.js';
import { advanceIsrState } from '../../../src/machines/partition-isr-state.js';

/** A log of offsets only: appends add `n` records; the HW is clamped as the Log clamps it. */
class FakeLog implements ReplicaLog {
  logStartOffset = 0n;
  logEndOffset = 0n;
  highWatermark = 0n;
  epochs: Array<{ epoch: number; startOffset: bigint }> = [];
  constructor(public config: LogConfig = DEFAULT_LOG_CONFIG) {}
  updateHighWatermark(hw: bigint): bigint {
    this.highWatermark = hw < this.logStartOffset ? this.logStartOffset : hw > this.logEndOffset ? this.logEndOffset : hw;
    return this.highWatermark;
  }
  appendAsLeader(records: Buffer, leaderEpoch: number): AppendResult {
    const n = BigInt(records.length);
    const first = this.logEndOffset;
    if (this.epochs.at(-1)?.epoch !== leaderEpoch) this.epochs.push({ epoch: leaderEpoch, startOffset: first });
    this.logEndOffset += n;
    this.highWatermark = this.logEndOffset; // as the Log before the Partition owned the HW: the Partition must undo it
    return { firstOffset: first, lastOffset: this.logEndOffset - 1n, logAppendTime: -1, logStartOffset: this.logStartOffset, recordCount: Number(n) };
  }
  endOffsetForEpoch(epoch: number) { return endOffsetForEpoch(this.epochs, epoch, this.logEndOffset); }
  maybeAssignEpochStartOffset(epoch: number, startOffset: bigint): void {
    if (this.epochs.at(-1)?.epoch !== epoch) this.epochs.push({ epoch, startOffset });
  }
}

const records = (n: number) => Buffer.alloc(n);
const silent = createLogger('silent');

function setup(opts: { isr?: number[]; replicas?: number[]; minIsr?: number; alive?: number[] } = {}) {
  let now = 1_000_000;
  const submitted: Array<{ item: AlterPartitionItem; resolve: (r: AlterPartitionResult) => void }> = [];
  const log = new FakeLog({ ...DEFAULT_LOG_CONFIG, minInSyncReplicas: opts.minIsr ?? 1 });
  const alive = new Set(opts.alive ?? [1, 2, 3]);
  const hwIncreases: bigint[] = [];
  const p = new Partition('t', 0, null, log, {
    brokerId: 1,
    advanceIsrState,
    alterPartitionManager: { submit: (item) => new Promise((resolve) => submitted.push({ item, resolve })) },
    replicaLagTimeMaxMs: () => 10_000,
    isBrokerAlive: (id) => alive.has(id),
    log: silent,
    now: () => now,
    onHighWatermarkIncreased: (x) => hwIncreases.push(x.highWatermark),
  });
  p.makeLeader({ controllerEpoch: 1, leader: 1, leaderEpoch: 5, isr: opts.isr ?? [1, 2, 3], partitionEpoch: 3, replicas: opts.replicas ?? [1, 2, 3] });
  return { p, log, submitted, hwIncreases, alive, advance: (ms: number) => { now += ms; }, get now() { return now; } };
}

describe('Partition (leader)', () => {
  it('high watermark = the smallest log end offset of the ISR, moving forward only', () => {
    const { p, log, hwIncreases } = setup();
    p.appendRecordsToLeader(records(10), 1);
    expect(log.logEndOffset).toBe(10n);
    expect(p.highWatermark).toBe(0n); // followers 2 and 3 have not fetched: their LEO is unknown
    p.updateFollowerFetchState(2, 10n, 0n, 10n);
    expect(p.highWatermark).toBe(0n);
    p.updateFollowerFetchState(3, 4n, 0n, 10n);
    expect(p.highWatermark).toBe(4n);
    p.updateFollowerFetchState(3, 10n, 0n, 10n);
    expect(p.highWatermark).toBe(10n);
    // a follower fetching from an older offset (it restarted and truncated) never moves the HW back
    p.updateFollowerFetchState(3, 6n, 0n, 10n);
    expect(p.highWatermark).toBe(10n);
    expect(hwIncreases).toEqual([4n, 10n]);
  });

  it('a single-replica ISR moves the HW with each append (RF=1 as before)', () => {
    const { p } = setup({ isr: [1], replicas: [1] });
    p.appendRecordsToLeader(records(3), 1);
    expect(p.highWatermark).toBe(3n);
  });

  it('acks=-1 below the effective min ISR: NOT_ENOUGH_REPLICAS before the append; min.insync.replicas is capped at the replica count', () => {
    const { p, log } = setup({ isr: [1], replicas: [1, 2, 3], minIsr: 2 });
    expect(() => p.appendRecordsToLeader(records(1), -1)).toThrow(NotEnoughReplicasError);
    expect(log.logEndOffset).toBe(0n);
    p.appendRecordsToLeader(records(1), 1); // acks=1 ignores min ISR
    expect(log.logEndOffset).toBe(1n);
    expect(p.highWatermark).toBe(0n); // Kafka 3.7: no HW advance while under min ISR
    const single = setup({ isr: [1], replicas: [1], minIsr: 3 });
    expect(single.p.effectiveMinIsr()).toBe(1);
    single.p.appendRecordsToLeader(records(1), -1);
  });

  it('checkEnoughReplicasReachOffset: waits for the HW; NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min ISR; NOT_LEADER_OR_FOLLOWER after losing leadership', async () => {
    const { p, submitted, advance } = setup({ minIsr: 2 });
    p.appendRecordsToLeader(records(5), -1);
    expect(p.checkEnoughReplicasReachOffset(5n)).toEqual({ done: false, errorCode: 0 });
    p.updateFollowerFetchState(2, 5n, 0n, 5n);
    p.updateFollowerFetchState(3, 5n, 0n, 5n);
    expect(p.checkEnoughReplicasReachOffset(5n)).toEqual({ done: true, errorCode: 0 });
    // followers 2 and 3 stop fetching: after replica.lag.time.max.ms the ISR shrinks to [1]
    p.appendRecordsToLeader(records(2), -1);
    advance(10_001);
    expect(p.maybeShrinkIsr()).toBe(true);
    expect(submitted.at(-1)!.item.proposed).toMatchObject({ leader: 1, leaderEpoch: 5, isr: [1], partitionEpoch: 3 });
    submitted.at(-1)!.resolve({ errorCode: 0, state: { leader: 1, leaderEpoch: 5, isr: [1], partitionEpoch: 4, leaderRecoveryState: 0 } });
    await Promise.resolve(); await Promise.resolve();
    expect(p.isr).toEqual([1]);
    expect(p.partitionEpoch).toBe(4);
    // under min ISR the HW stays; were it reached, the answer would be NOT_ENOUGH_REPLICAS_AFTER_APPEND
    expect(p.highWatermark).toBe(5n);
    expect(p.checkEnoughReplicasReachOffset(5n)).toEqual({ done: true, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND });
    p.makeFollower({ controllerEpoch: 1, leader: 2, leaderEpoch: 6, isr: [2], partitionEpoch: 5, replicas: [1, 2, 3] });
    expect(p.checkEnoughReplicasReachOffset(7n)).toEqual({ done: true, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    expect(() => p.appendRecordsToLeader(records(1), 1)).toThrow(NotLeaderOrFollowerError);
  });

  it('expands the ISR when a follower reaches the HW and the leader epoch start offset; the maximal ISR holds the HW meanwhile', async () => {
    const { p, submitted } = setup({ isr: [1, 2], replicas: [1, 2, 3] });
    p.appendRecordsToLeader(records(4), 1);
    p.updateFollowerFetchState(2, 4n, 0n, 4n);
    expect(p.highWatermark).toBe(4n);
    p.updateFollowerFetchState(3, 2n, 0n, 4n); // behind the HW: not yet
    expect(submitted).toHaveLength(0);
    p.updateFollowerFetchState(3, 4n, 0n, 4n);
    expect(submitted).toHaveLength(1);
    expect(submitted[0]!.item.proposed.isr).toEqual([1, 2, 3]);
    expect(p.isIsrChangeInFlight).toBe(true);
    expect(p.isrStateName).toBe('pendingExpand');
    expect(p.maximalIsr).toEqual([1, 2, 3]);
    // one change at a time: no shrink is proposed while the expand is pending
    expect(p.maybeShrinkIsr()).toBe(false);
    p.appendRecordsToLeader(records(2), 1);
    p.updateFollowerFetchState(2, 6n, 0n, 6n);
    expect(p.highWatermark).toBe(4n); // waits for 3, already counted in the maximal ISR
    submitted[0]!.resolve({ errorCode: 0, state: { leader: 1, leaderEpoch: 5, isr: [1, 2, 3], partitionEpoch: 4, leaderRecoveryState: 0 } });
    await Promise.resolve(); await Promise.resolve();
    expect(p.isr).toEqual([1, 2, 3]);
    expect(p.isIsrChangeInFlight).toBe(false);
    expect(p.isrStateName).toBe('committed');
  });

  it('AlterPartition errors: OPERATION_NOT_ATTEMPTED reverts, INVALID_UPDATE_VERSION waits for LeaderAndIsr, other errors resubmit; a stale answer is ignored', async () => {
    const { p, submitted } = setup({ isr: [1, 2], replicas: [1, 2, 3] });
    p.updateFollowerFetchState(3, 0n, 0n, 0n);
    submitted[0]!.resolve({ errorCode: ErrorCode.OPERATION_NOT_ATTEMPTED });
    await Promise.resolve(); await Promise.resolve();
    expect(p.isIsrChangeInFlight).toBe(false);
    expect(p.isr).toEqual([1, 2]);
    p.updateFollowerFetchState(3, 0n, 0n, 0n);
    submitted[1]!.resolve({ errorCode: ErrorCode.INVALID_UPDATE_VERSION });
    await Promise.resolve(); await Promise.resolve();
    expect(p.isIsrChangeInFlight).toBe(true);
    expect(submitted).toHaveLength(2);
    // LeaderAndIsr ends the pending state; an answer arriving after it is ignored
    p.makeLeader({ controllerEpoch: 1, leader: 1, leaderEpoch: 6, isr: [1, 2], partitionEpoch: 5, replicas: [1, 2, 3] });
    expect(p.isIsrChangeInFlight).toBe(false);
    p.updateFollowerFetchState(3, 0n, 0n, 0n);
    const third = submitted[2]!;
    third.resolve({ errorCode: ErrorCode.NETWORK_EXCEPTION });
    for (const deadline = Date.now() + 10_000; submitted.length < 4 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 10));
    expect(submitted).toHaveLength(4); // resubmitted after the back-off
    expect(submitted[3]!.item.proposed).toMatchObject({ isr: [1, 2, 3], leaderEpoch: 6, partitionEpoch: 5 });
    submitted[3]!.resolve({ errorCode: 0, state: { leader: 1, leaderEpoch: 5, isr: [1, 2, 3], partitionEpoch: 9, leaderRecoveryState: 0 } });
    await Promise.resolve(); await Promise.resolve();
    expect(p.isr).toEqual([1, 2]); // answer for an older leader epoch: ignored
  });

  it('a follower whose broker is not alive does not join the ISR; makeLeader with an older partition epoch is skipped', () => {
    const { p, submitted, alive } = setup({ isr: [1, 2], replicas: [1, 2, 3] });
    alive.delete(3);
    p.updateFollowerFetchState(3, 0n, 0n, 0n);
    expect(submitted).toHaveLength(0);
    expect(p.makeLeader({ controllerEpoch: 1, leader: 1, leaderEpoch: 7, isr: [1], partitionEpoch: 2, replicas: [1, 2, 3] })).toBe(false);
    expect(p.leaderEpoch).toBe(5);
    expect(p.updateFollowerFetchState(9, 0n, 0n, 0n)).toBe(false);
  });

  it('lastCaughtUpTimeMs follows Replica.updateFetchStateOrThrow: a follower behind but fetching past the previous leader end stays caught up', () => {
    const { p, advance } = setup({ isr: [1, 2], replicas: [1, 2] });
    p.appendRecordsToLeader(records(10), 1);
    p.updateFollowerFetchState(2, 10n, 0n, 10n); // caught up now
    for (let i = 0; i < 5; i++) {
      advance(4_000);
      p.appendRecordsToLeader(records(10), 1);
      // always one fetch behind, but at the leader's end of the previous fetch: in sync
      p.updateFollowerFetchState(2, p.followerState(2)!.lastFetchLeaderLogEndOffset, 0n, p.log.logEndOffset);
    }
    expect(p.outOfSyncReplicas()).toEqual([]);
    advance(10_001);
    expect(p.outOfSyncReplicas()).toEqual([2]);
  });

  it('KIP-320 current leader epoch checks and OffsetsForLeaderEpoch from the epoch cache', () => {
    const { p, log } = setup({ isr: [1], replicas: [1] });
    log.epochs = [{ epoch: 2, startOffset: 0n }, { epoch: 4, startOffset: 10n }, { epoch: 5, startOffset: 20n }];
    log.logEndOffset = 25n;
    expect(p.checkCurrentLeaderEpoch(-1)).toBe(0);
    expect(p.checkCurrentLeaderEpoch(4)).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(p.checkCurrentLeaderEpoch(6)).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect(p.lastOffsetForLeaderEpoch(5, 5, true)).toEqual({ errorCode: 0, leaderEpoch: 5, endOffset: 25n });
    expect(p.lastOffsetForLeaderEpoch(-1, 3, true)).toEqual({ errorCode: 0, leaderEpoch: 2, endOffset: 10n });
    expect(p.lastOffsetForLeaderEpoch(-1, 1, true)).toEqual({ errorCode: 0, leaderEpoch: 1, endOffset: 0n });
    expect(p.lastOffsetForLeaderEpoch(-1, 9, true)).toEqual({ errorCode: 0, leaderEpoch: -1, endOffset: -1n });
    expect(p.lastOffsetForLeaderEpoch(3, 5, true).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    p.makeFollower({ controllerEpoch: 1, leader: 2, leaderEpoch: 6, isr: [2], partitionEpoch: 9, replicas: [1, 2] });
    expect(p.lastOffsetForLeaderEpoch(6, 5, true).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(p.lastOffsetForLeaderEpoch(6, 5, false).errorCode).toBe(0);
  });
});

describe('DelayedProducePurgatory', () => {
  it('answers when every partition is done, REQUEST_TIMED_OUT for the ones still pending at the timeout', async () => {
    const { p } = setup({ isr: [1, 2], replicas: [1, 2] });
    const purgatory = new DelayedProducePurgatory((_k, off) => p.checkEnoughReplicasReachOffset(off));
    p.appendRecordsToLeader(records(3), -1);
    const waiting = purgatory.tryCompleteElseWatch([{ key: 't-0', requiredOffset: 3n }], 5_000);
    expect(purgatory.size).toBe(1);
    p.updateFollowerFetchState(2, 3n, 0n, 3n);
    purgatory.checkAndComplete('t-0');
    expect(await waiting).toEqual([0]);
    expect(purgatory.size).toBe(0);
    p.appendRecordsToLeader(records(1), -1);
    const timedOut = await purgatory.tryCompleteElseWatch([{ key: 't-0', requiredOffset: 4n }, { key: 'x', requiredOffset: 0n }], 20);
    expect(timedOut).toEqual([ErrorCode.REQUEST_TIMED_OUT, 0]);
  });
});
