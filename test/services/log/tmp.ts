import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compatDir } from '../../helpers/environment.js';

/** Fresh temp dir; returns its realpath. */
export async function makeTmpDir(prefix = 'rafka-log-'): Promise<string> {
  return fsp.realpath(await fsp.mkdtemp(path.join(os.tmpdir(), prefix)));
}

export async function rmrf(p: string): Promise<void> {
  await fsp.rm(p, { recursive: true, force: true });
}

/** The Kafka 2.7.1 fixture, from ../shared next to the repository root (never a fixed absolute path). */
export const COMPAT_DIR = compatDir();

/** Copy the compat fixture to a temp dir (files made writable). */
export async function copyCompat(): Promise<string> {
  const root = await makeTmpDir('rafka-compat-');
  const dst = path.join(root, 'kafka-logs');
  await fsp.cp(COMPAT_DIR, dst, { recursive: true });
  await chmodTree(dst);
  return dst;
}

async function chmodTree(p: string): Promise<void> {
  const st = await fsp.stat(p);
  if (st.isDirectory()) {
    await fsp.chmod(p, 0o755);
    for (const e of await fsp.readdir(p)) await chmodTree(path.join(p, e));
  } else {
    await fsp.chmod(p, 0o644);
  }
}
