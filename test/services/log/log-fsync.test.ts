/**
 * fsync accounting on the Log level: with `flush.messages=1` an acknowledged append leaves nothing of the partition
 * dir unsynced; a roll's writes (rolled segment's trimmed indexes, producer snapshot, new segment's dir entry) are
 * fsynced before the recovery point passes them; checkpoints are synced before they replace the old file.
 * A removed fsync on any of these paths fails here in a second (the power-cut tests check the same on a real
 * filesystem that drops unsynced data: test/integration/power-cut.test.ts).
 */
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Log } from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../src/services/log/log-config.js';
import { CheckpointFile } from '../../../src/services/log/checkpoint-file.js';
import { topicPartitionOffsetFormat } from '../../../src/services/log/offset-checkpoint-file.js';
import { makeTmpDir, rmrf } from './tmp.js';
import { encodeBatch, pad20 } from './log-test-helpers.js';
import { recordFsyncs, type FsyncRecorder } from './fsync-recorder.js';

const cleanup: string[] = [];
let rec: FsyncRecorder;
beforeEach(async () => {
  rec = await recordFsyncs();
});
afterEach(async () => {
  rec.restore();
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

const base: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 4000, indexIntervalBytes: 300, maxIndexSize: 4096 };
/** One idempotent-producer batch of 4 records of 200 bytes (≈ 900 bytes): a roll every 4 batches. */
const batch = (seq: number, ts: number): Buffer =>
  encodeBatch(Array.from({ length: 4 }, (_, i) => ({ key: null, value: Buffer.alloc(200, 97 + i), timestamp: ts + i })), { producerId: 7n, producerEpoch: 0, baseSequence: seq });

async function newLog(config: LogConfig): Promise<{ log: Log; dir: string }> {
  const root = await makeTmpDir('rafka-fsync-');
  cleanup.push(root);
  const dir = path.join(root, 't-0');
  const log = Log.create({ dir, topic: 't', partition: 0, config });
  return { log, dir };
}

const inDir = (dir: string, set: Iterable<string>): string[] => [...set].filter((p) => p === dir || p.startsWith(dir + path.sep)).map((p) => path.relative(dir, p) || '.');

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Log fsyncs', () => {
  it('flush.messages=1: after every acknowledged append, rolls included, nothing in the partition dir is unsynced', async () => {
    const { log, dir } = await newLog({ ...base, flushMessages: 1 });
    let rolls = 0;
    for (let i = 0; i < 20; i++) {
      const before = log.numberOfSegments;
      rec.reset();
      log.appendAsLeader(batch(i * 4, 1_000_000 + i * 10), 1);
      if (log.numberOfSegments > before) rolls++;
      // the append itself was made durable by this call, not by a later background flush
      expect(rec.syncs.map((p) => path.relative(dir, p))).toContain(`${pad20(log.activeSegment.baseOffset)}.log`);
      expect({ i, files: inDir(dir, rec.dirtyFiles), dirs: inDir(dir, rec.dirtyDirs) }).toEqual({ i, files: [], dirs: [] });
      expect(log.recoveryPoint).toBe(log.logEndOffset);
    }
    expect(rolls).toBeGreaterThanOrEqual(3);
    log.close();
  });

  it('default flushing: a roll fsyncs the rolled segment, its trimmed indexes, the producer snapshot and the dir before the recovery point moves to the new segment', async () => {
    const { log, dir } = await newLog(base);
    let i = 0;
    while (log.numberOfSegments < 2) log.appendAsLeader(batch(i * 4, 1_000_000 + i++ * 10), 1);
    const rolled = log.segmentBaseOffsets()[0]!;
    const newBase = log.activeSegment.baseOffset;
    await until(() => log.recoveryPoint === newBase, 'the flush scheduled by the roll');
    const synced = rec.syncs.map((p) => path.relative(dir, p) || '.');
    for (const f of [`${pad20(rolled)}.log`, `${pad20(rolled)}.index`, `${pad20(rolled)}.timeindex`, `${pad20(newBase)}.snapshot`, '.']) {
      expect(synced).toContain(f);
    }
    expect(inDir(dir, rec.dirtyFiles).filter((f) => !f.startsWith(pad20(newBase)))).toEqual([]);
    expect(inDir(dir, rec.dirtyDirs)).toEqual([]);
    log.close();
  });

  it('flush.messages=1: a roll right after a flush still makes the rolled segment\'s roll writes and the snapshot durable (the recovery point is already there)', async () => {
    const { log, dir } = await newLog({ ...base, flushMessages: 1 });
    let i = 0;
    while (log.numberOfSegments < 2) log.appendAsLeader(batch(i * 4, 1_000_000 + i++ * 10), 1);
    // the roll happened in the last append; whatever the background flush does, the sync flush of that append
    // already covered the roll
    const rolled = log.segmentBaseOffsets()[0]!;
    expect(inDir(dir, rec.dirtyFiles)).toEqual([]);
    await until(() => !inDir(dir, rec.syncs).every((f) => f !== `${pad20(log.activeSegment.baseOffset)}.snapshot`), 'snapshot fsync');
    expect(inDir(dir, rec.syncs)).toContain(`${pad20(rolled)}.timeindex`);
    log.close();
  });

  it('a synchronous flush while the roll\'s background flush is in flight still fsyncs the dir holding the new segment', async () => {
    const { log, dir } = await newLog(base);
    let i = 0;
    while (log.numberOfSegments < 2) log.appendAsLeader(batch(i * 4, 1_000_000 + i++ * 10), 1);
    // no await: the roll's flushAsync has started but not finished
    expect(inDir(dir, rec.dirtyDirs)).toEqual(['.']);
    log.flush();
    expect(inDir(dir, rec.dirtyDirs)).toEqual([]);
    expect(inDir(dir, rec.dirtyFiles)).toEqual([]);
    await until(() => log.recoveryPoint === log.logEndOffset, 'flushes');
    log.close();
  });

  it('close() fsyncs the producer snapshot and every segment\'s .log', async () => {
    const { log, dir } = await newLog(base);
    for (let i = 0; i < 6; i++) log.appendAsLeader(batch(i * 4, 1_000_000 + i * 10), 1);
    await until(() => log.recoveryPoint === log.activeSegment.baseOffset, 'roll flush');
    log.flush();
    rec.reset();
    const leo = log.logEndOffset;
    log.close();
    const synced = inDir(dir, rec.syncs);
    expect(synced).toContain(`${pad20(leo)}.snapshot`);
    expect(synced).toContain(`${pad20(log.activeSegment.baseOffset)}.log`);
  });

  it('partition.metadata, leader-epoch-checkpoint and offset checkpoints: the .tmp is fsynced before the rename, the dir after it', async () => {
    const { log, dir } = await newLog(base);
    rec.reset();
    log.assignTopicId('q3XcM0cVRPWdAvsIg-XnXQ');
    log.appendAsLeader(batch(0, 1_000_000), 5); // a new leader epoch: leader-epoch-checkpoint rewritten
    const synced = inDir(dir, rec.syncs);
    for (const f of ['partition.metadata', 'leader-epoch-checkpoint']) {
      const tmp = synced.indexOf(`${f}.tmp`);
      expect(tmp, f).toBeGreaterThanOrEqual(0);
      expect(synced.indexOf('.', tmp), f).toBeGreaterThan(tmp);
    }
    expect(inDir(dir, rec.dirtyDirs).filter((d) => d !== '.' || log.recoveryPoint < log.logEndOffset)).toEqual([]);
    const root = path.dirname(dir);
    rec.reset();
    await new CheckpointFile(path.join(root, 'recovery-point-offset-checkpoint'), 0, topicPartitionOffsetFormat).write([{ topic: 't', partition: 0, offset: 4n }]);
    const s2 = inDir(root, rec.syncs);
    expect(s2).toEqual(['recovery-point-offset-checkpoint.tmp', '.']);
    log.close();
  });
});
