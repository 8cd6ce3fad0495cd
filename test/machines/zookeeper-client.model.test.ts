/**
 * Model-based test of the zookeeper-client machine's failure paths.
 *
 * Model: the real machine (new TestModel(zookeeperClientMachine)), no hand-written abstraction, so
 * the model cannot drift from the chart. Its alphabet per state is `syntheticEvents` (done/error
 * of the invokes active there — openSession, createPersistentPaths — and its `after` timers) plus
 * the session watcher's zk.disconnected / zk.connected / zk.expired / zk.authFailed and the owner's
 * zk.close, filtered to events the state takes (`s.can(e)`). The state key is [value, status,
 * expiredCount, reconnectAttempt, degraded], made finite by bounds on the traversal: at most MAX_EXPIRIES session expiries
 * and MAX_FAILS consecutive reconnect failures per path (filterEvents), so "exactly once per
 * expiry" and "back-off doubles, then resets" are each seen more than once.
 *
 * Paths: one shortest path to every key; simple paths (no key twice, support/boundedSimplePaths)
 * of at most MAX_LENGTH events: 9 is the longest single-expiry failure story — connect, create
 * paths, expire, MAX_FAILS × (reconnect fails, back-off), reconnect, close — so every shorter mix
 * of disconnects, expiries and failures is in as well (full mode: 16, room for MAX_FAILS = 5, where
 * the back-off reaches its cap: 500 ms after the first failure, doubling); and, since traversals never take an edge back into a state
 * already on the path (degraded → watching, the degraded "still waiting" self-loop, …),
 * shortest-path + edge for every edge still missed (edgeCompletion). A coverage test checks that
 * the paths take every edge of the bounded graph.
 *
 * Replay: a fresh real actor under a recording parent, `provide()`d stubs whose promises the
 * executors settle (openSession / createPersistentPaths), a session watcher whose sendBack the
 * executors call, fake timers, and the real back-off formula scaled by 1/100. After each step:
 * the real state equals the model's; parent events equal the oracle's for that transition; the
 * back-off fired neither early nor late (nor the 1 s retry after an auth failure); the watcher runs exactly while in `session`; in-flight
 * openSession calls are aborted when their state is left; at the end, global invariants
 * (zk.ready at most once, never with zk.failed, one zk.sessionReinitialized per successful
 * reconnect after an expiry or auth failure, degraded/recovered properly nested — an outage ends
 * with zk.recovered even when the session expired during it —, nothing after a final event,
 * the handle closed exactly once iff closed).
 */
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { fromPromise, fromCallback, type AnyEventObject } from 'xstate';
import { zookeeperClientMachine } from '../../src/machines/zookeeper-client.js';
import { underParent } from './harness.js';
import {
  FULL, syntheticEvents, replay, flush, deferred, edgesOf, allEdges, type Adjacency, sequence, type Deferred, type ModelPath, type ModelStep, planMachinePaths,
} from './support/model.js';

const MAX_EXPIRIES = FULL ? 3 : 2;
const MAX_FAILS = FULL ? 6 : 2; // 6: the back-off reaches its 10 s cap (500·2^(6-1) > 10 000)
const MAX_LENGTH = FULL ? 16 : 9;
const WAIT_LOG_MS = 50;
const SCALE = 100; // back-off delays are the real formula / SCALE

const CONNECT = '0.zookeeperClient.connecting';
const PATHS = '0.zookeeperClient.creatingPaths';
const RECONNECT = '0.zookeeperClient.reconnecting';
const BACKOFF = 'xstate.after.reconnectBackoff.zookeeperClient.backoff';
const AUTH_RETRY = 'xstate.after.authFailedRetry.zookeeperClient.authFailed';
const WAITLOG = 'xstate.after.waitLogInterval.zookeeperClient.session.degraded';

type Snap = ModelStep['state'];
const key = (s: Snap) => JSON.stringify([s.value, s.status, s.context.expiredCount, s.context.reconnectAttempt, s.context.degradedSince !== null]);

const modelInput = { handle: { connectString: 'zk:2181', close() {} }, sessionTimeoutMs: 6000, connectionTimeoutMs: 1000, waitLogIntervalMs: WAIT_LOG_MS, log: { info() {}, warn() {}, error() {} } };

