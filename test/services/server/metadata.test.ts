import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { brokerInfo, call, fakeBroker, NamedError } from './fake-broker.js';

const ALL_OPS_OMITTED = -2147483648;

function setup(props: Record<string, string> = {}) {
  const fb = fakeBroker(props, createRequestHandler);
  fb.brokers.push(brokerInfo(2, 9093));
  fb.addTopic('orders', 2, { replicas: [1, 2], isr: [1, 2] });
  fb.addTopic('logs', 1);
  return fb;
}

describe('Metadata', () => {
  it('v0: empty topic list = all topics; brokers on the request listener', async () => {
    const fb = setup();
    const res = await call(fb.handler, ApiKey.Metadata, 0, { topics: [] });
    expect(res.brokers).toEqual([
      { nodeId: 1, host: 'broker1', port: 9092, rack: null },
      { nodeId: 2, host: 'broker2', port: 9093, rack: null },
    ]);
    expect(res.topics.map((t) => t.name).sort()).toEqual(['logs', 'orders']);
    const orders = res.topics.find((t) => t.name === 'orders')!;
    expect(orders.errorCode).toBe(0);
    expect(orders.partitions).toEqual([
      { errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: -1, replicaNodes: [1, 2], isrNodes: [1, 2], offlineReplicas: [] },
      { errorCode: 0, partitionIndex: 1, leaderId: 1, leaderEpoch: -1, replicaNodes: [1, 2], isrNodes: [1, 2], offlineReplicas: [] },
    ]);
  });

  it('v0: a replica that is not live is filtered and REPLICA_NOT_AVAILABLE', async () => {
    const fb = setup();
    fb.brokers.pop();
    const res = await call(fb.handler, ApiKey.Metadata, 0, { topics: [{ name: 'orders' }] });
    expect(res.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.REPLICA_NOT_AVAILABLE, leaderId: 1, replicaNodes: [1], isrNodes: [1] });
    const v1 = await call(fb.handler, ApiKey.Metadata, 1, { topics: [{ name: 'orders' }] });
    expect(v1.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, replicaNodes: [1, 2] });
  });

  it('v1: null = all topics, empty = none; controller id, rack, isInternal', async () => {
    const fb = setup();
    fb.addTopic('__consumer_offsets', 1);
    const all = await call(fb.handler, ApiKey.Metadata, 1, { topics: null });
    expect(all.controllerId).toBe(1);
    expect(all.brokers[0]!.rack).toBe('rack-a');
    expect(all.topics.map((t) => t.name).sort()).toEqual(['__consumer_offsets', 'logs', 'orders']);
    expect(all.topics.find((t) => t.name === '__consumer_offsets')!.isInternal).toBe(true);
    expect(all.topics.find((t) => t.name === 'orders')!.isInternal).toBe(false);
    const none = await call(fb.handler, ApiKey.Metadata, 1, { topics: [] });
    expect(none.topics).toEqual([]);
  });

  it('v9 (flexible): cluster id, leader epoch, offline replicas, authorized operations', async () => {
    const fb = setup();
    fb.topics.get('orders')!.partitions[1]!.offlineReplicas = [2];
    const res = await call(fb.handler, ApiKey.Metadata, 9, {
      topics: [{ name: 'orders' }, { name: 'orders' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
    });
    expect(res.clusterId).toBe('test-cluster-id');
    expect(res.topics).toHaveLength(1); // deduplicated
    expect(res.topics[0]!.partitions[1]).toMatchObject({ leaderEpoch: 3, offlineReplicas: [2] });
    expect(res.topics[0]!.topicAuthorizedOperations).toBe(ALL_OPS_OMITTED);
    expect(res.clusterAuthorizedOperations).toBe(ALL_OPS_OMITTED);
    const withOps = await call(fb.handler, ApiKey.Metadata, 8, {
      topics: [{ name: 'orders' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true,
    });
    // READ WRITE CREATE DELETE ALTER DESCRIBE DESCRIBE_CONFIGS ALTER_CONFIGS
    expect(withOps.topics[0]!.topicAuthorizedOperations).toBe(3576);
    expect(withOps.clusterAuthorizedOperations).toBe(8096);
  });

  it('partitions without a live leader: LEADER_NOT_AVAILABLE, leader -1', async () => {
    const fb = setup();
    fb.topics.get('orders')!.partitions[0]!.leader = -1;
    fb.topics.get('orders')!.partitions[1]!.leader = 5; // not a live broker
    const res = await call(fb.handler, ApiKey.Metadata, 5, { topics: [{ name: 'orders' }], allowAutoTopicCreation: false });
    expect(res.topics[0]!.partitions.map((p) => [p.errorCode, p.leaderId])).toEqual([[5, -1], [5, -1]]);
  });

  it('unknown topic: UNKNOWN_TOPIC_OR_PARTITION when auto-creation is not allowed (v4+ flag or broker config)', async () => {
    const fb = setup();
    const res = await call(fb.handler, ApiKey.Metadata, 4, { topics: [{ name: 'nope' }], allowAutoTopicCreation: false });
    expect(res.topics).toEqual([{ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: 'nope', topicId: '00000000-0000-0000-0000-000000000000', isInternal: false, partitions: [], topicAuthorizedOperations: ALL_OPS_OMITTED }]);
    const off = setup({ 'auto.create.topics.enable': 'false' });
    const res2 = await call(off.handler, ApiKey.Metadata, 1, { topics: [{ name: 'nope' }, { name: 'in valid' }] });
    expect(res2.topics.map((t) => t.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_TOPIC_EXCEPTION]);
    expect(fb.created).toEqual([]);
    expect(off.created).toEqual([]);
  });

  it.each([1, 4, 9])('v%i auto-creates unknown topics with the broker defaults and answers LEADER_NOT_AVAILABLE', async (v) => {
    const fb = setup({ 'num.partitions': '3', 'default.replication.factor': '1' });
    const res = await call(fb.handler, ApiKey.Metadata, v, { topics: [{ name: 'fresh' }, { name: 'bad/name' }, { name: 'logs' }] });
    expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['fresh', ErrorCode.LEADER_NOT_AVAILABLE],
      ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['logs', 0],
    ]);
    expect(fb.created).toEqual([{ req: { name: 'fresh', numPartitions: 3, replicationFactor: 1, configs: {} }, validateOnly: false }]);
    await new Promise((r) => setTimeout(r, 20));
    const again = await call(fb.handler, ApiKey.Metadata, v, { topics: [{ name: 'fresh' }] });
    expect(again.topics[0]!.errorCode).toBe(0);
    expect(again.topics[0]!.partitions).toHaveLength(3);
  });

  it('auto-creation errors: existing (race) → LEADER_NOT_AVAILABLE, replication factor → INVALID_REPLICATION_FACTOR', async () => {
    const fb = setup();
    fb.admin.createError = new NamedError('InvalidReplicationFactorError', 'Replication factor: 3 larger than available brokers: 1.');
    const res = await call(fb.handler, ApiKey.Metadata, 1, { topics: [{ name: 'x' }] });
    expect(res.topics[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    fb.admin.createError = new NamedError('TopicExistsError', 'exists');
    const res2 = await call(fb.handler, ApiKey.Metadata, 1, { topics: [{ name: 'x' }] });
    expect(res2.topics[0]!.errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
  });

  it('a request for all topics never auto-creates', async () => {
    const fb = setup();
    await call(fb.handler, ApiKey.Metadata, 0, { topics: [] });
    await call(fb.handler, ApiKey.Metadata, 4, { topics: null, allowAutoTopicCreation: true });
    expect(fb.created).toEqual([]);
  });

  it('brokers without an endpoint on the request listener are left out', async () => {
    const fb = setup();
    fb.brokers[1] = { ...fb.brokers[1]!, endpoints: fb.brokers[1]!.endpoints.filter((e) => e.listenerName !== 'PLAINTEXT') };
    const res = await call(fb.handler, ApiKey.Metadata, 1, { topics: [] });
    expect(res.brokers.map((b) => b.nodeId)).toEqual([1]);
  });

  it('a live leader without an endpoint on the listener: LISTENER_NOT_FOUND from v6, LEADER_NOT_AVAILABLE before', async () => {
    const fb = setup();
    fb.addTopic('led2', 1, { leader: 2, replicas: [2], isr: [2] });
    fb.brokers[1] = { ...fb.brokers[1]!, endpoints: fb.brokers[1]!.endpoints.filter((e) => e.listenerName !== 'PLAINTEXT') };
    const v6 = await call(fb.handler, ApiKey.Metadata, 6, { topics: [{ name: 'led2' }], allowAutoTopicCreation: false });
    expect(v6.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.LISTENER_NOT_FOUND, leaderId: -1 });
    const v5 = await call(fb.handler, ApiKey.Metadata, 5, { topics: [{ name: 'led2' }], allowAutoTopicCreation: false });
    expect(v5.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.LEADER_NOT_AVAILABLE, leaderId: -1 });
  });

  it('a topic with no partitions yet is LEADER_NOT_AVAILABLE', async () => {
    const fb = setup();
    fb.addTopic('empty', 0);
    const res = await call(fb.handler, ApiKey.Metadata, 7, { topics: [{ name: 'empty' }], allowAutoTopicCreation: false });
    expect(res.topics[0]!.errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
  });
});
