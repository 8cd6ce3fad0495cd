/**
 * ZooKeeper client coordinator (Kafka's ZooKeeperClient + the session half of KafkaZkClient).
 *
 *   connecting ──► creatingPaths ──► session.watching ◄──► session.degraded
 *       │ (timeout: failed)                 │ expired / authFailed  │ expired / authFailed
 *       ▼                                   ▼                       ▼
 *    failed                  expired ─(at once)─► reconnecting ⇄ backoff ──► session.watching
 *                            authFailed ─(1 s)──┘
 *
 * Reconnects within a live session are the client library's (with our back-off); after expiry we
 * open a new session ourselves and tell the parent once, so it re-registers and re-arms watches.
 * An auth failure after the first connection kills the session too: like Kafka's ZooKeeperClient
 * we open a new one after RetryBackoffMs (1 s); before it, openSession fails fast (Kafka's
 * "Auth failed either before or while waiting for connection").
 */
import { setup, assign, sendParent, fromPromise, fromCallback } from 'xstate';
import type { Logger } from '../logger.js';
import { ZkHandle } from '../services/zookeeper/zk-handle.js';
import { openSession, createPersistentPaths, watchSessionState } from '../services/zookeeper/zk-session-services.js';

export interface ZkClientInput {
  handle: ZkHandle;
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
  setAcl?: boolean;
  log: Logger;
  /** Reminder interval for "still waiting for ZooKeeper" while degraded. */
  waitLogIntervalMs?: number;
}

interface ZkClientContext extends ZkClientInput {
  sessionId: string | null;
  expiredCount: number;
  reconnectAttempt: number;
  degradedSince: number | null;
  error: string | null;
}

export type ZkClientEvent =
  | { type: 'zk.connected' }
  | { type: 'zk.disconnected' }
  | { type: 'zk.expired' }
  | { type: 'zk.authFailed' }
  | { type: 'zk.close' };

