/**
 * Model-based test of one consumer group (the classic-group machine + classic-group.ts), driven as
 * two clients would drive it.
 *
 * Why an abstract model (approach A) and not the chart itself: the group logic mutates its
 * GroupData in place (context.g), so traversing the real machine would share one GroupData
 * between all snapshots; and what matters here are the clients' sequences, not the chart's events.
 * The model (`clients` below) is what the two dynamic members A and B believe: out / joining
 * (JoinGroup sent) / joined (got a generation) / synced, and whether the group was unloaded.
 * Events: JOIN_x, SYNC_x, HB_x, LEAVE_x, EXPIRE_x (x stops heartbeating past its session timeout
 * while the other keeps going), TICK (time passes until the pending rebalance completes: the initial
 * delay, or the rebalance timeout; live members heartbeat), WAIT (a whole rebalance timeout passes:
 * members that never sync are expired), UNLOAD (the coordinator loses the group: the "crash"), DELETE,
 * STORE_DOWN / STORE_UP (__consumer_offsets refuses writes: the leader's assignment cannot be stored).
 * The model only chooses meaningful sequences; the executors drive the real actor with the
 * member ids, generations and leader member lists the real replies gave, so a wrong belief costs
 * nothing but a less interesting path.
 *
 * Paths: one shortest path to every model state, shortest-path + edge for every edge (so every
 * client action is tried in every belief state), and bounded simple paths (DFS, no repeated model
 * state, at most MAX_LENGTH events; MAX_LENGTH 7 allows join A, join B, tick, sync ×2, expire, tick:
 * a second generation after a failure); more than MAX_SIMPLE of them: an evenly spaced sample.
 *
 * After every step, Kafka's invariants on the real group: the machine's state and g.state agree;
 * Empty has no members; while Stable exactly one leader, a member, and every member has its
 * assignment from the leader; CompletingRebalance/Stable have a leader among the members;
 * pendingSync ⊆ members; the generation never decreases and grows by exactly one per completed
 * rebalance (completingJoin → CompletingRebalance | Empty, seen by the inspector's microsteps); every reply is given at most once; join
 * replies of a completed round carry the group's generation and, for the leader, every member;
 * Dead rejects joins, syncs and heartbeats (COORDINATOR_NOT_AVAILABLE). At the end the group is
 * unloaded and every request must have been answered.
 */
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { createActor, setup, assign, type AnyEventObject } from 'xstate';
import { createTestModel, getAdjacencyMap } from 'xstate/graph';
import { classicGroupMachine } from '../../src/machines/group-coordinator.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { DEFAULT_GROUP_CONFIG, type GroupConfig, type JoinResult } from '../../src/services/group/classic-group.js';
import { FULL, replay, flush, edgeCompletion, boundedSimplePaths, edgesOf, allEdges, sequence, type Adjacency, type ModelPath, type ModelStep } from './support/model.js';

const MAX_LENGTH = FULL ? 9 : 7;
const MAX_SIMPLE = FULL ? 5000 : 400;
const SESSION = 10_000;
const REBALANCE = 30_000;
const CFG: GroupConfig = { ...DEFAULT_GROUP_CONFIG, initialRebalanceDelayMs: 100 };

type Belief = 'out' | 'joining' | 'joined' | 'synced';
type X = 'A' | 'B';
const other = (x: X): X => (x === 'A' ? 'B' : 'A');

