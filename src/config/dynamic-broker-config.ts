/**
 * Apache Kafka 3.7's set of dynamically updatable broker configs: `DynamicBrokerConfig.AllDynamicConfigs`
 * (core/src/main/scala/kafka/server/DynamicBrokerConfig.scala) plus the dynamic-only broker quotas of
 * `DynamicConfig.Broker` (DynamicConfig.scala). It answers "would Kafka accept this key in /config/brokers, and at
 * which level" for keys that Rafka's config table (src/config/defs) does not define, so that an AlterConfigs of
 * such a key gets Kafka's answer instead of being taken for a custom key. For keys the table defines, the table's
 * `dynamic` mode is the one source of truth (test/config/dynamic-broker-config.test.ts checks both agree).
 *
 * Differs from Kafka: nothing here reconfigures anything; the list is data only. Keys Kafka 3.8+ added (e.g.
 * compression.*.level) are in Rafka's table, not here.
 */
import { define, type ConfigKey, type DynamicMode } from './config-key.js';
import { atLeast, between } from './validators.js';

/** SslConfigs.RECONFIGURABLE_CONFIGS (DynamicSecurityConfigs): dynamic only with a `listener.name.<l>.` prefix. */
export const KAFKA_LISTENER_PREFIX_ONLY_CONFIGS: ReadonlySet<string> = new Set([
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password',
  'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.password',
  'ssl.keystore.certificate.chain', 'ssl.keystore.key', 'ssl.truststore.certificates',
]);

/** DynamicBrokerConfig.ClusterLevelListenerConfigs: listener configs that are still cluster-wide. */
export const KAFKA_CLUSTER_LEVEL_LISTENER_CONFIGS: ReadonlySet<string> = new Set(['max.connections', 'max.connection.creation.rate', 'num.network.threads']);

/** DynamicListenerConfig.ReconfigurableConfigs. */
const LISTENER_CONFIGS = [
  'advertised.listeners', 'listeners', 'listener.security.protocol.map',
  'principal.builder.class', 'ssl.protocol', 'ssl.provider', 'ssl.cipher.suites', 'ssl.enabled.protocols',
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password',
  'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.password',
  'ssl.keymanager.algorithm', 'ssl.trustmanager.algorithm', 'ssl.endpoint.identification.algorithm',
  'ssl.secure.random.implementation', 'ssl.client.auth', 'ssl.engine.factory.class',
  'sasl.mechanism.inter.broker.protocol', 'sasl.jaas.config', 'sasl.enabled.mechanisms',
  'sasl.kerberos.service.name', 'sasl.kerberos.kinit.cmd', 'sasl.kerberos.ticket.renew.window.factor',
  'sasl.kerberos.ticket.renew.jitter', 'sasl.kerberos.min.time.before.relogin', 'sasl.kerberos.principal.to.local.rules',
  'sasl.login.refresh.window.factor', 'sasl.login.refresh.window.jitter', 'sasl.login.refresh.min.period.seconds',
  'sasl.login.refresh.buffer.seconds',
  'max.connections', 'max.connection.creation.rate',
  'num.network.threads',
];

