import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/**
 * fsync a directory so that a rename/create/unlink inside it is durable
 * (Kafka `Utils.flushDir`). Errors propagate.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Durably replace `file` with `data` the way Kafka does for checkpoints and
 * meta.properties: write `<file>.tmp`, flush + fsync it, atomically rename it
 * over `file`, then fsync the parent directory.
 *
 * `tmpSuffix` defaults to `.tmp` (Kafka's name for every such file).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, tmpSuffix = '.tmp'): Promise<void> {
  const tmp = file + tmpSuffix;
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
  await fsyncDir(path.dirname(file));
}

/** Write `data` to `file` (create/truncate) and fsync it before closing. */
export async function writeFileSynced(file: string, data: string | Uint8Array): Promise<void> {
  const fh = await fsp.open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
