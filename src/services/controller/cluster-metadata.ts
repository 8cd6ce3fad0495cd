/** What the controller tells brokers about the cluster (Kafka's UpdateMetadata / LeaderAndIsr content). */
import type { BrokerInfo } from '../zookeeper/zk-data.js';

export interface PartitionMetadata {
  partition: number;
  leader: number;
  leaderEpoch: number;
  /** The controller epoch that made the leadership decision (partition state znode's controller_epoch). */
  controllerEpoch: number;
  isr: number[];
  replicas: number[];
  offlineReplicas: number[];
  /** zkVersion of the partition state znode (Kafka's partition epoch). */
  partitionEpoch: number;
  /** LeaderRecoveryState (0 RECOVERED, 1 RECOVERING after an unclean election); absent = 0. */
  leaderRecoveryState?: number;
}

export interface TopicMetadata { name: string; topicId: string | null; partitions: PartitionMetadata[] }

export interface ClusterMetadata {
  controllerId: number;
  controllerEpoch: number;
  brokers: BrokerInfo[];
  topics: TopicMetadata[];
}
