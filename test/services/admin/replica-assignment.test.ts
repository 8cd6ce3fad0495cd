import { describe, it, expect } from 'vitest';
import { AdminOperationError, assignReplicas, assignReplicasToBrokers, type BrokerMetadata, InvalidReplicationFactorError, rackAlternatedBrokerList } from '../../../src/services/admin/replica-assignment.js';
import { validateTopicName } from '../../../src/services/admin/topic-validation.js';

describe('replica assignment', () => {
  it('spreads leaders evenly and never repeats a broker within a partition', () => {
    const a = assignReplicasToBrokers(12, 3, [3, 1, 2, 4], (n) => 1 % n);
    const leaders = new Map<number, number>();
    for (const replicas of a.values()) {
      expect(new Set(replicas).size).toBe(3);
      leaders.set(replicas[0], (leaders.get(replicas[0]) ?? 0) + 1);
    }
    expect([...leaders.values()]).toEqual([3, 3, 3, 3]);
    expect(a.size).toBe(12);
  });

  it('refuses a replication factor above the live brokers, as Kafka says it', () => {
    expect(() => assignReplicasToBrokers(1, 2, [1])).toThrow(new InvalidReplicationFactorError('Replication factor: 2 larger than available brokers: 1.'));
  });
});

describe('topic names', () => {
  it.each([
    ['', "Topic name is illegal, it can't be empty"],
    ['..', 'Topic name cannot be "." or ".."'],
    ['x'.repeat(250), "Topic name is illegal, it can't be longer than 249 characters"],
    ['a/b', `Topic name "a/b" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`],
  ])('rejects %j', (name, message) => { expect(() => validateTopicName(name)).toThrow(message); });

  it('accepts Kafka-legal names', () => { expect(() => validateTopicName('my_topic-1.v2')).not.toThrow(); });
});

