/**
 * Transaction events for the failure model (issue 13: "the failure model gains transaction events where they add
 * paths — coordinator crash between prepare and complete"). An abstract machine of what one transactional producer
 * and the operator do to a single broker that is both the transaction coordinator and the partition leader; the
 * paths run in test/integration/transactions.test.ts on that file's shared broker (a broker of its own would cost
 * CI ~10 s more), through the wire protocol.
 *
 *   ready ─SEND─► ongoing ─COMMIT / ABORT──────────────────────────────────────────────► ready
 *                   │  ─CRASH_IN_PREPARE_COMMIT / CRASH_IN_PREPARE_ABORT (stopped after the
 *                   │    PrepareCommit/PrepareAbort record, before markers and Complete*; restarted)──► ready
 *                   │  ─FENCE (a new producer with the same transactional id: the open one is aborted)──► ready
 *                   └─KILL (kill -9 of the broker while the transaction is open; restarted) ⟲ ongoing
 *   ready ─FINISH─► finished
 *
 * Each of COMMIT, ABORT, FENCE, KILL and the two CRASH events happens at most once per path and a path restarts
 * the broker at most MAX_RESTARTS times (bounds the graph; restarts are the expensive steps). What must hold after
 * each step (checked by the test): in `ready` no transaction hangs (read_committed end = log end) and
 * read_committed sees exactly the records of the committed transactions (COMMIT, CRASH_IN_PREPARE_COMMIT), in
 * order, once; in `ongoing` the transaction is Ongoing and its records are not readable read_committed; a fenced
 * producer's EndTxn is refused.
 */
import { assign, createMachine, initialTransition, transition } from 'xstate';

export type TxnModelEvent =
  | { type: 'SEND' } | { type: 'COMMIT' } | { type: 'ABORT' } | { type: 'FENCE' } | { type: 'KILL' }
  | { type: 'CRASH_IN_PREPARE_COMMIT' } | { type: 'CRASH_IN_PREPARE_ABORT' } | { type: 'FINISH' };
export type TxnModelEventType = TxnModelEvent['type'];

export interface TxnModelContext { done: string; restarts: number }

export const MAX_RESTARTS = 2;
const ONCE: ReadonlySet<TxnModelEventType> = new Set(['COMMIT', 'ABORT', 'FENCE', 'KILL', 'CRASH_IN_PREPARE_COMMIT', 'CRASH_IN_PREPARE_ABORT']);
export const RESTARTS: ReadonlySet<TxnModelEventType> = new Set(['KILL', 'CRASH_IN_PREPARE_COMMIT', 'CRASH_IN_PREPARE_ABORT']);

const notDone = (type: TxnModelEventType) => ({ context }: { context: TxnModelContext }) =>
  !context.done.split(',').includes(type) && (!RESTARTS.has(type) || context.restarts < MAX_RESTARTS);
const record = (type: TxnModelEventType) => assign(({ context }: { context: TxnModelContext }) => ({
  done: context.done === '' ? type : `${context.done},${type}`,
  restarts: context.restarts + (RESTARTS.has(type) ? 1 : 0),
}));
const once = (type: TxnModelEventType, target: string) => ({ [type]: { target, guard: notDone(type), actions: record(type) } });

export const transactionModel = createMachine({
  id: 'transaction',
  types: {} as { context: TxnModelContext; events: TxnModelEvent },
  context: { done: '', restarts: 0 },
  initial: 'ready',
  states: {
    ready: { on: { SEND: 'ongoing', FINISH: 'finished' } },
    ongoing: {
      on: {
        ...once('COMMIT', 'ready'), ...once('ABORT', 'ready'), ...once('FENCE', 'ready'),
        ...once('CRASH_IN_PREPARE_COMMIT', 'ready'), ...once('CRASH_IN_PREPARE_ABORT', 'ready'),
        ...once('KILL', 'ongoing'),
      },
    },
    finished: { type: 'final' },
  },
});

