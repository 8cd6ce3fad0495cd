/**
 * A group metadata write (the leader's SyncGroup assignment) waits the same way (GroupMetadataManager.storeGroup):
 * the group stays CompletingRebalance and no member gets its assignment until the ISR has it; a timeout answers
 * REBALANCE_IN_PROGRESS.
 *
 * An offset commit waits for __consumer_offsets replication as Kafka's GroupMetadataManager.storeOffsets does:
 * acks = offsets.commit.required.acks (-1: the ISR), at most offsets.commit.timeout.ms, then REQUEST_TIMED_OUT; the
 * committed offset is visible (OffsetFetch) only once the append is replicated. The replication wait is the real
 * DelayedProducePurgatory, over a check the test controls (the follower "has" the records when the test says so).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { GroupCoordinator } from '../../../src/services/group/group-coordinator.js';
import { OFFSETS_TOPIC } from '../../../src/services/group/group-keys.js';
import { DelayedProducePurgatory } from '../../../src/services/replication/delayed-produce.js';
import { fakeBroker } from '../server/fake-broker.js';
import { standaloneGroupActor } from '../../../src/machines/group-coordinator.js';

const stops: Array<() => void> = [];
afterEach(() => { for (const s of stops.splice(0)) s(); });

async function setup(props: Record<string, string>) {
  const fb = fakeBroker({ 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.num.partitions': '1', ...props });
  fb.addTopic(OFFSETS_TOPIC, 1);
  fb.addTopic('t', 1);
  let replicatedTo = -1n; // what the (imagined) follower in the ISR has
  const purgatory = new DelayedProducePurgatory((_key, requiredOffset) => (requiredOffset <= replicatedTo ? { done: true, errorCode: ErrorCode.NONE } : { done: false, errorCode: ErrorCode.NONE }));
  const waits: number[] = [];
  const ctx = {
    ...fb.ctx,
    replicas: {
      ...fb.ctx.replicas,
      waitForReplication: (items: Array<{ topic: string; partition: number; requiredOffset: bigint }>, timeoutMs: number) => {
        waits.push(timeoutMs);
        return purgatory.tryCompleteElseWatch(items.map((i) => ({ key: `${i.topic}-${i.partition}`, requiredOffset: i.requiredOffset })), timeoutMs);
      },
    },
  };
  const gc = new GroupCoordinator(ctx, { groupActors: standaloneGroupActor });
  await gc.start();
  stops.push(() => gc.shutdown());
  const follower = (offset: bigint) => { replicatedTo = offset; purgatory.checkAndComplete(`${OFFSETS_TOPIC}-0`); };
  const commit = (offset: bigint) => gc.commitOffsets('g', { memberId: '', groupInstanceId: null, generationId: -1 }, [{ topic: 't', partition: 0, offset, leaderEpoch: -1, metadata: '', retentionMs: -1 }]);
  const fetched = () => gc.fetchOffsets('g', [{ name: 't', partitions: [0] }]).topics[0]?.partitions[0]?.offset;
  const joinAndSync = async () => {
    const proto = { name: 'range', metadata: Buffer.from('m') };
    const j = await gc.join('grp', {
      memberId: '', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', sessionTimeoutMs: 30000, rebalanceTimeoutMs: 30000,
      protocolType: 'consumer', protocols: [proto], requireKnownMemberId: false,
    });
    expect(j.errorCode).toBe(ErrorCode.NONE);
    return gc.sync('grp', { memberId: j.memberId, groupInstanceId: null, generationId: j.generationId, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: j.memberId, assignment: Buffer.from('a1') }] });
  };
  const staticJoin = (memberId = '') => gc.join('sgrp', {
    memberId, groupInstanceId: 'inst-1', clientId: 'c', clientHost: '/127.0.0.1', sessionTimeoutMs: 30000, rebalanceTimeoutMs: 30000,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('m') }], requireKnownMemberId: false,
  });
  return { gc, commit, follower, fetched, waits, joinAndSync, staticJoin, log: () => fb.logs.get(`${OFFSETS_TOPIC}-0`)! };
}

describe('offset commit replication wait', () => {
  it('times out after offsets.commit.timeout.ms with REQUEST_TIMED_OUT, and the offset is not committed', async () => {
    const s = await setup({ 'offsets.commit.timeout.ms': '300' });
    const started = Date.now();
    expect(await s.commit(42n)).toEqual([ErrorCode.REQUEST_TIMED_OUT]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(280); // timers may fire a millisecond early
    expect(elapsed).toBeLessThan(4500); // Kafka's default (5000) would not be over yet
    expect(s.waits).toEqual([300]);
    expect(s.fetched()).toBe(-1n);
  });

  it('answers once the ISR has the commit, and only then shows it', async () => {
    const s = await setup({ 'offsets.commit.timeout.ms': '60000' });
    let answer: number[] | null = null;
    const pending = s.commit(7n).then((c) => { answer = c; });
    await new Promise((r) => setTimeout(r, 200));
    expect(answer).toBeNull(); // appended, waiting for the follower
    expect(s.fetched()).toBe(-1n);
    s.follower(s.log().logEndOffset);
    await pending;
    expect(answer).toEqual([ErrorCode.NONE]);
    expect(s.fetched()).toBe(7n);
    expect(s.waits).toEqual([60000]);
  });

  it('offsets.commit.required.acks=1 does not wait for the ISR', async () => {
    const s = await setup({ 'offsets.commit.timeout.ms': '60000', 'offsets.commit.required.acks': '1' });
    expect(await s.commit(9n)).toEqual([ErrorCode.NONE]);
    expect(s.waits).toEqual([]);
    expect(s.fetched()).toBe(9n);
  });
});

describe('group metadata (SyncGroup) replication wait', () => {
  it('the assignment is answered only once the ISR has the group record; the group is Stable only then', async () => {
    const s = await setup({ 'offsets.commit.timeout.ms': '60000' });
    let answer: { errorCode: number; assignment: Buffer } | null = null;
    const pending = s.joinAndSync().then((r) => { answer = r; });
    const deadline = Date.now() + 10_000;
    while (s.waits.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(s.waits).toEqual([60000]); // the group record was appended and waits for the ISR
    await new Promise((r) => setTimeout(r, 100));
    expect(answer).toBeNull();
    expect(s.gc.describeGroup('grp').state).toBe('CompletingRebalance');
    s.follower(s.log().logEndOffset);
    await pending;
    expect(answer!.errorCode).toBe(ErrorCode.NONE);
    expect(answer!.assignment.toString()).toBe('a1');
    expect(s.gc.describeGroup('grp').state).toBe('Stable');
  });

  it('a timed-out group write answers REBALANCE_IN_PROGRESS and the group rebalances', async () => {
    const s = await setup({ 'offsets.commit.timeout.ms': '300' });
    const r = await s.joinAndSync();
    expect(r.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(s.gc.describeGroup('grp').state).toBe('PreparingRebalance');
  });

  it('offsets.commit.required.acks=1 answers SyncGroup without waiting', async () => {
    const s = await setup({ 'offsets.commit.timeout.ms': '60000', 'offsets.commit.required.acks': '1' });
    const r = await s.joinAndSync();
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(s.waits).toEqual([]);
    expect(s.gc.describeGroup('grp').state).toBe('Stable');
  });

  it('a static member rejoining a Stable group with an unknown member id is answered once the ISR has the group record', async () => {
    const s = await setup({ 'offsets.commit.timeout.ms': '60000' });
    const waitFor = async (n: number) => { for (const d = Date.now() + 10_000; s.waits.length < n && Date.now() < d;) await new Promise((r) => setTimeout(r, 10)); expect(s.waits).toHaveLength(n); };
    const first = await s.staticJoin();
    expect(first.errorCode).toBe(ErrorCode.NONE);
    const syncing = s.gc.sync('sgrp', { memberId: first.memberId, groupInstanceId: 'inst-1', generationId: first.generationId, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: first.memberId, assignment: Buffer.from('a') }] });
    await waitFor(1);
    s.follower(s.log().logEndOffset);
    expect((await syncing).errorCode).toBe(ErrorCode.NONE);
    expect(s.gc.describeGroup('sgrp').state).toBe('Stable');
    // the same instance rejoins with an unknown member id: a new id, stored before it is answered
    let answer: { errorCode: number; memberId: string; generationId: number } | null = null;
    const rejoin = s.staticJoin().then((r) => { answer = r; });
    await waitFor(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(answer).toBeNull();
    s.follower(s.log().logEndOffset);
    await rejoin;
    expect(answer!.errorCode).toBe(ErrorCode.NONE);
    expect(answer!.memberId).not.toBe(first.memberId);
    expect(answer!.generationId).toBe(first.generationId);
    expect(s.gc.describeGroup('sgrp').state).toBe('Stable');
  });

  it('a static member rejoin whose group write times out is reverted: the old member id stays, the rejoin gets the error', async () => {
    // 2 s: long enough for the sync's write to be let through on a loaded machine, short for the rejoin's to time out
    const s = await setup({ 'offsets.commit.timeout.ms': '2000', 'offsets.commit.required.acks': '-1' });
    const first = await s.staticJoin();
    const syncing = s.gc.sync('sgrp', { memberId: first.memberId, groupInstanceId: 'inst-1', generationId: first.generationId, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: first.memberId, assignment: Buffer.from('a') }] });
    for (const d = Date.now() + 10_000; s.waits.length < 1 && Date.now() < d;) await new Promise((r) => setTimeout(r, 5));
    s.follower(s.log().logEndOffset);
    expect((await syncing).errorCode).toBe(ErrorCode.NONE);
    const r = await s.staticJoin();
    expect(r.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS); // storeGroup's mapping of REQUEST_TIMED_OUT
    expect(s.gc.describeGroup('sgrp').members.map((m) => m.memberId)).toEqual([first.memberId]);
  });
});
