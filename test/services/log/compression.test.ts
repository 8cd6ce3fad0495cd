/**
 * compression.ts: Kafka's framings of gzip, snappy (xerial / raw), lz4 (frame, KAFKA-3160) and zstd, checked on
 * batches written by REAL clients:
 *  - kcat (librdkafka 2.0.2) producing to a tiny fake TCP broker (`test/protocol/support/fake-broker.ts`), its
 *    Produce request's records captured;
 *  - kafka-python 2.0.2 (python3-kafka with python3-snappy / -lz4 / -zstandard / -xxhash) building batches, the
 *    xerial snappy framing of the Java client and the broken LZ4 descriptor checksum of 0.8/0.9 clients included;
 *  - kafkajs 2.2.4's record batch encoder/decoder with our codecs registered.
 * The captured bytes are kept as hex fixtures in `fixtures/compressed/` so the fixture tests run without kcat or
 * python; `RAFKA_WRITE_COMPRESSION_FIXTURES=1 npx vitest run test/services/log/compression.test.ts` rewrites them.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../src/protocol/frame.js';
import { compress, compressionName, decompress, LZ4_FRAME_MAGIC, XERIAL_MAGIC, xxh32 } from '../../../src/services/log/compression.js';
import { crc32c } from '../../../src/services/log/crc32c.js';
import { iterateLogBatches, LegacyRecordBatch } from '../../../src/services/log/legacy-records.js';
import {
  buildRecordBatch, CompressionType, InvalidRecordError, LENGTH_OFFSET, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, RecordBatch,
} from '../../../src/services/log/record-batch.js';
import { startFakeBroker } from '../../protocol/support/fake-broker.js';
import { pyEncodeBatches, PYTHON } from './kafka-python.js';
import { prerequisite } from '../../helpers/environment.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'compressed');
const WRITE = process.env.RAFKA_WRITE_COMPRESSION_FIXTURES === '1';
const CODECS = [CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd] as const;

// ------------------------------------------------------------------------------------------------ data

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa'];

/** Deterministic, compressible but not trivially so. */
function words(seed: number, n: number): string {
  let x = seed * 2654435761 + 1;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(WORDS[x % 16]! + (x % 7));
  }
  return out.join(' ');
}

interface Expected {
  key: string | null;
  value: string;
  headers: [string, string][];
}

/** The records a fixture holds: `count` records labelled `label`, ~700-byte values, optional header h1=v1. */
function expected(label: string, count: number, headers: boolean): Expected[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `key-${i}`,
    value: `${label} record ${i}: ${words(i, 100)}`,
    headers: headers ? [['h1', 'v1']] : [],
  }));
}

