/**
 * LogManager coordinator: Kafka's LogManager construction, loadLogs and the scheduled log tasks.
 * The per-partition work lives in src/services/log (Log, LogManager); partitions are plain objects,
 * not actors, so 10,000 of them cost no machine each.
 *
 *   validatingDirs ──► created ──► loadingLogs ──► running ──shutdown──► shuttingDown ──► stopped
 *          │ none usable / locked                       ▲ logDir.offline: close that dir's logs
 *          └──────────────► failed                      ├ scheduler: flush, checkpoints, retention
 *                                                       └ logCleaner (log-cleaner.ts) when log.cleaner.enable
 *   A shutdown while creating or loading waits for that I/O (it cannot be cancelled), then shuts down.
 */
import { topicConfigFilterFor } from '../services/config/topic-config-filter.js';
import { setup, assign, sendParent, fromPromise, fromCallback } from 'xstate';
import type { Logger } from '../logger.js';
import type { KafkaConfig } from '../config/kafka-config.js';
import type { ZkHandle } from '../services/zookeeper/zk-handle.js';
import { LogManager, NoLiveLogDirError } from '../services/log/log-manager.js';
import { getAllTopicConfigs } from '../services/zookeeper/kafka-zk-client.js';
import { startLogTasks, type LogTaskSchedule } from '../services/log/log-tasks.js';
import { logCleanerMachine } from './log-cleaner.js';

export interface LogManagerInput {
  config: KafkaConfig;
  logDirs: string[];
  initialOfflineDirs: Array<{ dir: string; error: string }>;
  handle: ZkHandle;
  log: Logger;
}

interface Context extends LogManagerInput {
  manager: LogManager | null;
  error: string | null;
  /** Shutdown asked while creating or loading: that I/O cannot be cancelled, so it finishes first. */
  shutdownRequested: boolean;
}

export type LogManagerEvent =
  | { type: 'logManager.dirFailure'; dir: string; error: string }
  | { type: 'logDir.offline'; dir: string }
  | { type: 'logManager.shutdown' };

export type LogManagerParentEvent =
  | { type: 'logManager.created'; manager: LogManager }
  | { type: 'logManager.dirsReady'; online: string[]; offline: Array<{ dir: string; error: string }> }
  | { type: 'logManager.loaded'; logs: number; recoveredSegments: number; truncatedBytes: number; hadCleanShutdown: string[]; durationMs: number }
  | { type: 'logManager.failed'; error: string; halt: boolean }
  | { type: 'logDir.failed'; dir: string; error: string }
  | { type: 'logManager.stopped' };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function logTaskSchedule(config: KafkaConfig): LogTaskSchedule {
  return {
    initialDelayMs: Number(config.get('log.initial.task.delay.ms')),
    flushCheckMs: Number(config.get('log.flush.scheduler.interval.ms')),
    recoveryPointCheckpointMs: Number(config.get('log.flush.offset.checkpoint.interval.ms')),
    logStartOffsetCheckpointMs: Number(config.get('log.flush.start.offset.checkpoint.interval.ms')),
    retentionCheckMs: Number(config.get('log.retention.check.interval.ms')),
    producerExpirationCheckMs: Number(config.get('producer.id.expiration.check.interval.ms')),
  };
}

function logCleanerInput(context: Context) {
  return { cleaner: context.manager!.cleaner ?? null, backoffMs: Number(context.config.get('log.cleaner.backoff.ms')), log: context.log };
}

