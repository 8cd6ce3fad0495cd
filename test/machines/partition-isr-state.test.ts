/**
 * The leader's per-partition ISR state (Kafka's CommittedPartitionState / PendingExpandIsr / PendingShrinkIsr) as
 * pure transitions of the partitionIsrState machine definition: one change in flight, LeaderAndIsr resets from
 * anywhere; and a Partition driven through a shrink moves only along these transitions.
 */
import { describe, expect, it } from 'vitest';
import { advanceIsrState, partitionIsrStateMachine } from '../../src/machines/partition-isr-state.js';
import { MACHINES } from '../../src/commands/machines.js';
import { Partition, type IsrStateEvent, type IsrStateName } from '../../src/services/replication/partition.js';
import { DEFAULT_LOG_CONFIG } from '../../src/services/log/log-config.js';
import { createLogger } from '../../src/logger.js';
import type { AlterPartitionResult } from '../../src/services/replication/alter-partition-types.js';

describe('partition ISR state (pure transitions of the machine definition)', () => {
  it('committed → pendingExpand / pendingShrink → committed; one change at a time; LeaderAndIsr from anywhere', () => {
    expect(partitionIsrStateMachine.config.initial).toBe('committed');
    expect(advanceIsrState('committed', 'isr.expand')).toEqual({ state: 'pendingExpand', valid: true });
    expect(advanceIsrState('committed', 'isr.shrink')).toEqual({ state: 'pendingShrink', valid: true });
    expect(advanceIsrState('pendingExpand', 'isr.committed')).toEqual({ state: 'committed', valid: true });
    expect(advanceIsrState('pendingShrink', 'isr.reverted')).toEqual({ state: 'committed', valid: true });
    expect(advanceIsrState('pendingShrink', 'isr.retry')).toEqual({ state: 'pendingShrink', valid: true });
    // Kafka's isInflight: no second change while one is pending
    expect(advanceIsrState('pendingExpand', 'isr.shrink')).toEqual({ state: 'pendingExpand', valid: false });
    expect(advanceIsrState('pendingShrink', 'isr.expand')).toEqual({ state: 'pendingShrink', valid: false });
    expect(advanceIsrState('committed', 'isr.committed')).toEqual({ state: 'committed', valid: false });
    for (const s of ['committed', 'pendingExpand', 'pendingShrink'] as const) expect(advanceIsrState(s, 'leaderAndIsr')).toEqual({ state: 'committed', valid: true });
    expect(MACHINES.partitionIsrState).toBe(partitionIsrStateMachine); // exported by `rafka machines --export`
  });

  it('a Partition steps only through the machine: a shrink, its answer, and no second change meanwhile', async () => {
    const steps: Array<[IsrStateName, IsrStateEvent, IsrStateName]> = [];
    let now = 1_000_000;
    const submitted: Array<(r: AlterPartitionResult) => void> = [];
    const log = {
      config: { ...DEFAULT_LOG_CONFIG, minInSyncReplicas: 1 }, logStartOffset: 0n, logEndOffset: 0n, highWatermark: 0n,
      updateHighWatermark(hw: bigint) { this.highWatermark = hw; return hw; },
      appendAsLeader() { throw new Error('not used'); },
      endOffsetForEpoch: () => ({ epoch: -1, endOffset: -1n }),
      maybeAssignEpochStartOffset: () => {},
    };
    const p = new Partition('t', 0, null, log, {
      brokerId: 1, replicaLagTimeMaxMs: () => 1000, isBrokerAlive: () => true, log: createLogger('silent'), now: () => now,
      advanceIsrState: (s, e) => { const r = advanceIsrState(s, e); if (r.valid) steps.push([s, e, r.state]); return r; },
      alterPartitionManager: { submit: () => new Promise((resolve) => submitted.push(resolve)) },
    });
    p.makeLeader({ controllerEpoch: 1, leader: 1, leaderEpoch: 1, isr: [1, 2], partitionEpoch: 1, replicas: [1, 2] });
    now += 5_000; // follower 2 never fetched: out of sync
    expect(p.maybeShrinkIsr()).toBe(true);
    expect(p.isrStateName).toBe('pendingShrink');
    expect(p.maybeShrinkIsr()).toBe(false);
    submitted[0]!({ errorCode: 0, state: { leader: 1, leaderEpoch: 1, isr: [1], partitionEpoch: 2, leaderRecoveryState: 0 } });
    await Promise.resolve(); await Promise.resolve();
    expect(p.isrStateName).toBe('committed');
    expect(p.isr).toEqual([1]);
    expect(steps).toEqual([['committed', 'leaderAndIsr', 'committed'], ['committed', 'isr.shrink', 'pendingShrink'], ['pendingShrink', 'isr.committed', 'committed']]);
  });
});
