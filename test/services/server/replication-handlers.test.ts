/**
 * The leader side of replication through the request handlers (fake broker, real Partition): follower Fetch
 * (replica_id ≥ 0) reads to the log end and moves the high watermark, consumers see only up to it, a diverging
 * last-fetched epoch gets divergingEpoch, acks=-1 waits for the followers (DelayedProduce) and OffsetForLeaderEpoch
 * answers from the leader-epoch cache with KIP-320 epoch checks.
 */
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { iterateBatches, RecordBatch } from '../../../src/services/log/record-batch.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { batch, call, fakeBroker } from './fake-broker.js';

function setup() {
  const fb = fakeBroker({}, createRequestHandler);
  fb.addTopic('r', 1, { replicas: [1, 2], isr: [1, 2], hwManaged: true });
  return fb;
}

const fetch = (replicaId: number, fetchOffset: bigint, o: { lastFetchedEpoch?: number; currentLeaderEpoch?: number; maxWaitMs?: number } = {}) => ({
  replicaId, maxWaitMs: o.maxWaitMs ?? 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
  topics: [{ topic: 'r', partitions: [{ partition: 0, currentLeaderEpoch: o.currentLeaderEpoch ?? 3, fetchOffset, lastFetchedEpoch: o.lastFetchedEpoch ?? -1, logStartOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
  forgottenTopicsData: [], rackId: '',
});
const produce = (acks: number, values: string[], timeoutMs = 5_000) => ({ transactionalId: null, acks, timeoutMs, topicData: [{ name: 'r', partitionData: [{ index: 0, records: batch(values) }] }] });
const offsets = (records: Buffer | null) => [...iterateBatches(records ?? Buffer.alloc(0))].map((e) => (e.batch as RecordBatch).baseOffset);

describe('replication through the handlers', () => {
  it('a follower fetch reads to the log end and moves the HW; consumers only see records below it', async () => {
    const fb = setup();
    await call(fb.handler, ApiKey.Produce, 7, produce(1, ['a', 'b']));
    await call(fb.handler, ApiKey.Produce, 7, produce(1, ['c']));
    const consumer = await call(fb.handler, ApiKey.Fetch, 12, fetch(-1, 0n));
    expect(consumer.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 0n });
    expect(offsets(consumer.responses[0]!.partitions[0]!.records)).toEqual([]);
    const f1 = await call(fb.handler, ApiKey.Fetch, 12, fetch(2, 0n));
    expect(offsets(f1.responses[0]!.partitions[0]!.records)).toEqual([0n, 2n]); // to the log end, beyond the HW
    expect(f1.responses[0]!.partitions[0]!.highWatermark).toBe(0n);
    await call(fb.handler, ApiKey.Fetch, 12, fetch(2, 3n));
    expect(fb.partitions.get('r-0')!.followerState(2)!.logEndOffset).toBe(3n);
    expect(fb.partitions.get('r-0')!.highWatermark).toBe(3n);
    // as Kafka, a fetch answers the HW of its read: the follower learns the new one with its next fetch
    const f3 = await call(fb.handler, ApiKey.Fetch, 12, fetch(2, 3n));
    expect(f3.responses[0]!.partitions[0]!.highWatermark).toBe(3n);
    const after = await call(fb.handler, ApiKey.Fetch, 12, fetch(-1, 0n));
    expect(offsets(after.responses[0]!.partitions[0]!.records)).toEqual([0n, 2n]);
    // a broker that is not a replica
    const stranger = await call(fb.handler, ApiKey.Fetch, 12, fetch(7, 0n));
    expect(stranger.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
  });

  it('acks=-1 is answered once the follower fetched past the records (DelayedProduce)', async () => {
    const fb = setup();
    const pending = call(fb.handler, ApiKey.Produce, 7, produce(-1, ['a', 'b'], 10_000));
    let answered = false;
    void pending.then(() => { answered = true; });
    await call(fb.handler, ApiKey.Fetch, 12, fetch(2, 0n));
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false); // the follower has not confirmed offset 2 yet
    await call(fb.handler, ApiKey.Fetch, 12, fetch(2, 2n));
    const res = await pending;
    expect(res.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 0n });
    // nobody fetches: REQUEST_TIMED_OUT after the request's timeout, the records stay in the leader's log
    const timedOut = await call(fb.handler, ApiKey.Produce, 7, produce(-1, ['c'], 50));
    expect(timedOut.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.REQUEST_TIMED_OUT, baseOffset: 2n });
  });

  it('a follower whose last fetched epoch diverged gets divergingEpoch and no records', async () => {
    const fb = setup();
    await call(fb.handler, ApiKey.Produce, 7, produce(1, ['a', 'b'])); // epoch 3 from offset 0
    // the follower holds epoch 2 up to offset 5: the leader knows epoch 2 ends where epoch 3 starts (0)
    const r = await call(fb.handler, ApiKey.Fetch, 12, fetch(2, 5n, { lastFetchedEpoch: 2 }));
    expect(r.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, divergingEpoch: { epoch: 2, endOffset: 0n } });
    expect(offsets(r.responses[0]!.partitions[0]!.records)).toEqual([]);
    const ok = await call(fb.handler, ApiKey.Fetch, 12, fetch(2, 0n, { lastFetchedEpoch: 3 }));
    expect(offsets(ok.responses[0]!.partitions[0]!.records)).toEqual([0n]);
  });

  it('OffsetForLeaderEpoch answers from the leader-epoch cache, with KIP-320 checks', async () => {
    const fb = setup();
    await call(fb.handler, ApiKey.Produce, 7, produce(1, ['a', 'b', 'c']));
    const ask = (currentLeaderEpoch: number, leaderEpoch: number, topic = 'r') => call(fb.handler, ApiKey.OffsetForLeaderEpoch, 4, {
      replicaId: -1, topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch, leaderEpoch }] }],
    }).then((b) => b.topics[0]!.partitions[0]!);
    expect(await ask(3, 3)).toMatchObject({ errorCode: 0, leaderEpoch: 3, endOffset: 3n });
    expect(await ask(-1, 1)).toMatchObject({ errorCode: 0, leaderEpoch: 1, endOffset: 0n });
    expect(await ask(2, 3)).toMatchObject({ errorCode: ErrorCode.FENCED_LEADER_EPOCH, endOffset: -1n });
    expect(await ask(4, 3)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH });
    expect((await ask(-1, 3, 'nope')).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const v0 = await call(fb.handler, ApiKey.OffsetForLeaderEpoch, 0, { topics: [{ topic: 'r', partitions: [{ partition: 0, leaderEpoch: 3 }] }] });
    expect(v0.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, endOffset: 3n });
  });
});
