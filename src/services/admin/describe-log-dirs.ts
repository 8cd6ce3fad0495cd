/**
 * Kafka's ReplicaManager.describeLogDirs / getLogEndOffsetLag (core/src/main/scala/kafka/server/ReplicaManager.scala)
 * for DescribeLogDirs: every configured log dir (absolute path) with its current and `-future` logs of the requested
 * partitions — size in bytes, offset lag (current log: HW − LEO, at least 0; future log: the current log's LEO − its LEO)
 * — and the volume's total and usable bytes; an offline dir answers KAFKA_STORAGE_ERROR with no topics.
 * As Kafka, every topic with a log in a dir is listed, with only the requested partitions (possibly none).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../../protocol/errors.js';

export interface DescribedLog {
  readonly topic: string; readonly partition: number; readonly logDir: string; readonly size: number;
  readonly logEndOffset: bigint; readonly highWatermark: bigint;
}

export interface LogDirsSource {
  /** Configured log.dirs. */
  configuredDirs(): string[];
  liveLogDirs: string[];
  allLogs(): DescribedLog[];
  allFutureLogs(): DescribedLog[];
  getLog(topic: string, partition: number): DescribedLog | undefined;
}

export interface LogDirPartition { partitionIndex: number; partitionSize: bigint; offsetLag: bigint; isFutureKey: boolean }
export interface LogDirResult {
  errorCode: number; logDir: string; totalBytes: bigint; usableBytes: bigint;
  topics: Array<{ name: string; partitions: LogDirPartition[] }>;
}

/** The broker's LogManager as a {@link LogDirsSource} (`configured`: log.dirs as configured now). */
export function logDirsSourceOf(lm: Omit<LogDirsSource, 'configuredDirs'>, configured: () => string[]): LogDirsSource {
  return {
    configuredDirs: configured,
    get liveLogDirs() { return lm.liveLogDirs; },
    allLogs: () => lm.allLogs(),
    allFutureLogs: () => lm.allFutureLogs(),
    getLog: (t, p) => lm.getLog(t, p),
  };
}

/** DescribeLogDirsResponse.INVALID_OFFSET_LAG */
const INVALID_OFFSET_LAG = -1n;

/** `wanted`: null = every partition ("topics": null in the request); else the set of "topic-partition" keys. */
export function describeLogDirs(src: LogDirsSource, wanted: ReadonlySet<string> | null): LogDirResult[] {
  const live = new Set(src.liveLogDirs.map((d) => path.resolve(d)));
  const byDir = new Map<string, Array<{ log: DescribedLog; future: boolean }>>();
  for (const log of src.allLogs()) push(byDir, path.resolve(log.logDir), { log, future: false });
  for (const log of src.allFutureLogs()) push(byDir, path.resolve(log.logDir), { log, future: true });
  return [...new Set(src.configuredDirs().map((d) => path.resolve(d)))].map((dir) => {
    if (!live.has(dir)) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir: dir, totalBytes: -1n, usableBytes: -1n, topics: [] };
    let totalBytes = -1n, usableBytes = -1n;
    try {
      const st = fs.statfsSync(dir, { bigint: true });
      totalBytes = st.blocks * st.bsize; usableBytes = st.bavail * st.bsize;
    } catch { /* unknown: -1 as Kafka's default */ }
    const topics = new Map<string, LogDirPartition[]>();
    for (const { log, future } of byDir.get(dir) ?? []) {
      const parts = topics.get(log.topic) ?? [];
      topics.set(log.topic, parts);
      if (wanted && !wanted.has(`${log.topic}-${log.partition}`)) continue;
      let offsetLag: bigint;
      if (future) {
        const current = src.getLog(log.topic, log.partition);
        offsetLag = current ? current.logEndOffset - log.logEndOffset : INVALID_OFFSET_LAG;
      } else {
        const lag = log.highWatermark - log.logEndOffset;
        offsetLag = lag > 0n ? lag : 0n;
      }
      parts.push({ partitionIndex: log.partition, partitionSize: BigInt(log.size), offsetLag, isFutureKey: future });
    }
    return {
      errorCode: ErrorCode.NONE, logDir: dir, totalBytes, usableBytes,
      topics: [...topics].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, partitions]) => ({ name, partitions: partitions.sort((a, b) => a.partitionIndex - b.partitionIndex) })),
    };
  });
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v); else m.set(k, [v]);
}
