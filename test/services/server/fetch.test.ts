import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { iterateBatches, RecordBatch } from '../../../src/services/log/record-batch.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { batch, call, fakeBroker } from './fake-broker.js';
import { FetchManager, FetchSessionCache } from '../../../src/services/server/fetch-session.js';
import { QuotaManagers } from '../../../src/services/quota/quota-managers.js';

function setup() {
  const fb = fakeBroker({}, createRequestHandler);
  fb.addTopic('t', 2);
  fb.logs.get('t-0')!.appendAsLeader(batch(['a', 'b']), 3);
  fb.logs.get('t-0')!.appendAsLeader(batch(['c']), 3);
  fb.logs.get('t-1')!.appendAsLeader(batch(['x']), 3);
  return fb;
}

interface P { partition: number; fetchOffset: bigint; partitionMaxBytes?: number; currentLeaderEpoch?: number }
const fetchReq = (parts: Array<[string, P[]]>, o: { maxWaitMs?: number; minBytes?: number; maxBytes?: number; isolationLevel?: number; sessionId?: number; sessionEpoch?: number } = {}) => ({
  replicaId: -1,
  maxWaitMs: o.maxWaitMs ?? 0,
  minBytes: o.minBytes ?? 0,
  maxBytes: o.maxBytes ?? 1 << 20,
  isolationLevel: o.isolationLevel ?? 0,
  sessionId: o.sessionId ?? 0,
  sessionEpoch: o.sessionEpoch ?? -1,
  topics: parts.map(([topic, ps]) => ({ topic, partitions: ps.map((p) => ({ partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, ...p })) })),
  forgottenTopicsData: [],
  rackId: '',
});

const offsets = (records: Buffer | null) => [...iterateBatches(records ?? Buffer.alloc(0))].map((e) => (e.batch as RecordBatch).baseOffset);

