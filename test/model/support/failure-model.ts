/**
 * The broker's lifecycle under faults, as an operator sees it: an abstract machine of the
 * environment (no invoke, no after — xstate/graph walks it), and how test paths are chosen from it.
 *
 *   setup ─START / LOG_DIR_CORRUPT_META──────────────────────────────► running ◄─┐ SESSION_EXPIRED, ZK_PARTITION,
 *     │ ─ZOOKEEPER_DOWN_AT_START─► awaitingZk ─ZK_START──────────────►   │  │  └─┘ DYNAMIC_CONFIG_CHANGE, LOG_DIR_FAILS
 *     │                              │ CONNECTION_TIMEOUT ► connectionTimedOut│  │       (LOG_DIR_FAILS on the last dir ► lastDirFailed)
 *     │                              └ SIGTERM ► stoppedWhileConnecting, SIGKILL ► killedDuringStartup
 *     │ ─HOLD_CLUSTER_ID / _DYNAMIC_CONFIG / _FEATURES / _CONTROLLER─► held.<stage> ─SIGTERM/SIGKILL─► stopped/killedDuringStartup
 *     │ ─DUPLICATE_BROKER_ID─► duplicateRejected
 *     │ ─LOG_DIR_ALL_BAD─► halted                                         │  ├─ZK_STOP─► degraded ─ZK_START─► running  (ZK_DOWN_PAST_SESSION ⟲ degraded)
 *     │ ─INCONSISTENT_BROKER_ID─► brokerIdRejected ◄── stopped            │  │              └ SIGTERM ► stoppedDuringOutage
 *     └ ─INCONSISTENT_CLUSTER_ID─► clusterIdRejected ◄─────────┐          │  ├─FEATURE_INCOMPATIBLE─► featureRejected
 *                                                   stopped ───┘◄─SIGTERM─┤  │
 *                                                      └─RESTART─► running│  └─SIGKILL─► killed ─RESTART─► reclaiming ─OLD_SESSION_EXPIRED─► running
 *                                                                   CORRUPT_SEGMENT_TAIL ⟲ killed       └ SIGTERM ► stopped, SIGKILL ► killedDuringStartup
 *
 * The context holds only what the checks need and keeps the graph finite and acyclic: which dir is
 * offline and why, which process this is (at most one RESTART), how the previous one ended, and
 * which faults this path already did (each fault at most once per path).
 */
import { assign, createMachine, initialTransition, transition, type SnapshotFrom } from 'xstate';
import { createTestModel } from 'xstate/graph';

export interface FaultContext {
  /** logs-b is offline: its meta.properties was corrupted before the first start, or its filesystem failed at runtime. */
  offlineDir: 'none' | 'meta' | 'failed';
  /** Which broker process this is: 1, or 2 after the one RESTART a path may do. */
  generation: 1 | 2;
  /** How the previous process of this broker ended: what the next start's log recovery shows. */
  previous: 'none' | 'clean' | 'killed';
  /** ZooKeeper was stopped once while the broker ran (at most one outage per path). */
  outage: boolean;
  /** That outage outlasted the session timeout. */
  longOutage: boolean;
  /** The process generation whose session was expired by a pause (0: none; at most one per path). */
  expiredIn: 0 | 1 | 2;
  /** The process generation whose session expired behind a network partition (0: none; at most one per path). */
  partitionedIn: 0 | 1 | 2;
  /** The process generation that got a dynamic config change (0: none; at most one per path). */
  reconfiguredIn: 0 | 1 | 2;
  /** Garbage was appended to a killed broker's active segment (recovery must truncate it at restart). */
  tornTail: boolean;
  /** Faults done so far (ZK_STOP, SESSION_EXPIRED, ZK_PARTITION, DYNAMIC_CONFIG_CHANGE, LOG_DIR_FAILS): at most MAX_FAULTS per path. */
  faults: number;
}

/** At most this many running-broker faults per path (bounds the graph; see the test file). */
export const MAX_FAULTS = 2;
const mayFault = ({ context }: { context: FaultContext }) => context.faults < MAX_FAULTS;
const fault = ({ context }: { context: FaultContext }) => context.faults + 1;

