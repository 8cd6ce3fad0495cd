/**
 * Opt-in embedded ZooKeeper for development (`--local-zookeeper`): runs Debian's
 * `zookeeper` package (ZooKeeperServerMain under java) as a child process of the broker.
 * Never started implicitly. The same spawning code is reused by the integration test
 * harness (test/helpers/zookeeper-server.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import type { Logger } from '../../logger.js';

export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
/** slf4j binding that prints ZooKeeper's own WARN/ERROR lines (Debian's libslf4j-java, a dependency of zookeeper). */
export const SLF4J_SIMPLE_JAR = '/usr/share/java/slf4j-simple.jar';
const SETPRIV = '/usr/bin/setpriv';

export const ZOOKEEPER_INSTALL_HINT =
  "ZooKeeper is not installed: Rafka's --local-zookeeper runs Debian's zookeeper package (java + /usr/share/java/zookeeper.jar). Install it with: sudo apt-get install -y zookeeper";

export class ZooKeeperNotInstalledError extends Error {
  constructor(message: string = ZOOKEEPER_INSTALL_HINT) {
    super(message);
    this.name = 'ZooKeeperNotInstalledError';
  }
}

export interface ZooKeeperInstall {
  java: string;
  classpath: string;
}

export interface LocalZooKeeper {
  readonly port: number;
  readonly dataDir: string;
  /** pid of the child ZooKeeper, or null when an already running ZooKeeper was reused. */
  readonly pid: number | null;
  /** True when we did not start it (something already served ZooKeeper on the port); stop() is then a no-op. */
  readonly reused: boolean;
  stop(): Promise<void>;
}

/** Locates java and Debian's ZooKeeper jar; null when either is missing. Paths are overridable for tests. */
export function findZooKeeperInstall(opts: { jar?: string; java?: string } = {}): ZooKeeperInstall | null {
  const jar = opts.jar ?? ZOOKEEPER_JAR;
  if (!existsSync(jar)) return null;
  const java = opts.java ?? findJava();
  if (java === null || !existsSync(java)) return null;
  const cp = [jar];
  if (existsSync(SLF4J_SIMPLE_JAR)) cp.push(SLF4J_SIMPLE_JAR);
  return { java, classpath: cp.join(':') };
}

function findJava(): string | null {
  const home = process.env.JAVA_HOME;
  if (home && existsSync(join(home, 'bin', 'java'))) return join(home, 'bin', 'java');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'java'))) return join(dir, 'java');
  }
  return existsSync('/usr/bin/java') ? '/usr/bin/java' : null;
}

export interface ZooKeeperConfig {
  port: number;
  dataDir: string;
  /** Address to bind; omitted = all interfaces. */
  host?: string;
  /** ms; min session timeout = 2 ticks, max = 20 ticks. Default 2000 (ZooKeeper's own default). */
  tickTime?: number;
  /** fsync each transaction (default true). Tests turn it off: SIGKILL still keeps data (page cache). */
  forceSync?: boolean;
}

/** zoo.cfg text for a standalone server. */
export function zooKeeperConfigText(c: ZooKeeperConfig): string {
  const lines = [
    `tickTime=${c.tickTime ?? 2000}`,
    `dataDir=${c.dataDir}`,
    `clientPort=${c.port}`,
    ...(c.host !== undefined ? [`clientPortAddress=${c.host}`] : []),
    'admin.enableServer=false',
    '4lw.commands.whitelist=srvr,stat,ruok',
    'maxClientCnxns=0',
    `forceSync=${c.forceSync === false ? 'no' : 'yes'}`,
    // Transaction log files are preallocated 64 MB by default; 4 MB is plenty here.
    'preAllocSize=4096',
    'autopurge.snapRetainCount=3',
    'autopurge.purgeInterval=1',
  ];
  return lines.join('\n') + '\n';
}