/** What the zookeeper-client tells its parent. */
export type ZkClientParentEvent =
  | { type: 'zk.ready'; sessionId: string }
  | { type: 'zk.failed'; error: string }
  | { type: 'zk.degraded' }
  | { type: 'zk.recovered' }
  | { type: 'zk.sessionExpired' }
  | { type: 'zk.authFailed' }
  | { type: 'zk.sessionReinitialized'; sessionId: string };

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const zookeeperClientMachine = setup({
  types: {} as { context: ZkClientContext; events: ZkClientEvent; input: ZkClientInput },
  actors: {
    openSession: fromPromise<string, ZkClientInput>(({ input, signal }) => openSession(input, signal)),
    createPersistentPaths: fromPromise<void, { handle: ZkHandle }>(({ input }) => createPersistentPaths(input.handle)),
    sessionEvents: fromCallback<ZkClientEvent, { handle: ZkHandle }>(({ input, sendBack }) =>
      watchSessionState(input.handle, (e) => sendBack({ type: `zk.${e}` } as ZkClientEvent))),
  },
  guards: {
    wasDegraded: ({ context }) => context.degradedSince !== null,
  },
  delays: {
    // reconnectAttempt counts the failed attempts so far (≥ 1 here): 500 ms after the first, doubling, capped.
    reconnectBackoff: ({ context }) => Math.min(500 * 2 ** (context.reconnectAttempt - 1), 10_000),
    /** Kafka's ZooKeeperClient.RetryBackoffMs before reinitialising after an auth failure. */
    authFailedRetry: 1000,
    waitLogInterval: ({ context }) => context.waitLogIntervalMs ?? 10_000,
  },
  actions: {
    logConnected: ({ context }) => context.log.info({ zookeeper: context.handle.connectString, sessionId: context.sessionId }, 'Connected to ZooKeeper'),
    logDegraded: ({ context }) => context.log.warn({ zookeeper: context.handle.connectString },
      `Disconnected from ZooKeeper at ${context.handle.connectString}; waiting for it to come back (requests wait; the session survives ${context.sessionTimeoutMs} ms)`),
    logStillWaiting: ({ context }) => context.log.warn({ zookeeper: context.handle.connectString, waitingMs: Date.now() - (context.degradedSince ?? Date.now()) },
      `Still waiting for ZooKeeper at ${context.handle.connectString}`),
    logRecovered: ({ context }) => context.log.info({ zookeeper: context.handle.connectString, outageMs: Date.now() - (context.degradedSince ?? Date.now()) }, 'Reconnected to ZooKeeper'),
    logAuthFailed: ({ context }) => context.log.error({ zookeeper: context.handle.connectString, sessionId: context.sessionId },
      'Auth failed, initialized=true connectionState=AUTH_FAILED; reinitializing due to auth failure in 1000 ms'),
    logExpired: ({ context }) => context.log.warn({ zookeeper: context.handle.connectString, sessionId: context.sessionId }, 'ZooKeeper session expired; opening a new session'),
    logReconnectFailed: ({ context, event }) => context.log.warn({ zookeeper: context.handle.connectString, attempt: context.reconnectAttempt, err: errorMessage((event as { error?: unknown }).error) },
      `Could not open a new ZooKeeper session at ${context.handle.connectString}; retrying`),
    markDegraded: assign({ degradedSince: () => Date.now() }),
    clearDegraded: assign({ degradedSince: null }),
    notifyReady: sendParent(({ context }) => ({ type: 'zk.ready', sessionId: context.sessionId! })),
    notifyDegraded: sendParent({ type: 'zk.degraded' }),
    notifyRecovered: sendParent({ type: 'zk.recovered' }),
    notifyExpired: sendParent({ type: 'zk.sessionExpired' }),
    notifyAuthFailed: sendParent({ type: 'zk.authFailed' }),
    notifyReinitialized: sendParent(({ context }) => ({ type: 'zk.sessionReinitialized', sessionId: context.sessionId! })),
    notifyFailed: sendParent(({ context }) => ({ type: 'zk.failed', error: context.error ?? 'unknown' })),
    closeSession: ({ context }) => context.handle.close(),
  },
}).createMachine({
  id: 'zookeeperClient',
  context: ({ input }) => ({ ...input, sessionId: null, expiredCount: 0, reconnectAttempt: 0, degradedSince: null, error: null }),
  initial: 'connecting',
  on: { 'zk.close': '.closed' },
  states: {
    connecting: {
      invoke: {
        src: 'openSession',
        input: ({ context }) => context,
        onDone: { target: 'creatingPaths', actions: [assign({ sessionId: ({ event }) => event.output }), 'logConnected'] },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => errorMessage(event.error) }) },
      },
    },
    creatingPaths: {
      invoke: {
        src: 'createPersistentPaths',
        input: ({ context }) => ({ handle: context.handle }),
        onDone: { target: 'session', actions: 'notifyReady' },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => `Creating Kafka's persistent ZooKeeper paths failed: ${errorMessage(event.error)}` }) },
      },
    },
    session: {
      invoke: { src: 'sessionEvents', input: ({ context }) => ({ handle: context.handle }) },
      on: { 'zk.expired': 'expired', 'zk.authFailed': 'authFailed' },
      initial: 'watching',
      states: {
        watching: {
          on: { 'zk.disconnected': { target: 'degraded', actions: ['markDegraded', 'logDegraded', 'notifyDegraded'] } },
        },
        degraded: {
          after: { waitLogInterval: { target: 'degraded', reenter: true, actions: 'logStillWaiting' } },
          on: { 'zk.connected': { target: 'watching', actions: ['logRecovered', 'notifyRecovered', 'clearDegraded'] } },
        },
      },
    },
    expired: {
      entry: ['logExpired', 'notifyExpired', assign({ expiredCount: ({ context }) => context.expiredCount + 1, reconnectAttempt: 0 })],
      always: 'reconnecting', // at once, as Kafka's scheduleReinitialize(delayMs = 0)
    },
    authFailed: {
      entry: ['logAuthFailed', 'notifyAuthFailed', assign({ reconnectAttempt: 0 })],
      after: { authFailedRetry: 'reconnecting' },
    },
    reconnecting: {
      invoke: {
        src: 'openSession',
        input: ({ context }) => context,
        onDone: [
          // The expiry came during an outage: the new session ends that outage too.
          {
            guard: 'wasDegraded', target: 'session',
            actions: [assign({ sessionId: ({ event }) => event.output, reconnectAttempt: 0 }), 'logConnected', 'notifyReinitialized', 'logRecovered', 'notifyRecovered', 'clearDegraded'],
          },
          { target: 'session', actions: [assign({ sessionId: ({ event }) => event.output, reconnectAttempt: 0 }), 'logConnected', 'notifyReinitialized'] },
        ],
        onError: { target: 'backoff', actions: 'logReconnectFailed' },
      },
    },
    backoff: {
      entry: assign({ reconnectAttempt: ({ context }) => context.reconnectAttempt + 1 }),
      after: { reconnectBackoff: 'reconnecting' },
    },
    failed: { entry: 'notifyFailed', type: 'final' },
    closed: { entry: 'closeSession', type: 'final' },
  },
});
