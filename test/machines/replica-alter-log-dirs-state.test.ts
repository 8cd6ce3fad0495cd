import { describe, expect, it } from 'vitest';
import { advanceMoveState, replicaAlterLogDirsStateMachine } from '../../src/machines/replica-alter-log-dirs-state.js';

describe('replica alter-log-dirs state (pure transitions of the machine definition)', () => {
  it('truncating → copying → swapped; copying back to truncating; failed from either; final states refuse everything', () => {
    expect(replicaAlterLogDirsStateMachine.config.initial).toBe('truncating');
    expect(advanceMoveState('truncating', 'truncation.completed')).toEqual({ state: 'copying', valid: true });
    expect(advanceMoveState('copying', 'truncation.needed')).toEqual({ state: 'truncating', valid: true });
    expect(advanceMoveState('copying', 'caught.up')).toEqual({ state: 'swapped', valid: true });
    expect(advanceMoveState('truncating', 'failed')).toEqual({ state: 'failed', valid: true });
    expect(advanceMoveState('copying', 'failed')).toEqual({ state: 'failed', valid: true });
    // a swap only from copying (the truncation checked first); no truncation requested while truncating
    expect(advanceMoveState('truncating', 'caught.up')).toEqual({ state: 'truncating', valid: false });
    expect(advanceMoveState('truncating', 'truncation.needed')).toEqual({ state: 'truncating', valid: false });
    for (const done of ['swapped', 'failed'] as const) {
      for (const e of ['truncation.completed', 'truncation.needed', 'caught.up', 'failed'] as const) expect(advanceMoveState(done, e)).toEqual({ state: done, valid: false });
    }
    expect(advanceMoveState('truncating', 'truncation.completed')).toEqual({ state: 'copying', valid: true }); // memoized
  });
});
