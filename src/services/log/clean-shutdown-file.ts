/**
 * `.kafka_cleanshutdown` marker (reference §4.5, Kafka `CleanShutdownFileHandler`).
 * Content `{"version":0,"brokerEpoch":<long>}` (ZK mode always -1), fsynced. Before 3.7 the
 * file was empty, so readers accept empty content. In ZK mode only its existence matters.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { fsyncDir, writeFileSynced } from './atomic-write.js';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const CLEAN_SHUTDOWN_FILE_VERSION = 0;

export function cleanShutdownFilePath(dir: string): string {
  return path.join(dir, CLEAN_SHUTDOWN_FILE);
}

/** True iff `<dir>/.kafka_cleanshutdown` exists (whatever its content). */
export async function hasCleanShutdownFile(dir: string): Promise<boolean> {
  try {
    await fsp.lstat(cleanShutdownFilePath(dir));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw e;
  }
}

/** Write `{"version":0,"brokerEpoch":<epoch>}`, fsync it, then fsync the dir so the marker is durable. */
export async function writeCleanShutdownFile(dir: string, brokerEpoch: bigint = -1n): Promise<void> {
  const content = `{"version":${CLEAN_SHUTDOWN_FILE_VERSION},"brokerEpoch":${brokerEpoch}}`;
  await writeFileSynced(cleanShutdownFilePath(dir), content);
  await fsyncDir(dir);
}

/**
 * The broker epoch recorded in the marker, or -1n if the file is missing, empty (pre-3.7
 * format) or unparsable (Kafka logs a warning and returns -1).
 */
export async function readCleanShutdownBrokerEpoch(dir: string): Promise<bigint> {
  let text: string;
  try {
    text = await fsp.readFile(cleanShutdownFilePath(dir), 'utf8');
  } catch {
    return -1n;
  }
  const m = /"brokerEpoch"\s*:\s*(-?[0-9]+)/.exec(text);
  if (!m) return -1n;
  try {
    JSON.parse(text);
  } catch {
    return -1n;
  }
  return BigInt(m[1]!);
}

/** Delete the marker if present (then fsync the dir, so a crash while loading counts as unclean). */
export async function deleteCleanShutdownFile(dir: string): Promise<void> {
  try {
    await fsp.unlink(cleanShutdownFilePath(dir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  await fsyncDir(dir);
}
