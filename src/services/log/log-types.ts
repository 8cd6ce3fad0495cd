/**
 * The shared types of one partition's log (Kafka `LogAppendInfo`, `FetchDataInfo` reduced to what Rafka
 * returns, the ListOffsets timestamp sentinels of `ListOffsetsRequest`) and {@link LogHooks}, the callbacks the
 * LogManager hands to all its logs. Split out of log.ts; log.ts re-exports them.
 */


/** Shared by all logs of a LogManager (one object, not one per log). */
export interface LogHooks {
  /** An I/O error happened in `logDir` (the parent of the partition dir). Called before the error is rethrown. */
  onIoError?: (logDir: string, error: Error) => void;
  /** Files renamed to `*.deleted` that must be removed after `delayMs` (default: removed at once). */
  scheduleDelete?: (files: string[], delayMs: number) => void;
  warn?: (message: string) => void;
  /** Info-level messages (e.g. truncation). */
  info?: (message: string) => void;
  now?: () => number;
  /** `producer.id.expiration.ms` (default Kafka's 86400000). */
  producerIdExpirationMs?: () => number;
  random?: () => number;
}

export interface LogAppendInfo {
  firstOffset: bigint;
  lastOffset: bigint;
  /** Broker time written into LogAppendTime batches, -1 for CreateTime. */
  logAppendTime: number;
  logStartOffset: bigint;
  recordCount: number;
}

export interface LogReadResult {
  records: Buffer;
  highWatermark: bigint;
  logStartOffset: bigint;
  /** Set when `records` is a pooled read buffer (readAsync with `pool`): call once nothing reads it any more. */
  release?: () => void;
}


export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;
export const MAX_TIMESTAMP = -3;
