#!/usr/bin/env node
// TLS beside PLAINTEXT in the same run (issue 14: "TLS produce/fetch beside PLAINTEXT ... produce >= 60%, fetch >= 50%").
// One broker with a PLAINTEXT and an SSL listener (certificates made here with openssl, PEM key store); kcat produces
// MiB of 1 KiB records (acks=1, one partition) then consumes them, over each listener, alternating for ROUNDS rounds;
// medians compared. The machine's ceiling (loopback TCP and loopback TLS, one connection, no broker) is measured in
// the same run.
//   node bench/tls.mjs [MiB=64] [ROUNDS=3]      (npm run build first; needs kcat, openssl and zookeeper)
// Figures come from whatever machine runs it: on a shared machine, other load moves both columns.
import { spawn, execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, connect } from 'node:net';
import * as tls from 'node:tls';
import { pino } from 'pino';
import { startLocalZooKeeper } from '../dist/services/zookeeper/local-zookeeper.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = Number(process.argv[2] ?? 64);
const ROUNDS = Number(process.argv[3] ?? 3);
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);
const timeKcat = async (args) => { const t0 = performance.now(); await run('kcat', args, { maxBuffer: 1 << 30 }); return (performance.now() - t0) / 1000; };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const work = mkdtempSync(join(tmpdir(), 'rafka-bench-tls-'));
const ossl = (args) => execFileSync('openssl', args, { cwd: work, stdio: 'ignore' });
ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bench CA']);
ossl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost']);
writeFileSync(join(work, 'ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
ossl(['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem', '-days', '2', '-extfile', 'ext']);
writeFileSync(join(work, 'bundle.pem'), readFileSync(join(work, 'broker.key'), 'utf8') + readFileSync(join(work, 'broker.pem'), 'utf8'));

const zkPort = await freePort();
const zk = await startLocalZooKeeper({ host: '127.0.0.1', port: zkPort, dataDir: join(work, 'zk', 'data'), log: pino({ level: 'silent' }) });
const [pPort, sPort] = [await freePort(), await freePort()];
const cfg = join(work, 'server.properties');
writeFileSync(cfg, [`broker.id=1`, `zookeeper.connect=127.0.0.1:${zkPort}/bench-tls`, `log.dirs=${join(work, 'logs')}`,
  `listeners=PLAINTEXT://127.0.0.1:${pPort},SSL://127.0.0.1:${sPort}`, 'num.partitions=1',
  'listener.name.ssl.ssl.keystore.type=PEM', `listener.name.ssl.ssl.keystore.location=${join(work, 'bundle.pem')}`].join('\n'));
const proc = spawn(process.execPath, [join(root, 'bin', 'rafka.js'), '-v', 'warn', cfg], { stdio: 'ignore' });
const cleanup = () => { proc.kill('SIGKILL'); void zk.stop(); rmSync(work, { recursive: true, force: true }); };
process.on('exit', cleanup);
const listeners = [
  { name: 'PLAINTEXT', x: [], bootstrap: `127.0.0.1:${pPort}`, produce: [], fetch: [] },
  { name: 'SSL', x: ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${join(work, 'ca.pem')}`], bootstrap: `127.0.0.1:${sPort}`, produce: [], fetch: [] },
];
for (let i = 0; ; i++) { try { execFileSync('kcat', ['-b', listeners[0].bootstrap, '-L', '-m', '2'], { stdio: 'ignore' }); break; } catch { if (i > 80) throw new Error('broker did not start'); await sleep(250); } }

const dataFile = join(work, 'records.txt');
{ const fd = openSync(dataFile, 'w'); const line = Buffer.from(`${'x'.repeat(1023)}\n`); const chunk = Buffer.concat(Array(1024).fill(line)); for (let i = 0; i < MiB; i++) writeSync(fd, chunk); closeSync(fd); }

for (let round = 0; round < ROUNDS; round++) {
  for (const l of round % 2 === 0 ? listeners : [...listeners].reverse()) {
    const topic = `t-${l.name}-${round}`;
    const p = await timeKcat(['-b', l.bootstrap, ...l.x, '-P', '-t', topic, '-l', dataFile, '-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.kbytes=1048576']);
    const f = await timeKcat(['-b', l.bootstrap, ...l.x, '-C', '-t', topic, '-e', '-o', 'beginning', '-q', '-f', '', '-X', 'fetch.max.bytes=52428800', '-X', 'max.partition.fetch.bytes=10485760']);
    l.produce.push((MiB * 1.048576) / p);
    l.fetch.push((MiB * 1.048576) / f);
  }
}

/** One connection pushing MiB through loopback, plain or TLS (the same key), no broker: the machine's ceiling. */
const ceiling = (secure) => new Promise((resolve) => {
  const onConn = (s) => { s.resume(); };
  const srv = secure ? tls.createServer({ key: readFileSync(join(work, 'broker.key')), cert: readFileSync(join(work, 'broker.pem')) }, onConn) : createServer(onConn);
  srv.listen(0, '127.0.0.1', () => {
    const port = srv.address().port;
    const c = secure ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connect(port, '127.0.0.1');
    const chunk = Buffer.alloc(1 << 20); let left = MiB; let t0 = 0;
    const pump = () => { while (left > 0) { left--; if (!c.write(chunk)) { c.once('drain', pump); return; } } c.end(() => { resolve((MiB * 1.048576) / ((performance.now() - t0) / 1000)); srv.close(); }); };
    c.on(secure ? 'secureConnect' : 'connect', () => { t0 = performance.now(); pump(); });
  });
});
const plainCeiling = await ceiling(false);
const tlsCeiling = await ceiling(true);

const [plain, ssl] = listeners;
const row = (what, a, b) => ({ what, plaintextMBps: Math.round(median(a)), tlsMBps: Math.round(median(b)), tlsVsPlain: `${((median(b) / median(a)) * 100).toFixed(0)}%`, runsPlain: a.map(Math.round).join(' '), runsTls: b.map(Math.round).join(' ') });
console.table([row(`kcat produce ${MiB} MiB (1 KiB, acks=1)`, plain.produce, ssl.produce), row(`kcat fetch ${MiB} MiB`, plain.fetch, ssl.fetch)]);
console.log(`ceiling: loopback, one connection, no broker: TCP ${Math.round(plainCeiling)} MB/s, TLS ${Math.round(tlsCeiling)} MB/s; medians of ${ROUNDS} alternating rounds`);
process.exit(0);
