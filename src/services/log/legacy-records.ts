/**
 * Legacy message format (magic 0 and 1, "message sets"), read-only, see reference §5:
 *
 *   0 offset i64 | 8 size i32 | 12 crc u32 | 16 magic i8 | 17 attributes i8 | [18 timestamp i64 — v1 only] |
 *   keyLength i32 | key | valueLength i32 | value
 *
 * CRC is plain CRC-32 (IEEE) over [16, end). Each top-level message is one "batch" for the log layer
 * ({@link LegacyRecordBatch} implements {@link BatchView}); a compressed message is a wrapper whose value holds an
 * inner message set, decompressed by `compression.ts` (gzip, snappy, lz4 with the KAFKA-3160 descriptor checksum
 * of 0.9 clients tolerated; zstd never appears in magic 0/1).
 */

import zlib from 'node:zlib';
import { decompress } from './compression.js';
import {
  type BatchEntry, type BatchView, CompressionType, CorruptRecordError, InvalidRecordError, type IterateBatchesOptions,
  iterateBatches, LOG_OVERHEAD, MAGIC_OFFSET, MAGIC_V0, MAGIC_V1, NO_PARTITION_LEADER_EPOCH, NO_TIMESTAMP, nextBatchAt,
  readInt64AsNumber, TimestampType,
} from './record-batch.js';

/** Header size after the 12-byte prefix for v0: crc 4 + magic 1 + attributes 1 + keyLength 4 + valueLength 4. */
export const RECORD_OVERHEAD_V0 = 14;
/** v1 adds an 8-byte timestamp. */
export const RECORD_OVERHEAD_V1 = 22;
export const LEGACY_CRC_OFFSET = 12;
export const LEGACY_ATTRIBUTES_OFFSET = 17;
export const LEGACY_TIMESTAMP_OFFSET = 18;

// ------------------------------------------------------------------------------------------------ CRC-32