interface Got {
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

/** Every record of every batch (any magic) in `buf`, batches CRC-checked. */
function readAll(buf: Buffer): { records: Got[]; magics: number[]; codecs: number[] } {
  const records: Got[] = [];
  const magics: number[] = [];
  const codecs: number[] = [];
  let end = 0;
  for (const e of iterateLogBatches(buf)) {
    e.batch.ensureValid();
    magics.push(e.magic);
    codecs.push(e.batch.compressionType);
    end = e.position + e.size;
    if (e.batch instanceof RecordBatch) {
      for (const r of e.batch.toRecords()) {
        records.push({ key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, headers: r.headers.map((h) => [h.key, h.value?.toString() ?? null]) });
      }
    } else {
      for (const r of (e.batch as LegacyRecordBatch).innerRecords()) records.push({ key: r.key?.toString() ?? null, value: r.value?.toString() ?? null, headers: [] });
    }
  }
  expect(end).toBe(buf.length);
  return { records, magics, codecs };
}

// ------------------------------------------------------------------------------------------------ fixtures

interface Fixture {
  /** file name (hex of concatenated batches) */
  file: string;
  producer: string;
  codec: CompressionType;
  magic: number;
  label: string;
  count: number;
  headers: boolean;
}

const KCAT_CASES: (Omit<Fixture, 'producer'> & { args: string[] })[] = [
  ...CODECS.map((codec) => ({ file: `kcat-${compressionName(codec)}-v2.hex`, codec, magic: 2, label: `kcat-${compressionName(codec)}`, count: 120, headers: true, args: ['-H', 'h1=v1'] })),
  // a 0.9 broker: MessageSet v0, LZ4 with the KAFKA-3160 descriptor checksum, raw snappy
  ...[CompressionType.Snappy, CompressionType.Lz4, CompressionType.Gzip].map((codec) => ({
    file: `kcat-${compressionName(codec)}-v0.hex`, codec, magic: 0, label: `kcat-${compressionName(codec)}-v0`, count: 40, headers: false,
    args: ['-X', 'api.version.request=false', '-X', 'broker.version.fallback=0.9.0'],
  })),
];

const PY_CASES: Omit<Fixture, 'producer'>[] = [
  ...[CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd].map((codec) => ({ file: `kafka-python-${compressionName(codec)}-v2.hex`, codec, magic: 2, label: `py-${compressionName(codec)}`, count: 120, headers: true })),
  ...[0, 1].flatMap((magic) =>
    [CompressionType.Snappy, CompressionType.Lz4].map((codec) => ({ file: `kafka-python-${compressionName(codec)}-v${magic}.hex`, codec, magic, label: `py-${compressionName(codec)}-v${magic}`, count: 40, headers: false })),
  ),
];

const manifestPath = path.join(FIXTURES, 'manifest.json');
const manifest: Fixture[] = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Fixture[]) : [];
const written: Fixture[] = [];

function saveFixture(f: Fixture, bytes: Buffer): void {
  if (!WRITE) return;
  mkdirSync(FIXTURES, { recursive: true });
  writeFileSync(path.join(FIXTURES, f.file), `${bytes.toString('hex')}\n`);
  written.push(f);
  const all = [...manifest.filter((m) => !written.some((w) => w.file === m.file)), ...written].sort((a, b) => a.file.localeCompare(b.file));
  writeFileSync(manifestPath, `${JSON.stringify(all, null, 2)}\n`);
}

function checkFixture(f: Pick<Fixture, 'codec' | 'magic' | 'label' | 'count' | 'headers'>, bytes: Buffer): void {
  const { records, magics, codecs } = readAll(bytes);
  expect(new Set(magics)).toEqual(new Set([f.magic]));
  expect(new Set(codecs)).toEqual(new Set([f.codec]));
  expect(records).toEqual(expected(f.label, f.count, f.headers));
}

