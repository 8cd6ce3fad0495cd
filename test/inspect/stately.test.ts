/** The Stately forwarder: buffers until the relay is up (keeping every actor), retries, stops for good. */
import { describe, it, expect } from 'vitest';
import { WebSocketServer } from 'ws';
import { createStatelyForwarder } from '../../src/inspect/stately.js';
import type { InspectionMessage } from '../../src/inspect/events.js';
import { freePort } from '../helpers/zookeeper-server.js';

const msg = (seq: number, type: InspectionMessage['type'] = '@xstate.event') =>
  ({ type, seq, t: seq, sessionId: `x:${seq}`, rootId: 'x:0', createdAt: '0', id: null, _version: '0.7.2' }) as unknown as InspectionMessage;

describe('Stately forwarder', () => {
  it('keeps every actor and the last N others until the relay comes up, then streams live', async () => {
    const port = await freePort();
    const fwd = createStatelyForwarder(`ws://127.0.0.1:${port}`, { retryMs: 50, maxDeferred: 5 });
    fwd.send(msg(1, '@xstate.actor'));
    for (let i = 2; i <= 20; i++) fwd.send(msg(i, i === 10 ? '@xstate.actor' : '@xstate.event'));
    await new Promise((r) => setTimeout(r, 120)); // a failed attempt or two
    const relay = new WebSocketServer({ host: '127.0.0.1', port });
    const got: number[] = [];
    relay.on('connection', (s) => s.on('message', (d) => got.push(JSON.parse(d.toString()).seq)));
    try {
      for (let i = 0; i < 100 && got.length < 7; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual([1, 10, 16, 17, 18, 19, 20]);
      fwd.send(msg(21));
      for (let i = 0; i < 50 && got.length < 8; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got.at(-1)).toBe(21);
      await fwd.stop();
      fwd.send(msg(22)); // ignored after stop
      await new Promise((r) => setTimeout(r, 50));
      expect(got).not.toContain(22);
    } finally {
      await new Promise((r) => relay.close(r));
    }
  });

  it('stop() while the relay is down cancels the retries (nothing keeps the process alive)', async () => {
    const port = await freePort();
    const fwd = createStatelyForwarder(`ws://127.0.0.1:${port}`, { retryMs: 30 });
    await new Promise((r) => setTimeout(r, 80));
    await fwd.stop();
    // Had a retry survived stop(), it would connect to this relay.
    const relay = new WebSocketServer({ host: '127.0.0.1', port });
    let connections = 0;
    relay.on('connection', () => connections++);
    await new Promise((r) => setTimeout(r, 150));
    await new Promise((r) => relay.close(r));
    expect(connections).toBe(0);
  });
});
