// Protocol codec throughput, from dist/ (`npm run build` first): Metadata request decodes per second (v0..v12 bodies,
// v0..v9 whole frames incl. header), small response encode times (Heartbeat v4, Metadata v9, Produce v7), and a
// Produce v7 request with one 16 KiB records blob (decode is a slice, not a copy) / Fetch v11 response chunks.
// Targets (README): > 200k Metadata decodes/s, < 2 µs per small response encode. Each figure is the best of 5 rounds.
// This was a timed unit test (test/protocol/perf.test.ts) until 2026-12-07: speed is judged here, not in `npm test`.
// Usage: node bench/protocol-codec.mjs
import { performance } from 'node:perf_hooks';
import os from 'node:os';

const dist = new URL('../dist/', import.meta.url);
const { encodeRequest, encodeResponse, encodeResponseChunks, decodeRequest } = await import(new URL('protocol/frame.js', dist).href);
const { apiSupport } = await import(new URL('protocol/api-keys.js', dist).href);
const { produceRequest } = await import(new URL('protocol/messages/produce.js', dist).href);
const { metadataRequest } = await import(new URL('protocol/messages/metadata.js', dist).href);
const { codecFor } = await import(new URL('protocol/schema.js', dist).href);

function rate(n, fn) {
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
const fmt = (n) => Math.round(n).toLocaleString('en');

console.log(`${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${new Date().toISOString()}`);
const md = codecFor(metadataRequest);
const bodies = Array.from({ length: 13 }, (_, v) => md.encode({ topics: [{ name: 'orders' }, { name: 'payments' }], allowAutoTopicCreation: v < 4 }, v));
console.log(`Metadata request body decode (v0-v12, 2 topics): ${fmt(rate(1_300_000, (i) => md.decode(bodies[i % 13], i % 13)))} /s (target > 200,000)`);
const frames = Array.from({ length: 10 }, (_, v) =>
  encodeRequest({ requestApiKey: 3, requestApiVersion: v, correlationId: 1, clientId: 'rdkafka' }, { topics: [{ name: 'orders' }] }).subarray(4));
const support = apiSupport();
console.log(`Metadata request frame decode incl. header (v0-v9): ${fmt(rate(1_000_000, (i) => decodeRequest(frames[i % 10], support)))} /s`);

const us = (r) => (1e6 / r).toFixed(3);
console.log(`Heartbeat v4 response encode: ${us(rate(500_000, (i) => encodeResponse(i, 12, 4, { errorCode: 0 })))} µs (target < 2)`);
console.log(`Metadata v9 response encode (1 broker, 1 topic, 1 partition): ${us(rate(500_000, (i) => encodeResponse(i, 3, 9, {
  brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }], clusterId: 'cluster', controllerId: 1,
  topics: [{ errorCode: 0, name: 'orders', partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] }] }],
})))} µs (target < 2)`);
console.log(`Produce v7 response encode (1 partition): ${us(rate(500_000, (i) => encodeResponse(i, 0, 7,
  { responses: [{ name: 'orders', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: BigInt(i), logStartOffset: 0n }] }] })))} µs (target < 2)`);

const records = Buffer.alloc(16 * 1024, 0x5a);
const pc = codecFor(produceRequest);
const body = { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'orders', partitionData: [{ index: 0, records }] }] };
const bytes = pc.encode(body, 7);
const dec = rate(500_000, () => pc.decode(bytes, 7));
const enc = rate(100_000, () => pc.encode(body, 7));
console.log(`Produce v7 request decode (16 KiB records, a slice): ${fmt(dec)} /s (${us(dec)} µs)`);
console.log(`Produce v7 request encode (16 KiB records, copied): ${fmt(enc)} /s (${us(enc)} µs)`);
const fetchBody = { responses: [{ topic: 'orders', partitions: [{ partitionIndex: 0, highWatermark: 10n, records }] }] };
console.log(`Fetch v11 response encode with 16 KiB records, zero-copy chunks: ${us(rate(200_000, (i) => encodeResponseChunks(i, 1, 11, fetchBody)))} µs`);
