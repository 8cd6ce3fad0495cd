/**
 * KIP-890 part 1 (`transaction.partition.verification.enable`): before a partition leader appends the first
 * transactional batch of a producer that has no open transaction on that partition, it asks the transaction
 * coordinator whether the partition is in the producer's transaction. Mirrors Kafka 3.7.1:
 * - `AddPartitionsToTxnManager.verifyTransaction` / `addTxnData` / `generateRequests` / the completion handler:
 *   per coordinator broker one AddPartitionsToTxn v4 request in flight (verifyOnly, every transactional id waiting
 *   for that broker batched into it); a second verification of the same id while one waits → the older epoch gets
 *   INVALID_PRODUCER_EPOCH, the same epoch NETWORK_EXCEPTION (a retry); the coordinator not found →
 *   COORDINATOR_NOT_AVAILABLE; a failed connection / timeout → NETWORK_EXCEPTION; a top-level error →
 *   that error for all (CLUSTER_AUTHORIZATION_FAILED → INVALID_TXN_STATE); PRODUCER_FENCED → INVALID_PRODUCER_EPOCH.
 * - `ReplicaManager.appendRecords` / `partitionEntriesForVerification` / `appendEntries` (the Produce side,
 *   {@link TransactionVerification.verifyProduce}): partitions whose log needs no guard are appended at once;
 *   the error of an unverified partition is mapped as Kafka does (INVALID_TXN_STATE "Partition was not added to the
 *   transaction"; CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE,
 *   NETWORK_EXCEPTION, NOT_COORDINATOR → NOT_ENOUGH_REPLICAS so that old clients retry).
 * - `UnifiedLog.analyzeAndValidateProducerState`'s check ({@link TransactionVerification.refuseAppend}): a
 *   transactional batch of a producer with no open transaction is appended only with the guard created before the
 *   verification, still current (a marker in between removed it) → else INVALID_TXN_STATE "Record was not part of
 *   an ongoing transaction".
 *
 * - `GroupCoordinator.handleTxnCommitOffsets` → `ReplicaManager.maybeStartTransactionVerificationForPartition`
 *   ({@link TransactionVerification.verifyOffsetCommit}): TxnOffsetCommit's append to the group's `__consumer_offsets`
 *   partition is verified the same way (sequence NO_SEQUENCE), its errors mapped by `maybeStartTransactionVerificationForPartitions`
 *   (coordinator errors → NOT_ENOUGH_REPLICAS) and then `GroupMetadataManager.maybeConvertOffsetCommitError`
 *   (NETWORK_EXCEPTION → COORDINATOR_LOAD_IN_PROGRESS, NOT_ENOUGH_REPLICAS → COORDINATOR_NOT_AVAILABLE, …), and the
 *   group coordinator checks the guard just before its append (`refuseAppend`).
 *
 * Differs from Kafka: when this broker is the coordinator the check runs in-process through the same coordinator
 * code the v4 handler calls (as markers for local partitions do); the log-side check runs in the Produce path (and
 * the group coordinator's TxnOffsetCommit append), synchronously just before the append (one event loop: nothing can
 * run between the check and the append), rather than inside the log; no ApiVersions exchange with the coordinator
 * (Rafka brokers all speak v4), so Kafka's "version mismatch → skip verification" path does not arise.
 *
 * Metrics (Kafka's `VerificationTimeMs` histogram and `VerificationFailureRate` meter, kafka.server:type=
 * AddPartitionsToTxnManager): the time from enqueueing a verification to its callback, and the partitions answered
 * with an error, recorded where Kafka's `sendCallback` / `topicPartitionsToError` / the per-transaction result do
 * (the in-process coordinator path too: Kafka sends that request to itself over the network).
 */
import type { Logger } from '../../logger.js';
import { ApiKey } from '../../protocol/api-keys.js';
import { ErrorCode, errorInfo } from '../../protocol/errors.js';
import { nextLogBatchAt } from '../log/legacy-records.js';
import { MAGIC_V2, type RecordBatch } from '../log/record-batch.js';
import { BrokerBlockingSender } from '../replication/broker-blocking-sender.js';
import type { BrokerContext } from '../server/broker-context.js';
import { partitionForTxn, TRANSACTION_STATE_TOPIC } from './transaction-log.js';
import { OFFSETS_TOPIC } from '../group/group-keys.js';
import type { TxnVerificationMetricsSink } from '../metrics/txn-verification-metrics.js';

