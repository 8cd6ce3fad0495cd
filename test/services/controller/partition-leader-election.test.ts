import { describe, it, expect } from 'vitest';
import {
  controlledShutdownPartitionLeaderElection, decidePartitionState, leaderForControlledShutdown, leaderForOffline, offlinePartitionLeaderElection,
  preferredReplicaPartitionLeaderElection, removeReplicasFromIsr, type LeaderAndIsr, type PartitionContext,
} from '../../../src/services/controller/partition-leader-election.js';

const s = (leader: number, isr: number[], leaderEpoch = 3): LeaderAndIsr => ({ leader, leaderEpoch, isr, leaderRecoveryState: 0 });
const ctx = (live: number[], o: Partial<PartitionContext> = {}): PartitionContext => ({
  assignment: [1, 2, 3], live: new Set(live), shuttingDown: new Set(), uncleanEnabled: () => false, leaderRecoverySupported: true, ...o,
});

describe('PartitionLeaderElectionAlgorithms', () => {
  it('offline: first assigned replica online and in the ISR; outside the ISR only when unclean is enabled', () => {
    expect(offlinePartitionLeaderElection([1, 2, 3], [3, 2], new Set([2, 3]), false)).toBe(2);
    expect(offlinePartitionLeaderElection([1, 2, 3], [3], new Set([1, 2]), false)).toBeUndefined();
    expect(offlinePartitionLeaderElection([1, 2, 3], [3], new Set([2, 1]), true)).toBe(1);
    expect(offlinePartitionLeaderElection([1, 2, 3], [3], new Set(), true)).toBeUndefined();
  });
  it('controlled shutdown skips shutting-down brokers; preferred is only the first assigned replica', () => {
    expect(controlledShutdownPartitionLeaderElection([1, 2, 3], [1, 2, 3], new Set([1, 2, 3]), new Set([1]))).toBe(2);
    expect(controlledShutdownPartitionLeaderElection([1, 2], [1], new Set([1, 2]), new Set([1]))).toBeUndefined();
    expect(preferredReplicaPartitionLeaderElection([1, 2], [1, 2], new Set([1, 2]))).toBe(1);
    expect(preferredReplicaPartitionLeaderElection([1, 2], [2], new Set([1, 2]))).toBeUndefined();
  });
});

describe('Election', () => {
  it('leaderForOffline keeps the online ISR, or makes an unclean leader the whole ISR and RECOVERING', () => {
    expect(leaderForOffline(s(1, [1, 2, 3]), [1, 2, 3], new Set([2, 3]), false, true)).toEqual({ state: s(2, [2, 3], 4), unclean: false });
    expect(leaderForOffline(s(1, [1]), [1, 2, 3], new Set([2, 3]), false, true)).toBeNull();
    expect(leaderForOffline(s(1, [1]), [1, 2, 3], new Set([3]), true, true)).toEqual({ state: { leader: 3, leaderEpoch: 4, isr: [3], leaderRecoveryState: 1 }, unclean: true });
    expect(leaderForOffline(s(1, [1]), [1, 2, 3], new Set([3]), true, false)!.state.leaderRecoveryState).toBe(0);
  });
  it('leaderForControlledShutdown drops the shutting-down brokers from the ISR', () => {
    expect(leaderForControlledShutdown(s(1, [1, 2, 3]), [1, 2, 3], new Set([1, 2, 3]), new Set([1, 3]))).toEqual(s(2, [2], 4));
  });
  it('removeReplicasFromIsr: a removed leader leaves -1; the last member stays; no change → null', () => {
    expect(removeReplicasFromIsr(s(1, [1, 2]), [2])).toEqual(s(1, [1], 4));
    expect(removeReplicasFromIsr(s(1, [1]), [1])).toEqual(s(-1, [1], 4));
    expect(removeReplicasFromIsr(s(1, [1, 2]), [3])).toBeNull();
  });
});

describe('decidePartitionState (one reconciliation pass for one partition)', () => {
  it('nothing to do when the leader and ISR are online', () => {
    expect(decidePartitionState(s(1, [1, 2, 3]), ctx([1, 2, 3]))).toEqual({ kind: 'unchanged', offline: false });
  });
  it('leader gone: elects from the live ISR', () => {
    expect(decidePartitionState(s(1, [1, 2, 3]), ctx([2, 3]))).toEqual({ kind: 'write', state: s(2, [2, 3], 4), reason: 'offline-election', offline: false });
  });
  it('leader gone, ISR all gone: leader -1, the old leader kept as the ISR, counted offline; then stable', () => {
    const d = decidePartitionState(s(1, [1, 2]), ctx([3]));
    expect(d).toEqual({ kind: 'write', state: s(-1, [1], 4), reason: 'leader-lost', offline: true });
    expect(decidePartitionState(s(-1, [1], 4), ctx([3]))).toEqual({ kind: 'unchanged', offline: true });
    // The ISR member comes back: it leads.
    expect(decidePartitionState(s(-1, [1], 4), ctx([1, 3]))).toEqual({ kind: 'write', state: s(1, [1], 5), reason: 'offline-election', offline: false });
  });
  it('unclean election only asks for the config when no ISR member is online', () => {
    let asked = 0;
    const unclean = () => { asked++; return true; };
    expect(decidePartitionState(s(1, [1, 2]), ctx([2, 3], { uncleanEnabled: unclean })).kind).toBe('write');
    expect(asked).toBe(0);
    const d = decidePartitionState(s(-1, [1], 4), ctx([3], { uncleanEnabled: unclean }));
    expect(asked).toBe(1);
    expect(d).toEqual({ kind: 'write', state: { leader: 3, leaderEpoch: 5, isr: [3], leaderRecoveryState: 1 }, reason: 'unclean-election', offline: false });
  });
  it('followers gone or shutting down leave the ISR; a shutting-down leader hands over to an online ISR member', () => {
    expect(decidePartitionState(s(1, [1, 2, 3]), ctx([1, 2]))).toEqual({ kind: 'write', state: s(1, [1, 2], 4), reason: 'isr-shrink', offline: false });
    expect(decidePartitionState(s(1, [1, 2, 3]), ctx([1, 2, 3], { shuttingDown: new Set([2]) }))).toEqual({ kind: 'write', state: s(1, [1, 3], 4), reason: 'isr-shrink', offline: false });
    expect(decidePartitionState(s(1, [1, 2, 3]), ctx([1, 2, 3], { shuttingDown: new Set([1]) }))).toEqual({ kind: 'write', state: s(2, [2, 3], 4), reason: 'controlled-shutdown', offline: false });
    // No other ISR member: the shutting-down leader stays (the broker retries, then shuts down anyway).
    expect(decidePartitionState(s(1, [1]), ctx([1, 2, 3], { shuttingDown: new Set([1]) }))).toEqual({ kind: 'unchanged', offline: false });
  });
});