/**
 * The startup stages (majordomo `starting.*`) a path can hold the broker in, and how: each waits
 * on one ZooKeeper answer, which the ZooKeeper proxy withholds (see zk-proxy.ts). A hold is
 * deterministic — the broker has sent the request and cannot leave the stage without its answer —
 * where SIGSTOP after seeing the stage on /events would race the stage's own (millisecond) I/O.
 * Two more stages are held by the environment itself: connectingToZooKeeper (ZooKeeper down:
 * awaitingZk) and registeringBroker (/brokers/ids/1 still held by the session of the killed
 * previous process: reclaiming). Not held: resolvingBrokerId (broker.id is configured: no I/O), startingSocketServer
 * (binding is immediate), startingController and startingConfigManager (transient: `always`).
 * The disk-only stages are held by a hung file (DISK_HELD_STAGES): a FIFO where the stage opens a
 * file blocks that open until a peer comes — as a read from a hung disk or NFS mount would.
 */
export const HELD_STAGES = {
  HOLD_CLUSTER_ID: { stage: 'gettingClusterId', path: '/cluster/id' },
  HOLD_DYNAMIC_CONFIG: { stage: 'initializingDynamicConfig', path: '/config/brokers/<default>' },
  HOLD_FEATURES: { stage: 'startingFeatureListener', path: '/feature' },
  // Registered and listening; the controller election's first request on /controller is stuck.
  HOLD_CONTROLLER: { stage: 'awaitingMetadata', path: '/controller' },
} as const;

/** Startup stages held by a FIFO at `file` in logs-a (the stage's open blocks: a hung disk). */
export const DISK_HELD_STAGES = {
  HOLD_META_READ: { stage: 'loadingMetaProperties', file: 'meta.properties' },
  HOLD_META_WRITE: { stage: 'writingMetaProperties', file: 'meta.properties.tmp' },
  HOLD_LOG_LOAD: { stage: 'startingLogManager', file: 'recovery-point-offset-checkpoint' },
} as const;

export type FaultEvent =
  | { type: 'START' }
  | { type: 'ZOOKEEPER_DOWN_AT_START' }
  | { type: 'LOG_DIR_CORRUPT_META' }
  | { type: 'LOG_DIR_ALL_BAD' }
  | { type: 'INCONSISTENT_CLUSTER_ID' }
  | { type: 'INCONSISTENT_BROKER_ID' }
  | { type: 'DUPLICATE_BROKER_ID' }
  | { type: keyof typeof HELD_STAGES }
  | { type: keyof typeof DISK_HELD_STAGES }
  | { type: 'ZK_START' }
  | { type: 'CONNECTION_TIMEOUT' }
  | { type: 'ZK_STOP' }
  | { type: 'ZK_DOWN_PAST_SESSION' }
  | { type: 'SESSION_EXPIRED' }
  | { type: 'ZK_PARTITION' }
  | { type: 'DYNAMIC_CONFIG_CHANGE' }
  | { type: 'LOG_DIR_FAILS' }
  | { type: 'FEATURE_INCOMPATIBLE' }
  | { type: 'SIGTERM' }
  | { type: 'SIGKILL' }
  | { type: 'CORRUPT_SEGMENT_TAIL' }
  | { type: 'RESTART' }
  | { type: 'OLD_SESSION_EXPIRED' };

/** SIGTERM and SIGKILL while the broker is held in a startup stage. */
const stopDuringStartup = { SIGTERM: '#brokerUnderFaults.stoppedDuringStartup', SIGKILL: '#brokerUnderFaults.killedDuringStartup' } as const;

