import { describe, expect, it } from 'vitest';
import { createReplicaSelector, findPreferredReadReplica, rackAwareReplicaSelector, RACK_AWARE_REPLICA_SELECTOR, type ReplicaView } from '../../../src/services/replication/replica-selector.js';
import { KafkaConfig } from '../../../src/config/kafka-config.js';

const view = (brokerId: number, rack: string | null, logEndOffset: bigint, timeSinceLastCaughtUpMs = 0): ReplicaView => ({ brokerId, rack, logEndOffset, timeSinceLastCaughtUpMs });

// Kafka 3.7.1 clients/src/test/java/org/apache/kafka/common/replica/ReplicaSelectorTest.testSameRackSelector & co
describe('RackAwareReplicaSelector (ReplicaSelectorTest)', () => {
  const leader = view(0, 'rack-a', 10n);
  const replicas = [leader, view(1, 'rack-b', 5n, 5), view(2, 'rack-b', 10n, 3), view(3, 'rack-c', 9n)];
  it('same rack: the most caught-up replica of the client\'s rack', () => {
    expect(rackAwareReplicaSelector.select('rack-b', leader, replicas)?.brokerId).toBe(2);
  });
  it('ties on the log end offset: the least time since caught up, then the highest id', () => {
    const r = [leader, view(1, 'b', 10n, 50), view(2, 'b', 10n, 3), view(3, 'b', 10n, 3)];
    expect(rackAwareReplicaSelector.select('b', leader, r)?.brokerId).toBe(3);
  });
  it('the leader when: no client rack, no replica in it, or the leader is in it', () => {
    expect(rackAwareReplicaSelector.select('', leader, replicas)).toBe(leader);
    expect(rackAwareReplicaSelector.select('rack-x', leader, replicas)).toBe(leader);
    expect(rackAwareReplicaSelector.select('rack-a', leader, [...replicas, view(9, 'rack-a', 99n)])).toBe(leader);
  });
});

describe('findPreferredReadReplica (ReplicaManager)', () => {
  const racks: Record<number, string> = { 1: 'rack-a', 2: 'rack-b', 3: 'rack-a' };
  const base = {
    selector: rackAwareReplicaSelector, clientRack: 'rack-b', leaderId: 1, leaderLogEndOffset: 100n, isr: [1, 2, 3], fetchOffset: 50n, now: 1000,
    followers: [{ brokerId: 2, logStartOffset: 0n, logEndOffset: 100n, lastCaughtUpTimeMs: 990 }, { brokerId: 3, logStartOffset: 0n, logEndOffset: 100n, lastCaughtUpTimeMs: 990 }],
    rackOf: (id: number) => racks[id],
  };
  it('a follower in the client\'s rack, in the ISR and holding the offset', () => { expect(findPreferredReadReplica(base)).toBe(2); });
  it('-1 (the leader) when the follower is out of the ISR, does not hold the offset, is not live, or no selector is set', () => {
    expect(findPreferredReadReplica({ ...base, isr: [1, 3] })).toBe(-1);
    expect(findPreferredReadReplica({ ...base, fetchOffset: 101n })).toBe(-1);
    expect(findPreferredReadReplica({ ...base, followers: [{ ...base.followers[0]!, logStartOffset: 60n }] })).toBe(-1);
    expect(findPreferredReadReplica({ ...base, rackOf: (id) => (id === 2 ? undefined : racks[id]) })).toBe(-1);
    expect(findPreferredReadReplica({ ...base, selector: null })).toBe(-1);
    expect(findPreferredReadReplica({ ...base, clientRack: 'rack-a' })).toBe(-1); // the leader's own rack
  });
  it('replica.selector.class: the Kafka class name, anything else refused at startup as Kafka cannot load it', () => {
    expect(createReplicaSelector(null)).toBeNull();
    expect(createReplicaSelector(RACK_AWARE_REPLICA_SELECTOR)).toBe(rackAwareReplicaSelector);
    expect(() => KafkaConfig.fromProps({ 'zookeeper.connect': 'x:1', 'replica.selector.class': 'com.example.Nope' })).toThrow(/com.example.Nope cannot be found/);
    expect(KafkaConfig.fromProps({ 'zookeeper.connect': 'x:1', 'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR }).getString('replica.selector.class')).toBe(RACK_AWARE_REPLICA_SELECTOR);
  });
});

describe('preferredReadReplica: the client\'s listener (Kafka getPartitionReplicaEndpoints for the request\'s listener)', async () => {
  const { preferredReadReplica } = await import('../../../src/services/server/handlers/fetch-from-follower.js');
  const config = KafkaConfig.fromProps({ 'zookeeper.connect': 'x:2181', 'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR });
  const ep = (listenerName: string) => ({ listenerName, host: 'h', port: 1, securityProtocol: 'PLAINTEXT' });
  const ctx = (followerListeners: string[]) => ({
    config: () => config,
    metadata: { brokerId: 1, brokers: () => [
      { id: 1, endpoints: [ep('PLAINTEXT'), ep('EXTERNAL')], rack: 'a', jmxPort: -1, timestamp: 0, features: {} },
      { id: 2, endpoints: followerListeners.map(ep), rack: 'b', jmxPort: -1, timestamp: 0, features: {} },
    ] },
  }) as never;
  const partition = { isr: [1, 2], followerStates: () => [{ brokerId: 2, logStartOffset: 0n, logEndOffset: 10n, lastCaughtUpTimeMs: Date.now() }] } as never;
  const log = { logEndOffset: 10n } as never;
  it('a follower with an endpoint on the client\'s listener is offered; without one it is not', () => {
    expect(preferredReadReplica(ctx(['PLAINTEXT', 'EXTERNAL']), partition, log, 'b', 5n, 'EXTERNAL')).toBe(2);
    expect(preferredReadReplica(ctx(['PLAINTEXT']), partition, log, 'b', 5n, 'external')).toBe(-1);
    expect(preferredReadReplica(ctx(['PLAINTEXT']), partition, log, 'b', 5n, 'PLAINTEXT')).toBe(2);
  });
});
