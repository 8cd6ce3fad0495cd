import { describe, expect, it } from 'vitest';
import {
  parseThrottledPartitions, recordLeaderThrottled, ReplicationQuotaManager, ReplicationQuotas, shouldLeaderThrottle, SimpleRate, validateThrottledReplicas,
} from '../../../src/services/replication/replication-quota-manager.js';
import { ReplicaFetcherThread } from '../../../src/services/replication/replica-fetcher-thread.js';
import { advanceFetchState } from '../../../src/machines/partition-fetch-state.js';
import { createLogger } from '../../../src/logger.js';

describe('ReplicationQuotaManager (Kafka ReplicationQuotaManagerTest)', () => {
  it('shouldThrottleOnlyDefinedReplicas: `*` = all partitions, else the listed ones', () => {
    const q = new ReplicationQuotaManager('follower');
    q.markThrottled('topic1', [1, 2, 3]);
    expect([0, 1, 2, 3, 4].map((p) => q.isThrottled('topic1', p))).toEqual([false, true, true, true, false]);
    expect(q.isThrottled('topic2', 1)).toBe(false);
    q.markThrottled('topic2', null);
    expect(q.isThrottled('topic2', 77)).toBe(true);
    q.removeThrottle('topic2');
    expect(q.isThrottled('topic2', 77)).toBe(false);
  });

  it('shouldExceedQuotaThenReturnBackBelowBoundAsTimePasses (Kafka\'s test, step by step: 10 samples of 1 s)', () => {
    let now = 0;
    const q = new ReplicationQuotaManager('leader', () => now, 10);
    q.updateQuota(100);
    expect(q.isQuotaExceeded()).toBe(false); // starts the first window at 0
    now += 1500;
    q.record(1);
    expect(q.isQuotaExceeded()).toBe(false);
    q.record(149);
    expect(q.isQuotaExceeded()).toBe(false);
    q.record(1);
    expect(q.measuredRate()).toBe(151 / 1.5);
    expect(q.isQuotaExceeded()).toBe(true);
    now += 500;
    expect(q.isQuotaExceeded()).toBe(false);
    expect(q.measuredRate()).toBeCloseTo(151 / 2, 1);
    now += 500;
    q.record(99);
    expect(q.measuredRate()).toBe(250 / 2.5);
    expect(q.isQuotaExceeded()).toBe(false);
    q.record(1);
    expect(q.isQuotaExceeded()).toBe(true);
    expect(q.measuredRate()).toBe(251 / 2.5);
    now += 2000;
    expect(q.isQuotaExceeded()).toBe(false);
    expect(q.measuredRate()).toBe(251 / 4.5);
  });

  it('SimpleRate: at least one window as denominator, samples older than 11 windows dropped', () => {
    const r = new SimpleRate();
    expect(r.measure(0)).toBe(0);
    r.record(500, 0);
    expect(r.measure(0)).toBe(500); // one window minimum, not a 1 ms burst
    expect(r.measure(2000)).toBe(250);
    expect(r.measure(11_000)).toBe(0); // expired
  });

  it('throttled-replica lists: Kafka\'s validator and per-broker parsing (TopicConfigHandler.parseThrottledPartitions)', () => {
    expect(parseThrottledPartitions('x', '0:101, 1:102 ,2:101', 101)).toEqual([0, 2]); // items are trimmed, not their inner spaces
  });
});

describe('throttled-replica list validation (ThrottledReplicaListValidator)', () => {
  it.each(['', '*', ' * ', '0:1', '0:1,1:2', '0:1, 1:2', '0:1,,2:3'])('accepts %j', (v) => { expect(() => validateThrottledReplicas('k', v)).not.toThrow(); });
  it.each(['a', '0:', '1:2,*', '0-1', '0 : 1'])('refuses %j with Kafka\'s message', (v) => {
    expect(() => validateThrottledReplicas('leader.replication.throttled.replicas', v))
      .toThrow("leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...");
  });
});

