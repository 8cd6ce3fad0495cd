import { describe, expect, it } from 'vitest';
import { autoRebalanceCandidates, decodePreferredReplicaElection, leaderForPreferredReplica } from '../../../src/services/controller/replica-election.js';
import type { ClusterMetadata } from '../../../src/services/controller/cluster-metadata.js';

const part = (partition: number, replicas: number[], leader: number, isr = replicas) =>
  ({ partition, replicas, leader, isr, leaderEpoch: 1, controllerEpoch: 1, offlineReplicas: [], partitionEpoch: 1 });
const md = (partitions: ReturnType<typeof part>[]): ClusterMetadata => ({ controllerId: 1, controllerEpoch: 1, brokers: [], topics: [{ name: 't', topicId: null, partitions }] });

describe('replica election decisions', () => {
  it('leaderForPreferredReplica: the first replica if online and in the ISR, the ISR kept and the epoch bumped', () => {
    expect(leaderForPreferredReplica({ leader: 2, leaderEpoch: 4, isr: [2, 1], leaderRecoveryState: 0 }, [1, 2], new Set([1, 2])))
      .toEqual({ leader: 1, leaderEpoch: 5, isr: [2, 1], leaderRecoveryState: 0 });
    expect(leaderForPreferredReplica({ leader: 2, leaderEpoch: 4, isr: [2], leaderRecoveryState: 0 }, [1, 2], new Set([1, 2]))).toBeNull();
    expect(leaderForPreferredReplica({ leader: 2, leaderEpoch: 4, isr: [2, 1], leaderRecoveryState: 0 }, [1, 2], new Set([2]))).toBeNull();
  });

  it('auto rebalance: only brokers whose imbalance ratio exceeds the percentage, only partitions whose preferred replica can lead', () => {
    // broker 1 prefers 4 partitions and leads 2 of them (50% imbalance); broker 2 prefers 1 and leads it
    const m = md([part(0, [1, 2], 1), part(1, [1, 2], 2), part(2, [1, 2], 2, [2]), part(3, [1, 2], 1), part(4, [2, 1], 2)]);
    const online = new Set([1, 2]);
    expect(autoRebalanceCandidates(m, online, 10)).toEqual([{ topic: 't', partition: 1 }]); // partition 2: 1 is not in the ISR
    expect(autoRebalanceCandidates(m, online, 50)).toEqual([]); // 0.5 is not > 0.5
    expect(autoRebalanceCandidates(m, new Set([2]), 10)).toEqual([]); // broker 1 offline
  });

  it('decodes the legacy znode, skipping malformed entries', () => {
    expect(decodePreferredReplicaElection(Buffer.from('{"version":1,"partitions":[{"topic":"a","partition":0},{"topic":1,"partition":2},{"topic":"b","partition":3}]}')))
      .toEqual([{ topic: 'a', partition: 0 }, { topic: 'b', partition: 3 }]);
    expect(decodePreferredReplicaElection(null)).toEqual([]);
    expect(() => decodePreferredReplicaElection(Buffer.from('{oops'))).toThrow();
  });
});
