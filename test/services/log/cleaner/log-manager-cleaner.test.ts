/** The LogManager's cleaner: created when enabled, owns compacted logs' retention, aborted by deletes and shutdown. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogManager } from '../../../../src/services/log/log-manager.js';
import { captureLogger, makeConfig } from '../log-test-helpers.js';
import { makeTmpDir, rmrf } from '../tmp.js';
import { batchOf, latestPerKey, readAll } from './cleaner-support.js';

const roots: string[] = [];
afterEach(async () => { while (roots.length) await rmrf(roots.pop()!); });

async function manager(props: Record<string, string> = {}, topicConfigs: Record<string, Record<string, string>> = {}) {
  const root = await makeTmpDir('rafka-lm-cleaner-');
  roots.push(root);
  const m = await LogManager.create({
    logDirs: [root], initialOfflineDirs: [], log: captureLogger().logger, onDirFailure: () => {},
    config: makeConfig([root], { 'log.cleaner.dedupe.buffer.size': String(2 << 20), ...props }),
    topicConfigs: new Map(Object.entries(topicConfigs)),
  });
  await m.loadLogs();
  return { m, root };
}

const compacted = { 'cleanup.policy': 'compact', 'segment.bytes': '1024', 'min.cleanable.dirty.ratio': '0.01', 'file.delete.delay.ms': '0' };

function fill(m: LogManager, topic: string, rounds: number) {
  const log = m.getOrCreateLog(topic, 0);
  for (let n = 0; n < rounds; n++) log.appendAsLeader(batchOf(Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `r${n}-${i}` })), 1000 + n), 0);
  log.roll();
  return log;
}

describe('LogManager with the log cleaner', () => {
  it('has no cleaner when log.cleaner.enable=false', async () => {
    const { m } = await manager({ 'log.cleaner.enable': 'false' });
    expect(m.cleaner).toBeNull();
    await m.shutdown();
  });

  it('cleans a compacted topic; its retention is left to the cleaner (compact,delete), not the retention task', async () => {
    const { m, root } = await manager({}, { t: compacted, old: { ...compacted, 'cleanup.policy': 'compact,delete', 'retention.ms': '1' } });
    const log = fill(m, 't', 10);
    const old = fill(m, 'old', 5);
    const before = latestPerKey(readAll(log).records);
    const oldSegments = old.numberOfSegments;
    expect((await m.cleanupLogs()).deletedSegments).toBe(0);
    expect(old.numberOfSegments).toBe(oldSegments);
    while (await m.cleaner!.cleanFilthiestLog()) { /* clean both */ }
    expect(latestPerKey(readAll(log).records)).toEqual(before);
    expect(readAll(log).records.length).toBe(20);
    expect(old.numberOfSegments).toBe(1); // retention.ms=1 by the cleaner: only the active segment stays
    expect(readFileSync(path.join(root, 'cleaner-offset-checkpoint'), 'utf8')).toContain('t 0 200');
    await m.shutdown();
  });

  it('shutdown during a clean waits for it to abort: no .cleaned files, clean-shutdown marker, same data on reload', async () => {
    const { m, root } = await manager({}, { t: { ...compacted, 'segment.bytes': '65536' } });
    const log = fill(m, 't', 300);
    const before = readAll(log).records;
    (m.cleaner as unknown as { cleaner: { opts: { yieldMs: number } } }).cleaner.opts.yieldMs = 0;
    const running = m.cleaner!.cleanFilthiestLog();
    for (const end = Date.now() + 5000; Date.now() < end && m.cleaner!.manager.cleaningState('t-0') !== 'inProgress';) await new Promise((r) => setImmediate(r));
    expect(m.cleaner!.manager.cleaningState('t-0')).toBe('inProgress');
    await m.shutdown();
    await running;
    const dir = path.join(root, 't-0');
    expect(readdirSync(dir).filter((f) => /\.(cleaned|swap)$/.test(f))).toEqual([]);
    expect(existsSync(path.join(root, '.kafka_cleanshutdown'))).toBe(true);
    const again = await LogManager.create({
      logDirs: [root], initialOfflineDirs: [], log: captureLogger().logger, onDirFailure: () => {}, config: makeConfig([root]),
      topicConfigs: new Map([['t', compacted]]),
    });
    await again.loadLogs();
    expect(readAll(again.getLog('t', 0)!).records).toEqual(before);
    await again.shutdown();
  });

  it('deleting a log aborts its clean and drops its cleaner checkpoint entry', async () => {
    const { m, root } = await manager({}, { t: compacted, u: compacted });
    fill(m, 't', 10);
    fill(m, 'u', 10);
    while (await m.cleaner!.cleanFilthiestLog()) { /* both cleaned */ }
    const both = readFileSync(path.join(root, 'cleaner-offset-checkpoint'), 'utf8');
    expect(both).toContain('t 0 200');
    expect(both).toContain('u 0 200');
    m.deleteLog('t', 0);
    await new Promise((r) => setTimeout(r, 50));
    const cp = readFileSync(path.join(root, 'cleaner-offset-checkpoint'), 'utf8');
    expect(cp).not.toContain('t 0');
    expect(cp).toContain('u 0 200');
    await m.shutdown();
  });
});
