import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { buildEffectiveConfig } from '../../../src/services/config/dynamic-broker-config.js';
import { rememberDynamicLayers } from '../../../src/services/server/dynamic-config-loader.js';
import { call, fakeBroker } from './fake-broker.js';

const res = (resourceType: number, resourceName: string, configurationKeys: string[] | null = null) => ({ resourceType, resourceName, configurationKeys });

describe('DescribeConfigs', () => {
  it.each([1, 2, 4])('v%i BROKER: values, sources, read-only, sensitive', async (v) => {
    const fb = fakeBroker({ 'log.retention.hours': '24', 'ssl.keystore.password': 'secret', 'my.custom.key': 'x' }, createRequestHandler);
    const r = await call(fb.handler, ApiKey.DescribeConfigs, v, { resources: [res(4, '1')], includeSynonyms: true, includeDocumentation: v >= 3 });
    const result = r.results[0]!;
    expect(result.errorCode).toBe(0);
    const by = new Map(result.configs.map((c) => [c.name, c]));
    expect(by.get('broker.id')).toMatchObject({ value: '1', readOnly: true, configSource: 4, isSensitive: false });
    expect(by.get('num.partitions')).toMatchObject({ value: '1', configSource: 5, isSensitive: false });
    expect(by.get('log.retention.hours')).toMatchObject({ value: '24', configSource: 4 });
    expect(by.get('ssl.keystore.password')).toMatchObject({ value: null, isSensitive: true, configSource: 4 });
    expect(by.get('my.custom.key')).toMatchObject({ value: null, isSensitive: true });
    expect(by.get('log.dirs')).toMatchObject({ value: '/tmp/rafka-fake' });
    expect(by.get('log.retention.hours')!.synonyms).toEqual([
      { name: 'log.retention.hours', value: '24', source: 4 },
      { name: 'log.retention.hours', value: '168', source: 5 },
    ]);
    if (v >= 3) {
      expect(by.get('num.partitions')!.configType).toBe(3);
      expect(by.get('num.partitions')!.documentation).toMatch(/partitions/);
    }
    expect(result.configs.map((c) => c.name)).toEqual([...result.configs.map((c) => c.name)].sort());
  });

  it('BROKER: configuration keys filter, empty name, other broker ids', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const r = await call(fb.handler, ApiKey.DescribeConfigs, 4, {
      resources: [res(4, '1', ['auto.create.topics.enable', 'message.max.bytes']), res(4, ''), res(4, '7'), res(4, 'x'), res(8, '1'), res(3, 'g')], includeSynonyms: false, includeDocumentation: false,
    });
    expect(r.results[0]!.configs.map((c) => [c.name, c.value, c.readOnly, c.synonyms])).toEqual([
      ['auto.create.topics.enable', 'true', true, []],
      ['message.max.bytes', '1048588', false, []],
    ]);
    expect(r.results.slice(1).map((x) => [x.errorCode, x.configs.length])).toEqual([[0, 0], [42, 0], [42, 0], [42, 0], [42, 0]]);
    expect(r.results[2]!.errorMessage).toBe('Unexpected broker id, expected 1 or empty string, but received 7');
  });

  it('TOPIC: overrides and broker-derived defaults when the admin exposes topic configs', async () => {
    const fb = fakeBroker({ 'log.retention.hours': '24', 'num.partitions': '3' }, createRequestHandler);
    fb.addTopic('t', 1);
    fb.entityConfigs.set('topics/t', { 'cleanup.policy': 'compact' });
    const r = await call(fb.handler, ApiKey.DescribeConfigs, 4, { resources: [res(2, 't'), res(2, 'nope'), res(2, 'bad/name')], includeSynonyms: true, includeDocumentation: false });
    const by = new Map(r.results[0]!.configs.map((c) => [c.name, c]));
    expect(by.get('cleanup.policy')).toMatchObject({ value: 'compact', configSource: 1, readOnly: false });
    expect(by.get('cleanup.policy')!.synonyms).toEqual([
      { name: 'cleanup.policy', value: 'compact', source: 1 },
      { name: 'log.cleanup.policy', value: 'delete', source: 5 },
    ]);
    expect(by.get('retention.ms')).toMatchObject({ value: String(24 * 3600 * 1000) });
    expect(by.get('max.message.bytes')).toMatchObject({ value: '1048588', configSource: 5 });
    expect(by.get('segment.bytes')).toMatchObject({ value: '1073741824' });
    expect(r.results[1]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: "The topic 'nope' does not exist." });
    expect(r.results[2]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  it('TOPIC whose overrides cannot be read (ZooKeeper failing): an error, not guessed values', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.addTopic('t', 1);
    fb.ctx.admin.entityConfigs = async () => { throw new Error('ZooKeeper request failed'); };
    const r = await call(fb.handler, ApiKey.DescribeConfigs, 1, { resources: [res(2, 't')], includeSynonyms: false });
    expect(r.results[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, configs: [] });
  });
});

