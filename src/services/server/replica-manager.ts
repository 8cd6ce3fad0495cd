/**
 * ReplicaManager for a ZooKeeper-mode broker (Kafka's `kafka.server.ReplicaManager`): hosts a {@link Partition} for
 * each replica the controller's LeaderAndIsr assigns to it (creating its log, its high watermark read from
 * `replication-offset-checkpoint`), makes it leader or follower (`makeLeaders` / `makeFollowers`: a follower's
 * fetcher is (re)started at each new leader epoch through {@link ReplicaFetcherControl}), drops partitions on
 * StopReplica, applies UpdateMetadata to the MetadataCache, owns the produce and fetch purgatories (DelayedProduce
 * for acks=-1, DelayedFetch wake-ups on appends and high-watermark moves), the isr-expiration task (every
 * replica.lag.time.max.ms / 2) and the high-watermark checkpoint task. Requests from an older controller epoch are
 * refused (STALE_CONTROLLER_EPOCH), as Kafka's replicaStateChangeLock section does.
 *
 * Log-dir moves (AlterReplicaLogDirs): the `-future` replica mover (replica-alter-log-dirs-manager.ts, Q) copies a
 * partition's log into another dir; the swap re-points the HostedPartition (log, view) and its Partition.
 *
 * Differs from Kafka: one event loop, no locks; the follower's initial fetch offset
 * follows Kafka's `initialFetchOffset` (LEO when IBP ≥ 2.7-IV1 and the epoch cache is not empty, else the HW).
 */
import type { Logger } from '../../logger.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { KafkaConfig } from '../../config/kafka-config.js';
import { metadataVersionOrdinal } from '../../config/metadata-version.js';
import type { LogManager } from '../log/log-manager.js';
import type { Log } from '../log/log.js';
import {
  EPOCH_DURING_DELETE, NO_EPOCH,
  type LeaderAndIsrControl, type LeaderAndIsrPartition, type StopReplicaControl, type UpdateMetadataControl,
} from '../controller/control-requests.js';
import type { MetadataCache } from './metadata-cache.js';
import type { PartitionLog, PartitionLookup, ReplicaView, AppendResult, ControlReplicas, ControlResult, PartitionError } from './broker-context.js';
import { Partition, appendRecordsToFollower, type AdvanceIsrState } from '../replication/partition.js';
import type { AlterPartitionManager } from '../replication/alter-partition-types.js';
import { DelayedProducePurgatory } from '../replication/delayed-produce.js';
import { DelayedFetchPurgatory } from '../replication/delayed-fetch.js';
import { HighWatermarkCheckpoints, type HighWatermarkEntry } from '../replication/high-watermark-checkpoint.js';
import type { InitialFetchState, LeaderEndpoint, ReplicaFetcherControl } from '../replication/fetcher-types.js';
import type { FollowerLog, FollowerPartitions } from '../replication/replica-fetcher-thread.js';
import { deleteRecordsOnLeader, lowWatermarkOf } from '../admin/delete-records.js';
import { ReplicaAlterLogDirsManager, type AdvanceMoveState, type AlterLogDirsHost, type AlterLogDirsOptions, type MovingLogs } from './replica-alter-log-dirs-manager.js';
import { alterReplicaLogDirs, type AlterLogDirsResult } from '../admin/alter-replica-log-dirs.js';

const key = (topic: string, partition: number) => `${topic}-${partition}`;

/** A partition this broker holds a replica of; `partition` null = its log dir is offline (Kafka's HostedPartition.Offline). */
interface HostedPartition {
  topic: string; partition: number; topicId: string | null; leaderEpoch: number;
  replica: Partition | null;
  /** The Log the Partition was made over (its dir tells which partitions a dir failure takes offline). */
  log: Log | null;
  /** The PartitionLog the handlers see (the Log, with appends through the Partition). */
  view: (PartitionLog & { readAsync: Log['readAsync'] }) | null;
  /** The log as the fetcher sees it while this broker follows (made once per Log). */
  follower: { log: Log; view: FollowerLog } | null;
}

export type { PartitionError, ControlResult } from './broker-context.js';

