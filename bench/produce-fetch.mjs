#!/usr/bin/env node
// Produce/fetch throughput and produce latency against a real broker process, with real clients
// as the load (issue "Speak Kafka" speed figures), plus this machine's ceilings measured in the
// same run. Usage: node bench/produce-fetch.mjs [MiB=512] [--no-idempotent]   (npm run build first; needs kcat, zookeeper)
//   BENCH_ONLY=fetch: produce only what the fetch reads, then the fetch (no latency, no other produce figures);
//   the broker's CPU seconds (from /proc/<pid>/stat) are reported per section and per GB moved.
//   BENCH_ONLY=produce: only the acks=1 1-partition produce (+ ceilings); BENCH_ONLY=idempotent: acks=-1 plain and
//   idempotent (+ ceilings); BENCH_ONLY=latency: only the 10k/s latency (+ ceilings); BENCH_ONLY=multi: PRODUCERS
//   (default 4) kcat processes at once on 16 partitions (+ ceilings); BENCH_ONLY=latency-fetch: the latency while a
//   light consumer reads at full speed. Comma-separate to combine.
//   RAFKA_PROBE_DIR=<dir> preloads bench/broker-probe.mjs into the broker: one V8 CPU profile + event-loop delay per
//   section in <dir> (summarise: node bench/profile-top.mjs <file>.cpuprofile); RAFKA_PROBE_CPU=0: event-loop delay,
//   stalls and GC only (no CPU profiler perturbing the latency figures); RAFKA_PROBE_HEAP=1: allocation sampling too.
//   RAFKA_BROKER_NODE_ARGS='--flag …': node flags for the broker process only (GC experiments).
//   RAFKA_ROOT=<dir>: run the broker of another build (e.g. an older commit built in /tmp) under this same bench.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, connect } from 'node:net';
import { pino } from 'pino';
import { startLocalZooKeeper } from '../dist/services/zookeeper/local-zookeeper.js';
import { encodeRequest } from '../dist/protocol/frame.js';
import { buildRecordBatch } from '../dist/services/log/record-batch.js';
import { lightConsume } from './light-consumer.mjs';
import { sendPaced } from './paced-sender.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = Number(process.argv[2] ?? 512);
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const time = (fn) => { const t0 = performance.now(); fn(); return (performance.now() - t0) / 1000; };

