/**
 * The follower's log operations and truncation decisions: Log.appendAsFollower keeps the leader's batches byte for
 * byte across segments (a partial trailing batch is left for the next fetch), refuses offsets below its end, and
 * learns the epochs; offsetTruncationState follows Kafka's getOffsetTruncationState in the KIP-101/279 cases.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Log, UnexpectedAppendOffsetError } from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../src/services/log/log-config.js';
import { endOffsetForEpoch } from '../../../src/services/log/leader-epoch-cache.js';
import { appendRecordsToFollower } from '../../../src/services/replication/partition.js';
import { createLogger } from '../../../src/logger.js';
import { fetcherIdFor, fetchRequestVersion, offsetTruncationState, ReplicaFetcherThread, type FollowerLog } from '../../../src/services/replication/replica-fetcher-thread.js';
import { advanceFetchState } from '../../../src/machines/partition-fetch-state.js';
import { encodeBatch } from '../log/log-test-helpers.js';
import { makeTmpDir, rmrf } from '../log/tmp.js';

const cleanup: string[] = [];
afterEach(async () => { while (cleanup.length) await rmrf(cleanup.pop()!); });

const config: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 4000, indexIntervalBytes: 500 };
const batchOf = (n: number, ts: number): Buffer => encodeBatch(Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.alloc(150, 97 + i), timestamp: ts + i })));

async function newLog(name: string): Promise<Log> {
  const root = await makeTmpDir();
  cleanup.push(root);
  return Log.create({ dir: path.join(root, name), topic: 't', partition: 0, config });
}

const segments = (l: Log) => readdirSync(l.dir).filter((f) => f.endsWith('.log')).sort().map((f) => [f, readFileSync(path.join(l.dir, f))] as const);

describe('Log.appendAsFollower', () => {
  it('copies the leader\'s batches byte for byte (offsets, epochs, segments), in pieces cut anywhere', async () => {
    const leader = await newLog('leader');
    for (let i = 0; i < 30; i++) leader.appendAsLeader(batchOf(3, 1000 + i), i < 12 ? 4 : 7);
    const follower = await newLog('follower');
    let offset = 0n;
    let guard = 0;
    while (offset < leader.logEndOffset && guard++ < 200) {
      // a fetch-sized read whose end cuts a batch: the follower keeps only whole batches
      const r = leader.read(offset, 700 + (guard % 5) * 97, { minOneMessage: true });
      const last = follower.appendAsFollower(r.records);
      if (last !== null) offset = last + 1n;
      expect(follower.logEndOffset).toBe(offset);
    }
    expect(follower.logEndOffset).toBe(leader.logEndOffset);
    expect(follower.leaderEpochEntries()).toEqual(leader.leaderEpochEntries());
    expect(segments(follower).map(([f]) => f)).toEqual(segments(leader).map(([f]) => f));
    for (const [[, a], [, b]] of segments(leader).map((s, i) => [s, segments(follower)[i]!] as const)) expect(b.equals(a)).toBe(true);
    expect(follower.highWatermark).toBe(0n); // the fetcher sets it from the leader's
  });

  it('refuses a first offset below its end; after truncation it appends again from there', async () => {
    const leader = await newLog('leader');
    for (let i = 0; i < 4; i++) leader.appendAsLeader(batchOf(2, i), 1);
    const follower = await newLog('follower');
    const all = leader.read(0n, 1 << 20).records;
    expect(follower.appendAsFollower(all)).toBe(7n);
    expect(() => follower.appendAsFollower(all)).toThrow(UnexpectedAppendOffsetError);
    follower.truncateTo(4n);
    expect(follower.appendAsFollower(leader.read(4n, 1 << 20).records)).toBe(7n);
    expect(follower.appendAsFollower(Buffer.alloc(10))).toBeNull(); // no whole batch
  });
});

/** A follower log of epochs only (offsets), for the truncation decisions. */
function epochLog(entries: Array<[number, bigint]>, leo: bigint): FollowerLog {
  const e = entries.map(([epoch, startOffset]) => ({ epoch, startOffset }));
  return {
    logStartOffset: 0n, logEndOffset: leo, highWatermark: 0n, latestEpoch: e.at(-1)?.epoch ?? -1,
    appendAsFollower: () => null, truncateTo: () => true, truncateFullyAndStartAt: () => {},
    endOffsetForEpoch: (epoch) => endOffsetForEpoch(e, epoch, leo), updateHighWatermark: (hw) => hw, maybeIncrementLogStartOffset: () => true,
  };
}