describe('Fetch', () => {
  it.each([4, 7, 11, 12])('v%i reads from the fetch offset with high watermark, LSO, log start offset', async (v) => {
    const fb = setup();
    const res = await call(fb.handler, ApiKey.Fetch, v, fetchReq([['t', [{ partition: 0, fetchOffset: 0n }, { partition: 1, fetchOffset: 1n }]]]));
    const [p0, p1] = res.responses[0]!.partitions;
    expect(res.responses[0]!.topic).toBe('t');
    expect(p0).toMatchObject({ partitionIndex: 0, errorCode: 0, highWatermark: 3n, lastStableOffset: 3n, abortedTransactions: null });
    if (v >= 5) expect(p0!.logStartOffset).toBe(0n);
    if (v >= 11) expect(p0!.preferredReadReplica).toBe(-1);
    expect(offsets(p0!.records)).toEqual([0n, 2n]);
    expect(p1).toMatchObject({ errorCode: 0, highWatermark: 1n });
    expect(p1!.records!.length).toBe(0);
    if (v >= 7) expect([res.errorCode, res.sessionId]).toEqual([0, 0]);
    // the records are the stored batches, intact
    const b = new RecordBatch(p0!.records!, 0);
    expect(b.isValid()).toBe(true);
    expect(b.records().next()).toBe(true);
  });

  it('partitionMaxBytes and maxBytes: the first batch is returned whole, later partitions get what is left', async () => {
    const fb = setup();
    const size = fb.logs.get('t-0')!.batches[0]!.length;
    const res = await call(fb.handler, ApiKey.Fetch, 11, fetchReq([['t', [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 10 }, { partition: 1, fetchOffset: 0n }]]], { maxBytes: size + 5 }));
    const [p0, p1] = res.responses[0]!.partitions;
    expect(offsets(p0!.records)).toEqual([0n]);
    expect(p1!.records!.length).toBe(0); // 5 bytes left: not enough for a batch, and no longer "min one message"
    expect(p1!.highWatermark).toBe(1n);
  });

  it('a consumer\'s fetch is capped to its consumer_byte_rate quota window (Kafka\'s maxQuotaWindowBytes); followers and other clients are not', async () => {
    const fb = setup();
    const size = fb.logs.get('t-0')!.batches[0]!.length;
    fb.ctx.quotas = new QuotaManagers({ numSamples: 2, windowSizeSeconds: 1 });
    // window = rate × (samples − 1) × 1 s = size + 5 bytes: the first batch fits, nothing more
    fb.ctx.quotas.applyEntityConfig(null, 'test-client', { consumer_byte_rate: String(size + 5) });
    const req = () => fetchReq([['t', [{ partition: 0, fetchOffset: 0n }, { partition: 1, fetchOffset: 0n }]]]);
    const capped = await call(fb.handler, ApiKey.Fetch, 11, req());
    expect(capped.throttleTimeMs).toBe(0);
    expect(offsets(capped.responses[0]!.partitions[0]!.records)).toEqual([0n]);
    expect(capped.responses[0]!.partitions[1]!.records!.length).toBe(0);
    const other = await call(fb.handler, ApiKey.Fetch, 11, req(), 'another-client');
    expect(offsets(other.responses[0]!.partitions[0]!.records)).toEqual([0n, 2n]);
    expect(offsets(other.responses[0]!.partitions[1]!.records)).toEqual([0n]);
  });

  it('errors: unknown, not leader, storage, out of range, leader epochs', async () => {
    const fb = setup();
    fb.addTopic('elsewhere', 1, { leader: 2 });
    fb.addTopic('off', 1);
    fb.lookups.set('off-0', { kind: 'offline' });
    const res = await call(fb.handler, ApiKey.Fetch, 12, fetchReq([
      ['t', [{ partition: 0, fetchOffset: 99n }, { partition: 5, fetchOffset: 0n }, { partition: 1, fetchOffset: 0n, currentLeaderEpoch: 2 }, { partition: 0, fetchOffset: 0n, currentLeaderEpoch: 4 }, { partition: 0, fetchOffset: 1n, currentLeaderEpoch: 3 }]],
      ['elsewhere', [{ partition: 0, fetchOffset: 0n }]],
      ['off', [{ partition: 0, fetchOffset: 0n }]],
      ['nope', [{ partition: 0, fetchOffset: 0n }]],
    ]));
    expect(res.responses.map((t) => t.partitions.map((p) => p.errorCode))).toEqual([
      [ErrorCode.OFFSET_OUT_OF_RANGE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH, 0],
      [ErrorCode.NOT_LEADER_OR_FOLLOWER],
      [ErrorCode.KAFKA_STORAGE_ERROR],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(res.responses[0]!.partitions[0]).toMatchObject({ highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n });
    expect(offsets(res.responses[0]!.partitions[4]!.records)).toEqual([0n, 2n]); // from the batch containing offset 1
  });

  it('read_committed: LSO = HW, empty aborted transactions', async () => {
    const fb = setup();
    const res = await call(fb.handler, ApiKey.Fetch, 11, fetchReq([['t', [{ partition: 0, fetchOffset: 0n }]]], { isolationLevel: 1 }));
    expect(res.responses[0]!.partitions[0]).toMatchObject({ lastStableOffset: 3n, abortedTransactions: [] });
  });

  it('long polling: waits for data up to maxWaitMs', async () => {
    const fb = setup();
    setTimeout(() => fb.logs.get('t-1')!.appendAsLeader(batch(['late']), 3), 50);
    const t0 = Date.now();
    const res = await call(fb.handler, ApiKey.Fetch, 11, fetchReq([['t', [{ partition: 1, fetchOffset: 1n }]]], { maxWaitMs: 5000, minBytes: 1 }));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(offsets(res.responses[0]!.partitions[0]!.records)).toEqual([1n]);
    const t1 = Date.now();
    const empty = await call(fb.handler, ApiKey.Fetch, 11, fetchReq([['t', [{ partition: 1, fetchOffset: 2n }]]], { maxWaitMs: 100, minBytes: 1 }));
    expect(Date.now() - t1).toBeGreaterThanOrEqual(90);
    expect(empty.responses[0]!.partitions[0]!.records!.length).toBe(0);
  });

  it('a partition error answers at once without waiting', async () => {
    const fb = setup();
    const t0 = Date.now();
    const res = await call(fb.handler, ApiKey.Fetch, 11, fetchReq([['t', [{ partition: 1, fetchOffset: 1n }, { partition: 0, fetchOffset: 77n }]]], { maxWaitMs: 5000, minBytes: 1 }));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(res.responses[0]!.partitions[1]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  it('fetch sessions (KIP-227) with the broker\'s FetchManager: a full request opens a session; incremental ones answer only what changed, long-poll on the session\'s partitions, and forget', async () => {
    const fb = setup();
    fb.ctx.fetchManager = new FetchManager(new FetchSessionCache(() => 10));
    const both = [{ partition: 0, fetchOffset: 3n }, { partition: 1, fetchOffset: 1n }];
    const full = await call(fb.handler, ApiKey.Fetch, 12, fetchReq([['t', both]], { sessionId: 0, sessionEpoch: 0 }));
    expect(full.errorCode).toBe(0);
    expect(full.sessionId).toBeGreaterThan(0);
    expect(full.responses[0]!.partitions.map((p) => p.partitionIndex)).toEqual([0, 1]);
    const id = full.sessionId;
    // nothing changed: an empty answer (no partition listed in the request: they come from the session)
    const none = await call(fb.handler, ApiKey.Fetch, 12, fetchReq([], { sessionId: id, sessionEpoch: 1 }));
    expect([none.errorCode, none.sessionId, none.responses]).toEqual([0, id, []]);
    // a long poll on the session's partitions wakes on an append to t-1; only t-1 is answered
    const t0 = Date.now();
    const waiting = call(fb.handler, ApiKey.Fetch, 12, fetchReq([], { sessionId: id, sessionEpoch: 2, maxWaitMs: 10_000, minBytes: 1 }));
    setTimeout(() => fb.logs.get('t-1')!.appendAsLeader(batch(['y']), 3), 50);
    const woke = await waiting;
    expect(Date.now() - t0).toBeLessThan(9_000);
    expect(woke.responses.flatMap((t) => t.partitions.map((p) => [t.topic, p.partitionIndex, p.highWatermark]))).toEqual([['t', 1, 2n]]);
    expect(woke.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0);
    // the same epoch again: INVALID_FETCH_SESSION_EPOCH; an unknown id: FETCH_SESSION_ID_NOT_FOUND
    expect((await call(fb.handler, ApiKey.Fetch, 12, fetchReq([], { sessionId: id, sessionEpoch: 2 }))).errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    expect((await call(fb.handler, ApiKey.Fetch, 12, fetchReq([], { sessionId: id + 1, sessionEpoch: 3 }))).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    // forgetting every partition closes it (sessionless answer)
    const bye = await call(fb.handler, ApiKey.Fetch, 12, { ...fetchReq([], { sessionId: id, sessionEpoch: 3 }), forgottenTopicsData: [{ topic: 't', partitions: [0, 1] }] });
    expect([bye.errorCode, bye.sessionId]).toEqual([0, 0]);
    expect(fb.ctx.fetchManager.cache.size).toBe(0);
  });

  it('fetch sessions with an authorizer: an incremental fetch re-checks READ on the session\'s topics (the gate sees only the request\'s) and answers a revoked one TOPIC_AUTHORIZATION_FAILED', async () => {
    const fb = setup();
    fb.ctx.fetchManager = new FetchManager(new FetchSessionCache(() => 10));
    let mayRead = true;
    fb.ctx.authorizer = { authorize: (_p, _h, op, type, name) => type === 'Topic' && name === 't' && op === 'Read' && mayRead };
    const full = await call(fb.handler, ApiKey.Fetch, 12, fetchReq([['t', [{ partition: 1, fetchOffset: 1n }]]], { sessionId: 0, sessionEpoch: 0 }));
    expect([full.errorCode, full.sessionId > 0]).toEqual([0, true]);
    fb.logs.get('t-1')!.appendAsLeader(batch(['secret']), 3);
    mayRead = false; // READ on t revoked while the session lives
    const denied = await call(fb.handler, ApiKey.Fetch, 12, fetchReq([], { sessionId: full.sessionId, sessionEpoch: 1 }));
    // as Kafka: the session's partitions of the topic answer TOPIC_AUTHORIZATION_FAILED, without records
    expect(denied.errorCode).toBe(0);
    expect(denied.responses.flatMap((t) => t.partitions.map((p) => [t.topic, p.partitionIndex, p.errorCode, p.records?.length ?? 0]))).toEqual([['t', 1, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0]]);
    mayRead = true;
    const allowed = await call(fb.handler, ApiKey.Fetch, 12, fetchReq([], { sessionId: full.sessionId, sessionEpoch: 2 }));
    expect(allowed.responses.flatMap((t) => t.partitions.map((p) => [t.topic, p.partitionIndex, (p.records?.length ?? 0) > 0]))).toEqual([['t', 1, true]]);
  });

  it('a session-opening full fetch keeps a denied topic in the session as erroneous (Kafka): served once READ is granted, without a new session', async () => {
    const fb = setup();
    fb.ctx.fetchManager = new FetchManager(new FetchSessionCache(() => 10));
    let mayRead = false;
    fb.ctx.authorizer = { authorize: (_p, _h, op, type, name) => type === 'Topic' && op === 'Read' && (name === 'u' || (name === 't' && mayRead)) };
    fb.addTopic('u', 1);
    fb.logs.get('t-1')!.appendAsLeader(batch(['secret']), 3);
    fb.logs.get('u-0')!.appendAsLeader(batch(['open']), 3);
    const rows = (r: { responses: Array<{ topic: string; partitions: Array<{ partitionIndex: number; errorCode: number; records?: Buffer | null }> }> }) =>
      r.responses.flatMap((t) => t.partitions.map((p) => [t.topic, p.partitionIndex, p.errorCode, (p.records?.length ?? 0) > 0]));
    const full = await call(fb.handler, ApiKey.Fetch, 12, fetchReq([['t', [{ partition: 1, fetchOffset: 0n }]], ['u', [{ partition: 0, fetchOffset: 0n }]]], { sessionId: 0, sessionEpoch: 0 }));
    expect(full.sessionId).toBeGreaterThan(0);
    expect(rows(full)).toEqual([['t', 1, ErrorCode.TOPIC_AUTHORIZATION_FAILED, false], ['u', 0, 0, true]]);
    // still denied: the session's t-1 is answered TOPIC_AUTHORIZATION_FAILED again
    const again = await call(fb.handler, ApiKey.Fetch, 12, { ...fetchReq([], { sessionId: full.sessionId, sessionEpoch: 1 }), maxWaitMs: 0 });
    expect(rows(again).filter((r) => r[0] === 't')).toEqual([['t', 1, ErrorCode.TOPIC_AUTHORIZATION_FAILED, false]]);
    mayRead = true; // READ granted while the session lives: the next incremental fetch reads t-1
    const granted = await call(fb.handler, ApiKey.Fetch, 12, fetchReq([], { sessionId: full.sessionId, sessionEpoch: 2 }));
    expect(rows(granted).filter((r) => r[0] === 't')).toEqual([['t', 1, 0, true]]);
    // a sessionless fetch (epoch -1) of a denied topic is still refused by the gate
    mayRead = false;
    const sessionless = await call(fb.handler, ApiKey.Fetch, 12, fetchReq([['t', [{ partition: 1, fetchOffset: 0n }]]], { sessionId: 0, sessionEpoch: -1 }));
    expect(rows(sessionless)).toEqual([['t', 1, ErrorCode.TOPIC_AUTHORIZATION_FAILED, false]]);
    const old = await call(fb.handler, ApiKey.Fetch, 4, fetchReq([['t', [{ partition: 1, fetchOffset: 0n }]]]));
    expect(rows(old)).toEqual([['t', 1, ErrorCode.TOPIC_AUTHORIZATION_FAILED, false]]);
  });

  it('fetch sessions without a FetchManager: full requests are sessionless, incremental ones FETCH_SESSION_ID_NOT_FOUND', async () => {
    const fb = setup();
    const initial = await call(fb.handler, ApiKey.Fetch, 12, fetchReq([['t', [{ partition: 0, fetchOffset: 0n }]]], { sessionId: 0, sessionEpoch: 0 }));
    expect([initial.errorCode, initial.sessionId, initial.responses.length]).toEqual([0, 0, 1]);
    const incremental = await call(fb.handler, ApiKey.Fetch, 7, fetchReq([['t', [{ partition: 0, fetchOffset: 0n }]]], { sessionId: 123, sessionEpoch: 1 }));
    expect([incremental.errorCode, incremental.sessionId, incremental.responses]).toEqual([ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 0, []]);
  });
});

describe('Fetch: storage errors for old versions', () => {
  it('v5 and older get NOT_LEADER_OR_FOLLOWER instead of KAFKA_STORAGE_ERROR', async () => {
    const fb = setup();
    fb.lookups.set('t-0', { kind: 'offline' });
    const v5 = await call(fb.handler, ApiKey.Fetch, 5, fetchReq([['t', [{ partition: 0, fetchOffset: 0n }]]]));
    expect(v5.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const v6 = await call(fb.handler, ApiKey.Fetch, 6, fetchReq([['t', [{ partition: 0, fetchOffset: 0n }]]]));
    expect(v6.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
  });
});

describe('Fetch: broker fetch.max.bytes caps the request maxBytes', () => {
  it('the second partition gets nothing once the broker cap is used up', async () => {
    const fb = fakeBroker({ 'fetch.max.bytes': '1024' }, createRequestHandler);
    fb.addTopic('big', 2);
    fb.logs.get('big-0')!.appendAsLeader(batch(['x'.repeat(2000)]), 3);
    fb.logs.get('big-1')!.appendAsLeader(batch(['y'.repeat(10)]), 3);
    const res = await call(fb.handler, ApiKey.Fetch, 11, fetchReq([['big', [{ partition: 0, fetchOffset: 0n }, { partition: 1, fetchOffset: 0n }]]], { maxBytes: 1 << 30 }));
    const [p0, p1] = res.responses[0]!.partitions;
    expect(offsets(p0!.records)).toEqual([0n]);
    expect(p1!.records!.length).toBe(0);
  });
});

describe('Fetch: high watermark and async reads', () => {
  it('batches at or above the high watermark are not returned', async () => {
    const fb = setup();
    fb.logs.get('t-0')!.hwOverride = 2n; // batch [0,1] committed, batch [2] not
    const res = await call(fb.handler, ApiKey.Fetch, 11, fetchReq([['t', [{ partition: 0, fetchOffset: 0n }]]]));
    expect(offsets(res.responses[0]!.partitions[0]!.records)).toEqual([0n]);
    expect(res.responses[0]!.partitions[0]!.highWatermark).toBe(2n);
  });

  it('uses the log readAsync when it has one', async () => {
    const fb = setup();
    const log = fb.logs.get('t-0')! as unknown as { readAsync?: unknown; read: (...a: unknown[]) => unknown };
    let asyncReads = 0;
    log.readAsync = async (...a: unknown[]) => { asyncReads++; return log.read(...a); };
    const res = await call(fb.handler, ApiKey.Fetch, 12, fetchReq([['t', [{ partition: 0, fetchOffset: 0n }]]]));
    expect(asyncReads).toBe(1);
    expect(offsets(res.responses[0]!.partitions[0]!.records)).toEqual([0n, 2n]);
  });
});
