/** ZkAdminManager: CreateTopics / DeleteTopics through ZooKeeper, with the broker's defaults and checks. */
import type { ZkHandle } from '../zookeeper/zk-handle.js';
import type { KafkaConfig } from '../../config/kafka-config.js';
import type { AdminView, CreateTopicRequest, MetadataView } from './broker-context.js';
import { createTopicWithAssignment, markTopicForDeletion } from '../admin/admin-zk-client.js';
import { assignReplicasToBrokers } from '../admin/replica-assignment.js';
import { validateTopicName } from '../admin/topic-validation.js';
import { getAllBrokers, getEntityConfig } from '../zookeeper/kafka-zk-client.js';
import { logConfigWithOverrides, DEFAULT_LOG_CONFIG, type LogConfigError } from '../log/log-config.js';

/** Kafka's topic-level config names (TopicConfig); anything else is refused at creation. */
const TOPIC_CONFIG_NAMES = new Set([
  'cleanup.policy', 'compression.type', 'compression.gzip.level', 'compression.lz4.level', 'compression.zstd.level',
  'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms', 'follower.replication.throttled.replicas',
  'index.interval.bytes', 'leader.replication.throttled.replicas', 'local.retention.bytes', 'local.retention.ms',
  'max.compaction.lag.ms', 'max.message.bytes', 'message.downconversion.enable', 'message.format.version',
  'message.timestamp.after.max.ms', 'message.timestamp.before.max.ms', 'message.timestamp.difference.max.ms',
  'message.timestamp.type', 'min.cleanable.dirty.ratio', 'min.compaction.lag.ms', 'min.insync.replicas', 'preallocate',
  'remote.storage.enable', 'retention.bytes', 'retention.ms', 'segment.bytes', 'segment.index.bytes', 'segment.jitter.ms',
  'segment.ms', 'unclean.leader.election.enable',
]);

function validateTopicConfigs(configs: Record<string, string>): void {
  for (const k of Object.keys(configs)) if (!TOPIC_CONFIG_NAMES.has(k)) throw new Error(`Unknown topic config name: ${k}`);
  const errors: LogConfigError[] = [];
  logConfigWithOverrides(DEFAULT_LOG_CONFIG, configs, errors);
  if (errors.length > 0) throw new Error(`Invalid value ${errors[0].value} for configuration ${errors[0].key}: ${errors[0].message}`);
}

export class InvalidConfigurationError extends Error { override name = 'InvalidConfigurationError'; }
export class InvalidReplicaAssignmentError extends Error { override name = 'InvalidReplicaAssignmentError'; }

export class AdminManager implements AdminView {
  constructor(
    private readonly handle: ZkHandle,
    private readonly config: () => KafkaConfig,
    private readonly metadata: MetadataView,
    /** Told the overrides of each topic created here (the LogManager, so the topic's logs use them). */
    private readonly onTopicCreated: (topic: string, overrides: Record<string, string>) => void = () => {},
  ) {}

  async createTopic(req: CreateTopicRequest, validateOnly: boolean): Promise<void> {
    validateTopicName(req.name);
    const zk = this.handle.current;
    const brokers = (await getAllBrokers(zk)).map((b) => b.id);
    const assignment = req.assignments && req.assignments.size > 0 ? this.checkAssignment(req.assignments) : assignReplicasToBrokers(
      req.numPartitions === -1 ? this.config().getInt('num.partitions') : req.numPartitions,
      req.replicationFactor === -1 ? this.config().getInt('default.replication.factor') : req.replicationFactor,
      brokers);
    try { validateTopicConfigs(req.configs); } catch (e) { throw new InvalidConfigurationError((e as Error).message); }
    if (validateOnly) return;
    await createTopicWithAssignment(zk, { topic: req.name, assignment, configs: req.configs });
    this.onTopicCreated(req.name, req.configs);
  }

  private checkAssignment(a: Map<number, number[]>): Map<number, number[]> {
    const ps = [...a.keys()].sort((x, y) => x - y);
    // Kafka's messages (ZkAdminManager / AdminZkClient.validateReplicaAssignment); unknown brokers are allowed.
    if (ps.some((p, i) => p !== i)) throw new InvalidReplicaAssignmentError('Partitions should be a consecutive 0-based integer sequence');
    for (const [p, replicas] of a) {
      if (replicas.length === 0) throw new InvalidReplicaAssignmentError(`Replica list for partition ${p} is empty`);
      if (new Set(replicas).size !== replicas.length) throw new InvalidReplicaAssignmentError(`Duplicate brokers not allowed in replica assignment: ${replicas.join(', ')} for partition id ${p}.`);
    }
    return a;
  }

  /** /config/topics/<name> overrides (DescribeConfigs TOPIC, topic-level min.insync.replicas). */
  async topicConfigs(name: string): Promise<Record<string, string>> {
    return getEntityConfig(this.handle.current, 'topics', name);
  }

  async deleteTopic(name: string): Promise<void> {
    await markTopicForDeletion(this.handle.current, name);
  }
}