describe('ReplicationQuotas (TopicConfigHandler / BrokerConfigHandler)', () => {
  it('takes the partitions naming this broker from each list and the rates of its own entity', () => {
    const qs = new ReplicationQuotas(2);
    expect(qs.updateTopic('t', { 'leader.replication.throttled.replicas': '0:1,0:2,1:2', 'follower.replication.throttled.replicas': '*' })).toBeNull();
    expect([qs.leader.isThrottled('t', 0), qs.leader.isThrottled('t', 1), qs.leader.isThrottled('t', 2)]).toEqual([true, true, false]);
    expect(qs.follower.isThrottled('t', 9)).toBe(true);
    qs.updateTopic('t', { 'leader.replication.throttled.replicas': '' });
    expect([qs.leader.isThrottled('t', 0), qs.follower.isThrottled('t', 9)]).toEqual([false, false]);
    expect(qs.updateTopic('u', { 'leader.replication.throttled.replicas': 'bad' })?.message).toMatch(/must be the literal/);
    qs.updateBroker({ 'leader.replication.throttled.rate': '1000' });
    expect([qs.leader.upperBound, qs.follower.upperBound]).toEqual([1000, Infinity]);
    qs.updateBroker({});
    expect(qs.leader.upperBound).toBe(Infinity);
  });

  it('leader side: only a replica out of the ISR, of a throttled partition, while over the bound; every throttled byte recorded', () => {
    let now = 0;
    const q = new ReplicationQuotaManager('leader', () => now);
    q.markThrottled('t', [0]);
    q.updateQuota(100);
    recordLeaderThrottled(q, [{ topic: 't', partitions: [{ partitionIndex: 0, records: Buffer.alloc(300) }, { partitionIndex: 1, records: Buffer.alloc(5000) }] }]);
    expect(q.measuredRate()).toBe(300); // partition 1 is not throttled: not counted
    expect(shouldLeaderThrottle(q, 't', 0, 3, [1, 2])).toBe(true);
    expect(shouldLeaderThrottle(q, 't', 0, 2, [1, 2])).toBe(false); // in sync: never held back
    expect(shouldLeaderThrottle(q, 't', 1, 3, [1, 2])).toBe(false); // not throttled
    now += 5000; // 300 B over 5 s = 60 B/s
    expect(shouldLeaderThrottle(q, 't', 0, 3, [1, 2])).toBe(false);
    expect(shouldLeaderThrottle(undefined, 't', 0, 3, [1, 2])).toBe(false);
  });
});

describe('follower side in ReplicaFetcherThread (shouldFollowerThrottle)', () => {
  const log = {
    logStartOffset: 0n, logEndOffset: 10n, highWatermark: 5n, latestEpoch: 0,
    appendAsFollower: () => null, truncateTo: () => false, truncateFullyAndStartAt: () => undefined,
    endOffsetForEpoch: () => ({ epoch: 0, endOffset: 10n }), updateHighWatermark: (hw: bigint) => hw, maybeIncrementLogStartOffset: () => false,
  };
  const thread = (quota: ReplicationQuotaManager) => {
    const t = new ReplicaFetcherThread({
      brokerId: 2, fetcherId: 0, leader: { brokerId: 1, host: '127.0.0.1', port: 1 }, interBrokerProtocolVersion: '3.7-IV4',
      maxWaitMs: 10, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20, backoffMs: 5, socketTimeoutMs: 200, requestTimeoutMs: 200,
      partitions: { followerLog: () => log }, advanceFetchState, log: createLogger('silent'), quota,
    });
    t.addPartitions([{ topic: 't', partition: 0, topicId: null, leader: { brokerId: 1, host: '127.0.0.1', port: 1 }, currentLeaderEpoch: 0, initOffset: 10n }]);
    return t;
  };

  it('a throttled, not-in-sync partition is left out while over the bound: no request is sent at all', async () => {
    let now = 0;
    const q = new ReplicationQuotaManager('follower', () => now);
    q.markThrottled('t', null);
    q.updateQuota(10);
    q.record(1000); // 1000 B/s > 10
    const t = thread(q);
    expect(await t.fetch()).toBe(0);
    expect(t.fetches).toBe(0);
    t.close();
  });

  it('under the bound (or unthrottled) the partition is fetched: a request goes out', async () => {
    const q = new ReplicationQuotaManager('follower');
    q.markThrottled('t', null);
    q.updateQuota(10);
    const t = thread(q);
    await expect(t.fetch()).rejects.toThrow(); // nothing listens on port 1: the attempt is what counts
    expect(t.fetches).toBe(1);
    t.close();
  });
});
