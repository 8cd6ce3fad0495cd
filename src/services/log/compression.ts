/**
 * Record compression codecs with Kafka's framings, for the payload of v2 batches (everything after the 61-byte
 * header) and the value of magic 0/1 wrapper messages:
 *
 * - gzip: RFC 1952 (node:zlib; multi-member streams accepted).
 * - snappy: the xerial "snappy-java" stream framing written by the Java client's `SnappyOutputStream` —
 *   `\x82SNAPPY\x00` magic, int32 version, int32 min-compatible version, then blocks of [int32 length][raw snappy
 *   block]. Raw (unframed) snappy, as librdkafka and kafkajs-snappy write, is accepted too (snappy-java's
 *   `SnappyInputStream` falls back to it when the magic is missing). Raw blocks: `snappy` (napi-rs).
 * - lz4: the LZ4 frame format (`KafkaLZ4BlockOutputStream`, magic 0x184D2204). Kafka < 0.10 computed the frame
 *   descriptor checksum over the magic number too (KAFKA-3160); for magic 0/1 data the descriptor checksum is not
 *   checked (as Kafka's `ignoreFlagDescriptorChecksum`). Frames: `lz4-napi` (lz4_flex).
 * - zstd: standard Zstandard frames, with or without content size, concatenated frames accepted
 *   (`@toondepauw/node-zstd`, libzstd).
 *
 * Native packages are loaded on first use of their codec, so a broker that never sees a codec never loads it.
 * Every failure is an {@link InvalidRecordError} naming the codec.
 */

import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { CompressionType, InvalidRecordError, MAGIC_V2 } from './record-format.js';

type SnappyModule = typeof import('snappy');
type Lz4Module = typeof import('lz4-napi');
type ZstdModule = typeof import('@toondepauw/node-zstd');

const require = createRequire(import.meta.url);

let snappyModule: SnappyModule | undefined;
let lz4Module: Lz4Module | undefined;
let zstdModule: ZstdModule | undefined;

function snappy(): SnappyModule {
  return (snappyModule ??= require('snappy') as SnappyModule);
}
function lz4(): Lz4Module {
  return (lz4Module ??= require('lz4-napi') as Lz4Module);
}
function zstd(): ZstdModule {
  return (zstdModule ??= require('@toondepauw/node-zstd') as ZstdModule);
}

/** Lower-case codec name as in Kafka's `compression.type` (`none`, `gzip`, `snappy`, `lz4`, `zstd`). */
export function compressionName(type: CompressionType): string {
  switch (type) {
    case CompressionType.None:
      return 'none';
    case CompressionType.Gzip:
      return 'gzip';
    case CompressionType.Snappy:
      return 'snappy';
    case CompressionType.Lz4:
      return 'lz4';
    case CompressionType.Zstd:
      return 'zstd';
    default:
      return `unknown(${type as number})`;
  }
}

export interface DecompressOptions {
  /**
   * Magic of the record format the data comes from (default 2). For 0 and 1 (legacy wrapper messages) the LZ4
   * frame descriptor checksum is not checked (KAFKA-3160).
   */
  magic?: number;
}

export interface CompressOptions {
  /**
   * Magic of the record format the data is for (default 2). For 0 an LZ4 frame gets the descriptor checksum of
   * Kafka < 0.10 (computed over the magic number too, KAFKA-3160), as a 0.9 client wrote it.
   */
  magic?: number;
  /** Codec level (gzip 1..9, zstd 1..22; Kafka's defaults: gzip -1 = zlib default, zstd 3). Ignored by snappy/lz4. */
  level?: number;
}