export const faultModel = createMachine({
  id: 'brokerUnderFaults',
  types: {} as { context: FaultContext; events: FaultEvent },
  context: { offlineDir: 'none', generation: 1, previous: 'none', outage: false, longOutage: false, expiredIn: 0, partitionedIn: 0, reconfiguredIn: 0, tornTail: false, faults: 0 },
  initial: 'setup',
  states: {
    /** Fresh dirs, fresh chroot, ZooKeeper up, no broker process yet. Every event here starts the broker. */
    setup: {
      on: {
        START: 'running',
        LOG_DIR_CORRUPT_META: { target: 'running', actions: assign({ offlineDir: 'meta' }) },
        LOG_DIR_ALL_BAD: 'halted',
        INCONSISTENT_CLUSTER_ID: 'clusterIdRejected',
        INCONSISTENT_BROKER_ID: 'brokerIdRejected',
        DUPLICATE_BROKER_ID: 'duplicateRejected', // another live broker holds /brokers/ids/1
        ZOOKEEPER_DOWN_AT_START: 'awaitingZk',
        HOLD_CLUSTER_ID: 'held.gettingClusterId',
        HOLD_DYNAMIC_CONFIG: 'held.initializingDynamicConfig',
        HOLD_FEATURES: 'held.startingFeatureListener',
        HOLD_CONTROLLER: 'held.awaitingMetadata',
        HOLD_META_READ: 'held.loadingMetaProperties',
        HOLD_META_WRITE: 'held.writingMetaProperties',
        HOLD_LOG_LOAD: 'held.startingLogManager',
      },
    },
    /** The process is up but ZooKeeper is not: it waits (not registered, nothing on disk). */
    awaitingZk: {
      on: {
        ZK_START: 'running', // ZooKeeper comes back within zookeeper.connection.timeout.ms
        CONNECTION_TIMEOUT: 'connectionTimedOut',
        SIGTERM: 'stoppedWhileConnecting',
        SIGKILL: 'killedDuringStartup',
      },
    },
    /** The broker waits in a startup stage for a ZooKeeper answer that the proxy withholds. */
    held: {
      initial: 'gettingClusterId',
      states: {
        gettingClusterId: { on: stopDuringStartup },
        initializingDynamicConfig: { on: stopDuringStartup },
        startingFeatureListener: { on: stopDuringStartup },
        awaitingMetadata: { on: stopDuringStartup },
        loadingMetaProperties: { on: stopDuringStartup },
        writingMetaProperties: { on: stopDuringStartup },
        startingLogManager: { on: stopDuringStartup },
      },
    },
    /** Serving: registered, session watching, log dirs online (but an offline one). */
    running: {
      on: {
        ZK_STOP: { guard: ({ context }) => mayFault({ context }) && !context.outage, target: 'degraded', actions: assign({ outage: true, faults: fault }) },
        SESSION_EXPIRED: { guard: ({ context }) => mayFault({ context }) && context.expiredIn === 0, target: 'running', actions: assign({ expiredIn: ({ context }) => context.generation, faults: fault }) },
        ZK_PARTITION: { guard: ({ context }) => mayFault({ context }) && context.partitionedIn === 0, target: 'running', actions: assign({ partitionedIn: ({ context }) => context.generation, faults: fault }) },
        DYNAMIC_CONFIG_CHANGE: { guard: ({ context }) => mayFault({ context }) && context.reconfiguredIn === 0, target: 'running', actions: assign({ reconfiguredIn: ({ context }) => context.generation, faults: fault }) },
        LOG_DIR_FAILS: [
          // logs-b fails; logs-a keeps serving.
          { guard: ({ context }) => mayFault({ context }) && context.offlineDir === 'none', target: 'running', actions: assign({ offlineDir: 'failed', faults: fault }) },
          // logs-b was offline from the start: logs-a was the last one.
          { guard: ({ context }) => context.offlineDir === 'meta', target: 'lastDirFailed' },
        ],
        FEATURE_INCOMPATIBLE: 'featureRejected',
        SIGTERM: 'stopped',
        SIGKILL: 'killed',
      },
    },
    /** ZooKeeper is down while the session is still alive: the broker keeps serving and waits. */
    degraded: {
      on: {
        ZK_START: 'running',
        // Stays down past the session timeout. A standalone ZooKeeper restores its sessions on restart
        // (with a fresh timeout), so the session survives unless the broker then takes longer than the
        // timeout to reconnect: either way it must end registered, once per session, data intact.
        ZK_DOWN_PAST_SESSION: { guard: ({ context }) => !context.longOutage, target: 'degraded', actions: assign({ longOutage: true }) },
        SIGTERM: 'stoppedDuringOutage',
      },
    },
    /** Exit 0, clean-shutdown markers in the online dirs, locks released, registration gone. */
    stopped: {
      on: {
        // A dir whose filesystem failed stays failed: no restart on it (the model would need a repaired-disk event).
        RESTART: { guard: ({ context }) => context.generation === 1 && context.offlineDir !== 'failed', target: 'running', actions: assign({ generation: 2, previous: 'clean' }) },
        INCONSISTENT_CLUSTER_ID: 'clusterIdRejected', // ZooKeeper lost its data (a new ensemble): the dirs belong to another cluster
        INCONSISTENT_BROKER_ID: 'brokerIdRejected', // the config now names another broker.id than the dirs store
      },
    },
    /** SIGKILL: no markers; the dead session's registration lingers until it expires. */
    killed: {
      on: {
        RESTART: { guard: ({ context }) => context.generation === 1 && context.offlineDir !== 'failed', target: 'reclaiming', actions: assign({ generation: 2, previous: 'killed' }) },
        // A write torn by the kill (or garbage past the last batch): only before the one restart.
        CORRUPT_SEGMENT_TAIL: { guard: ({ context }) => context.generation === 1 && context.offlineDir !== 'failed' && !context.tornTail, target: 'killed', actions: assign({ tornTail: true }) },
      },
    },
    /** Restarted at once after SIGKILL: up, but /brokers/ids/<id> is still the dead session's; it waits for that to expire. */
    reclaiming: {
      on: { OLD_SESSION_EXPIRED: 'running', SIGTERM: 'stopped', SIGKILL: 'killedDuringStartup' },
    },
    halted: { type: 'final' },
    lastDirFailed: { type: 'final' },
    clusterIdRejected: { type: 'final' },
    brokerIdRejected: { type: 'final' },
    duplicateRejected: { type: 'final' },
    connectionTimedOut: { type: 'final' },
    featureRejected: { type: 'final' },
    stoppedWhileConnecting: { type: 'final' },
    stoppedDuringOutage: { type: 'final' },
    stoppedDuringStartup: { type: 'final' },
    killedDuringStartup: { type: 'final' },
  },
});

