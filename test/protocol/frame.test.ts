import { describe, expect, test } from 'vitest';
import { apiSupport, DEFAULT_API_SUPPORT } from '../../src/protocol/api-keys.js';
import {
  UnknownApiKeyError,
  UnsupportedVersionError,
  decodeRequest,
  decodeResponse,
  encodeApiVersionsUnsupported,
  encodeRequest,
  encodeResponse,
  encodeResponseChunks,
} from '../../src/protocol/frame.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/headers.js';
import { ProtocolDecodeError } from '../../src/protocol/primitives/errors.js';
import { ZERO_COPY_THRESHOLD } from '../../src/protocol/primitives/writer.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (s: string) => Buffer.from(s).toString('hex');

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an exception');
}

describe('header versions (as Kafka chooses them)', () => {
  test.each([
    [18, 0, 1, 0],
    [18, 3, 2, 0], // ApiVersions: flexible request header, but the response header is ALWAYS v0
    [3, 8, 1, 0],
    [3, 9, 2, 1],
    [0, 8, 1, 0],
    [0, 9, 2, 1],
    [1, 11, 1, 0],
    [1, 12, 2, 1],
    [22, 1, 1, 0],
    [22, 2, 2, 1],
    [19, 4, 1, 0],
    [19, 5, 2, 1],
    [17, 1, 1, 0], // SaslHandshake is never flexible
    [7, 0, 0, 0], // ControlledShutdown v0: request header v0 (no client id)
    [7, 1, 1, 0],
  ])('API %i v%i: request header v%i, response header v%i', (key, v, req, res) => {
    expect(requestHeaderVersion(key, v)).toBe(req);
    expect(responseHeaderVersion(key, v)).toBe(res);
  });
});

describe('decodeRequest', () => {
  test('a Metadata v9 request (header v2: classic client id, then a tagged-field block)', () => {
    const frame = hex(`0003 0009 0000002a 0003${str('cli')} 00   02 04${str('foo')} 00 01 00 00 00`);
    const req = decodeRequest(frame);
    expect(req.apiKey).toBe(3);
    expect(req.headerVersion).toBe(2);
    expect(req.header).toEqual({ requestApiKey: 3, requestApiVersion: 9, correlationId: 42, clientId: 'cli' });
    if (req.apiKey !== 3) throw new Error('narrowing');
    expect(req.body.topics?.map((t) => t.name)).toEqual(['foo']);
    // and back, with the size prefix
    const again = encodeRequest(req.header as never, req.body as never);
    expect(again.readInt32BE(0)).toBe(frame.length);
    expect(again.subarray(4).equals(frame)).toBe(true);
  });

  test('ControlledShutdown v0 has request header v0 (no client id) on inter-broker listeners', () => {
    const interBroker = apiSupport(['inter-broker']);
    const req = decodeRequest(hex('0007 0000 00000003 00000002'), interBroker);
    expect(req.headerVersion).toBe(0);
    expect(req.header.clientId).toBe(''); // Kafka's RequestHeaderData default
    expect(req.apiKey === 7 && req.body.brokerId).toBe(2);
    const v1 = decodeRequest(hex(`0007 0001 00000003 0001${str('b')} 00000002`), interBroker);
    expect(v1.header.clientId).toBe('b');
    // not on client listeners
    expect((thrown(() => decodeRequest(hex('0007 0000 00000003 00000002'))) as ProtocolDecodeError).kind).toBe('unknown-api-key');
  });

  test('a null client id', () => {
    const req = decodeRequest(hex('0012 0000 00000001 ffff'));
    expect(req.header.clientId).toBeNull();
  });

  test('unknown API keys, and implemented keys the listener does not enable', () => {
    const e = thrown(() => decodeRequest(hex(`03e7 0000 00000005 0002${str('me')}`))) as UnknownApiKeyError;
    expect(e).toBeInstanceOf(UnknownApiKeyError);
    expect(e).toBeInstanceOf(ProtocolDecodeError);
    expect(e.kind).toBe('unknown-api-key');
    expect(e.implemented).toBe(false);
    expect(e.header).toEqual({ requestApiKey: 999, requestApiVersion: 0, correlationId: 5, clientId: 'me' });
    // LeaderAndIsr is a Kafka key, but not one clients may send here
    expect(thrown(() => decodeRequest(hex('0004 0000 00000005 ffff')))).toBeInstanceOf(UnknownApiKeyError);
    // SaslHandshake is implemented but only enabled with the sasl tier
    const sasl = hex(`0011 0001 00000006 ffff 0005${str('PLAIN')}`);
    const e2 = thrown(() => decodeRequest(sasl)) as UnknownApiKeyError;
    expect(e2.kind).toBe('unknown-api-key');
    expect(e2.implemented).toBe(true);
    const ok = decodeRequest(sasl, apiSupport(['required', 'recommended', 'sasl']));
    expect(ok.apiKey === 17 && ok.body.mechanism).toBe('PLAIN');
  });

  test('an ApiVersions version above the advertised range (Java 3.9 sends v4): unsupported-version, answered in v0', () => {
    const frame = hex(`0012 0004 00000007 0004${str('java')} 00  05${str('java')} 04${str('3.9')} 00`);
    const e = thrown(() => decodeRequest(frame)) as UnsupportedVersionError;
    expect(e).toBeInstanceOf(UnsupportedVersionError);
    expect(e.kind).toBe('unsupported-version');
    expect(e.header.correlationId).toBe(7);
    expect(e.header.clientId).toBe('java');
    expect([e.supported.minVersion, e.supported.maxVersion]).toEqual([0, 3]);
    const reply = encodeApiVersionsUnsupported(e.header.correlationId);
    // size, correlation id (header v0), error 35, one entry: ApiVersions 0..3 (v0 has no throttle time)
    expect(reply.toString('hex')).toBe('00000010' + '00000007' + '0023' + '00000001' + '0012' + '0000' + '0003');
    const { correlationId, body } = decodeResponse(reply.subarray(4), 18, 0);
    expect(correlationId).toBe(7);
    expect(body.errorCode).toBe(35);
  });

  test('versions outside the advertised range are unsupported even when the schema has them', () => {
    // Metadata v10 exists in Kafka's schema; the matrix advertises 0-9
    const e = thrown(() => decodeRequest(hex('0003 000a 00000001 ffff 00 01 00 00'))) as UnsupportedVersionError;
    expect(e.kind).toBe('unsupported-version');
    // OffsetCommit v1 is below the advertised minimum 2
    expect((thrown(() => decodeRequest(hex('0008 0001 00000001 ffff'))) as ProtocolDecodeError).kind).toBe('unsupported-version');
  });

  test('malformed frames: too short, truncated header or body', () => {
    for (const f of ['', '0003', '0003 0000 0000', '0003 0000 00000001 00', '0003 0000 00000001 ffff 0000', '0003 0000 00000001 ffff 000000']) {
      const e = thrown(() => decodeRequest(hex(f)));
      expect(e, f).toBeInstanceOf(ProtocolDecodeError);
      expect((e as ProtocolDecodeError).kind, f).toBe('malformed');
    }
  });

  test('bytes after a complete body are counted, not rejected (Kafka ignores them)', () => {
    const req = decodeRequest(hex('0003 0000 00000001 ffff 00000000 00'));
    expect(req).toMatchObject({ apiKey: 3, apiVersion: 0, body: { topics: [] }, trailingBytes: 1 });
    expect(decodeRequest(hex('0003 0000 00000001 ffff 00000000')).trailingBytes).toBe(0);
  });
});

