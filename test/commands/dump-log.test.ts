/**
 * `rafka dump-log`: real Kafka 2.7.1 data (a copy of the compat fixture), Rafka-written segments, broken inputs
 * (truncated tail, flipped byte, bad index), --json schema, --offsets-decoder.
 */
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/commands/dump-log.js';
import { copyCompat, makeTmpDir, rmrf } from '../services/log/tmp.js';
import { runCli, T0, writeRafkaPartition } from '../tools/log/helpers.js';
import { gzipSync } from 'node:zlib';
import { buildEndTxnMarker, buildRecordBatch, RECORD_BATCH_OVERHEAD } from '../../src/services/log/record-batch.js';
import { crc32c } from '../../src/services/log/crc32c.js';
import { TransactionIndex } from '../../src/services/log/transaction-index.js';
import { hex, pyEncodeBatches } from '../services/log/kafka-python.js';

/** A gzip-compressed v2 batch: the records of an uncompressed one, gzipped, attributes and CRC updated. */
function gzipBatch(plain: Buffer): Buffer {
  const body = gzipSync(plain.subarray(RECORD_BATCH_OVERHEAD));
  const b = Buffer.concat([plain.subarray(0, RECORD_BATCH_OVERHEAD), body]);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt16BE(b.readInt16BE(21) | 1, 21);
  b.writeUInt32BE(crc32c(b, 21, b.length), 17);
  return b;
}

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
  const d = await makeTmpDir('rafka-dumplog-');
  cleanup.push(d);
  return d;
}
const dump = (...argv: string[]) => runCli(run, argv);
const segs = (dir: string, ext: string) => readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => path.join(dir, f));

interface JsonDump {
  schema: string;
  files: Array<{ file: string; type: string; entries: any[]; summary: any; problems: any[] }>;
  problems: Array<{ file: string; position: number | null; kind: string; message: string }>;
}

