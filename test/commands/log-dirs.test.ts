/**
 * `rafka log-dirs check [--fix]`: the compat fixture (real Kafka 2.7.1, unclean: missing active-segment indexes),
 * Rafka-written log dirs, broken copies (corrupt tail, flipped byte, leftover temp files, orphan index, -delete dir,
 * checkpoints past the end, inconsistent meta.properties), --json schema, --fix then a clean second check.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/commands/log-dirs.js';
import { copyCompat, makeTmpDir, rmrf } from '../services/log/tmp.js';
import { runCli, writeRafkaPartition } from '../tools/log/helpers.js';

const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});
async function compat(): Promise<string> {
  const d = await copyCompat();
  cleanup.push(path.dirname(d));
  return d;
}
async function tmp(): Promise<string> {
  const d = await makeTmpDir('rafka-logdirs-');
  cleanup.push(d);
  return d;
}
const check = (...argv: string[]) => runCli(run, ['check', ...argv]);

/** A Rafka log dir: meta.properties, two partitions, checkpoints matching the logs. */
function rafkaLogDir(root: string, name = 'logs', brokerId = 1): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'meta.properties'), `#\n#x\nversion=0\nbroker.id=${brokerId}\ncluster.id=abcdefghijklmnopqrstuv\n`);
  writeRafkaPartition(dir, { topic: 'orders' });
  writeRafkaPartition(dir, { topic: 'payments', batches: 2 });
  writeFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), '0\n2\norders 0 24\npayments 0 6\n');
  writeFileSync(path.join(dir, 'replication-offset-checkpoint'), '0\n2\norders 0 24\npayments 0 6\n');
  writeFileSync(path.join(dir, 'log-start-offset-checkpoint'), '0\n0\n');
  return dir;
}
const logsOf = (d: string) => readdirSync(d).filter((f) => f.endsWith('.log')).sort().map((f) => path.join(d, f));

describe('rafka log-dirs check on the compat fixture (real Kafka 2.7.1)', () => {
  it('summary per partition and the missing active-segment indexes; --fix rebuilds them, then clean', async () => {
    const root = await compat();
    const r = await check(root);
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`Log dir ${root}: broker.id 0, cluster.id d0053poFTbGwSWThjV1DEg, meta.properties version 0; no clean shutdown marker (a broker would recover)`);
    expect(lines[1]).toBe('Checkpoints: recovery-point-offset-checkpoint (53 entries), log-start-offset-checkpoint (0 entries), replication-offset-checkpoint (53 entries), cleaner-offset-checkpoint (3 entries)');
    expect(lines[2]).toBe('PARTITION              KIND     SEGMENTS  SIZE  LOG START  LOG END  BATCHES  RECORDS  PROBLEMS');
    expect(lines).toContain('__consumer_offsets-39  current  2         509   0          20       4        5        2');
    expect(lines).toContain('myTopic-0              current  1         0     38         38       0        0        -');
    expect(lines).toContain('__consumer_offsets-0   current  1         0     0          0        0        0        -');
    expect(lines).toContain('Problems (10):');
    expect(lines).toContain(`${root}/__consumer_offsets-39/00000000000000000018.index: missing-index: missing for 00000000000000000018.log (148 bytes) [--fix: recover the segment: rebuild its indexes]`);
    expect(r.err).toBe('rafka log-dirs: 10 problems found (10 fixable with --fix)\n');

    const j = JSON.parse((await check(root, '--json')).out);
    const p39 = j.dirs[0].partitions.find((p: any) => p.name === '__consumer_offsets-39');
    expect(p39).toMatchObject({ segments: 2, batches: 4, records: 5, logStartOffset: 0, logEndOffset: 20, sizeInBytes: 509 });
    expect(p39.segmentDetails.map((s: any) => [s.baseOffset, s.firstOffset, s.lastOffset, s.batches, s.records])).toEqual([[0, 4, 17, 3, 3], [18, 18, 19, 1, 2]]);
    const ends = Object.fromEntries(j.dirs[0].partitions.filter((p: any) => p.logEndOffset > 0).map((p: any) => [p.name, p.logEndOffset]));
    expect(ends).toEqual({ '__consumer_offsets-17': 3, '__consumer_offsets-28': 3, '__consumer_offsets-33': 3, '__consumer_offsets-39': 20, '__consumer_offsets-8': 3, 'myTopic-0': 38, 'test_topic-0': 12, 'test_topic_0603-0': 9 });

    const before = readFileSync(path.join(root, '__consumer_offsets-39/00000000000000000018.log'));
    const f = await check(root, '--fix');
    expect(f.out.indexOf('Will fix (5):')).toBeGreaterThan(0);
    expect(f.out.indexOf('Will fix (5):')).toBeLessThan(f.out.indexOf('recovered 1 segment(s)'));
    expect(f.out).toContain('After fixing:');
    expect(f.code).toBe(0);
    expect(readFileSync(path.join(root, '__consumer_offsets-39/00000000000000000018.log'))).toEqual(before);
    const again = await check(root);
    expect(again.code).toBe(0);
    expect(again.out).toContain('No problems found.');
  });
});