describe('encodeResponse', () => {
  test('size prefix, header v0 for non-flexible versions', () => {
    const out = encodeResponse(9, 12, 1, { throttleTimeMs: 0, errorCode: 27 });
    expect(out.toString('hex')).toBe('0000000a' + '00000009' + '00000000' + '001b');
  });

  test('header v1 (tagged-field block) for flexible versions', () => {
    const out = encodeResponse(9, 12, 4, { errorCode: 27 });
    expect(out.toString('hex')).toBe('0000000c' + '00000009' + '00' + '00000000' + '001b' + '00');
  });

  test('ApiVersions v3 response: header v0 although the body is flexible', () => {
    const out = encodeResponse(1, 18, 3, { apiKeys: DEFAULT_API_SUPPORT.size ? [{ apiKey: 18, minVersion: 0, maxVersion: 3 }] : [] });
    expect(out.subarray(4, 8).toString('hex')).toBe('00000001');
    expect(out.subarray(8).toString('hex')).toBe('0000' + '02' + '0012' + '0000' + '0003' + '00' + '00000000' + '00');
  });

  test('Fetch responses can be encoded without copying large record sets', () => {
    const records = Buffer.alloc(ZERO_COPY_THRESHOLD * 4, 0xab);
    const body = {
      responses: [{ topic: 't', partitions: [{ partitionIndex: 0, highWatermark: 1n, records }] }],
    };
    for (const v of [4, 11, 12]) {
      const chunks = encodeResponseChunks(3, 1, v, body);
      expect(chunks).toContain(records);
      const joined = Buffer.concat(chunks);
      expect(joined.equals(encodeResponse(3, 1, v, body))).toBe(true);
      expect(joined.readInt32BE(0)).toBe(joined.length - 4);
      const back = decodeResponse(joined.subarray(4), 1, v);
      expect(back.body.responses[0]!.partitions[0]!.records!.equals(records)).toBe(true);
    }
  });
});
