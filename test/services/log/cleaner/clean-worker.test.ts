/**
 * The clean worker thread (compiled JavaScript from dist/, as the broker runs it) gives the same log as the
 * in-thread Cleaner, and a shutdown in the middle of its clean leaves no `.cleaned` files.
 */
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Log } from '../../../../src/services/log/log.js';
import { rmrf } from '../tmp.js';
import { batchOf, compactConfig, compactedLog, readAll, silent, tempFiles } from './cleaner-support.js';
import { prerequisite } from '../../../helpers/environment.js';

const dist = path.resolve(import.meta.dirname, '../../../../dist/services/log/cleaner/log-cleaner.js');
const roots: string[] = [];
afterEach(async () => { while (roots.length) await rmrf(roots.pop()!); });

async function filledLog(rounds: number, segmentBytes = 1024) {
  const config = compactConfig({ segmentBytes });
  const r = await compactedLog(config);
  roots.push(r.root);
  for (let n = 0; n < rounds; n++) {
    r.log.appendAsLeader(batchOf([...Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `r${n}-${i}` })), { key: `u${n}`, value: null }], 1000 + n), 0);
  }
  r.log.roll();
  return { ...r, config };
}

const hasDist = prerequisite('dist/ (compiled broker)', existsSync(dist), 'npm run build; npm test builds it first');

describe.skipIf(!hasDist)('clean worker (dist/)', () => {
  it('cleans exactly like the in-thread cleaner: same records, same segment files', async () => {
    const { LogCleaner } = await import(dist);
    const a = await filledLog(30);
    const bDir = path.join(a.root, 'copy', 't-0');
    cpSync(a.dir, bDir, { recursive: true });
    const b = Log.load({ dir: bDir, topic: 't', partition: 0, config: a.config, hadCleanShutdown: true });
    const config = { numThreads: 1, dedupeBufferSize: 1 << 20, dedupeBufferLoadFactor: 0.9, backoffMs: 10, enableCleaner: true };
    const now = () => 5000;
    const inWorker = new LogCleaner({ config, logDirs: [a.root], logs: () => [a.log], log: silent, now, onIoError: () => {}, useWorker: true });
    const inThread = new LogCleaner({ config, logDirs: [path.dirname(bDir)], logs: () => [b.log], log: silent, now, onIoError: () => {}, useWorker: false });
    expect(await inWorker.cleanFilthiestLog()).toBe(true);
    expect(await inThread.cleanFilthiestLog()).toBe(true);
    // the worker path was really taken (and only there)
    expect((inWorker as unknown as { worker: unknown }).worker).not.toBeNull();
    expect((inThread as unknown as { worker: unknown }).worker).toBeNull();
    expect(readAll(a.log)).toEqual(readAll(b.log));
    const logs = (d: string) => readdirSync(d).filter((f) => f.endsWith('.log')).sort();
    expect(logs(a.dir)).toEqual(logs(bDir));
    for (const f of logs(a.dir)) expect(readFileSync(path.join(a.dir, f)).equals(readFileSync(path.join(bDir, f)))).toBe(true);
    expect(tempFiles(a.dir)).toEqual([]);
    await inWorker.shutdown();
    await inThread.shutdown();
    b.log.close();
  });

  it('a shutdown during a worker clean aborts it: no .cleaned files, the log unchanged', async () => {
    const { LogCleaner } = await import(dist);
    const a = await filledLog(3000, 256 * 1024);
    const before = readAll(a.log).records;
    const cleaner = new LogCleaner({
      config: { numThreads: 1, dedupeBufferSize: 1 << 20, dedupeBufferLoadFactor: 0.9, backoffMs: 10, enableCleaner: true },
      logDirs: [a.root], logs: () => [a.log], log: silent, onIoError: () => {}, useWorker: true,
    });
    const running = cleaner.cleanFilthiestLog();
    for (const end = Date.now() + 5000; Date.now() < end && cleaner.manager.cleaningState('t-0') !== 'inProgress';) await new Promise((r) => setImmediate(r));
    await cleaner.shutdown();
    await running;
    expect(tempFiles(a.dir)).toEqual([]);
    const after = readAll(a.log).records;
    // either the abort came before the first swap (nothing changed) or after some swaps (same latest values)
    const latest = (rs: typeof before) => new Map(rs.map((r) => [r.key, r.value]));
    expect(latest(after)).toEqual(latest(before));
  });
});
