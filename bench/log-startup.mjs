// Clean startup of many partitions: 2,000 partitions × 3 segments (a few batches each) written and shut down
// cleanly by the LogManager, then a FRESH process runs LogManager.create + loadLogs; reports wall time and RSS.
// Usage: node bench/log-startup.mjs [partitions=2000] [compiled-src-dir]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { compiledSrc, load, machine } from './log-bench-lib.mjs';

const [mode, ...rest] = process.argv.slice(2);

async function deps(root) {
  const { LogManager } = await load(root, 'services/log/log-manager.js');
  const { KafkaConfig } = await load(root, 'config/kafka-config.js');
  const { buildRecordBatch } = await load(root, 'services/log/record-batch.js');
  return { LogManager, KafkaConfig, buildRecordBatch };
}

const opts = (KafkaConfig, dir, threads = '1') => ({
  logDirs: [dir],
  initialOfflineDirs: [],
  config: KafkaConfig.fromProps({ 'zookeeper.connect': 'localhost:2181', 'log.dirs': dir, 'num.recovery.threads.per.data.dir': threads }),
  log: pino({ level: 'warn' }),
  onDirFailure: (d, e) => { throw e; },
});

if (mode === '--load') {
  // child: measure startup only
  const [root, dir, inline, threads] = rest;
  const { LogManager, KafkaConfig } = await deps(root);
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  const o = opts(KafkaConfig, dir, threads);
  const m = await LogManager.create({ ...o, recoveryInWorkers: inline !== 'inline' });
  const s = await m.loadLogs();
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 20)); // let the delay timer observe a block that ended the load
  h.disable();
  const maxLoopBlockMs = h.max / 1e6;
  const fds = fs.readdirSync('/proc/self/fd').length;
  const rss = process.memoryUsage().rss;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ ms, maxLoopBlockMs, fds, inWorkers: s.recoveredInWorkers, logs: s.logs, recovered: s.recoveredSegments, clean: s.hadCleanShutdown.length, rss, maxRss }));
  await m.shutdown();
} else {
  const partitions = Number(mode ?? 2000);
  const root = compiledSrc(rest[0]);
  const { LogManager, KafkaConfig, buildRecordBatch } = await deps(root);
  const keep = process.env.RAFKA_BENCH_KEEP; // reuse/keep the data dir (profiling)
  const work = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rafka-bench-startup-'));
  const dir = path.join(work, 'data');
  try {
    let setupMs = 0;
    if (!keep || !fs.existsSync(dir)) {
    const m = await LogManager.create(opts(KafkaConfig, dir));
    await m.loadLogs();
    const batch = buildRecordBatch({ records: Array.from({ length: 4 }, (_, i) => ({ value: Buffer.alloc(200, 97 + i), timestamp: 1_700_000_000_000 + i })) });
    const t0 = performance.now();
    for (let p = 0; p < partitions; p++) {
      const log = m.getOrCreateLog(`topic${p % 20}`, Math.floor(p / 20));
      for (let s = 0; s < 3; s++) {
        if (s > 0) log.roll();
        for (let b = 0; b < 3; b++) log.appendAsLeader(Buffer.from(batch), 0);
      }
    }
    const tShut = performance.now();
    await m.shutdown();
    console.log(`shutdown of ${partitions} logs: ${(performance.now() - tShut).toFixed(0)} ms`);
    setupMs = performance.now() - t0;
    }
    const files = fs.readdirSync(dir).length;
    const me = fileURLToPath(import.meta.url);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(JSON.parse(execFileSync(process.execPath, [me, '--load', root, dir]).toString()));
    // and without the marker (unclean: every segment is recovered): in-thread, 1 worker, 2 workers
    const unclean = [];
    for (const [mode, threads] of [['inline', '1'], ['workers', '1'], ['workers', '2']]) {
      fs.rmSync(path.join(dir, '.kafka_cleanshutdown'), { force: true });
      fs.writeFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), '0\n0\n');
      unclean.push({ mode, threads, ...JSON.parse(execFileSync(process.execPath, [me, '--load', root, dir, mode, threads]).toString()) });
    }
    console.log(`machine: ${machine()}`);
    console.log(`setup: ${partitions} partitions × 3 segments written and shut down cleanly in ${(setupMs / 1000).toFixed(1)} s (${files} entries in the log dir)`);
    for (const u of unclean) {
      console.log(`unclean startup (no marker, empty recovery-point checkpoint), ${u.mode === 'inline' ? 'in the main thread' : `${u.threads} worker thread(s)`}: ${u.ms.toFixed(0)} ms, ${u.recovered} segments recovered (${u.inWorkers} logs in workers), RSS ${(u.rss / 2 ** 20).toFixed(0)} MiB, longest event-loop block ${u.maxLoopBlockMs.toFixed(1)} ms`);
    }
    for (const r of runs) {
      console.log(`clean startup (fresh process): LogManager.create + loadLogs ${r.ms.toFixed(0)} ms for ${r.logs} logs (${r.recovered} segments recovered, marker: ${r.clean === 1}), RSS ${(r.rss / 2 ** 20).toFixed(0)} MiB (max ${(r.maxRss / 2 ** 20).toFixed(0)} MiB), longest event-loop block ${r.maxLoopBlockMs.toFixed(1)} ms, ${r.fds} open fds`);
    }
  } finally {
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  }
}
