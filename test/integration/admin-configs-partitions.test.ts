/**
 * AlterConfigs / IncrementalAlterConfigs / CreatePartitions on the real broker with real ZooKeeper: kafkajs admin
 * and a raw IncrementalAlterConfigs client; the ZooKeeper JSON is Kafka's, topic changes reach the log at once and
 * survive a restart, broker dynamic configs become the effective config, new partitions get leaders and logs.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, ConfigResourceTypes, type Admin } from 'kafkajs';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/frame.js';
import type { ZkSession } from '../../src/services/zookeeper/zk-session.js';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, inspectZk, readJson, eventually, type TestBroker } from './support.js';

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;
let admin: Admin;
let zks: ZkSession;

function run(cmd: string, args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { timeout: 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0 }));
    if (input !== undefined) p.stdin!.end(input);
  });
}
const kcat = (args: string[], input?: string) => run('kcat', ['-b', bootstrap, ...args], input);

/** One IncrementalAlterConfigs v1 request on a fresh connection (kafkajs and kafka-python 2.0.2 have no such call). */
async function incrementalAlter(resources: Array<{ resourceType: number; resourceName: string; configs: Array<{ name: string; configOperation: number; value: string | null }> }>) {
  const [host, port] = bootstrap.split(':');
  const sock: Socket = connect(Number(port), host);
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  try {
    const frame = encodeRequest({ requestApiKey: ApiKey.IncrementalAlterConfigs, requestApiVersion: 1, correlationId: 7, clientId: 'raw' }, { resources, validateOnly: false });
    const out = await new Promise<Buffer>((resolve) => {
      let buf = Buffer.alloc(0);
      sock.on('data', (d: Buffer) => { buf = Buffer.concat([buf, d]); if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) resolve(buf.subarray(4, 4 + buf.readInt32BE(0))); });
      sock.write(frame);
    });
    return decodeResponse(out, ApiKey.IncrementalAlterConfigs, 1).body;
  } finally { sock.destroy(); }
}

async function topicConfig(topic: string, name: string) {
  const r = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }] });
  return r.resources[0]!.configEntries.find((e) => e.configName === name);
}

async function brokerConfigEntry(name: string) {
  const r = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: [name] }] });
  return r.resources[0]!.configEntries.find((e) => e.configName === name);
}

async function segmentFiles(topic: string, partition: number): Promise<string[]> {
  for (const d of b.logDirs) {
    const files = await readdir(join(d, `${topic}-${partition}`)).catch(() => null);
    if (files) return files.filter((f) => f.endsWith('.log')).sort();
  }
  return [];
}

