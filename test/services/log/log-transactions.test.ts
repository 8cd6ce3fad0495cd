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
