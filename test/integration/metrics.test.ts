/**
 * Metrics, probes and client quotas on a real broker (one broker for the file): `--metrics-listener` serves /metrics,
 * /healthz and /readyz; the Kafka-named counters move with real client traffic (kcat produce / consume); a real
 * Prometheus (Debian's) scrapes it and promtool finds no problem; a producer_byte_rate set live through
 * /config/clients + /config/changes (what kafka-configs.sh --zookeeper writes) throttles that client to its rate,
 * kafkajs and librdkafka (kcat) both see throttle_time_ms, a client without a quota is not throttled; /readyz flips
 * to not ready while ZooKeeper is away and back once it returns (last: it disturbs the broker).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startZooKeeper, freePort, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, eventually, runCommand, tempDir, inspectZk, type TestBroker } from './support.js';
import { prerequisite } from '../helpers/environment.js';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trackChild } from '../helpers/child-reaper.js';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { writeClientQuotaEntity } from '../../src/services/quota/client-quota-config.js';
import type { ZkSession } from '../../src/services/zookeeper/zk-session.js';
import { connect } from 'node:net';
import { encodeRequest, decodeResponse } from '../../src/protocol/frame.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/errors.js';

const hasPrometheus = prerequisite('prometheus', (() => { try { execFileSync('sh', ['-c', 'command -v prometheus && command -v promtool']); return true; } catch { return false; } })(),
  'apt-get install -y prometheus (bash scripts/setup.sh --test)');

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;
let metricsUrl: string;
let session: ZkSession;
const QUOTA = 512 * 1024; // 512 KiB/s: low enough for a kafkajs producer to exceed on a loaded 2-core CI machine

/** Parses the Prometheus text format into `name{labels}` → value (labels as rendered). */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