describe('DescribeConfigs: dynamic broker configs', () => {
  it('per-broker and cluster-default layers come first in synonyms and sources; BROKER "" lists the default layer', async () => {
    const fb = fakeBroker({ 'log.retention.hours': '24' }, createRequestHandler);
    fb.entityConfigs.set('brokers/1', { 'num.io.threads': '3' });
    fb.entityConfigs.set('brokers/<default>', { 'num.io.threads': '5', 'log.retention.ms': '60000' });
    const r = await call(fb.handler, ApiKey.DescribeConfigs, 4, { resources: [res(4, '1', ['num.io.threads', 'log.retention.ms']), res(4, '')], includeSynonyms: true, includeDocumentation: false });
    const by = new Map(r.results[0]!.configs.map((c) => [c.name, c]));
    expect(by.get('num.io.threads')).toMatchObject({ configSource: 2 });
    expect(by.get('num.io.threads')!.synonyms).toEqual([
      { name: 'num.io.threads', value: '3', source: 2 }, { name: 'num.io.threads', value: '5', source: 3 }, { name: 'num.io.threads', value: '8', source: 5 },
    ]);
    expect(by.get('log.retention.ms')).toMatchObject({ configSource: 3 });
    expect(by.get('log.retention.ms')!.synonyms.map((s) => [s.name, s.source])).toEqual([['log.retention.ms', 3], ['log.retention.hours', 4], ['log.retention.hours', 5]]);
    expect(r.results[1]!.configs.map((c) => [c.name, c.value, c.configSource, c.synonyms.map((s) => s.source)])).toEqual([
      ['log.retention.ms', '60000', 3, [3]], ['num.io.threads', '5', 3, [3]],
    ]);
    // a topic without an override shows where its default comes from: the cluster-wide dynamic layer
    fb.addTopic('t', 1);
    const t = await call(fb.handler, ApiKey.DescribeConfigs, 4, { resources: [res(2, 't', ['retention.ms'])], includeSynonyms: true, includeDocumentation: false });
    expect(t.results[0]!.configs[0]).toMatchObject({ name: 'retention.ms', configSource: 3 });
    expect(t.results[0]!.configs[0]!.synonyms[0]).toEqual({ name: 'log.retention.ms', value: '60000', source: 3 });
  });

  it('BROKER: value and synonyms from the layers the config in use was built from, not a fresher ZooKeeper read', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const staticProps = { 'zookeeper.connect': 'localhost:2181', 'log.dirs': '/tmp/rafka-fake', 'broker.id': '1', 'log.retention.hours': '24' };
    const layers = { clusterDefault: {}, perBroker: { 'log.retention.ms': '7777777' }, staticProps };
    const applied = buildEffectiveConfig(staticProps, layers.clusterDefault, layers.perBroker, { brokerId: 1 }).config;
    rememberDynamicLayers(applied, layers);
    fb.ctx.config = () => applied;
    // altered in ZooKeeper, the change notification not processed yet: Kafka answers its current (applied) snapshot
    fb.entityConfigs.set('brokers/1', { 'log.retention.ms': '1' });
    const r = await call(fb.handler, ApiKey.DescribeConfigs, 4, { resources: [res(4, '1', ['log.retention.ms', 'log.retention.hours'])], includeSynonyms: true, includeDocumentation: false });
    const by = new Map(r.results[0]!.configs.map((c) => [c.name, c]));
    expect(by.get('log.retention.ms')).toMatchObject({ value: '7777777', configSource: 2 });
    expect(by.get('log.retention.ms')!.synonyms).toEqual([
      { name: 'log.retention.ms', value: '7777777', source: 2 }, { name: 'log.retention.hours', value: '24', source: 4 }, { name: 'log.retention.hours', value: '168', source: 5 },
    ]);
    // Kafka 3.7.1 (ConfigHelper.allConfigs = originals ++ nonInternalValues): an unset key whose default is null answers
    // null with no synonyms (dropWhile drops the hours synonyms ahead of it), even though log.retention.hours sets it
    const s = fakeBroker({ 'log.retention.hours': '24' }, createRequestHandler);
    const q = await call(s.handler, ApiKey.DescribeConfigs, 4, { resources: [res(4, '1', ['log.retention.ms'])], includeSynonyms: true, includeDocumentation: false });
    expect(q.results[0]!.configs[0]).toMatchObject({ name: 'log.retention.ms', value: null, configSource: 5, synonyms: [] });
  });
});
