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
import { setup, getNextSnapshot, type SnapshotFrom } from 'xstate';
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

type Snap = SnapshotFrom<typeof partitionFetchStateMachine>;
const snapshots = new Map<FetchStateName, Snap>();
const snapshotOf = (s: FetchStateName): Snap => {
  let snap = snapshots.get(s);
  if (!snap) snapshots.set(s, (snap = partitionFetchStateMachine.resolveState({ value: s, context: undefined as never })));
  return snap;
};

/**
 * The state after `event` (pure), computed once per (state, event type) with XState's getNextSnapshot and memoized:
 * the events carry no data, so each partition's step is a map lookup. `valid` false: the state refuses the event
 * (it is then unchanged).
 */
const memo = new Map<string, { state: FetchStateName; valid: boolean }>();
export function advanceFetchState(state: FetchStateName, event: PartitionFetchEvent['type']): { state: FetchStateName; valid: boolean } {
  const key = `${state}\u0000${event}`;
  let r = memo.get(key);
  if (!r) {
    const from = snapshotOf(state);
    const e = { type: event } as PartitionFetchEvent;
    r = from.can(e) ? { state: getNextSnapshot(partitionFetchStateMachine, from, e).value as FetchStateName, valid: true } : { state, valid: false };
    memo.set(key, r);
  }
  return r;
}
