/**
 * The broker side of the controller's requests, through the real dispatcher over a real ReplicaManager,
 * MetadataCache and LogManager (temp dir): LeaderAndIsr hosts partitions (leader or follower), UpdateMetadata feeds
 * what Metadata answers, StopReplica deletes logs; stale broker / controller epochs are refused as Kafka does.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import type { RequestInput } from '../../../src/protocol/frame.js';
import { deliverInProcess } from '../../../src/services/server/control-requests.js';
import { buildRecordBatch } from '../../../src/services/log/record-batch.js';
import { brokerInfo, call } from './fake-broker.js';
import { closeRealBrokers, realBroker, type RealBroker } from './real-broker.js';

const ME = 2;
const TOPIC_ID = Buffer.alloc(16, 7).toString('base64url');
const TOPIC_UUID = '07070707-0707-0707-0707-070707070707';
afterAll(closeRealBrokers);

const broker = (): Promise<RealBroker> => realBroker({ brokerId: ME, prefix: 'rafka-control-' });

const partitionState = (partitionIndex: number, leader: number, leaderEpoch = 1) => ({
  topicName: 't', partitionIndex, controllerEpoch: 5, leader, leaderEpoch, isr: [leader], partitionEpoch: 1, replicas: [1, 2], isNew: true,
});

const leaderAndIsr = (overrides: Partial<RequestInput<typeof ApiKey.LeaderAndIsr>> = {}): RequestInput<typeof ApiKey.LeaderAndIsr> => ({
  controllerId: 1, controllerEpoch: 5, brokerEpoch: 100n, type: 0,
  // partition 0 led here, partition 1 followed here
  topicStates: [{ topicName: 't', topicId: TOPIC_UUID, partitionStates: [partitionState(0, ME), partitionState(1, 1)] }],
  liveLeaders: [{ brokerId: 1, hostName: 'h1', port: 9092 }, { brokerId: 2, hostName: 'h2', port: 9093 }],
  ...overrides,
});

const updateMetadata = (overrides: Partial<RequestInput<typeof ApiKey.UpdateMetadata>> = {}): RequestInput<typeof ApiKey.UpdateMetadata> => ({
  controllerId: 1, controllerEpoch: 5, brokerEpoch: 100n,
  topicStates: [{ topicName: 't', topicId: TOPIC_UUID, partitionStates: [0, 1].map((p) => ({ partitionIndex: p, controllerEpoch: 5, leader: p === 0 ? ME : 1, leaderEpoch: 1, isr: [p === 0 ? ME : 1], zkVersion: 1, replicas: [1, 2], offlineReplicas: [] })) }],
  liveBrokers: [1, 2].map((id) => ({ id, rack: null, endpoints: [{ host: `broker${id}`, port: 9092, listener: 'PLAINTEXT', securityProtocol: 0 }] })),
  ...overrides,
});

/** LeaderAndIsr then UpdateMetadata (produce checks the metadata cache first, as Kafka's handleProduceRequest). */
async function leadAndUpdate(b: RealBroker, lai = leaderAndIsr()): Promise<void> {
  expect((await call(b.handler, ApiKey.LeaderAndIsr, 7, lai)).errorCode).toBe(0);
  expect((await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata())).errorCode).toBe(0);
}

async function produce(b: RealBroker, partition: number): Promise<number> {
  const records = buildRecordBatch({ records: [{ value: Buffer.from('v') }], defaultTimestamp: Date.now() });
  const r = await call(b.handler, ApiKey.Produce, 7, { acks: 1, timeoutMs: 1000, transactionalId: null, topicData: [{ name: 't', partitionData: [{ index: partition, records }] }] });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
}

const errors = (ps: Array<{ partitionIndex: number; errorCode: number }>) => ps.map(({ partitionIndex, errorCode }) => ({ partitionIndex, errorCode }));

let b: RealBroker;
beforeEach(async () => { b = await broker(); });

