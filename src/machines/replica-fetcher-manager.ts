/**
 * ReplicaFetcherManager (Kafka's `ReplicaFetcherManager` / `AbstractFetcherManager`) and its fetcher actors (Kafka's
 * `ReplicaFetcherThread`s): one fetcher per source broker × fetcher id (`num.replica.fetchers`, a partition's id is
 * Kafka's `getFetcherId`). The ReplicaManager adds and removes partitions (LeaderAndIsr, StopReplica) through the
 * {@link ReplicaFetcherControl} this actor backs; a fetcher left without partitions is shut down (Kafka's
 * shutdownIdleFetcherThreads), and a leader whose endpoint changed gets a new fetcher. A dynamic change of
 * `num.replica.fetchers` (`fetchers.resize`, Kafka's resizeFetcherThreadPool) moves every partition, at its current
 * fetch offset and leader epoch, onto the fetchers of the new count.
 *
 * Each fetcher runs Kafka's doWork loop as a chart; the I/O is src/services/replication/replica-fetcher-thread.ts, and
 * each of its partitions' Truncating/Fetching state advances through partition-fetch-state.ts's pure transitions:
 *
 *   choosing ──partitions truncating──► truncating (OffsetsForLeaderEpoch / truncate to HW) ──► choosing
 *       │    ──partitions to fetch────► fetching (Fetch + append as follower, again while nothing else is due) ──► choosing
 *       │    ──all backing off───────► backingOff ──earliest partition delay / partitions changed──► choosing
 *       └────nothing to do───────────► idle ──partitions changed──► choosing
 *   request failure (fetching / truncating) ──► backingOff (replica.fetch.backoff.ms)
 *   (any) ──fetcher.stop──► stopped (connection closed)
 */
import { assign, enqueueActions, fromPromise, setup, stopChild, type ActorRefFrom } from 'xstate';
import type { Logger } from '../logger.js';
import type { InitialFetchState, LeaderEndpoint } from '../services/replication/fetcher-types.js';
import { fetcherIdFor, ReplicaFetcherThread, type FetcherThreadOptions } from '../services/replication/replica-fetcher-thread.js';
import { advanceFetchState } from './partition-fetch-state.js';

// ---- one fetcher ------------------------------------------------------------------------------------------------

export interface ReplicaFetcherInput { thread: ReplicaFetcherThread; backoffMs: number; log: Logger }
interface FetcherContext extends ReplicaFetcherInput { failures: number }
export type ReplicaFetcherEvent = { type: 'partitions.changed' } | { type: 'fetcher.stop' };

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const replicaFetcherMachine = setup({
  types: {} as { context: FetcherContext; events: ReplicaFetcherEvent; input: ReplicaFetcherInput },
  actors: {
    truncate: fromPromise<void, { thread: ReplicaFetcherThread }>(({ input, signal }) => input.thread.truncate(signal)),
    /** Fetches in a row while only fetching is due (ReplicaFetcherThread.fetchWhileReady: one actor per run, not per Fetch). */
    fetch: fromPromise<number, { thread: ReplicaFetcherThread }>(({ input, signal }) => input.thread.fetchWhileReady(signal)),
  },
  guards: {
    hasTruncating: ({ context }) => context.thread.hasTruncating(),
    canFetchNow: ({ context }) => context.thread.nextFetchDelayMs() === 0,
    waitingForBackoff: ({ context }) => context.thread.nextFetchDelayMs() !== null,
  },
  delays: {
    /** Until the earliest delayed partition may be fetched again (at most replica.fetch.backoff.ms). */
    partitionDelay: ({ context }) => Math.min(context.backoffMs, Math.max(1, context.thread.nextFetchDelayMs() ?? context.backoffMs)),
    backoff: ({ context }) => context.backoffMs,
  },
  actions: {
    logFailure: assign({
      failures: ({ context, event }) => {
        const t = context.thread;
        // the first failure of a run is a warning; repeats (the leader is down) are quieter
        const level = context.failures === 0 ? 'warn' : 'debug';
        context.log[level]({ fetcher: t.name, leader: t.opts.leader.brokerId, err: message((event as { error?: unknown }).error) },
          `[${t.name}] Error in fetch from broker ${t.opts.leader.brokerId}: ${message((event as { error?: unknown }).error)}; backing off ${context.backoffMs} ms`);
        return context.failures + 1;
      },
    }),
    resetFailures: assign({ failures: 0 }),
    closeThread: ({ context }) => context.thread.close(),
  },
}).createMachine({
  id: 'replicaFetcher',
  context: ({ input }) => ({ ...input, failures: 0 }),
  initial: 'choosing',
  on: { 'fetcher.stop': '.stopped' },
  states: {
    choosing: {
      always: [
        { guard: 'hasTruncating', target: 'truncating' },
        { guard: 'canFetchNow', target: 'fetching' },
        { guard: 'waitingForBackoff', target: 'backingOff' },
        { target: 'idle' },
      ],
    },
    idle: { on: { 'partitions.changed': 'choosing' } },
    truncating: {
      invoke: { src: 'truncate', input: ({ context }) => ({ thread: context.thread }), onDone: 'choosing', onError: { target: 'failed', actions: 'logFailure' } },
    },
    fetching: {
      invoke: { src: 'fetch', input: ({ context }) => ({ thread: context.thread }), onDone: { target: 'choosing', actions: 'resetFailures' }, onError: { target: 'failed', actions: 'logFailure' } },
    },
    /** A request failed: the whole fetcher waits replica.fetch.backoff.ms (Kafka's fetchBackOffMs after an error). */
    failed: { after: { backoff: 'choosing' } },
    /** Every fetchable partition is delayed by a partition error: wait for the earliest. */
    backingOff: { after: { partitionDelay: 'choosing' }, on: { 'partitions.changed': 'choosing' } },
    stopped: { type: 'final', entry: 'closeThread' },
  },
});

