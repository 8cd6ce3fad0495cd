/**
 * StopReplica for `__consumer_offsets` unloads the group partition at once — Kafka's KafkaApis.handleStopReplicaRequest
 * → GroupCoordinator.onResignation → removeGroupsForPartition / onGroupUnloaded — through the real dispatcher,
 * ReplicaManager and LogManager (real-broker.ts, no processes), wired as the Majordomo wires it.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { GroupCoordinator } from '../../../src/services/group/group-coordinator.js';
import { OFFSETS_TOPIC, partitionForGroup } from '../../../src/services/group/group-keys.js';
import { encodeOffsetKey, encodeOffsetValue } from '../../../src/services/group/offsets-records.js';
import { buildRecordBatch } from '../../../src/services/log/record-batch.js';
import type { JoinResult } from '../../../src/services/group/classic-group.js';
import { standaloneGroupActor } from '../../../src/machines/group-coordinator.js';
import { deliverInProcess } from '../../../src/services/server/control-requests.js';
import { call } from '../server/fake-broker.js';
import { closeRealBrokers, leaderAndIsrRequest, realBroker, stopReplicaRequest, until, updateMetadataRequest, type TopicReplicas } from '../server/real-broker.js';

const ME = 2;
const coordinators: GroupCoordinator[] = [];
afterEach(() => { for (const c of coordinators.splice(0)) c.shutdown(); });
afterAll(closeRealBrokers);

/** Group ids of partitions 0 and 1 of a 2-partition __consumer_offsets. */
const idOf = (p: number, prefix: string): string => { for (let i = 0; ; i++) if (partitionForGroup(`${prefix}${i}`, 2) === p) return `${prefix}${i}`; };
const G0 = idOf(0, 'g');
const G1 = idOf(1, 'g');

/** Both offsets partitions; partition 0 led by `leader0` at `epoch0`, partition 1 by this broker. ISR: the leader only (acks=-1 commits complete). */
const offsetsTopic = (leader0: number, epoch0: number): TopicReplicas[] => [{
  topic: OFFSETS_TOPIC, topicId: '05050505-0505-0505-0505-050505050505', partitions: [
    { partition: 0, leader: leader0, leaderEpoch: epoch0, replicas: [ME, 1], isr: [leader0] },
    { partition: 1, leader: ME, leaderEpoch: 0, replicas: [ME, 1], isr: [ME] },
  ],
}];

async function broker() {
  let gc: GroupCoordinator | null = null;
  const b = await realBroker({
    brokerId: ME, prefix: 'rafka-group-resign-', props: { 'offsets.topic.num.partitions': '2', 'group.initial.rebalance.delay.ms': '60000' },
    // the Majordomo's wiring (src/machines/majordomo.ts)
    hooks: { onStopReplica: (topics) => { if (topics.includes(OFFSETS_TOPIC)) gc?.onResignation(); } },
  });
  gc = new GroupCoordinator(b.ctx, { groupActors: standaloneGroupActor });
  coordinators.push(gc);
  expect((await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadataRequest(offsetsTopic(ME, 0)))).errorCode).toBe(0);
  expect((await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsrRequest(offsetsTopic(ME, 0)))).errorCode).toBe(0);
  return { b, gc };
}

const who = { memberId: '', groupInstanceId: null, generationId: -1 };
const entry = (offset: bigint) => ({ topic: 't', partition: 0, offset, leaderEpoch: -1, metadata: null, retentionMs: -1 });
const joinReq = { memberId: '', groupInstanceId: null, clientId: 'c', clientHost: 'h', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 60_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], requireKnownMemberId: false };

/** Loads both partitions (the first group request kicks the loads off) and gives each group committed offsets. */
async function withGroups(gc: GroupCoordinator): Promise<void> {
  await until(() => gc.groupStatus(G0) === ErrorCode.NONE && gc.groupStatus(G1) === ErrorCode.NONE, () => `loads: ${gc.groupStatus(G0)} ${gc.groupStatus(G1)}`);
  expect(await gc.commitOffsets(G0, who, [entry(5n)])).toEqual([ErrorCode.NONE]);
  expect(await gc.commitOffsets(G1, who, [entry(7n)])).toEqual([ErrorCode.NONE]);
  expect(await gc.commitTxnOffsets(G0, 9n, 0, who, [{ ...entry(6n), partition: 1 }])).toEqual([ErrorCode.NONE]);
  expect(gc.hasPendingTxnOffset(G0, 't', 1)).toBe(true);
}

describe('StopReplica for __consumer_offsets (Kafka\'s groupCoordinator.onResignation)', () => {
  it('with delete, after the partition moved: its groups are unloaded before the request is answered — a waiting join gets NOT_COORDINATOR', async () => {
    const { b, gc } = await broker();
    await withGroups(gc);
    let joined: JoinResult | null = null;
    void gc.join(G0, joinReq).then((r) => { joined = r; }); // waits out the 60 s initial rebalance delay
    await until(() => gc.groupData(G0)?.state === 'PreparingRebalance', () => `join: ${gc.groupData(G0)?.state}`);
    // a reassignment moves partition 0 to broker 1: the controller's LeaderAndIsr, then StopReplica(delete) for this replica
    await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadataRequest(offsetsTopic(1, 1)));
    expect((await call(b.handler, ApiKey.StopReplica, 4, stopReplicaRequest(OFFSETS_TOPIC, [0], true, 1))).errorCode).toBe(0);
    // no group request in between: the StopReplica did it
    expect(gc.groupData(G0)).toBeUndefined();
    expect(gc.committed(G0)).toBeUndefined();
    expect(gc.hasPendingTxnOffset(G0, 't', 1)).toBe(false);
    await until(() => joined !== null, () => 'the waiting join answered');
    expect(joined!.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect([...gc.committed(G1)!.values()].map((o) => o.offset)).toEqual([7n]); // partition 1's groups stay
    expect(gc.groupStatus(G0)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(b.lines.some((l) => l.msg === 'Resigned as the group coordinator for partition 0')).toBe(true);
  });

  it('a partition unloaded while it loads installs nothing when the load finishes', async () => {
    const { b, gc } = await broker();
    const lookup = b.replicas.partition(OFFSETS_TOPIC, 0);
    if (lookup.kind !== 'leader') throw new Error('partition 0 not led here');
    for (let i = 0; i < 3; i++) {
      lookup.partition.appendRecordsToLeader(buildRecordBatch({ records: [{ key: encodeOffsetKey(G0, 't', i), value: encodeOffsetValue({ offset: BigInt(i), leaderEpoch: -1, metadata: '', commitTimestamp: Date.now(), expireTimestamp: -1 }) }] }), 1, 'coordinator');
    }
    expect(gc.groupStatus(G0)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS); // the load read its first chunk and yields
    // the controller's StopReplica (no delete) on its own broker: in-process, synchronous — it lands inside the load
    deliverInProcess(b.ctx.control!, { stopReplica: { controllerId: ME, controllerEpoch: 5, brokerEpoch: 100n, partitions: [{ topicName: OFFSETS_TOPIC, partitionIndex: 0, leaderEpoch: 1, deletePartition: false }] } });
    expect(gc.groupStatus(G0)).not.toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS); // unloaded at once
    await until(() => b.lines.some((l) => l.msg.startsWith(`Abandoned loading ${OFFSETS_TOPIC}-0`)), () => 'the load abandoned');
    expect(gc.groupData(G0)).toBeUndefined();
    expect(gc.committed(G0)).toBeUndefined();
    expect(gc.groupStatus(G0)).not.toBe(ErrorCode.NONE);
  });
});
