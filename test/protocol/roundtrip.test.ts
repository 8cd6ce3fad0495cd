// Every implemented API, every version of Kafka's validVersions, request and response:
// decode(encode(body)) deep-equals body and encode(decode(bytes)) reproduces the bytes.
import { describe, expect, test } from 'vitest';
import { MESSAGES } from '../../src/protocol/messages/index.js';
import { codecFor, parseVersions, type MessageSchema } from '../../src/protocol/schema.js';
import { ADVERTISED_APIS } from '../../src/protocol/api-keys.js';
import { Rng, randomBody } from './support/random-body.js';

const schemas: MessageSchema[] = Object.values(MESSAGES).flatMap((m) => [m.request, m.response]);

describe.each(schemas.map((s) => [s.name, s] as const))('%s', (_name, schema) => {
  const [lo, hi] = parseVersions(schema.validVersions);
  const versions = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  test.each(versions)('v%i round-trips random bodies', (v) => {
    const codec = codecFor(schema);
    const rng = new Rng(schema.apiKey * 1000 + v * 7 + (schema.type === 'request' ? 1 : 2));
    for (let i = 0; i < 25; i++) {
      const body = randomBody(schema, v, rng);
      const bytes = codec.encode(body as never, v);
      const decoded = codec.decode(bytes, v);
      expect(decoded).toEqual(body);
      expect(Buffer.compare(codec.encode(decoded as never, v), bytes)).toBe(0);
    }
  });
});

test('every advertised version is implemented by the request and response schemas', () => {
  for (const a of ADVERTISED_APIS) {
    const m = (MESSAGES as Record<number, { request: MessageSchema; response: MessageSchema }>)[a.apiKey];
    expect(m, a.name).toBeDefined();
    for (let v = a.minVersion; v <= a.maxVersion; v++) {
      expect(codecFor(m!.request).supports(v), `${a.name} request v${v}`).toBe(true);
      expect(codecFor(m!.response).supports(v), `${a.name} response v${v}`).toBe(true);
    }
  }
});