export type FaultSnapshot = SnapshotFrom<typeof faultModel>;

// ───────────────────────────── choosing the paths ─────────────────────────────

type ModelPath = ReturnType<ReturnType<typeof createTestModel<typeof faultModel>>['getShortestPaths']>[number];

/** Only events the model takes in that state (xstate/graph would otherwise try guarded-out ones as no-op steps). */
const filterEvents = (s: FaultSnapshot, e: FaultEvent) => s.can(e);

/** Rough seconds each event costs on the real broker (ZooKeeper restarts, session timeouts, connection timeout). */
export const EVENT_COST: Record<FaultEvent['type'], number> = {
  START: 1.5, LOG_DIR_CORRUPT_META: 1.5, LOG_DIR_ALL_BAD: 0.5, INCONSISTENT_CLUSTER_ID: 0.5, INCONSISTENT_BROKER_ID: 0.5,
  DUPLICATE_BROKER_ID: 1.5, HOLD_CLUSTER_ID: 1, HOLD_DYNAMIC_CONFIG: 1, HOLD_FEATURES: 1, HOLD_CONTROLLER: 1.5, HOLD_META_READ: 1, HOLD_META_WRITE: 1, HOLD_LOG_LOAD: 1,
  ZOOKEEPER_DOWN_AT_START: 1.5, ZK_START: 1.5, CONNECTION_TIMEOUT: 7, ZK_STOP: 1.5, ZK_DOWN_PAST_SESSION: 4, SESSION_EXPIRED: 6, ZK_PARTITION: 6,
  DYNAMIC_CONFIG_CHANGE: 0.5, LOG_DIR_FAILS: 1.5, FEATURE_INCOMPATIBLE: 1, SIGTERM: 0.5, SIGKILL: 0.5,
  CORRUPT_SEGMENT_TAIL: 0.2, RESTART: 1.5, OLD_SESSION_EXPIRED: 3,
};

/** `running`, or `held.gettingClusterId` for a nested state. */
export const stateName = (s: FaultSnapshot): string =>
  typeof s.value === 'string' ? s.value : Object.entries(s.value).map(([k, v]) => `${k}.${String(v)}`).join();

export const eventsOf = (p: ModelPath): FaultEvent['type'][] => p.steps.slice(1).map((s) => s.event.type as FaultEvent['type']);
export const costOf = (p: ModelPath): number => eventsOf(p).reduce((sum, e) => sum + EVENT_COST[e], 0);

/**
 * The transitions a path takes, each as `from -EVENT-> to @process`: a transition of the model
 * counted separately in the first broker process and in the restarted one (a restarted broker must
 * handle every fault as well as a fresh one).
 */
export function transitionsOf(p: ModelPath): string[] {
  return p.steps.slice(1).map((step, i) => {
    const prev = p.steps[i]!.state as FaultSnapshot;
    return `${stateName(prev)} -${step.event.type}-> ${stateName(step.state as FaultSnapshot)} @${prev.context.generation}`;
  });
}

export interface PathPlan {
  /** getShortestPaths, one per state of the model (serialised by state value), prefixes dropped. */
  shortest: ModelPath[];
  /** Simple paths of at most maxLength events (bounded DFS), chosen greedily to take every transition the shortest ones miss. */
  simple: ModelPath[];
  /** Every transition the model can take (from all its simple paths up to maxLength). */
  allTransitions: Set<string>;
  /** The transitions the chosen paths take. */
  covered: Set<string>;
  /**
   * More simple paths, chosen greedily for consecutive transition pairs not yet taken (2-switch
   * coverage, cheapest first on ties) until the plan has `minPaths` paths in all.
   */
  pairs: ModelPath[];
}

