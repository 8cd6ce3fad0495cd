/**
 * The follower's side of fetch sessions (Kafka's FetchSessionHandler) against the leader's (FetchManager), in process:
 * the first Fetch is full, later ones carry only the partitions whose fetch data changed and the forgotten ones; the
 * leader reads every partition of the session; session errors and a failed request start over with a full Fetch.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { FetchSessionHandler } from '../../../src/services/replication/fetch-session-handler.js';
import type { FetchPartitionData } from '../../../src/protocol/messages/fetch.js';
import { FetchManager, FetchSessionCache } from '../../../src/services/server/fetch-session.js';
import { ReplicaFetcherThread, type FollowerLog } from '../../../src/services/replication/replica-fetcher-thread.js';
import { createLogger } from '../../../src/logger.js';

const data = (partition: number, fetchOffset: bigint): FetchPartitionData => ({ partition, fetchOffset, currentLeaderEpoch: 3, lastFetchedEpoch: 3, logStartOffset: 0n, partitionMaxBytes: 1 << 20 });

/** One round trip: the handler's request through the leader's FetchManager; `hw` per partition, records where `withData`. */
function roundTrip(h: FetchSessionHandler, m: FetchManager, next: Array<{ topic: string; data: FetchPartitionData }>, hw: (p: number) => bigint, withData: Set<number>) {
  const req = h.build(next);
  const ctxReq = { apiVersion: 12, sessionId: req.sessionId, sessionEpoch: req.sessionEpoch, isFollower: true, topics: req.topics, forgotten: req.forgottenTopicsData };
  const ctx = m.newContext(ctxReq);
  const plan = m.plan(ctx, ctxReq);
  const read = plan.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: 0, highWatermark: hw(p.partition), logStartOffset: 0n, records: Buffer.alloc(withData.has(p.partition) ? 100 : 0), fetchOffset: p.fetchOffset })) }));
  const out = m.respond(ctx, plan, read);
  const answered = out.responses.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partitionIndex })));
  const usable = h.handleResponse(out.errorCode, out.sessionId, answered, req.isFull);
  return { req, out, usable, readOffsets: plan.flatMap((t) => t.partitions.map((p) => [p.partition, p.fetchOffset])) };
}