/** The cluster-wide rest of AllDynamicConfigs. */
const CLUSTER_WIDE_CONFIGS = [
  // LogCleaner.ReconfigurableConfigs
  'log.cleaner.threads', 'log.cleaner.dedupe.buffer.size', 'log.cleaner.io.buffer.load.factor', 'log.cleaner.io.buffer.size',
  'message.max.bytes', 'log.cleaner.io.max.bytes.per.second', 'log.cleaner.backoff.ms',
  // DynamicLogConfig.ReconfigurableConfigs: ServerTopicConfigSynonyms.TOPIC_CONFIG_SYNONYMS values - log.message.format.version
  'log.segment.bytes', 'log.roll.ms', 'log.roll.jitter.ms', 'log.index.size.max.bytes', 'log.flush.interval.messages',
  'log.flush.interval.ms', 'log.retention.bytes', 'log.retention.ms', 'log.index.interval.bytes',
  'log.cleaner.delete.retention.ms', 'log.cleaner.min.compaction.lag.ms', 'log.cleaner.max.compaction.lag.ms',
  'log.segment.delete.delay.ms', 'log.cleaner.min.cleanable.ratio', 'log.cleanup.policy', 'unclean.leader.election.enable',
  'min.insync.replicas', 'compression.type', 'log.preallocate', 'log.message.timestamp.type',
  'log.message.timestamp.difference.max.ms', 'log.message.timestamp.before.max.ms', 'log.message.timestamp.after.max.ms',
  'log.message.downconversion.enable', 'log.local.retention.ms', 'log.local.retention.bytes',
  // DynamicThreadPool.ReconfigurableConfigs
  'num.io.threads', 'num.replica.fetchers', 'num.recovery.threads.per.data.dir', 'background.threads',
  // KafkaConfig.MetricReporterClassesProp
  'metric.reporters',
  // SocketServer.ReconfigurableConfigs
  'max.connections.per.ip', 'max.connections.per.ip.overrides',
  // ProducerStateManagerConfig.RECONFIGURABLE_CONFIGS
  'producer.id.expiration.ms', 'transaction.partition.verification.enable',
  // DynamicRemoteLogConfig.ReconfigurableConfigs
  'remote.log.index.file.cache.total.size.bytes',
];

/**
 * Dynamic keys Rafka applies to the running broker (tagged "applied live" in --help-config): the broker defaults of
 * every log (LogManager.updateBrokerDefaults on each dynamic config change: brokerLogConfig's keys) and
 * unclean.leader.election.enable (read at each election), num.replica.fetchers (the fetcher pool is resized). Other dynamic keys are stored, validated and described but
 * not (yet) pushed into running components. The replication throttle rates (not table keys) are live too.
 */
export const RAFKA_APPLIED_LIVE: ReadonlySet<string> = new Set([
  'log.segment.bytes', 'log.roll.ms', 'log.roll.jitter.ms', 'log.index.size.max.bytes', 'log.index.interval.bytes',
  'log.flush.interval.messages', 'log.flush.interval.ms', 'log.retention.ms', 'log.retention.bytes', 'message.max.bytes',
  'log.message.timestamp.type', 'log.message.timestamp.difference.max.ms', 'log.message.timestamp.before.max.ms',
  'log.message.timestamp.after.max.ms', 'log.segment.delete.delay.ms', 'log.cleanup.policy', 'log.preallocate',
  'log.cleaner.delete.retention.ms', 'log.cleaner.min.cleanable.ratio', 'log.cleaner.min.compaction.lag.ms',
  'log.cleaner.max.compaction.lag.ms', 'compression.type', 'compression.gzip.level', 'compression.zstd.level',
  'log.message.downconversion.enable', 'min.insync.replicas', 'unclean.leader.election.enable',
  // ReplicaFetcherManager fetchers.resize (Kafka's resizeFetcherThreadPool)
  'num.replica.fetchers',
  // LogCleaner.reconfigure (Q): offset map, load factor, io throttle (turning the cleaner on/off waits for a restart)
  'log.cleaner.threads', 'log.cleaner.dedupe.buffer.size', 'log.cleaner.io.buffer.load.factor', 'log.cleaner.io.max.bytes.per.second',
  'log.cleaner.backoff.ms',
  // LogManager.resizeRecoveryThreadPool (AA)
  'num.recovery.threads.per.data.dir',
  // DynamicListenerConfig: acceptors bound / closed, /brokers/ids/<id> re-written (services/server/dynamic-listeners.ts)
  'listeners', 'advertised.listeners', 'listener.security.protocol.map',
  // set with a listener prefix (Kafka allows no other way): the TLS listener reloads its key / trust store (tls-reconfigure.ts)
  ...KAFKA_LISTENER_PREFIX_ONLY_CONFIGS,
  // ConnectionQuotas reconfigured on every change (socketServer.reconfigure; metrics.test.ts checks them live)
  'max.connections', 'max.connections.per.ip', 'max.connections.per.ip.overrides', 'max.connection.creation.rate',
]);

/** DynamicConfig.Broker's own keys (LONG, atLeast(0)): replication throttles, not KafkaConfig keys. */
export const KAFKA_BROKER_QUOTA_CONFIGS: readonly string[] = [
  'leader.replication.throttled.rate', 'follower.replication.throttled.rate', 'replica.alter.log.dirs.io.max.bytes.per.second',
];

