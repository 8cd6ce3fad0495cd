/**
 * What the controller tells each live broker after a reconciliation, as KafkaController's onControllerFailover,
 * onBrokerStartup, onBrokerFailure, topic creation and deletion do.
 */
import { describe, expect, it } from 'vitest';
import { buildRequestBatch, leaderAndIsrForAllReplicas, type ControllerView } from '../../../src/services/controller/controller-request-batch.js';
import type { PartitionMetadata, TopicMetadata } from '../../../src/services/controller/cluster-metadata.js';
import type { BrokerInfo } from '../../../src/services/zookeeper/zk-data.js';

const broker = (id: number): BrokerInfo => ({
  id, rack: null, jmxPort: -1, timestamp: 0, features: {},
  endpoints: [{ listenerName: 'CLIENT', host: `c${id}`, port: 9092, securityProtocol: 'PLAINTEXT' }, { listenerName: 'INTERNAL', host: `i${id}`, port: 9093, securityProtocol: 'PLAINTEXT' }],
});

const part = (partition: number, leader: number, replicas = [leader], extra: Partial<PartitionMetadata> = {}): PartitionMetadata => ({
  partition, leader, leaderEpoch: 0, controllerEpoch: 1, isr: [leader], replicas, offlineReplicas: [], partitionEpoch: 0, ...extra,
});

function view(brokers: Array<[number, bigint]>, topics: TopicMetadata[]): ControllerView {
  return { metadata: { controllerId: 1, controllerEpoch: 1, brokers: brokers.map(([id]) => broker(id)), topics }, brokerEpochs: new Map(brokers) };
}

const t = (name: string, partitions: PartitionMetadata[]): TopicMetadata => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions });
const laiPartitions = (r: ReturnType<typeof buildRequestBatch>, id: number) => r.get(id)?.leaderAndIsr?.topics.flatMap((x) => x.partitions.map((p) => `${x.topicName}-${p.partitionIndex}:${p.leader}`)) ?? [];
const umPartitions = (r: ReturnType<typeof buildRequestBatch>, id: number) => r.get(id)?.updateMetadata?.topics.flatMap((x) => x.partitions.map((p) => `${x.topicName}-${p.partitionIndex}:${p.leader}`)) ?? [];

const twoBrokers = view([[1, 100n], [2, 200n]], [t('a', [part(0, 1), part(1, 2), part(2, 1, [1, 2])])]);

