/**
 * The broker's lifecycle under faults, as an operator sees it: an abstract machine of the
 * environment (no invoke, no after — xstate/graph walks it), and how test paths are chosen from it.
 *
 *   setup ─START / LOG_DIR_CORRUPT_META──────────────────────────────► running ◄─┐ SESSION_EXPIRED,
 *     │ ─ZOOKEEPER_DOWN_AT_START─► awaitingZk ─ZK_START──────────────►   │  │  └─┘ DYNAMIC_CONFIG_CHANGE
 *     │                              │ CONNECTION_TIMEOUT ► connectionTimedOut│  │
 *     │                              └ SIGTERM ► stoppedWhileConnecting   │  ├─ZK_STOP─► degraded ─ZK_START─► running
 *     │ ─LOG_DIR_ALL_BAD─► halted                                         │  │              └ SIGTERM ► stoppedDuringOutage
 *     └ ─INCONSISTENT_CLUSTER_ID─► clusterIdRejected ◄─────────┐          │  ├─FEATURE_INCOMPATIBLE─► featureRejected
 *                                                   stopped ───┘◄─SIGTERM─┤  │
 *                                                      └─RESTART─► running│  └─SIGKILL─► killed ─RESTART─► reclaiming ─OLD_SESSION_EXPIRED─► running
 *                                                                                                   └ SIGTERM ► stopped
 *
 * The context holds only what the checks need and keeps the graph finite and acyclic: which dir is
 * offline, which process this is (at most one RESTART), how the previous one ended, and which
 * faults this path already did (each fault at most once per path).
 */
import { assign, createMachine, type SnapshotFrom } from 'xstate';
import { createTestModel } from 'xstate/graph';

export interface FaultContext {
  /** logs-b's meta.properties was corrupted before the first start: that dir stays offline. */
  offlineDir: boolean;
  /** Which broker process this is: 1, or 2 after the one RESTART a path may do. */
  generation: 1 | 2;
  /** How the previous process of this broker ended: what the next start's log recovery shows. */
  previous: 'none' | 'clean' | 'killed';
  /** ZooKeeper was stopped once while the broker ran (at most one outage per path). */
  outage: boolean;
  /** The process generation whose session expired (0: none; at most one expiry per path). */
  expiredIn: 0 | 1 | 2;
  /** The process generation that got a dynamic config change (0: none; at most one per path). */
  reconfiguredIn: 0 | 1 | 2;
  /** Faults done so far (ZK_STOP, SESSION_EXPIRED, DYNAMIC_CONFIG_CHANGE): at most MAX_FAULTS per path. */
  faults: number;
}

/** At most this many running-broker faults per path (bounds the graph; see the test file). */
export const MAX_FAULTS = 2;
const mayFault = ({ context }: { context: FaultContext }) => context.faults < MAX_FAULTS;
const fault = ({ context }: { context: FaultContext }) => context.faults + 1;

export type FaultEvent =
  | { type: 'START' }
  | { type: 'ZOOKEEPER_DOWN_AT_START' }
  | { type: 'LOG_DIR_CORRUPT_META' }
  | { type: 'LOG_DIR_ALL_BAD' }
  | { type: 'INCONSISTENT_CLUSTER_ID' }
  | { type: 'ZK_START' }
  | { type: 'CONNECTION_TIMEOUT' }
  | { type: 'ZK_STOP' }
  | { type: 'SESSION_EXPIRED' }
  | { type: 'DYNAMIC_CONFIG_CHANGE' }
  | { type: 'FEATURE_INCOMPATIBLE' }
  | { type: 'SIGTERM' }
  | { type: 'SIGKILL' }
  | { type: 'RESTART' }
  | { type: 'OLD_SESSION_EXPIRED' };

