/**
 * Kafka's ControllerContext partition and replica states: one PartitionStateMachine state per partition and one
 * ReplicaStateMachine state per replica, advanced by pure transitions (partition-state-machine.ts,
 * replica-state-machine.ts) from what each reconciliation decided. The controller machine keeps the result in its
 * context; the counts are what Kafka reports as OfflinePartitionsCount and the replica state gauges.
 */
import type { ReconcileResult } from '../services/controller/controller-reconcile.js';
import { advancePartitionState, partitionEventsFor, type PartitionStateName } from './partition-state-machine.js';
import { advanceReplicaState, replicaEventsFor, type ReplicaStateName } from './replica-state-machine.js';

export interface ControllerStates {
  /** "topic-partition" → state. */
  partitions: ReadonlyMap<string, PartitionStateName>;
  /** "topic-partition:replica" → state. */
  replicas: ReadonlyMap<string, ReplicaStateName>;
  /** Events a state refused (Kafka's "Invalid ... state transition"): should stay 0. */
  invalidTransitions: number;
}

export const EMPTY_CONTROLLER_STATES: ControllerStates = { partitions: new Map(), replicas: new Map(), invalidTransitions: 0 };

export interface StateCounts { partitions: Partial<Record<PartitionStateName, number>>; replicas: Partial<Record<ReplicaStateName, number>> }

/** Advances every partition and replica to where `result` left it; deleted topics' partitions end NonExistent and are dropped. */
export function applyReconcileResult(prev: ControllerStates, result: ReconcileResult): ControllerStates {
  const partitions = new Map<string, PartitionStateName>();
  const replicas = new Map<string, ReplicaStateName>();
  let invalid = prev.invalidTransitions;
  const live = new Set(result.metadata.brokers.map((b) => b.id));
  const shuttingDown = new Set(result.shuttingDown);
  const seenParts = new Set<string>();
  const seenReplicas = new Set<string>();
  for (const t of result.metadata.topics) {
    for (const p of t.partitions) {
      const key = `${t.name}-${p.partition}`;
      seenParts.add(key);
      let ps = prev.partitions.get(key) ?? 'NonExistentPartition';
      for (const e of partitionEventsFor(ps, { exists: true, hasLeader: p.leader >= 0 && live.has(p.leader) })) {
        const r = advancePartitionState(ps, e); ps = r.state; if (!r.valid) invalid++;
      }
      partitions.set(key, ps);
      for (const replica of p.replicas) {
        const rk = `${key}:${replica}`;
        seenReplicas.add(rk);
        let rs = prev.replicas.get(rk) ?? 'NonExistentReplica';
        for (const e of replicaEventsFor(rs, { assigned: true, online: live.has(replica) && !shuttingDown.has(replica), deleted: false })) {
          const r = advanceReplicaState(rs, e); rs = r.state; if (!r.valid) invalid++;
        }
        replicas.set(rk, rs);
      }
    }
  }
  // Gone from the metadata (deleted, or waiting for deletion): Offline → NonExistent, replicas through deletion.
  for (const [key, state] of prev.partitions) {
    if (seenParts.has(key)) continue;
    let ps = state;
    for (const e of partitionEventsFor(ps, { exists: false, hasLeader: false })) { const r = advancePartitionState(ps, e); ps = r.state; if (!r.valid) invalid++; }
  }
  for (const [rk, state] of prev.replicas) {
    if (seenReplicas.has(rk)) continue;
    let rs = state;
    for (const e of replicaEventsFor(rs, { assigned: false, online: false, deleted: true })) { const r = advanceReplicaState(rs, e); rs = r.state; if (!r.valid) invalid++; }
  }
  return { partitions, replicas, invalidTransitions: invalid };
}

export function countStates(s: ControllerStates): StateCounts {
  const partitions: StateCounts['partitions'] = {};
  const replicas: StateCounts['replicas'] = {};
  for (const v of s.partitions.values()) partitions[v] = (partitions[v] ?? 0) + 1;
  for (const v of s.replicas.values()) replicas[v] = (replicas[v] ?? 0) + 1;
  return { partitions, replicas };
}
