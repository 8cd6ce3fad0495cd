/**
 * LogCleaner: Kafka's cleaner thread loop as a chart. The work (choosing the filthiest compacted log, cleaning it,
 * retention of compacted logs) is invoked from src/services/log/cleaner; a failed clean of one log marks that
 * partition uncleanable inside the service and counts as "nothing cleaned"; an unexpected error of the round
 * itself backs off.
 *
 *   checkingEnabled ──► starting (read cleaner-offset-checkpoint) ──► cleaning ──cleaned a log──► cleaning (next round at once)
 *                   │  ▲ └─nothing to clean──► idle ──log.cleaner.backoff.ms (or a dynamic change of it)──┐
 *                   │  └──────────────────────────────────────────────────────┤
 *                   └─error──► backingOff ──log.cleaner.backoff.ms────────────┘
 *   (any) ──cleaner.stop──► stopping (abort the clean in progress, wait for it) ──► stopped
 *   disabled: no cleaner (log.cleaner.enable=false or log.cleaner.threads=0)
 */
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import type { Logger } from '../logger.js';
import type { LogCleaner } from '../services/log/cleaner/log-cleaner.js';

export interface LogCleanerInput {
  cleaner: LogCleaner | null;
  backoffMs: number;
  log: Logger;
}

interface Context extends LogCleanerInput {
  cleanedLogs: number;
  errors: number;
}

export type LogCleanerEvent = { type: 'cleaner.stop' } | { type: 'cleaner.wake' };

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const logCleanerMachine = setup({
  types: {} as { context: Context; events: LogCleanerEvent; input: LogCleanerInput },
  actors: {
    startup: fromPromise<void, { cleaner: LogCleaner }>(({ input }) => input.cleaner.startup()),
    cleanFilthiestLog: fromPromise<boolean, { cleaner: LogCleaner }>(({ input }) => input.cleaner.cleanFilthiestLog()),
    backoffChanged: fromCallback<LogCleanerEvent, { cleaner: LogCleaner }>(({ input, sendBack }) => input.cleaner.onBackoffChanged(() => sendBack({ type: 'cleaner.wake' }))),
    shutdownCleaner: fromPromise<void, { cleaner: LogCleaner | null }>(async ({ input }) => { await input.cleaner?.shutdown(); }),
  },
  guards: {
    disabled: ({ context }) => context.cleaner === null,
    cleanedALog: ({ event }) => (event as { output?: unknown }).output === true,
  },
  delays: {
    // the cleaner's current value: log.cleaner.backoff.ms is dynamic (LogCleaner.reconfigure)
    backoff: ({ context }) => context.cleaner?.config.backoffMs ?? context.backoffMs,
  },
  actions: {
    countClean: assign({ cleanedLogs: ({ context }) => context.cleanedLogs + 1 }),
    logRoundError: assign({
      errors: ({ context, event }) => {
        context.log.error({ err: message((event as { error?: unknown }).error) }, 'Log cleaner round failed; backing off');
        return context.errors + 1;
      },
    }),
  },
}).createMachine({
  id: 'logCleaner',
  context: ({ input }) => ({ ...input, cleanedLogs: 0, errors: 0 }),
  initial: 'checkingEnabled',
  on: { 'cleaner.stop': '.stopping' },
  states: {
    checkingEnabled: {
      always: [{ guard: 'disabled', target: 'disabled' }, { target: 'starting' }],
    },
    starting: {
      invoke: {
        src: 'startup',
        input: ({ context }) => ({ cleaner: context.cleaner! }),
        onDone: 'cleaning',
        onError: { target: 'backingOff', actions: 'logRoundError' },
      },
    },
    cleaning: {
      invoke: {
        src: 'cleanFilthiestLog',
        input: ({ context }) => ({ cleaner: context.cleaner! }),
        onDone: [
          { guard: 'cleanedALog', target: 'cleaning', reenter: true, actions: 'countClean' },
          { target: 'idle' },
        ],
        onError: { target: 'backingOff', actions: 'logRoundError' },
      },
    },
    // a dynamic log.cleaner.backoff.ms change ends the wait (Kafka restarts its cleaner threads: a round at once)
    idle: { after: { backoff: 'cleaning' }, invoke: { src: 'backoffChanged', input: ({ context }) => ({ cleaner: context.cleaner! }) }, on: { 'cleaner.wake': 'cleaning' } },
    backingOff: { after: { backoff: 'cleaning' } },
    stopping: {
      on: { 'cleaner.stop': {} },
      invoke: {
        src: 'shutdownCleaner',
        input: ({ context }) => ({ cleaner: context.cleaner }),
        onDone: 'stopped',
        onError: 'stopped',
      },
    },
    stopped: { type: 'final' },
    disabled: { type: 'final' },
  },
});
