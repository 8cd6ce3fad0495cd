import { promises as fsp, existsSync, readFileSync, statSync } from 'node:fs';
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

  it('throws NoLiveLogDirError when no dir is usable', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const f = path.join(root, 'file');
    await fsp.writeFile(f, 'x');
    await expect(manager([f])).rejects.toBeInstanceOf(NoLiveLogDirError);
  });
});
