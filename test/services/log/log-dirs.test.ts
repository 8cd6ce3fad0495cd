import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DuplicateLogDirError, validateLogDirs } from '../../../src/services/log/log-dirs.js';
import { makeTmpDir, rmrf } from './tmp.js';
import { prerequisite } from '../../helpers/environment.js';

let tmp: string;
beforeEach(async () => {
  tmp = await makeTmpDir();
});
afterEach(async () => {
  await rmrf(tmp);
});

/** Mount a read-only tmpfs at `dir` (needs root + CAP_SYS_ADMIN); returns false if impossible. */
function mountReadOnly(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('validateLogDirs', () => {
  it('creates missing dirs recursively and keeps existing ones, in order', async () => {
    const a = path.join(tmp, 'a', 'b', 'c');
    const b = path.join(tmp, 'existing');
    await fsp.mkdir(b);
    await fsp.writeFile(path.join(b, 'keep'), 'x');
    const r = await validateLogDirs([a, b]);
    expect(r).toEqual({ online: [a, b], offline: [] });
    expect((await fsp.stat(a)).isDirectory()).toBe(true);
    expect(await fsp.readdir(b)).toEqual(['keep']); // probe file removed
  });

  it('relative dirs are made absolute', async () => {
    const rel = path.relative(process.cwd(), path.join(tmp, 'rel'));
    const r = await validateLogDirs([rel]);
    expect(r.online).toEqual([path.join(tmp, 'rel')]);
  });

  it('a dir that cannot be created (parent is a regular file) goes offline', async () => {
    const f = path.join(tmp, 'file');
    await fsp.writeFile(f, '');
    const good = path.join(tmp, 'good');
    const r = await validateLogDirs([path.join(f, 'logs'), good]);
    expect(r.online).toEqual([good]);
    expect(r.offline).toHaveLength(1);
    expect(r.offline[0]!.dir).toBe(path.join(f, 'logs'));
    expect(r.offline[0]!.error.message).toContain(`Failed to create data directory ${path.join(f, 'logs')}`);
  });

  it('a regular file where a dir is expected goes offline', async () => {
    const f = path.join(tmp, 'file');
    await fsp.writeFile(f, '');
    const r = await validateLogDirs([f]);
    expect(r.online).toEqual([]);
    expect(r.offline[0]!.error.message).toBe(`${f} is not a readable log directory.`);
  });

  it('a dir on a read-only filesystem goes offline', async (ctx) => {
    const ro = path.join(tmp, 'ro');
    await fsp.mkdir(ro);
    if (!prerequisite('root (mount a read-only tmpfs)', mountReadOnly(ro), 'run the tests as root')) ctx.skip();
    try {
      const r = await validateLogDirs([ro]);
      expect(r.online).toEqual([]);
      expect(r.offline[0]!.error.message).toMatch(/is not a (readable|writable) log directory/);
      expect(String((r.offline[0]!.error.cause as NodeJS.ErrnoException).code)).toBe('EROFS');
    } finally {
      execFileSync('umount', [ro]);
    }
  });

  it('initialOfflineDirs are reported offline', async () => {
    const a = path.join(tmp, 'a');
    const r = await validateLogDirs([a], { initialOfflineDirs: [a] });
    expect(r.offline).toEqual([{ dir: a, error: expect.objectContaining({ message: `Failed to load ${a} during broker startup` }) }]);
  });

  it('duplicates by canonical path throw (symlink and ..)', async () => {
    const a = path.join(tmp, 'a');
    await fsp.mkdir(a);
    await fsp.symlink(a, path.join(tmp, 'link'));
    await expect(validateLogDirs([a, path.join(tmp, 'link')])).rejects.toThrow(
      new DuplicateLogDirError(`Duplicate log directory found: ${a}, ${path.join(tmp, 'link')}`),
    );
    await expect(validateLogDirs([a, `${tmp}/x/../a`])).rejects.toThrow('Duplicate log directory found');
    await expect(validateLogDirs([a, a + '/'])).rejects.toThrow(DuplicateLogDirError);
  });
});

describe('lockLogDirs', () => {
  it('locks every dir; I/O failures go offline; a held dir is fatal and releases the rest', async () => {
    const { lockLogDirs } = await import('../../../src/services/log/log-dirs.js');
    const { LogDirLockedError } = await import('../../../src/services/log/file-lock.js');
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    await fsp.mkdir(a);
    await fsp.mkdir(b);
    const r = await lockLogDirs([a, path.join(tmp, 'missing'), b]);
    expect(r.locked.map((l) => l.dir)).toEqual([a, b]);
    expect(r.offline.map((o) => o.dir)).toEqual([path.join(tmp, 'missing')]);
    // b is held now: a fresh attempt over [c, b] fails and releases c
    const c = path.join(tmp, 'c');
    await fsp.mkdir(c);
    await expect(lockLogDirs([c, b])).rejects.toBeInstanceOf(LogDirLockedError);
    await expect(fsp.stat(path.join(c, '.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
    for (const l of r.locked) await l.lock.release();
    const again = await lockLogDirs([c, b]);
    expect(again.locked).toHaveLength(2);
    for (const l of again.locked) await l.lock.release();
  });
});
