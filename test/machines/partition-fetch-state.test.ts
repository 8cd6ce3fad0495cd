import { describe, expect, it } from 'vitest';
import { advanceFetchState, partitionFetchStateMachine } from '../../src/machines/partition-fetch-state.js';

describe('partition fetch state (pure transitions of the machine definition)', () => {
  it('truncating → fetching → truncating, fenced from either; failed refuses everything', () => {
    expect(partitionFetchStateMachine.config.initial).toBe('truncating');
    expect(advanceFetchState('truncating', 'truncation.completed')).toEqual({ state: 'fetching', valid: true });
    expect(advanceFetchState('truncating', 'truncation.needed')).toEqual({ state: 'truncating', valid: true });
    expect(advanceFetchState('fetching', 'truncation.needed')).toEqual({ state: 'truncating', valid: true });
    expect(advanceFetchState('fetching', 'truncation.completed')).toEqual({ state: 'fetching', valid: true });
    expect(advanceFetchState('fetching', 'fenced')).toEqual({ state: 'failed', valid: true });
    expect(advanceFetchState('truncating', 'fenced')).toEqual({ state: 'failed', valid: true });
    expect(advanceFetchState('failed', 'truncation.completed')).toEqual({ state: 'failed', valid: false });
    // memoized: the same answer again
    expect(advanceFetchState('truncating', 'truncation.completed')).toEqual({ state: 'fetching', valid: true });
  });
});
