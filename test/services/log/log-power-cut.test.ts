/**
 * The Log on lazyfs (test/helpers/lazyfs): what it acknowledged survives a power cut that drops everything not
 * fsynced — appends with flush.messages=1 across rolls, and a clean close (whose marker makes the next load trust
 * the files without checks). Fast (no broker); the broker-level runs are in test/integration/power-cut.test.ts.
 * Under CI=true a machine without FUSE fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLazyFs } from '../../helpers/lazyfs/use-lazyfs.js';
import { Log } from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../src/services/log/log-config.js';
import { encodeBatch } from './log-test-helpers.js';

const fixture = useLazyFs('rafka-log-cut-', 'Log power-cut tests');
const { unavailable } = fixture;

const HOUR = 3_600_000;
const config: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 4096, flushMessages: 1, retentionMs: HOUR };
const batch = (ts: number): Buffer => encodeBatch([{ key: null, value: Buffer.alloc(300, 97), timestamp: ts }]);
const indexSizes = (dir: string): Record<string, number> =>
  Object.fromEntries(fs.readdirSync(dir).filter((f) => /index$/.test(f)).sort().map((f) => [f, fs.statSync(path.join(dir, f)).size]));

describe.skipIf(unavailable !== null)('Log under power cuts (lazyfs)', () => {
  it('flush.messages=1: every acknowledged append survives a cut taken right after a roll; retention keeps the rolled segments', async () => {
    const dir = path.join(fixture.lfs.mountpoint, 'a-0');
    const now = Date.now();
    const log = Log.create({ dir, topic: 'a', partition: 0, config });
    let rolls = 0;
    while (rolls < 4) {
      const n = log.numberOfSegments;
      log.appendAsLeader(batch(now), 1);
      if (log.numberOfSegments > n) rolls++;
    }
    const leo = log.logEndOffset;
    const rp = log.recoveryPoint;
    log.closeHandlers(); // the process dies: nothing more is written
    const cut = await fixture.lfs.cut();
    const warnings: string[] = [];
    const { log: loaded } = Log.load({ dir, topic: 'a', partition: 0, config, recoveryPoint: rp, logStartOffset: 0n, hadCleanShutdown: false, hooks: { warn: (m) => warnings.push(m) } });
    expect({ leo: loaded.logEndOffset, cutDirops: cut.dirops }).toEqual({ leo, cutDirops: cut.dirops });
    for (const s of loaded.logSegments()) if (s.size > 0) expect(s.largestTimestamp, `segment ${s.baseOffset}`).toBe(now);
    expect(loaded.deleteOldSegments(now)).toBe(0);
    expect(warnings.filter((w) => /corrupt/i.test(w))).toEqual([]);
    loaded.close();
  });

  it('a clean close leaves trimmed indexes that a cut cannot bring back untrimmed (the next load trusts them)', async () => {
    const dir = path.join(fixture.lfs.mountpoint, 'b-0');
    const log = Log.create({ dir, topic: 'b', partition: 0, config });
    for (let i = 0; i < 20; i++) log.appendAsLeader(batch(Date.now()), 1);
    log.flush();
    log.close();
    const before = indexSizes(dir);
    await fixture.lfs.cut();
    expect(indexSizes(dir)).toEqual(before);
  });
});
