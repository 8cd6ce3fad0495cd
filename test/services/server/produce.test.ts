import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { CloseConnectionError } from '../../../src/services/network/connection.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { RecordBatch } from '../../../src/services/log/record-batch.js';
import { batch, call, callRaw, fakeBroker, NamedError } from './fake-broker.js';

function setup(props: Record<string, string> = {}) {
  const fb = fakeBroker(props, createRequestHandler);
  fb.addTopic('t', 2);
  return fb;
}

const produce = (acks: number, parts: Array<[string, number, Buffer | null]>) => {
  const byTopic = new Map<string, Array<{ index: number; records: Buffer | null }>>();
  for (const [t, index, records] of parts) byTopic.set(t, [...(byTopic.get(t) ?? []), { index, records }]);
  return { transactionalId: null, acks, timeoutMs: 30000, topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })) };
};

describe('Produce', () => {
  it.each([0, 3, 5, 7])('v%i appends and returns base offsets (acks=1)', async (v) => {
    const fb = setup();
    const first = await call(fb.handler, ApiKey.Produce, v, produce(1, [['t', 0, batch(['a', 'b'])], ['t', 1, batch(['c'])]]));
    const second = await call(fb.handler, ApiKey.Produce, v, produce(1, [['t', 0, batch(['d'])]]));
    expect(first.responses[0]!.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset])).toEqual([[0, 0, 0n], [1, 0, 0n]]);
    expect(second.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 2n });
    if (v >= 2) expect(second.responses[0]!.partitionResponses[0]!.logAppendTimeMs).toBe(-1n);
    if (v >= 5) expect(second.responses[0]!.partitionResponses[0]!.logStartOffset).toBe(0n);
    expect(fb.logs.get('t-0')!.logEndOffset).toBe(3n);
    const stored = new RecordBatch(fb.logs.get('t-0')!.batches[1]!);
    expect([stored.baseOffset, stored.partitionLeaderEpoch]).toEqual([2n, 3]);
  });

  it('acks=0 sends no response; an error with acks=0 closes the connection', async () => {
    const fb = setup();
    expect(await callRaw(fb.handler, ApiKey.Produce, 7, produce(0, [['t', 0, batch(['a'])]]))).toBeNull();
    expect(fb.logs.get('t-0')!.logEndOffset).toBe(1n);
    const err = await callRaw(fb.handler, ApiKey.Produce, 7, produce(0, [['nope', 0, batch(['a'])]])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseConnectionError);
    expect((err as Error).message).toMatch(/with ack=0.*nope-0: error 3/);
  });

  it('acks=-1 appends when the ISR satisfies the effective min ISR (min.insync.replicas, topic override first, at most the replica count), else NOT_ENOUGH_REPLICAS', async () => {
    const fb = setup();
    const ok = await call(fb.handler, ApiKey.Produce, 7, produce(-1, [['t', 0, batch(['a'])]]));
    expect(ok.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    // Kafka 3.7's effectiveMinIsr: min.insync.replicas=2 on a single-replica partition asks for 1
    const single = setup({ 'min.insync.replicas': '2' });
    expect((await call(single.handler, ApiKey.Produce, 7, produce(-1, [['t', 0, batch(['a'])]]))).responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    const strict = fakeBroker({ 'min.insync.replicas': '2' }, createRequestHandler);
    strict.addTopic('t', 1, { replicas: [1, 2], isr: [1] });
    const res = await call(strict.handler, ApiKey.Produce, 7, produce(-1, [['t', 0, batch(['a'])]]));
    expect(res.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, baseOffset: -1n });
    expect(strict.logs.get('t-0')!.logEndOffset).toBe(0n);
    const acks1 = await call(strict.handler, ApiKey.Produce, 7, produce(1, [['t', 0, batch(['a'])]]));
    expect(acks1.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    // the topic's override wins over the broker default
    const topicLevel = fakeBroker({}, createRequestHandler);
    topicLevel.addTopic('t', 1, { replicas: [1, 2], isr: [1], configs: { 'min.insync.replicas': '2' } });
    topicLevel.addTopic('lax', 1, { replicas: [1, 2], isr: [1] });
    const r2 = await call(topicLevel.handler, ApiKey.Produce, 7, produce(-1, [['t', 0, batch(['a'])], ['lax', 0, batch(['b'])]]));
    expect(r2.responses.map((t) => t.partitionResponses[0]!.errorCode)).toEqual([ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NONE]);
  });

  it('invalid acks → INVALID_REQUIRED_ACKS', async () => {
    const fb = setup();
    const res = await call(fb.handler, ApiKey.Produce, 3, produce(2, [['t', 0, batch(['a'])]]));
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
  });

  it('partition lookup errors', async () => {
    const fb = setup();
    fb.addTopic('other', 3, { leader: 2 });
    fb.lookups.set('t-1', { kind: 'offline' });
    const res = await call(fb.handler, ApiKey.Produce, 7, produce(1, [['t', 0, batch(['a'])], ['t', 1, batch(['a'])], ['t', 9, batch(['a'])], ['other', 0, batch(['a'])], ['nope', 0, batch(['a'])]]));
    expect(res.responses.map((t) => [t.name, t.partitionResponses.map((p) => [p.index, p.errorCode])])).toEqual([
      ['t', [[0, 0], [1, ErrorCode.KAFKA_STORAGE_ERROR], [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ['other', [[0, ErrorCode.NOT_LEADER_OR_FOLLOWER]]],
      ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ]);
  });

  it.each([
    ['RecordTooLargeError', ErrorCode.MESSAGE_TOO_LARGE],
    ['RecordBatchTooLargeError', ErrorCode.RECORD_LIST_TOO_LARGE],
    ['CorruptRecordError', ErrorCode.CORRUPT_MESSAGE],
    ['InvalidRecordError', ErrorCode.INVALID_RECORD],
    ['InvalidTimestampError', ErrorCode.INVALID_TIMESTAMP],
    ['KafkaStorageError', ErrorCode.KAFKA_STORAGE_ERROR],
    ['OutOfOrderSequenceError', ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER],
    ['InvalidProducerEpochError', ErrorCode.INVALID_PRODUCER_EPOCH],
    ['InvalidTxnStateError', ErrorCode.INVALID_TXN_STATE],
    ['Error', ErrorCode.UNKNOWN_SERVER_ERROR],
  ])('log error %s → %i (v8 error message on the wire only from v8; v7 has none)', async (name, code) => {
    const fb = setup();
    fb.logs.get('t-0')!.appendError = new NamedError(name, `failed: ${name}`);
    const res = await call(fb.handler, ApiKey.Produce, 7, produce(1, [['t', 0, batch(['a'])], ['t', 1, batch(['b'])]]));
    expect(res.responses[0]!.partitionResponses.map((p) => [p.errorCode, p.baseOffset])).toEqual([[code, -1n], [0, 0n]]);
  });

  it('v3+ record validation: magic 2 only, exactly one batch, zstd from v7, corrupt sizes', async () => {
    const fb = setup();
    const legacy = Buffer.from(batch(['a']));
    legacy.writeInt8(1, 16);
    const zstd = Buffer.from(batch(['a']));
    zstd.writeInt16BE(4, 21);
    const garbage = Buffer.alloc(20);
    garbage.writeInt32BE(3, 8);
    const res = await call(fb.handler, ApiKey.Produce, 5, produce(1, [
      ['t', 0, legacy],
    ]));
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_RECORD);
    const two = await call(fb.handler, ApiKey.Produce, 5, produce(1, [['t', 0, Buffer.concat([batch(['a']), batch(['b'])])]]));
    expect(two.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_RECORD);
    const z = await call(fb.handler, ApiKey.Produce, 6, produce(1, [['t', 0, zstd]]));
    expect(z.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    const bad = await call(fb.handler, ApiKey.Produce, 7, produce(1, [['t', 0, garbage]]));
    expect(bad.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const none = await call(fb.handler, ApiKey.Produce, 7, produce(1, [['t', 0, null]]));
    expect(none.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(fb.logs.get('t-0')!.logEndOffset).toBe(0n);
  });

  it('internal topics only accept the admin client', async () => {
    const fb = setup();
    fb.addTopic('__consumer_offsets', 1);
    const res = await call(fb.handler, ApiKey.Produce, 7, produce(1, [['__consumer_offsets', 0, batch(['a'])]]));
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const admin = await call(fb.handler, ApiKey.Produce, 7, produce(1, [['__consumer_offsets', 0, batch(['a'])]]), '__admin_client');
    expect(admin.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
  });

  it('batches with a producer id are appended as plain batches (no producer state yet)', async () => {
    const fb = setup();
    const res = await call(fb.handler, ApiKey.Produce, 7, { ...produce(1, [['t', 0, batch(['a'], 1, { producerId: 42n })]]), transactionalId: 'tx' });
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    expect(new RecordBatch(fb.logs.get('t-0')!.batches[0]!).producerId).toBe(42n);
  });
});

describe('Produce: transactional records', () => {
  it('without a transactional id → TRANSACTIONAL_ID_AUTHORIZATION_FAILED on every partition', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.addTopic('t', 2);
    const txn = Buffer.from(batch(['a'], 1, { producerId: 7n }));
    txn.writeInt16BE(txn.readInt16BE(21) | 0x10, 21);
    const res = await call(fb.handler, ApiKey.Produce, 7, produce(1, [['t', 0, txn], ['t', 1, batch(['b'])]]));
    expect(res.responses[0]!.partitionResponses.map((p) => p.errorCode)).toEqual([53, 53]);
    expect(fb.logs.get('t-1')!.logEndOffset).toBe(0n);
  });
});
