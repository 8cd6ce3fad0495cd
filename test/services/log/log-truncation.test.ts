import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Log } from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../src/services/log/log-config.js';
import { makeTmpDir, rmrf } from './tmp.js';
import { decodeLog, decodeOffsetIndex, encodeBatch, pad20 } from './log-test-helpers.js';

const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

const config: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 6000, indexIntervalBytes: 500, maxIndexSize: 4096 };
const batchOf = (n: number, ts: number): Buffer =>
  encodeBatch(Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.alloc(200, 97 + i), timestamp: ts + i })));

/** 40 batches of 4 records (offsets 0..159) over several segments; leader epoch 1 from 0, 2 from 80, 3 from 120. */
async function filledLog(): Promise<{ log: Log; dir: string; deleted: string[] }> {
  const root = await makeTmpDir();
  cleanup.push(root);
  const dir = path.join(root, 't-0');
  const deleted: string[] = [];
  const log = Log.create({ dir, topic: 't', partition: 0, config, hooks: { scheduleDelete: (files) => deleted.push(...files) } });
  for (let i = 0; i < 40; i++) log.appendAsLeader(batchOf(4, 1000 + i * 10), i < 20 ? 1 : i < 30 ? 2 : 3);
  return { log, dir, deleted };
}

const logFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.log')).sort();

describe('Log.truncateTo (Kafka UnifiedLog.truncateTo)', () => {
  it('drops later segments, cuts the segment holding the target, caps offsets and epochs; appends and a recovery continue from there', async () => {
    const { log, dir, deleted } = await filledLog();
    expect(log.segmentBaseOffsets().length).toBeGreaterThan(3);
    const target = 112n; // a batch boundary inside a middle segment
    const holding = log.segmentBaseOffsets().filter((b) => b <= target).at(-1)!;
    const later = log.segmentBaseOffsets().filter((b) => b > target);
    log.flush();
    expect(log.truncateTo(target)).toBe(true);

    expect(log.logEndOffset).toBe(target);
    expect(log.highWatermark).toBe(target);
    expect(log.recoveryPoint).toBe(target);
    expect(log.segmentBaseOffsets().at(-1)).toBe(holding);
    // later segments: renamed to .deleted and handed to the delayed delete
    expect(logFiles(dir)).toEqual(log.segmentBaseOffsets().map((b) => `${pad20(b)}.log`));
    for (const b of later) expect(deleted).toContain(path.join(dir, `${pad20(b)}.log.deleted`));
    // the cut segment holds whole batches up to offset 111
    const bytes = readFileSync(path.join(dir, `${pad20(holding)}.log`));
    const ref = decodeLog(bytes);
    expect(ref.validBytes).toBe(bytes.length);
    expect(ref.batches.at(-1)!.lastOffset).toBe(target - 1n);
    expect(statSync(path.join(dir, `${pad20(holding)}.index`)).size).toBe(4096); // the active segment's index is preallocated again
    // epochs from the target on are gone (epoch 3 started at 120); the file is written asynchronously (Kafka 3.8)
    await log.leaderEpochCheckpointFlushed();
    expect(readFileSync(path.join(dir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n2\n1 0\n2 80\n');

    // closed cleanly, the cut segment's index holds only entries below the target, pointing inside the file
    log.close();
    const idx = decodeOffsetIndex(readFileSync(path.join(dir, `${pad20(holding)}.index`)));
    expect(idx.length).toBeGreaterThan(0);
    for (const [rel, pos] of idx) {
      expect(BigInt(rel) + holding).toBeLessThan(target);
      expect(ref.batches.some((b) => b.position === pos)).toBe(true);
    }

    const reopened = Log.load({ dir, topic: 't', partition: 0, config, hadCleanShutdown: true }).log;
    const r = reopened.appendAsLeader(batchOf(2, 5000), 4);
    expect([r.firstOffset, r.lastOffset]).toEqual([112n, 113n]);
    reopened.flush();
    reopened.closeHandlers(); // as after a crash: no clean close
    const again = Log.load({ dir, topic: 't', partition: 0, config, hadCleanShutdown: false, recoveryPoint: 0n });
    expect(again.truncatedBytes).toBe(0);
    expect(again.log.logEndOffset).toBe(114n);
    expect(again.log.read(110n, 100_000).records.length).toBeGreaterThan(0);
    again.log.close();
  });

  it('a target at or past the LEO changes nothing and returns false', async () => {
    const { log, dir } = await filledLog();
    const files = logFiles(dir);
    expect(log.truncateTo(160n)).toBe(false);
    expect(log.truncateTo(1000n)).toBe(false);
    expect(log.logEndOffset).toBe(160n);
    expect(logFiles(dir)).toEqual(files);
    expect(() => log.truncateTo(-1n)).toThrow(RangeError);
    log.close();
  });

  it('a target below the first segment truncates fully and starts an empty log there', async () => {
    const { log, dir, deleted } = await filledLog();
    log.maybeIncrementLogStartOffset(150n);
    log.deleteOldSegments();
    const first = log.segmentBaseOffsets()[0]!;
    expect(first).toBeGreaterThan(40n);
    expect(log.truncateTo(40n)).toBe(true);
    expect(log.segmentBaseOffsets()).toEqual([40n]);
    expect([log.logStartOffset, log.logEndOffset, log.recoveryPoint, log.highWatermark]).toEqual([40n, 40n, 40n, 40n]);
    expect(logFiles(dir)).toEqual([`${pad20(40)}.log`]);
    expect(statSync(path.join(dir, `${pad20(40)}.log`)).size).toBe(0);
    expect(deleted).toContain(path.join(dir, `${pad20(first)}.log.deleted`));
    expect(readFileSync(path.join(dir, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n0\n');
    expect(log.appendAsLeader(batchOf(1, 1), 5).firstOffset).toBe(40n);
    log.close();
  });
});
