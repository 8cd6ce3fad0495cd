/**
 * Client quotas on a real broker (one broker for the file; quota windows shortened to 3 x 1 s so the burst a fresh
 * quota allows is 2 s of quota): a producer_byte_rate set live through /config/clients + /config/changes (what
 * kafka-configs.sh --zookeeper writes) throttles that client to its rate, kafkajs and librdkafka (kcat) both see
 * throttle_time_ms, and a client without a quota on the same broker is not throttled.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, inspectZk, runCommand, type TestBroker } from './support.js';
import { writeClientQuotaEntity } from '../../src/services/quota/client-quota-config.js';
import type { ZkSession } from '../../src/services/zookeeper/zk-session.js';

const QUOTA = 1024 * 1024; // 1 MiB/s
let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;
let session: ZkSession;

beforeAll(async () => {
  zk = await startZooKeeper();
  b = await brokerConfig(zk, { 'num.partitions': '1', 'auto.create.topics.enable': 'true', 'quota.window.num': '3', 'quota.window.size.seconds': '1' });
  broker = startBroker(b);
  await broker.waitForLog(started, 60_000);
  bootstrap = b.props.listeners.replace('PLAINTEXT://', '');
  session = await inspectZk(zk, b.chroot);
}, 90_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

/**
 * A kafkajs producer sending `perSend` 16 KiB records per request, 4 requests in flight (so its own round trips do not
 * hold it below the quota), for `ms`; the acks' times and the throttles kafkajs logged.
 */
async function produceFor(clientId: string, topic: string, ms: number, perSend: number): Promise<{ acks: Array<[number, number]>; throttles: number[] }> {
  const throttles: number[] = [];
  const logCreator = () => (e: LogEntry) => {
    const m = /Client side throttling in effect for (\d+)ms/.exec(e.log.message);
    if (m) throttles.push(Number(m[1]));
  };
  const kafka = new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.DEBUG, logCreator });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const value = Buffer.alloc(16 * 1024, 7);
  const acks: Array<[number, number]> = [];
  const end = Date.now() + ms;
  const loop = async () => {
    while (Date.now() < end) {
      await producer.send({ topic, acks: 1, messages: Array.from({ length: perSend }, () => ({ value })) });
      acks.push([Date.now(), perSend * value.length]);
    }
  };
  try { await Promise.all([loop(), loop(), loop(), loop()]); } finally { await producer.disconnect(); }
  acks.sort((a, b) => a[0] - b[0]);
  return { acks, throttles };
}

/** Bytes per second acknowledged between `from` and the last ack. */
function rateAfter(acks: Array<[number, number]>, from: number): number {
  const inWindow = acks.filter(([t]) => t > from);
  const bytes = inWindow.reduce((n, [, v]) => n + v, 0);
  return bytes / ((inWindow[inWindow.length - 1]![0] - from) / 1000);
}

describe('client quotas', () => {
  it('a producer_byte_rate set live throttles that client to its rate; an unlimited client on the same broker is not throttled', async () => {
    await writeClientQuotaEntity(session, null, 'throttled-producer', { producer_byte_rate: String(QUOTA) });
    await broker.waitForLog((l) => l.msg.startsWith('Client quotas of clients/throttled-producer'), 20_000);
    const t0 = Date.now();
    const [limited, free] = await Promise.all([produceFor('throttled-producer', 'quota-a', 6_500, 4), produceFor('free-producer', 'quota-b', 4_000, 16)]);
    // after the burst a fresh quota allows (2 windows' worth), the acknowledged rate is the quota's
    const rate = rateAfter(limited.acks, t0 + 3_000);
    console.log(`quota ${QUOTA} B/s: the limited producer's acknowledged rate after the burst ${Math.round(rate)} B/s; throttles seen by kafkajs: ${limited.throttles.length}`);
    expect(rate, `acknowledged ${Math.round(rate)} B/s`).toBeGreaterThan(QUOTA * 0.85);
    expect(rate, `acknowledged ${Math.round(rate)} B/s`).toBeLessThan(QUOTA * 1.15);
    expect(limited.throttles.length, 'kafkajs saw throttle_time_ms').toBeGreaterThan(0);
    expect(free.throttles, 'the client without a quota is never throttled').toEqual([]);
    expect(rateAfter(free.acks, free.acks[0]![0]), 'the client without a quota is not held to it').toBeGreaterThan(QUOTA * 2);
  }, 60_000);

  it('kcat (librdkafka) is throttled too: it reports the broker\'s throttle time', async () => {
    await writeClientQuotaEntity(session, null, 'kcat-throttled', { producer_byte_rate: String(256 * 1024) });
    await broker.waitForLog((l) => l.msg.startsWith('Client quotas of clients/kcat-throttled'), 20_000);
    const line = 'x'.repeat(1000);
    const input = `${Array.from({ length: 1200 }, () => line).join('\n')}\n`; // ~1.2 MB: past the 512 KB burst
    const r = await runCommand('kcat', ['-b', bootstrap, '-P', '-t', 'quota-kcat', '-X', 'client.id=kcat-throttled', '-X', 'linger.ms=5'], input, 40_000);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    // kcat's throttle callback: "% Broker host:port (1) throttled request for N ms"
    expect(r.stderr).toMatch(/Broker \S+ \(1\) throttled request for [1-9]\d*ms/);
  }, 60_000);
});
