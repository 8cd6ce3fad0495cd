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

/** Common to the group scenarios: join twice when v4+ (MEMBER_ID_REQUIRED), sync as leader, fetch offsets. */
function expectGroupFlow(reqs: DecodedRequest[], v: { find: number; join: number; sync: number; offsetFetch: number }): void {
  const fc = find(reqs, 10, v.find);
  if (v.find === 0) expect(fc.body.key).toBe('golden-group');
  else expect([fc.body.key, fc.body.keyType]).toEqual(['golden-group', 0]);
  const joins = reqs.filter((r) => r.apiKey === 11);
  expect(joins.length).toBeGreaterThanOrEqual(v.join >= 4 ? 2 : 1);
  for (const j of joins) {
    if (j.apiKey !== 11) continue;
    expect(j.apiVersion).toBe(v.join);
    expect(j.body.groupId).toBe('golden-group');
    expect(j.body.protocolType).toBe('consumer');
    // the subscription metadata names the topic
    expect(j.body.protocols.some((p) => p.metadata.includes(Buffer.from('golden')))).toBe(true);
  }
  if (v.join >= 4) {
    expect(joins[0]!.apiKey === 11 && joins[0]!.body.memberId).toBe('');
    expect(joins[1]!.apiKey === 11 && joins[1]!.body.memberId).toBe('member-1');
  }
  const sync = find(reqs, 14, v.sync);
  expect(sync.body.memberId).toBe('member-1');
  expect(sync.body.generationId).toBe(1);
  expect(sync.body.assignments.map((a) => a.memberId)).toEqual(['member-1']);
  // (kafka-python may first assign nothing, before it has the topic's metadata, and then rejoin)
  const syncs = reqs.filter((r) => r.apiKey === 14);
  expect(syncs.some((r) => r.apiKey === 14 && r.body.assignments[0]!.assignment.includes(Buffer.from('golden')))).toBe(true);
  const of = find(reqs, 9, v.offsetFetch);
  expect(of.body.groupId).toBe('golden-group');
  expect(of.body.topics?.map((t) => [t.name, t.partitionIndexes])).toEqual([['golden', [0]]]);
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
  'kcat-group': (reqs) => {
    expectGroupFlow(reqs, { find: 2, join: 5, sync: 3, offsetFetch: 7 });
    const of = find(reqs, 9, 7);
    expect(of.headerVersion).toBe(2); // OffsetFetch v7 is flexible
    expect(of.body.requireStable).toBe(true); // isolation.level=read_committed by default
    find(reqs, 12, 3);
    const leave = find(reqs, 13, 1);
    expect([leave.body.groupId, leave.body.memberId]).toEqual(['golden-group', 'member-1']);
  },
  'kafka-python-group': (reqs) => {
    expectGroupFlow(reqs, { find: 0, join: 2, sync: 1, offsetFetch: 1 });
    const hb = find(reqs, 12, 1);
    expect([hb.body.generationId, hb.body.memberId]).toEqual([1, 'member-1']);
    const oc = find(reqs, 8, 2);
    expect(oc.body.generationIdOrMemberEpoch).toBe(1);
    expect(oc.body.retentionTimeMs).toBe(-1n);
    expect(oc.body.topics[0]!.name).toBe('golden');
    find(reqs, 13, 1);
  },
  'kafkajs-group': (reqs) => {
    expectGroupFlow(reqs, { find: 2, join: 5, sync: 3, offsetFetch: 4 });
    find(reqs, 12, 3);
    const leave = find(reqs, 13, 3);
    expect(leave.body.members.map((m) => m.memberId)).toEqual(['member-1']);
  },
  'kafka-python-admin': (reqs) => {
    expect(find(reqs, 18, 0).header.clientId).toBe('golden-py');
    find(reqs, 3, 5);
    const ct = find(reqs, 19, 3);
    expect(ct.body.topics.map((t) => [t.name, t.numPartitions, t.replicationFactor])).toEqual([['golden-new', 3, 1]]);
    const dc = find(reqs, 32, 2);
    expect(dc.body.resources.map((r) => [r.resourceType, r.resourceName, r.configurationKeys])).toEqual([[2, 'golden', null]]);
    find(reqs, 16, 1);
    const dg = find(reqs, 42, 1);
    expect(dg.body.groupsNames).toEqual(['golden-group']);
    const cp = find(reqs, 37, 1);
    expect(cp.body.topics.map((t) => [t.name, t.count, t.assignments])).toEqual([['golden', 4, null]]);
    const dt = find(reqs, 20, 3);
    expect(dt.body.topicNames).toEqual(['golden-new']);
  },
  'kafkajs-admin': (reqs) => {
    const dc = find(reqs, 32, 2);
    expect(dc.body.resources.map((r) => [r.resourceType, r.resourceName])).toEqual([[2, 'golden']]);
    expect(dc.body.includeSynonyms).toBe(false);
    find(reqs, 16, 2);
    expect(find(reqs, 15, 2).body.groups).toEqual(['golden-group']);
    expect(find(reqs, 42, 1).body.groupsNames).toEqual(['golden-group']);
    expect(find(reqs, 37, 1).body.topics.map((t) => [t.name, t.count])).toEqual([['golden', 4]]);
    expect(find(reqs, 20, 1).body.topicNames).toEqual(['golden-new']);
    const lo = find(reqs, 2, 3);
    expect(lo.body.topics[0]!.name).toBe('golden');
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
