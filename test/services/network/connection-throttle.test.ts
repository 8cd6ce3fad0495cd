/**
 * KIP-219 on the connection: a handler that throttles (ConnectionInfo.throttle, what the quota step calls) gets its
 * response written at once, and the connection is not read for the throttle time — a pipelined next request is
 * handled only after it; other connections are not held.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { connect } from 'node:net';
import { pino } from 'pino';
import { SocketServer } from '../../../src/services/network/socket-server.js';
import type { RequestHandler } from '../../../src/services/network/connection.js';

const servers: SocketServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });

const frame = (payload: Buffer) => { const b = Buffer.alloc(4 + payload.length); b.writeInt32BE(payload.length, 0); payload.copy(b, 4); return b; };

async function start(handler: RequestHandler) {
  const server = new SocketServer({
    listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    maxRequestBytes: 1024, idleTimeoutMs: 0, queuedMaxRequests: 500, handler, log: pino({ level: 'silent' }),
  });
  servers.push(server);
  const [bound] = await server.bind();
  server.enableRequestProcessing();
  return bound!.boundPort;
}

/** Sends the frames at once; resolves with the arrival time of each response. */
function exchange(port: number, frames: Buffer[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.concat(frames)));
    const times: number[] = [];
    let pending = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        pending = pending.subarray(4 + pending.readInt32BE(0));
        times.push(performance.now());
      }
      if (times.length === frames.length) { socket.destroy(); resolve(times); }
    });
  });
}

describe('Connection throttling (KIP-219: respond, then mute)', () => {
  it('answers the throttled request at once and reads the next one only after the throttle time', async () => {
    const handled: Array<[string, number]> = [];
    const port = await start(async (f, conn) => {
      handled.push([f.toString(), performance.now()]);
      if (f.toString() === 'slow-me') conn.throttle?.(1000);
      return frame(f);
    });
    const t0 = performance.now();
    const [first, second] = await exchange(port, [frame(Buffer.from('slow-me')), frame(Buffer.from('next'))]);
    // the throttled request's own response is not held
    expect(handled.map(([n]) => n)).toEqual(['slow-me', 'next']);
    // measured from when the throttled request was handled: the client's own arrival time of the first response can be
    // late on a loaded machine (same process), which made `second - first` fall below the bound (CI-style flake)
    expect(second! - handled[0]![1]).toBeGreaterThanOrEqual(950);
    expect(handled[1]![1] - handled[0]![1]).toBeGreaterThanOrEqual(950);
    expect(first! - t0).toBeLessThan(second! - t0);
    // another connection is served meanwhile
    handled.length = 0;
    const a = exchange(port, [frame(Buffer.from('slow-me')), frame(Buffer.from('next'))]);
    await new Promise((r) => setTimeout(r, 50));
    const t1 = performance.now();
    const [other] = await exchange(port, [frame(Buffer.from('other'))]);
    expect(other! - t1).toBeLessThan(700);
    await a;
  });
});