export interface ReplicaManagerOptions {
  /** The leaders' ISR state transitions (the partitionIsrState machine definition's, handed in by the majordomo). */
  advanceIsrState: AdvanceIsrState;
  config?: () => KafkaConfig;
  /**
   * The log-dir mover's per-partition transitions (the replicaAlterLogDirsState machine definition's, handed in by
   * the majordomo); absent: no mover (AlterReplicaLogDirs answers KAFKA_STORAGE_ERROR; unit tests of other parts).
   */
  advanceMoveState?: AdvanceMoveState;
  /** The alter-log-dirs mover's throttle (replica.alter.log.dirs.io.max.bytes.per.second); absent: unthrottled. */
  alterLogDirsQuota?: AlterLogDirsOptions['quota'];
  /** Where the leaders' ISR changes go (AlterPartition to the controller, or ZooKeeper for an old IBP), started and shut down with this manager. */
  alterPartition?: { manager: AlterPartitionManager; start(): void; shutdown(): void };
  /** The follower side (absent: followers only hold their log). */
  fetchers?: ReplicaFetcherControl;
  now?: () => number;
}

export class ReplicaManager implements ReplicaView, FollowerPartitions, AlterLogDirsHost, ControlReplicas {
  /** The latest controller epoch seen (KafkaController.InitialControllerEpoch until the first request). */
  private controllerEpoch = 0;
  private readonly hosted = new Map<string, HostedPartition>();
  private readonly delayedProduce: DelayedProducePurgatory;
  private readonly delayedFetch = new DelayedFetchPurgatory();
  private readonly hwCheckpoints: HighWatermarkCheckpoints;
  private readonly timers: NodeJS.Timeout[] = [];
  private fetchers: ReplicaFetcherControl | undefined;
  /** Kafka's replicaAlterLogDirsManager: moves `-future` logs between log dirs (Q). */
  readonly alterLogDirsManager: ReplicaAlterLogDirsManager | null;

  constructor(private readonly brokerId: number, private readonly logs: LogManager | null, private readonly metadata: MetadataCache, private readonly log: Logger,
    private readonly opts: ReplicaManagerOptions) {
    this.hwCheckpoints = new HighWatermarkCheckpoints(log, (dir, err) => this.logs?.maybeAddOfflineLogDir(dir, err));
    this.fetchers = opts.fetchers;
    const intConfig = (k: string, d: number) => { try { return this.opts.config ? this.opts.config().getInt(k) : d; } catch { return d; } };
    // Kafka's getNumReplicaAlterLogDirsThreads: num.replica.alter.log.dirs.threads, unset = the number of log dirs
    const moverThreads = (() => { try { return this.opts.config?.().getInt('num.replica.alter.log.dirs.threads') ?? null; } catch { return null; } })();
    this.alterLogDirsManager = opts.advanceMoveState ? new ReplicaAlterLogDirsManager(this, log.child({ actor: 'replicaAlterLogDirsManager' }), {
      advanceMoveState: opts.advanceMoveState, threads: moverThreads ?? Math.max(1, this.opts.config?.().logDirs.length ?? 1),
      maxBytes: () => intConfig('replica.fetch.max.bytes', 1048576), backoffMs: () => intConfig('replica.fetch.backoff.ms', 1000),
      ...(opts.alterLogDirsQuota ? { quota: opts.alterLogDirsQuota } : {}),
    }, opts.now) : null;
    this.delayedProduce = new DelayedProducePurgatory((k, requiredOffset) => {
      const h = this.hosted.get(k);
      if (!h?.replica) return { done: true, errorCode: h ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NOT_LEADER_OR_FOLLOWER };
      return h.replica.checkEnoughReplicasReachOffset(requiredOffset);
    });
  }

  private get now(): number { return (this.opts.now ?? Date.now)(); }
  /** replica.lag.time.max.ms (Kafka's default without a config: handler tests). */
  private replicaLagTimeMaxMs(): number {
    return this.opts.config ? Number(this.opts.config().getLong('replica.lag.time.max.ms')) : 30_000;
  }

  /** The fetcher manager, once it exists (the majordomo starts it after the ReplicaManager). */
  setFetchers(f: ReplicaFetcherControl): void { this.fetchers = f; }

