import { describe, expect, it } from 'vitest';
import { advanceTxnState, advanceTxnStateTo, transactionStateMachine, type TxnState, type TxnStateEvent } from '../../src/machines/transaction-state.js';
import { IllegalTxnTransitionError, TransactionMetadata } from '../../src/services/transaction/transaction-metadata.js';

const ALL: TxnState[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'PrepareEpochFence', 'Dead'];
/** Kafka 3.7.1 TransactionMetadata.scala validPreviousStates, by target. */
const KAFKA_PREVIOUS: Record<TxnState, TxnState[]> = {
  Empty: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  Ongoing: ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareCommit: ['Ongoing'],
  PrepareAbort: ['Ongoing', 'PrepareEpochFence'],
  CompleteCommit: ['PrepareCommit'],
  CompleteAbort: ['PrepareAbort'],
  Dead: ['Empty', 'CompleteAbort', 'CompleteCommit'],
  PrepareEpochFence: ['Ongoing'],
};
const EVENT: Record<TxnState, TxnStateEvent['type']> = {
  Empty: 'txn.initProducerId', Ongoing: 'txn.addPartitions', PrepareCommit: 'txn.prepareCommit', PrepareAbort: 'txn.prepareAbort',
  CompleteCommit: 'txn.completeCommit', CompleteAbort: 'txn.completeAbort', Dead: 'txn.expire', PrepareEpochFence: 'txn.fenceEpoch',
};

describe('transaction state machine definition', () => {
  it('allows exactly the transitions of Kafka validPreviousStates', () => {
    for (const target of ALL) {
      for (const from of ALL) {
        const r = advanceTxnState(from, { type: EVENT[target] } as TxnStateEvent);
        const legal = KAFKA_PREVIOUS[target].includes(from);
        expect({ from, target, valid: r.valid }).toEqual({ from, target, valid: legal });
        expect(r.state).toBe(legal ? target : from);
      }
    }
  });

  it('is what TransactionMetadata is handed (advanceTxnStateTo): an illegal prepare throws and changes nothing', () => {
    for (const target of ALL) for (const from of ALL) expect(advanceTxnStateTo(from, target)).toEqual(advanceTxnState(from, { type: EVENT[target] } as TxnStateEvent));
    const m = new TransactionMetadata('t', 1n, -1n, 0, -1, 60_000, 'Empty', -1, 0);
    expect(() => m.prepareComplete(advanceTxnStateTo, 1)).toThrow(IllegalTxnTransitionError); // Empty → CompleteAbort
    expect([m.state, m.pendingState]).toEqual(['Empty', null]);
    m.completeTransitionTo(m.prepareAddPartitions(advanceTxnStateTo, [['a', 0]], 2));
    expect([m.state, m.txnStartTimestamp]).toEqual(['Ongoing', 2]);
  });

  it('has the eight Kafka states', () => {
    expect(Object.keys(transactionStateMachine.config.states ?? {}).sort()).toEqual([...ALL].sort());
  });
});
