/**
 * Kafka's `TransactionStateManager`: the transaction metadata of the `__transaction_state` partitions this broker
 * leads, kept in memory and persisted to the topic (records: transaction-log.ts).
 *
 * - The topic is created on first use (FindCoordinator key type 1, InitProducerId) with
 *   `transaction.state.log.num.partitions`, `.replication.factor` (bounded by the live brokers), `.segment.bytes`,
 *   `.min.isr`, compacted and uncompressed, as Kafka's `transactionTopicConfigs`.
 * - A partition is loaded (replayed: the last record per transactional id wins, tombstones delete) before its ids are
 *   served — meanwhile COORDINATOR_LOAD_IN_PROGRESS; led elsewhere → NOT_COORDINATOR; no topic yet →
 *   COORDINATOR_NOT_AVAILABLE. The coordinator epoch of a partition is its leader epoch at load time (as Kafka's
 *   onElection). Transactions found in PrepareCommit/PrepareAbort are handed to `onLoaded` so the coordinator
 *   finishes them (sends the markers again).
 * - Every change is appended with acks=-1 and waits for the ISR (up to `request.timeout.ms`) before the metadata
 *   takes it (Kafka's appendTransactionToLog); errors are mapped as Kafka maps them.
 *
 * Leadership of `__transaction_state` partitions is noticed by {@link syncLeadership}: called after each LeaderAndIsr
 * naming the topic (Kafka's onLeadershipChange callback), after each StopReplica naming it (Kafka's
 * handleStopReplicaRequest → onResignation: a partition moved away or deleted is unloaded at once), on every request,
 * and by a 30 s safety-net timer (a LeaderAndIsr that arrived before the topic's metadata is caught there).
 */
import type { Logger } from '../../logger.js';
import { ErrorCode } from '../../protocol/errors.js';
import { buildRecordBatch, iterateBatches, type RecordBatch } from '../log/record-batch.js';
import type { BrokerContext, PartitionLog } from '../server/broker-context.js';
import { awaitCoordinator, type CoordinatorKeyspace } from '../server/coordinator-lookup.js';
import { TransactionMetadata, transitToLogValue, type TxnTransit } from './transaction-metadata.js';
import { TRANSACTION_STATE_TOPIC, decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, partitionForTxn } from './transaction-log.js';

type PartitionState =
  | { kind: 'loading'; leaderEpoch: number; done: Promise<void> }
  | { kind: 'active'; coordinatorEpoch: number; txns: Map<string, TransactionMetadata> };

export type TxnLookup =
  | { errorCode: typeof ErrorCode.NONE; coordinatorEpoch: number; partition: number; metadata: TransactionMetadata | undefined }
  | { errorCode: number };

/** Kafka's appendTransactionToLog error mapping. */
function appendError(code: number): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.NONE:
      return ErrorCode.NONE;
    default:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}

