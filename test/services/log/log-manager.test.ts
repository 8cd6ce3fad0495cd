import { execFileSync } from 'node:child_process';
import {
  promises as fsp, existsSync, readFileSync, statSync, mkdirSync, writeFileSync, truncateSync, appendFileSync, readdirSync, rmSync,
  openSync, writeSync, closeSync,
} from 'node:fs';
import { KafkaStorageError, type Log } from '../../../src/services/log/log.js';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogManager, NoLiveLogDirError } from '../../../src/services/log/log-manager.js';
import { copyCompat, makeTmpDir, rmrf } from './tmp.js';
import { captureLogger, encodeBatch, makeConfig, pad20, decodeLog } from './log-test-helpers.js';
import { pyDecode } from './kafka-python.js';

const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

const EXPECTED_LEO: Record<string, bigint> = {
  '__consumer_offsets-39': 20n,
  '__consumer_offsets-17': 3n,
  '__consumer_offsets-28': 3n,
  '__consumer_offsets-33': 3n,
  '__consumer_offsets-8': 3n,
  'myTopic-0': 38n,
  'test_topic-0': 12n,
  'test_topic_0603-0': 9n,
};

async function manager(dirs: string[], props: Record<string, string> = {}, failures: Array<[string, Error]> = []) {
  const { logger, lines } = captureLogger();
  const m = await LogManager.create({
    logDirs: dirs,
    initialOfflineDirs: [],
    config: makeConfig(dirs, props),
    log: logger,
    onDirFailure: (d, e) => failures.push([d, e]),
  });
  return { m, lines, failures };
}

function value(i: number, size = 100): Buffer {
  return Buffer.alloc(size, String.fromCharCode(97 + (i % 26)));
}

describe('LogManager on the Kafka 2.7.1 fixture', () => {
  for (const withMarker of [false, true]) {
    it(`loads every partition with the README's log end offsets (${withMarker ? 'with' : 'without'} .kafka_cleanshutdown)`, async () => {
      const dir = await copyCompat();
      cleanup.push(path.dirname(dir));
      if (withMarker) await fsp.writeFile(path.join(dir, '.kafka_cleanshutdown'), '');
      const { m, failures } = await manager([dir]);
      const summary = await m.loadLogs();
      expect(failures).toEqual([]);
      expect(summary.logs).toBe(53);
      expect(summary.hadCleanShutdown).toEqual(withMarker ? [dir] : []);
      expect(existsSync(path.join(dir, '.kafka_cleanshutdown'))).toBe(false);
      expect(summary.truncatedBytes).toBe(0);
      for (const l of m.allLogs()) {
        const key = `${l.topic}-${l.partition}`;
        expect(l.logEndOffset, key).toBe(EXPECTED_LEO[key] ?? 0n);
      }
      expect(m.getLog('myTopic', 0)!.logStartOffset).toBe(38n);
      // (0, 38) starts AT the LEO: Kafka's LogLoader calls truncateFromEnd(LEO), which drops it (the leader
      // re-adds it when it becomes leader again).
      expect(m.getLog('myTopic', 0)!.leaderEpochEntries()).toEqual([]);
      expect(m.getLog('__consumer_offsets', 39)!.leaderEpochEntries()[0]!.epoch).toBe(0);
      // the compacted partition with gaps: read everything, kafka-python decodes the same offsets
      const l39 = m.getLog('__consumer_offsets', 39)!;
      // a read stays inside one segment (as Kafka): fetch until the LEO
      const offsets: number[] = [];
      for (let next = 0n; next < l39.logEndOffset; ) {
        const dec = pyDecode(l39.read(next, 1 << 20).records);
        expect(dec.every((b) => b.crcOk)).toBe(true);
        offsets.push(...dec.flatMap((b) => b.records.map((x) => x.offset)));
        next = BigInt(dec[dec.length - 1]!.baseOffset! + dec[dec.length - 1]!.lastOffsetDelta! + 1);
      }
      expect(offsets[offsets.length - 1]).toBe(19);
      expect(offsets[0]).toBe(4);
      if (!withMarker) expect(summary.recoveredSegments).toBeGreaterThan(0);
      // appends continue after the fixture's data
      const a = m.getLog('myTopic', 0)!.appendAsLeader(encodeBatch([{ value: value(1), timestamp: Date.now() }]), 1);
      expect(a.firstOffset).toBe(38n);
      await m.shutdown();
      expect(existsSync(path.join(dir, '.kafka_cleanshutdown'))).toBe(true);
      expect(existsSync(path.join(dir, '.lock'))).toBe(false);
      const rp = readFileSync(path.join(dir, 'recovery-point-offset-checkpoint'), 'utf8').split('\n');
      expect(rp[0]).toBe('0');
      expect(rp[1]).toBe('53');
      expect(rp).toContain('myTopic 0 39');
      expect(rp).toContain('__consumer_offsets 39 20');
      // snapshot at the LEO after a clean close
      expect(existsSync(path.join(dir, 'myTopic-0', `${pad20(39)}.snapshot`))).toBe(true);
      // second start: clean, nothing recovered
      const again = await manager([dir]);
      const s2 = await again.m.loadLogs();
      expect(s2.hadCleanShutdown).toEqual([dir]);
      expect(s2.recoveredSegments).toBe(0);
      expect(again.m.getLog('myTopic', 0)!.logEndOffset).toBe(39n);
      await again.m.shutdown();
    });
  }
});

