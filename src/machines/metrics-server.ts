/**
 * MetricsServer: the `metrics.http.listener` HTTP listener (/metrics, /healthz, /readyz) as a Majordomo child,
 * spawned first (so probes answer while the broker starts) and stopped with the Majordomo. What Kafka gets from the
 * Prometheus JMX exporter agent; Rafka serves it itself (src/services/metrics).
 *
 *   binding ──bound──► serving (the server closes when the actor stops)
 *      └──bind failed──► failed: the actor errors, which the Majordomo treats as a failed coordinator (startup fails)
 *
 * It also reads the Majordomo for the probes and the scrape-time gauges ({@link observeMajordomo}) and times each
 * startup step from the Majordomo's snapshots.
 */
import { assign, fromCallback, fromPromise, setup, type AnyActorRef, type StateValue } from 'xstate';
import type { Logger } from '../logger.js';
import type { KafkaMetrics } from '../services/metrics/kafka-metrics.js';
import { MetricsHttpServer, type MetricsAddress } from '../services/metrics/metrics-http-server.js';
import type { ActorStateSample, ObservedBroker } from '../services/metrics/observed-broker.js';
import type { MajordomoContext } from './majordomo.js';
import type { SocketServer } from '../services/network/socket-server.js';

export interface MetricsServerInput {
  address: MetricsAddress;
  kafkaPorts: number[];
  metrics: KafkaMetrics;
  /** The Majordomo (its snapshots are read at scrape time and timed for the startup steps). */
  majordomo: AnyActorRef;
  log: Logger;
}

interface Context extends MetricsServerInput { server: MetricsHttpServer | null; error: string | null }

/** `{ session: 'watching' }` → `session.watching`; parallel regions joined with `,`. */
export function flattenStateValue(v: StateValue): string {
  if (typeof v === 'string') return v;
  return Object.entries(v).map(([k, sub]) => (sub === undefined || (typeof sub === 'object' && Object.keys(sub).length === 0) ? k : `${k}.${flattenStateValue(sub as StateValue)}`)).join(',');
}

/** Children with more than this many children of their own (per-group actors) are not listed one by one. */
const MAX_GRANDCHILDREN = 32;

function actorState(ref: AnyActorRef): string {
  const snap = ref.getSnapshot() as { value?: StateValue; status?: string } | undefined;
  if (snap?.value !== undefined) return flattenStateValue(snap.value);
  return snap?.status ?? 'unknown';
}

