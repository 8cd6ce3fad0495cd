/**
 * Incremental fetch sessions (KIP-227) as Kafka's FetchSession.scala: FetchSessionCache creation and eviction rules,
 * FetchManager.newContext for each (session id, epoch), and the Fetch handler answering full and incremental requests.
 */
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { FetchManager, FetchSessionCache, INVALID_SESSION_ID, nextEpoch, type FetchContextRequest } from '../../../src/services/server/fetch-session.js';
import { batch, call, fakeBroker } from './fake-broker.js';

const part = (partition: number, fetchOffset = 0n) => ({ partition, fetchOffset, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 });
const req = (o: Partial<FetchContextRequest>): FetchContextRequest => ({ apiVersion: 12, sessionId: 0, sessionEpoch: 0, isFollower: false, topics: [], forgotten: [], ...o });

describe('FetchSessionCache / FetchManager (Kafka FetchSession.scala)', () => {
  it('nextEpoch: 0 → 1, -1 stays -1, Int.MaxValue wraps to 1', () => {
    expect([nextEpoch(0), nextEpoch(1), nextEpoch(-1), nextEpoch(0x7fffffff)]).toEqual([1, 2, -1, 1]);
  });

  it('contexts: legacy/epoch -1 sessionless, epoch 0 full, the session epoch incremental, others a session error; a full request closes the session it names', () => {
    let now = 1000;
    const m = new FetchManager(new FetchSessionCache(() => 10), () => now);
    expect(m.newContext(req({ apiVersion: 6, sessionEpoch: 5 })).kind).toBe('sessionless');
    expect(m.newContext(req({ sessionEpoch: -1 })).kind).toBe('sessionless');
    const full = m.newContext(req({ topics: [{ topic: 't', partitions: [part(0), part(1)] }] }));
    expect(full).toEqual({ kind: 'full', privileged: false });
    const plan = m.plan(full, req({ topics: [{ topic: 't', partitions: [part(0), part(1)] }] }));
    const r = m.respond(full, plan, [{ topic: 't', partitions: [{ errorCode: 0, highWatermark: 5n, logStartOffset: 0n, records: Buffer.alloc(0) }, { errorCode: 0, highWatermark: 7n, logStartOffset: 0n, records: Buffer.alloc(0) }] }]);
    expect(r.sessionId).toBeGreaterThan(0);
    expect(m.cache.size).toBe(1);
    expect(m.cache.totalPartitions).toBe(2);
    const id = r.sessionId;
    expect(m.newContext(req({ sessionId: id, sessionEpoch: 2 }))).toEqual({ kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH });
    expect(m.newContext(req({ sessionId: id + 1, sessionEpoch: 1 }))).toEqual({ kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
    now += 10;
    const inc = m.newContext(req({ sessionId: id, sessionEpoch: 1, topics: [{ topic: 'u', partitions: [part(0)] }] }));
    expect(inc.kind).toBe('incremental');
    // every cached partition is read, the new one included
    expect(m.plan(inc, req({})).map((t) => [t.topic, t.partitions.map((p) => p.partition)])).toEqual([['t', [0, 1]], ['u', [0]]]);
    // a duplicate of the same epoch now fails, the next one is 2
    expect(m.newContext(req({ sessionId: id, sessionEpoch: 1 })).kind).toBe('error');
    // forgetting every partition closes the session: sessionless
    const closing = m.newContext(req({ sessionId: id, sessionEpoch: 2, forgotten: [{ topic: 't', partitions: [0, 1] }, { topic: 'u', partitions: [0] }] }));
    expect(closing.kind).toBe('sessionless');
    expect(m.cache.size).toBe(0);
    // a full request naming a session closes it
    const f2 = m.newContext(req({ topics: [{ topic: 't', partitions: [part(0)] }] }));
    const id2 = m.respond(f2, m.plan(f2, req({ topics: [{ topic: 't', partitions: [part(0)] }] })), [{ topic: 't', partitions: [{ highWatermark: 1n, logStartOffset: 0n }] }]).sessionId;
    expect(m.newContext(req({ sessionId: id2, sessionEpoch: -1 })).kind).toBe('sessionless');
    expect(m.cache.get(id2)).toBeUndefined();
  });

  it('incremental answers: only partitions with records, a moved high watermark or log start offset, an error, a diverging epoch; those with records move to the end; a duplicate in between answers INVALID_FETCH_SESSION_EPOCH', () => {
    const m = new FetchManager(new FetchSessionCache(() => 10));
    const topics = [{ topic: 't', partitions: [part(0), part(1), part(2), part(3)] }];
    const full = m.newContext(req({ topics }));
    const base = { errorCode: 0, highWatermark: 5n, logStartOffset: 0n, records: Buffer.alloc(0), preferredReadReplica: -1 };
    const id = m.respond(full, m.plan(full, req({ topics })), [{ topic: 't', partitions: [base, base, base, base] }]).sessionId;
    const inc = m.newContext(req({ sessionId: id, sessionEpoch: 1 }));
    const plan = m.plan(inc, req({}));
    const out = m.respond(inc, plan, [{ topic: 't', partitions: [
      { ...base, records: Buffer.alloc(10) }, base, { ...base, highWatermark: 6n }, { ...base, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER },
    ] }]);
    expect(out).toMatchObject({ errorCode: 0, sessionId: id });
    expect(out.responses[0]!.partitions.map((p) => p.highWatermark)).toEqual([5n, 6n, 5n]);
    // t-0 (records) went to the end; the errored t-3 will be sent again even with the same high watermark
    const inc2 = m.newContext(req({ sessionId: id, sessionEpoch: 2 }));
    const plan2 = m.plan(inc2, req({}));
    expect(plan2[0]!.partitions.map((p) => p.partition)).toEqual([1, 2, 3, 0]);
    const out2 = m.respond(inc2, plan2, [{ topic: 't', partitions: [base, { ...base, highWatermark: 6n }, base, { ...base, divergingEpoch: { epoch: 3, endOffset: 4n } }] }]);
    expect(out2.responses[0]!.partitions).toHaveLength(2); // t-3 (was errored: HW reset to -1) and t-0 (diverging)
    // an incremental context whose session moved on meanwhile (a duplicate request)
    const inc3 = m.newContext(req({ sessionId: id, sessionEpoch: 3 }));
    m.newContext(req({ sessionId: id, sessionEpoch: 4 }));
    expect(m.respond(inc3, m.plan(inc3, req({})), [{ topic: 't', partitions: [base, base, base, base] }])).toEqual({ errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: id, responses: [] });
  });

  it('eviction as Kafka\'s tryEvict: stale sessions first; a privileged (follower) session evicts the smallest unprivileged one; an unprivileged one only older sessions worth less; otherwise no session (id 0)', () => {
    let now = 0;
    let ids = 100;
    const cache = new FetchSessionCache(() => 2, 1000, () => (++ids) / 0x7ffffffe);
    const create = (privileged: boolean, size: number) => cache.maybeCreateSession(now, privileged, size, (s) => {
      for (let i = 0; i < size; i++) s.partitions.set(`t\u0000${i}`, { topic: 't', ...part(i), highWatermark: 0n, localLogStartOffset: 0n });
    });
    const a = create(false, 3);
    const b = create(false, 5);
    expect([a, b].every((x) => x > 0)).toBe(true);
    // full, nothing stale, both younger than evictionMs: an unprivileged session cannot evict
    expect(create(false, 10)).toBe(INVALID_SESSION_ID);
    // a follower's session evicts the least valuable unprivileged one (a: fewer partitions)
    const f = create(true, 1);
    expect(f).toBeGreaterThan(0);
    expect(cache.get(a)).toBeUndefined();
    expect(cache.evictions).toBe(1);
    // once b was unused for longer than evictionMs it is stale: anyone may take its slot
    now = 1500;
    cache.touch(cache.get(f)!, now);
    const c = create(false, 1);
    expect(c).toBeGreaterThan(0);
    expect(cache.get(b)).toBeUndefined();
    // nothing stale; c too young to be evicted; f (old) is evictable by all but a privileged session is worth more
    now = 1600;
    expect(create(false, 1)).toBe(INVALID_SESSION_ID);
    // once c is older than evictionMs, a consumer session with more partitions takes its slot; one with as many does not
    now = 2600;
    cache.touch(cache.get(f)!, now);
    cache.touch(cache.get(c)!, now);
    expect(create(false, 1)).toBe(INVALID_SESSION_ID);
    const d = create(false, 2);
    expect(d).toBeGreaterThan(0);
    expect(cache.get(c)).toBeUndefined();
    expect(cache.get(f)).toBeDefined();
    expect(cache.evictions).toBe(3);
    expect(cache.totalPartitions).toBe(3);
  });
});
