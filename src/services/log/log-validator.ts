/**
 * Record timestamp checks of Kafka's `LogValidator` (3.6+, KIP-937) for leader appends of v2 batches:
 *  - topic `message.timestamp.type=CreateTime` and a record timestamp ≠ -1: the timestamp must lie within
 *    [now - before.max.ms, now + after.max.ms] (each falling back to `message.timestamp.difference.max.ms` while
 *    left at Long.MAX_VALUE, as Kafka's `LogConfig.getMessageTimestampBeforeMaxMs/AfterMaxMs`);
 *  - otherwise a batch that claims `LogAppendTime` is rejected ("Producer should not set timestamp type to
 *    LogAppendTime").
 * Every record of a batch is checked (compressed batches are decompressed, as Kafka does) and the batch fails with
 * all its record errors: {@link InvalidTimestampError} → INVALID_TIMESTAMP with `record_errors` in the response.
 * With the defaults (Long.MAX_VALUE) and a CreateTime batch nothing is read.
 */

import { LONG_MAX } from '../../config/config-key.js';
import type { LogConfig } from './log-config.js';
import { type RecordBatch, TimestampType } from './record-batch.js';

/** One rejected record: Kafka `RecordError` (index of the record in its batch, message). */
export interface RecordError {
  batchIndex: number;
  message: string;
}

/** Kafka `InvalidTimestampException` wrapped in a `RecordValidationException` (the produce handler maps it by name). */
export class InvalidTimestampError extends Error {
  constructor(
    message: string,
    readonly recordErrors: RecordError[],
  ) {
    super(message);
    this.name = 'InvalidTimestampError';
  }
}

/** Effective bounds: `before`/`after.max.ms`, each falling back to `difference.max.ms` while at Long.MAX_VALUE. */
export function timestampBounds(config: Pick<LogConfig, 'messageTimestampDifferenceMaxMs' | 'messageTimestampBeforeMaxMs' | 'messageTimestampAfterMaxMs'>): {
  beforeMaxMs: number;
  afterMaxMs: number;
} {
  const eff = (v: number): number => (v >= LONG_MAX ? config.messageTimestampDifferenceMaxMs : v);
  return { beforeMaxMs: eff(config.messageTimestampBeforeMaxMs), afterMaxMs: eff(config.messageTimestampAfterMaxMs) };
}

/**
 * Kafka `LogValidator.validateTimestamp` for every record of `batch` (a leader append, before offsets are
 * assigned). Throws {@link InvalidTimestampError} listing every bad record.
 */
export function validateRecordTimestamps(batch: RecordBatch, config: LogConfig, now: number): void {
  const createTime = config.messageTimestampType === 'CreateTime';
  const { beforeMaxMs, afterMaxMs } = timestampBounds(config);
  const bounded = createTime && (beforeMaxMs < LONG_MAX || afterMaxMs < LONG_MAX);
  const claimsLogAppendTime = batch.timestampType === TimestampType.LogAppendTime;
  if (!bounded && !claimsLogAppendTime) return;
  const errors: RecordError[] = [];
  const c = batch.records();
  for (let i = 0; c.next(); i++) {
    const ts = c.timestamp;
    if (createTime && ts !== -1) {
      const diff = now - ts;
      if (diff > beforeMaxMs || -diff > afterMaxMs) {
        errors.push({
          batchIndex: i,
          message: `Timestamp ${ts} of message with offset ${c.offset} is out of range. The timestamp should be within [${now - beforeMaxMs}, ${now + afterMaxMs}]`,
        });
      }
    } else if (claimsLogAppendTime) {
      errors.push({ batchIndex: i, message: `Invalid timestamp type in message at offset ${c.offset}. Producer should not set timestamp type to LogAppendTime.` });
    }
  }
  if (errors.length > 0) throw new InvalidTimestampError('One or more records have been rejected due to invalid timestamp', errors);
}
