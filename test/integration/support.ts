/** Shared setup for broker integration tests: a temp dir, a config, a ZooKeeper session to inspect. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZkSession } from '../../src/services/zookeeper/zk-session.js';
import { ensureChroot } from '../../src/services/zookeeper/kafka-zk-client.js';
import { writeBrokerConfig, spawnBroker, type BrokerProcess, type LogLine } from '../helpers/broker-process.js';
import { freePort, type ZooKeeperServer } from '../helpers/zookeeper-server.js';

export interface TestBroker { dir: string; logDirs: string[]; props: Record<string, string>; configPath: string; chroot: string }

const cleanups: Array<() => Promise<void>> = [];
let seq = 0;

export async function tempDir(prefix = 'rafka-it-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function cleanupAll(): Promise<void> {
  for (const c of cleanups.splice(0)) await c().catch(() => undefined);
}

/** A broker config in a fresh temp dir, with its own chroot and two log dirs. */
export async function brokerConfig(zk: ZooKeeperServer, props: Record<string, string> = {}, opts: { chroot?: string; logDirs?: string[] } = {}): Promise<TestBroker> {
  const dir = await tempDir();
  const chroot = opts.chroot ?? `/it${process.pid}-${++seq}`;
  const logDirs = opts.logDirs ?? [join(dir, 'logs-a'), join(dir, 'logs-b')];
  const port = await freePort();
  const all = {
    'broker.id': '1',
    'zookeeper.connect': `${zk.connectString}${chroot}`,
    'zookeeper.session.timeout.ms': '6000',
    'zookeeper.connection.timeout.ms': '10000',
    'log.dirs': logDirs.join(','),
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    ...props,
  };
  for (const [k, v] of Object.entries(all)) if (v === '') delete (all as Record<string, string>)[k];
  const configPath = await writeBrokerConfig(dir, all);
  return { dir, logDirs, props: all, configPath, chroot };
}

export function startBroker(b: TestBroker, extraArgs: string[] = []): BrokerProcess {
  return spawnBroker([...extraArgs, b.configPath]);
}

export const started = (l: LogLine) => /^\[KafkaServer id=\d+\] started$/.test(l.msg);

/** A ZooKeeper session on the test's chroot, for checking what the broker wrote. */
export async function inspectZk(zk: ZooKeeperServer, chroot: string): Promise<ZkSession> {
  await ensureChroot(`${zk.connectString}${chroot}`, 6000, 5000);
  const s = new ZkSession(`${zk.connectString}${chroot}`, { sessionTimeoutMs: 6000 });
  await s.connect(5000);
  cleanups.push(async () => s.close());
  return s;
}

export async function readJson(s: ZkSession, path: string): Promise<any> {
  const node = await s.getData(path);
  return JSON.parse(node.data!.toString('utf8'));
}

/** Polls until fn returns a truthy value (for ZooKeeper state that changes asynchronously). */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface CommandResult { stdout: string; stderr: string; code: number }

/** Runs a command (kcat, python3, …) to completion, never rejecting: a failure shows as a non-zero `code`. */
export function runCommand(cmd: string, args: string[], input?: string, timeoutMs = 30_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0 }));
    if (input !== undefined) p.stdin!.end(input);
  });
}
