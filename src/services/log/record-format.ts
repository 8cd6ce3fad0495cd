/**
 * The record format's smallest facts — magic values, compression codecs, the two errors of a bad batch — apart
 * from record-batch.ts so that the codecs (compression.ts), which record-batch.ts uses, need not import it back.
 * record-batch.ts re-exports all of them.
 */

export const MAGIC_V0 = 0;
export const MAGIC_V1 = 1;
export const MAGIC_V2 = 2;
export const CURRENT_MAGIC = MAGIC_V2;

export enum CompressionType {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

// ------------------------------------------------------------------------------------------------ errors

/** Bytes on disk / on the wire do not form a valid batch (Kafka `CorruptRecordException`). */
export class CorruptRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptRecordError';
  }
}

/** A batch whose records are malformed (Kafka `InvalidRecordException`). */
export class InvalidRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRecordError';
  }
}
