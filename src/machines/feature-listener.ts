/**
 * FinalizedFeatureChangeListener: keeps the finalized-feature cache in step with /feature.
 *
 *   initializing ──first read──► watching ◄──┐ changed / session re-initialised
 *        │ (timeout)                 └──────reading
 *        ▼                                   │ incompatible features or epoch going back
 *      failed                           incompatible (final: the broker must exit, as Kafka does)
 */
import { setup, assign, sendParent, fromCallback, fromPromise } from 'xstate';
import type { Logger } from '../logger.js';
import type { ZkHandle } from '../services/zookeeper/zk-handle.js';
import { readFeatureZNode } from '../services/zookeeper/kafka-zk-client.js';
import { nextFinalizedFeatures, FeatureCacheUpdateException, type FinalizedFeatures } from '../services/features/finalized-feature-cache.js';

export interface FeatureListenerInput { handle: ZkHandle; log: Logger; initTimeoutMs: number }

interface Context extends FeatureListenerInput { cache: FinalizedFeatures | null; error: string | null; reads: number }

export type FeatureListenerEvent =
  | { type: 'feature.changed' }
  | { type: 'feature.reread' };

export type FeatureListenerParentEvent =
  | { type: 'feature.ready'; cache: FinalizedFeatures | null }
  | { type: 'feature.updated'; cache: FinalizedFeatures | null }
  | { type: 'feature.incompatible'; error: string }
  | { type: 'feature.failed'; error: string };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const featureListenerMachine = setup({
  types: {} as { context: Context; events: FeatureListenerEvent; input: FeatureListenerInput },
  actors: {
    /** Reads /feature with an exists-watch armed and computes the next cache value. */
    readFeatures: fromPromise<FinalizedFeatures | null, { handle: ZkHandle; cache: FinalizedFeatures | null; onChange: () => void; log: Logger }>(
      async ({ input }) => {
        const read = await readFeatureZNode(input.handle.current, () => input.onChange());
        if (read.error) input.log.warn({ err: read.error.message }, 'Undecodable /feature znode: treating finalized features as empty');
        return nextFinalizedFeatures(input.cache, read);
      }),
    /** A new session has no watches: re-read once it exists. */
    sessionWatch: fromCallback<FeatureListenerEvent, { handle: ZkHandle }>(({ input, sendBack }) =>
      input.handle.on((e) => { if (e === 'replaced') sendBack({ type: 'feature.reread' }); })),
  },
  guards: {
    isCacheUpdateError: ({ event }) => (event as { error?: unknown }).error instanceof FeatureCacheUpdateException,
  },
  delays: { initTimeout: ({ context }) => context.initTimeoutMs },
  actions: {
    storeCache: assign({ cache: (_, cache: FinalizedFeatures | null) => cache, reads: ({ context }) => context.reads + 1 }),
    logCache: ({ context }) => context.log.info({ finalizedFeatures: context.cache?.features ?? {}, epoch: context.cache?.epoch ?? -1 }, 'Finalized features updated'),
  },
}).createMachine({
  id: 'featureListener',
  context: ({ input }) => ({ ...input, cache: null, error: null, reads: 0 }),
  invoke: { src: 'sessionWatch', input: ({ context }) => ({ handle: context.handle }) },
  initial: 'initializing',
  states: {
    initializing: {
      after: {
        initTimeout: {
          target: 'failed',
          actions: assign({ error: ({ context }) => `Timed out after waiting for ${context.initTimeoutMs}ms for FeatureCache to be updated.` }),
        },
      },
      invoke: {
        src: 'readFeatures',
        input: ({ context, self }) => ({ handle: context.handle, cache: context.cache, log: context.log, onChange: () => self.send({ type: 'feature.changed' }) }),
        onDone: {
          target: 'watching',
          actions: [{ type: 'storeCache', params: ({ event }) => event.output }, 'logCache', sendParent(({ context }) => ({ type: 'feature.ready', cache: context.cache }))],
        },
        onError: [
          { guard: 'isCacheUpdateError', target: 'incompatible', actions: assign({ error: ({ event }) => message(event.error) }) },
          { target: 'failed', actions: assign({ error: ({ event }) => `Reading /feature failed: ${message(event.error)}` }) },
        ],
      },
    },
    watching: {
      on: { 'feature.changed': 'reading', 'feature.reread': 'reading' },
    },
    reading: {
      on: { 'feature.changed': { target: 'reading', reenter: true }, 'feature.reread': { target: 'reading', reenter: true } },
      invoke: {
        src: 'readFeatures',
        input: ({ context, self }) => ({ handle: context.handle, cache: context.cache, log: context.log, onChange: () => self.send({ type: 'feature.changed' }) }),
        onDone: {
          target: 'watching',
          actions: [{ type: 'storeCache', params: ({ event }) => event.output }, 'logCache', sendParent(({ context }) => ({ type: 'feature.updated', cache: context.cache }))],
        },
        onError: [
          {
            guard: 'isCacheUpdateError',
            target: 'incompatible',
            actions: assign({ error: ({ event }) => message(event.error) }),
          },
          // ZooKeeper errors (e.g. session expired mid-read) are logged; the next session re-reads.
          { target: 'watching', actions: ({ context, event }) => context.log.warn({ err: message(event.error) }, 'Reading /feature failed; will re-read on the next change or session') },
        ],
      },
    },
    incompatible: {
      type: 'final',
      entry: sendParent(({ context }) => ({ type: 'feature.incompatible', error: `Failed to process feature ZK node change event. The broker will eventually exit. ${context.error}` })),
    },
    failed: { type: 'final', entry: sendParent(({ context }) => ({ type: 'feature.failed', error: context.error ?? 'unknown' })) },
  },
});
