import { describe, it, expect } from 'vitest';
import { processAlterPartition, validateAlterPartition } from '../../../src/services/controller/alter-partition-handling.js';
import type { ClusterMetadata } from '../../../src/services/controller/cluster-metadata.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { topicIdToUuid } from '../../../src/services/controller/control-requests.js';
import type { AlterPartitionRequest } from '../../../src/protocol/messages/alter-partition.js';

const st = (isr: number[], o: Partial<{ leader: number; leaderEpoch: number; partitionEpoch: number; leaderRecoveryState: number }> = {}) =>
  ({ leader: 1, leaderEpoch: 5, partitionEpoch: 7, leaderRecoveryState: 0, isr, ...o });
const eligible = new Set([1, 2, 3]);

describe('validateAlterPartition (KafkaController.tryProcessAlterPartition checks, in order)', () => {
  it('accepts a change from the current leader and partition epoch', () => {
    expect(validateAlterPartition(st([1, 2, 3]), st([1, 2]), eligible, 3)).toEqual({ kind: 'write', state: st([1, 2]) });
  });
  it('unknown partition; a leader ahead of the controller → NOT_CONTROLLER; an old leader epoch → FENCED_LEADER_EPOCH', () => {
    expect(validateAlterPartition(undefined, st([1]), eligible, 3)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect(validateAlterPartition(st([1, 2]), st([1], { partitionEpoch: 8 }), eligible, 3)).toMatchObject({ errorCode: ErrorCode.NOT_CONTROLLER });
    expect(validateAlterPartition(st([1, 2]), st([1], { leaderEpoch: 6 }), eligible, 3)).toMatchObject({ errorCode: ErrorCode.NOT_CONTROLLER });
    expect(validateAlterPartition(st([1, 2]), st([1], { leaderEpoch: 4 }), eligible, 3)).toMatchObject({ errorCode: ErrorCode.FENCED_LEADER_EPOCH });
  });
  it('the state already committed (a retry) answers it even with a stale partition epoch; otherwise a stale one is INVALID_UPDATE_VERSION', () => {
    expect(validateAlterPartition(st([1, 2]), st([1, 2], { partitionEpoch: 6 }), eligible, 3)).toEqual({ kind: 'current', state: st([1, 2]) });
    expect(validateAlterPartition(st([1, 2]), st([1], { partitionEpoch: 6 }), eligible, 3)).toMatchObject({ errorCode: ErrorCode.INVALID_UPDATE_VERSION });
  });
  it('leader recovery rules', () => {
    expect(validateAlterPartition(st([1], { leaderRecoveryState: 1 }), st([1, 2], { leaderRecoveryState: 1 }), eligible, 3)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    expect(validateAlterPartition(st([1, 2]), st([1], { leaderRecoveryState: 1 }), eligible, 3)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST });
    expect(validateAlterPartition(st([1], { leaderRecoveryState: 1 }), st([1, 2]), eligible, 3).kind).toBe('write');
  });
  it('an ISR with a broker that is gone or shutting down: INELIGIBLE_REPLICA from v2, OPERATION_NOT_ATTEMPTED before', () => {
    expect(validateAlterPartition(st([1]), st([1, 4]), eligible, 2)).toMatchObject({ errorCode: ErrorCode.INELIGIBLE_REPLICA });
    expect(validateAlterPartition(st([1]), st([1, 4]), eligible, 1)).toMatchObject({ errorCode: ErrorCode.OPERATION_NOT_ATTEMPTED });
  });
});

describe('processAlterPartition', () => {
  const topicId = Buffer.alloc(16, 3).toString('base64url');
  const metadata: ClusterMetadata = {
    controllerId: 1, controllerEpoch: 2, brokers: [1, 2, 3].map((id) => ({ id, endpoints: [], rack: null, jmxPort: -1, timestamp: 0, features: {} })),
    topics: [{ name: 't', topicId, partitions: [0, 1].map((partition) => ({ partition, leader: 1, leaderEpoch: 5, controllerEpoch: 2, isr: [1, 2, 3], replicas: [1, 2, 3], offlineReplicas: [], partitionEpoch: 7 })) }],
  };
  const req = (brokerEpoch: bigint, topicIdOrName: { topicId?: string; topicName?: string }, parts: Array<{ p: number; isr: number[]; partitionEpoch?: number }>): AlterPartitionRequest => ({
    brokerId: 1, brokerEpoch,
    topics: [{ topicName: topicIdOrName.topicName ?? '', topicId: topicIdOrName.topicId ?? '00000000-0000-0000-0000-000000000000',
      partitions: parts.map((x) => ({ partitionIndex: x.p, leaderEpoch: 5, newIsr: x.isr, newIsrWithEpochs: x.isr.map((brokerId) => ({ brokerId, brokerEpoch: -1n })), leaderRecoveryState: 0, partitionEpoch: x.partitionEpoch ?? 7 })) }],
  }) as AlterPartitionRequest;
  const epochs = new Map([[1, 10n], [2, 20n], [3, 30n]]);

  it('a stale or unknown broker epoch is refused as a whole', async () => {
    const r = await processAlterPartition(req(9n, { topicName: 't' }, [{ p: 0, isr: [1] }]), 1, { metadata, brokerEpochs: epochs, shuttingDown: new Set(), write: async () => 8 });
    expect(r.response).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.STALE_BROKER_EPOCH, topics: [] });
  });

  it('writes conditionally, answers per partition by topic id (v3), and reports the written partitions', async () => {
    const writes: unknown[] = [];
    const r = await processAlterPartition(req(10n, { topicId: topicIdToUuid(topicId) }, [{ p: 0, isr: [1, 2] }, { p: 1, isr: [1, 3] }]), 3, {
      metadata, brokerEpochs: epochs, shuttingDown: new Set([2]),
      write: async (topic, partition, state, expected) => { writes.push({ topic, partition, state, expected }); return expected + 1; },
    });
    expect(writes).toEqual([{ topic: 't', partition: 1, state: { leader: 1, leaderEpoch: 5, isr: [1, 3], leaderRecoveryState: 0 }, expected: 7 }]);
    expect(r.response.topics).toEqual([{ topicId: topicIdToUuid(topicId), partitions: [
      { partitionIndex: 0, errorCode: ErrorCode.INELIGIBLE_REPLICA, leaderId: -1, leaderEpoch: -1, isr: [], partitionEpoch: -1 },
      { partitionIndex: 1, errorCode: 0, leaderId: 1, leaderEpoch: 5, isr: [1, 3], leaderRecoveryState: 0, partitionEpoch: 8 },
    ] }]);
    expect(r.updated).toEqual([{ topic: 't', partition: 1, state: { leader: 1, leaderEpoch: 5, isr: [1, 3], partitionEpoch: 8, leaderRecoveryState: 0 } }]);
  });

  it('a bad znode version is INVALID_UPDATE_VERSION; an unknown topic id is UNKNOWN_TOPIC_ID', async () => {
    const r = await processAlterPartition(req(10n, { topicName: 't' }, [{ p: 0, isr: [1] }]), 1, { metadata, brokerEpochs: epochs, shuttingDown: new Set(), write: async () => 'badVersion' });
    expect(r.response.topics![0]!.partitions![0]!.errorCode).toBe(ErrorCode.INVALID_UPDATE_VERSION);
    expect(r.updated).toEqual([]);
    const u = await processAlterPartition(req(10n, { topicId: topicIdToUuid(Buffer.alloc(16, 9).toString('base64url')) }, [{ p: 0, isr: [1] }]), 2, { metadata, brokerEpochs: epochs, shuttingDown: new Set(), write: async () => 8 });
    expect(u.response.topics![0]!.partitions![0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
  });

  it('sends every partition\'s write at once (one round trip\'s worth, as Kafka), answers and reports in request order; a thrown write fails the request', async () => {
    const started: number[] = []; const finish: Array<() => void> = [];
    const run = processAlterPartition(req(10n, { topicName: 't' }, [{ p: 1, isr: [1, 3] }, { p: 0, isr: [1, 2] }]), 1, {
      metadata, brokerEpochs: epochs, shuttingDown: new Set(),
      write: (_t, partition, _s, expected) => { started.push(partition); return new Promise((res) => finish.push(() => res(expected + 1))); },
    });
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 0]); // both sent before either answered
    finish[1]!(); finish[0]!(); // answered out of order
    const r = await run;
    expect(r.response.topics![0]!.partitions!.map((p) => [p.partitionIndex, p.errorCode, p.isr])).toEqual([[1, 0, [1, 3]], [0, 0, [1, 2]]]);
    expect(r.updated.map((u) => u.partition)).toEqual([1, 0]);
    await expect(processAlterPartition(req(10n, { topicName: 't' }, [{ p: 0, isr: [1] }, { p: 1, isr: [1] }]), 1, {
      metadata, brokerEpochs: epochs, shuttingDown: new Set(), write: async (_t, partition) => { if (partition === 0) throw new Error('controller moved'); return 8; },
    })).rejects.toThrow('controller moved');
  });
});
