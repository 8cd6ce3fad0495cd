/**
 * The `aborted_transactions` of a read_committed Fetch answer: Kafka's `UnifiedLog.collectAbortedTransactions` +
 * `addAbortedTransactions` (the aborted transactions overlapping the records returned, up to the end of the last
 * batch), shaped so that every client filters them right.
 *
 * Differs from Kafka (S, issue 13 — found by the transactional read-write workload in transactions.test.ts): Kafka
 * answers the `.txnindex` entries in abort order, with their first offsets in the log. Java's consumer and librdkafka
 * sort them and pop every entry whose first offset is at or below the batch they are at; kafkajs (2.2.4,
 * filterAbortedMessages) walks the list as if sorted and pops at most one entry per message, so interleaved
 * transactions (two producers' aborted transactions overlapping) had their aborted records delivered. Here each entry's
 * first offset is that of its transaction's first data batch in the records returned (the entry is dropped when the
 * answer holds none of its data: there is nothing to filter), and the list is sorted by it. For Java and librdkafka
 * nothing changes (an entry is still at or below its first batch, and one without data filters nothing); for kafkajs
 * each entry is popped exactly at its transaction's first record.
 */
import { ATTRIBUTES_OFFSET, LAST_OFFSET_DELTA_OFFSET, LENGTH_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, PRODUCER_ID_OFFSET } from '../log/record-batch.js';
import type { AbortedTxn } from '../log/transaction-index.js';

const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;

export interface FetchAbortedTxn { producerId: bigint; firstOffset: bigint }

/** The aborted transactions for `records` (read from `fetchOffset`), from `collect(fetchOffset, upperBound)`. */
export function abortedTransactionsFor(fetchOffset: bigint, records: Buffer, collect: (start: bigint, upperBound: bigint) => AbortedTxn[]): FetchAbortedTxn[] {
  if (records.length === 0) return [];
  // the transactional data batches returned (v2 headers), and the end of the last batch
  const batches: Array<{ baseOffset: bigint; producerId: bigint }> = [];
  let pos = 0;
  let upper = fetchOffset;
  while (pos + LOG_OVERHEAD + 12 <= records.length) {
    const size = LOG_OVERHEAD + records.readInt32BE(pos + LENGTH_OFFSET);
    if (pos + size > records.length) break;
    const baseOffset = records.readBigInt64BE(pos);
    upper = baseOffset + BigInt(records.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET)) + 1n;
    if (pos + PRODUCER_ID_OFFSET + 8 <= records.length && records[pos + MAGIC_OFFSET] === 2) {
      const attributes = records.readInt16BE(pos + ATTRIBUTES_OFFSET);
      if ((attributes & TRANSACTIONAL) !== 0 && (attributes & CONTROL) === 0) batches.push({ baseOffset, producerId: records.readBigInt64BE(pos + PRODUCER_ID_OFFSET) });
    }
    pos += size;
  }
  const out: FetchAbortedTxn[] = [];
  for (const t of collect(fetchOffset, upper)) {
    const first = batches.find((b) => b.producerId === t.producerId && b.baseOffset >= t.firstOffset && b.baseOffset <= t.lastOffset);
    if (first) out.push({ producerId: t.producerId, firstOffset: first.baseOffset });
  }
  return out.sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
}
