/** ZkAdminManager: CreateTopics / DeleteTopics through ZooKeeper, with the broker's defaults and checks. */
import type { ZkHandle } from '../zookeeper/zk-handle.js';
import type { KafkaConfig } from '../../config/kafka-config.js';
import type { AdminView, ConfigEntityType, CreateTopicRequest, MetadataView } from './broker-context.js';
import { changeEntityConfig, createTopicWithAssignment, markTopicForDeletion, UnknownTopicOrPartitionError, writeTopicAssignment } from '../admin/admin-zk-client.js';
import { newPartitionsAssignment, ReassignmentInProgressError } from '../admin/add-partitions.js';
import { TopicPaths, TopicZNode } from '../zookeeper/zk-data-topics.js';
import { assignReplicas, InvalidReplicaAssignmentError } from '../admin/replica-assignment.js';
import { validateTopicName, validateTopicConfigs } from '../admin/topic-validation.js';
import { getAllBrokers, getEntityConfig } from '../zookeeper/kafka-zk-client.js';

export { InvalidConfigurationError } from '../admin/topic-validation.js';
import { InvalidConfigurationError } from '../admin/topic-validation.js';

export class AdminManager implements AdminView {
  /**
   * `onTopicConfigs`: the topic's `/config/topics` overrides are written; the LogManager applies them to the topic's
   * logs (Kafka reads them from ZooKeeper when it creates a log; logs created meanwhile get them at once).
   */
  constructor(
    private readonly handle: ZkHandle, private readonly config: () => KafkaConfig, private readonly metadata: MetadataView,
    private readonly onTopicConfigs?: (topic: string, configs: Record<string, string>) => void,
  ) {}

  async createTopic(req: CreateTopicRequest, validateOnly: boolean): Promise<void> {
    validateTopicName(req.name);
    const zk = this.handle.current;
    // Rack-aware when every broker registered a broker.rack (AdminUtils.assignReplicasToBrokers).
    const brokers = (await getAllBrokers(zk)).map((b) => ({ id: b.id, rack: b.rack }));
    const assignment = req.assignments && req.assignments.size > 0 ? this.checkAssignment(req.assignments) : assignReplicas(
      brokers,
      req.numPartitions === -1 ? this.config().getInt('num.partitions') : req.numPartitions,
      req.replicationFactor === -1 ? this.config().getInt('default.replication.factor') : req.replicationFactor);
    try { validateTopicConfigs(req.configs); } catch (e) { throw new InvalidConfigurationError((e as Error).message); }
    if (validateOnly) return;
    await createTopicWithAssignment(zk, { topic: req.name, assignment, configs: req.configs });
    this.onTopicConfigs?.(req.name, req.configs);
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

  async deleteTopic(name: string): Promise<void> {
    await markTopicForDeletion(this.handle.current, name);
  }

  async entityConfigs(type: ConfigEntityType, name: string): Promise<Record<string, string>> {
    return getEntityConfig(this.handle.current, type, name);
  }

  async changeEntityConfigs(type: ConfigEntityType, name: string, configs: Record<string, string>): Promise<void> {
    await changeEntityConfig(this.handle.current, type, name, configs);
  }

  /** ZkAdminManager.createPartitions: validate, then rewrite /brokers/topics/<t>; the controller does the rest. */
  async createPartitions(topic: string, count: number, assignments: number[][] | null, validateOnly: boolean): Promise<void> {
    const zk = this.handle.current;
    const node = await zk.getDataOrNull(TopicPaths.topic(topic));
    if (!node) throw new UnknownTopicOrPartitionError(`The topic '${topic}' does not exist.`);
    const current = TopicZNode.decode(topic, node.data);
    if (current.addingReplicas.size > 0 || current.removingReplicas.size > 0) {
      throw new ReassignmentInProgressError(`A partition reassignment is in progress for the topic '${topic}'.`);
    }
    const brokers = (await getAllBrokers(zk)).map((b) => ({ id: b.id, rack: b.rack }));
    const added = newPartitionsAssignment(current.partitions, brokers, count, assignments);
    if (validateOnly) return;
    const partitions = new Map([...current.partitions, ...added]);
    await writeTopicAssignment(zk, topic, { ...current, partitions }, node.stat.version);
  }
}
