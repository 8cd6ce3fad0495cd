/**
 * KafkaController election (ZK mode). Every broker competes for the ephemeral /controller; the
 * winner bumps /controller_epoch in the same multi and sets up /feature. Losers watch /controller
 * and re-elect when it disappears. While active, its duties (services/controller/controller-duties.ts)
 * reconcile ZooKeeper and send LeaderAndIsr / UpdateMetadata / StopReplica to the other brokers over
 * the controller channel; what its own broker is told goes to the parent in-process.
 *
 *   electing ──won──► active ──/controller changed──► electing
 *      │ lost                                 ▲
 *      └──► standby ──/controller deleted─────┘          resign ──► resigned (final)
 */
import { setup, assign, fromPromise, fromCallback, sendParent, enqueueActions } from 'xstate';
import type { Logger } from '../logger.js';
import type { ZkHandle } from '../services/zookeeper/zk-handle.js';
import { electController, resignController, type ElectionResult } from '../services/controller/controller-election.js';
import type { ReconcileResult } from '../services/controller/controller-reconcile.js';
import { startControllerDuties, type ChannelConfig } from '../services/controller/controller-duties.js';
import type { BrokerRequests } from '../services/controller/control-requests.js';
import type { ControllerApis } from '../services/controller/controller-apis.js';
import { applyReconcileResult, countStates, EMPTY_CONTROLLER_STATES, type ControllerStates, type StateCounts } from './controller-states.js';

export interface ControllerInput {
  handle: ZkHandle; brokerId: number; log: Logger; deleteTopicEnable: boolean; channel: ChannelConfig;
  /** Where this broker's AlterPartition / ControlledShutdown handlers reach the controller while it is active. */
  apis?: ControllerApis;
  /** unclean.leader.election.enable as configured now (dynamic broker configs included). */
  uncleanLeaderElectionEnable?: () => boolean;
  /** auto.leader.rebalance.enable and its interval / percentage, as configured now. */
  autoLeaderRebalance?: () => { enable: boolean; checkIntervalMs: number; imbalancePercentage: number };
}

interface Context extends ControllerInput {
  controllerId: number | null; epoch: number; epochZkVersion: number; elections: number;
  /** While active: every partition's PartitionStateMachine state and every replica's ReplicaStateMachine state. */
  states: ControllerStates;
  /** How many partitions / replicas are in each state (what the live viewer's context panel shows). */
  stateCounts: StateCounts;
}

export type ControllerEvent =
  | { type: 'controller.changed' }
  | { type: 'controller.reconciled'; result: ReconcileResult; local: BrokerRequests | null }
  /** Requests for its own broker decided outside a reconciliation (AlterPartition, controlled shutdown). */
  | { type: 'controller.local'; local: BrokerRequests }
  | { type: 'controller.moved'; error: string }
  /** Session re-initialised: the ephemeral /controller (if ours) is gone and watches too. */
  | { type: 'controller.reelect' }
  | { type: 'controller.resign' };

export type ControllerParentEvent =
  | { type: 'controller.elected'; controllerId: number | null; epoch: number; isActive: boolean }
  /** What the active controller tells its own broker after a change (LeaderAndIsr, UpdateMetadata, StopReplica). */
  | { type: 'controller.requests'; requests: BrokerRequests };

export const controllerMachine = setup({
  types: {} as { context: Context; events: ControllerEvent; input: ControllerInput },
  actors: {
    elect: fromPromise<ElectionResult, { handle: ZkHandle; brokerId: number; onChange: () => void }>(
      ({ input }) => electController(input.handle.current, input.brokerId, input.onChange)),
    resign: fromPromise<void, { handle: ZkHandle; brokerId: number }>(({ input }) => resignController(input.handle, input.brokerId)),
    /** Active-controller duties: reconcile after each change and send the outcome to every live broker. */
    duties: fromCallback<ControllerEvent, ControllerInput & { epoch: number; epochZkVersion: number }>(({ input, sendBack }) => startControllerDuties(input, {
      onReconciled: (result, local) => sendBack({ type: 'controller.reconciled', result, local }),
      onLocalRequests: (local) => sendBack({ type: 'controller.local', local }),
      onMoved: (error) => sendBack({ type: 'controller.moved', error }),
    })),
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
    /** The PartitionStateMachine / ReplicaStateMachine transitions of a pass (pure), and their counts when they change. */
    advanceStates: assign(({ context, event }) => {
      if (event.type !== 'controller.reconciled') return {};
      const states = applyReconcileResult(context.states, event.result);
      const before = countStates(context.states), after = countStates(states);
      if (JSON.stringify(before) !== JSON.stringify(after) || states.invalidTransitions !== context.states.invalidTransitions) {
        context.log.info({ partitionStates: after.partitions, replicaStates: after.replicas, offlinePartitionsCount: after.partitions.OfflinePartition ?? 0, invalidTransitions: states.invalidTransitions },
          'Partition and replica states changed');
      }
      return { states, stateCounts: after };
    }),
    report: sendParent(({ context }) => ({ type: 'controller.elected', controllerId: context.controllerId, epoch: context.epoch, isActive: context.controllerId === context.brokerId })),
  },
}).createMachine({
  id: 'controller',
  context: ({ input }) => ({ ...input, controllerId: null, epoch: 0, epochZkVersion: -1, elections: 0, states: EMPTY_CONTROLLER_STATES, stateCounts: { partitions: {}, replicas: {} } }),
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
      // onControllerFailover: the partition and replica states are rebuilt from ZooKeeper by the first pass.
      entry: assign({ states: EMPTY_CONTROLLER_STATES, stateCounts: { partitions: {}, replicas: {} } }),
      invoke: { src: 'duties', input: ({ context }) => context },
      on: {
        'controller.changed': 'electing',
        'controller.reelect': 'electing',
        'controller.moved': { target: 'electing', actions: ({ context, event }) => context.log.warn({ err: event.error }, 'Controller moved; re-electing') },
        'controller.reconciled': {
          actions: [
            'advanceStates',
            enqueueActions(({ enqueue, event }) => { if (event.local !== null) enqueue(sendParent({ type: 'controller.requests', requests: event.local })); }),
          ],
        },
        'controller.local': { actions: sendParent(({ event }) => ({ type: 'controller.requests', requests: event.local })) },
      },
    },
    standby: { on: { 'controller.changed': 'electing', 'controller.reelect': 'electing' } },
    resigning: {
      invoke: { src: 'resign', input: ({ context }) => context, onDone: 'resigned', onError: 'resigned' },
    },
    resigned: { type: 'final' },
  },
});
