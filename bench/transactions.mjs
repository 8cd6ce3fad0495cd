#!/usr/bin/env node
// Transactions benchmark (issue 13) against a real broker process, with kafkajs as the producer and kcat
// (librdkafka) as the consumer, every figure beside its baseline and this machine's ceilings from the same run:
//   1. produce 1 KiB records, acks=-1, 100 records per request: idempotent (baseline) vs transactional with
//      100-record transactions vs transactional with 10,000-record transactions (target: ≥ 60% for the larger ones);
//   2. fetch the transactional topic from the beginning with isolation.level=read_uncommitted vs read_committed
//      (kcat -X isolation.level=…; target ≥ 80%).
// Usage: node bench/transactions.mjs [MiB=64]   (npm run build first; needs kcat). Figures are from a shared machine.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, connect } from 'node:net';
import { pino } from 'pino';
import { Kafka, logLevel } from 'kafkajs';
import { startLocalZooKeeper } from '../dist/services/zookeeper/local-zookeeper.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = Number(process.argv[2] ?? 64);
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const work = mkdtempSync(join(tmpdir(), 'rafka-bench-txn-'));
const zkPort = await freePort();
const port = await freePort();
const zk = await startLocalZooKeeper({ host: '127.0.0.1', port: zkPort, dataDir: join(work, 'zk', 'data'), log: pino({ level: 'silent' }) });
const cfg = join(work, 'server.properties');
writeFileSync(cfg, [
  'broker.id=1', `zookeeper.connect=127.0.0.1:${zkPort}/bench`, `log.dirs=${join(work, 'logs')}`, `listeners=PLAINTEXT://127.0.0.1:${port}`,
  'num.partitions=1', 'offsets.topic.replication.factor=1', 'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1',
  'transaction.state.log.num.partitions=4',
].join('\n'));
const broker = spawn(process.execPath, [join(root, 'bin', 'rafka.js'), '-v', 'warn', cfg], { stdio: 'ignore' });
const bootstrap = `127.0.0.1:${port}`;
for (let i = 0; ; i++) { try { execFileSync('kcat', ['-b', bootstrap, '-L', '-m', '2'], { stdio: 'ignore' }); break; } catch { if (i > 60) throw new Error('broker did not start'); await sleep(250); } }

const kafka = new Kafka({ brokers: [bootstrap], clientId: 'bench-txn', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: ['idem', 'txn100', 'txn10k'].map((topic) => ({ topic })), waitForLeaders: true });
await admin.disconnect();

const value = Buffer.alloc(1024, 120);
const perSend = 100;
const sends = Math.ceil((MiB * 1024) / perSend);
const messages = Array.from({ length: perSend }, () => ({ value }));
const results = {};
const mbps = (secs) => Math.round((sends * perSend * 1024) / 1048576 / secs);

async function run(name, topic, opts, perTxn) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, ...opts });
  await producer.connect();
  const t0 = performance.now();
  if (perTxn === 0) {
    for (let i = 0; i < sends; i++) await producer.send({ topic, acks: -1, messages });
  } else {
    for (let i = 0; i < sends;) {
      const t = await producer.transaction();
      for (let k = 0; k < perTxn / perSend && i < sends; k++, i++) await t.send({ topic, acks: -1, messages });
      await t.commit();
    }
  }
  const secs = (performance.now() - t0) / 1000;
  await producer.disconnect();
  results[name] = { MBps: mbps(secs) };
  return secs;
}

await run('produce idempotent (baseline), kafkajs, 100 x 1 KiB per request', 'idem', {}, 0);
await run('produce transactional, 100-record transactions', 'txn100', { transactionalId: 'bench-100' }, 100);
await run('produce transactional, 10,000-record transactions', 'txn10k', { transactionalId: 'bench-10k' }, 10_000);
const base = results['produce idempotent (baseline), kafkajs, 100 x 1 KiB per request'].MBps;
for (const k of Object.keys(results)) if (k.startsWith('produce transactional')) results[k].ofBaseline = `${Math.round((100 * results[k].MBps) / base)}%`;

const fetch = (isolation) => {
  const t0 = performance.now();
  execFileSync('kcat', ['-b', bootstrap, '-C', '-t', 'txn10k', '-e', '-o', 'beginning', '-q', '-f', '%s\n', '-X', `isolation.level=${isolation}`,
    '-X', 'fetch.max.bytes=52428800', '-X', 'max.partition.fetch.bytes=10485760'], { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 << 30 });
  return (performance.now() - t0) / 1000;
};
fetch('read_uncommitted'); // warm the page cache
const ru = fetch('read_uncommitted');
const rc = fetch('read_committed');
results['fetch read_uncommitted (kcat)'] = { MBps: mbps(ru) };
results['fetch read_committed (kcat)'] = { MBps: mbps(rc), ofReadUncommitted: `${Math.round((100 * ru) / rc)}%` };

// ceilings on this machine, same run
results['ceiling: loopback TCP, one connection'] = await new Promise((resolve) => {
  const srv = createServer((s) => { let n = 0; s.on('data', (d) => { n += d.length; if (n >= MiB * 1048576) s.end(); }); });
  srv.listen(0, '127.0.0.1', () => {
    const c = connect(srv.address().port, '127.0.0.1'); const chunk = Buffer.alloc(1 << 20); let left = MiB; const t0 = performance.now();
    const pump = () => { while (left > 0) { left--; if (!c.write(chunk)) { c.once('drain', pump); return; } } c.end(); };
    c.on('connect', pump);
    c.on('close', () => { srv.close(); resolve({ MBps: Math.round((MiB * 1.048576) / ((performance.now() - t0) / 1000)) }); });
  });
});

console.log(JSON.stringify({ MiB, note: 'shared machine: compare figures of the same run only', results }, null, 2));
broker.kill('SIGTERM');
await new Promise((r) => broker.once('exit', r));
await zk.stop();
rmSync(work, { recursive: true, force: true });