async function startAndConnect(): Promise<void> {
  broker = startBroker(b);
  await broker.waitForLog(started);
  const kafka = new Kafka({ clientId: 'it-admin', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  admin = kafka.admin();
  await admin.connect();
}

beforeAll(async () => {
  zk = await startZooKeeper();
  b = await brokerConfig(zk, { 'num.partitions': '1', 'log.segment.delete.delay.ms': '0' });
  bootstrap = b.props.listeners.replace('PLAINTEXT://', '');
  await startAndConnect();
  zks = await inspectZk(zk, b.chroot);
}, 60_000);
afterAll(async () => { await admin?.disconnect(); await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

describe('topic configs', () => {
  it('kafkajs alterConfigs + raw IncrementalAlterConfigs: Kafka\'s ZooKeeper JSON, DescribeConfigs, live on the log, kept across a restart', async () => {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'cfg', numPartitions: 1 }] });
    const p1 = await kcat(['-P', '-t', 'cfg', '-p', '0'], `${Array.from({ length: 20 }, (_, i) => `before-${i}-${'x'.repeat(100)}`).join('\n')}\n`);
    expect(p1.code, p1.stderr).toBe(0);
    expect(await segmentFiles('cfg', 0)).toHaveLength(1);

    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg', configEntries: [{ name: 'segment.bytes', value: '1024' }] }] });
    expect(await readJson(zks, '/config/topics/cfg')).toEqual({ version: 1, config: { 'segment.bytes': '1024' } });
    const changes = (await zks.getChildren('/config/changes')).filter((c) => c.startsWith('config_change_')).sort();
    expect(await readJson(zks, `/config/changes/${changes.at(-1)}`)).toEqual({ version: 2, entity_path: 'topics/cfg' });
    expect(await topicConfig('cfg', 'segment.bytes')).toMatchObject({ configValue: '1024', configSource: 1 });

    // IncrementalAlterConfigs keeps segment.bytes and adds to it
    const inc = await incrementalAlter([{ resourceType: 2, resourceName: 'cfg', configs: [
      { name: 'retention.ms', configOperation: 0, value: '86400000' }, { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
    ] }]);
    expect(inc.responses).toEqual([{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'cfg' }]);
    expect(await readJson(zks, '/config/topics/cfg')).toEqual({ version: 1, config: { 'segment.bytes': '1024', 'retention.ms': '86400000', 'cleanup.policy': 'delete,compact' } });
    expect(await topicConfig('cfg', 'cleanup.policy')).toMatchObject({ configValue: 'delete,compact', configSource: 1 });

    // Live: with 1 KiB segments, ~2 KiB of new (keyed: the topic is now compacted) records roll new segments
    const p2 = await kcat(['-P', '-t', 'cfg', '-p', '0', '-K:', '-X', 'linger.ms=0', '-X', 'batch.num.messages=1'], `${Array.from({ length: 20 }, (_, i) => `k${i}:after-${i}-${'y'.repeat(100)}`).join('\n')}\n`);
    expect(p2.code, p2.stderr).toBe(0);
    await eventually(async () => (await segmentFiles('cfg', 0)).length >= 3, 10_000, 'new segments after segment.bytes=1024');

    // A restart reads /config/topics: the override still applies to the log
    await admin.disconnect();
    await broker.stop();
    await startAndConnect();
    expect(await topicConfig('cfg', 'segment.bytes')).toMatchObject({ configValue: '1024', configSource: 1 });
    const before = (await segmentFiles('cfg', 0)).length;
    const p3 = await kcat(['-P', '-t', 'cfg', '-p', '0', '-K:', '-X', 'linger.ms=0', '-X', 'batch.num.messages=1'], `${Array.from({ length: 20 }, (_, i) => `r${i}:restarted-${i}-${'z'.repeat(100)}`).join('\n')}\n`);
    expect(p3.code, p3.stderr).toBe(0);
    await eventually(async () => (await segmentFiles('cfg', 0)).length >= before + 2, 10_000, 'segments roll after the restart');
  }, 60_000);

  it('a change written by another tool (kafka-configs.sh\'s znodes) reaches the log: max.message.bytes refuses a larger record', async () => {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'ext', numPartitions: 1 }] });
    await zks.setData('/config/topics/ext', Buffer.from(JSON.stringify({ version: 1, config: { 'max.message.bytes': '200' } })));
    await zks.create('/config/changes/config_change_', Buffer.from(JSON.stringify({ version: 2, entity_path: 'topics/ext' })), 2);
    await eventually(async () => (await topicConfig('ext', 'max.message.bytes'))?.configValue === '200', 10_000, 'override visible');
    await eventually(async () => {
      const r = await kcat(['-P', '-t', 'ext', '-p', '0', '-X', 'message.send.max.retries=0'], `${'m'.repeat(400)}\n`);
      return r.code !== 0 && /too large|MSG_SIZE_TOO_LARGE|Broker: Message size too large/i.test(r.stderr);
    }, 10_000, 'a 400-byte record refused');
  }, 30_000);
});