const CRC32_TABLE: Int32Array = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** Table-driven CRC-32 (IEEE 802.3, as `java.util.zip.CRC32`) of `buf[start, end)`. */
export function crc32Js(buf: Uint8Array, start = 0, end = buf.length, initial = 0): number {
  const t = CRC32_TABLE;
  let crc = ~initial | 0;
  for (let i = start; i < end; i++) crc = t[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

const zlibCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 (IEEE) of `buf[start, end)`: node:zlib's native `crc32` when present (Node ≥ 20.15), else the table. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length, initial = 0): number {
  if (zlibCrc32) return zlibCrc32(start === 0 && end === buf.length ? buf : buf.subarray(start, end), initial) >>> 0;
  return crc32Js(buf, start, end, initial);
}

// ------------------------------------------------------------------------------------------------ view

export interface LegacyRecord {
  offset: bigint;
  magic: number;
  timestamp: number;
  timestampType: TimestampType;
  key: Buffer | null;
  value: Buffer | null;
}

/** Zero-copy view over one top-level magic 0/1 message at `position` in `buffer`. */
export class LegacyRecordBatch implements BatchView {
  constructor(
    readonly buffer: Buffer,
    readonly position = 0,
  ) {}

  /** The offset field: for a compressed wrapper, the offset of its last inner message. */
  get offset(): bigint {
    return this.buffer.readBigInt64BE(this.position);
  }
  /** The size field (bytes after the 12-byte prefix). */
  get messageSize(): number {
    return this.buffer.readInt32BE(this.position + 8);
  }
  get sizeInBytes(): number {
    return LOG_OVERHEAD + this.messageSize;
  }
  get crc(): number {
    return this.buffer.readUInt32BE(this.position + LEGACY_CRC_OFFSET);
  }
  get magic(): number {
    return this.buffer.readInt8(this.position + MAGIC_OFFSET);
  }
  get attributes(): number {
    return this.buffer.readInt8(this.position + LEGACY_ATTRIBUTES_OFFSET);
  }
  get compressionType(): CompressionType {
    return (this.attributes & 0x07) as CompressionType;
  }
  get isCompressed(): boolean {
    return this.compressionType !== CompressionType.None;
  }
  get timestampType(): TimestampType {
    if (this.magic === MAGIC_V0) return TimestampType.NoTimestampType;
    return this.attributes & 0x08 ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  }
  /** v1 timestamp field; -1 for v0. */
  get timestamp(): number {
    return this.magic === MAGIC_V0 ? NO_TIMESTAMP : readInt64AsNumber(this.buffer, this.position + LEGACY_TIMESTAMP_OFFSET);
  }
  get maxTimestamp(): number {
    return this.timestamp;
  }
  get partitionLeaderEpoch(): number {
    return NO_PARTITION_LEADER_EPOCH;
  }
  get lastOffset(): bigint {
    return this.offset;
  }
  get nextOffset(): bigint {
    return this.offset + 1n;
  }
  /**
   * First offset covered. Uncompressed: the offset field. Compressed wrapper: first inner offset (decompresses);
   * the offset field when the wrapper cannot be decompressed.
   */
  get baseOffset(): bigint {
    if (this.compressionType !== CompressionType.None) {
      try {
        const inner = this.innerRecords();
        if (inner.length > 0) return inner[0]!.offset;
      } catch {
        // fall through: report the wrapper offset
      }
    }
    return this.offset;
  }

  private get keyLengthPosition(): number {
    return this.position + (this.magic === MAGIC_V0 ? 18 : 26);
  }
  get keyLength(): number {
    return this.buffer.readInt32BE(this.keyLengthPosition);
  }
  key(): Buffer | null {
    const p = this.keyLengthPosition;
    const len = this.buffer.readInt32BE(p);
    return len < 0 ? null : this.buffer.subarray(p + 4, p + 4 + len);
  }
  value(): Buffer | null {
    const p = this.keyLengthPosition;
    const kl = this.buffer.readInt32BE(p);
    const vp = p + 4 + Math.max(kl, 0);
    const vl = this.buffer.readInt32BE(vp);
    return vl < 0 ? null : this.buffer.subarray(vp + 4, vp + 4 + vl);
  }

  computeChecksum(): number {
    return crc32(this.buffer, this.position + MAGIC_OFFSET, this.position + this.sizeInBytes);
  }

  /** Structural problem description, or null when the framing is consistent (CRC not checked). */
  private structureError(): string | null {
    const size = this.messageSize;
    const magic = this.magic;
    if (magic !== MAGIC_V0 && magic !== MAGIC_V1) return `Invalid magic ${magic} for a legacy message`;
    const overhead = magic === MAGIC_V0 ? RECORD_OVERHEAD_V0 : RECORD_OVERHEAD_V1;
    if (size < overhead) return `Record is corrupt (size ${size} is smaller than the minimum overhead ${overhead} for magic ${magic})`;
    const end = this.position + LOG_OVERHEAD + size;
    if (end > this.buffer.length) return `Record is truncated (size ${size})`;
    const kp = this.keyLengthPosition;
    const kl = this.buffer.readInt32BE(kp);
    if (kl < -1) return `Invalid key length ${kl}`;
    const vp = kp + 4 + Math.max(kl, 0);
    if (vp + 4 > end) return `Key length ${kl} runs past the record`;
    const vl = this.buffer.readInt32BE(vp);
    if (vl < -1) return `Invalid value length ${vl}`;
    if (vp + 4 + Math.max(vl, 0) !== end) return `Record size ${size} does not match its key/value lengths`;
    return null;
  }

  isValid(): boolean {
    return this.structureError() === null && this.computeChecksum() === this.crc;
  }

  ensureValid(): void {
    const err = this.structureError();
    if (err !== null) throw new CorruptRecordError(err);
    const stored = this.crc;
    const computed = this.computeChecksum();
    if (stored !== computed) {
      throw new CorruptRecordError(`Record is corrupt (stored crc = ${stored}, computed crc = ${computed})`);
    }
  }

  /**
   * The records of this entry: itself when uncompressed, the inner messages of a compressed wrapper (with absolute
   * offsets; v1 inner offsets are relative to the wrapper's, and LogAppendTime wrappers override timestamps).
   * Throws {@link InvalidRecordError} when the wrapper cannot be decompressed.
   */
  innerRecords(): LegacyRecord[] {
    const ct = this.compressionType;
    if (ct === CompressionType.None) {
      return [
        { offset: this.offset, magic: this.magic, timestamp: this.timestamp, timestampType: this.timestampType, key: this.key(), value: this.value() },
      ];
    }
    const v = this.value();
    if (v === null) throw new InvalidRecordError('Compressed legacy message has a null value');
    const inner = decompress(ct, v, { magic: this.magic });
    const out: LegacyRecord[] = [];
    for (const e of iterateBatches(inner, { legacy: (b, p) => new LegacyRecordBatch(b, p) })) {
      const m = e.batch as LegacyRecordBatch;
      m.ensureValid();
      if (m.isCompressed) throw new InvalidRecordError('Nested compressed legacy message');
      out.push({ offset: m.offset, magic: m.magic, timestamp: m.timestamp, timestampType: m.timestampType, key: m.key(), value: m.value() });
    }
    const wrapperMagic = this.magic;
    if (wrapperMagic === MAGIC_V1 && out.length > 0) {
      const lastRelative = out[out.length - 1]!.offset;
      const wrapperOffset = this.offset;
      const logAppend = this.timestampType === TimestampType.LogAppendTime;
      const ts = this.timestamp;
      for (const r of out) {
        r.offset = wrapperOffset - lastRelative + r.offset;
        if (logAppend) {
          r.timestamp = ts;
          r.timestampType = TimestampType.LogAppendTime;
        }
      }
    }
    return out;
  }
}

/** Factory for {@link iterateBatches}' `legacy` option. */
export function legacyBatchAt(buffer: Buffer, position: number): BatchView {
  return new LegacyRecordBatch(buffer, position);
}

/** Walk concatenated batches of any magic (0, 1, 2): {@link iterateBatches} with legacy support. */
export function iterateLogBatches(buffer: Buffer, options: Omit<IterateBatchesOptions, 'legacy'> = {}): Generator<BatchEntry> {
  return iterateBatches(buffer, { ...options, legacy: legacyBatchAt });
}

/** {@link nextBatchAt} with legacy support. */
export function nextLogBatchAt(buffer: Buffer, position: number, end: number, maxBatchSize?: number): BatchEntry | null {
  return nextBatchAt(buffer, position, end, maxBatchSize, legacyBatchAt);
}
