/**
 * One XState machine definition advanced as pure, memoized transitions — for state that thousands of entities share
 * (the controller's PartitionStateMachine and ReplicaStateMachine, each leader's ISR change, each fetched partition,
 * each log-dir move, each transactional id) instead of one actor each. The machines' events carry no data, so the
 * answer for a (state, event type) pair is computed once with XState's getNextSnapshot and is then a map lookup: no
 * allocation per step. `valid` false: the state refuses the event (it is then unchanged). The definitions stay
 * ordinary machines, exported by `rafka machines --export` and drawn by the viewer.
 */
import { getNextSnapshot, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';

export interface PureTransition<S extends string, T extends string> {
  /** The state after an event of type `type` from `state` (pure, memoized). */
  advance(state: S, type: T): { state: S; valid: boolean };
  /** How many (state, event) answers were computed with XState so far: bounded by the chart, not by the entities. */
  computed(): number;
}

export function pureTransition<S extends string, T extends string>(machine: AnyStateMachine): PureTransition<S, T> {
  const snapshots = new Map<S, AnyMachineSnapshot>();
  const memo = new Map<string, { state: S; valid: boolean }>();
  return {
    advance(state, type) {
      const key = `${state}\u0000${type}`;
      let r = memo.get(key);
      if (!r) {
        let from = snapshots.get(state);
        if (!from) snapshots.set(state, (from = machine.resolveState({ value: state, context: undefined as never })));
        const event = { type };
        r = from.can(event) ? { state: getNextSnapshot(machine, from, event).value as S, valid: true } : { state, valid: false };
        memo.set(key, r);
      }
      return r;
    },
    computed: () => memo.size,
  };
}
