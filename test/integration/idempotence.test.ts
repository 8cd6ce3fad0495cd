/**
 * Idempotent producers against the real broker and a real ZooKeeper: kafkajs (`idempotent: true`) and kcat
 * (`enable.idempotence=true`, acks=all) write every record exactly once; a raw protocol client that sends the same
 * idempotent batch twice gets the same base offset and the log holds it once — also after a clean restart and after
 * `kill -9` (the producer state is rebuilt from the snapshot and the log).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { freePort, startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, inspectZk, readJson, eventually, runCommand, type TestBroker } from './support.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/frame.js';
import type { ImplementedApiKey } from '../../src/protocol/messages/index.js';
import type { RequestInput, ResponseBody } from '../../src/protocol/frame.js';
import { encodeBatch } from '../services/log/log-test-helpers.js';

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;

const run = runCommand;
const kcat = (args: string[], input?: string) => run('kcat', ['-b', bootstrap, ...args], input);

/** Every value of a topic, consumed from the beginning by kcat. */
async function consumeAll(topic: string): Promise<string[]> {
  const c = await kcat(['-C', '-t', topic, '-e', '-o', 'beginning', '-f', '%s\n']);
  expect(c.code, c.stderr).toBe(0);
  return c.stdout.split('\n').filter((l) => l !== '');
}

async function boot(): Promise<void> {
  broker = startBroker(b);
  await broker.waitForLog(started, 30_000);
}

beforeAll(async () => {
  zk = await startZooKeeper();
  b = await brokerConfig(zk, { 'num.partitions': '1', 'auto.create.topics.enable': 'true' });
  await boot();
  bootstrap = b.props.listeners.replace('PLAINTEXT://', '');
}, 60_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

describe('real idempotent producers', () => {
  it('kafkajs idempotent: true writes every record exactly once; the producer id comes from /latest_producer_id_block', async () => {
    const kafka = new Kafka({ brokers: [bootstrap], clientId: 'idem', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kjs-idem', numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const messages = Array.from({ length: 50 }, (_, j) => ({ key: `k${j % 5}`, value: `kjs-${i * 50 + j}` }));
      sent.push(...messages.map((m) => m.value));
      await producer.send({ topic: 'kjs-idem', messages });
    }
    await producer.disconnect();
    const got = await consumeAll('kjs-idem');
    expect(got.length).toBe(1000);
    expect(new Set(got)).toEqual(new Set(sent));

    const s = await inspectZk(zk, b.chroot);
    expect(await readJson(s, '/latest_producer_id_block')).toEqual({ version: 1, broker: 1, block_start: '0', block_end: '999' });
  });

  it('kcat -X enable.idempotence=true with acks=all writes every record once', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `kcat-${i}`);
    const p = await kcat(['-P', '-t', 'kcat-idem', '-X', 'enable.idempotence=true', '-X', 'acks=all', '-X', 'linger.ms=5'], `${lines.join('\n')}\n`);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).not.toMatch(/fatal|OUT_OF_ORDER|error/i);
    expect(await consumeAll('kcat-idem')).toEqual(lines);
    // the batches on disk carry kcat's producer id (so librdkafka did run idempotently), epoch 0, sequences from 0
    const dir = b.logDirs.map((d) => join(d, 'kcat-idem-0')).find((d) => existsSync(d))!;
    const log = readFileSync(join(dir, '00000000000000000000.log'));
    expect(log.readBigInt64BE(43)).toBeGreaterThanOrEqual(0n); // -1 without idempotence
    expect(log.readInt16BE(51)).toBe(0);
    expect(log.readInt32BE(53)).toBe(0);
  });
});

// ------------------------------------------------------------------------------------------------ raw client

