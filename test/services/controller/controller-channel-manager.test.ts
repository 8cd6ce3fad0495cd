/**
 * The ControllerChannelManager against a real in-process broker front end (SocketServer + KafkaApis dispatcher over a
 * MetadataCache / ReplicaManager): it dials the inter-broker listener's endpoint, picks request versions by
 * inter.broker.protocol.version, keeps the order of a broker's queue across a broker that is not up yet
 * (reconnecting with back-off), and drops a removed broker's queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { SocketServer } from '../../../src/services/network/socket-server.js';
import type { RequestHandler } from '../../../src/services/network/connection.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { MetadataCache } from '../../../src/services/server/metadata-cache.js';
import { ReplicaManager } from '../../../src/services/server/replica-manager.js';
import type { BrokerContext } from '../../../src/services/server/broker-context.js';
import { ControllerChannelManager, type ControlResponse } from '../../../src/services/controller/controller-channel-manager.js';
import type { BrokerRequests, UpdateMetadataControl } from '../../../src/services/controller/control-requests.js';
import type { BrokerInfo } from '../../../src/services/zookeeper/zk-data.js';
import { freePort } from '../../helpers/zookeeper-server.js';
import { makeConfig } from '../log/log-test-helpers.js';
import { unusedAdmin } from '../server/fake-broker.js';
import { advanceIsrState } from '../../../src/machines/partition-isr-state.js';

const log = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0)) await c(); });

interface Seen { apiKey: number; apiVersion: number; listener: string }

/** Broker 2's front end on two listeners; records what arrives where. */
async function remoteBroker(ports: { plaintext?: number; internal?: number } = {}) {
  const metadata = new MetadataCache(2, 'c');
  const replicas = new ReplicaManager(2, null, metadata, log, { advanceIsrState });
  const config = makeConfig(['/nonexistent'], { 'broker.id': '2' });
  const ctx: BrokerContext = { config: () => config, metadata, replicas, log, admin: unusedAdmin, control: { brokerEpoch: () => 10n, replicas, log } };
  const inner = createRequestHandler(ctx);
  const seen: Seen[] = [];
  const handler: RequestHandler = (frame, conn) => { seen.push({ apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), listener: conn.listenerName }); return inner(frame, conn); };
  const server = new SocketServer({
    listeners: [
      { listenerName: 'PLAINTEXT', host: '127.0.0.1', port: ports.plaintext ?? 0, securityProtocol: 'PLAINTEXT' },
      { listenerName: 'INTERNAL', host: '127.0.0.1', port: ports.internal ?? 0, securityProtocol: 'PLAINTEXT' },
    ],
    maxRequestBytes: 1 << 20, idleTimeoutMs: 0, queuedMaxRequests: 100, handler, log,
  });
  cleanups.push(() => server.close());
  const bound = await server.bind();
  server.enableRequestProcessing();
  const info: BrokerInfo = {
    id: 2, rack: null, jmxPort: -1, timestamp: 0, features: {},
    endpoints: bound.map((b) => ({ listenerName: b.listenerName, host: '127.0.0.1', port: b.boundPort, securityProtocol: 'PLAINTEXT' })),
  };
  return { metadata, seen, info };
}

function channels(ibp = '3.8-IV0') {
  const responses: ControlResponse[] = [];
  const m = new ControllerChannelManager({ controllerId: 1, listenerName: 'INTERNAL', interBrokerProtocolVersion: ibp, socketTimeoutMs: 5000, log, backoff: { initialMs: 20, maxMs: 100 }, onResponse: (r) => responses.push(r) });
  cleanups.push(() => m.close());
  return { m, responses };
}

const um = (controllerEpoch: number, brokers: BrokerInfo[]): UpdateMetadataControl => ({
  controllerId: 1, controllerEpoch, brokerEpoch: 10n, liveBrokers: brokers,
  topics: [{ topicName: 't', topicId: null, partitions: [{ partitionIndex: 0, controllerEpoch, leader: 1, leaderEpoch: 0, isr: [1], zkVersion: 0, replicas: [1], offlineReplicas: [] }] }],
});

async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const broker1: BrokerInfo = { id: 1, rack: null, jmxPort: -1, timestamp: 0, features: {}, endpoints: [{ listenerName: 'INTERNAL', host: 'b1', port: 1, securityProtocol: 'PLAINTEXT' }] };

