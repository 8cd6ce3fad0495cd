/** Unit tests of the metrics service: readiness reasons, the latency histogram, the listener address, the registry. */
import { describe, it, expect } from 'vitest';
import { readiness } from '../../../src/services/metrics/health.js';
import { LatencyHistogram } from '../../../src/services/metrics/latency-histogram.js';
import { parseMetricsListener } from '../../../src/services/metrics/metrics-http-server.js';
import { KafkaMetrics } from '../../../src/services/metrics/kafka-metrics.js';
import type { ObservedBroker } from '../../../src/services/metrics/observed-broker.js';
import { flattenStateValue } from '../../../src/machines/metrics-server.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { KafkaConfig } from '../../../src/config/kafka-config.js';
import { FetcherLagStats } from '../../../src/services/metrics/broker-topic-stats.js';
import { FetchSessionCache, type FetchSession } from '../../../src/services/server/fetch-session.js';

function broker(over: Partial<Record<keyof ObservedBroker, unknown>> = {}): ObservedBroker {
  const base: ObservedBroker = {
    brokerState: () => 'RUNNING', brokerId: () => 1, zooKeeperConnected: () => true, registered: () => true,
    onlineLogDirs: () => ['/a'], offlineLogDirs: () => [], actorStates: () => [{ actor: 'zookeeperClient', state: 'session.watching' }],
    startupSteps: () => [['connectingToZooKeeper', 0.25]], controllerId: () => 1,
    logManager: () => null, replicaManager: () => null, groupCoordinator: () => null, metadata: () => null,
    controller: () => ({ active: true, partitionStates: new Map([['a-0', 'OnlinePartition'], ['a-1', 'OfflinePartition'], ['b-c-0', 'OnlinePartition']]) }),
    zooKeeperEvents: () => ({ expires: 1, disconnects: 2 }), socketServer: () => null, quotas: () => null, fetchSessionCache: () => null,
  };
  return { ...base, ...Object.fromEntries(Object.entries(over).map(([k, v]) => [k, () => v])) } as ObservedBroker;
}

describe('readiness', () => {
  it('is ready when RUNNING, connected, registered, with an online dir', () => {
    expect(readiness(broker())).toMatchObject({ status: 200, body: { ready: true, notReady: [] } });
  });
  it('names every reason it is not ready', () => {
    const r = readiness(broker({ brokerState: 'PENDING_CONTROLLED_SHUTDOWN', zooKeeperConnected: false, registered: false, onlineLogDirs: [], offlineLogDirs: ['/a'] }));
    expect(r.status).toBe(503);
    expect(r.body.notReady).toEqual([
      'broker state is PENDING_CONTROLLED_SHUTDOWN, not RUNNING', 'not connected to ZooKeeper', 'not registered in ZooKeeper (/brokers/ids/1)', 'no online log dir',
    ]);
    expect(readiness(broker({ brokerState: 'SHUTTING_DOWN' })).status).toBe(503);
    expect(readiness(broker({ brokerState: 'STARTING' })).status).toBe(503);
  });
});

describe('LatencyHistogram', () => {
  it('reports quantiles within the bucket error and cumulative count / sum', () => {
    let now = 0;
    const h = new LatencyHistogram(() => now);
    for (let i = 1; i <= 1000; i++) h.observe(i);
    const [p50, p99] = h.quantiles([0.5, 0.99]);
    expect(p50).toBeGreaterThan(500 * 0.9); expect(p50).toBeLessThan(500 * 1.1);
    expect(p99).toBeGreaterThan(990 * 0.9); expect(p99).toBeLessThan(990 * 1.1);
    expect(h.count).toBe(1000); expect(h.sum).toBe(500500);
    // the window slides: 6 minutes later the old observations are gone from the quantiles, not from count/sum
    now += 6 * 60_000;
    h.observe(2);
    expect(h.quantiles([0.5])[0]).toBeLessThan(2.5);
    expect(h.count).toBe(1001);
  });
});