// ---- the manager --------------------------------------------------------------------------------------------------

export interface ReplicaFetcherManagerInput {
  brokerId: number;
  /** num.replica.fetchers */
  numFetchers: number;
  /** The options every fetcher shares (sizes, waits, timeouts, IBP, the partitions' logs). */
  fetcherOptions: Omit<FetcherThreadOptions, 'fetcherId' | 'leader' | 'log' | 'brokerId' | 'advanceFetchState'>;
  log: Logger;
}

interface FetcherEntry { thread: ReplicaFetcherThread; ref: ActorRefFrom<typeof replicaFetcherMachine> }
interface ManagerContext extends ReplicaFetcherManagerInput { fetchers: Record<string, FetcherEntry> }

export type ReplicaFetcherManagerEvent =
  | { type: 'fetchers.add'; partitions: InitialFetchState[] }
  | { type: 'fetchers.remove'; partitions: Array<{ topic: string; partition: number }> }
  | { type: 'fetchers.resize'; numFetchers: number }
  | { type: 'fetchers.shutdown' };

const fetcherKey = (leader: LeaderEndpoint, fetcherId: number) => `fetcher-${leader.brokerId}-${fetcherId}`;
const sameEndpoint = (a: LeaderEndpoint, b: LeaderEndpoint) => a.host === b.host && a.port === b.port;

