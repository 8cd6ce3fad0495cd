import { afterEach, describe, expect, it } from 'vitest';
import { ApiKey, DEFAULT_API_SUPPORT } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { decodeRequest, encodeResponse } from '../../../src/protocol/frame.js';
import type { RequestHandler } from '../../../src/services/network/connection.js';
import type { BrokerContext } from '../../../src/services/server/broker-context.js';
import { GroupCoordinator } from '../../../src/services/group/group-coordinator.js';
import { OFFSETS_TOPIC, javaStringHashCode, partitionForGroup } from '../../../src/services/group/group-keys.js';
import { decodeGroupValue, decodeKey, decodeOffsetValue } from '../../../src/services/group/offsets-records.js';
import { groupHandlers } from '../../../src/services/group/register.js';
import { RecordBatch } from '../../../src/services/log/record-batch.js';
import { call, fakeBroker, type FakeBroker } from '../server/fake-broker.js';
import { standaloneGroupActor } from '../../../src/machines/group-coordinator.js';

const coordinators: GroupCoordinator[] = [];
afterEach(() => { for (const c of coordinators.splice(0)) c.shutdown(); });

/** A dispatcher over the group handlers only (the real one is wired in kafka-apis.ts). */
function groupRequestHandler(ctx: BrokerContext, gc: GroupCoordinator): RequestHandler {
  const handlers = groupHandlers(gc);
  return async (frame, conn) => {
    const req = decodeRequest(frame, DEFAULT_API_SUPPORT);
    const h = handlers.get(req.apiKey);
    if (!h) throw new Error(`no group handler for ${req.apiKey}`);
    const body = await h.handle(req as never, { broker: ctx, conn });
    return encodeResponse(req.header.correlationId, req.apiKey, req.apiVersion, body as never);
  };
}

function setup(props: Record<string, string> = {}, persist = true): { fb: FakeBroker; gc: GroupCoordinator; h: RequestHandler } {
  let gc!: GroupCoordinator;
  const fb = fakeBroker({ 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '5', 'offsets.topic.replication.factor': '3', ...props }, (ctx) => {
    gc = new GroupCoordinator(ctx, { groupActors: standaloneGroupActor, persist });
    return groupRequestHandler(ctx, gc);
  });
  coordinators.push(gc);
  fb.addTopic('orders', 3);
  return { fb, gc, h: fb.handler };
}

const consumerMeta = (topics: string[]) => {
  const parts = [Buffer.from([0, 0]), Buffer.alloc(4)];
  parts[1]!.writeInt32BE(topics.length);
  for (const t of topics) { const l = Buffer.alloc(2); l.writeInt16BE(Buffer.byteLength(t)); parts.push(l, Buffer.from(t)); }
  parts.push(Buffer.alloc(4)); // user data null-ish (empty)
  return Buffer.concat(parts);
};

describe('group keys', () => {
  it("Java's String.hashCode and Kafka's partitionFor", () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648); // Integer.MIN_VALUE → Utils.abs gives 0
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0);
    // 'console-consumer-1234'.hashCode() computed with Java semantics (int overflow)
    let h = 0; for (const ch of 'console-consumer-1234') h = (h * 31 + ch.charCodeAt(0)) | 0;
    expect(partitionForGroup('console-consumer-1234', 50)).toBe(Math.abs(h) % 50);
  });
});