describe('real-client fixtures', () => {
  it('the manifest lists kcat and kafka-python batches of every codec', () => {
    const kinds = new Set(manifest.map((m) => `${m.producer.split(' ')[0]} ${compressionName(m.codec)} v${m.magic}`));
    for (const k of ['kcat gzip v2', 'kcat snappy v2', 'kcat lz4 v2', 'kcat zstd v2', 'kcat lz4 v0', 'kcat snappy v0', 'kafka-python snappy v2', 'kafka-python lz4 v0']) {
      expect(kinds).toContain(k);
    }
  });

  for (const f of manifest) {
    it(`${f.file}: ${f.producer}: records equal what was sent`, () => {
      checkFixture(f, Buffer.from(readFileSync(path.join(FIXTURES, f.file), 'utf8').trim(), 'hex'));
    });
  }

  it('kafka-python snappy is xerial-framed (Java framing), kcat snappy is raw; both decode', () => {
    const py = Buffer.from(readFileSync(path.join(FIXTURES, 'kafka-python-snappy-v2.hex'), 'utf8').trim(), 'hex');
    expect(py.subarray(RECORD_BATCH_OVERHEAD, RECORD_BATCH_OVERHEAD + 8).equals(XERIAL_MAGIC)).toBe(true);
    // 120 records of ~700 bytes: several 32 KiB xerial blocks
    const data = py.subarray(RECORD_BATCH_OVERHEAD, LOG_OVERHEAD + py.readInt32BE(LENGTH_OFFSET));
    expect(decompress(CompressionType.Snappy, data).length).toBeGreaterThan(2 * 32 * 1024);
    const kc = Buffer.from(readFileSync(path.join(FIXTURES, 'kcat-snappy-v2.hex'), 'utf8').trim(), 'hex');
    expect(kc.subarray(RECORD_BATCH_OVERHEAD, RECORD_BATCH_OVERHEAD + 8).equals(XERIAL_MAGIC)).toBe(false);
  });

  it('magic 0 LZ4 from kcat and kafka-python carries the KAFKA-3160 checksum: accepted for magic 0/1 only', () => {
    for (const file of ['kcat-lz4-v0.hex', 'kafka-python-lz4-v0.hex']) {
      const buf = Buffer.from(readFileSync(path.join(FIXTURES, file), 'utf8').trim(), 'hex');
      const wrapper = [...iterateLogBatches(buf)][0]!.batch as LegacyRecordBatch;
      const frame = wrapper.value()!;
      expect(frame.readUInt32LE(0)).toBe(LZ4_FRAME_MAGIC);
      const descEnd = 4 + 2 + (frame[4]! & 0x08 ? 8 : 0);
      expect(frame[descEnd]).toBe((xxh32(frame, 0, descEnd) >>> 8) & 0xff); // hashed from the magic: broken
      expect(frame[descEnd]).not.toBe((xxh32(frame, 4, descEnd) >>> 8) & 0xff);
      expect(() => decompress(CompressionType.Lz4, frame)).toThrow(/Failed to decompress lz4 record batch/);
      expect(decompress(CompressionType.Lz4, frame, { magic: 0 }).length).toBeGreaterThan(0);
      expect(decompress(CompressionType.Lz4, frame, { magic: 1 }).length).toBeGreaterThan(0);
      expect(frame.equals(wrapper.value()!)).toBe(true); // the log bytes are not patched in place
    }
  });
});

// ------------------------------------------------------------------------------------------------ live clients

const hasKcat = prerequisite('kcat', existsSync('/usr/bin/kcat'), 'apt-get install -y kcat');

describe.skipIf(!hasKcat)('kcat (librdkafka) live: Produce captured by a fake broker', () => {
  const version = hasKcat ? execFileSync('kcat', ['-V']).toString().match(/librdkafka version ([\d.]+)/)?.[1] ?? '?' : '?';
  for (const c of KCAT_CASES) {
    it(`${c.file}: kcat -z ${compressionName(c.codec)}${c.magic < 2 ? ' (0.9 broker)' : ''}`, async () => {
      const fb = await startFakeBroker();
      let bytes: Buffer;
      try {
        const child = run('kcat', ['-b', `127.0.0.1:${fb.port}`, '-P', '-t', 'golden', '-p', '0', '-z', compressionName(c.codec), '-K', '\t', ...c.args, '-X', 'topic.message.timeout.ms=10000', '-X', 'linger.ms=1000'], { timeout: 20000 });
        child.child.stdin!.end(expected(c.label, c.count, false).map((r) => `${r.key}\t${r.value}\n`).join(''));
        await child;
        expect(fb.errors).toEqual([]);
        const produces = fb.frames.filter((f) => f.apiKey === 0);
        expect(produces.length).toBeGreaterThan(0);
        // A 1 s linger keeps the records in one or two batches even when a busy CPU slows kcat's
        // reading of stdin (with the default 5 ms it split them into more, and the fake broker keeps 3 frames per version).
        expect(produces.length).toBeLessThan(3);
        bytes = Buffer.concat(
          produces.map((f) => {
            const req = decodeRequest(Buffer.from(f.hex, 'hex'));
            const body = req.body as { topicData: { partitionData: { records: Buffer | null }[] }[] };
            return body.topicData[0]!.partitionData[0]!.records!;
          }),
        );
      } finally {
        await fb.close();
      }
      checkFixture(c, bytes);
      saveFixture({ file: c.file, producer: `kcat (librdkafka ${version}) -P -z ${compressionName(c.codec)} ${c.args.join(' ')}`.trim(), codec: c.codec, magic: c.magic, label: c.label, count: c.count, headers: c.headers }, bytes);
    }, 30000);
  }
});