async function scrape(): Promise<Map<string, number>> {
  const r = await fetch(`${metricsUrl}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await r.text());
}

const kcat = (args: string[], input?: string) => runCommand('kcat', ['-b', bootstrap, ...args], input);

beforeAll(async () => {
  zk = await startZooKeeper();
  const port = await freePort();
  // quota windows shortened to 3 x 1 s: the burst a fresh quota allows is 2 s of quota
  b = await brokerConfig(zk, { 'num.partitions': '1', 'auto.create.topics.enable': 'true', 'zookeeper.session.timeout.ms': '10000',
    'quota.window.num': '3', 'quota.window.size.seconds': '1' });
  broker = startBroker(b, ['--metrics-listener', `127.0.0.1:${port}`]);
  metricsUrl = `http://127.0.0.1:${port}`;
  await broker.waitForLog(started, 60_000);
  bootstrap = b.props.listeners.replace('PLAINTEXT://', '');
  session = await inspectZk(zk, b.chroot);
}, 90_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

/**
 * A kafkajs producer sending `perSend` 16 KiB records per request, `inFlight` requests at a time (so its own round trips
 * do not hold it below the quota), for `ms`; the acks' times and the throttles kafkajs logged.
 */
async function produceFor(clientId: string, topic: string, ms: number, perSend: number, inFlight: number): Promise<{ acks: Array<[number, number]>; throttles: number[] }> {
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
  try { await Promise.all(Array.from({ length: inFlight }, loop)); } finally { await producer.disconnect(); }
  acks.sort((a, b) => a[0] - b[0]);
  return { acks, throttles };
}

/** Bytes per second acknowledged in [from, to] (a fixed interval: no bias from where the last ack happens to fall). */
function rateBetween(acks: Array<[number, number]>, from: number, to: number): number {
  const bytes = acks.filter(([t]) => t > from && t <= to).reduce((n, [, v]) => n + v, 0);
  return bytes / ((to - from) / 1000);
}

describe('metrics listener', () => {
  it('answers /healthz and /readyz once RUNNING, 404 elsewhere', async () => {
    const h = await fetch(`${metricsUrl}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ alive: true, eventLoopResponsive: true });
    const r = await eventually(async () => { const x = await fetch(`${metricsUrl}/readyz`); return x.status === 200 ? x : null; }, 15_000, '/readyz 200');
    expect(await r!.json()).toMatchObject({ ready: true, brokerId: 1, brokerState: 'RUNNING', notReady: [] });
    expect((await fetch(`${metricsUrl}/nope`)).status).toBe(404);
  });

  it('counts kcat produce and consume bytes in Kafka\'s names, per topic and for all topics', async () => {
    const topic = 'metrics-topic';
    const values = Array.from({ length: 200 }, (_, i) => `value-${i}-${'x'.repeat(100)}`);
    expect((await kcat(['-P', '-t', topic, '-p', '0'], `${values.join('\n')}\n`)).code).toBe(0);
    const c = await kcat(['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-f', '%s\n']);
    expect(c.stdout.trim().split('\n')).toHaveLength(200);
    const m = await scrape();
    const t = `{topic="${topic}"}`;
    expect(m.get(`kafka_server_brokertopicmetrics_messagesin_total${t}`)).toBe(200);
    // bytes in = the batches as sent: at least the values, at most values + per-record overhead + one batch header
    // per record (kcat's batching depends on timing: CI saw ~40 batches where a quiet run makes a few)
    const payload = values.reduce((n, v) => n + v.length, 0);
    const bytesIn = m.get(`kafka_server_brokertopicmetrics_bytesin_total${t}`)!;
    expect(bytesIn).toBeGreaterThan(payload);
    expect(bytesIn).toBeLessThan(payload + 200 * 20 + 200 * 61);
    // the consumer read everything that was produced (the stored batches)
    expect(m.get(`kafka_server_brokertopicmetrics_bytesout_total${t}`)).toBe(bytesIn);
    expect(m.get('kafka_server_brokertopicmetrics_bytesin_total')).toBeGreaterThanOrEqual(bytesIn);
    expect(m.get(`kafka_server_brokertopicmetrics_totalproducerequests_total${t}`)).toBeGreaterThanOrEqual(1);
    expect(m.get(`kafka_server_brokertopicmetrics_totalfetchrequests_total${t}`)).toBeGreaterThanOrEqual(1);
    expect(m.get(`kafka_server_brokertopicmetrics_failedproducerequests_total${t}`)).toBe(0);
    expect(m.get('kafka_network_requestmetrics_requests_total{request="Produce",version="7"}') ?? m.get('kafka_network_requestmetrics_requests_total{request="Produce",version="9"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('kafka_network_requestmetrics_totaltimems_count{request="Metadata"}')).toBeGreaterThanOrEqual(2);
    expect(m.has('kafka_network_requestmetrics_totaltimems{request="Fetch",quantile="0.99"}')).toBe(true);
    // the connection's side (RequestChannel timings): one record per request answered, as many as TotalTimeMs
    for (const name of ['requestqueuetimems', 'responsequeuetimems', 'responsesendtimems']) {
      expect(m.get(`kafka_network_requestmetrics_${name}_count{request="Produce"}`)).toBe(m.get('kafka_network_requestmetrics_totaltimems_count{request="Produce"}'));
    }
    expect(m.get('kafka_network_requestmetrics_responsesendtimems_count{request="Fetch"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('kafka_server_fetchsessioncache_numincrementalfetchsessions')).toBeGreaterThanOrEqual(0); // kcat fetches sessionless: present, 0
    expect(m.has('kafka_server_addpartitionstotxnmanager_verificationfailurerate_total')).toBe(true);
    // scrape-time gauges from the broker's state
    expect(m.get(`kafka_log_log_logendoffset{topic="${topic}",partition="0"}`)).toBe(200);
    expect(m.get(`kafka_log_log_size{topic="${topic}",partition="0"}`)).toBe(bytesIn);
    expect(m.get(`kafka_log_log_numlogsegments{topic="${topic}",partition="0"}`)).toBe(1);
    expect(m.get('kafka_server_replicamanager_leadercount')).toBeGreaterThanOrEqual(1);
    expect(m.get('kafka_server_replicamanager_partitioncount')).toBe(m.get('kafka_server_replicamanager_leadercount'));
    expect(m.get('kafka_server_replicamanager_underreplicatedpartitions')).toBe(0);
    expect(m.get('kafka_controller_kafkacontroller_activecontrollercount')).toBe(1);
    expect(m.get('kafka_controller_kafkacontroller_globaltopiccount')).toBeGreaterThanOrEqual(1);
    expect(m.get('kafka_controller_kafkacontroller_offlinepartitionscount')).toBe(0);
    expect(m.get('kafka_server_zookeeperclientmetrics_zookeeperrequestlatencyms_count')).toBeGreaterThan(5);
    expect(m.get('kafka_server_socket_server_metrics_connections')).toBeGreaterThanOrEqual(0);
  });

  it('shows the actors, the startup steps and the Node runtime', async () => {
    const m = await scrape();
    expect(m.get('rafka_actor_state{actor="zookeeperClient",state="session.watching"}')).toBe(1);
    expect(m.get('rafka_actor_state{actor="majordomo",state="running.serving"}')).toBe(1);
    expect(m.get('kafka_server_kafkaserver_brokerstate')).toBe(3);
    expect(m.get('rafka_majordomo_startup_step_seconds{step="registeringBroker"}')).toBeGreaterThan(0);
    expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(m.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    expect(m.get('process_open_fds')).toBeGreaterThan(5);
  });

  it.skipIf(!hasPrometheus)('a real Prometheus scrapes it; promtool finds no problem; bytes in equal the bytes on disk', async () => {
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    const lint = await runCommand('sh', ['-c', 'promtool check metrics'], text);
    expect(lint.code, `promtool check metrics:\n${lint.stdout}${lint.stderr}`).toBe(0);
    expect(`${lint.stdout}${lint.stderr}`.trim()).toBe('');

    const dir = await tempDir('rafka-prom-');
    const webPort = await freePort();
    writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: rafka\n    static_configs:\n      - targets: ['${metricsUrl.replace('http://', '')}']\n`);
    const prom: ChildProcess = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${webPort}`], { stdio: 'ignore' });
    trackChild(prom);
    try {
      const query = async (q: string) => {
        const r = await fetch(`http://127.0.0.1:${webPort}/api/v1/query?query=${encodeURIComponent(q)}`);
        const j = await r.json() as { data: { result: Array<{ value: [number, string] }> } };
        return j.data.result.length > 0 ? Number(j.data.result[0]!.value[1]) : null;
      };
      expect(await eventually(() => query('up{job="rafka"}'), 30_000, 'Prometheus scraped the broker')).toBe(1);
      const bytesIn = await eventually(() => query('kafka_server_brokertopicmetrics_bytesin_total{topic="metrics-topic"}'), 15_000, 'bytes in scraped');
      // what the producer sent is what the log holds: the partition's segment files on disk
      const partDir = b.logDirs.map((d) => join(d, 'metrics-topic-0')).find((d) => { try { return statSync(d).isDirectory(); } catch { return false; } })!;
      const onDisk = readdirSync(partDir).filter((f) => f.endsWith('.log')).reduce((n, f) => n + statSync(join(partDir, f)).size, 0);
      expect(Math.abs(bytesIn! - onDisk) / onDisk).toBeLessThan(0.01);
      expect(await query('kafka_server_brokertopicmetrics_messagesin_total{topic="metrics-topic"}')).toBe(200);
      expect(await query('kafka_server_replicamanager_underreplicatedpartitions')).toBe(0);
    } finally {
      prom.kill('SIGTERM');
    }
  }, 60_000);

});

