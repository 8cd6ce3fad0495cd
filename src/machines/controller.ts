/**
 * KafkaController election (ZK mode). Every broker competes for the ephemeral /controller; the
 * winner bumps /controller_epoch in the same multi and sets up /feature. Losers watch /controller
 * and re-elect when it disappears. Controller duties beyond election come with later issues.
 *
 *   electing ──won──► active ──/controller changed──► electing
 *      │ lost                                 ▲
 *      └──► standby ──/controller deleted─────┘          resign ──► resigned (final)
 */
import { setup, assign, fromPromise, fromCallback, sendParent } from 'xstate';
import type { Logger } from '../logger.js';
import type { ZkHandle } from '../services/zookeeper/zk-handle.js';
import { electController, resignController, type ElectionResult } from '../services/controller/controller-election.js';
import { reconcile, watchControllerPaths, ControllerMovedError, type ReconcileResult } from '../services/controller/controller-reconcile.js';
import type { ClusterMetadata } from '../services/controller/cluster-metadata.js';

export interface ControllerInput { handle: ZkHandle; brokerId: number; log: Logger; deleteTopicEnable: boolean }

interface Context extends ControllerInput { controllerId: number | null; epoch: number; epochZkVersion: number; elections: number }

export type ControllerEvent =
  | { type: 'controller.changed' }
  | { type: 'controller.reconciled'; result: ReconcileResult }
  | { type: 'controller.moved'; error: string }
  /** Session re-initialised: the ephemeral /controller (if ours) is gone and watches too. */
  | { type: 'controller.reelect' }
  | { type: 'controller.resign' };

export type ControllerParentEvent =
  | { type: 'controller.elected'; controllerId: number | null; epoch: number; isActive: boolean }
  /** The active controller's view after each change (what Kafka sends as LeaderAndIsr + UpdateMetadata). */
  | { type: 'controller.metadata'; metadata: ClusterMetadata; deletedTopics: string[] };

export const controllerMachine = setup({
  types: {} as { context: Context; events: ControllerEvent; input: ControllerInput },
  actors: {
    elect: fromPromise<ElectionResult, { handle: ZkHandle; brokerId: number; onChange: () => void }>(
      ({ input }) => electController(input.handle.current, input.brokerId, input.onChange)),
    resign: fromPromise<void, { handle: ZkHandle; brokerId: number }>(({ input }) => resignController(input.handle, input.brokerId)),
    /** Active-controller duties: watch brokers/topics/deletions and reconcile after each change (never overlapping). */
    duties: fromCallback<ControllerEvent, { handle: ZkHandle; brokerId: number; epoch: number; epochZkVersion: number; deleteTopicEnable: boolean; log: Logger }>(({ input, sendBack }) => {
      let stopped = false, running = false, again = false;
      const onZkChange = () => void run();
      const run = async () => {
        if (stopped) return;
        if (running) { again = true; return; }
        running = true;
        try {
          const zk = input.handle.current;
          await watchControllerPaths(zk, onZkChange);
          const result = await reconcile(zk, { brokerId: input.brokerId, epoch: input.epoch, epochZkVersion: input.epochZkVersion }, input);
          if (!stopped) sendBack({ type: 'controller.reconciled', result });
        } catch (e) {
          if (e instanceof ControllerMovedError) { if (!stopped) sendBack({ type: 'controller.moved', error: e.message }); return; }
          input.log.warn({ err: (e as Error).message }, 'Controller reconciliation failed; retrying');
          if (!stopped) setTimeout(() => void run(), 1000).unref();
        } finally {
          running = false;
          if (again && !stopped) { again = false; void run(); }
        }
      };
      void run();
      return () => { stopped = true; };
    }),
  },
  guards: {
    won: ({ context }) => context.controllerId === context.brokerId,
    noController: ({ context }) => context.controllerId === null,
  },
  delays: { retryElection: 1000 },
  actions: {
    store: assign((_, r: ElectionResult) => ({ controllerId: r.controllerId, epoch: r.epoch, epochZkVersion: r.epochZkVersion })),
    countElection: assign({ elections: ({ context }) => context.elections + 1 }),
    logResult: ({ context }) => context.log.info({ controllerId: context.controllerId, controllerEpoch: context.epoch },
      context.controllerId === context.brokerId ? `Broker ${context.brokerId} is the controller (epoch ${context.epoch})` : `Controller is broker ${context.controllerId}`),
    report: sendParent(({ context }) => ({ type: 'controller.elected', controllerId: context.controllerId, epoch: context.epoch, isActive: context.controllerId === context.brokerId })),
  },
}).createMachine({
  id: 'controller',
  context: ({ input }) => ({ ...input, controllerId: null, epoch: 0, epochZkVersion: -1, elections: 0 }),
  initial: 'electing',
  on: { 'controller.resign': '.resigning' },
  states: {
    electing: {
      entry: 'countElection',
      on: { 'controller.changed': { target: 'electing', reenter: true }, 'controller.reelect': { target: 'electing', reenter: true } },
      invoke: {
        src: 'elect',
        input: ({ context, self }) => ({ handle: context.handle, brokerId: context.brokerId, onChange: () => self.send({ type: 'controller.changed' }) }),
        onDone: [
          { guard: ({ event }) => event.output.controllerId === null, target: 'retrying', actions: { type: 'store', params: ({ event }) => event.output } },
          { target: 'decided', actions: [{ type: 'store', params: ({ event }) => event.output }, 'logResult', 'report'] },
        ],
        onError: { target: 'retrying', actions: ({ context, event }) => context.log.warn({ err: String(event.error) }, 'Controller election failed; retrying') },
      },
    },
    retrying: {
      on: { 'controller.changed': 'electing', 'controller.reelect': 'electing' },
      after: { retryElection: 'electing' },
    },
    decided: {
      always: [{ guard: 'won', target: 'active' }, { target: 'standby' }],
    },
    active: {
      invoke: { src: 'duties', input: ({ context }) => context },
      on: {
        'controller.changed': 'electing',
        'controller.reelect': 'electing',
        'controller.moved': { target: 'electing', actions: ({ context, event }) => context.log.warn({ err: event.error }, 'Controller moved; re-electing') },
        'controller.reconciled': {
          actions: sendParent(({ event }) => ({ type: 'controller.metadata', metadata: event.result.metadata, deletedTopics: event.result.deletedTopics })),
        },
      },
    },
    standby: { on: { 'controller.changed': 'electing', 'controller.reelect': 'electing' } },
    resigning: {
      invoke: { src: 'resign', input: ({ context }) => context, onDone: 'resigned', onError: 'resigned' },
    },
    resigned: { type: 'final' },
  },
});
