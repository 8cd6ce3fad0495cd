import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { lockLogDir, LogDirLockedError } from '../../../src/services/log/file-lock.js';
import { makeTmpDir, rmrf } from './tmp.js';
import { prerequisite } from '../../helpers/environment.js';

let tmp: string;
beforeEach(async () => {
  tmp = await makeTmpDir();
});
afterEach(async () => {
  await rmrf(tmp);
});

// A separate Node process taking the same kind of lock (fcntl F_SETLK, F_WRLCK) on <dir>/.lock.
const CHILD = `
const fs = require('fs'); const ext = require('fs-ext');
const fd = fs.openSync(process.argv[1] + '/.lock', fs.constants.O_CREAT | fs.constants.O_RDWR);
ext.fcntl(fd, 'setlk', ext.constants.F_WRLCK, (e) => {
  if (e) { console.log('busy ' + e.code); process.exit(3); }
  console.log('locked');
  if (process.argv[2] === 'hold') setInterval(() => {}, 1000); else process.exit(0);
});
`;

function runChild(dir: string, mode: 'try' | 'hold'): ChildProcess {
  return spawn(process.execPath, ['-e', CHILD, dir, mode], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
}

async function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const i = buf.indexOf('\n');
      if (i >= 0) resolve(buf.slice(0, i));
    });
    child.on('exit', (code) => reject(new Error(`child exited ${code} before output: ${buf}`)));
  });
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('lockLogDir', () => {
  it('creates .lock, holds it, and release() unlocks + deletes it', async () => {
    const t0 = performance.now();
    const lock = await lockLogDir(tmp);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(2000); // measured ~0.2 ms; the bound only rules out a blocking lock call (room for a loaded CI machine)
    expect(lock.path).toBe(path.join(tmp, '.lock'));
    expect((await fsp.stat(lock.path)).size).toBe(0);
    // another process cannot take it
    const c = runChild(tmp, 'try');
    expect(await firstLine(c)).toMatch(/^busy (EAGAIN|EACCES)$/);
    expect(await exitCode(c)).toBe(3);
    await lock.release();
    await expect(fsp.stat(lock.path)).rejects.toMatchObject({ code: 'ENOENT' });
    await lock.release(); // idempotent
    // now a child can
    const c2 = runChild(tmp, 'try');
    expect(await firstLine(c2)).toBe('locked');
    expect(await exitCode(c2)).toBe(0);
  });

  it('fails at once while another process holds the lock', async () => {
    const holder = runChild(tmp, 'hold');
    try {
      expect(await firstLine(holder)).toBe('locked');
      const t0 = performance.now();
      const err = await lockLogDir(tmp).catch((e: unknown) => e);
      // A blocking lock call would wait for the holder (which holds until killed below): any bound far from that
      // proves "at once"; 5 s leaves room for a loaded machine's thread pool.
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(err).toBeInstanceOf(LogDirLockedError);
      expect((err as Error).message).toBe(
        `Failed to acquire lock on file .lock in ${tmp}. A Kafka instance in another process or thread is using this directory.`,
      );
    } finally {
      holder.kill('SIGKILL');
      await exitCode(holder);
    }
  });

  it('a stale .lock left by a SIGKILLed process does not block', async () => {
    const holder = runChild(tmp, 'hold');
    expect(await firstLine(holder)).toBe('locked');
    holder.kill('SIGKILL');
    await exitCode(holder);
    await fsp.stat(path.join(tmp, '.lock')); // the file is still there
    const lock = await lockLogDir(tmp);
    await lock.release();
  });

  it('a second lock in the same process fails too', async () => {
    const lock = await lockLogDir(tmp);
    try {
      await expect(lockLogDir(tmp)).rejects.toBeInstanceOf(LogDirLockedError);
      // via a different path spelling of the same dir
      await fsp.symlink(tmp, tmp + '-link');
      await expect(lockLogDir(tmp + '-link')).rejects.toBeInstanceOf(LogDirLockedError);
      // ...and those failed attempts did not drop the real lock (closing any fd of a
      // POSIX-locked file releases the lock, so the file must not even be opened again)
      const c = runChild(tmp, 'try');
      expect(await firstLine(c)).toMatch(/^busy /);
      await exitCode(c);
      // concurrent attempts: exactly one wins
      await lock.release();
      const results = await Promise.allSettled([lockLogDir(tmp), lockLogDir(tmp), lockLogDir(tmp)]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof LogDirLockedError)).toHaveLength(2);
      await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof lockLogDir>>>).value.release();
    } finally {
      await fsp.rm(tmp + '-link', { force: true });
      await lock.release();
    }
    const again = await lockLogDir(tmp);
    await again.release();
  });

  it('conflicts with other POSIX-lock users (what Java FileChannel.tryLock uses)', async (ctx) => {
    const py = spawnSync('python3', ['-c', 'print(1)']);
    if (!prerequisite('python3', py.status === 0, 'apt-get install -y python3')) ctx.skip();
    const holder = spawn(
      'python3',
      ['-c', 'import fcntl,sys,time\nf=open(sys.argv[1]+"/.lock","a+")\nfcntl.lockf(f,fcntl.LOCK_EX|fcntl.LOCK_NB)\nprint("locked",flush=True)\ntime.sleep(60)', tmp],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      expect(await firstLine(holder)).toBe('locked');
      await expect(lockLogDir(tmp)).rejects.toBeInstanceOf(LogDirLockedError);
    } finally {
      holder.kill('SIGKILL');
      await exitCode(holder);
    }
  });

  it('I/O errors are not reported as "locked"', async () => {
    const f = path.join(tmp, 'file');
    await fsp.writeFile(f, '');
    await expect(lockLogDir(path.join(tmp, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(lockLogDir(f)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

describe('lockLogDir across two processes both running lockLogDir', () => {
  /** Build a plain-JS copy of file-lock.ts (types stripped) that a child `node` can import. */
  async function buildChildModule(dir: string): Promise<string | undefined> {
    let vite: { transformWithOxc?: (code: string, file: string, opts?: object) => Promise<{ code: string }> };
    try {
      vite = (await import('vite')) as typeof vite;
    } catch {
      return undefined;
    }
    if (typeof vite.transformWithOxc !== 'function') return undefined;
    const srcPath = path.resolve('src/services/log/file-lock.ts');
    const out = await vite.transformWithOxc(await fsp.readFile(srcPath, 'utf8'), srcPath, { lang: 'ts' });
    const dst = path.join(dir, 'file-lock.mjs');
    await fsp.writeFile(dst, out.code);
    return dst;
  }

  const script = (mod: string) => `
    import { lockLogDir } from ${JSON.stringify(mod)};
    try { await lockLogDir(process.argv[1]); console.log('locked'); }
    catch (e) { console.log(e.name + ': ' + e.message); process.exit(3); }
    setInterval(() => {}, 1000);
  `;

  it('the second process fails at once with LogDirLockedError; works again after SIGKILL of the first', async (ctx) => {
    const build = await makeTmpDir('rafka-lockmod-');
    try {
      const mod = await buildChildModule(build);
      if (!prerequisite('vite transformWithOxc (vitest\'s vite)', mod !== undefined, 'npm ci')) ctx.skip();
      const logDir = path.join(tmp, 'logs');
      await fsp.mkdir(logDir);
      const env = { ...process.env, NODE_PATH: path.resolve('node_modules') };
      const start = () =>
        spawn(process.execPath, ['--input-type=module', '-e', script(mod!), logDir], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      const first = start();
      expect(await firstLine(first)).toBe('locked');
      const second = start();
      expect(await firstLine(second)).toBe(
        `LogDirLockedError: Failed to acquire lock on file .lock in ${logDir}. A Kafka instance in another process or thread is using this directory.`,
      );
      expect(await exitCode(second)).toBe(3);
      first.kill('SIGKILL');
      await exitCode(first);
      const third = start();
      expect(await firstLine(third)).toBe('locked');
      third.kill('SIGKILL');
      await exitCode(third);
    } finally {
      await rmrf(build);
    }
  });
});
