/**
 * One broker as an operator sees it, for the model tests: its config, dirs and chroot (fresh per
 * path), the current process (a path may RESTART it), the live viewer's /events stream of that
 * process folded with the viewer's own timeline model, and short-lived ZooKeeper sessions to look
 * at what it registered.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort, type ZooKeeperServer } from '../../helpers/zookeeper-server.js';
import type { BrokerProcess, LogLine } from '../../helpers/broker-process.js';
import { brokerConfig, startBroker, tempDir, type TestBroker } from '../../integration/support.js';
import { ZkSession } from '../../../src/services/zookeeper/zk-session.js';
import { ensureChroot } from '../../../src/services/zookeeper/kafka-zk-client.js';
import { createTimelineModel, type TimelineModel } from '../../../src/inspect/timeline.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const exists = (p: string) => access(p).then(() => true, () => false);
export const readText = (p: string) => readFile(p, 'utf8').catch(() => null);

let seq = 0;
/** Room for two small partitions (segments preallocate nothing; indexes are capped by log.index.size.max.bytes). */
const TMPFS_SIZE = '8m';

/** Mounts a tmpfs of `size` on dir (root only); false when the test may not mount. */
export function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  try { execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** One broker process with its inspection stream. */
export interface Proc {
  broker: BrokerProcess;
  view: TimelineModel;
  ws: WebSocket | null;
}

export class BrokerUnderTest {
  readonly procs: Proc[] = [];

  private constructor(readonly zk: ZooKeeperServer, readonly b: TestBroker, readonly mounts: string[]) {}

  /**
   * A broker config on a fresh chroot that reaches ZooKeeper through `via` (a proxy's host:port),
   * with its two log dirs on their own small tmpfs each when the test may mount (root), so that a
   * dir can fail at runtime for real (ENOSPC) without touching the other.
   */
  static async create(zk: ZooKeeperServer, props: Record<string, string>, via: string): Promise<BrokerUnderTest> {
    const chroot = `/model${process.pid}-${++seq}`;
    const root = await tempDir('rafka-model-');
    const logDirs = [join(root, 'logs-a'), join(root, 'logs-b')];
    const mounts: string[] = [];
    for (const d of logDirs) if (mountTmpfs(d, TMPFS_SIZE)) mounts.push(d);
    const b = await brokerConfig(zk, { ...props, 'zookeeper.connect': `${via}${chroot}` }, { chroot, logDirs });
    return new BrokerUnderTest(zk, b, mounts);
  }

  /** Whether both log dirs are their own filesystems (LOG_DIR_FAILS needs that). */
  get onTmpfs(): boolean { return this.mounts.length === 2; }

  get dirA(): string { return this.b.logDirs[0]!; }
  get dirB(): string { return this.b.logDirs[1]!; }
  get current(): Proc {
    const p = this.procs.at(-1);
    if (!p) throw new Error('no broker process was started on this path');
    return p;
  }
  get broker(): BrokerProcess { return this.current.broker; }
  get logs(): LogLine[] { return this.broker.logs; }

  /** Starts a new broker process on the same config; follows its /events stream unless `watch` is false. */
  async start(watch = true): Promise<Proc> {
    const port = await freePort();
    const broker = startBroker(this.b, ['--inspect-port', String(port)]);
    const proc: Proc = { broker, view: createTimelineModel(), ws: null };
    this.procs.push(proc);
    if (watch) proc.ws = await this.follow(proc, port);
    return proc;
  }

  /** Connects to the process's live viewer (retrying while it comes up); null if the process exits first. */
  private async follow(proc: Proc, port: number): Promise<WebSocket | null> {
    // Returns as soon as it connects, so a long deadline costs nothing: a broker that had printed no line
    // within 15 s of its spawn at load 15–20 (six test runs on two cores) failed paths on the test's clock.
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.broker.exited) return null;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/events`);
      ws.on('message', (d) => proc.view.apply(JSON.parse(d.toString())));
      const ok = await new Promise<boolean>((resolve) => {
        ws.once('open', () => resolve(true));
        ws.once('error', () => resolve(false));
      });
      if (ok) return ws;
      ws.terminate();
      if (Date.now() > deadline) throw new Error(`could not connect to the viewer on port ${port}\n${proc.broker.tail(15)}`);
      await sleep(50);
    }
  }

  /** Waits until the actor `name` of the current process is in `state` according to its /events stream. */
  async actorIn(name: string, state: string, timeoutMs = 15_000): Promise<void> {
    const { view, broker } = this.current;
    const deadline = Date.now() + timeoutMs;
    while (view.find(name)?.state !== state) {
      if (Date.now() > deadline) throw new Error(`${name} not in ${state} within ${timeoutMs} ms (is ${view.find(name)?.state})\n${broker.tail(15)}`);
      if (broker.exited) throw new Error(`broker exited while waiting for ${name} in ${state}\n${broker.tail(15)}`);
      await sleep(50);
    }
  }

  /** Runs fn on a fresh ZooKeeper session on this broker's chroot (closed afterwards). */
  async zkRead<T>(fn: (s: ZkSession) => Promise<T>): Promise<T> {
    const connect = `${this.zk.connectString}${this.b.chroot}`;
    await ensureChroot(connect, 6000, 5000);
    const s = new ZkSession(connect, { sessionTimeoutMs: 6000 });
    try {
      await s.connect(5000);
      return await fn(s);
    } finally {
      s.close();
    }
  }

  /** The ephemeral owner (hex session id) of /brokers/ids/<id>, or null when not registered. */
  async registrationOwner(id = 1): Promise<string | null> {
    return this.zkRead(async (s) => {
      const n = await s.getDataOrNull(`/brokers/ids/${id}`);
      return n === null ? null : n.stat.ephemeralOwner.toString('hex');
    });
  }

  /** The session id the current process logged last ("Connected to ZooKeeper"). */
  lastSessionId(): string | undefined {
    return this.logs.filter((l) => l.msg === 'Connected to ZooKeeper').at(-1)?.sessionId as string | undefined;
  }

  /** host:port of the PLAINTEXT listener. */
  get bootstrap(): string { return this.b.props.listeners!.replace('PLAINTEXT://', ''); }

  /** What a client sees: kcat's metadata (-L -J), or null when it gets none within 5 s. */
  metadata(): Promise<{ brokers: Array<{ id: number; name: string }>; controllerid: number } | null> {
    return new Promise((resolve) => {
      execFile('kcat', ['-b', this.bootstrap, '-L', '-J', '-m', '5'], { timeout: 15_000 }, (err, stdout) => {
        if (err) { resolve(null); return; }
        try { resolve(JSON.parse(stdout)); } catch { resolve(null); }
      });
    });
  }

  /** Whether anything accepts TCP connections on the listener's port. */
  listening(): Promise<boolean> {
    const [host, port] = this.bootstrap.split(':');
    return new Promise((resolve) => {
      const sock = connect({ host: host!, port: Number(port) });
      sock.once('connect', () => { sock.destroy(); resolve(true); });
      sock.once('error', () => resolve(false));
    });
  }

  /** Whether a thread of the current process sleeps in a FIFO open (Linux: wchan wait_for_partner). */
  async blockedOnFifo(): Promise<boolean> {
    const tasks = await readdir(`/proc/${this.broker.pid}/task`).catch(() => [] as string[]);
    const wchans = await Promise.all(tasks.map((t) => readText(`/proc/${this.broker.pid}/task/${t}/wchan`)));
    return wchans.includes('wait_for_partner');
  }

  fatalLines(): string[] {
    return this.logs.filter((l) => l.level === 60).map((l) => l.msg);
  }

  count(pred: (l: LogLine) => boolean): number {
    return this.logs.filter(pred).length;
  }

  /** After a path (its checks done): kills whatever still runs and closes the streams; the chroot and dirs are the path's own. */
  async close(): Promise<void> {
    for (const p of this.procs) {
      p.ws?.terminate();
      if (!p.broker.exited) {
        p.broker.signal('SIGKILL');
        await p.broker.waitForExit(10_000).catch(() => undefined);
      }
    }
    for (const m of this.mounts) { try { execFileSync('umount', ['-l', m], { stdio: 'ignore' }); } catch { /* gone */ } }
  }
}

/** meta.properties of a dir as key → value (null when absent). */
export async function readMeta(dir: string): Promise<Record<string, string> | null> {
  const text = await readText(join(dir, 'meta.properties'));
  if (text === null) return null;
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([^#=]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
