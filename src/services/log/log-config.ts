/**
 * Per-topic log configuration (Kafka `LogConfig`): broker defaults (`log.*` keys of {@link KafkaConfig}) overlaid
 * with the topic's `/config/topics/<topic>` overrides (topic-level key names). Plain immutable object, shared by
 * every partition of a topic.
 */
import { LONG_MAX } from '../../config/config-key.js';
import type { KafkaConfig } from '../../config/kafka-config.js';
import { BROKER_COMPRESSION_TYPES } from '../../config/defs/general.js';

export type CleanupPolicy = 'delete' | 'compact';
export type MessageTimestampType = 'CreateTime' | 'LogAppendTime';

export interface LogConfig {
  /** `segment.bytes` (log.segment.bytes) */
  readonly segmentBytes: number;
  /** `segment.ms` (log.roll.ms / log.roll.hours) */
  readonly segmentMs: number;
  /** `segment.jitter.ms` (log.roll.jitter.ms / .hours) */
  readonly segmentJitterMs: number;
  /** `segment.index.bytes` (log.index.size.max.bytes) */
  readonly maxIndexSize: number;
  /** `index.interval.bytes` (log.index.interval.bytes) */
  readonly indexIntervalBytes: number;
  /** `flush.messages` (log.flush.interval.messages); Long.MAX_VALUE ⇒ never. */
  readonly flushMessages: number;
  /** `flush.ms` (log.flush.interval.ms / log.flush.scheduler.interval.ms); Long.MAX_VALUE ⇒ never. */
  readonly flushMs: number;
  /** `retention.ms` (log.retention.*); negative ⇒ unlimited. */
  readonly retentionMs: number;
  /** `retention.bytes` (log.retention.bytes); negative ⇒ unlimited. */
  readonly retentionBytes: number;
  /** `max.message.bytes` (message.max.bytes): largest record batch accepted. */
  readonly maxMessageBytes: number;
  /** `message.timestamp.type` (log.message.timestamp.type) */
  readonly messageTimestampType: MessageTimestampType;
  /** `message.timestamp.difference.max.ms` (deprecated; the fallback of the two below). Long.MAX_VALUE = 2^63 here. */
  readonly messageTimestampDifferenceMaxMs: number;
  /** `message.timestamp.before.max.ms` as configured (see log-validator.ts `timestampBounds` for the effective value). */
  readonly messageTimestampBeforeMaxMs: number;
  /** `message.timestamp.after.max.ms` as configured. */
  readonly messageTimestampAfterMaxMs: number;
  /** `file.delete.delay.ms` (log.segment.delete.delay.ms) */
  readonly fileDeleteDelayMs: number;
  /** `cleanup.policy` (log.cleanup.policy) */
  readonly cleanupPolicy: readonly CleanupPolicy[];
  /** `preallocate` (log.preallocate) */
  readonly preallocate: boolean;
  /** `delete.retention.ms` (log.cleaner.delete.retention.ms): how long the cleaner keeps tombstones. */
  readonly deleteRetentionMs: number;
  /** `min.cleanable.dirty.ratio` (log.cleaner.min.cleanable.ratio) */
  readonly minCleanableRatio: number;
  /** `min.compaction.lag.ms` (log.cleaner.min.compaction.lag.ms) */
  readonly minCompactionLagMs: number;
  /** `max.compaction.lag.ms` (log.cleaner.max.compaction.lag.ms) */
  readonly maxCompactionLagMs: number;
  /** `compression.type` (compression.type): producer, uncompressed, gzip, snappy, lz4 or zstd. */
  readonly compressionType: string;
  /** `compression.gzip.level` (compression.gzip.level): gzip level when recompressing, -1 = codec default. */
  readonly compressionGzipLevel: number;
  /** `compression.zstd.level` (compression.zstd.level): zstd level when recompressing. */
  readonly compressionZstdLevel: number;
  /** `message.downconversion.enable` (log.message.downconversion.enable): Fetch v0–v3 may down-convert. */
  readonly messageDownconversionEnable: boolean;
  /** `min.insync.replicas` (min.insync.replicas): ISR size an acks=-1 produce needs (Partition.effectiveMinIsr). */
  readonly minInSyncReplicas: number;
}

/** Defaults used when no broker config is given (Kafka's). */
export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze({
  segmentBytes: 1073741824,
  segmentMs: 7 * 24 * 3600 * 1000,
  segmentJitterMs: 0,
  maxIndexSize: 10485760,
  indexIntervalBytes: 4096,
  flushMessages: Number.MAX_SAFE_INTEGER,
  flushMs: Number.MAX_SAFE_INTEGER,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  maxMessageBytes: 1048588,
  messageTimestampType: 'CreateTime',
  messageTimestampDifferenceMaxMs: LONG_MAX,
  messageTimestampBeforeMaxMs: LONG_MAX,
  messageTimestampAfterMaxMs: LONG_MAX,
  fileDeleteDelayMs: 60000,
  cleanupPolicy: Object.freeze(['delete']) as readonly CleanupPolicy[],
  preallocate: false,
  deleteRetentionMs: 86400000,
  minCleanableRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  compressionType: 'producer',
  compressionGzipLevel: -1,
  compressionZstdLevel: 3,
  messageDownconversionEnable: true,
  minInSyncReplicas: 1,
});

