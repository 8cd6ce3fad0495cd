/**
 * ReplicaManager for a ZooKeeper-mode broker: hosts the partitions the controller's LeaderAndIsr requests assign
 * to it (creating their logs), serves appends and reads where it leads, drops partitions on StopReplica, applies
 * UpdateMetadata to the MetadataCache, and wakes long-polling fetches. Requests from an older controller epoch
 * are refused (STALE_CONTROLLER_EPOCH), as Kafka's replicaStateChangeLock section does.
 *
 * A follower only creates its log: replication (fetching from the leader) does not exist yet, so a follower
 * answers produce/fetch with NOT_LEADER_OR_FOLLOWER and its log stays empty.
 */
import type { Logger } from '../../logger.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { LogManager } from '../log/log-manager.js';
import type { Log } from '../log/log.js';
import {
  EPOCH_DURING_DELETE, NO_EPOCH,
  type LeaderAndIsrControl, type StopReplicaControl, type UpdateMetadataControl,
} from '../controller/control-requests.js';
import type { MetadataCache } from './metadata-cache.js';
import type { PartitionLog, PartitionLookup, ReplicaView, AppendResult } from './broker-context.js';

const key = (topic: string, partition: number) => `${topic}-${partition}`;

/** A partition this broker holds a replica of; `log` null = its log dir is offline (Kafka's HostedPartition.Offline). */
interface HostedPartition { topic: string; partition: number; topicId: string | null; leader: number; leaderEpoch: number; log: PartitionLog | null }

export interface PartitionError { topicName: string; topicId: string | null; partitionIndex: number; errorCode: number }
export interface ControlResult { errorCode: number; partitionErrors: PartitionError[] }

export class ReplicaManager implements ReplicaView {
  /** The latest controller epoch seen (KafkaController.InitialControllerEpoch until the first request). */
  private controllerEpoch = 0;
  private readonly hosted = new Map<string, HostedPartition>();
  private readonly dataWaiters = new Map<string, Set<() => void>>();

  constructor(private readonly brokerId: number, private readonly logs: LogManager | null, private readonly metadata: MetadataCache, private readonly log: Logger) {}

  /** A request from a controller older than the latest one seen is refused (logged with `message`). */
  private fromOldController(c: { controllerId: number; controllerEpoch: number }, message: string): boolean {
    if (c.controllerEpoch >= this.controllerEpoch) return false;
    this.log.warn({ controllerId: c.controllerId, controllerEpoch: c.controllerEpoch, latestControllerEpoch: this.controllerEpoch }, message);
    return true;
  }

