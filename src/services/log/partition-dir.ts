/**
 * Partition directory names (reference §4.6, Kafka `LocalLog.parseTopicPartitionName` and
 * `logDeleteDirName` / `logFutureDirName` / `logStrayDirName`) and listing the partition dirs
 * of a log dir the way `LogManager.loadLogs` does.
 */
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export const DELETE_DIR_SUFFIX = '-delete';
export const FUTURE_DIR_SUFFIX = '-future';
export const STRAY_DIR_SUFFIX = '-stray';
export const REMOTE_INDEX_CACHE_DIR = 'remote-log-index-cache';
export const METADATA_TOPIC = '__cluster_metadata';

const DELETE_DIR_PATTERN = /^(\S+)-(\S+)\.(\S+)-delete$/;
const FUTURE_DIR_PATTERN = /^(\S+)-(\S+)\.(\S+)-future$/;
const STRAY_DIR_PATTERN = /^(\S+)-(\S+)\.(\S+)-stray$/;

export type PartitionDirKind = 'current' | 'delete' | 'future' | 'stray';

export interface ParsedPartitionDirName {
  topic: string;
  partition: number;
  kind: PartitionDirKind;
}

export interface PartitionDir extends ParsedPartitionDirName {
  /** Directory name, e.g. `orders-0` or `orders-0.3f2a…-delete`. */
  name: string;
  /** Absolute path of the partition directory. */
  path: string;
}

/** Kafka `KafkaException` for a directory that is not a partition dir (fatal at startup). */
export class InvalidPartitionDirError extends Error {
  readonly dir: string;
  constructor(dir: string) {
    super(
      `Found directory ${dir}, '${path.basename(dir)}' is not in the form of ` +
        'topic-partition or topic-partition.uniqueId-delete (if marked for deletion).\n' +
        "Kafka's log directories (and children) should only contain Kafka topic data.",
    );
    this.name = 'InvalidPartitionDirError';
    this.dir = dir;
  }
}

/** Java `Integer.parseInt` (as Scala `toInt`). */
function parseJavaInt(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

/**
 * Parse a partition directory. `dir` is the directory path (its canonical form is what the
 * error message shows; pass a realpath if you have one). Throws InvalidPartitionDirError.
 */
export function parsePartitionDirName(dir: string): ParsedPartitionDirName {
  const dirName = path.basename(dir);
  const fail = (): never => {
    throw new InvalidPartitionDirError(dir);
  };
  if (dirName.length === 0 || !dirName.includes('-')) fail();
  let kind: PartitionDirKind = 'current';
  if (dirName.endsWith(DELETE_DIR_SUFFIX)) kind = 'delete';
  else if (dirName.endsWith(FUTURE_DIR_SUFFIX)) kind = 'future';
  else if (dirName.endsWith(STRAY_DIR_SUFFIX)) kind = 'stray';
  if (
    (kind === 'delete' && !DELETE_DIR_PATTERN.test(dirName)) ||
    (kind === 'future' && !FUTURE_DIR_PATTERN.test(dirName)) ||
    (kind === 'stray' && !STRAY_DIR_PATTERN.test(dirName))
  ) {
    fail();
  }
  const name = kind === 'current' ? dirName : dirName.slice(0, dirName.lastIndexOf('.'));
  const index = name.lastIndexOf('-');
  const topic = name.slice(0, index);
  const partitionString = name.slice(index + 1);
  if (topic.length === 0 || partitionString.length === 0) fail();
  const partition = parseJavaInt(partitionString);
  if (partition === undefined) fail();
  return { topic, partition: partition!, kind };
}

/** `<topic>-<partition>` */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

const uniqueId = (): string => randomUUID().replaceAll('-', '');

/** Capped to 255 chars by truncating the topic (delete / stray names). */
function cappedSuffixedName(topic: string, partition: number, suffix: string, id: string): string {
  const tail = `-${partition}.${id}${suffix}`;
  const prefixLength = Math.max(0, Math.min(topic.length, 255 - tail.length));
  return topic.slice(0, prefixLength) + tail;
}

/** `<topic>-<partition>.<uuid w/o dashes>-delete`, topic truncated so the name is ≤ 255 chars. */
export function deleteDirName(topic: string, partition: number, id: string = uniqueId()): string {
  return cappedSuffixedName(topic, partition, DELETE_DIR_SUFFIX, id);
}

/** `<topic>-<partition>.<uuid w/o dashes>-stray`, topic truncated so the name is ≤ 255 chars. */
export function strayDirName(topic: string, partition: number, id: string = uniqueId()): string {
  return cappedSuffixedName(topic, partition, STRAY_DIR_SUFFIX, id);
}

/** `<topic>-<partition>.<uuid w/o dashes>-future` (not truncated). */
export function futureDirName(topic: string, partition: number, id: string = uniqueId()): string {
  return `${partitionDirName(topic, partition)}.${id}${FUTURE_DIR_SUFFIX}`;
}

/**
 * The partition directories of a log dir, sorted by name: only directories (symlinks followed),
 * skipping `remote-log-index-cache` and `__cluster_metadata-*`. Any other directory whose
 * name does not parse throws InvalidPartitionDirError (fatal at startup in Kafka).
 * I/O errors listing `logDir` propagate.
 */
export async function listPartitionDirs(logDir: string): Promise<PartitionDir[]> {
  const absLogDir = path.resolve(logDir);
  const names = (await fsp.readdir(absLogDir)).sort();
  const out: PartitionDir[] = [];
  for (const name of names) {
    const p = path.join(absLogDir, name);
    let isDir: boolean;
    try {
      isDir = (await fsp.stat(p)).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue; // vanished or dangling symlink: File.isDirectory() is false
      throw e;
    }
    if (!isDir || name === REMOTE_INDEX_CACHE_DIR) continue;
    let parsed: ParsedPartitionDirName;
    try {
      parsed = parsePartitionDirName(p);
    } catch (e) {
      if (e instanceof InvalidPartitionDirError) {
        const canonical = await fsp.realpath(p).catch(() => p);
        throw new InvalidPartitionDirError(canonical);
      }
      throw e;
    }
    if (parsed.topic === METADATA_TOPIC) continue;
    out.push({ ...parsed, name, path: p });
  }
  return out;
}
