/**
 * Issue 10, part 2, with the real client: Debian 12's librdkafka 2.0.2 (the library kcat links) through its admin API
 * (test/integration/librdkafka_admin.py, ctypes). Its ListConsumerGroups sends ListGroups v4 with one byte after the
 * body and its ListConsumerGroupOffsets OffsetFetch v7 with three; Kafka ignores them, so must Rafka (before, the
 * connection was closed: 0 groups, and a transport error). The exact bytes are tested in
 * test/services/server/trailing-bytes.test.ts.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/frame.js';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, REPO_ROOT, type BrokerProcess } from '../helpers/broker-process.js';
import { prerequisite } from '../helpers/environment.js';
import { brokerConfig, startBroker, started, cleanupAll, runCommand, eventually } from './support.js';

const LIBRDKAFKA = ['/usr/lib/x86_64-linux-gnu/librdkafka.so.1', '/usr/lib/aarch64-linux-gnu/librdkafka.so.1', '/usr/lib/librdkafka.so.1'];
const hasLibrdkafka = prerequisite('librdkafka1', LIBRDKAFKA.some((p) => existsSync(p)), 'apt-get install -y librdkafka1 (kcat depends on it)');

let zk: ZooKeeperServer;
let broker: BrokerProcess;
let port: number;

/** One request on a fresh connection. */
async function send<K extends typeof ApiKey.OffsetCommit | typeof ApiKey.FindCoordinator>(apiKey: K, version: number, body: Parameters<typeof encodeRequest<K>>[1]) {
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  try {
    const out = await new Promise<Buffer>((resolve) => {
      let buf = Buffer.alloc(0);
      sock.on('data', (d: Buffer) => { buf = Buffer.concat([buf, d]); if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) resolve(buf.subarray(4, 4 + buf.readInt32BE(0))); });
      sock.write(encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId: 1, clientId: 'it' }, body));
    });
    return decodeResponse(out, apiKey, version).body;
  } finally { sock.destroy(); }
}

/** OffsetCommit v2 as a standalone consumer (generation -1), once the group coordinator is up: creates 'rdk-group'. */
async function commit(topic: string, partition: number, offset: bigint): Promise<void> {
  await eventually(async () => (await send(ApiKey.FindCoordinator, 1, { key: 'rdk-group', keyType: 0 })).errorCode === 0, 20_000, 'the group coordinator');
  await eventually(async () => {
    const r = await send(ApiKey.OffsetCommit, 2, { groupId: 'rdk-group', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1n,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, committedOffset: offset, committedMetadata: null }] }] });
    return r.topics[0]!.partitions[0]!.errorCode === 0;
  }, 20_000, 'the offset commit');
}

describe.skipIf(!hasLibrdkafka)('librdkafka 2.0.2 admin API against Rafka (requests with trailing bytes)', () => {
  beforeAll(async () => {
    zk = await startZooKeeper();
    const b = await brokerConfig(zk, { 'offsets.topic.replication.factor': '1', 'offsets.topic.num.partitions': '1', 'group.initial.rebalance.delay.ms': '0' });
    port = Number(b.props.listeners!.split(':').at(-1));
    broker = startBroker(b, ['-v', 'debug']);
    await broker.waitForLog(started);
    const p = await runCommand('kcat', ['-b', `127.0.0.1:${port}`, '-P', '-t', 'rdk-topic'], 'x\n');
    expect(p.code, p.stderr).toBe(0);
    await commit('rdk-topic', 0, 1n);
  });
  afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

  it('ListConsumerGroups lists the group and ListConsumerGroupOffsets returns its offsets', async () => {
    const r = await runCommand('python3', [join(REPO_ROOT, 'test', 'integration', 'librdkafka_admin.py'), `127.0.0.1:${port}`, 'rdk-group']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { version: string; groups: string[]; listErrors: string[]; offsets: { error: string | null; partitions: Array<[string, number, number]> } };
    expect(out.groups).toContain('rdk-group');
    expect(out.listErrors).toEqual([]);
    expect(out.offsets).toEqual({ error: null, partitions: [['rdk-topic', 0, 1]] });
    // the requests that carried trailing bytes were answered; the broker logged it at debug, once per connection
    const trailing = broker.logs.filter((l) => typeof l.msg === 'string' && /bytes after the body/.test(l.msg));
    expect(trailing.length).toBeGreaterThan(0);
    if (out.version.startsWith('2.0.')) {
      expect(trailing.map((l) => [l.api, l.trailingBytes])).toEqual(expect.arrayContaining([['ListGroups', 1]]));
    }
    expect(broker.logs.filter((l) => l.level >= 50)).toEqual([]);
  });
});
