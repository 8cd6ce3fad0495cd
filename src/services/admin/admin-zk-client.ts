/**
 * AdminZkClient: the ZooKeeper writes behind CreateTopics / DeleteTopics / kafka-topics.sh, in
 * Kafka's order (topic config first, then the assignment the controller watches).
 */
import { randomBytes } from 'node:crypto';
import type { ZkSession } from '../zookeeper/zk-session.js';
import { isZkError, ZkCode } from '../zookeeper/zk-session.js';
import { retryUntilConnected, getAllTopics } from '../zookeeper/kafka-zk-client.js';
import { ConfigEntityZNode } from '../zookeeper/zk-data.js';
import { TopicPaths, TopicZNode } from '../zookeeper/zk-data-topics.js';
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
  await writeTopicConfig(zk, a.topic, a.configs ?? {});
  try {
    await retryUntilConnected(zk, () => zk.create(TopicPaths.topic(a.topic), TopicZNode.encode({ partitions: a.assignment, topicId })));
  } catch (e) {
    if (isZkError(e, ZkCode.NODE_EXISTS)) throw new TopicExistsError(`Topic '${a.topic}' already exists.`);
    throw e;
  }
  return topicId;
}

async function writeTopicConfig(zk: ZkSession, topic: string, configs: Record<string, string>): Promise<void> {
  const path = `/config/topics/${topic}`;
  const data = ConfigEntityZNode.encode(configs);
  await retryUntilConnected(zk, async () => {
    try { await zk.setData(path, data); } catch (e) {
      if (!isZkError(e, ZkCode.NO_NODE)) throw e;
      await zk.mkdirp('/config/topics');
      await zk.create(path, data);
    }
  });
}

/** DeleteTopics: mark for deletion; the controller does the rest. */
export async function markTopicForDeletion(zk: ZkSession, topic: string): Promise<void> {
  try { await retryUntilConnected(zk, () => zk.create(TopicPaths.deleteTopic(topic), null)); } catch (e) {
    if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e;
  }
}
