/**
 * The follower's state of one partition in a fetcher (Kafka's `PartitionFetchState.state`: Truncating / Fetching,
 * and a partition marked failed after FENCED_LEADER_EPOCH until the next LeaderAndIsr) as an XState machine
 * *definition*. A fetcher holds thousands of partitions, so there is no actor per partition: the fetcher keeps a
 * state name per partition and advances it with {@link advanceFetchState}, a memoized pure transition of this
 * machine (handed to the service by the ReplicaFetcherManager, since services do not import machines).
 *
 *   truncating ──truncation.completed──► fetching ──truncation.needed──► truncating
 *        └──────────────fenced───────────────┴──────────fenced─────────► failed
 *
 * `truncation.needed` from fetching: an unfinished truncation below IBP 2.7 (OffsetsForLeaderEpoch asked again);
 * `truncation.completed` in fetching: a diverging epoch or OFFSET_OUT_OF_RANGE handled while fetching.
 */
import { setup } from 'xstate';
import { pureTransition } from './pure-transition.js';
import type { FetchStateName } from '../services/replication/replica-fetcher-thread.js';

export type PartitionFetchEvent = { type: 'truncation.completed' } | { type: 'truncation.needed' } | { type: 'fenced' };

export const partitionFetchStateMachine = setup({
  types: {} as { events: PartitionFetchEvent },
}).createMachine({
  id: 'partitionFetchState',
  initial: 'truncating',
  states: {
    truncating: { on: { 'truncation.completed': 'fetching', 'truncation.needed': { target: 'truncating', reenter: true }, fenced: 'failed' } },
    fetching: { on: { 'truncation.needed': 'truncating', 'truncation.completed': { target: 'fetching', reenter: true }, fenced: 'failed' } },
    failed: { type: 'final' },
  },
});

/** The state after `event` (pure, memoized: see pure-transition.ts); `valid` false: the state refuses the event. */
const fetchTransition = pureTransition<FetchStateName, PartitionFetchEvent['type']>(partitionFetchStateMachine);
export function advanceFetchState(state: FetchStateName, event: PartitionFetchEvent['type']): { state: FetchStateName; valid: boolean } {
  return fetchTransition.advance(state, event);
}
