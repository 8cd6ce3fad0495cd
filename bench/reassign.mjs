#!/usr/bin/env node
// Unthrottled reassignment speed (issue 15 "reassignment data movement unthrottled: MB/s beside follower catch-up"):
// two real broker processes on one ZooKeeper; a partition of MiB (default 512) on broker 1 only is reassigned to
// broker 2 (AlterPartitionReassignments [1] -> [2], no throttle). Figures:
//   - copyMBps: the partition's bytes / time from the request until broker 2 is in the ISR (the data movement);
//   - doneSecs: until the reassignment is complete (leadership moved to 2, broker 1's replica stopped and deleted);
//   - each broker's cores used meanwhile (a core-bound move shows ~1.0 on one of them);
// and, in the same run, the ceilings of this machine: the same partition files read and sent over one loopback TCP
// connection into a file on the same disk, fsynced (what any broker-to-broker copy of them needs at least), and
// the page-cache write rate (dd).
// Usage: node bench/reassign.mjs [MiB=512]   (npm run build first; needs kcat, zookeeper)
//   RAFKA_PROBE_DIR=<dir>: CPU profiles of both brokers over the move (bench/broker-probe.mjs; summarise with
//   bench/profile-top.mjs); BENCH_LOG_DIR=<dir> keeps the brokers' logs (info level).
// The figures are from whatever machine runs it: on a shared machine print the load beside them (done below).
import { execFileSync } from 'node:child_process';
import { rmSync, openSync, writeSync, closeSync, existsSync, readdirSync, statSync, createReadStream, createWriteStream, fsyncSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createServer, connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { startBenchCluster, sleep } from './bench-cluster.mjs';
import { ZkSession } from '../dist/services/zookeeper/zk-session.js';

const MiB = Number(process.argv[2] ?? 512);
const mbps = (bytes, secs) => Math.round(bytes / 1e6 / secs);
const T0 = Date.now();
const log = (msg) => process.stderr.write(`[bench/reassign +${((Date.now() - T0) / 1000).toFixed(1)}s] ${msg}\n`);
const PROBE_DIR = process.env.RAFKA_PROBE_DIR ?? null;
const LOG_DIR = process.env.BENCH_LOG_DIR ?? null;

const ids = [1, 2];
const cluster = await startBenchCluster({ name: 'reassign', ids, zkTickMs: 2000, logDir: LOG_DIR, probeDir: PROBE_DIR,
  props: () => ['auto.create.topics.enable=false', 'offsets.topic.replication.factor=1'] });
const { work, zkConnect, procs, addr, bootstrap, startBroker, cpuSecs } = cluster;
await Promise.all(ids.map(startBroker));
log('two brokers up');
const zs = new ZkSession(zkConnect, { sessionTimeoutMs: 30_000 });
await zs.connect(10_000);
const state = async (t, p) => JSON.parse((await zs.getData(`/brokers/topics/${t}/partitions/${p}/state`)).data.toString());
const waitUntil = async (fn, what, ms = 600_000, every = 20) => { const end = Date.now() + ms; for (;;) { if (await fn().catch(() => false)) return; if (Date.now() > end) throw new Error(`timed out: ${what}`); await sleep(every); } };

const admin = new Kafka({ brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: 'big', replicaAssignment: [{ partition: 0, replicas: [1] }] }], waitForLeaders: true });
// MiB of 1 KiB records (kcat, acks=1)
const dataFile = join(work, 'records.txt');
{ const fd = openSync(dataFile, 'w'); const chunk = Buffer.from(`${'x'.repeat(1023)}\n`.repeat(1024)); for (let i = 0; i < MiB; i++) writeSync(fd, chunk); closeSync(fd); }
log(`producing ${MiB} MiB to big-0 on broker 1`);
execFileSync('kcat', ['-b', addr(1), '-P', '-t', 'big', '-p', '0', '-l', dataFile, '-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.size=1000000',
  '-X', 'queue.buffering.max.kbytes=1048576', '-X', 'message.timeout.ms=300000'], { stdio: 'ignore', timeout: 900_000 });