const work = mkdtempSync(join(tmpdir(), 'rafka-bench-pf-'));
const zkPort = await freePort();
const port = await freePort();
const zk = await startLocalZooKeeper({ host: '127.0.0.1', port: zkPort, dataDir: join(work, 'zk', 'data'), log: pino({ level: 'silent' }) });
const cfg = join(work, 'server.properties');
writeFileSync(cfg, [`broker.id=1`, `zookeeper.connect=127.0.0.1:${zkPort}/bench`, `log.dirs=${join(work, 'logs')}`, `listeners=PLAINTEXT://127.0.0.1:${port}`, 'num.partitions=1'].join('\n'));
const PROBE_DIR = process.env.RAFKA_PROBE_DIR ?? null;
if (PROBE_DIR) mkdirSync(PROBE_DIR, { recursive: true });
const brokerRoot = process.env.RAFKA_ROOT ?? root;
const brokerNodeArgs = (process.env.RAFKA_BROKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const broker = spawn(process.execPath, [...brokerNodeArgs, ...(PROBE_DIR ? ['--import', join(root, 'bench', 'broker-probe.mjs')] : []), join(brokerRoot, 'bin', 'rafka.js'), '-v', 'warn', cfg],
  { stdio: 'ignore', env: PROBE_DIR ? { ...process.env, RAFKA_PROBE_DIR: PROBE_DIR } : process.env });
const bootstrap = `127.0.0.1:${port}`;
for (let i = 0; ; i++) { try { execFileSync('kcat', ['-b', bootstrap, '-L', '-m', '2'], { stdio: 'ignore' }); break; } catch { if (i > 60) throw new Error('broker did not start'); await sleep(250); } }

// 1 KiB records, one per line, for kcat -P.
const records = MiB * 1024;
const dataFile = join(work, 'records.txt');
{ const fd = openSync(dataFile, 'w'); const line = Buffer.from(`${'x'.repeat(1023)}\n`); const chunk = Buffer.concat(Array(1024).fill(line)); for (let i = 0; i < MiB; i++) writeSync(fd, chunk); closeSync(fd); }

const results = {};
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
/** CPU seconds the broker used so far (utime + stime, 100 ticks/s). */
const brokerCpu = () => { const f = readFileSync(`/proc/${broker.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
/** Opens/closes the broker's probe window (RAFKA_PROBE_DIR): a CPU profile + event-loop delay of what runs inside. */
const probe = async (label, fn) => {
  if (PROBE_DIR) { broker.kill('SIGUSR2'); await sleep(300); }
  const r = await fn();
  if (PROBE_DIR) {
    broker.kill('SIGUSR2');
    const n = probes.length + 1; // broker-probe.mjs numbers its windows 1, 2, …
    const file = join(PROBE_DIR, `${broker.pid}-${n}.json`);
    let entry = { label, missing: file };
    for (let i = 0; i < 100; i++) { try { entry = { label, profile: file.replace(/json$/, 'cpuprofile'), ...JSON.parse(readFileSync(file, 'utf8')) }; break; } catch { await sleep(100); } }
    probes.push(entry);
  }
  return r;
};
const probes = [];
const cpuPerGB = (cpuSecs) => +(cpuSecs / (MiB * 1.048576 / 1000)).toFixed(2);
/**
 * CPU seconds of a child command (utime + stime as its parent shell sees them once it exited: /proc/<sh>/stat cutime
 * + cstime), so a figure can say whether the client or the broker was the one busy.
 */
const childCpu = (argv) => {
  const q = (a) => `'${String(a).replace(/'/g, "'\\''")}'`;
  const out = execFileSync('sh', ['-c', `${argv.map(q).join(' ')} >/dev/null 2>&1; rc=$?; cat /proc/$$/stat; exit $rc`], { encoding: 'utf8' });
  const f = out.split(') ')[1].split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
};
let lastClientCpu = 0;
const kcatProduce = (topic, acks, extra = []) => time(() => { lastClientCpu = childCpu(['kcat', '-b', bootstrap, '-P', '-t', topic, '-l', dataFile, '-X', `acks=${acks}`, '-X', 'linger.ms=5', '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.kbytes=1048576', ...extra]); });
// Idempotent produce (librdkafka requires acks=all with it) beside plain acks=-1; `--no-idempotent` skips it.
const runs = [['produce acks=1, 1 partition', 'p1', '1', 1], ['produce acks=-1, 1 partition', 'p1b', '-1', 1], ['produce acks=1, 16 partitions', 'p16', '1', 16]];
if (!process.argv.includes('--no-idempotent')) runs.push(['produce acks=-1 enable.idempotence=true, 1 partition', 'p1i', '-1', 1, ['-X', 'enable.idempotence=true']]);
// the client's share of idempotence: plain acks=-1 capped at the 5 requests in flight idempotence imposes (BENCH_ONLY=idempotent)
if (ONLY?.has('idempotent')) runs.push(['produce acks=-1 max.in.flight=5 (not idempotent), 1 partition', 'p1f', '-1', 1, ['-X', 'max.in.flight=5']]);
const pick = (i) => ONLY === null || (i === 0 && (ONLY.has('fetch') || ONLY.has('produce'))) || (ONLY.has('idempotent') && (i === 1 || i >= 3));
for (const [name, topic, acks, parts, extra] of runs.filter((_, i) => pick(i))) {
  if (parts > 1) execFileSync('kcat', ['-b', bootstrap, '-L', '-t', topic], { stdio: 'ignore' }); // auto-create happens with num.partitions=1, so create explicitly:
  if (parts > 1) { const { Kafka, logLevel } = await import('kafkajs'); const a = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin(); await a.connect(); await a.deleteTopics({ topics: [topic] }).catch(() => {}); await a.createTopics({ topics: [{ topic, numPartitions: parts }], waitForLeaders: true }); await a.disconnect(); }
  const c0 = brokerCpu();
  const s = await probe(name, () => kcatProduce(topic, acks, extra));
  const cpu = brokerCpu() - c0;
  results[name] = { MBps: Math.round((MiB * 1.048576) / s), recordsPerSec: Math.round(records / s), brokerCpuSecs: +cpu.toFixed(2), brokerCpuSecsPerGB: cpuPerGB(cpu), kcatCpuSecs: +lastClientCpu.toFixed(2), wallSecs: +s.toFixed(2) };
}
// Several producer processes at once on 16 partitions (issue 17: >= 60% of the page-cache write ceiling), BENCH_ONLY=multi
// or the full run: PRODUCERS (default 4) kcat processes, each sending the whole data file, in parallel.
if (ONLY === null || ONLY.has('multi')) {
  const producers = Number(process.env.PRODUCERS ?? 4);
  const topic = 'p16m';
  { const { Kafka, logLevel } = await import('kafkajs'); const a = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin(); await a.connect(); await a.createTopics({ topics: [{ topic, numPartitions: 16 }], waitForLeaders: true }); await a.disconnect(); }
  const c0 = brokerCpu();
  const t0 = performance.now();
  await probe(`produce acks=1, 16 partitions, ${producers} kcat processes`, () => Promise.all(Array.from({ length: producers }, () => new Promise((resolve, reject) => {
    const p = spawn('kcat', ['-b', bootstrap, '-P', '-t', topic, '-l', dataFile, '-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.kbytes=1048576'], { stdio: 'ignore' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited ${code}`))));
  }))));
  const secs = (performance.now() - t0) / 1000;
  const cpu = brokerCpu() - c0;
  results[`produce acks=1, 16 partitions, ${producers} kcat processes`] = { MBps: Math.round((producers * MiB * 1.048576) / secs), brokerCpuSecs: +cpu.toFixed(2), brokerCpuSecsPerGB: +(cpu / (producers * MiB * 1.048576 / 1000)).toFixed(2), target: '>= 60% of the page-cache write (dd) ceiling' };
}
const fetchWanted = ONLY === null || ONLY.has('fetch');
if (fetchWanted) {
const fc0 = brokerCpu();
const fetchSecs = time(() => execFileSync('kcat', ['-b', bootstrap, '-C', '-t', 'p1', '-e', '-o', 'beginning', '-q', '-f', '%s\n', '-X', 'fetch.max.bytes=52428800', '-X', 'max.partition.fetch.bytes=10485760'], { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 << 30 }));
const fetchCpu = brokerCpu() - fc0;
results[`fetch ${MiB} MiB from the beginning`] = { MBps: Math.round((MiB * 1.048576) / fetchSecs), brokerCpuSecs: +fetchCpu.toFixed(2), brokerCpuSecsPerGB: cpuPerGB(fetchCpu), target: '<= 1.5 CPU-s per GB' };
// the same read by a consumer that does not decode records (bench/light-consumer.mjs): the broker's rate, not kcat's
{
  const lc0 = brokerCpu();
  const { bytes, secs } = await lightConsume({ port, topic: 'p1', untilOffset: BigInt(records) });
  const cpu = brokerCpu() - lc0;
  results[`fetch ${MiB} MiB from the beginning, light consumer`] = { MBps: Math.round(bytes / 1e6 / secs), brokerCpuSecs: +cpu.toFixed(2), brokerCpuSecsPerGB: +(cpu / (bytes / 1e9)).toFixed(2), target: '>= 70% of the loopback ceiling' };
}
}

// Latency: one record per Produce request (v7, acks=1), paced at 10k records/s over 5 s, on one connection. The
// client is kept light so that the tail is the broker's: one encoded request copied per send with its correlation id
// patched (no encode per request), send times in a typed array, responses parsed in place; its own event-loop
// stalls are reported beside the figures (clientStalls, clientMaxGapMs).
// BENCH_ONLY=latency-fetch: the same while a light consumer reads p1 from the beginning at full speed, again and again
// (issue 17: p99 < 5 ms also while a consumer reads at full speed); p1 gets MiB of records first unless the produce
// section wrote them.
const latencyRun = (withConsumer) => new Promise((resolve) => {
  // the consumer runs in a process of its own, so that its reads do not delay this client's
  let consumer = null; let consumed = 0;
  if (withConsumer) {
    consumer = spawn(process.execPath, ['--input-type=module', '-e', `import { lightConsume } from ${JSON.stringify(join(root, 'bench', 'light-consumer.mjs'))};
      let n = 0; process.on('SIGTERM', () => { console.log(n); process.exit(0); });
      for (;;) n += (await lightConsume({ port: ${port}, topic: 'p1', untilOffset: ${records}n })).bytes;`], { stdio: ['ignore', 'pipe', 'inherit'] });
    consumer.stdout.on('data', (d) => { consumed = Number(String(d).trim()); });
  }
  const sock = connect(port, '127.0.0.1');
  const total = 50_000;
  const sentAt = new Float64Array(total + 1); const lat = new Float64Array(total); let nLat = 0;
  const hr0 = performance.now(); const hrUs0 = Number(process.hrtime.bigint() / 1000n);
  // this client's own event-loop gaps (> 25 ms): a latency it causes itself is not the broker's
  const clientStalls = []; let lastTick = performance.now();
  const clientTick = setInterval(() => { const now = performance.now(); if (now - lastTick > 25) clientStalls.push(now - lastTick); lastTick = now; }, 1);
  let rest = null; // an incomplete response's bytes
  const ids = new Int32Array(total);
  sock.on('data', (d) => {
    const now = performance.now();
    let b = rest === null ? d : Buffer.concat([rest, d]); rest = null;
    let o = 0;
    while (b.length - o >= 8 && b.length - o >= 4 + b.readInt32BE(o)) { const id = b.readInt32BE(o + 4); ids[nLat] = id; lat[nLat++] = now - sentAt[id]; o += 4 + b.readInt32BE(o); }
    if (o < b.length) rest = Buffer.from(b.subarray(o));
  });
  sock.on('connect', async () => {
    const value = Buffer.alloc(1024, 120);
    const template = encodeRequest({ requestApiKey: 0, requestApiVersion: 7, correlationId: 0, clientId: 'lat' }, { transactionalId: null, acks: 1, timeoutMs: 30000, topicData: [{ name: 'p1', partitionData: [{ index: 0, records: buildRecordBatch({ baseOffset: 0n, records: [{ key: null, value }] }) }] }] });
    await sendPaced(sock, template, { ratePerSec: 10_000, total, sentAt });
    while (nLat < total) await sleep(10);
    clearInterval(clientTick);
    // the slowest request: when it was sent (CLOCK_MONOTONIC µs, as the broker probe's stalls and profiles)
    let worst = 0; for (let i = 1; i < total; i++) if (lat[i] > lat[worst]) worst = i;
    const worstSentUs = Math.round((sentAt[ids[worst]] - hr0) * 1000 + hrUs0);
    lat.sort(); sock.destroy();
    if (consumer) { const exited = new Promise((r) => consumer.on('exit', r)); consumer.kill('SIGTERM'); await exited; }
    resolve({ ...(withConsumer ? { consumerMB: Math.round(consumed / 1e6) } : {}), p50ms: +lat[Math.floor(total * 0.5)].toFixed(2), p99ms: +lat[Math.floor(total * 0.99)].toFixed(2), p999ms: +lat[Math.floor(total * 0.999)].toFixed(2), maxms: +lat[total - 1].toFixed(1),
      worstSentUs, clientStalls: clientStalls.length, clientMaxGapMs: +Math.max(0, ...clientStalls).toFixed(1) });
  });
});
if (ONLY === null || ONLY.has('latency')) results['produce latency at 10k records/s (1 KiB, acks=1)'] = await probe('latency 10k/s', () => latencyRun(false));
if (ONLY === null || ONLY.has('latency-fetch')) {
  if (ONLY !== null && !ONLY.has('produce') && !ONLY.has('fetch')) await kcatProduce('p1', '1');
  results['produce latency at 10k records/s (1 KiB, acks=1), a light consumer reading meanwhile'] = await probe('latency 10k/s + consumer', () => latencyRun(true));
}

// Ceilings on this machine, same run: page-cache write rate and loopback TCP copy rate.
let ddCpu = 0;
const ddSecs = time(() => { ddCpu = childCpu(['dd', 'if=/dev/zero', `of=${join(work, 'dd')}`, 'bs=1M', `count=${MiB}`]); });
results['ceiling: page-cache write (dd)'] = { MBps: Math.round((MiB * 1.048576) / ddSecs), cpuSecsPerGB: cpuPerGB(ddCpu) };
results['ceiling: loopback TCP, one connection'] = await new Promise((resolve) => {
  const srv = createServer((s) => { let n = 0; s.on('data', (d) => { n += d.length; if (n >= MiB * 1048576) { s.end(); } }); s.on('end', () => {}); });
  srv.listen(0, '127.0.0.1', () => {
    const c = connect(srv.address().port, '127.0.0.1'); const chunk = Buffer.alloc(1 << 20); let left = MiB; const t0 = performance.now();
    const pump = () => { while (left > 0) { left--; if (!c.write(chunk)) { c.once('drain', pump); return; } } };
    c.on('connect', pump); c.on('close', () => { srv.close(); resolve({ MBps: Math.round((MiB * 1.048576) / ((performance.now() - t0) / 1000)) }); });
  });
});

broker.kill('SIGTERM');
await new Promise((r) => broker.on('exit', r));
await zk.stop();
rmSync(work, { recursive: true, force: true });
console.log(JSON.stringify({ bench: 'produce-fetch', MiB, brokerRoot, brokerNodeArgs, probes: PROBE_DIR ? { dir: PROBE_DIR, probes } : undefined, results, loadavg: loadavg(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString().slice(0, 10) }, null, 1));