const live = (b: Belief) => b !== 'out';
const clients = setup({
  types: {} as { context: { A: Belief; B: Belief; dead: boolean; storeDown: boolean }; events: AnyEventObject },
}).createMachine({
  context: { A: 'out', B: 'out', dead: false, storeDown: false },
  on: {
    JOIN_A: { guard: ({ context }) => context.A !== 'joining', actions: assign({ A: ({ context }) => (context.dead ? 'out' : 'joining') }) },
    JOIN_B: { guard: ({ context }) => context.B !== 'joining', actions: assign({ B: ({ context }) => (context.dead ? 'out' : 'joining') }) },
    SYNC_A: { guard: ({ context }) => context.A === 'joined', actions: assign({ A: ({ context }) => (context.storeDown ? 'out' : 'synced') }) },
    SYNC_B: { guard: ({ context }) => context.B === 'joined', actions: assign({ B: ({ context }) => (context.storeDown ? 'out' : 'synced') }) },
    // __consumer_offsets stops taking writes: the leader's SyncGroup cannot store the assignment
    STORE_DOWN: { guard: ({ context }) => !context.storeDown && !context.dead, actions: assign({ storeDown: true }) },
    STORE_UP: { guard: ({ context }) => context.storeDown, actions: assign({ storeDown: false }) },
    HB_A: { guard: ({ context }) => context.A === 'joined' || context.A === 'synced' },
    HB_B: { guard: ({ context }) => context.B === 'joined' || context.B === 'synced' },
    LEAVE_A: { guard: ({ context }) => live(context.A), actions: assign({ A: 'out' }) },
    LEAVE_B: { guard: ({ context }) => live(context.B), actions: assign({ B: 'out' }) },
    EXPIRE_A: { guard: ({ context }) => live(context.A), actions: assign({ A: 'out' }) },
    EXPIRE_B: { guard: ({ context }) => live(context.B), actions: assign({ B: 'out' }) },
    TICK: {
      guard: ({ context }) => context.A === 'joining' || context.B === 'joining',
      actions: assign({ A: ({ context }) => (context.A === 'joining' ? 'joined' : context.A), B: ({ context }) => (context.B === 'joining' ? 'joined' : context.B) }),
    },
    // Long silence of the clients' SyncGroups: a generation whose members did not sync expires them.
    WAIT: {
      guard: ({ context }) => live(context.A) || live(context.B),
      actions: assign({
        A: ({ context }) => (context.A === 'joining' ? 'joined' : context.A === 'joined' ? 'out' : context.A),
        B: ({ context }) => (context.B === 'joining' ? 'joined' : context.B === 'joined' ? 'out' : context.B),
      }),
    },
    UNLOAD: { guard: ({ context }) => !context.dead, actions: assign({ A: 'out', B: 'out', dead: true }) },
    DELETE: {},
  },
});
const EVENTS = ['JOIN_A', 'JOIN_B', 'SYNC_A', 'SYNC_B', 'HB_A', 'HB_B', 'LEAVE_A', 'LEAVE_B', 'EXPIRE_A', 'EXPIRE_B', 'TICK', 'WAIT', 'UNLOAD', 'DELETE', 'STORE_DOWN', 'STORE_UP'].map((type) => ({ type }));

type Snap = ModelStep['state'];
const key = (s: Snap) => JSON.stringify(s.context);
const traversal = { events: EVENTS, serializeState: (s: any) => key(s), serializeEvent: (e: AnyEventObject) => e.type, filterEvents: (s: any, e: AnyEventObject) => s.can(e) };
const model = createTestModel(clients, traversal as any);
const adjacency = getAdjacencyMap(clients, traversal as any) as Adjacency;
const shortest = model.getShortestPaths() as unknown as ModelPath[];
const allShortest = model.getShortestPaths({ allowDuplicatePaths: true } as any) as unknown as ModelPath[];
const edgePaths = edgeCompletion(adjacency, allShortest, shortest, key);

const { sample: simple, total: simpleTotal } = boundedSimplePaths(adjacency, allShortest.find((p) => p.steps.length === 1)!, key, MAX_LENGTH, MAX_SIMPLE);
const paths = [...shortest, ...edgePaths, ...simple];

// ----------------------------------------------------------------------------------------------- the system

interface Req { what: string; replies: number; result?: unknown }

