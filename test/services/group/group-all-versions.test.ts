/**
 * Every version each group handler implements (GROUP_IMPLEMENTED_VERSIONS, a superset of the advertised ranges)
 * answers a successful request through the codec.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKey, DEFAULT_API_SUPPORT, apiKeyName, type ApiRange } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { decodeRequest, encodeResponse } from '../../../src/protocol/frame.js';
import { GroupCoordinator } from '../../../src/services/group/group-coordinator.js';
import { GROUP_IMPLEMENTED_VERSIONS, groupHandlers } from '../../../src/services/group/register.js';
import { call, fakeBroker } from '../server/fake-broker.js';
import { standaloneGroupActor } from '../../../src/machines/group-coordinator.js';

const WIDE = new Map([...GROUP_IMPLEMENTED_VERSIONS].map(([apiKey, [minVersion, maxVersion]]): [number, ApiRange] =>
  [apiKey, { apiKey, name: apiKeyName(apiKey), minVersion, maxVersion, tier: 'required' }]));

const versions = (k: number) => {
  const [lo, hi] = GROUP_IMPLEMENTED_VERSIONS.get(k)!;
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
};

const coordinators: GroupCoordinator[] = [];
afterEach(() => { for (const c of coordinators.splice(0)) c.shutdown(); });

async function setup() {
  const fb = fakeBroker({ 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '2' }, (ctx) => {
    const gc = new GroupCoordinator(ctx, { groupActors: standaloneGroupActor });
    coordinators.push(gc);
    const handlers = groupHandlers(gc);
    return async (frame, conn) => {
      const req = decodeRequest(frame, WIDE);
      const body = await handlers.get(req.apiKey)!.handle(req as never, { broker: ctx, conn });
      return encodeResponse(req.header.correlationId, req.apiKey, req.apiVersion, body as never);
    };
  });
  fb.addTopic('t', 1);
  const h = fb.handler;
  await call(h, ApiKey.FindCoordinator, 0, { key: 'g' });
  return h;
}

const PROTO = { protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 0]) }] };

/** A Stable group 'g' of one member (joined with v2). */
async function member(h: Awaited<ReturnType<typeof setup>>) {
  const j = await call(h, ApiKey.JoinGroup, 2, { groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', ...PROTO });
  await call(h, ApiKey.SyncGroup, 1, { groupId: 'g', generationId: 1, memberId: j.memberId, assignments: [{ memberId: j.memberId, assignment: Buffer.from('A') }] });
  return j.memberId;
}

describe('every implemented group API version', () => {
  it('advertised ranges are within the implemented ones', () => {
    for (const [k, [lo, hi]] of GROUP_IMPLEMENTED_VERSIONS) {
      const r = DEFAULT_API_SUPPORT.get(k)!;
      expect(r.minVersion, apiKeyName(k)).toBeGreaterThanOrEqual(lo);
      expect(r.maxVersion, apiKeyName(k)).toBeLessThanOrEqual(hi);
    }
  });
  it.each(versions(ApiKey.FindCoordinator))('FindCoordinator v%i', async (v) => {
    const h = await setup();
    const res = await call(h, ApiKey.FindCoordinator, v, v >= 4 ? { keyType: 0, coordinatorKeys: ['g'] } : { key: 'g', keyType: 0 });
    expect(v >= 4 ? [res.coordinators[0]!.errorCode, res.coordinators[0]!.nodeId] : [res.errorCode, res.nodeId]).toEqual([0, 1]);
  });
  it.each(versions(ApiKey.JoinGroup))('JoinGroup v%i', async (v) => {
    const h = await setup();
    let res = await call(h, ApiKey.JoinGroup, v, { groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', ...PROTO });
    if (v >= 4) {
      expect(res.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
      res = await call(h, ApiKey.JoinGroup, v, { groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: res.memberId, ...PROTO });
    }
    expect(res).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range' });
    if (v >= 7) expect(res.protocolType).toBe('consumer');
  });
  it.each(versions(ApiKey.SyncGroup))('SyncGroup v%i', async (v) => {
    const h = await setup();
    const m = await member(h);
    const res = await call(h, ApiKey.SyncGroup, v, { groupId: 'g', generationId: 1, memberId: m, protocolType: v >= 5 ? 'consumer' : null, protocolName: v >= 5 ? 'range' : null, assignments: [] });
    expect(res.errorCode).toBe(0);
    expect(Buffer.from(res.assignment).toString()).toBe('A');
    if (v >= 5) expect([res.protocolType, res.protocolName]).toEqual(['consumer', 'range']);
  });
  it.each(versions(ApiKey.Heartbeat))('Heartbeat v%i', async (v) => {
    const h = await setup();
    const m = await member(h);
    expect((await call(h, ApiKey.Heartbeat, v, { groupId: 'g', generationId: 1, memberId: m })).errorCode).toBe(0);
  });
  it.each(versions(ApiKey.LeaveGroup))('LeaveGroup v%i', async (v) => {
    const h = await setup();
    const m = await member(h);
    const res = await call(h, ApiKey.LeaveGroup, v, v >= 3 ? { groupId: 'g', members: [{ memberId: m, groupInstanceId: null, reason: v >= 5 ? 'bye' : null }] } : { groupId: 'g', memberId: m });
    expect(res.errorCode).toBe(0);
    if (v >= 3) expect(res.members.map((x) => x.errorCode)).toEqual([0]);
  });
  it.each(versions(ApiKey.OffsetCommit))('OffsetCommit v%i', async (v) => {
    const h = await setup();
    const res = await call(h, ApiKey.OffsetCommit, v, { groupId: 's', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedMetadata: 'x' }] }] });
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(0);
  });
  it.each(versions(ApiKey.OffsetFetch))('OffsetFetch v%i', async (v) => {
    const h = await setup();
    await call(h, ApiKey.OffsetCommit, 2, { groupId: 's', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedMetadata: 'x' }] }] });
    const topics = [{ name: 't', partitionIndexes: [0] }];
    const res = await call(h, ApiKey.OffsetFetch, v, v >= 8 ? { groups: [{ groupId: 's', topics }] } : { groupId: 's', topics });
    const p = (v >= 8 ? res.groups[0]!.topics : res.topics)[0]!.partitions[0]!;
    expect([p.committedOffset, p.metadata, p.errorCode]).toEqual([3n, 'x', 0]);
  });
  it.each(versions(ApiKey.DescribeGroups))('DescribeGroups v%i', async (v) => {
    const h = await setup();
    await member(h);
    const res = await call(h, ApiKey.DescribeGroups, v, { groups: ['g'], includeAuthorizedOperations: v >= 3 });
    expect(res.groups[0]).toMatchObject({ errorCode: 0, groupState: 'Stable', protocolData: 'range' });
  });
  it.each(versions(ApiKey.ListGroups))('ListGroups v%i', async (v) => {
    const h = await setup();
    await member(h);
    const res = await call(h, ApiKey.ListGroups, v, { statesFilter: [] });
    expect(res.groups.map((g) => g.groupId)).toEqual(['g']);
    if (v >= 4) expect(res.groups[0]!.groupState).toBe('Stable');
  });
  it.each(versions(ApiKey.DeleteGroups))('DeleteGroups v%i', async (v) => {
    const h = await setup();
    await call(h, ApiKey.OffsetCommit, 2, { groupId: 's', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedMetadata: 'x' }] }] });
    const res = await call(h, ApiKey.DeleteGroups, v, { groupsNames: ['s'] });
    expect(res.results).toEqual([{ groupId: 's', errorCode: 0 }]);
  });
  it.each(versions(ApiKey.OffsetDelete))('OffsetDelete v%i', async (v) => {
    const h = await setup();
    await call(h, ApiKey.OffsetCommit, 2, { groupId: 's', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 3n, committedMetadata: 'x' }] }] });
    const res = await call(h, ApiKey.OffsetDelete, v, { groupId: 's', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
    expect(res.errorCode).toBe(0);
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(0);
  });
});
