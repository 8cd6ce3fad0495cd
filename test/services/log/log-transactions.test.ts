import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidRecordError, Log } from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG } from '../../../src/services/log/log-config.js';
import { buildEndTxnMarker, buildRecordBatch } from '../../../src/services/log/record-batch.js';
import { InvalidProducerEpochError, TransactionCoordinatorFencedError } from '../../../src/services/log/producer-state-manager.js';
import { makeTmpDir, rmrf } from './tmp.js';

const cleanup: string[] = [];
afterEach(async () => { while (cleanup.length) await rmrf(cleanup.pop()!); });

async function newLog(): Promise<{ log: Log; dir: string }> {
  const root = await makeTmpDir();
  cleanup.push(root);
  const dir = path.join(root, 't-0');
  return { log: Log.create({ dir, topic: 't', partition: 0, config: { ...DEFAULT_LOG_CONFIG } }), dir };
}

const txnBatch = (pid: bigint, epoch: number, seq: number, n: number) => buildRecordBatch({
  records: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${seq + i}` })), producerId: pid, producerEpoch: epoch, baseSequence: seq, isTransactional: true,
});
const marker = (pid: bigint, epoch: number, commit: boolean, coordinatorEpoch = 0) => buildEndTxnMarker({ producerId: pid, producerEpoch: epoch, commit, coordinatorEpoch });

describe('Log transactions (LSO, markers, .txnindex)', () => {
  it('holds the LSO at the first open transaction and moves it once the marker is below the HW', async () => {
    const { log } = await newLog();
    log.appendAsLeader(buildRecordBatch({ records: [{ value: 'plain' }] }), 0); // offset 0
    log.appendAsLeader(txnBatch(10n, 0, 0, 2), 0); // 1..2
    log.appendAsLeader(txnBatch(11n, 0, 0, 1), 0); // 3
    log.updateHighWatermark(log.logEndOffset);
    expect(log.lastStableOffset).toBe(1n);
    expect(() => log.appendAsLeader(marker(10n, 0, false), 0)).toThrow(InvalidRecordError); // clients may not write markers
    log.appendAsLeader(marker(10n, 0, false), 0, 'coordinator'); // abort at 4
    log.updateHighWatermark(4n); // marker not replicated yet
    expect(log.lastStableOffset).toBe(1n);
    log.updateHighWatermark(log.logEndOffset);
    expect(log.lastStableOffset).toBe(3n); // producer 11 still open
    // the aborted transaction is indexed with the LSO at abort time (producer 11's first offset)
    expect(log.collectAbortedTransactions(0n, 5n)).toEqual([{ producerId: 10n, firstOffset: 1n, lastOffset: 4n, lastStableOffset: 3n }]);
    log.appendAsLeader(marker(11n, 0, true), 0, 'coordinator'); // commit at 5
    log.updateHighWatermark(log.logEndOffset);
    expect(log.lastStableOffset).toBe(6n);
    expect(log.collectAbortedTransactions(5n, 6n)).toEqual([]);
  });

  it('fences markers of an older producer epoch or coordinator epoch', async () => {
    const { log } = await newLog();
    log.appendAsLeader(txnBatch(5n, 3, 0, 1), 0);
    expect(() => log.appendAsLeader(marker(5n, 2, true), 0, 'coordinator')).toThrow(InvalidProducerEpochError);
    log.appendAsLeader(marker(5n, 3, true, 7), 0, 'coordinator');
    log.appendAsLeader(txnBatch(5n, 3, 1, 1), 0);
    expect(() => log.appendAsLeader(marker(5n, 3, false, 6), 0, 'coordinator')).toThrow(TransactionCoordinatorFencedError);
  });

  it('rebuilds open transactions and the LSO after a reload', async () => {
    const { log, dir } = await newLog();
    log.appendAsLeader(txnBatch(1n, 0, 0, 1), 0); // 0
    log.appendAsLeader(marker(1n, 0, true), 0, 'coordinator'); // 1
    log.appendAsLeader(txnBatch(2n, 0, 0, 1), 0); // 2 (open)
    log.close();
    const again = Log.load({ dir, topic: 't', partition: 0, config: { ...DEFAULT_LOG_CONFIG }, hadCleanShutdown: false }).log;
    again.updateHighWatermark(again.logEndOffset);
    expect(again.lastStableOffset).toBe(2n);
    again.close();
  });
});

describe('Log transactions after an unclean shutdown', () => {
  it('rebuilds a lost .txnindex entry when the producer state is replayed', async () => {
    const { log, dir } = await newLog();
    log.appendAsLeader(txnBatch(4n, 0, 0, 2), 0); // 0..1
    log.appendAsLeader(marker(4n, 0, false), 0, 'coordinator'); // abort at 2
    log.appendAsLeader(txnBatch(5n, 0, 0, 1), 0); // 3
    log.appendAsLeader(marker(5n, 0, true), 0, 'coordinator'); // 4
    log.flush();
    // a crash: no clean close, the .txnindex and snapshots gone (segment recovery removes a recovered segment's indexes)
    const fs = await import('node:fs');
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.txnindex') || f.endsWith('.snapshot')) fs.rmSync(path.join(dir, f));
    const again = Log.load({ dir, topic: 't', partition: 0, config: { ...DEFAULT_LOG_CONFIG }, hadCleanShutdown: false }).log;
    again.updateHighWatermark(again.logEndOffset);
    expect(again.lastStableOffset).toBe(5n); // loads the producer state (replay)
    expect(again.collectAbortedTransactions(0n, 5n)).toEqual([{ producerId: 4n, firstOffset: 0n, lastOffset: 2n, lastStableOffset: 3n }]);
    again.close();
    log.close();
  });
});

describe('KIP-890 verification guards (UnifiedLog.maybeStartTransactionVerification)', () => {
  it('a guard per producer until its transaction opens; a marker or transactional batch removes it; expiry drops old ones', async () => {
    const { log } = await newLog();
    const g = log.maybeStartTransactionVerification(7n, 0, 1)!;
    expect(g).not.toBeNull();
    expect(log.maybeStartTransactionVerification(7n, 0, 1)).toBe(g); // a retry while verifying: the same guard
    expect(log.verificationGuard(7n)).toBe(g);
    expect(log.hasOngoingTransaction(7n)).toBe(false);
    log.appendAsLeader(txnBatch(7n, 1, 0, 2), 0); // the verified first batch: the transaction is open, the guard gone
    expect(log.verificationGuard(7n)).toBeUndefined();
    expect(log.hasOngoingTransaction(7n)).toBe(true);
    expect(log.maybeStartTransactionVerification(7n, 2, 1)).toBeNull(); // open here: no verification needed
    // a guard made, then an abort marker written before the verified append (the ABA case): the guard is gone
    const g2 = log.maybeStartTransactionVerification(8n, 0, 0)!;
    log.appendAsLeader(marker(8n, 0, false), 0, 'coordinator');
    expect(log.verificationGuard(8n)).toBeUndefined();
    const g3 = log.maybeStartTransactionVerification(8n, 0, 0)!;
    expect(g3).not.toBe(g2); // a new verification gets a new guard, so the stale answer cannot be used
    // non-transactional appends leave it
    log.appendAsLeader(buildRecordBatch({ records: [{ value: 'idem' }], producerId: 8n, producerEpoch: 0, baseSequence: 0 }), 0);
    expect(log.verificationGuard(8n)).toBe(g3);
    // a guard older than producer.id.expiration.ms (default 1 day) expires with the producers
    expect(log.removeExpiredProducers(Date.now() + 86_400_001)).toBeGreaterThanOrEqual(0);
    expect(log.verificationGuard(8n)).toBeUndefined();
  });
});