const LONG_MAX_QUOTA = 2 ** 63; // DynamicConfig.Broker's default: Long.MAX_VALUE (unlimited)
const SHORT = between(-32768, 32767); // Kafka's SHORT type, parsed as an int here

/**
 * Kafka's type, default and validator of the dynamic keys Rafka's table lacks, so that their values are checked as
 * DynamicConfig.Broker.validate checks them (KafkaConfig / RemoteLogManagerConfig / DynamicConfig definitions).
 * Not part of the config table: Rafka does not act on these keys.
 */
const KAFKA_ONLY_DYNAMIC_KEYS: ReadonlyMap<string, ConfigKey> = new Map([
  define('ssl.provider', 'string', null, undefined, 'medium', 'per-broker', ''),
  define('ssl.secure.random.implementation', 'string', null, undefined, 'low', 'per-broker', ''),
  define('ssl.engine.factory.class', 'class', null, undefined, 'low', 'per-broker', ''),
  define('sasl.kerberos.service.name', 'string', null, undefined, 'medium', 'per-broker', ''),
  define('sasl.kerberos.kinit.cmd', 'string', '/usr/bin/kinit', undefined, 'medium', 'per-broker', ''),
  define('sasl.kerberos.ticket.renew.window.factor', 'double', 0.8, undefined, 'medium', 'per-broker', ''),
  define('sasl.kerberos.ticket.renew.jitter', 'double', 0.05, undefined, 'medium', 'per-broker', ''),
  define('sasl.kerberos.min.time.before.relogin', 'long', 60000, undefined, 'medium', 'per-broker', ''),
  define('sasl.kerberos.principal.to.local.rules', 'list', ['DEFAULT'], undefined, 'medium', 'per-broker', ''),
  define('sasl.login.refresh.window.factor', 'double', 0.8, undefined, 'medium', 'per-broker', ''),
  define('sasl.login.refresh.window.jitter', 'double', 0.05, undefined, 'medium', 'per-broker', ''),
  define('sasl.login.refresh.min.period.seconds', 'int', 60, SHORT, 'medium', 'per-broker', ''),
  define('sasl.login.refresh.buffer.seconds', 'int', 300, SHORT, 'medium', 'per-broker', ''),
  define('remote.log.index.file.cache.total.size.bytes', 'long', 1024 * 1024 * 1024, atLeast(1), 'low', 'cluster-wide', ''),
  ...KAFKA_BROKER_QUOTA_CONFIGS.map((k) => define(k, 'long', LONG_MAX_QUOTA, atLeast(0), 'medium', 'cluster-wide', '')),
].map((k) => [k.name, k]));

/** Kafka's definition of a dynamic key that Rafka's config table does not define (for value checks only). */
export function kafkaOnlyDynamicKey(name: string): ConfigKey | undefined {
  return KAFKA_ONLY_DYNAMIC_KEYS.get(name);
}

/**
 * Kafka 3.7's KafkaConfig keys that are NOT dynamic (DynamicConfig.Broker.nonDynamicProps) and that Rafka's table
 * does not define (KRaft, SASL callback/OAuth, delegation tokens, remote storage...): an AlterConfigs of one gets
 * Kafka's "Cannot update these configs dynamically" instead of passing as a custom key. Extracted from KafkaConfig's
 * configDef at tag 3.7.1 (the define/defineInternal names, RemoteLogManagerConfig.CONFIG_DEF included) minus the
 * table's keys and AllDynamicConfigs. A key the table later defines must be read-only there (checked by a test).
 */