describe('LogManager lifecycle', () => {
  it('creates logs in the dir with the fewest partitions, appends, reads, checkpoints, writes the marker', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const d1 = path.join(root, 'a');
    const d2 = path.join(root, 'b');
    const { m } = await manager([d1, d2]);
    expect(existsSync(path.join(d1, 'recovery-point-offset-checkpoint'))).toBe(true);
    expect(existsSync(path.join(d2, 'log-start-offset-checkpoint'))).toBe(true);
    await m.loadLogs();
    const l0 = m.getOrCreateLog('t', 0);
    const l1 = m.getOrCreateLog('t', 1, { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' });
    const l2 = m.getOrCreateLog('t', 2);
    expect(l0.logDir).toBe(d1);
    expect(l1.logDir).toBe(d2);
    expect(l2.logDir).toBe(d1);
    expect(readFileSync(path.join(d2, 't-1', 'partition.metadata'), 'utf8')).toBe('version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ');
    expect(m.getOrCreateLog('t', 0)).toBe(l0);
    for (let i = 0; i < 10; i++) l0.appendAsLeader(encodeBatch([{ value: value(i), timestamp: 1000 + i }, { value: value(i + 1), timestamp: 1000 + i }]), 3);
    expect(l0.logEndOffset).toBe(20n);
    const r = l0.read(4n, 1 << 20);
    const dec = pyDecode(r.records);
    expect(dec[0]!.baseOffset).toBe(4);
    expect(dec.every((b) => b.crcOk && b.partitionLeaderEpoch === 3)).toBe(true);
    l0.flush();
    await m.checkpointRecoveryPoints();
    expect(readFileSync(path.join(d1, 'recovery-point-offset-checkpoint'), 'utf8')).toBe('0\n2\nt 0 20\nt 2 0\n');
    await m.shutdown();
    for (const d of [d1, d2]) {
      expect(readFileSync(path.join(d, '.kafka_cleanshutdown'), 'utf8')).toBe('{"version":0,"brokerEpoch":-1}');
      expect(existsSync(path.join(d, '.lock'))).toBe(false);
    }
    // trimmed indexes after close, data decodable by kafka-python
    const seg = path.join(d1, 't-0', pad20(0));
    expect(statSync(`${seg}.index`).size % 8).toBe(0);
    expect(statSync(`${seg}.index`).size).toBeLessThan(1024);
    expect(statSync(`${seg}.timeindex`).size).toBe(12);
    const logBytes = readFileSync(`${seg}.log`);
    expect(decodeLog(logBytes).validBytes).toBe(logBytes.length);
    expect(pyDecode(logBytes).flatMap((b) => b.records).length).toBe(20);
    expect(readFileSync(path.join(d1, 't-0', 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n1\n3 0\n');
  });

  it('topic overrides and new broker defaults reach live logs: topic override > broker default; a deleted topic forgets its overrides', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const d = path.join(root, 'a');
    const { m } = await manager([d], { 'compression.type': 'gzip', 'log.message.downconversion.enable': 'true' });
    await m.loadLogs();
    m.updateTopicConfig('t', { 'compression.type': 'zstd' }); // before its logs exist (a topic created through this broker)
    const t = m.getOrCreateLog('t', 0);
    const u = m.getOrCreateLog('u', 0);
    expect([t.config.compressionType, u.config.compressionType]).toEqual(['zstd', 'gzip']);
    m.updateBrokerDefaults(makeConfig([d], { 'compression.type': 'lz4', 'log.message.downconversion.enable': 'false' }));
    expect([t.config.compressionType, t.config.messageDownconversionEnable]).toEqual(['zstd', false]);
    expect([u.config.compressionType, u.config.messageDownconversionEnable]).toEqual(['lz4', false]);
    m.updateTopicConfig('u', { 'message.downconversion.enable': 'true' });
    expect([u.config.compressionType, u.config.messageDownconversionEnable]).toEqual(['lz4', true]);
    m.deleteTopic('t');
    expect(m.getOrCreateLog('t', 0).config.compressionType).toBe('lz4');
    await m.shutdown();
  });

  it('throws NoLiveLogDirError when no dir is usable', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const f = path.join(root, 'file');
    await fsp.writeFile(f, 'x');
    await expect(manager([f])).rejects.toBeInstanceOf(NoLiveLogDirError);
  });
});

// ------------------------------------------------------------------------------------------------ faults


/** Write segments with the INDEPENDENT encoder: `segments[i]` = number of 2-record batches, offsets contiguous. */
function writePartition(dir: string, segments: number[]): { batchSizes: number[][]; bases: bigint[] } {
  mkdirSync(dir, { recursive: true });
  let offset = 0n;
  const batchSizes: number[][] = [];
  const bases: bigint[] = [];
  for (const n of segments) {
    const base = offset;
    bases.push(base);
    const bufs: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      bufs.push(encodeBatch([{ value: value(i, 300), timestamp: 1000 + Number(offset) }, { value: value(i + 1, 300), timestamp: 1001 + Number(offset) }], { baseOffset: offset }));
      offset += 2n;
    }
    batchSizes.push(bufs.map((b) => b.length));
    writeFileSync(path.join(dir, `${pad20(base)}.log`), Buffer.concat(bufs));
  }
  return { batchSizes, bases };
}

function readAllOffsets(l: Log): number[] {
  const out: number[] = [];
  for (let next = l.logStartOffset; next < l.logEndOffset; ) {
    const dec = decodeLog(l.read(next, 1 << 20).records);
    expect(dec.batches.every((b) => b.crcOk)).toBe(true);
    for (const b of dec.batches) for (let o = b.baseOffset; o <= b.lastOffset; o++) if (o >= next) out.push(Number(o));
    next = dec.batches[dec.batches.length - 1]!.lastOffset + 1n;
  }
  return out;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

describe('LogManager recovery faults', () => {
  async function setup(segments: number[], mutate: (pdir: string, info: ReturnType<typeof writePartition>) => void, opts: { marker?: boolean; rp?: string; lso?: string } = {}) {
    const root = await makeTmpDir();
    cleanup.push(root);
    const d = path.join(root, 'data');
    const pdir = path.join(d, 'f-0');
    const info = writePartition(pdir, segments);
    mutate(pdir, info);
    if (opts.marker) writeFileSync(path.join(d, '.kafka_cleanshutdown'), '');
    if (opts.rp) writeFileSync(path.join(d, 'recovery-point-offset-checkpoint'), opts.rp);
    if (opts.lso) writeFileSync(path.join(d, 'log-start-offset-checkpoint'), opts.lso);
    const failures: Array<[string, Error]> = [];
    const { m } = await manager([d], {}, failures);
    const summary = await m.loadLogs();
    expect(failures).toEqual([]);
    return { m, summary, pdir, info, log: m.getLog('f', 0)! };
  }

  it('torn last batch: truncated to the last whole batch', async () => {
    const { m, summary, log, pdir, info } = await setup([10], (p, i) => {
      const total = i.batchSizes[0]!.reduce((a, b) => a + b, 0);
      truncateSync(path.join(p, `${pad20(0)}.log`), total - 100);
    });
    expect(log.logEndOffset).toBe(18n);
    expect(summary.truncatedBytes).toBe(info.batchSizes[0]![9]! - 100);
    expect(readAllOffsets(log)).toEqual(range(0, 18));
    expect(pyDecode(readFileSync(path.join(pdir, `${pad20(0)}.log`))).length).toBe(9);
    await m.shutdown();
  });

  it('flipped byte mid-segment: truncated at that batch, later segments deleted, nothing before lost', async () => {
    const { m, log, pdir, info } = await setup([10, 10, 10], (p, i) => {
      const f = path.join(p, `${pad20(20)}.log`);
      const pos = i.batchSizes[1]!.slice(0, 5).reduce((a, b) => a + b, 0) + 200; // inside the 6th batch's records
      const buf = readFileSync(f);
      buf[pos] ^= 0x55;
      writeFileSync(f, buf);
    });
    expect(log.logEndOffset).toBe(30n);
    expect(log.segmentBaseOffsets()).toEqual([0n, 20n]);
    expect(readAllOffsets(log)).toEqual(range(0, 30));
    expect(existsSync(path.join(pdir, `${pad20(40)}.log`))).toBe(false);
    expect(m.pendingDeletions.some((f) => f.endsWith(`${pad20(40)}.log.deleted`))).toBe(true);
    // appends continue at 30 and are readable
    expect(log.appendAsLeader(encodeBatch([{ value: value(1), timestamp: 5 }]), 0).firstOffset).toBe(30n);
    void info;
    await m.shutdown();
  });

  it('zero-filled tail: cut off', async () => {
    const { m, log, summary, pdir } = await setup([5], (p) => appendFileSync(path.join(p, `${pad20(0)}.log`), Buffer.alloc(4096)));
    expect(log.logEndOffset).toBe(10n);
    expect(summary.truncatedBytes).toBe(4096);
    const bytes = readFileSync(path.join(pdir, `${pad20(0)}.log`));
    expect(decodeLog(bytes).validBytes).toBe(bytes.length);
    await m.shutdown();
  });

  it('garbage index (unclean) and missing index (clean) are rebuilt', async () => {
    const a = await setup([40], (p) => writeFileSync(path.join(p, `${pad20(0)}.index`), Buffer.from(Array.from({ length: 800 }, (_, i) => (i * 37) & 0xff))));
    expect(a.log.logEndOffset).toBe(80n);
    for (const o of [0n, 17n, 55n, 79n]) {
      const first = decodeLog(a.log.read(o, 10_000).records).batches[0]!;
      expect(first.baseOffset <= o && first.lastOffset >= o).toBe(true);
    }
    expect(readAllOffsets(a.log)).toEqual(range(0, 80));
    await a.m.shutdown();
    const b = await setup([40, 10], () => {}, { marker: true });
    expect(b.summary.hadCleanShutdown.length).toBe(1);
    expect(b.summary.recoveredSegments).toBe(2); // both .index files were missing
    expect(readAllOffsets(b.log)).toEqual(range(0, 100));
    expect(decodeOffsetIndexFile(path.join(b.pdir, `${pad20(0)}.index`)).length).toBeGreaterThan(0);
    await b.m.shutdown();
  });

  it('checkpoints pointing past the end: recovery point clamped; log start offset past the LEO empties the log', async () => {
    const a = await setup([5], () => {}, { rp: '0\n1\nf 0 1000\n' });
    expect(a.log.logEndOffset).toBe(10n);
    expect(a.log.recoveryPoint).toBe(10n);
    await a.m.shutdown();
    const b = await setup([5], () => {}, { lso: '0\n1\nf 0 50\n' });
    expect(b.log.logEndOffset).toBe(50n);
    expect(b.log.logStartOffset).toBe(50n);
    expect(b.log.segmentBaseOffsets()).toEqual([50n]);
    expect(b.log.appendAsLeader(encodeBatch([{ value: value(1), timestamp: 5 }]), 0).firstOffset).toBe(50n);
    await b.m.shutdown();
  });

  it('schedules -delete dirs for deletion and removes them after file.delete.delay.ms', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const d = path.join(root, 'data');
    writePartition(path.join(d, 'gone-0.0123456789abcdef0123456789abcdef-delete'), [2]);
    let now = 1_000_000;
    const { logger } = captureLogger();
    const m = await LogManager.create({ logDirs: [d], initialOfflineDirs: [], config: makeConfig([d]), log: logger, onDirFailure: () => {}, now: () => now });
    const s = await m.loadLogs();
    expect(s.logs).toBe(0);
    expect(m.pendingDeletions.length).toBe(1);
    expect(await m.deleteDueFiles()).toBe(0);
    now += 60_000;
    expect(await m.deleteDueFiles()).toBe(1);
    expect(readdirSync(d).some((n) => n.endsWith('-delete'))).toBe(false);
    await m.shutdown();
  });
});

describe('LogManager producer expiry (PeriodicProducerExpirationCheck)', () => {
  it('forgets producers idle for producer.id.expiration.ms and keeps recent ones', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const d = path.join(root, 'data');
    let now = 10_000_000;
    const { logger } = captureLogger();
    const m = await LogManager.create({ logDirs: [d], initialOfflineDirs: [], config: makeConfig([d], { 'producer.id.expiration.ms': '60000' }), log: logger, onDirFailure: () => {}, now: () => now });
    await m.loadLogs();
    const log = m.getOrCreateLog('p', 0);
    log.appendAsLeader(encodeBatch([{ value: value(1), timestamp: now }], { producerId: 1n, producerEpoch: 0, baseSequence: 0 }), 0);
    log.appendAsLeader(encodeBatch([{ value: value(2), timestamp: now + 30_000 }], { producerId: 2n, producerEpoch: 0, baseSequence: 0 }), 0);
    now += 70_000; // producer 1 idle 70 s, producer 2 idle 40 s
    expect(await m.removeExpiredProducers()).toEqual({ removed: 1 });
    expect(log.producerEntries().map((e) => e.producerId)).toEqual([2n]);
    // an expired producer is unknown again: any sequence is accepted
    expect(log.appendAsLeader(encodeBatch([{ value: value(3), timestamp: now }], { producerId: 1n, producerEpoch: 0, baseSequence: 57 }), 0).firstOffset).toBe(2n);
    await m.shutdown();
  });
});

