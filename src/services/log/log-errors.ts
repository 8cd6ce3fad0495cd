/**
 * The errors of the log layer (Kafka's `OffsetOutOfRangeException`, `RecordTooLargeException`,
 * `RecordBatchTooLargeException`, `UnsupportedForMessageFormatException`, `KafkaStorageException`) and the test
 * for "this error means the disk/dir is bad" (Kafka's `IOException` catch in `LocalLog.maybeHandleIOException`).
 * Split out of log.ts; log.ts re-exports them, so callers keep importing from there.
 */
import { CheckpointFileError } from './checkpoint-file.js';
import { PartitionMetadataError } from './partition-metadata-file.js';

/** Kafka `OffsetOutOfRangeException`. */
export class OffsetOutOfRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OffsetOutOfRangeError';
  }
}

/** Kafka `RecordTooLargeException`: one batch is larger than `max.message.bytes`. */
export class RecordTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordTooLargeError';
  }
}

/** Kafka `RecordBatchTooLargeException`: the whole append is larger than `segment.bytes`. */
export class RecordBatchTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordBatchTooLargeError';
  }
}

/** Kafka `UnsupportedForMessageFormatException`: only magic 2 batches are accepted for writes. */
export class UnsupportedForMessageFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedForMessageFormatError';
  }
}

/** Kafka `KafkaStorageException`: the log's dir failed (or is offline). */
export class KafkaStorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaStorageError';
  }
}

/** True for errors that mean "the disk/dir is bad" (Kafka IOException). */
export function isIoError(e: unknown): boolean {
  if (e instanceof CheckpointFileError || e instanceof PartitionMetadataError) return true;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/**
 * Kafka's UnexpectedAppendOffsetException: a follower append starting below the log end offset. `firstOffset` /
 * `lastOffset`: the first batch's base and last offsets (-1 unknown).
 */
export class UnexpectedAppendOffsetError extends Error {
  constructor(message: string, readonly firstOffset: bigint = -1n, readonly lastOffset: bigint = -1n) {
    super(message);
    this.name = 'UnexpectedAppendOffsetError';
  }
}

/** Kafka's OffsetsOutOfOrderException: a follower append whose batch offsets go backwards. */
export class OffsetsOutOfOrderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OffsetsOutOfOrderError';
  }
}
