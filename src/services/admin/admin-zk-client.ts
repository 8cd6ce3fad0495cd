/**
 * AdminZkClient: the ZooKeeper writes behind CreateTopics / DeleteTopics / kafka-topics.sh, in
 * Kafka's order (topic config first, then the assignment the controller watches).
 */
import { randomBytes } from 'node:crypto';
import type { ZkSession } from '../zookeeper/zk-session.js';
import { isZkError, ZkCode } from '../zookeeper/zk-session.js';
import { retryUntilConnected, getAllTopics } from '../zookeeper/kafka-zk-client.js';
import { ConfigEntityZNode, ConfigEntityChangeNotification, CONFIG_CHANGE_PREFIX, ZkPaths } from '../zookeeper/zk-data.js';
import { CreateMode } from '../zookeeper/zk-session.js';
import { TopicPaths, TopicZNode, type TopicAssignment } from '../zookeeper/zk-data-topics.js';
import { validateTopicName, findCollision, InvalidTopicError } from './topic-validation.js';

export class TopicExistsError extends Error { override name = 'TopicExistsError'; }

/** A Kafka Uuid (random, not the reserved zero/one-sentinel ids) as 22-char base64url. */
export function randomTopicId(): string {
  for (;;) {
    const b = randomBytes(16);
    const id = b.toString('base64url');
    if (!b.every((x) => x === 0) && !id.startsWith('-')) return id;
  }
}

export interface CreateTopicArgs { topic: string; assignment: Map<number, number[]>; configs?: Record<string, string>; topicId?: string }

/** Validates the name (and collisions), then writes /config/topics/<t> and creates /brokers/topics/<t>. */
export async function createTopicWithAssignment(zk: ZkSession, a: CreateTopicArgs): Promise<string> {
  validateTopicName(a.topic);
  const existing = await getAllTopics(zk);
  if (existing.includes(a.topic)) throw new TopicExistsError(`Topic '${a.topic}' already exists.`);
  const collision = findCollision(a.topic, existing);
  if (collision) throw new InvalidTopicError(`Topic '${a.topic}' collides with existing topic: ${collision}`);
  const topicId = a.topicId ?? randomTopicId();
  await setOrCreateEntityConfigs(zk, 'topics', a.topic, a.configs ?? {});
  try {
    await retryUntilConnected(zk, () => zk.create(TopicPaths.topic(a.topic), TopicZNode.encode({ partitions: a.assignment, topicId })));
  } catch (e) {
    if (isZkError(e, ZkCode.NODE_EXISTS)) throw new TopicExistsError(`Topic '${a.topic}' already exists.`);
    throw e;
  }
  return topicId;
}

/** /config/<type>/<name> := {"version":1,"config":{…}} (the whole entity is replaced, as Kafka does). */
async function setOrCreateEntityConfigs(zk: ZkSession, type: string, name: string, configs: Record<string, string>): Promise<void> {
  const path = ZkPaths.entityConfig(type, name);
  const data = ConfigEntityZNode.encode(configs);
  await retryUntilConnected(zk, async () => {
    try { await zk.setData(path, data); } catch (e) {
      if (!isZkError(e, ZkCode.NO_NODE)) throw e;
      await zk.mkdirp(`/config/${type}`);
      await zk.create(path, data);
    }
  });
}

/**
 * AdminZkClient.changeEntityConfig: write the entity's configs, then the sequential
 * /config/changes/config_change_<seq> {"version":2,"entity_path":"<type>/<name>"} every broker's config manager reads.
 */
export async function changeEntityConfig(zk: ZkSession, type: 'topics' | 'brokers', name: string, configs: Record<string, string>): Promise<void> {
  await setOrCreateEntityConfigs(zk, type, name, configs);
  const notification = ConfigEntityChangeNotification.encode(`${type}/${name}`);
  await retryUntilConnected(zk, () => zk.create(`${ZkPaths.configChanges}/${CONFIG_CHANGE_PREFIX}`, notification, CreateMode.PERSISTENT_SEQUENTIAL));
}

export class UnknownTopicOrPartitionError extends Error { override name = 'UnknownTopicOrPartitionError'; }

/**
 * AdminZkClient.addPartitions' write: the topic's assignment znode with the new partitions added, keeping its
 * topic id (and any reassignment in progress); conditional on the version read, so a concurrent change fails.
 */
export async function writeTopicAssignment(zk: ZkSession, topic: string, assignment: TopicAssignment, zkVersion: number): Promise<void> {
  await retryUntilConnected(zk, () => zk.setData(TopicPaths.topic(topic), TopicZNode.encode(assignment), zkVersion));
}

/** DeleteTopics: mark for deletion; the controller does the rest. */
export async function markTopicForDeletion(zk: ZkSession, topic: string): Promise<void> {
  try { await retryUntilConnected(zk, () => zk.create(TopicPaths.deleteTopic(topic), null)); } catch (e) {
    if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e;
  }
}
