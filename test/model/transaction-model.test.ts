/**
 * The failure model's transaction events (support/transaction-model.ts) as a graph (no processes): every transition
 * is reachable on a path to `finished`, the guards keep the graph finite, the CI path is the one the CI budget
 * allows (a crash between PrepareCommit and CompleteCommit, a fenced zombie, one restart), and the full plan takes
 * every transition and every back-to-back pair. The paths run in test/integration/transactions.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MAX_RESTARTS, MODEL_TRANSITIONS, RESTARTS, planTxnPaths } from './support/transaction-model.js';

const plan = planTxnPaths();
const pairsOf = (t: string[]) => t.slice(1).map((x, i) => `${t[i]} | ${x}`);

describe('transaction failure model', () => {
  it('every transition is on some path; every path ends in finished within the restart bound', () => {
    expect(new Set(plan.all.flatMap((p) => p.transitions))).toEqual(new Set(MODEL_TRANSITIONS));
    for (const p of plan.all) {
      expect(p.events.at(-1)).toBe('FINISH');
      expect(p.events.filter((e) => RESTARTS.has(e)).length).toBeLessThanOrEqual(MAX_RESTARTS);
    }
  });

  it('CI: one path, one restart: a crash between prepare and complete after an abort and a fenced zombie', () => {
    expect(plan.ci.map((p) => p.events.join(' '))).toEqual(['SEND ABORT SEND FENCE SEND CRASH_IN_PREPARE_COMMIT FINISH']);
  });

  it('full: every transition and every back-to-back pair of transitions, no path twice', () => {
    expect(new Set(plan.full.flatMap((p) => p.transitions))).toEqual(new Set(MODEL_TRANSITIONS));
    expect(new Set(plan.full.flatMap((p) => pairsOf(p.transitions)))).toEqual(new Set(plan.all.flatMap((p) => pairsOf(p.transitions))));
    expect(new Set(plan.full.map((p) => p.events.join(' '))).size).toBe(plan.full.length);
  });
});
