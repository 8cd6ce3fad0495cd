#!/usr/bin/env node
// Issue 17: what sendfile(2) would save on the Fetch path, measured against the path Rafka uses today (the record
// bytes read from the page cache into a reused buffer, then written to the socket; response-send.ts writev), and
// beside the loopback ceiling of the same run (the same bytes written from memory, no file at all).
// Usage: node bench/sendfile.mjs [MiB=256] [rounds=2]   (needs the native addon: npm ci / node scripts/build-native.mjs)
// Each mode runs in a child process serving one connection; its CPU seconds per GB are the figure (user+sys), the
// reader is this process (Node's onread into one reused buffer, no decoding). A shared, loaded machine swings
// MB/s a lot: compare CPU-s/GB inside one run.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, openSync, writeSync, closeSync, rmSync, readSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHUNK = 1 << 20;

if (process.argv[2] === '--serve') {
  const [, , , mode, file, sizeArg] = process.argv;
  const size = Number(sizeArg);
  const { createServer } = await import('node:net');
  const native = createRequire(import.meta.url)(join(root, 'native/build/Release/rafka_native.node'));
  const srv = createServer(async (s) => {
    const c0 = process.cpuUsage();
    const fd = openSync(file, 'r');
    const write = (b) => new Promise((res, rej) => s.write(b, (e) => (e ? rej(e) : res())));
    if (mode === 'sendfile') {
      native.sendfileAll(s._handle.fd, fd, 0, size); // blocks this process until sent (poll on a full socket buffer)
    } else if (mode === 'read+write') {
      const bufs = [Buffer.allocUnsafeSlow(CHUNK), Buffer.allocUnsafeSlow(CHUNK)];
      for (let off = 0, i = 0; off < size; off += CHUNK, i ^= 1) {
        const n = readSync(fd, bufs[i], 0, Math.min(CHUNK, size - off), off); // page-cache read, as log.ts readAsync's pread
        await write(bufs[i].subarray(0, n));
      }
    } else { // memory: the loopback ceiling, no file
      const b = Buffer.alloc(CHUNK, 1);
      for (let off = 0; off < size; off += CHUNK) await write(b.subarray(0, Math.min(CHUNK, size - off)));
    }
    closeSync(fd);
    const c = process.cpuUsage(c0);
    s.end(() => { process.stdout.write(JSON.stringify({ cpuSecs: (c.user + c.system) / 1e6, userSecs: c.user / 1e6, sysSecs: c.system / 1e6 }) + '\n'); srv.close(); });
  });
  srv.listen(0, '127.0.0.1', () => process.stdout.write(`${srv.address().port}\n`));
} else {
  const MiB = Number(process.argv[2] ?? 256);
  const rounds = Number(process.argv[3] ?? 2);
  const size = MiB * CHUNK;
  const work = mkdtempSync(join(tmpdir(), 'rafka-bench-sendfile-'));
  const file = join(work, 'segment.log');
  { const fd = openSync(file, 'w'); const b = Buffer.alloc(CHUNK, 7); for (let i = 0; i < MiB; i++) writeSync(fd, b); closeSync(fd); }
  const run = (mode) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', mode, file, String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = ''; let t0 = 0; let got = 0; let secs = 0;
    child.stdout.on('data', (d) => {
      out += d;
      const lines = out.split('\n');
      if (t0 === 0 && lines.length > 1) {
        const port = Number(lines[0]);
        const buf = Buffer.allocUnsafe(CHUNK);
        t0 = performance.now();
        const c = connect({ port, host: '127.0.0.1', onread: { buffer: buf, callback: (n) => { got += n; } } });
        c.on('end', () => { secs = (performance.now() - t0) / 1000; });
        c.on('error', reject);
      }
    });
    child.on('exit', () => {
      const cpu = JSON.parse(out.trim().split('\n').at(-1));
      if (got !== size) { reject(new Error(`${mode}: received ${got} of ${size} bytes`)); return; }
      resolve({ mode, MBps: Math.round(size / 1e6 / secs), serverCpuSecsPerGB: +(cpu.cpuSecs / (size / 1e9)).toFixed(3), userPerGB: +(cpu.userSecs / (size / 1e9)).toFixed(3), sysPerGB: +(cpu.sysSecs / (size / 1e9)).toFixed(3) });
    });
  });
  const results = [];
  for (let r = 0; r < rounds; r++) for (const mode of ['read+write', 'sendfile', 'memory']) results.push(await run(mode));
  rmSync(work, { recursive: true, force: true });
  console.log(JSON.stringify({ bench: 'sendfile', MiB, results, loadavg: loadavg().map((x) => +x.toFixed(1)), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString().slice(0, 10) }, null, 1));
}
