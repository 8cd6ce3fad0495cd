// `rafka dump-log` throughput on one large segment written by Rafka's Log (1 KiB records in 16 KiB batches):
//   1. batch headers + CRC check only (no --print-data-log), output to /dev/null
//   2. --print-data-log (every record's key and value printed), output to /dev/null
// Each run is a separate node process (so max RSS is the tool's own); the segment is in the page cache.
//
//   node bench/dump-log.mjs [--mib 1024] [--keep DIR]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, machine } from './log-bench-lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const MIB = Number(opt('--mib', '1024'));

// compile src (dump-log command and the log layer) into a temp dir
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rafka-bench-dumplog-'));
fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(out, 'node_modules'));
execFileSync(path.join(REPO, 'node_modules/.bin/tsc'), [
  '--ignoreConfig', '--outDir', out, '--rootDir', path.join(REPO, 'src'), '--module', 'nodenext', '--moduleResolution', 'nodenext',
  '--target', 'es2022', '--skipLibCheck', '--types', 'node', path.join(REPO, 'src/commands/dump-log.ts'), path.join(REPO, 'src/services/log/log.ts'),
], { cwd: REPO, stdio: 'inherit' });
const load = (m) => import(pathToFileURL(path.join(out, m)).href);

const root = opt('--keep', null) ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rafka-bench-dumplog-data-'));
const cleanup = () => {
  fs.rmSync(out, { recursive: true, force: true });
  if (!args.includes('--keep')) fs.rmSync(root, { recursive: true, force: true });
};
process.on('exit', cleanup);

const { Log } = await load('services/log/log.js');
const { DEFAULT_LOG_CONFIG } = await load('services/log/log-config.js');
const { buildRecordBatch } = await load('services/log/record-batch.js');

// one 16 KiB batch of 16 × 1 KiB printable records, appended again and again (offsets assigned by the Log)
const records = [];
for (let i = 0; i < 16; i++) {
  const value = Buffer.alloc(1000);
  for (let j = 0; j < value.length; j++) value[j] = 0x21 + ((i * 7 + j * 13) % 90);
  records.push({ key: `key-${i}`, value, timestamp: 1_700_000_000_000 + i });
}
const batch = buildRecordBatch({ records });
const dir = path.join(root, 'bench-0');
const target = MIB * 1024 * 1024;
let t = performance.now();
const log = Log.create({ dir, topic: 'bench', partition: 0, config: { ...DEFAULT_LOG_CONFIG, segmentBytes: 2 ** 31 - 1 } });
let written = 0;
let nBatches = 0;
while (written + batch.length <= target) {
  log.appendAsLeader(batch, 0);
  written += batch.length;
  nBatches++;
}
log.flush();
log.close();
const segFile = path.join(dir, '00000000000000000000.log');
const size = fs.statSync(segFile).size;
console.log(`machine: ${machine()}`);
console.log(`segment: ${segFile}: ${(size / 2 ** 20).toFixed(0)} MiB, ${nBatches} batches of ${batch.length} bytes, ${nBatches * 16} records (written in ${((performance.now() - t) / 1000).toFixed(1)} s)`);

const runner = path.join(out, 'bench-runner.mjs');
fs.writeFileSync(runner, `
const m = await import(${JSON.stringify(pathToFileURL(path.join(out, 'commands/dump-log.js')).href)});
const t = performance.now();
const code = await m.run(process.argv.slice(2));
process.stderr.write(JSON.stringify({ code, ms: performance.now() - t, maxRssKiB: process.resourceUsage().maxRSS }) + '\\n');
`);

function measure(label, extra) {
  const devnull = fs.openSync('/dev/null', 'w');
  const r = spawnSync(process.execPath, [runner, ...extra, segFile], { stdio: ['ignore', devnull, 'pipe'], encoding: 'utf8' });
  fs.closeSync(devnull);
  const line = r.stderr.trim().split('\n').pop();
  const m = JSON.parse(line);
  if (m.code !== 0) throw new Error(`${label}: exit ${m.code}: ${r.stderr}`);
  const mbps = size / 1e6 / (m.ms / 1000);
  console.log(`${label.padEnd(34)} ${(m.ms / 1000).toFixed(2).padStart(6)} s  ${mbps.toFixed(0).padStart(5)} MB/s  max RSS ${(m.maxRssKiB / 1024).toFixed(0)} MiB`);
  return { mbps, rssMiB: m.maxRssKiB / 1024 };
}

measure('dump-log (batches, CRC checked)', []); // warm-up: page cache, JIT of the first run is per process anyway
const a = measure('dump-log (batches, CRC checked)', []);
const b = measure('dump-log --deep-iteration', ['--deep-iteration']);
const c = measure('dump-log --print-data-log', ['--print-data-log']);
console.log(`targets: batches ≥ 500 MB/s: ${a.mbps >= 500 ? 'met' : 'NOT met'}; --print-data-log ≥ 100 MB/s: ${c.mbps >= 100 ? 'met' : 'NOT met'} (max RSS ${c.rssMiB.toFixed(0)} MiB for a ${(size / 2 ** 20).toFixed(0)} MiB segment)`);
void b;
