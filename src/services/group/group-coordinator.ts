/**
 * The group coordinator (Kafka's GroupCoordinator + GroupMetadataManager for classic groups): one group actor per
 * group (src/machines/group-coordinator.ts), committed offsets in memory, and both persisted to `__consumer_offsets`
 * as Kafka writes them (src/services/group/offsets-records.ts).
 *
 * A group belongs to partition `abs(hash(groupId)) % offsets.topic.num.partitions` of `__consumer_offsets`; this
 * broker coordinates the groups of the partitions it leads. The topic is created on first use (FindCoordinator or
 * any group request); a partition is loaded (replayed from its log) before its groups are served — meanwhile
 * COORDINATOR_LOAD_IN_PROGRESS; a partition led elsewhere → NOT_COORDINATOR; no topic yet → COORDINATOR_NOT_AVAILABLE.
 * With `persist: false` everything stays in memory and every group is served at once (tests, tools).
 */
import type { Logger } from '../../logger.js';
import { ErrorCode } from '../../protocol/errors.js';
import { buildRecordBatch, iterateBatches, RecordBatch, type RecordInput } from '../log/record-batch.js';
import type { BrokerContext, PartitionLog } from '../server/broker-context.js';
import { awaitCoordinator, type CoordinatorKeyspace } from '../server/coordinator-lookup.js';
import type { GroupActor, GroupActorFactory, GroupActorHost, GroupMachineInput, GroupRequestEvent } from './group-actor.js';
import {
  UNKNOWN_MEMBER_ID, isSubscribedToTopic, joinError, restoreGroup, type GroupConfig, type GroupData, type JoinRequest, type JoinResult,
  type MemberRef, type SyncRequest, type SyncResult,
} from './classic-group.js';
import { OFFSETS_TOPIC, partitionForGroup } from './group-keys.js';
import { readEndTxnMarker } from '../log/end-txn-marker.js';
import {
  decodeGroupValue, decodeKey, decodeOffsetValue, encodeGroupKey, encodeGroupValue, encodeOffsetKey, encodeOffsetValue,
  type GroupValue, type OffsetValue,
} from './offsets-records.js';

export interface CommittedOffset extends OffsetValue {}

/** `retentionMs` (OffsetCommit v2–v4 retention time, -1 for none) becomes an explicit expire timestamp from the commit time. */
export interface OffsetCommitEntry { topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string | null; retentionMs: number }

export interface GroupCoordinatorOptions {
  /** Persist to and load from __consumer_offsets (default true). */
  persist?: boolean;
  now?: () => number;
  log?: Logger;
  /**
   * Makes a standalone group actor when no host spawns one (no coordinator actor, or it is busy):
   * `standaloneGroupActor` from src/machines/group-coordinator.ts. Required to serve groups.
   */
  groupActors?: GroupActorFactory;
}

export type { GroupActor, GroupActorHost };

type PartitionState = { kind: 'loading'; done: Promise<void> } | { kind: 'active' } | { kind: 'failed'; error: string };

export interface GroupOverview { groupId: string; protocolType: string; state: string }

export interface GroupSummary {
  errorCode: number;
  groupId: string;
  state: string;
  protocolType: string;
  protocolData: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }>;
}

const EMPTY = Buffer.alloc(0);
const offsetKeyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** GroupMetadataManager.storeOffsets: what an offset commit answers for the replication wait's error. */
function storeOffsetsError(code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    default:
      return code; // NONE, REQUEST_TIMED_OUT
  }
}

/** GroupMetadataManager.storeGroup: what a group metadata write answers for the replication wait's error. */
function storeGroupError(code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.REBALANCE_IN_PROGRESS;
    default:
      return code;
  }
}