function decodeOffsetIndexFile(f: string): Array<[number, number]> {
  const b = readFileSync(f);
  const out: Array<[number, number]> = [];
  for (let p = 0; p + 8 <= b.length; p += 8) out.push([b.readInt32BE(p), b.readInt32BE(p + 4)]);
  return out.filter(([r, pos], i) => i === 0 || r !== 0 || pos !== 0);
}

describe('LogManager runtime dir failure', () => {
  it('a dir that fails while running goes offline (onDirFailure); the other dir keeps working', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    mkdirSync(a);
    let mounted = false;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', a], { stdio: 'ignore' });
      mounted = true;
    } catch {
      mounted = false; // fall back to replacing the partition dir with a file
    }
    try {
      const failures: Array<[string, Error]> = [];
      const { m } = await manager([a, b], { 'log.segment.bytes': '65536' }, failures);
      await m.loadLogs();
      const la = m.getOrCreateLog('x', 0);
      const lb = m.getOrCreateLog('x', 1);
      expect(la.logDir).toBe(a);
      expect(lb.logDir).toBe(b);
      la.appendAsLeader(encodeBatch([{ value: value(1), timestamp: 1 }]), 0);
      if (mounted) {
        // fill the tmpfs: the next write gets ENOSPC
        const fd = openSync(path.join(a, 'filler'), 'w');
        try {
          const chunk = Buffer.alloc(64 << 10);
          for (;;) writeSync(fd, chunk);
        } catch {
          /* full */
        } finally {
          closeSync(fd);
        }
        let err: unknown;
        try {
          for (let i = 0; i < 100; i++) la.appendAsLeader(encodeBatch([{ value: value(i, 4000), timestamp: 1 }]), 0);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(KafkaStorageError);
        rmSync(path.join(a, 'filler'));
      } else {
        rmSync(la.dir, { recursive: true });
        writeFileSync(la.dir, 'not a dir');
        expect(() => la.roll()).toThrow(KafkaStorageError);
      }
      expect(failures.map(([d]) => d)).toEqual([a]);
      // further use of that log is refused; the machine then takes the dir offline
      expect(() => la.appendAsLeader(encodeBatch([{ value: value(1), timestamp: 1 }]), 0)).toThrow(KafkaStorageError);
      m.handleLogDirFailure(a);
      expect(m.liveLogDirs).toEqual([b]);
      expect(m.offlineLogDirs.map((o) => o.dir)).toEqual([a]);
      expect(m.getLog('x', 0)).toBeUndefined();
      // the other dir keeps working, and new logs go there
      lb.appendAsLeader(encodeBatch([{ value: value(1), timestamp: 1 }]), 0);
      expect(lb.read(0n, 1000).records.length).toBeGreaterThan(0);
      expect(m.getOrCreateLog('x', 2).logDir).toBe(b);
      await m.checkpointRecoveryPoints();
      await m.shutdown();
      expect(existsSync(path.join(b, '.kafka_cleanshutdown'))).toBe(true);
      expect(existsSync(path.join(a, '.kafka_cleanshutdown'))).toBe(false);
      expect(failures.length).toBe(1);
    } finally {
      if (mounted) execFileSync('umount', ['-l', a], { stdio: 'ignore' });
    }
  });
});

