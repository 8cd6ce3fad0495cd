#!/usr/bin/env node
// Log cleaner off the hot path: produce throughput (kcat, keyed records to a compacted topic whose log the cleaner
// keeps cleaning meanwhile) and produce latency (one record per request, paced) with log.cleaner.enable=false vs
// true, on a real broker process; plus the cleaner's own rate from its "cleaned log" lines.
// Usage: node bench/log-cleaner.mjs [records=400000] [keys=10000]   (npm run build first; needs kcat, zookeeper)
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, connect } from 'node:net';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { Kafka, logLevel } from 'kafkajs';
import { startLocalZooKeeper } from '../dist/services/zookeeper/local-zookeeper.js';
import { encodeRequest } from '../dist/protocol/frame.js';
import { buildRecordBatch } from '../dist/services/log/record-batch.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RECORDS = Number(process.argv[2] ?? 400_000);
const KEYS = Number(process.argv[3] ?? 10_000);
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return Math.round(s[Math.min(s.length - 1, Math.floor(s.length * p))] * 100) / 100; };

async function run(cleanerEnabled) {
  const work = mkdtempSync(join(tmpdir(), 'rafka-bench-cleaner-'));
  const zkPort = await freePort();
  const port = await freePort();
  const zk = await startLocalZooKeeper({ host: '127.0.0.1', port: zkPort, dataDir: join(work, 'zk', 'data'), log: pino({ level: 'silent' }) });
  const cfg = join(work, 'server.properties');
  writeFileSync(cfg, [`broker.id=1`, `zookeeper.connect=127.0.0.1:${zkPort}/bench`, `log.dirs=${join(work, 'logs')}`, `listeners=PLAINTEXT://127.0.0.1:${port}`,
    'num.partitions=1', `log.cleaner.enable=${cleanerEnabled}`, 'log.cleaner.backoff.ms=100'].join('\n'));
  const broker = spawn(process.execPath, [join(root, 'bin', 'rafka.js'), '-v', 'info', cfg], { stdio: ['ignore', 'pipe', 'ignore'] });
  const cleans = [];
  createInterface({ input: broker.stdout }).on('line', (l) => { try { const o = JSON.parse(l); if (o.msg?.startsWith('Log cleaner cleaned log')) cleans.push(o); } catch { /* not JSON */ } });
  const bootstrap = `127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) { try { execFileSync('kcat', ['-b', bootstrap, '-L', '-m', '2'], { stdio: 'ignore' }); break; } catch { if (i > 60) throw new Error('broker did not start'); await sleep(250); } }
    const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const compact = [{ name: 'cleanup.policy', value: 'compact' }, { name: 'segment.bytes', value: String(1 << 20) }, { name: 'min.cleanable.dirty.ratio', value: '0.05' }];
    await admin.createTopics({ topics: [{ topic: 'c', configEntries: compact }, { topic: 'probe' }], waitForLeaders: true });
    await admin.disconnect();
    const value = 'v'.repeat(100);
    const input = Array.from({ length: RECORDS }, (_, i) => `key-${i % KEYS}\t${i}-${value}\n`).join('');
    const t0 = performance.now();
    execFileSync('kcat', ['-b', bootstrap, '-P', '-t', 'c', '-p', '0', '-K', '\t', '-X', 'linger.ms=5', '-X', 'batch.size=500000'], { input, stdio: ['pipe', 'ignore', 'ignore'], maxBuffer: 1 << 30 });
    const secs = (performance.now() - t0) / 1000;
    // latency while the cleaner works through what was just written (one 1 KiB record per request, 2k requests/s, 3 s)
    const latencies = await new Promise((resolve) => {
      const sock = connect(port, '127.0.0.1');
      const sent = new Map(); const lat = []; let buf = Buffer.alloc(0); let corr = 0; const total = 6000;
      sock.on('data', (d) => { buf = Buffer.concat([buf, d]); while (buf.length >= 8 && buf.length >= 4 + buf.readInt32BE(0)) { const id = buf.readInt32BE(4); lat.push(performance.now() - sent.get(id)); sent.delete(id); buf = buf.subarray(4 + buf.readInt32BE(0)); } if (lat.length === total) { sock.destroy(); resolve(lat); } });
      sock.on('connect', async () => {
        const v = Buffer.alloc(1024, 120); const start = performance.now();
        while (corr < total) {
          const due = Math.floor((performance.now() - start) * 2);
          while (corr < Math.min(due, total)) {
            const id = ++corr;
            sock.write(encodeRequest({ requestApiKey: 0, requestApiVersion: 7, correlationId: id, clientId: 'lat' }, { transactionalId: null, acks: 1, timeoutMs: 30000, topicData: [{ name: 'probe', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ key: null, value: v }] }) }] }] }));
            sent.set(id, performance.now());
          }
          await sleep(1);
        }
      });
    });
    await sleep(cleanerEnabled ? 1500 : 0);
    const cleanedMB = cleans.reduce((n, c) => n + c.mbRead, 0);
    const cleanSecs = cleans.reduce((n, c) => n + c.seconds, 0);
    return {
      produce: { records: RECORDS, keys: KEYS, recordsPerSec: Math.round(RECORDS / secs), MBps: Math.round((input.length / 2 ** 20 / secs) * 10) / 10 },
      latencyMs: { p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), max: pct(latencies, 1) },
      ...(cleanerEnabled ? { cleaner: { cleans: cleans.length, mbRead: Math.round(cleanedMB), MBpsWhileCleaning: Math.round(cleanedMB / Math.max(cleanSecs, 1e-3)) } } : {}),
    };
  } finally {
    broker.kill('SIGTERM');
    await new Promise((r) => broker.once('exit', r));
    await zk.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

const results = { 'log.cleaner.enable=false': await run(false), 'log.cleaner.enable=true': await run(true) };
console.log(JSON.stringify({ bench: 'log-cleaner', results, node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString() }, null, 1));
