/**
 * Kafka's PartitionStateMachine (core/src/main/scala/kafka/controller/PartitionStateMachine.scala) as an XState
 * machine *definition*: the controller keeps one state name per partition and advances it with
 * {@link advancePartitionState} — a pure transition, no actor per partition — after each reconciliation. States and
 * their valid previous states are Kafka's:
 *
 *   NonExistentPartition ──create──► NewPartition ──leaderElected──► OnlinePartition ◄──leaderElected──┐
 *          ▲                            │ leaderLost                   │ leaderLost                  │
 *          └────────delete────── OfflinePartition ◄────────────────────┘─────────────────────────────┘
 *
 * An event a state does not accept leaves it unchanged and is reported (Kafka's "Invalid partition state transition").
 * Differs from Kafka: the transitions record what a level-triggered pass decided (partition-leader-election.ts), not
 * the commands that make it so.
 */
import { setup } from 'xstate';
import { pureTransition } from './pure-transition.js';

export type PartitionStateName = 'NonExistentPartition' | 'NewPartition' | 'OnlinePartition' | 'OfflinePartition';

export type PartitionStateEvent =
  | { type: 'partition.create' }
  /** A leader was elected (initial election, offline election, controlled shutdown, preferred election). */
  | { type: 'partition.leaderElected' }
  /** No live leader (leader -1 or the leader's broker gone). */
  | { type: 'partition.leaderLost' }
  /** The topic was deleted. */
  | { type: 'partition.delete' };

export const partitionStateMachine = setup({
  types: {} as { events: PartitionStateEvent },
}).createMachine({
  id: 'partitionStateMachine',
  initial: 'NonExistentPartition',
  states: {
    NonExistentPartition: { on: { 'partition.create': 'NewPartition' } },
    NewPartition: { on: { 'partition.leaderElected': 'OnlinePartition', 'partition.leaderLost': 'OfflinePartition' } },
    OnlinePartition: { on: { 'partition.leaderElected': { target: 'OnlinePartition', reenter: true }, 'partition.leaderLost': 'OfflinePartition' } },
    OfflinePartition: { on: { 'partition.leaderElected': 'OnlinePartition', 'partition.leaderLost': { target: 'OfflinePartition', reenter: true }, 'partition.delete': 'NonExistentPartition' } },
  },
});

/**
 * The state after `event` (pure); `valid` false when the state does not accept it (the state is then unchanged).
 * Memoized per (state, event type) (pure-transition.ts): thousands of partitions per pass cost a map lookup each.
 */
const partitionTransition = pureTransition<PartitionStateName, PartitionStateEvent['type']>(partitionStateMachine);
export function advancePartitionState(state: PartitionStateName, event: PartitionStateEvent): { state: PartitionStateName; valid: boolean } {
  return partitionTransition.advance(state, event.type);
}

/** How many (state, event) answers were computed with XState so far: bounded by the chart, not by the partitions. */
export function partitionTransitionsComputed(): number {
  return partitionTransition.computed();
}

/**
 * Drives a partition to where the controller's pass left it: `exists` (it has state in ZooKeeper) and `hasLeader`.
 * Returns the events applied in order (NonExistent → New → Online, Online → Offline, Offline → NonExistent on delete).
 */
export function partitionEventsFor(state: PartitionStateName, target: { exists: boolean; hasLeader: boolean }): PartitionStateEvent[] {
  if (!target.exists) {
    if (state === 'NonExistentPartition') return [];
    return state === 'OfflinePartition' ? [{ type: 'partition.delete' }] : [{ type: 'partition.leaderLost' }, { type: 'partition.delete' }];
  }
  const events: PartitionStateEvent[] = state === 'NonExistentPartition' ? [{ type: 'partition.create' }] : [];
  const next = target.hasLeader ? 'OnlinePartition' : 'OfflinePartition';
  if (state !== next) events.push(target.hasLeader ? { type: 'partition.leaderElected' } : { type: 'partition.leaderLost' });
  return events;
}
