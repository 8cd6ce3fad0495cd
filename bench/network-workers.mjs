#!/usr/bin/env node
// Network worker threads (issue 17): the process's CPU and page faults to echo-size-answer N MiB of 1 MiB request
// frames through a SocketServer, in this thread (networkThreads 0, the figure to compare with) and with 2 network
// workers, in one run. Usage (npm run build first): node bench/network-workers.mjs [MiB=256] [threads=2]
// The handler answers 8 bytes per frame, so the figure is the request path: socket reads, framing, the hand-off.
import { connect } from 'node:net';
import { pino } from 'pino';
import { SocketServer } from '../dist/services/network/socket-server.js';

const MIB = Number(process.argv[2] ?? 256);
const THREADS = Number(process.argv[3] ?? 2);

async function run(threads) {
  const s = new SocketServer({
    listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }], maxRequestBytes: 2 << 20, idleTimeoutMs: 0,
    queuedMaxRequests: 500, log: pino({ level: 'warn' }), networkThreads: threads,
    handler: async (f) => { const b = Buffer.allocUnsafe(8); b.writeInt32BE(4); b.writeInt32BE(f.length, 4); return b; },
  });
  const [b] = await s.bind();
  s.enableRequestProcessing();
  await new Promise((r) => setTimeout(r, 1500)); // workers loaded
  const c = connect(b.boundPort, '127.0.0.1');
  await new Promise((r) => c.on('connect', r));
  const payload = Buffer.alloc(4 + (1 << 20));
  payload.writeInt32BE(payload.length - 4);
  let answered = 0;
  c.on('data', (d) => { answered += d.length / 8; });
  const f0 = process.resourceUsage().minorPageFault; const u = process.cpuUsage(); const t0 = performance.now();
  let sent = 0;
  const pump = () => { while (sent < MIB && sent - answered < 8) { c.write(payload); sent++; } if (sent < MIB) setTimeout(pump, 0); };
  pump();
  while (answered < MIB) await new Promise((r) => setTimeout(r, 2));
  const ms = performance.now() - t0; const cpu = process.cpuUsage(u); const faults = process.resourceUsage().minorPageFault - f0;
  c.destroy();
  await s.close();
  return { threads, MBps: Math.round((MIB * 1.048576) / (ms / 1000)), cpuSecsPerGB: +(((cpu.user + cpu.system) / 1e6) / (MIB / 1024)).toFixed(2), minorFaults: faults };
}

const inThread = await run(0);
const workers = await run(THREADS);
console.log(JSON.stringify({ MiB: MIB, inThread, workers, loadavg: (await import('node:os')).loadavg().map((x) => +x.toFixed(1)), note: 'shared machine; process CPU includes the bench client' }, null, 1));
process.exit(0);