describe('offsetTruncationState (Kafka getOffsetTruncationState)', () => {
  it('same epoch on both: truncate to the smaller end', () => {
    expect(offsetTruncationState(epochLog([[0, 0n], [1, 10n]], 15n), 15n, 1, 12n)).toEqual({ offset: 12n, completed: true });
    expect(offsetTruncationState(epochLog([[0, 0n], [1, 10n]], 15n), 15n, 1, 20n)).toEqual({ offset: 15n, completed: true });
  });

  it('the leader never had the follower\'s epoch (KIP-279, leader change during a restart): the end of the largest common epoch', () => {
    // follower wrote epoch 1 from 10 as a short-lived leader; the leader answers epoch 0 ends at 10
    expect(offsetTruncationState(epochLog([[0, 0n], [1, 10n]], 15n), 15n, 0, 10n)).toEqual({ offset: 10n, completed: true });
  });

  it('two leader changes in a row: not done until the epochs agree', () => {
    // follower: epoch 0 from 0, epoch 2 from 10; the leader answered for epoch 2 with (1, 12): the follower's own
    // end of epoch 1 is epoch 0's (10) → truncate to 10 and ask again with epoch 0
    const first = offsetTruncationState(epochLog([[0, 0n], [2, 10n]], 15n), 15n, 1, 12n);
    expect(first).toEqual({ offset: 10n, completed: false });
    // after truncating to 10 the follower holds epoch 0 only; the leader says epoch 0 ends at 8
    expect(offsetTruncationState(epochLog([[0, 0n]], 10n), 10n, 0, 8n)).toEqual({ offset: 8n, completed: true });
  });

  it('an undefined answer truncates to the fetch offset; an empty follower keeps nothing to truncate', () => {
    expect(offsetTruncationState(epochLog([[3, 0n]], 9n), 5n, -1, -1n)).toEqual({ offset: 5n, completed: true });
    expect(offsetTruncationState(epochLog([], 0n), 0n, 4, 100n)).toEqual({ offset: 0n, completed: true });
  });
});

describe('fetcher choices', () => {
  it('Fetch version from the IBP (capped at 12), fetcher id as Kafka\'s getFetcherId', () => {
    expect(fetchRequestVersion('3.7-IV4')).toBe(12);
    expect(fetchRequestVersion('2.7-IV0')).toBe(11);
    expect(fetchRequestVersion('2.1-IV2')).toBe(10);
    expect(fetchRequestVersion('0.10.2-IV0')).toBe(3);
    // Java: Utils.abs(31 * "topic".hashCode() + 0) % 3; "topic".hashCode() = 110546223
    expect(fetcherIdFor('topic', 0, 3)).toBe(Math.abs((Math.imul(31, 110546223) | 0)) % 3);
    expect(fetcherIdFor('topic', 5, 1)).toBe(0);
  });
});

