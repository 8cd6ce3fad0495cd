/**
 * replication-offset-checkpoint: Kafka's format (version 0, count, `topic partition offset`), one file per log dir,
 * read back by a new broker process (a fresh HighWatermarkCheckpoints), a partition missing from it starts at HW 0,
 * and the ReplicaManager writes the high watermarks its Partitions moved.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { HighWatermarkCheckpoints } from '../../../src/services/replication/high-watermark-checkpoint.js';
import { KafkaStorageError } from '../../../src/services/log/log-errors.js';
import { makeTmpDir, rmrf } from '../log/tmp.js';

const cleanup: string[] = [];
afterEach(async () => { while (cleanup.length) await rmrf(cleanup.pop()!); });
const silent = createLogger('silent');

describe('HighWatermarkCheckpoints', () => {
  it('writes Kafka\'s file per log dir and a new process reads it back', async () => {
    const a = await makeTmpDir(); const b = await makeTmpDir();
    cleanup.push(a, b);
    const w = new HighWatermarkCheckpoints(silent);
    w.write([
      { logDir: a, topic: 'orders', partition: 0, highWatermark: 42n },
      { logDir: a, topic: 'my-topic.x', partition: 11, highWatermark: 7n },
      { logDir: b, topic: 'orders', partition: 1, highWatermark: 5n },
    ], [a, b]);
    expect(readFileSync(path.join(a, 'replication-offset-checkpoint'), 'utf8')).toBe('0\n2\norders 0 42\nmy-topic.x 11 7\n');
    expect(readFileSync(path.join(b, 'replication-offset-checkpoint'), 'utf8')).toBe('0\n1\norders 1 5\n');
    const r = new HighWatermarkCheckpoints(silent);
    expect(r.fetch(a, 'orders', 0)).toBe(42n);
    expect(r.fetch(a, 'my-topic.x', 11)).toBe(7n);
    expect(r.fetch(b, 'orders', 1)).toBe(5n);
    expect(r.fetch(b, 'orders', 0)).toBeNull(); // not in that dir's file: the partition starts at HW 0
    // a dir whose partitions all went away gets an empty file
    w.write([], [a]);
    expect(readFileSync(path.join(a, 'replication-offset-checkpoint'), 'utf8')).toBe('0\n0\n');
  });

  it('a missing file reads as empty (HW 0); an unreadable one takes the dir offline and fails the lookup (Kafka)', async () => {
    const d = await makeTmpDir();
    cleanup.push(d);
    const failed: string[] = [];
    expect(new HighWatermarkCheckpoints(silent, (dir) => failed.push(dir)).fetch(d, 't', 0)).toBeNull();
    expect(failed).toEqual([]);
    writeFileSync(path.join(d, 'replication-offset-checkpoint'), '0\n5\ngarbage\n');
    const c = new HighWatermarkCheckpoints(silent, (dir) => failed.push(dir));
    expect(() => c.fetch(d, 't', 0)).toThrow(/Error while reading checkpoint file/);
    expect(() => c.fetch(d, 't', 1)).toThrow(KafkaStorageError); // the dir stays failed
    expect(failed).toEqual([d]);
  });

  it('a failed write takes its dir offline', async () => {
    const d = await makeTmpDir();
    cleanup.push(d);
    const failed: string[] = [];
    const missing = path.join(d, 'gone');
    new HighWatermarkCheckpoints(silent, (dir) => failed.push(dir)).write([{ logDir: missing, topic: 't', partition: 0, highWatermark: 1n }], [d]);
    expect(failed).toEqual([missing]);
  });

  it('writeAsync (the periodic write, off the event loop): same file; a call while one runs is skipped; a sync write meanwhile leaves a valid file; a failure takes the dir offline', async () => {
    const d = await makeTmpDir();
    cleanup.push(d);
    const failed: string[] = [];
    const w = new HighWatermarkCheckpoints(silent, (dir) => failed.push(dir));
    const first = w.writeAsync([{ logDir: d, topic: 't', partition: 0, highWatermark: 9n }], [d]);
    const second = w.writeAsync([{ logDir: d, topic: 't', partition: 0, highWatermark: 10n }], [d]);
    expect(second).toBe(first); // skipped: the next tick writes newer values
    // the shutdown's synchronous write while the asynchronous one is in flight: its own temporary file
    w.write([{ logDir: d, topic: 't', partition: 0, highWatermark: 11n }], [d]);
    await first;
    expect(['0\n1\nt 0 9\n', '0\n1\nt 0 11\n']).toContain(readFileSync(path.join(d, 'replication-offset-checkpoint'), 'utf8'));
    await w.writeAsync([{ logDir: d, topic: 't', partition: 0, highWatermark: 12n }], [d]);
    expect(readFileSync(path.join(d, 'replication-offset-checkpoint'), 'utf8')).toBe('0\n1\nt 0 12\n');
    expect(new HighWatermarkCheckpoints(silent).fetch(d, 't', 0)).toBe(12n);
    expect(failed).toEqual([]);
    const missing = path.join(d, 'gone');
    await w.writeAsync([{ logDir: missing, topic: 't', partition: 0, highWatermark: 1n }], [d]);
    expect(failed).toEqual([missing]);
  });
});
