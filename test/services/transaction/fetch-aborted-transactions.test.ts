/**
 * The read_committed Fetch's aborted_transactions (fetch-aborted-transactions.ts): overlapping transactions of two
 * producers aborted in the other order than they began — Kafka's .txnindex (abort) order, first offsets in the log —
 * come out sorted, each at its first data batch in the answer, and an entry with no data in the answer is left out;
 * then kafkajs' own filter (filterAbortedMessages, 2.2.4) drops exactly the aborted records, which it did not with
 * Kafka's list.
 */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { abortedTransactionsFor } from '../../../src/services/transaction/fetch-aborted-transactions.js';
import { buildRecordBatch } from '../../../src/services/log/record-batch.js';
import type { AbortedTxn } from '../../../src/services/log/transaction-index.js';

const filterAbortedMessages = createRequire(import.meta.url)('kafkajs/src/consumer/filterAbortedMessages.js') as
  (a: { messages: unknown[]; abortedTransactions: Array<{ producerId: string; firstOffset: string }> }) => Array<{ offset: string }>;

const batch = (baseOffset: number, producerId: number, n: number) => buildRecordBatch({ baseOffset, producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true, records: Array.from({ length: n }, (_, i) => ({ value: `p${producerId}-${baseOffset + i}` })) });

describe('aborted transactions of a read_committed fetch', () => {
  // the log: 10 A(pid 1) · 11 B(pid 2) · 12 A · 13 B · (B aborted at 14, A aborted at 15: markers not in this answer) · 16 C(pid 3, committed)
  const records = Buffer.concat([batch(10, 1, 1), batch(11, 2, 1), batch(12, 1, 1), batch(13, 2, 1), batch(16, 3, 1)]);
  const index: AbortedTxn[] = [ // abort order, as the .txnindex holds them; D (pid 4) has no data in the answer
    { producerId: 4n, firstOffset: 2n, lastOffset: 9n, lastStableOffset: 2n },
    { producerId: 2n, firstOffset: 11n, lastOffset: 14n, lastStableOffset: 10n },
    { producerId: 1n, firstOffset: 8n, lastOffset: 15n, lastStableOffset: 8n },
  ];

  it('sorted by the first data batch in the answer; entries without data left out; the collect range is Kafka\'s', () => {
    const asked: Array<[bigint, bigint]> = [];
    const r = abortedTransactionsFor(10n, records, (s, u) => { asked.push([s, u]); return index; });
    expect(asked).toEqual([[10n, 17n]]);
    expect(r).toEqual([{ producerId: 1n, firstOffset: 10n }, { producerId: 2n, firstOffset: 11n }]);
    expect(abortedTransactionsFor(10n, Buffer.alloc(0), () => index)).toEqual([]);
  });

  it('kafkajs 2.2.4 filters exactly the aborted records with it, and not with Kafka\'s list', () => {
    const messages = [10, 11, 12, 13, 16].map((offset) => ({ offset: String(offset), key: null, batchContext: { producerId: String(offset === 16 ? 3 : offset % 2 === 0 ? 1 : 2), inTransaction: true } }));
    const kept = (list: Array<{ producerId: bigint; firstOffset: bigint }>) => filterAbortedMessages({ messages, abortedTransactions: list.map((t) => ({ producerId: String(t.producerId), firstOffset: String(t.firstOffset) })) }).map((m) => Number(m.offset));
    expect(kept(abortedTransactionsFor(10n, records, () => index))).toEqual([16]);
    expect(kept(index), 'Kafka\'s own list: kafkajs delivers aborted records').not.toEqual([16]);
  });
});
