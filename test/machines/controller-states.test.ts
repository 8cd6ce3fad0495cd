import { describe, it, expect } from 'vitest';
import { advancePartitionState, partitionEventsFor, partitionTransitionsComputed } from '../../src/machines/partition-state-machine.js';
import { advanceReplicaState, replicaEventsFor, replicaTransitionsComputed } from '../../src/machines/replica-state-machine.js';
import { applyReconcileResult, countStates, EMPTY_CONTROLLER_STATES } from '../../src/machines/controller-states.js';
import type { ReconcileResult } from '../../src/services/controller/controller-reconcile.js';

describe('PartitionStateMachine (pure transitions, Kafka\'s valid previous states)', () => {
  it('accepts Kafka\'s transitions and refuses the others', () => {
    expect(advancePartitionState('NonExistentPartition', { type: 'partition.create' })).toEqual({ state: 'NewPartition', valid: true });
    expect(advancePartitionState('NewPartition', { type: 'partition.leaderElected' })).toEqual({ state: 'OnlinePartition', valid: true });
    expect(advancePartitionState('OnlinePartition', { type: 'partition.leaderElected' })).toEqual({ state: 'OnlinePartition', valid: true });
    expect(advancePartitionState('OnlinePartition', { type: 'partition.leaderLost' })).toEqual({ state: 'OfflinePartition', valid: true });
    expect(advancePartitionState('OfflinePartition', { type: 'partition.delete' })).toEqual({ state: 'NonExistentPartition', valid: true });
    // NonExistent only from Offline; Online not from NonExistent.
    expect(advancePartitionState('OnlinePartition', { type: 'partition.delete' })).toEqual({ state: 'OnlinePartition', valid: false });
    expect(advancePartitionState('NonExistentPartition', { type: 'partition.leaderElected' })).toEqual({ state: 'NonExistentPartition', valid: false });
  });
  it('partitionEventsFor drives any state to the target by valid steps', () => {
    expect(partitionEventsFor('NonExistentPartition', { exists: true, hasLeader: true }).map((e) => e.type)).toEqual(['partition.create', 'partition.leaderElected']);
    expect(partitionEventsFor('OnlinePartition', { exists: false, hasLeader: false }).map((e) => e.type)).toEqual(['partition.leaderLost', 'partition.delete']);
    expect(partitionEventsFor('OnlinePartition', { exists: true, hasLeader: true })).toEqual([]);
  });
});

describe('ReplicaStateMachine', () => {
  it('accepts Kafka\'s transitions and refuses the others', () => {
    expect(advanceReplicaState('NonExistentReplica', { type: 'replica.create' }).state).toBe('NewReplica');
    expect(advanceReplicaState('OnlineReplica', { type: 'replica.offline' }).state).toBe('OfflineReplica');
    expect(advanceReplicaState('OfflineReplica', { type: 'replica.deletionStarted' }).state).toBe('ReplicaDeletionStarted');
    expect(advanceReplicaState('ReplicaDeletionStarted', { type: 'replica.deletionSucceeded' }).state).toBe('ReplicaDeletionSuccessful');
    expect(advanceReplicaState('ReplicaDeletionSuccessful', { type: 'replica.removed' }).state).toBe('NonExistentReplica');
    expect(advanceReplicaState('OnlineReplica', { type: 'replica.deletionStarted' })).toEqual({ state: 'OnlineReplica', valid: false });
    expect(advanceReplicaState('NewReplica', { type: 'replica.removed' })).toEqual({ state: 'NewReplica', valid: false });
  });
  it('replicaEventsFor: online/offline, and deletion through Offline → Started → Successful → NonExistent', () => {
    let s = 'OnlineReplica' as Parameters<typeof advanceReplicaState>[0];
    for (const e of replicaEventsFor(s, { assigned: false, online: false, deleted: true })) { const r = advanceReplicaState(s, e); expect(r.valid).toBe(true); s = r.state; }
    expect(s).toBe('NonExistentReplica');
  });
});

const result = (brokers: number[], parts: Array<{ p: number; leader: number; replicas: number[] }>, shuttingDown: number[] = []): ReconcileResult => ({
  metadata: { controllerId: 1, controllerEpoch: 1, brokers: brokers.map((id) => ({ id, endpoints: [], rack: null, jmxPort: -1, timestamp: 0, features: {} })),
    topics: parts.length === 0 ? [] : [{ name: 't', topicId: null, partitions: parts.map((x) => ({ partition: x.p, leader: x.leader, leaderEpoch: 0, controllerEpoch: 1, isr: [], replicas: x.replicas, offlineReplicas: [], partitionEpoch: 0 })) }] },
  deletedTopics: [], deletions: [], deletionsPending: [], brokerEpochs: new Map(), offlinePartitions: [], shuttingDown,
});

describe('applyReconcileResult (the controller\'s states after each pass)', () => {
  it('tracks partitions online/offline and replicas online/offline/deleted with no invalid transition', () => {
    let s = applyReconcileResult(EMPTY_CONTROLLER_STATES, result([1, 2], [{ p: 0, leader: 1, replicas: [1, 2] }, { p: 1, leader: 2, replicas: [2, 1] }]));
    expect(countStates(s)).toEqual({ partitions: { OnlinePartition: 2 }, replicas: { OnlineReplica: 4 } });
    // Broker 2 dies: partition 1 leaderless; broker 2's replicas offline.
    s = applyReconcileResult(s, result([1], [{ p: 0, leader: 1, replicas: [1, 2] }, { p: 1, leader: -1, replicas: [2, 1] }]));
    expect(s.partitions.get('t-1')).toBe('OfflinePartition');
    expect(s.replicas.get('t-0:2')).toBe('OfflineReplica');
    expect(countStates(s)).toEqual({ partitions: { OnlinePartition: 1, OfflinePartition: 1 }, replicas: { OnlineReplica: 2, OfflineReplica: 2 } });
    // Broker 1 in controlled shutdown: its replicas are offline, partitions keep their leaders.
    s = applyReconcileResult(s, result([1, 2], [{ p: 0, leader: 2, replicas: [1, 2] }, { p: 1, leader: 2, replicas: [2, 1] }], [1]));
    expect(countStates(s).replicas).toEqual({ OnlineReplica: 2, OfflineReplica: 2 });
    // Topic deleted: everything gone.
    s = applyReconcileResult(s, result([1, 2], []));
    expect(s.partitions.size).toBe(0);
    expect(s.replicas.size).toBe(0);
    expect(s.invalidTransitions).toBe(0);
  });
  it('advances 10,000 partitions × 3 replicas twice computing each (state, event) answer once (memoized: unmemoized it took 8.5 s)', () => {
    const parts = Array.from({ length: 10_000 }, (_, p) => ({ p, leader: (p % 3) + 1, replicas: [1, 2, 3] }));
    let s = applyReconcileResult(EMPTY_CONTROLLER_STATES, result([1, 2, 3], parts));
    s = applyReconcileResult(s, result([1, 2], parts.map((x) => ({ ...x, leader: x.leader === 3 ? 1 : x.leader }))));
    expect(countStates(s).replicas.OfflineReplica).toBe(10_000);
    expect(countStates(s).replicas.OnlineReplica).toBe(20_000);
    // 40,000 replica and 20,000 partition transitions, but only as many XState evaluations as the charts have answers.
    // (Kafka's charts: 4 partition states × 5 events, 7 replica states × 8 events; 64 bounds both.)
    expect(partitionTransitionsComputed()).toBeLessThanOrEqual(64);
    expect(replicaTransitionsComputed()).toBeLessThanOrEqual(64);
  });

});