  /**
   * Kafka's ReplicaManager.startup: the isr-expiration task (every replica.lag.time.max.ms / 2) and the
   * high-watermark checkpoint task (replica.high.watermark.checkpoint.interval.ms).
   */
  startup(): void {
    this.opts.alterPartition?.start();
    const lag = this.replicaLagTimeMaxMs();
    const hwInterval = this.opts.config ? Number(this.opts.config().getLong('replica.high.watermark.checkpoint.interval.ms')) : 5_000;
    this.timers.push(setInterval(() => this.maybeShrinkIsr(), Math.max(1, Math.floor(lag / 2))));
    // asynchronous: a synchronous fsync here blocked every request for 6–140 ms each 5 s (issue 17's latency tail)
    this.timers.push(setInterval(() => { if (this.logs) void this.hwCheckpoints.writeAsync(this.highWatermarkEntries(), this.logs.liveLogDirs); }, Math.max(1, hwInterval)));
    for (const t of this.timers) t.unref();
  }

  /** Kafka's ReplicaManager.shutdown(checkpointHW = true): stop the tasks and write the HW checkpoint once more. */
  shutdown(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.alterLogDirsManager?.shutdown();
    this.fetchers?.removeFetcherForPartitions([...this.hosted.values()].map((h) => ({ topic: h.topic, partition: h.partition })));
    this.checkpointHighWatermarks();
    this.opts.alterPartition?.shutdown();
  }

  /** Kafka's maybeShrinkIsr task: every partition this broker leads drops its lagging followers. */
  maybeShrinkIsr(): void {
    const now = this.now;
    for (const h of this.hosted.values()) h.replica?.maybeShrinkIsr(now);
  }

  /** Kafka's checkpointHighWatermarks: one `replication-offset-checkpoint` per live log dir. */
  checkpointHighWatermarks(): void {
    if (!this.logs) return;
    this.hwCheckpoints.write(this.highWatermarkEntries(), this.logs.liveLogDirs);
  }

  /** The high watermark of every partition with a local replica whose log is online. */
  private highWatermarkEntries(): HighWatermarkEntry[] {
    const entries: HighWatermarkEntry[] = [];
    if (!this.logs) return entries;
    for (const h of this.hosted.values()) {
      if (!h.replica) continue;
      const l = this.logs.getLog(h.topic, h.partition);
      if (l && !l.isOffline) entries.push({ logDir: l.logDir, topic: h.topic, partition: h.partition, highWatermark: l.highWatermark });
    }
    return entries;
  }

  /** A request from a controller older than the latest one seen is refused (logged with `message`). */
  private fromOldController(c: { controllerId: number; controllerEpoch: number }, message: string): boolean {
    if (c.controllerEpoch >= this.controllerEpoch) return false;
    this.log.warn({ controllerId: c.controllerId, controllerEpoch: c.controllerEpoch, latestControllerEpoch: this.controllerEpoch }, message);
    return true;
  }

