/**
 * Offset checkpoints (`recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`,
 * `replication-offset-checkpoint`, `cleaner-offset-checkpoint`: version 0, `topic partition offset`)
 * and the per-partition `leader-epoch-checkpoint` (version 0, `epoch startOffset`). Reference §4.4.
 */
import * as path from 'node:path';
import { CheckpointFile, parseJavaInt, parseJavaLong, type CheckpointFormat } from './checkpoint-file.js';

export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT_FILE = 'replication-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';
export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';

export const OFFSET_CHECKPOINT_VERSION = 0;
export const LEADER_EPOCH_CHECKPOINT_VERSION = 0;

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  /** int64 */
  offset: bigint;
}

/** `${topic}-${partition}` (Kafka's `TopicPartition.toString`). */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/**
 * Split a `topic-partition` key at its LAST `-` (topics may contain `-` and `.`).
 * Throws if there is no `-`, the topic is empty or the partition is not a Java int.
 */
export function parseTopicPartitionKey(key: string): TopicPartition {
  const i = key.lastIndexOf('-');
  if (i <= 0) throw new Error(`Invalid topic-partition key: '${key}'`);
  const partStr = key.slice(i + 1);
  let partition: number;
  try {
    partition = parseJavaInt(partStr);
  } catch {
    throw new Error(`Invalid topic-partition key: '${key}'`);
  }
  return { topic: key.slice(0, i), partition };
}

export const topicPartitionOffsetFormat: CheckpointFormat<TopicPartitionOffset> = {
  fieldCount: 3,
  toLine: (e) => `${e.topic} ${e.partition} ${e.offset}`,
  fromLine: (f) => ({ topic: f[0]!, partition: parseJavaInt(f[1]!), offset: parseJavaLong(f[2]!) }),
};

/** An offset checkpoint keyed by `topic-partition` (see topicPartitionKey / parseTopicPartitionKey). */
export class OffsetCheckpointFile {
  readonly file: CheckpointFile<TopicPartitionOffset>;

  constructor(readonly path: string) {
    this.file = new CheckpointFile(path, OFFSET_CHECKPOINT_VERSION, topicPartitionOffsetFormat);
  }

  /** Create the file empty if missing. */
  ensureExists(): Promise<void> {
    return this.file.ensureExists();
  }

  /** Entries in file order. */
  readEntries(): Promise<TopicPartitionOffset[]> {
    return this.file.read();
  }

  writeEntries(entries: readonly TopicPartitionOffset[]): Promise<void> {
    return this.file.write(entries);
  }

  /** Map keyed by `topic-partition`; a later duplicate entry wins (like Kafka's toMap). */
  async read(): Promise<Map<string, bigint>> {
    const m = new Map<string, bigint>();
    for (const e of await this.file.read()) m.set(topicPartitionKey(e.topic, e.partition), e.offset);
    return m;
  }

  write(m: ReadonlyMap<string, bigint>): Promise<void> {
    const entries: TopicPartitionOffset[] = [];
    for (const [key, offset] of m) {
      const { topic, partition } = parseTopicPartitionKey(key);
      entries.push({ topic, partition, offset });
    }
    return this.file.write(entries);
  }
}

export interface EpochEntry {
  epoch: number;
  /** int64 */
  startOffset: bigint;
}

export const epochEntryFormat: CheckpointFormat<EpochEntry> = {
  fieldCount: 2,
  toLine: (e) => `${e.epoch} ${e.startOffset}`,
  fromLine: (f) => ({ epoch: parseJavaInt(f[0]!), startOffset: parseJavaLong(f[1]!) }),
};

export function leaderEpochCheckpointFile(path: string): CheckpointFile<EpochEntry> {
  return new CheckpointFile(path, LEADER_EPOCH_CHECKPOINT_VERSION, epochEntryFormat);
}

export function readLeaderEpochCheckpoint(path: string): Promise<EpochEntry[]> {
  return leaderEpochCheckpointFile(path).read();
}

export function writeLeaderEpochCheckpoint(path: string, entries: readonly EpochEntry[]): Promise<void> {
  return leaderEpochCheckpointFile(path).write(entries);
}

/**
 * LogManager construction: create `recovery-point-offset-checkpoint` and
 * `log-start-offset-checkpoint` (empty) in `dir` if missing; returns both files.
 */
export async function ensureLogManagerCheckpoints(
  dir: string,
): Promise<{ recoveryPoint: OffsetCheckpointFile; logStartOffset: OffsetCheckpointFile }> {
  const recoveryPoint = new OffsetCheckpointFile(path.join(dir, RECOVERY_POINT_CHECKPOINT_FILE));
  const logStartOffset = new OffsetCheckpointFile(path.join(dir, LOG_START_OFFSET_CHECKPOINT_FILE));
  await recoveryPoint.ensureExists();
  await logStartOffset.ensureExists();
  return { recoveryPoint, logStartOffset };
}