function exceptionCode(e: unknown): number {
  switch (e instanceof Error ? e.name : '') {
    case 'NotLeaderOrFollowerError': return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    case 'KafkaStorageError': return ErrorCode.KAFKA_STORAGE_ERROR;
    case 'NotEnoughReplicasError': return ErrorCode.NOT_ENOUGH_REPLICAS;
    default: return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}

export interface TransactionStateManagerOptions {
  now?: () => number;
  log?: Logger;
  /** A partition finished loading: its transactions (the coordinator completes those in PrepareCommit/PrepareAbort). */
  onLoaded?: (partition: number, coordinatorEpoch: number, txns: ReadonlyMap<string, TransactionMetadata>) => void;
  /** A partition was unloaded (leadership lost). */
  onUnloaded?: (partition: number) => void;
}

export class TransactionStateManager {
  private readonly partitions = new Map<number, PartitionState>();
  private creatingTopic: Promise<void> | null = null;
  private readonly now: () => number;
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly ctx: BrokerContext, private readonly opts: TransactionStateManagerOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? ctx.log;
  }

  numPartitions(): number {
    const t = this.ctx.metadata.topic(TRANSACTION_STATE_TOPIC);
    return t ? t.partitions.length : this.ctx.config().getInt('transaction.state.log.num.partitions');
  }

  partitionFor(transactionalId: string): number {
    return partitionForTxn(transactionalId, this.numPartitions());
  }

  /** Creates __transaction_state as Kafka does (compacted, uncompressed, min ISR, RF bounded by the live brokers). */
  ensureTopic(): Promise<void> {
    if (this.ctx.metadata.topic(TRANSACTION_STATE_TOPIC)) return Promise.resolve();
    if (this.creatingTopic) return this.creatingTopic;
    const c = this.ctx.config();
    const live = this.ctx.metadata.brokers().length;
    const rf = Math.max(1, Math.min(c.getInt('transaction.state.log.replication.factor'), live));
    const req = {
      name: TRANSACTION_STATE_TOPIC,
      numPartitions: c.getInt('transaction.state.log.num.partitions'),
      replicationFactor: rf,
      configs: {
        'cleanup.policy': 'compact', 'compression.type': 'uncompressed', 'unclean.leader.election.enable': 'false',
        'min.insync.replicas': String(c.getInt('transaction.state.log.min.isr')),
        'segment.bytes': String(c.getInt('transaction.state.log.segment.bytes')),
      },
    };
    this.log.info({ partitions: req.numPartitions, replicationFactor: rf }, `Creating topic ${TRANSACTION_STATE_TOPIC} for the transaction coordinator`);
    this.creatingTopic = this.ctx.admin.createTopic(req, false)
      .catch((e: unknown) => {
        if (e instanceof Error && e.name === 'TopicExistsError') return;
        this.log.warn({ err: e }, `Could not create ${TRANSACTION_STATE_TOPIC}`);
        throw e;
      })
      .finally(() => { this.creatingTopic = null; });
    return this.creatingTopic;
  }

  /**
   * Loads every partition led here that is not loaded (or whose leader epoch changed) and unloads the ones no
   * longer led here (Kafka's onElection / onResignation): called after each LeaderAndIsr or StopReplica naming
   * __transaction_state (the Majordomo's onLeaderAndIsr / onStopReplica), on every coordinator request, and by the
   * actor's slow safety-net timer. Differs from Kafka: a StopReplica without deletePartition unloads too when the
   * partition is no longer led here (Kafka leaves that to the LeaderAndIsr that made it a follower).
   */
  syncLeadership(): void {
    if (this.stopped) return;
    // a loaded partition this broker no longer leads, also one the metadata no longer names (the topic deleted)
    for (const p of [...this.partitions.keys()]) if (this.ctx.replicas.partition(TRANSACTION_STATE_TOPIC, p).kind !== 'leader') this.unload(p);
    const t = this.ctx.metadata.topic(TRANSACTION_STATE_TOPIC);
    if (!t) return;
    for (const q of t.partitions) {
      const p = q.partition;
      const lookup = this.ctx.replicas.partition(TRANSACTION_STATE_TOPIC, p);
      const st = this.partitions.get(p);
      if (lookup.kind !== 'leader') continue; // unloaded above
      const epoch = lookup.leaderEpoch;
      if (st?.kind === 'active' && st.coordinatorEpoch === epoch) continue;
      if (st?.kind === 'loading' && st.leaderEpoch === epoch) continue;
      if (st) this.unload(p);
      this.load(p, lookup.log, epoch);
    }
  }

  /** NONE with the partition's data when the id's partition is loaded here; else Kafka's error (the topic / load kicked off). */
  getTransactionState(transactionalId: string): TxnLookup {
    if (this.stopped) return { errorCode: ErrorCode.NOT_COORDINATOR };
    const t = this.ctx.metadata.topic(TRANSACTION_STATE_TOPIC);
    if (!t) {
      void this.ensureTopic().catch(() => {});
      return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    }
    this.syncLeadership();
    const p = partitionForTxn(transactionalId, t.partitions.length);
    const st = this.partitions.get(p);
    if (st?.kind === 'active') return { errorCode: ErrorCode.NONE, coordinatorEpoch: st.coordinatorEpoch, partition: p, metadata: st.txns.get(transactionalId) };
    if (st?.kind === 'loading') return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
    const lookup = this.ctx.replicas.partition(TRANSACTION_STATE_TOPIC, p);
    if (lookup.kind === 'notLeader') return { errorCode: ErrorCode.NOT_COORDINATOR };
    return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  }

  /** Kafka's putTransactionStateIfNotExists: the existing metadata if another request created it meanwhile. */
  putTransactionStateIfNotExists(m: TransactionMetadata): TxnLookup {
    const r = this.getTransactionState(m.transactionalId);
    if (r.errorCode !== ErrorCode.NONE) return r;
    const ok = r as Extract<TxnLookup, { metadata: unknown }>;
    if (ok.metadata) return ok;
    const st = this.partitions.get(ok.partition) as Extract<PartitionState, { kind: 'active' }>;
    st.txns.set(m.transactionalId, m);
    return { ...ok, metadata: m };
  }

  /** Every loaded transaction (the coordinator's timeout / expiry scans, ListTransactions). */
  *allTransactions(): Generator<{ coordinatorEpoch: number; metadata: TransactionMetadata }> {
    for (const st of this.partitions.values()) {
      if (st.kind !== 'active') continue;
      for (const m of st.txns.values()) yield { coordinatorEpoch: st.coordinatorEpoch, metadata: m };
    }
  }

  isLoading(): boolean {
    for (const st of this.partitions.values()) if (st.kind === 'loading') return true;
    return false;
  }

  /** Whether `coordinatorEpoch` still owns `transactionalId`'s partition. */
  isOwner(transactionalId: string, coordinatorEpoch: number): boolean {
    const st = this.partitions.get(this.partitionFor(transactionalId));
    return st?.kind === 'active' && st.coordinatorEpoch === coordinatorEpoch;
  }

  /** FindCoordinator: waits up to `waitMs` for the topic and the id's partition; the leader broker or an error. */
  findCoordinator(transactionalId: string, waitMs: number): Promise<{ errorCode: number; nodeId: number }> {
    return awaitCoordinator(this.ctx.metadata, this.keyspace, transactionalId, waitMs);
  }

  private readonly keyspace: CoordinatorKeyspace = {
    topic: TRANSACTION_STATE_TOPIC,
    partitionFor: partitionForTxn,
    status: (transactionalId) => this.getTransactionState(transactionalId).errorCode,
    loading: (transactionalId) => {
      const st = this.partitions.get(this.partitionFor(transactionalId));
      return st?.kind === 'loading' ? st.done : null;
    },
  };

  private load(p: number, log: PartitionLog, leaderEpoch: number): void {
    const done = this.loadPartition(p, log).then(
      (txns) => {
        const st = this.partitions.get(p);
        if (st?.kind !== 'loading' || st.done !== done) return; // unloaded meanwhile
        this.partitions.set(p, { kind: 'active', coordinatorEpoch: leaderEpoch, txns });
        this.opts.onLoaded?.(p, leaderEpoch, txns);
      },
      (e: unknown) => {
        this.log.error({ err: e, partition: p }, `Error loading transactions from ${TRANSACTION_STATE_TOPIC}-${p}`);
        if (this.partitions.get(p)?.kind === 'loading') this.partitions.delete(p);
      },
    );
    this.partitions.set(p, { kind: 'loading', leaderEpoch, done });
  }

  /** Kafka's loadTransactionMetadata: the last record per id wins, a tombstone removes it. */
  private async loadPartition(p: number, log: PartitionLog): Promise<Map<string, TransactionMetadata>> {
    const started = Date.now();
    const txns = new Map<string, TransactionMetadata>();
    const bufferSize = this.ctx.config().getInt('transaction.state.log.load.buffer.size');
    let offset = log.logStartOffset;
    // To the log END offset, re-read each round, as Kafka 3.7.1's loadTransactionMetadata (FetchIsolation.LOG_END) —
    // not the high watermark: a new leader's HW lags (followers learn it one fetch later), so the last acked records
    // (e.g. an AddPartitionsToTxn's Ongoing [a, b]) sit above it; loading to the HW gave the new coordinator the
    // previous state (Ongoing [a]) and its abort left b's data without a marker — committed later by the next
    // transaction's marker of the same producer (the G1c workload's "lost" record, notes-V).
    let end = log.logEndOffset;
    let records = 0;
    while (offset < (end = log.logEndOffset)) {
      const { records: buf } = log.read(offset, bufferSize, { minOneMessage: true });
      if (buf.length === 0) break;
      let next = offset;
      for (const entry of iterateBatches(buf)) {
        const batch = entry.batch as RecordBatch;
        if (batch.baseOffset >= end) break;
        next = batch.lastOffset + 1n;
        if (batch.isControlBatch) continue;
        const c = batch.records();
        while (c.next()) {
          const k = c.key();
          if (!k) continue;
          const id = decodeTxnKey(k);
          if (id === null) continue;
          const v = c.value();
          records++;
          if (v === null) txns.delete(id);
          else txns.set(id, TransactionMetadata.fromLog(id, decodeTxnValue(v)));
        }
      }
      if (next <= offset) break;
      offset = next;
      await new Promise((r) => setImmediate(r));
    }
    this.log.info({ partition: p, records, transactions: txns.size, ms: Date.now() - started }, `Finished loading ${txns.size} transaction metadata from ${TRANSACTION_STATE_TOPIC}-${p}`);
    return txns;
  }

  private unload(p: number): void {
    if (!this.partitions.delete(p)) return;
    this.log.info({ partition: p }, `Unloaded transaction metadata from ${TRANSACTION_STATE_TOPIC}-${p}`);
    this.opts.onUnloaded?.(p);
  }

  /**
   * Kafka's appendTransactionToLog: writes the transit (or a tombstone for Dead), waits for the ISR, then — if this
   * broker still owns the partition with the same coordinator epoch — the metadata takes the transit. Returns the
   * error code; on any error the pending state is cleared.
   */
  async appendTransactionToLog(m: TransactionMetadata, coordinatorEpoch: number, t: TxnTransit): Promise<number> {
    const p = this.partitionFor(m.transactionalId);
    const lookup = this.ctx.replicas.partition(TRANSACTION_STATE_TOPIC, p);
    let code: number;
    if (lookup.kind !== 'leader') code = lookup.kind === 'unknown' ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR;
    else {
      const value = t.state === 'Dead' ? null : encodeTxnValue(transitToLogValue(t));
      try {
        const r = lookup.partition.appendRecordsToLeader(buildRecordBatch({ records: [{ key: encodeTxnKey(m.transactionalId), value }], defaultTimestamp: this.now() }), -1);
        const [c] = await this.ctx.replicas.waitForReplication([{ topic: TRANSACTION_STATE_TOPIC, partition: p, requiredOffset: r.lastOffset + 1n }], this.ctx.config().getInt('request.timeout.ms'));
        code = appendError(c ?? ErrorCode.REQUEST_TIMED_OUT);
      } catch (e) {
        this.log.warn({ err: e, transactionalId: m.transactionalId }, `Appending to ${TRANSACTION_STATE_TOPIC} failed`);
        code = appendError(exceptionCode(e));
      }
      if (code === ErrorCode.NONE && !this.isOwner(m.transactionalId, coordinatorEpoch)) code = ErrorCode.NOT_COORDINATOR;
    }
    if (code !== ErrorCode.NONE) {
      m.pendingState = null;
      return code;
    }
    if (t.state === 'Dead') {
      m.pendingState = null;
      m.state = 'Dead';
      const st = this.partitions.get(p);
      if (st?.kind === 'active' && st.txns.get(m.transactionalId) === m) st.txns.delete(m.transactionalId);
      return code;
    }
    m.completeTransitionTo(t);
    return code;
  }

  shutdown(): void {
    this.stopped = true;
    for (const p of [...this.partitions.keys()]) this.unload(p);
  }
}
