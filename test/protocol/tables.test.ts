import { expect, test } from 'vitest';
import { ADVERTISED_APIS, API_KEY_NAMES, DEFAULT_API_SUPPORT, apiKeyName, apiSupport, apiVersionsEntries } from '../../src/protocol/api-keys.js';
import { ErrorCode, KAFKA_ERRORS, errorByName, errorInfo } from '../../src/protocol/errors.js';

test('error codes the broker needs, with Kafka names, retriability and messages', () => {
  expect(KAFKA_ERRORS.size).toBeGreaterThanOrEqual(60);
  const expectations: [number, string, boolean][] = [
    [-1, 'UNKNOWN_SERVER_ERROR', false],
    [0, 'NONE', false],
    [1, 'OFFSET_OUT_OF_RANGE', false],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', true],
    [6, 'NOT_LEADER_OR_FOLLOWER', true],
    [7, 'REQUEST_TIMED_OUT', true],
    [14, 'COORDINATOR_LOAD_IN_PROGRESS', true],
    [15, 'COORDINATOR_NOT_AVAILABLE', true],
    [16, 'NOT_COORDINATOR', true],
    [22, 'ILLEGAL_GENERATION', false],
    [25, 'UNKNOWN_MEMBER_ID', false],
    [27, 'REBALANCE_IN_PROGRESS', false],
    [35, 'UNSUPPORTED_VERSION', false],
    [36, 'TOPIC_ALREADY_EXISTS', false],
    [41, 'NOT_CONTROLLER', true],
    [42, 'INVALID_REQUEST', false],
    [56, 'KAFKA_STORAGE_ERROR', true],
    [79, 'MEMBER_ID_REQUIRED', false],
  ];
  for (const [code, name, retriable] of expectations) {
    const e = errorInfo(code);
    expect([e.code, e.name, e.retriable], name).toEqual([code, name, retriable]);
    expect(errorByName(name)).toBe(e);
    expect(ErrorCode[name as keyof typeof ErrorCode]).toBe(code);
  }
  expect(errorInfo(35).message).toBe('The version of API is not supported.');
  expect(errorInfo(0).message).toBeNull();
  expect(errorInfo(31999).name).toBe('UNKNOWN_ERROR_CODE_31999');
});

test('advertised ranges are the matrix §7 ones', () => {
  const byName = Object.fromEntries(ADVERTISED_APIS.map((a) => [a.name, [a.minVersion, a.maxVersion]]));
  expect(byName).toMatchObject({
    ApiVersions: [0, 3],
    Metadata: [0, 9],
    Produce: [0, 7],
    Fetch: [0, 12], // widened from the matrix's 4 to Kafka's 0: v0–v3 are served down-converted to magic 0/1
    ListOffsets: [0, 5], // widened from the matrix's 1 to Kafka's 0: clients pinned below 0.10.1 send v0
    CreateTopics: [3, 7],
    DeleteTopics: [1, 6],
    InitProducerId: [0, 3],
    FindCoordinator: [0, 4],
    JoinGroup: [2, 6],
    SyncGroup: [1, 4],
    Heartbeat: [1, 4],
    LeaveGroup: [1, 4],
    OffsetCommit: [2, 8],
    OffsetFetch: [1, 8],
    DescribeGroups: [0, 5],
    ListGroups: [0, 4],
    DeleteGroups: [0, 2],
    OffsetDelete: [0, 0],
    DescribeConfigs: [1, 4],
    AlterConfigs: [0, 2],
    IncrementalAlterConfigs: [0, 1],
    CreatePartitions: [0, 3],
    SaslHandshake: [0, 1],
    SaslAuthenticate: [0, 2],
  });
  // SASL only on request
  expect(DEFAULT_API_SUPPORT.has(17)).toBe(false);
  expect(apiSupport(['sasl']).has(36)).toBe(true);
  expect(apiKeyName(18)).toBe('ApiVersions');
  expect(apiKeyName(4242)).toBe('UnknownApi4242');
  expect(Object.keys(API_KEY_NAMES).length).toBeGreaterThanOrEqual(80);
});

test('ApiVersions entries for a listener, in key order, without SASL or inter-broker keys by default', () => {
  const entries = apiVersionsEntries();
  expect(entries.map((e) => e.apiKey)).toEqual([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28, 29, 30, 31, 32, 33, 34, 35, 37, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 60, 61, 65, 66]);
  expect(entries.find((e) => e.apiKey === 18)).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 3 });
  expect(apiVersionsEntries(apiSupport(['required', 'recommended', 'sasl'])).map((e) => e.apiKey)).toContain(36);
});