describe('LogManager periodic tasks and startup errors', () => {
  it('a dir already locked by another LogManager is fatal (LogDirLockedError)', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const { m } = await manager([path.join(root, 'a')]);
    await expect(manager([path.join(root, 'a')])).rejects.toThrow(/Failed to acquire lock on file .lock/);
    await m.shutdown();
  });

  it('the same partition in two dirs fails loading; an I/O error while loading takes only that dir offline', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const [a, b, c] = ['a', 'b', 'c'].map((n) => path.join(root, n)) as [string, string, string];
    writePartition(path.join(a, 'dup-0'), [1]);
    writePartition(path.join(b, 'dup-0'), [1]);
    const one = await manager([a, b]);
    await expect(one.m.loadLogs()).rejects.toThrow(/Duplicate log directories for dup-0/);
    await one.m.shutdown();
    // EISDIR while opening a segment is an I/O error: dir c goes offline, dir a loads
    rmSync(path.join(b, 'dup-0'), { recursive: true });
    mkdirSync(path.join(c, 'bad-0', `${pad20(0)}.log`), { recursive: true });
    const failures: Array<[string, Error]> = [];
    const two = await manager([a, c], {}, failures);
    const s = await two.m.loadLogs();
    expect(failures.map(([d]) => d)).toEqual([c]);
    expect(s.logs).toBe(1);
    expect(two.m.getLog('dup', 0)!.logEndOffset).toBe(2n);
    two.m.handleLogDirFailure(c);
    await two.m.shutdown();
    expect(existsSync(path.join(a, '.kafka_cleanshutdown'))).toBe(true);
    expect(existsSync(path.join(c, '.kafka_cleanshutdown'))).toBe(false);
  });

  it('a malformed recovery-point checkpoint is reported as a dir failure; logs still load from offset 0', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const a = path.join(root, 'a');
    writePartition(path.join(a, 'p-0'), [3]);
    writeFileSync(path.join(a, 'recovery-point-offset-checkpoint'), '0\n5\np 0 6\n');
    const failures: Array<[string, Error]> = [];
    const { m } = await manager([a], {}, failures);
    await m.loadLogs();
    expect(failures.map(([d, e]) => [d, e.message])).toEqual([[a, expect.stringContaining('Expected [5] entries')]]);
    expect(m.getLog('p', 0)!.logEndOffset).toBe(6n);
    await m.shutdown();
  });

  it('flushDirtyLogs honours flush.ms; log start offsets are checkpointed only above the first segment', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const a = path.join(root, 'a');
    let now = 1_000_000;
    const { logger } = captureLogger();
    const m = await LogManager.create({
      logDirs: [a], initialOfflineDirs: [], config: makeConfig([a], { 'log.segment.bytes': '2000', 'log.retention.ms': '-1' }), log: logger,
      onDirFailure: () => {}, now: () => now, topicConfigs: new Map<string, Record<string, string>>([['fast', { 'flush.ms': '1000' }], ['short', { 'retention.ms': '5000', 'file.delete.delay.ms': '100' }]]),
    });
    await m.loadLogs();
    const fast = m.getOrCreateLog('fast', 0);
    const slow = m.getOrCreateLog('slow', 0);
    const short = m.getOrCreateLog('short', 0);
    for (const l of [fast, slow, short]) for (let i = 0; i < 6; i++) l.appendAsLeader(encodeBatch([{ value: value(i, 900), timestamp: now - 10_000 }]), 0);
    now += 1500;
    await m.flushDirtyLogs();
    expect(fast.recoveryPoint).toBe(6n);
    // not flushed by flush.ms (only the background flush after a roll may have moved it, at most to the active segment)
    expect(slow.recoveryPoint).toBeLessThanOrEqual(slow.segmentBaseOffsets()[slow.numberOfSegments - 1]!);
    // retention by the topic override only; .deleted files removed after file.delete.delay.ms
    const before = short.numberOfSegments;
    const r = await m.cleanupLogs();
    expect(r.deletedSegments).toBe(before - 1);
    expect(slow.numberOfSegments).toBeGreaterThan(1);
    const pending = m.pendingDeletions;
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((f) => existsSync(f))).toBe(true);
    now += 200;
    await m.deleteDueFiles();
    expect(pending.some((f) => existsSync(f))).toBe(false);
    await m.checkpointLogStartOffsets();
    expect(readFileSync(path.join(a, 'log-start-offset-checkpoint'), 'utf8')).toBe('0\n0\n');
    short.maybeIncrementLogStartOffset(short.logEndOffset - 1n);
    await m.checkpointLogStartOffsets();
    expect(readFileSync(path.join(a, 'log-start-offset-checkpoint'), 'utf8')).toBe(`0\n1\nshort 0 ${short.logEndOffset - 1n}\n`);
    await m.shutdown();
    // restart: the log start offset comes back from the checkpoint
    const again = await manager([a], { 'log.segment.bytes': '2000' });
    await again.m.loadLogs();
    expect(again.m.getLog('short', 0)!.logStartOffset).toBe(5n);
    expect(() => again.m.getLog('short', 0)!.read(4n, 100)).toThrow(/range 5 to 6/);
    await again.m.shutdown();
  });
});