function fail(type: CompressionType, magic: number, err: unknown): never {
  const what = magic >= MAGIC_V2 ? 'record batch' : 'message set';
  const msg = err instanceof Error ? err.message : String(err);
  throw new InvalidRecordError(`Failed to decompress ${compressionName(type)} ${what}: ${msg}`);
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Decompress `data` (a batch's records section, or a legacy wrapper's value) compressed with `type`.
 * `None` returns `data` itself. Throws {@link InvalidRecordError} when the data is not valid for the codec.
 */
export function decompress(type: CompressionType, data: Uint8Array, options: DecompressOptions = {}): Buffer {
  const magic = options.magic ?? MAGIC_V2;
  const buf = asBuffer(data);
  try {
    switch (type) {
      case CompressionType.None:
        return buf;
      case CompressionType.Gzip:
        return zlib.gunzipSync(buf);
      case CompressionType.Snappy:
        return snappyDecompress(buf);
      case CompressionType.Lz4:
        return lz4Decompress(buf, magic < MAGIC_V2);
      case CompressionType.Zstd:
        return zstdDecompress(buf);
      default:
        throw new InvalidRecordError(`Unknown compression type id ${type as number}`);
    }
  } catch (e) {
    fail(type, magic, e);
  }
}

/** Compress `data` with `type` in Kafka's framing (the inverse of {@link decompress}). `None` returns `data`. */
export function compress(type: CompressionType, data: Uint8Array, options: CompressOptions = {}): Buffer {
  const buf = asBuffer(data);
  switch (type) {
    case CompressionType.None:
      return buf;
    case CompressionType.Gzip:
      return zlib.gzipSync(buf, options.level !== undefined && options.level >= 0 ? { level: options.level } : {});
    case CompressionType.Snappy:
      return snappyXerialCompress(buf);
    case CompressionType.Lz4:
      return lz4Compress(buf, (options.magic ?? MAGIC_V2) === 0);
    case CompressionType.Zstd:
      return zstdEncoder(options.level ?? ZSTD_DEFAULT_LEVEL).encodeSync(buf);
    default:
      throw new InvalidRecordError(`Unknown compression type id ${type as number}`);
  }
}

// ------------------------------------------------------------------------------------------------ snappy

/** snappy-java's stream magic `\x82SNAPPY\x00`. */
export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Magic + int32 version + int32 min compatible version. */
export const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
const XERIAL_MIN_COMPATIBLE_VERSION = 1;
/** snappy-java's `SnappyOutputStream` default block size (Kafka uses the default). */
const XERIAL_BLOCK_SIZE = 32 * 1024;

function isXerialHeaderAt(buf: Buffer, pos: number): boolean {
  return buf.length - pos >= XERIAL_HEADER_SIZE && buf.compare(XERIAL_MAGIC, 0, 8, pos, pos + 8) === 0;
}

/** Uncompressed length declared by a raw snappy block (its varint preamble), checked for plausibility. */
function snappyDeclaredLength(buf: Buffer, start: number, end: number): number {
  let result = 0;
  let shift = 0;
  for (let p = start; p < end && shift <= 28; p++, shift += 7) {
    const b = buf[p]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      // A snappy element expands at most ~22x (a 3-byte copy of 64 bytes): anything far beyond is corrupt, and
      // refusing it here keeps a flipped length byte from allocating gigabytes.
      if (result > (end - start) * 32 + 64) throw new InvalidRecordError(`snappy block declares ${result} bytes from ${end - start} compressed bytes`);
      return result;
    }
  }
  throw new InvalidRecordError('snappy block has an invalid length preamble');
}

function snappyRawBlock(buf: Buffer, start: number, end: number): Buffer {
  snappyDeclaredLength(buf, start, end);
  return snappy().uncompressSync(buf.subarray(start, end), { asBuffer: true }) as Buffer;
}

function snappyDecompress(buf: Buffer): Buffer {
  if (!isXerialHeaderAt(buf, 0)) return snappyRawBlock(buf, 0, buf.length);
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    // snappy-java accepts concatenated streams: a new header may start at any block boundary
    if (isXerialHeaderAt(buf, pos)) {
      const compat = buf.readInt32BE(pos + 12);
      if (compat > XERIAL_VERSION) throw new InvalidRecordError(`unsupported snappy-java stream version (min compatible ${compat})`);
      pos += XERIAL_HEADER_SIZE;
      continue;
    }
    if (pos + 4 > buf.length) throw new InvalidRecordError(`truncated snappy-java block length at byte ${pos}`);
    const len = buf.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > buf.length) {
      throw new InvalidRecordError(`snappy-java block of ${len} bytes at byte ${pos - 4} runs past the end (${buf.length} bytes)`);
    }
    parts.push(snappyRawBlock(buf, pos, pos + len));
    pos += len;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The snappy-java stream framing, as Kafka's Java producer writes it. */
