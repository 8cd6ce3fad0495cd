/**
 * Metrics and probes on a real broker (one broker for the file): `--metrics-listener` serves /metrics, /healthz and
 * /readyz; the Kafka-named counters move with real client traffic (kcat produce / consume); /readyz flips to not
 * ready while ZooKeeper is away and back once it returns.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startZooKeeper, freePort, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, eventually, runCommand, type TestBroker } from './support.js';

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;
let metricsUrl: string;

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
  b = await brokerConfig(zk, { 'num.partitions': '1', 'auto.create.topics.enable': 'true', 'zookeeper.session.timeout.ms': '10000' });
  broker = startBroker(b, ['--metrics-listener', `127.0.0.1:${port}`]);
  metricsUrl = `http://127.0.0.1:${port}`;
  await broker.waitForLog(started, 60_000);
  bootstrap = b.props.listeners.replace('PLAINTEXT://', '');
}, 90_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

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
    // bytes in = the batches as sent: at least the values, at most values + generous per-record/batch overhead
    const payload = values.reduce((n, v) => n + v.length, 0);
    const bytesIn = m.get(`kafka_server_brokertopicmetrics_bytesin_total${t}`)!;
    expect(bytesIn).toBeGreaterThan(payload);
    expect(bytesIn).toBeLessThan(payload + 200 * 20 + 10 * 61);
    // the consumer read everything that was produced (the stored batches)
    expect(m.get(`kafka_server_brokertopicmetrics_bytesout_total${t}`)).toBe(bytesIn);
    expect(m.get('kafka_server_brokertopicmetrics_bytesin_total')).toBeGreaterThanOrEqual(bytesIn);
    expect(m.get(`kafka_server_brokertopicmetrics_totalproducerequests_total${t}`)).toBeGreaterThanOrEqual(1);
    expect(m.get(`kafka_server_brokertopicmetrics_totalfetchrequests_total${t}`)).toBeGreaterThanOrEqual(1);
    expect(m.get(`kafka_server_brokertopicmetrics_failedproducerequests_total${t}`)).toBe(0);
    expect(m.get('kafka_network_requestmetrics_requests_total{request="Produce",version="7"}') ?? m.get('kafka_network_requestmetrics_requests_total{request="Produce",version="9"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('kafka_network_requestmetrics_totaltimems_count{request="Metadata"}')).toBeGreaterThanOrEqual(2);
    expect(m.has('kafka_network_requestmetrics_totaltimems{request="Fetch",quantile="0.99"}')).toBe(true);
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
    expect(m.get('kafka_server_socket_server_metrics_connection_count')).toBeGreaterThanOrEqual(0);
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
