import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import {
  findZooKeeperInstall,
  probeZooKeeper,
  startLocalZooKeeper,
  waitForZooKeeper,
  zooKeeperCommand,
  zooKeeperConfigText,
  ZooKeeperNotInstalledError,
  type LocalZooKeeper,
} from '../../../src/services/zookeeper/local-zookeeper.js';
import { freePort, startZooKeeper, type ZooKeeperServer } from '../../helpers/zookeeper-server.js';

function captureLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

let base: string;
const started: LocalZooKeeper[] = [];
const servers: ZooKeeperServer[] = [];
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'rafka-local-zk-'));
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((z) => z.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('findZooKeeperInstall', () => {
  it("finds Debian's jar and java", () => {
    const inst = findZooKeeperInstall();
    expect(inst).not.toBeNull();
    expect(inst!.classpath).toContain('/usr/share/java/zookeeper.jar');
    expect(existsSync(inst!.java)).toBe(true);
  });
  it('returns null when the jar or java is missing', () => {
    expect(findZooKeeperInstall({ jar: join(base, 'no-such.jar') })).toBeNull();
    expect(findZooKeeperInstall({ java: join(base, 'no-such-java') })).toBeNull();
  });
});

describe('startLocalZooKeeper', () => {
  it('starts a ZooKeeper that serves, logs where it is, writes its output beside the data dir; stop() frees the port', async () => {
    const port = await freePort();
    const dataDir = join(base, 'a', 'data');
    const { log, lines } = captureLogger();
    const zk = await startLocalZooKeeper({ host: 'localhost', port, dataDir, log });
    started.push(zk);
    expect(zk.port).toBe(port);
    expect(zk.reused).toBe(false);
    expect(zk.pid).toBeGreaterThan(0);
    const probe = await probeZooKeeper('127.0.0.1', port);
    expect(probe.state).toBe('serving');
    const startedLine = lines.find((l) => String(l.msg).startsWith('Started local ZooKeeper'));
    expect(startedLine).toMatchObject({ port, dataDir, pid: zk.pid });
    expect(existsSync(join(dataDir, 'version-2'))).toBe(true);
    expect(readFileSync(join(base, 'a', 'zookeeper.log'), 'utf8')).toContain('starting ZooKeeper');

    await zk.stop();
    expect((await probeZooKeeper('127.0.0.1', port)).state).toBe('free');
    expect(() => process.kill(zk.pid!, 0)).toThrow(); // the JVM is gone
  });

  it('reuses a ZooKeeper already serving on the port instead of failing; its stop() leaves that server alone', async () => {
    const zkServer = await startZooKeeper();
    servers.push(zkServer);
    const { log, lines } = captureLogger();
    const zk = await startLocalZooKeeper({ host: '127.0.0.1', port: zkServer.port, dataDir: join(base, 'b', 'data'), log });
    expect(zk.reused).toBe(true);
    expect(zk.pid).toBeNull();
    expect(lines.some((l) => /Reusing the ZooKeeper already running/.test(String(l.msg)))).toBe(true);
    await zk.stop();
    expect(zkServer.running).toBe(true);
    expect((await probeZooKeeper('127.0.0.1', zkServer.port)).state).toBe('serving');
  });

  it('fails clearly when the port is taken by something that is not ZooKeeper', async () => {
    const srv: Server = createServer((s) => {
      s.resume(); // read (and drop) the request so the socket can finish closing
      s.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      const { log } = captureLogger();
      await expect(startLocalZooKeeper({ host: '127.0.0.1', port, dataDir: join(base, 'c', 'data'), log })).rejects.toThrow(
        /port \d+ on 127\.0\.0\.1 is already in use by something that is not ZooKeeper/,
      );
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });

  it('throws ZooKeeperNotInstalledError with the install command when ZooKeeper is absent', async () => {
    const { log } = captureLogger();
    const err = await startLocalZooKeeper({
      host: '127.0.0.1',
      port: await freePort(),
      dataDir: join(base, 'd', 'data'),
      log,
      install: { jar: join(base, 'missing', 'zookeeper.jar') },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZooKeeperNotInstalledError);
    expect((err as Error).message).toBe(
      "ZooKeeper is not installed: Rafka's --local-zookeeper runs Debian's zookeeper package (java + /usr/share/java/zookeeper.jar). Install it with: sudo apt-get install -y zookeeper",
    );
    expect(existsSync(join(base, 'd'))).toBe(false); // nothing created
  });

  it('reports a child that exits before serving, with the tail of its output', async () => {
    const { log } = captureLogger();
    const fakeJava = join(base, 'fake-java');
    writeFileSync(fakeJava, '#!/bin/sh\necho "boom: cannot start" >&2\nexit 7\n');
    chmodSync(fakeJava, 0o755);
    const port = await freePort();
    await expect(
      startLocalZooKeeper({ host: '127.0.0.1', port, dataDir: join(base, 'e', 'data'), log, install: { java: fakeJava } }),
    ).rejects.toThrow(/exited before serving \(exit code 7\)[\s\S]*boom: cannot start/);
    expect((await probeZooKeeper('127.0.0.1', port)).state).toBe('free');
  });

  it('the ZooKeeper JVM dies with its parent even when the parent is SIGKILLed (setpriv --pdeathsig)', async () => {
    const inst = findZooKeeperInstall()!;
    const port = await freePort();
    const dir = join(base, 'f');
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'zoo.cfg'), zooKeeperConfigText({ host: '127.0.0.1', port, dataDir: join(dir, 'data'), tickTime: 500 }));
    const cmd = zooKeeperCommand(inst, join(dir, 'zoo.cfg'));
    // A stand-in parent (like the broker) that starts the JVM and then gets SIGKILLed.
    const parent = spawn(
      process.execPath,
      ['-e', `const c = require('child_process').spawn(${JSON.stringify(cmd.command)}, ${JSON.stringify(cmd.args)}, { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const childPid = Number(await new Promise<string>((r) => parent.stdout!.once('data', (d: Buffer) => r(d.toString()))));
      await waitForZooKeeper('127.0.0.1', port, { timeoutMs: 20_000 });
      parent.kill('SIGKILL');
      const deadline = Date.now() + 5000;
      let alive = true;
      while (alive && Date.now() < deadline) {
        try {
          process.kill(childPid, 0);
          await new Promise((r) => setTimeout(r, 50));
        } catch {
          alive = false;
        }
      }
      expect(alive).toBe(false);
      expect((await probeZooKeeper('127.0.0.1', port)).state).toBe('free');
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
