import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import { logCleanerMachine } from '../../src/machines/log-cleaner.js';
import type { LogCleaner } from '../../src/services/log/cleaner/log-cleaner.js';
import { silentLog } from './harness.js';

/** A LogCleaner stand-in: each round answers from `script` (true = a log cleaned, false = nothing, Error = failure). */
function stub(script: Array<boolean | Error>, backoffMs = 5) {
  const calls = { startup: 0, rounds: 0, shutdown: 0, visited: [] as string[] };
  const wakers = new Set<() => void>();
  const cleaner = { onBackoffChanged: (w: () => void) => { wakers.add(w); return () => wakers.delete(w); } } as unknown as LogCleaner;
  const pending: Array<() => void> = [];
  const machine = logCleanerMachine.provide({
    actors: {
      startup: fromPromise(async () => { calls.startup++; }),
      cleanFilthiestLog: fromPromise(async () => {
        const r = script[calls.rounds++] ?? false;
        if (r instanceof Error) throw r;
        if (calls.rounds > script.length) await new Promise<void>((res) => pending.push(res)); // park once the script ran out
        return r;
      }),
      shutdownCleaner: fromPromise(async () => { calls.shutdown++; for (const p of pending.splice(0)) p(); }),
    },
    delays: { backoff: backoffMs },
  });
  const actor = createActor(machine, { input: { cleaner, backoffMs, log: silentLog } });
  actor.subscribe((s) => { const v = String(s.value); if (calls.visited.at(-1) !== v) calls.visited.push(v); });
  actor.start();
  return { actor, calls, wake: () => { for (const w of [...wakers]) w(); }, wakers };
}

describe('LogCleaner machine', () => {
  it('reads the checkpoints, cleans again at once after a clean, waits log.cleaner.backoff.ms when nothing was cleaned', async () => {
    const { actor, calls } = stub([true, true, false, true]);
    await waitFor(actor, () => calls.rounds >= 5, { timeout: 2000 });
    expect(calls.startup).toBe(1);
    expect(calls.visited).toEqual(['starting', 'cleaning', 'idle', 'cleaning']); // two cleans in a row stay in cleaning
    expect(actor.getSnapshot().context.cleanedLogs).toBe(3);
    actor.stop();
  });

  it('a dynamic log.cleaner.backoff.ms change ends the idle wait at once (Kafka restarts its threads: a round at once)', async () => {
    const { actor, calls, wake, wakers } = stub([false, false], 3_600_000);
    await waitFor(actor, (s) => s.matches('idle') && calls.rounds === 1, { timeout: 2000 });
    expect(wakers.size).toBe(1); // subscribed while idle only
    wake();
    await waitFor(actor, () => calls.rounds === 2, { timeout: 2000 });
    await waitFor(actor, (s) => s.matches('idle'), { timeout: 2000 });
    expect(calls.visited).toEqual(['starting', 'cleaning', 'idle', 'cleaning', 'idle']);
    actor.stop();
    expect(wakers.size).toBe(0);
  });

  it('backs off after a failed round and then cleans again', async () => {
    const { actor, calls } = stub([new Error('disk says no'), true]);
    await waitFor(actor, () => calls.rounds >= 3, { timeout: 2000 });
    expect(calls.visited.slice(0, 4)).toEqual(['starting', 'cleaning', 'backingOff', 'cleaning']);
    expect(actor.getSnapshot().context.errors).toBe(1);
    actor.stop();
  });

  it('cleaner.stop during a clean waits for the shutdown of the service, then stops', async () => {
    const { actor, calls } = stub([]);
    await waitFor(actor, (s) => s.matches('cleaning') && calls.rounds === 1, { timeout: 2000 });
    actor.send({ type: 'cleaner.stop' });
    await waitFor(actor, (s) => s.status === 'done', { timeout: 2000 });
    expect(actor.getSnapshot().value).toBe('stopped');
    expect(calls.shutdown).toBe(1);
  });

  it('without a cleaner (log.cleaner.enable=false) it does nothing', () => {
    const actor = createActor(logCleanerMachine, { input: { cleaner: null, backoffMs: 5, log: silentLog } }).start();
    expect(actor.getSnapshot().value).toBe('disabled');
    expect(actor.getSnapshot().status).toBe('done');
  });
});
