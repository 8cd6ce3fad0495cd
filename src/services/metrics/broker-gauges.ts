/**
 * Gauges computed from the broker's state when Prometheus scrapes (no cost between scrapes), named as the JMX
 * exporter renders Kafka's MBeans, plus Rafka's own `rafka_actor_state{actor,state}`,
 * `rafka_majordomo_startup_step_seconds{step}` and `rafka_ready`.
 *
 * Differs from Kafka: ReplicaManager's PartitionCount counts the partitions the metadata assigns to this broker
 * (Kafka: the partitions hosted, which are the same once LeaderAndIsr arrived); OfflineReplicaCount those whose log
 * dir is offline; the controller gauges are 0 on a broker that is not the active controller, as in Kafka.
 */
import type { Registry } from 'prom-client';
import { registerFamily, registerGauge, summarySamples, type Sample } from './metric-families.js';
import type { ObservedBroker } from './observed-broker.js';
import { LogFlushStats, ZooKeeperClientMetrics } from './global-stats.js';

const BROKER_STATES: Readonly<Record<string, number>> = {
  NOT_RUNNING: 0, STARTING: 1, RECOVERY: 2, RUNNING: 3, PENDING_CONTROLLED_SHUTDOWN: 6, SHUTTING_DOWN: 7,
};

interface ReplicaCounts { partitions: number; leaders: number; underReplicated: number; underMinIsr: number; atMinIsr: number; offline: number }

/** One pass over this broker's partitions (memoised per scrape: the gauges below share it). */
function replicaCounts(b: ObservedBroker): ReplicaCounts {
  const c: ReplicaCounts = { partitions: 0, leaders: 0, underReplicated: 0, underMinIsr: 0, atMinIsr: 0, offline: 0 };
  const md = b.metadata();
  const rm = b.replicaManager();
  const id = b.brokerId();
  if (!md || !rm || id === null) return c;
  for (const t of md.topics()) {
    for (const p of t.partitions) {
      if (!p.replicas.includes(id)) continue;
      c.partitions++;
      const lookup = rm.partition(t.name, p.partition);
      if (lookup.kind === 'offline') { c.offline++; continue; }
      const hosted = rm.hostedPartition(t.name, p.partition);
      if (!hosted?.isLeader) continue;
      c.leaders++;
      const isr = hosted.isr.length;
      if (isr < hosted.replicas.length) c.underReplicated++;
      const minIsr = hosted.effectiveMinIsr();
      if (isr < minIsr) c.underMinIsr++;
      else if (isr === minIsr) c.atMinIsr++;
    }
  }
  return c;
}

