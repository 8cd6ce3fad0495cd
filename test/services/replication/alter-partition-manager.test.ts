import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { startZooKeeper, type ZooKeeperServer } from '../../helpers/zookeeper-server.js';
import { ZkSession } from '../../../src/services/zookeeper/zk-session.js';
import { ensureChroot, createTopLevelPaths } from '../../../src/services/zookeeper/kafka-zk-client.js';
import {
  DefaultAlterPartitionManager, ZkAlterPartitionManager, alterPartitionVersion, isAlterPartitionSupported, type AlterPartitionSender,
} from '../../../src/services/replication/alter-partition-manager.js';
import { NodeToControllerChannel } from '../../../src/services/replication/node-to-controller-channel.js';
import type { AlterPartitionItem } from '../../../src/services/replication/alter-partition-types.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { decodeRequest, encodeResponse } from '../../../src/protocol/frame.js';
import { apiSupport } from '../../../src/protocol/api-keys.js';
import { topicIdToUuid } from '../../../src/services/controller/control-requests.js';

const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
const TOPIC_ID = Buffer.alloc(16, 7).toString('base64url');

const item = (topic: string, partition: number, isr: number[], partitionEpoch = 3, topicId: string | null = TOPIC_ID): AlterPartitionItem => ({
  topic, topicId, partition, proposed: { leader: 1, leaderEpoch: 5, isr, partitionEpoch, leaderRecoveryState: 0 },
});

type Req = Parameters<AlterPartitionSender>[1];

/** Answers each request from `answer`, recording what was sent. */
function fakeController(answer: (version: number, req: Req, n: number) => Awaited<ReturnType<AlterPartitionSender>> | Error) {
  const sent: Array<{ version: number; req: Req }> = [];
  const send: AlterPartitionSender = async (version, req) => {
    sent.push({ version, req });
    const r = answer(version, req, sent.length);
    if (r instanceof Error) throw r;
    return r;
  };
  return { sent, send };
}

/** A controller that accepts every ISR as proposed, bumping the partition epoch. */
type Resp = Awaited<ReturnType<AlterPartitionSender>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function accepting(version: number, req: Req): Resp & { topics: any[] } {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const r: any = {
    throttleTimeMs: 0, errorCode: 0,
    topics: req.topics!.map((t) => ({
      topicName: t.topicName ?? '', topicId: t.topicId ?? '00000000-0000-0000-0000-000000000000',
      partitions: t.partitions!.map((p) => ({
        partitionIndex: p.partitionIndex, errorCode: 0, leaderId: req.brokerId, leaderEpoch: p.leaderEpoch,
        isr: version >= 3 ? p.newIsrWithEpochs!.map((b) => b.brokerId) : [...p.newIsr!], leaderRecoveryState: 0, partitionEpoch: p.partitionEpoch! + 1,
      })),
    })),
  };
  return r;
}

describe('AlterPartition versions by inter.broker.protocol.version (Kafka 3.7 broker to a 3.7 controller)', () => {
  it('picks the manager and the version as Kafka', () => {
    expect(isAlterPartitionSupported('2.7-IV1')).toBe(false);
    expect(isAlterPartitionSupported('2.7-IV2')).toBe(true);
    expect(alterPartitionVersion('2.7-IV2', true)).toBe(1);
    expect(alterPartitionVersion('2.8-IV0', true)).toBe(3);
    expect(alterPartitionVersion('3.7-IV4', false)).toBe(1);
  });
});

