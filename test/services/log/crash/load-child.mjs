// Loads a log dir with the compiled LogManager (so recovery can run in worker threads) and prints a JSON summary.
// Usage: node load-child.mjs <compiled src dir> <log dir> <workers|inline> [threads]
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';

const [root, dir, mode, threads = '2'] = process.argv.slice(2);
const lib = (m) => import(pathToFileURL(path.join(root, m)).href);
const { LogManager } = await lib('services/log/log-manager.js');
const { KafkaConfig } = await lib('config/kafka-config.js');

const failures = [];
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
const m = await LogManager.create({
  logDirs: [dir], initialOfflineDirs: [],
  config: KafkaConfig.fromProps({ 'zookeeper.connect': 'x:1', 'log.dirs': dir, 'num.recovery.threads.per.data.dir': threads }),
  log: pino({ level: 'silent' }), onDirFailure: (d, e) => failures.push(e.message), recoveryInWorkers: mode === 'workers', workerRecoveryMinBytes: 0,
});
const s = await m.loadLogs();
h.disable();
const logs = m.allLogs().map((l) => ({ key: `${l.topic}-${l.partition}`, leo: String(l.logEndOffset), rp: String(l.recoveryPoint), lso: String(l.logStartOffset), segments: l.segmentBaseOffsets().map(String) })).sort((a, b) => (a.key < b.key ? -1 : 1));
await m.shutdown();
console.log(JSON.stringify({ summary: { ...s, durationMs: undefined }, logs, failures, maxLoopBlockMs: h.max / 1e6, durationMs: s.durationMs }));