describe('rafka log-dirs check on a broken copy of the compat fixture', () => {
  it('a flipped byte and a truncated tail in real Kafka segments; --fix repairs data and checkpoints, second check clean', async () => {
    const root = await compat();
    const s17 = path.join(root, '__consumer_offsets-17/00000000000000000000.log');
    const b = readFileSync(s17);
    b[100] ^= 0xff;
    writeFileSync(s17, b);
    const s39 = path.join(root, '__consumer_offsets-39/00000000000000000018.log');
    truncateSync(s39, 138);
    const r = await check(root);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`\\n${s17.replace(/[.]/g, '\\.')}: byte 0: corrupt: batch 0\\.\\.0: Record batch is corrupt \\(stored crc = 4034577635, computed crc = \\d+\\) \\[--fix: `));
    expect(r.out).toContain(`\n${s39}: byte 0: truncated: batch at offset 18 declares 148 bytes but only 138 remain [--fix: `);
    expect(r.out).toContain(`\n${root}/replication-offset-checkpoint: checkpoint: __consumer_offsets-39: offset 20 is past the log end offset 18 [--fix: `);
    const f = await check(root, '--fix');
    expect(f.out).toContain(`${root}/__consumer_offsets-17: run the broker's log recovery from segment 0: remove leftover .deleted/.cleaned files and orphan indexes, complete interrupted swaps, rebuild indexes; truncate 00000000000000000000.log at byte 0 (drops 390 bytes) and delete the 1 later segment(s) 1 (221 bytes, 2 records)\n`);
    expect(f.out).toContain(`${root}/__consumer_offsets-39: run the broker's log recovery from segment 18: remove leftover .deleted/.cleaned files and orphan indexes, complete interrupted swaps, rebuild indexes; truncate 00000000000000000018.log at byte 0 (drops 138 bytes)\n`);
    expect(f.out).toContain(`${root}/cleaner-offset-checkpoint: rewritten (__consumer_offsets-17 1 -> 0)`);
    expect(f.code, f.out).toBe(0);
    expect((await check(root)).code).toBe(0);
    expect(readFileSync(path.join(root, 'replication-offset-checkpoint'), 'utf8')).toContain('__consumer_offsets 39 18\n');
    expect(existsSync(path.join(root, '__consumer_offsets-17/00000000000000000001.log'))).toBe(false);
  });
});