export function registerBrokerGauges(registry: Registry, b: ObservedBroker): void {
  registerGauge(registry, 'kafka_server_kafkaserver_brokerstate', 'Kafka BrokerState as its byte value (3 = RUNNING) (kafka.server:type=KafkaServer,name=BrokerState).',
    () => BROKER_STATES[b.brokerState()] ?? -1);
  registerGauge(registry, 'rafka_actor_state', 'Current state of each coordinator actor: 1 for the state it is in.', () =>
    b.actorStates().map((s): Sample => ({ value: 1, labels: { actor: s.actor, state: s.state } })));
  registerGauge(registry, 'rafka_majordomo_startup_step_seconds', 'Time each Majordomo startup step (KafkaServer.startup) took, seconds.', () =>
    b.startupSteps().map(([step, seconds]): Sample => ({ value: seconds, labels: { step } })));
  registerGauge(registry, 'rafka_ready', '1 when /readyz answers ready (RUNNING, registered in ZooKeeper, an online log dir).', () =>
    (b.brokerState() === 'RUNNING' && b.zooKeeperConnected() && b.registered() && b.onlineLogDirs().length > 0 ? 1 : 0));
  registerGauge(registry, 'kafka_log_logmanager_offlinelogdirectorycount', 'Offline log dirs (kafka.log:type=LogManager,name=OfflineLogDirectoryCount).',
    () => b.offlineLogDirs().length);

  // ReplicaManager (kafka.server:type=ReplicaManager,name=...): one pass per scrape, shared by the six gauges
  let memo: { at: number; c: ReplicaCounts } | null = null;
  const counts = () => { const now = Date.now(); if (!memo || now - memo.at > 200) memo = { at: now, c: replicaCounts(b) }; return memo.c; };
  const rm: Array<[keyof ReplicaCounts, string, string]> = [
    ['partitions', 'partitioncount', 'Partitions this broker holds a replica of (PartitionCount).'],
    ['leaders', 'leadercount', 'Partitions this broker leads (LeaderCount).'],
    ['underReplicated', 'underreplicatedpartitions', 'Led partitions whose ISR is smaller than the replica set (UnderReplicatedPartitions).'],
    ['underMinIsr', 'underminisrpartitioncount', 'Led partitions whose ISR is below min.insync.replicas (UnderMinIsrPartitionCount).'],
    ['atMinIsr', 'atminisrpartitioncount', 'Led partitions whose ISR is exactly min.insync.replicas (AtMinIsrPartitionCount).'],
    ['offline', 'offlinereplicacount', 'Replicas on an offline log dir (OfflineReplicaCount).'],
  ];
  for (const [field, name, help] of rm) registerGauge(registry, `kafka_server_replicamanager_${name}`, help, () => counts()[field]);

  // KafkaController (kafka.controller:type=KafkaController,name=...): the active controller's PartitionStateMachine view
  const ctl = () => b.controller();
  registerGauge(registry, 'kafka_controller_kafkacontroller_activecontrollercount', '1 on the active controller (ActiveControllerCount).', () => (ctl()?.active ? 1 : 0));
  registerGauge(registry, 'kafka_controller_kafkacontroller_offlinepartitionscount', 'Partitions without a live leader, on the active controller (OfflinePartitionsCount).', () => {
    const c = ctl();
    if (!c?.active) return 0;
    let n = 0;
    for (const s of c.partitionStates.values()) if (s === 'OfflinePartition') n++;
    return n;
  });
  registerGauge(registry, 'kafka_controller_kafkacontroller_globalpartitioncount', 'Partitions in the cluster, on the active controller (GlobalPartitionCount).',
    () => { const c = ctl(); return c?.active ? c.partitionStates.size : 0; });
  registerGauge(registry, 'kafka_controller_kafkacontroller_globaltopiccount', 'Topics in the cluster, on the active controller (GlobalTopicCount).', () => {
    const c = ctl();
    if (!c?.active) return 0;
    const topics = new Set<string>();
    for (const k of c.partitionStates.keys()) topics.add(k.slice(0, k.lastIndexOf('-')));
    return topics.size;
  });

  // Log (kafka.log:type=Log,name=...,topic=t,partition=p)
  const logGauge = (name: string, help: string, value: (l: LogLike) => number) => registerGauge(registry, `kafka_log_log_${name}`, help, () => {
    const lm = b.logManager();
    return lm ? lm.allLogs().map((l): Sample => ({ value: value(l), labels: { topic: l.topic, partition: l.partition } })) : [];
  });
  logGauge('size', 'Bytes of the partition log (Size).', (l) => l.size);
  logGauge('logendoffset', 'Log end offset (LogEndOffset).', (l) => Number(l.logEndOffset));
  logGauge('logstartoffset', 'Log start offset (LogStartOffset).', (l) => Number(l.logStartOffset));
  logGauge('numlogsegments', 'Segments of the log (NumLogSegments).', (l) => l.numberOfSegments);

  registerFamily(registry, 'kafka_log_logflushstats_logflushrateandtimems', 'Log flushes and their time, ms (LogFlushRateAndTimeMs).', 'summary',
    () => summarySamples('kafka_log_logflushstats_logflushrateandtimems', LogFlushStats.logFlushTimer));
  registerFamily(registry, 'kafka_server_zookeeperclientmetrics_zookeeperrequestlatencyms', 'ZooKeeper request latency, ms (ZooKeeperRequestLatencyMs).', 'summary',
    () => summarySamples('kafka_server_zookeeperclientmetrics_zookeeperrequestlatencyms', ZooKeeperClientMetrics.requestLatency));
  registerFamily(registry, 'kafka_server_sessionexpirelistener_zookeeperexpires_total', 'ZooKeeper session expiries (ZooKeeperExpiresPerSec).', 'counter',
    () => [{ value: b.zooKeeperEvents().expires }]);
  registerFamily(registry, 'kafka_server_sessionexpirelistener_zookeeperdisconnects_total', 'ZooKeeper disconnects (ZooKeeperDisconnectsPerSec).', 'counter',
    () => [{ value: b.zooKeeperEvents().disconnects }]);

  // GroupMetadataManager (kafka.coordinator.group:type=GroupMetadataManager,name=NumGroups…)
  const groupStates = () => {
    const by = new Map<string, number>();
    for (const g of b.groupCoordinator()?.listGroups() ?? []) by.set(g.state, (by.get(g.state) ?? 0) + 1);
    return by;
  };
  registerGauge(registry, 'kafka_coordinator_group_groupmetadatamanager_numgroups', 'Groups this broker coordinates (NumGroups).',
    () => [...groupStates().values()].reduce((a, n) => a + n, 0));
  registerGauge(registry, 'kafka_coordinator_group_groupmetadatamanager_numgroupsbystate', 'Groups by state (NumGroupsStable, NumGroupsEmpty, ...), label state.',
    () => [...groupStates()].map(([state, n]): Sample => ({ value: n, labels: { state } })));

  // Client quotas (kafka.server:type=Produce|Fetch|Request,user=u,client-id=c: byte-rate / request-time, throttle-time)
  for (const [type, rateName] of [['produce', 'byte_rate'], ['fetch', 'byte_rate'], ['request', 'request_time']] as const) {
    const sensors = () => { const q = b.quotas(); return q ? [...q[type].allSensors()] : []; };
    const labels = (s: { user: string; clientId: string }) => ({ user: s.user, client_id: s.clientId });
    registerGauge(registry, `kafka_server_${type}_${rateName}`, `Quota-tracked ${rateName === 'byte_rate' ? 'bytes per second' : 'request time, % of a thread'} per user / client-id (${type} ${rateName.replace('_', '-')}).`,
      () => { const now = Date.now(); return sensors().map((s): Sample => ({ value: s.rate.measure(now), labels: labels(s) })); });
    registerGauge(registry, `kafka_server_${type}_throttle_time`, `Average throttle time given, ms, per user / client-id (${type} throttle-time).`,
      () => sensors().map((s): Sample => ({ value: s.throttleCount === 0 ? 0 : s.throttleTimeSum / s.throttleCount, labels: labels(s) })));
  }

  // LogCleaner / LogCleanerManager (kafka.log:type=LogCleaner,name=max-clean-time-secs …; JMX exporter: `-` → `_`).
  // One cleaner loop here: "max over threads" is the last clean's figure. 0 while the cleaner is off or has not run.
  const last = () => b.logManager()?.cleaner?.lastStats ?? null;
  registerGauge(registry, 'kafka_log_logcleaner_max_clean_time_secs', 'Seconds the last clean took (LogCleaner max-clean-time-secs).', () => last()?.elapsedSecs ?? 0);
  registerGauge(registry, 'kafka_log_logcleaner_max_buffer_utilization_percent', 'Offset map use of the last clean, % (LogCleaner max-buffer-utilization-percent).',
    () => 100 * (last()?.bufferUtilization ?? 0));
  registerGauge(registry, 'kafka_log_logcleaner_cleaner_recopy_percent', 'Bytes written / read by the last clean, % (LogCleaner cleaner-recopy-percent).', () => {
    const s = last();
    return s && s.bytesRead > 0 ? 100 * s.bytesWritten / s.bytesRead : 0;
  });
  registerGauge(registry, 'kafka_log_logcleanermanager_max_dirty_percent', 'Dirty share of the dirtiest compacted log at the last selection, % (LogCleanerManager max-dirty-percent).',
    () => 100 * (b.logManager()?.cleaner?.manager.dirtiestLogCleanableRatio ?? 0));

  // SocketServer
  registerGauge(registry, 'kafka_server_socket_server_metrics_connections', 'Open client connections (socket-server-metrics connection-count; not named _count, which Prometheus reserves for summaries).',
    () => b.socketServer()?.connectionCount ?? 0);
  // socket-server-metrics connection-creation-total per listener (Kafka: per listener and network processor; one loop here)
  registerFamily(registry, 'kafka_server_socket_server_metrics_connection_creation_total', 'Connections accepted and served, per listener (socket-server-metrics connection-creation-total).', 'counter',
    () => [...(b.socketServer()?.acceptedConnections ?? new Map<string, number>())].map(([listener, n]): Sample => ({ value: n, labels: { listener } })));
  registerFamily(registry, 'rafka_socket_server_connections_refused_total', 'Connections refused by max.connections.per.ip (too_many_per_ip), an IP\'s connection creation rate (ip_throttled), or a full accept queue (backlog_full).', 'counter', () => {
    const s = b.socketServer();
    const q = s?.connectionQuotas?.stats;
    return [
      { value: q?.tooManyPerIp ?? 0, labels: { reason: 'too_many_per_ip' } }, { value: q?.ipThrottled ?? 0, labels: { reason: 'ip_throttled' } },
      { value: s?.refusedBacklogFull ?? 0, labels: { reason: 'backlog_full' } },
    ];
  });
  registerFamily(registry, 'rafka_socket_server_acceptor_waits_total', 'Connections the acceptor delayed for max.connection.creation.rate (Kafka\'s AcceptorBlockedPercent counts the time).', 'counter',
    () => [{ value: b.socketServer()?.connectionQuotas?.stats.acceptorWaits ?? 0 }]);
  // kafka.network:type=SocketServer,name=MemoryPoolAvailable / MemoryPoolUsed (queued.max.request.bytes)
  registerGauge(registry, 'kafka_network_socketserver_memorypoolavailable', 'Bytes left in the queued.max.request.bytes pool (MemoryPoolAvailable; below 0 by at most one request).',
    () => b.socketServer()?.memoryPool?.availableBytes ?? 0);
  registerGauge(registry, 'kafka_network_socketserver_memorypoolused', 'Bytes of partly received and queued requests reserved in the pool (MemoryPoolUsed).',
    () => b.socketServer()?.memoryPool?.usedBytes ?? 0);
  registerGauge(registry, 'rafka_log_warnings_suppressed', 'Connection warnings suppressed by the per-cause, per-address rate limit since start.',
    () => b.socketServer()?.warnings.suppressedTotal ?? 0);
  // FetchSessionCache (kafka.server:type=FetchSessionCache, KIP-227): NumIncrementalFetchSessions,
  // NumIncrementalFetchPartitionsCached, IncrementalFetchSessionEvictionsPerSec
  registerGauge(registry, 'kafka_server_fetchsessioncache_numincrementalfetchsessions', 'Incremental fetch sessions cached (FetchSessionCache NumIncrementalFetchSessions).',
    () => b.fetchSessionCache()?.size ?? 0);
  registerGauge(registry, 'kafka_server_fetchsessioncache_numincrementalfetchpartitionscached', 'Partitions in all cached incremental fetch sessions (FetchSessionCache NumIncrementalFetchPartitionsCached).',
    () => b.fetchSessionCache()?.totalPartitions ?? 0);
  registerFamily(registry, 'kafka_server_fetchsessioncache_incrementalfetchsessionevictions_total', 'Incremental fetch sessions evicted to make room for others (FetchSessionCache IncrementalFetchSessionEvictionsPerSec).', 'counter',
    () => [{ value: b.fetchSessionCache()?.evictions ?? 0 }]);
}

interface LogLike { topic: string; partition: number; size: number; logEndOffset: bigint; logStartOffset: bigint; numberOfSegments: number }
