/**
 * The active controller's duties, done level-triggered: read live brokers, topic assignments and
 * partition states; create state for new partitions; elect a leader from the ISR where the
 * leader is gone; finish requested deletions. Every state write is fenced by the controller epoch
 * (multi with a CHECK on /controller_epoch), as Kafka's controller does.
 */
import type { ZkSession, ZkEvent } from '../zookeeper/zk-session.js';
import { isZkError, ZkCode } from '../zookeeper/zk-session.js';
import { retryUntilConnected, getAllBrokers, getAllTopics } from '../zookeeper/kafka-zk-client.js';
import { ZkPaths, type BrokerInfo } from '../zookeeper/zk-data.js';
import { TopicPaths, TopicZNode, TopicPartitionStateZNode, NO_LEADER, type TopicAssignment } from '../zookeeper/zk-data-topics.js';
import type { ClusterMetadata, PartitionMetadata, TopicMetadata } from './cluster-metadata.js';

export interface ControllerEpochInfo { brokerId: number; epoch: number; epochZkVersion: number }

export class ControllerMovedError extends Error { override name = 'ControllerMovedError'; }

export interface ReconcileResult { metadata: ClusterMetadata; deletedTopics: string[] }

/**
 * Arms the watches the controller needs: children of /brokers/ids, /brokers/topics, /admin/delete_topics, and a
 * data watch on every /brokers/topics/<t> (Kafka's PartitionModificationsHandler: CreatePartitions or
 * kafka-topics.sh --alter rewrite the assignment). Pass one stable `onChange` per controller: the client keeps a
 * watcher function once per path, so re-arming after every reconcile does not pile up watchers.
 */
export async function watchControllerPaths(zk: ZkSession, onChange: (e?: ZkEvent) => void): Promise<void> {
  for (const p of [ZkPaths.brokerIds, ZkPaths.deleteTopics]) await retryUntilConnected(zk, () => zk.getChildren(p, onChange));
  const topics = await retryUntilConnected(zk, () => zk.getChildren(ZkPaths.brokerTopics, onChange));
  for (const t of topics) await retryUntilConnected(zk, () => zk.exists(TopicPaths.topic(t), onChange));
}

export async function reconcile(zk: ZkSession, ctl: ControllerEpochInfo, opts: { deleteTopicEnable: boolean }): Promise<ReconcileResult> {
  const brokers = await getAllBrokers(zk);
  const live = new Set(brokers.map((b) => b.id));
  const deletedTopics = await processTopicDeletions(zk, opts.deleteTopicEnable);
  const topics: TopicMetadata[] = [];
  for (const name of (await getAllTopics(zk)).sort()) {
    const node = await zk.getDataOrNull(TopicPaths.topic(name));
    if (!node) continue;
    let assignment: TopicAssignment;
    try { assignment = TopicZNode.decode(name, node.data); } catch { continue; } // undecodable: Kafka skips it too
    const partitions: PartitionMetadata[] = [];
    for (const [p, replicas] of [...assignment.partitions].sort((a, b) => a[0] - b[0])) {
      partitions.push(await reconcilePartition(zk, ctl, name, p, replicas, live));
    }
    topics.push({ name, topicId: assignment.topicId, partitions });
  }
  return { metadata: { controllerId: ctl.brokerId, controllerEpoch: ctl.epoch, brokers: sortBrokers(brokers), topics }, deletedTopics };
}

const sortBrokers = (b: BrokerInfo[]) => [...b].sort((x, y) => x.id - y.id);

async function reconcilePartition(zk: ZkSession, ctl: ControllerEpochInfo, topic: string, partition: number, replicas: number[], live: Set<number>): Promise<PartitionMetadata> {
  const statePath = TopicPaths.partitionState(topic, partition);
  const offline = replicas.filter((r) => !live.has(r));
  const existing = await zk.getDataOrNull(statePath);
  if (!existing) {
    const liveReplicas = replicas.filter((r) => live.has(r));
    const leader = liveReplicas[0] ?? NO_LEADER;
    const state = { leader, leaderEpoch: 0, isr: liveReplicas, controllerEpoch: ctl.epoch };
    await zk.mkdirp(TopicPaths.partition(topic, partition));
    try {
      await fenced(zk, ctl, (t) => t.create(statePath, TopicPartitionStateZNode.encode(state)));
    } catch (e) {
      if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e;
      return reconcilePartition(zk, ctl, topic, partition, replicas, live);
    }
    return { partition, ...state, replicas, offlineReplicas: offline, partitionEpoch: 0 };
  }
  const state = TopicPartitionStateZNode.decode(statePath, existing.data);
  let version = existing.stat.version;
  if (state.leader === NO_LEADER || !live.has(state.leader)) {
    // Clean election: the first live replica (in assignment order) that is in the ISR.
    const next = replicas.find((r) => live.has(r) && state.isr.includes(r));
    if (next !== undefined || state.leader !== NO_LEADER) {
      const elected = { leader: next ?? NO_LEADER, leaderEpoch: state.leaderEpoch + 1, isr: next !== undefined ? state.isr.filter((r) => live.has(r)) : state.isr, controllerEpoch: ctl.epoch };
      await fenced(zk, ctl, (t) => t.setData(statePath, TopicPartitionStateZNode.encode(elected), version));
      version++;
      return { partition, ...elected, replicas, offlineReplicas: offline, partitionEpoch: version };
    }
  }
  return { partition, leader: state.leader, leaderEpoch: state.leaderEpoch, isr: state.isr, controllerEpoch: state.controllerEpoch, replicas, offlineReplicas: offline, partitionEpoch: version } as PartitionMetadata;
}

type Txn = ReturnType<ZkSession['client']['transaction']>;

async function fenced(zk: ZkSession, ctl: ControllerEpochInfo, op: (t: Txn) => Txn): Promise<void> {
  try {
    await zk.multi((t) => op(t.check(ZkPaths.controllerEpoch, ctl.epochZkVersion)), ZkPaths.controllerEpoch);
  } catch (e) {
    if (isZkError(e, ZkCode.BAD_VERSION)) throw new ControllerMovedError(`Controller epoch zkVersion changed: broker ${ctl.brokerId} is no longer the controller`);
    throw e;
  }
}

/** Topics marked in /admin/delete_topics: remove their znodes (or just the mark, if deletion is disabled). */
async function processTopicDeletions(zk: ZkSession, enabled: boolean): Promise<string[]> {
  const marked = await retryUntilConnected(zk, () => zk.getChildren(ZkPaths.deleteTopics));
  const deleted: string[] = [];
  for (const topic of marked) {
    if (enabled && (await zk.exists(TopicPaths.topic(topic)))) {
      await removeRecursive(zk, TopicPaths.topic(topic));
      await removeRecursive(zk, `/config/topics/${topic}`);
      deleted.push(topic);
    }
    await zk.remove(TopicPaths.deleteTopic(topic)).catch(() => undefined);
  }
  return deleted;
}

async function removeRecursive(zk: ZkSession, path: string): Promise<void> {
  let children: string[];
  try { children = await zk.getChildren(path); } catch (e) { if (isZkError(e, ZkCode.NO_NODE)) return; throw e; }
  for (const c of children) await removeRecursive(zk, `${path}/${c}`);
  try { await zk.remove(path); } catch (e) { if (!isZkError(e, ZkCode.NO_NODE)) throw e; }
}