function sut() {
  const stored: unknown[] = [];
  let storeDown = false;
  // Every microstep's top-level state (the transient completingJoin included), from the inspector.
  const top: string[] = [];
  const actor = createActor(classicGroupMachine, {
    input: { groupId: 'g', cfg: CFG, store: (_id, v) => { if (storeDown) return ErrorCode.COORDINATOR_NOT_AVAILABLE; stored.push(v); return ErrorCode.NONE; } },
    inspect: (ev: any) => {
      if (ev.type !== '@xstate.microstep') return; // the group actor has no children: all microsteps are its own
      const value = ev.snapshot.value;
      const v = typeof value === 'string' ? value : Object.keys(value)[0]!;
      if (top.at(-1) !== v) top.push(v);
    },
  });
  actor.start();
  const reqs: Req[] = [];
  const m: Record<X, { id: string | null; gen: number; members: string[] | null; silent: boolean }> = {
    A: { id: null, gen: -1, members: null, silent: false },
    B: { id: null, gen: -1, members: null, silent: false },
  };
  const joinResults: Array<{ r: JoinResult; genAtReply: number; membersAtReply: string[] }> = [];
  const g = () => actor.getSnapshot().context.g;
  const req = (what: string) => { const r: Req = { what, replies: 0 }; reqs.push(r); return r; };
  const join = (x: X) => {
    const r = req(`join ${x}`);
    actor.send({
      type: 'group.join',
      req: { memberId: m[x].id ?? '', groupInstanceId: null, clientId: x, clientHost: '/h', sessionTimeoutMs: SESSION, rebalanceTimeoutMs: REBALANCE, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('m') }], requireKnownMemberId: false },
      reply: (res) => {
        r.replies++; r.result = res;
        if (res.errorCode === ErrorCode.NONE) {
          m[x].id = res.memberId; m[x].gen = res.generationId; m[x].members = res.leader === res.memberId ? res.members.map((y) => y.memberId) : null;
          joinResults.push({ r: res, genAtReply: g().generationId, membersAtReply: [...g().members.keys()] });
        } else if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) m[x].id = null;
      },
    });
    return r;
  };
  const heartbeat = (x: X) => {
    const r = req(`heartbeat ${x}`);
    actor.send({ type: 'group.heartbeat', req: { memberId: m[x].id ?? 'nobody', groupInstanceId: null, generationId: m[x].gen }, reply: (c) => { r.replies++; r.result = c; if (c === ErrorCode.UNKNOWN_MEMBER_ID) m[x].id = null; } });
    return r;
  };
  /** Let `ms` pass in 3 s slices, heartbeating every live, non-silent member. */
  const pass = async (ms: number, slice = 3000) => {
    for (let t = 0; t < ms; t += slice) {
      await vi.advanceTimersByTimeAsync(Math.min(slice, ms - t));
      if (Math.floor((t + slice) / 3000) > Math.floor(t / 3000)) for (const x of ['A', 'B'] as X[]) if (m[x].id && !m[x].silent) heartbeat(x);
    }
  };
  return { actor, g, top, reqs, m, joinResults, stored, req, join, heartbeat, pass, setStoreDown: (v: boolean) => { storeDown = v; } };
}

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

/** Real group states seen after some step of some path (checked last: the invariants must not be vacuous). */
const reached = new Set<string>();
let storeFailuresSeen = 0;

