#!/usr/bin/env node
// What handing a produce request's bytes to a worker thread costs the main thread (issue 17, network threads):
// a postMessage of an ArrayBuffer (transferred, not copied) to a worker that checks the batch CRC (native crc32c,
// as LogValidator's ensureValid) and transfers it back, against doing the CRC in-thread. Per message size:
// the main thread's CPU µs per message (process.threadCpuUsage is not in Node 20: main CPU = wall of the main's
// synchronous send/receive work, measured with performance.now around it: a lower bound, the structured-clone
// deserialisation before the listener runs is not inside it), the round trip, and the in-thread CRC.
// Batched: BATCH messages per postMessage (one turn's requests in one message), as the design in notes-L says.
// Usage: node bench/worker-handoff.mjs [count=20000]   (npm run build first: uses dist/services/log/crc32c.js)
import { Worker } from 'node:worker_threads';
import { crc32c } from '../dist/services/log/crc32c.js';
import { loadavg } from 'node:os';

const COUNT = Number(process.argv[2] ?? 20000);
const worker = new Worker(`
  const { parentPort } = require('node:worker_threads');
  import(${JSON.stringify(new URL('../dist/services/log/crc32c.js', import.meta.url).href)}).then(({ crc32c }) => {
    parentPort.on('message', (m) => {
      const out = [];
      for (const ab of m) { const b = Buffer.from(ab); crc32c(b, 21, b.length); out.push(ab); }
      parentPort.postMessage(out, out);
    });
    parentPort.postMessage('ready');
  });`, { eval: true });
await new Promise((r) => worker.once('message', r));

const results = {};
for (const size of [1024, 16 * 1024, 256 * 1024, 1024 * 1024]) {
  for (const batch of [1, 16]) {
    const n = Math.max(16, Math.min(COUNT, Math.floor(2e9 / size / 4)));
    const bufs = Array.from({ length: batch }, () => new ArrayBuffer(size));
    // in-thread CRC
    const b0 = Buffer.from(bufs[0]);
    let t = performance.now();
    for (let i = 0; i < n; i++) crc32c(b0, 21, size);
    const inThreadUs = (performance.now() - t) * 1000 / n;
    // worker round trips, one message of `batch` buffers in flight at a time
    let pool = bufs; let mainMs = 0; const rtts = [];
    const rounds = Math.ceil(n / batch);
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) {
      const s = performance.now();
      worker.postMessage(pool, pool);
      mainMs += performance.now() - s;
      pool = await new Promise((r) => worker.once('message', (m) => { const s2 = performance.now(); r(m); mainMs += performance.now() - s2; }));
      rtts.push(performance.now() - s);
    }
    const wall = performance.now() - t0;
    rtts.sort((a, b) => a - b);
    results[`${size} B x${batch}`] = {
      inThreadCrcUsPerMsg: +inThreadUs.toFixed(2),
      mainSendRecvUsPerMsg: +((mainMs * 1000) / (rounds * batch)).toFixed(2),
      wallUsPerMsg: +((wall * 1000) / (rounds * batch)).toFixed(2),
      roundTripP50Us: Math.round(rtts[Math.floor(rtts.length / 2)] * 1000), roundTripP99Us: Math.round(rtts[Math.floor(rtts.length * 0.99)] * 1000),
    };
  }
}
await worker.terminate();
console.log(JSON.stringify({ bench: 'worker-handoff', COUNT, results, loadavg: loadavg(), node: process.version, date: new Date().toISOString().slice(0, 10) }, null, 1));