export const replicaFetcherManagerMachine = setup({
  types: {} as { context: ManagerContext; events: ReplicaFetcherManagerEvent; input: ReplicaFetcherManagerInput },
  actors: { replicaFetcher: replicaFetcherMachine },
  actions: {
    /** Kafka's addFetcherForPartitions: per (leader, fetcher id), creating a fetcher (or replacing one whose leader endpoint changed). */
    addPartitions: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'fetchers.add') return;
      const groups = new Map<string, { leader: LeaderEndpoint; fetcherId: number; partitions: InitialFetchState[] }>();
      for (const p of event.partitions) {
        const fetcherId = fetcherIdFor(p.topic, p.partition, context.numFetchers);
        const k = fetcherKey(p.leader, fetcherId);
        let g = groups.get(k);
        if (!g) groups.set(k, (g = { leader: p.leader, fetcherId, partitions: [] }));
        g.partitions.push(p);
      }
      const fetchers = { ...context.fetchers };
      for (const [k, g] of groups) {
        let entry: FetcherEntry | undefined = fetchers[k];
        if (entry && !sameEndpoint(entry.thread.opts.leader, g.leader)) {
          context.log.info({ fetcher: entry.thread.name }, `Leader ${g.leader.brokerId} moved to ${g.leader.host}:${g.leader.port}: replacing ${entry.thread.name}`);
          const old = entry;
          g.partitions.push(...[...old.thread.partitions.values()]
            .filter((s) => !g.partitions.some((p) => p.topic === s.topic && p.partition === s.partition))
            .map((s) => ({ topic: s.topic, partition: s.partition, topicId: s.topicId, leader: g.leader, currentLeaderEpoch: s.currentLeaderEpoch, initOffset: s.fetchOffset })));
          enqueue.sendTo(old.ref, { type: 'fetcher.stop' });
          enqueue(stopChild(old.ref));
          entry = undefined;
        }
        if (!entry) {
          const thread = new ReplicaFetcherThread({
            ...context.fetcherOptions, brokerId: context.brokerId, fetcherId: g.fetcherId, leader: g.leader, log: context.log, advanceFetchState,
          });
          const ref = enqueue.spawnChild('replicaFetcher', {
            id: k, systemId: `replicaFetcher-${context.brokerId}-${k}`,
            input: { thread, backoffMs: context.fetcherOptions.backoffMs, log: context.log },
          }) as unknown as ActorRefFrom<typeof replicaFetcherMachine>;
          entry = { thread, ref };
          fetchers[k] = entry;
          context.log.info({ fetcher: thread.name, leader: g.leader.brokerId }, `[ReplicaFetcherManager on broker ${context.brokerId}] Added fetcher ${thread.name} to broker ${g.leader.brokerId}`);
        }
        entry.thread.addPartitions(g.partitions);
        enqueue.sendTo(k, { type: 'partitions.changed' });
      }
      enqueue.assign({ fetchers });
    }),
    /** Kafka's removeFetcherForPartitions, then shutdownIdleFetcherThreads. */
    removePartitions: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'fetchers.remove' || event.partitions.length === 0) return;
      const fetchers = { ...context.fetchers };
      for (const [k, entry] of Object.entries(fetchers)) {
        const before = entry.thread.partitionCount;
        entry.thread.removePartitions(event.partitions);
        if (entry.thread.partitionCount === before) continue;
        if (entry.thread.partitionCount === 0) {
          enqueue.sendTo(k, { type: 'fetcher.stop' });
          enqueue(stopChild(k));
          delete fetchers[k];
        } else enqueue.sendTo(k, { type: 'partitions.changed' });
      }
      enqueue.assign({ fetchers });
    }),
    /**
     * Kafka's resizeFetcherThreadPool: every partition leaves its fetcher with its fetch offset and leader epoch
     * (InitialFetchState from the PartitionFetchState) and is added again under the new count; Kafka keeps the
     * fetchers whose id stays below the new count, here every fetcher is replaced (same states, new connections).
     */
    resize: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'fetchers.resize' || event.numFetchers === context.numFetchers || event.numFetchers < 1) return;
      const moved: InitialFetchState[] = [];
      for (const [k, entry] of Object.entries(context.fetchers)) {
        for (const s of entry.thread.partitions.values()) {
          moved.push({ topic: s.topic, partition: s.partition, topicId: s.topicId, leader: entry.thread.opts.leader, currentLeaderEpoch: s.currentLeaderEpoch, initOffset: s.fetchOffset });
        }
        enqueue.sendTo(k, { type: 'fetcher.stop' });
        enqueue(stopChild(k));
      }
      context.log.info({ from: context.numFetchers, to: event.numFetchers, partitions: moved.length }, `Resizing fetcher thread pool size from ${context.numFetchers} to ${event.numFetchers}`);
      enqueue.assign({ numFetchers: event.numFetchers, fetchers: {} });
      if (moved.length > 0) enqueue.raise({ type: 'fetchers.add', partitions: moved });
    }),
    shutdownAll: enqueueActions(({ context, enqueue }) => {
      for (const k of Object.keys(context.fetchers)) { enqueue.sendTo(k, { type: 'fetcher.stop' }); enqueue(stopChild(k)); }
      enqueue.assign({ fetchers: {} });
    }),
  },
}).createMachine({
  id: 'replicaFetcherManager',
  context: ({ input }) => ({ ...input, fetchers: {} }),
  initial: 'running',
  states: {
    running: {
      on: {
        'fetchers.add': { actions: 'addPartitions' },
        'fetchers.remove': { actions: 'removePartitions' },
        'fetchers.resize': { actions: 'resize' },
        'fetchers.shutdown': { target: 'stopped', actions: 'shutdownAll' },
      },
    },
    stopped: { type: 'final' },
  },
});