async function run(path: ModelPath) {
  const s = sut();
  let lastGen = 0;
  let topSeen = 0;
  let joinSeen = 0;
  const exec = async (step: ModelStep) => {
    const t = step.event.type;
    const x = t.slice(-1) as X;
    if (t.startsWith('JOIN_')) {
      const wasDead = s.g().state === 'Dead';
      const r = s.join(x);
      await flush();
      if (wasDead) expect(r.result && (r.result as JoinResult).errorCode, 'Dead rejects joins').toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    } else if (t.startsWith('SYNC_')) {
      const r = s.req(`sync ${x}`);
      const assignments = (s.m[x].members ?? []).map((id) => ({ memberId: id, assignment: Buffer.from(`a-${id}`) }));
      const leaderInCompleting = s.g().state === 'CompletingRebalance' && s.g().leaderId === s.m[x].id;
      s.actor.send({ type: 'group.sync', req: { memberId: s.m[x].id ?? 'nobody', groupInstanceId: null, generationId: s.m[x].gen, protocolType: null, protocolName: null, assignments }, reply: (res) => { r.replies++; r.result = res; } });
      await flush();
      if (leaderInCompleting && step.state.context.storeDown) {
        storeFailuresSeen++;
        expect(s.g().state, 'an assignment that could not be stored: rebalance again').toBe('PreparingRebalance');
        expect((r.result as { errorCode: number }).errorCode, 'the leader learns the store error').toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    } else if (t.startsWith('HB_')) {
      const wasDead = s.g().state === 'Dead';
      const r = s.heartbeat(x);
      if (wasDead) expect(r.result, 'Dead rejects heartbeats').toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      await flush();
    } else if (t.startsWith('LEAVE_')) {
      const r = s.req(`leave ${x}`);
      s.actor.send({ type: 'group.leave', members: [{ memberId: s.m[x].id ?? 'nobody', groupInstanceId: null }], reply: (c) => { r.replies++; r.result = c; } });
      s.m[x].id = null;
      await flush();
    } else if (t.startsWith('EXPIRE_')) {
      s.m[x].silent = true;
      await s.pass(SESSION + 3000);
      s.m[x].silent = false;
      s.m[x].id = null; // the client learns UNKNOWN_MEMBER_ID and starts over
    } else if (t === 'TICK') {
      // until the pending round completes (initial delay, or everyone rejoined, or the rebalance timeout)
      for (let waited = 0; s.g().state === 'PreparingRebalance' && waited <= REBALANCE + 3000; waited += 3000) await s.pass(3000, 100);
    } else if (t === 'WAIT') {
      await s.pass(REBALANCE + 3000);
    } else if (t === 'STORE_DOWN' || t === 'STORE_UP') {
      s.setStoreDown(t === 'STORE_DOWN');
    } else if (t === 'UNLOAD') {
      s.actor.send({ type: 'group.unload' });
      await flush();
    } else if (t === 'DELETE') {
      const r = s.req('delete');
      const before = s.g().state;
      s.actor.send({ type: 'group.delete', reply: (c) => { r.replies++; r.result = c; } });
      await flush();
      const want = before === 'Empty' ? ErrorCode.NONE : before === 'Dead' ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NON_EMPTY_GROUP;
      expect(r.result, `DeleteGroups in ${before}`).toBe(want);
    }
  };
  const check = () => {
    const snap = s.actor.getSnapshot();
    const g = s.g();
    const top = typeof snap.value === 'string' ? snap.value : Object.keys(snap.value)[0];
    expect(g.state, 'GroupData.state mirrors the machine state').toBe(top);
    reached.add(g.state);
    const members = [...g.members.keys()];
    if (g.state === 'Empty') expect(members, 'Empty has no members').toEqual([]);
    if (g.state === 'Stable') {
      expect(g.leaderId !== null && g.members.has(g.leaderId), 'Stable: exactly one leader, a member').toBe(true);
      for (const mm of g.members.values()) expect(mm.assignment.toString(), `Stable: member ${mm.memberId} has its assignment`).toBe(`a-${mm.memberId}`);
    }
    if (g.state === 'CompletingRebalance') expect(g.leaderId !== null && g.members.has(g.leaderId), 'CompletingRebalance: leader is a member').toBe(true);
    for (const id of g.pendingSync) expect(g.members.has(id), 'pendingSync ⊆ members').toBe(true);
    // generation: never down, +1 per completed rebalance (completingJoin → CompletingRebalance | Empty; a retry goes back)
    const moves = s.top.slice(Math.max(0, topSeen - 1));
    let rounds = 0;
    for (let i = 1; i < moves.length; i++) if (moves[i - 1] === 'completingJoin' && (moves[i] === 'CompletingRebalance' || moves[i] === 'Empty')) rounds++;
    topSeen = s.top.length;
    expect(g.generationId - lastGen, `generation +1 per completed rebalance (states ${moves.join(' → ')})`).toBe(rounds);
    lastGen = g.generationId;
    for (const r of s.reqs) expect(r.replies, `${r.what} answered at most once`).toBeLessThanOrEqual(1);
    for (const j of s.joinResults.slice(joinSeen)) {
      if (j.r.generationId !== j.genAtReply) continue; // an older generation's answer, re-sent (CompletingRebalance)
      if (j.r.leader === j.r.memberId) expect([...j.r.members.map((y) => y.memberId)].sort(), 'the leader is told every member').toEqual([...j.membersAtReply].sort());
    }
    joinSeen = s.joinResults.length;
  };
  const finish = async () => {
    s.actor.send({ type: 'group.unload' });
    await flush();
    expect(s.g().state).toBe('Dead');
    for (const r of s.reqs) expect(r.replies, `${r.what} answered exactly once by the end`).toBe(1);
    const r = s.join('A');
    await flush();
    expect((r.result as JoinResult).errorCode, 'Dead rejects joins').toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    s.actor.stop();
  };
  await replay(path, exec, check, finish);
}

describe(`group model (${paths.length} paths: ${shortest.length} shortest, ${edgePaths.length} for the remaining edges, ${simple.length} of ${simpleTotal} simple ≤ ${MAX_LENGTH})`, () => {
  it('the paths take every edge of the client model', () => {
    const taken = edgesOf(paths, key);
    expect([...allEdges(adjacency, key)].filter((e) => !taken.has(e))).toEqual([]);
  });
  for (const p of paths) it(sequence(p), () => run(p));
  it('the replays reached every group state', () => {
    expect([...reached].sort()).toEqual(['CompletingRebalance', 'Dead', 'Empty', 'PreparingRebalance', 'Stable']);
    expect(storeFailuresSeen, "leader SyncGroups whose assignment could not be stored").toBeGreaterThan(0);
  });
});
