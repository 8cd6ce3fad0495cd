import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { replicaFetcherManagerMachine } from '../../src/machines/replica-fetcher-manager.js';
import { fetcherIdFor } from '../../src/services/replication/replica-fetcher-thread.js';
import { createLogger } from '../../src/logger.js';

// Kafka's AbstractFetcherManager.resizeFetcherThreadPool (num.replica.fetchers changed at runtime)
describe('ReplicaFetcherManager: fetchers.resize', () => {
  it('moves every partition, at its fetch offset and leader epoch, onto the fetchers of the new count', () => {
    const log = {
      logStartOffset: 0n, logEndOffset: 0n, highWatermark: 0n, latestEpoch: 0, // a local epoch: fetching at once (truncation on fetch)
      appendAsFollower: () => null, truncateTo: () => false, truncateFullyAndStartAt: () => undefined,
      endOffsetForEpoch: () => ({ epoch: -1, endOffset: -1n }), updateHighWatermark: (hw: bigint) => hw, maybeIncrementLogStartOffset: () => false,
    };
    const actor = createActor(replicaFetcherManagerMachine, {
      input: {
        brokerId: 2, numFetchers: 1, log: createLogger('silent'),
        // nothing listens on port 1 and the back-off is long: the fetchers stay idle in their first failure
        fetcherOptions: {
          interBrokerProtocolVersion: '3.7-IV4', maxWaitMs: 10, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20, backoffMs: 60_000,
          socketTimeoutMs: 100, requestTimeoutMs: 100, partitions: { followerLog: () => log },
        },
      },
    });
    actor.start();
    const leader = { brokerId: 1, host: '127.0.0.1', port: 1 };
    const parts = Array.from({ length: 8 }, (_, p) => ({ topic: 't', partition: p, topicId: null, leader, currentLeaderEpoch: 3, initOffset: BigInt(10 + p) }));
    actor.send({ type: 'fetchers.add', partitions: parts });
    expect(Object.keys(actor.getSnapshot().context.fetchers)).toEqual(['fetcher-1-0']);
    actor.send({ type: 'fetchers.resize', numFetchers: 3 });
    const fetchers = actor.getSnapshot().context.fetchers;
    expect(actor.getSnapshot().context.numFetchers).toBe(3);
    const expected = [...new Set(parts.map((p) => `fetcher-1-${fetcherIdFor('t', p.partition, 3)}`))].sort();
    expect(Object.keys(fetchers).sort()).toEqual(expected);
    expect(expected.length).toBeGreaterThan(1);
    const all = Object.entries(fetchers).flatMap(([k, f]) => [...f.thread.partitions.values()].map((s) => ({ k, p: s.partition, offset: s.fetchOffset, epoch: s.currentLeaderEpoch })));
    expect(all.sort((a, b) => a.p - b.p)).toEqual(parts.map((p) => ({ k: `fetcher-1-${fetcherIdFor('t', p.partition, 3)}`, p: p.partition, offset: p.initOffset, epoch: 3 })));
    actor.send({ type: 'fetchers.resize', numFetchers: 3 }); // same count: nothing moves
    expect(actor.getSnapshot().context.fetchers).toBe(fetchers);
    actor.send({ type: 'fetchers.shutdown' });
    actor.stop();
  });
});
