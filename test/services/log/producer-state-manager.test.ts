import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Log, type LogHooks } from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../src/services/log/log-config.js';
import {
  BatchMetadata, InvalidProducerEpochError, OutOfOrderSequenceError, ProducerStateEntry, ProducerStateManager,
} from '../../../src/services/log/producer-state-manager.js';
import { readProducerSnapshot } from '../../../src/services/log/producer-state.js';
import { COMPAT_DIR, makeTmpDir, rmrf } from './tmp.js';
import { crc32cRef, decodeLog, encodeBatch, pad20 } from './log-test-helpers.js';

const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

const cfg = (o: Partial<LogConfig> = {}): LogConfig => ({ ...DEFAULT_LOG_CONFIG, ...o });

async function newLog(config: LogConfig = cfg(), hooks: LogHooks = {}): Promise<{ log: Log; dir: string }> {
  const root = await makeTmpDir('rafka-psm-');
  cleanup.push(root);
  const dir = path.join(root, 't-0');
  return { log: Log.create({ dir, topic: 't', partition: 0, config, hooks }), dir };
}

/** An idempotent batch of `n` records from an independent encoder (not the production writer). */
const idem = (producerId: bigint, epoch: number, baseSequence: number, n = 1, ts = Date.now()): Buffer =>
  encodeBatch(Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`p${producerId}-e${epoch}-s${baseSequence + i}`), timestamp: ts })), { producerId, producerEpoch: epoch, baseSequence });