/** One connection speaking the Kafka protocol (requests one at a time). */
class RawClient {
  private buf = Buffer.alloc(0);
  private waiting: ((frame: Buffer) => void) | null = null;
  private correlation = 0;
  private constructor(private readonly sock: Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      if (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0) && this.waiting) {
        const size = this.buf.readInt32BE(0);
        const frame = this.buf.subarray(4, 4 + size);
        this.buf = this.buf.subarray(4 + size);
        const w = this.waiting;
        this.waiting = null;
        w(frame);
      }
    });
  }

  static open(): Promise<RawClient> {
    const [host, port] = bootstrap.split(':');
    return new Promise((resolve, reject) => {
      const s = connect(Number(port), host!, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send<K extends ImplementedApiKey>(apiKey: K, version: number, body: RequestInput<K>): Promise<ResponseBody<K>> {
    const correlationId = ++this.correlation;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to api key ${apiKey}`)), 10_000);
      this.waiting = (frame) => { clearTimeout(timer); resolve(decodeResponse(frame, apiKey, version).body); };
      this.sock.write(encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: 'raw-idem' }, body));
    });
  }

  close(): void { this.sock.destroy(); }
}

const TOPIC = 'raw-idem';
const batchFor = (producerId: bigint, baseSequence: number) =>
  encodeBatch([0, 1, 2].map((i) => ({ key: null, value: Buffer.from(`raw-${baseSequence + i}`), timestamp: Date.now() })), { producerId, producerEpoch: 0, baseSequence });

async function produce(c: RawClient, records: Buffer): Promise<{ errorCode: number; baseOffset: bigint }> {
  const r = await c.send(ApiKey.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
  const p = r.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

/** Produce, retrying while the restarted broker is not serving the partition yet. */
async function produceWhenReady(records: Buffer): Promise<{ errorCode: number; baseOffset: bigint }> {
  const r = await eventually(async () => {
    const c = await RawClient.open();
    try {
      const r = await produce(c, records);
      return r.errorCode === 6 || r.errorCode === 3 || r.errorCode === 56 ? undefined : r; // NOT_LEADER / UNKNOWN_TOPIC / KAFKA_STORAGE
    } finally { c.close(); }
  }, 20_000, 'the partition to accept produce');
  return r!;
}

describe('a raw protocol client retrying an idempotent batch', () => {
  let producerId: bigint;

  it('gets the same base offset for the same batch twice and the log holds it once', async () => {
    const c = await RawClient.open();
    try {
      await eventually(async () => (await c.send(ApiKey.Metadata, 4, { topics: [{ name: TOPIC }], allowAutoTopicCreation: true })).topics[0]!.partitions[0]?.leaderId === 1, 10_000, 'auto-created topic');
      const init = await c.send(ApiKey.InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 60000 });
      expect(init.errorCode).toBe(0);
      expect(init.producerEpoch).toBe(0);
      producerId = init.producerId;
      const first = await produceWhenReady(batchFor(producerId, 0));
      expect(first).toEqual({ errorCode: 0, baseOffset: 0n });
      expect(await produce(c, batchFor(producerId, 0))).toEqual({ errorCode: 0, baseOffset: 0n });
      expect(await produce(c, batchFor(producerId, 3))).toEqual({ errorCode: 0, baseOffset: 3n });
      expect(await produce(c, batchFor(producerId, 3))).toEqual({ errorCode: 0, baseOffset: 3n });
      expect((await produce(c, batchFor(producerId, 9))).errorCode).toBe(45); // OUT_OF_ORDER_SEQUENCE_NUMBER
    } finally { c.close(); }
    expect(await consumeAll(TOPIC)).toEqual(['raw-0', 'raw-1', 'raw-2', 'raw-3', 'raw-4', 'raw-5']);
  });

  it('still detects the duplicate after a clean restart', async () => {
    expect(await broker.stop()).toBe(0);
    await boot();
    expect(await produceWhenReady(batchFor(producerId, 3))).toEqual({ errorCode: 0, baseOffset: 3n });
    expect(await produceWhenReady(batchFor(producerId, 6))).toEqual({ errorCode: 0, baseOffset: 6n });
    expect((await consumeAll(TOPIC)).length).toBe(9);
  }, 40_000);

  it('still detects the duplicate after kill -9 (state rebuilt in a recovery worker from the snapshot and the log)', async () => {
    // > 8 MiB after the recovery point, so the LogManager recovers this log in a worker thread
    const filler = (i: number) => encodeBatch(Array.from({ length: 900 }, (_, j) => ({ key: null, value: Buffer.from(`filler-${i}-${j}-${'f'.repeat(980)}`), timestamp: Date.now() })));
    for (let i = 0; i < 10; i++) expect((await produceWhenReady(filler(i))).errorCode).toBe(0);
    const leo = 9n + 9000n;
    broker.signal('SIGKILL');
    await broker.waitForExit(10_000);
    await boot();
    const loaded = await broker.waitForLog((l) => /^Loaded \d+ logs in/.test(l.msg));
    expect(loaded.recoveredInWorkers).toBe(1);
    expect(await produceWhenReady(batchFor(producerId, 6))).toEqual({ errorCode: 0, baseOffset: 6n });
    // the worker hands over every retained batch (the snapshot it leaves keeps only the last one per producer)
    expect(await produceWhenReady(batchFor(producerId, 3))).toEqual({ errorCode: 0, baseOffset: 3n });
    expect(await produceWhenReady(batchFor(producerId, 9))).toEqual({ errorCode: 0, baseOffset: leo });
    expect(await produceWhenReady(batchFor(producerId, 9))).toEqual({ errorCode: 0, baseOffset: leo });
    expect((await consumeAll(TOPIC)).filter((v) => !v.startsWith('filler-'))).toEqual(Array.from({ length: 12 }, (_, i) => `raw-${i}`));
  }, 60_000);
});

// ------------------------------------------------------------------------------------------------ lost responses

/**
 * A TCP proxy in front of a broker that loses the responses to chosen Produce requests: the request reaches the
 * broker (and is appended), then the connection is cut before its answer, so the client retries the same batch.
 */
async function lossyProxy(brokerPort: number, listenPort: number, dropProduceNumbers: Set<number>): Promise<{ dropped: number; close: () => Promise<void> }> {
  const state = { dropped: 0, produceCount: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(brokerPort, '127.0.0.1');
    sockets.add(client); sockets.add(upstream);
    const doomed = new Set<number>(); // correlation ids whose responses are lost
    let fromClient = Buffer.alloc(0);
    let fromBroker = Buffer.alloc(0);
    const cut = () => { client.destroy(); upstream.destroy(); };
    client.on('data', (d) => {
      fromClient = Buffer.concat([fromClient, d]);
      while (fromClient.length >= 12 && fromClient.length >= 4 + fromClient.readInt32BE(0)) {
        const size = fromClient.readInt32BE(0);
        if (fromClient.readInt16BE(4) === ApiKey.Produce && dropProduceNumbers.has(++state.produceCount)) doomed.add(fromClient.readInt32BE(8));
        upstream.write(fromClient.subarray(0, 4 + size));
        fromClient = fromClient.subarray(4 + size);
      }
    });
    upstream.on('data', (d) => {
      fromBroker = Buffer.concat([fromBroker, d]);
      while (fromBroker.length >= 8 && fromBroker.length >= 4 + fromBroker.readInt32BE(0)) {
        const size = fromBroker.readInt32BE(0);
        if (doomed.has(fromBroker.readInt32BE(4))) { state.dropped++; cut(); return; }
        client.write(fromBroker.subarray(0, 4 + size));
        fromBroker = fromBroker.subarray(4 + size);
      }
    });
    for (const s of [client, upstream]) { s.on('error', cut); s.on('close', () => { cut(); sockets.delete(s); }); }
  });
  await new Promise<void>((r) => server.listen(listenPort, '127.0.0.1', () => r()));
  return {
    get dropped() { return state.dropped; },
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

describe('lost Produce responses (the case idempotence exists for)', () => {
  it('kafkajs retries a batch whose response was lost; the broker answers the retry with the original offsets, so nothing is duplicated', async () => {
    const proxyPort = await freePort();
    const lossy = await brokerConfig(zk, { 'num.partitions': '1', 'auto.create.topics.enable': 'true', 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}` });
    const p = startBroker(lossy);
    await p.waitForLog(started, 30_000);
    const brokerPort = Number(lossy.props.listeners.split(':').pop());
    const proxy = await lossyProxy(brokerPort, proxyPort, new Set([3, 6]));
    try {
      const kafka = new Kafka({ brokers: [`127.0.0.1:${proxyPort}`], clientId: 'lossy', logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, retries: 10 } });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'lossy', numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const sent: string[] = [];
      for (let i = 0; i < 8; i++) {
        const messages = Array.from({ length: 10 }, (_, j) => ({ value: `lossy-${i * 10 + j}` }));
        sent.push(...messages.map((m) => m.value));
        await producer.send({ topic: 'lossy', messages });
      }
      await producer.disconnect();
      expect(proxy.dropped).toBe(2); // two responses were lost and their batches resent
      const dir = lossy.logDirs.map((d) => join(d, 'lossy-0')).find((d) => existsSync(d))!;
      const values = readLogValues(join(dir, '00000000000000000000.log'));
      expect(values).toEqual(sent); // each record once, in order
    } finally {
      await proxy.close();
      await p.stop();
    }
  }, 60_000);
});

/** Values of an uncompressed v2 log file (an independent reader: batch framing, then record varints). */
function readLogValues(file: string): string[] {
  const buf = readFileSync(file);
  const out: string[] = [];
  let pos = 0;
  const varint = (b: Buffer, p: { i: number }): number => {
    let shift = 0; let v = 0;
    for (;;) { const x = b[p.i++]!; v |= (x & 0x7f) << shift; if ((x & 0x80) === 0) break; shift += 7; }
    return (v >>> 1) ^ -(v & 1);
  };
  while (pos + 61 <= buf.length) {
    const size = 12 + buf.readInt32BE(pos + 8);
    const count = buf.readInt32BE(pos + 57);
    const p = { i: pos + 61 };
    for (let r = 0; r < count; r++) {
      const len = varint(buf, p);
      const end = p.i + len;
      p.i += 1; // attributes
      varint(buf, p); varint(buf, p); // timestamp delta, offset delta
      const kl = varint(buf, p); if (kl > 0) p.i += kl;
      const vl = varint(buf, p);
      out.push(buf.toString('utf8', p.i, p.i + vl));
      p.i = end;
    }
    pos += size;
  }
  return out;
}
