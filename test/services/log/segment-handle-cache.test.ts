import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsyncSlots, defaultMaxOpenSegments, HandleLru, type HandleHolder } from '../../../src/services/log/segment-handle-cache.js';
import { makeTmpDir, rmrf } from './tmp.js';

class Holder implements HandleHolder {
  released = 0;
  pinned = false;
  constructor(readonly name: string) {}
  releaseHandles(): void {
    this.released++;
  }
}

describe('HandleLru', () => {
  it('releases the least recently used unpinned holders beyond the budget, never the one opening', () => {
    const lru = new HandleLru(2);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => new Holder(n)) as [Holder, Holder, Holder, Holder];
    lru.opened(a);
    lru.opened(b);
    lru.touch(a); // b is now the least recently used
    lru.opened(c);
    expect([a.released, b.released, c.released]).toEqual([0, 1, 0]);
    a.pinned = true; // a (LRU now) is in use: c goes instead
    lru.opened(d);
    expect([a.released, c.released, d.released]).toEqual([0, 1, 0]);
    expect(lru.size).toBe(2);
    lru.closed(a);
    lru.closed(d);
    expect(lru.size).toBe(0);
    lru.touch(b); // not open: not tracked
    expect(lru.size).toBe(0);
  });

  it('budget: half the fd limit at 4 fds per segment, at least 16; RAFKA_MAX_OPEN_SEGMENTS overrides', () => {
    expect(defaultMaxOpenSegments(20000)).toBe(2500);
    expect(defaultMaxOpenSegments(64)).toBe(16);
    expect(defaultMaxOpenSegments(null)).toBe(Number.MAX_SAFE_INTEGER);
    process.env['RAFKA_MAX_OPEN_SEGMENTS'] = '7';
    try {
      expect(defaultMaxOpenSegments(20000)).toBe(7);
    } finally {
      delete process.env['RAFKA_MAX_OPEN_SEGMENTS'];
    }
  });
});

describe('AsyncSlots (bounded concurrent segment fsyncs)', () => {
  it('lets `limit` holders in at a time, the rest in FIFO order', async () => {
    const slots = new AsyncSlots(2);
    const order: string[] = [];
    let inside = 0;
    let maxInside = 0;
    const job = async (name: string) => {
      await slots.acquire();
      inside++;
      maxInside = Math.max(maxInside, inside);
      order.push(name);
      await new Promise((r) => setTimeout(r, 5));
      inside--;
      slots.release();
    };
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map(job));
    expect(maxInside).toBe(2);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
    await slots.acquire(); // all released: free again at once
    await slots.acquire();
    slots.release();
    slots.release();
  });
});

describe('more partitions than `ulimit -n` allows (child process, compiled LogManager)', () => {
  const repo = path.resolve(import.meta.dirname, '../../..');
  let root: string;
  let build: string;
  beforeAll(async () => {
    root = await makeTmpDir();
    build = path.join(root, 'build');
    mkdirSync(build);
    symlinkSync(path.join(repo, 'node_modules'), path.join(build, 'node_modules'));
    execFileSync(path.join(repo, 'node_modules/.bin/tsc'), ['--ignoreConfig', '--outDir', build, '--rootDir', path.join(repo, 'src'),
      '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node',
      path.join(repo, 'src/services/log/log-manager.ts')], { cwd: repo, stdio: 'pipe' });
  }, 120_000);
  afterAll(async () => {
    if (root) await rmrf(root);
  });

  const LIMIT = 256;
  const PARTITIONS = 400; // 3 fds each while written: 1,200 ≫ 256
  const run = (name: string, env: Record<string, string> = {}) =>
    JSON.parse(execFileSync('bash', ['-c', `ulimit -n ${LIMIT} && exec "$0" "$@"`, process.execPath,
      path.join(import.meta.dirname, 'crash/fd-child.mjs'), build, path.join(root, name), String(PARTITIONS)],
    { cwd: repo, env: { ...process.env, ...env } }).toString());

  it('writes, reads (async too), flushes, restarts and reads again within the limit', () => {
    const r = run('limited');
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.maxOpen).toBe(LIMIT / 2 / 4);
    expect(r.loaded).toBe(PARTITIONS);
    expect(r.bad).toEqual([]);
    expect(r.bytes).toBeGreaterThan(PARTITIONS * 150); // a read stays in the first segment: one batch
    expect(r.releases).toBeGreaterThan(PARTITIONS);
    expect(r.maxFds).toBeLessThan(LIMIT);
  }, 60_000);

  it('without the bound the same run fails with EMFILE (the test can fail)', () => {
    const r = run('unbounded', { RAFKA_MAX_OPEN_SEGMENTS: '1000000' });
    expect(r.ok).toBe(false);
    expect(`${r.error} ${r.failures.join(' ')}`).toMatch(/EMFILE/);
  }, 60_000);
});
