/**
 * A 3-node ZooKeeper ensemble (Debian's zookeeper, QuorumPeerMain) on 127.0.0.1 with free ports, for tests where
 * one ZooKeeper node dies and comes back while brokers keep working.
 *
 *   const e = await startZooKeeperEnsemble();     // 3 nodes, tickTime 500; resolves when all three serve
 *   e.connectString                               // "127.0.0.1:a,127.0.0.1:b,127.0.0.1:c"
 *   await e.kill(2); await e.start(2);            // SIGKILL a node (data survives), start it again
 *   await e.leader()                              // the node (1..3) whose `srvr` says Mode: leader
 *   await e.close();                              // stop all, remove dirs
 *
 * Same process handling as zookeeper-server.ts (setpriv --pdeathsig, child reaper); forceSync=no as there
 * (a SIGKILLed JVM's writes stay in the page cache).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackChild, untrackChild } from './child-reaper.js';
import { freePort } from './zookeeper-server.js';
import {
  findZooKeeperInstall,
  probeZooKeeper,
  terminateChild,
  zooKeeperCommand,
  ZooKeeperNotInstalledError,
} from '../../src/services/zookeeper/local-zookeeper.js';

export interface EnsembleNode {
  readonly id: number;
  readonly clientPort: number;
  readonly address: string;
  readonly running: boolean;
  readonly pid: number | null;
  readonly output: string;
}

export interface ZooKeeperEnsemble {
  readonly nodes: readonly EnsembleNode[];
  readonly connectString: string;
  /** Starts a stopped node (same ports, same data) and waits until it serves. */
  start(id: number, timeoutMs?: number): Promise<void>;
  /** SIGKILL a node and wait for its exit. */
  kill(id: number): Promise<void>;
  /** SIGTERM a node and wait for its exit. */
  stop(id: number): Promise<void>;
  /** The `srvr` mode of a node: leader, follower, or null when it does not serve. */
  mode(id: number): Promise<'leader' | 'follower' | 'standalone' | null>;
  /** The id of the node that is leader now, or null. */
  leader(): Promise<number | null>;
  /** Waits until every running node answers `srvr` as leader or follower. */
  waitForQuorum(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const QUORUM_MAIN = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';
const STANDALONE_MAIN = 'org.apache.zookeeper.server.ZooKeeperServerMain';

export async function startZooKeeperEnsemble(opts: { size?: number; tickTime?: number; startTimeoutMs?: number } = {}): Promise<ZooKeeperEnsemble> {
  const install = findZooKeeperInstall();
  if (install === null) throw new ZooKeeperNotInstalledError();
  const size = opts.size ?? 3;
  const tickTime = opts.tickTime ?? 500;
  const baseDir = mkdtempSync(join(tmpdir(), 'rafka-zk-ensemble-'));
  const ports: Array<{ client: number; peer: number; election: number }> = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), peer: await freePort(), election: await freePort() });

  interface Node {
    id: number;
    dir: string;
    configPath: string;
    child: ChildProcess | null;
    output: string;
    exitInfo: string | null;
  }
  const nodes: Node[] = [];
  const servers = ports.map((p, i) => `server.${i + 1}=127.0.0.1:${p.peer}:${p.election}`);
  for (let i = 0; i < size; i++) {
    const id = i + 1;
    const dir = join(baseDir, `zk-${id}`);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'myid'), `${id}\n`);
    const configPath = join(dir, 'zoo.cfg');
    writeFileSync(
      configPath,
      [
        `tickTime=${tickTime}`,
        'initLimit=20',
        'syncLimit=10',
        `dataDir=${dataDir}`,
        `clientPort=${ports[i]!.client}`,
        'clientPortAddress=127.0.0.1',
        'admin.enableServer=false',
        '4lw.commands.whitelist=srvr,stat,ruok',
        'maxClientCnxns=0',
        'forceSync=no',
        'preAllocSize=4096',
        'reconfigEnabled=false',
        'standaloneEnabled=false',
        // A restarted peer must find the others again at once (default cnxTimeout 5 s).
        'cnxTimeout=1000',
        ...servers,
      ].join('\n') + '\n',
    );
    nodes.push({ id, dir, configPath, child: null, output: '', exitInfo: null });
  }

  const node = (id: number) => {
    const n = nodes[id - 1];
    if (!n) throw new Error(`no ZooKeeper node ${id} (1..${size})`);
    return n;
  };
  const isRunning = (n: Node) => n.child !== null && n.child.exitCode === null && n.child.signalCode === null;

  const mode = async (id: number) => {
    const pr = await probeZooKeeper('127.0.0.1', ports[id - 1]!.client, 1000);
    if (pr.state !== 'serving') return null;
    const m = /Mode: (\w+)/.exec(pr.reply)?.[1];
    return m === 'leader' || m === 'follower' || m === 'standalone' ? m : null;
  };

  const launch = (n: Node) => {
    const { command, args } = zooKeeperCommand(install, n.configPath);
    const i = args.indexOf(STANDALONE_MAIN);
    if (i < 0) throw new Error('zooKeeperCommand changed: cannot find the main class to swap for QuorumPeerMain');
    args[i] = QUORUM_MAIN;
    n.output = '';
    n.exitInfo = null;
    const c = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    n.child = c;
    trackChild(c);
    const onData = (d: Buffer) => {
      n.output += d.toString('utf8');
      if (n.output.length > 64 * 1024) n.output = n.output.slice(-32 * 1024);
    };
    c.stdout!.on('data', onData);
    c.stderr!.on('data', onData);
    c.on('exit', (code, sig) => {
      n.exitInfo = `exit code ${code}${sig ? `, signal ${sig}` : ''}`;
      untrackChild(c);
    });
  };

  const waitServing = async (n: Node, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (n.exitInfo !== null) throw new Error(`ZooKeeper node ${n.id} exited (${n.exitInfo})\n${n.output.split('\n').slice(-30).join('\n')}`);
      if ((await mode(n.id)) !== null) return;
      if (Date.now() > deadline) throw new Error(`ZooKeeper node ${n.id} not serving after ${timeoutMs} ms\n${n.output.split('\n').slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const halt = async (n: Node, sig: NodeJS.Signals) => {
    const c = n.child;
    if (c === null) return;
    await terminateChild(c, sig, 10_000);
    untrackChild(c);
  };

  const ensemble: ZooKeeperEnsemble = {
    nodes: nodes.map((n) => ({
      id: n.id,
      clientPort: ports[n.id - 1]!.client,
      address: `127.0.0.1:${ports[n.id - 1]!.client}`,
      get running() {
        return isRunning(n);
      },
      get pid() {
        return isRunning(n) ? (n.child!.pid ?? null) : null;
      },
      get output() {
        return n.output;
      },
    })),
    connectString: ports.map((p) => `127.0.0.1:${p.client}`).join(','),
    async start(id, timeoutMs = 60_000) {
      const n = node(id);
      if (isRunning(n)) return;
      launch(n);
      await waitServing(n, timeoutMs);
    },
    kill: (id) => halt(node(id), 'SIGKILL'),
    stop: (id) => halt(node(id), 'SIGTERM'),
    mode,
    async leader() {
      for (const n of nodes) if (isRunning(n) && (await mode(n.id)) === 'leader') return n.id;
      return null;
    },
    async waitForQuorum(timeoutMs = 60_000) {
      await Promise.all(nodes.filter(isRunning).map((n) => waitServing(n, timeoutMs)));
    },
    async close() {
      await Promise.all(nodes.map((n) => halt(n, 'SIGTERM')));
      rmSync(baseDir, { recursive: true, force: true });
    },
  };

  try {
    for (const n of nodes) launch(n);
    await ensemble.waitForQuorum(opts.startTimeoutMs ?? 60_000);
  } catch (e) {
    await ensemble.close();
    throw e;
  }
  return ensemble;
}