describe('group handlers', () => {
  it('FindCoordinator creates __consumer_offsets as Kafka (compact, RF bounded by live brokers) and answers this broker on the request listener', async () => {
    const { fb, h } = setup();
    const v0 = await call(h, ApiKey.FindCoordinator, 0, { key: 'g1' });
    expect(fb.created).toHaveLength(1);
    expect(fb.created[0]!.req).toMatchObject({ name: OFFSETS_TOPIC, numPartitions: 5, replicationFactor: 1, configs: { 'cleanup.policy': 'compact', 'segment.bytes': '104857600', 'compression.type': 'producer' } });
    expect(v0).toMatchObject({ errorCode: 0, nodeId: 1, host: 'broker1', port: 9092 });
    const v4 = await call(h, ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
    expect(v4.coordinators.map((c) => [c.key, c.errorCode, c.nodeId, c.host])).toEqual([['a', 0, 1, 'broker1'], ['b', 0, 1, 'broker1']]);
    const tx = await call(h, ApiKey.FindCoordinator, 2, { key: 't', keyType: 1 });
    expect(tx.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const bad = await call(h, ApiKey.FindCoordinator, 3, { key: 't', keyType: 9 });
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('group requests before the topic exists get COORDINATOR_NOT_AVAILABLE', async () => {
    const { h } = setup();
    const hb = await call(h, ApiKey.Heartbeat, 1, { groupId: 'g', generationId: 1, memberId: 'm' });
    expect(hb.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  it.each([
    { join: 2, sync: 1, hb: 1, leave: 1, commit: 2, fetch: 1 },
    { join: 5, sync: 3, hb: 3, leave: 3, commit: 7, fetch: 7 },
    { join: 6, sync: 4, hb: 4, leave: 4, commit: 8, fetch: 8 },
  ])('join → sync → heartbeat → commit → fetch → leave at versions %o', async (v) => {
    const { fb, gc, h } = setup();
    await call(h, ApiKey.FindCoordinator, 0, { key: 'grp' });
    const proto = { protocolType: 'consumer', protocols: [{ name: 'range', metadata: consumerMeta(['orders']) }] };
    let j = await call(h, ApiKey.JoinGroup, v.join, { groupId: 'grp', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', ...proto });
    if (v.join >= 4) {
      expect(j.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
      j = await call(h, ApiKey.JoinGroup, v.join, { groupId: 'grp', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: j.memberId, ...proto });
    }
    expect(j).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range' });
    expect(j.leader).toBe(j.memberId);
    expect(j.memberId.startsWith('test-client-')).toBe(true);
    const s = await call(h, ApiKey.SyncGroup, v.sync, { groupId: 'grp', generationId: 1, memberId: j.memberId, assignments: [{ memberId: j.memberId, assignment: Buffer.from('ASSIGN') }] });
    expect(s.errorCode).toBe(0);
    expect(Buffer.from(s.assignment).toString()).toBe('ASSIGN');
    expect((await call(h, ApiKey.Heartbeat, v.hb, { groupId: 'grp', generationId: 1, memberId: j.memberId })).errorCode).toBe(0);
    expect((await call(h, ApiKey.Heartbeat, v.hb, { groupId: 'grp', generationId: 2, memberId: j.memberId })).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await call(h, ApiKey.Heartbeat, v.hb, { groupId: 'grp', generationId: 1, memberId: 'x' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    const c = await call(h, ApiKey.OffsetCommit, v.commit, {
      groupId: 'grp', generationIdOrMemberEpoch: 1, memberId: j.memberId,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedMetadata: 'm0', committedLeaderEpoch: 3 }, { partitionIndex: 9, committedOffset: 1n, committedMetadata: null }] }, { name: 'nope', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: '' }] }],
    });
    expect(c.topics.map((t) => t.partitions.map((p) => p.errorCode))).toEqual([[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    const bad = await call(h, ApiKey.OffsetCommit, v.commit, { groupId: 'grp', generationIdOrMemberEpoch: 7, memberId: j.memberId, topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 5n, committedMetadata: '' }] }] });
    expect(bad.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);

    if (v.fetch >= 8) {
      const f = await call(h, ApiKey.OffsetFetch, v.fetch, { groups: [{ groupId: 'grp', topics: [{ name: 'orders', partitionIndexes: [0, 1] }] }, { groupId: 'other', topics: null }] });
      expect(f.groups[0]!.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.committedLeaderEpoch])).toEqual([[0, 42n, 'm0', 3], [1, -1n, '', -1]]);
      expect(f.groups[1]).toMatchObject({ groupId: 'other', errorCode: 0, topics: [] });
    } else {
      const f = await call(h, ApiKey.OffsetFetch, v.fetch, { groupId: 'grp', topics: [{ name: 'orders', partitionIndexes: [0, 1] }] });
      expect(f.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata])).toEqual([[0, 42n, 'm0'], [1, -1n, '']]);
      if (v.fetch >= 2) {
        const all = await call(h, ApiKey.OffsetFetch, v.fetch, { groupId: 'grp', topics: null });
        expect(all.topics.map((t) => [t.name, t.partitions.map((p) => p.committedOffset)])).toEqual([['orders', [42n]]]);
      }
    }

    // persisted: an offset commit record and group metadata with the assignment
    const part = partitionForGroup('grp', 5);
    const log = fb.logs.get(`${OFFSETS_TOPIC}-${part}`)!;
    const recs = log.batches.flatMap((b) => new RecordBatch(b).toRecords());
    const keys = recs.map((r) => decodeKey(r.key!));
    const gi = keys.findIndex((k) => k?.kind === 'group');
    expect(decodeGroupValue(recs[gi]!.value!).members[0]!.assignment.toString()).toBe('ASSIGN');
    const oi = keys.findIndex((k) => k?.kind === 'offset');
    expect(keys[oi]).toEqual({ kind: 'offset', group: 'grp', topic: 'orders', partition: 0 });
    expect(decodeOffsetValue(recs[oi]!.value!)).toMatchObject({ offset: 42n, metadata: 'm0' });

    if (v.leave >= 3) {
      const l = await call(h, ApiKey.LeaveGroup, v.leave, { groupId: 'grp', members: [{ memberId: j.memberId, groupInstanceId: null }, { memberId: 'ghost', groupInstanceId: null }] });
      expect(l.members.map((m) => m.errorCode)).toEqual([0, ErrorCode.UNKNOWN_MEMBER_ID]);
    } else {
      expect((await call(h, ApiKey.LeaveGroup, v.leave, { groupId: 'grp', memberId: j.memberId })).errorCode).toBe(0);
      expect((await call(h, ApiKey.LeaveGroup, v.leave, { groupId: 'grp', memberId: j.memberId })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    // committed offsets survive the member leaving
    expect(gc.committed('grp')?.size).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(gc.groupData('grp')?.state).toBe('Empty');
  });

  it('INVALID_SESSION_TIMEOUT, INVALID_GROUP_ID, INCONSISTENT_GROUP_PROTOCOL', async () => {
    const { h } = setup();
    await call(h, ApiKey.FindCoordinator, 0, { key: 'g' });
    const proto = { protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] };
    expect((await call(h, ApiKey.JoinGroup, 2, { groupId: 'g', sessionTimeoutMs: 1000, rebalanceTimeoutMs: 1000, memberId: '', ...proto })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await call(h, ApiKey.JoinGroup, 2, { groupId: '', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 1000, memberId: '', ...proto })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await call(h, ApiKey.JoinGroup, 2, { groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 1000, memberId: '', protocolType: 'consumer', protocols: [] })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('ListGroups, DescribeGroups (v0 and v5), DeleteGroups, OffsetDelete', async () => {
    const { gc, h } = setup();
    await call(h, ApiKey.FindCoordinator, 0, { key: 'g' });
    const proto = { protocolType: 'consumer', protocols: [{ name: 'range', metadata: consumerMeta(['orders']) }] };
    const j = await call(h, ApiKey.JoinGroup, 5, { groupId: 'live', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: 'inst-1', ...proto });
    expect(j.errorCode).toBe(0); // static members need no MEMBER_ID_REQUIRED round
    await call(h, ApiKey.SyncGroup, 3, { groupId: 'live', generationId: 1, memberId: j.memberId, groupInstanceId: 'inst-1', assignments: [{ memberId: j.memberId, assignment: Buffer.from('A') }] });
    // a standalone consumer's commit creates an Empty group
    const c = await call(h, ApiKey.OffsetCommit, 2, { groupId: 'solo', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, committedOffset: 7n, committedMetadata: null }] }] });
    expect(c.topics[0]!.partitions[0]!.errorCode).toBe(0);
    await call(h, ApiKey.OffsetCommit, 7, { groupId: 'live', generationIdOrMemberEpoch: 1, memberId: j.memberId, groupInstanceId: 'inst-1', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }] });

    const l0 = await call(h, ApiKey.ListGroups, 0, {});
    expect(l0.groups.map((g) => [g.groupId, g.protocolType])).toEqual([['live', 'consumer'], ['solo', '']]);
    const l4 = await call(h, ApiKey.ListGroups, 4, { statesFilter: ['Stable'] });
    expect(l4.groups.map((g) => [g.groupId, g.groupState])).toEqual([['live', 'Stable']]);

    const d5 = await call(h, ApiKey.DescribeGroups, 5, { groups: ['live', 'nope'], includeAuthorizedOperations: true });
    expect(d5.groups[0]).toMatchObject({ errorCode: 0, groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(d5.groups[0]!.members[0]).toMatchObject({ memberId: j.memberId, groupInstanceId: 'inst-1', clientId: 'test-client', clientHost: '/127.0.0.1' });
    expect(Buffer.from(d5.groups[0]!.members[0]!.memberAssignment).toString()).toBe('A');
    expect(d5.groups[0]!.authorizedOperations).toBe((1 << 3) | (1 << 6) | (1 << 8));
    expect(d5.groups[1]).toMatchObject({ errorCode: 0, groupState: 'Dead', members: [] });
    const d0 = await call(h, ApiKey.DescribeGroups, 0, { groups: ['solo'] });
    expect(d0.groups[0]).toMatchObject({ groupState: 'Empty', protocolType: '' });

    const od = await call(h, ApiKey.OffsetDelete, 0, { groupId: 'live', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }] }] });
    expect(od.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    const od2 = await call(h, ApiKey.OffsetDelete, 0, { groupId: 'solo', topics: [{ name: 'orders', partitions: [{ partitionIndex: 2 }] }] });
    expect(od2).toMatchObject({ errorCode: 0, topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, errorCode: 0 }] }] });
    expect(gc.committed('solo')).toBeUndefined();
    expect((await call(h, ApiKey.OffsetDelete, 0, { groupId: 'none', topics: [] })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);

    const del = await call(h, ApiKey.DeleteGroups, 2, { groupsNames: ['live', 'solo', 'none'] });
    expect(del.results.map((r) => [r.groupId, r.errorCode])).toEqual([['live', ErrorCode.NON_EMPTY_GROUP], ['solo', 0], ['none', ErrorCode.GROUP_ID_NOT_FOUND]]);
    expect((await call(h, ApiKey.ListGroups, 3, {})).groups.map((g) => g.groupId)).toEqual(['live']);
  });

  it('committed offsets and groups are loaded back from __consumer_offsets (COORDINATOR_LOAD_IN_PROGRESS until then)', async () => {
    const { fb, gc, h } = setup();
    await call(h, ApiKey.FindCoordinator, 0, { key: 'g' });
    const proto = { protocolType: 'consumer', protocols: [{ name: 'range', metadata: consumerMeta(['orders']) }] };
    const j = await call(h, ApiKey.JoinGroup, 2, { groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', ...proto });
    await call(h, ApiKey.SyncGroup, 1, { groupId: 'g', generationId: 1, memberId: j.memberId, assignments: [{ memberId: j.memberId, assignment: Buffer.from('A') }] });
    await call(h, ApiKey.OffsetCommit, 2, { groupId: 'g', generationIdOrMemberEpoch: 1, memberId: j.memberId, topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 100n, committedMetadata: 'x' }] }] });
    await call(h, ApiKey.OffsetCommit, 2, { groupId: 'g', generationIdOrMemberEpoch: 1, memberId: j.memberId, topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 200n, committedMetadata: 'y' }] }] });
    await call(h, ApiKey.OffsetCommit, 2, { groupId: 'gone', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }] });
    await call(h, ApiKey.DeleteGroups, 0, { groupsNames: ['gone'] });
    gc.shutdown();

    // a new coordinator over the same logs (a restart)
    const gc2 = new GroupCoordinator(fb.ctx, { groupActors: standaloneGroupActor });
    coordinators.push(gc2);
    const h2 = groupRequestHandler(fb.ctx, gc2);
    const loading = gc2.start();
    const during = await call(h2, ApiKey.OffsetFetch, 3, { groupId: 'g', topics: null });
    expect([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NONE]).toContain(during.errorCode);
    await loading;
    const f = await call(h2, ApiKey.OffsetFetch, 3, { groupId: 'g', topics: null });
    expect(f.errorCode).toBe(0);
    expect(f.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata])).toEqual([[1, 200n, 'y']]);
    const d = await call(h2, ApiKey.DescribeGroups, 0, { groups: ['g', 'gone'] });
    expect(d.groups[0]).toMatchObject({ groupState: 'Stable', protocolData: 'range' });
    expect(d.groups[0]!.members[0]!.memberId).toBe(j.memberId);
    expect(d.groups[1]!.groupState).toBe('Dead');
    // the restored member keeps heartbeating in its generation
    expect((await call(h2, ApiKey.Heartbeat, 1, { groupId: 'g', generationId: 1, memberId: j.memberId })).errorCode).toBe(0);
  });

  it('an Empty group without offsets goes at the next retention check (group tombstone)', async () => {
    const { fb, gc, h } = setup();
    await call(h, ApiKey.FindCoordinator, 0, { key: 'e' });
    const proto = { protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] };
    const j = await call(h, ApiKey.JoinGroup, 2, { groupId: 'e', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', ...proto });
    await call(h, ApiKey.LeaveGroup, 1, { groupId: 'e', memberId: j.memberId });
    await new Promise((r) => setTimeout(r, 20));
    expect(gc.groupData('e')?.state).toBe('Empty');
    expect(gc.expireOffsets()).toBe(0);
    expect(gc.groupData('e')).toBeUndefined();
    const recs = fb.logs.get(`${OFFSETS_TOPIC}-${partitionForGroup('e', 5)}`)!.batches.flatMap((b) => new RecordBatch(b).toRecords());
    expect([decodeKey(recs.at(-1)!.key!), recs.at(-1)!.value]).toEqual([{ kind: 'group', group: 'e' }, null]);
    // a refused join leaves no group behind
    await call(h, ApiKey.JoinGroup, 2, { groupId: 'refused', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [] });
    expect(gc.groupData('refused')).toBeUndefined();
  });

  it('offsets of an Empty group expire after offsets.retention.minutes; the group dies with tombstones', async () => {
    let now = 1_000_000;
    let gc!: GroupCoordinator;
    const fb = fakeBroker({ 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '1', 'offsets.retention.minutes': '1' }, (ctx) => {
      gc = new GroupCoordinator(ctx, { groupActors: standaloneGroupActor, now: () => now });
      return groupRequestHandler(ctx, gc);
    });
    coordinators.push(gc);
    fb.addTopic('orders', 1);
    const h = fb.handler;
    await call(h, ApiKey.FindCoordinator, 0, { key: 's' });
    await call(h, ApiKey.OffsetCommit, 2, { groupId: 's', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedMetadata: null }] }] });
    now += 59_000;
    expect(gc.expireOffsets()).toBe(0);
    now += 2_000;
    expect(gc.expireOffsets()).toBe(1);
    expect(gc.groupData('s')).toBeUndefined();
    const recs = fb.logs.get(`${OFFSETS_TOPIC}-0`)!.batches.flatMap((b) => new RecordBatch(b).toRecords());
    const last = recs.slice(-2);
    expect(last.map((r) => [decodeKey(r.key!)?.kind, r.value])).toEqual([['offset', null], ['group', null]]);
  });

  it('OffsetCommit v2 retentionTimeMs sets an explicit expiry; offsets of a subscribed topic of a Stable group never expire', async () => {
    let now = 5_000_000;
    let gc!: GroupCoordinator;
    const fb = fakeBroker({ 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '1', 'offsets.retention.minutes': '10' }, (ctx) => {
      gc = new GroupCoordinator(ctx, { groupActors: standaloneGroupActor, now: () => now });
      return groupRequestHandler(ctx, gc);
    });
    coordinators.push(gc);
    fb.addTopic('orders', 1);
    fb.addTopic('other', 1);
    const h = fb.handler;
    await call(h, ApiKey.FindCoordinator, 0, { key: 's' });
    await call(h, ApiKey.OffsetCommit, 2, { groupId: 'x', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: 1000n, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedMetadata: null }] }] });
    const j = await call(h, ApiKey.JoinGroup, 2, { groupId: 'c', sessionTimeoutMs: 1_800_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: consumerMeta(['orders']) }] });
    await call(h, ApiKey.SyncGroup, 1, { groupId: 'c', generationId: 1, memberId: j.memberId, assignments: [] });
    await call(h, ApiKey.OffsetCommit, 2, { groupId: 'c', generationIdOrMemberEpoch: 1, memberId: j.memberId, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }, { name: 'other', partitions: [{ partitionIndex: 0, committedOffset: 2n, committedMetadata: null }] }] });
    now += 1000;
    expect(gc.expireOffsets()).toBe(1); // x's explicit expiry
    expect(gc.committed('x')).toBeUndefined();
    now += 11 * 60_000;
    expect(gc.expireOffsets()).toBe(1); // c's unsubscribed 'other' only
    expect([...gc.committed('c')!.keys()].map((k) => k.split('\u0000')[0])).toEqual(['orders']);
  });

  it('leadership of the group\'s partition moves away: groups unload, waiting joins get NOT_COORDINATOR, FindCoordinator names the new leader', async () => {
    const { fb, gc, h } = setup();
    await call(h, ApiKey.FindCoordinator, 0, { key: 'm' });
    const proto = { protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] };
    const j = await call(h, ApiKey.JoinGroup, 2, { groupId: 'm', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', ...proto });
    await call(h, ApiKey.SyncGroup, 1, { groupId: 'm', generationId: 1, memberId: j.memberId, assignments: [] });
    const p = partitionForGroup('m', 5);
    fb.lookups.set(`${OFFSETS_TOPIC}-${p}`, { kind: 'notLeader' });
    expect((await call(h, ApiKey.Heartbeat, 1, { groupId: 'm', generationId: 1, memberId: j.memberId })).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(gc.groupData('m')).toBeUndefined();
    // the metadata now says broker 2 leads it
    fb.brokers.push({ ...fb.brokers[0]!, id: 2, endpoints: [{ listenerName: 'PLAINTEXT', host: 'broker2', port: 9093, securityProtocol: 'PLAINTEXT' }] });
    const t = fb.topics.get(OFFSETS_TOPIC)!;
    fb.topics.set(OFFSETS_TOPIC, { ...t, partitions: t.partitions.map((x) => (x.partition === p ? { ...x, leader: 2 } : x)) });
    const f = await call(h, ApiKey.FindCoordinator, 1, { key: 'm', keyType: 0 });
    expect(f).toMatchObject({ errorCode: 0, nodeId: 2, host: 'broker2', port: 9093 });
  });
});
