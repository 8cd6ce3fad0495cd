import { describe, expect, it } from 'vitest';
import { ApiKey, apiSupport } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { decodeResponse, encodeRequest } from '../../../src/protocol/frame.js';
import { CloseConnectionError } from '../../../src/services/network/connection.js';
import { frameBytes } from '../../../src/services/network/response-send.js';
import { HANDLED_API_KEYS, HANDLED_API_SUPPORT, IMPLEMENTED_VERSIONS, createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { CONN, call, fakeBroker } from './fake-broker.js';

describe('dispatcher', () => {
  it('advertises exactly the handled keys with the matrix ranges', () => {
    expect([...HANDLED_API_SUPPORT.keys()]).toEqual([...HANDLED_API_KEYS]);
    const matrix = apiSupport(['required', 'recommended', 'sasl']);
    for (const k of HANDLED_API_KEYS) expect(HANDLED_API_SUPPORT.get(k)).toBe(matrix.get(k));
    expect(HANDLED_API_KEYS).toContain(ApiKey.ApiVersions);
    expect(HANDLED_API_KEYS).toContain(ApiKey.Metadata);
    for (const [k, [lo, hi]] of IMPLEMENTED_VERSIONS) {
      const r = HANDLED_API_SUPPORT.get(k)!;
      expect(r.minVersion).toBeGreaterThanOrEqual(lo);
      expect(r.maxVersion).toBeLessThanOrEqual(hi);
    }
    expect([...HANDLED_API_KEYS]).toEqual([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 60, 61, 65, 66]);
  });

  it.each([0, 1, 2, 3])('ApiVersions v%i lists the handled APIs, throttle 0, no features', async (v) => {
    const fb = fakeBroker({}, createRequestHandler);
    const body = v >= 3 ? { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' } : {};
    const res = await call(fb.handler, ApiKey.ApiVersions, v, body);
    expect(res.errorCode).toBe(0);
    expect(res.apiKeys.map((k) => k.apiKey)).toEqual([...HANDLED_API_KEYS].sort((a, b) => a - b));
    for (const k of res.apiKeys) {
      const r = HANDLED_API_SUPPORT.get(k.apiKey)!;
      expect([k.minVersion, k.maxVersion]).toEqual([r.minVersion, r.maxVersion]);
    }
    if (v >= 1) expect(res.throttleTimeMs).toBe(0);
    if (v >= 3) {
      expect(res.finalizedFeaturesEpoch).toBe(-1n);
      expect(res.finalizedFeatures).toEqual([]);
      expect(res.supportedFeatures).toEqual([]);
    }
  });

  it('ApiVersions v3 with an invalid client software name gets INVALID_REQUEST', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const res = await call(fb.handler, ApiKey.ApiVersions, 3, { clientSoftwareName: 'bad name!', clientSoftwareVersion: '1' });
    expect(res.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('ApiVersions at version 99 gets the v0 UNSUPPORTED_VERSION answer with the ApiVersions range', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const frame = Buffer.alloc(10);
    frame.writeInt16BE(ApiKey.ApiVersions, 0);
    frame.writeInt16BE(99, 2);
    frame.writeInt32BE(4242, 4);
    frame.writeInt16BE(-1, 8);
    const out = await fb.handler(frame, CONN);
    const res = decodeResponse(frameBytes(out!).subarray(4), ApiKey.ApiVersions, 0);
    expect(res.correlationId).toBe(4242);
    expect(res.body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(res.body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
  });

  it('ApiVersions v4 (Java 3.9) also gets UNSUPPORTED_VERSION', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const frame = encodeRequest({ requestApiKey: ApiKey.ApiVersions, requestApiVersion: 4, correlationId: 9, clientId: 'java' },
      { clientSoftwareName: 'apache-kafka-java', clientSoftwareVersion: '3.9.0' });
    const out = await fb.handler(frame.subarray(4), CONN);
    expect(decodeResponse(frameBytes(out!).subarray(4), ApiKey.ApiVersions, 0).body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('unknown API key closes the connection naming key, version and client id', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const frame = Buffer.alloc(14);
    frame.writeInt16BE(57, 0); // UpdateFeatures
    frame.writeInt16BE(1, 2);
    frame.writeInt32BE(7, 4);
    frame.writeInt16BE(4, 8);
    frame.write('kcat', 10);
    const err = await fb.handler(frame, CONN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseConnectionError);
    expect((err as Error).message).toMatch(/api key 57 \(UpdateFeatures\) version 1, correlation id 7, client id 'kcat'/);
  });

  it('SaslHandshake on a listener without SASL is answered ILLEGAL_SASL_STATE (as KafkaApis)', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const frame = encodeRequest({ requestApiKey: ApiKey.SaslHandshake, requestApiVersion: 1, correlationId: 1, clientId: 'x' }, { mechanism: 'PLAIN' });
    const out = (await fb.handler(frame.subarray(4), CONN)) as Buffer;
    // size, correlation id, error code
    expect(out.readInt32BE(4)).toBe(1);
    expect(out.readInt16BE(8)).toBe(34);
  });

  it('an unsupported Metadata version closes the connection', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const frame = encodeRequest({ requestApiKey: ApiKey.Metadata, requestApiVersion: 12, correlationId: 1, clientId: 'x' }, { topics: null });
    const err = await fb.handler(frame.subarray(4), CONN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseConnectionError);
    expect((err as Error).message).toMatch(/Unsupported version in api key 3 \(Metadata\) version 12.*versions 0-9/);
  });

  it('malformed frames close the connection', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    await expect(fb.handler(Buffer.alloc(3), CONN)).rejects.toBeInstanceOf(CloseConnectionError);
    const frame = encodeRequest({ requestApiKey: ApiKey.Metadata, requestApiVersion: 1, correlationId: 1, clientId: 'x' }, { topics: [{ name: 'abc' }] });
    const truncated = frame.subarray(4, frame.length - 2);
    const err = await fb.handler(truncated, CONN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloseConnectionError);
    expect((err as Error).message).toMatch(/Malformed request, api key 3 \(Metadata\) version 1, correlation id 1, client id 'x'/);
    // bytes after a complete body are ignored, as Kafka ignores them (test/services/server/trailing-bytes.test.ts)
    const trailing = Buffer.concat([frame.subarray(4), Buffer.from([0])]);
    expect(decodeResponse(frameBytes((await fb.handler(trailing, CONN))!).subarray(4), ApiKey.Metadata, 1).correlationId).toBe(1);
  });

  it('a response that cannot be encoded is replaced by the error response', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.addTopic('a', 1);
    (fb.brokers[0] as { rack: unknown }).rack = { not: 'a string' };
    const res = await call(fb.handler, ApiKey.Metadata, 1, { topics: [{ name: 'a' }] });
    expect(res.brokers).toEqual([]);
    expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual([['a', -1]]);
  });

  it('a failing handler is logged and answered with UNKNOWN_SERVER_ERROR per topic', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.ctx.metadata.topic = () => { throw new Error('boom'); };
    const res = await call(fb.handler, ApiKey.Metadata, 1, { topics: [{ name: 'a' }, { name: 'b' }] });
    expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual([['a', -1], ['b', -1]]);
  });
});

describe('admin writes that never finish (ZooKeeper unreachable)', () => {
  it('are bounded by zookeeper.session.timeout.ms: CreateTopics/DeleteTopics REQUEST_TIMED_OUT, Metadata LEADER_NOT_AVAILABLE', async () => {
    const fb = fakeBroker({ 'zookeeper.session.timeout.ms': '100' }, createRequestHandler);
    fb.addTopic('old', 1);
    fb.ctx.admin.createTopic = () => new Promise(() => {});
    fb.ctx.admin.deleteTopic = () => new Promise(() => {});
    const created = await call(fb.handler, ApiKey.CreateTopics, 7, { topics: [{ name: 'x', numPartitions: 1, replicationFactor: 1 }], timeoutMs: 60000 });
    expect(created.topics[0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(created.topics[0]!.errorMessage).toMatch(/did not complete within 100 ms/);
    const deleted = await call(fb.handler, ApiKey.DeleteTopics, 6, { topics: [{ name: 'old', topicId: '00000000-0000-0000-0000-000000000000' }], timeoutMs: 60000 });
    expect(deleted.responses[0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    const md = await call(fb.handler, ApiKey.Metadata, 9, { topics: [{ name: 'y' }], allowAutoTopicCreation: true });
    expect(md.topics[0]!.errorCode).toBe(ErrorCode.LEADER_NOT_AVAILABLE);
  });
});
