/**
 * The controller's requests survive encoding at every version (what a version cannot carry comes back as Kafka's
 * default), and the versions follow inter.broker.protocol.version as Kafka's ControllerChannelManager picks them.
 */
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { decodeRequest, encodeRequest } from '../../../src/protocol/frame.js';
import { INTER_BROKER_API_SUPPORT } from '../../../src/services/server/kafka-apis.js';
import {
  leaderAndIsrFromWire, leaderAndIsrToWire, leaderAndIsrVersion, stopReplicaFromWire, stopReplicaToWire, stopReplicaVersion,
  topicIdToUuid, updateMetadataFromWire, updateMetadataToWire, updateMetadataVersion, uuidToTopicId,
  type LeaderAndIsrControl, type StopReplicaControl, type UpdateMetadataControl,
} from '../../../src/services/controller/control-requests.js';

const TOPIC_ID = Buffer.from('0123456789abcdef0123456789abcdef', 'hex').toString('base64url');

function roundTrip<K extends 4 | 5 | 6>(apiKey: K, version: number, body: unknown) {
  const frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId: 1, clientId: '1' }, body as never);
  const req = decodeRequest(frame.subarray(4), INTER_BROKER_API_SUPPORT);
  expect(req.apiKey).toBe(apiKey);
  return req.body as never;
}

const lai: LeaderAndIsrControl = {
  controllerId: 1, controllerEpoch: 3, brokerEpoch: 4242n,
  topics: [
    { topicName: 'a', topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, controllerEpoch: 3, leader: 1, leaderEpoch: 2, isr: [1, 2], partitionEpoch: 5, replicas: [1, 2], isNew: true }] },
    { topicName: 'b', topicId: TOPIC_ID, partitions: [{ partitionIndex: 1, controllerEpoch: 2, leader: 2, leaderEpoch: 0, isr: [2], partitionEpoch: 0, replicas: [2], isNew: false }] },
  ],
  liveLeaders: [{ brokerId: 1, hostName: 'h1', port: 9092 }, { brokerId: 2, hostName: 'h2', port: 9093 }],
};

const um: UpdateMetadataControl = {
  controllerId: 1, controllerEpoch: 3, brokerEpoch: 4242n,
  topics: [{ topicName: 'a', topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, controllerEpoch: 3, leader: -1, leaderEpoch: 2, isr: [2], zkVersion: 5, replicas: [1, 2], offlineReplicas: [2] }] }],
  liveBrokers: [{ id: 1, rack: 'r1', jmxPort: -1, timestamp: 0, features: {}, endpoints: [
    { listenerName: 'PLAINTEXT', host: 'h1', port: 9092, securityProtocol: 'PLAINTEXT' },
    { listenerName: 'INTERNAL', host: 'i1', port: 9093, securityProtocol: 'SASL_SSL' },
  ] }],
};

const sr: StopReplicaControl = {
  controllerId: 1, controllerEpoch: 3, brokerEpoch: 4242n,
  partitions: [
    { topicName: 'a', partitionIndex: 0, leaderEpoch: -2, deletePartition: true },
    { topicName: 'b', partitionIndex: 3, leaderEpoch: 7, deletePartition: false },
  ],
};

describe('controller requests on the wire', () => {
  it('LeaderAndIsr v0–v7', () => {
    for (let v = 0; v <= 7; v++) {
      const back = leaderAndIsrFromWire(roundTrip(ApiKey.LeaderAndIsr, v, leaderAndIsrToWire(lai, v)), v);
      expect(back, `v${v}`).toEqual({
        ...lai,
        brokerEpoch: v >= 2 ? 4242n : -1n,
        topics: lai.topics.map((t) => ({ ...t, topicId: v >= 5 ? TOPIC_ID : null, partitions: t.partitions.map((p) => ({ ...p, isNew: v >= 1 ? p.isNew : false })) })),
      });
    }
  });

  it('UpdateMetadata v0–v8', () => {
    for (let v = 0; v <= 8; v++) {
      const back = updateMetadataFromWire(roundTrip(ApiKey.UpdateMetadata, v, updateMetadataToWire(um, v)), v);
      const endpoints = v === 0 ? [um.liveBrokers[0]!.endpoints[0]!]
        : v < 3 ? um.liveBrokers[0]!.endpoints.map((e) => ({ ...e, listenerName: e.securityProtocol })) : um.liveBrokers[0]!.endpoints;
      expect(back, `v${v}`).toEqual({
        ...um,
        brokerEpoch: v >= 5 ? 4242n : -1n,
        topics: um.topics.map((t) => ({ ...t, topicId: v >= 7 ? TOPIC_ID : null, partitions: t.partitions.map((p) => ({ ...p, offlineReplicas: v >= 4 ? p.offlineReplicas : [] })) })),
        liveBrokers: [{ ...um.liveBrokers[0]!, rack: v >= 2 ? 'r1' : null, endpoints }],
      });
    }
  });

  it('StopReplica v0–v4 (before v3 a mixed request is split by its delete flag)', () => {
    for (let v = 0; v <= 4; v++) {
      const bodies = stopReplicaToWire(sr, v);
      expect(bodies, `v${v}`).toHaveLength(v >= 3 ? 1 : 2);
      const back = bodies.map((b) => stopReplicaFromWire(roundTrip(ApiKey.StopReplica, v, b), v));
      expect(back.flatMap((b) => b.partitions), `v${v}`).toEqual(sr.partitions.map((p) => ({ ...p, leaderEpoch: v >= 3 ? p.leaderEpoch : -1 })));
      for (const b of back) expect(b.brokerEpoch).toBe(v >= 1 ? 4242n : -1n);
    }
  });

  it('topic ids: ZooKeeper base64url ⇄ UUID, null ⇄ the zero UUID', () => {
    expect(topicIdToUuid(TOPIC_ID)).toBe('01234567-89ab-cdef-0123-456789abcdef');
    expect(uuidToTopicId(topicIdToUuid(TOPIC_ID))).toBe(TOPIC_ID);
    expect(topicIdToUuid(null)).toBe('00000000-0000-0000-0000-000000000000');
    expect(uuidToTopicId('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('versions by inter.broker.protocol.version, as Kafka\'s controller picks them', () => {
    const pick = (ibp: string) => [leaderAndIsrVersion(ibp), updateMetadataVersion(ibp), stopReplicaVersion(ibp)];
    expect(pick('3.8-IV0')).toEqual([7, 8, 4]);
    expect(pick('3.4')).toEqual([7, 8, 4]);
    expect(pick('3.3-IV3')).toEqual([6, 7, 3]);
    expect(pick('2.8-IV1')).toEqual([5, 7, 3]);
    expect(pick('2.6-IV0')).toEqual([4, 6, 3]);
    expect(pick('2.4-IV0')).toEqual([3, 5, 1]);
    expect(pick('2.2-IV0')).toEqual([2, 5, 1]);
    expect(pick('1.0')).toEqual([1, 4, 0]);
    expect(pick('0.10.2')).toEqual([0, 3, 0]);
    expect(pick('0.10.0-IV1')).toEqual([0, 2, 0]);
    expect(pick('0.9.0')).toEqual([0, 1, 0]);
    expect(pick('0.8.2')).toEqual([0, 0, 0]);
  });
});
