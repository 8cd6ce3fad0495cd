/**
 * One partition's state in the `-future` replica mover (Kafka's ReplicaAlterLogDirsThread: the PartitionFetchState
 * of a future replica — Truncating / Fetching — and the swap, `maybeReplaceCurrentWithFutureReplica`, that ends
 * it) as an XState machine *definition*. A broker may move thousands of partitions between log dirs, so there is no
 * actor per partition: the mover (services/server/replica-alter-log-dirs-manager.ts) keeps a state name per
 * partition and advances it with {@link advanceMoveState}, a memoized pure transition of this machine, handed to it
 * by the majordomo through the ReplicaManager (services do not import machines).
 *
 *   truncating ──truncation.completed──► copying ──caught.up──► swapped (final: the future log is the current one)
 *        ▲                                  │
 *        └─────────truncation.needed────────┘        failed (final): an error moving it; the `-future` log stays,
 *                                                      the next LeaderAndIsr or restart resumes the move
 *
 * truncating: the future log is cut back to where it agrees with the current log (leader epochs, or the current
 * log's start moved past the copy); copying: rounds of up to replica.fetch.max.bytes copied from the current log;
 * caught.up: both logs end at the same offset in one event-loop turn, and the host swapped them.
 * Differs from Kafka: no Delayed state per partition (the alterLogDirs throttle holds the whole mover thread back,
 * as in Kafka, where every moving partition is throttled).
 */
import { setup } from 'xstate';
import { pureTransition } from './pure-transition.js';
import type { MoveEvent, MoveStateName } from '../services/server/replica-alter-log-dirs-manager.js';

export const replicaAlterLogDirsStateMachine = setup({
  types: {} as { events: { type: MoveEvent } },
}).createMachine({
  id: 'replicaAlterLogDirsState',
  initial: 'truncating',
  states: {
    truncating: { on: { 'truncation.completed': 'copying', failed: 'failed' } },
    copying: { on: { 'truncation.needed': 'truncating', 'caught.up': 'swapped', failed: 'failed' } },
    swapped: { type: 'final' },
    failed: { type: 'final' },
  },
});

/** The state after `event` (pure, memoized: see pure-transition.ts); `valid` false: the state refuses the event. */
const moveTransition = pureTransition<MoveStateName, MoveEvent>(replicaAlterLogDirsStateMachine);
export function advanceMoveState(state: MoveStateName, event: MoveEvent): { state: MoveStateName; valid: boolean } {
  return moveTransition.advance(state, event);
}
