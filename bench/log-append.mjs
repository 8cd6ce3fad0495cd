// Log.appendAsLeader throughput: 16 KiB batches (16 × 1 KiB records), validated (CRC-32C), offsets assigned,
// written to the page cache (default flush.messages = never), 1 GiB segments.
// Usage: node bench/log-append.mjs [MiB=1024] [compiled-src-dir]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compiledSrc, load, machine, mibps } from './log-bench-lib.mjs';

const mib = Number(process.argv[2] ?? 1024);
const root = compiledSrc(process.argv[3]);
const { Log } = await load(root, 'services/log/log.js');
const { DEFAULT_LOG_CONFIG } = await load(root, 'services/log/log-config.js');
const { buildRecordBatch } = await load(root, 'services/log/record-batch.js');
const { nativeCrc32cLoaded } = await load(root, 'services/log/crc32c.js');

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
  console.log(`machine: ${machine()}; native crc32c: ${typeof nativeCrc32cLoaded === 'function' ? nativeCrc32cLoaded() : nativeCrc32cLoaded}`);
  console.log(`append: ${total} batches of ${template.length} B (${(bytes / 2 ** 20).toFixed(0)} MiB, ${log.numberOfSegments} segments) in ${ms.toFixed(0)} ms = ${mibps(bytes, ms)} MiB/s, ${(total / (ms / 1000)).toFixed(0)} batches/s; final fsync ${fsyncMs.toFixed(0)} ms`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
