/**
 * Kafka's ReplicaStateMachine (core/src/main/scala/kafka/controller/ReplicaStateMachine.scala) as an XState machine
 * *definition*: one state name per (partition, replica), advanced with {@link advanceReplicaState} as a pure transition
 * after each reconciliation, never an actor per replica. States and valid previous states are Kafka's:
 *
 *   NonExistentReplica ─create─► NewReplica ─online─► OnlineReplica ⇄ OfflineReplica ─deletionStarted─► ReplicaDeletionStarted
 *        ▲                                                 ▲  (ReplicaDeletionIneligible ─online/offline─┘)      │ succeeded / ineligible
 *        └──────────────removed──── ReplicaDeletionSuccessful ◄──────────────────────────────────────────────────┘
 */
import { setup } from 'xstate';
import { pureTransition } from './pure-transition.js';

export type ReplicaStateName =
  | 'NonExistentReplica' | 'NewReplica' | 'OnlineReplica' | 'OfflineReplica'
  | 'ReplicaDeletionStarted' | 'ReplicaDeletionSuccessful' | 'ReplicaDeletionIneligible';

export type ReplicaStateEvent =
  | { type: 'replica.create' }
  /** Its broker is registered and not shutting down. */
  | { type: 'replica.online' }
  /** Its broker is gone or in controlled shutdown (Kafka removes it from the ISR on this transition). */
  | { type: 'replica.offline' }
  | { type: 'replica.deletionStarted' }
  | { type: 'replica.deletionSucceeded' }
  | { type: 'replica.deletionIneligible' }
  | { type: 'replica.removed' };

export const replicaStateMachine = setup({
  types: {} as { events: ReplicaStateEvent },
}).createMachine({
  id: 'replicaStateMachine',
  initial: 'NonExistentReplica',
  states: {
    NonExistentReplica: { on: { 'replica.create': 'NewReplica' } },
    NewReplica: { on: { 'replica.online': 'OnlineReplica', 'replica.offline': 'OfflineReplica' } },
    OnlineReplica: { on: { 'replica.online': { target: 'OnlineReplica', reenter: true }, 'replica.offline': 'OfflineReplica' } },
    OfflineReplica: {
      on: {
        'replica.online': 'OnlineReplica', 'replica.offline': { target: 'OfflineReplica', reenter: true },
        'replica.deletionStarted': 'ReplicaDeletionStarted', 'replica.deletionIneligible': 'ReplicaDeletionIneligible',
      },
    },
    ReplicaDeletionStarted: { on: { 'replica.deletionSucceeded': 'ReplicaDeletionSuccessful', 'replica.deletionIneligible': 'ReplicaDeletionIneligible' } },
    ReplicaDeletionIneligible: { on: { 'replica.online': 'OnlineReplica', 'replica.offline': 'OfflineReplica' } },
    ReplicaDeletionSuccessful: { on: { 'replica.removed': 'NonExistentReplica' } },
  },
});

/**
 * The state after `event` (pure); `valid` false when the state does not accept it (the state is then unchanged).
 * Memoized per (state, event type) (pure-transition.ts): thousands of replicas per pass cost a map lookup each.
 */
const replicaTransition = pureTransition<ReplicaStateName, ReplicaStateEvent['type']>(replicaStateMachine);
export function advanceReplicaState(state: ReplicaStateName, event: ReplicaStateEvent): { state: ReplicaStateName; valid: boolean } {
  return replicaTransition.advance(state, event.type);
}

/** How many (state, event) answers were computed with XState so far: bounded by the chart, not by the replicas. */
export function replicaTransitionsComputed(): number {
  return replicaTransition.computed();
}

/**
 * The events that take a replica to where the controller's pass left it: `assigned` (still in the assignment),
 * `online` (its broker registered and not shutting down), `deleted` (its topic was deleted in this pass: the
 * replica was told StopReplica(delete)).
 */
export function replicaEventsFor(state: ReplicaStateName, target: { assigned: boolean; online: boolean; deleted: boolean }): ReplicaStateEvent[] {
  if (target.deleted || !target.assigned) {
    if (state === 'NonExistentReplica') return [];
    const pre: ReplicaStateEvent[] = state === 'OfflineReplica' ? [] : state === 'ReplicaDeletionStarted' || state === 'ReplicaDeletionSuccessful' ? [] : [{ type: 'replica.offline' }];
    const start: ReplicaStateEvent[] = state === 'ReplicaDeletionStarted' || state === 'ReplicaDeletionSuccessful' ? [] : [{ type: 'replica.deletionStarted' }];
    const done: ReplicaStateEvent[] = state === 'ReplicaDeletionSuccessful' ? [] : [{ type: 'replica.deletionSucceeded' }];
    return [...pre, ...start, ...done, { type: 'replica.removed' }];
  }
  const events: ReplicaStateEvent[] = state === 'NonExistentReplica' ? [{ type: 'replica.create' }] : [];
  const wanted: ReplicaStateName = target.online ? 'OnlineReplica' : 'OfflineReplica';
  if (state !== wanted || events.length > 0) events.push(target.online ? { type: 'replica.online' } : { type: 'replica.offline' });
  return events;
}