/** Every event type the model knows (its alphabet). */
function alphabet(): FaultEvent['type'][] {
  const types = new Set<string>();
  const visit = (node: { on?: Record<string, unknown>; states?: Record<string, unknown> }) => {
    for (const t of Object.keys(node.on ?? {})) types.add(t);
    for (const child of Object.values(node.states ?? {})) visit(child as never);
  };
  visit(faultModel.config as never);
  return [...types].sort() as FaultEvent['type'][];
}

/** Value and context: SESSION_EXPIRED etc. are running → running steps that only the context tells apart. */
const fullKey = (s: FaultSnapshot) => JSON.stringify([s.value, s.context]);

/**
 * Every simple path (no model state — value and context — twice) of at most maxLength events from
 * the initial state, each as its event sequence, by DFS (xstate/graph's getSimplePaths would
 * enumerate every simple path of the whole graph first: ~35 s for this model). Prefixes count too:
 * a shorter path can be the cheaper way to a transition.
 */
function boundedSimplePaths(maxLength: number): FaultEvent['type'][][] {
  const events = alphabet();
  const out: FaultEvent['type'][][] = [];
  const walk = (snap: FaultSnapshot, seq: FaultEvent['type'][], onPath: Set<string>) => {
    if (seq.length > 0) out.push(seq);
    if (seq.length === maxLength || snap.status !== 'active') return;
    for (const type of events) {
      if (!snap.can({ type } as FaultEvent)) continue;
      const [next] = transition(faultModel, snap, { type } as FaultEvent);
      const k = fullKey(next);
      if (onPath.has(k)) continue;
      onPath.add(k);
      walk(next, [...seq, type], onPath);
      onPath.delete(k);
    }
  };
  const [init] = initialTransition(faultModel);
  walk(init, [], new Set([fullKey(init)]));
  return out;
}

const simpleCache = new Map<number, ModelPath[]>();

/** Consecutive transition pairs of a path ("a|b"). */
function pairsOf(p: ModelPath): string[] {
  const ts = transitionsOf(p);
  return ts.slice(1).map((t, i) => `${ts[i]}|${t}`);
}

export function planPaths(maxLength: number, minPaths = 0): PathPlan {
  const model = createTestModel(faultModel);
  const shortest = model.getShortestPaths({ filterEvents, serializeState: (s) => JSON.stringify(s.value) });
  let all = simpleCache.get(maxLength);
  if (!all) {
    all = boundedSimplePaths(maxLength).map((seq) => model.getPathsFromEvents(seq.map((type) => ({ type }) as FaultEvent), { filterEvents })[0]!);
    simpleCache.set(maxLength, all);
  }
  const allTransitions = new Set(all.flatMap(transitionsOf));
  const candidates = all;
  const covered = new Set(shortest.flatMap(transitionsOf));
  const seqOf = (p: ModelPath) => p.steps.map((st) => st.event.type).join(' ');
  const chosen = new Set<string>(shortest.map(seqOf));
  const simple: ModelPath[] = [];
  for (;;) {
    let best: ModelPath | null = null;
    let bestNew = 0;
    for (const p of candidates) {
      const fresh = new Set(transitionsOf(p).filter((t) => !covered.has(t))).size;
      if (fresh > bestNew || (fresh === bestNew && fresh > 0 && costOf(p) < costOf(best!))) { best = p; bestNew = fresh; }
    }
    if (best === null) break;
    simple.push(best);
    chosen.add(seqOf(best));
    for (const t of transitionsOf(best)) covered.add(t);
  }
  const coveredPairs = new Set([...shortest, ...simple].flatMap(pairsOf));
  const pairs: ModelPath[] = [];
  while (chosen.size < minPaths) {
    let best: ModelPath | null = null;
    let bestNew = 0;
    for (const p of candidates) {
      if (chosen.has(seqOf(p))) continue;
      const fresh = new Set(pairsOf(p).filter((x) => !coveredPairs.has(x))).size;
      // Once every pair is taken, the cheapest path not run yet.
      if (best === null || fresh > bestNew || (fresh === bestNew && costOf(p) < costOf(best))) { best = p; bestNew = fresh; }
    }
    if (best === null) break;
    pairs.push(best);
    chosen.add(seqOf(best));
    for (const x of pairsOf(best)) coveredPairs.add(x);
  }
  return { shortest, simple, allTransitions, covered, pairs };
}
