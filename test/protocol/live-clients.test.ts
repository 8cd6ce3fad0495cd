// Runs the real clients installed here against a fake broker (support/fake-broker.ts, which answers with our
// encoder) and checks the request frames they send. Skipped for clients that are not installed.
// RAFKA_UPDATE_FIXTURES=1 stores the captured frames as the hex fixtures used by golden.test.ts.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { startFakeBroker, type FakeBroker } from './support/fake-broker.js';
import { SCENARIOS, decodeAll, saveFixture } from './support/golden.js';
import { prerequisite } from '../helpers/environment.js';

const KCAT = '/usr/bin/kcat';
const PYTHON = '/usr/bin/python3';
const hasKcat = prerequisite('kcat', existsSync(KCAT), 'apt-get install -y kcat');
const hasKafkaPython = prerequisite('kafka-python', existsSync('/usr/lib/python3/dist-packages/kafka/__init__.py') && existsSync(PYTHON), 'apt-get install -y python3-kafka');
let kafkajsLoads = true;
try {
  await import('kafkajs');
} catch {
  kafkajsLoads = false;
}
const hasKafkajs = prerequisite('kafkajs', kafkajsLoads, 'a devDependency: npm ci');

function run(cmd: string, args: string[], input?: string, timeout = 20000): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout }, (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }));
    if (input !== undefined) child.stdin!.end(input);
  });
}

let broker: FakeBroker;
beforeEach(async () => {
  broker = await startFakeBroker();
});
afterEach(async () => {
  await broker.close();
});

function finish(scenario: string): void {
  expect(broker.errors).toEqual([]);
  const frames = broker.frames;
  if (process.env.RAFKA_UPDATE_FIXTURES === '1') saveFixture(scenario, frames);
  SCENARIOS[scenario]!(decodeAll(frames));
}

test.skipIf(!hasKcat)('kcat -L: ApiVersions v3 and Metadata v4, and it prints our Metadata answer', async () => {
  const r = await run(KCAT, ['-b', `127.0.0.1:${broker.port}`, '-L', '-m', '10']);
  expect(r.code).toBe(0);
  expect(r.out).toContain(`broker 1 at 127.0.0.1:${broker.port} (controller)`);
  expect(r.out).toContain('topic "golden" with 1 partitions');
  finish('kcat-metadata');
}, 30000);

test.skipIf(!hasKcat)('kcat -P (idempotent): InitProducerId v3 and Produce v7 carrying a v2 record batch', async () => {
  const r = await run(KCAT, ['-b', `127.0.0.1:${broker.port}`, '-P', '-t', 'golden', '-p', '0', '-X', 'enable.idempotence=true'], 'hello\n');
  expect(r.code).toBe(0);
  finish('kcat-produce');
}, 30000);

test.skipIf(!hasKcat)('kcat -C -e: ListOffsets v2 then Fetch v11, and it reaches the end of the partition', async () => {
  const r = await run(KCAT, ['-b', `127.0.0.1:${broker.port}`, '-C', '-t', 'golden', '-p', '0', '-o', 'beginning', '-e']);
  expect(r.code).toBe(0);
  expect(r.err).toContain('Reached end of topic golden [0]');
  finish('kcat-consume');
}, 30000);

test.skipIf(!hasKafkaPython)('kafka-python: pipelined ApiVersions v0 + Metadata v0 probe, Produce v7, ListOffsets v1, Fetch v4', async () => {
  const script = `
import sys
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
bs = '127.0.0.1:${broker.port}'
p = KafkaProducer(bootstrap_servers=bs, client_id='golden-py')
p.send('golden', b'hello', partition=0).get(timeout=10)
p.close()
c = KafkaConsumer(bootstrap_servers=bs, client_id='golden-py', enable_auto_commit=False)
tp = TopicPartition('golden', 0)
c.assign([tp])
c.seek_to_beginning(tp)
c.poll(timeout_ms=1500)
c.close()
print('done')
`;
  const r = await run(PYTHON, ['-c', script], undefined, 30000);
  expect(r.err).toBe('');
  expect(r.out.trim()).toBe('done');
  finish('kafka-python');
}, 40000);

test.skipIf(!hasKafkajs)('kafkajs: ApiVersions v2, Metadata v6, CreateTopics v3, Produce v7', async () => {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'golden-js', brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING, retry: { retries: 1 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'golden-new', numPartitions: 3, replicationFactor: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'golden', messages: [{ value: 'hello', partition: 0 }] });
  await producer.disconnect();
  finish('kafkajs');
}, 30000);

