import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderEpochCache, leaderEpochAsyncWritesMaxSeen } from '../../../src/services/log/leader-epoch-cache.js';
import { Log } from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG } from '../../../src/services/log/log-config.js';
import { encodeBatch } from './log-test-helpers.js';
import { makeTmpDir, rmrf } from './tmp.js';
import { prerequisite } from '../../helpers/environment.js';

const distEpochCache = path.resolve(import.meta.dirname, '../../../dist/services/log/leader-epoch-cache.js');
const hasDist = prerequisite('dist/ (compiled broker)', existsSync(distEpochCache), 'npm run build; npm test builds it first');

const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

async function dir(): Promise<string> {
  const d = await makeTmpDir();
  cleanup.push(d);
  return d;
}

describe('LeaderEpochCache', () => {
  it('reads Kafka-written files, assigns (write-through), truncates from end and start', async () => {
    const d = await dir();
    writeFileSync(path.join(d, 'leader-epoch-checkpoint'), '0\n2\n0 0\n3 10\n');
    const c = LeaderEpochCache.load(d);
    expect(c.latestEpoch).toBe(3);
    expect(c.epochForOffset(9n)).toBe(0);
    expect(c.epochForOffset(10n)).toBe(3);
    expect(c.assign(3, 15n)).toBe(false);
    expect(c.assign(5, 20n)).toBe(true);
    expect(readFileSync(path.join(d, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n3\n0 0\n3 10\n5 20\n');
    // a lower start offset for a new epoch removes non-monotonic entries
    c.assign(6, 12n);
    expect(c.epochEntries()).toEqual([{ epoch: 0, startOffset: 0n }, { epoch: 3, startOffset: 10n }, { epoch: 6, startOffset: 12n }]);
    c.truncateFromEnd(12n);
    expect(c.epochEntries().map((e) => e.epoch)).toEqual([0, 3]);
    c.truncateFromStart(11n);
    await c.flushed(); // truncations are written asynchronously (Kafka 3.8)
    expect(readFileSync(path.join(d, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n1\n3 11\n');
    expect(c.assign(-1, 100n)).toBe(false);
  });

  it('a missing file is empty; a malformed one throws (the dir goes offline)', async () => {
    const d = await dir();
    expect(LeaderEpochCache.load(d).epochEntries()).toEqual([]);
    const e = path.join(d, 'x');
    mkdirSync(e);
    writeFileSync(path.join(e, 'leader-epoch-checkpoint'), '0\n1\nfoo\n');
    expect(() => LeaderEpochCache.load(e)).toThrow(/Malformed line/);
  });

  it('truncations write the file off the event loop (KAFKA-16541), assign writes through; an older truncation write never replaces a newer assign', async () => {
    const d = await dir();
    const file = path.join(d, 'leader-epoch-checkpoint');
    const c = LeaderEpochCache.load(d);
    c.assign(1, 0n);
    c.assign(2, 10n);
    c.assign(3, 20n);
    expect(readFileSync(file, 'utf8')).toBe('0\n3\n1 0\n2 10\n3 20\n');
    // truncateFromEnd: the cache at once, the file later (nothing was written in this turn)
    c.truncateFromEnd(20n);
    expect(c.epochEntries().map((e) => e.epoch)).toEqual([1, 2]);
    expect(c.flushPending).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('0\n3\n1 0\n2 10\n3 20\n');
    // an assign while that write is in flight: written through now, and the truncation's (older) content must not land after it
    c.assign(4, 15n);
    expect(readFileSync(file, 'utf8')).toBe('0\n3\n1 0\n2 10\n4 15\n');
    await c.flushed();
    expect(readFileSync(file, 'utf8')).toBe('0\n3\n1 0\n2 10\n4 15\n');
    expect(c.flushPending).toBe(false);
    // several truncations in one turn: one write in flight, the content current when it ends follows
    c.truncateFromStart(12n);
    c.truncateFromEnd(15n);
    c.truncateFromStart(13n);
    await c.flushed();
    expect(readFileSync(file, 'utf8')).toBe('0\n1\n2 13\n');
    expect(existsSync(`${file}.async.tmp`)).toBe(false);
    // clearAndFlush (a log truncated fully) writes through
    c.clearAndFlush();
    expect(readFileSync(file, 'utf8')).toBe('0\n0\n');
    // a clean close writes a pending truncation synchronously
    c.assign(5, 30n);
    c.assign(6, 40n);
    c.truncateFromEnd(40n);
    c.flushIfPending();
    expect(readFileSync(file, 'utf8')).toBe('0\n1\n5 30\n');
    await c.flushed();
    expect(readFileSync(file, 'utf8')).toBe('0\n1\n5 30\n');
    // the dir gone (partition deleted) while a write is pending: skipped, no error
    const gone = await dir();
    const g = LeaderEpochCache.load(gone);
    g.assign(1, 0n);
    g.assign(2, 5n);
    let failed: Error | null = null;
    g.onFlushError = (e) => { failed = e; };
    g.truncateFromEnd(5n);
    await rmrf(gone);
    await g.flushed();
    expect(failed).toBeNull();
  });

  it.skipIf(!hasDist)('kill -9 while assigns and asynchronous truncation writes run: the file is valid and holds every assigned epoch', async () => {
    const d = await dir();
    const modUrl = pathToFileURL(distEpochCache).href;
    // the child assigns epoch i at 10·i (written through, then reported) and truncates from the start just below it
    // (written asynchronously), as fast as it can, until killed
    const code = `import { LeaderEpochCache } from ${JSON.stringify(modUrl)};
      import { writeSync } from 'node:fs';
      const c = LeaderEpochCache.load(${JSON.stringify(d)});
      c.onFlushError = (e) => { writeSync(2, 'flush error ' + e.message + '\\n'); process.exit(3); };
      for (let i = 1; ; i++) {
        c.assign(i, BigInt(10 * i));
        writeSync(1, i + '\\n');
        c.truncateFromStart(BigInt(10 * i - 5));
        if (i % 4 === 0) await new Promise((r) => setImmediate(r));
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    child.stdout.on('data', (b) => { out += String(b); });
    child.stderr.on('data', (b) => { err += String(b); });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    // wait for progress (a few hundred assigns: asynchronous writes in flight all the while), then kill -9
    const deadline = Date.now() + 20_000;
    while (out.split("\n").length <= 100 && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    expect(err).toBe('');
    const acked = out.split('\n').filter((l) => l !== '').map(Number);
    expect(acked.length).toBeGreaterThanOrEqual(100);
    const last = acked.at(-1)!;
    const c = LeaderEpochCache.load(d); // parses: a whole file, old or new, never a torn one
    const entries = c.epochEntries();
    // every assign was written through before it was reported: the last reported epoch (or a later one) is there
    expect(c.latestEpoch).toBeGreaterThanOrEqual(last);
    // ascending epochs and offsets, each epoch at its own 10·i, an earlier one possibly moved up by a truncation
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i]!.epoch).toBeGreaterThan(entries[i - 1]!.epoch);
      expect(entries[i]!.startOffset).toBeGreaterThan(entries[i - 1]!.startOffset);
    }
    expect(entries.at(-1)!.startOffset).toBe(BigInt(10 * c.latestEpoch));
  }, 30_000);

  it('a new leader\'s assign (maybeAssignEpochStartOffset) is written off the event loop, at most 8 at once, and lands before a flush moves the recovery point', async () => {
    const root = await dir();
    const logs = Array.from({ length: 40 }, (_, i) => Log.create({ dir: path.join(root, `t-${i}`), topic: 't', partition: i, config: DEFAULT_LOG_CONFIG }));
    const file = (i: number) => path.join(root, `t-${i}`, 'leader-epoch-checkpoint');
    // 40 partitions become leader at once (a LeaderAndIsr): nothing written in this turn, the caches know the epoch
    for (const l of logs) l.maybeAssignEpochStartOffset(7, 0n);
    expect(logs.every((l) => l.latestEpoch === 7)).toBe(true);
    expect(logs.filter((_, i) => existsSync(file(i)) && readFileSync(file(i), 'utf8').includes('7 0')).length).toBe(0);
    await Promise.all(logs.map((l) => l.leaderEpochCheckpointFlushed()));
    for (let i = 0; i < logs.length; i++) expect(readFileSync(file(i), 'utf8')).toBe('0\n1\n7 0\n');
    expect(leaderEpochAsyncWritesMaxSeen()).toBeGreaterThan(0);
    expect(leaderEpochAsyncWritesMaxSeen()).toBeLessThanOrEqual(8);
    // batches of a new epoch appended and flushed while its write is pending: the flush lands the write before the
    // recovery point passes them (a crash could not leave flushed batches of an epoch the file lacks)
    const l = logs[1]!;
    l.maybeAssignEpochStartOffset(9, 0n);
    l.appendAsLeader(encodeBatch([{ key: null, value: Buffer.from('x'), timestamp: Date.now() }]), 9);
    expect(readFileSync(file(1), 'utf8')).toBe('0\n1\n7 0\n');
    l.flush();
    expect(l.recoveryPoint).toBe(1n);
    expect(readFileSync(file(1), 'utf8')).toBe('0\n1\n9 0\n');
    await l.leaderEpochCheckpointFlushed();
    expect(readFileSync(file(1), 'utf8')).toBe('0\n1\n9 0\n');
    for (const x of logs) x.close();
  });
});