function hasPythonCodecs(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import kafka.codec as c, xxhash; assert c.has_snappy() and c.has_lz4() and c.has_zstd()'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const hex = (s: string) => Buffer.from(s).toString('hex');

const hasPyCodecs = prerequisite('kafka-python with snappy/lz4/zstd/xxhash', hasPythonCodecs(), 'apt-get install -y python3-kafka python3-snappy python3-lz4 python3-zstandard python3-xxhash');

describe.skipIf(!hasPyCodecs)('kafka-python live: DefaultRecordBatchBuilder / LegacyRecordBatchBuilder', () => {
  for (const c of PY_CASES) {
    it(`${c.file}`, () => {
      const T0 = 1_700_000_000_000;
      const recs = expected(c.label, c.count, c.headers);
      const [bytes] = pyEncodeBatches([
        {
          magic: c.magic as 0 | 1 | 2,
          compression: c.codec,
          records: recs.map((r, i) => ({ offset: i, timestamp: T0 + i, key: hex(r.key!), value: hex(r.value), headers: r.headers.map(([k, v]) => [k, hex(v)] as [string, string]) })),
        },
      ]);
      checkFixture(c, bytes!);
      saveFixture({ ...c, producer: `kafka-python 2.0.2 ${c.magic === 2 ? 'DefaultRecordBatchBuilder' : `LegacyRecordBatchBuilder(magic=${c.magic})`} compression_type=${c.codec}` }, bytes!);
    });
  }
});

// ------------------------------------------------------------------------------------------------ kafkajs

/** Re-encode an uncompressed v2 batch with `type` (records section compressed, length/attributes/CRC updated). */
function compressBatch(batch: Buffer, type: CompressionType): Buffer {
  const body = compress(type, batch.subarray(RECORD_BATCH_OVERHEAD));
  const out = Buffer.concat([batch.subarray(0, RECORD_BATCH_OVERHEAD), body]);
  out.writeInt32BE(out.length - LOG_OVERHEAD, LENGTH_OFFSET);
  out.writeInt16BE((out.readInt16BE(21) & ~7) | type, 21);
  out.writeUInt32BE(crc32c(out, 21, out.length), 17);
  return out;
}

describe('kafkajs 2.2.4 record batches with our codecs registered', () => {
  interface KjsRecord { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer> }
  const kafkajs = require('kafkajs') as { CompressionCodecs: Record<number, () => unknown> };
  const { RecordBatch: KjsRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
    RecordBatch: (o: { compression: number; records: unknown[]; lastOffsetDelta: number }) => Promise<{ buffer: Buffer }>;
  };
  const KjsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (o: { offsetDelta: number; key: Buffer; value: Buffer; headers: Record<string, Buffer> }) => unknown;
  const kjsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{ records: KjsRecord[] }>;
  const KjsDecoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;
  for (const type of [CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    kafkajs.CompressionCodecs[type] = () => ({
      compress: async (encoder: { buffer: Buffer }) => compress(type, encoder.buffer),
      decompress: async (buffer: Buffer) => decompress(type, buffer),
    });
  }
  const recs = expected('kjs', 60, true);

  for (const type of CODECS) {
    it(`${compressionName(type)}: kafkajs-encoded batch -> our record cursor, our batch -> kafkajs decoder`, async () => {
      const kjs = await KjsRecordBatch({
        compression: type,
        lastOffsetDelta: recs.length - 1,
        records: recs.map((r, i) => KjsRecord({ offsetDelta: i, key: Buffer.from(r.key!), value: Buffer.from(r.value), headers: { h1: Buffer.from('v1') } })),
      });
      const ours = new RecordBatch(kjs.buffer);
      expect(ours.isValid()).toBe(true);
      expect(ours.compressionType).toBe(type);
      expect(readAll(kjs.buffer).records).toEqual(recs);

      const built = compressBatch(buildRecordBatch({ records: recs.map((r) => ({ key: r.key, value: r.value, headers: [{ key: 'h1', value: 'v1' }] })) }), type);
      expect(new RecordBatch(built).isValid()).toBe(true);
      expect(built.length).toBeLessThan(recs.length * 300); // really compressed
      const decoded = await kjsDecodeBatch(new KjsDecoder(built));
      expect(decoded.records.map((r) => ({ key: r.key?.toString() ?? null, value: r.value!.toString(), headers: Object.entries(r.headers).map(([k, v]) => [k, v.toString()]) }))).toEqual(recs);
    });
  }
});

// ------------------------------------------------------------------------------------------------ unit

describe('xxh32', () => {
  it('matches the reference vectors (seed 0)', () => {
    expect(xxh32(Buffer.from(''))).toBe(0x02cc5d05);
    expect(xxh32(Buffer.from('a'))).toBe(0x550d7456);
    expect(xxh32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxh32(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
    expect(xxh32(Buffer.from('xxabcxx'), 2, 5)).toBe(0x32d153ff);
  });
});

describe('compress -> decompress', () => {
  const random = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 2654435761) >>> 24));
  const inputs: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from('x')],
    ['300 KiB of words', Buffer.from(words(7, 50_000))],
    ['100 KB of noise', random],
  ];
  for (const type of CODECS) {
    for (const [name, data] of inputs) {
      it(`${compressionName(type)}: ${name}`, () => {
        const c = compress(type, data);
        expect(decompress(type, c).equals(data)).toBe(true);
        if (type !== CompressionType.Zstd) expect(decompress(type, compress(type, data, { magic: 0 }), { magic: 0 }).equals(data)).toBe(true);
      });
    }
  }

  it('none is the identity; a Uint8Array view is accepted', () => {
    const d = Buffer.from('abc');
    expect(decompress(CompressionType.None, d)).toBe(d);
    const u = new Uint8Array(compress(CompressionType.Zstd, Buffer.from('hello')));
    expect(decompress(CompressionType.Zstd, u).toString()).toBe('hello');
  });

  it('snappy: xerial header, 32 KiB blocks; raw snappy and concatenated xerial streams are read', () => {
    const d = Buffer.from(words(3, 20_000));
    const c = compress(CompressionType.Snappy, d);
    expect(c.subarray(0, 16).toString('hex')).toBe('82534e41505059000000000100000001');
    let blocks = 0;
    for (let p = 16; p < c.length; p += 4 + c.readInt32BE(p)) blocks++;
    expect(blocks).toBe(Math.ceil(d.length / 32768));
    const snappy = require('snappy') as typeof import('snappy');
    expect(decompress(CompressionType.Snappy, snappy.compressSync(d)).equals(d)).toBe(true);
    const two = Buffer.concat([c, compress(CompressionType.Snappy, Buffer.from('tail'))]);
    expect(decompress(CompressionType.Snappy, two).toString('latin1')).toBe(d.toString('latin1') + 'tail');
  });

  it('lz4: an LZ4 frame; magic 0 output carries the KAFKA-3160 checksum, rejected for magic 2', () => {
    const d = Buffer.from(words(5, 1000));
    const c = compress(CompressionType.Lz4, d);
    expect(c.readUInt32LE(0)).toBe(LZ4_FRAME_MAGIC);
    // version 01, independent blocks, no block/content checksums, no content size (as KafkaLZ4BlockOutputStream);
    // BD: 64 KiB max blocks for this input (lz4_flex picks 256 KiB for larger ones; Kafka's reader honours any BD)
    expect([c[4], c[5]]).toEqual([0x60, 0x40]);
    expect(compress(CompressionType.Lz4, Buffer.alloc(200_000, 7))[5]).toBe(0x50);
    const desc = 4 + 2 + (c[4]! & 0x08 ? 8 : 0);
    expect(c[desc]).toBe((xxh32(c, 4, desc) >>> 8) & 0xff);
    const old = compress(CompressionType.Lz4, d, { magic: 0 });
    expect(old[desc]).toBe((xxh32(old, 0, desc) >>> 8) & 0xff);
    expect(() => decompress(CompressionType.Lz4, old)).toThrow(InvalidRecordError);
    expect(decompress(CompressionType.Lz4, old, { magic: 1 }).equals(d)).toBe(true);
  });

  it('zstd: standard frames, also without content size and concatenated (the zstd CLI)', () => {
    const d = Buffer.from(words(9, 5000));
    const c = compress(CompressionType.Zstd, d);
    expect(c.readUInt32LE(0)).toBe(0xfd2fb528);
    if (existsSync('/usr/bin/zstd')) {
      const cli = execFileSync('zstd', ['-q', '-c', '--no-content-size'], { input: d });
      expect(decompress(CompressionType.Zstd, Buffer.concat([cli, c])).equals(Buffer.concat([d, d]))).toBe(true);
    }
  });

  it('gzip: multi-member streams (concatenated gzip) are read', () => {
    const two = Buffer.concat([zlib.gzipSync('ab'), zlib.gzipSync('cd')]);
    expect(decompress(CompressionType.Gzip, two).toString()).toBe('abcd');
  });
});