export const KAFKA_READ_ONLY_CONFIGS_NOT_IN_TABLE: ReadonlySet<string> = new Set([
  'auto.include.jmx.reporter', 'broker.heartbeat.interval.ms', 'broker.session.timeout.ms',
  'controller.listener.names', 'controller.quorum.append.linger.ms', 'controller.quorum.election.backoff.max.ms',
  'controller.quorum.election.timeout.ms', 'controller.quorum.fetch.timeout.ms', 'controller.quorum.voters',
  'delegation.token.expiry.check.interval.ms', 'delegation.token.expiry.time.ms', 'delegation.token.master.key',
  'delegation.token.max.lifetime.ms', 'early.start.listeners', 'eligible.leader.replicas.enable',
  'group.coordinator.new.enable', 'initial.broker.registration.timeout.ms', 'metadata.log.dir',
  'metadata.log.max.record.bytes.between.snapshots', 'metadata.log.max.snapshot.interval.ms',
  'metadata.log.segment.bytes', 'metadata.log.segment.min.bytes', 'metadata.log.segment.ms',
  'metadata.max.idle.interval.ms', 'metadata.max.retention.bytes', 'metadata.max.retention.ms',
  'quorum.request.timeout.ms', 'quorum.retry.backoff.ms', 'remote.log.manager.task.interval.ms',
  'remote.log.manager.task.retry.backoff.max.ms', 'remote.log.manager.task.retry.backoff.ms',
  'remote.log.manager.task.retry.jitter', 'remote.log.manager.thread.pool.size',
  'remote.log.metadata.custom.metadata.max.bytes', 'remote.log.metadata.manager.class.name',
  'remote.log.metadata.manager.class.path', 'remote.log.metadata.manager.impl.prefix',
  'remote.log.metadata.manager.listener.name', 'remote.log.reader.max.pending.tasks', 'remote.log.reader.threads',
  'remote.log.storage.manager.class.name', 'remote.log.storage.manager.class.path',
  'remote.log.storage.manager.impl.prefix', 'sasl.client.callback.handler.class',
  'sasl.login.callback.handler.class', 'sasl.login.class', 'sasl.login.connect.timeout.ms',
  'sasl.login.read.timeout.ms', 'sasl.login.retry.backoff.max.ms', 'sasl.login.retry.backoff.ms',
  'sasl.mechanism.controller.protocol', 'sasl.oauthbearer.clock.skew.seconds', 'sasl.oauthbearer.expected.audience',
  'sasl.oauthbearer.expected.issuer', 'sasl.oauthbearer.jwks.endpoint.refresh.ms',
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms', 'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms',
  'sasl.oauthbearer.jwks.endpoint.url', 'sasl.oauthbearer.scope.claim.name', 'sasl.oauthbearer.sub.claim.name',
  'sasl.oauthbearer.token.endpoint.url', 'sasl.server.callback.handler.class', 'sasl.server.max.receive.size',
  'security.providers', 'server.max.startup.time.ms', 'ssl.allow.dn.changes', 'ssl.allow.san.changes',
  'ssl.principal.mapping.rules', 'telemetry.max.bytes', 'unstable.metadata.versions.enable',
]);

/** Every key of AllDynamicConfigs + DynamicConfig.Broker with Kafka's update mode (dynamicConfigUpdateModes). */
export const KAFKA_DYNAMIC_BROKER_CONFIGS: ReadonlyMap<string, Exclude<DynamicMode, 'read-only'>> = new Map([
  ...CLUSTER_WIDE_CONFIGS.map((k) => [k, 'cluster-wide'] as const),
  ...KAFKA_BROKER_QUOTA_CONFIGS.map((k) => [k, 'cluster-wide'] as const),
  // PerBrokerConfigs = (DynamicSecurityConfigs ++ DynamicListenerConfig.ReconfigurableConfigs) -- ClusterLevelListenerConfigs
  ...[...KAFKA_LISTENER_PREFIX_ONLY_CONFIGS, ...LISTENER_CONFIGS].map((k) =>
    [k, KAFKA_CLUSTER_LEVEL_LISTENER_CONFIGS.has(k) ? 'cluster-wide' : 'per-broker'] as const),
]);

/** Kafka's update mode of a key, or undefined when Kafka 3.7 does not list it as dynamic. */
export function kafkaDynamicMode(name: string): Exclude<DynamicMode, 'read-only'> | undefined {
  return KAFKA_DYNAMIC_BROKER_CONFIGS.get(name);
}

/** Kafka 3.7's update mode of a KafkaConfig / DynamicConfig.Broker key, or undefined for a custom key. */
export function kafkaUpdateMode(name: string): DynamicMode | undefined {
  return kafkaDynamicMode(name) ?? (KAFKA_READ_ONLY_CONFIGS_NOT_IN_TABLE.has(name) ? 'read-only' : undefined);
}