const eventsOf = (s: any): AnyEventObject[] => [
  ...syntheticEvents(s,
    { [CONNECT]: ['s1'], [PATHS]: [undefined], [RECONNECT]: [`s${s.context.expiredCount + 1}`] },
    { [CONNECT]: [new Error('Timed out waiting for connection')], [PATHS]: [new Error('NoAuth')], [RECONNECT]: [new Error('down')] }),
  { type: 'zk.disconnected' }, { type: 'zk.connected' }, { type: 'zk.expired' }, { type: 'zk.authFailed' }, { type: 'zk.close' },
];
const traversal = {
  events: eventsOf,
  serializeState: (s: any) => key(s),
  serializeEvent: (e: AnyEventObject) => e.type,
  filterEvents: (s: any, e: AnyEventObject) => {
    if (s.status !== 'active' || !s.can(e)) return false;
    if (e.type === 'zk.expired' && s.context.expiredCount >= MAX_EXPIRIES) return false;
    if (e.type === `xstate.error.actor.${RECONNECT}` && s.context.reconnectAttempt >= MAX_FAILS) return false;
    return true;
  },
  input: modelInput,
};
const { logic, model, adjacency, shortest, picked, completion: loops, paths } = planMachinePaths(zookeeperClientMachine, traversal, key, MAX_LENGTH);

/** What the parent must receive for one model step, from the transition alone. */
function expectedParentEvents(step: ModelStep, prev: ModelStep): string[] {
  const t = step.event.type;
  const next = step.state;
  if (t === `xstate.done.actor.${PATHS}`) return ['zk.ready'];
  if (t.startsWith('xstate.error.actor.') && next.value === 'failed') return ['zk.failed'];
  if (t === 'zk.disconnected') return ['zk.degraded'];
  if (t === 'zk.connected') return ['zk.recovered'];
  if (t === 'zk.expired') return ['zk.sessionExpired'];
  if (t === 'zk.authFailed') return ['zk.authFailed'];
  // A new session ends an outage the expiry came in.
  if (t === `xstate.done.actor.${RECONNECT}`) return prev.state.context.degradedSince !== null ? ['zk.sessionReinitialized', 'zk.recovered'] : ['zk.sessionReinitialized'];
  return [];
}

function sut() {
  const opens: Array<Deferred<string> & { signal: AbortSignal; settled: boolean }> = [];
  const creates: Array<Deferred<void>> = [];
  let watchers = 0;
  let sendBack: ((e: AnyEventObject) => void) | null = null;
  let closes = 0;
  const warnings: string[] = [];
  const real = (zookeeperClientMachine.implementations.delays as any).reconnectBackoff as (a: unknown) => number;
  const machine = zookeeperClientMachine.provide({
    actors: {
      openSession: fromPromise<string, any>(({ signal }) => {
        const d = Object.assign(deferred<string>(), { signal, settled: false });
        opens.push(d);
        return d.promise.finally(() => { d.settled = true; });
      }),
      createPersistentPaths: fromPromise<void, any>(() => { const d = deferred<void>(); creates.push(d); return d.promise; }),
      sessionEvents: fromCallback(({ sendBack: sb }) => {
        watchers++;
        sendBack = sb as typeof sendBack;
        return () => { watchers--; sendBack = null; };
      }),
    },
    delays: { reconnectBackoff: (a: any) => real(a) / SCALE },
  });
  const log = { info() {}, warn: (_o: unknown, msg: string) => { warnings.push(msg); }, error() {}, debug() {} };
  const handle = { connectString: 'zk:2181', close: () => { closes++; } };
  const h = underParent(machine as any, { ...modelInput, handle, log });
  return {
    h, opens, creates, warnings,
    watchers: () => watchers,
    closes: () => closes,
    session: (e: AnyEventObject) => { if (!sendBack) throw new Error(`no session watcher running to send ${e.type}`); sendBack(e); },
    snap: () => h.child().getSnapshot() as any,
    parentEvents: () => (h.actor.getSnapshot().context.events as AnyEventObject[]).filter((e) => e.type.startsWith('zk.')),
  };
}

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