test.skipIf(!hasKcat)('kcat -G: FindCoordinator v2, JoinGroup v5 (MEMBER_ID_REQUIRED, rejoin), SyncGroup v3, OffsetFetch v7, LeaveGroup v1', async () => {
  const r = await run(KCAT, ['-b', `127.0.0.1:${broker.port}`, '-G', 'golden-group', '-X', 'auto.offset.reset=earliest', '-e', 'golden']);
  expect(r.code).toBe(0);
  expect(r.err).toContain('assigned: golden [0]');
  finish('kcat-group');
}, 30000);

test.skipIf(!hasKafkaPython)('kafka-python group: FindCoordinator v0, JoinGroup v2, SyncGroup v1, OffsetFetch v1, OffsetCommit v2', async () => {
  const script = `
from kafka import KafkaConsumer
c = KafkaConsumer('golden', bootstrap_servers='127.0.0.1:${broker.port}', client_id='golden-py', group_id='golden-group', auto_offset_reset='earliest')
c.poll(timeout_ms=3000)
c.poll(timeout_ms=1000)
print(sorted(tp.topic + ':' + str(tp.partition) for tp in c.assignment()))
c.close()
`;
  const r = await run(PYTHON, ['-c', script], undefined, 30000);
  expect(r.err).toBe('');
  expect(r.out.trim()).toBe("['golden:0']");
  finish('kafka-python-group');
}, 40000);

test.skipIf(!hasKafkajs)('kafkajs group: JoinGroup v5, SyncGroup v3, OffsetFetch v4, Heartbeat v3, LeaveGroup v3', async () => {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'golden-js', brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING, retry: { retries: 1 } });
  const consumer = kafka.consumer({ groupId: 'golden-group', heartbeatInterval: 300 });
  const joined = new Promise<unknown>((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
  await consumer.connect();
  await consumer.subscribe({ topic: 'golden', fromBeginning: true });
  await consumer.run({ eachMessage: async () => {} });
  const event = (await joined) as { payload: { memberAssignment: Record<string, number[]> } };
  expect(event.payload.memberAssignment).toEqual({ golden: [0] });
  await new Promise((resolve) => setTimeout(resolve, 1000)); // a few heartbeats
  await consumer.disconnect();
  finish('kafkajs-group');
}, 30000);

test.skipIf(!hasKafkaPython)('kafka-python admin: Metadata v5, CreateTopics v3, DescribeConfigs v2, ListGroups v1, DeleteGroups v1, CreatePartitions v1, DeleteTopics v3', async () => {
  const script = `
from kafka.admin import KafkaAdminClient, NewTopic, NewPartitions, ConfigResource, ConfigResourceType
a = KafkaAdminClient(bootstrap_servers='127.0.0.1:${broker.port}', client_id='golden-py')
a.create_topics([NewTopic('golden-new', 3, 1)])
r = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'golden')])
print(r[0].resources[0][4][0][:2])
print(a.list_consumer_groups())
a.delete_consumer_groups(['golden-group'])
a.create_partitions({'golden': NewPartitions(4)})
a.delete_topics(['golden-new'])
a.close()
`;
  const r = await run(PYTHON, ['-c', script], undefined, 30000);
  expect(r.err).toBe('');
  expect(r.out.trim().split('\n')).toEqual(["('cleanup.policy', 'delete')", "[('golden-group', 'consumer')]"]);
  finish('kafka-python-admin');
}, 40000);

test.skipIf(!hasKafkajs)('kafkajs admin: DescribeConfigs v2, ListGroups v2, DescribeGroups v2, DeleteGroups v1, CreatePartitions v1, DeleteTopics v1, ListOffsets v3', async () => {
  const { Kafka, logLevel, ConfigResourceTypes } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'golden-js', brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING, retry: { retries: 1 } });
  const admin = kafka.admin();
  await admin.connect();
  const configs = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'golden' }], includeSynonyms: false });
  expect(configs.resources[0]!.configEntries[0]).toMatchObject({ configName: 'cleanup.policy', configValue: 'delete' });
  expect((await admin.listGroups()).groups).toEqual([{ groupId: 'golden-group', protocolType: 'consumer' }]);
  expect((await admin.describeGroups(['golden-group'])).groups[0]).toMatchObject({ groupId: 'golden-group', state: 'Empty' });
  expect(await admin.deleteGroups(['golden-group'])).toEqual([{ groupId: 'golden-group', errorCode: 0 }]);
  await admin.createPartitions({ topicPartitions: [{ topic: 'golden', count: 4 }] });
  await admin.deleteTopics({ topics: ['golden-new'] });
  expect(await admin.fetchTopicOffsets('golden')).toEqual([{ partition: 0, offset: '0', high: '0', low: '0' }]);
  await admin.disconnect();
  finish('kafkajs-admin');
}, 30000);
