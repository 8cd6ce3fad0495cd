/**
 * Test seam for durability: wraps `node:fs` (the object every log-layer module calls through) to record which
 * files and dirs are fsynced and which were written, truncated, created or renamed since their last fsync — an
 * in-process model of what a power cut would lose (test/helpers/lazyfs does it for real, for a broker process).
 * Paths of descriptors come from /proc/self/fd (Linux).
 */
import fs, { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';

export interface FsyncRecorder {
  /** Every fsync/fdatasync, in order: the file or dir path. */
  readonly syncs: string[];
  /** Files with writes or truncations not fsynced since. */
  readonly dirtyFiles: Set<string>;
  /** Dirs with entries created/renamed/removed since their last fsync. */
  readonly dirtyDirs: Set<string>;
  reset(): void;
  restore(): void;
}

const pathOfFd = (fd: number): string => {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return `fd:${fd}`;
  }
};

const isDir = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

export async function recordFsyncs(): Promise<FsyncRecorder> {
  const syncs: string[] = [];
  const dirtyFiles = new Set<string>();
  const dirtyDirs = new Set<string>();
  const synced = (p: string): void => {
    syncs.push(p);
    if (isDir(p)) dirtyDirs.delete(p);
    else dirtyFiles.delete(p);
  };
  const entryChanged = (p: string): void => {
    dirtyDirs.add(path.dirname(path.resolve(p)));
  };
  const spies: Array<{ mockRestore(): void }> = [];
  type Wrapped = 'fsyncSync' | 'fdatasyncSync' | 'writeSync' | 'ftruncateSync' | 'writeFileSync' | 'openSync' | 'renameSync' | 'unlinkSync' | 'rmSync';
  const wrap = (name: Wrapped, before: (...args: any[]) => void): void => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const orig = fs[name] as unknown as (...a: unknown[]) => unknown;
    spies.push(vi.spyOn(fs, name as 'fsyncSync').mockImplementation(((...args: unknown[]) => {
      before(...args);
      return orig.apply(fs, args);
    }) as never));
  };
  wrap('fsyncSync', (fd: number) => synced(pathOfFd(fd)));
  wrap('fdatasyncSync', (fd: number) => synced(pathOfFd(fd)));
  // the callback forms: record when the sync completed
  for (const name of ['fsync', 'fdatasync'] as const) {
    const orig = fs[name];
    spies.push(vi.spyOn(fs, name).mockImplementation(((fd: number, cb: (e: Error | null) => void) => {
      const p = pathOfFd(fd);
      return orig(fd, (e) => {
        if (!e) synced(p);
        cb(e);
      });
    }) as never));
  }
  wrap('writeSync', (fd: number) => dirtyFiles.add(pathOfFd(fd)));
  wrap('ftruncateSync', (fd: number) => dirtyFiles.add(pathOfFd(fd)));
  wrap('writeFileSync', (f: number | string) => dirtyFiles.add(typeof f === 'number' ? pathOfFd(f) : path.resolve(f)));
  wrap('openSync', (f: string, flags?: string) => {
    if (typeof flags === 'string' && /[wa]/.test(flags) && !fs.existsSync(f)) entryChanged(f);
  });
  wrap('renameSync', (from: string, to: string) => {
    entryChanged(from);
    entryChanged(to);
    if (dirtyFiles.delete(path.resolve(from))) dirtyFiles.add(path.resolve(to));
  });
  wrap('unlinkSync', (f: string) => entryChanged(f));
  wrap('rmSync', (f: string) => {
    if (fs.existsSync(f)) entryChanged(f);
  });
  // FileHandle.sync / datasync (fs.promises), the async dir fsync included
  const probe = await fsp.open(os.tmpdir(), 'r');
  const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void>; datasync: () => Promise<void> };
  await probe.close();
  for (const name of ['sync', 'datasync'] as const) {
    const orig = proto[name];
    spies.push(vi.spyOn(proto, name).mockImplementation(async function (this: { fd: number }) {
      const p = pathOfFd(this.fd);
      await orig.call(this);
      synced(p);
    } as never));
  }
  return {
    syncs,
    dirtyFiles,
    dirtyDirs,
    reset() {
      syncs.length = 0;
      dirtyFiles.clear();
      dirtyDirs.clear();
    },
    restore() {
      for (const s of spies.reverse()) s.mockRestore();
    },
  };
}
