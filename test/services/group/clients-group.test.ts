/**
 * Consumer groups of real clients (kafkajs, kafka-python, kcat/librdkafka) end to end over TCP, in process: the real socket server and codec, the group handlers and
 * GroupCoordinator (with __consumer_offsets persistence), and the dispatcher's Produce/Fetch/Metadata handlers over
 * the in-memory fake broker (test/services/server/fake-broker.ts). Group API keys go to the group handlers over this
 * file's own GroupCoordinator and everything else to createRequestHandler, so no ZooKeeper or broker process is needed
 * (broker-groups.test.ts runs groups on the real broker).
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { pino } from 'pino';
import { DEFAULT_API_SUPPORT } from '../../../src/protocol/api-keys.js';
import { decodeRequest, encodeResponse } from '../../../src/protocol/frame.js';
import { SocketServer } from '../../../src/services/network/socket-server.js';
import type { RequestHandler } from '../../../src/services/network/connection.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { GroupCoordinator } from '../../../src/services/group/group-coordinator.js';
import { standaloneGroupActor } from '../../../src/machines/group-coordinator.js';
import { groupHandlers } from '../../../src/services/group/register.js';
import { fakeBroker, type FakeBroker } from '../server/fake-broker.js';

let server: SocketServer;
let fb: FakeBroker;
let gc: GroupCoordinator;
let bootstrap: string;

beforeAll(async () => {
  let handler!: RequestHandler;
  fb = fakeBroker({ 'group.initial.rebalance.delay.ms': '300', 'offsets.topic.num.partitions': '4' }, (ctx) => {
    gc = new GroupCoordinator(ctx, { groupActors: standaloneGroupActor });
    const groups = groupHandlers(gc);
    const others = createRequestHandler(ctx, { support: DEFAULT_API_SUPPORT });
    handler = async (frame, conn) => {
      const apiKey = frame.readInt16BE(0);
      const h = groups.get(apiKey);
      if (!h) return others(frame, conn);
      const req = decodeRequest(frame, DEFAULT_API_SUPPORT);
      const body = await h.handle(req as never, { broker: ctx, conn });
      return encodeResponse(req.header.correlationId, req.apiKey, req.apiVersion, body as never);
    };
    return handler;
  });
  server = new SocketServer({
    listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    maxRequestBytes: 100 * 1024 * 1024, idleTimeoutMs: 0, queuedMaxRequests: 500, handler: (f, c) => handler(f, c), log: pino({ level: 'silent' }),
  });
  const [bound] = await server.bind();
  server.enableRequestProcessing();
  fb.brokers = [{ id: 1, endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: bound!.boundPort, securityProtocol: 'PLAINTEXT' }], rack: null, jmxPort: -1, timestamp: 0, features: {} }];
  bootstrap = `127.0.0.1:${bound!.boundPort}`;
  fb.addTopic('events', 6);
});

afterAll(async () => {
  gc?.shutdown();
  await server?.close();
});

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('kafkajs consumer group', () => {
  it('3 consumers on 6 partitions consume 3,000 records exactly once; one leaves → rebalance → nothing lost', async () => {
    const kafka = new Kafka({ clientId: 'rafka-group-test', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
    const seen: string[] = [];
    const byConsumer = new Map<number, number>();
    const assignments = new Map<number, number>();
    const consumers: Consumer[] = [];
    for (let i = 0; i < 3; i++) {
      // kafkajs heartbeats between fetches: a short fetch wait lets members see a rebalance quickly
      const c = kafka.consumer({ groupId: 'g-events', sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 10_000, maxWaitTimeInMs: 500 });
      c.on(c.events.GROUP_JOIN, (e) => {
        const parts = Object.values(e.payload.memberAssignment as Record<string, number[]>).reduce((n, ps) => n + ps.length, 0);
        assignments.set(i, parts);
      });
      await c.connect();
      await c.subscribe({ topic: 'events', fromBeginning: true });
      await c.run({
        eachMessage: async ({ message }: EachMessagePayload) => {
          seen.push(message.value!.toString());
          byConsumer.set(i, (byConsumer.get(i) ?? 0) + 1);
        },
      });
      consumers.push(c);
    }
    await until(() => assignments.size === 3 && [...assignments.values()].every((n) => n === 2), 30_000, 'three members with two partitions each');

    const producer = kafka.producer();
    await producer.connect();
    for (let b = 0; b < 30; b++) {
      await producer.send({ topic: 'events', messages: Array.from({ length: 100 }, (_, k) => ({ key: `k${b * 100 + k}`, value: `v${b * 100 + k}` })) });
    }
    await until(() => seen.length >= 3000, 30_000, '3,000 records');
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.length).toBe(3000);
    expect(new Set(seen).size).toBe(3000);
    expect([...byConsumer.keys()].sort()).toEqual([0, 1, 2]); // every member got a share

    // Offsets were committed to the coordinator (and __consumer_offsets)
    await until(() => {
      const committed = gc.committed('g-events');
      if (!committed || committed.size !== 6) return false;
      let total = 0n;
      for (const v of committed.values()) total += v.offset;
      return total === 3000n;
    }, 15_000, 'committed offsets summing to 3,000');

    // One consumer leaves: the others take over its partitions
    assignments.clear();
    await consumers[2]!.disconnect();
    await until(() => assignments.has(0) && assignments.has(1) && assignments.get(0)! + assignments.get(1)! === 6, 30_000, 'rebalance onto two members');
    for (let b = 30; b < 60; b++) {
      await producer.send({ topic: 'events', messages: Array.from({ length: 100 }, (_, k) => ({ key: `k${b * 100 + k}`, value: `v${b * 100 + k}` })) });
    }
    await until(() => new Set(seen).size >= 6000, 30_000, '6,000 distinct records');
    expect(new Set(seen).size).toBe(6000);
    const g = gc.groupData('g-events')!;
    expect(g.state).toBe('Stable');
    expect(g.members.size).toBe(2);

    await producer.disconnect();
    for (const c of consumers.slice(0, 2)) await c.disconnect();
    await until(() => gc.groupData('g-events')?.state === 'Empty', 15_000, 'the group to become Empty');
  }, 120_000);
});

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0 }));
  });
}

describe('kafka-python consumer group (JoinGroup v2: no MEMBER_ID_REQUIRED)', () => {
  it('consumes every record once, commits, and a second consumer of the group resumes after the commits', async () => {
    fb.addTopic('py', 2);
    const script = (produce: boolean) => `
import json
from kafka import KafkaConsumer, KafkaProducer
if ${produce ? 'True' : 'False'}:
    p = KafkaProducer(bootstrap_servers='${bootstrap}', acks=1)
    for i in range(200):
        p.send('py', key=b'k%d' % i, value=b'v%d' % i)
    p.flush(); p.close()
c = KafkaConsumer('py', bootstrap_servers='${bootstrap}', group_id='py-group', auto_offset_reset='earliest', enable_auto_commit=False, consumer_timeout_ms=4000)
got = [m.value.decode() for m in c]
c.commit()
print(json.dumps({'n': len(got), 'distinct': len(set(got))})); c.close()
`;
    const first = await run('/usr/bin/python3', ['-c', script(true)]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout.trim().split('\n').at(-1)!)).toEqual({ n: 200, distinct: 200 });
    let total = 0n;
    for (const v of gc.committed('py-group')!.values()) total += v.offset;
    expect(total).toBe(200n);
    const second = await run('/usr/bin/python3', ['-c', script(false)]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout.trim().split('\n').at(-1)!)).toEqual({ n: 0, distinct: 0 });
  }, 60_000);
});

describe('kcat (librdkafka) balanced consumer group', () => {
  it('joins (MEMBER_ID_REQUIRED, FindCoordinator v2), consumes to the end, commits on close', async () => {
    fb.addTopic('kc', 3);
    const kafka = new Kafka({ clientId: 'kc-producer', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'kc', messages: Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    const r = await run('kcat', ['-b', bootstrap, '-G', 'kcat-group', '-X', 'auto.offset.reset=earliest', '-e', '-q', '-f', '%s\n', 'kc'], 60_000);
    expect(r.code, r.stderr).toBe(0);
    const values = r.stdout.trim().split('\n');
    expect(values).toHaveLength(300);
    expect(new Set(values).size).toBe(300);
    await until(() => {
      const c = gc.committed('kcat-group');
      if (!c) return false;
      let total = 0n;
      for (const v of c.values()) total += v.offset;
      return total === 300n;
    }, 10_000, 'kcat commits');
  }, 90_000);
});
