/** The transactional-workload checker (transaction-checker.ts) on hand-made histories: each count can be caught. */
import { describe, expect, it } from 'vitest';
import { checkTransactions, type ReadRecord, type TxnRecord } from './transaction-checker.js';

const txn = (id: string, producer: string, writes: Array<[string, number]>, reads: string[], outcome: TxnRecord['outcome'] = 'committed'): TxnRecord =>
  ({ id, producer, writes: writes.map(([value, partition]) => ({ value, partition })), reads, outcome });
const at = (partition: number, offset: number, value: string): ReadRecord => ({ partition, offset: BigInt(offset), value });
const ZERO = { lost: 0, nonAtomic: 0, duplicates: 0, abortedReads: 0, inconsistentOffsets: 0, nonMonotonicSends: 0, nonMonotonicPolls: 0, g1c: 0 };

describe('checkTransactions', () => {
  it('a clean history: zero of each; wr edges counted; an unknown outcome resolved by the log', () => {
    const txns = [txn('T1', 'p1', [['a', 0], ['b', 0]], []), txn('T2', 'p2', [['c', 0]], ['a', 'b']), txn('T3', 'p1', [['d', 0]], ['c'], 'unknown'), txn('T4', 'p2', [['x', 0]], [], 'aborted')];
    const committed = [at(0, 0, 'a'), at(0, 1, 'b'), at(0, 2, 'c'), at(0, 5, 'd')];
    const r = checkTransactions(txns, committed, [[...committed, at(0, 3, 'x')]], [{ reader: 'r', ...at(0, 0, 'a') }, { reader: 'r', ...at(0, 1, 'b') }]);
    expect(r.counts).toEqual(ZERO);
    expect(r).toMatchObject({ committedTxns: 3, abortedTxns: 1, wrEdges: 2 });
  });

  it('a write-read cycle between two committed transactions is G1c; a chain is not', () => {
    const cyc = checkTransactions([txn('T1', 'p1', [['a', 0]], ['b']), txn('T2', 'p2', [['b', 1]], ['a']), txn('T3', 'p3', [['c', 0]], ['a', 'b'])], [at(0, 0, 'a'), at(1, 0, 'b'), at(0, 1, 'c')], [], []);
    expect(cyc.counts).toEqual({ ...ZERO, g1c: 1 });
    expect(cyc.examples.join()).toMatch(/wr cycle among/);
    const three = checkTransactions([txn('T1', 'p1', [['a', 0]], ['c']), txn('T2', 'p2', [['b', 0]], ['a']), txn('T3', 'p3', [['c', 0]], ['b'])], [at(0, 0, 'a'), at(0, 1, 'b'), at(0, 2, 'c')], [], []);
    expect(three.counts.g1c).toBe(1);
  });

  it('aborted reads, lost and duplicated writes, inconsistent offsets, non-monotonic sends and polls', () => {
    const txns = [txn('T1', 'p1', [['a', 0], ['b', 0]], []), txn('T2', 'p1', [['z', 0]], [], 'aborted'), txn('T3', 'p2', [['c', 0]], ['z'])];
    // b lost; z (aborted) read by T3 and present in the committed read; c twice; p1's a after b's slot; offset 0:1 two values
    const committed = [at(0, 0, 'z'), at(0, 1, 'c'), at(0, 2, 'a'), at(0, 3, 'c')];
    const r = checkTransactions(txns, committed, [[at(0, 1, 'q')]], [{ reader: 'r', ...at(0, 2, 'a') }, { reader: 'r', ...at(0, 1, 'c') }, { reader: 'r', ...at(0, 0, 'z'), rewind: true }]);
    expect(r.counts).toEqual({ lost: 1, nonAtomic: 1, duplicates: 1, abortedReads: 2, inconsistentOffsets: 1, nonMonotonicSends: 0, nonMonotonicPolls: 1, g1c: 0 });
    const sends = checkTransactions([txn('T1', 'p1', [['a', 0]], []), txn('T2', 'p1', [['b', 0]], [])], [at(0, 0, 'b'), at(0, 1, 'a')], [], []);
    expect(sends.counts.nonMonotonicSends).toBe(1);
  });

  it('a missing write of a committed transaction is lost when send() confirmed its partition, the client\'s when it did not', () => {
    const t1 = { ...txn('T1', 'p1', [['a', 0], ['b', 1]], []), confirmed: [1] }; // send() resolved listing partition 1 only
    const r = checkTransactions([t1], [at(1, 0, 'b')], [], []);
    expect(r.counts).toEqual(ZERO);
    expect(r.unconfirmedMissing).toBe(1);
    const both = checkTransactions([{ ...t1, confirmed: [0, 1] }], [at(1, 0, 'b')], [], []);
    expect(both.counts).toEqual({ ...ZERO, lost: 1, nonAtomic: 1 }); // and its other write is there: partly committed
    expect(both.unconfirmedMissing).toBe(0);
  });

  it('a half-committed transaction is non-atomic, not lost, when the client could not tell its outcome (notes-V\'s bug)', () => {
    // w0.10: commit threw (coordinator killed); the new coordinator aborted g1c-1 only, the next commit closed g1c-2
    const half = txn('w0.10', 'p1', [['a', 1], ['b', 2]], [], 'unknown');
    const r = checkTransactions([half], [at(2, 0, 'b')], [[at(1, 0, 'a'), at(2, 0, 'b')]], []);
    expect(r.counts).toEqual({ ...ZERO, nonAtomic: 1 });
    expect(r.examples.join()).toMatch(/non-atomic w0.10 \(unknown\): 1 of its writes committed, 1 not/);
    // seen committed by the client: the missing write is lost too; seen aborted: the visible one is an aborted read too
    expect(checkTransactions([{ ...half, outcome: 'committed' }], [at(2, 0, 'b')], [], []).counts).toEqual({ ...ZERO, lost: 1, nonAtomic: 1 });
    expect(checkTransactions([{ ...half, outcome: 'aborted' }], [at(2, 0, 'b')], [], []).counts).toEqual({ ...ZERO, nonAtomic: 1, abortedReads: 1 });
    // wholly absent or wholly present: atomic
    expect(checkTransactions([half], [], [], []).counts).toEqual(ZERO);
    expect(checkTransactions([half], [at(1, 0, 'a'), at(2, 0, 'b')], [], []).counts).toEqual(ZERO);
  });
});