/**
 * The command that runs ZooKeeperServerMain on a config file. On Linux it goes through
 * `setpriv --pdeathsig KILL` (util-linux, exec's java in place, same pid) so the JVM dies
 * even if its parent is SIGKILLed.
 */
export function zooKeeperCommand(install: ZooKeeperInstall, configPath: string): { command: string; args: string[] } {
  const javaArgs = [
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    '-Dzookeeper.admin.enableServer=false',
    '-Dzookeeper.4lw.commands.whitelist=srvr,stat,ruok',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-cp',
    install.classpath,
    'org.apache.zookeeper.server.ZooKeeperServerMain',
    configPath,
  ];
  if (process.platform === 'linux' && existsSync(SETPRIV)) {
    return { command: SETPRIV, args: ['--pdeathsig', 'KILL', '--', install.java, ...javaArgs] };
  }
  return { command: install.java, args: javaArgs };
}

export type ZooKeeperProbe =
  | { state: 'free' }
  | { state: 'serving'; reply: string }
  | { state: 'not-serving'; reply: string }
  | { state: 'other'; reply: string; error?: string };

/**
 * Sends the `srvr` four-letter word to host:port. `free` = connection refused;
 * `serving` = a ZooKeeper that serves requests; `not-serving` = a ZooKeeper still starting;
 * `other` = something else listens there.
 */