  /**
   * ReplicaManager.becomeLeaderOrFollower: per partition, a higher leader epoch makes this broker leader
   * (makeLeaders: its fetcher stops) or follower (makeFollowers: its fetcher restarts at the new epoch).
   */
  becomeLeaderOrFollower(c: LeaderAndIsrControl): ControlResult {
    if (this.fromOldController(c, `Ignoring LeaderAndIsr request from controller ${c.controllerId}: its controller epoch ${c.controllerEpoch} is old`)) {
      return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitionErrors: [] };
    }
    this.controllerEpoch = c.controllerEpoch;
    const partitionErrors: PartitionError[] = [];
    const toLeader: Array<{ h: HostedPartition; p: LeaderAndIsrPartition }> = [];
    const toFollower: Array<{ h: HostedPartition; p: LeaderAndIsrPartition }> = [];
    for (const t of c.topics) {
      for (const p of t.partitions) {
        const k = key(t.topicName, p.partitionIndex);
        const current = this.hosted.get(k);
        const error = (errorCode: number) => partitionErrors.push({ topicName: t.topicName, topicId: t.topicId, partitionIndex: p.partitionIndex, errorCode });
        if (current && this.isOffline(current)) { error(ErrorCode.KAFKA_STORAGE_ERROR); continue; }
        const currentEpoch = current?.leaderEpoch ?? -1;
        if (p.leaderEpoch < currentEpoch) { error(ErrorCode.STALE_CONTROLLER_EPOCH); continue; }
        if (p.leaderEpoch === currentEpoch) {
          if (current && t.topicId !== null && current.topicId === null) { this.assignTopicId(current, t.topicId); error(ErrorCode.NONE); }
          else error(ErrorCode.STALE_CONTROLLER_EPOCH); // "matches the current leader epoch": nothing to do
          continue;
        }
        if (!p.replicas.includes(this.brokerId)) { error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION); continue; }
        const h = current ?? this.createHosted(t.topicName, p.partitionIndex, t.topicId, p.isNew);
        if (!current) this.hosted.set(k, h);
        if (t.topicId !== null && h.topicId === null) this.assignTopicId(h, t.topicId);
        if (!h.replica) { h.leaderEpoch = p.leaderEpoch; error(ErrorCode.KAFKA_STORAGE_ERROR); continue; }
        (p.leader === this.brokerId ? toLeader : toFollower).push({ h, p });
        error(ErrorCode.NONE);
      }
    }
    this.makeLeaders(toLeader);
    this.makeFollowers(toFollower, c);
    // Kafka: a partition with a `-future` log (loaded at startup, or created by AlterReplicaLogDirs) resumes its move
    this.alterLogDirsManager?.addPartitions([...toLeader, ...toFollower].map(({ h }) => h).filter((h) => this.logs?.getFutureLog(h.topic, h.partition)));
    this.log.info({ controllerId: c.controllerId, controllerEpoch: c.controllerEpoch, leaders: toLeader.length, followers: toFollower.length, partitions: partitionErrors.length },
      `Handled LeaderAndIsr request from controller ${c.controllerId}: ${toLeader.length} become-leader and ${toFollower.length} become-follower partitions`);
    return { errorCode: ErrorCode.NONE, partitionErrors };
  }

  /**
   * Kafka's ReplicaManager.handleLogDirFailure (the broker side; the LogManager closes the dir's logs and the
   * LogDirFailureChannel writes /log_dir_event_notification): every hosted partition whose log is in `dir` goes
   * offline (HostedPartition.Offline) until restart — its fetcher stops, waiting produces and fetches are answered
   * KAFKA_STORAGE_ERROR, and the controller's next LeaderAndIsr for it is answered KAFKA_STORAGE_ERROR, which is how
   * the controller learns to move its leadership away and take it out of the ISR.
   */
  handleLogDirFailure(dir: string): void {
    const offline = [...this.hosted.values()].filter((h) => h.replica !== null && h.log?.logDir === dir);
    if (offline.length === 0) return;
    this.log.warn({ dir }, `Stopping serving replicas in dir ${dir}`);
    this.fetchers?.removeFetcherForPartitions(offline.map((h) => ({ topic: h.topic, partition: h.partition })));
    for (const h of offline) this.markPartitionOffline(h);
    this.log.warn({ dir, partitions: offline.map((h) => key(h.topic, h.partition)).slice(0, 50), count: offline.length },
      `Broker ${this.brokerId} stopped fetcher for partitions ${offline.slice(0, 50).map((h) => key(h.topic, h.partition)).join(',')} because they are in the failed log directory ${dir}.`);
  }

  /** Kafka's markPartitionOffline: the partition stays known (its leader epoch too) but has no replica to serve. */
  private markPartitionOffline(h: HostedPartition): void {
    h.replica = null;
    h.view = null;
    h.follower = null;
    this.completeDelayedRequests(key(h.topic, h.partition));
  }

  /** Offline: its dir failed (or its log did, before the dir failure reached this manager). */
  private isOffline(h: HostedPartition): boolean {
    if (h.replica === null) return true;
    if (h.log?.isOffline !== true) return false;
    this.fetchers?.removeFetcherForPartitions([{ topic: h.topic, partition: h.partition }]);
    this.markPartitionOffline(h);
    return true;
  }

  /** Kafka's makeLeaders: stop fetching these partitions, then make each leader. */
  private makeLeaders(list: Array<{ h: HostedPartition; p: LeaderAndIsrPartition }>): void {
    if (list.length === 0) return;
    this.fetchers?.removeFetcherForPartitions(list.map(({ h }) => ({ topic: h.topic, partition: h.partition })));
    for (const { h, p } of list) {
      h.replica!.makeLeader(p);
      h.leaderEpoch = p.leaderEpoch;
      this.completeDelayedRequests(key(h.topic, h.partition));
    }
  }

  /**
   * Kafka's makeFollowers: each partition becomes follower; those at a new leader epoch have their fetcher removed
   * and added again from `initialFetchOffset` (the fetcher truncates as the leader's answers say).
   */
  private makeFollowers(list: Array<{ h: HostedPartition; p: LeaderAndIsrPartition }>, c: LeaderAndIsrControl): void {
    if (list.length === 0) return;
    const restart: Array<{ h: HostedPartition; p: LeaderAndIsrPartition }> = [];
    for (const { h, p } of list) {
      if (h.replica!.makeFollower(p)) restart.push({ h, p });
      h.leaderEpoch = p.leaderEpoch;
      this.completeDelayedRequests(key(h.topic, h.partition));
    }
    if (restart.length === 0 || !this.fetchers) return;
    this.fetchers.removeFetcherForPartitions(restart.map(({ h }) => ({ topic: h.topic, partition: h.partition })));
    const add: InitialFetchState[] = [];
    for (const { h, p } of restart) {
      const leader = this.leaderEndpoint(p.leader, c);
      if (!leader) {
        this.log.warn({ topicPartition: key(h.topic, h.partition), leader: p.leader }, `Leader ${p.leader} of ${key(h.topic, h.partition)} is not alive; not fetching until the next LeaderAndIsr`);
        continue;
      }
      const l = this.logs?.getLog(h.topic, h.partition);
      if (!l) continue;
      add.push({ topic: h.topic, partition: h.partition, topicId: h.topicId, leader, currentLeaderEpoch: p.leaderEpoch, initOffset: this.initialFetchOffset(l) });
    }
    if (add.length > 0) this.fetchers.addFetcherForPartitions(add);
  }

  /** Kafka's initialFetchOffset: the LEO when truncation happens on fetch (IBP ≥ 2.7-IV1) and the log has epochs, else the HW. */
  private initialFetchOffset(l: Log): bigint {
    let ibp = '3.7-IV4';
    try { if (this.opts.config) ibp = this.opts.config().getString('inter.broker.protocol.version') ?? ibp; } catch { /* default */ }
    return metadataVersionOrdinal(ibp) >= metadataVersionOrdinal('2.7-IV1') && l.latestEpoch >= 0 ? l.logEndOffset : l.highWatermark;
  }

  /** The leader's inter-broker endpoint: LeaderAndIsr's live leaders, else the metadata's live brokers. */
  private leaderEndpoint(leader: number, c: LeaderAndIsrControl): LeaderEndpoint | null {
    const live = c.liveLeaders.find((l) => l.brokerId === leader);
    if (live) return { brokerId: leader, host: live.hostName || 'localhost', port: live.port };
    let listener = 'PLAINTEXT';
    try { if (this.opts.config) listener = this.opts.config().interBrokerListenerName; } catch { /* default */ }
    const ep = this.metadata.brokers().find((b) => b.id === leader)?.endpoints.find((e) => e.listenerName === listener);
    return ep ? { brokerId: leader, host: ep.host || 'localhost', port: ep.port } : null;
  }

  private createHosted(topic: string, partition: number, topicId: string | null, isNew: boolean): HostedPartition {
    const k = key(topic, partition);
    const h: HostedPartition = { topic, partition, topicId, leaderEpoch: -1, replica: null, log: null, view: null, follower: null };
    const log = this.openLog(topic, partition, topicId, isNew);
    if (!log) return h;
    // Kafka's createLogIfNotExists: the checkpointed HW (or 0), clamped to the log; an unreadable checkpoint file
    // has taken the dir offline (the partition is offline: KAFKA_STORAGE_ERROR)
    let checkpointed: bigint | null;
    try {
      checkpointed = this.hwCheckpoints.fetch(log.logDir, topic, partition);
    } catch (e) {
      this.log.error({ topicPartition: k, dir: log.logDir, err: (e as Error).message }, `Partition ${k} is offline: ${(e as Error).message}`);
      return h;
    }
    log.updateHighWatermark(checkpointed ?? 0n);
    h.log = log;
    h.replica = new Partition(topic, partition, topicId, log, {
      brokerId: this.brokerId,
      advanceIsrState: this.opts.advanceIsrState,
      ...(this.opts.alterPartition ? { alterPartitionManager: this.opts.alterPartition.manager } : {}),
      replicaLagTimeMaxMs: () => this.replicaLagTimeMaxMs(),
      isBrokerAlive: (id) => this.metadata.brokers().some((b) => b.id === id),
      log: this.log,
      ...(this.opts.now ? { now: this.opts.now } : {}),
      onHighWatermarkIncreased: () => this.completeDelayedRequests(k),
      onIsrChanged: () => this.delayedProduce.checkAndComplete(k),
    });
    h.view = this.wrap(log, h.replica, k);
    return h;
  }

  /** Kafka's completeDelayedFetchOrProduceRequests / tryCompleteDelayedRequests for one partition. */
  private completeDelayedRequests(k: string): void {
    this.delayedProduce.checkAndComplete(k);
    this.delayedFetch.checkAndComplete(k);
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

  /** ReplicaManager.stopReplicas: stop fetching and hosting (and with deletePartition delete the log of) each partition. */
  stopReplicas(c: StopReplicaControl): ControlResult {
    if (this.fromOldController(c, `Ignoring StopReplica request from controller ${c.controllerId}: its controller epoch ${c.controllerEpoch} is old`)) {
      return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitionErrors: [] };
    }
    this.controllerEpoch = c.controllerEpoch;
    const partitionErrors: PartitionError[] = [];
    const stopped: Array<{ topic: string; partition: number }> = [];
    for (const p of c.partitions) {
      const k = key(p.topicName, p.partitionIndex);
      const current = this.hosted.get(k);
      const error = (errorCode: number) => partitionErrors.push({ topicName: p.topicName, topicId: null, partitionIndex: p.partitionIndex, errorCode });
      if (current && this.isOffline(current)) { error(ErrorCode.KAFKA_STORAGE_ERROR); continue; }
      const epochOk = p.leaderEpoch === EPOCH_DURING_DELETE || p.leaderEpoch === NO_EPOCH || p.leaderEpoch >= (current?.leaderEpoch ?? -1);
      if (current && !epochOk) { error(ErrorCode.FENCED_LEADER_EPOCH); continue; }
      stopped.push({ topic: p.topicName, partition: p.partitionIndex });
    }
    // Kafka's stopPartitions: the fetchers first, so that nothing appends to a log being deleted
    if (stopped.length > 0) this.fetchers?.removeFetcherForPartitions(stopped);
    if (stopped.length > 0) this.alterLogDirsManager?.removePartitions(stopped);
    const deleteOf = new Map(c.partitions.map((p) => [key(p.topicName, p.partitionIndex), p.deletePartition]));
    for (const s of stopped) {
      const k = key(s.topic, s.partition);
      const error = (errorCode: number) => partitionErrors.push({ topicName: s.topic, topicId: null, partitionIndex: s.partition, errorCode });
      this.hosted.delete(k);
      this.completeDelayedRequests(k);
      if (deleteOf.get(k)) {
        try {
          this.logs?.deleteLog(s.topic, s.partition);
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
    if (h.replica) h.replica.topicId = topicId;
    try { this.logs?.getLog(h.topic, h.partition)?.assignTopicId(topicId); } catch (e) {
      this.log.error({ topicPartition: key(h.topic, h.partition), err: (e as Error).message }, 'Could not assign the topic id');
    }
  }

  /** The log as handlers see it: appends go through the Partition (min ISR, HW), and wake the fetches waiting on it. */
  private wrap(log: Log, partition: Partition, k: string): PartitionLog & { readAsync: Log['readAsync'] } {
    return {
      get config() { return log.config; },
      get logStartOffset() { return log.logStartOffset; },
      get logEndOffset() { return log.logEndOffset; },
      get highWatermark() { return log.highWatermark; },
      appendAsLeader: (records: Buffer): AppendResult => this.appendToLeader(partition, k, records, 1),
      read: (start, max, opts) => log.read(start, max, opts),
      readAsync: (start: bigint, max: number, opts?: { minOneMessage?: boolean }) => log.readAsync(start, max, opts),
      fetchOffsetByTimestamp: (ts) => log.fetchOffsetByTimestamp(ts),
      legacyFetchOffsetsBefore: (ts, max) => log.legacyFetchOffsetsBefore(ts, max),
      get lastStableOffset() { return log.lastStableOffset; },
      collectAbortedTransactions: (start, upper) => log.collectAbortedTransactions(start, upper),
      producerEntries: () => log.producerEntries(),
      maybeStartTransactionVerification: (pid, seq, epoch) => log.maybeStartTransactionVerification(pid, seq, epoch),
      verificationGuard: (pid) => log.verificationGuard(pid),
      hasOngoingTransaction: (pid) => log.hasOngoingTransaction(pid),
    };
  }

  private appendToLeader(partition: Partition, k: string, records: Buffer, requiredAcks: number, origin?: 'client' | 'coordinator'): AppendResult {
    const r = partition.appendRecordsToLeader(records, requiredAcks, origin);
    // followers long-polling at the old log end wake (consumers only once the HW moves: onHighWatermarkIncreased)
    this.delayedFetch.checkAndComplete(k);
    return r;
  }

  /** Kafka's getPartitionOrError: a hosted replica answers for itself; otherwise the metadata tells unknown from led elsewhere. */
  partition(topic: string, partition: number): PartitionLookup {
    const k = key(topic, partition);
    const h = this.hosted.get(k);
    if (!h) return this.metadata.topic(topic)?.partitions.some((p) => p.partition === partition) ? { kind: 'notLeader' } : { kind: 'unknown' };
    if (!h.replica || !h.view) return { kind: 'offline' };
    if (!h.replica.isLeader) return { kind: 'notLeader', follower: { log: h.view, leaderEpoch: h.replica.leaderEpoch } }; // KIP-392 (K)
    if (!this.logs?.getLog(topic, partition)) return { kind: 'offline' }; // its dir failed since
    const replica = h.replica;
    return {
      kind: 'leader', log: h.view, leaderEpoch: replica.leaderEpoch,
      partition: {
        appendRecordsToLeader: (records, requiredAcks, origin) => this.appendToLeader(replica, k, records, requiredAcks, origin),
        updateFollowerFetchState: (replicaId, fetchOffset, startOffset, leaderEnd) => replica.updateFollowerFetchState(replicaId, fetchOffset, startOffset, leaderEnd, this.now),
        lastOffsetForLeaderEpoch: (current, epoch, onlyLeader) => replica.lastOffsetForLeaderEpoch(current, epoch, onlyLeader),
        deleteRecordsOnLeader: (offset) => deleteRecordsOnLeader(k, this.logs!.getLog(topic, partition)!, offset, () => this.lowWatermark(replica)),
        lowWatermark: () => this.lowWatermark(replica),
        get isr() { return replica.isr; }, // replication throttles (K)
        followerStates: () => replica.followerStates(), // KIP-392 preferred read replica (K)
      },
    };
  }

  /** Partition.lowWatermarkIfLeader (DeleteRecords): the leader's log start offset, or a live follower's if smaller. */
  private lowWatermark(replica: Partition): bigint {
    return lowWatermarkOf(replica.log.logStartOffset, replica.followerStates(), (id) => this.metadata.brokers().some((b) => b.id === id));
  }

  /** The hosted Partition (leader or follower), for the fetchers and tests. */
  hostedPartition(topic: string, partition: number): Partition | undefined {
    return this.hosted.get(key(topic, partition))?.replica ?? undefined;
  }

  waitForData(partitions: Array<{ topic: string; partition: number }>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.delayedFetch.watch(partitions.map((p) => key(p.topic, p.partition)), timeoutMs, signal);
  }

  waitForReplication(items: Array<{ topic: string; partition: number; requiredOffset: bigint }>, timeoutMs: number): Promise<number[]> {
    return this.delayedProduce.tryCompleteElseWatch(items.map((i) => ({ key: key(i.topic, i.partition), requiredOffset: i.requiredOffset })), timeoutMs);
  }

  /** FollowerPartitions for the fetchers: the log of a partition this broker follows (null once it leads or stopped hosting it). */
  followerLog(topic: string, partition: number): FollowerLog | null {
    const h = this.hosted.get(key(topic, partition));
    if (!h?.replica || h.replica.isLeader) return null;
    const l = this.logs?.getLog(topic, partition);
    if (!l || l.isOffline) return null;
    if (h.follower?.log !== l) h.follower = { log: l, view: this.followerView(l, key(topic, partition)) };
    return h.follower.view;
  }

  /** The Log for the fetcher, its appends through Kafka's Partition.appendRecordsToFollowerOrFutureReplica. */
  private followerView(l: Log, tp: string): FollowerLog {
    const log = this.log;
    return {
      get logStartOffset() { return l.logStartOffset; },
      get logEndOffset() { return l.logEndOffset; },
      get highWatermark() { return l.highWatermark; },
      get latestEpoch() { return l.latestEpoch; },
      appendAsFollower: (records) => appendRecordsToFollower(l, records, tp, log),
      truncateTo: (offset) => l.truncateTo(offset),
      truncateFullyAndStartAt: (offset) => l.truncateFullyAndStartAt(offset),
      endOffsetForEpoch: (epoch) => l.endOffsetForEpoch(epoch),
      updateHighWatermark: (hw) => l.updateHighWatermark(hw),
      maybeIncrementLogStartOffset: (offset) => l.maybeIncrementLogStartOffset(offset),
    };
  }

  // ------------------------------------------------------------------ log-dir moves (AlterReplicaLogDirs, Q)

  /** Kafka's ReplicaManager.alterReplicaLogDirs (services/admin/alter-replica-log-dirs.ts). */
  alterReplicaLogDirs(assignments: Array<{ dir: string; topic: string; partition: number }>): AlterLogDirsResult[] {
    if (!this.logs || !this.alterLogDirsManager) return assignments.map((a) => ({ ...a, errorCode: ErrorCode.KAFKA_STORAGE_ERROR }));
    return alterReplicaLogDirs(assignments, this.logs, this.alterLogDirsManager, (topic, partition) => {
      const h = this.hosted.get(key(topic, partition));
      return !h ? { kind: 'none' } : h.replica === null || this.isOffline(h) ? { kind: 'offline' } : { kind: 'online', topicId: h.topicId };
    }, this.log);
  }

  /** AlterLogDirsHost: the hosted partition's current and future logs while it moves. */
  movingLogs(topic: string, partition: number): MovingLogs | null {
    const h = this.hosted.get(key(topic, partition));
    if (!h?.replica || !this.logs) return null;
    const current = this.logs.getLog(topic, partition);
    const future = this.logs.getFutureLog(topic, partition);
    if (!current || !future || current.isOffline || future.isOffline || h.log !== current) return null;
    return { current, future };
  }

  /** AlterLogDirsHost: Kafka's maybeReplaceCurrentWithFutureReplica — swap the logs, and the hosted partition follows. */
  replaceCurrentWithFuture(topic: string, partition: number): void {
    const k = key(topic, partition);
    const h = this.hosted.get(k);
    if (!h?.replica || !this.logs) return;
    const moved = this.logs.replaceCurrentWithFutureLog(topic, partition);
    h.log = moved;
    h.replica.log = moved;
    h.view = this.wrap(moved, h.replica, k);
    h.follower = null;
    this.completeDelayedRequests(k);
  }

  /** A follower's append or HW move: fetches waiting on it (fetch from follower, tests) re-read. */
  onFollowerProgress(topic: string, partition: number): void {
    this.delayedFetch.checkAndComplete(key(topic, partition));
  }
}
