import { describe, expect, it } from 'vitest';
import { proposedMoveMap, throttledReplicaLists } from '../../src/commands/reassign.js';

// Kafka 3.7.1 tools/src/test/java/org/apache/kafka/tools/reassign/ReassignPartitionsUnitTest.testMoveMap
describe('rafka reassign --throttle: the move map and throttled-replica lists (ReassignPartitionsUnitTest.testMoveMap)', () => {
  it('gives Kafka\'s sources, destinations and leader / follower throttle strings', () => {
    const r = (topic: string, partition: number, replicas: number[], adding: number[]) => ({ topic, partition, replicas, adding });
    const inFlight = [
      r('foo', 0, [1, 2, 3, 4], [4]), r('foo', 1, [4, 5, 6, 7, 8], [7, 8]), r('foo', 2, [1, 2, 3, 4], [3, 4]),
      r('foo', 3, [1, 2, 3, 4], [3, 4]), r('foo', 4, [1, 2, 3, 4], [3, 4]), r('foo', 5, [1, 2, 3, 4], [3, 4]),
    ];
    const p = (topic: string, partition: number, replicas: number[]) => ({ topic, partition, replicas });
    const plan = [p('foo', 0, [1, 2, 5]), p('foo', 2, [3, 4]), p('foo', 3, [5, 6]), p('foo', 4, [3]), p('foo', 5, [3, 4, 5, 6]), p('bar', 0, [1, 2, 3])];
    const current = [p('foo', 0, [1, 2, 3, 4]), p('foo', 1, [4, 5, 6, 7, 8]), p('foo', 2, [1, 2, 3, 4]), p('foo', 3, [1, 2, 3, 4]),
      p('foo', 4, [1, 2, 3, 4]), p('foo', 5, [1, 2, 3, 4]), p('bar', 0, [2, 3, 4]), p('baz', 0, [1, 2, 3])];
    const moves = proposedMoveMap(inFlight, plan, current);
    const show = (t: string) => Object.fromEntries([...moves.get(t)!].map(([k, m]) => [k, [[...m.sources].sort(), [...m.destinations].sort()]]));
    expect(show('foo')).toEqual({
      0: [[1, 2, 3], [5]], 1: [[4, 5, 6], [7, 8]], 2: [[1, 2], [3, 4]], 3: [[1, 2], [5, 6]], 4: [[1, 2], [3]], 5: [[1, 2], [3, 4, 5, 6]],
    });
    expect(show('bar')).toEqual({ 0: [[2, 3, 4], [1]] });
    const { leader, follower } = throttledReplicaLists(moves);
    expect(Object.fromEntries(leader)).toEqual({ foo: '0:1,0:2,0:3,1:4,1:5,1:6,2:1,2:2,3:1,3:2,4:1,4:2,5:1,5:2', bar: '0:2,0:3,0:4' });
    expect(Object.fromEntries(follower)).toEqual({ foo: '0:5,1:7,1:8,2:3,2:4,3:5,3:6,4:3,5:3,5:4,5:5,5:6', bar: '0:1' });
  });

  it('a partition with no replicas anywhere is refused with Kafka\'s message', () => {
    expect(() => proposedMoveMap([], [{ topic: 'x', partition: 0, replicas: [1] }], [])).toThrow('Trying to reassign a topic partition x-0 with 0 replicas');
  });
});
