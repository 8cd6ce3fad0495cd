#!/usr/bin/env node
// Benchmark: median time from `node bin/rafka.js` process start to /brokers/ids/<id> existing in a
// warm ZooKeeper (issue target: < 1.0 s). Usage: node bench/startup-to-registered.mjs [runs=15]
// Needs `npm run build` first and Debian's zookeeper package.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { startLocalZooKeeper } from '../dist/services/zookeeper/local-zookeeper.js';
import { ZkSession } from '../dist/services/zookeeper/zk-session.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 15);
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });

const work = mkdtempSync(join(tmpdir(), 'rafka-bench-'));
const zkPort = await freePort();
const zk = await startLocalZooKeeper({ host: '127.0.0.1', port: zkPort, dataDir: join(work, 'zk', 'data'), log: pino({ level: 'silent' }) });
const connect = `127.0.0.1:${zkPort}`;
const watcher = new ZkSession(connect, { sessionTimeoutMs: 10000 });
await watcher.connect(10000);
await watcher.mkdirp('/bench');

/** Resolves when path exists, using ZooKeeper watches (no polling). */
function whenExists(path) {
  return new Promise((resolve, reject) => {
    const check = () => watcher.exists(path, () => check()).then((st) => { if (st) resolve(); }, reject);
    check();
  });
}

const times = [];
try {
  for (let i = 0; i < runs; i++) {
    const dir = join(work, `b${i}`);
    const cfg = join(work, `server-${i}.properties`);
    writeFileSync(cfg, [`broker.id=${i + 1}`, `zookeeper.connect=${connect}/bench`, `log.dirs=${dir}`, `listeners=PLAINTEXT://127.0.0.1:${await freePort()}`].join('\n'));
    const registered = whenExists(`/bench/brokers/ids/${i + 1}`);
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(root, 'bin', 'rafka.js'), '-v', 'warn', cfg], { stdio: 'ignore' });
    await registered;
    times.push(performance.now() - t0);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
} finally {
  watcher.close();
  await zk.stop();
  rmSync(work, { recursive: true, force: true });
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const result = {
  bench: 'startup-to-registered', runs, medianMs: Math.round(median), minMs: Math.round(times[0]), maxMs: Math.round(times.at(-1)),
  targetMs: 1000, node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString().slice(0, 10),
};
console.log(JSON.stringify(result));
