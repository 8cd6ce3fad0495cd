/**
 * Issue 13: many thousands of idle transactional ids must be cheap — the group coordinator's ~5 KB per group is the
 * bar. An idle id is one TransactionMetadata in its partition's map, as the coordinator holds it after loading
 * `__transaction_state` (CompleteCommit, no partitions).
 */
import { describe, expect, it } from 'vitest';
import { TransactionMetadata } from '../../../src/services/transaction/transaction-metadata.js';

describe('idle transactional ids cost', () => {
  it('20,000 loaded idle ids take well under the 5 KB-per-group bar each', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const txns = new Map<string, TransactionMetadata>();
    for (let i = 0; i < 20_000; i++) {
      const id = `payments-worker-${i}`;
      txns.set(id, TransactionMetadata.fromLog(id, {
        producerId: BigInt(1000 + i), producerEpoch: 3, txnTimeoutMs: 60_000, state: 'CompleteCommit',
        partitions: [], txnStartTimestamp: 1_765_000_000_000, txnLastUpdateTimestamp: 1_765_000_000_500,
      }));
    }
    gc?.();
    const perId = (process.memoryUsage().heapUsed - before) / txns.size;
    expect(txns.size).toBe(20_000);
    // Measured 288–427 bytes per id (2026-12-07); a forced GC is not available in every run, so the bound is the bar itself.
    expect(perId).toBeLessThan(5_000);
    console.log(`idle transactional id: ${Math.round(perId)} bytes of heap each`);
  });
});
