import fs, { promises as fsp } from 'node:fs';
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

/** fsync `file` unless it no longer exists (Kafka `Utils.flushFileIfExists`). */
export function fsyncFileIfExistsSync(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** {@link fsyncFileIfExistsSync} on the libuv thread pool. */
export async function fsyncFileIfExists(file: string): Promise<void> {
  let fh;
  try {
    fh = await fsp.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Delete the `<name>.tmp` files an atomic write left behind when it was cut (a crash between creating the tmp
 * file and the rename): at startup, before the checkpoints of `dir` are read. Returns the names deleted.
 * Kafka leaves them to be overwritten by the next write; a power cut leaves them empty, so Rafka removes them.
 */
export async function removeLeftoverTmpFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    if (!e.isFile() || !e.name.endsWith('.tmp')) continue;
    await fsp.rm(path.join(dir, e.name), { force: true });
    removed.push(e.name);
  }
  if (removed.length > 0) await fsyncDir(dir);
  return removed;
}

/**
 * `mkdir -p dir`, durable: when dirs were created, the parent of each created one is fsynced (Kafka
 * `Files.createDirectories` + `Utils.flushDir(parent)`), so a power cut cannot take the new dir away with
 * everything later written and fsynced inside it. Returns true if something was created.
 */
export async function mkdirsDurable(dir: string): Promise<boolean> {
  const first = await fsp.mkdir(dir, { recursive: true });
  if (first === undefined) return false;
  const target = path.resolve(dir);
  for (let d = path.resolve(first); ; d = path.join(d, path.relative(d, target).split(path.sep)[0]!)) {
    await fsyncDir(path.dirname(d));
    if (d === target) break;
  }
  return true;
}