/** Kafka's mapping of a failed __consumer_offsets append to what the client sees. */
function appendErrorCode(err: unknown): number {
  const name = err instanceof Error ? err.name : '';
  switch (name) {
    case 'NotLeaderOrFollowerError':
    case 'KafkaStorageError':
      return ErrorCode.NOT_COORDINATOR;
    case 'RecordTooLargeError':
    case 'RecordBatchTooLargeError':
    case 'InvalidRecordError':
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}

export class GroupCoordinator {
  private readonly groups = new Map<string, GroupActor>();
  private readonly offsets = new Map<string, Map<string, CommittedOffset>>();
  /** Offset commits appended and waiting for replication, per group (Kafka's pendingOffsetCommits): such a group has offsets. */
  private readonly pendingCommits = new Map<string, number>();
  private hasOffsets = (groupId: string): boolean => this.offsets.has(groupId) || this.pendingCommits.has(groupId);
  private readonly partitions = new Map<number, PartitionState>();
  /**
   * Transactional offset commits waiting for their transaction's marker (Kafka's pendingTransactionalOffsetCommits):
   * producerId → groupId → "topic\0partition" → offset. A COMMIT marker on the group's partition makes them committed.
   */
  private readonly pendingTxnOffsets = new Map<bigint, Map<string, Map<string, CommittedOffset>>>();
  private creatingTopic: Promise<void> | null = null;
  private readonly persist: boolean;
  private readonly now: () => number;
  private readonly groupActors: GroupActorFactory | undefined;
  private readonly log: Logger;
  private stopped = false;
  private host: GroupActorHost | null = null;
  private readonly hosted = new WeakMap<GroupActor, string>();
  private spawned = 0;

  constructor(private readonly ctx: BrokerContext, opts: GroupCoordinatorOptions = {}) {
    this.persist = opts.persist ?? true;
    this.now = opts.now ?? Date.now;
    this.groupActors = opts.groupActors;
    this.log = opts.log ?? ctx.log;
  }

  // ------------------------------------------------------------------------------------------- configuration

  groupConfig(): GroupConfig {
    const c = this.ctx.config();
    return {
      minSessionTimeoutMs: c.getInt('group.min.session.timeout.ms'),
      maxSessionTimeoutMs: c.getInt('group.max.session.timeout.ms'),
      initialRebalanceDelayMs: c.getInt('group.initial.rebalance.delay.ms'),
      maxSize: c.getInt('group.max.size'),
      newMemberJoinTimeoutMs: 300_000,
    };
  }

  numPartitions(): number {
    const t = this.ctx.metadata.topic(OFFSETS_TOPIC);
    return t ? t.partitions.length : this.ctx.config().getInt('offsets.topic.num.partitions');
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.numPartitions());
  }

  // ------------------------------------------------------------------------------------------- readiness / loading

  /** Loads every __consumer_offsets partition this broker leads (startup, and after leadership changes). */
  async start(): Promise<void> {
    if (!this.persist) return;
    const t = this.ctx.metadata.topic(OFFSETS_TOPIC);
    if (!t) return;
    await Promise.all(t.partitions.map((p) => this.ensureLoaded(p.partition)));
  }

  /** NONE when the group's partition is loaded here; else the error Kafka gives (and the topic / load is kicked off). */
  groupStatus(groupId: string): number {
    if (this.stopped) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (!this.persist) return ErrorCode.NONE;
    const t = this.ctx.metadata.topic(OFFSETS_TOPIC);
    if (!t) {
      void this.ensureTopic().catch(() => {});
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    const p = partitionForGroup(groupId, t.partitions.length);
    const state = this.partitions.get(p);
    if (state?.kind === 'active') {
      // leadership may have moved since the load
      const lookup = this.ctx.replicas.partition(OFFSETS_TOPIC, p);
      if (lookup.kind === 'leader') return ErrorCode.NONE;
      this.unloadPartition(p);
      return lookup.kind === 'unknown' ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR;
    }
    if (state?.kind === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    const lookup = this.ctx.replicas.partition(OFFSETS_TOPIC, p);
    if (lookup.kind === 'notLeader') return ErrorCode.NOT_COORDINATOR;
    if (lookup.kind !== 'leader') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // As Kafka on becoming leader: load every partition led here, not just this one.
    for (const q of t.partitions) void this.ensureLoaded(q.partition);
    const after = this.partitions.get(p);
    return after?.kind === 'active' ? ErrorCode.NONE : ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  }

  /** FindCoordinator: waits up to `waitMs` for the topic and the group's partition to be ready; returns the leader broker or an error. */
  findCoordinator(groupId: string, waitMs: number): Promise<{ errorCode: number; nodeId: number }> {
    return awaitCoordinator(this.ctx.metadata, this.keyspace, groupId, waitMs);
  }

  private readonly keyspace: CoordinatorKeyspace = {
    topic: OFFSETS_TOPIC,
    partitionFor: partitionForGroup,
    status: (groupId) => this.groupStatus(groupId),
    loading: (groupId) => {
      const st = this.partitions.get(this.partitionFor(groupId));
      return st?.kind === 'loading' ? st.done : null;
    },
  };

  /** Creates __consumer_offsets as Kafka does (compacted, producer compression, RF bounded by the live brokers). */
  ensureTopic(): Promise<void> {
    if (this.ctx.metadata.topic(OFFSETS_TOPIC)) return Promise.resolve();
    if (this.creatingTopic) return this.creatingTopic;
    const c = this.ctx.config();
    const live = this.ctx.metadata.brokers().length;
    const rf = Math.max(1, Math.min(c.getInt('offsets.topic.replication.factor'), live));
    const req = {
      name: OFFSETS_TOPIC,
      numPartitions: c.getInt('offsets.topic.num.partitions'),
      replicationFactor: rf,
      configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(c.getInt('offsets.topic.segment.bytes')), 'compression.type': 'producer' },
    };
    this.log.info({ partitions: req.numPartitions, replicationFactor: rf }, `Creating topic ${OFFSETS_TOPIC} for the group coordinator`);
    this.creatingTopic = this.ctx.admin.createTopic(req, false)
      .catch((e: unknown) => {
        if (e instanceof Error && e.name === 'TopicExistsError') return;
        this.log.warn({ err: e }, `Could not create ${OFFSETS_TOPIC}`);
        throw e;
      })
      .finally(() => { this.creatingTopic = null; });
    return this.creatingTopic;
  }

  private ensureLoaded(p: number): Promise<void> {
    const st = this.partitions.get(p);
    if (st?.kind === 'active') return Promise.resolve();
    if (st?.kind === 'loading') return st.done;
    const lookup = this.ctx.replicas.partition(OFFSETS_TOPIC, p);
    if (lookup.kind !== 'leader') return Promise.resolve();
    if (lookup.log.logStartOffset >= lookup.log.logEndOffset) {
      this.partitions.set(p, { kind: 'active' }); // nothing to load
      return Promise.resolve();
    }
    const state: PartitionState = { kind: 'loading', done: Promise.resolve() };
    // an unload (onResignation) during the load replaces the state: the load then installs nothing
    const current = (): boolean => this.partitions.get(p) === state;
    this.partitions.set(p, state); // before the load starts: it checks current() from its first read
    state.done = this.loadPartition(p, lookup.log, current).then(
      () => { if (current()) this.partitions.set(p, { kind: 'active' }); },
      (e: unknown) => {
        this.log.error({ err: e, partition: p }, `Error loading offsets and group metadata from ${OFFSETS_TOPIC}-${p}`);
        if (current()) this.partitions.delete(p);
      },
    );
    return state.done;
  }

  /**
   * Kafka's onResignation (KafkaApis.handleStopReplicaRequest → GroupCoordinator.onResignation →
   * removeGroupsForPartition): every partition loaded or loading here that this broker no longer leads is unloaded
   * at once — its groups' pending joins and syncs answered NOT_COORDINATOR (onGroupUnloaded), their offsets and
   * pending transactional offsets dropped. Called by the Majordomo after each StopReplica naming __consumer_offsets;
   * before, a moved or deleted partition's groups stayed in memory until their next request. Differs from Kafka:
   * also after a StopReplica without deletePartition, when the partition is no longer led here (as the
   * TransactionStateManager's syncLeadership). Returns the partitions unloaded.
   */
  onResignation(): number[] {
    const out: number[] = [];
    for (const p of [...this.partitions.keys()]) {
      if (this.ctx.replicas.partition(OFFSETS_TOPIC, p).kind === 'leader') continue;
      this.log.info({ partition: p }, `Resigned as the group coordinator for partition ${p}`);
      this.unloadPartition(p);
      out.push(p);
    }
    return out;
  }

  /** Replays one partition: the last record per key wins, null values delete (Kafka's doLoadGroupsAndOffsets). */
  private async loadPartition(p: number, log: PartitionLog, current: () => boolean = () => true): Promise<void> {
    const started = Date.now();
    const groupValues = new Map<string, GroupValue | null>();
    const offsetValues = new Map<string, Map<string, { topic: string; partition: number; value: OffsetValue | null }>>();
    // transactional offset commits by producer, until their marker (Kafka's loadGroupsAndOffsets pendingOffsets)
    const txnPending = new Map<bigint, Map<string, Map<string, { topic: string; partition: number; value: OffsetValue | null }>>>();
    const bufferSize = this.ctx.config().getInt('offsets.load.buffer.size');
    let offset = log.logStartOffset;
    let records = 0;
    // to the log end as it is when the load catches up, not as it was at the start (S, issue 13): a transaction marker
    // appended while the load runs finds no pending offsets to complete yet (they are installed below), so the load
    // must read it itself — else the offsets of a committed transaction stayed pending for ever (the EOS pipeline then
    // re-read a committed chunk: duplicates). Nothing can be appended between the last check and the install below
    // (no await in between); commits are refused while loading, so the appends during a load are markers only.
    while (offset < log.logEndOffset) {
      if (!current()) break;
      const { records: buf } = log.read(offset, bufferSize, { minOneMessage: true });
      if (buf.length === 0) break;
      let next = offset;
      for (const entry of iterateBatches(buf)) {
        const batch = entry.batch as RecordBatch;
        next = batch.lastOffset + 1n;
        if (batch.isControlBatch) {
          const marker = readEndTxnMarker(batch);
          const pend = txnPending.get(batch.producerId);
          if (marker && pend) {
            if (marker.isCommit) {
              for (const [g, entries] of pend) {
                let m = offsetValues.get(g);
                if (!m) offsetValues.set(g, (m = new Map()));
                for (const [k, e] of entries) m.set(k, e);
              }
            }
            txnPending.delete(batch.producerId);
          }
          continue;
        }
        const c = batch.records();
        while (c.next()) {
          const k = c.key();
          if (!k) continue;
          const key = decodeKey(k);
          if (!key) continue;
          const v = c.value();
          records++;
          if (key.kind === 'group') {
            groupValues.set(key.group, v ? decodeGroupValue(v) : null);
          } else if (batch.isTransactional) {
            let byGroup = txnPending.get(batch.producerId);
            if (!byGroup) txnPending.set(batch.producerId, (byGroup = new Map()));
            let m = byGroup.get(key.group);
            if (!m) byGroup.set(key.group, (m = new Map()));
            m.set(offsetKeyOf(key.topic, key.partition), { topic: key.topic, partition: key.partition, value: v ? decodeOffsetValue(v) : null });
          } else {
            let m = offsetValues.get(key.group);
            if (!m) offsetValues.set(key.group, (m = new Map()));
            m.set(offsetKeyOf(key.topic, key.partition), { topic: key.topic, partition: key.partition, value: v ? decodeOffsetValue(v) : null });
          }
        }
      }
      if (next <= offset) break;
      offset = next;
      await new Promise((r) => setImmediate(r)); // let requests in between chunks
    }
    if (!current()) {
      this.log.info({ partition: p }, `Abandoned loading ${OFFSETS_TOPIC}-${p}: the partition was unloaded meanwhile`);
      return;
    }
    // transactions still open at the end of the log stay pending
    for (const [pid, byGroup] of txnPending) {
      let dst = this.pendingTxnOffsets.get(pid);
      if (!dst) this.pendingTxnOffsets.set(pid, (dst = new Map()));
      for (const [g, entries] of byGroup) {
        const live = new Map<string, CommittedOffset>();
        for (const [k, e] of entries) if (e.value) live.set(k, e.value);
        dst.set(g, live);
      }
    }
    // apply
    for (const [groupId, m] of offsetValues) {
      const live = new Map<string, CommittedOffset>();
      for (const [k, e] of m) if (e.value) live.set(k, e.value);
      if (live.size > 0) this.offsets.set(groupId, live); else this.offsets.delete(groupId);
    }
    const ids = new Set([...groupValues.keys(), ...offsetValues.keys()]);
    let loaded = 0;
    for (const groupId of ids) {
      const v = groupValues.get(groupId);
      if (v) {
        const old = this.groups.get(groupId);
        if (old) this.stopActor(old);
        this.groups.set(groupId, this.spawn(groupId, restoreGroup(groupId, v, this.now())));
        loaded++;
      } else if (this.offsets.has(groupId)) {
        if (!this.groups.has(groupId)) { this.groups.set(groupId, this.spawn(groupId)); loaded++; }
      }
    }
    this.log.info({ partition: p, records, groups: loaded, ms: Date.now() - started }, `Finished loading offsets and group metadata from ${OFFSETS_TOPIC}-${p}`);
  }

  private unloadPartition(p: number): void {
    this.partitions.delete(p);
    const n = this.numPartitions();
    for (const [id, actor] of [...this.groups]) {
      if (partitionForGroup(id, n) !== p) continue;
      actor.send({ type: 'group.unload' });
      this.stopActor(actor);
      this.groups.delete(id);
      this.offsets.delete(id);
    }
    // the pending transactional offsets of its groups (Kafka keeps them in the group's metadata: they go with it)
    for (const [pid, byGroup] of this.pendingTxnOffsets) {
      for (const g of [...byGroup.keys()]) if (partitionForGroup(g, n) === p) byGroup.delete(g);
      if (byGroup.size === 0) this.pendingTxnOffsets.delete(pid);
    }
  }

  // ------------------------------------------------------------------------------------------- persistence

  private append(groupId: string, recs: RecordInput[]): number {
    if (!this.persist) return ErrorCode.NONE;
    const t = this.ctx.metadata.topic(OFFSETS_TOPIC);
    if (!t) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const lookup = this.ctx.replicas.partition(OFFSETS_TOPIC, partitionForGroup(groupId, t.partitions.length));
    if (lookup.kind === 'notLeader' || lookup.kind === 'offline') return ErrorCode.NOT_COORDINATOR;
    if (lookup.kind !== 'leader') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    try {
      lookup.log.appendAsLeader(buildRecordBatch({ records: recs, defaultTimestamp: this.now() }), lookup.leaderEpoch);
      return ErrorCode.NONE;
    } catch (e) {
      this.log.warn({ err: e, group: groupId }, `Appending to ${OFFSETS_TOPIC} failed`);
      return appendErrorCode(e);
    }
  }

  /**
   * The append both writes share, as Kafka's GroupMetadataManager.appendForGroup → ReplicaManager.appendRecords: to
   * the group's `__consumer_offsets` partition, led here, with requiredAcks = offsets.commit.required.acks. Answers
   * an error code at once (no topic, not the leader, the append failed: `appendError` maps the exception), or the
   * offset every ISR member must reach (null when acks ≠ -1: nothing to wait for).
   */
  private appendToOffsetsPartition(groupId: string, recs: RecordInput[], what: string, appendError: (e: unknown) => number):
    { errorCode: number } | { partition: number; requiredOffset: bigint | null } {
    const t = this.ctx.metadata.topic(OFFSETS_TOPIC);
    if (!t) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    const partition = partitionForGroup(groupId, t.partitions.length);
    const lookup = this.ctx.replicas.partition(OFFSETS_TOPIC, partition);
    if (lookup.kind === 'notLeader' || lookup.kind === 'offline') return { errorCode: ErrorCode.NOT_COORDINATOR };
    if (lookup.kind !== 'leader') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    const requiredAcks = this.ctx.config().getInt('offsets.commit.required.acks');
    try {
      const last = lookup.partition.appendRecordsToLeader(buildRecordBatch({ records: recs, defaultTimestamp: this.now() }), requiredAcks).lastOffset;
      return { partition, requiredOffset: requiredAcks === -1 ? last + 1n : null };
    } catch (e) {
      this.log.warn({ err: e, group: groupId }, `Appending ${what} to ${OFFSETS_TOPIC} failed`);
      return { errorCode: appendError(e) };
    }
  }

  /** Waits (offsets.commit.timeout.ms) until every ISR member of the partition has `requiredOffset`; the wait's error code. */
  private async awaitOffsetsReplication(partition: number, requiredOffset: bigint): Promise<number> {
    const [code] = await this.ctx.replicas.waitForReplication([{ topic: OFFSETS_TOPIC, partition, requiredOffset }], this.ctx.config().getInt('offsets.commit.timeout.ms'));
    return code ?? ErrorCode.REQUEST_TIMED_OUT;
  }

  /**
   * An offset commit's append, as Kafka's GroupMetadataManager.storeOffsets → ReplicaManager.appendRecords with
   * requiredAcks = offsets.commit.required.acks and timeout = offsets.commit.timeout.ms: with acks=-1 the commit
   * counts once every ISR member has it (DelayedProduce), REQUEST_TIMED_OUT after the timeout; other errors mapped
   * as storeOffsets maps them.
   */
  private async appendOffsets(groupId: string, recs: RecordInput[]): Promise<number> {
    if (!this.persist) return ErrorCode.NONE;
    const r = this.appendToOffsetsPartition(groupId, recs, 'offsets', (e) => {
      const name = e instanceof Error ? e.name : '';
      return name === 'RecordTooLargeError' || name === 'RecordBatchTooLargeError' ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE : appendErrorCode(e);
    });
    if ('errorCode' in r) return r.errorCode;
    if (r.requiredOffset === null) return ErrorCode.NONE;
    return storeOffsetsError(await this.awaitOffsetsReplication(r.partition, r.requiredOffset));
  }

  /**
   * A group metadata write, as Kafka's GroupMetadataManager.storeGroup → appendForGroup: appended with
   * requiredAcks = offsets.commit.required.acks; an append error is answered at once (mapped as storeGroup maps
   * it); with acks=-1 the answer is a promise that settles once every ISR member has the record, or after
   * offsets.commit.timeout.ms with REBALANCE_IN_PROGRESS (Kafka's REQUEST_TIMED_OUT mapping).
   */
  private storeGroup = (groupId: string, value: GroupValue): number | Promise<number> => {
    if (!this.persist) return ErrorCode.NONE;
    const r = this.appendToOffsetsPartition(groupId, [{ key: encodeGroupKey(groupId), value: encodeGroupValue(value) }], 'group metadata', appendErrorCode);
    if ('errorCode' in r) return r.errorCode;
    if (r.requiredOffset === null) return ErrorCode.NONE;
    return this.awaitOffsetsReplication(r.partition, r.requiredOffset).then(storeGroupError);
  };

  // ------------------------------------------------------------------------------------------- groups

  /** Group actors become children of this host from now on (the coordinator actor calls it on start). */
  attachHost(host: GroupActorHost | null): void {
    this.host = host;
  }

  private spawn(groupId: string, restored?: GroupData): GroupActor {
    const id = `group:${groupId}#${++this.spawned}`;
    const input: GroupMachineInput = { groupId, cfg: this.groupConfig(), store: this.storeGroup, now: this.now, log: this.log, ...(restored ? { restored } : {}) };
    const child = this.host?.spawn(id, input);
    if (child) {
      this.hosted.set(child, id);
      return child;
    }
    if (!this.groupActors) throw new Error('GroupCoordinator: no group actor factory (pass options.groupActors = standaloneGroupActor)');
    return this.groupActors(id, input);
  }

  private stopActor(a: GroupActor): void {
    const id = this.hosted.get(a);
    if (id !== undefined && this.host) this.host.stop(id);
    else a.stop();
  }

  private group(groupId: string, create: boolean): GroupActor | undefined {
    let a = this.groups.get(groupId);
    if (!a && create) {
      a = this.spawn(groupId);
      this.groups.set(groupId, a);
    }
    return a;
  }

  private send(a: GroupActor, e: GroupRequestEvent): void {
    a.send(e);
    const g = a.getSnapshot().context.g;
    if (g.state === 'Dead' && this.groups.get(g.groupId) === a) {
      this.groups.delete(g.groupId);
      this.stopActor(a);
    }
  }

  /** A group created by a join that was refused (and never used) is forgotten at once. */
  private dropIfUnused(groupId: string, a: GroupActor): void {
    const g = a.getSnapshot().context.g;
    if (g.state === 'Empty' && g.generationId === 0 && g.members.size === 0 && g.pendingMembers.size === 0 && !this.hasOffsets(groupId) && this.groups.get(groupId) === a) {
      this.groups.delete(groupId);
      this.stopActor(a);
    }
  }

  groupData(groupId: string): GroupData | undefined {
    return this.groups.get(groupId)?.getSnapshot().context.g;
  }

  join(groupId: string, req: JoinRequest): Promise<JoinResult> {
    const status = this.groupStatus(groupId);
    if (status !== ErrorCode.NONE) return Promise.resolve(joinError(req.memberId, status));
    const cfg = this.groupConfig();
    if (req.sessionTimeoutMs < cfg.minSessionTimeoutMs || req.sessionTimeoutMs > cfg.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const a = this.group(groupId, req.memberId === UNKNOWN_MEMBER_ID);
    if (!a) return Promise.resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    return new Promise((resolve) => {
      this.send(a, { type: 'group.join', req, reply: resolve });
      this.dropIfUnused(groupId, a);
    });
  }

  sync(groupId: string, req: SyncRequest): Promise<SyncResult> {
    const err = (errorCode: number): SyncResult => ({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
    const status = this.groupStatus(groupId);
    if (status !== ErrorCode.NONE) return Promise.resolve(err(status));
    const a = this.group(groupId, false);
    if (!a) return Promise.resolve(err(ErrorCode.UNKNOWN_MEMBER_ID));
    return new Promise((resolve) => this.send(a, { type: 'group.sync', req, reply: resolve }));
  }

  heartbeat(groupId: string, req: { memberId: string; groupInstanceId: string | null; generationId: number }): number {
    const status = this.groupStatus(groupId);
    if (status !== ErrorCode.NONE) return status;
    const a = this.group(groupId, false);
    if (!a) return ErrorCode.UNKNOWN_MEMBER_ID;
    let code: number = ErrorCode.UNKNOWN_SERVER_ERROR;
    this.send(a, { type: 'group.heartbeat', req, reply: (c) => { code = c; } });
    return code;
  }

  /** LeaveGroup: the group-level error and one error per member. */
  leave(groupId: string, members: MemberRef[]): { errorCode: number; members: number[] } {
    const status = this.groupStatus(groupId);
    if (status !== ErrorCode.NONE) return { errorCode: status, members: members.map(() => status) };
    const a = this.group(groupId, false);
    if (!a) return { errorCode: ErrorCode.NONE, members: members.map(() => ErrorCode.UNKNOWN_MEMBER_ID) };
    let codes: number[] = [];
    this.send(a, { type: 'group.leave', members, reply: (c) => { codes = c; } });
    return { errorCode: ErrorCode.NONE, members: codes };
  }

  listGroups(statesFilter: string[] = []): GroupOverview[] {
    const wanted = new Set(statesFilter.map((s) => s.toLowerCase()));
    const out: GroupOverview[] = [];
    for (const [groupId, a] of this.groups) {
      if (this.persist && this.partitions.get(this.partitionFor(groupId))?.kind !== 'active') continue;
      const g = a.getSnapshot().context.g;
      if (g.state === 'Dead') continue;
      if (wanted.size > 0 && !wanted.has(g.state.toLowerCase())) continue;
      out.push({ groupId, protocolType: g.protocolType ?? '', state: g.state });
    }
    return out.sort((x, y) => (x.groupId < y.groupId ? -1 : x.groupId > y.groupId ? 1 : 0));
  }

  /** Whether every loaded partition is active (ListGroups answers COORDINATOR_LOAD_IN_PROGRESS otherwise). */
  isLoading(): boolean {
    for (const st of this.partitions.values()) if (st.kind === 'loading') return true;
    return false;
  }

  describeGroup(groupId: string): GroupSummary {
    const status = this.groupStatus(groupId);
    const dead: GroupSummary = { errorCode: status, groupId, state: 'Dead', protocolType: '', protocolData: '', members: [] };
    if (status !== ErrorCode.NONE) return dead;
    const g = this.groupData(groupId);
    if (!g) return dead;
    const stable = g.state === 'Stable';
    return {
      errorCode: ErrorCode.NONE, groupId, state: g.state, protocolType: g.protocolType ?? '', protocolData: stable ? (g.protocolName ?? '') : '',
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        metadata: stable ? (m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? EMPTY) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  /** DeleteGroups for one group: Empty (or offsets-only) groups die with tombstones for the group and its offsets. */
  deleteGroup(groupId: string): number {
    const status = this.groupStatus(groupId);
    if (status !== ErrorCode.NONE) return status;
    const a = this.group(groupId, false);
    if (!a) return ErrorCode.GROUP_ID_NOT_FOUND;
    const g = a.getSnapshot().context.g;
    if (g.state !== 'Empty') return g.state === 'Dead' ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NON_EMPTY_GROUP;
    const err = this.append(groupId, this.tombstones(groupId, [...(this.offsets.get(groupId)?.keys() ?? [])], true));
    if (err !== ErrorCode.NONE) return err;
    let code: number = ErrorCode.UNKNOWN_SERVER_ERROR;
    this.send(a, { type: 'group.delete', reply: (c) => { code = c; } });
    if (code === ErrorCode.NONE) this.offsets.delete(groupId);
    return code;
  }

  private tombstones(groupId: string, offsetKeys: string[], group: boolean): RecordInput[] {
    const recs: RecordInput[] = offsetKeys.map((k) => {
      const [topic, partition] = k.split('\u0000') as [string, string];
      return { key: encodeOffsetKey(groupId, topic, Number(partition)), value: null };
    });
    if (group) recs.push({ key: encodeGroupKey(groupId), value: null });
    return recs;
  }

  // ------------------------------------------------------------------------------------------- offsets

  /**
   * OffsetCommit: per-entry error codes (in order), once the append is replicated as offsets.commit.required.acks
   * asks (at most offsets.commit.timeout.ms); the cache takes the offsets only then (Kafka's onOffsetCommitAppend).
   */
  async commitOffsets(groupId: string, who: { memberId: string; groupInstanceId: string | null; generationId: number }, entries: OffsetCommitEntry[]): Promise<number[]> {
    const status = this.groupStatus(groupId);
    if (status !== ErrorCode.NONE) return entries.map(() => status);
    let a = this.group(groupId, false);
    if (!a) {
      // Not managed by Kafka (simple consumer): only generation < 0 may commit, creating an Empty group.
      if (who.generationId >= 0) return entries.map(() => ErrorCode.ILLEGAL_GENERATION);
      a = this.group(groupId, true)!;
    }
    let code: number = ErrorCode.UNKNOWN_SERVER_ERROR;
    this.send(a, { type: 'group.commitCheck', req: who, reply: (c) => { code = c; } });
    if (code !== ErrorCode.NONE) return entries.map(() => code);
    const now = this.now();
    const values = entries.map((e): OffsetValue => ({ offset: e.offset, leaderEpoch: e.leaderEpoch, metadata: e.metadata ?? '', commitTimestamp: now, expireTimestamp: e.retentionMs >= 0 ? now + e.retentionMs : -1 }));
    this.pendingCommits.set(groupId, (this.pendingCommits.get(groupId) ?? 0) + 1);
    let err: number;
    try {
      err = await this.appendOffsets(groupId, entries.map((e, i) => ({ key: encodeOffsetKey(groupId, e.topic, e.partition), value: encodeOffsetValue(values[i]!) })));
    } finally {
      const n = this.pendingCommits.get(groupId)! - 1;
      if (n === 0) this.pendingCommits.delete(groupId); else this.pendingCommits.set(groupId, n);
    }
    if (err !== ErrorCode.NONE) return entries.map(() => err);
    // Kafka's callback: a group deleted or unloaded while the commit waited does not get its offsets back.
    if (this.groups.get(groupId) !== a) return entries.map(() => ErrorCode.NONE);
    let m = this.offsets.get(groupId);
    if (!m) this.offsets.set(groupId, (m = new Map()));
    entries.forEach((e, i) => m.set(offsetKeyOf(e.topic, e.partition), values[i]!));
    return entries.map(() => ErrorCode.NONE);
  }

  /**
   * TxnOffsetCommit (Kafka's handleTxnCommitOffsets → doTxnCommitOffsets): the group is created if unknown; a member
   * id or generation, when given (v3+), must match; the offsets are appended to __consumer_offsets as a transactional
   * batch of the producer (origin coordinator, acks as offsets.commit.required.acks) and held as pending until the
   * transaction's marker reaches the group's partition ({@link completeTransactionalOffsets}). `refuseAppend` (KIP-890,
   * S's minimal touch): the transaction verification's check, made just before the append — an error code refuses it.
   */
  async commitTxnOffsets(
    groupId: string, producerId: bigint, producerEpoch: number, who: { memberId: string; groupInstanceId: string | null; generationId: number }, entries: OffsetCommitEntry[],
    refuseAppend?: (log: PartitionLog) => number | null,
  ): Promise<number[]> {
    const status = this.groupStatus(groupId);
    if (status !== ErrorCode.NONE) return entries.map(() => status);
    const a = this.group(groupId, true)!;
    const g = a.getSnapshot().context.g;
    let code: number = ErrorCode.NONE;
    if (g.state === 'Dead') code = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    else if (who.memberId !== '' && !g.members.has(who.memberId)) code = ErrorCode.UNKNOWN_MEMBER_ID;
    else if (who.generationId >= 0 && who.generationId !== g.generationId) code = ErrorCode.ILLEGAL_GENERATION;
    if (code !== ErrorCode.NONE) return entries.map(() => code);
    const now = this.now();
    const values = entries.map((e): OffsetValue => ({ offset: e.offset, leaderEpoch: e.leaderEpoch, metadata: e.metadata ?? '', commitTimestamp: now, expireTimestamp: -1 }));
    if (this.persist) {
      const t = this.ctx.metadata.topic(OFFSETS_TOPIC);
      if (!t) return entries.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE);
      const partition = partitionForGroup(groupId, t.partitions.length);
      const lookup = this.ctx.replicas.partition(OFFSETS_TOPIC, partition);
      if (lookup.kind !== 'leader') return entries.map(() => (lookup.kind === 'unknown' ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR));
      const requiredAcks = this.ctx.config().getInt('offsets.commit.required.acks');
      const refused = refuseAppend?.(lookup.log) ?? null;
      if (refused !== null) return entries.map(() => refused);
      let requiredOffset: bigint;
      try {
        const batch = buildRecordBatch({
          records: entries.map((e, i) => ({ key: encodeOffsetKey(groupId, e.topic, e.partition), value: encodeOffsetValue(values[i]!) })),
          defaultTimestamp: now, producerId, producerEpoch, baseSequence: 0, isTransactional: true,
        });
        requiredOffset = lookup.partition.appendRecordsToLeader(batch, requiredAcks, 'coordinator').lastOffset + 1n;
      } catch (e) {
        const name = e instanceof Error ? e.name : '';
        if (name === 'InvalidProducerEpochError') return entries.map(() => ErrorCode.INVALID_PRODUCER_EPOCH);
        this.log.warn({ err: e, group: groupId }, `Appending transactional offsets to ${OFFSETS_TOPIC} failed`);
        return entries.map(() => appendErrorCode(e));
      }
      if (requiredAcks === -1) {
        const [c] = await this.ctx.replicas.waitForReplication([{ topic: OFFSETS_TOPIC, partition, requiredOffset }], this.ctx.config().getInt('offsets.commit.timeout.ms'));
        const err = storeOffsetsError(c ?? ErrorCode.REQUEST_TIMED_OUT);
        if (err !== ErrorCode.NONE) return entries.map(() => err);
      }
    }
    let byGroup = this.pendingTxnOffsets.get(producerId);
    if (!byGroup) this.pendingTxnOffsets.set(producerId, (byGroup = new Map()));
    let m = byGroup.get(groupId);
    if (!m) byGroup.set(groupId, (m = new Map()));
    entries.forEach((e, i) => m.set(offsetKeyOf(e.topic, e.partition), values[i]!));
    return entries.map(() => ErrorCode.NONE);
  }

  /**
   * A transaction marker of `producerId` was written to these __consumer_offsets partitions (Kafka's
   * handleTxnCompletion): its pending offsets for groups of those partitions become committed (COMMIT) or go (ABORT).
   */
  completeTransactionalOffsets(producerId: bigint, offsetsPartitions: number[], isCommit: boolean): void {
    const byGroup = this.pendingTxnOffsets.get(producerId);
    if (!byGroup) return;
    const parts = new Set(offsetsPartitions);
    for (const [groupId, pending] of [...byGroup]) {
      if (!parts.has(this.partitionFor(groupId))) continue;
      byGroup.delete(groupId);
      if (!isCommit) continue;
      if (!this.groups.has(groupId)) this.group(groupId, true);
      let m = this.offsets.get(groupId);
      if (!m) this.offsets.set(groupId, (m = new Map()));
      for (const [k, v] of pending) m.set(k, v);
    }
    if (byGroup.size === 0) this.pendingTxnOffsets.delete(producerId);
  }

  /** Whether a transaction holds an uncommitted offset for this group/partition (OffsetFetch require_stable). */
  hasPendingTxnOffset(groupId: string, topic: string, partition: number): boolean {
    const k = offsetKeyOf(topic, partition);
    for (const byGroup of this.pendingTxnOffsets.values()) if (byGroup.get(groupId)?.has(k)) return true;
    return false;
  }

  /** OffsetFetch: null topics = everything committed. Unknown partitions → offset -1. */
  fetchOffsets(groupId: string, topics: Array<{ name: string; partitions: number[] }> | null):
    { errorCode: number; topics: Array<{ name: string; partitions: Array<{ partition: number; offset: bigint; leaderEpoch: number; metadata: string }> }> } {
    const status = this.groupStatus(groupId);
    if (status !== ErrorCode.NONE) return { errorCode: status, topics: [] };
    const m = this.offsets.get(groupId) ?? new Map<string, CommittedOffset>();
    if (topics === null) {
      const byTopic = new Map<string, Array<{ partition: number; offset: bigint; leaderEpoch: number; metadata: string }>>();
      for (const [k, v] of m) {
        const [topic, partition] = k.split('\u0000') as [string, string];
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({ partition: Number(partition), offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata });
      }
      return { errorCode: ErrorCode.NONE, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions: partitions.sort((x, y) => x.partition - y.partition) })) };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const v = m.get(offsetKeyOf(t.name, p));
          return v ? { partition: p, offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata } : { partition: p, offset: -1n, leaderEpoch: -1, metadata: '' };
        }),
      })),
    };
  }

  /** OffsetDelete: group-level error, then per-partition errors (GROUP_SUBSCRIBED_TO_TOPIC for subscribed topics). */
  deleteOffsets(groupId: string, topics: Array<{ name: string; partitions: number[] }>): { errorCode: number; topics: Array<{ name: string; partitions: Array<{ partition: number; errorCode: number }> }> } {
    const status = this.groupStatus(groupId);
    if (status !== ErrorCode.NONE) return { errorCode: status, topics: [] };
    const g = this.groupData(groupId);
    if (!g || g.state === 'Dead') return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    if (g.state !== 'Empty' && g.protocolType !== 'consumer') return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    const m = this.offsets.get(groupId);
    const deletable: string[] = [];
    const result = topics.map((t) => {
      const subscribed = g.state !== 'Empty' && isSubscribedToTopic(g, t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          if (subscribed) return { partition: p, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
          const k = offsetKeyOf(t.name, p);
          if (m?.has(k)) deletable.push(k);
          return { partition: p, errorCode: ErrorCode.NONE };
        }),
      };
    });
    if (deletable.length > 0) {
      const err = this.append(groupId, this.tombstones(groupId, deletable, false));
      if (err !== ErrorCode.NONE) return { errorCode: err, topics: [] };
      for (const k of deletable) m!.delete(k);
      if (m!.size === 0) this.offsets.delete(groupId);
    }
    return { errorCode: ErrorCode.NONE, topics: result };
  }

  /**
   * Kafka's cleanupGroupMetadata: drop offsets older than offsets.retention.minutes (from the commit time for
   * standalone/active groups' unsubscribed topics, from the time an Empty group became empty, or the explicit
   * expire timestamp), write their tombstones, and let Empty groups without offsets die. Returns how many offsets went.
   */
  expireOffsets(): number {
    const now = this.now();
    const retentionMs = this.ctx.config().getInt('offsets.retention.minutes') * 60_000;
    let removed = 0;
    for (const [groupId, m] of [...this.offsets]) {
      if (this.persist && this.partitions.get(this.partitionFor(groupId))?.kind !== 'active') continue;
      const g = this.groupData(groupId);
      const expired: string[] = [];
      for (const [k, v] of m) {
        const topic = k.split('\u0000')[0]!;
        // Kafka's GroupMetadata.removeExpiredOffsets: which offsets may expire, and from when.
        let eligible = false;
        let base = v.commitTimestamp;
        if (!g || g.protocolType === null) eligible = true;
        else if (g.state === 'Empty') { eligible = true; if (g.currentStateTimestamp >= 0) base = g.currentStateTimestamp; }
        else if (g.protocolType === 'consumer' && g.subscribedTopics !== null) eligible = !g.subscribedTopics.has(topic);
        const expire = eligible && (v.expireTimestamp >= 0 ? now >= v.expireTimestamp : now - base >= retentionMs);
        if (expire) expired.push(k);
      }
      if (expired.length === 0) continue;
      const groupGoes = (!g || g.state === 'Empty') && expired.length === m.size;
      if (this.append(groupId, this.tombstones(groupId, expired, groupGoes && g !== undefined)) !== ErrorCode.NONE) continue;
      for (const k of expired) m.delete(k);
      removed += expired.length;
      if (m.size === 0) this.offsets.delete(groupId);
      if (groupGoes) {
        const a = this.groups.get(groupId);
        if (a) this.send(a, { type: 'group.delete', reply: () => {} });
      }
      this.log.info({ group: groupId, expired: expired.length }, `Removed ${expired.length} expired offsets of group ${groupId}`);
    }
    // Empty groups without offsets are gone too (group tombstone), as Kafka's cleanupGroupMetadata.
    for (const [groupId, a] of [...this.groups]) {
      if (this.hasOffsets(groupId)) continue;
      if (this.persist && this.partitions.get(this.partitionFor(groupId))?.kind !== 'active') continue;
      const g = a.getSnapshot().context.g;
      if (g.state !== 'Empty' || g.pendingMembers.size > 0) continue;
      if (this.append(groupId, this.tombstones(groupId, [], true)) !== ErrorCode.NONE) continue;
      this.send(a, { type: 'group.delete', reply: () => {} });
      this.log.info({ group: groupId }, `Group ${groupId} transitioned to Dead (empty, no offsets)`);
    }
    return removed;
  }

  committed(groupId: string): ReadonlyMap<string, CommittedOffset> | undefined {
    return this.offsets.get(groupId);
  }

  shutdown(): void {
    this.stopped = true;
    for (const a of this.groups.values()) { a.send({ type: 'group.unload' }); this.stopActor(a); }
    this.groups.clear();
    this.offsets.clear();
    this.pendingTxnOffsets.clear();
    this.partitions.clear();
  }
}