describe('LeaderAndIsr (4)', () => {
  it('makes this broker leader or follower: both get a log (with the topic id), only the leader takes produce', async () => {
    const r = await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsr());
    await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata());
    expect(r.errorCode).toBe(0);
    expect(r.topics.map((t) => [t.topicId, errors(t.partitionErrors)])).toEqual([[TOPIC_UUID, [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 0 }]]]);
    expect(b.logs.getLog('t', 0)).toBeDefined();
    expect(b.logs.getLog('t', 1)).toBeDefined(); // the follower's log exists (no replication yet: it stays empty)
    expect(existsSync(join(b.dir, 't-1', 'partition.metadata'))).toBe(true);
    expect(await produce(b, 0)).toBe(ErrorCode.NONE);
    expect(await produce(b, 1)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('moves leadership on a higher leader epoch and ignores a request whose leader epoch is not newer', async () => {
    await leadAndUpdate(b);
    expect(await produce(b, 0)).toBe(ErrorCode.NONE);
    const moved = await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsr({ topicStates: [{ topicName: 't', topicId: TOPIC_UUID, partitionStates: [partitionState(0, 1, 2)] }] }));
    expect(errors(moved.topics[0]!.partitionErrors)).toEqual([{ partitionIndex: 0, errorCode: 0 }]);
    expect(await produce(b, 0)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const old = await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsr({ topicStates: [{ topicName: 't', topicId: TOPIC_UUID, partitionStates: [partitionState(0, ME, 1)] }] }));
    expect(errors(old.topics[0]!.partitionErrors)).toEqual([{ partitionIndex: 0, errorCode: ErrorCode.STALE_CONTROLLER_EPOCH }]);
    expect(await produce(b, 0)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('answers a partition it is not a replica of with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const r = await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsr({ topicStates: [{ topicName: 't', topicId: TOPIC_UUID, partitionStates: [{ ...partitionState(0, 1), replicas: [1, 3] }] }] }));
    expect(errors(r.topics[0]!.partitionErrors)).toEqual([{ partitionIndex: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }]);
    expect(b.logs.getLog('t', 0)).toBeUndefined();
  });

  it('refuses a request for an earlier registration of this broker (STALE_BROKER_EPOCH) but takes a newer or unknown epoch', async () => {
    const stale = await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsr({ brokerEpoch: 99n }));
    expect(stale.errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect(stale.topics[0]!.partitionErrors.map((p) => p.errorCode)).toEqual([ErrorCode.STALE_BROKER_EPOCH, ErrorCode.STALE_BROKER_EPOCH]);
    expect(b.logs.getLog('t', 0)).toBeUndefined();
    expect((await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsr({ brokerEpoch: 101n }))).errorCode).toBe(0);
    expect((await call(b.handler, ApiKey.LeaderAndIsr, 1, { ...leaderAndIsr(), ungroupedPartitionStates: [partitionState(2, ME)], topicStates: [] })).errorCode).toBe(0); // v1: no broker epoch
  });

  it('refuses an older controller epoch (STALE_CONTROLLER_EPOCH) once a newer controller was heard', async () => {
    await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsr({ controllerEpoch: 6 }));
    const r = await call(b.handler, ApiKey.LeaderAndIsr, 4, leaderAndIsr({ controllerEpoch: 5 }));
    expect(r.errorCode).toBe(ErrorCode.STALE_CONTROLLER_EPOCH);
    expect(r.partitionErrors).toEqual([0, 1].map((partitionIndex) => ({ topicName: 't', partitionIndex, errorCode: ErrorCode.STALE_CONTROLLER_EPOCH })));
  });
});

