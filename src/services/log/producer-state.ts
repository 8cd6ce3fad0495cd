/**
 * Producer-state snapshot files `<partition>/<offset 20 digits>.snapshot` (reference §4.7, Kafka
 * `ProducerStateManager.writeSnapshot/readSnapshot`): the file format only. The state itself and its checks are
 * in producer-state-manager.ts, its loading in producer-state-loader.ts.
 *
 * Layout (big-endian): int16 version (1) | uint32 crc | int32 count | count × entry, entry =
 *   int64 producerId, int16 epoch, int32 lastSequence, int64 lastOffset, int32 offsetDelta, int64 timestamp,
 *   int32 coordinatorEpoch, int64 currentTxnFirstOffset (-1 if none).
 * The CRC-32C covers bytes [6, end) (count and entries).
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from './crc32c.js';
import { PRODUCER_SNAPSHOT_FILE_SUFFIX, producerSnapshotFile, parseSegmentFileName } from './log-file-names.js';
import { readInt64AsNumber, writeInt64FromNumber } from './record-batch.js';

export const PRODUCER_SNAPSHOT_VERSION = 1;
const HEADER_SIZE = 10;
export const PRODUCER_SNAPSHOT_ENTRY_SIZE = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

export interface ProducerSnapshotEntry {
  producerId: bigint;
  epoch: number;
  lastSequence: number;
  lastOffset: bigint;
  offsetDelta: number;
  timestamp: number;
  coordinatorEpoch: number;
  /** -1n if no ongoing transaction. */
  currentTxnFirstOffset: bigint;
}

/** Kafka `CorruptSnapshotException`. */
export class CorruptSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptSnapshotError';
  }
}

export function encodeProducerSnapshot(entries: readonly ProducerSnapshotEntry[]): Buffer {
  const buf = Buffer.alloc(HEADER_SIZE + entries.length * PRODUCER_SNAPSHOT_ENTRY_SIZE);
  buf.writeInt16BE(PRODUCER_SNAPSHOT_VERSION, 0);
  buf.writeInt32BE(entries.length, 6);
  let p = HEADER_SIZE;
  for (const e of entries) {
    buf.writeBigInt64BE(e.producerId, p);
    buf.writeInt16BE(e.epoch, p + 8);
    buf.writeInt32BE(e.lastSequence, p + 10);
    buf.writeBigInt64BE(e.lastOffset, p + 14);
    buf.writeInt32BE(e.offsetDelta, p + 22);
    writeInt64FromNumber(buf, p + 26, e.timestamp);
    buf.writeInt32BE(e.coordinatorEpoch, p + 34);
    buf.writeBigInt64BE(e.currentTxnFirstOffset, p + 38);
    p += PRODUCER_SNAPSHOT_ENTRY_SIZE;
  }
  buf.writeUInt32BE(crc32c(buf, 6, buf.length), 2);
  return buf;
}

export function decodeProducerSnapshot(buf: Buffer, file = '<buffer>'): ProducerSnapshotEntry[] {
  if (buf.length < HEADER_SIZE) throw new CorruptSnapshotError(`Snapshot file ${file} is too short (${buf.length} bytes)`);
  const version = buf.readInt16BE(0);
  if (version !== PRODUCER_SNAPSHOT_VERSION) {
    throw new CorruptSnapshotError(`Snapshot contained an unknown file version ${version}`);
  }
  const crc = buf.readUInt32BE(2);
  const computed = crc32c(buf, 6, buf.length);
  if (crc !== computed) throw new CorruptSnapshotError(`Snapshot is corrupt (CRC is no longer valid). Stored crc: ${crc}. Computed crc: ${computed}`);
  const count = buf.readInt32BE(6);
  if (count < 0 || HEADER_SIZE + count * PRODUCER_SNAPSHOT_ENTRY_SIZE !== buf.length) {
    throw new CorruptSnapshotError(`Snapshot file ${file} has ${count} entries but ${buf.length} bytes`);
  }
  const out: ProducerSnapshotEntry[] = [];
  let p = HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    out.push({
      producerId: buf.readBigInt64BE(p),
      epoch: buf.readInt16BE(p + 8),
      lastSequence: buf.readInt32BE(p + 10),
      lastOffset: buf.readBigInt64BE(p + 14),
      offsetDelta: buf.readInt32BE(p + 22),
      timestamp: readInt64AsNumber(buf, p + 26),
      coordinatorEpoch: buf.readInt32BE(p + 34),
      currentTxnFirstOffset: buf.readBigInt64BE(p + 38),
    });
    p += PRODUCER_SNAPSHOT_ENTRY_SIZE;
  }
  return out;
}

/**
 * Write `<dir>/<offset>.snapshot` (as Kafka: straight into the file, fsynced when `sync`). A torn snapshot fails
 * its CRC at the next load and is deleted there.
 */
export function writeProducerSnapshot(dir: string, offset: bigint, entries: readonly ProducerSnapshotEntry[], sync = true): string {
  const file = producerSnapshotFile(dir, offset);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeFileSync(fd, encodeProducerSnapshot(entries));
    if (sync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** {@link writeProducerSnapshot} with the write and fsync on the libuv thread pool. */
export async function writeProducerSnapshotAsync(dir: string, offset: bigint, entries: readonly ProducerSnapshotEntry[]): Promise<string> {
  const file = producerSnapshotFile(dir, offset);
  const fh = await fs.promises.open(file, 'w');
  try {
    await fh.writeFile(encodeProducerSnapshot(entries));
    await fh.sync();
  } finally {
    await fh.close();
  }
  return file;
}

export function readProducerSnapshot(file: string): ProducerSnapshotEntry[] {
  return decodeProducerSnapshot(fs.readFileSync(file), file);
}

/** Snapshot files of a partition dir, ascending by offset. */
export function listProducerSnapshots(dir: string): Array<{ offset: bigint; file: string }> {
  const out: Array<{ offset: bigint; file: string }> = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith(PRODUCER_SNAPSHOT_FILE_SUFFIX)) continue;
    const p = parseSegmentFileName(name);
    if (!p || p.tempSuffix !== '' || p.suffix !== '.snapshot') continue;
    out.push({ offset: p.baseOffset, file: path.join(dir, name) });
  }
  return out.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
}