function snappyXerialCompress(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(XERIAL_VERSION, 8);
  header.writeInt32BE(XERIAL_MIN_COMPATIBLE_VERSION, 12);
  parts.push(header);
  const s = snappy();
  for (let pos = 0; pos < buf.length; pos += XERIAL_BLOCK_SIZE) {
    const block = s.compressSync(buf.subarray(pos, Math.min(buf.length, pos + XERIAL_BLOCK_SIZE)));
    const len = Buffer.alloc(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

// ------------------------------------------------------------------------------------------------ lz4

export const LZ4_FRAME_MAGIC = 0x184d2204;

/** Length of the frame descriptor (FLG, BD, optional content size and dictionary id), without the HC byte. */
function lz4DescriptorLength(buf: Buffer): number {
  if (buf.length < 7) throw new InvalidRecordError(`LZ4 frame too short (${buf.length} bytes)`);
  if (buf.readUInt32LE(0) !== LZ4_FRAME_MAGIC) {
    throw new InvalidRecordError(`not an LZ4 frame (magic 0x${buf.readUInt32LE(0).toString(16)}, expected 0x${LZ4_FRAME_MAGIC.toString(16)})`);
  }
  const flg = buf[4]!;
  const len = 2 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0);
  if (buf.length < 4 + len + 1) throw new InvalidRecordError('LZ4 frame descriptor is truncated');
  return len;
}

function lz4Decompress(buf: Buffer, legacy: boolean): Buffer {
  let frame = buf;
  if (legacy) {
    // KAFKA-3160: the descriptor checksum of Kafka < 0.10 frames is wrong; lz4_flex always checks it, so give it
    // the right one (on a copy: `buf` may be a view into a log segment).
    const len = lz4DescriptorLength(buf);
    const hc = (xxh32(buf, 4, 4 + len) >>> 8) & 0xff;
    if (buf[4 + len] !== hc) {
      frame = Buffer.from(buf);
      frame[4 + len] = hc;
    }
  } else {
    lz4DescriptorLength(buf); // clear message for a wrong magic
  }
  return lz4().decompressFrameSync(frame);
}

/**
 * One LZ4 frame: independent blocks, no checksums, no content size; lz4_flex picks the max block size from the
 * input size (64 KiB for small inputs, 256 KiB above; Kafka's own writer always uses 64 KiB, and its
 * `KafkaLZ4BlockInputStream` as well as librdkafka accept any block size the descriptor declares).
 */
function lz4Compress(buf: Buffer, kafka3160: boolean): Buffer {
  const frame = lz4().compressFrameSync(buf, { contentChecksum: false, blockChecksums: false });
  if (kafka3160) {
    const len = lz4DescriptorLength(frame);
    frame[4 + len] = (xxh32(frame, 0, 4 + len) >>> 8) & 0xff;
  }
  return frame;
}

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** XXH32 (seed 0) of `buf[start, end)`, unsigned. Used for the LZ4 frame descriptor checksum. */
export function xxh32(buf: Uint8Array, start = 0, end = buf.length, seed = 0): number {
  const u32 = (p: number) => (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
  let p = start;
  const len = end - start;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = end - 16;
    while (p <= limit) {
      v1 = Math.imul(rotl((v1 + Math.imul(u32(p), P2)) | 0, 13), P1);
      v2 = Math.imul(rotl((v2 + Math.imul(u32(p + 4), P2)) | 0, 13), P1);
      v3 = Math.imul(rotl((v3 + Math.imul(u32(p + 8), P2)) | 0, 13), P1);
      v4 = Math.imul(rotl((v4 + Math.imul(u32(p + 12), P2)) | 0, 13), P1);
      p += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + len) | 0;
  while (p + 4 <= end) {
    h = Math.imul(rotl((h + Math.imul(u32(p), P3)) | 0, 17), P4);
    p += 4;
  }
  while (p < end) {
    h = Math.imul(rotl((h + Math.imul(buf[p]!, P5)) | 0, 11), P1);
    p++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

// ------------------------------------------------------------------------------------------------ zstd

/** Kafka's default `compression.zstd.level`. */
export const ZSTD_DEFAULT_LEVEL = 3;

let zstdDecoder: InstanceType<ZstdModule['Decoder']> | undefined;
const zstdEncoders = new Map<number, InstanceType<ZstdModule['Encoder']>>();

function zstdDecompress(buf: Buffer): Buffer {
  zstdDecoder ??= new (zstd().Decoder)();
  return zstdDecoder.decodeSync(buf);
}

function zstdEncoder(level: number): InstanceType<ZstdModule['Encoder']> {
  let e = zstdEncoders.get(level);
  if (!e) {
    e = new (zstd().Encoder)(level);
    zstdEncoders.set(level, e);
  }
  return e;
}
