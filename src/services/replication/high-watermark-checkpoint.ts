/**
 * `replication-offset-checkpoint` (Kafka's `ReplicaManager.highWatermarkCheckpoints` / `checkpointHighWatermarks`):
 * one file per log dir, version 0, `topic partition highWatermark` lines, holding the HW of every partition whose
 * log is in that dir. Written every `replica.high.watermark.checkpoint.interval.ms` and at shutdown; read when a
 * Partition opens its log (a partition missing from the file starts at HW 0, as Kafka's
 * `LazyOffsetCheckpoints.fetch` returning None). A file that exists but cannot be read or parsed takes its log dir
 * offline and fails the lookup with a KafkaStorageError, as Kafka's `CheckpointFileWithFailureHandler.read`
 * (`maybeAddOfflineLogDir`, then KafkaStorageException: the partition is offline, LeaderAndIsr answers
 * KAFKA_STORAGE_ERROR); so does a failed write (Kafka's `write`: the dir goes offline, the error is logged).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger.js';
import { CheckpointFile } from '../log/checkpoint-file.js';
import { KafkaStorageError } from '../log/log-errors.js';
import { writeFileAtomicSync } from '../log/leader-epoch-cache.js';
import {
  OFFSET_CHECKPOINT_VERSION, REPLICATION_OFFSET_CHECKPOINT_FILE, topicPartitionKey, topicPartitionOffsetFormat, type TopicPartitionOffset,
} from '../log/offset-checkpoint-file.js';

export class HighWatermarkCheckpoints {
  /** Per log dir, the file's entries as read at the first lookup (Kafka's LazyOffsetCheckpointMap). */
  private readonly loaded = new Map<string, Map<string, bigint>>();
  /** Dirs whose file could not be read: every lookup there fails (the dir is offline). */
  private readonly failed = new Map<string, string>();

  /** `onDirFailure`: Kafka's LogDirFailureChannel.maybeAddOfflineLogDir (the LogManager's dir failure report). */
  constructor(private readonly log: Logger, private readonly onDirFailure: (dir: string, err: Error) => void = () => {}) {}

  private file(dir: string): CheckpointFile<TopicPartitionOffset> {
    return new CheckpointFile(path.join(dir, REPLICATION_OFFSET_CHECKPOINT_FILE), OFFSET_CHECKPOINT_VERSION, topicPartitionOffsetFormat);
  }

  /** The checkpointed HW of `topic-partition` in `logDir`, or null. Throws KafkaStorageError when the file is unreadable. */
  fetch(logDir: string, topic: string, partition: number): bigint | null {
    const failure = this.failed.get(logDir);
    if (failure !== undefined) throw new KafkaStorageError(failure);
    let m = this.loaded.get(logDir);
    if (!m) {
      m = new Map();
      const file = path.join(logDir, REPLICATION_OFFSET_CHECKPOINT_FILE);
      try {
        const text = fs.readFileSync(file, 'utf8');
        for (const e of this.file(logDir).parse(text)) m.set(topicPartitionKey(e.topic, e.partition), e.offset);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
          const msg = `Error while reading checkpoint file ${file}: ${(e as Error).message}`;
          this.failed.set(logDir, msg);
          this.log.error({ dir: logDir, err: (e as Error).message }, msg);
          this.onDirFailure(logDir, new KafkaStorageError(msg));
          throw new KafkaStorageError(msg);
        }
      }
      this.loaded.set(logDir, m);
    }
    return m.get(topicPartitionKey(topic, partition)) ?? null;
  }

  /**
   * Writes every dir's file (tmp + fsync + rename + dir fsync). `dirs` lists the live log dirs, so that a dir whose
   * partitions all went away gets an empty file. A failure is logged and takes that dir offline (`onDirFailure`).
   */
  write(entries: ReadonlyArray<{ logDir: string; topic: string; partition: number; highWatermark: bigint }>, dirs: readonly string[]): void {
    const byDir = new Map<string, TopicPartitionOffset[]>();
    for (const d of dirs) byDir.set(d, []);
    for (const e of entries) {
      let list = byDir.get(e.logDir);
      if (!list) byDir.set(e.logDir, (list = []));
      list.push({ topic: e.topic, partition: e.partition, offset: e.highWatermark });
    }
    for (const [dir, list] of byDir) {
      try {
        writeFileAtomicSync(path.join(dir, REPLICATION_OFFSET_CHECKPOINT_FILE), this.file(dir).render(list));
        const m = new Map<string, bigint>();
        for (const e of list) m.set(topicPartitionKey(e.topic, e.partition), e.offset);
        this.loaded.set(dir, m);
      } catch (e) {
        this.log.error({ dir, err: (e as Error).message }, `Error while writing to the high watermark file in directory ${dir}`);
        this.onDirFailure(dir, e as Error);
      }
    }
  }
}
