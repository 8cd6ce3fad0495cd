import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CorruptSnapshotError, listProducerSnapshots, readProducerSnapshot, writeProducerSnapshot, type ProducerSnapshotEntry,
} from '../../../src/services/log/producer-state.js';
import { makeTmpDir, rmrf, COMPAT_DIR } from './tmp.js';
import { crc32cRef } from './log-test-helpers.js';

const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

/** Independent encoder of Kafka's snapshot format. */
function refSnapshot(entries: ProducerSnapshotEntry[]): Buffer {
  const b = Buffer.alloc(10 + 46 * entries.length);
  b.writeInt16BE(1, 0);
  b.writeInt32BE(entries.length, 6);
  entries.forEach((e, i) => {
    const p = 10 + 46 * i;
    b.writeBigInt64BE(e.producerId, p);
    b.writeInt16BE(e.epoch, p + 8);
    b.writeInt32BE(e.lastSequence, p + 10);
    b.writeBigInt64BE(e.lastOffset, p + 14);
    b.writeInt32BE(e.offsetDelta, p + 22);
    b.writeBigInt64BE(BigInt(e.timestamp), p + 26);
    b.writeInt32BE(e.coordinatorEpoch, p + 34);
    b.writeBigInt64BE(e.currentTxnFirstOffset, p + 38);
  });
  b.writeUInt32BE(crc32cRef(b, 6), 2);
  return b;
}

describe('producer snapshots', () => {
  it('reads the snapshots Kafka 2.7.1 wrote in the compat fixture', () => {
    for (const p of ['myTopic-0', '__consumer_offsets-28']) {
      const snaps = listProducerSnapshots(path.join(COMPAT_DIR, p));
      expect(snaps.length).toBeGreaterThan(0);
      for (const s of snaps) expect(Array.isArray(readProducerSnapshot(s.file))).toBe(true);
    }
  });

  it('writes byte-identical files to an independent encoder, round-trips, rejects corruption', async () => {
    const d = await makeTmpDir();
    cleanup.push(d);
    const entries: ProducerSnapshotEntry[] = [
      { producerId: 1000n, epoch: 3, lastSequence: 41, lastOffset: 99n, offsetDelta: 4, timestamp: 1_700_000_000_123, coordinatorEpoch: -1, currentTxnFirstOffset: -1n },
      { producerId: 2n ** 40n, epoch: 0, lastSequence: 0, lastOffset: 7n, offsetDelta: 0, timestamp: 5, coordinatorEpoch: 2, currentTxnFirstOffset: 6n },
    ];
    const f = writeProducerSnapshot(d, 100n, entries);
    expect(path.basename(f)).toBe('00000000000000000100.snapshot');
    expect(readFileSync(f).equals(refSnapshot(entries))).toBe(true);
    expect(readProducerSnapshot(f)).toEqual(entries);
    const bad = readFileSync(f);
    bad[20] ^= 1;
    writeFileSync(f, bad);
    expect(() => readProducerSnapshot(f)).toThrow(CorruptSnapshotError);
    const v = refSnapshot([]);
    v.writeInt16BE(2, 0);
    writeFileSync(f, v);
    expect(() => readProducerSnapshot(f)).toThrow(/unknown file version 2/);
  });
});
