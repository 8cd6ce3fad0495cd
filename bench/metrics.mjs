#!/usr/bin/env node
// Produce / fetch throughput with metrics off vs on, in the same run (issue 16: "a metric update on the produce/fetch
// hot path ... keeps throughput within 3% of metrics off"). Two brokers on one ZooKeeper (separate chroots), one with
// metrics.http.listener set and scraped every second during its runs, the other without; kcat produces MiB of 1 KiB
// records (acks=1) then consumes them, alternating off/on for ROUNDS rounds; the medians are compared. The machine's
// ceiling (loopback TCP, one connection) is measured in the same run.
//   node bench/metrics.mjs [MiB=128] [ROUNDS=5]      (npm run build first; needs kcat and zookeeper)
// Figures come from whatever machine runs it: on a shared machine, other load moves both columns.
import { spawn, execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, connect } from 'node:net';
import { pino } from 'pino';
import { startLocalZooKeeper } from '../dist/services/zookeeper/local-zookeeper.js';
import { KafkaMetrics } from '../dist/services/metrics/kafka-metrics.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = Number(process.argv[2] ?? 128);
const ROUNDS = Number(process.argv[3] ?? 5);
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);
/** Seconds a kcat run takes (async: the scraper's timer keeps firing meanwhile). */
const timeKcat = async (args) => { const t0 = performance.now(); await run('kcat', args, { maxBuffer: 1 << 30 }); return (performance.now() - t0) / 1000; };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const work = mkdtempSync(join(tmpdir(), 'rafka-bench-metrics-'));
const zkPort = await freePort();
const zk = await startLocalZooKeeper({ host: '127.0.0.1', port: zkPort, dataDir: join(work, 'zk', 'data'), log: pino({ level: 'silent' }) });
const brokers = [];
for (const [name, metrics] of [['off', false], ['on', true]]) {
  const port = await freePort();
  const metricsPort = metrics ? await freePort() : null;
  const cfg = join(work, `${name}.properties`);
  writeFileSync(cfg, [`broker.id=1`, `zookeeper.connect=127.0.0.1:${zkPort}/bench-${name}`, `log.dirs=${join(work, `logs-${name}`)}`,
    `listeners=PLAINTEXT://127.0.0.1:${port}`, 'num.partitions=1', ...(metrics ? [`metrics.http.listener=127.0.0.1:${metricsPort}`] : [])].join('\n'));
  const proc = spawn(process.execPath, [join(root, 'bin', 'rafka.js'), '-v', 'warn', cfg], { stdio: 'ignore' });
  const bootstrap = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) { try { execFileSync('kcat', ['-b', bootstrap, '-L', '-m', '2'], { stdio: 'ignore' }); break; } catch { if (i > 80) throw new Error(`broker ${name} did not start`); await sleep(250); } }
  brokers.push({ name, proc, bootstrap, metricsPort, produce: [], fetch: [] });
}
const cleanup = () => { for (const b of brokers) b.proc.kill('SIGKILL'); void zk.stop(); rmSync(work, { recursive: true, force: true }); };
process.on('exit', cleanup);

const dataFile = join(work, 'records.txt');
{ const fd = openSync(dataFile, 'w'); const line = Buffer.from(`${'x'.repeat(1023)}\n`); const chunk = Buffer.concat(Array(1024).fill(line)); for (let i = 0; i < MiB; i++) writeSync(fd, chunk); closeSync(fd); }

let scrapes = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const b of round % 2 === 0 ? brokers : [...brokers].reverse()) {
    const topic = `t${round}`;
    // Prometheus-like scraping while the "on" broker works (a scrape costs the broker, too)
    const scraper = b.metricsPort ? setInterval(() => { fetch(`http://127.0.0.1:${b.metricsPort}/metrics`).then((r) => r.text()).then(() => { scrapes++; }, () => {}); }, 1000) : null;
    const p = await timeKcat(['-b', b.bootstrap, '-P', '-t', topic, '-l', dataFile, '-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.kbytes=1048576']);
    const f = await timeKcat(['-b', b.bootstrap, '-C', '-t', topic, '-e', '-o', 'beginning', '-q', '-f', '', '-X', 'fetch.max.bytes=52428800', '-X', 'max.partition.fetch.bytes=10485760']);
    if (scraper) clearInterval(scraper);
    b.produce.push((MiB * 1.048576) / p);
    b.fetch.push((MiB * 1.048576) / f);
  }
}

const ceiling = await new Promise((resolve) => {
  const srv = createServer((s) => { s.resume(); });
  srv.listen(0, '127.0.0.1', () => {
    const c = connect(srv.address().port, '127.0.0.1'); const chunk = Buffer.alloc(1 << 20); let left = MiB; const t0 = performance.now();
    const pump = () => { while (left > 0) { left--; if (!c.write(chunk)) { c.once('drain', pump); return; } } c.end(() => { resolve((MiB * 1.048576) / ((performance.now() - t0) / 1000)); srv.close(); }); };
    c.on('connect', pump);
  });
});

const [off, on] = brokers;
const row = (what, a, b) => ({ what, offMBps: Math.round(median(a)), onMBps: Math.round(median(b)), onVsOff: `${((median(b) / median(a) - 1) * 100).toFixed(1)}%`, runsOff: a.map(Math.round).join(' '), runsOn: b.map(Math.round).join(' ') });
console.table([row(`kcat produce ${MiB} MiB (1 KiB, acks=1)`, off.produce, on.produce), row(`kcat fetch ${MiB} MiB`, off.fetch, on.fetch)]);
console.log(`ceiling: loopback TCP, one connection ${Math.round(ceiling)} MB/s; /metrics scraped ${scrapes} times during the "on" runs; medians of ${ROUNDS} alternating rounds`);

// The hooks alone, in this process: what one produce + one fetch request cost the metrics (BrokerTopicStats for one
// partition each, RequestMetrics twice), and the heap they leave behind (run with --expose-gc for the heap figure).
{
  const m = new KafkaMetrics();
  const s = m.topicStats;
  const N = 2_000_000;
  const once = () => { s.produceRequest('bench'); s.produced('bench', 1024, 1); m.requests.record(0, 7, 0.2); s.fetchRequest('bench'); s.bytesOut('bench', 1024, false); m.requests.record(1, 11, 0.3); };
  for (let i = 0; i < 100_000; i++) once();
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) once();
  const ns = ((performance.now() - t0) * 1e6) / N;
  globalThis.gc?.();
  const heapDelta = process.memoryUsage().heapUsed - heap0;
  console.log(`hooks: ${ns.toFixed(0)} ns per produce+fetch request pair (2 partitions' counters, 2 request timings)${globalThis.gc ? `; heap after ${N} pairs: ${heapDelta >= 0 ? '+' : ''}${(heapDelta / 1024).toFixed(0)} KiB` : ''}`);
}
process.exit(0);
