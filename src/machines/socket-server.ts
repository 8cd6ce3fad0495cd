/**
 * SocketServer coordinator: binds every listener, serves, and on shutdown stops accepting,
 * answers what is in flight, then closes.
 *
 *   binding ──► listening ──stop──► draining ──► closed
 *      │ bind failed (port in use…)
 *      └──► failed
 */
import { setup, assign, sendParent, fromPromise, spawnChild } from 'xstate';
import type { Logger } from '../logger.js';
import { SocketServer, type ListenerSpec, type BoundListener } from '../services/network/socket-server.js';
import type { RequestHandler } from '../services/network/connection.js';
import type { ListenerSecurity } from '../services/security/listener-security.js';
import { reconfigureTls } from '../services/security/tls-reconfigure.js';
import type { ListenerConfigView } from '../services/security/ssl-factory.js';
import type { ConnectionQuotasConfig } from '../services/network/connection-quotas.js';
import type { IpConnectionRateQuotas } from '../services/quota/quota-managers.js';
import type { RequestTimesSink } from '../services/network/connection.js';

export interface SocketServerInput {
  listeners: ListenerSpec[];
  maxRequestBytes: number;
  idleTimeoutMs: number;
  queuedMaxRequests: number;
  listenBacklog?: number;
  sendBufferBytes?: number;
  receiveBufferBytes?: number;
  handler: RequestHandler;
  log: Logger;
  drainGraceMs?: number;
  /** TLS / SASL settings per listener name (services/security/listener-security.ts). */
  security?: ReadonlyMap<string, ListenerSecurity>;
  /** queued.max.request.bytes (≤ 0: a default from the heap). */
  queuedMaxRequestBytes?: number;
  /** Kafka's ConnectionQuotas figures (max.connections*, max.connection.creation.rate). */
  connectionQuotas?: ConnectionQuotasConfig;
  /** `ips` quota entities (connection_creation_rate). */
  ipConnectionRates?: IpConnectionRateQuotas;
  /** RequestMetrics' queue / send / total times (metrics on). */
  requestTimes?: RequestTimesSink;
  /** Network worker threads for PLAINTEXT listeners (0/absent: off). */
  networkThreads?: number;
}

interface Context extends SocketServerInput { server: SocketServer | null; bound: BoundListener[]; listenerUpdates: number }

export type SocketServerEvent = { type: 'socketServer.stop' } | { type: 'socketServer.enable' }
  /** Dynamic max.connections* / max.connection.creation.rate (Kafka's DynamicListenerConfig / ConnectionQuotas updates). */
  | { type: 'socketServer.reconfigure'; connectionQuotas: ConnectionQuotasConfig }
  /** A dynamic broker config change: TLS listeners whose key / trust store keys changed reload them (security/tls-reconfigure.ts). */
  | { type: 'socketServer.reconfigureTls'; config: ListenerConfigView; changed: string[] }
  /**
   * Dynamic listeners / listener.security.protocol.map (Kafka's DynamicListenerConfig.reconfigure): listeners no longer
   * named are removed (acceptor and connections closed), new names bound; `security` holds the new ones' TLS / SASL.
   */
  | { type: 'socketServer.updateListeners'; listeners: ListenerSpec[]; security: ReadonlyMap<string, ListenerSecurity> };
export type SocketServerParentEvent =
  | { type: 'socketServer.listening'; bound: BoundListener[] }
  | { type: 'socketServer.failed'; error: string }
  | { type: 'socketServer.closed' }
  /** The listeners after an update (bound ports resolved), or why an added listener could not be bound. */
  | { type: 'socketServer.listenersUpdated'; bound: BoundListener[]; added: string[]; removed: string[]; error?: string };

type UpdateListenersEvent = Extract<SocketServerEvent, { type: 'socketServer.updateListeners' }>;
interface ListenerUpdate { bound: BoundListener[]; added: string[]; removed: string[]; error?: string }