async function run(path: ModelPath) {
  const s = sut();
  let failsInRow = 0; // consecutive reconnect failures, the test's own count
  let parentSeen = 0;
  const exec = async (step: ModelStep) => {
    const e = step.event;
    switch (e.type) {
      case 'xstate.init': await flush(); return;
      case `xstate.done.actor.${CONNECT}`:
      case `xstate.done.actor.${RECONNECT}`: s.opens.at(-1)!.resolve(e.output); failsInRow = 0; await flush(); return;
      case `xstate.error.actor.${CONNECT}`: s.opens.at(-1)!.reject(e.error); await flush(); return;
      case `xstate.error.actor.${RECONNECT}`: s.opens.at(-1)!.reject(e.error); failsInRow++; await flush(); return;
      case `xstate.done.actor.${PATHS}`: s.creates.at(-1)!.resolve(); await flush(); return;
      case `xstate.error.actor.${PATHS}`: s.creates.at(-1)!.reject(e.error); await flush(); return;
      case BACKOFF: {
        const ms = Math.min(500 * 2 ** (failsInRow - 1), 10_000) / SCALE; // 500 ms after the first failure, doubling, capped
        await vi.advanceTimersByTimeAsync(ms - 1);
        expect(s.snap().value, `back-off fired before ${ms} ms`).toBe('backoff');
        await vi.advanceTimersByTimeAsync(1);
        return;
      }
      case AUTH_RETRY: {
        await vi.advanceTimersByTimeAsync(999); // Kafka's RetryBackoffMs
        expect(s.snap().value, 'reinitialised before 1 s after the auth failure').toBe('authFailed');
        await vi.advanceTimersByTimeAsync(1);
        return;
      }
      case WAITLOG: {
        const before = s.warnings.filter((w) => w.startsWith('Still waiting')).length;
        await vi.advanceTimersByTimeAsync(WAIT_LOG_MS);
        expect(s.warnings.filter((w) => w.startsWith('Still waiting')).length).toBe(before + 1);
        return;
      }
      case 'zk.close': s.h.send(e); await flush(); return;
      default: s.session(e); await flush();
    }
  };
  const check = (step: ModelStep, i: number) => {
    const snap = s.snap();
    expect(snap.value, 'state').toEqual(step.state.value);
    expect(snap.status, 'status').toBe(step.state.status);
    const all = s.parentEvents();
    const fresh = all.slice(parentSeen).map((e) => e.type);
    parentSeen = all.length;
    expect(fresh, 'events sent to the parent by this step').toEqual(i === 0 ? [] : expectedParentEvents(step, path.steps[i - 1]!));
    expect(s.watchers(), 'session watchers running').toBe(snap.status === 'active' && snap.matches('session') ? 1 : 0);
    const running = s.opens.filter((d) => !d.settled && !d.signal.aborted).length;
    const inOpen = snap.status === 'active' && (snap.matches('connecting') || snap.matches('reconnecting'));
    expect(running, 'openSession calls still running un-aborted').toBe(inOpen ? 1 : 0);
    expect(snap.context.expiredCount).toBe(step.state.context.expiredCount);
  };
  const finish = () => {
    const ev = s.parentEvents();
    const types = ev.map((e) => e.type);
    const count = (t: string) => types.filter((x) => x === t).length;
    expect(count('zk.ready'), 'zk.ready at most once').toBeLessThanOrEqual(1);
    expect(count('zk.ready') + count('zk.failed'), 'never both ready and failed').toBeLessThanOrEqual(1);
    if (count('zk.ready')) expect(types[0], 'zk.ready comes first').toBe('zk.ready');
    let outage = false;
    let expiredOpen = false;
    for (const e of ev) {
      if (e.type === 'zk.degraded') { expect(outage, 'degraded while already degraded').toBe(false); outage = true; }
      if (e.type === 'zk.recovered') { expect(outage, 'recovered without an outage').toBe(true); outage = false; }
      if (e.type === 'zk.sessionExpired' || e.type === 'zk.authFailed') { expect(expiredOpen, 'session lost twice without a new one').toBe(false); expiredOpen = true; }
      if (e.type === 'zk.sessionReinitialized') {
        expect(expiredOpen, 'reinitialized without an expiry').toBe(true);
        expiredOpen = false;
      }
      if (e.type === 'zk.ready') expect(e.sessionId).toBe('s1');
    }
    const reinits = ev.filter((e) => e.type === 'zk.sessionReinitialized').map((e) => e.sessionId);
    const opened = path.steps.filter((st) => st.event.type === `xstate.done.actor.${RECONNECT}`).map((st) => (st.event as { output?: string }).output);
    expect(reinits, 'one zk.sessionReinitialized per new session, with its id').toEqual(opened);
    const end = path.steps.at(-1)!.state;
    if (end.status === 'active') expect(end.context.degradedSince !== null, 'the parent saw an outage that has not ended iff the machine is in one').toBe(outage);
    const last = path.steps.at(-1)!.state;
    expect(s.closes(), 'handle closed exactly once iff closed').toBe(last.value === 'closed' ? 1 : 0);
    const finalAt = types.findIndex((t) => t === 'zk.failed');
    if (finalAt >= 0) expect(finalAt, 'nothing after zk.failed').toBe(types.length - 1);
    s.h.actor.stop();
  };
  await replay(path, exec, check, finish);
}

describe(`zookeeper-client model (${paths.length} paths: ${picked.shortest.length} shortest, ${picked.simple.length} simple ≤ ${MAX_LENGTH}, ${loops.length} for the remaining edges)`, () => {
  it('the paths take every edge of the bounded model graph', () => {
    const all = allEdges(adjacency, key);
    const taken = edgesOf(paths, key);
    expect([...all].filter((e) => !taken.has(e))).toEqual([]);
    const values = new Set(paths.flatMap((p) => p.steps.map((st) => JSON.stringify(st.state.value))));
    for (const v of ['"connecting"', '"creatingPaths"', '{"session":"watching"}', '{"session":"degraded"}', '"reconnecting"', '"backoff"', '"authFailed"', '"failed"', '"closed"']) {
      expect(values.has(v), v).toBe(true);
    }
  });

  for (const p of paths) {
    it(sequence(p), () => run(p));
  }
});