/** Per partition ("topic\0partition") the error of those not verified; an empty map = all verified. */
export type VerifyErrors = Map<string, number>;

export interface VerifyTxn { transactionalId: string; producerId: bigint; producerEpoch: number; partitions: Array<[string, number]> }

/** The coordinator side (TransactionCoordinator.handleVerifyPartitionsInTransaction): per partition its error. */
export type VerifyLocal = (t: VerifyTxn) => VerifyErrors;

export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

interface Waiting { txn: VerifyTxn; resolve: (e: VerifyErrors) => void; startMs: number }



const allWith = (t: VerifyTxn, code: number): VerifyErrors => new Map(t.partitions.map(([tp, p]) => [tpKey(tp, p), code]));

export class AddPartitionsToTxnManager {
  /** broker id → transactional id → the verification waiting to be sent */
  private readonly pending = new Map<number, Map<string, Waiting>>();
  private readonly inFlight = new Set<number>();
  private readonly senders = new Map<number, { sender: BrokerBlockingSender; host: string; port: number }>();
  private stopped = false;

  constructor(
    private readonly ctx: BrokerContext, private readonly local: VerifyLocal, private readonly log: Logger,
    private readonly metrics: () => TxnVerificationMetricsSink | undefined = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Kafka `topicPartitionsToError`: every partition of the transaction with `code`, counted as failures. */
  private failAll(t: VerifyTxn, code: number): VerifyErrors {
    this.metrics()?.verificationFailures(t.partitions.length);
    return allWith(t, code);
  }

  /** Kafka `sendCallback`: the time since the verification was enqueued, then the callback. */
  private callback(w: Waiting, errors: VerifyErrors): void {
    this.metrics()?.verificationTime(this.now() - w.startMs);
    w.resolve(errors);
  }

  /** Kafka `verifyTransaction`: resolves with the partitions not verified (and why). */
  verifyTransaction(txn: VerifyTxn): Promise<VerifyErrors> {
    const node = this.coordinatorFor(txn.transactionalId);
    if (node < 0) return Promise.resolve(allWith(txn, ErrorCode.COORDINATOR_NOT_AVAILABLE)); // Kafka: no metric either
    const startMs = this.now();
    if (node === this.ctx.metadata.brokerId) {
      const errors = this.local(txn);
      this.metrics()?.verificationFailures(errors.size);
      this.metrics()?.verificationTime(this.now() - startMs);
      return Promise.resolve(errors);
    }
    return new Promise((resolve) => {
      let forNode = this.pending.get(node);
      if (!forNode) this.pending.set(node, (forNode = new Map()));
      const existing = forNode.get(txn.transactionalId);
      if (existing) {
        if (existing.txn.producerEpoch <= txn.producerEpoch) {
          this.callback(existing, this.failAll(existing.txn, existing.txn.producerEpoch < txn.producerEpoch ? ErrorCode.INVALID_PRODUCER_EPOCH : ErrorCode.NETWORK_EXCEPTION));
        } else {
          this.callback({ txn, resolve, startMs }, this.failAll(txn, ErrorCode.INVALID_PRODUCER_EPOCH));
          return;
        }
      }
      forNode.set(txn.transactionalId, { txn, resolve, startMs });
      this.maybeSend(node);
    });
  }

  /** Kafka `getTransactionCoordinator`: the leader of the id's __transaction_state partition, or -1. */
  private coordinatorFor(transactionalId: string): number {
    const t = this.ctx.metadata.topic(TRANSACTION_STATE_TOPIC);
    if (!t || t.partitions.length === 0) return -1;
    const p = partitionForTxn(transactionalId, t.partitions.length);
    const leader = t.partitions.find((x) => x.partition === p)?.leader ?? -1;
    if (leader < 0 || !this.ctx.metadata.brokers().some((b) => b.id === leader)) return -1;
    return leader;
  }

  /** Kafka `generateRequests`: everything waiting for `node` goes out as one request, if none is in flight. */
  private maybeSend(node: number): void {
    if (this.inFlight.has(node) || this.stopped) return;
    const batch = this.pending.get(node);
    if (!batch || batch.size === 0) return;
    this.pending.delete(node);
    this.inFlight.add(node);
    const waiting = [...batch.values()];
    const transactions = waiting.map(({ txn }) => {
      const byTopic = new Map<string, number[]>();
      for (const [t, p] of txn.partitions) { let l = byTopic.get(t); if (!l) byTopic.set(t, (l = [])); l.push(p); }
      return { transactionalId: txn.transactionalId, producerId: txn.producerId, producerEpoch: txn.producerEpoch, verifyOnly: true, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
    });
    void this.send(node, transactions).then((r) => {
      if (r === null) {
        this.log.warn({ broker: node }, `AddPartitionsToTxnRequest failed for node ${node} with a network exception.`);
        for (const w of waiting) this.callback(w, this.failAll(w.txn, ErrorCode.NETWORK_EXCEPTION));
      } else if (r.errorCode !== ErrorCode.NONE) {
        this.log.error({ broker: node, errorCode: r.errorCode }, `AddPartitionsToTxnRequest for node ${node} returned with error ${r.errorCode}.`);
        const code = r.errorCode === ErrorCode.CLUSTER_AUTHORIZATION_FAILED ? ErrorCode.INVALID_TXN_STATE : r.errorCode;
        for (const w of waiting) this.callback(w, this.failAll(w.txn, code));
      } else {
        const byId = new Map(waiting.map((w) => [w.txn.transactionalId, w]));
        for (const res of r.resultsByTransaction) {
          const w = byId.get(res.transactionalId);
          if (!w) continue;
          byId.delete(res.transactionalId);
          const errors: VerifyErrors = new Map();
          for (const t of res.topicResults) {
            for (const p of t.resultsByPartition) {
              // producers expect INVALID_PRODUCER_EPOCH here
              if (p.partitionErrorCode !== ErrorCode.NONE) errors.set(tpKey(t.name, p.partitionIndex), p.partitionErrorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : p.partitionErrorCode);
            }
          }
          this.metrics()?.verificationFailures(errors.size);
          this.callback(w, errors);
        }
        for (const w of byId.values()) this.callback(w, this.failAll(w.txn, ErrorCode.NETWORK_EXCEPTION)); // not answered: retriable
      }
    }).finally(() => {
      this.inFlight.delete(node);
      this.maybeSend(node);
    });
  }

  private async send(node: number, transactions: Array<{ transactionalId: string; producerId: bigint; producerEpoch: number; verifyOnly: boolean; topics: Array<{ name: string; partitions: number[] }> }>) {
    const listener = this.ctx.config().interBrokerListenerName;
    const ep = this.ctx.metadata.brokers().find((b) => b.id === node)?.endpoints.find((e) => e.listenerName === listener);
    if (!ep) return null;
    const host = ep.host || 'localhost';
    let s = this.senders.get(node);
    if (s && (s.host !== host || s.port !== ep.port)) { s.sender.close(); s = undefined; }
    if (!s) {
      const c = this.ctx.config();
      s = {
        sender: new BrokerBlockingSender({ brokerId: node, host, port: ep.port }, { clientId: `broker-${this.ctx.metadata.brokerId}-AddPartitionsToTxnSenderThread`, socketTimeoutMs: c.getInt('request.timeout.ms'), requestTimeoutMs: c.getInt('request.timeout.ms') }),
        host, port: ep.port,
      };
      this.senders.set(node, s);
    }
    try {
      return await s.sender.sendRequest(ApiKey.AddPartitionsToTxn, 4, { transactions, v3AndBelowTransactionalId: '', v3AndBelowProducerId: 0n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [] });
    } catch (e) {
      this.log.debug({ err: e, broker: node }, 'AddPartitionsToTxn verification request failed');
      return null;
    }
  }

  shutdown(): void {
    this.stopped = true;
    for (const forNode of this.pending.values()) for (const w of forNode.values()) w.resolve(allWith(w.txn, ErrorCode.NETWORK_EXCEPTION));
    this.pending.clear();
    for (const s of this.senders.values()) s.sender.close();
    this.senders.clear();
  }
}

/** What a log offers the verification (Log's KIP-890 methods, through PartitionLog; absent in handler fakes). */
export interface VerifiableLog {
  maybeStartTransactionVerification?(producerId: bigint, sequence: number, epoch: number): object | null;
  verificationGuard?(producerId: bigint): object | undefined;
  hasOngoingTransaction?(producerId: bigint): boolean;
}

/** The outcome of a Produce request's verification, consulted per partition just before its append. */
export interface ProduceVerification {
  /** null: append; else the error code and message to answer for this partition instead. */
  refuseAppend(topic: string, partition: number, records: Buffer, log: VerifiableLog): { code: number; message: string } | null;
}

/** The first v2 batch's producer fields, if it is a transactional data batch (the one batch of a v3+ Produce partition). */
function transactionalBatch(records: Buffer | null): RecordBatch | null {
  if (!records || records.length === 0) return null;
  const e = nextLogBatchAt(records, 0, records.length);
  if (e === null || e.magic !== MAGIC_V2) return null;
  const b = e.batch as RecordBatch;
  return b.hasProducerId && b.isTransactional && !b.isControlBatch ? b : null;
}

const NOT_PART_OF_TXN = 'Record was not part of an ongoing transaction';

/** Kafka's custom produce errors for a partition that could not be verified (ReplicaManager.appendEntries). */
function produceError(code: number): { code: number; message: string } {
  switch (code) {
    case ErrorCode.INVALID_TXN_STATE: return { code, message: 'Partition was not added to the transaction' };
    case ErrorCode.CONCURRENT_TRANSACTIONS: case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS: case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NETWORK_EXCEPTION: case ErrorCode.NOT_COORDINATOR:
      return { code: ErrorCode.NOT_ENOUGH_REPLICAS, message: `Unable to verify the partition has been added to the transaction. Underlying error: ${errorInfo(code).name}` };
    default: return { code, message: '' };
  }
}

/** RecordBatch.NO_SEQUENCE: the group coordinator's verification (its batches carry no client sequence). */
const NO_SEQUENCE = -1;

/** The verified partition's check just before the group coordinator's append: null = append, else the error code. */
export type OffsetCommitAppendCheck = (log: VerifiableLog) => number | null;

/** `ReplicaManager.maybeStartTransactionVerificationForPartitions`' mapping of the coordinator's answer. */
function verificationError(code: number): number {
  switch (code) {
    case ErrorCode.CONCURRENT_TRANSACTIONS: case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE: case ErrorCode.NOT_COORDINATOR:
      return ErrorCode.NOT_ENOUGH_REPLICAS;
    default: return code;
  }
}

/** Kafka `GroupMetadataManager.maybeConvertOffsetCommitError`. */
export function offsetCommitError(code: number): number {
  switch (code) {
    case ErrorCode.NETWORK_EXCEPTION: return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS; // old clients retry it without a lookup
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION: case ErrorCode.NOT_ENOUGH_REPLICAS: case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER: case ErrorCode.KAFKA_STORAGE_ERROR: return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE: case ErrorCode.RECORD_LIST_TOO_LARGE: case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default: return code; // INVALID_TXN_STATE, INVALID_PRODUCER_ID_MAPPING, INVALID_PRODUCER_EPOCH as they are
  }
}

/** UnifiedLog's check: a transactional append of a producer with no open transaction needs its still-current guard. */
function guardRefusal(log: VerifiableLog, producerId: bigint, guard: object | undefined): boolean {
  if (!log.hasOngoingTransaction || !log.verificationGuard || log.hasOngoingTransaction(producerId)) return false;
  return guard === undefined || log.verificationGuard(producerId) !== guard;
}

/** ReplicaManager's verification part, used by the Produce handler and the TxnOffsetCommit handler. */
export class TransactionVerification {
  constructor(private readonly ctx: BrokerContext, readonly manager: AddPartitionsToTxnManager) {}

  enabled(): boolean {
    return this.ctx.config().getBoolean('transaction.partition.verification.enable');
  }

  /**
   * Kafka `appendRecords` + `partitionEntriesForVerification` for a Produce with a transactional id: the guards of the
   * partitions that need one, then (if any) the coordinator's answer; null when verification is off. With it on,
   * every transactional append of the request is then checked against its log ({@link ProduceVerification}).
   */
  async verifyProduce(transactionalId: string, topicData: ReadonlyArray<{ name: string; partitionData: ReadonlyArray<{ index: number; records: Buffer | null }> }>): Promise<ProduceVerification | null> {
    if (!this.enabled()) return null;
    const guards = new Map<string, object>();
    let producer: { producerId: bigint; producerEpoch: number } | null = null;
    const toVerify: Array<[string, number]> = [];
    for (const t of topicData) {
      for (const p of t.partitionData) {
        const b = transactionalBatch(p.records);
        if (b === null) continue;
        const lookup = this.ctx.replicas.partition(t.name, p.index);
        if (lookup.kind !== 'leader') continue; // answered by the append path (NOT_LEADER_OR_FOLLOWER, …)
        const log: VerifiableLog = lookup.log;
        if (!log.maybeStartTransactionVerification) continue;
        let guard: object | null;
        try { guard = log.maybeStartTransactionVerification(b.producerId, b.baseSequence, b.producerEpoch); } catch { continue; } // the append answers the log's error
        if (guard === null) continue;
        guards.set(tpKey(t.name, p.index), guard);
        toVerify.push([t.name, p.index]);
        producer ??= { producerId: b.producerId, producerEpoch: b.producerEpoch };
      }
    }
    const errors = producer === null ? new Map<string, number>() : await this.manager.verifyTransaction({ transactionalId, ...producer, partitions: toVerify });
    return {
      refuseAppend(topic, partition, records, log) {
        const key = tpKey(topic, partition);
        const err = errors.get(key);
        if (err !== undefined) return produceError(err);
        const b = transactionalBatch(records);
        // UnifiedLog.batchMissingRequiredVerification: the guard made before the verification must still be the log's
        if (b !== null && guardRefusal(log, b.producerId, guards.get(key))) return { code: ErrorCode.INVALID_TXN_STATE, message: NOT_PART_OF_TXN };
        return null;
      },
    };
  }

  /**
   * Kafka `GroupCoordinator.handleTxnCommitOffsets`' verification of the group's `__consumer_offsets` partition: null
   * when verification is off; else the error to answer every offset with (NONE: go on) and the check the group
   * coordinator makes just before its append. A partition not led here is not verified (the commit answers
   * NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE itself).
   */
  async verifyOffsetCommit(transactionalId: string, producerId: bigint, producerEpoch: number, offsetsPartition: number): Promise<{ errorCode: number; refuseAppend: OffsetCommitAppendCheck } | null> {
    if (!this.enabled()) return null;
    const lookup = this.ctx.replicas.partition(OFFSETS_TOPIC, offsetsPartition);
    let guard: object | undefined;
    let errorCode: number = ErrorCode.NONE;
    if (lookup.kind === 'leader' && lookup.log.maybeStartTransactionVerification) {
      let g: object | null = null;
      try { g = lookup.log.maybeStartTransactionVerification(producerId, NO_SEQUENCE, producerEpoch); } catch { /* the append answers the log's error */ }
      if (g !== null) {
        guard = g;
        const errors = await this.manager.verifyTransaction({ transactionalId, producerId, producerEpoch, partitions: [[OFFSETS_TOPIC, offsetsPartition]] });
        const e = errors.get(tpKey(OFFSETS_TOPIC, offsetsPartition));
        if (e !== undefined) errorCode = offsetCommitError(verificationError(e));
      }
    }
    return {
      errorCode,
      refuseAppend: (log) => (guardRefusal(log, producerId, guard) ? ErrorCode.INVALID_TXN_STATE : null),
    };
  }
}
