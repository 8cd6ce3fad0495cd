import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogManager } from '../../../src/services/log/log-manager.js';
import { makeTmpDir, rmrf } from './tmp.js';
import { captureLogger, encodeBatch, makeConfig, pad20 } from './log-test-helpers.js';

const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

const FUTURE = 't-1.0123456789abcdef0123456789abcdef-future';
const STRAY = 't-0.fedcba9876543210fedcba9876543210-stray';

/** A partition dir with `n` two-record batches in one segment (offsets 0..2n-1), no indexes (built by recovery). */
function writePartition(dir: string, n: number): Buffer {
  mkdirSync(dir, { recursive: true });
  const bufs = Array.from({ length: n }, (_, i) =>
    encodeBatch([{ value: Buffer.alloc(100, 97), timestamp: 1000 + i }, { value: Buffer.alloc(100, 98), timestamp: 1000 + i }], { baseOffset: BigInt(2 * i) }));
  const all = Buffer.concat(bufs);
  writeFileSync(path.join(dir, `${pad20(0)}.log`), all);
  return all;
}

async function setup(layout: (d: string) => void) {
  const root = await makeTmpDir();
  cleanup.push(root);
  const d = path.join(root, 'data');
  mkdirSync(d, { recursive: true });
  layout(d);
  const { logger, lines } = captureLogger();
  const m = await LogManager.create({ logDirs: [d], initialOfflineDirs: [], config: makeConfig([d]), log: logger, onDirFailure: () => {} });
  return { m, d, lines };
}

describe('LogManager: -future and -stray partition dirs (Kafka ZK-mode LogManager.loadLog)', () => {
  it('a -future log is loaded (recovered), kept, not served, checkpointed and closed; a -stray log is recovered and reported', async () => {
    let strayBytes = 0;
    const { m, d, lines } = await setup((dir) => {
      writePartition(path.join(dir, 't-0'), 3);
      writePartition(path.join(dir, FUTURE), 5);
      const stray = writePartition(path.join(dir, STRAY), 4);
      appendFileSync(path.join(dir, STRAY, `${pad20(0)}.log`), Buffer.alloc(100)); // torn tail: recovery cuts it
      strayBytes = stray.length;
    });
    const s = await m.loadLogs();
    expect([s.logs, s.futureLogs, s.strayLogs]).toEqual([1, 1, 1]);
    expect(m.getLog('t', 1)).toBeUndefined(); // not served
    expect(m.getFutureLog('t', 1)!.logEndOffset).toBe(10n);
    expect(m.getFutureLog('t', 1)!.dir).toBe(path.join(d, FUTURE));
    expect(m.allLogs().map((l) => `${l.topic}-${l.partition}`)).toEqual(['t-0']);
    expect(m.strayLogPaths).toEqual([path.join(d, STRAY)]);
    expect(lines.some((l) => l.msg === `Loaded stray log: ${path.join(d, STRAY)}`)).toBe(true);
    expect(statSync(path.join(d, STRAY, `${pad20(0)}.log`)).size).toBe(strayBytes);
    expect(existsSync(path.join(d, FUTURE, `${pad20(0)}.index`))).toBe(true); // rebuilt by recovery

    m.updateTopicConfig('t', { 'retention.ms': '12345' }); // topic config changes reach the future log (Kafka logsByTopic)
    expect(m.getFutureLog('t', 1)!.config.retentionMs).toBe(12345);
    await m.checkpointRecoveryPoints();
    expect(readFileSync(path.join(d, 'recovery-point-offset-checkpoint'), 'utf8').split('\n').slice(2).sort()).toEqual(['', 't 0 0', 't 1 0']);
    await m.shutdown();
    // a clean shutdown flushed and closed the future log too: both partitions at their LEO in the checkpoint
    expect(readFileSync(path.join(d, 'recovery-point-offset-checkpoint'), 'utf8').split('\n').slice(2).sort()).toEqual(['', 't 0 6', 't 1 10']);
    expect(existsSync(path.join(d, '.kafka_cleanshutdown'))).toBe(true);
    expect(existsSync(path.join(d, STRAY))).toBe(true); // left alone
  });

  it('deleting the topic deletes its future replica too', async () => {
    const { m, d } = await setup((dir) => {
      writePartition(path.join(dir, 't-0'), 1);
      writePartition(path.join(dir, FUTURE), 1);
    });
    await m.loadLogs();
    expect(m.deleteTopic('t')).toBe(2);
    expect(m.getFutureLog('t', 1)).toBeUndefined();
    expect(readdirSync(d).filter((n) => n.startsWith('t-')).every((n) => n.endsWith('-delete'))).toBe(true);
    await m.shutdown();
  });

  it('two -future dirs of one partition are fatal, as in Kafka', async () => {
    const { m } = await setup((dir) => {
      writePartition(path.join(dir, FUTURE), 1);
      writePartition(path.join(dir, 't-1.11111111111111111111111111111111-future'), 1);
    });
    await expect(m.loadLogs()).rejects.toThrow(/^Duplicate log directories found: /);
    await m.shutdown();
  });
});