describe('client quotas', () => {
  it('a producer_byte_rate set live throttles that client to its rate (kafkajs and librdkafka see throttle_time_ms); an unlimited client on the same broker is not throttled', async () => {
    await writeClientQuotaEntity(session, null, 'throttled-producer', { producer_byte_rate: String(QUOTA) });
    await writeClientQuotaEntity(session, null, 'kcat-throttled', { producer_byte_rate: String(256 * 1024) });
    await broker.waitForLog((l) => l.msg.startsWith('Client quotas of clients/throttled-producer'), 20_000);
    await broker.waitForLog((l) => l.msg.startsWith('Client quotas of clients/kcat-throttled'), 20_000);
    const line = 'x'.repeat(1000);
    const input = `${Array.from({ length: 900 }, () => line).join('\n')}\n`; // ~0.9 MB: past kcat's 512 KB burst
    const [limited, free, kc] = await Promise.all([
      produceFor('throttled-producer', 'quota-a', 7_000, 2, 4),
      produceFor('free-producer', 'quota-b', 3_000, 8, 2),
      runCommand('kcat', ['-b', bootstrap, '-P', '-t', 'quota-kcat', '-X', 'client.id=kcat-throttled', '-X', 'linger.ms=5'], input, 40_000),
    ]);
    // after the burst a fresh quota allows (2 windows' worth), the acknowledged rate is the quota's
    // from 3 s after the producer's first ack (its burst is over; connecting took a while on a loaded machine) for 3 s
    const first = limited.acks[0]![0];
    const rate = rateBetween(limited.acks, first + 3_000, first + 6_000);
    console.log(`quota ${QUOTA} B/s: the limited producer's acknowledged rate after the burst ${Math.round(rate)} B/s; throttles seen by kafkajs: ${limited.throttles.length}`);
    // over a fixed 3 s after the burst: the upper bound is the quota's promise; the lower one (loose: the client shares
    // 2 loaded cores with the broker, and a 3-sample window under-delivers a little) that throttling does not hold it
    // far below its quota. Measured here: 1.04 x quota (3 runs); 0.92-1.12 x in 5 runs at load ~17-20 (J), and 1.27 x once
    // on the lead's run at load ~20 (acks bunch behind a stalled event loop, and a 3-sample window overshoots by up to
    // ~13% by itself): the upper bound allows 1.35 x, still far below an unthrottled producer (several x).
    expect(rate, `acknowledged ${Math.round(rate)} B/s`).toBeGreaterThan(QUOTA * 0.6);
    expect(rate, `acknowledged ${Math.round(rate)} B/s`).toBeLessThan(QUOTA * 1.35);
    expect(limited.throttles.length, 'kafkajs saw throttle_time_ms').toBeGreaterThan(0);
    expect(free.throttles, 'the client without a quota is never throttled').toEqual([]);
    expect(free.acks.length).toBeGreaterThan(0);
    // kcat's throttle callback: "% Broker host:port (1) throttled request for N ms"
    expect(kc.code, kc.stderr.slice(-2000)).toBe(0);
    expect(kc.stderr).toMatch(/Broker \S+ \(1\) throttled request for [1-9]\d*ms/);
    // the throttle shows in the quota metrics and RequestMetrics' ThrottleTimeMs
    const m = await scrape();
    expect(m.get('kafka_server_produce_throttle_time{user="",client_id="throttled-producer"}')).toBeGreaterThan(0);
    expect(m.get('kafka_server_produce_byte_rate{user="",client_id="throttled-producer"}')).toBeGreaterThan(0);
    expect(m.get('kafka_network_requestmetrics_throttletimems_count{request="Produce"}')).toBeGreaterThan(0);
  }, 60_000);
});

