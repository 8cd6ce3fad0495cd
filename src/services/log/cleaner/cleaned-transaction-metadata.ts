/**
 * Transaction state while the cleaner walks a log (Kafka `CleanedTransactionMetadata`): which producers are inside
 * an aborted transaction (from the `.txnindex` entries) or a committed one, so that aborted data batches are
 * dropped and a transaction marker is dropped only once no batch of its transaction is left. Aborted transactions
 * whose marker is kept are written to the cleaned segment's transaction index.
 */
import { type RecordBatch } from '../record-batch.js';
import { type AbortedTxn, type TransactionIndex } from '../transaction-index.js';

/** Control record types (Kafka `ControlRecordType`). */
const ABORT = 0;
const COMMIT = 1;

interface AbortedTransactionMetadata {
  abortedTxn: AbortedTxn;
  lastObservedBatchOffset: bigint | null;
}

export class CleanedTransactionMetadata {
  private readonly ongoingCommittedTxns = new Set<bigint>();
  private readonly ongoingAbortedTxns = new Map<bigint, AbortedTransactionMetadata>();
  /** Aborted transactions not reached yet, ascending by first offset. */
  private abortedTransactions: AbortedTxn[] = [];
  /** Where retained aborted transactions go (the cleaned segment's index). */
  cleanedIndex: TransactionIndex | null = null;

  addAbortedTransactions(txns: readonly AbortedTxn[]): void {
    if (txns.length === 0) return;
    this.abortedTransactions = [...this.abortedTransactions, ...txns].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  }

  /** A control batch was read; true if it can be discarded. */
  onControlBatchRead(batch: RecordBatch): boolean {
    this.consumeAbortedTxnsUpTo(batch.lastOffset);
    const type = controlRecordType(batch);
    if (type === null) return true; // an empty control batch was already cleaned
    const producerId = batch.producerId;
    if (type === ABORT) {
      const aborted = this.ongoingAbortedTxns.get(producerId);
      this.ongoingAbortedTxns.delete(producerId);
      // Keep the marker until every batch of the transaction was removed.
      if (aborted && aborted.lastObservedBatchOffset !== null) {
        this.cleanedIndex?.append(aborted.abortedTxn);
        return false;
      }
      return true;
    }
    if (type === COMMIT) return !this.ongoingCommittedTxns.delete(producerId);
    return false;
  }

  /** A data batch was read; true if it belongs to an aborted transaction (it can be discarded). */
  onBatchRead(batch: RecordBatch): boolean {
    this.consumeAbortedTxnsUpTo(batch.lastOffset);
    if (!batch.isTransactional) return false;
    const aborted = this.ongoingAbortedTxns.get(batch.producerId);
    if (aborted) {
      aborted.lastObservedBatchOffset = batch.lastOffset;
      return true;
    }
    this.ongoingCommittedTxns.add(batch.producerId);
    return false;
  }

  private consumeAbortedTxnsUpTo(offset: bigint): void {
    let i = 0;
    while (i < this.abortedTransactions.length && this.abortedTransactions[i]!.firstOffset <= offset) {
      const t = this.abortedTransactions[i]!;
      if (!this.ongoingAbortedTxns.has(t.producerId)) this.ongoingAbortedTxns.set(t.producerId, { abortedTxn: t, lastObservedBatchOffset: null });
      i++;
    }
    if (i > 0) this.abortedTransactions = this.abortedTransactions.slice(i);
  }
}

/** The type of a control batch's first record (key: int16 version, int16 type), or null if it has none. */
export function controlRecordType(batch: RecordBatch): number | null {
  if (batch.recordsCount === 0) return null;
  const c = batch.records();
  if (!c.next()) return null;
  const key = c.key();
  if (key === null || key.length < 4) return -1;
  return key.readInt16BE(2);
}
