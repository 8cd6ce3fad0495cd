/**
 * Real ZooKeeper servers (Debian's zookeeper package) for integration tests.
 *
 *   const zk = await startZooKeeper();          // free port on 127.0.0.1, temp data dir
 *   ... connect to zk.connectString ...
 *   await zk.kill(); await zk.start();           // crash + restart, same port and data
 *   await zk.close();                            // in afterAll/afterEach: stop + rm data dir
 *
 * tickTime defaults to 500 ms, so the server accepts session timeouts from 1 s to 10 s.
 * Every child JVM is SIGKILLed when the test process exits (process 'exit' hook, and
 * setpriv --pdeathsig on Linux for when the test process is killed outright).
 */
import { trackChild, untrackChild } from './child-reaper.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findZooKeeperInstall,
  probeZooKeeper,
  terminateChild,
  waitForZooKeeper,
  zooKeeperCommand,
  zooKeeperConfigText,
  ZooKeeperNotInstalledError,
} from '../../src/services/zookeeper/local-zookeeper.js';

export interface ZooKeeperServer {
  readonly port: number;
  /** `127.0.0.1:PORT` */
  readonly connectString: string;
  readonly dataDir: string;
  /** pid of the running JVM, or null when stopped. */
  readonly pid: number | null;
  readonly running: boolean;
  /** Output (stdout+stderr) of the current/last run, ZooKeeper WARN/ERROR lines only. */
  readonly output: string;
  /** Starts the server again (same port, same data). No-op when running. */
  start(): Promise<void>;
  /** SIGTERM and wait for exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit: a crash. */
  kill(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** stop() and remove the data dir. Safe to call twice. */
  close(): Promise<void>;
}

class PortInUseError extends Error {}


/** Ports this test process handed out already: the kernel may give a closed port 0 back at once. */
const handedOut = new Set<number>();

/**
 * Ports are handed out below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768–60999 here), where a
 * client socket's connect() never takes them: a port from bind(0) lies in that range, and an outgoing connection (a
 * ZooKeeper client, kcat, a follower's fetcher) once took one between this helper's answer and the broker's bind
 * (EADDRINUSE at startup, CI ci-4 of 2026-12-08). Each vitest worker (VITEST_POOL_ID 1..maxWorkers) has a block of
 * its own, so two test files running at once never pick the same port; within it ports go round from a random
 * start, each checked free by a bind.
 */
const PORT_BASE = 12_000;
const PORT_BLOCK = 4_000;
const poolId = Math.max(1, Number(process.env.VITEST_POOL_ID ?? 1) || 1);
const blockStart = PORT_BASE + ((poolId - 1) % 5) * PORT_BLOCK; // 12000–31999 for up to 5 workers, all below 32768
let nextOffset = Math.floor(Math.random() * PORT_BLOCK);

/**
 * A TCP port that is free on 127.0.0.1 (checked with a bind), outside the ephemeral range, and that this process has
 * not handed out before: asking several times before binding any (a broker's listeners) once gave the same port twice.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < PORT_BLOCK; attempt++) {
    const port = blockStart + (nextOffset++ % PORT_BLOCK);
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${blockStart}-${blockStart + PORT_BLOCK - 1}`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function startZooKeeper(opts: { tickTime?: number; port?: number; startTimeoutMs?: number } = {}): Promise<ZooKeeperServer> {
  const install = findZooKeeperInstall();
  if (install === null) throw new ZooKeeperNotInstalledError();

  const tickTime = opts.tickTime ?? 500;
  const baseDir = mkdtempSync(join(tmpdir(), 'rafka-zk-'));
  const dataDir = join(baseDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const configPath = join(baseDir, 'zoo.cfg');
  const host = '127.0.0.1';
  const fixedPort = opts.port;
  let port = fixedPort ?? (await freePort());
  let child: ChildProcess | null = null;
  let output = '';
  let exitInfo: string | null = null;
  let closed = false;

  const launch = async (): Promise<void> => {
    const before = await probeZooKeeper(host, port);
    if (before.state !== 'free') {
      throw new PortInUseError(`cannot start ZooKeeper: ${host}:${port} is already in use (${before.state === 'other' ? 'not by ZooKeeper' : 'by another ZooKeeper'})`);
    }
    writeFileSync(configPath, zooKeeperConfigText({ host, port, dataDir, tickTime, forceSync: false }));
    const { command, args } = zooKeeperCommand(install, configPath);
    output = '';
    exitInfo = null;
    const c = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    trackChild(c);
    const onData = (d: Buffer) => {
      output += d.toString('utf8');
      if (output.length > 64 * 1024) output = output.slice(-32 * 1024);
    };
    c.stdout!.on('data', onData);
    c.stderr!.on('data', onData);
    c.on('error', (err) => {
      exitInfo = `spawn failed: ${err.message}`;
      untrackChild(c);
    });
    c.on('exit', (code, sig) => {
      exitInfo = `exit code ${code}${sig ? `, signal ${sig}` : ''}`;
      untrackChild(c);
    });
    await waitForZooKeeper(host, port, {
      timeoutMs: opts.startTimeoutMs ?? 30_000,
      exited: () => exitInfo,
      describe: () => output.split('\n').slice(-40).join('\n'),
    });
  };

  const isRunning = () => child !== null && child.exitCode === null && child.signalCode === null;

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (c === null) return;
    await terminateChild(c, signal, 10_000);
    untrackChild(c);
  };

  const start = async (): Promise<void> => {
    if (closed) throw new Error('ZooKeeper server was closed');
    if (isRunning()) return;
    await launch();
  };

  // First start: if the freshly picked port got taken in between (another worker), pick another.
  for (let attempt = 0; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      await halt('SIGKILL');
      const bindFailure = err instanceof PortInUseError || /BindException|Address already in use/.test(output);
      if (fixedPort === undefined && bindFailure && attempt < 3) {
        port = await freePort();
        continue;
      }
      rmSync(baseDir, { recursive: true, force: true });
      throw err;
    }
  }

  return {
    get port() {
      return port;
    },
    get connectString() {
      return `${host}:${port}`;
    },
    dataDir,
    get pid() {
      return isRunning() ? (child!.pid ?? null) : null;
    },
    get running() {
      return isRunning();
    },
    get output() {
      return output;
    },
    start,
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    async restart() {
      await halt('SIGTERM');
      await start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await halt('SIGTERM');
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}