describe('broker dynamic configs', () => {
  it('IncrementalAlterConfigs on BROKER 1 and the cluster default: /config/brokers JSON, DescribeConfigs sources, the effective config', async () => {
    const r = await incrementalAlter([
      { resourceType: 4, resourceName: '1', configs: [{ name: 'num.io.threads', configOperation: 0, value: '4' }] },
      { resourceType: 4, resourceName: '', configs: [{ name: 'log.retention.ms', configOperation: 0, value: '7200000' }] },
    ]);
    expect(r.responses.map((x) => [x.resourceName, x.errorCode])).toEqual([['1', 0], ['', 0]]);
    const ro = await incrementalAlter([{ resourceType: 4, resourceName: '', configs: [{ name: 'broker.id', configOperation: 0, value: '9' }] }]);
    expect(ro.responses[0]).toMatchObject({ errorCode: 42, errorMessage: "Cannot update these configs dynamically: Set(broker.id)" });
    expect(await readJson(zks, '/config/brokers/1')).toEqual({ version: 1, config: { 'num.io.threads': '4' } });
    expect(await readJson(zks, '/config/brokers/<default>')).toEqual({ version: 1, config: { 'log.retention.ms': '7200000' } });
    // The broker applied the notification: the effective value (not just the stored one) changed
    await eventually(async () => (await brokerConfigEntry('num.io.threads'))?.configValue === '4', 10_000, 'num.io.threads=4 in effect');
    expect(await brokerConfigEntry('num.io.threads')).toMatchObject({ configSource: 2 });
    // Kafka's DynamicThreadPool: more than double the value in effect (4) is refused, with Kafka's wrapped text (issue 15)
    const tooMany = await incrementalAlter([{ resourceType: 4, resourceName: '1', configs: [{ name: 'num.io.threads', configOperation: 0, value: '9' }] }]);
    expect(tooMany.responses[0]).toMatchObject({ errorCode: 42, errorMessage: 'Invalid value org.apache.kafka.common.config.ConfigException: Dynamic thread count update validation failed for num.io.threads=9, value should not be greater than double the current value 4 for configuration Invalid dynamic configuration' });
    expect(await readJson(zks, '/config/brokers/1')).toEqual({ version: 1, config: { 'num.io.threads': '4' } });
    await eventually(async () => (await brokerConfigEntry('log.retention.ms'))?.configValue === '7200000', 10_000, 'log.retention.ms in effect');
    expect(await brokerConfigEntry('log.retention.ms')).toMatchObject({ configSource: 3 });
    // and topics without an override inherit it
    await eventually(async () => (await topicConfig('ext', 'retention.ms'))?.configValue === '7200000', 10_000, 'topic default follows');
    expect(await topicConfig('ext', 'retention.ms')).toMatchObject({ configSource: 3 }); // DYNAMIC_DEFAULT_BROKER_CONFIG
  }, 30_000);
});

describe('CreatePartitions', () => {
  it('kafkajs createPartitions 2 → 5: the controller elects leaders, kcat -L shows 5, partition 4 produces and consumes', async () => {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'grow', numPartitions: 2 }] });
    const idBefore = (await readJson(zks, '/brokers/topics/grow')).topic_id;
    await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 5 }] });
    const node = await readJson(zks, '/brokers/topics/grow');
    expect(node).toEqual({ version: 3, partitions: { 0: [1], 1: [1], 2: [1], 3: [1], 4: [1] }, adding_replicas: {}, removing_replicas: {}, topic_id: idBefore });
    expect(await readJson(zks, '/brokers/topics/grow/partitions/4/state')).toMatchObject({ leader: 1, isr: [1], leader_epoch: 0 });
    const md = await kcat(['-L', '-J', '-t', 'grow']);
    expect(md.code, md.stderr).toBe(0);
    const t = JSON.parse(md.stdout).topics[0];
    expect(t.partitions.map((p: { partition: number; leader: number }) => [p.partition, p.leader])).toEqual([[0, 1], [1, 1], [2, 1], [3, 1], [4, 1]]);
    const p = await kcat(['-P', '-t', 'grow', '-p', '4'], 'on-four-a\non-four-b\n');
    expect(p.code, p.stderr).toBe(0);
    const c = await kcat(['-C', '-t', 'grow', '-p', '4', '-o', 'beginning', '-e', '-f', '%p:%o:%s\n']);
    expect(c.stdout.trim().split('\n')).toEqual(['4:0:on-four-a', '4:1:on-four-b']);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 3 }] })).rejects.toMatchObject({ type: 'INVALID_PARTITIONS' });
  }, 30_000);
});

describe('kafka-python admin', () => {
  it('alter_configs on a topic and create_partitions (its negotiated versions)', async () => {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'py', numPartitions: 1 }] });
    const r = await run('/usr/bin/python3', ['-c', `
import json
from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType, NewPartitions
a = KafkaAdminClient(bootstrap_servers='${bootstrap}', client_id='py-admin')
r1 = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'py', configs={'retention.ms': '123456'})])
r2 = a.create_partitions({'py': NewPartitions(total_count=3)})
print(json.dumps({'alter': [list(x[:4]) for x in r1.resources], 'partitions': [list(x) for x in r2.topic_errors]}))
`]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(out.alter).toEqual([[0, null, 2, 'py']]);
    expect(out.partitions).toEqual([['py', 0, null]]);
    expect(await readJson(zks, '/config/topics/py')).toEqual({ version: 1, config: { 'retention.ms': '123456' } });
    await eventually(async () => (await kcat(['-L', '-J', '-t', 'py'])).stdout.includes('"partition":2'), 10_000, 'partition 2 in metadata');
  }, 30_000);
});