describe('errors are InvalidRecordError naming the codec', () => {
  const d = Buffer.from(words(11, 3000));
  for (const type of CODECS) {
    const name = compressionName(type);
    it(`${name}: garbage, truncated, corrupted`, () => {
      const re = new RegExp(`^Failed to decompress ${name} record batch: `);
      expect(() => decompress(type, Buffer.from('this is not compressed at all'))).toThrow(re);
      const c = compress(type, d);
      expect(() => decompress(type, c.subarray(0, c.length >> 1))).toThrow(re);
      expect(() => decompress(type, c.subarray(0, c.length >> 1))).toThrow(InvalidRecordError);
      expect(() => decompress(type, Buffer.alloc(0))).toThrow(re);
      expect(() => decompress(type, c.subarray(0, 3), { magic: 1 })).toThrow(new RegExp(`^Failed to decompress ${name} message set: `));
    });
  }

  it('snappy: a block declaring an implausible length is refused before allocating', () => {
    const raw = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61]); // 4 GiB from 7 bytes
    expect(() => decompress(CompressionType.Snappy, raw)).toThrow(/snappy block declares 4294967295 bytes/);
    const xerial = Buffer.concat([compress(CompressionType.Snappy, Buffer.alloc(0)), Buffer.from([0, 0, 0, 9]), raw]);
    expect(() => decompress(CompressionType.Snappy, xerial)).toThrow(/runs past the end/);
  });

  it('unknown codec ids', () => {
    expect(() => decompress(6 as CompressionType, Buffer.from('x'))).toThrow(/Failed to decompress unknown\(6\) record batch: Unknown compression type id 6/);
    expect(() => compress(6 as CompressionType, Buffer.from('x'))).toThrow(InvalidRecordError);
  });

  it('a corrupt compressed batch fails its record cursor, a corrupt legacy wrapper its innerRecords()', () => {
    const b = compressBatch(buildRecordBatch({ records: [{ key: 'k', value: words(1, 200) }] }), CompressionType.Zstd);
    b[RECORD_BATCH_OVERHEAD + 8] ^= 0xff;
    b.writeUInt32BE(crc32c(b, 21, b.length), 17);
    expect(new RecordBatch(b).isValid()).toBe(true);
    expect(() => new RecordBatch(b).records()).toThrow(/^Failed to decompress zstd record batch/);
  });
});
