/**
 * LogDirFailureChannel + Kafka's LogDirFailureHandler: every I/O error on a log dir is reported
 * here. The dir goes offline for good (until restart), the parent is told so it can close that
 * dir's logs, and — for dirs that were live — the controller learns it through a
 * /log_dir_event_notification znode. When no dir is left, the broker must halt.
 *
 *   idle ⇄ notifying        (any state) ──last dir lost──► allOffline (final)
 */
import { setup, assign, sendParent, fromPromise, enqueueActions } from 'xstate';
import type { Logger } from '../logger.js';
import type { ZkHandle } from '../services/zookeeper/zk-handle.js';
import { createLogDirEventNotification } from '../services/zookeeper/kafka-zk-client.js';

export interface LogDirFailureChannelInput { log: Logger; handle: ZkHandle; logDirs: string[] }

interface Context extends LogDirFailureChannelInput {
  offline: Record<string, string>;
  /** Dirs that were serving at some point: only their failure is announced in ZooKeeper. */
  live: string[];
  brokerId: number | null;
  pendingNotifications: string[];
}

export type LogDirFailureEvent =
  /** A dir failed. `neverLive`: it failed during startup validation, before serving anything. */
  | { type: 'logDir.failed'; dir: string; error: string; neverLive?: boolean }
  /** Startup reached the point where Kafka starts the LogDirFailureHandler (ReplicaManager). */
  | { type: 'ldfc.start'; brokerId: number; liveDirs: string[] };

export type LogDirFailureParentEvent =
  | { type: 'ldfc.dirOffline'; dir: string; error: string; remaining: number }
  | { type: 'ldfc.allOffline'; message: string };

export const logDirFailureChannelMachine = setup({
  types: {} as { context: Context; events: LogDirFailureEvent; input: LogDirFailureChannelInput },
  actors: {
    notifyController: fromPromise<string[], { handle: ZkHandle; brokerId: number; dirs: string[]; log: Logger }>(async ({ input }) => {
      for (const dir of input.dirs) {
        const path = await createLogDirEventNotification(input.handle.current, input.brokerId);
        input.log.info({ dir, znode: path }, 'Wrote log dir event notification for the controller');
      }
      return input.dirs;
    }),
  },
  guards: {
    alreadyOffline: ({ context, event }) => event.type === 'logDir.failed' && event.dir in context.offline,
    noDirLeft: ({ context }) => context.logDirs.every((d) => d in context.offline),
    isLastDir: ({ context, event }) => event.type === 'logDir.failed' && context.logDirs.every((d) => d === event.dir || d in context.offline),
    hasPending: ({ context }) => context.brokerId !== null && context.pendingNotifications.length > 0,
  },
  actions: {
    markOffline: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'logDir.failed') return;
      const wasLive = !event.neverLive && (context.brokerId === null || context.live.includes(event.dir));
      context.log.error({ dir: event.dir, err: event.error }, `Log dir ${event.dir} is offline: ${event.error}`);
      enqueue.assign({
        offline: { ...context.offline, [event.dir]: event.error },
        live: context.live.filter((d) => d !== event.dir),
        pendingNotifications: wasLive ? [...context.pendingNotifications, event.dir] : context.pendingNotifications,
      });
      const remaining = context.logDirs.filter((d) => d !== event.dir && !(d in context.offline)).length;
      enqueue.sendParent({ type: 'ldfc.dirOffline', dir: event.dir, error: event.error, remaining });
    }),
    start: assign(({ event }) => (event.type === 'ldfc.start'
      ? { brokerId: event.brokerId, live: event.liveDirs }
      : {})),
    notifyAllOffline: sendParent(({ context }) => ({
      type: 'ldfc.allOffline',
      message: `Shutdown broker because all log dirs in ${context.logDirs.join(', ')} have failed`,
    })),
  },
}).createMachine({
  id: 'logDirFailureChannel',
  context: ({ input }) => ({ ...input, offline: {}, live: [], brokerId: null, pendingNotifications: [] }),
  initial: 'idle',
  on: {
    'logDir.failed': [
      { guard: 'alreadyOffline' },
      { actions: 'markOffline', target: '.checking' },
    ],
  },
  states: {
    idle: {
      on: { 'ldfc.start': { target: 'checking', actions: 'start' } },
    },
    checking: {
      always: [
        { guard: 'noDirLeft', target: 'allOffline' },
        { guard: 'hasPending', target: 'notifying' },
        { target: 'idle' },
      ],
    },
    notifying: {
      // A failure while notifying must not cancel the znode write in flight: record it and go on.
      on: {
        'logDir.failed': [
          { guard: 'alreadyOffline' },
          { guard: 'isLastDir', actions: 'markOffline', target: 'allOffline' },
          { actions: 'markOffline' },
        ],
      },
      invoke: {
        src: 'notifyController',
        input: ({ context }) => ({ handle: context.handle, brokerId: context.brokerId!, dirs: context.pendingNotifications, log: context.log }),
        onDone: { target: 'checking', actions: assign({ pendingNotifications: ({ context, event }) => context.pendingNotifications.filter((d) => !event.output.includes(d)) }) },
        onError: {
          target: 'idle',
          actions: ({ context, event }) => context.log.error({ err: String(event.error) }, 'Could not write log dir event notification; will retry on the next failure or session'),
        },
      },
    },
    allOffline: { entry: 'notifyAllOffline', type: 'final' },
  },
});