describe('ControllerChannelManager', () => {
  it('sends over the inter-broker listener, at the versions the inter.broker.protocol.version implies, in Kafka\'s order', async () => {
    const b2 = await remoteBroker();
    const { m, responses } = channels();
    m.updateBrokers([{ info: broker1, epoch: 5n }, { info: b2.info, epoch: 10n }]);
    expect(m.brokerIds()).toEqual([2]); // not itself
    const requests: BrokerRequests = {
      leaderAndIsr: { controllerId: 1, controllerEpoch: 3, brokerEpoch: 10n, liveLeaders: [], topics: [{ topicName: 't', topicId: null, partitions: [{ partitionIndex: 0, controllerEpoch: 3, leader: 1, leaderEpoch: 0, isr: [1], partitionEpoch: 0, replicas: [1], isNew: true }] }] },
      updateMetadata: um(3, [broker1, b2.info]),
      stopReplica: { controllerId: 1, controllerEpoch: 3, brokerEpoch: 10n, partitions: [{ topicName: 'gone', partitionIndex: 0, leaderEpoch: -2, deletePartition: true }] },
    };
    m.send(2, requests);
    await until(() => responses.length === 3, 'three responses');
    expect(b2.seen).toEqual([{ apiKey: 4, apiVersion: 7, listener: 'INTERNAL' }, { apiKey: 6, apiVersion: 8, listener: 'INTERNAL' }, { apiKey: 5, apiVersion: 4, listener: 'INTERNAL' }]);
    // broker 2 is not a replica of t-0: LeaderAndIsr answers UNKNOWN_TOPIC_OR_PARTITION for it, the others succeed
    expect(responses.map((r) => [r.apiKey, (r.body as { errorCode: number }).errorCode])).toEqual([[4, 0], [6, 0], [5, 0]]);
    expect(b2.metadata.brokers().map((b) => b.id)).toEqual([1, 2]);
    expect(b2.metadata.topic('t')?.partitions[0]?.leader).toBe(1);

    const old = channels('2.3-IV1');
    old.m.updateBrokers([{ info: b2.info, epoch: 10n }]);
    old.m.send(2, requests);
    await until(() => old.responses.length === 3, 'three responses at IBP 2.3');
    expect(b2.seen.slice(3).map((s) => [s.apiKey, s.apiVersion])).toEqual([[4, 2], [6, 5], [5, 1]]);
  });

  it('queues requests for a broker that is not listening yet and delivers them in order once it is', async () => {
    const [plaintext, internal] = [await freePort(), await freePort()];
    const info: BrokerInfo = { id: 2, rack: null, jmxPort: -1, timestamp: 0, features: {}, endpoints: [{ listenerName: 'INTERNAL', host: '127.0.0.1', port: internal, securityProtocol: 'PLAINTEXT' }] };
    const { m, responses } = channels();
    m.updateBrokers([{ info, epoch: 10n }]);
    m.send(2, { updateMetadata: um(3, [broker1]) });
    m.send(2, { updateMetadata: um(4, [broker1, info]) });
    await new Promise((r) => setTimeout(r, 150)); // a few failed connects
    expect(responses).toEqual([]);
    expect(m.queueSize(2)).toBe(2);
    const b2 = await remoteBroker({ plaintext, internal });
    await until(() => responses.length === 2, 'both responses');
    expect(b2.seen.map((s) => s.apiKey)).toEqual([6, 6]);
    expect(b2.metadata.brokers().map((b) => b.id)).toEqual([1, 2]); // the second one won
    expect(b2.metadata.topic('t')?.partitions[0]?.controllerEpoch).toBe(4);
    expect(m.queueSize(2)).toBe(0);
  });

  it('drops a broker\'s channel and queue when it leaves, and replaces it when its epoch changes', async () => {
    const info: BrokerInfo = { id: 2, rack: null, jmxPort: -1, timestamp: 0, features: {}, endpoints: [{ listenerName: 'INTERNAL', host: '127.0.0.1', port: await freePort(), securityProtocol: 'PLAINTEXT' }] };
    const { m } = channels();
    m.updateBrokers([{ info, epoch: 10n }]);
    m.send(2, { updateMetadata: um(3, [broker1]) });
    expect(m.queueSize(2)).toBe(1);
    m.updateBrokers([{ info, epoch: 11n }]); // restarted: a new channel, the old queue is for its previous life
    expect(m.queueSize(2)).toBe(0);
    m.send(2, { updateMetadata: um(3, [broker1]) });
    const queued = m.queueSize(2);
    m.send(2, { updateMetadata: { ...um(3, [broker1]), brokerEpoch: 'x' as unknown as bigint } }); // cannot be encoded: refused, never retried
    expect(m.queueSize(2)).toBe(queued);
    m.updateBrokers([]);
    expect(m.brokerIds()).toEqual([]);
    expect(m.queueSize(2)).toBe(0);
  });

  it('gives up on a request after request.timeout.ms (not controller.socket.timeout.ms) and resends it on a new connection', async () => {
    // A broker that accepts connections and reads requests but never answers.
    const accepted: Socket[] = [];
    const silent = createServer((s) => { accepted.push(s); s.on('error', () => undefined); s.resume(); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => { accepted.forEach((s) => s.destroy()); return new Promise<void>((r) => silent.close(() => r())); });
    const port = (silent.address() as AddressInfo).port;
    const lines: Array<{ msg: string; err?: string }> = [];
    const captured = pino({ level: 'warn' }, new Writable({ write(chunk, _e, cb) { lines.push(JSON.parse(chunk.toString())); cb(); } }));
    const m = new ControllerChannelManager({
      controllerId: 1, listenerName: 'INTERNAL', interBrokerProtocolVersion: '3.8-IV0', log: captured, backoff: { initialMs: 20, maxMs: 20 },
      socketTimeoutMs: 120_000, // were this the request timeout, no resend would come within the test's deadline
      requestTimeoutMs: 300,
    });
    cleanups.push(() => m.close());
    const info: BrokerInfo = { id: 2, rack: null, jmxPort: -1, timestamp: 0, features: {}, endpoints: [{ listenerName: 'INTERNAL', host: '127.0.0.1', port, securityProtocol: 'PLAINTEXT' }] };
    m.updateBrokers([{ info, epoch: 10n }]);
    m.send(2, { updateMetadata: um(3, [broker1]) });
    await until(() => accepted.length >= 2, 'a second connection after the request timed out', 30_000);
    expect(lines.some((l) => l.err === 'no response within request.timeout.ms=300'), JSON.stringify(lines)).toBe(true);
    expect(m.queueSize(2)).toBe(1); // still queued: it is resent until answered
  });
});