/** The Majordomo seen from the metrics service: read-only, at scrape / probe time. */
export function observeMajordomo(majordomo: AnyActorRef): ObservedBroker {
  const ctx = () => (majordomo.getSnapshot() as { context: MajordomoContext }).context;
  const children = () => ((majordomo.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> }).children ?? {});
  // Startup step timing: the Majordomo's `starting.<step>` states as its snapshots change.
  const steps: Array<[string, number]> = [];
  let current: { step: string; since: number } | null = null;
  // SessionExpireListener: the zookeeperClient's entries into `expired` and `session.degraded`
  const zkEvents = { expires: 0, disconnects: 0 };
  let zkWatched: AnyActorRef | null = null;
  const watchZk = () => {
    const zk = children().zookeeperClient;
    if (!zk || zk === zkWatched) return;
    zkWatched = zk;
    let last = actorState(zk);
    zk.subscribe({
      next: (snap: { value: StateValue }) => {
        const v = flattenStateValue(snap.value);
        if (v === last) return;
        if (v === 'expired') zkEvents.expires++;
        if (v === 'session.degraded') zkEvents.disconnects++;
        last = v;
      },
      error: () => undefined,
    });
  };
  const onSnapshot = (s: { value: StateValue }) => {
    watchZk();
    const v = flattenStateValue(s.value);
    const step = v.startsWith('starting.') ? v.slice('starting.'.length) : null;
    if (current && current.step === step) return;
    const now = performance.now();
    if (current) steps.push([current.step, (now - current.since) / 1000]);
    current = step ? { step, since: now } : null;
  };
  onSnapshot(majordomo.getSnapshot() as { value: StateValue });
  majordomo.subscribe({ next: onSnapshot, error: () => undefined });
  return {
    brokerState: () => ctx().brokerState,
    brokerId: () => ctx().brokerId,
    zooKeeperConnected: () => {
      const zk = children().zookeeperClient;
      return zk !== undefined && actorState(zk) === 'session.watching' && ctx().handle.hasSession && ctx().handle.current.isConnected;
    },
    registered: () => ctx().brokerEpoch !== null,
    onlineLogDirs: () => ctx().onlineDirs,
    offlineLogDirs: () => ctx().offlineDirs.map((o) => o.dir),
    actorStates: () => {
      const out: ActorStateSample[] = [{ actor: 'majordomo', state: actorState(majordomo) }];
      for (const [id, ref] of Object.entries(children())) {
        if (!ref) continue;
        out.push({ actor: id, state: actorState(ref) });
        const grand = Object.entries((ref.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> }).children ?? {});
        if (grand.length <= MAX_GRANDCHILDREN) for (const [gid, g] of grand) if (g) out.push({ actor: `${id}/${gid}`, state: actorState(g) });
      }
      return out;
    },
    startupSteps: () => steps,
    controllerId: () => ctx().controllerId ?? -1,
    logManager: () => ctx().logManager,
    replicaManager: () => ctx().replicaManager,
    groupCoordinator: () => ctx().groupCoordinator,
    metadata: () => ctx().metadataCache,
    controller: () => {
      const c = children().controller;
      if (!c) return null;
      const cc = (c.getSnapshot() as { context?: { controllerId: number | null; brokerId: number; states: { partitions: ReadonlyMap<string, string> } } }).context;
      return cc ? { active: cc.controllerId === cc.brokerId, partitionStates: cc.states.partitions } : null;
    },
    zooKeeperEvents: () => zkEvents,
    quotas: () => ctx().quotas,
    fetchSessionCache: () => ctx().brokerContext?.fetchManager?.cache ?? null,
    socketServer: () => {
      const s = children().socketServer;
      return (s?.getSnapshot() as { context?: { server: SocketServer | null } } | undefined)?.context?.server ?? null;
    },
  };
}

export const metricsServerMachine = setup({
  types: {} as { context: Context; input: MetricsServerInput },
  actors: {
    bind: fromPromise<MetricsHttpServer, MetricsServerInput>(async ({ input, signal }) => {
      const broker = observeMajordomo(input.majordomo);
      input.metrics.observe(broker);
      const server = new MetricsHttpServer(input.metrics, broker, input.log);
      try {
        const port = await server.listen(input.address, input.kafkaPorts);
        input.log.info({ host: input.address.host, port }, `Metrics on http://${input.address.host || '0.0.0.0'}:${port}/metrics (also /healthz, /readyz)`);
      } catch (e) { await server.close(); throw e; }
      if (signal.aborted) { await server.close(); throw new Error('stopped while binding'); }
      return server;
    }),
    /** Holds the bound server; closes it when the actor stops. */
    serve: fromCallback<{ type: string }, { server: MetricsHttpServer }>(({ input }) => () => { void input.server.close(); }),
  },
}).createMachine({
  id: 'metricsServer',
  context: ({ input }) => ({ ...input, server: null, error: null }),
  initial: 'binding',
  states: {
    binding: {
      invoke: {
        src: 'bind', input: ({ context }) => context,
        onDone: { target: 'serving', actions: assign({ server: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => (event.error instanceof Error ? event.error.message : String(event.error)) }) },
      },
    },
    serving: { invoke: { src: 'serve', input: ({ context }) => ({ server: context.server! }) } },
    failed: {
      // the Majordomo's coordinator-failure policy takes it from here (a startup failure, logged as fatal)
      entry: ({ context }) => { throw new Error(context.error ?? 'metrics listener failed'); },
    },
  },
});