describe('UpdateMetadata (6)', () => {
  it('feeds the MetadataCache that Metadata answers from: brokers, controller, partitions', async () => {
    expect((await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata())).errorCode).toBe(0);
    const m = await call(b.handler, ApiKey.Metadata, 9, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(m.brokers.map((x) => [x.nodeId, x.host, x.port])).toEqual([[1, 'broker1', 9092], [2, 'broker2', 9092]]);
    expect(m.controllerId).toBe(1);
    expect(m.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.leaderId])])).toEqual([['t', [[0, ME], [1, 1]]]]);
    expect(b.ctx.metadata.topic('t')!.topicId).toBe(Buffer.from(TOPIC_UUID.replace(/-/g, ''), 'hex').toString('base64url'));
  });

  it('merges partition states and drops partitions sent with leader -2 (topic deletion)', async () => {
    await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata());
    await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata({ topicStates: [{ topicName: 't', topicId: TOPIC_UUID, partitionStates: [{ partitionIndex: 1, controllerEpoch: 5, leader: -1, leaderEpoch: 2, isr: [1], zkVersion: 2, replicas: [1, 2], offlineReplicas: [1] }] }] }));
    expect(b.ctx.metadata.topic('t')!.partitions.map((p) => [p.partition, p.leader, p.offlineReplicas])).toEqual([[0, ME, []], [1, -1, [1]]]);
    await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata({ topicStates: [{ topicName: 't', topicId: TOPIC_UUID, partitionStates: [0, 1].map((p) => ({ partitionIndex: p, controllerEpoch: 5, leader: -2, leaderEpoch: 2, isr: [], zkVersion: 2, replicas: [1, 2], offlineReplicas: [] })) }] }));
    expect(b.ctx.metadata.topic('t')).toBeUndefined();
  });

  it('reads v0 (PLAINTEXT host/port only) and v2 (endpoints named after their protocol)', async () => {
    await call(b.handler, ApiKey.UpdateMetadata, 0, { controllerId: 1, controllerEpoch: 5, ungroupedPartitionStates: [], liveBrokers: [{ id: 1, v0Host: 'old', v0Port: 9000 }] });
    expect(b.ctx.metadata.brokers()).toMatchObject([{ id: 1, endpoints: [{ listenerName: 'PLAINTEXT', host: 'old', port: 9000, securityProtocol: 'PLAINTEXT' }] }]);
    await call(b.handler, ApiKey.UpdateMetadata, 2, { controllerId: 1, controllerEpoch: 5, ungroupedPartitionStates: [], liveBrokers: [{ id: 3, rack: 'r1', endpoints: [{ host: 'h', port: 1, securityProtocol: 1 }] }] });
    expect(b.ctx.metadata.brokers()).toMatchObject([{ id: 3, rack: 'r1', endpoints: [{ listenerName: 'SSL', host: 'h', port: 1, securityProtocol: 'SSL' }] }]);
  });

  it('refuses a stale broker epoch (STALE_BROKER_EPOCH) and an older controller epoch (NOT_CONTROLLER, as Kafka\'s ControllerMovedException)', async () => {
    expect((await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata({ brokerEpoch: 1n }))).errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    expect(b.ctx.metadata.brokers()).toEqual([]);
    await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata({ controllerEpoch: 7 }));
    expect((await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata({ controllerEpoch: 6, liveBrokers: [] }))).errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect(b.ctx.metadata.brokers()).toHaveLength(2);
  });
});