export function probeZooKeeper(host: string, port: number, timeoutMs = 1000): Promise<ZooKeeperProbe> {
  return new Promise((resolve) => {
    let reply = '';
    let done = false;
    const finish = (p: ZooKeeperProbe) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(p);
    };
    const classify = (): ZooKeeperProbe => {
      if (/not currently serving requests/i.test(reply)) return { state: 'not-serving', reply };
      if (/Zookeeper version:/i.test(reply) && /Mode:/.test(reply)) return { state: 'serving', reply };
      return { state: 'other', reply };
    };
    const sock = connect({ host, port });
    const timer = setTimeout(() => finish(reply ? classify() : { state: 'other', reply, error: `no answer to srvr within ${timeoutMs} ms` }), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.end('srvr'));
    sock.on('data', (d: string) => {
      reply += d;
      if (reply.length > 64 * 1024) finish({ state: 'other', reply: reply.slice(0, 1024) });
    });
    sock.on('end', () => finish(classify()));
    sock.on('close', () => finish(classify()));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') finish({ state: 'free' });
      else if (reply) finish(classify());
      else finish({ state: 'other', reply, error: err.message });
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `srvr` until the server serves. Rejects when `exited()` returns an exit description
 * (the child died) or after timeoutMs; the message includes `describe()` (e.g. a stderr tail).
 */
export async function waitForZooKeeper(
  host: string,
  port: number,
  opts: { timeoutMs?: number; exited?: () => string | null; describe?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: ZooKeeperProbe = { state: 'free' };
  for (;;) {
    const ex = opts.exited?.();
    if (ex) throw new Error(`ZooKeeper on ${host}:${port} exited before serving (${ex})${tail(opts.describe)}`);
    last = await probeZooKeeper(host, port, 1000);
    if (last.state === 'serving') return;
    if (Date.now() > deadline) {
      throw new Error(`ZooKeeper on ${host}:${port} not serving after ${opts.timeoutMs ?? 30_000} ms (last srvr probe: ${last.state})${tail(opts.describe)}`);
    }
    await sleep(50);
  }
}

function tail(describe?: () => string): string {
  const d = describe?.().trim();
  return d ? `\n--- ZooKeeper output (tail) ---\n${d}` : '';
}

/** Waits for a child to exit; SIGKILL after killAfterMs. Resolves at once when it already exited. */
export function terminateChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** Maps `localhost` to 127.0.0.1 so the bind and the probe agree on one address family. */
function bindHost(host: string): string {
  return host === 'localhost' || host === '' ? '127.0.0.1' : host;
}

/**
 * Starts (or reuses) a standalone ZooKeeper on host:port with data in dataDir.
 * Child output and the config go next to dataDir (`<dataDir>/../zookeeper.log`, `../zoo.cfg`).
 * The child is killed when this process exits.
 */
export async function startLocalZooKeeper(opts: {
  host: string;
  port: number;
  dataDir: string;
  log: Logger;
  tickTime?: number;
  timeoutMs?: number;
  /** Test hook: overrides the java / jar paths looked up by findZooKeeperInstall. */
  install?: { jar?: string; java?: string };
}): Promise<LocalZooKeeper> {
  const { port, dataDir, log } = opts;
  const host = bindHost(opts.host);
  const install = findZooKeeperInstall(opts.install);
  if (install === null) throw new ZooKeeperNotInstalledError();

  const probe = await probeZooKeeper(host, port);
  if (probe.state === 'serving' || probe.state === 'not-serving') {
    if (probe.state === 'not-serving') await waitForZooKeeper(host, port, { timeoutMs: opts.timeoutMs });
    log.info({ host, port }, `Reusing the ZooKeeper already running on ${host}:${port} (not starting a local one)`);
    return { port, dataDir, pid: null, reused: true, stop: async () => {} };
  }
  if (probe.state === 'other') {
    throw new Error(
      `Cannot start local ZooKeeper: port ${port} on ${host} is already in use by something that is not ZooKeeper` +
        `${probe.error ? ` (${probe.error})` : ''}. Free the port or point zookeeper.connect at another port.`,
    );
  }

  const baseDir = dirname(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const configPath = join(baseDir, 'zoo.cfg');
  writeFileSync(configPath, zooKeeperConfigText({ host, port, dataDir, tickTime: opts.tickTime }));
  const logPath = join(baseDir, 'zookeeper.log');
  const logFd = openSync(logPath, 'a');
  const { command, args } = zooKeeperCommand(install, configPath);
  writeSync(logFd, `\n=== ${new Date().toISOString()} starting ZooKeeper: ${command} ${args.join(' ')}\n`);
  let child: ChildProcess;
  try {
    // Own process group: a Ctrl-C in the terminal must reach only the broker, which closes its
    // session first and then stops this ZooKeeper (pdeathsig still covers a broker crash).
    child = spawn(command, args, { stdio: ['ignore', logFd, logFd], detached: true });
  } finally {
    closeSync(logFd);
  }
  let exitInfo: string | null = null;
  let spawnError: Error | null = null;
  child.on('error', (err) => {
    spawnError = err;
    exitInfo = `spawn failed: ${err.message}`;
  });
  child.on('exit', (code, sig) => {
    exitInfo = `exit code ${code}${sig ? `, signal ${sig}` : ''}`;
    if (!stopping) log.warn({ port, pid: child.pid, code, signal: sig }, 'Local ZooKeeper exited');
  });
  let stopping = false;
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  try {
    await waitForZooKeeper(host, port, {
      timeoutMs: opts.timeoutMs ?? 30_000,
      exited: () => exitInfo,
      describe: () => readTail(logPath),
    });
  } catch (err) {
    stopping = true;
    process.off('exit', killOnExit);
    await terminateChild(child, 'SIGKILL');
    if (spawnError) throw new ZooKeeperNotInstalledError(`${ZOOKEEPER_INSTALL_HINT} (${(spawnError as Error).message})`);
    throw err;
  }
  log.info({ port, dataDir, pid: child.pid, log: logPath }, `Started local ZooKeeper on ${host}:${port}`);
  return {
    port,
    dataDir,
    pid: child.pid ?? null,
    reused: false,
    async stop() {
      stopping = true;
      await terminateChild(child, 'SIGTERM', 5000);
      process.off('exit', killOnExit);
      log.info({ port, pid: child.pid }, 'Stopped local ZooKeeper');
    },
  };
}

function readTail(path: string, maxChars = 4000): string {
  try {
    return readFileSync(path, 'utf8').slice(-maxChars);
  } catch {
    return '';
  }
}
