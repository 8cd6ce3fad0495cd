/**
 * Kafka's per-transactional-id `TransactionState` (core/.../transaction/TransactionMetadata.scala) as an XState
 * machine *definition*: the TransactionCoordinator keeps one state name per transactional id (thousands of idle ids
 * cost one small object each, no actor) and advances it with {@link advanceTxnState}, a pure transition. The legal
 * transitions are exactly Kafka's `validPreviousStates`:
 *
 *   Empty ◄──initProducerId── Empty | CompleteCommit | CompleteAbort
 *   Ongoing ◄──addPartitions── Ongoing | Empty | CompleteCommit | CompleteAbort
 *   PrepareCommit ◄──endTxn(commit)── Ongoing          CompleteCommit ◄──markers written── PrepareCommit
 *   PrepareAbort ◄──endTxn(abort)── Ongoing | PrepareEpochFence      CompleteAbort ◄──markers written── PrepareAbort
 *   PrepareEpochFence ◄──fence (InitProducerId / timeout during Ongoing)── Ongoing
 *   Dead ◄──expire── Empty | CompleteCommit | CompleteAbort
 *
 * An event the state does not accept is rejected (`valid: false`): the coordinator answers with an error and the
 * state is unchanged (Kafka throws IllegalStateException in prepareTransitionTo). The machine names the *target*
 * in each event, as Kafka's prepareTransitionTo(newState) does.
 */
import { setup } from 'xstate';
import { pureTransition } from './pure-transition.js';
import type { AdvanceTxnState, TxnState } from '../services/transaction/transaction-metadata.js';

export type { TxnState };

export type TxnStateEvent =
  | { type: 'txn.initProducerId' }
  | { type: 'txn.addPartitions' }
  | { type: 'txn.prepareCommit' }
  | { type: 'txn.prepareAbort' }
  | { type: 'txn.completeCommit' }
  | { type: 'txn.completeAbort' }
  | { type: 'txn.fenceEpoch' }
  | { type: 'txn.expire' };

/** The target state of each event (Kafka's prepareTransitionTo argument). */
export const TXN_EVENT_TARGET: Readonly<Record<TxnStateEvent['type'], TxnState>> = {
  'txn.initProducerId': 'Empty',
  'txn.addPartitions': 'Ongoing',
  'txn.prepareCommit': 'PrepareCommit',
  'txn.prepareAbort': 'PrepareAbort',
  'txn.completeCommit': 'CompleteCommit',
  'txn.completeAbort': 'CompleteAbort',
  'txn.fenceEpoch': 'PrepareEpochFence',
  'txn.expire': 'Dead',
};

const reenter = (target: TxnState) => ({ target, reenter: true });

export const transactionStateMachine = setup({
  types: {} as { events: TxnStateEvent },
}).createMachine({
  id: 'transactionState',
  initial: 'Empty',
  states: {
    Empty: { on: { 'txn.initProducerId': reenter('Empty'), 'txn.addPartitions': 'Ongoing', 'txn.expire': 'Dead' } },
    Ongoing: {
      on: {
        'txn.addPartitions': reenter('Ongoing'), 'txn.prepareCommit': 'PrepareCommit', 'txn.prepareAbort': 'PrepareAbort',
        'txn.fenceEpoch': 'PrepareEpochFence',
      },
    },
    PrepareCommit: { on: { 'txn.completeCommit': 'CompleteCommit' } },
    PrepareAbort: { on: { 'txn.completeAbort': 'CompleteAbort' } },
    CompleteCommit: { on: { 'txn.initProducerId': 'Empty', 'txn.addPartitions': 'Ongoing', 'txn.expire': 'Dead' } },
    CompleteAbort: { on: { 'txn.initProducerId': 'Empty', 'txn.addPartitions': 'Ongoing', 'txn.expire': 'Dead' } },
    PrepareEpochFence: { on: { 'txn.prepareAbort': 'PrepareAbort' } },
    Dead: { type: 'final' },
  },
});

/**
 * The state after `event` (pure, memoized per (state, event type): pure-transition.ts); `valid` false when the
 * state does not accept it (the state is then unchanged).
 */
const txnTransition = pureTransition<TxnState, TxnStateEvent['type']>(transactionStateMachine);
export function advanceTxnState(state: TxnState, event: TxnStateEvent): { state: TxnState; valid: boolean } {
  return txnTransition.advance(state, event.type);
}

/** The event that moves a transaction to `target` (every target has exactly one). */
export function txnEventFor(target: TxnState): TxnStateEvent {
  for (const [type, t] of Object.entries(TXN_EVENT_TARGET)) if (t === target) return { type } as TxnStateEvent;
  throw new Error(`no event leads to ${target}`);
}

/** {@link advanceTxnState} addressed by the target state: what the TransactionCoordinator is handed (AdvanceTxnState). */
export const advanceTxnStateTo: AdvanceTxnState = (state, target) => advanceTxnState(state, txnEventFor(target));
