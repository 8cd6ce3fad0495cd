import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { startZooKeeper, type ZooKeeperServer } from '../../helpers/zookeeper-server.js';
import { ZkSession } from '../../../src/services/zookeeper/zk-session.js';

let zk: ZooKeeperServer;
beforeAll(async () => { zk = await startZooKeeper(); });
afterAll(async () => { await zk?.close(); });

/** A TCP front for ZooKeeper whose first `silent` connections are accepted but never answered. */
async function silentThenProxy(silent: number): Promise<{ port: number; accepted: () => number; close: () => void }> {
  let n = 0;
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    sockets.push(client);
    client.on('error', () => undefined);
    if (n++ < silent) return; // swallow the handshake
    const upstream = tcpConnect(zk.port, '127.0.0.1');
    sockets.push(upstream);
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, accepted: () => n, close: () => { sockets.forEach((s) => s.destroy()); server.close(); } };
}

describe('ZkSession', () => {
  it('drops a connection whose handshake never completes and connects on the next attempt', async () => {
    const front = await silentThenProxy(1);
    const s = new ZkSession(`127.0.0.1:${front.port}`, { sessionTimeoutMs: 6000 });
    try {
      const t0 = Date.now();
      await s.connect(15_000);
      expect(s.isConnected).toBe(true);
      expect(front.accepted()).toBeGreaterThanOrEqual(2);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(await s.exists('/')).not.toBeNull();
    } finally {
      s.close();
      front.close();
    }
  }, 20_000);

  it('closes a never-connected session without throwing and without keeping a socket', async () => {
    const s = new ZkSession('127.0.0.1:1', { sessionTimeoutMs: 4000 });
    await expect(s.connect(300)).rejects.toThrow(/Timed out waiting for connection to ZooKeeper at 127\.0\.0\.1:1/);
    expect(() => s.close()).not.toThrow();
  });
});
