/**
 * Kafka `LogValidator.validateKey`: a compacted topic accepts only records with a key (the cleaner keeps the
 * latest record per key; a record without one could never be cleaned). The append fails with INVALID_RECORD
 * and the index of the first offending record (ProduceResponse v8+ `recordErrors`).
 */
import { InvalidRecordError, type RecordBatch } from './record-batch.js';

export interface RecordError {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

/** Kafka `RecordValidationException` carrying an `InvalidRecordException` (same error name, hence same code). */
export class RecordValidationError extends InvalidRecordError {
  constructor(message: string, readonly recordErrors: RecordError[]) {
    super(message);
  }
}

/** Throws {@link RecordValidationError} if a record of `batch` has no key. */
export function validateKeysForCompactedTopic(batch: RecordBatch, topicPartition: string): void {
  if (batch.isControlBatch) return;
  const c = batch.records();
  const errors: RecordError[] = [];
  const message = `Compacted topic cannot accept message without key in topic partition ${topicPartition}.`;
  while (c.next()) if (c.keyLength < 0) errors.push({ batchIndex: c.index, batchIndexErrorMessage: message });
  if (errors.length > 0) throw new RecordValidationError(`One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`).join(', ')}]`, errors);
}
