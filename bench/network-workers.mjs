#!/usr/bin/env node
// Network worker threads (issue 17): the process's CPU, MB/s and minor page faults through a SocketServer, in this
// thread (networkThreads 0: the ceiling to compare with) and with N network workers, in one run.
// Usage (npm run build first): node bench/network-workers.mjs [MiB=256] [threads=1,2] [modes=produce,fetch]
//   produce: 1 MiB request frames (api key 0: the pooled produce path), 8-byte answers — the request path
//   fetch:   12-byte requests, 1 MiB answers ([header, record bytes] chunks as the Fetch handler returns them)
// The client runs in a child process, so cpuSecsPerGB is the server's (all its threads); mainThreadCpuSecsPerGB is
// the main thread's own share (with workers: the hand-off and the copy of responses; in-thread: everything) — what
// caps the throughput once there are cores enough for the workers. The handler is trivial, so the figures are the
// network path: socket reads/writes, framing, the hand-off between threads.
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { SocketServer } from '../dist/services/network/socket-server.js';
import { fetchReadPool } from '../dist/services/log/read-buffer-pool.js';
import { withOnSent } from '../dist/services/network/response-send.js';

const MIB = Number(process.argv[2] ?? 256);
const THREADS = String(process.argv[3] ?? '1,2').split(',').map(Number);
const MODES = String(process.argv[4] ?? 'produce,fetch').split(',');
const DATA = Buffer.alloc(1 << 20, 7); // the "record bytes" of each fetch answer

const handlers = {
  produce: async (f) => { const b = Buffer.allocUnsafe(8); b.writeInt32BE(4); b.writeInt32BE(f.length, 4); return b; },
  // as the Fetch handler: the records read into a lease of the broker's fetch read pool (the copy stands for the
  // pread), released once the response is written (or, with workers, moved to the worker and given back)
  fetch: async (f) => {
    const h = Buffer.allocUnsafe(8); h.writeInt32BE(4 + DATA.length); h.writeInt32BE(f.length, 4);
    const lease = fetchReadPool.acquire(DATA.length);
    DATA.copy(lease.buffer);
    return withOnSent([h, lease.buffer], [lease.release]);
  },
};

if (process.argv[2] === '--client') await client(Number(process.argv[3]), process.argv[4], Number(process.argv[5]));

async function run(mode, threads) {
  const s = new SocketServer({
    listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }], maxRequestBytes: 2 << 20, idleTimeoutMs: 0,
    queuedMaxRequests: 500, log: pino({ level: 'warn' }), networkThreads: threads, handler: handlers[mode],
  });
  const [b] = await s.bind();
  s.enableRequestProcessing();
  await new Promise((r) => setTimeout(r, 1500)); // workers loaded
  // the client in a process of its own (its CPU is not the server's): reads into one reused buffer, counts bytes
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--client', String(b.boundPort), mode, String(MIB)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  await new Promise((r) => { const t = setInterval(() => { if (out.includes('ready')) { clearInterval(t); r(); } }, 2); });
  const f0 = process.resourceUsage().minorPageFault; const u = process.cpuUsage(); const m0 = mainThreadCpuSecs(); const t0 = performance.now();
  child.stdin?.end();
  process.kill(child.pid, 'SIGUSR2');
  await new Promise((r) => child.on('exit', r));
  const ms = performance.now() - t0; const cpu = process.cpuUsage(u); const faults = process.resourceUsage().minorPageFault - f0; const main = mainThreadCpuSecs() - m0;
  await s.close();
  return { mode, threads, MBps: Math.round((MIB * 1.048576) / (ms / 1000)), cpuSecsPerGB: +(((cpu.user + cpu.system) / 1e6) / (MIB / 1024)).toFixed(2),
    mainThreadCpuSecsPerGB: +(main / (MIB / 1024)).toFixed(2), minorFaults: faults };
}

/** This (main) thread's CPU seconds: /proc/self/task/<pid>/stat utime + stime (clock ticks, 100 Hz). */
function mainThreadCpuSecs() {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch { return NaN; }
}

const rows = [];
for (const mode of MODES) {
  rows.push(await run(mode, 0));
  for (const t of THREADS) rows.push(await run(mode, t));
}
const { loadavg, cpus } = await import('node:os');
console.log(JSON.stringify({ MiB: MIB, cores: cpus().length, loadavg: loadavg().map((x) => +x.toFixed(1)), note: "shared machine; threads 0 = in this thread (the ceiling); CPU = the server process only (the client is a child process)" }));
for (const r of rows) console.log(JSON.stringify(r));
process.exit(0);

async function client(port, mode, mib) {
  let received = 0;
  const c = connect({ port, host: '127.0.0.1', onread: { buffer: Buffer.allocUnsafe(1 << 20), callback: (n) => { received += n; } } });
  await new Promise((r) => c.on('connect', r));
  let payload;
  if (mode === 'produce') { payload = Buffer.alloc(4 + (1 << 20)); payload.writeInt32BE(payload.length - 4); }
  else { payload = Buffer.alloc(16); payload.writeInt32BE(12); payload.writeInt16BE(1, 4); }
  const answerBytes = mode === 'produce' ? 8 : 8 + DATA.length;
  const answered = () => Math.floor(received / answerBytes);
  const go = new Promise((r) => process.once('SIGUSR2', r));
  process.stdout.write('ready\n');
  await go;
  let sent = 0;
  const pump = () => { while (sent < mib && sent - answered() < 8) { c.write(payload); sent++; } if (sent < mib) setTimeout(pump, 0); };
  pump();
  while (answered() < mib) await new Promise((r) => setTimeout(r, 2));
  c.destroy();
  process.exit(0);
}