/** One request over a fresh connection (DescribeClientQuotas / AlterClientQuotas: no client here sends them). */
async function call<K extends typeof ApiKey.DescribeClientQuotas | typeof ApiKey.AlterClientQuotas>(apiKey: K, body: Parameters<typeof encodeRequest<K>>[1]) {
  const [host, port] = bootstrap.split(':');
  const frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: 1, correlationId: 7, clientId: 'quota-admin' }, body);
  const response = await new Promise<Buffer>((resolve, reject) => {
    const sock = connect(Number(port), host!, () => sock.write(frame));
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => { buf = Buffer.concat([buf, d]); if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) { sock.destroy(); resolve(buf.subarray(4, 4 + buf.readInt32BE(0))); } });
    sock.on('error', reject);
  });
  return decodeResponse(response, apiKey, 1).body;
}

describe('DescribeClientQuotas / AlterClientQuotas', () => {
  it('alters an entity in Kafka\'s znode format (validateOnly writes nothing, bad keys are refused) and describes it back', async () => {
    const entity = [{ entityType: 'user', entityName: null }, { entityType: 'client-id', entityName: 'app 1' }];
    const dry = await call(ApiKey.AlterClientQuotas, { entries: [{ entity, ops: [{ key: 'consumer_byte_rate', value: 2048, remove: false }] }], validateOnly: true });
    expect(dry.entries![0]!.errorCode).toBe(ErrorCode.NONE);
    expect(await session.getDataOrNull('/config/users/<default>/clients/app%201')).toBeNull();
    const bad = await call(ApiKey.AlterClientQuotas, { entries: [
      { entity, ops: [{ key: 'nope', value: 1, remove: false }] },
      { entity, ops: [{ key: 'producer_byte_rate', value: 1.5, remove: false }] },
    ], validateOnly: false });
    expect(bad.entries!.map((e) => [e.errorCode, e.errorMessage])).toEqual([
      [ErrorCode.INVALID_REQUEST, 'Invalid configuration key nope'], [ErrorCode.INVALID_REQUEST, 'Configuration producer_byte_rate must be a LONG value']]);
    const ok = await call(ApiKey.AlterClientQuotas, { entries: [{ entity, ops: [{ key: 'consumer_byte_rate', value: 2048, remove: false }, { key: 'request_percentage', value: 50, remove: false }] }], validateOnly: false });
    expect(ok.entries![0]!.errorCode).toBe(ErrorCode.NONE);
    const node = await session.getData('/config/users/<default>/clients/app%201');
    expect(JSON.parse(node.data!.toString())).toEqual({ version: 1, config: { consumer_byte_rate: '2048', request_percentage: '50.0' } });
    // every broker applies it (the notification)
    await broker.waitForLog((l) => l.msg.startsWith('Client quotas of users/<default>/clients/app%201'), 20_000);
    const d = await call(ApiKey.DescribeClientQuotas, { components: [{ entityType: 'client-id', matchType: 0, match: 'app 1' }], strict: false });
    expect(d.errorCode).toBe(ErrorCode.NONE);
    expect(d.entries).toEqual([{ entity, values: [{ key: 'consumer_byte_rate', value: 2048 }, { key: 'request_percentage', value: 50 }] }]);
    // strict with only a user component: the user+client entity is excluded; any client-id: included
    expect((await call(ApiKey.DescribeClientQuotas, { components: [{ entityType: 'user', matchType: 1, match: null }], strict: true })).entries).toEqual([]);
    const any = await call(ApiKey.DescribeClientQuotas, { components: [{ entityType: 'client-id', matchType: 2, match: null }], strict: true });
    expect(any.entries!.map((e) => e.entity)).toEqual(expect.arrayContaining([[{ entityType: 'client-id', entityName: 'throttled-producer' }]]));
    const dup = await call(ApiKey.DescribeClientQuotas, { components: [{ entityType: 'user', matchType: 2, match: null }, { entityType: 'user', matchType: 2, match: null }], strict: false });
    expect([dup.errorCode, dup.errorMessage]).toEqual([ErrorCode.INVALID_REQUEST, 'Duplicate user filter component entity type']);
  }, 40_000);
});

