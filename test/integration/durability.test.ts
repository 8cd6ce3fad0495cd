/**
 * Durability through the network: a broker with `log.flush.interval.messages=1` (fsync after every append), a
 * kafkajs producer sending acks=-1 one record per request and noting each acknowledged record, the broker
 * SIGKILLed three times mid-stream and restarted, then stopped cleanly and restarted once more. Afterwards kcat
 * reads the partition from the beginning and:
 *  - every acknowledged record is there;
 *  - nothing was invented: every record read was sent;
 *  - offsets are dense (0..n-1) and records read in send order;
 *  - a record appears twice only if its send failed (connection lost after the append, before the ack) and this
 *    test sent it again: kafkajs runs with retries: 0, so every resend is visible here, and nothing else may repeat.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, type TestBroker } from './support.js';

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;

beforeAll(async () => {
  zk = await startZooKeeper();
  b = await brokerConfig(zk, {
    'num.partitions': '1',
    'auto.create.topics.enable': 'true',
    'log.flush.interval.messages': '1',
    // a SIGKILLed broker's registration lingers until its session expires; the restart waits for that
    'zookeeper.session.timeout.ms': '2000',
  });
  broker = startBroker(b);
  await broker.waitForLog(started);
  bootstrap = b.props.listeners.replace('PLAINTEXT://', '');
}, 60_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

const TOPIC = 'durable-kill';

/** Sends r0, r1, … one per request (acks=-1) until stopped; a failed send is repeated until acknowledged. */
class AckingProducer {
  readonly acked: string[] = [];
  readonly resent = new Set<string>();
  private stopped = false;
  private producer: Producer | null = null;
  readonly done: Promise<void>;

  constructor(private readonly kafka: Kafka) { this.done = this.run(); }

  stop(): Promise<void> { this.stopped = true; return this.done; }

  private async run(): Promise<void> {
    for (let i = 0; !this.stopped; i++) {
      const value = `r${i}`;
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) this.resent.add(value);
        try {
          this.producer ??= await this.connect();
          await this.producer.send({ topic: TOPIC, acks: -1, messages: [{ value }] });
          this.acked.push(value);
          break;
        } catch {
          // broker gone or restarting: reconnect and send the same record again
          await this.producer?.disconnect().catch(() => undefined);
          this.producer = null;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    await this.producer?.disconnect();
  }

  private async connect(): Promise<Producer> {
    const p = this.kafka.producer({ retry: { retries: 0 } });
    await p.connect();
    return p;
  }
}

async function ackedAtLeast(prod: AckingProducer, n: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (prod.acked.length < n) {
    if (Date.now() > deadline) throw new Error(`only ${prod.acked.length} of ${n} records acknowledged\n${broker.tail(20)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function readAll(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('kcat', ['-b', bootstrap, '-C', '-t', TOPIC, '-p', '0', '-e', '-o', 'beginning', '-f', '%o %s\n'], { timeout: 30_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout.trim().split('\n').filter((l) => l !== ''));
    });
  });
}

describe('acks=-1 with log.flush.interval.messages=1', () => {
  it('keeps every acknowledged record across three kill -9 mid-stream and a clean restart', async () => {
    const kafka = new Kafka({ clientId: 'durability', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 });
    const prod = new AckingProducer(kafka);
    try {
      for (let kill = 1; kill <= 3; kill++) {
        await ackedAtLeast(prod, 100 * kill);
        broker.signal('SIGKILL');
        expect(await broker.waitForExit(10_000)).toBeNull();
        broker = startBroker(b);
        await broker.waitForLog(started, 30_000);
      }
      await ackedAtLeast(prod, prod.acked.length + 50);
    } finally {
      await prod.stop();
    }
    expect(await broker.stop()).toBe(0);
    broker = startBroker(b);
    await broker.waitForLog(started, 30_000);

    const lines = await readAll();
    const offsets = lines.map((l) => Number(l.split(' ')[0]));
    const values = lines.map((l) => l.split(' ')[1]!);
    expect(offsets).toEqual(values.map((_, i) => i));

    const read = new Set(values);
    expect(prod.acked.filter((v) => !read.has(v))).toEqual([]);
    // nothing invented: each record was sent (and, since a failed send is repeated until acknowledged, acknowledged)
    const acked = new Set(prod.acked);
    expect(values.filter((v) => !acked.has(v))).toEqual([]);
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    const repeated = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
    expect(repeated.filter((v) => !prod.resent.has(v))).toEqual([]);
    // in send order: first appearances of r<i> increase
    const firsts = [...new Set(values)].map((v) => Number(v.slice(1)));
    expect(firsts).toEqual([...firsts].sort((x, y) => x - y));
    expect(prod.acked.length).toBeGreaterThanOrEqual(350);
  });
});
