import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidTimestampError, Log } from '../../../src/services/log/log.js';
import { brokerLogConfig, DEFAULT_LOG_CONFIG, type LogConfig, logConfigWithOverrides } from '../../../src/services/log/log-config.js';
import { timestampBounds } from '../../../src/services/log/log-validator.js';
import { makeTmpDir, rmrf } from './tmp.js';
import { crc32cRef, encodeBatch, makeConfig } from './log-test-helpers.js';
import { pyEncodeBatches } from './kafka-python.js';

const NOW = 1_700_000_000_000;
const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

async function newLog(o: Partial<LogConfig>): Promise<Log> {
  const root = await makeTmpDir();
  cleanup.push(root);
  return Log.create({ dir: path.join(root, 't-0'), topic: 't', partition: 0, config: { ...DEFAULT_LOG_CONFIG, ...o }, hooks: { now: () => NOW } });
}

const batchAt = (timestamps: number[]): Buffer => encodeBatch(timestamps.map((timestamp, i) => ({ key: null, value: Buffer.from(`v${i}`), timestamp })));

/** The same batch with the LogAppendTime attribute bit (0x08) set by the "producer". */
function claimingLogAppendTime(b: Buffer): Buffer {
  b.writeInt16BE(b.readInt16BE(21) | 0x08, 21);
  b.writeUInt32BE(crc32cRef(b, 21), 17);
  return b;
}

function rejection(f: () => unknown): InvalidTimestampError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidTimestampError);
    return e as InvalidTimestampError;
  }
  throw new Error('expected INVALID_TIMESTAMP');
}

describe('LogValidator timestamps (message.timestamp.difference/before/after.max.ms)', () => {
  it('defaults accept any CreateTime timestamp', async () => {
    const log = await newLog({});
    expect(log.appendAsLeader(batchAt([1, NOW + 10 ** 12]), 0).lastOffset).toBe(1n);
  });

  it('difference.max.ms bounds both sides; every bad record is listed with Kafka\'s message and nothing is written', async () => {
    const log = await newLog({ messageTimestampDifferenceMaxMs: 1000 });
    log.appendAsLeader(batchAt([NOW - 1000, NOW, NOW + 1000]), 0);
    const e = rejection(() => log.appendAsLeader(batchAt([NOW, NOW - 1001, NOW + 5, NOW + 1001]), 0));
    expect(e.message).toBe('One or more records have been rejected due to invalid timestamp');
    expect(e.recordErrors).toEqual([
      { batchIndex: 1, message: `Timestamp ${NOW - 1001} of message with offset 1 is out of range. The timestamp should be within [${NOW - 1000}, ${NOW + 1000}]` },
      { batchIndex: 3, message: `Timestamp ${NOW + 1001} of message with offset 3 is out of range. The timestamp should be within [${NOW - 1000}, ${NOW + 1000}]` },
    ]);
    expect(log.logEndOffset).toBe(3n);
  });

  it('before/after.max.ms override difference.max.ms; records without a timestamp (-1) are not checked', async () => {
    const log = await newLog({ messageTimestampDifferenceMaxMs: 10, messageTimestampBeforeMaxMs: 100, messageTimestampAfterMaxMs: 5000 });
    expect(timestampBounds(log.config)).toEqual({ beforeMaxMs: 100, afterMaxMs: 5000 });
    log.appendAsLeader(batchAt([NOW - 100, NOW + 5000, -1]), 0);
    expect(rejection(() => log.appendAsLeader(batchAt([NOW - 101]), 0)).recordErrors.map((r) => r.batchIndex)).toEqual([0]);
    const onlyAfter = await newLog({ messageTimestampDifferenceMaxMs: 10, messageTimestampAfterMaxMs: 5000 });
    expect(timestampBounds(onlyAfter.config)).toEqual({ beforeMaxMs: 10, afterMaxMs: 5000 });
    expect(() => onlyAfter.appendAsLeader(batchAt([NOW - 11]), 0)).toThrow(InvalidTimestampError);
  });

  it('checks every record of a compressed (gzip) batch', async () => {
    const log = await newLog({ messageTimestampDifferenceMaxMs: 1000 });
    const [gz] = pyEncodeBatches([{ compression: 1, records: [0, 1, 2].map((i) => ({ offset: i, timestamp: i === 2 ? NOW - 5000 : NOW, value: '61' })) }]);
    expect(rejection(() => log.appendAsLeader(gz!, 0)).recordErrors.map((r) => r.batchIndex)).toEqual([2]);
  });

  it('a producer claiming LogAppendTime is rejected on a LogAppendTime topic; on CreateTime its timestamps are range-checked', async () => {
    const lat = await newLog({ messageTimestampType: 'LogAppendTime', messageTimestampDifferenceMaxMs: 1000 });
    lat.appendAsLeader(batchAt([1]), 0); // LogAppendTime topics do not range-check
    const e = rejection(() => lat.appendAsLeader(claimingLogAppendTime(batchAt([NOW, NOW])), 0));
    expect(e.recordErrors.map((r) => r.batchIndex)).toEqual([0, 1]);
    expect(e.recordErrors[0]!.message).toMatch(/Producer should not set timestamp type to LogAppendTime\.$/);
    const ct = await newLog({ messageTimestampDifferenceMaxMs: 1000 });
    ct.appendAsLeader(claimingLogAppendTime(batchAt([NOW - 5, NOW])), 0); // records read as the batch max timestamp
    expect(() => ct.appendAsLeader(claimingLogAppendTime(batchAt([NOW - 5000, NOW - 4000])), 0)).toThrow(InvalidTimestampError);
  });

  it('broker keys and topic overrides reach the LogConfig', () => {
    const broker = brokerLogConfig(makeConfig(['/tmp/x'], { 'log.message.timestamp.difference.max.ms': '3600000', 'log.message.timestamp.after.max.ms': '60000' }));
    expect(timestampBounds(broker)).toEqual({ beforeMaxMs: 3600000, afterMaxMs: 60000 });
    const topic = logConfigWithOverrides(broker, { 'message.timestamp.before.max.ms': '5', 'message.timestamp.after.max.ms': '9223372036854775807' });
    expect(timestampBounds(topic)).toEqual({ beforeMaxMs: 5, afterMaxMs: 3600000 });
  });
});
