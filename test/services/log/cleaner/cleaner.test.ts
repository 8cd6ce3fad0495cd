import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Log } from '../../../../src/services/log/log.js';
import { LogSegment } from '../../../../src/services/log/log-segment.js';
import { CompressionType, RecordBatch, TimestampType } from '../../../../src/services/log/record-batch.js';
import { groupSegmentsBySize, Throttler } from '../../../../src/services/log/cleaner/cleaner.js';
import { RecordValidationError } from '../../../../src/services/log/compacted-keys.js';
import { rmrf } from '../tmp.js';
import { pyDecode } from '../kafka-python.js';
import { batchOf, compactConfig, compactedLog, latestPerKey, newCleaner, readAll, type Rec, tempFiles } from './cleaner-support.js';

const roots: string[] = [];
afterEach(async () => { while (roots.length) await rmrf(roots.pop()!); });

async function setup(config = compactConfig()) {
  const r = await compactedLog(config);
  roots.push(r.root);
  return r;
}

const round = (n: number, keys: number, prefix = 'k'): Rec[] => Array.from({ length: keys }, (_, i) => ({ key: `${prefix}${i}`, value: `r${n}-${prefix}${i}` }));

describe('Cleaner: one compacted log', () => {
  it('drops superseded records, keeps the latest per key at its offset, shrinks the log and checkpoints the clean', async () => {
    const { log, root, dir } = await setup(compactConfig({ segmentBytes: 1024 }));
    for (let n = 0; n < 10; n++) log.appendAsLeader(batchOf(round(n, 20), 1000 + n), 0);
    log.roll();
    const before = readAll(log).records;
    const sizeBefore = log.size;
    expect(log.numberOfSegments).toBeGreaterThan(3);
    const cleaner = newCleaner(() => [log], [root]);
    expect(await cleaner.cleanFilthiestLog()).toBe(true);
    const after = readAll(log).records;
    const byOffset = new Map(before.map((r) => [r.offset, r]));
    for (const r of after) expect(r).toEqual(byOffset.get(r.offset)); // offsets, keys, values, timestamps preserved
    expect(after.map((r) => r.key).sort()).toEqual(round(0, 20).map((r) => r.key).sort()); // one record per key
    expect(latestPerKey(after)).toEqual(latestPerKey(before));
    expect([...latestPerKey(after).values()].every((v) => v!.startsWith('r9-'))).toBe(true);
    expect(log.size).toBeLessThan(sizeBefore / 5);
    expect(log.logEndOffset).toBe(200n);
    expect(readFileSync(path.join(root, 'cleaner-offset-checkpoint'), 'utf8')).toBe('0\n1\nt 0 200\n');
    expect(tempFiles(dir)).toEqual([]);
    // nothing dirty left: the next round cleans nothing
    expect(await cleaner.cleanFilthiestLog()).toBe(false);
    await cleaner.shutdown();
  });

  it('keeps tombstones (with a delete horizon) until delete.retention.ms after the clean that saw them, then removes them', async () => {
    const { log, root } = await setup(compactConfig({ deleteRetentionMs: 1000 }));
    let now = 1_000_000;
    const cleaner = newCleaner(() => [log], [root], { now: () => now });
    log.appendAsLeader(batchOf(round(0, 5), now), 0);
    log.appendAsLeader(batchOf([{ key: 'k0', value: null }, { key: 'k1', value: null }], now), 0);
    log.roll();
    expect(await cleaner.cleanFilthiestLog()).toBe(true);
    let recs = readAll(log);
    expect(latestPerKey(recs.records).get('k0')).toBeNull();
    const tombBatch = recs.batches.find((b) => b.toRecords().some((r) => r.value === null))!;
    expect(tombBatch.hasDeleteHorizon).toBe(true);
    expect(tombBatch.baseTimestamp).toBe(now + 1000);
    expect(tombBatch.toRecords().map((r) => r.timestamp)).toEqual([now, now + 1]); // record timestamps unchanged
    // before the horizon: a later clean still keeps them
    now += 500;
    log.appendAsLeader(batchOf([{ key: 'k9', value: 'x' }], now), 0);
    log.roll();
    expect(await cleaner.cleanFilthiestLog()).toBe(true);
    expect(latestPerKey(readAll(log).records).has('k0')).toBe(true);
    // past the horizon: gone
    now += 501;
    log.appendAsLeader(batchOf([{ key: 'k8', value: 'y' }], now), 0);
    log.roll();
    expect(await cleaner.cleanFilthiestLog()).toBe(true);
    recs = readAll(log);
    const latest = latestPerKey(recs.records);
    expect(latest.has('k0')).toBe(false);
    expect(latest.has('k1')).toBe(false);
    expect([...latest.keys()].sort()).toEqual(['k2', 'k3', 'k4', 'k8', 'k9']);
    await cleaner.shutdown();
  });

  it.each([
    ['gzip', CompressionType.Gzip], ['snappy', CompressionType.Snappy], ['lz4', CompressionType.Lz4], ['zstd', CompressionType.Zstd],
  ])('re-compresses partly kept %s batches with the original codec and batch metadata', async (_name, codec) => {
    const { log, root } = await setup();
    for (let n = 0; n < 6; n++) {
      // each batch: 10 keys of which the even ones are overwritten by the next batch
      const recs = Array.from({ length: 10 }, (_, i) => ({ key: i % 2 === 0 ? 'even' + i : `odd${n}-${i}`, value: `v${n}-${i}` }));
      log.appendAsLeader(batchOf(recs, 5000 + n, codec, { producerId: 7n, producerEpoch: 3, baseSequence: n * 10 }), 4);
    }
    log.roll();
    const before = readAll(log);
    const cleaner = newCleaner(() => [log], [root]);
    expect(await cleaner.cleanFilthiestLog()).toBe(true);
    const after = readAll(log);
    expect(latestPerKey(after.records)).toEqual(latestPerKey(before.records));
    const byOffset = new Map(before.records.map((r) => [r.offset, r]));
    for (const r of after.records) expect(r).toEqual(byOffset.get(r.offset));
    expect(after.records.length).toBe(5 + 6 * 5);
    const origByBase = new Map(before.batches.map((b) => [b.baseOffset, b]));
    for (const b of after.batches) {
      const o = origByBase.get(b.baseOffset)!;
      expect(b.isValid()).toBe(true);
      expect(b.compressionType).toBe(codec);
      expect([b.lastOffset, b.producerId, b.producerEpoch, b.baseSequence, b.partitionLeaderEpoch, b.timestampType])
        .toEqual([o.lastOffset, 7n, 3, o.baseSequence, 4, TimestampType.CreateTime]);
    }
    await cleaner.shutdown();
  });

  it('writes batches kafka-python decodes (CRC, gzip, offsets) and valid indexes: a reload, with and without recovery, reads the same', async () => {
    const config = compactConfig({ segmentBytes: 8192, indexIntervalBytes: 64 });
    const { log, root, dir } = await setup(config);
    for (let n = 0; n < 20; n++) log.appendAsLeader(batchOf(round(n, 8), 100 + n, n % 2 ? CompressionType.Gzip : CompressionType.None), 0);
    log.roll();
    const cleaner = newCleaner(() => [log], [root]);
    expect(await cleaner.cleanFilthiestLog()).toBe(true);
    await cleaner.shutdown();
    const after = readAll(log).records;
    // every kept offset is found through the offset index
    for (const r of after) {
      const got = new RecordBatch(log.read(r.offset, 1, { minOneMessage: true }).records);
      expect(got.baseOffset <= r.offset && r.offset <= got.lastOffset).toBe(true);
    }
    const first = log.segmentBaseOffsets()[0]!;
    const decoded = pyDecode(readFileSync(path.join(dir, `${String(first).padStart(20, '0')}.log`)));
    expect(decoded.every((b) => b.crcOk)).toBe(true);
    expect(decoded.flatMap((b) => b.records.map((r) => r.offset))).toEqual(after.filter((r) => r.offset < log.segmentBaseOffsets()[1]!).map((r) => Number(r.offset)));
    log.flush();
    log.close();
    for (const hadCleanShutdown of [true, false]) {
      const { log: again } = Log.load({ dir, topic: 't', partition: 0, config, hadCleanShutdown, recoveryPoint: 0n });
      expect(readAll(again).records).toEqual(after);
      again.close();
    }
  });

  it('with a small offset map cleans in several passes (checkpoint at the last mapped offset) and loses no key', async () => {
    const { log, root } = await setup(compactConfig({ segmentBytes: 4096 }));
    for (let n = 0; n < 3; n++) for (let b = 0; b < 10; b++) log.appendAsLeader(batchOf(round(n, 50, `b${b}-`), n), 0);
    log.roll();
    const before = latestPerKey(readAll(log).records);
    // 240 slots × 0.9 = 216 keys per pass: fewer than the 500 keys
    const cleaner = newCleaner(() => [log], [root], { dedupeBufferSize: 240 * 24 });
    let passes = 0;
    while (await cleaner.cleanFilthiestLog()) {
      passes++;
      const cp = readFileSync(path.join(root, 'cleaner-offset-checkpoint'), 'utf8').trim().split('\n')[2]!;
      const offset = BigInt(cp.split(' ')[2]!);
      expect(offset).toBeLessThanOrEqual(log.activeSegment.baseOffset);
      expect(latestPerKey(readAll(log).records)).toEqual(before);
      if (offset === log.activeSegment.baseOffset) break;
    }
    expect(passes).toBeGreaterThan(2);
    expect(readAll(log).records.length).toBe(500);
    await cleaner.shutdown();
  });

  it('a shutdown in the middle of a clean aborts it: no .cleaned files, no checkpoint move, the log unchanged', async () => {
    const { log, root, dir } = await setup(compactConfig({ segmentBytes: 64 * 1024 }));
    for (let n = 0; n < 200; n++) log.appendAsLeader(batchOf(round(n, 20), n), 0);
    log.roll();
    const before = readAll(log).records;
    const cleaner = newCleaner(() => [log], [root], { yieldMs: 0 });
    const running = cleaner.cleanFilthiestLog();
    for (const end = Date.now() + 5000; Date.now() < end && cleaner.manager.cleaningState('t-0') !== 'inProgress';) await new Promise((r) => setImmediate(r));
    expect(cleaner.manager.cleaningState('t-0')).toBe('inProgress');
    await new Promise((r) => setImmediate(r));
    await cleaner.shutdown();
    expect(await running).toBe(true); // the round ended (aborted cleans count as done, as Kafka's)
    expect(tempFiles(dir)).toEqual([]);
    expect(readAll(log).records).toEqual(before);
    expect(readFileSync(path.join(root, 'cleaner-offset-checkpoint'), 'utf8')).not.toContain('t 0');
  });

  it('never touches the active segment; compact,delete runs retention; a failing log is marked uncleanable', async () => {
    const { log, root } = await setup(compactConfig({ cleanupPolicy: ['compact', 'delete'], retentionMs: 1000 }));
    let now = 10_000;
    for (let n = 0; n < 5; n++) log.appendAsLeader(batchOf(round(n, 20), 1000), 0);
    const active = log.activeSegment;
    const cleaner = newCleaner(() => [log], [root], { now: () => now });
    await cleaner.cleanFilthiestLog();
    // retention by the cleaner: every non-active segment was older than retention.ms
    expect(log.numberOfSegments).toBe(1);
    expect(log.activeSegment).toBe(active);
    // a log whose segments cannot be read becomes uncleanable, not a crash of the cleaner
    const { log: bad, root: root2 } = await setup();
    for (let n = 0; n < 10; n++) bad.appendAsLeader(batchOf(round(n, 20), n), 0);
    bad.roll();
    (bad.logSegments()[0] as unknown as { batchesFrom: () => never }).batchesFrom = () => { throw new Error('boom'); };
    const c2 = newCleaner(() => [bad], [root2]);
    expect(await c2.cleanFilthiestLog()).toBe(false);
    expect(c2.manager.uncleanablePartitions(root2)).toEqual(['t-0']);
    expect(await c2.cleanFilthiestLog()).toBe(false);
    now += 1;
    await cleaner.shutdown();
    await c2.shutdown();
  });

  it('reads cleaner-offset-checkpoint at startup: a restarted cleaner resumes from it', async () => {
    const { log, root } = await setup();
    for (let n = 0; n < 10; n++) log.appendAsLeader(batchOf(round(n, 20), n), 0);
    log.roll();
    const first = newCleaner(() => [log], [root]);
    expect(await first.cleanFilthiestLog()).toBe(true);
    await first.shutdown();
    const again = newCleaner(() => [log], [root]);
    expect(await again.cleanFilthiestLog()).toBe(false); // nothing dirty past the checkpoint
    expect(again.manager.allCleanerCheckpoints()).toEqual(new Map([['t-0', 200n]]));
    await again.shutdown();
  });

  it('an I/O error while cleaning goes to the dir failure channel (the partition is not marked uncleanable)', async () => {
    const { log, root } = await setup();
    for (let n = 0; n < 10; n++) log.appendAsLeader(batchOf(round(n, 20), n), 0);
    log.roll();
    (log.logSegments()[1] as unknown as { batchesFrom: () => never }).batchesFrom = () => {
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    };
    const failures: Array<[string, string]> = [];
    const cleaner = newCleaner(() => [log], [root], { onIoError: (dir, e) => failures.push([dir, e.message]) });
    await cleaner.cleanFilthiestLog();
    expect(failures).toEqual([[root, 'EIO: i/o error, read']]);
    expect(cleaner.manager.uncleanablePartitions(root)).toEqual([]);
    expect(tempFiles(path.join(root, 't-0'))).toEqual([]);
    await cleaner.shutdown();
  });

  it('rejects records without a key on a compacted topic with INVALID_RECORD and the record index', async () => {
    const { log } = await setup();
    let err: unknown;
    try {
      log.appendAsLeader(batchOf([{ key: 'a', value: '1' }, { key: null, value: '2' }], 1), 0);
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(RecordValidationError);
    expect((err as Error).name).toBe('InvalidRecordError');
    expect((err as RecordValidationError).recordErrors).toEqual([{ batchIndex: 1, batchIndexErrorMessage: 'Compacted topic cannot accept message without key in topic partition t-0.' }]);
    expect(log.logEndOffset).toBe(0n);
  });

  it('log.cleaner.io.max.bytes.per.second: the throttler sleeps what brings each window back to the cap', async () => {
    let clock = 0;
    const sleeps: number[] = [];
    const t = new Throttler(1_000_000, 100, () => clock, async (ms) => { sleeps.push(ms); clock += ms; });
    for (let i = 0; i < 40; i++) { clock += 5; await t.maybeThrottle(25_000); } // 5 MB/s of work against a 1 MB/s cap
    expect(sleeps).toEqual([400, 400]); // 500 kB per 100 ms window → 500 ms at 1 MB/s
    expect((40 * 25_000 * 1000) / clock).toBeCloseTo(1_000_000, -3);
    const free = new Throttler(1e12, 100, () => clock, async (ms) => { sleeps.push(ms); });
    const before = sleeps.length;
    for (let i = 0; i < 30; i++) { clock += 5; await free.maybeThrottle(25_000); }
    expect(sleeps.length).toBe(before); // under the cap: never sleeps
  });

  it('a fetch in flight on a segment swapped out (and closed) under it is retried on the new segment, not OFFSET_OUT_OF_RANGE', async () => {
    const { log, dir } = await setup(compactConfig({ segmentBytes: 1024 }));
    for (let n = 0; n < 10; n++) log.appendAsLeader(batchOf(round(n, 20), n), 0);
    log.roll();
    const [s0, s1] = log.logSegments();
    const want = log.read(0n, 1 << 20).records;
    // a copy of the first two segments as a ".cleaned" one (what a clean keeping everything would write)
    const cleaned = LogSegment.open(dir, s0!.baseOffset, { fileSuffix: '.cleaned', indexIntervalBytes: 256 });
    for (const s of [s0!, s1!]) for (const e of s.batchesFrom(0)) cleaned.append(e.batch.lastOffset, e.batch.maxTimestamp, e.batch.lastOffset, Buffer.from(e.batch.buffer.subarray(e.position, e.position + e.size)));
    cleaned.onBecomeInactiveSegment();
    cleaned.flushSync();
    // the segment's read gets to the file only after the swap below (a fetch slower than file.delete.delay.ms)
    const readSegment = s0!.readAsync.bind(s0);
    s0!.readAsync = async (...a: Parameters<LogSegment['readAsync']>) => { await new Promise((r) => setImmediate(r)); return readSegment(...a); };
    const reading = log.readAsync(0n, 1 << 20);
    expect(log.replaceSegments(cleaned, [s0!, s1!])).toBe(true);
    s0!.closeHandlers(); // as if file.delete.delay.ms passed while the read was in flight
    s1!.closeHandlers();
    const got = await reading;
    expect(got.records.length).toBeGreaterThan(0);
    expect(got.records.subarray(0, want.length).equals(want)).toBe(true); // s0 then s1, as one segment now
    expect(readAll(log).records.length).toBe(200);
  });

  it('groups segments up to segment.bytes', async () => {
    const { log } = await setup(compactConfig({ segmentBytes: 1024 }));
    for (let n = 0; n < 30; n++) log.appendAsLeader(batchOf(round(n, 5), n), 0);
    log.roll();
    const segs = log.logSegments();
    const groups = groupSegmentsBySize(segs.slice(0, -1), 2048, 1 << 20, log.activeSegment.baseOffset);
    expect(groups.flat()).toEqual(segs.slice(0, -1));
    for (const g of groups) expect(g.reduce((n, s) => n + s.size, 0)).toBeLessThanOrEqual(2048);
    expect(groups.length).toBeLessThan(segs.length - 1);
  });
});

describe('LogCleaner.reconfigure (Kafka LogCleaner.reconfigure on a dynamic log.cleaner.* change)', async () => {
  const { LogCleaner } = await import('../../../../src/services/log/cleaner/log-cleaner.js');
  const { silent } = await import('./cleaner-support.js');
  it('takes the new offset map, load factor, io throttle and backoff and cleans with them; stopping it is refused', async () => {
    const r = await compactedLog(compactConfig({ segmentBytes: 1024 }));
    roots.push(r.root);
    for (let n = 0; n < 20; n++) r.log.appendAsLeader(batchOf(Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `r${n}-${i}` })), 1000 + n), 0);
    r.log.roll();
    const base = { numThreads: 1, dedupeBufferSize: 1 << 20, dedupeBufferLoadFactor: 0.9, backoffMs: 10, enableCleaner: true };
    const cleaner = new LogCleaner({ config: base, logDirs: [r.root], logs: () => [r.log], log: silent, now: () => 5000, onIoError: () => {}, useWorker: false });
    expect(await cleaner.reconfigure({ ...base })).toBe(true); // nothing changed
    expect(await cleaner.reconfigure({ ...base, numThreads: 0 })).toBe(false); // stopping it is not a dynamic change (Kafka refuses threads < 1)
    let woken = 0;
    const unsubscribe = cleaner.onBackoffChanged(() => { woken++; });
    expect(await cleaner.reconfigure({ ...base, numThreads: 2, dedupeBufferSize: 1 << 21, maxIoBytesPerSecond: 1e9, backoffMs: 99 })).toBe(true);
    expect(cleaner.config).toMatchObject({ numThreads: 2, dedupeBufferSize: 1 << 21, maxIoBytesPerSecond: 1e9, backoffMs: 99 });
    expect(woken).toBe(1); // log.cleaner.backoff.ms is live: an idle cleaner machine wakes
    expect(await cleaner.reconfigure({ ...cleaner.config })).toBe(true);
    expect(woken).toBe(1);
    unsubscribe();
    expect((cleaner as unknown as { mapMemory: number }).mapMemory).toBe(1 << 20);
    expect(await cleaner.cleanFilthiestLog()).toBe(true);
    expect(readAll(r.log).records.filter((x) => x.value?.startsWith('r19-')).length).toBe(10);
    await cleaner.shutdown();
  });
});
