/**
 * Runs the real broker (`node bin/rafka.js ...args`) as a child process and reads its
 * pino JSON log lines from stdout.
 *
 *   const dir = mkdtempSync(...);
 *   const cfg = await writeBrokerConfig(dir, { 'broker.id': '1', 'zookeeper.connect': zk.connectString, ... });
 *   const b = spawnBroker([cfg]);
 *   await b.waitForLog((l) => l.msg.includes('started'));
 *   expect(await b.stop()).toBe(0);
 *
 * Every spawned child is SIGKILLed when the test process exits (and, on Linux, when the
 * test process itself is killed: setpriv --pdeathsig).
 */
import { trackChild, untrackChild } from './child-reaper.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface BrokerProcess {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Every stdout line so far, parsed; a non-JSON line is `{ level: 0, msg: <line>, raw: true }`. */
  readonly logs: LogLine[];
  /** stderr, line by line. */
  readonly stderr: string[];
  /** Exit code once exited (null while running or when killed by a signal). */
  readonly exitCode: number | null;
  readonly exited: boolean;
  /** Resolves with the first existing or future line matching pred; rejects (with the last 30 lines) on timeout or exit. */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (null if killed by a signal) once exited and stdout is drained; rejects on timeout. */
  waitForExit(timeoutMs?: number): Promise<number | null>;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, wait; SIGKILL after killAfterMs (10 s). Resolves with the exit code (null if it had to be killed). */
  stop(killAfterMs?: number): Promise<number | null>;
  /** CPU time used so far (user + system), from /proc/<pid>/stat. Rejects once the process is gone. */
  cpuSeconds(): Promise<number>;
  /** Last n log lines as text, for assertion messages. */
  tail(n?: number): string;
}

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RAFKA_BIN = join(REPO_ROOT, 'bin', 'rafka.js');
const CLK_TCK = 100;
const SETPRIV = '/usr/bin/setpriv';

/** Writes a server.properties-style file (`key=value` lines) as `<dir>/server.properties`; returns its path. */
export async function writeBrokerConfig(dir: string, props: Record<string, string>, fileName = 'server.properties'): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, fileName);
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  const text = Object.entries(props)
    .map(([k, v]) => `${esc(k).replace(/([=:\s])/g, '\\$1')}=${esc(v)}`)
    .join('\n');
  await writeFile(path, `# written by test/helpers/broker-process.ts\n${text}\n`);
  return path;
}

const all = new Set<BrokerProcess>();

/** Stops every broker spawned by this test process that is still running (for afterAll). */
export async function stopAllBrokers(): Promise<void> {
  await Promise.all([...all].map((b) => b.stop()));
}

function parseLine(line: string): LogLine {
  const t = line.trim();
  if (t.startsWith('{')) {
    try {
      const o = JSON.parse(t) as unknown;
      if (o !== null && typeof o === 'object' && !Array.isArray(o)) {
        const rec = o as Record<string, unknown>;
        return {
          ...rec,
          level: typeof rec.level === 'number' ? rec.level : 0,
          msg: typeof rec.msg === 'string' ? rec.msg : '',
        };
      }
    } catch {
      /* not JSON: fall through */
    }
  }
  return { level: 0, msg: line, raw: true };
}

function formatLine(l: LogLine): string {
  if (l.raw === true) return l.msg;
  const { level, msg, time: _t, pid: _p, hostname: _h, ...rest } = l;
  const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
  return `[${level}] ${msg}${extra}`;
}

/**
 * Spawns `node bin/rafka.js ...args` (or `node <opts.script> ...args`) with stdout/stderr piped.
 * cwd defaults to the repo root; env is added to the current environment.
 */