/** A topic override that could not be parsed (the broker default is used instead). */
export interface LogConfigError {
  key: string;
  value: string;
  message: string;
}

function tryGet<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** Broker-level defaults for every topic (Kafka `LogConfig` built from `KafkaConfig.extractLogConfigMap`). */
export function brokerLogConfig(config: KafkaConfig): LogConfig {
  const d = DEFAULT_LOG_CONFIG;
  return Object.freeze({
    segmentBytes: tryGet(() => config.getInt('log.segment.bytes'), d.segmentBytes),
    segmentMs: tryGet(() => config.logRollTimeMillis, d.segmentMs),
    segmentJitterMs: tryGet(() => config.logRollTimeJitterMillis, d.segmentJitterMs),
    maxIndexSize: tryGet(() => config.getInt('log.index.size.max.bytes'), d.maxIndexSize),
    indexIntervalBytes: tryGet(() => config.getInt('log.index.interval.bytes'), d.indexIntervalBytes),
    flushMessages: tryGet(() => config.getLong('log.flush.interval.messages'), d.flushMessages),
    flushMs: tryGet(() => config.logFlushIntervalMs, d.flushMs),
    retentionMs: tryGet(() => config.logRetentionTimeMillis, d.retentionMs),
    retentionBytes: tryGet(() => config.getLong('log.retention.bytes'), d.retentionBytes),
    maxMessageBytes: tryGet(() => config.getInt('message.max.bytes'), d.maxMessageBytes),
    messageTimestampType: tryGet(() => config.getString('log.message.timestamp.type') as MessageTimestampType, d.messageTimestampType),
    messageTimestampDifferenceMaxMs: tryGet(() => config.getLong('log.message.timestamp.difference.max.ms'), d.messageTimestampDifferenceMaxMs),
    messageTimestampBeforeMaxMs: tryGet(() => config.getLong('log.message.timestamp.before.max.ms'), d.messageTimestampBeforeMaxMs),
    messageTimestampAfterMaxMs: tryGet(() => config.getLong('log.message.timestamp.after.max.ms'), d.messageTimestampAfterMaxMs),
    fileDeleteDelayMs: tryGet(() => config.getLong('log.segment.delete.delay.ms'), d.fileDeleteDelayMs),
    cleanupPolicy: Object.freeze(tryGet(() => config.getList('log.cleanup.policy') as CleanupPolicy[], [...d.cleanupPolicy])),
    preallocate: tryGet(() => config.getBoolean('log.preallocate'), d.preallocate),
    deleteRetentionMs: tryGet(() => config.getLong('log.cleaner.delete.retention.ms'), d.deleteRetentionMs),
    minCleanableRatio: tryGet(() => config.getDouble('log.cleaner.min.cleanable.ratio'), d.minCleanableRatio),
    minCompactionLagMs: tryGet(() => config.getLong('log.cleaner.min.compaction.lag.ms'), d.minCompactionLagMs),
    maxCompactionLagMs: tryGet(() => config.getLong('log.cleaner.max.compaction.lag.ms'), d.maxCompactionLagMs),
    compressionType: tryGet(() => config.getString('compression.type') ?? d.compressionType, d.compressionType),
    compressionGzipLevel: tryGet(() => config.getInt('compression.gzip.level'), d.compressionGzipLevel),
    compressionZstdLevel: tryGet(() => config.getInt('compression.zstd.level'), d.compressionZstdLevel),
    messageDownconversionEnable: tryGet(() => config.getBoolean('log.message.downconversion.enable'), d.messageDownconversionEnable),
    minInSyncReplicas: tryGet(() => config.getInt('min.insync.replicas'), d.minInSyncReplicas),
  });
}

const LONG_RE = /^[+-]?[0-9]+$/;

function parseLong(v: string, min: number | null): number {
  const s = v.trim();
  if (!LONG_RE.test(s)) throw new Error(`Invalid value ${v}: not a number`);
  const n = Number(s);
  if (min !== null && n < min) throw new Error(`Invalid value ${v}: value must be at least ${min}`);
  return n;
}

function parseInt32(v: string, min: number | null): number {
  const n = parseLong(v, min);
  if (n > 2147483647 || n < -2147483648) throw new Error(`Invalid value ${v}: not a 32-bit int`);
  return n;
}

function parseBool(v: string): boolean {
  const s = v.trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new Error(`Invalid value ${v}: expected true or false`);
}

function parseRatio(v: string): number {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new Error(`Invalid value ${v}: value must be between 0 and 1`);
  return n;
}

/** A codec level within [min, max] (or `extra`, the codec default), as the broker key's validator. */
function parseLevel(v: string, min: number, max: number, extra?: number): number {
  const n = parseInt32(v, null);
  if (n !== extra && (n < min || n > max)) throw new Error(`Invalid value ${v}: value must be between ${min} and ${max}${extra === undefined ? '' : ` or ${extra}`}`);
  return n;
}

