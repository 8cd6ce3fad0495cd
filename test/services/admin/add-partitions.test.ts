import { describe, expect, it } from 'vitest';
import { newPartitionsAssignment } from '../../../src/services/admin/add-partitions.js';

const existing = (rows: number[][]) => new Map(rows.map((r, i): [number, number[]] => [i, r]));

describe('newPartitionsAssignment (CreatePartitions)', () => {
  it('adds the new partition ids after the existing ones, starting at partition 0\'s leader, with its replication factor', () => {
    const a = newPartitionsAssignment(existing([[2, 3], [3, 1]]), [1, 2, 3], 5, null);
    expect([...a.keys()]).toEqual([2, 3, 4]);
    for (const r of a.values()) { expect(r).toHaveLength(2); expect(new Set(r).size).toBe(2); }
    // Kafka: fixed start index = position of broker 2 in [1,2,3] = 1; partition 2 → (2+1)%3 = broker 1
    expect(a.get(2)![0]).toBe(1);
    expect(a.get(3)![0]).toBe(2);
    expect(a.get(4)![0]).toBe(3);
  });

  it('one broker: every new partition on it', () => {
    expect([...newPartitionsAssignment(existing([[1], [1]]), [1], 5, null)]).toEqual([[2, [1]], [3, [1]], [4, [1]]]);
  });

  it('the count must grow (Kafka\'s messages)', () => {
    expect(() => newPartitionsAssignment(existing([[1], [1], [1]]), [1], 2, null)).toThrow(/^Topic currently has 3 partitions, which is higher than the requested 2\.$/);
    expect(() => newPartitionsAssignment(existing([[1], [1], [1]]), [1], 3, null)).toThrow(/^Topic already has 3 partitions\.$/);
  });

  it('given assignments: one per new partition, known brokers, no duplicates, partition 0\'s replication factor', () => {
    const e = existing([[1, 2]]);
    expect([...newPartitionsAssignment(e, [1, 2, 3], 3, [[3, 1], [2, 3]])]).toEqual([[1, [3, 1]], [2, [2, 3]]]);
    const err = (given: number[][], count = 3) => { try { newPartitionsAssignment(e, [1, 2, 3], count, given); return null; } catch (x) { return [(x as Error).name, (x as Error).message]; } };
    expect(err([[1, 9], [2, 8]])).toEqual(['InvalidReplicaAssignmentError', 'Unknown broker(s) in replica assignment: 9, 8.']);
    expect(err([[1, 2]])).toEqual(['InvalidReplicaAssignmentError', 'Increasing the number of partitions by 2 but 1 assignments provided.']);
    expect(err([[1, 1], [2, 3]])).toEqual(['InvalidReplicaAssignmentError', 'Duplicate brokers not allowed in replica assignment: 1, 1 for partition id 1.']);
    expect(err([[], [2, 3]])).toEqual(['InvalidReplicaAssignmentError', 'Cannot have replication factor of 0 for partition id 1.']);
    expect(err([[1], [2, 3, 1]])).toEqual(['InvalidReplicaAssignmentError',
      'Inconsistent replication factor between partitions, partition 0 has 2 while partitions [1, 2] have replication factors [1, 3], respectively.']);
  });

  it('automatic assignment needs enough brokers for the replication factor', () => {
    expect(() => newPartitionsAssignment(existing([[1, 2]]), [1], 2, null)).toThrow('Replication factor: 2 larger than available brokers: 1.');
  });
});

describe('newPartitionsAssignment with racks (AdminZkClient.createNewPartitionsAssignment → rack-aware AdminUtils)', () => {
  it('every new partition spans both racks; the start index is taken in the id-sorted list', () => {
    const brokers = [{ id: 1, rack: 'a' }, { id: 2, rack: 'a' }, { id: 3, rack: 'b' }, { id: 4, rack: 'b' }];
    const a = newPartitionsAssignment(new Map([[0, [3, 1]]]), brokers, 9, null);
    expect([...a.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const rack = (id: number) => brokers.find((b) => b.id === id)!.rack;
    for (const r of a.values()) expect(new Set(r.map(rack)).size).toBe(2);
    // alternated list [1,3,2,4]; start index 2 (broker 3 in [1,2,3,4]); partition 1 → (1+2)%4 = 4th = broker 4
    expect(a.get(1)![0]).toBe(4);
  });
});
