// CRC-32C throughput: pure-JS slicing-by-8 (src/services/log/crc32c.ts, from dist/ after `npm run build`)
// vs the project's addon (native/, built by `npm ci`) and native packages when they are resolvable.
// Each call checksums bytes [21, size) of a buffer, as a batch CRC does (a sub-range, not a whole buffer).
// Usage: node bench/log-crc32c.mjs [path-to-compiled-crc32c.js]
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const target = process.argv[2] ?? new URL('../dist/services/log/crc32c.js', import.meta.url).pathname;
const { crc32cJs, ADDON_PATH } = await import(pathToFileURL(path.resolve(target)).href);
const require = createRequire(path.join(process.cwd(), 'x.js'));

function bytewise(buf) {
  let crc = -1;
  for (let i = 0; i < buf.length; i++) crc = T[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
const T = new Int32Array(256);
for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1; T[n] = c; }

const impls = { 'js slicing-by-8': (b) => crc32cJs(b, 21), 'js bytewise': (b) => bytewise(b.subarray(21)) };
try { const m = require(ADDON_PATH); if (m.crc32c) impls['addon (native/crc32c.c)'] = (b) => m.crc32c(b, 21, b.length, 0); } catch {}
try { const m = require('@node-rs/crc32'); impls['@node-rs/crc32'] = (b) => m.crc32c(b.subarray(21)); } catch {}
try { const m = require('sse4_crc32'); impls['sse4_crc32'] = (b) => m.calculate(b.subarray(21)); } catch {}

const check = Buffer.concat([Buffer.alloc(21), Buffer.from('123456789')]);
for (const [name, f] of Object.entries(impls)) if (f(check) !== 0xe3069283) throw new Error(`${name} wrong`);

for (const size of [64, 128, 256, 1024, 16 * 1024, 1024 * 1024]) {
  const buf = Buffer.alloc(size + 21);
  for (let i = 0; i < size; i++) buf[i] = (i * 31 + 7) & 0xff;
  const totalBytes = 256 * 1024 * 1024;
  const iters = Math.max(1, Math.floor(totalBytes / size / (size < 4096 ? 8 : 1)));
  const row = [`${size}B`];
  for (const [name, f] of Object.entries(impls)) {
    for (let i = 0; i < Math.min(iters, 1000); i++) f(buf); // warm-up
    const t0 = process.hrtime.bigint();
    let x = 0;
    for (let i = 0; i < iters; i++) x ^= f(buf);
    const ns = Number(process.hrtime.bigint() - t0);
    row.push(`${name}: ${((iters * size) / ns).toFixed(2)} GB/s (${(ns / iters).toFixed(0)} ns/op)`);
    if (x === 0.5) console.log('');
  }
  console.log(row.join(' | '));
}
