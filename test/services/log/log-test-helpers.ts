/**
 * Helpers for the Log / LogManager tests: a config builder, a silent logger that records messages, and an
 * INDEPENDENT v2 batch encoder/decoder (own CRC-32C table, own varints) — nothing from src/services/log.
 */
import { pino } from 'pino';
import { KafkaConfig } from '../../../src/config/kafka-config.js';

export function makeConfig(logDirs: string[], props: Record<string, string> = {}): KafkaConfig {
  return KafkaConfig.fromProps({ 'zookeeper.connect': 'localhost:2181', 'log.dirs': logDirs.join(','), ...props });
}

export interface CapturedLogger {
  logger: pino.Logger;
  lines: Array<{ level: number; msg: string }>;
}

export function captureLogger(): CapturedLogger {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'trace' }, { write: (s: string) => { const o = JSON.parse(s); lines.push({ level: o.level, msg: o.msg }); } });
  return { logger, lines };
}

// ---------------------------------------------------------------- independent CRC-32C

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32cRef(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function zigzagVarint(n: number): number[] {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

export interface RefRecord { key?: Buffer | null; value: Buffer | null; timestamp: number }

/** Encode one uncompressed v2 batch (base offset 0 unless given, leader epoch -1, CRC-32C set). */
export function encodeBatch(records: RefRecord[], opts: { baseOffset?: bigint; producerId?: bigint; producerEpoch?: number; baseSequence?: number } = {}): Buffer {
  const baseTs = records[0]!.timestamp;
  let maxTs = -1;
  const bodies: Buffer[] = [];
  records.forEach((r, i) => {
    if (r.timestamp > maxTs) maxTs = r.timestamp;
    const parts: number[] = [0, ...zigzagVarint(r.timestamp - baseTs), ...zigzagVarint(i)];
    const key = r.key ?? null;
    const pieces: Buffer[] = [];
    pieces.push(Buffer.from(parts));
    pieces.push(Buffer.from(zigzagVarint(key ? key.length : -1)));
    if (key) pieces.push(key);
    pieces.push(Buffer.from(zigzagVarint(r.value ? r.value.length : -1)));
    if (r.value) pieces.push(r.value);
    pieces.push(Buffer.from(zigzagVarint(0)));
    const body = Buffer.concat(pieces);
    bodies.push(Buffer.concat([Buffer.from(zigzagVarint(body.length)), body]));
  });
  const recs = Buffer.concat(bodies);
  const b = Buffer.alloc(61 + recs.length);
  b.writeBigInt64BE(opts.baseOffset ?? 0n, 0);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt32BE(-1, 12);
  b.writeInt8(2, 16);
  b.writeInt16BE(0, 21);
  b.writeInt32BE(records.length - 1, 23);
  b.writeBigInt64BE(BigInt(baseTs), 27);
  b.writeBigInt64BE(BigInt(maxTs), 35);
  b.writeBigInt64BE(opts.producerId ?? -1n, 43);
  b.writeInt16BE(opts.producerEpoch ?? -1, 51);
  b.writeInt32BE(opts.baseSequence ?? -1, 53);
  b.writeInt32BE(records.length, 57);
  recs.copy(b, 61);
  b.writeUInt32BE(crc32cRef(b, 21), 17);
  return b;
}

export interface RefBatch {
  position: number;
  size: number;
  baseOffset: bigint;
  lastOffset: bigint;
  partitionLeaderEpoch: number;
  magic: number;
  crcOk: boolean;
  attributes: number;
  maxTimestamp: number;
  count: number;
}

/** Walk v2 batches in a `.log` buffer (framing + CRC-32C), independently of the production code. */
export function decodeLog(buf: Buffer): { batches: RefBatch[]; validBytes: number } {
  const batches: RefBatch[] = [];
  let pos = 0;
  while (pos + 12 <= buf.length) {
    const len = buf.readInt32BE(pos + 8);
    if (len < 49 || pos + 12 + len > buf.length) break;
    const magic = buf.readInt8(pos + 16);
    const crcOk = magic === 2 && buf.readUInt32BE(pos + 17) === crc32cRef(buf, pos + 21, pos + 12 + len);
    const baseOffset = buf.readBigInt64BE(pos);
    batches.push({
      position: pos,
      size: 12 + len,
      baseOffset,
      lastOffset: baseOffset + BigInt(buf.readInt32BE(pos + 23)),
      partitionLeaderEpoch: buf.readInt32BE(pos + 12),
      magic,
      crcOk,
      attributes: buf.readInt16BE(pos + 21),
      maxTimestamp: Number(buf.readBigInt64BE(pos + 35)),
      count: buf.readInt32BE(pos + 57),
    });
    pos += 12 + len;
  }
  return { batches, validBytes: pos };
}

/** Entries of an 8-byte offset index file: [relativeOffset, position]. */
export function decodeOffsetIndex(buf: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let p = 0; p + 8 <= buf.length; p += 8) out.push([buf.readInt32BE(p), buf.readInt32BE(p + 4)]);
  return out;
}

/** Entries of a 12-byte time index file: [timestamp, relativeOffset]. */
export function decodeTimeIndex(buf: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let p = 0; p + 12 <= buf.length; p += 12) out.push([Number(buf.readBigInt64BE(p)), buf.readInt32BE(p + 8)]);
  return out;
}

export const pad20 = (n: bigint | number): string => String(n).padStart(20, '0');
