import { describe, expect, it } from 'vitest';
import { brokerLogConfig, logConfigWithOverrides, randomSegmentJitter, type LogConfigError } from '../../../src/services/log/log-config.js';
import { makeConfig } from './log-test-helpers.js';

describe('LogConfig', () => {
  it('takes broker defaults from the log.* keys (Kafka synonyms)', () => {
    const c = brokerLogConfig(makeConfig(['/tmp/x'], {
      'log.segment.bytes': '1000', 'log.roll.hours': '2', 'log.roll.jitter.ms': '50', 'log.index.size.max.bytes': '4096',
      'log.index.interval.bytes': '100', 'log.flush.interval.messages': '7', 'log.flush.interval.ms': '900',
      'log.retention.minutes': '3', 'log.retention.bytes': '12345', 'message.max.bytes': '2000',
      'log.message.timestamp.type': 'LogAppendTime', 'log.segment.delete.delay.ms': '10', 'log.cleanup.policy': 'compact,delete',
      'log.preallocate': 'true', 'log.cleaner.delete.retention.ms': '5000', 'log.cleaner.min.cleanable.ratio': '0.2',
      'log.cleaner.min.compaction.lag.ms': '7', 'log.cleaner.max.compaction.lag.ms': '8000', 'compression.type': 'lz4', 'log.message.downconversion.enable': 'false',
      'compression.gzip.level': '2', 'compression.zstd.level': '-5', 'min.insync.replicas': '2',
    }));
    expect(c).toEqual({
      segmentBytes: 1000, segmentMs: 7_200_000, segmentJitterMs: 50, maxIndexSize: 4096, indexIntervalBytes: 100,
      flushMessages: 7, flushMs: 900, retentionMs: 180_000, retentionBytes: 12345, maxMessageBytes: 2000,
      messageTimestampType: 'LogAppendTime',
      messageTimestampDifferenceMaxMs: 2 ** 63, messageTimestampBeforeMaxMs: 2 ** 63, messageTimestampAfterMaxMs: 2 ** 63,
      fileDeleteDelayMs: 10, cleanupPolicy: ['compact', 'delete'], preallocate: true,
      deleteRetentionMs: 5000, minCleanableRatio: 0.2, minCompactionLagMs: 7, maxCompactionLagMs: 8000, compressionType: 'lz4', messageDownconversionEnable: false,
      compressionGzipLevel: 2, compressionZstdLevel: -5, minInSyncReplicas: 2,
    });
    const d = brokerLogConfig(makeConfig(['/tmp/x']));
    expect(d.segmentBytes).toBe(1073741824);
    expect(d.retentionMs).toBe(7 * 24 * 3600 * 1000);
    expect(d.flushMessages).toBeGreaterThan(1e18);
    expect(d.maxMessageBytes).toBe(1048588);
    expect(d.cleanupPolicy).toEqual(['delete']);
    expect([d.compressionType, d.messageDownconversionEnable]).toEqual(['producer', true]);
    expect([d.deleteRetentionMs, d.minCleanableRatio, d.minCompactionLagMs]).toEqual([86_400_000, 0.5, 0]);
  });

  it('cleaner topic keys: delete.retention.ms, min.cleanable.dirty.ratio (0..1), min/max.compaction.lag.ms', () => {
    const errors: LogConfigError[] = [];
    const c = logConfigWithOverrides(brokerLogConfig(makeConfig(['/tmp/x'])), {
      'delete.retention.ms': '1000', 'min.cleanable.dirty.ratio': '0.01', 'min.compaction.lag.ms': '5', 'max.compaction.lag.ms': '60000',
    }, errors);
    expect([c.deleteRetentionMs, c.minCleanableRatio, c.minCompactionLagMs, c.maxCompactionLagMs]).toEqual([1000, 0.01, 5, 60000]);
    logConfigWithOverrides(c, { 'min.cleanable.dirty.ratio': '1.5', 'max.compaction.lag.ms': '0' }, errors);
    expect(errors.map((e) => e.key)).toEqual(['min.cleanable.dirty.ratio', 'max.compaction.lag.ms']);
  });

  it('applies /config/topics overrides by topic-level name; bad values keep the default and are reported', () => {
    const base = brokerLogConfig(makeConfig(['/tmp/x']));
    const errors: LogConfigError[] = [];
    const c = logConfigWithOverrides(base, {
      'segment.bytes': '5000', 'segment.ms': '60000', 'retention.ms': '-1', 'max.message.bytes': '99', 'flush.messages': '1',
      'cleanup.policy': 'compact', 'message.timestamp.type': 'bogus', 'segment.index.bytes': 'abc', 'unclean.leader.election.enable': 'true',
      'compression.type': 'zstd', 'message.downconversion.enable': 'false', 'compression.gzip.level': '9', 'compression.zstd.level': '19',
    }, errors);
    expect([c.compressionType, c.messageDownconversionEnable, c.compressionGzipLevel, c.compressionZstdLevel]).toEqual(['zstd', false, 9, 19]);
    const bad: LogConfigError[] = [];
    expect(logConfigWithOverrides(base, { 'compression.type': 'brotli', 'message.downconversion.enable': 'yes', 'compression.gzip.level': '0', 'compression.zstd.level': '23' }, bad))
      .toMatchObject({ compressionType: 'producer', messageDownconversionEnable: true, compressionGzipLevel: -1, compressionZstdLevel: 3 });
    expect(bad.map((e) => e.key)).toEqual(['compression.type', 'message.downconversion.enable', 'compression.gzip.level', 'compression.zstd.level']);
    expect(logConfigWithOverrides(base, { 'compression.gzip.level': '-1' }, bad).compressionGzipLevel).toBe(-1);
    expect(c.segmentBytes).toBe(5000);
    expect(c.segmentMs).toBe(60000);
    expect(c.retentionMs).toBe(-1);
    expect(c.maxMessageBytes).toBe(99);
    expect(c.flushMessages).toBe(1);
    expect(c.cleanupPolicy).toEqual(['compact']);
    expect(c.messageTimestampType).toBe('CreateTime');
    expect(c.maxIndexSize).toBe(base.maxIndexSize);
    expect(errors.map((e) => e.key).sort()).toEqual(['message.timestamp.type', 'segment.index.bytes']);
    expect(logConfigWithOverrides(base, {})).toBe(base);
  });

  it('segment jitter is in [0, min(jitter, segment.ms))', () => {
    const base = brokerLogConfig(makeConfig(['/tmp/x']));
    expect(randomSegmentJitter(base)).toBe(0);
    const j = { ...base, segmentJitterMs: 1000, segmentMs: 300 };
    expect(randomSegmentJitter(j, () => 0.999)).toBe(299);
    expect(randomSegmentJitter(j, () => 0)).toBe(0);
  });
});