describe('rafka log-dirs check on Rafka-written log dirs', () => {
  it('a clean dir exits 0 and the --json report has the documented shape', async () => {
    const dir = rafkaLogDir(await tmp());
    const r = await check(dir, '--json');
    expect(r.code, r.out).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['schema', 'dirs', 'problems', 'fixes']);
    expect(j.schema).toBe('rafka.log-dirs.check/1');
    expect(j.problems).toEqual([]);
    expect(j.fixes).toBeNull();
    expect(Object.keys(j.dirs[0])).toEqual(['dir', 'meta', 'cleanShutdown', 'partitions', 'checkpoints']);
    expect(j.dirs[0].meta).toEqual({ version: 0, brokerId: 1, clusterId: 'abcdefghijklmnopqrstuv' });
    const orders = j.dirs[0].partitions[0];
    expect(Object.keys(orders)).toEqual(['name', 'path', 'topic', 'partition', 'kind', 'sizeInBytes', 'segments', 'logStartOffset', 'logEndOffset', 'batches', 'records', 'problems', 'segmentDetails', 'recoverFrom']);
    expect(orders).toMatchObject({ name: 'orders-0', topic: 'orders', partition: 0, kind: 'current', logStartOffset: 0, logEndOffset: 24, batches: 8, records: 24, problems: 0, recoverFrom: null });
    expect(orders.segments).toBeGreaterThan(1);
  });

  it('corrupt tail + leftover temp files + orphan index + -delete dir: reported with positions; --fix prints the plan, repairs, second check clean', async () => {
    const dir = rafkaLogDir(await tmp());
    const orders = path.join(dir, 'orders-0');
    const logs = logsOf(orders);
    const last = logs.at(-1)!;
    const size = statSync(last).size;
    const start = lastBatchStart(last);
    truncateSync(last, size - 7);
    const payments = path.join(dir, 'payments-0');
    const plog = logsOf(payments)[0]!;
    const buf = readFileSync(plog);
    buf[buf.length - 5] ^= 0x01; // inside the last batch's records: CRC mismatch
    writeFileSync(plog, buf);
    copyFileSync(logs[0]!, `${logs[0]!}.cleaned`);
    writeFileSync(path.join(orders, '00000000000000009999.index'), Buffer.alloc(8));
    mkdirSync(path.join(dir, 'old-0.0123456789abcdef0123456789abcdef-delete'));
    writeFileSync(path.join(dir, 'old-0.0123456789abcdef0123456789abcdef-delete', '00000000000000000000.log'), '');

    const r = await check(dir);
    expect(r.code).toBe(1);
    const probs = r.out.split('\n').filter((l) => l.startsWith(dir));
    expect(probs).toContain(`${last}: byte ${start}: truncated: batch at offset 21 declares ${size - start} bytes but only ${size - start - 7} remain [--fix: recovery truncates ${last} to ${start} bytes (drops ${size - start - 7}) and deletes the later segments of the partition]`);
    expect(probs.some((l) => l.startsWith(`${plog}: byte `) && l.includes(': corrupt: batch 3..5: Record batch is corrupt (stored crc = '))).toBe(true);
    expect(probs).toContain(`${logs[0]!}.cleaned: temp-file: leftover .cleaned file [--fix: delete it (as the broker does at startup)]`);
    expect(probs).toContain(`${orders}/00000000000000009999.index: orphan-index: index file without its .log [--fix: delete it (as the broker does at startup)]`);
    expect(probs).toContain(`${dir}/old-0.0123456789abcdef0123456789abcdef-delete: delete-dir: partition directory marked for deletion, not deleted yet [--fix: delete the directory (the broker deletes it after startup)]`);
    // the checkpoints now point past the (valid) end
    expect(probs).toContain(`${dir}/recovery-point-offset-checkpoint: checkpoint: orders-0: offset 24 is past the log end offset 21 (data the broker flushed is missing) [--fix: lower it to the log end offset (as the broker does when it loads the log, then rewrites the file)]`);
    // read-only: nothing changed
    expect(statSync(last).size).toBe(size - 7);
    expect(existsSync(`${logs[0]!}.cleaned`)).toBe(true);

    const f = await check(dir, '--fix');
    const plan = f.out.indexOf('Will fix (4):');
    expect(plan).toBeGreaterThan(0);
    expect(f.out).toContain(`${orders}: run the broker's log recovery from segment ${Number(path.basename(last).slice(0, 20))}: remove leftover .deleted/.cleaned files and orphan indexes, complete interrupted swaps, rebuild indexes; truncate ${path.basename(last)} at byte ${start} (drops ${size - start - 7} bytes)\n`);
    expect(f.out).toContain(`${dir}/old-0.0123456789abcdef0123456789abcdef-delete: delete the directory marked for deletion`);
    expect(f.out.indexOf(`${orders}: recovered`)).toBeGreaterThan(plan);
    expect(f.out).toContain(`${dir}: after the repairs above, rewrite log-start-offset-checkpoint, recovery-point-offset-checkpoint, replication-offset-checkpoint where needed: drop entries`);
    expect(f.code, f.out).toBe(0);
    expect(statSync(last).size).toBe(start);
    expect(readFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), 'utf8')).toBe('0\n2\norders 0 21\npayments 0 3\n');
    expect(readFileSync(path.join(dir, 'replication-offset-checkpoint'), 'utf8')).toBe('0\n2\norders 0 21\npayments 0 3\n');
    expect(existsSync(`${logs[0]!}.cleaned`)).toBe(false);
    expect(existsSync(path.join(dir, 'old-0.0123456789abcdef0123456789abcdef-delete'))).toBe(false);
    const again = await check(dir, '--json');
    expect(again.code).toBe(0);
    const j = JSON.parse(again.out);
    expect(j.dirs[0].partitions.map((p: any) => [p.name, p.logEndOffset, p.records])).toEqual([['orders-0', 21, 21], ['payments-0', 3, 3]]);
  });

  it('corruption in a middle segment: the plan names the later segments recovery deletes; --fix does exactly that', async () => {
    const dir = rafkaLogDir(await tmp());
    const orders = path.join(dir, 'orders-0');
    const logs = logsOf(orders);
    expect(logs.length).toBeGreaterThanOrEqual(3);
    const mid = logs[1]!;
    const buf = readFileSync(mid);
    buf[buf.length - 3] ^= 0x10;
    writeFileSync(mid, buf);
    const start = lastBatchStart(mid);
    writeFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), '0\n1\npayments 0 6\n');
    writeFileSync(path.join(dir, 'replication-offset-checkpoint'), '0\n1\npayments 0 6\n');
    const later = logs.slice(2);
    const laterBytes = later.reduce((a, f) => a + statSync(f).size, 0);
    const j = JSON.parse((await check(dir, '--json')).out);
    const laterRecords = j.dirs[0].partitions[0].segmentDetails.slice(2).reduce((a: number, s: any) => a + s.records, 0);
    const f = await check(dir, '--fix');
    expect(f.out).toContain(`truncate ${path.basename(mid)} at byte ${start} (drops ${buf.length - start} bytes) and delete the ${later.length} later segment(s) ${later.map((l) => Number(path.basename(l).slice(0, 20))).join(', ')} (${laterBytes} bytes, ${laterRecords} records)\n`);
    expect(f.code, f.out).toBe(0);
    expect(logsOf(orders)).toEqual(logs.slice(0, 2));
    expect(statSync(mid).size).toBe(start);
  });

  it('an index disagreeing with its log, checkpoint entries for missing partitions, malformed checkpoint', async () => {
    const dir = rafkaLogDir(await tmp());
    const orders = path.join(dir, 'orders-0');
    const idx = readdirSync(orders).filter((f) => f.endsWith('.index')).sort().map((f) => path.join(orders, f)).find((f) => statSync(f).size >= 8)!;
    const b = readFileSync(idx);
    b.writeInt32BE(b.readInt32BE(0) + 1, 0); // entry 0 offset + 1
    writeFileSync(idx, b);
    writeFileSync(path.join(dir, 'replication-offset-checkpoint'), '0\n3\norders 0 24\npayments 0 6\ngone 0 5\n');
    writeFileSync(path.join(dir, 'log-start-offset-checkpoint'), '0\n2\norders 0\n');
    const r = await check(dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`${idx.replace(/[.]/g, '\\.')}: byte 0: index-mismatch: entry 0: offset \\d+ but the batch at position \\d+ ends at offset \\d+ \\[--fix: recover the segment: rebuild its indexes\\]`));
    expect(r.out).toContain(`${dir}/replication-offset-checkpoint: checkpoint: entry for gone-0 (offset 5) but there is no partition directory gone-0`);
    expect(r.out).toContain(`${dir}/log-start-offset-checkpoint: checkpoint: malformed: Malformed line in checkpoint file`);
    // a log start offset past the end would make a broker delete the partition's data: reported, never "fixed"
    writeFileSync(path.join(dir, 'log-start-offset-checkpoint'), '0\n1\npayments 0 50\n');
    const f = await check(dir, '--fix');
    expect(f.code).toBe(1);
    expect(f.out).toContain(`${dir}/replication-offset-checkpoint: rewritten (dropped gone-0 5)`);
    expect(readFileSync(path.join(dir, 'log-start-offset-checkpoint'), 'utf8')).toBe('0\n1\npayments 0 50\n');
    const after = f.out.slice(f.out.indexOf('After fixing:'));
    expect(after.split('\n').filter((l) => l.startsWith(dir))).toEqual([
      `${dir}/log-start-offset-checkpoint: checkpoint: payments-0: offset 50 is past the log end offset 6 (a broker would DELETE every segment of this partition at startup)`,
    ]);
  });

  it('meta.properties that disagree across dirs; usage errors exit 2', async () => {
    const root = await tmp();
    const a = rafkaLogDir(root, 'a', 1);
    const b = rafkaLogDir(root, 'b', 2);
    const r = await check(a, b);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${a}/meta.properties: meta-properties: broker.id is 1 here but the log dirs disagree (1, 2)`);
    expect(r.out).toContain(`${b}/meta.properties: meta-properties: broker.id is 2 here but the log dirs disagree (1, 2)`);
    expect((await runCli(run, [])).code).toBe(2);
    expect((await runCli(run, ['check'])).code).toBe(2);
    expect((await runCli(run, ['repair', a])).code).toBe(2);
  });
});

/** Start of the last batch of a `.log` file (walks the length fields). */
function lastBatchStart(file: string): number {
  const b = readFileSync(file);
  let pos = 0;
  let last = 0;
  while (pos + 12 <= b.length) {
    last = pos;
    pos += b.readInt32BE(pos + 8) + 12;
  }
  return last;
}
