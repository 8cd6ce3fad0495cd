/** Kafka's topic-name rules (org.apache.kafka.common.internals.Topic) and topic-config checks, with its messages. */
import { ConfigException } from '../../config/config-exception.js';
import { logConfigWithOverrides, DEFAULT_LOG_CONFIG, type LogConfigError } from '../log/log-config.js';
import { FOLLOWER_THROTTLED_REPLICAS, LEADER_THROTTLED_REPLICAS, validateThrottledReplicas } from '../replication/replication-quota-manager.js';

export const MAX_TOPIC_NAME_LENGTH = 249;

export class InvalidTopicError extends Error { override name = 'InvalidTopicError'; }

export function validateTopicName(topic: string): void {
  if (topic.length === 0) throw new InvalidTopicError('Topic name is illegal, it can\'t be empty');
  if (topic === '.' || topic === '..') throw new InvalidTopicError('Topic name cannot be "." or ".."');
  if (topic.length > MAX_TOPIC_NAME_LENGTH) {
    throw new InvalidTopicError(`Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${topic}`);
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(topic)) {
    throw new InvalidTopicError(`Topic name "${topic}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`);
  }
}

/** '.' and '_' collide in metric names, so Kafka refuses topics that differ only there. */
export function unifyCollisionChars(topic: string): string {
  return topic.replace(/\./g, '_');
}

export function findCollision(topic: string, existing: Iterable<string>): string | null {
  const unified = unifyCollisionChars(topic);
  for (const t of existing) if (t !== topic && unifyCollisionChars(t) === unified) return t;
  return null;
}

export const isInternalTopic = (topic: string) => topic === '__consumer_offsets' || topic === '__transaction_state';

/** Kafka's topic-level config names (TopicConfig); anything else is refused at creation. */
export const TOPIC_CONFIG_NAMES = new Set([
  'cleanup.policy', 'compression.type', 'compression.gzip.level', 'compression.lz4.level', 'compression.zstd.level',
  'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms', 'follower.replication.throttled.replicas',
  'index.interval.bytes', 'leader.replication.throttled.replicas', 'local.retention.bytes', 'local.retention.ms',
  'max.compaction.lag.ms', 'max.message.bytes', 'message.downconversion.enable', 'message.format.version',
  'message.timestamp.after.max.ms', 'message.timestamp.before.max.ms', 'message.timestamp.difference.max.ms',
  'message.timestamp.type', 'min.cleanable.dirty.ratio', 'min.compaction.lag.ms', 'min.insync.replicas', 'preallocate',
  'remote.storage.enable', 'retention.bytes', 'retention.ms', 'segment.bytes', 'segment.index.bytes', 'segment.jitter.ms',
  'segment.ms', 'unclean.leader.election.enable',
]);

export class InvalidConfigurationError extends Error { override name = 'InvalidConfigurationError'; }

/**
 * LogConfig.validate: unknown names → InvalidConfigurationError ("Unknown topic config name: x", INVALID_CONFIG);
 * a bad value → ConfigException ("Invalid value v for configuration k: why").
 */
export function validateTopicConfigs(configs: Record<string, string>): void {
  for (const k of Object.keys(configs)) if (!TOPIC_CONFIG_NAMES.has(k)) throw new InvalidConfigurationError(`Unknown topic config name: ${k}`);
  // LogConfig's ThrottledReplicaListValidator on the two throttled-replica lists
  for (const k of [LEADER_THROTTLED_REPLICAS, FOLLOWER_THROTTLED_REPLICAS]) {
    const v = configs[k];
    if (v !== undefined) {
      try { validateThrottledReplicas(k, v); } catch (e) { throw new ConfigException(`Invalid value ${v} for configuration ${k}: ${(e as Error).message}`); }
    }
  }
  const errors: LogConfigError[] = [];
  logConfigWithOverrides(DEFAULT_LOG_CONFIG, configs, errors);
  if (errors.length > 0) throw new ConfigException(`Invalid value ${errors[0].value} for configuration ${errors[0].key}: ${errors[0].message}`);
}