export const faultModel = createMachine({
  id: 'brokerUnderFaults',
  types: {} as { context: FaultContext; events: FaultEvent },
  context: { offlineDir: false, generation: 1, previous: 'none', outage: false, expiredIn: 0, reconfiguredIn: 0, faults: 0 },
  initial: 'setup',
  states: {
    /** Fresh dirs, fresh chroot, ZooKeeper up, no broker process yet. Every event here starts the broker. */
    setup: {
      on: {
        START: 'running',
        LOG_DIR_CORRUPT_META: { target: 'running', actions: assign({ offlineDir: true }) },
        LOG_DIR_ALL_BAD: 'halted',
        INCONSISTENT_CLUSTER_ID: 'clusterIdRejected',
        ZOOKEEPER_DOWN_AT_START: 'awaitingZk',
      },
    },
    /** The process is up but ZooKeeper is not: it waits (not registered, nothing on disk). */
    awaitingZk: {
      on: {
        ZK_START: 'running', // ZooKeeper comes back within zookeeper.connection.timeout.ms
        CONNECTION_TIMEOUT: 'connectionTimedOut',
        SIGTERM: 'stoppedWhileConnecting',
      },
    },
    /** Serving: registered, session watching, log dirs online (but the corrupted one). */
    running: {
      on: {
        ZK_STOP: { guard: ({ context }) => mayFault({ context }) && !context.outage, target: 'degraded', actions: assign({ outage: true, faults: fault }) },
        SESSION_EXPIRED: { guard: ({ context }) => mayFault({ context }) && context.expiredIn === 0, target: 'running', actions: assign({ expiredIn: ({ context }) => context.generation, faults: fault }) },
        DYNAMIC_CONFIG_CHANGE: { guard: ({ context }) => mayFault({ context }) && context.reconfiguredIn === 0, target: 'running', actions: assign({ reconfiguredIn: ({ context }) => context.generation, faults: fault }) },
        FEATURE_INCOMPATIBLE: 'featureRejected',
        SIGTERM: 'stopped',
        SIGKILL: 'killed',
      },
    },
    /** ZooKeeper is down while the session is still alive: the broker keeps serving and waits. */
    degraded: {
      on: { ZK_START: 'running', SIGTERM: 'stoppedDuringOutage' },
    },
    /** Exit 0, clean-shutdown markers in the online dirs, locks released, registration gone. */
    stopped: {
      on: {
        RESTART: { guard: ({ context }) => context.generation === 1, target: 'running', actions: assign({ generation: 2, previous: 'clean' }) },
        INCONSISTENT_CLUSTER_ID: 'clusterIdRejected', // ZooKeeper lost its data (a new ensemble): the dirs belong to another cluster
      },
    },
    /** SIGKILL: no markers; the dead session's registration lingers until it expires. */
    killed: {
      on: { RESTART: { guard: ({ context }) => context.generation === 1, target: 'reclaiming', actions: assign({ generation: 2, previous: 'killed' }) } },
    },
    /** Restarted at once after SIGKILL: up, but /brokers/ids/<id> is still the dead session's; it waits for that to expire. */
    reclaiming: {
      on: { OLD_SESSION_EXPIRED: 'running', SIGTERM: 'stopped' },
    },
    halted: { type: 'final' },
    clusterIdRejected: { type: 'final' },
    connectionTimedOut: { type: 'final' },
    featureRejected: { type: 'final' },
    stoppedWhileConnecting: { type: 'final' },
    stoppedDuringOutage: { type: 'final' },
  },
});

export type FaultSnapshot = SnapshotFrom<typeof faultModel>;

// ───────────────────────────── choosing the paths ─────────────────────────────

type ModelPath = ReturnType<ReturnType<typeof createTestModel<typeof faultModel>>['getShortestPaths']>[number];

/** Only events the model takes in that state (xstate/graph would otherwise try guarded-out ones as no-op steps). */
const filterEvents = (s: FaultSnapshot, e: FaultEvent) => s.can(e);

/** Rough seconds each event costs on the real broker (ZooKeeper restarts, session timeouts, connection timeout). */
export const EVENT_COST: Record<FaultEvent['type'], number> = {
  START: 1, LOG_DIR_CORRUPT_META: 1, LOG_DIR_ALL_BAD: 0.5, INCONSISTENT_CLUSTER_ID: 0.5, ZOOKEEPER_DOWN_AT_START: 1.5,
  ZK_START: 1.5, CONNECTION_TIMEOUT: 7, ZK_STOP: 1.5, SESSION_EXPIRED: 6, DYNAMIC_CONFIG_CHANGE: 0.5,
  FEATURE_INCOMPATIBLE: 1, SIGTERM: 0.5, SIGKILL: 0.5, RESTART: 1, OLD_SESSION_EXPIRED: 3,
};

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
    return `${String(prev.value)} -${step.event.type}-> ${String(step.state.value)} @${prev.context.generation}`;
  });
}

export interface PathPlan {
  /** getShortestPaths, one per state of the model (serialised by state value), prefixes dropped. */
  shortest: ModelPath[];
  /** getSimplePaths of at most maxLength events, chosen greedily to take every transition the shortest ones miss. */
  simple: ModelPath[];
  /** Every transition the model can take (from all its simple paths). */
  allTransitions: Set<string>;
  /** The transitions the chosen paths take. */
  covered: Set<string>;
  /**
   * More simple paths, chosen greedily for consecutive transition pairs not yet taken (2-switch
   * coverage, cheapest first on ties) until the plan has `minPaths` paths in all.
   */
  pairs: ModelPath[];
}

let allSimplePaths: ModelPath[] | null = null;

/** Consecutive transition pairs of a path ("a|b"). */
function pairsOf(p: ModelPath): string[] {
  const ts = transitionsOf(p);
  return ts.slice(1).map((t, i) => `${ts[i]}|${t}`);
}

export function planPaths(maxLength: number, minPaths = 0): PathPlan {
  const model = createTestModel(faultModel);
  const shortest = model.getShortestPaths({ filterEvents, serializeState: (s) => JSON.stringify(s.value) });
  // Full context in the serialisation: SESSION_EXPIRED and DYNAMIC_CONFIG_CHANGE are running → running
  // steps that only the context tells apart. MAX_FAULTS and the single RESTART keep this enumeration
  // to ~550 paths (~1.5 s), done once per test file.
  const all = (allSimplePaths ??= model.getSimplePaths({ filterEvents }));
  const allTransitions = new Set(all.flatMap(transitionsOf));
  const candidates = all.filter((p) => p.steps.length - 1 <= maxLength);
  const covered = new Set(shortest.flatMap(transitionsOf));
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
    for (const t of transitionsOf(best)) covered.add(t);
  }
  const seqOf = (p: ModelPath) => p.steps.map((st) => st.event.type).join(' ');
  const chosen = new Set<string>([...shortest, ...simple].map(seqOf));
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
