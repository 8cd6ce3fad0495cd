/**
 * Test helper: an INDEPENDENT writer and checker for record batches, using Debian's kafka-python 2.0.2
 * (`python3-kafka`, installed for /usr/bin/python3) through a child process. Nothing here uses the production
 * encoder/decoder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface PyRecordSpec {
  offset: number; // offset delta inside the batch for v2; absolute offset for legacy
  timestamp: number;
  key?: string | null; // hex
  value?: string | null; // hex
  headers?: [string, string | null][]; // [key, hex value]
}

export interface PyBatchSpec {
  magic?: 0 | 1 | 2;
  baseOffset?: number; // v2: written into bytes 0..8 after building
  partitionLeaderEpoch?: number;
  compression?: number; // 0 none, 1 gzip
  isTransactional?: boolean;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  records: PyRecordSpec[];
}

const ENCODE = String.raw`
import sys, json, struct
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.legacy_records import LegacyRecordBatchBuilder
specs = json.load(sys.stdin)
out = []
def hb(x):
    return None if x is None else bytes.fromhex(x)
for s in specs:
    magic = s.get('magic', 2)
    if magic == 2:
        b = DefaultRecordBatchBuilder(magic=2, compression_type=s.get('compression', 0),
            is_transactional=1 if s.get('isTransactional') else 0,
            producer_id=s.get('producerId', -1), producer_epoch=s.get('producerEpoch', -1),
            base_sequence=s.get('baseSequence', -1), batch_size=1 << 30)
        for r in s['records']:
            hs = [(k, hb(v)) for k, v in r.get('headers', [])]
            b.append(r['offset'], r['timestamp'], hb(r.get('key')), hb(r.get('value')), hs)
        buf = bytearray(b.build())
        struct.pack_into('>q', buf, 0, s.get('baseOffset', 0))
        struct.pack_into('>i', buf, 12, s.get('partitionLeaderEpoch', -1))
    else:
        b = LegacyRecordBatchBuilder(magic=magic, compression_type=s.get('compression', 0), batch_size=1 << 30)
        for r in s['records']:
            b.append(r['offset'], r['timestamp'] if magic == 1 else None, hb(r.get('key')), hb(r.get('value')))
        buf = bytearray(b.build())
    out.append(bytes(buf).hex())
print(json.dumps(out))
`;

const DECODE = String.raw`
import sys, json
from kafka.record.memory_records import MemoryRecords
data = sys.stdin.buffer.read()
mr = MemoryRecords(data)
out = []
while True:
    b = mr.next_batch()
    if b is None:
        break
    magic = b.magic if hasattr(b, 'magic') else b._magic
    d = {'magic': magic, 'crcOk': bool(b.validate_crc()), 'compression': b.compression_type,
         'timestampType': b.timestamp_type}
    if magic == 2:
        h = b._header_data
        d.update({'baseOffset': h[0], 'length': h[1], 'partitionLeaderEpoch': h[2], 'crc': h[4],
                  'attributes': h[5], 'lastOffsetDelta': h[6], 'baseTimestamp': h[7], 'maxTimestamp': h[8],
                  'producerId': h[9], 'producerEpoch': h[10], 'baseSequence': h[11], 'count': h[12],
                  'isTransactional': bool(b.is_transactional), 'isControl': bool(b.is_control_batch)})
    recs = []
    for r in b:
        rec = {'offset': r.offset, 'timestamp': -1 if r.timestamp is None else r.timestamp,
               'key': None if r.key is None else bytes(r.key).hex(),
               'value': None if r.value is None else bytes(r.value).hex()}
        if magic == 2:
            rec['headers'] = [[k, None if v is None else bytes(v).hex()] for k, v in r.headers]
        recs.append(rec)
    d['records'] = recs
    out.append(d)
print(json.dumps({'batches': out, 'validBytes': mr.valid_bytes() if hasattr(mr, 'valid_bytes') else None}))
`;

let checked = false;
function requireKafkaPython(): void {
  if (checked) return;
  try {
    execFileSync(PYTHON, ['-c', 'import kafka.record.default_records, kafka.record.memory_records'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(
      `These tests need kafka-python for ${PYTHON} as an independent batch writer/checker ` +
        `(Debian: apt-get install python3-kafka): ${(e as Error).message}`,
    );
  }
  checked = true;
}

/** Build batches with kafka-python's own builders. */
export function pyEncodeBatches(specs: PyBatchSpec[]): Buffer[] {
  requireKafkaPython();
  const out = execFileSync(PYTHON, ['-c', ENCODE], { input: JSON.stringify(specs), maxBuffer: 1 << 30 });
  return (JSON.parse(out.toString()) as string[]).map((h) => Buffer.from(h, 'hex'));
}

export interface PyDecodedBatch {
  magic: number;
  crcOk: boolean;
  compression: number;
  timestampType: number;
  baseOffset?: number;
  length?: number;
  partitionLeaderEpoch?: number;
  crc?: number;
  attributes?: number;
  lastOffsetDelta?: number;
  baseTimestamp?: number;
  maxTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  count?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  records: { offset: number; timestamp: number; key: string | null; value: string | null; headers?: [string, string | null][] }[];
}

/** Decode concatenated batches with kafka-python's MemoryRecords (CRC validated per batch). */
export function pyDecode(buf: Buffer): PyDecodedBatch[] {
  requireKafkaPython();
  const out = execFileSync(PYTHON, ['-c', DECODE], { input: buf, maxBuffer: 1 << 30 });
  return (JSON.parse(out.toString()) as { batches: PyDecodedBatch[] }).batches;
}

export const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