describe('rafka dump-log on real Kafka 2.7.1 data (compat fixture copy)', () => {
  it('__consumer_offsets-39: 4 batches, 5 records, offsets 4..19 (as the fixture README)', async () => {
    const root = await compat();
    const logs = segs(path.join(root, '__consumer_offsets-39'), '.log');
    const r = await dump(...logs, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as JsonDump;
    expect(j.schema).toBe('rafka.dump-log/1');
    const batches = j.files.flatMap((f) => f.entries);
    expect(batches).toHaveLength(4);
    expect(j.files.reduce((n, f) => n + f.summary.records, 0)).toBe(5);
    expect(batches[0].baseOffset).toBe(4);
    expect(batches[3].lastOffset).toBe(19);
    expect(batches.every((b) => b.crcValid && b.magic === 2 && b.compression === 'none')).toBe(true);
    expect(j.problems).toEqual([]);
  });

  it('prints Kafka-style batch lines (golden) and the time index verified against its log', async () => {
    const root = await compat();
    const d = path.join(root, '__consumer_offsets-39');
    const r = await dump(path.join(d, '00000000000000000018.log'), path.join(d, '00000000000000000000.timeindex'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe([
      `Dumping ${d}/00000000000000000018.log`,
      'Starting offset: 18',
      'baseOffset: 18 lastOffset: 19 count: 2 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 0 isTransactional: false isControl: false position: 0 CreateTime: 1686446865837 baseTimestamp: 1686446865837 size: 148 magic: 2 compresscodec: none crc: 1240616215 isvalid: true',
      'Summary: 1 batches, 2 records, offsets 18..19, 148 of 148 bytes valid',
      `Dumping ${d}/00000000000000000000.timeindex`,
      'timestamp: 1685814551582 offset: 17',
      'Summary: 1 entries, 0 mismatches (verified against 00000000000000000000.log)',
      '',
    ].join('\n'));
  });

  it('--transaction-log-decoder decodes __transaction_state records as Kafka formats them', async () => {
    const root = await makeTmpDir();
    cleanup.push(root);
    const dir = path.join(root, '__transaction_state-0');
    const { Log } = await import('../../src/services/log/log.js');
    const { DEFAULT_LOG_CONFIG } = await import('../../src/services/log/log-config.js');
    const { encodeTxnKey, encodeTxnValue } = await import('../../src/services/transaction/transaction-log.js');
    const log = Log.create({ dir, topic: '__transaction_state', partition: 0, config: { ...DEFAULT_LOG_CONFIG } });
    log.appendAsLeader(buildRecordBatch({ records: [
      { key: encodeTxnKey('tx-1'), value: encodeTxnValue({ producerId: 4000n, producerEpoch: 2, txnTimeoutMs: 60000, state: 'Ongoing', partitions: [{ topic: 'orders', partitions: [0, 1] }], txnLastUpdateTimestamp: T0, txnStartTimestamp: T0 }) },
      { key: encodeTxnKey('tx-2'), value: null },
    ] }), 0);
    log.close();
    const r = await dump('--transaction-log-decoder', ...segs(dir, '.log'));
    expect(r.code, r.err).toBe(0);
    const recs = r.out.split('\n').filter((l) => l.startsWith('| '));
    expect(recs[0]).toContain(`key: transaction_metadata::transactionalId=tx-1 payload: producerId:4000,producerEpoch:2,state=Ongoing,partitions=[orders-0,orders-1],txnLastUpdateTimestamp=${T0},txnTimeoutMs=60000`);
    expect(recs[1]).toContain('key: transaction_metadata::transactionalId=tx-2 payload: <DELETE>');
  });

  it('--offsets-decoder decodes offset commits and group metadata (members, tombstones)', async () => {
    const root = await compat();
    const r39 = await dump('--offsets-decoder', ...segs(path.join(root, '__consumer_offsets-39'), '.log'));
    expect(r39.code, r39.err).toBe(0);
    const recs = r39.out.split('\n').filter((l) => l.startsWith('| '));
    expect(recs).toHaveLength(5);
    expect(recs[0]).toContain('key: group_metadata::group=console-consumer-52588 payload: <DELETE>');
    expect(recs[1]).toContain('key: offset_commit::group=console-consumer-65070,partition=test_topic_0603-0 payload: offset=9,leaderEpoch=-1,metadata=,commitTimestamp=1685814551579');
    expect(recs[3]).toContain('offset: 18 ');
    expect(recs[3]).toContain('partition=test_topic_0603-0 payload: <DELETE>');

    const j = JSON.parse((await dump('--offsets-decoder', '--json', ...segs(path.join(root, '__consumer_offsets-33'), '.log'))).out) as JsonDump;
    const first = j.files[0]!.entries[0].records[0];
    expect(first.offset).toBe(0);
    expect(first.key).toEqual({ base64: expect.any(String) });
    expect(first.decoded.key).toEqual({ type: 'group_metadata', version: 2, group: 'console-consumer-10731' });
    expect(first.decoded.value).toMatchObject({
      type: 'group_metadata', version: 3, protocolType: 'consumer', generation: 1, protocol: 'range',
      leader: 'consumer-console-consumer-10731-1-c0f4c7ed-b931-4142-a34a-6a22b34d5c2b', currentStateTimestamp: 1670068719277,
    });
    expect(first.decoded.value.members).toEqual([{
      memberId: 'consumer-console-consumer-10731-1-c0f4c7ed-b931-4142-a34a-6a22b34d5c2b', groupInstanceId: null,
      clientId: 'consumer-console-consumer-10731-1', clientHost: '/127.0.0.1', rebalanceTimeout: 300000, sessionTimeout: 10000,
      subscriptionSize: 23, assignmentSize: 27,
    }]);
    // every record of every populated __consumer_offsets partition decodes
    for (const p of [8, 17, 28, 33, 39]) {
      const jj = JSON.parse((await dump('--offsets-decoder', '--json', ...segs(path.join(root, `__consumer_offsets-${p}`), '.log'))).out) as JsonDump;
      const all = jj.files.flatMap((f) => f.entries.flatMap((b) => b.records));
      expect(all.length).toBeGreaterThan(0);
      expect(all.every((rec) => rec.decoded && !rec.decoded.error && rec.decoded.key.group.startsWith('console-consumer-'))).toBe(true);
    }
  });

  it('snapshot, checkpoints, leader-epoch-checkpoint and meta.properties as tables', async () => {
    const root = await compat();
    const r = await dump(path.join(root, 'myTopic-0/00000000000000000038.snapshot'), path.join(root, 'cleaner-offset-checkpoint'),
      path.join(root, 'myTopic-0/leader-epoch-checkpoint'), path.join(root, 'meta.properties'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain([
      'PRODUCER ID  EPOCH  LAST SEQUENCE  LAST OFFSET  OFFSET DELTA  TIMESTAMP      COORDINATOR EPOCH  TXN FIRST OFFSET',
      '4001         0      11             11           2             1670068129797  -1                 -',
    ].join('\n'));
    expect(r.out).toContain('TOPIC               PARTITION  OFFSET\n__consumer_offsets  28         2\n');
    expect(r.out).toContain('EPOCH  START OFFSET\n0      38\n');
    expect(r.out).toContain('cluster.id  d0053poFTbGwSWThjV1DEg');

    // a directory stands for the files in it
    const all = JSON.parse((await dump('--json', path.join(root, '__consumer_offsets-28'))).out) as JsonDump;
    expect(all.files.map((f) => [path.basename(f.file), f.type])).toEqual([
      ['00000000000000000000.index', 'index'], ['00000000000000000000.log', 'log'], ['00000000000000000000.timeindex', 'timeindex'],
      ['00000000000000000002.log', 'log'], ['00000000000000000002.snapshot', 'snapshot'], ['00000000000000000003.snapshot', 'snapshot'],
      ['leader-epoch-checkpoint', 'leader-epoch-checkpoint'],
    ]);
    expect(all.problems).toEqual([]);
  });
});

describe('rafka dump-log on Rafka-written data', () => {
  it('batches, records (text, base64 for binary, headers), and indexes that match their log', async () => {
    const dir = writeRafkaPartition(await tmp());
    const logs = segs(dir, '.log');
    expect(logs.length).toBeGreaterThan(1);
    const r = await dump('--print-data-log', logs[0]!);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[2]).toMatch(/^baseOffset: 0 lastOffset: 2 count: 3 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 3 isTransactional: false isControl: false position: 0 CreateTime: 1700000000002 baseTimestamp: 1700000000000 size: \d+ magic: 2 compresscodec: none crc: \d+ isvalid: true$/);
    expect(lines[3]).toBe(`| offset: 0 CreateTime: ${T0} keySize: 2 valueSize: 2 sequence: -1 headerKeys: [] key: k0 payload: v0`);
    expect(r.out).toContain(`| offset: 3 CreateTime: ${T0 + 3} keySize: 4 valueSize: 2 sequence: -1 headerKeys: [trace] header trace: abc key: base64:AAEC/w== payload: v3\n`);

    const all = await dump('--json', ...logs);
    const j = JSON.parse(all.out) as JsonDump;
    expect(j.files.reduce((n, f) => n + f.summary.records, 0)).toBe(24);
    expect(j.files.flatMap((f) => f.entries).map((b) => b.baseOffset)).toEqual([0, 3, 6, 9, 12, 15, 18, 21]);

    const idx = [...segs(dir, '.index'), ...segs(dir, '.timeindex')];
    const ri = await dump('--json', ...idx);
    expect(ri.code, ri.err).toBe(0);
    const ji = JSON.parse(ri.out) as JsonDump;
    expect(ji.files.some((f) => f.type === 'index' && f.entries.length > 0)).toBe(true);
    expect(ji.files.every((f) => f.summary.mismatches === 0 && f.summary.verifiedAgainst)).toBe(true);
  });

  it('--json schema: every batch carries the documented fields', async () => {
    const dir = writeRafkaPartition(await tmp(), { batches: 2 });
    const r = await dump('--json', '--print-data-log', ...segs(dir, '.log'));
    const j = JSON.parse(r.out) as JsonDump;
    expect(Object.keys(j)).toEqual(['schema', 'files', 'problems']);
    const f = j.files[0]!;
    expect(Object.keys(f)).toEqual(['file', 'type', 'entries', 'summary', 'problems']);
    expect(f.type).toBe('log');
    expect(Object.keys(f.summary)).toEqual(['batches', 'records', 'firstOffset', 'lastOffset', 'validBytes', 'sizeInBytes']);
    const b = f.entries[0];
    expect(Object.keys(b)).toEqual([
      'baseOffset', 'lastOffset', 'count', 'position', 'size', 'magic', 'crc', 'crcValid', 'compression', 'timestampType',
      'baseTimestamp', 'maxTimestamp', 'producerId', 'producerEpoch', 'baseSequence', 'lastSequence', 'partitionLeaderEpoch',
      'isTransactional', 'isControl', 'records',
    ]);
    expect(b.records[0]).toEqual({ offset: 0, timestamp: T0, keySize: 2, valueSize: 2, sequence: -1, headers: [], key: 'k0', value: 'v0' });
    const h = f.entries.flatMap((x) => x.records).find((x) => x.offset === 3);
    expect(h).toMatchObject({ key: { base64: 'AAEC/w==' }, headers: [{ key: 'trace', value: 'abc' }] });
  });
});

describe('rafka dump-log: compression, transactions, control batches, .txnindex', () => {
  it('--deep-iteration walks gzip batches; markers are decoded; the txnindex is a table', async () => {
    const d = await tmp();
    const plain = buildRecordBatch({ baseOffset: 0, records: [0, 1, 2].map((i) => ({ key: `k${i}`, value: `v${i}`, timestamp: T0 + i })) });
    const txn = buildRecordBatch({ baseOffset: 3, producerId: 7, producerEpoch: 1, baseSequence: 0, isTransactional: true, records: [{ key: 'tk', value: 'tv', timestamp: T0 + 3 }, { key: 'tk2', value: 'tv2', timestamp: T0 + 4 }] });
    const marker = buildEndTxnMarker({ baseOffset: 5, producerId: 7, producerEpoch: 1, commit: false, coordinatorEpoch: 4, timestamp: T0 + 5 });
    const log = path.join(d, '00000000000000000000.log');
    writeFileSync(log, Buffer.concat([gzipBatch(plain), txn, marker]));
    const r = await dump('--print-data-log', log);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[2]).toMatch(/^baseOffset: 0 lastOffset: 2 count: 3 .* compresscodec: gzip crc: \d+ isvalid: true$/);
    expect(lines[3]).toBe(`| offset: 0 CreateTime: ${T0} keySize: 2 valueSize: 2 sequence: -1 headerKeys: [] key: k0 payload: v0`);
    expect(lines[6]).toMatch(/^baseOffset: 3 lastOffset: 4 count: 2 baseSequence: 0 lastSequence: 1 producerId: 7 producerEpoch: 1 partitionLeaderEpoch: -1 isTransactional: true isControl: false /);
    expect(lines[8]).toBe(`| offset: 4 CreateTime: ${T0 + 4} keySize: 3 valueSize: 3 sequence: 1 headerKeys: [] key: tk2 payload: tv2`);
    expect(lines[9]).toMatch(/isTransactional: true isControl: true /);
    expect(lines[10]).toBe(`| offset: 5 CreateTime: ${T0 + 5} keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: ABORT coordinatorEpoch: 4`);

    // a corrupt gzip stream inside a batch with a valid CRC is found by --deep-iteration only
    const bad = gzipBatch(plain);
    bad[RECORD_BATCH_OVERHEAD + 12] ^= 0xff;
    bad.writeUInt32BE(crc32c(bad, 21, bad.length), 17);
    writeFileSync(log, bad);
    expect((await dump(log)).code).toBe(0);
    const deep = await dump('--deep-iteration', log);
    expect(deep.code).toBe(1);
    expect(deep.err).toMatch(new RegExp(`^rafka dump-log: ${log.replace(/[.]/g, '\\.')}: byte 0: corrupt: batch 0\\.\\.2: Failed to decompress gzip record batch`));

    const ti = new TransactionIndex(0n, path.join(d, '00000000000000000000.txnindex'));
    ti.append({ producerId: 7n, firstOffset: 3n, lastOffset: 5n, lastStableOffset: 3n });
    ti.close();
    const t = await dump(path.join(d, '00000000000000000000.txnindex'));
    expect(t.out).toContain('PRODUCER ID  FIRST OFFSET  LAST OFFSET  LAST STABLE OFFSET\n7            3             5            3\n');
  });
});

describe('rafka dump-log on the legacy formats (magic 0/1, written by kafka-python)', () => {
  it('messages and gzip wrappers, with --print-data-log', async () => {
    const d = await tmp();
    const bufs = pyEncodeBatches([
      { magic: 0, records: [{ offset: 0, timestamp: 0, key: hex('k'), value: hex('v') }] },
      { magic: 1, records: [{ offset: 1, timestamp: T0, key: null, value: hex('one') }] },
      { magic: 1, compression: 1, records: [{ offset: 0, timestamp: T0 + 1, value: hex('a') }, { offset: 1, timestamp: T0 + 2, value: hex('b') }] },
    ]);
    bufs[2]!.writeBigInt64BE(3n, 0); // as a broker assigns it: the wrapper carries the absolute last offset (inner ones are relative)
    const log = path.join(d, '00000000000000000000.log');
    writeFileSync(log, Buffer.concat(bufs));
    const r = await dump('--print-data-log', log);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[2]).toMatch(/^baseOffset: 0 lastOffset: 0 count: 1 position: 0 NoTimestampType: -1 size: \d+ magic: 0 compresscodec: none crc: \d+ isvalid: true$/);
    expect(lines[3]).toBe('| offset: 0 NoTimestampType: -1 keySize: 1 valueSize: 1 key: k payload: v');
    expect(lines[5]).toBe(`| offset: 1 CreateTime: ${T0} keySize: -1 valueSize: 3 key: null payload: one`);
    expect(lines[6]).toMatch(/^baseOffset: 2 lastOffset: 3 count: 2 position: \d+ CreateTime: \d+ size: \d+ magic: 1 compresscodec: gzip crc: \d+ isvalid: true$/);
    expect(lines.slice(7, 9)).toEqual([`| offset: 2 CreateTime: ${T0 + 1} keySize: -1 valueSize: 1 key: null payload: a`, `| offset: 3 CreateTime: ${T0 + 2} keySize: -1 valueSize: 1 key: null payload: b`]);
    expect(lines[9]).toBe(`Summary: 3 batches, 4 records, offsets 0..3, ${Buffer.concat(bufs).length} of ${Buffer.concat(bufs).length} bytes valid`);
  });
});

describe('rafka dump-log on broken inputs', () => {
  it('a truncated tail: what came before is printed, then file + byte position + problem, exit 1', async () => {
    const dir = writeRafkaPartition(await tmp(), { config: { segmentBytes: 1 << 20 } });
    const log = segs(dir, '.log')[0]!;
    const size = statSync(log).size;
    const ok = JSON.parse((await dump('--json', log)).out) as JsonDump;
    const last = ok.files[0]!.entries.at(-1);
    truncateSync(log, size - 10);
    const r = await dump(log);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter((l) => l.startsWith('baseOffset:'))).toHaveLength(7);
    const msg = `${log}: byte ${last.position}: truncated: batch at offset ${last.baseOffset} declares ${last.size} bytes but only ${last.size - 10} remain in the file`;
    expect(r.out).toContain(`ERROR ${msg}\n`);
    expect(r.err).toBe(`rafka dump-log: ${msg}\n`);
  });

  it('a flipped byte: CRC mismatch at the batch position, dump stops there', async () => {
    const dir = writeRafkaPartition(await tmp(), { config: { segmentBytes: 1 << 20 } });
    const log = segs(dir, '.log')[0]!;
    const j = JSON.parse((await dump('--json', log)).out) as JsonDump;
    const third = j.files[0]!.entries[2];
    const buf = readFileSync(log);
    buf[third.position + 70] ^= 0x40; // inside the records of the 3rd batch
    writeFileSync(log, buf);
    const r = await dump('--json', '--print-data-log', log);
    expect(r.code).toBe(1);
    const jj = JSON.parse(r.out) as JsonDump;
    expect(jj.files[0]!.entries).toHaveLength(3);
    expect(jj.files[0]!.entries[2].crcValid).toBe(false);
    expect(jj.files[0]!.entries[1].records).toHaveLength(3);
    expect(jj.problems).toEqual([{
      file: log, position: third.position, kind: 'corrupt',
      message: expect.stringMatching(/^batch 6\.\.8: Record batch is corrupt \(stored crc = \d+, computed crc = \d+\)$/),
    }]);
    expect(jj.files[0]!.summary).toMatchObject({ batches: 2, records: 6, lastOffset: 5, validBytes: third.position });
  });

  it('a corrupt size field and garbage magic are reported with their byte position', async () => {
    const dir = writeRafkaPartition(await tmp(), { config: { segmentBytes: 1 << 20 } });
    const log = segs(dir, '.log')[0]!;
    const j = JSON.parse((await dump('--json', log)).out) as JsonDump;
    const second = j.files[0]!.entries[1];
    const buf = readFileSync(log);
    buf.writeInt32BE(3, second.position + 8);
    writeFileSync(log, buf);
    const r = await dump(log);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`rafka dump-log: ${log}: byte ${second.position}: corrupt: Found record size 3 smaller than minimum record overhead (14)\n`);
    buf.writeInt32BE(second.size - 12, second.position + 8);
    buf[second.position + 16] = 7;
    writeFileSync(log, buf);
    const r2 = await dump(log);
    expect(r2.err).toBe(`rafka dump-log: ${log}: byte ${second.position}: corrupt: Invalid magic 7\n`);
  });

  it('an offset index entry pointing into the middle of a batch is a mismatch; --verify-index-only prints only problems', async () => {
    const dir = writeRafkaPartition(await tmp(), { config: { segmentBytes: 1 << 20 } });
    const idx = segs(dir, '.index')[0]!;
    const good = await dump(idx);
    expect(good.code).toBe(0);
    const entries = good.out.split('\n').filter((l) => l.startsWith('offset:'));
    expect(entries.length).toBeGreaterThan(1);
    const buf = readFileSync(idx);
    buf.writeInt32BE(buf.readInt32BE(4) + 5, 4); // entry 0 position + 5
    writeFileSync(idx, buf);
    const r = await dump('--verify-index-only', idx);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter((l) => l.startsWith('offset:'))).toEqual([]);
    expect(r.err).toMatch(new RegExp(`^rafka dump-log: ${idx.replace(/[.]/g, '\\.')}: byte 0: index-mismatch: entry 0: position \\d+ is not the start of a batch`));
  });

  it('unknown and missing files are problems; usage errors exit 2', async () => {
    const d = await tmp();
    writeFileSync(path.join(d, 'notes.txt'), 'x');
    const r = await dump(path.join(d, 'notes.txt'), path.join(d, '00000000000000000000.log'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('notes.txt: unknown-file:');
    expect(r.err).toContain('00000000000000000000.log: unreadable: no such file');
    expect((await dump()).code).toBe(2);
    expect((await dump('--bogus', 'x.log')).code).toBe(2);
    expect(existsSync(path.join(d, '00000000000000000000.log'))).toBe(false);
  });
});
