/**
 * The dispatcher behind the real socket server, against real clients (Debian kcat = librdkafka 2.0.2 and
 * python3-kafka 2.0.2), with the in-memory fake broker: metadata, auto-creation, produce and consume.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { SocketServer } from '../../../src/services/network/socket-server.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { RecordBatch } from '../../../src/services/log/record-batch.js';
import { fakeBroker, type FakeBroker } from './fake-broker.js';
import { prerequisite } from '../../helpers/environment.js';

const run = promisify(execFile);
const servers: SocketServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });

async function start(props: Record<string, string> = {}): Promise<{ fb: FakeBroker; port: number }> {
  const fb = fakeBroker({ 'num.partitions': '1', 'default.replication.factor': '1', ...props }, createRequestHandler);
  const server = new SocketServer({
    listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    maxRequestBytes: 100 * 1024 * 1024, idleTimeoutMs: 0, queuedMaxRequests: 500, handler: fb.handler, log: createLogger('silent'),
  });
  servers.push(server);
  const [bound] = await server.bind();
  server.enableRequestProcessing();
  const port = bound!.boundPort;
  fb.brokers.splice(0, fb.brokers.length, {
    id: 1, endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port, securityProtocol: 'PLAINTEXT' }], rack: null, jmxPort: -1, timestamp: 0, features: {},
  });
  return { fb, port };
}

const hasKcat = prerequisite('kcat', existsSync('/usr/bin/kcat'), 'apt-get install -y kcat');
const hasPython = prerequisite('kafka-python', existsSync('/usr/bin/python3') && existsSync('/usr/lib/python3/dist-packages/kafka/__init__.py'), 'apt-get install -y python3-kafka');

describe.skipIf(!hasKcat)('kcat (librdkafka 2.0.2)', () => {
  it('lists metadata, produces (auto-creating the topic, gzip and lz4) and consumes', async () => {
    const { fb, port } = await start();
    fb.addTopic('existing', 2);
    const b = `127.0.0.1:${port}`;
    const meta = JSON.parse((await run('kcat', ['-b', b, '-L', '-J'], { timeout: 20000 })).stdout);
    expect(meta.brokers).toEqual([{ id: 1, name: `127.0.0.1:${port}` }]);
    expect(meta.topics.map((t: { topic: string }) => t.topic)).toEqual(['existing']);

    for (const codec of ['none', 'gzip', 'lz4']) {
      const child = run('kcat', ['-b', b, '-P', '-t', 'fresh', '-p', '0', '-z', codec, '-X', 'topic.message.timeout.ms=15000'], { timeout: 20000 });
      // compressible values: librdkafka sends a batch uncompressed when compression does not make it smaller
      child.child.stdin!.end(`${codec}-1${'.'.repeat(300)}\n${codec}-2${'.'.repeat(300)}\n`);
      await child;
    }
    expect(fb.topics.has('fresh')).toBe(true);
    expect(fb.logs.get('fresh-0')!.logEndOffset).toBe(6n);
    // Produce advertises v0, so librdkafka compresses (its codec gate)
    expect([...new Set(fb.logs.get('fresh-0')!.batches.map((x) => new RecordBatch(x).compressionType))]).toEqual([0, 1, 3]);

    const dots = '.'.repeat(300);
    const out = await run('kcat', ['-b', b, '-C', '-t', 'fresh', '-p', '0', '-o', 'beginning', '-e', '-f', '%o:%s\\n'], { timeout: 20000 });
    expect(out.stdout.trim().split('\n')).toEqual(['0:none-1', '1:none-2', '2:gzip-1', '3:gzip-2', '4:lz4-1', '5:lz4-2'].map((s) => s + dots));
    const tail = await run('kcat', ['-b', b, '-C', '-t', 'fresh', '-p', '0', '-o', '-2', '-e', '-f', '%o:%s\\n'], { timeout: 20000 });
    expect(tail.stdout.trim().split('\n')).toEqual(['4:lz4-1', '5:lz4-2'].map((s) => s + dots));
  }, 60000);

  it('acks=0 and idempotence-free acks=-1 produce', async () => {
    const { fb, port } = await start();
    fb.addTopic('t', 1);
    for (const acks of ['0', '-1']) {
      const child = run('kcat', ['-b', `127.0.0.1:${port}`, '-P', '-t', 't', '-p', '0', '-X', `acks=${acks}`], { timeout: 20000 });
      child.child.stdin!.end(`a${acks}\n`);
      await child;
    }
    expect(fb.logs.get('t-0')!.logEndOffset).toBe(2n);
  }, 60000);
});

describe.skipIf(!hasPython)('kafka-python 2.0.2', () => {
  it('probes the broker, creates and deletes a topic with the admin client, produces and consumes without a group', async () => {
    const { fb, port } = await start();
    const script = `
import sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
b = '127.0.0.1:${port}'
admin = KafkaAdminClient(bootstrap_servers=b, request_timeout_ms=10000)
admin.create_topics([NewTopic('py', 2, 1)])
p = KafkaProducer(bootstrap_servers=b, acks=1)
for i in range(5):
    p.send('py', value=('v%d' % i).encode(), partition=i % 2)
p.flush()
c = KafkaConsumer(bootstrap_servers=b, enable_auto_commit=False, consumer_timeout_ms=3000)
tp = TopicPartition('py', 0)
c.assign([tp])
c.seek_to_beginning(tp)
vals = [m.value.decode() for m in c]
print(','.join(vals))
print(c.end_offsets([tp])[tp])
admin.delete_topics(['py'])
print('deleted')
`;
    const out = await run('/usr/bin/python3', ['-c', script], { timeout: 50000 });
    expect(out.stdout.trim().split('\n')).toEqual(['v0,v2,v4', '3', 'deleted']);
    expect(fb.topics.has('py')).toBe(false);
  }, 60000);
});

describe('kafkajs 2.2.4', () => {
  it('admin create/list offsets/delete and an acks=-1 producer', async () => {
    const { Kafka, logLevel } = await import('kafkajs');
    const { fb, port } = await start();
    const kafka = new Kafka({ clientId: 'rafka-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'js', numPartitions: 3 }], waitForLeaders: true })).toBe(true);
    expect(fb.topics.get('js')!.partitions).toHaveLength(3);
    const producer = kafka.producer();
    await producer.connect();
    const sent = await producer.send({ topic: 'js', acks: -1, messages: [{ key: 'a', value: '1', partition: 1 }, { value: '2', partition: 1 }] });
    expect(sent.map((r) => [r.partition, r.errorCode, r.baseOffset])).toEqual([[1, 0, '0']]);
    const offsets = await admin.fetchTopicOffsets('js');
    expect(offsets.sort((a, b) => a.partition - b.partition).map((o) => [o.partition, o.low, o.high])).toEqual([[0, '0', '0'], [1, '0', '2'], [2, '0', '0']]);
    expect((await admin.listTopics()).sort()).toEqual(['js']);
    const { ConfigResourceTypes } = await import('kafkajs');
    const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: ['num.partitions'] }], includeSynonyms: false });
    expect(described.resources[0]!.configEntries.map((c) => [c.configName, c.configValue])).toEqual([['num.partitions', '1']]);
    await admin.deleteTopics({ topics: ['js'] });
    expect(fb.topics.has('js')).toBe(false);
    await producer.disconnect();
    await admin.disconnect();
  }, 60000);
});
