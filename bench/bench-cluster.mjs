// The benches' broker cluster (bench/replication.mjs, bench/election.mjs, bench/reassign.mjs): one local ZooKeeper and
// N real broker processes (bin/rafka.js from dist/: `npm run build` first), each with its properties file in a fresh
// work dir. Brokers die with the bench (setpriv --pdeathsig, as the test helpers), even when it is killed.
//   probeDir: bench/broker-probe.mjs preloaded (SIGUSR2 toggles a CPU profile window); logDir: each broker logs at
//   info to <logDir>/broker-<id>.log (else warn, discarded).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, existsSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { startLocalZooKeeper } from '../dist/services/zookeeper/local-zookeeper.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SETPRIV = '/usr/bin/setpriv';
export const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts ZooKeeper (tickTime `zkTickMs`) and writes each broker's properties (broker.id, zookeeper.connect with the
 * `/bench-<name>` chroot, log.dirs, one PLAINTEXT listener, plus `props(id)` lines); brokers start with startBroker.
 */
export async function startBenchCluster({ name, ids, zkTickMs = 2000, props = () => [], logDir = null, probeDir = null }) {
  const work = mkdtempSync(join(tmpdir(), `rafka-bench-${name}-`));
  const zkPort = await freePort();
  const zk = await startLocalZooKeeper({ host: '127.0.0.1', port: zkPort, dataDir: join(work, 'zk', 'data'), log: pino({ level: 'silent' }), tickTime: zkTickMs });
  const chroot = `/bench-${name}`;
  const ports = {};
  const procs = {};
  for (const id of ids) {
    ports[id] = await freePort();
    writeFileSync(join(work, `server-${id}.properties`), [`broker.id=${id}`, `zookeeper.connect=127.0.0.1:${zkPort}${chroot}`,
      `log.dirs=${join(work, `logs-${id}`)}`, `listeners=PLAINTEXT://127.0.0.1:${ports[id]}`, ...props(id)].join('\n'));
  }
  if (logDir) mkdirSync(logDir, { recursive: true });
  if (probeDir) mkdirSync(probeDir, { recursive: true });
  const addr = (id) => `127.0.0.1:${ports[id]}`;
  const alive = (id) => procs[id] !== undefined && procs[id].exitCode === null && procs[id].signalCode === null;
  /** Spawns broker `id` and returns once it answers a Metadata request (kcat). */
  const startBroker = async (id) => {
    const probe = probeDir ? ['--import', join(root, 'bench', 'broker-probe.mjs')] : [];
    const cmd = [process.execPath, ...probe, join(root, 'bin', 'rafka.js'), '-v', logDir ? 'info' : 'warn', join(work, `server-${id}.properties`)];
    const [bin, ...args] = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...cmd] : cmd;
    const out = logDir ? openSync(join(logDir, `broker-${id}.log`), 'a') : 'ignore';
    procs[id] = spawn(bin, args, { stdio: ['ignore', out, out], env: probeDir ? { ...process.env, RAFKA_PROBE_DIR: probeDir } : process.env });
    for (let i = 0; ; i++) { try { execFileSync('kcat', ['-b', addr(id), '-L', '-m', '2'], { stdio: 'ignore' }); return; } catch { if (i > 240 || !alive(id)) throw new Error(`broker ${id} did not start`); await sleep(250); } }
  };
  const stopBroker = (id, sig = 'SIGTERM') => new Promise((r) => { const p = procs[id]; if (!p || !alive(id)) return r(); p.once('exit', r); p.kill(sig); });
  /** CPU seconds broker `id` used so far (utime + stime from /proc, 100 ticks/s). */
  const cpuSecs = (id) => { try { const f = readFileSync(`/proc/${procs[id].pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; } catch { return NaN; } };
  /** Stops every broker (SIGTERM), then ZooKeeper, and removes the work dir. */
  const stop = async () => {
    await Promise.all(ids.map((id) => stopBroker(id)));
    await zk.stop();
    rmSync(work, { recursive: true, force: true });
  };
  return { work, zk, zkPort, chroot, zkConnect: `127.0.0.1:${zkPort}${chroot}`, ids, ports, procs, addr, bootstrap: ids.map(addr).join(','), alive, startBroker, stopBroker, cpuSecs, stop };
}
