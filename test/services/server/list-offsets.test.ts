import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { batch, call, fakeBroker } from './fake-broker.js';

function setup() {
  const fb = fakeBroker({}, createRequestHandler);
  fb.addTopic('t', 2);
  const log = fb.logs.get('t-0')!;
  log.appendAsLeader(batch(['a', 'b'], 1000), 3); // offsets 0-1, timestamps 1000-1001
  log.appendAsLeader(batch(['c'], 2000), 3); // offset 2, timestamp 2000
  log.logStartOffset = 1n;
  return fb;
}

const req = (parts: Array<[string, Array<{ partitionIndex: number; timestamp: bigint; currentLeaderEpoch?: number }>]>, replicaId = -1) => ({
  replicaId,
  isolationLevel: 0,
  topics: parts.map(([name, ps]) => ({ name, partitions: ps.map((p) => ({ currentLeaderEpoch: -1, ...p })) })),
});

describe('ListOffsets', () => {
  it.each([1, 2, 4, 5])('v%i: earliest, latest, by timestamp, not found', async (v) => {
    const fb = setup();
    const res = await call(fb.handler, ApiKey.ListOffsets, v, req([['t', [
      { partitionIndex: 0, timestamp: -2n }, { partitionIndex: 1, timestamp: -1n },
    ]]]));
    const [earliest, latest] = res.topics[0]!.partitions;
    expect(earliest).toMatchObject({ partitionIndex: 0, errorCode: 0, offset: 1n, timestamp: -1n, leaderEpoch: v >= 4 ? 3 : -1 });
    expect(latest).toMatchObject({ partitionIndex: 1, errorCode: 0, offset: 0n, timestamp: -1n, leaderEpoch: v >= 4 ? 3 : -1 });
    const latest0 = await call(fb.handler, ApiKey.ListOffsets, v, req([['t', [{ partitionIndex: 0, timestamp: -1n }]]]));
    expect(latest0.topics[0]!.partitions[0]!.offset).toBe(3n);
    const byTs = await call(fb.handler, ApiKey.ListOffsets, v, req([['t', [{ partitionIndex: 0, timestamp: 1500n }]]]));
    expect(byTs.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, offset: 2n, timestamp: 2000n, leaderEpoch: v >= 4 ? 3 : -1 });
    const none = await call(fb.handler, ApiKey.ListOffsets, v, req([['t', [{ partitionIndex: 0, timestamp: 5000n }]]]));
    expect(none.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, offset: -1n, timestamp: -1n });
  });

  it('errors per partition: unknown, not leader, storage, duplicates, leader epochs (v4+)', async () => {
    const fb = setup();
    fb.addTopic('elsewhere', 1, { leader: 2 });
    fb.lookups.set('t-1', { kind: 'offline' });
    const res = await call(fb.handler, ApiKey.ListOffsets, 5, req([
      ['t', [{ partitionIndex: 1, timestamp: -1n }, { partitionIndex: 7, timestamp: -1n }, { partitionIndex: 0, timestamp: -1n, currentLeaderEpoch: 1 }]],
      ['elsewhere', [{ partitionIndex: 0, timestamp: -1n }, { partitionIndex: 0, timestamp: -2n }]],
      ['x', [{ partitionIndex: 0, timestamp: -1n }]],
    ]));
    expect(res.topics.map((t) => t.partitions.map((p) => p.errorCode))).toEqual([
      [ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.FENCED_LEADER_EPOCH],
      [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    const newer = await call(fb.handler, ApiKey.ListOffsets, 4, req([['t', [{ partitionIndex: 0, timestamp: -1n, currentLeaderEpoch: 9 }]]]));
    expect(newer.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    const same = await call(fb.handler, ApiKey.ListOffsets, 4, req([['t', [{ partitionIndex: 0, timestamp: -1n, currentLeaderEpoch: 3 }]]]));
    expect(same.topics[0]!.partitions[0]!.errorCode).toBe(0);
  });

  it('v0: old offsets arrays (maxNumOffsets, newest first), the high watermark for consumers, no duplicate check', async () => {
    const fb = setup(); // t-0: log start 1, end 3, one segment modified at 1000 (fake)
    const v0 = (ps: Array<{ partitionIndex: number; timestamp: bigint; maxNumOffsets: number }>, replicaId = -1) =>
      call(fb.handler, ApiKey.ListOffsets, 0, { replicaId, topics: [{ name: 't', partitions: ps }] });
    const res = await v0([
      { partitionIndex: 0, timestamp: -1n, maxNumOffsets: 1 },
      { partitionIndex: 0, timestamp: -1n, maxNumOffsets: 5 },
      { partitionIndex: 0, timestamp: -2n, maxNumOffsets: 5 },
      { partitionIndex: 0, timestamp: 999n, maxNumOffsets: 5 },
      { partitionIndex: 0, timestamp: 1000n, maxNumOffsets: 5 },
      { partitionIndex: 0, timestamp: -1n, maxNumOffsets: 0 },
      { partitionIndex: 0, timestamp: -1n, maxNumOffsets: -1 },
      { partitionIndex: 1, timestamp: -1n, maxNumOffsets: 1 },
    ]);
    expect(res.topics[0]!.partitions.map((p) => [p.errorCode, p.oldStyleOffsets])).toEqual([
      [0, [3n]], [0, [3n, 1n]], [0, [1n]], [0, []], [0, [1n]], [0, []], [ErrorCode.UNKNOWN_SERVER_ERROR, []], [0, [0n]],
    ]);
    // consumers never get an offset above the high watermark: it takes the place of those above it
    fb.logs.get('t-0')!.hwOverride = 2n;
    const consumer = await v0([{ partitionIndex: 0, timestamp: -1n, maxNumOffsets: 5 }]);
    expect(consumer.topics[0]!.partitions[0]!.oldStyleOffsets).toEqual([2n, 1n]);
    const replica = await v0([{ partitionIndex: 0, timestamp: -1n, maxNumOffsets: 5 }], 2);
    expect(replica.topics[0]!.partitions[0]!.oldStyleOffsets).toEqual([3n, 1n]);
    fb.addTopic('elsewhere', 1, { leader: 2 });
    const err = await call(fb.handler, ApiKey.ListOffsets, 0, { replicaId: -1, topics: [
      { name: 'elsewhere', partitions: [{ partitionIndex: 0, timestamp: -1n, maxNumOffsets: 1 }] },
      { name: 'x', partitions: [{ partitionIndex: 0, timestamp: -1n, maxNumOffsets: 1 }] },
    ] });
    expect(err.topics.map((t) => t.partitions[0]!.errorCode)).toEqual([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  });

  it('v7 max timestamp (-3) through the log, below the high watermark', async () => {
    const fb = fakeBroker({}, (ctx) => createRequestHandler(ctx, { support: new Map([[2, { apiKey: 2, name: 'ListOffsets', minVersion: 0, maxVersion: 7, tier: 'required' }]]) }));
    fb.addTopic('t', 1);
    fb.logs.get('t-0')!.appendAsLeader(batch(['a'], 5000), 3);
    fb.logs.get('t-0')!.appendAsLeader(batch(['b'], 1000), 3);
    const res = await call(fb.handler, ApiKey.ListOffsets, 7, req([['t', [{ partitionIndex: 0, timestamp: -3n }]]]));
    expect(res.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, offset: 0n, timestamp: 5000n, leaderEpoch: 3 });
  });
});
