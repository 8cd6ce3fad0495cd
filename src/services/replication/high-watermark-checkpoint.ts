/**
 * `replication-offset-checkpoint` (Kafka's `ReplicaManager.highWatermarkCheckpoints` / `checkpointHighWatermarks`):
 * one file per log dir, version 0, `topic partition highWatermark` lines, holding the HW of every partition whose
 * log is in that dir. Written every `replica.high.watermark.checkpoint.interval.ms` and at shutdown; read when a
 * Partition opens its log (a partition missing from the file starts at HW 0, as Kafka's
 * `LazyOffsetCheckpoints.fetch` returning None). A file that exists but cannot be read or parsed takes its log dir
 * offline and fails the lookup with a KafkaStorageError, as Kafka's `CheckpointFileWithFailureHandler.read`
 * (`maybeAddOfflineLogDir`, then KafkaStorageException: the partition is offline, LeaderAndIsr answers
 * KAFKA_STORAGE_ERROR); so does a failed write (Kafka's `write`: the dir goes offline, the error is logged).
 *
 * The periodic write is asynchronous ({@link HighWatermarkCheckpoints.writeAsync}: the fsyncs run in libuv's thread
 * pool, as Kafka's run on its scheduler thread, not on a request thread): on the event loop the synchronous tmp +
 * fsync + rename + dir fsync blocked every request for 6–140 ms per write on a 2-core VM with dirty page cache (the
 * 10k/s produce p99 and its 0.27 s stall, issue 17). The shutdown write stays synchronous.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger.js';
import { CheckpointFile } from '../log/checkpoint-file.js';
import { KafkaStorageError } from '../log/log-errors.js';
import { writeFileAtomicSync } from '../log/leader-epoch-cache.js';
import { writeFileAtomic } from '../log/atomic-write.js';
import {
  OFFSET_CHECKPOINT_VERSION, REPLICATION_OFFSET_CHECKPOINT_FILE, topicPartitionKey, topicPartitionOffsetFormat, type TopicPartitionOffset,
} from '../log/offset-checkpoint-file.js';

export class HighWatermarkCheckpoints {
  /** Per log dir, the file's entries as read at the first lookup (Kafka's LazyOffsetCheckpointMap). */
  private readonly loaded = new Map<string, Map<string, bigint>>();
  /** Dirs whose file could not be read: every lookup there fails (the dir is offline). */
  private readonly failed = new Map<string, string>();

  /** The periodic write in progress: a tick while it runs is skipped (the next one writes newer values). */
  private writing: Promise<void> | null = null;

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
  write(entries: ReadonlyArray<HighWatermarkEntry>, dirs: readonly string[]): void {
    // an asynchronous write still in flight uses `.tmp`: this one must not share its temporary file (whichever rename
    // lands last wins; both hold valid files, the older one lower high watermarks, which is safe)
    const suffix = this.writing !== null ? '.sync.tmp' : '.tmp';
    for (const [dir, list] of byDir(entries, dirs)) {
      try {
        writeFileAtomicSync(path.join(dir, REPLICATION_OFFSET_CHECKPOINT_FILE), this.file(dir).render(list), suffix);
        this.written(dir, list);
      } catch (e) {
        this.writeFailed(dir, e);
      }
    }
  }

  /**
   * {@link write} off the event loop (the periodic checkpoint). While one is in progress another call returns it and
   * writes nothing (the values are a lower bound; the next tick writes newer ones).
   */
  writeAsync(entries: ReadonlyArray<HighWatermarkEntry>, dirs: readonly string[]): Promise<void> {
    if (this.writing !== null) return this.writing;
    const run = async (): Promise<void> => {
      for (const [dir, list] of byDir(entries, dirs)) {
        try {
          await writeFileAtomic(path.join(dir, REPLICATION_OFFSET_CHECKPOINT_FILE), this.file(dir).render(list));
          this.written(dir, list);
        } catch (e) {
          this.writeFailed(dir, e);
        }
      }
    };
    const p = run().finally(() => { this.writing = null; });
    this.writing = p;
    return p;
  }

  private written(dir: string, list: readonly TopicPartitionOffset[]): void {
    const m = new Map<string, bigint>();
    for (const e of list) m.set(topicPartitionKey(e.topic, e.partition), e.offset);
    this.loaded.set(dir, m);
  }

  private writeFailed(dir: string, e: unknown): void {
    this.log.error({ dir, err: (e as Error).message }, `Error while writing to the high watermark file in directory ${dir}`);
    this.onDirFailure(dir, e as Error);
  }
}

export interface HighWatermarkEntry { logDir: string; topic: string; partition: number; highWatermark: bigint }

/** Entries grouped per dir; every live dir gets a list (an empty file for a dir whose partitions all went away). */
function byDir(entries: ReadonlyArray<HighWatermarkEntry>, dirs: readonly string[]): Map<string, TopicPartitionOffset[]> {
  const m = new Map<string, TopicPartitionOffset[]>();
  for (const d of dirs) m.set(d, []);
  for (const e of entries) {
    let list = m.get(e.logDir);
    if (!list) m.set(e.logDir, (list = []));
    list.push({ topic: e.topic, partition: e.partition, offset: e.highWatermark });
  }
  return m;
}