/** Removes, then adds (Kafka's order); never rejects: a failed bind is reported in the result. */
async function updateListeners(server: SocketServer, listeners: ListenerSpec[], security: ReadonlyMap<string, ListenerSecurity>, log: Logger): Promise<ListenerUpdate> {
  const wanted = new Set(listeners.map((l) => l.listenerName));
  const removed = server.bound.map((b) => b.listenerName).filter((n) => !wanted.has(n));
  if (removed.length > 0) {
    await server.removeListeners(removed);
    for (const n of removed) log.info({ listener: n }, `Removed listener ${n}: its acceptor and connections are closed`);
  }
  try {
    const added = await server.addListeners(listeners, security);
    for (const b of added) log.info({ listener: b.listenerName, host: b.host, port: b.boundPort }, `Listening on ${b.listenerName}://${b.host}:${b.boundPort}`);
    return { bound: [...server.bound], added: added.map((b) => b.listenerName), removed };
  } catch (e) {
    log.error({ err: (e as Error).message }, `Adding listeners failed: ${(e as Error).message}`);
    return { bound: [...server.bound], added: [], removed, error: (e as Error).message };
  }
}

export const socketServerMachine = setup({
  types: {} as { context: Context; events: SocketServerEvent; input: SocketServerInput },
  actors: {
    bind: fromPromise<SocketServer, SocketServerInput>(async ({ input }) => {
      const server = new SocketServer(input);
      await server.bind();
      return server;
    }),
    updateListeners: fromPromise<ListenerUpdate, { server: SocketServer; listeners: ListenerSpec[]; security: ReadonlyMap<string, ListenerSecurity>; log: Logger }>(
      ({ input }) => updateListeners(input.server, input.listeners, input.security, input.log)),
    drain: fromPromise<void, { server: SocketServer | null; graceMs: number }>(async ({ input }) => { await input.server?.close(input.graceMs); }),
  },
}).createMachine({
  id: 'socketServer',
  context: ({ input }) => ({ ...input, server: null, bound: [], listenerUpdates: 0 }),
  initial: 'binding',
  states: {
    binding: {
      on: { 'socketServer.stop': 'closed' },
      invoke: {
        src: 'bind',
        input: ({ context }) => context,
        onDone: {
          target: 'listening',
          actions: [
            assign({ server: ({ event }) => event.output, bound: ({ event }) => event.output.bound }),
            ({ context }) => context.bound.forEach((b) => context.log.info({ listener: b.listenerName, host: b.host, port: b.boundPort }, `Listening on ${b.listenerName}://${b.host}:${b.boundPort}`)),
            sendParent(({ context }) => ({ type: 'socketServer.listening', bound: context.bound })),
          ],
        },
        onError: { target: 'failed', actions: sendParent(({ event }) => ({ type: 'socketServer.failed', error: (event.error as Error).message })) },
      },
    },
    listening: {
      initial: 'waitingForStartup',
      on: {
        'socketServer.stop': 'draining',
        'socketServer.reconfigureTls': { actions: ({ context, event }) => { if (context.server) reconfigureTls(context.server, event.config, context.listeners, event.changed, context.log); } },
        'socketServer.reconfigure': { actions: ({ context, event }) => context.server?.reconfigureConnectionQuotas(event.connectionQuotas) },
        // one update at a time, in order: each is a child named by its sequence number
        'socketServer.updateListeners': { actions: [
          assign({ listeners: ({ event }) => event.listeners, listenerUpdates: ({ context }) => context.listenerUpdates + 1 }),
          spawnChild('updateListeners', {
            id: ({ context }) => `listenerUpdate.${context.listenerUpdates}`,
            input: ({ context, event }) => ({ server: context.server!, listeners: context.listeners, security: (event as UpdateListenersEvent).security, log: context.log }),
          }),
        ] },
        'xstate.done.actor.listenerUpdate.*': { actions: [
          assign({ bound: ({ event }) => (event as unknown as { output: ListenerUpdate }).output.bound }),
          sendParent(({ event }) => ({ type: 'socketServer.listenersUpdated', ...(event as unknown as { output: ListenerUpdate }).output })),
        ] },
      },
      states: {
        // Bound (port 0 resolved for registration) but not serving until the broker has started.
        waitingForStartup: { on: { 'socketServer.enable': { target: 'serving', actions: ({ context }) => context.server?.enableRequestProcessing() } } },
        serving: {},
      },
    },
    draining: {
      invoke: { src: 'drain', input: ({ context }) => ({ server: context.server, graceMs: context.drainGraceMs ?? 2000 }), onDone: 'closed', onError: 'closed' },
    },
    closed: { type: 'final', entry: sendParent({ type: 'socketServer.closed' }) },
    failed: { type: 'final' },
  },
});