describe('DefaultAlterPartitionManager', () => {
  const opts = (send: AlterPartitionSender, ibp = '3.7-IV4') => ({ brokerId: 1, brokerEpoch: () => 42n, interBrokerProtocolVersion: () => ibp, send, log, retryBackoffMs: 5 });

  it('batches the changes submitted in one turn into one request and maps each answer to its caller', async () => {
    const c = fakeController(accepting);
    const m = new DefaultAlterPartitionManager(opts(c.send));
    const [a, b, d] = await Promise.all([m.submit(item('t', 0, [1, 2])), m.submit(item('t', 1, [1, 3])), m.submit(item('u', 0, [1], 3, Buffer.alloc(16, 8).toString('base64url')))]);
    expect(c.sent).toHaveLength(1);
    expect(c.sent[0]!.version).toBe(3);
    expect(c.sent[0]!.req.brokerEpoch).toBe(42n);
    expect(c.sent[0]!.req.topics!.map((t) => t.topicId)).toEqual([topicIdToUuid(TOPIC_ID), '08080808-0808-0808-0808-080808080808']);
    expect(c.sent[0]!.req.topics![0]!.partitions![1]!.newIsrWithEpochs).toEqual([{ brokerId: 1, brokerEpoch: -1n }, { brokerId: 3, brokerEpoch: -1n }]);
    expect(a).toEqual({ errorCode: 0, state: { leader: 1, leaderEpoch: 5, isr: [1, 2], partitionEpoch: 4, leaderRecoveryState: 0 } });
    expect(b.state?.isr).toEqual([1, 3]);
    expect(d.state?.partitionEpoch).toBe(4);
    expect(m.pendingCount).toBe(0);
  });

  it('uses topic names (v1) when a topic has no id; answers per-partition errors', async () => {
    const c = fakeController((v, req) => {
      const r = accepting(v, req);
      r.topics[0]!.partitions[0] = { ...r.topics[0]!.partitions[0]!, errorCode: ErrorCode.INVALID_UPDATE_VERSION };
      return r;
    });
    const m = new DefaultAlterPartitionManager(opts(c.send));
    const r = await m.submit(item('t', 0, [1, 2], 3, null));
    expect(c.sent[0]!.version).toBe(1);
    expect(c.sent[0]!.req.topics![0]!.topicName).toBe('t');
    expect(r).toEqual({ errorCode: ErrorCode.INVALID_UPDATE_VERSION });
  });

  it('allows one pending change per partition: a second answers OPERATION_NOT_ATTEMPTED at once', async () => {
    const c = fakeController(accepting);
    const m = new DefaultAlterPartitionManager(opts(c.send));
    const first = m.submit(item('t', 0, [1, 2]));
    expect(await m.submit(item('t', 0, [1]))).toEqual({ errorCode: ErrorCode.OPERATION_NOT_ATTEMPTED });
    expect((await first).errorCode).toBe(0);
    // Once answered, the partition may change again.
    expect((await m.submit(item('t', 0, [1]))).state?.isr).toEqual([1]);
  });

  it('re-sends after a top-level error or a lost request, and re-sends a partition missing from the answer', async () => {
    const c = fakeController((v, req, n) => {
      if (n === 1) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] };
      if (n === 2) return new Error('connection closed');
      if (n === 3) { const r = accepting(v, req); r.topics[0]!.partitions.pop(); return r; }
      return accepting(v, req);
    });
    const m = new DefaultAlterPartitionManager(opts(c.send));
    const [a, b] = await Promise.all([m.submit(item('t', 0, [1, 2])), m.submit(item('t', 1, [1, 2]))]);
    expect(a.errorCode).toBe(0);
    expect(b.errorCode).toBe(0);
    expect(c.sent).toHaveLength(4);
    expect(c.sent[3]!.req.topics![0]!.partitions!.map((p) => p.partitionIndex)).toEqual([1]);
  });

  it('rejects pending submits on shutdown', async () => {
    const m = new DefaultAlterPartitionManager(opts(() => new Promise(() => undefined)));
    const p = m.submit(item('t', 0, [1]));
    await new Promise((r) => setImmediate(r));
    m.shutdown();
    await expect(p).rejects.toThrow(/shut down/);
    await expect(m.submit(item('t', 1, [1]))).rejects.toThrow(/shut down/);
  });
});

