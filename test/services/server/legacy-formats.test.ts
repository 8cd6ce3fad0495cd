/**
 * The legacy message format at the edges of the advertised ranges: Produce v0–v2 carry magic 0/1 message sets (the
 * log gets v2 batches), Fetch v0–v3 get magic 0/1 back (v0/v1 magic 0, v2/v3 magic 1), as Kafka converts them.
 */
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { iterateLogBatches, LegacyRecordBatch } from '../../../src/services/log/legacy-records.js';
import { CompressionType, RecordBatch, TimestampType } from '../../../src/services/log/record-batch.js';
import { buildLegacyMessageSet, compressRecordBatch } from '../../../src/services/log/record-conversion.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { batch, call, fakeBroker } from './fake-broker.js';

const T0 = 1_700_000_000_000;

function setup(props: Record<string, string> = {}) {
  const fb = fakeBroker(props, createRequestHandler);
  fb.addTopic('t', 1);
  fb.logs.get('t-0')!.appendAsLeader(batch(['a', 'b', 'c']), 3); // offsets 0..2, keys k0..k2
  fb.logs.get('t-0')!.appendAsLeader(compressRecordBatch(batch(['d', 'e']), CompressionType.Gzip), 3); // 3..4
  return fb;
}

const fetchBody = (fetchOffset: bigint, partitionMaxBytes = 1 << 20) => ({
  replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
  topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset, partitionMaxBytes, currentLeaderEpoch: -1 }] }], forgottenTopicsData: [], rackId: '',
});

/** Every record in the returned data as [magic, offset, timestamp, key, value]. */
function legacyRecords(records: Buffer | null): Array<[number, bigint, number, string | null, string | null]> {
  return [...iterateLogBatches(records ?? Buffer.alloc(0))].flatMap((e) => {
    expect(e.magic).toBeLessThan(2);
    const m = e.batch as LegacyRecordBatch;
    m.ensureValid();
    return m.innerRecords().map((r): [number, bigint, number, string | null, string | null] => [r.magic, r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null]);
  });
}