describe('buildRequestBatch', () => {
  it('on becoming controller: full UpdateMetadata to every live broker, LeaderAndIsr for each one\'s replicas, with its broker epoch', () => {
    const r = buildRequestBatch(null, twoBrokers, 'INTERNAL');
    expect([...r.keys()].sort()).toEqual([1, 2]);
    expect(umPartitions(r, 1)).toEqual(['a-0:1', 'a-1:2', 'a-2:1']);
    expect(umPartitions(r, 2)).toEqual(['a-0:1', 'a-1:2', 'a-2:1']);
    expect(laiPartitions(r, 1)).toEqual(['a-0:1', 'a-2:1']);
    expect(laiPartitions(r, 2)).toEqual(['a-1:2', 'a-2:1']); // a follower of a-2 too
    expect(r.get(2)!.leaderAndIsr!.brokerEpoch).toBe(200n);
    expect(r.get(2)!.updateMetadata!.brokerEpoch).toBe(200n);
    expect(r.get(2)!.leaderAndIsr!.liveLeaders).toEqual([{ brokerId: 1, hostName: 'i1', port: 9093 }, { brokerId: 2, hostName: 'i2', port: 9093 }]);
    expect(r.get(1)!.updateMetadata!.liveBrokers.map((b) => b.id)).toEqual([1, 2]);
    expect(r.get(1)!.leaderAndIsr!.topics[0]!.partitions.every((p) => !p.isNew)).toBe(true);
  });

  it('sends nothing when nothing changed', () => {
    expect(buildRequestBatch(twoBrokers, twoBrokers, 'INTERNAL').size).toBe(0);
  });

  it('on a new topic: LeaderAndIsr (isNew) to its replicas, its partitions in UpdateMetadata to everyone', () => {
    const next = view([[1, 100n], [2, 200n]], [...twoBrokers.metadata.topics, t('b', [part(0, 2)])]);
    const r = buildRequestBatch(twoBrokers, next, 'INTERNAL');
    expect(laiPartitions(r, 1)).toEqual([]);
    expect(laiPartitions(r, 2)).toEqual(['b-0:2']);
    expect(r.get(2)!.leaderAndIsr!.topics[0]!.partitions[0]!.isNew).toBe(true);
    expect(umPartitions(r, 1)).toEqual(['b-0:2']);
    expect(umPartitions(r, 2)).toEqual(['b-0:2']);
  });

  it('on broker startup: full UpdateMetadata and LeaderAndIsr for all its partitions to it, the new broker list to the others', () => {
    const prev = view([[1, 100n]], twoBrokers.metadata.topics);
    const r = buildRequestBatch(prev, twoBrokers, 'INTERNAL');
    expect(umPartitions(r, 2)).toEqual(['a-0:1', 'a-1:2', 'a-2:1']);
    expect(laiPartitions(r, 2)).toEqual(['a-1:2', 'a-2:1']);
    expect(umPartitions(r, 1)).toEqual([]);
    expect(r.get(1)!.updateMetadata!.liveBrokers.map((b) => b.id)).toEqual([1, 2]);
    expect(r.get(1)!.leaderAndIsr).toBeUndefined();
  });

  it('treats a new broker epoch (a quick restart) as a broker startup', () => {
    const bounced = view([[1, 100n], [2, 201n]], twoBrokers.metadata.topics);
    const r = buildRequestBatch(twoBrokers, bounced, 'INTERNAL');
    expect(laiPartitions(r, 2)).toEqual(['a-1:2', 'a-2:1']);
    expect(r.get(2)!.leaderAndIsr!.brokerEpoch).toBe(201n);
  });

  it('on broker failure: the moved or leaderless partitions to every live broker', () => {
    const after = view([[1, 100n]], [t('a', [part(0, 1), part(1, -1, [2], { leaderEpoch: 1, partitionEpoch: 1, isr: [2], offlineReplicas: [2] }), part(2, 1, [1, 2], { offlineReplicas: [2] })])]);
    const r = buildRequestBatch(twoBrokers, after, 'INTERNAL');
    expect([...r.keys()]).toEqual([1]);
    expect(umPartitions(r, 1)).toEqual(['a-1:-1', 'a-2:1']);
    expect(r.get(1)!.updateMetadata!.liveBrokers.map((b) => b.id)).toEqual([1]);
    // a-2 only lost an out-of-ISR replica: its leader epoch is unchanged, so UpdateMetadata only (as Kafka).
    expect(laiPartitions(r, 1)).toEqual([]);
  });

  it('an ISR change under the same leader epoch (AlterPartition) is UpdateMetadata only; a new leader epoch is LeaderAndIsr too', () => {
    const before = view([[1, 100n], [2, 200n]], [t('a', [part(0, 1, [1, 2], { isr: [1, 2] }), part(1, 2, [2, 1], { isr: [2, 1] })])]);
    const after = view([[1, 100n], [2, 200n]], [t('a', [part(0, 1, [1, 2], { isr: [1], partitionEpoch: 1 }), part(1, 1, [2, 1], { isr: [1], leaderEpoch: 1, partitionEpoch: 1 })])]);
    const r = buildRequestBatch(before, after, 'INTERNAL');
    expect(umPartitions(r, 1)).toEqual(['a-0:1', 'a-1:1']);
    expect(umPartitions(r, 2)).toEqual(['a-0:1', 'a-1:1']);
    expect(laiPartitions(r, 1)).toEqual(['a-1:1']);
    expect(laiPartitions(r, 2)).toEqual(['a-1:1']);
  });

  it('on topic deletion: leader -2 in UpdateMetadata to everyone, StopReplica(delete) to the replicas', () => {
    const after = view([[1, 100n], [2, 200n]], []);
    const r = buildRequestBatch(twoBrokers, after, 'INTERNAL');
    expect(umPartitions(r, 1)).toEqual(['a-0:-2', 'a-1:-2', 'a-2:-2']);
    expect(r.get(1)!.stopReplica!.partitions.map((p) => [p.partitionIndex, p.leaderEpoch, p.deletePartition])).toEqual([[0, -2, true], [2, -2, true]]);
    expect(r.get(2)!.stopReplica!.partitions.map((p) => p.partitionIndex)).toEqual([1, 2]);
  });

  it('a deletion that waited for a broker: StopReplica(delete) to the replicas even though the topic already left the metadata', () => {
    const prev = view([[1, 100n]], []);
    const next: ControllerView = { ...view([[1, 100n], [2, 200n]], []), deletions: [{ topic: 'd', partitions: [{ partition: 0, replicas: [1, 2] }, { partition: 1, replicas: [2] }] }] };
    const r = buildRequestBatch(prev, next, 'INTERNAL');
    expect(r.get(2)!.stopReplica!.partitions).toEqual([0, 1].map((p) => ({ topicName: 'd', partitionIndex: p, leaderEpoch: -2, deletePartition: true })));
    expect(r.get(1)!.stopReplica!.partitions.map((p) => p.partitionIndex)).toEqual([0]);
    expect(umPartitions(r, 1)).toEqual([]);
  });
  it('onBrokerLogDirFailure: a LeaderAndIsr for every replica the broker holds at its current state (same leader epoch, not new); none when it holds none', () => {
    const v = view([[1, 100n], [2, 200n], [3, 300n]], [t('a', [part(0, 1), part(1, 2, [2, 1], { leaderEpoch: 4, isr: [2, 1] }), part(2, 1, [1, 2])])]);
    const lai = leaderAndIsrForAllReplicas(v, 2, 'INTERNAL')!;
    expect(lai.brokerEpoch).toBe(200n);
    expect(lai.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leader, p.leaderEpoch, p.isNew])).toEqual([[1, 2, 4, false], [2, 1, 0, false]]);
    expect(lai.liveLeaders.map((l) => l.brokerId)).toEqual([1, 2]);
    expect(leaderAndIsrForAllReplicas(v, 3, 'INTERNAL')).toBeNull();
  });
});
