/**
 * One lazyfs mount per test file: `const fs = useLazyFs('rafka-log-cut-', 'Log power-cut tests')` registers
 * beforeAll (mount on a fresh temp root) and afterAll (unmount, remove the root). A missing prerequisite fails
 * the file under CI=true and skips it elsewhere (`describe.skipIf(fs.unavailable !== null)`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { LazyFs, lazyfsUnavailable } from './lazyfs.js';

export interface LazyFsFixture {
  /** Why lazyfs cannot run here, or null. */
  readonly unavailable: string | null;
  /** The mounted filesystem (valid inside tests). */
  readonly lfs: LazyFs;
  /** The temp dir holding the mount and its backing store; free space for the test's own files beside it. */
  readonly root: string;
}

export function useLazyFs(prefix: string, what: string): LazyFsFixture {
  const unavailable = lazyfsUnavailable();
  if (unavailable && process.env.CI === 'true') throw new Error(`${what} need lazyfs (FUSE) under CI: ${unavailable}`);
  if (unavailable) console.warn(`skipping ${what}: ${unavailable}`);
  let lfs: LazyFs | undefined;
  let root: string | undefined;
  beforeAll(async () => {
    if (unavailable) return;
    root = await mkdtemp(path.join(os.tmpdir(), prefix));
    lfs = new LazyFs(root);
    await lfs.mount();
  });
  afterAll(async () => {
    if (unavailable || !root) return;
    await lfs?.unmount();
    await rm(root, { recursive: true, force: true });
  });
  return {
    unavailable,
    get lfs() { if (!lfs) throw new Error('lazyfs is not mounted (used outside a test?)'); return lfs; },
    get root() { if (!root) throw new Error('lazyfs root not created (used outside a test?)'); return root; },
  };
}
