import { ConfigException } from './config-exception.js';
import type { KafkaConfig } from './kafka-config.js';

/** Kafka's `require(cond, msg)` checks, raised as ConfigException so the CLI reports every config error alike. */
function require(condition: boolean, message: string): void {
  if (!condition) throw new ConfigException(message);
}

function validateMode(c: KafkaConfig): void {
  require(c.getList('process.roles').length === 0,
    `Rafka runs in ZooKeeper mode only: process.roles must be empty, found [${c.getList('process.roles').join(', ')}]`);
  if (Object.hasOwn(c.originals, 'node.id') && c.getInt('node.id') !== c.brokerId) {
    throw new ConfigException('You must set `node.id` to the same value as `broker.id`.');
  }
  require(!c.getBoolean('zookeeper.metadata.migration.enable'),
    'zookeeper.metadata.migration.enable=true is not supported: Rafka has no KRaft controller quorum to migrate to');
  require(!c.getBoolean('remote.log.storage.system.enable'),
    'remote.log.storage.system.enable=true is not supported: Rafka has no tiered storage');
}

function validateBrokerId(c: KafkaConfig): void {
  if (c.brokerIdGenerationEnable) {
    require(c.brokerId >= -1 && c.brokerId <= c.reservedBrokerMaxId,
      'broker.id must be greater than or equal to -1 and not greater than reserved.broker.max.id');
  } else {
    require(c.brokerId >= 0, 'broker.id must be greater than or equal to 0');
  }
}

function validateLog(c: KafkaConfig): void {
  require(c.logRollTimeMillis >= 1, 'log.roll.ms must be greater than or equal to 1');
  require(c.logRollTimeJitterMillis >= 0, 'log.roll.jitter.ms must be greater than or equal to 0');
  require(c.logRetentionTimeMillis >= 1 || c.logRetentionTimeMillis === -1,
    'log.retention.ms must be unlimited (-1) or, greater than or equal to 1');
  require(c.logDirs.length > 0, 'At least one log directory must be defined via log.dirs or log.dir.');
  require(c.getLong('log.cleaner.dedupe.buffer.size') / c.getInt('log.cleaner.threads') > 1024 * 1024,
    'log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.');
}

function validateReplication(c: KafkaConfig): void {
  const fetchWait = c.getInt('replica.fetch.wait.max.ms');
  require(fetchWait <= c.getInt('replica.socket.timeout.ms'),
    'replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts');
  require(fetchWait <= c.getLong('replica.lag.time.max.ms'),
    'replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR');
  const acks = c.getInt('offsets.commit.required.acks');
  require(acks >= -1 && acks <= c.getInt('offsets.topic.replication.factor'),
    'offsets.commit.required.acks must be greater or equal -1 and less or equal to offsets.topic.replication.factor');
}

function validateListeners(c: KafkaConfig): void {
  const listenerNames = new Set(c.listeners.map((l) => l.listenerName));
  const advertisedNames = [...new Set(c.effectiveAdvertisedListeners.map((l) => l.listenerName))];
  require(advertisedNames.length > 0, 'There must be at least one advertised listener.');
  require(advertisedNames.includes(c.interBrokerListenerName),
    'inter.broker.listener.name must be a listener name defined in advertised.listeners. ' +
    `The valid options based on currently configured listeners are ${advertisedNames.join(',')}`);
  require(advertisedNames.every((n) => listenerNames.has(n)),
    'advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. ' +
    `Found ${advertisedNames.join(',')}. The valid options based on the current configuration are ${[...listenerNames].join(',')}`);
  require(!c.effectiveAdvertisedListeners.some((e) => e.host === '0.0.0.0'),
    'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.');
  const controlPlane = c.getString('control.plane.listener.name')?.toUpperCase();
  if (controlPlane !== undefined) {
    require(advertisedNames.includes(controlPlane),
      'control.plane.listener.name must be a listener name defined in advertised.listeners. ' +
      `The valid options based on currently configured listeners are ${advertisedNames.join(',')}`);
    require(controlPlane !== c.interBrokerListenerName,
      'control.plane.listener.name, when defined, should have a different value from the inter broker listener name. ' +
      `Currently they both have the value ${controlPlane}`);
  }
}

function validateSocketServer(c: KafkaConfig): void {
  const queuedMaxBytes = c.getLong('queued.max.request.bytes');
  require(queuedMaxBytes <= 0 || queuedMaxBytes >= c.getInt('socket.request.max.bytes'),
    'queued.max.request.bytes must be larger or equal to socket.request.max.bytes');
  // KafkaConfig.getMap: "host:count" entries, a non-integer count is a ConfigException at startup
  for (const entry of (c.getString('max.connections.per.ip.overrides') ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    require(/^.+:\s*\d+$/.test(entry), `Invalid value ${c.getString('max.connections.per.ip.overrides')} for configuration max.connections.per.ip.overrides: ` +
      `entry '${entry}' is not host:count`);
  }
  if (c.getInt('max.connections.per.ip') === 0) {
    require(c.getString('max.connections.per.ip.overrides') !== '',
      'max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.');
  }
  const idle = c.getLong('connections.max.idle.ms');
  const delay = c.getInt('connection.failed.authentication.delay.ms');
  if (idle >= 0) {
    require(delay < idle, `connection.failed.authentication.delay.ms=${delay} should always be less than ` +
      `connections.max.idle.ms=${idle} to prevent failed authentication responses from timing out`);
  }
}

function validateSecurity(c: KafkaConfig): void {
  const usesSasl = c.interBrokerSecurityProtocol.startsWith('SASL_');
  require(!usesSasl || c.getList('sasl.enabled.mechanisms').includes(c.getString('sasl.mechanism.inter.broker.protocol')!),
    'sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication');
}

/** KafkaConfig.validateValues, ZooKeeper-mode subset: cross-key rules a single key's validator cannot see. */
export function validateValues(c: KafkaConfig): void {
  validateMode(c);
  validateBrokerId(c);
  validateLog(c);
  validateReplication(c);
  validateListeners(c);
  validateSocketServer(c);
  validateSecurity(c);
}
