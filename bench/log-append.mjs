// Log.appendAsLeader throughput: 16 KiB batches (16 × 1 KiB records), validated (CRC-32C), offsets assigned,
// written to the page cache (default flush.messages = never), 1 GiB segments.
// Usage: node bench/log-append.mjs [MiB=1024] [compiled-src-dir] [--no-idempotent]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compiledSrc, load, machine, mibps } from './log-bench-lib.mjs';

const mib = Number(process.argv[2] ?? 1024);
const root = compiledSrc(process.argv[3]);
const { Log } = await load(root, 'services/log/log.js');
const { DEFAULT_LOG_CONFIG } = await load(root, 'services/log/log-config.js');
const { buildRecordBatch } = await load(root, 'services/log/record-batch.js');
const { nativeCrc32cLoaded, crc32c } = await load(root, 'services/log/crc32c.js');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rafka-bench-append-'));
try {
  const value = Buffer.alloc(1024 - 40, 0x61);
  const template = buildRecordBatch({ records: Array.from({ length: 16 }, (_, i) => ({ key: `key-${i}`, value, timestamp: 1_700_000_000_000 + i })) });
  const total = Math.floor((mib * 2 ** 20) / template.length);
  const log = Log.create({ dir: path.join(work, 'bench-0'), topic: 'bench', partition: 0, config: { ...DEFAULT_LOG_CONFIG } });
  const batch = Buffer.from(template);
  const t0 = performance.now();
  for (let i = 0; i < total; i++) log.appendAsLeader(batch, 0);
  const ms = performance.now() - t0;
  const bytes = log.size;
  const t1 = performance.now();
  log.flush();
  const fsyncMs = performance.now() - t1;
  log.close();
  // durable appends: flush.messages=1 (fsync of the .log and indexes before each append returns)
  const dlog = Log.create({ dir: path.join(work, 'durable-0'), topic: 'durable', partition: 0, config: { ...DEFAULT_LOG_CONFIG, flushMessages: 1 } });
  const lat = [];
  const td = performance.now();
  while (performance.now() - td < 3000 && lat.length < 20000) {
    const a = performance.now();
    dlog.appendAsLeader(batch, 0);
    lat.push(performance.now() - a);
  }
  const dms = performance.now() - td;
  dlog.close();
  lat.sort((x, y) => x - y);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(3);
  // Idempotent producer vs plain: each batch gets a new sequence (or timestamp) and CRC in both loops, so the
  // difference is the producer-state check and update. `--no-idempotent` for builds without producer state.
  const pair = [];
  {
    const onlyPlain = process.argv.includes('--no-idempotent');
    for (const [label, recs, n] of [['16 KiB', 16, 5000], ['1 record', 1, 20000]]) {
      for (const idem of onlyPlain ? [false, false, false] : [false, true, true, false, false, true]) {
        const l = Log.create({ dir: path.join(work, `pair-${pair.length}`), topic: 'p', partition: 0, config: { ...DEFAULT_LOG_CONFIG } });
        const b = Buffer.from(buildRecordBatch({ records: Array.from({ length: recs }, (_, i) => ({ key: `key-${i}`, value: recs === 1 ? value.subarray(0, 100) : value, timestamp: 1_700_000_000_000 + i })), ...(idem ? { producerId: 4242n, producerEpoch: 0, baseSequence: 0 } : {}) }));
        const ta = performance.now();
        for (let i = 0; i < n; i++) {
          if (idem) b.writeInt32BE(i * recs, 53); else b.writeBigInt64BE(BigInt(1_700_000_000_000 + i), 27);
          b.writeUInt32BE(crc32c(b, 21, b.length), 17);
          l.appendAsLeader(b, 0);
        }
        pair.push({ label, idem, us: ((performance.now() - ta) * 1000) / n });
        l.close();
        fs.rmSync(path.join(work, `pair-${pair.length - 1}`), { recursive: true, force: true });
      }
    }
  }
  console.log(`machine: ${machine()}; native crc32c: ${typeof nativeCrc32cLoaded === 'function' ? nativeCrc32cLoaded() : nativeCrc32cLoaded}`);
  console.log(`append: ${total} batches of ${template.length} B (${(bytes / 2 ** 20).toFixed(0)} MiB, ${log.numberOfSegments} segments) in ${ms.toFixed(0)} ms = ${mibps(bytes, ms)} MiB/s, ${(total / (ms / 1000)).toFixed(0)} batches/s; final fsync ${fsyncMs.toFixed(0)} ms`);
  for (const label of new Set(pair.map((r) => r.label))) {
    const us = (idem) => pair.filter((r) => r.label === label && r.idem === idem).map((r) => r.us.toFixed(1)).join(' / ');
    const best = (idem) => Math.min(...pair.filter((r) => r.label === label && r.idem === idem).map((r) => r.us)).toFixed(1);
    console.log(`append ${label} batches, µs per batch (each re-CRCed in the loop): plain ${us(false)} (best ${best(false)}); idempotent ${us(true) || '-'} (best ${best(true)})`);
  }
  console.log(`append with flush.messages=1: ${lat.length} batches in ${dms.toFixed(0)} ms = ${(lat.length / (dms / 1000)).toFixed(0)} appends/s, ${mibps(lat.length * template.length, dms)} MiB/s; latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
