// The schema engine's semantics (defaults, version checks, tagged fields), checked against hand-assembled
// bytes for flexible versions (compact encodings, tagged fields) written from the protocol spec.
import { describe, expect, test } from 'vitest';
import { apiVersionsResponse } from '../../src/protocol/messages/api-versions.js';
import { fetchResponse } from '../../src/protocol/messages/fetch.js';
import { joinGroupRequest } from '../../src/protocol/messages/join-group.js';
import { metadataRequest, metadataResponse } from '../../src/protocol/messages/metadata.js';
import { ProtocolDecodeError, ProtocolEncodeError } from '../../src/protocol/primitives/errors.js';
import { codecFor, inVersions, parseVersions, type MessageSchema } from '../../src/protocol/schema.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (s: string) => Buffer.from(s).toString('hex');

test('version ranges use Kafka syntax', () => {
  expect(parseVersions('3+')[0]).toBe(3);
  expect(parseVersions('1-4')).toEqual([1, 4]);
  expect(parseVersions('5')).toEqual([5, 5]);
  expect(inVersions('none', 0)).toBe(false);
  expect(inVersions('0+', 1000)).toBe(true);
  expect(inVersions(undefined, 0)).toBe(false);
  expect(() => parseVersions('1..2')).toThrow();
});

describe('Metadata request', () => {
  const c = codecFor(metadataRequest);

  test('v9 (flexible): compact array and string, tagged-field blocks, v8-10 cluster authorized operations flag', () => {
    const bytes = hex(`02 04${str('foo')} 00   01 00 01   00`);
    const body = c.decode(bytes, 9);
    expect(body.topics).toEqual([{ topicId: '00000000-0000-0000-0000-000000000000', name: 'foo' }]);
    expect(body.allowAutoTopicCreation).toBe(true);
    expect(body.includeClusterAuthorizedOperations).toBe(false);
    expect(body.includeTopicAuthorizedOperations).toBe(true);
    expect(c.encode(body, 9).equals(bytes)).toBe(true);
  });

  test('v12: topic id first, null name (compact 0), no cluster flag any more', () => {
    const bytes = hex('02 0123456789abcdef0123456789abcdef 00 00   00 00   00');
    const body = c.decode(bytes, 12);
    expect(body.topics).toEqual([{ topicId: '01234567-89ab-cdef-0123-456789abcdef', name: null }]);
    expect(body.allowAutoTopicCreation).toBe(false);
    expect(c.encode(body, 12).equals(bytes)).toBe(true);
  });

  test('v0 fills fields it lacks with their defaults; v1+ topics may be null (all topics)', () => {
    const v0 = c.decode(hex('00000000'), 0);
    expect(v0).toEqual({ topics: [], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    expect(c.decode(hex('ffffffff'), 1).topics).toBeNull();
    expect(() => c.decode(hex('ffffffff'), 0)).toThrow(ProtocolDecodeError);
    expect(() => c.encode({ topics: null }, 0)).toThrow(ProtocolEncodeError);
  });

  test('trailing bytes are an error', () => {
    expect(() => c.decode(hex('00000000 00'), 0)).toThrow(/1 trailing bytes/);
  });

  test('a non-default value in a field the version lacks is refused unless the field is ignorable', () => {
    expect(() => c.encode({ topics: [], allowAutoTopicCreation: false }, 3)).toThrow(/non-default MetadataRequest.allowAutoTopicCreation at version 3/);
    expect(c.encode({ topics: [], allowAutoTopicCreation: true }, 3).toString('hex')).toBe('00000000');
    // MetadataResponse.clusterId is ignorable: silently dropped before v2
    const r = codecFor(metadataResponse);
    expect(r.encode({ clusterId: 'c', brokers: [], topics: [] }, 1).toString('hex')).toBe('00000000' + 'ffffffff' + '00000000');
  });

  test('omitted fields are written as their defaults; null where not nullable is refused', () => {
    expect(c.encode({}, 4).toString('hex')).toBe('ffffffff'.replace('ffffffff', '00000000') + '01');
    expect(() => codecFor(joinGroupRequest).encode({ groupId: null as unknown as string }, 0)).toThrow(/not nullable/);
  });
});

describe('tagged fields', () => {
  const c = codecFor(apiVersionsResponse);
  // errorCode, apiKeys [ {18, 0, 3, no tags} ], throttle 0, tagged: 1 field, tag 0 (supportedFeatures), 11 bytes
  const features = `02 05${str('feat')} 0001 0002 00`;
  const bytes = hex(`0000  02 0012 0000 0003 00  00000000  01 00 0b ${features}`);

  test('a known tagged field is decoded, and written back only because it is not the default', () => {
    const body = c.decode(bytes, 3);
    expect(body.supportedFeatures).toEqual([{ name: 'feat', minVersion: 1, maxVersion: 2 }]);
    expect(body.finalizedFeaturesEpoch).toBe(-1n);
    expect(body.zkMigrationReady).toBe(false);
    expect(c.encode(body, 3).equals(bytes)).toBe(true);
    // defaults are not written at all
    const plain = c.encode({ apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }] }, 3);
    expect(plain.toString('hex')).toBe('0000' + '02001200000003' + '00' + '00000000' + '00');
  });

  test('several tagged fields are written in tag order', () => {
    const out = c.encode({ apiKeys: [], zkMigrationReady: true, finalizedFeaturesEpoch: 5n }, 3);
    expect(out.toString('hex')).toBe('0000' + '01' + '00000000' + '02' + '01' + '08' + '0000000000000005' + '03' + '01' + '01');
  });

  test('unknown tags are kept verbatim and re-encoded in tag order', () => {
    const withUnknown = hex(`0000 01 00000000  02 00 0b ${features} 07 02 abcd`);
    const body = c.decode(withUnknown, 3);
    expect(body._unknownTaggedFields?.map((u) => [u.tag, u.data.toString('hex')])).toEqual([[7, 'abcd']]);
    expect(c.encode(body, 3).equals(withUnknown)).toBe(true);
  });

  test('a tagged field whose value does not fill its declared size, or overruns the buffer, is malformed', () => {
    // zkMigrationReady (bool, 1 byte) declared as 2 bytes
    expect(() => c.decode(hex('0000 01 00000000 01 03 02 0100'), 3)).toThrow(/tagged field 3 of 2 bytes/);
    expect(() => c.decode(hex('0000 01 00000000 01 09 7f 00'), 3)).toThrow(ProtocolDecodeError);
  });

  test('struct-typed tagged fields: written when any member differs from its default', () => {
    const f = codecFor(fetchResponse);
    const partition = { partitionIndex: 0, errorCode: 0, highWatermark: 10n, records: Buffer.alloc(0) };
    const plain = f.encode({ responses: [{ topic: 't', partitions: [partition] }] }, 12);
    const withLeader = f.encode({ responses: [{ topic: 't', partitions: [{ ...partition, currentLeader: { leaderId: 1, leaderEpoch: -1 } }] }] }, 12);
    expect(withLeader.length).toBe(plain.length + 1 + 1 + 9); // tag, size, int32 + int32 + the struct's own (empty) tag block
    const back = f.decode(withLeader, 12);
    expect(back.responses[0]!.partitions[0]!.currentLeader).toEqual({ leaderId: 1, leaderEpoch: -1 });
    expect(back.responses[0]!.partitions[0]!.divergingEpoch).toEqual({ epoch: -1, endOffset: -1n });
    expect(f.decode(plain, 12).responses[0]!.partitions[0]!.currentLeader).toEqual({ leaderId: -1, leaderEpoch: -1 });
  });
});

test('nullable struct fields use a 1-byte presence marker', () => {
  const schema = {
    name: 'Test',
    apiKey: 1000,
    type: 'request',
    validVersions: '0',
    flexibleVersions: 'none',
    fields: [{ name: 's', type: 'S', versions: '0+', nullableVersions: '0+', fields: [{ name: 'x', type: 'int16', versions: '0+' }] }],
  } as const satisfies MessageSchema;
  const c = codecFor(schema);
  expect(c.encode({ s: null }, 0).toString('hex')).toBe('ff');
  expect(c.encode({ s: { x: 5 } }, 0).toString('hex')).toBe('010005');
  expect(c.decode(hex('ff'), 0)).toEqual({ s: null });
  expect(c.decode(hex('010005'), 0)).toEqual({ s: { x: 5 } });
});

test('codecs refuse versions outside validVersions', () => {
  const c = codecFor(metadataRequest);
  expect(c.supports(12)).toBe(true);
  expect(c.supports(13)).toBe(false);
  expect(() => c.decode(hex('00'), 13)).toThrow(RangeError);
});
