import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { decodePassword } from '../../../src/services/config/password-encoder.js';
import { call, fakeBroker } from './fake-broker.js';

const TOPIC = 2, BROKER = 4, BROKER_LOGGER = 8;
const SET = 0, DELETE = 1, APPEND = 2, SUBTRACT = 3;
const SECRET = { 'password.encoder.secret': 'enc-secret', 'password.encoder.iterations': '1024' };

function setup(props: Record<string, string> = {}) {
  const fb = fakeBroker(props, createRequestHandler);
  fb.addTopic('t', 1);
  return fb;
}

const alter = (fb: ReturnType<typeof setup>, v: number, resources: Array<{ resourceType: number; resourceName: string; configs: Array<{ name: string; value: string | null }> }>, validateOnly = false) =>
  call(fb.handler, ApiKey.AlterConfigs, v, { resources, validateOnly });
const incremental = (fb: ReturnType<typeof setup>, v: number, resources: Array<{ resourceType: number; resourceName: string; configs: Array<{ name: string; configOperation: number; value: string | null }> }>, validateOnly = false) =>
  call(fb.handler, ApiKey.IncrementalAlterConfigs, v, { resources, validateOnly });

describe('AlterConfigs', () => {
  it.each([0, 1, 2])('v%i TOPIC: replaces the overrides and notifies; validateOnly writes nothing', async (v) => {
    const fb = setup();
    fb.entityConfigs.set('topics/t', { 'segment.bytes': '1048576' });
    const dry = await alter(fb, v, [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.ms', value: '1000' }] }], true);
    expect(dry.responses).toEqual([{ errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: 't' }]);
    expect(fb.configChanges).toEqual([]);
    const r = await alter(fb, v, [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.ms', value: '1000' }, { name: 'cleanup.policy', value: 'compact' }] }]);
    expect(r.responses[0]!.errorCode).toBe(0);
    expect(fb.entityConfigs.get('topics/t')).toEqual({ 'retention.ms': '1000', 'cleanup.policy': 'compact' }); // segment.bytes gone: a full replace
    expect(fb.configChanges).toEqual(['topics/t']);
  });

  it('TOPIC errors: unknown topic, unknown key, bad value, null value, duplicate resource', async () => {
    const fb = setup();
    fb.addTopic('u', 1);
    const r = await alter(fb, 1, [
      { resourceType: TOPIC, resourceName: 'nope', configs: [] },
      { resourceType: TOPIC, resourceName: 't', configs: [{ name: 'no.such.config', value: '1' }] },
      { resourceType: TOPIC, resourceName: 'u', configs: [{ name: 'retention.ms', value: 'abc' }] },
      { resourceType: BROKER, resourceName: '1', configs: [{ name: 'num.io.threads', value: null }] },
      { resourceType: TOPIC, resourceName: 'dup', configs: [] },
      { resourceType: TOPIC, resourceName: 'dup', configs: [] },
    ]);
    expect(r.responses.map((x) => [x.resourceName, x.errorCode, x.errorMessage])).toEqual([
      ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic 'nope' does not exist."],
      ['t', ErrorCode.INVALID_CONFIG, 'Unknown topic config name: no.such.config'],
      ['u', ErrorCode.INVALID_CONFIG, expect.stringMatching(/^Invalid config value for resource ConfigResource\(type=TOPIC, name='u'\): Invalid value abc for configuration retention.ms/)],
      ['1', ErrorCode.INVALID_REQUEST, 'Null value not supported for : num.io.threads'],
      ['dup', ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
      ['dup', ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
    ]);
    expect(fb.configChanges).toEqual([]);
  });

  it('BROKER: per-broker and cluster default entities, dynamic-update rules, other broker ids, BROKER_LOGGER', async () => {
    const fb = setup();
    const r = await alter(fb, 2, [
      { resourceType: BROKER, resourceName: '1', configs: [{ name: 'num.io.threads', value: '4' }] },
      { resourceType: BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', value: '60000' }] },
      { resourceType: BROKER, resourceName: '2', configs: [] },
      { resourceType: BROKER, resourceName: 'x', configs: [] },
      { resourceType: BROKER_LOGGER, resourceName: '1', configs: [] },
    ]);
    expect(r.responses.map((x) => [x.resourceName, x.errorCode, x.errorMessage])).toEqual([
      ['1', 0, null],
      ['', 0, null],
      ['2', ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 1, but received 2'],
      ['x', ErrorCode.INVALID_REQUEST, 'Node id must be an integer, but it is: x'],
      ['1', ErrorCode.INVALID_REQUEST, 'AlterConfigs is only supported for topics and brokers, but resource type is BROKER_LOGGER'],
    ]);
    expect(fb.entityConfigs.get('brokers/1')).toEqual({ 'num.io.threads': '4' });
    expect(fb.entityConfigs.get('brokers/<default>')).toEqual({ 'log.retention.ms': '60000' });
    expect(fb.configChanges).toEqual(['brokers/1', 'brokers/<default>']);
    const one = async (name: string, value: string) =>
      (await alter(fb, 2, [{ resourceType: BROKER, resourceName: '', configs: [{ name, value }] }])).responses[0]!;
    // Kafka 3.7's ConfigAdminManager: DynamicBrokerConfig.validate's message as INVALID_REQUEST
    expect(await one('broker.id', '3')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Cannot update these configs dynamically: Set(broker.id)' });
    expect(await one('listeners', 'PLAINTEXT://:9093')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Cannot update these configs at default cluster level, broker id must be specified: Set(listeners)' });
    expect(await one('num.io.threads', '0')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Invalid value 0 for configuration num.io.threads: Value must be at least 1' });
    expect(fb.configChanges).toHaveLength(2);
  });

  it('BROKER: keys Kafka accepts but Rafka does not act on are answered and stored as Kafka does; its refusals get its answer', async () => {
    const fb = setup();
    const accepted = [
      { name: 'sasl.kerberos.min.time.before.relogin', value: '58000' }, // Kafka dynamic (per-broker), not in Rafka's table
      { name: 'cleanup.policy', value: 'delete' }, // a topic key on a broker: a custom key for Kafka (kafkajs's own test)
      { name: 'my.plugin.setting', value: 'x' }, // custom
      { name: 'leader.replication.throttled.rate', value: '1000' }, // DynamicConfig.Broker quota
    ];
    const r = await alter(fb, 1, [{ resourceType: BROKER, resourceName: '1', configs: accepted }]);
    expect(r.responses[0]).toMatchObject({ errorCode: 0, errorMessage: null });
    expect(fb.entityConfigs.get('brokers/1')).toEqual(Object.fromEntries(accepted.map((c) => [c.name, c.value])));
    const inc = await incremental(fb, 1, [{ resourceType: BROKER, resourceName: '', configs: [{ name: 'cleanup.policy', configOperation: SET, value: 'compact' }] }]);
    expect(inc.responses[0]).toMatchObject({ errorCode: 0, errorMessage: null });
    // APPEND to a LIST key Kafka has and the table lacks starts from Kafka's default, as KafkaConfig.configKeys would
    const append = await incremental(fb, 1, [{ resourceType: BROKER, resourceName: '1', configs: [{ name: 'sasl.kerberos.principal.to.local.rules', configOperation: APPEND, value: 'RULE:x' }] }]);
    expect(append.responses[0]).toMatchObject({ errorCode: 0, errorMessage: null });
    expect(fb.entityConfigs.get('brokers/1')!['sasl.kerberos.principal.to.local.rules']).toBe('DEFAULT,RULE:x');
    const one = async (name: string, value: string, resourceName = '') =>
      (await alter(fb, 1, [{ resourceType: BROKER, resourceName, configs: [{ name, value }] }])).responses[0]!;
    expect(await one('sasl.kerberos.min.time.before.relogin', '58000')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Cannot update these configs at default cluster level, broker id must be specified: Set(sasl.kerberos.min.time.before.relogin)' });
    expect(await one('sasl.kerberos.min.time.before.relogin', 'soon', '1')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Invalid value soon for configuration sasl.kerberos.min.time.before.relogin: Not a number of type LONG' });
    expect(await one('follower.replication.throttled.rate', '-1')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Invalid value -1 for configuration follower.replication.throttled.rate: Value must be at least 0' });
    expect(await one('ssl.keystore.location', '/tmp/ks', '1')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.keystore.location)' });
    expect(await one('log.dirs', '/tmp/x', '1')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Cannot update these configs dynamically: Set(log.dirs)' });
    // a read-only Kafka key Rafka's table lacks is refused as Kafka refuses it, not taken for a custom key
    expect(await one('controller.quorum.voters', '1@h:9093', '1')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Cannot update these configs dynamically: Set(controller.quorum.voters)' });
    expect(fb.configChanges).toEqual(['brokers/1', 'brokers/<default>', 'brokers/1']);
  });

  it('BROKER: passwords are stored encoded, per broker only, and need password.encoder.secret', async () => {
    const fb = setup(SECRET);
    const r = await alter(fb, 1, [{ resourceType: BROKER, resourceName: '1', configs: [{ name: 'listener.name.plaintext.ssl.key.password', value: 'pw' }] }]);
    expect(r.responses[0]!.errorCode).toBe(0);
    const stored = fb.entityConfigs.get('brokers/1')!['listener.name.plaintext.ssl.key.password']!;
    expect(stored).toMatch(/encryptedPassword:/);
    expect(decodePassword(stored, 'enc-secret')).toBe('pw');
    const noSecret = setup();
    const r2 = await alter(noSecret, 1, [{ resourceType: BROKER, resourceName: '1', configs: [{ name: 'listener.name.plaintext.ssl.key.password', value: 'pw' }] }]);
    expect(r2.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: "Invalid config value for resource ConfigResource(type=BROKER, name='1'): Password encoder secret not configured" });
  });
});

describe('IncrementalAlterConfigs', () => {
  it.each([0, 1])('v%i TOPIC: SET / DELETE / APPEND / SUBTRACT over the stored overrides', async (v) => {
    const fb = setup();
    fb.entityConfigs.set('topics/t', { 'retention.ms': '1000', 'segment.bytes': '1048576' });
    const r = await incremental(fb, v, [{ resourceType: TOPIC, resourceName: 't', configs: [
      { name: 'segment.bytes', configOperation: DELETE, value: null },
      { name: 'max.message.bytes', configOperation: SET, value: '2000' },
      { name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }, // from the default "delete"
      { name: 'leader.replication.throttled.replicas', configOperation: SUBTRACT, value: '0:1' },
    ] }]);
    expect(r.responses[0]).toMatchObject({ errorCode: 0, errorMessage: null });
    expect(fb.entityConfigs.get('topics/t')).toEqual({ 'retention.ms': '1000', 'max.message.bytes': '2000', 'cleanup.policy': 'delete,compact', 'leader.replication.throttled.replicas': '' });
    const r2 = await incremental(fb, v, [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }] }]);
    expect(r2.responses[0]!.errorCode).toBe(0);
    expect(fb.entityConfigs.get('topics/t')!['cleanup.policy']).toBe('compact');
    expect(fb.configChanges).toEqual(['topics/t', 'topics/t']);
  });

  it('errors: duplicate keys, null values, APPEND to a non-list, unknown op, unknown key, validateOnly', async () => {
    const fb = setup();
    const r = await incremental(fb, 1, [
      { resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.ms', configOperation: SET, value: '1' }, { name: 'retention.ms', configOperation: DELETE, value: null }] },
      { resourceType: BROKER, resourceName: '1', configs: [{ name: 'num.io.threads', configOperation: SET, value: null }] },
      { resourceType: BROKER, resourceName: '', configs: [{ name: 'num.io.threads', configOperation: APPEND, value: '2' }] },
      { resourceType: TOPIC, resourceName: 'nope', configs: [{ name: 'retention.ms', configOperation: 9, value: '1' }] },
      { resourceType: BROKER_LOGGER, resourceName: '1', configs: [{ name: 'root', configOperation: SET, value: 'INFO' }] },
    ]);
    expect(r.responses.map((x) => [x.errorCode, x.errorMessage])).toEqual([
      [ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys : retention.ms'],
      [ErrorCode.INVALID_REQUEST, 'Null value not supported for : SET:num.io.threads'],
      [ErrorCode.INVALID_CONFIG, 'Config value append is not allowed for config key: num.io.threads'],
      [ErrorCode.INVALID_REQUEST, 'Unknown operations type 9'],
      [ErrorCode.INVALID_REQUEST, 'AlterConfigs is only supported for topics and brokers, but resource type is BROKER_LOGGER'],
    ]);
    const r2 = await incremental(fb, 1, [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'bogus', configOperation: APPEND, value: 'x' }] }]);
    expect(r2.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Unknown topic config name: bogus' });
    const dry = await incremental(fb, 1, [{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.ms', configOperation: SET, value: '5' }] }], true);
    expect(dry.responses[0]!.errorCode).toBe(0);
    expect(fb.configChanges).toEqual([]);
  });

  it('BROKER: operations apply to the stored entity (passwords decoded, re-encoded); APPEND on a list config', async () => {
    const fb = setup(SECRET);
    await alter(fb, 1, [{ resourceType: BROKER, resourceName: '1', configs: [{ name: 'listener.name.plaintext.ssl.key.password', value: 'pw' }] }]);
    const r = await incremental(fb, 1, [
      // 4: at least half of the current 8 (Kafka's DynamicThreadPool refuses 3: reconfiguration.test.ts)
      { resourceType: BROKER, resourceName: '1', configs: [{ name: 'num.io.threads', configOperation: SET, value: '4' }] },
      { resourceType: BROKER, resourceName: '', configs: [{ name: 'log.cleanup.policy', configOperation: APPEND, value: 'compact' }] },
    ]);
    expect(r.responses.map((x) => x.errorCode)).toEqual([0, 0]);
    const perBroker = fb.entityConfigs.get('brokers/1')!;
    expect(perBroker['num.io.threads']).toBe('4');
    expect(decodePassword(perBroker['listener.name.plaintext.ssl.key.password']!, 'enc-secret')).toBe('pw');
    expect(fb.entityConfigs.get('brokers/<default>')).toEqual({ 'log.cleanup.policy': 'delete,compact' });
  });
});
