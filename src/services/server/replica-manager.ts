/**
 * ReplicaManager for a ZooKeeper-mode broker: becomes leader for the partitions the controller
 * assigns it (creating their logs), serves appends and reads, and wakes long-polling fetches.
 */
import type { Logger } from '../../logger.js';
import type { LogManager } from '../log/log-manager.js';
import type { Log } from '../log/log.js';
import type { ClusterMetadata } from '../controller/cluster-metadata.js';
import type { MetadataCache } from './metadata-cache.js';
import type { PartitionLog, PartitionLookup, ReplicaView, AppendResult } from './broker-context.js';

const key = (topic: string, partition: number) => `${topic}-${partition}`;

export class ReplicaManager implements ReplicaView {
  private readonly leaders = new Map<string, { log: PartitionLog; leaderEpoch: number }>();
  private readonly dataWaiters = new Map<string, Set<() => void>>();

  constructor(private readonly brokerId: number, private readonly logs: LogManager | null, private readonly metadata: MetadataCache, private readonly log: Logger) {}

  /** LeaderAndIsr + UpdateMetadata from the controller, and StopReplica(delete) for deleted topics. */
  applyMetadata(m: ClusterMetadata, deletedTopics: string[]): void {
    this.metadata.update(m);
    for (const topic of deletedTopics) this.deleteTopicLogs(topic);
    const wanted = new Set<string>();
    for (const t of m.topics) {
      for (const p of t.partitions) {
        if (p.leader !== this.brokerId) continue;
        const k = key(t.name, p.partition);
        wanted.add(k);
        const existing = this.leaders.get(k);
        if (existing) { existing.leaderEpoch = p.leaderEpoch; continue; }
        const log = this.openLog(t.name, p.partition, t.topicId);
        if (log) this.leaders.set(k, { log: this.wrap(log, k), leaderEpoch: p.leaderEpoch });
      }
    }
    for (const k of [...this.leaders.keys()]) if (!wanted.has(k)) this.leaders.delete(k); // became follower / deleted
  }

  private openLog(topic: string, partition: number, topicId: string | null): Log | null {
    if (!this.logs) return null;
    try {
      return this.logs.getOrCreateLog(topic, partition, topicId ? { topicId } : {});
    } catch (e) {
      this.log.error({ topicPartition: key(topic, partition), err: (e as Error).message }, 'Could not create log; partition offline');
      return null;
    }
  }

  private deleteTopicLogs(topic: string): void {
    for (const k of [...this.leaders.keys()]) if (k.startsWith(`${topic}-`) && /^\d+$/.test(k.slice(topic.length + 1))) this.leaders.delete(k);
    const mgr = this.logs as (LogManager & { deleteTopic?: (t: string) => void }) | null;
    try { mgr?.deleteTopic?.(topic); } catch (e) { this.log.error({ topic, err: (e as Error).message }, 'Deleting topic logs failed'); }
  }

  /** Appends wake the fetches waiting on that partition. */
  private wrap(log: Log, k: string): PartitionLog & { readAsync: Log['readAsync'] } {
    const notify = () => { const ws = this.dataWaiters.get(k); if (ws) { this.dataWaiters.delete(k); ws.forEach((w) => w()); } };
    return {
      get config() { return log.config; },
      get logStartOffset() { return log.logStartOffset; },
      get logEndOffset() { return log.logEndOffset; },
      get highWatermark() { return log.highWatermark; },
      appendAsLeader: (records: Buffer, leaderEpoch: number): AppendResult => { const r = log.appendAsLeader(records, leaderEpoch); notify(); return r; },
      read: (start, max, opts) => log.read(start, max, opts),
      readAsync: (start: bigint, max: number, opts?: { minOneMessage?: boolean }) => log.readAsync(start, max, opts),
      fetchOffsetByTimestamp: (ts) => log.fetchOffsetByTimestamp(ts),
      legacyFetchOffsetsBefore: (ts, max) => log.legacyFetchOffsetsBefore(ts, max),
    };
  }

  partition(topic: string, partition: number): PartitionLookup {
    const t = this.metadata.topic(topic);
    const p = t?.partitions.find((x) => x.partition === partition);
    if (!p) return { kind: 'unknown' };
    if (p.leader !== this.brokerId) return { kind: 'notLeader' };
    const local = this.leaders.get(key(topic, partition));
    if (!local) return { kind: 'offline' };
    const log = this.logs?.getLog(topic, partition);
    if (!log) return { kind: 'offline' };
    return { kind: 'leader', log: local.log, leaderEpoch: local.leaderEpoch };
  }

  waitForData(partitions: Array<{ topic: string; partition: number }>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const keys = partitions.map((p) => key(p.topic, p.partition));
      const done = () => { clearTimeout(timer); for (const k of keys) this.dataWaiters.get(k)?.delete(done); signal?.removeEventListener('abort', done); resolve(); };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      for (const k of keys) { let s = this.dataWaiters.get(k); if (!s) this.dataWaiters.set(k, (s = new Set())); s.add(done); }
      signal?.addEventListener('abort', done);
    });
  }
}