describe('Fetch v0–v3: down-converted to the magic the version carries', () => {
  it.each([[0, 0], [1, 0], [2, 1], [3, 1]])('v%i → magic %i, every record from the fetch offset (an uncompressed batch is cut there)', async (v, magic) => {
    const res = await call(setup().handler, ApiKey.Fetch, v, fetchBody(1n));
    const p = res.responses[0]!.partitions[0]!;
    expect(p).toMatchObject({ errorCode: 0, highWatermark: 5n });
    const ts = (i: number) => (magic === 0 ? -1 : T0 + i);
    expect(legacyRecords(p.records)).toEqual([
      [magic, 1n, ts(1), 'k1', 'b'], [magic, 2n, ts(2), 'k2', 'c'], [magic, 3n, ts(0), 'k0', 'd'], [magic, 4n, ts(1), 'k1', 'e'],
    ]);
  });

  it('v4 and later still get the stored v2 batches', async () => {
    const res = await call(setup().handler, ApiKey.Fetch, 4, fetchBody(1n));
    expect([...iterateLogBatches(res.responses[0]!.partitions[0]!.records!)].map((e) => e.magic)).toEqual([2, 2]);
  });

  it('below v3 the partition limit is hard: a first batch larger than it is not returned whole', async () => {
    const size = setup().logs.get('t-0')!.batches[0]!.length;
    const hard = await call(setup().handler, ApiKey.Fetch, 2, fetchBody(0n, size - 1));
    expect(hard.responses[0]!.partitions[0]!.records!.length).toBe(0);
    const soft = await call(setup().handler, ApiKey.Fetch, 3, fetchBody(0n, size - 1));
    expect(legacyRecords(soft.responses[0]!.partitions[0]!.records).map((r) => r[1])).toEqual([0n, 1n, 2n]);
  });

  it('log.message.downconversion.enable=false → UNSUPPORTED_VERSION for v0–v3 only', async () => {
    const fb = setup({ 'log.message.downconversion.enable': 'false' });
    expect((await call(fb.handler, ApiKey.Fetch, 3, fetchBody(0n))).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect((await call(fb.handler, ApiKey.Fetch, 4, fetchBody(0n))).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  it('zstd: stored zstd batches cannot be down-converted; compression.type=zstd refuses every version below 10', async () => {
    const fb = setup();
    fb.logs.get('t-0')!.appendAsLeader(compressRecordBatch(batch(['z']), CompressionType.Zstd), 3);
    expect((await call(fb.handler, ApiKey.Fetch, 3, fetchBody(5n))).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    const z = setup({ 'compression.type': 'zstd' });
    expect((await call(z.handler, ApiKey.Fetch, 9, fetchBody(0n))).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect((await call(z.handler, ApiKey.Fetch, 10, fetchBody(0n))).responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  });
});

describe('Fetch reads the topic-level config (topic override > broker default), as Kafka\'s LogConfig', () => {
  const topicBody = (topic: string) => ({ ...fetchBody(0n), topics: [{ ...fetchBody(0n).topics[0]!, topic }] });
  const errorOf = async (fb: ReturnType<typeof fakeBroker>, v: number, topic: string) =>
    (await call(fb.handler, ApiKey.Fetch, v, topicBody(topic))).responses[0]!.partitions[0]!.errorCode;

  it('message.downconversion.enable: a topic override wins over the broker default, both ways', async () => {
    const fb = fakeBroker({ 'log.message.downconversion.enable': 'false' }, createRequestHandler);
    fb.addTopic('off', 1);
    fb.addTopic('on', 1, { configs: { 'message.downconversion.enable': 'true' } });
    const fb2 = fakeBroker({}, createRequestHandler);
    fb2.addTopic('off', 1, { configs: { 'message.downconversion.enable': 'false' } });
    fb2.addTopic('on', 1);
    for (const f of [fb, fb2]) {
      for (const t of ['on', 'off']) f.logs.get(`${t}-0`)!.appendAsLeader(batch(['a']), 3);
      expect(await errorOf(f, 3, 'off')).toBe(ErrorCode.UNSUPPORTED_VERSION);
      expect(await errorOf(f, 4, 'off')).toBe(ErrorCode.NONE);
      expect(await errorOf(f, 3, 'on')).toBe(ErrorCode.NONE);
    }
  });

  it('compression.type=zstd on the topic refuses versions below 10 for that topic only; producer on the topic lifts a broker zstd', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.addTopic('z', 1, { configs: { 'compression.type': 'zstd' } });
    fb.addTopic('plain', 1);
    expect(await errorOf(fb, 9, 'z')).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect(await errorOf(fb, 10, 'z')).toBe(ErrorCode.NONE);
    expect(await errorOf(fb, 9, 'plain')).toBe(ErrorCode.NONE);
    const zb = fakeBroker({ 'compression.type': 'zstd' }, createRequestHandler);
    zb.addTopic('p', 1, { configs: { 'compression.type': 'producer' } });
    expect(await errorOf(zb, 9, 'p')).toBe(ErrorCode.NONE);
  });
});

describe('Produce v0–v2: magic 0/1 message sets are stored as v2 batches', () => {
  const records = [0, 1, 2].map((i) => ({ offset: BigInt(i), timestamp: T0 + i, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }));
  it.each([[0, 0, CompressionType.None], [1, 0, CompressionType.Gzip], [2, 1, CompressionType.None], [2, 1, CompressionType.Snappy]] as const)(
    'v%i with magic %i codec %i', async (v, magic, codec) => {
      const fb = setup();
      const set = buildLegacyMessageSet({ magic, compressionType: codec, timestampType: TimestampType.CreateTime, records });
      const res = await call(fb.handler, ApiKey.Produce, v, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: set }] }] });
      expect(res.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 5n });
      const stored = new RecordBatch(fb.logs.get('t-0')!.batches.at(-1)!);
      expect([stored.magic, stored.compressionType, stored.baseOffset, stored.recordsCount]).toEqual([2, codec, 5n, 3]);
      expect(stored.toRecords().map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString()])).toEqual(
        records.map((r, i) => [5n + BigInt(i), magic === 0 ? -1 : r.timestamp, `k${i}`, `v${i}`]));
    });

  it('a legacy message with a bad CRC → CORRUPT_MESSAGE, nothing appended', async () => {
    const fb = setup();
    const set = buildLegacyMessageSet({ magic: 1, compressionType: CompressionType.None, timestampType: TimestampType.CreateTime, records });
    set[set.length - 1]! ^= 1;
    const res = await call(fb.handler, ApiKey.Produce, 2, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: set }] }] });
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(fb.logs.get('t-0')!.logEndOffset).toBe(5n);
  });

  it('v3 and later still refuse legacy message sets (INVALID_RECORD), as Kafka', async () => {
    const set = buildLegacyMessageSet({ magic: 1, compressionType: CompressionType.None, timestampType: TimestampType.CreateTime, records });
    const res = await call(setup().handler, ApiKey.Produce, 3, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: set }] }] });
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_RECORD);
  });
});

