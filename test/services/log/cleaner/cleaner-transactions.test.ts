/**
 * The cleaner on a compacted log written by real transactions (markers appended by the coordinator path of the
 * log, .txnindex filled by the aborts): aborted data is removed, committed data compacts like any other, markers go
 * once their transaction's data is gone and delete.retention.ms passed, and nothing at or above the last stable
 * offset (an open transaction) is cleaned.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildEndTxnMarker, buildRecordBatch } from '../../../../src/services/log/record-batch.js';
import { rmrf } from '../tmp.js';
import { compactConfig, compactedLog, latestPerKey, newCleaner, readAll } from './cleaner-support.js';

const roots: string[] = [];
afterEach(async () => { while (roots.length) await rmrf(roots.pop()!); });

const txn = (pid: bigint, seq: number, recs: Array<[string, string]>, ts: number) => buildRecordBatch({
  records: recs.map(([key, value], i) => ({ key, value, timestamp: ts + i })), defaultTimestamp: ts, producerId: pid, producerEpoch: 0, baseSequence: seq, isTransactional: true,
});
const marker = (pid: bigint, commit: boolean, ts: number) => buildEndTxnMarker({ producerId: pid, producerEpoch: 0, commit, coordinatorEpoch: 1, timestamp: ts });

describe('Cleaner with transactions', () => {
  it('removes aborted data, keeps committed data, drops markers after delete.retention.ms, never cleans past the LSO', async () => {
    const r = await compactedLog(compactConfig({ deleteRetentionMs: 1000 }));
    roots.push(r.root);
    const log = r.log;
    let now = 2_000_000;
    const cleaner = newCleaner(() => [log], [r.root], { now: () => now });
    log.appendAsLeader(txn(1n, 0, [['a', 'committed-a'], ['b', 'committed-b']], now), 0);
    log.appendAsLeader(txn(2n, 0, [['c', 'aborted-c'], ['a', 'aborted-a']], now), 0);
    log.appendAsLeader(marker(1n, true, now), 0, 'coordinator');
    log.appendAsLeader(marker(2n, false, now), 0, 'coordinator');
    log.roll();
    log.appendAsLeader(txn(3n, 0, [['d', 'open-d'], ['b', 'open-b']], now), 0); // still open: at the LSO
    log.updateHighWatermark(log.logEndOffset);
    expect(log.lastStableOffset).toBe(6n);
    log.roll();
    log.appendAsLeader(buildRecordBatch({ records: [{ key: 'e', value: 'plain-e' }], defaultTimestamp: now }), 0);
    log.updateHighWatermark(log.logEndOffset);
    log.roll();
    expect(await cleaner.cleanFilthiestLog()).toBe(true);
    let recs = readAll(log);
    const values = recs.records.map((x) => x.value);
    expect(values).not.toContain('aborted-c');
    expect(values).not.toContain('aborted-a');
    expect(latestPerKey(recs.records).get('a')).toBe('committed-a');
    expect(values).toContain('committed-b');
    expect(values).toContain('open-d'); // the open transaction and everything after it stay
    expect(values).toContain('committed-b'); // … and 'b' is not superseded by the open transaction's 'open-b'
    expect(values).toContain('plain-e');
    const markers = () => readAll(log).batches.filter((b) => b.isControlBatch).length;
    expect(markers()).toBe(2); // markers stay until delete.retention.ms after the clean that emptied them
    // the open transaction commits; past the horizon the markers of transactions without data left go
    log.appendAsLeader(marker(3n, true, now), 0, 'coordinator');
    log.updateHighWatermark(log.logEndOffset);
    log.roll();
    now += 1001;
    log.appendAsLeader(buildRecordBatch({ records: [{ key: 'f', value: 'plain-f' }], defaultTimestamp: now }), 0);
    log.updateHighWatermark(log.logEndOffset);
    log.roll();
    expect(await cleaner.cleanFilthiestLog()).toBe(true);
    now += 1001;
    // the last batch of a producer still known to the log is kept (Kafka's lastRecordsOfActiveProducers); once the
    // producers expire (producer.id.expiration.ms: their timestamps are from 1970) their markers can go
    log.removeExpiredProducers();
    log.appendAsLeader(buildRecordBatch({ records: [{ key: 'g', value: 'plain-g' }], defaultTimestamp: now }), 0);
    log.updateHighWatermark(log.logEndOffset);
    log.roll();
    await cleaner.cleanFilthiestLog();
    // as Kafka: the round that drops the producer's (empty) aborted batch keeps the marker, the next one gives it a
    // delete horizon, the first one past the horizon removes it
    for (let round = 0; round < 4 && readAll(log).batches.some((b) => b.isControlBatch && b.producerId === 2n); round++) {
      now += 1001;
      log.appendAsLeader(buildRecordBatch({ records: [{ key: `h${round}`, value: 'plain-h' }], defaultTimestamp: now }), 0);
      log.updateHighWatermark(log.logEndOffset);
      log.roll();
      await cleaner.cleanFilthiestLog();
    }
    recs = readAll(log);
    expect(recs.batches.filter((b) => b.producerId === 2n)).toEqual([]); // its empty data batch is gone too
    // producer 3 committed: its 'b' now supersedes committed-b
    expect(latestPerKey(recs.records).get('b')).toBe('open-b');
    expect(recs.records.map((x) => x.value)).toEqual(expect.arrayContaining(['committed-a', 'open-b', 'open-d', 'plain-e', 'plain-f', 'plain-g']));
    expect(recs.records.map((x) => x.value)).not.toContain('committed-b');
    expect(recs.records.map((x) => x.value)).not.toContain('aborted-c');
    // the abort marker of producer 2 (no data left) is gone; commit markers whose data remains stay
    const aborts = recs.batches.filter((b) => b.isControlBatch && b.producerId === 2n);
    expect(aborts).toEqual([]);
    await cleaner.shutdown();
  });
});