export function spawnBroker(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; script?: string; nodeArgs?: string[] } = {},
): BrokerProcess {
  const script = opts.script ?? RAFKA_BIN;
  const nodeCmd = [process.execPath, ...(opts.nodeArgs ?? []), script, ...args];
  const [command, ...cmdArgs] =
    process.platform === 'linux' && existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...nodeCmd] : nodeCmd;
  const proc = spawn(command!, cmdArgs, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) {
    throw new Error(`could not spawn ${nodeCmd.join(' ')}`);
  }
  trackChild(proc);
  const pid = proc.pid;
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void; reject: (e: Error) => void }>();
  let exitCode: number | null = null;
  let exitSignal: NodeJS.Signals | null = null;
  let exited = false; // process exited
  let closed = false; // exited and stdout/stderr drained
  const closeListeners: Array<() => void> = [];

  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const l = parseLine(line);
    logs.push(l);
    for (const w of [...waiters]) {
      let hit = false;
      try {
        hit = w.pred(l);
      } catch (e) {
        waiters.delete(w);
        w.reject(e as Error);
        continue;
      }
      if (hit) {
        waiters.delete(w);
        w.resolve(l);
      }
    }
  });
  createInterface({ input: proc.stderr! }).on('line', (line) => stderr.push(line));

  const markClosed = () => {
    if (closed) return;
    closed = true;
    untrackChild(proc);
    all.delete(broker);
    const why = `process exited (${exitSignal ? `signal ${exitSignal}` : `code ${exitCode}`})`;
    for (const w of [...waiters]) {
      waiters.delete(w);
      w.reject(new Error(`${why} before the awaited log line\n${describe()}`));
    }
    for (const f of closeListeners.splice(0)) f();
  };
  proc.on('exit', (code, sig) => {
    exited = true;
    exitCode = code;
    exitSignal = sig;
    // 'close' normally follows at once; if a grandchild kept the pipes open, don't wait for it forever.
    setTimeout(markClosed, 2000).unref();
  });
  proc.on('close', markClosed);
  proc.on('error', (err) => {
    stderr.push(`spawn error: ${err.message}`);
  });

  const tail = (n = 30) => logs.slice(-n).map(formatLine).join('\n');
  const describe = () =>
    `--- last ${Math.min(30, logs.length)} log lines (pid ${pid}) ---\n${tail(30)}` +
    (stderr.length ? `\n--- stderr (tail) ---\n${stderr.slice(-30).join('\n')}` : '');

  const waitForExit = (timeoutMs = 20_000): Promise<number | null> =>
    new Promise((resolve, reject) => {
      if (closed) {
        resolve(exitCode);
        return;
      }
      const timer = setTimeout(() => {
        const i = closeListeners.indexOf(done);
        if (i >= 0) closeListeners.splice(i, 1);
        reject(new Error(`process ${pid} did not exit within ${timeoutMs} ms\n${describe()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(exitCode);
      };
      closeListeners.push(done);
    });

  const broker: BrokerProcess = {
    proc,
    pid,
    logs,
    stderr,
    get exitCode() {
      return exitCode;
    },
    get exited() {
      return exited;
    },
    waitForLog(pred, timeoutMs = 20_000) {
      const found = logs.find(pred);
      if (found) return Promise.resolve(found);
      if (closed) return Promise.reject(new Error(`process already exited (code ${exitCode}); no matching log line\n${describe()}`));
      return new Promise<LogLine>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no matching log line within ${timeoutMs} ms\n${describe()}`));
        }, timeoutMs);
        const w = {
          pred,
          resolve: (l: LogLine) => {
            clearTimeout(timer);
            resolve(l);
          },
          reject: (e: Error) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        waiters.add(w);
      });
    },
    waitForExit,
    signal(sig) {
      if (!exited) proc.kill(sig);
    },
    async stop(killAfterMs = 10_000) {
      if (closed) return exitCode;
      if (!exited) proc.kill('SIGTERM');
      try {
        return await waitForExit(killAfterMs);
      } catch {
        proc.kill('SIGKILL');
        await waitForExit(10_000);
        return null;
      }
    },
    async cpuSeconds() {
      let stat: string;
      try {
        stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      } catch {
        throw new Error(`process ${pid} is gone: cannot read /proc/${pid}/stat`);
      }
      // Fields after the parenthesised command name: state(3) ... utime(14) stime(15).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const utime = Number(fields[11]);
      const stime = Number(fields[12]);
      return (utime + stime) / CLK_TCK;
    },
    tail,
  };
  all.add(broker);
  return broker;
}