export const logManagerMachine = setup({
  types: {} as { context: Context; events: LogManagerEvent; input: LogManagerInput },
  actors: {
    createLogManager: fromPromise<LogManager, LogManagerInput & { onDirFailure: (dir: string, error: Error) => void }>(async ({ input }) =>
      LogManager.create({
        logDirs: input.logDirs, initialOfflineDirs: input.initialOfflineDirs, config: input.config, log: input.log, onDirFailure: input.onDirFailure,
        // Kafka reads /config/topics/<t> for every topic first, so logs load with their overrides.
        // (unknown / invalid entries skipped with one warning each, as on every later change: TopicConfigFilter)
        topicConfigs: topicConfigFilterFor(input.handle, input.log).filterAll(await getAllTopicConfigs(input.handle.current)),
      })),
    loadLogs: fromPromise<Awaited<ReturnType<LogManager['loadLogs']>>, { manager: LogManager }>(({ input }) => input.manager.loadLogs()),
    scheduler: fromCallback<LogManagerEvent, { manager: LogManager; schedule: LogTaskSchedule; log: Logger }>(({ input }) =>
      startLogTasks(input.manager, input.schedule, input.log)),
    shutdownLogs: fromPromise<void, { manager: LogManager | null }>(async ({ input }) => { await input.manager?.shutdown(); }),
    logCleaner: logCleanerMachine,
  },
  guards: {
    shutdownRequested: ({ context }) => context.shutdownRequested,
    isNoLiveLogDir: ({ event }) => (event as { error?: unknown }).error instanceof NoLiveLogDirError,
  },
  actions: {
    deferShutdown: assign({ shutdownRequested: true }),
    reportDirFailure: sendParent(({ event }) => (event.type === 'logManager.dirFailure' ? { type: 'logDir.failed', dir: event.dir, error: event.error } : { type: 'logManager.noop' })),
    closeDir: ({ context, event }) => { if (event.type === 'logDir.offline') context.manager?.handleLogDirFailure(event.dir); },
  },
}).createMachine({
  id: 'logManager',
  context: ({ input }) => ({ ...input, manager: null, error: null, shutdownRequested: false }),
  initial: 'validatingDirs',
  on: {
    'logManager.dirFailure': { actions: 'reportDirFailure' },
    'logDir.offline': { actions: 'closeDir' },
    'logManager.shutdown': '.shuttingDown',
  },
  states: {
    validatingDirs: {
      on: { 'logManager.shutdown': { actions: 'deferShutdown' } },
      invoke: {
        src: 'createLogManager',
        input: ({ context, self }) => ({
          ...context,
          onDirFailure: (dir: string, error: Error) => self.send({ type: 'logManager.dirFailure', dir, error: error.message }),
        }),
        onDone: {
          target: 'created',
          actions: [
            assign({ manager: ({ event }) => event.output }),
            sendParent(({ event }) => ({ type: 'logManager.created', manager: event.output })),
            sendParent(({ event }) => ({ type: 'logManager.dirsReady', online: event.output.liveLogDirs, offline: event.output.offlineLogDirs })),
          ],
        },
        onError: [
          // Asked to stop meanwhile: nothing was created, so nothing to shut down.
          { guard: 'shutdownRequested', target: 'stopped' },
          {
            target: 'failed',
            actions: sendParent(({ event }) => ({ type: 'logManager.failed', error: message(event.error), halt: event.error instanceof NoLiveLogDirError })),
          },
        ],
      },
    },
    created: {
      always: [{ guard: 'shutdownRequested', target: 'shuttingDown' }, { target: 'loadingLogs' }],
    },
    loadingLogs: {
      on: { 'logManager.shutdown': { actions: 'deferShutdown' } },
      invoke: {
        src: 'loadLogs',
        input: ({ context }) => ({ manager: context.manager! }),
        onDone: [
          { guard: 'shutdownRequested', target: 'shuttingDown' },
          { target: 'running', actions: sendParent(({ event }) => ({ type: 'logManager.loaded', ...event.output })) },
        ],
        onError: [
          { guard: 'shutdownRequested', target: 'shuttingDown' },
          { target: 'failed', actions: sendParent(({ event }) => ({ type: 'logManager.failed', error: `Loading logs failed: ${message(event.error)}`, halt: false })) },
        ],
      },
    },
    running: {
      invoke: [
        { src: 'scheduler', input: ({ context }) => ({ manager: context.manager!, schedule: logTaskSchedule(context.config), log: context.log }) },
        // Kafka's LogManager.startup starts the cleaner; LogManager.shutdown stops it first (waiting for a clean in progress)
        { id: 'logCleaner', src: 'logCleaner', input: ({ context }) => logCleanerInput(context) },
      ],
    },
    shuttingDown: {
      on: { 'logManager.shutdown': { actions: [] } }, // already on its way: run shutdown once
      invoke: {
        src: 'shutdownLogs',
        input: ({ context }) => ({ manager: context.manager }),
        onDone: 'stopped',
        onError: { target: 'stopped', actions: ({ context, event }) => context.log.error({ err: message(event.error) }, 'LogManager shutdown failed') },
      },
    },
    stopped: { type: 'final', entry: sendParent({ type: 'logManager.stopped' }) },
    failed: { type: 'final' },
  },
});