describe('NodeToControllerChannel over TCP', () => {
  let server: Server;
  let port = 0;
  const conns: Socket[] = [];
  let answerNotController = 1;
  beforeAll(async () => {
    server = createServer((s) => {
      conns.push(s);
      s.on('data', (d) => {
        const req = decodeRequest(d.subarray(4), new Map([[56, { apiKey: 56, name: 'AlterPartition', minVersion: 0, maxVersion: 3, tier: 'inter-broker' as const }], ...apiSupport()]));
        const body = accepting(req.apiVersion, req.body as Req);
        if (answerNotController-- > 0) { body.errorCode = ErrorCode.NOT_CONTROLLER; body.topics = []; }
        s.write(encodeResponse(req.header.correlationId, ApiKey.AlterPartition, req.apiVersion, body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => { conns.forEach((s) => s.destroy()); server.close(); });

  it('waits for a controller to be known, then sends; a NOT_CONTROLLER answer drops the connection', async () => {
    let known = false;
    const ch = new NodeToControllerChannel({ channelName: 'alter-partition', brokerId: 1, controller: () => (known ? { id: 0, host: '127.0.0.1', port } : null), requestTimeoutMs: 2000, retryBackoffMs: 10, log });
    const m = new DefaultAlterPartitionManager({ brokerId: 1, brokerEpoch: () => 9n, interBrokerProtocolVersion: () => '3.7-IV4', send: (v, b) => ch.send(ApiKey.AlterPartition, v, b), log, retryBackoffMs: 10 });
    const p = m.submit(item('t', 2, [1, 2]));
    setTimeout(() => { known = true; }, 50);
    const r = await p;
    expect(r).toEqual({ errorCode: 0, state: { leader: 1, leaderEpoch: 5, isr: [1, 2], partitionEpoch: 4, leaderRecoveryState: 0 } });
    expect(conns.length).toBe(2); // the NOT_CONTROLLER answer closed the first connection
    ch.close();
    await expect(ch.send(ApiKey.AlterPartition, 3, { brokerId: 1, brokerEpoch: 1n, topics: [] })).rejects.toThrow(/closed/);
  });
});

describe('ZkAlterPartitionManager against a real ZooKeeper (IBP < 2.7-IV2)', () => {
  let zk: ZooKeeperServer;
  let s: ZkSession;
  beforeAll(async () => {
    zk = await startZooKeeper();
    await ensureChroot(`${zk.connectString}/zkapm`, 6000, 5000);
    s = new ZkSession(`${zk.connectString}/zkapm`, { sessionTimeoutMs: 6000 });
    await s.connect(5000);
    await createTopLevelPaths(s);
    await s.mkdirp('/brokers/topics/t/partitions/0');
    await s.create('/brokers/topics/t/partitions/0/state', Buffer.from(JSON.stringify({ controller_epoch: 7, leader: 1, version: 1, leader_epoch: 5, isr: [1, 2, 3] })));
  });
  afterAll(async () => { s?.close(); await zk?.close(); });

  it('writes the state znode conditionally on the partition epoch and announces the change in /isr_change_notification', async () => {
    const m = new ZkAlterPartitionManager(() => s, log, { checkIntervalMs: 10, lingerMs: 0, maxDelayMs: 60000 });
    const r = await m.submit(item('t', 0, [1, 2], 0));
    expect(r).toEqual({ errorCode: 0, state: { leader: 1, leaderEpoch: 5, isr: [1, 2], partitionEpoch: 1, leaderRecoveryState: 0 } });
    const node = await s.getData('/brokers/topics/t/partitions/0/state');
    expect(node.stat.version).toBe(1);
    expect(JSON.parse(node.data!.toString())).toEqual({ version: 1, leader: 1, leader_epoch: 5, isr: [1, 2], controller_epoch: 7 });
    // A stale partition epoch is refused and leaves the znode alone.
    expect(await m.submit(item('t', 0, [1], 0))).toEqual({ errorCode: ErrorCode.INVALID_UPDATE_VERSION });
    expect(await m.submit(item('t', 9, [1], 0))).toEqual({ errorCode: ErrorCode.INVALID_UPDATE_VERSION });
    expect((await s.getData('/brokers/topics/t/partitions/0/state')).stat.version).toBe(1);
    // Nothing announced before the linger has passed (here 0 ms): then one sequential notification names the partition.
    expect(await s.getChildren('/isr_change_notification')).toEqual([]);
    m.start();
    const deadline = Date.now() + 10_000;
    let children: string[] = [];
    while (Date.now() < deadline && (children = await s.getChildren('/isr_change_notification')).length === 0) await new Promise((res) => setTimeout(res, 20));
    m.shutdown();
    expect(children).toHaveLength(1);
    expect(children[0]).toMatch(/^isr_change_\d{10}$/);
    expect(JSON.parse((await s.getData(`/isr_change_notification/${children[0]}`)).data!.toString())).toEqual({ version: 1, partitions: [{ topic: 't', partition: 0 }] });
    expect(await m.maybePropagateIsrChanges(true)).toBe(false); // nothing left to announce
  });
});
