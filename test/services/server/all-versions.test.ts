/**
 * Every version each handler claims to implement (IMPLEMENTED_VERSIONS, a superset of what is advertised) answers a
 * successful request without falling back to the UNKNOWN_SERVER_ERROR response (which is what an encode error of a
 * version-specific field would produce).
 */
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { apiKeyName, type ApiRange } from '../../../src/protocol/api-keys.js';
import { IMPLEMENTED_VERSIONS, createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { batch, call, fakeBroker } from './fake-broker.js';

const WIDE = new Map([...IMPLEMENTED_VERSIONS].map(([apiKey, [minVersion, maxVersion]]): [number, ApiRange] =>
  [apiKey, { apiKey, name: apiKeyName(apiKey), minVersion, maxVersion, tier: 'required' }]));

const versions = (k: number) => {
  const [lo, hi] = IMPLEMENTED_VERSIONS.get(k)!;
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
};

function setup() {
  const fb = fakeBroker({}, (ctx) => createRequestHandler(ctx, { support: WIDE }));
  fb.addTopic('t', 1);
  fb.logs.get('t-0')!.appendAsLeader(batch(['a']), 3);
  return fb;
}

describe('every advertised version', () => {
  it.each(versions(ApiKey.Metadata))('Metadata v%i', async (v) => {
    const res = await call(setup().handler, ApiKey.Metadata, v, { topics: v === 0 ? [] : null, allowAutoTopicCreation: true });
    expect(res.topics.map((t) => [t.name, t.errorCode, t.partitions[0]!.leaderId])).toEqual([['t', 0, 1]]);
  });
  it.each(versions(ApiKey.Produce))('Produce v%i', async (v) => {
    const res = await call(setup().handler, ApiKey.Produce, v, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: batch(['b']) }] }] });
    expect(res.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 1n });
  });
  it.each(versions(ApiKey.Fetch))('Fetch v%i', async (v) => {
    const res = await call(setup().handler, ApiKey.Fetch, v, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1 }] }], forgottenTopicsData: [], rackId: '',
    });
    expect(res.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 1n });
    expect(res.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0);
  });
  it.each(versions(ApiKey.ListOffsets))('ListOffsets v%i', async (v) => {
    const res = await call(setup().handler, ApiKey.ListOffsets, v, { replicaId: -1, isolationLevel: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n, currentLeaderEpoch: -1 }] }] });
    expect(res.topics[0]!.partitions[0]).toMatchObject(v === 0 ? { errorCode: 0, oldStyleOffsets: [1n] } : { errorCode: 0, offset: 1n });
  });
  it.each(versions(ApiKey.FindCoordinator))('FindCoordinator v%i', async (v) => {
    const res = await call(setup().handler, ApiKey.FindCoordinator, v, v >= 4 ? { keyType: 0, coordinatorKeys: ['g'] } : { key: 'g' });
    // A single broker coordinates every group: it answers with itself.
    expect(v >= 4 ? res.coordinators[0]! : res).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 1, host: 'broker1', port: 9092 });
  });
  it.each(versions(ApiKey.ApiVersions))('ApiVersions v%i', async (v) => {
    const res = await call(setup().handler, ApiKey.ApiVersions, v, v >= 3 ? { clientSoftwareName: 'x', clientSoftwareVersion: '1' } : {});
    expect(res.errorCode).toBe(0);
  });
  it.each(versions(ApiKey.CreateTopics))('CreateTopics v%i', async (v) => {
    const res = await call(setup().handler, ApiKey.CreateTopics, v, { topics: [{ name: 'n', numPartitions: 1, replicationFactor: 1, configs: [{ name: 'retention.ms', value: '1000' }] }], timeoutMs: 5000 });
    expect(res.topics[0]!.errorCode).toBe(0);
  });
  it.each(versions(ApiKey.DeleteTopics))('DeleteTopics v%i', async (v) => {
    const res = await call(setup().handler, ApiKey.DeleteTopics, v, v >= 6 ? { topics: [{ name: 't' }], timeoutMs: 5000 } : { topicNames: ['t'], timeoutMs: 5000 });
    expect(res.responses[0]!.errorCode).toBe(0);
  });
  it.each(versions(ApiKey.AlterConfigs))('AlterConfigs v%i', async (v) => {
    const res = await call(setup().handler, ApiKey.AlterConfigs, v, { resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: '1000' }] }], validateOnly: false });
    expect(res.responses[0]).toMatchObject({ errorCode: 0, resourceName: 't' });
  });
  it.each(versions(ApiKey.IncrementalAlterConfigs))('IncrementalAlterConfigs v%i', async (v) => {
    const res = await call(setup().handler, ApiKey.IncrementalAlterConfigs, v, { resources: [{ resourceType: 4, resourceName: '1', configs: [{ name: 'num.io.threads', configOperation: 0, value: '4' }] }], validateOnly: false });
    expect(res.responses[0]).toMatchObject({ errorCode: 0, resourceName: '1' });
  });
  it.each(versions(ApiKey.CreatePartitions))('CreatePartitions v%i', async (v) => {
    const res = await call(setup().handler, ApiKey.CreatePartitions, v, { topics: [{ name: 't', count: 2, assignments: null }], timeoutMs: 5000, validateOnly: false });
    expect(res.results[0]).toMatchObject({ errorCode: 0, name: 't' });
  });
  it.each(versions(ApiKey.DescribeConfigs))('DescribeConfigs v%i', async (v) => {
    const res = await call(setup().handler, ApiKey.DescribeConfigs, v, { resources: [{ resourceType: 4, resourceName: '1', configurationKeys: null }], includeSynonyms: v >= 1 });
    expect(res.results[0]!.errorCode).toBe(0);
    expect(res.results[0]!.configs.length).toBeGreaterThan(100);
  });
});