describe('StopReplica (5)', () => {
  it('with delete: stops hosting and deletes the log; produce then finds no partition', async () => {
    await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsr());
    await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata({ topicStates: [{ topicName: 't', topicId: TOPIC_UUID, partitionStates: [0, 1].map((p) => ({ partitionIndex: p, controllerEpoch: 5, leader: -2, leaderEpoch: 1, isr: [], zkVersion: 1, replicas: [1, 2], offlineReplicas: [] })) }] }));
    const r = await call(b.handler, ApiKey.StopReplica, 4, { controllerId: 1, controllerEpoch: 5, brokerEpoch: 100n, topicStates: [{ topicName: 't', partitionStates: [0, 1].map((p) => ({ partitionIndex: p, leaderEpoch: -2, deletePartition: true })) }] });
    expect(r).toMatchObject({ errorCode: 0, partitionErrors: [{ topicName: 't', partitionIndex: 0, errorCode: 0 }, { topicName: 't', partitionIndex: 1, errorCode: 0 }] });
    expect(b.logs.getLog('t', 0)).toBeUndefined();
    expect(existsSync(join(b.dir, 't-0'))).toBe(false);
    expect(await produce(b, 0)).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('forgets a deleted topic\'s config overrides once its last hosted partition is deleted (a re-created topic reads its own)', async () => {
    await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsr());
    b.logs.updateTopicConfig('t', { 'retention.ms': '1234' });
    const stop = (partitions: number[]) => call(b.handler, ApiKey.StopReplica, 4, { controllerId: 1, controllerEpoch: 5, brokerEpoch: 100n, topicStates: [{ topicName: 't', partitionStates: partitions.map((p) => ({ partitionIndex: p, leaderEpoch: -2, deletePartition: true })) }] });
    await stop([0]);
    expect(b.logs.hasTopicConfig('t'), 'partition 1 is still hosted').toBe(true);
    await stop([1]);
    expect(b.logs.hasTopicConfig('t')).toBe(false);
  });

  it('fences an older leader epoch and refuses stale broker / controller epochs', async () => {
    await leadAndUpdate(b, leaderAndIsr({ topicStates: [{ topicName: 't', topicId: TOPIC_UUID, partitionStates: [partitionState(0, ME, 4)] }] }));
    const fenced = await call(b.handler, ApiKey.StopReplica, 3, { controllerId: 1, controllerEpoch: 5, brokerEpoch: 100n, topicStates: [{ topicName: 't', partitionStates: [{ partitionIndex: 0, leaderEpoch: 3, deletePartition: false }] }] });
    expect(fenced.partitionErrors).toEqual([{ topicName: 't', partitionIndex: 0, errorCode: ErrorCode.FENCED_LEADER_EPOCH }]);
    expect(await produce(b, 0)).toBe(ErrorCode.NONE);
    const stale = await call(b.handler, ApiKey.StopReplica, 3, { controllerId: 1, controllerEpoch: 5, brokerEpoch: 1n, topicStates: [{ topicName: 't', partitionStates: [{ partitionIndex: 0, leaderEpoch: 5, deletePartition: true }] }] });
    expect(stale).toMatchObject({ errorCode: ErrorCode.STALE_BROKER_EPOCH, partitionErrors: [] });
    const old = await call(b.handler, ApiKey.StopReplica, 0, { controllerId: 1, controllerEpoch: 4, deletePartitions: true, ungroupedPartitions: [{ topicName: 't', partitionIndex: 0 }] });
    expect(old.errorCode).toBe(ErrorCode.STALE_CONTROLLER_EPOCH);
    expect(b.logs.getLog('t', 0)).toBeDefined();
    // v1 (no leader epoch) without delete: stops serving, keeps the log.
    const v1 = await call(b.handler, ApiKey.StopReplica, 1, { controllerId: 1, controllerEpoch: 5, brokerEpoch: 100n, deletePartitions: false, topics: [{ name: 't', partitionIndexes: [0] }] });
    expect(v1.partitionErrors).toEqual([{ topicName: 't', partitionIndex: 0, errorCode: 0 }]);
    expect(b.logs.getLog('t', 0)).toBeDefined();
    expect(await produce(b, 0)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER); // still in the metadata, no longer hosted here
  });
});

describe('in-process delivery on the controller\'s own broker', () => {
  it('takes the same path, broker epoch and controller epoch checks included', async () => {
    const control = b.ctx.control!;
    const header = { controllerId: ME, controllerEpoch: 5, brokerEpoch: 100n };
    const answer = deliverInProcess(control, {
      leaderAndIsr: { ...header, topics: [{ topicName: 'own', topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, controllerEpoch: 5, leader: ME, leaderEpoch: 0, isr: [ME], partitionEpoch: 0, replicas: [ME], isNew: true }] }], liveLeaders: [] },
      updateMetadata: { ...header, topics: [{ topicName: 'own', topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, controllerEpoch: 5, leader: ME, leaderEpoch: 0, isr: [ME], zkVersion: 0, replicas: [ME], offlineReplicas: [] }] }], liveBrokers: [brokerInfo(ME)] },
    });
    expect(b.ctx.replicas.partition('own', 0).kind).toBe('leader');
    // the LeaderAndIsr answer goes back to the controller (its KAFKA_STORAGE_ERRORs mark replicas offline)
    expect(answer.leaderAndIsr).toEqual({ errorCode: ErrorCode.NONE, partitionErrors: [{ topicName: 'own', topicId: TOPIC_ID, partitionIndex: 0, errorCode: ErrorCode.NONE }] });
    expect(deliverInProcess(control, { stopReplica: { ...header, partitions: [] } }).leaderAndIsr).toBeUndefined();
    expect(b.ctx.metadata.topic('own')?.topicId).toBe(TOPIC_ID);
    deliverInProcess(control, { stopReplica: { ...header, brokerEpoch: 50n, partitions: [{ topicName: 'own', partitionIndex: 0, leaderEpoch: -2, deletePartition: true }] } });
    expect(b.ctx.replicas.partition('own', 0).kind).toBe('leader'); // stale broker epoch: ignored
    deliverInProcess(control, { stopReplica: { ...header, controllerEpoch: 4, partitions: [{ topicName: 'own', partitionIndex: 0, leaderEpoch: -2, deletePartition: true }] } });
    expect(b.ctx.replicas.partition('own', 0).kind).toBe('leader'); // stale controller epoch: ignored
  });
});
