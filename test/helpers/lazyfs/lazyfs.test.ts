/**
 * The lazyfs test filesystem itself: after a "cut", exactly what was fsynced is there — file data after
 * fsync/fdatasync, dir entries (create, rename, unlink, mkdir) after an fsync of their dir.
 * Under CI=true a machine without FUSE fails here instead of skipping.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLazyFs } from './use-lazyfs.js';

const fixture = useLazyFs('rafka-lazyfs-', 'lazyfs tests');
const { unavailable } = fixture;

const syncDir = (d: string): void => {
  const fd = fs.openSync(d, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
};
const writeSynced = (f: string, data: string): void => {
  const fd = fs.openSync(f, 'w');
  fs.writeSync(fd, data);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
};

describe.skipIf(unavailable !== null)('lazyfs', () => {
  it('a cut keeps what was fsynced and drops everything else', async () => {
    const m = fixture.lfs.mountpoint;
    const p = (f: string): string => path.join(m, f);
    writeSynced(p('a'), 'hello world');
    syncDir(m);
    // unsynced overwrite and append of a durable file
    const fd = fs.openSync(p('a'), 'r+');
    fs.writeSync(fd, 'XXXXX', 0, 'utf8');
    fs.writeSync(fd, ' more', 11, 'utf8');
    fs.closeSync(fd);
    // fdatasync counts as a sync
    const fd2 = fs.openSync(p('b'), 'w');
    fs.writeSync(fd2, 'bbb');
    fs.fdatasyncSync(fd2);
    fs.closeSync(fd2);
    // atomic replace, durable
    writeSynced(p('c.tmp'), 'v1');
    fs.renameSync(p('c.tmp'), p('c'));
    syncDir(m); // also makes b's entry durable
    // atomic replace without any fsync: lost
    fs.writeFileSync(p('c.tmp'), 'v2');
    fs.renameSync(p('c.tmp'), p('c'));
    // entries created, removed, truncated without a dir fsync
    fs.mkdirSync(p('sub'));
    writeSynced(p('sub/x'), 'x');
    fs.unlinkSync(p('b'));
    writeSynced(p('d'), 'ddd');
    fs.truncateSync(p('a'), 2);
    expect((await fixture.lfs.stats()).dirops).toBeGreaterThan(0);

    const res = await fixture.lfs.cut();
    expect(res.files).toBeGreaterThan(0);
    expect(res.dirops).toBeGreaterThan(0);
    expect(fs.readdirSync(m).sort()).toEqual(['a', 'b', 'c']);
    expect(fs.readFileSync(p('a'), 'utf8')).toBe('hello world');
    expect(fs.readFileSync(p('b'), 'utf8')).toBe('bbb');
    expect(fs.readFileSync(p('c'), 'utf8')).toBe('v1');
    expect(await fixture.lfs.stats()).toEqual({ files: 0, dirops: 0 });
  });

  it('a preallocated index trimmed after its fsync comes back at full length (sparse zeros) after a cut', async () => {
    const f = path.join(fixture.lfs.mountpoint, 'idx');
    const fd = fs.openSync(f, 'w+');
    fs.ftruncateSync(fd, 1 << 20);
    fs.writeSync(fd, Buffer.from([1, 2, 3, 4]), 0, 4, 0);
    fs.fsyncSync(fd);
    fs.ftruncateSync(fd, 8);
    fs.closeSync(fd);
    syncDir(fixture.lfs.mountpoint);
    expect(fs.statSync(f).size).toBe(8);
    await fixture.lfs.cut();
    expect(fs.statSync(f).size).toBe(1 << 20);
    expect([...fs.readFileSync(f).subarray(0, 5)]).toEqual([1, 2, 3, 4, 0]);
  });
});
