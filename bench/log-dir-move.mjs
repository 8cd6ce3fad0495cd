// Log-dir move speed (AlterReplicaLogDirs' -future mover, issue 15): a partition of SIZE_MB in one log dir is moved to
// another dir of the same disk by ReplicaAlterLogDirsManager + LogManager.replaceCurrentWithFutureLog (from dist/),
// unthrottled, with and without appends going on; beside it, the ceiling of the same disk: `cp -r` of the partition
// dir (read + write of the same bytes, plus fsync of the copy). Run `npm run build` first.
//   node bench/log-dir-move.mjs [SIZE_MB=256] [BATCH_KB=256]      (ORDER=appends-first runs the appends case first:
//   the first move of a process is slower — JIT warm-up — so compare the second figures)
// Figures are from whatever machine runs it; on a shared machine print the load beside them.
import { mkdtempSync, rmSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { KafkaConfig } from '../dist/config/kafka-config.js';
import { LogManager } from '../dist/services/log/log-manager.js';
import { ReplicaAlterLogDirsManager } from '../dist/services/server/replica-alter-log-dirs-manager.js';
import { advanceMoveState } from '../dist/machines/replica-alter-log-dirs-state.js';
import { buildRecordBatch } from '../dist/services/log/record-batch.js';

const SIZE_MB = Number(process.argv[2] ?? 256);
const BATCH_KB = Number(process.argv[3] ?? 256);
const log = pino({ level: 'warn' });

function dirBytes(d) {
  let n = 0;
  for (const f of readdirSync(d)) n += statSync(join(d, f)).size;
  return n;
}

async function run(appendDuring) {
  const root = mkdtempSync(join(tmpdir(), 'rafka-dirmove-'));
  const dirs = [join(root, 'a'), join(root, 'b')];
  try {
    const config = KafkaConfig.fromProps({ 'zookeeper.connect': 'x:1', 'log.dirs': dirs.join(','), 'log.segment.bytes': String(1 << 30) });
    const m = await LogManager.create({ logDirs: dirs, initialOfflineDirs: [], config, log, onDirFailure: () => {} });
    await m.loadLogs();
    const current = m.getOrCreateLog('t', 0);
    const value = Buffer.alloc(BATCH_KB * 1024 - 100, 7);
    const batches = Math.ceil((SIZE_MB * 1024) / BATCH_KB);
    for (let i = 0; i < batches; i++) current.appendAsLeader(buildRecordBatch({ baseOffset: 0n, records: [{ key: null, value }] }), 0);
    current.flush();
    const bytes = dirBytes(current.dir);
    // ceiling: the same bytes copied by cp on the same disk, then synced
    const t0 = performance.now();
    execFileSync('cp', ['-r', current.dir, join(root, 'copy')]);
    execFileSync('sync', ['-f', join(root, 'copy')]);
    const cpMs = performance.now() - t0;
    let swapped = 0;
    const host = {
      movingLogs: (t, p) => { const c = m.getLog(t, p); const f = m.getFutureLog(t, p); return c && f ? { current: c, future: f } : null; },
      replaceCurrentWithFuture: (t, p) => { m.replaceCurrentWithFutureLog(t, p); swapped++; },
    };
    const mover = new ReplicaAlterLogDirsManager(host, log, { advanceMoveState, threads: 1, maxBytes: () => 1048576, backoffMs: () => 1000 });
    let appended = 0;
    let stop = false;
    const appender = appendDuring ? (async () => {
      while (!stop && swapped === 0) {
        m.getLog('t', 0).appendAsLeader(buildRecordBatch({ baseOffset: 0n, records: [{ key: null, value }] }), 0);
        appended++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })() : Promise.resolve();
    const t1 = performance.now();
    m.getOrCreateFutureLog('t', 0, dirs[1]);
    mover.addPartitions([{ topic: 't', partition: 0 }]);
    while (swapped === 0) await new Promise((r) => setTimeout(r, 1));
    const moveMs = performance.now() - t1;
    stop = true;
    await appender;
    const moved = m.getLog('t', 0);
    if (moved.logDir !== dirs[1]) throw new Error('not moved');
    const movedBytes = dirBytes(moved.dir);
    mover.shutdown();
    await m.shutdown();
    return { bytes, cpMs, moveMs, movedBytes, appended };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

for (const during of (process.env.ORDER === "appends-first" ? [true, false] : [false, true])) {
  const r = await run(during);
  const mb = (b) => b / 1048576;
  console.log(`${during ? 'with appends (one ' + BATCH_KB + ' KB batch / 5 ms)' : 'idle partition'}: moved ${mb(r.movedBytes).toFixed(0)} MB in ${(r.moveMs / 1000).toFixed(2)} s = ${(mb(r.movedBytes) / (r.moveMs / 1000)).toFixed(0)} MB/s`
    + `${during ? ` (${r.appended} batches appended meanwhile)` : ''}; ceiling cp -r + sync of ${mb(r.bytes).toFixed(0)} MB: ${(mb(r.bytes) / (r.cpMs / 1000)).toFixed(0)} MB/s; load ${loadavg()[0].toFixed(1)}`);
}