describe('FetchSessionHandler (follower) ⇄ FetchManager (leader)', () => {
  it('full, then incremental with only what changed; the leader reads every session partition at the offsets it was last told', () => {
    const h = new FetchSessionHandler(true);
    const m = new FetchManager(new FetchSessionCache(() => 10));
    const offsets = [0n, 0n, 0n];
    const next = () => offsets.map((o, p) => ({ topic: 't', data: data(p, o) }));
    const r1 = roundTrip(h, m, next(), () => 10n, new Set([0, 1, 2]));
    expect(r1.req.isFull).toBe(true);
    expect(r1.usable).toBe(true);
    expect(r1.out.sessionId).toBeGreaterThan(0);
    expect(h.session).toEqual({ id: r1.out.sessionId, epoch: 1 });
    // t-1 got data: only its new offset is sent; the leader still reads all three
    offsets[1] = 5n;
    const r2 = roundTrip(h, m, next(), () => 10n, new Set([1]));
    expect(r2.req.isFull).toBe(false);
    expect(r2.req.topics).toEqual([{ topic: 't', partitions: [data(1, 5n)] }]);
    expect(r2.readOffsets).toEqual([[0, 0n], [1, 5n], [2, 0n]]);
    expect(r2.out.responses.flatMap((t) => t.partitions.map((p) => p.partitionIndex))).toEqual([1]); // only t-1 had anything new
    expect(h.session.epoch).toBe(2);
    // nothing changed: an incremental Fetch with no partitions at all
    const r3 = roundTrip(h, m, next(), () => 10n, new Set());
    expect([r3.req.topics, r3.req.forgottenTopicsData, r3.out.responses]).toEqual([[], [], []]);
    // t-2 backs off (not fetched now): forgotten; back later: sent again
    const r4 = roundTrip(h, m, next().filter((e) => e.data.partition !== 2), () => 10n, new Set());
    expect(r4.req.forgottenTopicsData).toEqual([{ topic: 't', partitions: [2] }]);
    expect(r4.readOffsets).toEqual([[0, 0n], [1, 5n]]);
    const r5 = roundTrip(h, m, next(), () => 11n, new Set());
    expect(r5.req.topics).toEqual([{ topic: 't', partitions: [data(2, 0n)] }]);
    expect(r5.out.responses[0]!.partitions.map((p) => p.partitionIndex).sort()).toEqual([0, 1, 2]); // the HW moved everywhere
    expect(h.fullRequests).toBe(1);
    expect(h.incrementalRequests).toBe(4);
  });

  it('session errors and failures start over with a full Fetch: FETCH_SESSION_ID_NOT_FOUND (the leader lost it) a new session, other errors close the old one', () => {
    const h = new FetchSessionHandler(true);
    const m = new FetchManager(new FetchSessionCache(() => 10));
    const next = [{ topic: 't', data: data(0, 0n) }];
    const first = roundTrip(h, m, next, () => 1n, new Set()).out.sessionId;
    m.cache.remove(first); // evicted on the leader (or the leader restarted)
    const lost = roundTrip(h, m, next, () => 1n, new Set());
    expect([lost.out.errorCode, lost.usable]).toEqual([ErrorCode.FETCH_SESSION_ID_NOT_FOUND, false]);
    expect(h.session).toEqual({ id: 0, epoch: 0 });
    const again = roundTrip(h, m, next, () => 1n, new Set());
    expect(again.req.isFull).toBe(true);
    const id = again.out.sessionId;
    expect(id).toBeGreaterThan(0);
    // a request that failed on the wire: close the session (same id, epoch 0) and open a new one
    h.handleError();
    const reopened = roundTrip(h, m, next, () => 1n, new Set());
    expect(reopened.req).toMatchObject({ sessionId: id, sessionEpoch: 0, isFull: true });
    expect(m.cache.get(id)).toBeUndefined();
    expect(reopened.out.sessionId).not.toBe(id);
    // INVALID_FETCH_SESSION_EPOCH: the same
    expect(h.handleResponse(ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0, [], false)).toBe(false);
    expect(h.session.epoch).toBe(0);
    // a leader without free slots answers session id 0: the follower stays on full Fetches
    const full = new FetchManager(new FetchSessionCache(() => 0));
    const h2 = new FetchSessionHandler(true);
    expect(roundTrip(h2, full, next, () => 1n, new Set()).usable).toBe(true);
    expect(roundTrip(h2, full, next, () => 1n, new Set()).req.isFull).toBe(true);
  });

  it('Fetch v0-6: no sessions (id 0, epoch -1, everything every time)', () => {
    const h = new FetchSessionHandler(false);
    const r = h.build([{ topic: 't', data: data(0, 0n) }]);
    expect(r).toMatchObject({ sessionId: 0, sessionEpoch: -1, isFull: true });
    expect(h.build([{ topic: 't', data: data(0, 0n) }]).topics).toHaveLength(1);
  });
});

describe('ReplicaFetcherThread and fetch sessions', () => {
  it('a follower opens a fetch session by default (as Kafka), and sends sessionless full fetches with incrementalFetchSessions: false', async () => {
    const log: FollowerLog = {
      logStartOffset: 0n, logEndOffset: 5n, highWatermark: 5n, latestEpoch: 1, appendAsFollower: () => null, truncateTo: () => false,
      truncateFullyAndStartAt: () => undefined, endOffsetForEpoch: () => ({ epoch: 1, endOffset: 5n }), updateHighWatermark: (hw) => hw, maybeIncrementLogStartOffset: () => false,
    };
    const leader = { brokerId: 1, host: '127.0.0.1', port: 1 };
    const sessionEpochs: number[] = [];
    for (const incrementalFetchSessions of [undefined, false]) {
      const thread = new ReplicaFetcherThread({
        brokerId: 2, fetcherId: 0, leader, interBrokerProtocolVersion: '3.7-IV4', maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20,
        backoffMs: 10, socketTimeoutMs: 100, requestTimeoutMs: 100, partitions: { followerLog: () => log }, log: createLogger('silent'),
        advanceFetchState: (state, event) => ({ state: event === 'truncation.completed' ? 'fetching' : state, valid: true }),
        ...(incrementalFetchSessions === undefined ? {} : { incrementalFetchSessions }),
      });
      const sender = thread.sender as unknown as { sendRequest: (k: number, v: number, body: { sessionEpoch: number }) => Promise<unknown>; returnBuffer: () => void };
      sender.sendRequest = async (_k, _v, body) => { sessionEpochs.push(body.sessionEpoch); return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [] }; };
      sender.returnBuffer = () => undefined;
      thread.addPartitions([{ topic: 't', partition: 0, topicId: null, leader, currentLeaderEpoch: 1, initOffset: 5n }]);
      await thread.fetch();
      expect(thread.session?.usesSessions).toBe(incrementalFetchSessions !== false);
      thread.close();
    }
    expect(sessionEpochs).toEqual([0, -1]); // a full Fetch that opens a session; a sessionless one (FINAL_EPOCH)
  });
});
