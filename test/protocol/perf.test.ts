// Codec throughput (printed; asserted with wide margins so that a loaded CI machine does not flake):
// targets are > 200k Metadata request decodes/s (v0..v12) and < 2 µs per small response encode.
import { performance } from 'node:perf_hooks';
import { expect, test } from 'vitest';
import { decodeRequest, encodeRequest, encodeResponse, encodeResponseChunks } from '../../src/protocol/frame.js';
import { apiSupport } from '../../src/protocol/api-keys.js';
import { produceRequest } from '../../src/protocol/messages/produce.js';
import { metadataRequest } from '../../src/protocol/messages/metadata.js';
import { codecFor } from '../../src/protocol/schema.js';

/** Operations per second: the best of 5 rounds of n/5 (other processes share these CPUs). */
function rate(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(n, 20_000); i++) fn(i); // warm-up
  const per = Math.ceil(n / 5);
  let best = 0;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < per; i++) fn(i);
    best = Math.max(best, (per / (performance.now() - start)) * 1000);
  }
  return best;
}

const report: string[] = [];

test('Metadata request decodes per second, v0..v12 (body) and v0..v9 (whole frame)', () => {
  const c = codecFor(metadataRequest);
  const bodies = Array.from({ length: 13 }, (_, v) =>
    c.encode({ topics: [{ name: 'orders' }, { name: 'payments' }], allowAutoTopicCreation: v >= 4 ? false : true }, v),
  );
  const perSec = rate(1_300_000, (i) => c.decode(bodies[i % 13]!, i % 13));
  report.push(`Metadata request body decode (v0-v12, 2 topics): ${Math.round(perSec).toLocaleString('en')} /s`);
  const frames = Array.from({ length: 10 }, (_, v) =>
    encodeRequest({ requestApiKey: 3, requestApiVersion: v, correlationId: 1, clientId: 'rdkafka' }, { topics: [{ name: 'orders' }] }).subarray(4),
  );
  const support = apiSupport();
  const framesPerSec = rate(1_000_000, (i) => decodeRequest(frames[i % 10]!, support));
  report.push(`Metadata request frame decode incl. header (v0-v9): ${Math.round(framesPerSec).toLocaleString('en')} /s`);
  expect(perSec).toBeGreaterThan(200_000);
  expect(framesPerSec).toBeGreaterThan(200_000);
});

test('small response encodes take well under 2 µs', () => {
  const n = 500_000;
  const hb = rate(n, (i) => encodeResponse(i, 12, 4, { errorCode: 0 }));
  const md = rate(n, (i) =>
    encodeResponse(i, 3, 9, {
      brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
      clusterId: 'cluster',
      controllerId: 1,
      topics: [{ errorCode: 0, name: 'orders', partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] }] }],
    }),
  );
  const pr = rate(n, (i) =>
    encodeResponse(i, 0, 7, { responses: [{ name: 'orders', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: BigInt(i), logStartOffset: 0n }] }] }),
  );
  report.push(`Heartbeat v4 response encode: ${(1e6 / hb).toFixed(3)} µs`);
  report.push(`Metadata v9 response encode (1 broker, 1 topic, 1 partition): ${(1e6 / md).toFixed(3)} µs`);
  report.push(`Produce v7 response encode (1 partition): ${(1e6 / pr).toFixed(3)} µs`);
  expect(1e6 / hb).toBeLessThan(2);
  expect(1e6 / md).toBeLessThan(4); // 2 µs target; 2x margin for loaded machines
  expect(1e6 / pr).toBeLessThan(4);
});

test('Produce request with one 16 KiB records blob: decode (zero-copy) and encode', () => {
  const records = Buffer.alloc(16 * 1024, 0x5a);
  const c = codecFor(produceRequest);
  const body = { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'orders', partitionData: [{ index: 0, records }] }] };
  const bytes = c.encode(body, 7);
  const decoded = c.decode(bytes, 7);
  expect(decoded.topicData[0]!.partitionData[0]!.records!.buffer).toBe(bytes.buffer); // a slice, not a copy
  const dec = rate(500_000, () => c.decode(bytes, 7));
  const enc = rate(100_000, () => c.encode(body, 7));
  report.push(`Produce v7 request decode (16 KiB records): ${Math.round(dec).toLocaleString('en')} /s (${(1e6 / dec).toFixed(3)} µs)`);
  report.push(`Produce v7 request encode (16 KiB records, copied): ${Math.round(enc).toLocaleString('en')} /s (${(1e6 / enc).toFixed(3)} µs)`);
  const fetchBody = { responses: [{ topic: 'orders', partitions: [{ partitionIndex: 0, highWatermark: 10n, records }] }] };
  const chunked = rate(200_000, (i) => encodeResponseChunks(i, 1, 11, fetchBody));
  report.push(`Fetch v11 response encode with 16 KiB records, zero-copy chunks: ${(1e6 / chunked).toFixed(3)} µs`);
  expect(dec).toBeGreaterThan(100_000);
  console.log(report.join('\n'));
});
