/**
 * Mount / power-cut / unmount the lazyfs test filesystem (lazyfs.c, next to this file): a FUSE passthrough that
 * drops every write not fsynced and every dir entry change not followed by a dir fsync when told to "cut".
 * Built by `scripts/setup.sh --test` into test/helpers/lazyfs/build/lazyfs; built here on first use when a C
 * compiler and libfuse3-dev are present. Needs root and /dev/fuse.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const LAZYFS_SOURCE = join(HERE, 'lazyfs.c');
export const LAZYFS_BIN = join(HERE, 'build', 'lazyfs');

/** Why lazyfs cannot run here, or null when it can (building the binary if needed). */
export function lazyfsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'lazyfs needs root (FUSE mounts in tests run as root)';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse (FUSE unavailable)';
  try {
    execFileSync('which', ['fusermount3'], { stdio: 'ignore' });
  } catch {
    return 'fusermount3 missing (Debian package fuse3; scripts/setup.sh --test installs it)';
  }
  try {
    buildLazyfs();
  } catch (e) {
    return `cannot build lazyfs: ${(e as Error).message.split('\n')[0]} (needs cc, pkg-config and libfuse3-dev; scripts/setup.sh --test installs them)`;
  }
  return null;
}

/** Compile lazyfs.c unless the binary is newer than the source. */
export function buildLazyfs(): string {
  if (existsSync(LAZYFS_BIN) && statSync(LAZYFS_BIN).mtimeMs >= statSync(LAZYFS_SOURCE).mtimeMs) return LAZYFS_BIN;
  mkdirSync(dirname(LAZYFS_BIN), { recursive: true });
  const flags = execFileSync('pkg-config', ['fuse3', '--cflags', '--libs'], { encoding: 'utf8' }).trim().split(/\s+/);
  execFileSync('cc', ['-O2', '-Wall', '-o', LAZYFS_BIN, LAZYFS_SOURCE, ...flags, '-lpthread'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return LAZYFS_BIN;
}

export interface CutResult {
  /** Files whose unsynced writes were rolled back. */
  files: number;
  /** Bytes restored or dropped. */
  bytes: number;
  /** Directory entry changes undone. */
  dirops: number;
}

export class LazyFs {
  private proc: ChildProcess | null = null;
  private replies = 0;
  readonly mountpoint: string;
  private readonly ctl: string;
  private stderr = '';

  /** `root` holds the backing dir (data), the trash, the control FIFO and the mountpoint (mnt). */
  constructor(readonly root: string) {
    this.mountpoint = join(root, 'mnt');
    this.ctl = join(root, 'ctl');
  }

  async mount(timeoutMs = 10_000): Promise<void> {
    for (const d of ['data', 'trash', 'mnt']) mkdirSync(join(this.root, d), { recursive: true });
    const bin = buildLazyfs();
    this.proc = spawn(bin, [join(this.root, 'data'), join(this.root, 'trash'), this.ctl, this.mountpoint, '-f'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    const deadline = Date.now() + timeoutMs;
    while (!this.isMounted()) {
      if (this.proc.exitCode !== null || Date.now() > deadline) throw new Error(`lazyfs did not mount ${this.mountpoint}: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  isMounted(): boolean {
    return readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === this.mountpoint);
  }

  private async command(cmd: string, timeoutMs = 30_000): Promise<string> {
    const out = `${this.ctl}.out`;
    const want = ++this.replies;
    const deadline = Date.now() + timeoutMs;
    // non-blocking open: ENXIO while the control thread is between two opens of the FIFO (or dead)
    for (;;) {
      try {
        const fd = openSync(this.ctl, constants.O_WRONLY | constants.O_NONBLOCK);
        try {
          writeSync(fd, `${cmd}\n`);
        } finally {
          closeSync(fd);
        }
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() > deadline) throw new Error(`lazyfs control FIFO: ${(e as Error).message} ${this.stderr}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    for (;;) {
      const lines = existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter((l) => l !== '') : [];
      if (lines.length >= want) return lines[want - 1]!;
      if (Date.now() > deadline) throw new Error(`lazyfs did not answer "${cmd}": ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The power cut: everything not fsynced is gone. Kill every process writing to the mount first. */
  async cut(): Promise<CutResult> {
    const line = await this.command('cut');
    const m = /^cut files=(\d+) bytes=(\d+) dirops=(\d+)$/.exec(line);
    if (!m) throw new Error(`lazyfs: unexpected answer "${line}"`);
    return { files: Number(m[1]), bytes: Number(m[2]), dirops: Number(m[3]) };
  }

  /**
   * The power cut taken synchronously, for a cut in the middle of synchronous code (a hook inside a rename):
   * the event loop is blocked until lazyfs answered, so this process writes nothing meanwhile.
   */
  cutSync(timeoutMs = 30_000): CutResult {
    const out = `${this.ctl}.out`;
    const want = ++this.replies;
    const deadline = Date.now() + timeoutMs;
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      try {
        const fd = openSync(this.ctl, constants.O_WRONLY | constants.O_NONBLOCK);
        try {
          writeSync(fd, 'cut\n');
        } finally {
          closeSync(fd);
        }
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() > deadline) throw new Error(`lazyfs control FIFO: ${(e as Error).message} ${this.stderr}`);
        Atomics.wait(sleep, 0, 0, 10);
      }
    }
    for (;;) {
      const lines = existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter((l) => l !== '') : [];
      if (lines.length >= want) {
        const m = /^cut files=(\d+) bytes=(\d+) dirops=(\d+)$/.exec(lines[want - 1]!);
        if (!m) throw new Error(`lazyfs: unexpected answer "${lines[want - 1]}"`);
        return { files: Number(m[1]), bytes: Number(m[2]), dirops: Number(m[3]) };
      }
      if (Date.now() > deadline) throw new Error(`lazyfs did not answer "cut": ${this.stderr}`);
      Atomics.wait(sleep, 0, 0, 10);
    }
  }

  /** Files with unsynced data and dir changes not yet durable. */
  async stats(): Promise<{ files: number; dirops: number }> {
    const line = await this.command('stats');
    const m = /^stats files=(\d+) dirops=(\d+)$/.exec(line);
    if (!m) throw new Error(`lazyfs: unexpected answer "${line}"`);
    return { files: Number(m[1]), dirops: Number(m[2]) };
  }

  async unmount(): Promise<void> {
    if (this.isMounted()) {
      try {
        execFileSync('fusermount3', ['-u', '-z', this.mountpoint], { stdio: 'ignore' });
      } catch {
        execFileSync('umount', ['-l', this.mountpoint], { stdio: 'ignore' });
      }
    }
    const p = this.proc;
    this.proc = null;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  }
}