describe('appendRecordsToFollower (Kafka Partition.appendRecordsToFollowerOrFutureReplica)', () => {
  it('an empty follower restarted at a log start offset inside a batch starts again at the batch\'s base offset', async () => {
    const leader = await newLog('leader');
    for (let i = 0; i < 3; i++) leader.appendAsLeader(batchOf(4, i * 10), 1); // batches 0-3, 4-7, 8-11
    expect(leader.maybeIncrementLogStartOffset(6n)).toBe(true); // DeleteRecords up to 6: inside batch 4-7
    const follower = await newLog('follower');
    follower.truncateFullyAndStartAt(6n); // the fetcher after OFFSET_OUT_OF_RANGE: start at the leader's log start
    const fetched = leader.read(6n, 1 << 20, { minOneMessage: true }).records; // from batch 4-7
    expect(() => follower.appendAsFollower(fetched)).toThrow(UnexpectedAppendOffsetError);
    expect(appendRecordsToFollower(follower, fetched, 't-0', createLogger('silent'))).toBe(11n);
    expect(follower.logStartOffset).toBe(4n);
    expect(follower.logEndOffset).toBe(12n);
    expect(follower.read(4n, 1 << 20).records.equals(fetched)).toBe(true); // the leader's batches, byte for byte
  });

  it('a non-empty follower below its end is still an error (a real divergence, not this case)', async () => {
    const leader = await newLog('leader');
    for (let i = 0; i < 2; i++) leader.appendAsLeader(batchOf(4, i * 10), 1);
    const follower = await newLog('follower');
    follower.appendAsFollower(leader.read(0n, 1 << 20).records);
    expect(() => appendRecordsToFollower(follower, leader.read(4n, 1 << 20).records, 't-0', createLogger('silent'))).toThrow(UnexpectedAppendOffsetError);
    expect(follower.logEndOffset).toBe(8n);
  });
});

describe('ReplicaFetcherThread.fetchWhileReady (the fetching state: fetches in a row, one actor per run)', () => {
  const thread = () => {
    const t = new ReplicaFetcherThread({
      brokerId: 2, fetcherId: 0, leader: { brokerId: 1, host: '127.0.0.1', port: 1 }, interBrokerProtocolVersion: '3.7-IV4',
      maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20, backoffMs: 1000, socketTimeoutMs: 1000, requestTimeoutMs: 1000,
      partitions: { followerLog: () => epochLog([[0, 0n]], 0n) }, advanceFetchState, log: createLogger('silent'),
    });
    t.addPartitions([{ topic: 't', partition: 0, topicId: null, leader: { brokerId: 1, host: '127.0.0.1', port: 1 }, currentLeaderEpoch: 0, initOffset: 0n }]);
    return t;
  };

  it('fetches again while only fetching is due; stops when a partition must truncate, is delayed, a Fetch could not be sent, or on abort', async () => {
    const t = thread();
    expect(t.nextFetchDelayMs()).toBe(0);
    const s = t.partitions.get('t-0')!;
    // a stand-in Fetch: counts, yields like a network round trip, and changes the partition on the 3rd call
    let calls = 0; let onCall: (n: number) => void = () => {};
    t.fetch = async () => { calls++; t.fetches++; await new Promise((r) => setImmediate(r)); onCall(calls); return 10; };
    onCall = (n) => { if (n === 3) s.state = 'truncating'; };
    expect(await t.fetchWhileReady()).toBe(30);
    expect(calls).toBe(3);
    // a partition error delays it: the run ends after that Fetch
    s.state = 'fetching'; calls = 0;
    onCall = (n) => { if (n === 2) s.delayedUntil = Date.now() + 60_000; };
    expect(await t.fetchWhileReady()).toBe(20);
    expect(calls).toBe(2);
    // a Fetch that sent nothing (fetches unchanged): no busy loop
    s.delayedUntil = 0; calls = 0;
    t.fetch = async () => { calls++; return 0; };
    expect(await t.fetchWhileReady()).toBe(0);
    expect(calls).toBe(1);
    // the machine leaving the state aborts the run
    const ac = new AbortController(); calls = 0;
    t.fetch = async () => { calls++; t.fetches++; await new Promise((r) => setImmediate(r)); if (calls === 4) ac.abort(); return 1; };
    expect(await t.fetchWhileReady(ac.signal)).toBe(4);
    t.close();
  });
});
