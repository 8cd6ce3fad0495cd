// Shared checks for request frames captured from real clients (live in live-clients.test.ts, from the
// stored hex fixtures in golden.test.ts): every frame decodes, re-encodes to the same bytes, and carries
// the fields the client is known to send (client id, versions, topics, records).
import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import { apiSupport } from '../../../src/protocol/api-keys.js';
import { decodeRequest, encodeRequest, type DecodedRequest } from '../../../src/protocol/frame.js';
import type { CapturedFrame } from './fake-broker.js';

const ALL = apiSupport(['required', 'recommended', 'sasl']);

export function fixturePath(scenario: string): URL {
  return new URL(`../fixtures/${scenario}.json`, import.meta.url);
}

export function loadFixture(scenario: string): CapturedFrame[] {
  return JSON.parse(readFileSync(fixturePath(scenario), 'utf8')) as CapturedFrame[];
}

export function saveFixture(scenario: string, frames: CapturedFrame[]): void {
  writeFileSync(fixturePath(scenario), JSON.stringify(frames, null, 1) + '\n');
}

/** Decodes every frame and checks that re-encoding the decoded header + body gives the same bytes. */
export function decodeAll(frames: CapturedFrame[]): DecodedRequest[] {
  return frames.map((f) => {
    const bytes = Buffer.from(f.hex, 'hex');
    const req = decodeRequest(bytes, ALL);
    expect([req.apiKey, req.apiVersion]).toEqual([f.apiKey, f.apiVersion]);
    const again = encodeRequest(req.header as never, req.body as never);
    expect(again.subarray(4).toString('hex')).toBe(f.hex);
    return req;
  });
}

function find<K extends DecodedRequest['apiKey']>(reqs: DecodedRequest[], apiKey: K, version?: number): Extract<DecodedRequest, { apiKey: K }> {
  const r = reqs.find((x) => x.apiKey === apiKey && (version === undefined || x.apiVersion === version));
  expect(r, `request with API key ${apiKey} v${version}`).toBeDefined();
  return r as Extract<DecodedRequest, { apiKey: K }>;
}

/** A RecordBatch v2 (magic at byte 16) whose bytes contain the produced value. */
function expectBatchWith(records: Buffer | null, value: string): void {
  expect(records).not.toBeNull();
  expect(records![16]).toBe(2);
  expect(records!.includes(Buffer.from(value))).toBe(true);
}

export const SCENARIOS: Record<string, (reqs: DecodedRequest[]) => void> = {
  'kcat-metadata': (reqs) => {
    const av = find(reqs, 18, 3);
    expect(av.header.clientId).toBe('rdkafka');
    expect(av.headerVersion).toBe(2);
    expect(av.body.clientSoftwareName).toBe('librdkafka');
    expect(av.body.clientSoftwareVersion).toBe('2.0.2');
    const md = reqs.filter((r) => r.apiKey === 3);
    expect(md.length).toBeGreaterThan(0);
    expect(md.every((r) => r.apiVersion === 4 && r.headerVersion === 1)).toBe(true);
    // -L asks for all topics: a null topic list (v1+ semantics)
    expect(md.some((r) => r.apiKey === 3 && r.body.topics === null)).toBe(true);
  },
  'kcat-produce': (reqs) => {
    // librdkafka may first send a brokers-only Metadata (empty topic list); the producer's own asks for its
    // topic with auto-creation on
    const md = reqs.filter((r) => r.apiKey === 3);
    expect(md.every((r) => r.apiVersion === 4)).toBe(true);
    expect(md.some((r) => r.apiKey === 3 && r.body.allowAutoTopicCreation && r.body.topics?.[0]?.name === 'golden')).toBe(true);
    const pid = find(reqs, 22, 3);
    expect(pid.headerVersion).toBe(2);
    expect(pid.body.transactionalId).toBeNull();
    expect(pid.body.producerId).toBe(-1n);
    const p = find(reqs, 0, 7);
    expect(p.body.acks).toBe(-1);
    expect(p.body.transactionalId).toBeNull();
    expect(p.body.topicData.map((t) => t.name)).toEqual(['golden']);
    expect(p.body.topicData[0]!.partitionData[0]!.index).toBe(0);
    expectBatchWith(p.body.topicData[0]!.partitionData[0]!.records, 'hello');
  },
  'kcat-consume': (reqs) => {
    const lo = find(reqs, 2, 2);
    expect(lo.body.isolationLevel).toBe(1);
    expect(lo.body.topics[0]!.name).toBe('golden');
    expect(lo.body.topics[0]!.partitions[0]!.timestamp).toBe(-2n); // EARLIEST
    const f = find(reqs, 1, 11);
    expect(f.body.sessionId).toBe(0);
    expect(f.body.sessionEpoch).toBe(-1);
    expect(f.body.isolationLevel).toBe(1);
    expect(f.body.topics[0]!.topic).toBe('golden');
    expect(f.body.topics[0]!.partitions[0]!.fetchOffset).toBe(0n);
  },
  'kafka-python': (reqs) => {
    const av = find(reqs, 18, 0);
    expect(av.header.clientId).toBe('golden-py');
    expect(av.headerVersion).toBe(1);
    // the version probe pipelines Metadata v0 right after ApiVersions v0; v0: empty list = all topics
    expect(reqs[1]!.apiKey).toBe(3);
    expect(reqs[1]!.apiVersion).toBe(0);
    const p = find(reqs, 0, 7);
    expect(p.body.acks).toBe(1);
    expectBatchWith(p.body.topicData[0]!.partitionData[0]!.records, 'hello');
    find(reqs, 3, 1);
    const lo = find(reqs, 2, 1);
    expect(lo.body.topics[0]!.partitions[0]!.timestamp).toBe(-2n);
    const f = find(reqs, 1, 4);
    expect(f.body.isolationLevel).toBe(0);
    expect(f.body.topics[0]!.topic).toBe('golden');
  },
  kafkajs: (reqs) => {
    const av = find(reqs, 18, 2);
    expect(av.header.clientId).toBe('golden-js');
    const md = reqs.filter((r) => r.apiKey === 3);
    expect(md.every((r) => r.apiVersion === 6)).toBe(true);
    // the producer asks for its topic with auto-creation on (kafkajs' default allowAutoTopicCreation)
    expect(md.some((r) => r.apiKey === 3 && r.body.allowAutoTopicCreation && r.body.topics?.some((t) => t.name === 'golden'))).toBe(true);
    const ct = find(reqs, 19, 3);
    expect(ct.body.topics.map((t) => [t.name, t.numPartitions, t.replicationFactor])).toEqual([['golden-new', 3, 1]]);
    const p = find(reqs, 0, 7);
    expect(p.body.acks).toBe(-1);
    expectBatchWith(p.body.topicData[0]!.partitionData[0]!.records, 'hello');
  },
};