const ALL: TxnModelEventType[] = ['SEND', 'COMMIT', 'ABORT', 'FENCE', 'KILL', 'CRASH_IN_PREPARE_COMMIT', 'CRASH_IN_PREPARE_ABORT', 'FINISH'];

/** Rough seconds per event on the loaded CI machine (restarts dominate; kill -9 waits out the ZooKeeper session). */
export const EVENT_COST: Record<TxnModelEventType, number> = {
  SEND: 0.2, COMMIT: 0.5, ABORT: 0.5, FENCE: 0.5, FINISH: 0.5, KILL: 12, CRASH_IN_PREPARE_COMMIT: 6, CRASH_IN_PREPARE_ABORT: 6,
};
export const costOf = (events: readonly TxnModelEventType[]): number => events.reduce((s, e) => s + EVENT_COST[e], 0);

export interface TxnPath { events: TxnModelEventType[]; transitions: string[] }

/** Every event sequence from `ready` to `finished` (the guards make the graph finite), with its transitions. */
export function allPaths(): TxnPath[] {
  const out: TxnPath[] = [];
  const walk = (snap: ReturnType<typeof initialTransition<typeof transactionModel>>[0], events: TxnModelEventType[], transitions: string[]) => {
    if (snap.status === 'done') { out.push({ events, transitions }); return; }
    for (const type of ALL) {
      const [next] = transition(transactionModel, snap, { type } as TxnModelEvent);
      if (next.value === snap.value && JSON.stringify(next.context) === JSON.stringify(snap.context)) continue; // not enabled
      walk(next, [...events, type], [...transitions, `${String(snap.value)} -${type}-> ${String(next.value)}`]);
    }
  };
  walk(initialTransition(transactionModel)[0], [], []);
  return out;
}

/** Every transition of the model (by state value and event). */
export const MODEL_TRANSITIONS = [
  'ready -SEND-> ongoing', 'ready -FINISH-> finished',
  ...['COMMIT', 'ABORT', 'FENCE', 'CRASH_IN_PREPARE_COMMIT', 'CRASH_IN_PREPARE_ABORT'].map((e) => `ongoing -${e}-> ready`),
  'ongoing -KILL-> ongoing',
];

const pairsOf = (p: TxnPath) => p.transitions.slice(1).map((t, i) => `${p.transitions[i]} | ${t}`);

/**
 * The paths to run: `ci` = the cheapest path that takes a crash between prepare and complete and the fencing of a
 * zombie (what the CI budget allows: one restart); `full` = greedily, most new transitions then cheapest, until
 * every transition is taken, then most new back-to-back transition pairs, until every pair is taken.
 */
export function planTxnPaths(): { ci: TxnPath[]; full: TxnPath[]; all: TxnPath[] } {
  const all = allPaths();
  const byCost = [...all].sort((a, b) => costOf(a.events) - costOf(b.events) || b.events.length - a.events.length);
  const ci = byCost.find((p) => p.events.includes('CRASH_IN_PREPARE_COMMIT') && p.events.includes('FENCE') && p.events.includes('ABORT')
    && !p.events.includes('KILL') && !p.events.includes('CRASH_IN_PREPARE_ABORT')
    && p.events.indexOf('CRASH_IN_PREPARE_COMMIT') === p.events.length - 2)!; // the restart last: everything before it is reloaded
  const full: TxnPath[] = [];
  const covered = new Set<string>();
  for (const key of [(p: TxnPath) => p.transitions, pairsOf]) {
    for (;;) {
      let best: TxnPath | null = null;
      let bestNew = 0;
      for (const p of all) {
        if (full.includes(p)) continue;
        const fresh = new Set(key(p).filter((t) => !covered.has(t))).size;
        if (fresh > bestNew || (fresh === bestNew && fresh > 0 && costOf(p.events) < costOf(best!.events))) { best = p; bestNew = fresh; }
      }
      if (best === null) break;
      full.push(best);
      for (const t of key(best)) covered.add(t);
    }
  }
  return { ci: [ci], full, all };
}
