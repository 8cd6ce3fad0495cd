import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { classicGroupMachine, standaloneGroupActor } from '../../src/machines/group-coordinator.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { DEFAULT_GROUP_CONFIG, type GroupConfig, type JoinResult, type SyncResult } from '../../src/services/group/classic-group.js';
import type { GroupValue } from '../../src/services/group/offsets-records.js';

const CFG: GroupConfig = { ...DEFAULT_GROUP_CONFIG, initialRebalanceDelayMs: 100 };

function group(cfg: Partial<GroupConfig> = {}) {
  const stored: GroupValue[] = [];
  const actor = createActor(classicGroupMachine, {
    input: { groupId: 'g', cfg: { ...CFG, ...cfg }, store: (_id, v) => { stored.push(v); return ErrorCode.NONE; } },
  }).start();
  const state = () => actor.getSnapshot().context.g.state;
  const value = () => actor.getSnapshot().value;
  const join = (memberId: string, o: { protocols?: Array<[string, string]>; instance?: string | null; v4?: boolean; session?: number; rebalance?: number; clientId?: string } = {}) => {
    let result: JoinResult | null = null;
    const p = new Promise<JoinResult>((resolve) => {
      actor.send({
        type: 'group.join',
        req: {
          memberId, groupInstanceId: o.instance ?? null, clientId: o.clientId ?? 'client', clientHost: '/127.0.0.1',
          sessionTimeoutMs: o.session ?? 10_000, rebalanceTimeoutMs: o.rebalance ?? 30_000, protocolType: 'consumer',
          protocols: (o.protocols ?? [['range', 'meta']]).map(([name, m]) => ({ name, metadata: Buffer.from(m) })),
          requireKnownMemberId: o.v4 ?? false,
        },
        reply: (r) => { result = r; resolve(r); },
      });
    });
    return { p, now: () => result };
  };
  const sync = (memberId: string, generationId: number, assignments: Array<[string, string]> = []) => {
    let result: SyncResult | null = null;
    const p = new Promise<SyncResult>((resolve) => {
      actor.send({
        type: 'group.sync',
        req: { memberId, groupInstanceId: null, generationId, protocolType: null, protocolName: null, assignments: assignments.map(([m, a]) => ({ memberId: m, assignment: Buffer.from(a) })) },
        reply: (r) => { result = r; resolve(r); },
      });
    });
    return { p, now: () => result };
  };
  const heartbeat = (memberId: string, generationId: number, instance: string | null = null) => {
    let code = -999;
    actor.send({ type: 'group.heartbeat', req: { memberId, groupInstanceId: instance, generationId }, reply: (c) => { code = c; } });
    return code;
  };
  const leave = (members: Array<{ memberId: string; groupInstanceId: string | null }>) => {
    let codes: number[] = [];
    actor.send({ type: 'group.leave', members, reply: (c) => { codes = c; } });
    return codes;
  };
  return { actor, state, value, join, sync, heartbeat, leave, stored };
}

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

