// Writes to and reads from many partitions through the compiled LogManager under whatever `ulimit -n` the caller
// set, then restarts and checks every log. Prints a JSON summary (never throws: errors are reported).
// Usage: node fd-child.mjs <compiled src dir> <log dir> <partitions>
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';

const [root, dir, partitionsArg] = process.argv.slice(2);
const partitions = Number(partitionsArg);
const lib = (m) => import(pathToFileURL(path.join(root, m)).href);
const { LogManager } = await lib('services/log/log-manager.js');
const { KafkaConfig } = await lib('config/kafka-config.js');
const { buildRecordBatch } = await lib('services/log/record-batch.js');
const { segmentHandles } = await lib('services/log/segment-handle-cache.js');

let maxFds = 0;
const sample = () => (maxFds = Math.max(maxFds, fs.readdirSync('/proc/self/fd').length));
const failures = [];
const create = () => LogManager.create({
  logDirs: [dir], initialOfflineDirs: [], config: KafkaConfig.fromProps({ 'zookeeper.connect': 'x:1', 'log.dirs': dir }),
  log: pino({ level: 'silent' }), onDirFailure: (d, e) => failures.push(e.message),
});
const batch = (p, round) => buildRecordBatch({ records: [{ key: `k${p}`, value: Buffer.alloc(100, 97 + round), timestamp: 1_700_000_000_000 + round }] });
const inGroups = async (n, size, f) => {
  for (let i = 0; i < n; i += size) await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, j) => f(i + j)));
};

try {
  let m = await create();
  await m.loadLogs();
  // round 0, a roll (the new active segment's indexes are created preallocated), rounds 1 and 2: by then most
  // segments have given their fds back several times
  for (let round = 0; round < 3; round++) {
    for (let p = 0; p < partitions; p++) {
      if (round === 1) m.getLog('fd', p).roll();
      m.getOrCreateLog('fd', p).appendAsLeader(batch(p, round), 0);
      sample();
    }
  }
  // async reads and fsyncs hold their segment's fds across awaits (pinned), 16 at a time
  let bytes = 0;
  await inGroups(partitions, 16, async (p) => {
    const r = await m.getLog('fd', p).readAsync(0n, 1 << 20);
    bytes += r.records.length;
    await m.getLog('fd', p).flushAsync();
    sample();
  });
  await m.checkpointRecoveryPoints();
  await m.shutdown();
  // restart (clean): every log has both batches, its indexes load, a read by offset works
  m = await create();
  const s = await m.loadLogs();
  const bad = [];
  for (let p = 0; p < partitions; p++) {
    const l = m.getLog('fd', p);
    // segments 0 and 1 only: an active segment whose indexes were released reopens them at their preallocated
    // size (trimmed ones would look full and roll again)
    if (!l || l.logEndOffset !== 3n || l.segmentBaseOffsets().join() !== '0,1' || l.read(2n, 1 << 20).records.length === 0) bad.push(p);
    sample();
  }
  await m.shutdown();
  console.log(JSON.stringify({ ok: true, maxFds, releases: segmentHandles.releases, maxOpen: segmentHandles.maxOpen, bytes, loaded: s.logs, bad, failures }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: `${e.message} ${e.cause?.message ?? ''}`, maxFds, failures }));
}
