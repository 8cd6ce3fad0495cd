#!/usr/bin/env node
// Network worker threads (issue 17): the process's CPU, MB/s and minor page faults through a SocketServer, in this
// thread (networkThreads 0: the ceiling to compare with) and with N network workers, in one run.
// Usage (npm run build first): node bench/network-workers.mjs [MiB=256] [threads=1,2] [modes=produce,fetch]
//   produce: 1 MiB request frames (api key 0: the pooled produce path), 8-byte answers — the request path
//   fetch:   12-byte requests, 1 MiB answers ([header, record bytes] chunks as the Fetch handler returns them)
// Process CPU includes the bench client (the same in every row). The handler is trivial, so the figures are the
// network path: socket reads/writes, framing, the hand-off between threads.
import { connect } from 'node:net';
import { pino } from 'pino';
import { SocketServer } from '../dist/services/network/socket-server.js';

const MIB = Number(process.argv[2] ?? 256);
const THREADS = String(process.argv[3] ?? '1,2').split(',').map(Number);
const MODES = String(process.argv[4] ?? 'produce,fetch').split(',');
const DATA = Buffer.alloc(1 << 20, 7); // the "record bytes" of each fetch answer (never copied in this thread)

const handlers = {
  produce: async (f) => { const b = Buffer.allocUnsafe(8); b.writeInt32BE(4); b.writeInt32BE(f.length, 4); return b; },
  fetch: async (f) => { const h = Buffer.allocUnsafe(8); h.writeInt32BE(4 + DATA.length); h.writeInt32BE(f.length, 4); return [h, DATA]; },
};

async function run(mode, threads) {
  const s = new SocketServer({
    listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }], maxRequestBytes: 2 << 20, idleTimeoutMs: 0,
    queuedMaxRequests: 500, log: pino({ level: 'warn' }), networkThreads: threads, handler: handlers[mode],
  });
  const [b] = await s.bind();
  s.enableRequestProcessing();
  await new Promise((r) => setTimeout(r, 1500)); // workers loaded
  let received = 0;
  // a light client: reads into one reused buffer (no allocation per read), counts bytes
  const c = connect({ port: b.boundPort, host: '127.0.0.1', onread: { buffer: Buffer.allocUnsafe(1 << 20), callback: (n) => { received += n; } } });
  await new Promise((r) => c.on('connect', r));
  let payload;
  if (mode === 'produce') { payload = Buffer.alloc(4 + (1 << 20)); payload.writeInt32BE(payload.length - 4); }
  else { payload = Buffer.alloc(16); payload.writeInt32BE(12); payload.writeInt16BE(1, 4); }
  const answerBytes = mode === 'produce' ? 8 : 8 + DATA.length;
  const answered = () => Math.floor(received / answerBytes);
  const f0 = process.resourceUsage().minorPageFault; const u = process.cpuUsage(); const t0 = performance.now();
  let sent = 0;
  const pump = () => { while (sent < MIB && sent - answered() < 8) { c.write(payload); sent++; } if (sent < MIB) setTimeout(pump, 0); };
  pump();
  while (answered() < MIB) await new Promise((r) => setTimeout(r, 2));
  const ms = performance.now() - t0; const cpu = process.cpuUsage(u); const faults = process.resourceUsage().minorPageFault - f0;
  c.destroy();
  await s.close();
  return { mode, threads, MBps: Math.round((MIB * 1.048576) / (ms / 1000)), cpuSecsPerGB: +(((cpu.user + cpu.system) / 1e6) / (MIB / 1024)).toFixed(2), minorFaults: faults };
}

const rows = [];
for (const mode of MODES) {
  rows.push(await run(mode, 0));
  for (const t of THREADS) rows.push(await run(mode, t));
}
const { loadavg, cpus } = await import('node:os');
console.log(JSON.stringify({ MiB: MIB, cores: cpus().length, loadavg: loadavg().map((x) => +x.toFixed(1)), note: 'shared machine; threads 0 = in this thread (the ceiling); process CPU includes the bench client' }));
for (const r of rows) console.log(JSON.stringify(r));
process.exit(0);
