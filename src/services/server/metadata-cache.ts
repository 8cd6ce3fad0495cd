/**
 * MetadataCache (Kafka's ZkMetadataCache): the cluster as the controller last described it.
 * Handlers read it; CreateTopics/DeleteTopics wait on it for their topics to appear or vanish.
 */
import type { BrokerInfo } from '../zookeeper/zk-data.js';
import type { ClusterMetadata, TopicMetadata } from '../controller/cluster-metadata.js';
import type { MetadataView } from './broker-context.js';

interface Waiter { pred: (m: MetadataView) => boolean; resolve: (ok: boolean) => void; timer: NodeJS.Timeout }

export class MetadataCache implements MetadataView {
  private current: ClusterMetadata | null = null;
  private byName = new Map<string, TopicMetadata>();
  private waiters = new Set<Waiter>();

  constructor(readonly brokerId: number, private readonly cluster: string) {}

  clusterId(): string { return this.cluster; }
  controllerId(): number { return this.current?.controllerId ?? -1; }
  brokers(): BrokerInfo[] { return this.current?.brokers ?? []; }
  topics(): TopicMetadata[] { return this.current?.topics ?? []; }
  topic(name: string): TopicMetadata | undefined { return this.byName.get(name); }

  update(m: ClusterMetadata): void {
    this.current = m;
    this.byName = new Map(m.topics.map((t) => [t.name, t]));
    for (const w of [...this.waiters]) {
      if (w.pred(this)) { this.waiters.delete(w); clearTimeout(w.timer); w.resolve(true); }
    }
  }

  waitFor(pred: (m: MetadataView) => boolean, timeoutMs: number): Promise<boolean> {
    if (pred(this)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w: Waiter = { pred, resolve, timer: setTimeout(() => { this.waiters.delete(w); resolve(false); }, Math.max(0, timeoutMs)) };
      this.waiters.add(w);
    });
  }
}
