// Crash-test child: opens (recovering) or creates one partition log with flush.messages=1 and appends forever,
// printing "ack <firstOffset> <lastOffset>" after each append returned (i.e. after its fsync). Killed with -9.
// Usage: node append-child.mjs <compiled services/log dir> <partition dir> <seed>
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [libDir, dir, seedArg] = process.argv.slice(2);
const lib = (m) => import(pathToFileURL(path.join(libDir, m)).href);
const { Log } = await lib('log.js');
const { DEFAULT_LOG_CONFIG } = await lib('log-config.js');
const { buildRecordBatch } = await lib('record-batch.js');

let seed = Number(seedArg) >>> 0 || 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);

const config = { ...DEFAULT_LOG_CONFIG, flushMessages: 1, segmentBytes: 32 * 1024, indexIntervalBytes: 512, maxIndexSize: 4096 };
const log = fs.existsSync(dir)
  ? Log.load({ dir, topic: 'crash', partition: 0, config, hadCleanShutdown: false, recoveryPoint: 0n }).log
  : Log.create({ dir, topic: 'crash', partition: 0, config });
process.stdout.write(`ready ${log.logEndOffset}\n`);
for (;;) {
  const first = log.logEndOffset;
  const n = 1 + Math.floor(rnd() * 5);
  const records = [];
  for (let i = 0; i < n; i++) {
    const o = first + BigInt(i);
    records.push({ key: `k${o}`, value: `rec-${o}-`.padEnd(20 + Math.floor(rnd() * 900), 'x'), timestamp: Date.now() });
  }
  const r = log.appendAsLeader(buildRecordBatch({ records }), 1);
  process.stdout.write(`ack ${r.firstOffset} ${r.lastOffset}\n`);
}
