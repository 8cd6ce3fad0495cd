import { describe, expect, it } from 'vitest';
import { completionState, isBeingReassigned, originReplicas, reassignTo, targetReplicas, validateReplicas } from '../../../src/services/controller/partition-reassignment.js';

const a = (replicas: number[], addingReplicas: number[] = [], removingReplicas: number[] = []) => ({ replicas, addingReplicas, removingReplicas });

describe('partition reassignment decisions (Kafka ReplicaAssignment / KafkaController)', () => {
  it('reassignTo: RS = TRS ++ ORS, AR = TRS − ORS, RR = ORS − TRS; a new target replaces an ongoing one from ORS', () => {
    expect(reassignTo(a([1, 2, 3]), [4, 5, 6])).toEqual(a([4, 5, 6, 1, 2, 3], [4, 5, 6], [1, 2, 3]));
    expect(reassignTo(a([1, 2, 3]), [3, 4, 2])).toEqual(a([3, 4, 2, 1], [4], [1]));
    const ongoing = a([4, 5, 6, 1, 2, 3], [4, 5, 6], [1, 2, 3]);
    expect(originReplicas(ongoing)).toEqual([1, 2, 3]);
    expect(targetReplicas(ongoing)).toEqual([4, 5, 6]);
    // cancel = back to ORS: nothing adding or removing
    expect(reassignTo(ongoing, originReplicas(ongoing))).toEqual(a([1, 2, 3]));
    expect(isBeingReassigned(reassignTo(a([1, 2]), [2, 1]))).toBe(false); // a reorder
  });

  it('validateReplicas as Kafka: empty, duplicates, negative ids, adding brokers that are not alive', () => {
    const live = new Set([1, 2, 3]);
    expect(validateReplicas(a([1, 2]), [], live)).toMatch(/Empty replica list/);
    expect(validateReplicas(a([1, 2]), [1, 1], live)).toMatch(/Duplicate replica ids/);
    expect(validateReplicas(a([1, 2]), [1, -2], live)).toMatch(/Invalid broker id/);
    expect(validateReplicas(a([1, 2]), [1, 4], live)).toMatch(/not alive.*\[4\]/);
    expect(validateReplicas(a([1, 4]), [1, 4], live)).toBeNull(); // 4 is not being added
    expect(validateReplicas(a([1, 2]), [2, 3], live)).toBeNull();
  });

  it('completes once every target is in the ISR; the leader moves off a removed replica; the ISR keeps only targets', () => {
    const s = { leader: 1, leaderEpoch: 5, isr: [1, 2], leaderRecoveryState: 0 };
    const moving = a([2, 3, 1], [3], [1]);
    expect(completionState(s, moving, new Set([1, 2, 3]))).toBeNull(); // 3 not in the ISR yet
    expect(completionState({ ...s, isr: [1, 2, 3] }, moving, new Set([1, 2, 3]))).toEqual({ leader: 2, leaderEpoch: 6, isr: [2, 3], leaderRecoveryState: 0 });
    // the leader stays when it is a target and online
    expect(completionState({ ...s, leader: 2, isr: [1, 2, 3] }, moving, new Set([1, 2, 3]))!.leader).toBe(2);
    // no online target in the ISR to lead: wait
    expect(completionState({ ...s, isr: [1, 2, 3] }, moving, new Set([1]))).toBeNull();
  });
});
