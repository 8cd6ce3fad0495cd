/**
 * The controller's writes of `/brokers/topics/<t>/partitions/<p>/state` (Kafka's KafkaZkClient.updateLeaderAndIsr):
 * each one a multi of CHECK /controller_epoch (the controller's epoch zkVersion: a controller that lost its seat
 * cannot write) and SET the state with the expected znode version (the partition epoch). A BAD_VERSION answer is told
 * apart by re-reading /controller_epoch: moved → {@link ControllerMovedError}; else the partition changed meanwhile →
 * 'badVersion' (Kafka's updatesToRetry / INVALID_UPDATE_VERSION).
 */
import type { ZkSession } from '../zookeeper/zk-session.js';
import { isZkError, ZkCode } from '../zookeeper/zk-session.js';
import { retryUntilConnected } from '../zookeeper/kafka-zk-client.js';
import { ZkPaths } from '../zookeeper/zk-data.js';
import { TopicPaths, TopicPartitionStateZNode } from '../zookeeper/zk-data-topics.js';

export interface ControllerEpochInfo { brokerId: number; epoch: number; epochZkVersion: number }

export class ControllerMovedError extends Error { override name = 'ControllerMovedError'; }

export interface LeaderAndIsrZk { leader: number; leaderEpoch: number; isr: number[]; leaderRecoveryState?: number }

/** Returns the new znode version (the new partition epoch), or 'badVersion' / 'noNode'. */
export async function writeLeaderAndIsr(
  zk: ZkSession, ctl: ControllerEpochInfo, topic: string, partition: number, state: LeaderAndIsrZk, expectedVersion: number,
): Promise<number | 'badVersion' | 'noNode'> {
  const path = TopicPaths.partitionState(topic, partition);
  const data = TopicPartitionStateZNode.encode({ ...state, controllerEpoch: ctl.epoch });
  try {
    await retryUntilConnected(zk, () => zk.multi((t) => t.check(ZkPaths.controllerEpoch, ctl.epochZkVersion).setData(path, data, expectedVersion), path));
    return expectedVersion + 1;
  } catch (e) {
    if (isZkError(e, ZkCode.NO_NODE)) return 'noNode';
    if (!isZkError(e, ZkCode.BAD_VERSION)) throw e;
    const epochNode = await retryUntilConnected(zk, () => zk.getDataOrNull(ZkPaths.controllerEpoch));
    if (!epochNode || epochNode.stat.version !== ctl.epochZkVersion) {
      throw new ControllerMovedError(`Controller epoch zkVersion changed: broker ${ctl.brokerId} is no longer the controller`);
    }
    return 'badVersion';
  }
}