const plain = (n = 1): Buffer => encodeBatch(Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`), timestamp: Date.now() })));

/** Record count of the partition's .log files, by an independent decoder. */
function recordsOnDisk(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.log')).sort()) {
    for (const b of decodeLog(readFileSync(path.join(dir, f))).batches) n += b.count;
  }
  return n;
}

describe('ProducerStateEntry', () => {
  it('keeps the last 5 batches and finds a retry by epoch and exact sequence range', () => {
    const e = new ProducerStateEntry(7n, 0);
    for (let i = 0; i < 7; i++) e.addBatch(0, i * 2 + 1, BigInt(i * 2 + 1), 1, 100 + i);
    expect(e.batchMetadata.map((b) => b.firstSeq)).toEqual([4, 6, 8, 10, 12]);
    expect(e.findDuplicateBatch(0, 12, 13)?.firstOffset).toBe(12n);
    expect(e.findDuplicateBatch(0, 2, 3)).toBeNull(); // too old: no longer retained
    expect(e.findDuplicateBatch(0, 12, 12)).toBeNull(); // different range
    expect(e.findDuplicateBatch(1, 12, 13)).toBeNull(); // other epoch
    e.addBatch(1, 0, 20n, 0, 200); // a new epoch forgets the old batches
    expect(e.batchMetadata.length).toBe(1);
  });

  it('computes first sequences across the int32 wrap as Kafka', () => {
    expect(new BatchMetadata(1, 10n, 3, 0).firstSeq).toBe(0x7fffffff - 1);
  });

  it('expires idle producers by their last timestamp', () => {
    const psm = new ProducerStateManager('t-0', () => 1000);
    psm.loadBatch({ producerId: 1n, producerEpoch: 0, baseSequence: 0, lastSequence: 0, maxTimestamp: 5000, isTransactional: false, isControlBatch: false }, 0n, 0n);
    psm.loadBatch({ producerId: 2n, producerEpoch: 0, baseSequence: 0, lastSequence: 0, maxTimestamp: 5900, isTransactional: false, isControlBatch: false }, 1n, 1n);
    expect(psm.removeExpiredProducers(6000)).toBe(1);
    expect([...psm.producers.keys()]).toEqual([2n]);
  });
});

describe('Log with idempotent producers (sequence and epoch rules)', () => {
  it('appends in-sequence batches and answers a retry of one of the last 5 with its original offsets, appending nothing', async () => {
    const { log, dir } = await newLog();
    log.appendAsLeader(plain(2), 0); // offsets 0-1
    const offsets: bigint[] = [];
    for (let s = 0; s < 30; s += 3) offsets.push(log.appendAsLeader(idem(9n, 0, s, 3), 0).firstOffset);
    expect(log.logEndOffset).toBe(32n);
    const retry = log.appendAsLeader(idem(9n, 0, 24, 3), 0); // the 9th batch: among the last 5
    expect(retry.firstOffset).toBe(offsets[8]);
    expect(retry.lastOffset).toBe(offsets[8]! + 2n);
    expect(log.logEndOffset).toBe(32n);
    log.flush();
    expect(recordsOnDisk(dir)).toBe(32);
    // a retry older than the 5 retained batches is out of order (Kafka)
    expect(() => log.appendAsLeader(idem(9n, 0, 3, 3), 0)).toThrow(OutOfOrderSequenceError);
  });

  it('rejects gaps and overlaps with OUT_OF_ORDER_SEQUENCE_NUMBER and older epochs with INVALID_PRODUCER_EPOCH', async () => {
    const { log } = await newLog();
    log.appendAsLeader(idem(5n, 2, 0, 2), 0);
    expect(() => log.appendAsLeader(idem(5n, 2, 3), 0)).toThrow(OutOfOrderSequenceError); // gap
    expect(() => log.appendAsLeader(idem(5n, 2, 1), 0)).toThrow(OutOfOrderSequenceError); // overlap, not an exact retry
    expect(() => log.appendAsLeader(idem(5n, 1, 2), 0)).toThrow(InvalidProducerEpochError);
    expect(() => log.appendAsLeader(idem(5n, 3, 5), 0)).toThrow(OutOfOrderSequenceError); // a new epoch must start at 0
    log.appendAsLeader(idem(5n, 3, 0), 0); // new epoch from 0
    expect(() => log.appendAsLeader(idem(5n, 2, 2), 0)).toThrow(InvalidProducerEpochError); // fenced now
    expect(log.logEndOffset).toBe(3n);
  });

  it('accepts any sequence from an unknown producer (recent Kafka: no UNKNOWN_PRODUCER_ID on produce) and then checks from there', async () => {
    const { log } = await newLog();
    log.appendAsLeader(idem(11n, 0, 42), 0);
    expect(() => log.appendAsLeader(idem(11n, 0, 44), 0)).toThrow(OutOfOrderSequenceError);
    log.appendAsLeader(idem(11n, 0, 43), 0);
    expect(log.producerEntries().map((e) => [e.producerId, e.lastSequence])).toEqual([[11n, 43]]);
  });

  it('rejects, as Kafka\'s LogValidator, a producer batch without a sequence and client control batches (INVALID_RECORD)', async () => {
    const { log } = await newLog();
    expect(() => log.appendAsLeader(idem(1n, 0, -1), 0)).toThrow(/Invalid sequence number -1/);
    const control = idem(1n, 0, 0);
    control.writeInt16BE(0x20, 21); // control flag
    control.writeUInt32BE(crc32cRef(control, 21), 17);
    expect(() => log.appendAsLeader(control, 0)).toThrow(/not allowed to write control records/);
    expect(log.logEndOffset).toBe(0n);
  });

  it('validates each producer independently', async () => {
    const { log } = await newLog();
    log.appendAsLeader(idem(1n, 0, 0), 0);
    log.appendAsLeader(idem(2n, 0, 0), 0);
    log.appendAsLeader(idem(1n, 0, 1), 0);
    expect(log.appendAsLeader(idem(2n, 0, 0), 0).firstOffset).toBe(1n); // producer 2's retry
    expect(log.logEndOffset).toBe(3n);
  });
});

describe('producer state across restarts', () => {
  it('writes a snapshot on roll (Kafka format) and deletes it with its segment', async () => {
    const now = Date.now();
    const { log, dir } = await newLog(cfg({ segmentBytes: 400, retentionMs: -1 }), { now: () => now });
    for (let s = 0; s < 20; s++) log.appendAsLeader(idem(3n, 0, s, 1, now), 0);
    const snaps = readdirSync(dir).filter((f) => f.endsWith('.snapshot')).sort();
    expect(snaps.length).toBeGreaterThan(1);
    const last = snaps[snaps.length - 1]!;
    const entries = readProducerSnapshot(path.join(dir, last));
    expect(entries).toHaveLength(1);
    expect(entries[0]!.producerId).toBe(3n);
    expect(BigInt(entries[0]!.lastOffset) + 1n).toBe(BigInt(last.slice(0, 20)));
    const bases = log.segmentBaseOffsets();
    log.maybeIncrementLogStartOffset(bases[2]!);
    log.deleteOldSegments(now);
    const left = readdirSync(dir).filter((f) => f.endsWith('.snapshot')).map((f) => BigInt(f.slice(0, 20)));
    expect(left.every((o) => o >= bases[2]!)).toBe(true);
  });

  it('detects a retried batch after a clean restart (snapshot at the LEO)', async () => {
    const { log, dir } = await newLog();
    for (let s = 0; s < 4; s++) log.appendAsLeader(idem(8n, 1, s), 0);
    log.flush();
    log.close();
    expect(existsSync(path.join(dir, `${pad20(4)}.snapshot`))).toBe(true);
    const again = Log.load({ dir, topic: 't', partition: 0, config: cfg(), hadCleanShutdown: true }).log;
    expect(again.appendAsLeader(idem(8n, 1, 3), 0).firstOffset).toBe(3n); // the last batch is in the snapshot
    expect(() => again.appendAsLeader(idem(8n, 1, 5), 0)).toThrow(OutOfOrderSequenceError);
    expect(again.appendAsLeader(idem(8n, 1, 4), 0).firstOffset).toBe(4n);
    again.close();
  });

  it('rebuilds the state from the log after a crash (no close): snapshot at the last roll + replay of later batches', async () => {
    const { log, dir } = await newLog(cfg({ segmentBytes: 500 }));
    for (let s = 0; s < 12; s++) log.appendAsLeader(idem(4n, 0, s), 0);
    log.flush();
    expect(log.numberOfSegments).toBeGreaterThan(1);
    // no close: the process "dies" here (the active segment has batches after the last snapshot)
    const crashed = Log.load({ dir, topic: 't', partition: 0, config: cfg({ segmentBytes: 500 }), hadCleanShutdown: false, recoveryPoint: 0n }).log;
    // Kafka's snapshot keeps each producer's last batch; the batches replayed after it are all retained (up to 5)
    const activeBase = Number(log.segmentBaseOffsets().at(-1)!);
    expect(activeBase).toBeGreaterThan(0);
    expect(activeBase).toBeLessThan(11);
    for (let s = Math.max(activeBase - 1, 7); s < 12; s++) expect(crashed.appendAsLeader(idem(4n, 0, s), 0).firstOffset).toBe(BigInt(s));
    expect(() => crashed.appendAsLeader(idem(4n, 0, 13), 0)).toThrow(OutOfOrderSequenceError);
    expect(crashed.appendAsLeader(idem(4n, 0, 12), 0).firstOffset).toBe(12n);
    crashed.close();
  });

  it('rebuilds from the whole log when a crash left no snapshot at all, and ignores a corrupt snapshot', async () => {
    const { log, dir } = await newLog();
    for (let s = 0; s < 3; s++) log.appendAsLeader(idem(6n, 0, s), 0);
    log.flush();
    const noSnap = Log.load({ dir, topic: 't', partition: 0, config: cfg(), hadCleanShutdown: false }).log;
    expect(noSnap.appendAsLeader(idem(6n, 0, 2), 0).firstOffset).toBe(2n);
    noSnap.close(); // snapshot at 3
    writeFileSync(path.join(dir, `${pad20(3)}.snapshot`), Buffer.from('garbage!!!!!'));
    const corrupt = Log.load({ dir, topic: 't', partition: 0, config: cfg(), hadCleanShutdown: false }).log;
    expect(corrupt.appendAsLeader(idem(6n, 0, 1), 0).firstOffset).toBe(1n);
    corrupt.close();
  });

  it('hands the full 5-batch window from a recovery to the loaded log (what a recovery worker returns)', async () => {
    const { log, dir } = await newLog();
    for (let s = 0; s < 6; s++) log.appendAsLeader(idem(12n, 0, s), 0);
    log.flush();
    const recovered = Log.load({ dir, topic: 't', partition: 0, config: cfg(), hadCleanShutdown: false }).log;
    const window = recovered.exportProducerState();
    expect(window[0]!.batches.map((b) => b.lastSeq)).toEqual([1, 2, 3, 4, 5]);
    recovered.close(); // leaves a snapshot at the LEO with the last batch only
    const loaded = Log.load({ dir, topic: 't', partition: 0, config: cfg(), hadCleanShutdown: true }).log;
    expect(loaded.adoptProducerState(window, 5n)).toBe(false); // another LEO: refused
    expect(loaded.adoptProducerState(window, 6n)).toBe(true);
    expect(loaded.appendAsLeader(idem(12n, 0, 2), 0).firstOffset).toBe(2n);
    loaded.close();
  });

  it('loads a snapshot written by Apache Kafka 2.7.1 and continues its producers', async () => {
    const root = await makeTmpDir('rafka-psm-compat-');
    cleanup.push(root);
    const dir = path.join(root, 'myTopic-0');
    cpSync(path.join(COMPAT_DIR, 'myTopic-0'), dir, { recursive: true });
    const hooks: LogHooks = { producerIdExpirationMs: () => Number.MAX_SAFE_INTEGER };
    const log = Log.load({ dir, topic: 'myTopic', partition: 0, config: cfg(), hadCleanShutdown: true, recoveryPoint: 38n, logStartOffset: 38n, hooks }).log;
    // producer 4001 epoch 0: last batch sequences 9-11 at offsets 9-11 (offsetDelta 2)
    expect(log.appendAsLeader(idem(4001n, 0, 9, 3), 0).firstOffset).toBe(9n);
    expect(() => log.appendAsLeader(idem(4001n, 0, 13), 0)).toThrow(OutOfOrderSequenceError);
    expect(log.appendAsLeader(idem(4001n, 0, 12), 0).firstOffset).toBe(38n);
    // with Kafka's default expiration (1 day) these 2022 producers are expired on load: any sequence is accepted
    const fresh = path.join(root, 'copy-0');
    cpSync(path.join(COMPAT_DIR, 'myTopic-0'), fresh, { recursive: true });
    const expired = Log.load({ dir: fresh, topic: 'myTopic', partition: 0, config: cfg(), hadCleanShutdown: true, recoveryPoint: 38n, logStartOffset: 38n }).log;
    expect(expired.producerEntries()).toEqual([]);
    log.close();
    expired.close();
  });
});

describe('producer state after a truncation (Kafka UnifiedLog.truncateTo → rebuildProducerState)', () => {
  it('forgets the batches cut off: their retry is appended again, an earlier one is still a duplicate; snapshots past the end go', async () => {
    const { log, dir } = await newLog(cfg({ segmentBytes: 400 }));
    const firsts: bigint[] = [];
    for (let s = 0; s < 24; s += 2) firsts.push(log.appendAsLeader(idem(7n, 0, s, 2), 0).firstOffset); // rolls: snapshots
    const target = firsts[6]!; // keep sequences 0..11; the snapshot at 16 is past the new end
    const snapsAbove = readdirSync(dir).filter((f) => f.endsWith('.snapshot') && BigInt(f.slice(0, 20)) > target);
    expect(snapsAbove.length).toBeGreaterThan(0);
    expect(log.truncateTo(target)).toBe(true);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.snapshot'))) expect(BigInt(f.slice(0, 20)) <= target).toBe(true);
    // sequence 12 was cut: it is the next expected, not a duplicate
    const again = log.appendAsLeader(idem(7n, 0, 12, 2), 0);
    expect(again.firstOffset).toBe(target);
    // sequence 10 (kept) is still answered with its original offsets
    const retry = log.appendAsLeader(idem(7n, 0, 10, 2), 0);
    expect(retry.firstOffset).toBe(firsts[5]);
    expect(log.logEndOffset).toBe(target + 2n);
    expect(() => log.appendAsLeader(idem(7n, 0, 22, 2), 0)).toThrow(OutOfOrderSequenceError);
  });

  it('starts empty after truncateFullyAndStartAt: any sequence is accepted again and every snapshot is gone', async () => {
    const { log, dir } = await newLog(cfg({ segmentBytes: 400 }));
    for (let s = 0; s < 12; s += 2) log.appendAsLeader(idem(8n, 0, s, 2), 0);
    log.truncateFullyAndStartAt(100n);
    expect(readdirSync(dir).filter((x) => x.endsWith('.snapshot'))).toEqual([]);
    expect(log.appendAsLeader(idem(8n, 0, 4, 2), 0).firstOffset).toBe(100n); // a duplicate before; unknown producer now
  });
});