/** One ApiVersions v0 exchange on a connection from `localAddress` (a loopback alias): answered, or closed unanswered. */
function apiVersionsFrom(localAddress: string): Promise<'answered' | 'closed' | 'timeout'> {
  const port = Number(bootstrap.split(':')[1]);
  const frame = encodeRequest({ requestApiKey: ApiKey.ApiVersions, requestApiVersion: 0, correlationId: 1, clientId: 'ip-quota' }, {} as never);
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1', localAddress }, () => sock.write(frame));
    const timer = setTimeout(() => { sock.destroy(); resolve('timeout'); }, 15_000);
    sock.on('data', () => { clearTimeout(timer); sock.destroy(); resolve('answered'); });
    sock.on('error', () => undefined);
    sock.on('close', () => { clearTimeout(timer); resolve('closed'); });
  });
}

describe('ip quota entities (connection_creation_rate)', () => {
  it('validated as Kafka, applied live by every broker, described back; connections over the rate are closed unanswered, other IPs unaffected', async () => {
    const ipEntity = [{ entityType: 'ip', entityName: '127.0.0.2' }];
    const rate = (value: number) => [{ key: 'connection_creation_rate', value, remove: false }];
    const bad = await call(ApiKey.AlterClientQuotas, { entries: [
      { entity: [{ entityType: 'ip', entityName: 'not an ip' }], ops: rate(1) },
      { entity: [...ipEntity, { entityType: 'user', entityName: 'u' }], ops: rate(1) },
      { entity: ipEntity, ops: [{ key: 'producer_byte_rate', value: 1, remove: false }] },
      { entity: ipEntity, ops: rate(1.5) },
    ], validateOnly: false });
    expect(bad.entries!.map((e) => e.errorMessage)).toEqual([
      'not an ip is not a valid IP or resolvable host.', 'Invalid quota entity combination, IP entity should not be used with user/client ID entity.',
      'Invalid configuration key producer_byte_rate', 'Configuration connection_creation_rate must be a INT value']);
    // quota.window.num=3 x 1 s here: 2 connections/s lets 4 through in the first 2 s window
    const ok = await call(ApiKey.AlterClientQuotas, { entries: [{ entity: ipEntity, ops: rate(2) }], validateOnly: false });
    expect(ok.entries![0]!.errorCode).toBe(ErrorCode.NONE);
    await broker.waitForLog((l) => l.msg === 'Connection creation rate quota of ips/127.0.0.2: 2', 20_000);
    const d = await call(ApiKey.DescribeClientQuotas, { components: [{ entityType: 'ip', matchType: 0, match: '127.0.0.2' }], strict: false });
    expect(d.entries).toEqual([{ entity: ipEntity, values: [{ key: 'connection_creation_rate', value: 2 }] }]);
    const mixed = await call(ApiKey.DescribeClientQuotas, { components: [{ entityType: 'ip', matchType: 2, match: null }, { entityType: 'user', matchType: 2, match: null }], strict: false });
    expect(mixed.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    try {
      const limited = await Promise.all(Array.from({ length: 12 }, () => apiVersionsFrom('127.0.0.2')));
      const answered = limited.filter((r) => r === 'answered').length;
      expect(answered).toBeGreaterThanOrEqual(1);
      expect(limited.filter((r) => r === 'closed').length).toBe(12 - answered);
      expect(answered).toBeLessThan(12);
      const other = await Promise.all(Array.from({ length: 12 }, () => apiVersionsFrom('127.0.0.3')));
      expect(other.every((r) => r === 'answered')).toBe(true);
    } finally {
      await call(ApiKey.AlterClientQuotas, { entries: [{ entity: ipEntity, ops: [{ key: 'connection_creation_rate', value: 0, remove: true }] }], validateOnly: false });
    }
    await broker.waitForLog((l) => l.msg === 'Connection creation rate quota of ips/127.0.0.2: none', 20_000);
    // a host name is an ip entity too (Kafka resolves it with InetAddress.getByName): accepted, stored as given, applied
    const host = [{ entityType: 'ip', entityName: 'localhost' }];
    expect((await call(ApiKey.AlterClientQuotas, { entries: [{ entity: host, ops: rate(100_000) }], validateOnly: false })).entries![0]!.errorCode).toBe(ErrorCode.NONE);
    await broker.waitForLog((l) => l.msg === 'Connection creation rate quota of ips/localhost: 100000', 20_000);
    const dh = await call(ApiKey.DescribeClientQuotas, { components: [{ entityType: 'ip', matchType: 0, match: 'localhost' }], strict: false });
    expect(dh.entries).toEqual([{ entity: host, values: [{ key: 'connection_creation_rate', value: 100_000 }] }]);
    await call(ApiKey.AlterClientQuotas, { entries: [{ entity: host, ops: [{ key: 'connection_creation_rate', value: 0, remove: true }] }], validateOnly: false });
    await broker.waitForLog((l) => l.msg === 'Connection creation rate quota of ips/localhost: none', 20_000);
  }, 60_000);
});

describe('readiness', () => {
  it('/readyz is not ready while ZooKeeper is away, and ready again once it is back', async () => {
    await zk.stop();
    try {
      const body = await eventually(async () => {
        const r = await fetch(`${metricsUrl}/readyz`);
        return r.status === 503 ? (await r.json()) as { notReady: string[] } : null;
      }, 20_000, '/readyz 503 during the ZooKeeper outage');
      expect(body!.notReady).toContain('not connected to ZooKeeper');
      expect((await scrape()).get('kafka_server_sessionexpirelistener_zookeeperdisconnects_total')).toBeGreaterThanOrEqual(1);
      expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
    } finally {
      await zk.start();
    }
    await eventually(async () => (await fetch(`${metricsUrl}/readyz`)).status === 200, 30_000, '/readyz 200 after ZooKeeper is back');
  }, 60_000);
});
