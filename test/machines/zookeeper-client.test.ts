import { describe, it, expect } from 'vitest';
import { fromPromise, fromCallback, waitFor } from 'xstate';
import { zookeeperClientMachine } from '../../src/machines/zookeeper-client.js';
import { ZkHandle } from '../../src/services/zookeeper/zk-handle.js';
import { underParent, silentLog } from './harness.js';

function stubbed(opts: { openResults: Array<string | Error> }) {
  const results = [...opts.openResults];
  let sendBack: ((e: { type: string }) => void) | null = null;
  const machine = zookeeperClientMachine.provide({
    actors: {
      openSession: fromPromise<string, any>(async () => {
        const r = results.shift() ?? new Error('no more stubbed sessions');
        if (r instanceof Error) throw r;
        return r;
      }),
      createPersistentPaths: fromPromise<void, any>(async () => undefined),
      sessionEvents: fromCallback(({ sendBack: sb }) => { sendBack = sb as typeof sendBack; }),
    },
    delays: { reconnectBackoff: 5, waitLogInterval: 10_000 },
  });
  const input = { handle: new ZkHandle('zk:2181'), sessionTimeoutMs: 6000, connectionTimeoutMs: 1000, log: silentLog };
  const h = underParent(machine, input);
  return { ...h, session: (type: string) => sendBack!({ type }) };
}

const value = (h: { child: () => any }) => h.child().getSnapshot().value;

describe('zookeeper-client machine', () => {
  it('connects, creates paths, watches, and reports ready once', async () => {
    const h = stubbed({ openResults: ['s1'] });
    await waitFor(h.child(), (s: any) => s.matches({ session: 'watching' }), { timeout: 1000 });
    expect(h.events()).toEqual(['zk.ready']);
    expect(h.child().getSnapshot().context.sessionId).toBe('s1');
  });

  it('fails startup when the first connect fails (no retry at startup, like Kafka)', async () => {
    const h = stubbed({ openResults: [new Error('Timed out waiting for connection')] });
    await waitFor(h.child(), (s: any) => s.status === 'done', { timeout: 1000 });
    expect(value(h)).toBe('failed');
    expect(h.actor.getSnapshot().context.events).toContainEqual({ type: 'zk.failed', error: 'Timed out waiting for connection' });
  });

  it('goes degraded on disconnect and back to watching on reconnect, telling the parent', async () => {
    const h = stubbed({ openResults: ['s1'] });
    await waitFor(h.child(), (s: any) => s.matches({ session: 'watching' }), { timeout: 1000 });
    h.session('zk.disconnected');
    expect(value(h)).toEqual({ session: 'degraded' });
    h.session('zk.connected');
    expect(value(h)).toEqual({ session: 'watching' });
    expect(h.events()).toEqual(['zk.ready', 'zk.degraded', 'zk.recovered']);
  });

  it('after expiry opens a new session with back-off and reports re-initialisation exactly once', async () => {
    const h = stubbed({ openResults: ['s1', new Error('down'), new Error('down'), 's2'] });
    await waitFor(h.child(), (s: any) => s.matches({ session: 'watching' }), { timeout: 1000 });
    h.session('zk.disconnected');
    h.session('zk.expired');
    await waitFor(h.child(), (s: any) => s.matches({ session: 'watching' }) && s.context.sessionId === 's2', { timeout: 2000 });
    // The new session also ends the outage the expiry came in.
    expect(h.events()).toEqual(['zk.ready', 'zk.degraded', 'zk.sessionExpired', 'zk.sessionReinitialized', 'zk.recovered']);
    expect(h.actor.getSnapshot().context.events.at(-2)).toEqual({ type: 'zk.sessionReinitialized', sessionId: 's2' });
    expect(h.child().getSnapshot().context.expiredCount).toBe(1);
  });

  it('closes from any state', async () => {
    const h = stubbed({ openResults: ['s1'] });
    await waitFor(h.child(), (s: any) => s.matches({ session: 'watching' }), { timeout: 1000 });
    h.send({ type: 'zk.close' });
    expect(value(h)).toBe('closed');
  });
});
