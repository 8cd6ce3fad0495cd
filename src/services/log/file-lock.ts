/**
 * `<logdir>/.lock` (reference §4.3): an OS-level advisory lock, taken the way Java's
 * `FileChannel.tryLock()` does on Linux — a non-blocking POSIX record lock (`fcntl(F_SETLK,
 * F_WRLCK)`) over the whole file — so it also conflicts with a real Kafka broker on the same dir.
 *
 * POSIX locks belong to the process and vanish when it dies, so a stale `.lock` file left by a
 * crashed/killed broker never blocks. They do not conflict inside one process, so (like the JVM's
 * own lock table) an in-process registry makes a second lock of the same file fail too.
 * Caveat of POSIX locks: closing ANY descriptor of the locked file in this process drops the
 * lock, so nothing else may open/close `.lock` while it is held.
 */
import { constants as fsc, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';

interface FsExt {
  // Only the callback form builds a `struct flock` for setlk (fcntlSync passes the int through).
  fcntl(fd: number, cmd: 'setlk', arg: number, cb: (err: NodeJS.ErrnoException | null) => void): void;
  constants: { F_WRLCK: number; F_UNLCK: number };
}

const fsExt = createRequire(import.meta.url)('fs-ext') as FsExt;

/** Non-blocking whole-file POSIX lock operation (`fcntl(fd, F_SETLK, {type, SEEK_SET, 0, 0})`). */
function setlk(fd: number, type: number): Promise<void> {
  return new Promise((resolve, reject) => fsExt.fcntl(fd, 'setlk', type, (err) => (err ? reject(err) : resolve())));
}

export const LOCK_FILE = '.lock';

export class LogDirLockedError extends Error {
  readonly dir: string;
  constructor(dir: string) {
    super(
      `Failed to acquire lock on file ${LOCK_FILE} in ${dir}. A Kafka instance in another process or thread is using this directory.`,
    );
    this.name = 'LogDirLockedError';
    this.dir = dir;
  }
}

export interface FileLock {
  readonly path: string;
  /** Unlock, close and delete the `.lock` file. Idempotent. */
  release(): Promise<void>;
}

/**
 * Canonical dirs whose `.lock` this process holds or is acquiring. Checked and reserved
 * synchronously BEFORE the file is opened: opening and closing a second descriptor of a file
 * we hold a POSIX lock on would silently drop that lock.
 */
const heldDirs = new Set<string>();

const inodeKey = (st: { dev: number | bigint; ino: number | bigint }): string => `${st.dev}:${st.ino}`;

/**
 * Create (if missing) and lock `<dir>/.lock` without blocking. Throws `LogDirLockedError`
 * at once if another process (or this one) holds it; other I/O errors propagate as-is
 * (the caller takes the dir offline).
 */
export async function lockLogDir(dir: string): Promise<FileLock> {
  const absDir = path.resolve(dir);
  const realDir = await fsp.realpath(absDir);
  if (heldDirs.has(realDir)) throw new LogDirLockedError(absDir);
  heldDirs.add(realDir);
  try {
    const file = path.join(absDir, LOCK_FILE);
    // Retry if the file we locked was unlinked/replaced by its previous owner meanwhile.
    for (let attempt = 0; ; attempt++) {
      const fh = await fsp.open(file, fsc.O_CREAT | fsc.O_RDWR);
      let key: string;
      try {
        key = inodeKey(await fh.stat());
        try {
          await setlk(fh.fd, fsExt.constants.F_WRLCK);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN' || code === 'EACCES') throw new LogDirLockedError(absDir);
          throw e;
        }
        const current = await fsp.stat(file).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ENOENT') return undefined;
          throw e;
        });
        if (current === undefined || inodeKey(current) !== key) {
          // Locked a file that is no longer `.lock`; closing drops the lock. Try again.
          if (attempt >= 10) throw new Error(`Failed to lock ${file}: the file keeps being replaced`);
          await fh.close();
          continue;
        }
      } catch (e) {
        await fh.close().catch(() => {});
        throw e;
      }
      return new HeldLock(file, fh, key, realDir);
    }
  } catch (e) {
    heldDirs.delete(realDir);
    throw e;
  }
}

class HeldLock implements FileLock {
  #fh: FileHandle | undefined;
  constructor(
    readonly path: string,
    fh: FileHandle,
    private readonly key: string,
    private readonly realDir: string,
  ) {
    this.#fh = fh;
  }

  async release(): Promise<void> {
    const fh = this.#fh;
    if (!fh) return;
    this.#fh = undefined;
    try {
      // Delete while still locked, so nobody can lock this inode between unlock and unlink;
      // only if `.lock` is still our file.
      const st = await fsp.stat(this.path).catch(() => undefined);
      if (st && inodeKey(st) === this.key) await fsp.rm(this.path, { force: true });
    } finally {
      try {
        await setlk(fh.fd, fsExt.constants.F_UNLCK);
      } catch {
        // close() below releases it anyway
      }
      await fh.close().finally(() => heldDirs.delete(this.realDir));
    }
  }
}