type Setter = (c: Record<string, unknown>, v: string) => void;

/** Topic-level keys understood here and how each overrides the LogConfig field. */
const TOPIC_KEYS: Record<string, Setter> = {
  'segment.bytes': (c, v) => (c.segmentBytes = parseInt32(v, 14)),
  'segment.ms': (c, v) => (c.segmentMs = parseLong(v, 1)),
  'segment.jitter.ms': (c, v) => (c.segmentJitterMs = parseLong(v, 0)),
  'segment.index.bytes': (c, v) => (c.maxIndexSize = parseInt32(v, 4)),
  'index.interval.bytes': (c, v) => (c.indexIntervalBytes = parseInt32(v, 0)),
  'flush.messages': (c, v) => (c.flushMessages = parseLong(v, 1)),
  'flush.ms': (c, v) => (c.flushMs = parseLong(v, 0)),
  'retention.ms': (c, v) => (c.retentionMs = parseLong(v, -1)),
  'retention.bytes': (c, v) => (c.retentionBytes = parseLong(v, null)),
  'max.message.bytes': (c, v) => (c.maxMessageBytes = parseInt32(v, 0)),
  'message.timestamp.type': (c, v) => {
    if (v !== 'CreateTime' && v !== 'LogAppendTime') throw new Error(`Invalid value ${v}: String must be one of: CreateTime, LogAppendTime`);
    c.messageTimestampType = v;
  },
  'message.timestamp.difference.max.ms': (c, v) => (c.messageTimestampDifferenceMaxMs = parseLong(v, 0)),
  'message.timestamp.before.max.ms': (c, v) => (c.messageTimestampBeforeMaxMs = parseLong(v, 0)),
  'message.timestamp.after.max.ms': (c, v) => (c.messageTimestampAfterMaxMs = parseLong(v, 0)),
  'file.delete.delay.ms': (c, v) => (c.fileDeleteDelayMs = parseLong(v, 0)),
  'cleanup.policy': (c, v) => {
    const list = v.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
    for (const p of list) if (p !== 'delete' && p !== 'compact') throw new Error(`Invalid value ${v}: unknown cleanup policy ${p}`);
    c.cleanupPolicy = Object.freeze(list);
  },
  preallocate: (c, v) => (c.preallocate = parseBool(v)),
  'delete.retention.ms': (c, v) => (c.deleteRetentionMs = parseLong(v, 0)),
  'min.cleanable.dirty.ratio': (c, v) => (c.minCleanableRatio = parseRatio(v)),
  'min.compaction.lag.ms': (c, v) => (c.minCompactionLagMs = parseLong(v, 0)),
  'max.compaction.lag.ms': (c, v) => (c.maxCompactionLagMs = parseLong(v, 1)),
  'compression.type': (c, v) => {
    if (!BROKER_COMPRESSION_TYPES.includes(v)) throw new Error(`Invalid value ${v}: String must be one of: ${BROKER_COMPRESSION_TYPES.join(', ')}`);
    c.compressionType = v;
  },
  'compression.gzip.level': (c, v) => (c.compressionGzipLevel = parseLevel(v, 1, 9, -1)),
  'compression.zstd.level': (c, v) => (c.compressionZstdLevel = parseLevel(v, -131072, 22)),
  'message.downconversion.enable': (c, v) => (c.messageDownconversionEnable = parseBool(v)),
  'min.insync.replicas': (c, v) => (c.minInSyncReplicas = parseInt32(v, 1)),
};

/** Topic-level keys this module applies. */
export const LOG_CONFIG_TOPIC_KEYS: readonly string[] = Object.keys(TOPIC_KEYS);

/**
 * `defaults` overlaid with topic overrides. Unknown keys are ignored (they belong to other components);
 * invalid values are reported in `errors` and the default is kept.
 */
export function logConfigWithOverrides(
  defaults: LogConfig,
  overrides: Readonly<Record<string, string>> | undefined,
  errors?: LogConfigError[],
): LogConfig {
  if (!overrides || Object.keys(overrides).length === 0) return defaults;
  const c: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    const set = TOPIC_KEYS[key];
    if (!set) continue;
    try {
      set(c, value);
    } catch (e) {
      errors?.push({ key, value, message: (e as Error).message });
    }
  }
  return Object.freeze(c) as unknown as LogConfig;
}

/** Kafka `LogConfig.randomSegmentJitter`: uniformly in [0, min(segment.jitter.ms, segment.ms)). */
export function randomSegmentJitter(config: LogConfig, random: () => number = Math.random): number {
  if (config.segmentJitterMs <= 0) return 0;
  const bound = Math.min(config.segmentJitterMs, config.segmentMs);
  return Math.floor(random() * bound);
}

export const cleanupDeletes = (config: LogConfig): boolean => config.cleanupPolicy.includes('delete');
/** Kafka `LogConfig.compact`: the log cleaner owns this log (compaction and, with `delete` too, its retention). */
export const cleanupCompacts = (config: LogConfig): boolean => config.cleanupPolicy.includes('compact');
