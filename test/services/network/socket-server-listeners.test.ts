/** SocketServer.addListeners / removeListeners (Kafka's SocketServer, driven by DynamicListenerConfig.reconfigure; issue 15, AA). */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, createServer } from 'node:net';
import { pino } from 'pino';
import { SocketServer, SocketBindError } from '../../../src/services/network/socket-server.js';
import type { RequestHandler } from '../../../src/services/network/connection.js';

const servers: SocketServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });

const frame = (payload: Buffer) => { const b = Buffer.alloc(4 + payload.length); b.writeInt32BE(payload.length, 0); payload.copy(b, 4); return b; };
/** Answers every request with its own bytes. */
const echo: RequestHandler = async (f) => frame(Buffer.from(f));

async function start() {
  const server = new SocketServer({
    listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    maxRequestBytes: 1024, idleTimeoutMs: 0, queuedMaxRequests: 500, handler: echo, log: pino({ level: 'silent' }),
  });
  servers.push(server);
  await server.bind();
  server.enableRequestProcessing();
  return server;
}

/** Connects and round-trips one frame; resolves with the socket (open) or rejects with the connect error. */
function roundTrip(port: number): Promise<{ closed: Promise<void>; end: () => void }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(frame(Buffer.from('0123456789'))));
    socket.once('data', () => resolve({ closed, end: () => socket.destroy() }));
  });
}

describe('SocketServer listeners at runtime (Kafka addListeners / removeListeners)', () => {
  it('binds an added listener that serves at once; removing it closes its connections and its port, the others keep serving', async () => {
    const server = await start();
    const plain = server.bound[0]!.boundPort;
    const added = await server.addListeners([
      { listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }, // already bound: skipped
      { listenerName: 'EXTRA', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' },
    ]);
    expect(added.map((b) => b.listenerName)).toEqual(['EXTRA']);
    expect(server.bound.map((b) => b.listenerName)).toEqual(['PLAINTEXT', 'EXTRA']);
    const extraPort = added[0]!.boundPort;
    expect(extraPort).toBeGreaterThan(0);
    const onExtra = await roundTrip(extraPort);
    const onPlain = await roundTrip(plain);
    expect(server.connectionCount).toBe(2);

    await server.removeListeners(['EXTRA']);
    await onExtra.closed; // its connection is closed by the broker
    expect(server.bound.map((b) => b.listenerName)).toEqual(['PLAINTEXT']);
    await expect(roundTrip(extraPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(server.connectionCount).toBe(1);
    const again = await roundTrip(plain); // the remaining listener and its connection are untouched
    again.end();
    onPlain.end();

    // the name can come back (on another port)
    const back = await server.addListeners([{ listenerName: 'EXTRA', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }]);
    (await roundTrip(back[0]!.boundPort)).end();
  });

  it('a listener that cannot bind is reported and leaves the running ones as they were', async () => {
    const server = await start();
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      await expect(server.addListeners([{ listenerName: 'EXTRA', host: '127.0.0.1', port, securityProtocol: 'PLAINTEXT' }])).rejects.toBeInstanceOf(SocketBindError);
      expect(server.bound.map((b) => b.listenerName)).toEqual(['PLAINTEXT']);
      (await roundTrip(server.bound[0]!.boundPort)).end();
    } finally {
      busy.close();
    }
  });
});
