/**
 * The TransactionCoordinator actor (one per broker, under the Majordomo): the timers of Kafka's
 * `TransactionCoordinator.startup` — abort of timed-out transactions every
 * `transaction.abort.timed.out.transaction.cleanup.interval.ms`, removal of expired transactional ids every
 * `transaction.remove.expired.transaction.cleanup.interval.ms` — plus a slow safety-net leadership check of
 * `__transaction_state` (load partitions that became led here, unload the others). The prompt path is Kafka's: the
 * Majordomo's LeaderAndIsr callback (onLeaderAndIsr) calls syncLeadership, and so does every coordinator request. The
 * per-transactional-id states are not actors: see transaction-state.ts (a pure machine definition advanced per id).
 *
 *   running (parallel: leadership ⟲ leadershipCheckMs · timeouts ⟲ abort interval · expiry ⟲ expiry interval)
 *   (any) ──transactionCoordinator.shutdown──► stopped (final; partitions unloaded, marker senders closed)
 */
import { setup, fromPromise } from 'xstate';
import type { Logger } from '../logger.js';
import type { TransactionCoordinator } from '../services/transaction/transaction-coordinator.js';

export interface TransactionCoordinatorInput {
  coordinator: TransactionCoordinator;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  expiryIntervalMs: number;
  /** How often leadership of __transaction_state partitions is checked. */
  leadershipCheckMs: number;
  log: Logger;
}

export type TransactionCoordinatorEvent = { type: 'transactionCoordinator.shutdown' };

export const transactionCoordinatorMachine = setup({
  types: {} as { context: TransactionCoordinatorInput; events: TransactionCoordinatorEvent; input: TransactionCoordinatorInput },
  actors: {
    removeExpired: fromPromise<number, { coordinator: TransactionCoordinator }>(({ input }) => input.coordinator.removeExpiredTransactionalIds()),
  },
  delays: {
    abortInterval: ({ context }) => context.abortIntervalMs,
    expiryInterval: ({ context }) => context.expiryIntervalMs,
    leadershipCheck: ({ context }) => context.leadershipCheckMs,
  },
}).createMachine({
  id: 'transactionCoordinator',
  context: ({ input }) => input,
  initial: 'running',
  on: { 'transactionCoordinator.shutdown': '.stopped' },
  states: {
    running: {
      type: 'parallel',
      entry: ({ context }) => context.coordinator.stateManager.syncLeadership(),
      states: {
        leadership: {
          after: { leadershipCheck: { target: 'leadership', reenter: true, actions: ({ context }) => context.coordinator.stateManager.syncLeadership() } },
        },
        timeouts: {
          after: {
            abortInterval: {
              target: 'timeouts',
              reenter: true,
              actions: ({ context }) => { context.coordinator.abortTimedOutTransactions(); },
            },
          },
        },
        expiry: {
          initial: 'waiting',
          states: {
            waiting: { after: { expiryInterval: 'removing' } },
            removing: {
              invoke: {
                src: 'removeExpired',
                input: ({ context }) => ({ coordinator: context.coordinator }),
                onDone: 'waiting',
                onError: { target: 'waiting', actions: ({ context, event }) => context.log.warn({ err: event.error }, '[TransactionCoordinator] Removing expired transactional ids failed') },
              },
            },
          },
        },
      },
    },
    stopped: {
      type: 'final',
      entry: ({ context }) => context.coordinator.shutdown(),
    },
  },
});