  /** ReplicaManager.becomeLeaderOrFollower: per partition, a higher leader epoch makes this broker leader or follower. */
  becomeLeaderOrFollower(c: LeaderAndIsrControl): ControlResult {
    if (this.fromOldController(c, `Ignoring LeaderAndIsr request from controller ${c.controllerId}: its controller epoch ${c.controllerEpoch} is old`)) {
      return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitionErrors: [] };
    }
    this.controllerEpoch = c.controllerEpoch;
    const partitionErrors: PartitionError[] = [];
    let leaders = 0, followers = 0;
    for (const t of c.topics) {
      for (const p of t.partitions) {
        const k = key(t.topicName, p.partitionIndex);
        const current = this.hosted.get(k);
        const error = (errorCode: number) => partitionErrors.push({ topicName: t.topicName, topicId: t.topicId, partitionIndex: p.partitionIndex, errorCode });
        if (current && current.log === null) { error(ErrorCode.KAFKA_STORAGE_ERROR); continue; }
        const currentEpoch = current?.leaderEpoch ?? -1;
        if (p.leaderEpoch < currentEpoch) { error(ErrorCode.STALE_CONTROLLER_EPOCH); continue; }
        if (p.leaderEpoch === currentEpoch) {
          if (current && t.topicId !== null && current.topicId === null) { this.assignTopicId(current, t.topicId); error(ErrorCode.NONE); }
          else error(ErrorCode.STALE_CONTROLLER_EPOCH); // "matches the current leader epoch": nothing to do
          continue;
        }
        if (!p.replicas.includes(this.brokerId)) { error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION); continue; }
        let log = current?.log ?? null;
        if (!log) { const opened = this.openLog(t.topicName, p.partitionIndex, t.topicId, p.isNew); log = opened ? this.wrap(opened, k) : null; }
        this.hosted.set(k, { topic: t.topicName, partition: p.partitionIndex, topicId: t.topicId ?? current?.topicId ?? null, leader: p.leader, leaderEpoch: p.leaderEpoch, log });
        if (!log) { error(ErrorCode.KAFKA_STORAGE_ERROR); continue; }
        if (p.leader === this.brokerId) leaders++; else followers++;
        error(ErrorCode.NONE);
      }
    }
    this.log.info({ controllerId: c.controllerId, controllerEpoch: c.controllerEpoch, leaders, followers, partitions: partitionErrors.length },
      `Handled LeaderAndIsr request from controller ${c.controllerId}: ${leaders} become-leader and ${followers} become-follower partitions`);
    return { errorCode: ErrorCode.NONE, partitionErrors };
  }

  /** ReplicaManager.maybeUpdateMetadataCache: an old controller's UpdateMetadata is refused (Kafka: ControllerMovedException). */
  maybeUpdateMetadataCache(c: UpdateMetadataControl): { errorCode: number; deletedPartitions: Array<{ topic: string; partition: number }> } {
    if (this.fromOldController(c, `Received UpdateMetadata request from an old controller ${c.controllerId} with epoch ${c.controllerEpoch}`)) {
      return { errorCode: ErrorCode.NOT_CONTROLLER, deletedPartitions: [] };
    }
    const deletedPartitions = this.metadata.updateMetadata(c);
    this.controllerEpoch = c.controllerEpoch;
    return { errorCode: ErrorCode.NONE, deletedPartitions };
  }

  /** Topics whose last hosted partition StopReplica deleted: the LogManager forgets their overrides (Kafka reads them per log creation). */
  private forgetDeletedTopicConfigs(c: StopReplicaControl): void {
    const topics = new Set(c.partitions.filter((p) => p.deletePartition).map((p) => p.topicName));
    if (topics.size === 0) return;
    for (const h of this.hosted.values()) topics.delete(h.topic);
    for (const t of topics) this.logs?.forgetTopicConfig(t);
  }

  /** ReplicaManager.stopReplicas: stop hosting (and with deletePartition delete the log of) each partition. */
  stopReplicas(c: StopReplicaControl): ControlResult {
    if (this.fromOldController(c, `Ignoring StopReplica request from controller ${c.controllerId}: its controller epoch ${c.controllerEpoch} is old`)) {
      return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitionErrors: [] };
    }
    this.controllerEpoch = c.controllerEpoch;
    const partitionErrors: PartitionError[] = [];
    for (const p of c.partitions) {
      const k = key(p.topicName, p.partitionIndex);
      const current = this.hosted.get(k);
      const error = (errorCode: number) => partitionErrors.push({ topicName: p.topicName, topicId: null, partitionIndex: p.partitionIndex, errorCode });
      if (current && current.log === null) { error(ErrorCode.KAFKA_STORAGE_ERROR); continue; }
      const epochOk = p.leaderEpoch === EPOCH_DURING_DELETE || p.leaderEpoch === NO_EPOCH || p.leaderEpoch >= (current?.leaderEpoch ?? -1);
      if (current && !epochOk) { error(ErrorCode.FENCED_LEADER_EPOCH); continue; }
      this.hosted.delete(k);
      this.wakeFetchers(k);
      if (p.deletePartition) {
        try {
          this.logs?.deleteLog(p.topicName, p.partitionIndex);
        } catch (e) {
          this.log.error({ topicPartition: k, err: (e as Error).message }, 'Deleting the log on StopReplica failed');
          error(ErrorCode.KAFKA_STORAGE_ERROR);
          continue;
        }
      }
      error(ErrorCode.NONE);
    }
    this.forgetDeletedTopicConfigs(c);
    this.log.info({ controllerId: c.controllerId, partitions: c.partitions.length, deleted: c.partitions.filter((p) => p.deletePartition).length },
      `Handled StopReplica request from controller ${c.controllerId} for ${c.partitions.length} partitions`);
    return { errorCode: ErrorCode.NONE, partitionErrors };
  }

  private openLog(topic: string, partition: number, topicId: string | null, isNew: boolean): Log | null {
    if (!this.logs) return null;
    try {
      return this.logs.getOrCreateLog(topic, partition, topicId ? { topicId, isNew } : { isNew });
    } catch (e) {
      this.log.error({ topicPartition: key(topic, partition), err: (e as Error).message }, 'Could not create log; partition offline');
      return null;
    }
  }

  private assignTopicId(h: HostedPartition, topicId: string): void {
    h.topicId = topicId;
    try { this.logs?.getLog(h.topic, h.partition)?.assignTopicId(topicId); } catch (e) {
      this.log.error({ topicPartition: key(h.topic, h.partition), err: (e as Error).message }, 'Could not assign the topic id');
    }
  }

  private wakeFetchers(k: string): void {
    const ws = this.dataWaiters.get(k);
    if (ws) { this.dataWaiters.delete(k); ws.forEach((w) => w()); }
  }

  /** Appends wake the fetches waiting on that partition. */
  private wrap(log: Log, k: string): PartitionLog & { readAsync: Log['readAsync'] } {
    return {
      get config() { return log.config; },
      get logStartOffset() { return log.logStartOffset; },
      get logEndOffset() { return log.logEndOffset; },
      get highWatermark() { return log.highWatermark; },
      appendAsLeader: (records: Buffer, leaderEpoch: number): AppendResult => { const r = log.appendAsLeader(records, leaderEpoch); this.wakeFetchers(k); return r; },
      read: (start, max, opts) => log.read(start, max, opts),
      readAsync: (start: bigint, max: number, opts?: { minOneMessage?: boolean }) => log.readAsync(start, max, opts),
      fetchOffsetByTimestamp: (ts) => log.fetchOffsetByTimestamp(ts),
      legacyFetchOffsetsBefore: (ts, max) => log.legacyFetchOffsetsBefore(ts, max),
    };
  }

  /** Kafka's getPartitionOrError: a hosted replica answers for itself; otherwise the metadata tells unknown from led elsewhere. */
  partition(topic: string, partition: number): PartitionLookup {
    const h = this.hosted.get(key(topic, partition));
    if (!h) return this.metadata.topic(topic)?.partitions.some((p) => p.partition === partition) ? { kind: 'notLeader' } : { kind: 'unknown' };
    if (!h.log) return { kind: 'offline' };
    if (h.leader !== this.brokerId) return { kind: 'notLeader' };
    if (!this.logs?.getLog(topic, partition)) return { kind: 'offline' }; // its dir failed since
    return { kind: 'leader', log: h.log, leaderEpoch: h.leaderEpoch };
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