rmSync(dataFile);
const partDir = join(work, 'logs-1', 'big-0');
const logFiles = () => readdirSync(partDir).filter((f) => f.endsWith('.log')).sort();
const bytes = logFiles().reduce((n, f) => n + statSync(join(partDir, f)).size, 0);
log(`big-0 holds ${(bytes / 1048576).toFixed(0)} MiB in ${logFiles().length} segments`);

const results = {};
// Ceiling 1: the partition's segment files read, sent over one loopback TCP connection, written to a file on the
// same disk and fsynced — the work of any copy of them to another broker on this machine, without Kafka's protocol.
results['ceiling: segment files -> loopback TCP -> file + fsync'] = await new Promise((resolve, reject) => {
  const out = join(work, 'copy.bin');
  const srv = createServer((so) => {
    const ws = createWriteStream(out);
    so.pipe(ws);
    ws.on('finish', () => { const fd = openSync(out, 'r+'); fsyncSync(fd); closeSync(fd); resolve({ MBps: mbps(bytes, (performance.now() - t0) / 1000) }); srv.close(); });
  });
  let t0 = 0;
  srv.listen(0, '127.0.0.1', () => {
    const cl = connect(srv.address().port, '127.0.0.1');
    cl.on('error', reject);
    cl.on('connect', async () => {
      t0 = performance.now();
      for (const f of logFiles()) await new Promise((res, rej) => { const rs = createReadStream(join(partDir, f), { highWaterMark: 1 << 20 }); rs.on('error', rej); rs.on('end', res); rs.pipe(cl, { end: false }); });
      cl.end();
    });
  });
});
rmSync(join(work, 'copy.bin'));
{
  const t0 = performance.now();
  execFileSync('dd', ['if=/dev/zero', `of=${join(work, 'dd')}`, 'bs=1M', `count=${MiB}`], { stdio: 'ignore' });
  results['ceiling: page-cache write (dd)'] = { MBps: mbps(MiB * 1048576, (performance.now() - t0) / 1000) };
  rmSync(join(work, 'dd'));
}

// The reassignment, unthrottled.
const load = loadavg()[0];
const cpu0 = Object.fromEntries(ids.map((id) => [id, cpuSecs(id)]));
if (PROBE_DIR) { for (const id of ids) procs[id].kill('SIGUSR2'); await sleep(200); }
const t0 = performance.now();
await admin.alterPartitionReassignments({ topics: [{ topic: 'big', partitionAssignment: [{ partition: 0, replicas: [2] }] }] });
await waitUntil(async () => (await state('big', 0)).isr.includes(2), 'broker 2 in the ISR of big-0', 900_000, 10);
const tCaught = performance.now();
const cpu1 = Object.fromEntries(ids.map((id) => [id, cpuSecs(id)]));
if (PROBE_DIR) { for (const id of ids) procs[id].kill('SIGUSR2'); await sleep(1500); log(`probes of pids ${ids.map((id) => procs[id].pid).join(',')} in ${PROBE_DIR}`); }
await waitUntil(async () => { const s = await state('big', 0); const l = await admin.listPartitionReassignments({}); return s.leader === 2 && s.isr.join() === '2' && l.topics.length === 0; }, 'the reassignment to complete', 300_000);
const tDone = performance.now();
await waitUntil(async () => !existsSync(partDir), 'broker 1\'s replica deleted', 120_000);
const copySecs = (tCaught - t0) / 1000;
results[`unthrottled reassignment of one ${MiB} MiB partition, broker 1 -> new broker 2`] = {
  copyMBps: mbps(bytes, copySecs), copySecs: +copySecs.toFixed(2), doneSecs: +((tDone - t0) / 1000).toFixed(2),
  coresUsed: Object.fromEntries(ids.map((id) => [`broker${id}`, +((cpu1[id] - cpu0[id]) / copySecs).toFixed(2)])), load1: +load.toFixed(1),
};

await admin.disconnect();
zs.close();
await cluster.stop();
console.log(JSON.stringify({ bench: 'reassign', MiB, bytes, results, note: 'shared machine: compare with the ceilings of the same run', node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString() }, null, 1));
