/**
 * Segment file names (reference §4.7, Kafka `LogFileUtils`): `<20-digit zero-padded base offset><suffix>`,
 * e.g. `00000000000000001234.log`. Temporary suffixes `.deleted`, `.cleaned`, `.swap` are appended to the
 * regular one (`00000000000000001234.log.deleted`).
 */
import path from 'node:path';

export const LOG_FILE_SUFFIX = '.log';
export const INDEX_FILE_SUFFIX = '.index';
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';
export const TXN_INDEX_FILE_SUFFIX = '.txnindex';
export const PRODUCER_SNAPSHOT_FILE_SUFFIX = '.snapshot';
export const DELETED_FILE_SUFFIX = '.deleted';
export const CLEANED_FILE_SUFFIX = '.cleaned';
export const SWAP_FILE_SUFFIX = '.swap';

export type SegmentFileSuffix = '.log' | '.index' | '.timeindex' | '.txnindex' | '.snapshot';
export type TemporaryFileSuffix = '.deleted' | '.cleaned' | '.swap';

export const SEGMENT_FILE_SUFFIXES: readonly SegmentFileSuffix[] = ['.log', '.index', '.timeindex', '.txnindex', '.snapshot'];
export const TEMPORARY_FILE_SUFFIXES: readonly TemporaryFileSuffix[] = ['.deleted', '.cleaned', '.swap'];

const MAX_INT64 = 9223372036854775807n;

/** The 20-digit zero-padded decimal prefix for `offset` (`filenamePrefixFromOffset`). */
export function filenamePrefixFromOffset(offset: bigint | number): string {
  const o = BigInt(offset);
  if (o < 0n || o > MAX_INT64) throw new RangeError(`Offset ${o} cannot be a file name prefix`);
  return o.toString().padStart(20, '0');
}

/** `<dir>/<prefix><suffix>[tempSuffix]`. */
export function segmentFileName(offset: bigint | number, suffix: SegmentFileSuffix, tempSuffix: TemporaryFileSuffix | '' = ''): string {
  return filenamePrefixFromOffset(offset) + suffix + tempSuffix;
}

export const logFileName = (offset: bigint | number): string => segmentFileName(offset, '.log');
export const offsetIndexFileName = (offset: bigint | number): string => segmentFileName(offset, '.index');
export const timeIndexFileName = (offset: bigint | number): string => segmentFileName(offset, '.timeindex');
export const txnIndexFileName = (offset: bigint | number): string => segmentFileName(offset, '.txnindex');
export const producerSnapshotFileName = (offset: bigint | number): string => segmentFileName(offset, '.snapshot');

export const logFile = (dir: string, offset: bigint | number, tempSuffix: TemporaryFileSuffix | '' = ''): string =>
  path.join(dir, segmentFileName(offset, '.log', tempSuffix));
export const offsetIndexFile = (dir: string, offset: bigint | number, tempSuffix: TemporaryFileSuffix | '' = ''): string =>
  path.join(dir, segmentFileName(offset, '.index', tempSuffix));
export const timeIndexFile = (dir: string, offset: bigint | number, tempSuffix: TemporaryFileSuffix | '' = ''): string =>
  path.join(dir, segmentFileName(offset, '.timeindex', tempSuffix));
export const txnIndexFile = (dir: string, offset: bigint | number, tempSuffix: TemporaryFileSuffix | '' = ''): string =>
  path.join(dir, segmentFileName(offset, '.txnindex', tempSuffix));
export const producerSnapshotFile = (dir: string, offset: bigint | number): string =>
  path.join(dir, segmentFileName(offset, '.snapshot'));

/** A parsed segment-related file name. */
export interface ParsedSegmentFileName {
  baseOffset: bigint;
  suffix: SegmentFileSuffix;
  /** '' when the file is not temporary. */
  tempSuffix: TemporaryFileSuffix | '';
}

const NAME_RE = /^(\d{20})(\.log|\.index|\.timeindex|\.txnindex|\.snapshot)(\.deleted|\.cleaned|\.swap)?$/;

/**
 * Parse a file name (base name, not a path) such as `00000000000000000042.timeindex.swap`; null if it is not
 * a segment-related file name. Kafka itself parses the part before the first `.` as a long (`offsetFromFileName`);
 * here the prefix must be exactly 20 digits and fit in int64.
 */
export function parseSegmentFileName(name: string): ParsedSegmentFileName | null {
  const m = NAME_RE.exec(name);
  if (!m) return null;
  const baseOffset = BigInt(m[1]!);
  if (baseOffset > MAX_INT64) return null;
  return { baseOffset, suffix: m[2] as SegmentFileSuffix, tempSuffix: (m[3] ?? '') as TemporaryFileSuffix | '' };
}

/** Base offset from a file name or path (`offsetFromFileName`): the digits before the first dot. */
export function offsetFromFileName(fileName: string): bigint {
  const base = path.basename(fileName);
  const dot = base.indexOf('.');
  const prefix = dot < 0 ? base : base.substring(0, dot);
  if (!/^\d+$/.test(prefix)) throw new Error(`File name ${fileName} does not start with an offset`);
  return BigInt(prefix);
}

export const isLogFile = (name: string): boolean => name.endsWith(LOG_FILE_SUFFIX) && parseSegmentFileName(name) !== null;
export const isIndexFile = (name: string): boolean => {
  const p = parseSegmentFileName(name);
  return p !== null && p.tempSuffix === '' && (p.suffix === '.index' || p.suffix === '.timeindex' || p.suffix === '.txnindex');
};

/** Strip one temporary suffix: `x.log.swap` → `x.log`. */
export function stripTemporarySuffix(name: string): string {
  for (const s of TEMPORARY_FILE_SUFFIXES) if (name.endsWith(s)) return name.substring(0, name.length - s.length);
  return name;
}
