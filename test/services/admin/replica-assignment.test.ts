import { describe, it, expect } from 'vitest';
import { assignReplicasToBrokers, InvalidReplicationFactorError } from '../../../src/services/admin/replica-assignment.js';
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