describe('classic group machine', () => {
  it('first join of an empty group waits group.initial.rebalance.delay.ms, then generation 1 with the joiner as leader', async () => {
    const g = group();
    expect(g.state()).toBe('Empty');
    const a = g.join('');
    expect(g.state()).toBe('PreparingRebalance');
    expect(g.value()).toEqual({ PreparingRebalance: 'initialDelay' });
    await vi.advanceTimersByTimeAsync(99);
    expect(a.now()).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    const r = await a.p;
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.generationId).toBe(1);
    expect(r.leader).toBe(r.memberId);
    expect(r.memberId.startsWith('client-')).toBe(true);
    expect(r.protocolName).toBe('range');
    expect(r.members.map((m) => m.memberId)).toEqual([r.memberId]);
    expect(g.state()).toBe('CompletingRebalance');
    const s = g.sync(r.memberId, 1, [[r.memberId, 'A']]);
    expect((await s.p).assignment.toString()).toBe('A');
    expect(g.state()).toBe('Stable');
    expect(g.stored.at(-1)!.members[0]!.assignment.toString()).toBe('A');
  });

  it('the initial delay is extended while new members arrive (bounded by the rebalance timeout)', async () => {
    const g = group();
    const a = g.join('', { rebalance: 250 });
    await vi.advanceTimersByTimeAsync(90);
    const b = g.join('', { rebalance: 250 });
    await vi.advanceTimersByTimeAsync(20); // first delay over, new member → one more delay
    expect(a.now()).toBeNull();
    await vi.advanceTimersByTimeAsync(100);
    const [ra, rb] = await Promise.all([a.p, b.p]);
    expect(ra.generationId).toBe(1);
    expect(rb.generationId).toBe(1);
    expect(ra.leader).toBe(ra.memberId);
    expect(ra.members).toHaveLength(2);
    expect(rb.members).toHaveLength(0);
  });

  it('v4+: MEMBER_ID_REQUIRED first, then the join with the given id', async () => {
    const g = group();
    const first = await g.join('', { v4: true }).p;
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).not.toBe('');
    expect(g.state()).toBe('Empty');
    const second = g.join(first.memberId, { v4: true });
    await vi.advanceTimersByTimeAsync(100);
    expect((await second.p).memberId).toBe(first.memberId);
    // an unknown (made-up) member id is rejected
    expect((await g.join('nobody').p).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  async function stableOfTwo() {
    const g = group();
    const a = g.join('');
    const b = g.join('');
    await vi.advanceTimersByTimeAsync(200); // the second member extended the initial delay once
    const [ra, rb] = await Promise.all([a.p, b.p]);
    const leader = ra.leader === ra.memberId ? ra : rb;
    const follower = leader === ra ? rb : ra;
    const fs = g.sync(follower.memberId, 1);
    expect(fs.now()).toBeNull(); // followers wait for the leader
    const ls = g.sync(leader.memberId, 1, [[leader.memberId, 'L'], [follower.memberId, 'F']]);
    expect((await fs.p).assignment.toString()).toBe('F');
    expect((await ls.p).assignment.toString()).toBe('L');
    expect(g.state()).toBe('Stable');
    return { g, leader: leader.memberId, follower: follower.memberId };
  }

  it('heartbeat errors: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS', async () => {
    const { g, leader, follower } = await stableOfTwo();
    expect(g.heartbeat(leader, 1)).toBe(ErrorCode.NONE);
    expect(g.heartbeat('x', 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(g.heartbeat(leader, 7)).toBe(ErrorCode.ILLEGAL_GENERATION);
    const c = g.join('');
    expect(g.state()).toBe('PreparingRebalance');
    expect(g.heartbeat(follower, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    // everyone rejoins → generation 2 without waiting for the rebalance timeout
    const rl = g.join(leader);
    const rf = g.join(follower);
    const [r1, r2, r3] = await Promise.all([rl.p, rf.p, c.p]);
    expect([r1.generationId, r2.generationId, r3.generationId]).toEqual([2, 2, 2]);
    expect(r1.members).toHaveLength(3);
  });

  it('session timeout expires a silent member and rebalances; members that do not rejoin in time are dropped', async () => {
    const { g, leader, follower } = await stableOfTwo();
    for (let i = 0; i < 2; i++) { await vi.advanceTimersByTimeAsync(4000); expect(g.heartbeat(leader, 1)).toBe(ErrorCode.NONE); }
    expect(g.state()).toBe('Stable');
    await vi.advanceTimersByTimeAsync(3000);
    // follower silent for 11s > 10s session
    expect(g.state()).toBe('PreparingRebalance');
    expect(g.heartbeat(follower, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const r = await g.join(leader).p;
    expect(r.generationId).toBe(2);
    expect(r.members.map((m) => m.memberId)).toEqual([leader]);
  });

  it('rebalance timeout: a member that does not rejoin is removed', async () => {
    const { g, leader, follower } = await stableOfTwo();
    const rl = g.join(leader, { protocols: [['range', 'changed']] });
    // follower keeps heartbeating (REBALANCE_IN_PROGRESS) but never rejoins within the 30 s rebalance timeout
    for (let i = 0; i < 9; i++) { await vi.advanceTimersByTimeAsync(3000); expect(g.heartbeat(follower, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS); }
    expect(rl.now()).toBeNull();
    for (let i = 0; i < 2; i++) { await vi.advanceTimersByTimeAsync(2000); g.heartbeat(follower, 1); }
    const r = await rl.p;
    expect(r.generationId).toBe(2);
    expect(r.members.map((m) => m.memberId)).toEqual([leader]);
    expect(g.heartbeat(follower, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('LeaveGroup: batched members, unknown ones get UNKNOWN_MEMBER_ID; last one out → Empty', async () => {
    const { g, leader, follower } = await stableOfTwo();
    expect(g.leave([{ memberId: follower, groupInstanceId: null }, { memberId: 'ghost', groupInstanceId: null }])).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(g.state()).toBe('PreparingRebalance');
    const r = await g.join(leader).p;
    expect(r.generationId).toBe(2);
    expect(g.leave([{ memberId: leader, groupInstanceId: null }])).toEqual([ErrorCode.NONE]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(g.state()).toBe('Empty');
    expect(g.actor.getSnapshot().context.g.generationId).toBe(3);
  });

  it('protocol selection: the protocol all members support, by votes', async () => {
    const g = group();
    const a = g.join('', { protocols: [['roundrobin', 'x'], ['range', 'x']] });
    const b = g.join('', { protocols: [['range', 'x'], ['roundrobin', 'x']] });
    const c = g.join('', { protocols: [['range', 'x'], ['sticky', 'x']] });
    const bad = await g.join('', { protocols: [['sticky', 'x']] }).p;
    expect(bad.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    await vi.advanceTimersByTimeAsync(300);
    expect((await a.p).protocolName).toBe('range');
    await b.p; await c.p;
  });

  it('group.max.size: GROUP_MAX_SIZE_REACHED beyond it', async () => {
    const g = group({ maxSize: 2 });
    const a = g.join(''); const b = g.join('');
    const c = await g.join('').p;
    expect(c.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    await vi.advanceTimersByTimeAsync(200);
    expect((await a.p).members).toHaveLength(2);
    await b.p;
  });

  it('static membership: rejoin with the same instance id takes the member over without a rebalance; the old id is fenced', async () => {
    const g = group();
    const a = g.join('', { instance: 'i-1' });
    await vi.advanceTimersByTimeAsync(100);
    const ra = await a.p;
    await g.sync(ra.memberId, 1, [[ra.memberId, 'A']]).p;
    expect(g.state()).toBe('Stable');
    const again = await g.join('', { instance: 'i-1' }).p;
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.memberId).not.toBe(ra.memberId);
    expect(again.generationId).toBe(1);
    expect(again.leader).toBe(ra.memberId); // the old leader id: no trivial reassignment
    expect(g.state()).toBe('Stable');
    expect(g.heartbeat(ra.memberId, 1, 'i-1')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(g.heartbeat(again.memberId, 1, 'i-1')).toBe(ErrorCode.NONE);
    expect((await g.sync(again.memberId, 1).p).assignment.toString()).toBe('A');
  });

  it('SyncGroup errors and a rebalance during CompletingRebalance answers waiting followers REBALANCE_IN_PROGRESS', async () => {
    const g = group();
    const a = g.join(''); const b = g.join('');
    await vi.advanceTimersByTimeAsync(200);
    const [ra, rb] = await Promise.all([a.p, b.p]);
    const follower = ra.leader === ra.memberId ? rb : ra;
    expect((await g.sync('nobody', 1).p).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await g.sync(follower.memberId, 5).p).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const fs = g.sync(follower.memberId, 1);
    g.join(''); // a newcomer
    expect((await fs.p).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(g.state()).toBe('PreparingRebalance');
  });

  it('a static member that does not rejoin stays through the rebalance (no crash), the joined one leads', async () => {
    const g = group();
    const a = g.join('', { instance: 'i-a' });
    const b = g.join('', { instance: 'i-b' });
    await vi.advanceTimersByTimeAsync(200);
    const [ra, rb] = await Promise.all([a.p, b.p]);
    await g.sync(ra.memberId, 1); await g.sync(rb.memberId, 1);
    const leader = ra.leader;
    const other = leader === ra.memberId ? rb : ra;
    // only the non-leader rejoins; the leader (static) stays silent past the rebalance timeout
    for (let i = 0; i < 3; i++) { await vi.advanceTimersByTimeAsync(3000); g.heartbeat(leader, 1); }
    const rj = g.join(other.memberId, { instance: other === ra ? 'i-a' : 'i-b', protocols: [['range', 'changed']] });
    for (let i = 0; i < 11; i++) { await vi.advanceTimersByTimeAsync(3000); g.heartbeat(leader, 1); }
    const r = await rj.p;
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.generationId).toBe(2);
    expect(r.leader).toBe(other.memberId);
    expect(g.actor.getSnapshot().context.g.members.has(leader)).toBe(true);
  });

  it('50 members (v4 two-step joins) form one generation; all sync; one leader; everyone gets its own assignment', async () => {
    const g = group();
    const ids = await Promise.all(Array.from({ length: 50 }, () => g.join('', { v4: true }).p.then((r) => r.memberId)));
    const joins = ids.map((id) => g.join(id, { v4: true }));
    await vi.advanceTimersByTimeAsync(100 * 60);
    const results = await Promise.all(joins.map((j) => j.p));
    expect(new Set(results.map((r) => r.generationId))).toEqual(new Set([1]));
    const leaders = results.filter((r) => r.leader === r.memberId);
    expect(leaders).toHaveLength(1);
    expect(leaders[0]!.members).toHaveLength(50);
    const followers = results.filter((r) => r !== leaders[0]).map((r) => g.sync(r.memberId, 1));
    const ls = g.sync(leaders[0]!.memberId, 1, ids.map((id) => [id, `a-${id}`]));
    const synced = await Promise.all([...followers.map((f) => f.p), ls.p]);
    expect(synced.every((s) => s.errorCode === ErrorCode.NONE)).toBe(true);
    expect(new Set(synced.map((s) => s.assignment.toString())).size).toBe(50);
    expect(g.state()).toBe('Stable');
  });

  it('DeleteGroups: only an Empty group dies', async () => {
    const { g } = await stableOfTwo();
    let code = -1;
    g.actor.send({ type: 'group.delete', reply: (c) => { code = c; } });
    expect(code).toBe(ErrorCode.NON_EMPTY_GROUP);
    const e = group();
    e.actor.send({ type: 'group.delete', reply: (c) => { code = c; } });
    expect(code).toBe(ErrorCode.NONE);
    expect(e.state()).toBe('Dead');
    e.actor.send({ type: 'group.delete', reply: (c) => { code = c; } });
    expect(code).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });
});

describe('group actors cost', () => {
  it('an idle group actor stays small (per-group machines are affordable)', () => {
    vi.useRealTimers();
    const before = process.memoryUsage().heapUsed;
    const actors = Array.from({ length: 1000 }, (_, i) => createActor(classicGroupMachine, { input: { groupId: `g${i}` } }).start());
    const perActor = (process.memoryUsage().heapUsed - before) / actors.length;
    for (const a of actors) a.stop();
    expect(perActor).toBeLessThan(50_000); // ~5 KB measured with --expose-gc; loose without a forced GC
  });
});

describe('group coordinator actor', () => {
  it('loads, expires offsets every offsets.retention.check.interval.ms, and shuts the coordinator down', async () => {
    const calls: string[] = [];
    let release!: () => void;
    const coordinator = {
      start: () => new Promise<void>((r) => { calls.push('start'); release = r; }),
      expireOffsets: () => { calls.push('expire'); return 0; },
      shutdown: () => { calls.push('shutdown'); },
      attachHost: () => {},
    };
    const { groupCoordinatorMachine } = await import('../../src/machines/group-coordinator.js');
    const { pino } = await import('pino');
    const actor = createActor(groupCoordinatorMachine, { input: { coordinator: coordinator as never, retentionCheckIntervalMs: 1000, log: pino({ level: 'silent' }) } }).start();
    expect(actor.getSnapshot().value).toBe('loading');
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(actor.getSnapshot().value).toBe('running');
    await vi.advanceTimersByTimeAsync(2500);
    expect(calls).toEqual(['start', 'expire', 'expire']);
    actor.send({ type: 'groupCoordinator.shutdown' });
    expect(actor.getSnapshot().status).toBe('done');
    expect(calls.at(-1)).toBe('shutdown');
  });
});

describe('group actors as children of the coordinator actor', () => {
  it('groups the service creates are spawned as children (one actor system) and stopped with it', async () => {
    vi.useRealTimers();
    const { groupCoordinatorMachine } = await import('../../src/machines/group-coordinator.js');
    const { GroupCoordinator } = await import('../../src/services/group/group-coordinator.js');
    const { fakeBroker } = await import('../services/server/fake-broker.js');
    const { pino } = await import('pino');
    const fb = fakeBroker({ 'group.initial.rebalance.delay.ms': '0' });
    const gc = new GroupCoordinator(fb.ctx, { groupActors: standaloneGroupActor, persist: false });
    const actor = createActor(groupCoordinatorMachine, { input: { coordinator: gc, retentionCheckIntervalMs: 60_000, log: pino({ level: 'silent' }) } }).start();
    const join = gc.join('kids', { memberId: '', groupInstanceId: null, clientId: 'c', clientHost: '/h', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], requireKnownMemberId: false });
    const children = Object.keys(actor.getSnapshot().children);
    expect(children.some((id) => id.startsWith('group:kids#'))).toBe(true);
    expect((await join).errorCode).toBe(ErrorCode.NONE);
    actor.send({ type: 'groupCoordinator.shutdown' });
    expect(actor.getSnapshot().status).toBe('done');
    expect(gc.groupData('kids')).toBeUndefined();
  });
});