describe('metrics.http.listener', () => {
  it('parses HOST:PORT, [v6]:PORT, :PORT; empty is off; anything else is refused (config and service agree)', () => {
    expect(parseMetricsListener('')).toBeNull();
    expect(parseMetricsListener('127.0.0.1:9404')).toEqual({ host: '127.0.0.1', port: 9404 });
    expect(parseMetricsListener('[::1]:9404')).toEqual({ host: '::1', port: 9404 });
    expect(parseMetricsListener(':9404')).toEqual({ host: '', port: 9404 });
    expect(() => parseMetricsListener('9404')).toThrow(/HOST:PORT/);
    const base = { 'zookeeper.connect': 'zk:2181', 'log.dirs': '/tmp/x' };
    expect(() => KafkaConfig.fromProps({ ...base, 'metrics.http.listener': 'localhost' })).toThrow(/metrics.http.listener.*HOST:PORT/);
    expect(() => KafkaConfig.fromProps({ ...base, 'metrics.http.listener': 'localhost:99999' })).toThrow(/HOST:PORT/);
    expect(KafkaConfig.fromProps({ ...base, 'metrics.http.listener': 'localhost:9404' }).getString('metrics.http.listener')).toBe('localhost:9404');
  });
});

describe('KafkaMetrics', () => {
  it('renders the hot-path counters and the broker gauges in Kafka\'s JMX-exporter names', async () => {
    const m = new KafkaMetrics();
    m.observe(broker());
    m.topicStats.produceRequest('t');
    m.topicStats.produced('t', 100, 3);
    m.topicStats.produceError('t', ErrorCode.MESSAGE_TOO_LARGE, 50);
    m.topicStats.produceError('t', ErrorCode.NOT_LEADER_OR_FOLLOWER, 10); // a known error: not a failure
    m.topicStats.produceError('t', ErrorCode.NOT_ENOUGH_REPLICAS, 10);
    m.topicStats.bytesOut('t', 70, false);
    m.topicStats.bytesOut('t', 30, true);
    m.requests.record(0, 9, 1.5);
    const text = (await m.scrape()).body;
    for (const line of [
      'kafka_server_brokertopicmetrics_bytesin_total{topic="t"} 100', 'kafka_server_brokertopicmetrics_bytesin_total 100',
      'kafka_server_brokertopicmetrics_messagesin_total{topic="t"} 3', 'kafka_server_brokertopicmetrics_bytesrejected_total{topic="t"} 50',
      'kafka_server_brokertopicmetrics_failedproducerequests_total{topic="t"} 1', 'kafka_server_brokertopicmetrics_bytesout_total{topic="t"} 70',
      'kafka_server_brokertopicmetrics_replicationbytesout_total 30', 'kafka_network_requestmetrics_requests_total{request="Produce",version="9"} 1',
      'kafka_network_requestmetrics_totaltimems_count{request="Produce"} 1', 'rafka_actor_state{actor="zookeeperClient",state="session.watching"} 1',
      'rafka_majordomo_startup_step_seconds{step="connectingToZooKeeper"} 0.25', 'kafka_server_kafkaserver_brokerstate 3',
      '# TYPE kafka_network_requestmetrics_totaltimems summary',
      'kafka_controller_kafkacontroller_activecontrollercount 1', 'kafka_controller_kafkacontroller_offlinepartitionscount 1',
      'kafka_controller_kafkacontroller_globalpartitioncount 3', 'kafka_controller_kafkacontroller_globaltopiccount 2',
      'kafka_server_sessionexpirelistener_zookeeperexpires_total 1', 'kafka_server_sessionexpirelistener_zookeeperdisconnects_total 2',
    ]) expect(text.split('\n')).toContain(line);
  });
  it('counts ErrorsPerSec per request type and error from response bodies (NONE included, record slices not entered) and offset commits', async () => {
    const m = new KafkaMetrics();
    class Slice { errorCode = 99; self = this; } // a class instance (cyclic even): never walked
    m.requests.recordErrors(0, { responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, records: new Slice() }, { index: 1, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER }] }], throttleTimeMs: 0 });
    m.requests.recordErrors(0, { responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: -1 }, { index: 1, errorCode: 500 }] }] });
    m.requests.recordErrors(8, { topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 0 }, { partitionIndex: 2, errorCode: ErrorCode.UNKNOWN_MEMBER_ID }] }] });
    m.requests.recordErrors(28, { topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] });
    const lines = (await m.scrape()).body.split('\n');
    for (const line of [
      'kafka_network_requestmetrics_errors_total{request="Produce",error="NONE"} 1',
      'kafka_network_requestmetrics_errors_total{request="Produce",error="NOT_LEADER_OR_FOLLOWER"} 1',
      'kafka_network_requestmetrics_errors_total{request="Produce",error="UNKNOWN_SERVER_ERROR"} 1',
      'kafka_network_requestmetrics_errors_total{request="Produce",error="UNKNOWN"} 1',
      'kafka_network_requestmetrics_errors_total{request="OffsetCommit",error="UNKNOWN_MEMBER_ID"} 1',
      'kafka_server_group_coordinator_metrics_offset_commit_total 3',
    ]) expect(lines).toContain(line);
    expect(lines.some((l) => l.startsWith('kafka_network_socketserver_networkprocessoravgidlepercent '))).toBe(true);
    // no allocation per response: 200k walks of a small produce response leave the heap where it was (± noise)
    const body = { responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 1n, recordErrors: [] }] }], throttleTimeMs: 0 };
    for (let i = 0; i < 10_000; i++) m.requests.recordErrors(0, body);
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200_000; i++) m.requests.recordErrors(0, body);
    globalThis.gc?.();
    if (globalThis.gc) expect(process.memoryUsage().heapUsed - before).toBeLessThan(512 * 1024);
  });

  it('renders the log cleaner\'s last clean and dirtiest ratio in Kafka\'s names (0 with the cleaner off)', async () => {
    const off = new KafkaMetrics();
    off.observe(broker());
    expect((await off.scrape()).body.split('\n')).toContain('kafka_log_logcleaner_max_clean_time_secs 0');
    const m = new KafkaMetrics();
    const cleaner = { lastStats: { bytesRead: 1000, bytesWritten: 250, messagesRead: 10, messagesWritten: 3, invalidMessagesRead: 0, bufferUtilization: 0.5, elapsedSecs: 2.5 },
      manager: { dirtiestLogCleanableRatio: 0.75 } };
    m.observe(broker({ logManager: { allLogs: () => [], cleaner } }));
    const lines = (await m.scrape()).body.split('\n');
    for (const line of ['kafka_log_logcleaner_max_clean_time_secs 2.5', 'kafka_log_logcleaner_max_buffer_utilization_percent 50',
      'kafka_log_logcleaner_cleaner_recopy_percent 25', 'kafka_log_logcleanermanager_max_dirty_percent 75']) expect(lines).toContain(line);
  });

  it('ReplicationBytesInPerSec and ReplicaFetcherManager MaxLag from the fetchers\' reports; a partition not reported for a minute stops counting', async () => {
    const m = new KafkaMetrics();
    m.topicStats.replicationBytesIn(300);
    m.topicStats.replicationBytesIn(200);
    m.topicStats.fetcherLag('t', 0, 5);
    m.topicStats.fetcherLag('t', 1, 42);
    m.topicStats.fetcherLag('t', 1, 7);
    const lines = (await m.scrape()).body.split('\n');
    expect(lines).toContain('kafka_server_brokertopicmetrics_replicationbytesin_total 500');
    expect(lines).toContain('kafka_server_replicafetchermanager_maxlag{client_id="Replica"} 7');
    let now = 0;
    const lag = new FetcherLagStats(() => now);
    lag.set('a', 0, 100);
    now = 30_000;
    lag.set('b', 0, 3);
    expect(lag.maxLag()).toBe(100);
    now = 61_000;
    expect(lag.maxLag()).toBe(3);
  });

  it('splits TotalTimeMs into LocalTimeMs (the handler\'s synchronous turn) and RemoteTimeMs (the rest)', async () => {
    const m = new KafkaMetrics();
    m.requests.record(0, 9, 10, 2);
    m.requests.record(0, 9, 4, 9); // local never above total
    const lines = (await m.scrape()).body.split('\n');
    expect(lines).toContain('kafka_network_requestmetrics_localtimems_sum{request="Produce"} 6');
    expect(lines).toContain('kafka_network_requestmetrics_remotetimems_sum{request="Produce"} 8');
    expect(lines).toContain('kafka_network_requestmetrics_remotetimems_count{request="Produce"} 2');
  });

  it('RequestQueueTimeMs / ResponseQueueTimeMs / ResponseSendTimeMs and TotalTimeMs from the connection\'s timestamps (then not from the dispatcher)', async () => {
    const m = new KafkaMetrics();
    m.requests.record(1, 13, 100, 1); // before any connection timing: TotalTimeMs is the dispatcher's
    const sink = m.requests.connectionTimes();
    sink.record(1, 13, 1000, 1003, 1010, 1014, 1015);
    m.requests.record(1, 13, 7, 2); // the same request's dispatcher record: counted by version, local/remote, not in TotalTimeMs
    sink.record(500, 0, 0, 1, 2, 3, 4); // out of range: ignored
    sink.record(1, 13, 10, 9, 9, 9, 9); // clock steps backwards: 0, never negative
    const lines = (await m.scrape()).body.split('\n');
    for (const line of [
      'kafka_network_requestmetrics_requestqueuetimems_sum{request="Fetch"} 3', 'kafka_network_requestmetrics_requestqueuetimems_count{request="Fetch"} 2',
      'kafka_network_requestmetrics_responsequeuetimems_sum{request="Fetch"} 4', 'kafka_network_requestmetrics_responsesendtimems_sum{request="Fetch"} 1',
      'kafka_network_requestmetrics_totaltimems_sum{request="Fetch"} 115', 'kafka_network_requestmetrics_totaltimems_count{request="Fetch"} 3',
      'kafka_network_requestmetrics_localtimems_sum{request="Fetch"} 3', 'kafka_network_requestmetrics_remotetimems_sum{request="Fetch"} 104',
      'kafka_network_requestmetrics_requests_total{request="Fetch",version="13"} 2', '# TYPE kafka_network_requestmetrics_responsesendtimems summary',
    ]) expect(lines).toContain(line);
    expect(lines.some((l) => l.includes('request="UNKNOWN') || l.includes('_500'))).toBe(false);
  });

  it('FetchSessionCache gauges (KIP-227) from the broker\'s cache, and KIP-890 verification time / failures', async () => {
    const cache = new FetchSessionCache(() => 1, 0);
    const m = new KafkaMetrics();
    m.observe(broker({ fetchSessionCache: cache }));
    const fill = (n: number) => (s: FetchSession) => { for (let i = 0; i < n; i++) s.partitions.set(`t-${i}`, {} as never); };
    expect(cache.maybeCreateSession(0, false, 3, fill(3))).not.toBe(0);
    const first = (await m.scrape()).body.split('\n');
    expect(first).toContain('kafka_server_fetchsessioncache_numincrementalfetchsessions 1');
    expect(first).toContain('kafka_server_fetchsessioncache_incrementalfetchsessionevictions_total 0');
    // a bigger session evicts it (one slot, eviction age 0)
    expect(cache.maybeCreateSession(10, false, 5, fill(5))).not.toBe(0);
    const lines = (await m.scrape()).body.split('\n');
    expect(lines).toContain('kafka_server_fetchsessioncache_numincrementalfetchsessions 1');
    expect(lines).toContain(`kafka_server_fetchsessioncache_numincrementalfetchpartitionscached ${cache.totalPartitions}`);
    expect(cache.totalPartitions).toBeGreaterThan(0);
    expect(lines).toContain('kafka_server_fetchsessioncache_incrementalfetchsessionevictions_total 1');
    m.txnVerification.verificationTime(4);
    m.txnVerification.verificationTime(6);
    m.txnVerification.verificationFailures(0);
    m.txnVerification.verificationFailures(3);
    const v = (await m.scrape()).body.split('\n');
    for (const line of ['kafka_server_addpartitionstotxnmanager_verificationtimems_sum 10', 'kafka_server_addpartitionstotxnmanager_verificationtimems_count 2',
      'kafka_server_addpartitionstotxnmanager_verificationfailurerate_total 3', '# TYPE kafka_server_addpartitionstotxnmanager_verificationtimems summary']) expect(v).toContain(line);
  });

  it('counts committed ISR shrinks and expansions (IsrShrinksPerSec / IsrExpandsPerSec)', async () => {
    const m = new KafkaMetrics();
    const advance = m.countIsrChanges((state: string, event: string) => ({ state: event === 'isr.committed' ? 'committed' : state, valid: event !== 'bad' }));
    advance('pendingShrink', 'isr.committed');
    advance('pendingShrink', 'isr.committed');
    advance('pendingExpand', 'isr.committed');
    advance('pendingExpand', 'isr.reverted');
    advance('pendingShrink', 'bad');
    const lines = (await m.scrape()).body.split('\n');
    expect(lines).toContain('kafka_server_replicamanager_isrshrinks_total 2');
    expect(lines).toContain('kafka_server_replicamanager_isrexpands_total 1');
  });
  it('flattens state values', () => {
    expect(flattenStateValue('idle')).toBe('idle');
    expect(flattenStateValue({ session: 'watching' })).toBe('session.watching');
    expect(flattenStateValue({ running: { serving: {} } } as never)).toBe('running.serving');
  });
});
