import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { call, fakeBroker, NamedError } from './fake-broker.js';

const topic = (name: string, extra: Record<string, unknown> = {}) => ({ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [], ...extra });

describe('CreateTopics', () => {
  it.each([3, 4])('v%i creates topics, waits for leaders, answers NONE', async (v) => {
    const fb = fakeBroker({}, createRequestHandler);
    const res = await call(fb.handler, ApiKey.CreateTopics, v, { topics: [topic('a'), topic('b', { numPartitions: 3 })], timeoutMs: 5000, validateOnly: false });
    expect(res.topics).toEqual([
      { name: 'a', errorCode: 0, errorMessage: null, topicId: '00000000-0000-0000-0000-000000000000', numPartitions: -1, replicationFactor: -1, configs: [], topicConfigErrorCode: 0 },
      { name: 'b', errorCode: 0, errorMessage: null, topicId: '00000000-0000-0000-0000-000000000000', numPartitions: -1, replicationFactor: -1, configs: [], topicConfigErrorCode: 0 },
    ]);
    expect(fb.topics.get('b')!.partitions).toHaveLength(3);
    expect(fb.created.map((c) => [c.req.name, c.req.numPartitions, c.req.replicationFactor, c.validateOnly])).toEqual([['a', 2, 1, false], ['b', 3, 1, false]]);
  });

  it('v7: -1 uses the broker defaults; v5+ returns partitions, replication factor, configs and (v7) the topic id', async () => {
    const fb = fakeBroker({ 'num.partitions': '4', 'default.replication.factor': '1' }, createRequestHandler);
    const res = await call(fb.handler, ApiKey.CreateTopics, 7, {
      topics: [topic('d', { numPartitions: -1, replicationFactor: -1, configs: [{ name: 'cleanup.policy', value: 'compact' }] })], timeoutMs: 5000, validateOnly: false,
    });
    const r = res.topics[0]!;
    expect(r).toMatchObject({ name: 'd', errorCode: 0, numPartitions: 4, replicationFactor: 1 });
    const byName = new Map(r.configs!.map((c) => [c.name, c]));
    expect(byName.get('cleanup.policy')).toEqual({ name: 'cleanup.policy', value: 'compact', readOnly: false, configSource: 1, isSensitive: false });
    expect(byName.get('retention.ms')).toEqual({ name: 'retention.ms', value: '604800000', readOnly: false, configSource: 5, isSensitive: false });
    expect(byName.get('max.message.bytes')).toMatchObject({ value: '1048588', configSource: 5 });
    expect(r.configs!.length).toBeGreaterThan(25);
    expect(r.topicId).toBe('01010101-0101-0101-0101-010101010101'); // base64url id of the fake, as a UUID
    expect(fb.created[0]!.req).toEqual({ name: 'd', numPartitions: 4, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } });
  });

  it('manual assignments', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const res = await call(fb.handler, ApiKey.CreateTopics, 5, {
      topics: [topic('m', { numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 1, brokerIds: [1] }] })],
      timeoutMs: 5000, validateOnly: false,
    });
    expect(res.topics[0]).toMatchObject({ errorCode: 0, numPartitions: 2, replicationFactor: 1 });
    expect(fb.created[0]!.req.assignments).toEqual(new Map([[0, [1]], [1, [1]]]));
    const both = await call(fb.handler, ApiKey.CreateTopics, 5, {
      topics: [topic('n', { assignments: [{ partitionIndex: 0, brokerIds: [1] }] })], timeoutMs: 5000, validateOnly: false,
    });
    expect(both.topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, numPartitions: -1 });
  });

  it('validateOnly validates without creating or waiting', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const res = await call(fb.handler, ApiKey.CreateTopics, 6, { topics: [topic('v')], timeoutMs: 5000, validateOnly: true });
    expect(res.topics[0]).toMatchObject({ errorCode: 0, numPartitions: 2, replicationFactor: 1 });
    expect(fb.created[0]!.validateOnly).toBe(true);
    expect(fb.topics.has('v')).toBe(false);
  });

  it.each([
    ['TopicExistsError', ErrorCode.TOPIC_ALREADY_EXISTS],
    ['InvalidTopicError', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['InvalidPartitionsError', ErrorCode.INVALID_PARTITIONS],
    ['InvalidReplicationFactorError', ErrorCode.INVALID_REPLICATION_FACTOR],
    ['InvalidConfigurationError', ErrorCode.INVALID_CONFIG],
    ['SomethingElse', ErrorCode.UNKNOWN_SERVER_ERROR],
  ])('%s → error %i with its message', async (name, code) => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.admin.createError = new NamedError(name, `nope: ${name}`);
    const res = await call(fb.handler, ApiKey.CreateTopics, 3, { topics: [topic('e')], timeoutMs: 1000, validateOnly: false });
    expect(res.topics[0]).toMatchObject({ name: 'e', errorCode: code, errorMessage: `nope: ${name}` });
  });

  it('an existing topic (as the fake admin reports) is TOPIC_ALREADY_EXISTS; duplicates are INVALID_REQUEST', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.addTopic('x', 1);
    const res = await call(fb.handler, ApiKey.CreateTopics, 4, { topics: [topic('x'), topic('dup'), topic('dup')], timeoutMs: 1000, validateOnly: false });
    expect(res.topics.map((t) => [t.name, t.errorCode, t.errorMessage])).toEqual([
      ['x', ErrorCode.TOPIC_ALREADY_EXISTS, "Topic 'x' already exists."],
      ['dup', ErrorCode.INVALID_REQUEST, 'Found multiple entries for this topic.'],
    ]);
  });

  it('__cluster_metadata cannot be created', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const res = await call(fb.handler, ApiKey.CreateTopics, 5, { topics: [topic('__cluster_metadata')], timeoutMs: 1000, validateOnly: false });
    expect(res.topics[0]).toMatchObject({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' });
    expect(fb.created).toEqual([]);
  });

  it('null config values → INVALID_CONFIG', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const res = await call(fb.handler, ApiKey.CreateTopics, 5, { topics: [topic('c', { configs: [{ name: 'retention.ms', value: null }] })], timeoutMs: 1000, validateOnly: false });
    expect(res.topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Null value not supported for topic configs: retention.ms' });
  });

  it('leaders not elected within timeoutMs → REQUEST_TIMED_OUT; timeoutMs 0 → REQUEST_TIMED_OUT at once', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.admin.applyCreates = false;
    const t0 = Date.now();
    const res = await call(fb.handler, ApiKey.CreateTopics, 7, { topics: [topic('slow')], timeoutMs: 100, validateOnly: false });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(res.topics[0]).toMatchObject({ errorCode: ErrorCode.REQUEST_TIMED_OUT, numPartitions: -1 });
    const zero = await call(fb.handler, ApiKey.CreateTopics, 7, { topics: [topic('zero')], timeoutMs: 0, validateOnly: false });
    expect(zero.topics[0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });

  it('not the controller → NOT_CONTROLLER', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.controllerId = 2;
    const res = await call(fb.handler, ApiKey.CreateTopics, 3, { topics: [topic('a')], timeoutMs: 1000, validateOnly: false });
    expect(res.topics[0]!.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    expect(fb.created).toEqual([]);
  });
});
