/**
 * What a power cut leaves that the loader must not trust (issue 12): a rolled segment whose index trim was lost
 * (its indexes back at their preallocated length, zero slots at the end: the time index then says "timestamp 0",
 * which time retention reads as ancient), and the empty `.tmp` files of atomic writes cut before their rename.
 */
import { existsSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Log } from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../src/services/log/log-config.js';
import { LogManager } from '../../../src/services/log/log-manager.js';
import { makeTmpDir, rmrf } from './tmp.js';
import { captureLogger, encodeBatch, makeConfig, pad20 } from './log-test-helpers.js';

const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

const HOUR = 3_600_000;
const config: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 4000, indexIntervalBytes: 300, maxIndexSize: 4096, retentionMs: HOUR };
const batch = (ts: number): Buffer => encodeBatch(Array.from({ length: 4 }, (_, i) => ({ key: null, value: Buffer.alloc(200, 97 + i), timestamp: ts + i })));

describe('power-cut leftovers', () => {
  it('an untrimmed (zero-tailed) index below the recovery point is rebuilt after an unclean shutdown, so retention keeps the segment', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const dir = path.join(root, 't-0');
    const now = Date.now();
    const log = Log.create({ dir, topic: 't', partition: 0, config });
    while (log.numberOfSegments < 3) log.appendAsLeader(batch(now - 1000), 1);
    log.flush();
    const leo = log.logEndOffset;
    const [first, second] = log.segmentBaseOffsets();
    log.close();
    // the cut undid the trims done at the rolls: both indexes of both rolled segments back to 4 KiB of zeros at the end
    for (const b of [first!, second!]) {
      truncateSync(path.join(dir, `${pad20(b)}.index`), 4096);
      truncateSync(path.join(dir, `${pad20(b)}.timeindex`), 4092);
    }
    const warnings: string[] = [];
    const { log: loaded } = Log.load({ dir, topic: 't', partition: 0, config, recoveryPoint: leo, logStartOffset: 0n, hadCleanShutdown: false, hooks: { warn: (m) => warnings.push(m) } });
    expect(warnings.filter((w) => w.includes('corrupted index')).length).toBe(2);
    expect(loaded.logEndOffset).toBe(leo);
    for (const s of loaded.logSegments().slice(0, 2)) expect(s.largestTimestamp).toBe(now - 1000 + 3);
    expect(loaded.deleteOldSegments(now)).toBe(0);
    expect(loaded.read(0n, 100_000).records.length).toBeGreaterThan(0);
    loaded.close();
  });

  it('a clean index is not rebuilt after an unclean shutdown (the check reads only the tail)', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const dir = path.join(root, 't-0');
    const log = Log.create({ dir, topic: 't', partition: 0, config });
    while (log.numberOfSegments < 3) log.appendAsLeader(batch(Date.now()), 1);
    log.flush();
    const leo = log.logEndOffset;
    log.close();
    const res = Log.load({ dir, topic: 't', partition: 0, config, recoveryPoint: leo, logStartOffset: 0n, hadCleanShutdown: false });
    expect(res.recoveredSegments).toBe(1); // only the active one (from the recovery point on)
    res.log.close();
  });

  it('leftover .tmp files of atomic writes are deleted at startup (log dir checkpoints and partition dir files)', async () => {
    const d = await makeTmpDir();
    cleanup.push(d);
    const { logger } = captureLogger();
    const m1 = await LogManager.create({ logDirs: [d], initialOfflineDirs: [], config: makeConfig([d]), log: logger, onDirFailure: () => {} });
    await m1.loadLogs();
    const log = m1.getOrCreateLog('t', 0);
    log.appendAsLeader(batch(Date.now()), 1);
    await m1.shutdown();
    for (const f of ['recovery-point-offset-checkpoint.tmp', 'log-start-offset-checkpoint.tmp', 'replication-offset-checkpoint.tmp']) writeFileSync(path.join(d, f), '');
    for (const f of ['leader-epoch-checkpoint.tmp', 'partition.metadata.tmp']) writeFileSync(path.join(d, 't-0', f), '');
    const m2 = await LogManager.create({ logDirs: [d], initialOfflineDirs: [], config: makeConfig([d]), log: logger, onDirFailure: () => {} });
    await m2.loadLogs();
    expect(readdirSync(d).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(path.join(d, 't-0')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(path.join(d, 'recovery-point-offset-checkpoint'))).toBe(true);
    expect(m2.getLog('t', 0)?.logEndOffset).toBe(4n);
    await m2.shutdown();
  });
});