describe('LogManager.deleteLog and isNew', () => {
  it('renames the partition dir to -delete, removes it after the delay, and drops it from checkpoints', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const a = path.join(root, 'a');
    let now = 5_000_000;
    const { logger } = captureLogger();
    const m = await LogManager.create({ logDirs: [a], initialOfflineDirs: [], config: makeConfig([a]), log: logger, onDirFailure: () => {}, now: () => now });
    await m.loadLogs();
    m.getOrCreateLog('gone', 0).appendAsLeader(encodeBatch([{ value: value(1), timestamp: 1 }]), 0);
    m.getOrCreateLog('kept', 0);
    expect(m.deleteLog('gone', 0)).toBe(true);
    expect(m.deleteLog('gone', 0)).toBe(false);
    expect(m.getLog('gone', 0)).toBeUndefined();
    const names = readdirSync(a);
    expect(names.some((n) => /^gone-0\.[0-9a-f]{32}-delete$/.test(n))).toBe(true);
    expect(names).not.toContain('gone-0');
    await m.checkpointRecoveryPoints();
    expect(readFileSync(path.join(a, 'recovery-point-offset-checkpoint'), 'utf8')).toBe('0\n1\nkept 0 0\n');
    now += 60_001;
    await m.deleteDueFiles();
    expect(readdirSync(a).some((n) => n.endsWith('-delete'))).toBe(false);
    // a fresh log for the same partition starts at 0
    expect(m.getOrCreateLog('gone', 0).logEndOffset).toBe(0n);
    m.getOrCreateLog('gone', 1);
    expect(m.deleteTopic('gone')).toBe(2);
    expect(m.allLogs().map((l) => l.topic)).toEqual(['kept']);
    expect(readdirSync(a).filter((n) => n.startsWith('gone-')).every((n) => n.endsWith('-delete'))).toBe(true);
    await m.shutdown();
  });

  it('isNew: false refuses to create a log while a dir is offline', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const bad = path.join(root, 'file');
    writeFileSync(bad, 'x');
    const good = path.join(root, 'good');
    const { m } = await manager([good, bad]);
    expect(m.offlineLogDirs.map((o) => o.dir)).toEqual([bad]);
    await m.loadLogs();
    expect(() => m.getOrCreateLog('t', 0, { isNew: false })).toThrow(/because log directories .* are offline/);
    expect(m.getOrCreateLog('t', 0, { isNew: true }).logDir).toBe(good);
    await m.shutdown();
  });
});

