import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import zookeeper from 'node-zookeeper-client';
import { freePort, startZooKeeper, type ZooKeeperServer } from './zookeeper-server.js';
import { probeZooKeeper } from '../../src/services/zookeeper/local-zookeeper.js';

function connectClient(connectString: string): Promise<zookeeper.Client> {
  return new Promise((resolve, reject) => {
    const client = zookeeper.createClient(connectString, { sessionTimeout: 4000, retries: 0 });
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`could not connect to ${connectString}`));
    }, 10_000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

const create = (c: zookeeper.Client, path: string, data: string) =>
  new Promise<void>((res, rej) => c.create(path, Buffer.from(data), (e) => (e ? rej(e) : res())));
const getData = (c: zookeeper.Client, path: string) =>
  new Promise<string>((res, rej) => c.getData(path, (e, d) => (e ? rej(e) : res(d.toString()))));

describe('freePort', () => {
  it('returns distinct bindable ports', async () => {
    const a = await freePort();
    const b = await freePort();
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
  });
});

describe('startZooKeeper', () => {
  const servers: ZooKeeperServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('serves clients, keeps data across SIGKILL + start and SIGTERM restart, frees everything on close', async () => {
    const zk = await startZooKeeper();
    servers.push(zk);
    expect(zk.connectString).toBe(`127.0.0.1:${zk.port}`);
    expect(zk.running).toBe(true);
    const srvr = await probeZooKeeper('127.0.0.1', zk.port);
    expect(srvr.state).toBe('serving');
    // tickTime 500 => max session timeout 10 s
    expect(srvr.state === 'serving' && srvr.reply).toContain('Mode: standalone');

    const c1 = await connectClient(zk.connectString);
    await create(c1, '/rafka-test', 'hello');
    c1.close();

    const pid = zk.pid;
    await zk.kill();
    expect(zk.running).toBe(false);
    expect(zk.pid).toBeNull();
    expect((await probeZooKeeper('127.0.0.1', zk.port)).state).toBe('free');
    await zk.start();
    expect(zk.pid).not.toBe(pid);

    const c2 = await connectClient(zk.connectString);
    expect(await getData(c2, '/rafka-test')).toBe('hello');
    c2.close();

    await zk.restart();
    const c3 = await connectClient(zk.connectString);
    expect(await getData(c3, '/rafka-test')).toBe('hello');
    c3.close();

    await zk.close();
    expect(existsSync(zk.dataDir)).toBe(false);
    expect((await probeZooKeeper('127.0.0.1', zk.port)).state).toBe('free');
    await zk.close(); // idempotent
  });

  it('uses a requested port and fails clearly when that port is taken', async () => {
    const port = await freePort();
    const zk = await startZooKeeper({ port });
    servers.push(zk);
    expect(zk.port).toBe(port);
    await expect(startZooKeeper({ port })).rejects.toThrow(/already in use \(by another ZooKeeper\)/);
    await zk.stop();
    // Something else grabs the port while ZooKeeper is down: start() says so instead of hanging.
    const blocker = createServer((s) => s.destroy());
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      await expect(zk.start()).rejects.toThrow(/already in use \(not by ZooKeeper\)/);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    await zk.start();
    expect(zk.running).toBe(true);
  });
});