// Kafka 3.7.1 core/src/test/scala/unit/kafka/admin/AdminRackAwareTest.scala, case by case.
describe('rack-aware replica assignment (AdminRackAwareTest)', () => {
  const metas = (m: Record<number, string>): BrokerMetadata[] => Object.entries(m).map(([id, rack]) => ({ id: Number(id), rack }));
  const rackMap = (m: Record<number, string>) => new Map(Object.entries(m).map(([id, r]): [number, string] => [Number(id), r]));
  const noRandom = () => { throw new Error('random used'); };
  const fixedRandom = (seed: number) => (n: number) => seed % n;

  /** RackAwareTest.checkReplicaDistribution. */
  function checkDistribution(a: Map<number, number[]>, racks: Record<number, string>, numBrokers: number, numPartitions: number, rf: number,
    o: { rackAware?: boolean; leaders?: boolean; replicas?: boolean } = {}) {
    const leaderCount = new Map<number, number>(); const replicaCount = new Map<number, number>();
    expect(a.size).toBe(numPartitions);
    for (const replicas of a.values()) {
      expect(replicas).toHaveLength(rf);
      expect(new Set(replicas).size).toBe(rf);
      leaderCount.set(replicas[0]!, (leaderCount.get(replicas[0]!) ?? 0) + 1);
      for (const r of replicas) replicaCount.set(r, (replicaCount.get(r) ?? 0) + 1);
      if (o.rackAware ?? true) {
        const numRacks = new Set(Object.values(racks)).size;
        expect(new Set(replicas.map((r) => racks[r])).size).toBe(Math.min(rf, numRacks));
      }
    }
    if (o.leaders ?? true) for (const id of Object.keys(racks)) expect(leaderCount.get(Number(id))).toBe(numPartitions / numBrokers);
    if (o.replicas ?? true) for (const id of Object.keys(racks)) expect(replicaCount.get(Number(id))).toBe(numPartitions * rf / numBrokers);
  }

  it('testGetRackAlternatedBrokerListAndAssignReplicasToBrokers: the rack-alternated list and Kafka\'s exact 7×3 assignment', () => {
    const m = { 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' };
    expect(rackAlternatedBrokerList(rackMap(m))).toEqual([0, 3, 1, 5, 4, 2]);
    const { 5: _drop, ...without5 } = m;
    expect(rackAlternatedBrokerList(rackMap(without5))).toEqual([0, 3, 1, 4, 2]);
    expect(Object.fromEntries(assignReplicas(metas(m), 7, 3, noRandom, { fixedStartIndex: 0, startPartitionId: 0 }))).toEqual({
      0: [0, 3, 1], 1: [3, 1, 5], 2: [1, 5, 4], 3: [5, 4, 2], 4: [4, 2, 0], 5: [2, 0, 3], 6: [0, 4, 2],
    });
  });

  const even = { 0: 'rack1', 1: 'rack2', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack1' };
  it('testAssignmentWithRackAware (fixed start 2) and with every random start', () => {
    checkDistribution(assignReplicas(metas(even), 6, 3, noRandom, { fixedStartIndex: 2, startPartitionId: 0 }), even, 6, 6, 3);
    for (let s = 0; s < 6; s++) checkDistribution(assignReplicas(metas(even), 6, 3, fixedRandom(s)), even, 6, 6, 3);
  });
  it('testAssignmentWithRackAwareWithUnevenReplicas', () => {
    checkDistribution(assignReplicas(metas(even), 13, 3, noRandom, { fixedStartIndex: 0, startPartitionId: 0 }), even, 6, 13, 3, { leaders: false, replicas: false });
  });
  it('testAssignmentWithRackAwareWithUnevenRacks', () => {
    const m = { 0: 'rack1', 1: 'rack1', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack1' };
    for (let s = 0; s < 6; s++) checkDistribution(assignReplicas(metas(m), 12, 3, fixedRandom(s)), m, 6, 12, 3, { replicas: false });
  });
  it('testAssignmentWith2ReplicasRackAware, …With6Partitions, …With6PartitionsAnd3Brokers', () => {
    for (let s = 0; s < 6; s++) {
      checkDistribution(assignReplicas(metas(even), 12, 2, fixedRandom(s)), even, 6, 12, 2);
      checkDistribution(assignReplicas(metas(even), 6, 2, fixedRandom(s)), even, 6, 6, 2);
      const three = { 0: 'rack1', 1: 'rack2', 4: 'rack3' };
      checkDistribution(assignReplicas(metas(three), 3, 2, fixedRandom(s)), three, 3, 3, 2);
    }
  });
  it('testRackAwareExpansion (start partition 12)', () => {
    const m = { 6: 'rack1', 7: 'rack2', 8: 'rack2', 9: 'rack3', 10: 'rack3', 11: 'rack1' };
    for (let s = 0; s < 6; s++) {
      const a = assignReplicas(metas(m), 12, 2, fixedRandom(s), { startPartitionId: 12 });
      expect([...a.keys()]).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
      checkDistribution(a, m, 6, 12, 2);
    }
  });
  it('testLargeNumberPartitionsAssignment (96 partitions, 12 brokers)', () => {
    const m = { 0: 'rack1', 1: 'rack2', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack1', 6: 'rack1', 7: 'rack2', 8: 'rack2', 9: 'rack3', 10: 'rack1', 11: 'rack3' };
    for (const s of [0, 5, 11]) checkDistribution(assignReplicas(metas(m), 96, 3, fixedRandom(s)), m, 12, 96, 3);
  });
  it('testMoreReplicasThanRacks / testLessReplicasThanRacks / testSingleRack', () => {
    const m = { 0: 'rack1', 1: 'rack2', 2: 'rack2', 3: 'rack3', 4: 'rack3', 5: 'rack2' };
    for (const r of assignReplicas(metas(m), 6, 5).values()) { expect(r).toHaveLength(5); expect(new Set(r.map((b) => m[b as keyof typeof m])).size).toBe(3); }
    for (const r of assignReplicas(metas(m), 6, 2).values()) { expect(r).toHaveLength(2); expect(new Set(r.map((b) => m[b as keyof typeof m])).size).toBe(2); }
    const single = { 0: 'rack1', 1: 'rack1', 2: 'rack1', 3: 'rack1', 4: 'rack1', 5: 'rack1' };
    const a = assignReplicas(metas(single), 6, 3);
    expect([...a.values()].map((r) => r[0]).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
  it('testSkipBrokerWithReplicaAlreadyAssigned (5 brokers, 3 racks, rf 4)', () => {
    const m = { 0: 'a', 1: 'b', 2: 'c', 3: 'a', 4: 'a' };
    checkDistribution(assignReplicas(metas(m), 6, 4, noRandom, { fixedStartIndex: 2, startPartitionId: -1 }), m, 5, 6, 4, { rackAware: false, leaders: false, replicas: false });
  });
  it('testReplicaAssignment: the rack-unaware exact assignment and errors', () => {
    const five = [0, 1, 2, 3, 4].map((id) => ({ id, rack: null }));
    expect(() => assignReplicas(five, 10, 0)).toThrow(InvalidReplicationFactorError);
    expect(() => assignReplicas(five, 10, 6)).toThrow(InvalidReplicationFactorError);
    expect(Object.fromEntries(assignReplicas(five, 10, 3, noRandom, { fixedStartIndex: 0, startPartitionId: -1 }))).toEqual({
      0: [0, 1, 2], 1: [1, 2, 3], 2: [2, 3, 4], 3: [3, 4, 0], 4: [4, 0, 1], 5: [0, 2, 3], 6: [1, 3, 4], 7: [2, 4, 0], 8: [3, 0, 1], 9: [4, 1, 2],
    });
  });
  it('some brokers with a rack, some without: AdminOperationException\'s message', () => {
    expect(() => assignReplicas([{ id: 1, rack: 'a' }, { id: 2, rack: null }], 1, 1))
      .toThrow(new AdminOperationError('Not all brokers have rack information for replica rack aware assignment.'));
  });
});
