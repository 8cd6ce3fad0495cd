// Recovery throughput of Log.load after an unclean shutdown (no .kafka_cleanshutdown, recovery point 0: every
// segment is CRC-checked and its indexes rebuilt) vs plainly reading the same .log files, page cache warm for both.
// Data: 1 KiB records in 16 KiB batches, Kafka's default 1 GiB segment size.
// Usage: node bench/log-recovery.mjs [MiB=1024] [compiled-src-dir]
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compiledSrc, load, machine, mibps } from './log-bench-lib.mjs';

const mib = Number(process.argv[2] ?? 1024);
const root = compiledSrc(process.argv[3]);
const { Log } = await load(root, 'services/log/log.js');
const { DEFAULT_LOG_CONFIG } = await load(root, 'services/log/log-config.js');
const { buildRecordBatch } = await load(root, 'services/log/record-batch.js');
const { crc32cImplementation } = await load(root, 'services/log/crc32c.js');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rafka-bench-recovery-'));
const dir = path.join(work, 'bench-0');
try {
  const value = Buffer.alloc(1024 - 40, 0x62);
  const template = buildRecordBatch({ records: Array.from({ length: 16 }, (_, i) => ({ key: `key-${i}`, value, timestamp: 1_700_000_000_000 + i })) });
  const total = Math.floor((mib * 2 ** 20) / template.length);
  const config = { ...DEFAULT_LOG_CONFIG };
  const log = Log.create({ dir, topic: 'bench', partition: 0, config });
  for (let i = 0; i < total; i++) log.appendAsLeader(template, 0);
  log.close();
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => path.join(dir, f));
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);

  // plain sequential read (1 MiB chunks), twice: the first run also warms the page cache (best of this and a read after recovery)
  const readAll = () => {
    const buf = Buffer.allocUnsafe(1 << 20);
    const t0 = performance.now();
    let n = 0;
    for (const f of files) {
      const fd = fs.openSync(f, 'r');
      let r;
      while ((r = fs.readSync(fd, buf, 0, buf.length, null)) > 0) n += r;
      fs.closeSync(fd);
    }
    return [n, performance.now() - t0];
  };
  readAll();
  let [readBytes, readMs] = readAll();

  // recovery, twice with the read-ahead thread (the first run also warms the JIT) and once without it
  const recoverOnce = (readAhead) => {
    if (readAhead) delete process.env.RAFKA_READ_AHEAD;
    else process.env.RAFKA_READ_AHEAD = '0';
    const t0 = performance.now();
    const r = Log.load({ dir, topic: 'bench', partition: 0, config, hadCleanShutdown: false, recoveryPoint: 0n });
    const ms = performance.now() - t0;
    if (r.log.logEndOffset !== BigInt(total * 16) || r.truncatedBytes !== 0) throw new Error('unexpected recovery result');
    r.log.close();
    delete process.env.RAFKA_READ_AHEAD;
    return { ms, segments: r.recoveredSegments };
  };
  const firstRec = recoverOnce(true);
  const noAhead = recoverOnce(false);
  const secondRec = recoverOnce(true);
  const recMs = Math.min(firstRec.ms, secondRec.ms);
  const res = { recoveredSegments: firstRec.segments };

  const [rb2, rm2] = readAll(); // best of two warm reads, one before and one after recovery
  if (rm2 < readMs) [readBytes, readMs] = [rb2, rm2];
  // the fetch path: Log.read of 1 MiB at a time from offset 0 to the LEO
  const fetchLog = Log.load({ dir, topic: 'bench', partition: 0, config, hadCleanShutdown: true }).log;
  const tf = performance.now();
  let fetched = 0;
  for (let next = 0n; next < fetchLog.logEndOffset; ) {
    const r = fetchLog.read(next, 1 << 20, { minOneMessage: true }).records;
    fetched += r.length;
    let pos = 0;
    let lastNext = next;
    while (pos + 61 <= r.length) {
      const size = r.readInt32BE(pos + 8) + 12;
      if (pos + size > r.length) break;
      lastNext = r.readBigInt64BE(pos) + BigInt(r.readInt32BE(pos + 23)) + 1n;
      pos += size;
    }
    next = lastNext;
  }
  const fetchMs = performance.now() - tf;
  fetchLog.close();

  // cold page cache (needs root): drop caches, then read; drop again, then recover
  let cold = null;
  const drop = () => { fs.writeFileSync('/proc/sys/vm/drop_caches', '3'); };
  try {
    execSync('sync');
    drop();
    const [cb, cms] = readAll();
    drop();
    const tc = performance.now();
    const r2 = Log.load({ dir, topic: 'bench', partition: 0, config, hadCleanShutdown: false, recoveryPoint: 0n });
    const crms = performance.now() - tc;
    r2.log.close();
    cold = { read: mibps(cb, cms), recover: mibps(bytes, crms), pct: ((cms / crms) * 100).toFixed(0) };
  } catch (e) {
    cold = { error: e.message };
  }

  // through the LogManager (no marker): recovery in the main thread vs in a worker thread; event-loop blocking
  const { LogManager } = await load(root, 'services/log/log-manager.js');
  const { KafkaConfig } = await load(root, 'config/kafka-config.js');
  const { pino } = await import('pino');
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const viaManager = [];
  for (const inWorkers of [false, true]) {
    fs.rmSync(path.join(work, '.kafka_cleanshutdown'), { force: true });
    fs.writeFileSync(path.join(work, 'recovery-point-offset-checkpoint'), '0\n0\n');
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const tm = performance.now();
    const m = await LogManager.create({ logDirs: [work], initialOfflineDirs: [], config: KafkaConfig.fromProps({ 'zookeeper.connect': 'x:1', 'log.dirs': work }), log: pino({ level: 'silent' }), onDirFailure: () => {}, recoveryInWorkers: inWorkers });
    const sm = await m.loadLogs();
    const mms = performance.now() - tm;
    await new Promise((r) => setTimeout(r, 20)); // let the delay timer observe a block that ended the load
  h.disable();
    viaManager.push({ inWorkers, ms: mms, block: h.max / 1e6, recovered: sm.recoveredSegments, workers: sm.recoveredInWorkers });
    await m.shutdown();
  }

  // parallelism: 4 partitions × 1/4 of the data, num.recovery.threads.per.data.dir 1 vs 2 (workers)
  const par = [];
  {
    const pdir = path.join(work, 'par');
    for (let p = 0; p < 4; p++) {
      const l = Log.create({ dir: path.join(pdir, `par-${p}`), topic: 'par', partition: p, config });
      for (let i = 0; i < total / 4; i++) l.appendAsLeader(template, 0);
      l.close();
    }
    for (const threads of ['1', '2']) {
      fs.rmSync(path.join(pdir, '.kafka_cleanshutdown'), { force: true });
      fs.writeFileSync(path.join(pdir, 'recovery-point-offset-checkpoint'), '0\n0\n');
      const tp = performance.now();
      const m = await LogManager.create({ logDirs: [pdir], initialOfflineDirs: [], config: KafkaConfig.fromProps({ 'zookeeper.connect': 'x:1', 'log.dirs': pdir, 'num.recovery.threads.per.data.dir': threads }), log: pino({ level: 'silent' }), onDirFailure: () => {} });
      const sp = await m.loadLogs();
      par.push({ threads, ms: performance.now() - tp, workers: sp.recoveredInWorkers });
      await m.shutdown();
    }
  }

  const t1 = performance.now();
  const clean = Log.load({ dir, topic: 'bench', partition: 0, config, hadCleanShutdown: true });
  const cleanMs = performance.now() - t1;
  clean.log.close();

  console.log(`machine: ${machine()}`);
  console.log(`data: ${(bytes / 2 ** 20).toFixed(0)} MiB in ${files.length} segment(s), ${total} batches of ${template.length} B`);
  console.log(`plain read: ${mibps(readBytes, readMs)} MiB/s (${readMs.toFixed(0)} ms)`);
  console.log(`recovery (no marker): ${mibps(bytes, recMs)} MiB/s (${recMs.toFixed(0)} ms, best of 2; first ${mibps(bytes, firstRec.ms)} MiB/s; ${res.recoveredSegments} segment(s)) = ${((readMs / recMs) * 100).toFixed(0)}% of plain read (first run: ${((readMs / firstRec.ms) * 100).toFixed(0)}%)`);
  console.log(`recovery without the read-ahead thread (RAFKA_READ_AHEAD=0): ${mibps(bytes, noAhead.ms)} MiB/s = ${((readMs / noAhead.ms) * 100).toFixed(0)}% of plain read`);
  console.log(`CRC-32C: ${crc32cImplementation}; load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`Log.read (fetch path, 1 MiB per read): ${mibps(fetched, fetchMs)} MiB/s -> recovery = ${((fetchMs / recMs) * 100).toFixed(0)}% of it`);
  console.log(cold.error ? `cold cache: not measured (${cold.error})` : `cold page cache: plain read ${cold.read} MiB/s, recovery ${cold.recover} MiB/s = ${cold.pct}% of plain read`);
  for (const v of viaManager) {
    console.log(`LogManager.loadLogs without marker, recovery ${v.inWorkers ? 'in a worker thread' : 'in the main thread'}: ${mibps(bytes, v.ms)} MiB/s (${v.ms.toFixed(0)} ms, ${v.recovered} segment(s), ${v.workers} in workers), longest event-loop block ${v.block.toFixed(0)} ms`);
  }
  for (const p of par) console.log(`4 partitions, num.recovery.threads.per.data.dir=${p.threads} (${p.workers} logs in workers): ${mibps(bytes, p.ms)} MiB/s (${p.ms.toFixed(0)} ms)`);
  console.log(`clean load (marker): ${cleanMs.toFixed(1)} ms`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
