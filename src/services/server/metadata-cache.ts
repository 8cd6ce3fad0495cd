/**
 * MetadataCache (Kafka's ZkMetadataCache): the cluster as the controller's UpdateMetadata requests described it.
 * Each request replaces the live brokers and the controller id, and merges its partition states (a partition with
 * leader -2, LeaderDuringDelete, is removed). Handlers read it; CreateTopics/DeleteTopics wait on it for their
 * topics to appear or vanish.
 */
import type { BrokerInfo } from '../zookeeper/zk-data.js';
import type { PartitionMetadata, TopicMetadata } from '../controller/cluster-metadata.js';
import { LEADER_DURING_DELETE, type UpdateMetadataControl } from '../controller/control-requests.js';
import type { MetadataView } from './broker-context.js';

interface Waiter { pred: (m: MetadataView) => boolean; resolve: (ok: boolean) => void; timer: NodeJS.Timeout }

export class MetadataCache implements MetadataView {
  private controller = -1;
  private liveBrokers: BrokerInfo[] = [];
  private byName = new Map<string, TopicMetadata>();
  private sorted: TopicMetadata[] = [];
  private waiters = new Set<Waiter>();

  constructor(readonly brokerId: number, private readonly cluster: string) {}

  clusterId(): string { return this.cluster; }
  controllerId(): number { return this.controller; }
  brokers(): BrokerInfo[] { return this.liveBrokers; }
  topics(): TopicMetadata[] { return this.sorted; }
  topic(name: string): TopicMetadata | undefined { return this.byName.get(name); }

  /** ZkMetadataCache.updateMetadata: returns the partitions it removed (deleted topics). */
  updateMetadata(c: UpdateMetadataControl): Array<{ topic: string; partition: number }> {
    this.controller = c.controllerId;
    this.liveBrokers = [...c.liveBrokers].sort((a, b) => a.id - b.id);
    const deleted: Array<{ topic: string; partition: number }> = [];
    for (const t of c.topics) {
      const parts = new Map((this.byName.get(t.topicName)?.partitions ?? []).map((p) => [p.partition, p]));
      for (const p of t.partitions) {
        if (p.leader === LEADER_DURING_DELETE) {
          if (parts.delete(p.partitionIndex)) deleted.push({ topic: t.topicName, partition: p.partitionIndex });
          continue;
        }
        const state: PartitionMetadata = {
          partition: p.partitionIndex, leader: p.leader, leaderEpoch: p.leaderEpoch, controllerEpoch: p.controllerEpoch,
          isr: p.isr, replicas: p.replicas, offlineReplicas: p.offlineReplicas, partitionEpoch: p.zkVersion,
        };
        parts.set(p.partitionIndex, state);
      }
      if (parts.size === 0) { this.byName.delete(t.topicName); continue; }
      const topicId = t.topicId ?? this.byName.get(t.topicName)?.topicId ?? null;
      this.byName.set(t.topicName, { name: t.topicName, topicId, partitions: [...parts.values()].sort((a, b) => a.partition - b.partition) });
    }
    this.sorted = [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const w of [...this.waiters]) {
      if (w.pred(this)) { this.waiters.delete(w); clearTimeout(w.timer); w.resolve(true); }
    }
    return deleted;
  }

  waitFor(pred: (m: MetadataView) => boolean, timeoutMs: number): Promise<boolean> {
    if (pred(this)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w: Waiter = { pred, resolve, timer: setTimeout(() => { this.waiters.delete(w); resolve(false); }, Math.max(0, timeoutMs)) };
      this.waiters.add(w);
    });
  }
}
