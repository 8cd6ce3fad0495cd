// Log-layer throughput: LogSegment append, recover (CRC + index rebuild), sequential read, offset lookups.
// Usage: node bench/log-segment.mjs [compiled-log-dir] [MiB]
//   compiled-log-dir: directory with the compiled src/services/log modules (default: dist/services/log after
//   `npm run build`). MiB: segment size to write (default 128).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const libDir = path.resolve(process.argv[2] ?? new URL('../dist/services/log', import.meta.url).pathname);
const mib = Number(process.argv[3] ?? 128);
const lib = async (m) => import(pathToFileURL(path.join(libDir, m)).href);
const { LogSegment } = await lib('log-segment.js');
const { buildRecordBatch } = await lib('record-batch.js');
const { nativeCrc32cLoaded } = await lib('crc32c.js');

const fmt = (bytes, ns) => `${((bytes / (1 << 20)) / (ns / 1e9)).toFixed(0)} MiB/s`;
const now = () => process.hrtime.bigint();

async function run(recordsPerBatch, valueSize) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafka-bench-'));
  try {
    const value = Buffer.alloc(valueSize, 0x61);
    const template = buildRecordBatch({
      baseOffset: 0n,
      records: Array.from({ length: recordsPerBatch }, (_, i) => ({ key: `key-${i}`, value, timestamp: 1_700_000_000_000 + i })),
    });
    const batchSize = template.length;
    const total = Math.floor((mib << 20) / batchSize);
    const seg = LogSegment.open(dir, 0n, {});
    let offset = 0n;
    let t0 = now();
    for (let i = 0; i < total; i++) {
      // assign offsets in place like the append path (offset/epoch are outside the CRC)
      template.writeBigInt64BE(offset, 0);
      const last = offset + BigInt(recordsPerBatch - 1);
      seg.append(last, 1_700_000_000_000 + recordsPerBatch - 1, last, template);
      offset = last + 1n;
    }
    const appendNs = Number(now() - t0);
    const bytes = seg.size;
    t0 = now();
    seg.flushSync();
    const flushNs = Number(now() - t0);
    seg.close();

    const seg2 = LogSegment.open(dir, 0n, { fileAlreadyExists: true });
    t0 = now();
    const truncated = seg2.recover();
    const recoverNs = Number(now() - t0);
    if (truncated !== 0) throw new Error('unexpected truncation');

    t0 = now();
    let readBytes = 0;
    let next = 0n;
    while (next < offset) {
      const r = seg2.read(next, 1 << 20, seg2.size, true);
      readBytes += r.records.length;
      // advance past the whole batches returned
      let pos = 0;
      let lastNext = next;
      while (pos + 12 <= r.records.length) {
        const size = r.records.readInt32BE(pos + 8) + 12;
        if (pos + size > r.records.length) break;
        lastNext = r.records.readBigInt64BE(pos) + BigInt(r.records.readInt32BE(pos + 23)) + 1n;
        pos += size;
      }
      next = lastNext;
    }
    const readNs = Number(now() - t0);

    const lookups = 20000;
    t0 = now();
    for (let i = 0; i < lookups; i++) seg2.translateOffset(BigInt(Math.floor((i * 7919) % Number(offset))));
    const lookupNs = Number(now() - t0);
    seg2.close();
    console.log(
      `${recordsPerBatch} rec × ${valueSize} B (batch ${batchSize} B, ${total} batches, ${(bytes / (1 << 20)).toFixed(0)} MiB): ` +
        `append ${fmt(bytes, appendNs)} (${(total / (appendNs / 1e9)).toFixed(0)} batches/s), fsync ${(flushNs / 1e6).toFixed(0)} ms, ` +
        `recover ${fmt(bytes, recoverNs)}, read ${fmt(readBytes, readNs)}, translateOffset ${(lookupNs / lookups / 1000).toFixed(1)} µs`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`native crc32c: ${nativeCrc32cLoaded}`);
await run(1, 100);
await run(10, 100);
await run(100, 1000);