describe('recovery in worker threads (compiled JavaScript)', () => {
  it('gives the same logs as in-thread recovery, and the worker path is really taken', async () => {
    const { execFileSync } = await import('node:child_process');
    const { symlinkSync, cpSync } = await import('node:fs');
    const repo = path.resolve(import.meta.dirname, '../../..');
    const root = await makeTmpDir();
    cleanup.push(root);
    const build = path.join(root, 'build');
    mkdirSync(build);
    symlinkSync(path.join(repo, 'node_modules'), path.join(build, 'node_modules'));
    execFileSync(path.join(repo, 'node_modules/.bin/tsc'), ['--ignoreConfig', '--outDir', build, '--rootDir', path.join(repo, 'src'),
      '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node',
      path.join(repo, 'src/services/log/log-manager.ts')], { cwd: repo, stdio: 'pipe' });
    const a = path.join(root, 'a');
    for (let p = 0; p < 6; p++) {
      const info = writePartition(path.join(a, `w-${p}`), [5, 5, 5]);
      const last = path.join(a, `w-${p}`, `${pad20(info.bases[2]!)}.log`);
      if (p % 3 === 0) truncateSync(last, statSync(last).size - 50); // torn tail
      if (p % 3 === 1) {
        const f = path.join(a, `w-${p}`, `${pad20(info.bases[1]!)}.log`);
        const buf = readFileSync(f);
        buf[info.batchSizes[1]![0]! + 100] ^= 0xff; // second batch of the middle segment
        writeFileSync(f, buf);
      }
    }
    writeFileSync(path.join(a, 'recovery-point-offset-checkpoint'), '0\n2\nw 0 12\nw 1 3\n');
    const b = path.join(root, 'b');
    cpSync(a, b, { recursive: true });
    const run = (dir: string, mode: string) =>
      JSON.parse(execFileSync(process.execPath, [path.join(import.meta.dirname, 'crash/load-child.mjs'), build, dir, mode], { cwd: repo }).toString());
    const w = run(a, 'workers');
    const i = run(b, 'inline');
    expect(w.failures).toEqual([]);
    expect(w.summary.recoveredInWorkers).toBe(6);
    expect(i.summary.recoveredInWorkers).toBe(0);
    expect(w.logs).toEqual(i.logs);
    expect(w.summary.truncatedBytes).toBe(i.summary.truncatedBytes);
    expect(w.summary.recoveredSegments).toBe(i.summary.recoveredSegments);
    const byKey = Object.fromEntries(w.logs.map((l: { key: string; leo: string }) => [l.key, l.leo]));
    expect(byKey['w-0']).toBe('28'); // torn last batch of the third segment
    expect(byKey['w-1']).toBe('12'); // corrupt 2nd batch of segment 10: truncated there, segment 20 deleted
    expect(byKey['w-2']).toBe('30');
    // same files on disk afterwards
    for (let p = 0; p < 6; p++) {
      // (segments deleted after a truncation: in-thread they wait as *.deleted for file.delete.delay.ms; the
      // worker path removes them at once, as the main thread's following load would)
      const live = (d: string) => readdirSync(d).filter((n) => !n.endsWith('.deleted')).sort();
      const names = live(path.join(a, `w-${p}`));
      expect(names).toEqual(live(path.join(b, `w-${p}`)));
      for (const n of names.filter((x) => x.endsWith('.log') || x.endsWith('.index') || x.endsWith('.timeindex'))) {
        expect(readFileSync(path.join(a, `w-${p}`, n)).equals(readFileSync(path.join(b, `w-${p}`, n))), `w-${p}/${n}`).toBe(true);
      }
    }
  }, 60_000);
});

describe('LogManager config changes', () => {
  it('updateTopicConfig applies overrides to the topic\'s logs at once; updateBrokerDefaults changes the defaults under them', async () => {
    const dir = await makeTmpDir();
    cleanup.push(dir);
    const { m } = await manager([dir]);
    try {
      const a = m.getOrCreateLog('a', 0, { isNew: true });
      const b = m.getOrCreateLog('b', 0, { isNew: true });
      m.updateTopicConfig('a', { 'segment.bytes': '1048576', 'cleanup.policy': 'compact' });
      expect([a.config.segmentBytes, a.config.cleanupPolicy]).toEqual([1048576, ['compact']]);
      expect(b.config.segmentBytes).toBe(1073741824);
      m.updateBrokerDefaults(makeConfig([dir], { 'log.retention.ms': '60000', 'log.segment.bytes': '2097152' }));
      expect([a.config.retentionMs, a.config.segmentBytes]).toEqual([60000, 1048576]); // the override stays
      expect([b.config.retentionMs, b.config.segmentBytes]).toEqual([60000, 2097152]);
      expect(m.getOrCreateLog('c', 0, { isNew: true }).config.retentionMs).toBe(60000);
    } finally {
      await m.shutdown();
    }
  });
});
