/**
 * Kafka's `TransactionCoordinator` (core/.../coordinator/transaction/TransactionCoordinator.scala): InitProducerId
 * with a transactional id, AddPartitionsToTxn / AddOffsetsToTxn, EndTxn, the abort of timed-out transactions and the
 * expiry of idle transactional ids, over the {@link TransactionStateManager} (metadata + `__transaction_state`) and
 * the {@link TransactionMarkerChannelManager} (markers to the partition leaders). Each change is Kafka's
 * prepare (pending state set: concurrent requests get CONCURRENT_TRANSACTIONS) → append → complete; an illegal
 * transition of the state machine (src/machines/transaction-state.ts) is answered with an error, never applied.
 *
 * EndTxn is answered once PrepareCommit/PrepareAbort is replicated; the markers and the CompleteCommit/CompleteAbort
 * record follow in the background, as in Kafka. A loaded partition's PrepareCommit/PrepareAbort transactions are
 * completed the same way (a coordinator that died between prepare and complete).
 *
 * Differs from Kafka: no per-id lock (one event loop; the pending state does the locking); the timers live in the
 * TransactionCoordinator actor (src/machines/transaction-coordinator.ts), which calls {@link abortTimedOutTransactions}
 * and {@link removeExpiredTransactionalIds}.
 */
import type { Logger } from '../../logger.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { BrokerContext } from '../server/broker-context.js';
import type { ProducerIdManager } from './producer-id-manager.js';
import { IllegalTxnTransitionError, NO_PRODUCER_EPOCH, type AdvanceTxnState, NO_PRODUCER_ID, TransactionMetadata, isEpochExhausted, tpKey, type TxnTransit } from './transaction-metadata.js';
import { TransactionStateManager, type TxnLookup } from './transaction-state-manager.js';
import { TransactionMarkerChannelManager } from './transaction-marker-channel-manager.js';
import { writeTxnMarkers, type TxnOffsetCompletion } from './txn-marker-writer.js';
import { AddPartitionsToTxnManager, TransactionVerification, tpKey as verifyKey } from './add-partitions-to-txn-manager.js';

export interface InitPidResult { errorCode: number; producerId: bigint; producerEpoch: number }

const initError = (errorCode: number): InitPidResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });

type Active = Extract<TxnLookup, { metadata: unknown }>;

export interface TransactionCoordinatorOptions {
  producerIds: ProducerIdManager;
  /** The transactionState machine definition's pure transition (src/machines/transaction-state.ts: advanceTxnStateTo). */
  advanceTxnState: AdvanceTxnState;
  /** The group coordinator, for transactional offsets completed by markers on __consumer_offsets. */
  groups?: TxnOffsetCompletion | null;
  now?: () => number;
  log?: Logger;
  retryBackoffMs?: number;
}

export interface TransactionListing { transactionalId: string; producerId: bigint; state: string }

export class TransactionCoordinator {
  readonly stateManager: TransactionStateManager;
  readonly markers: TransactionMarkerChannelManager;
  /** KIP-890: this broker's partition leaders verify transactional appends with the coordinators through it. */
  readonly addPartitionsToTxnManager: AddPartitionsToTxnManager;
  readonly verification: TransactionVerification;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly advance: AdvanceTxnState;

  constructor(private readonly ctx: BrokerContext, private readonly opts: TransactionCoordinatorOptions) {
    this.now = opts.now ?? Date.now;
    this.advance = opts.advanceTxnState;
    this.log = opts.log ?? ctx.log;
    this.stateManager = new TransactionStateManager(ctx, {
      now: this.now, log: this.log,
      onLoaded: (_p, epoch, txns) => this.onLoaded(epoch, txns),
    });
    this.markers = new TransactionMarkerChannelManager(ctx, {
      writeLocal: (m) => writeTxnMarkers(ctx, m, this.opts.groups ?? null),
      stillOwner: (id, epoch) => this.stateManager.isOwner(id, epoch),
      retryBackoffMs: opts.retryBackoffMs,
      log: this.log,
    });
    this.addPartitionsToTxnManager = new AddPartitionsToTxnManager(ctx, (t) => this.handleVerifyPartitionsInTransaction(t.transactionalId, t.producerId, t.producerEpoch, t.partitions), this.log,
      () => ctx.txnVerificationMetrics); // VerificationTimeMs / VerificationFailureRate (P's exporter), when metrics are on
    this.verification = new TransactionVerification(ctx, this.addPartitionsToTxnManager);
  }

  // ------------------------------------------------------------------------------------------- InitProducerId

  /** Kafka handleInitProducerId for a non-null transactional id (the timeout is validated by the caller). */
  async handleInitProducerId(transactionalId: string, txnTimeoutMs: number, expected: { producerId: bigint; producerEpoch: number } | null): Promise<InitPidResult> {
    let r = this.stateManager.getTransactionState(transactionalId);
    if (r.errorCode !== ErrorCode.NONE) return initError(r.errorCode);
    if (!(r as Active).metadata) {
      let pid: bigint;
      try { pid = await this.opts.producerIds.generateProducerId(); } catch (e) {
        this.log.warn({ err: e }, 'Failed to acquire a new block of producerIds');
        return initError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      }
      const created = new TransactionMetadata(transactionalId, pid, NO_PRODUCER_ID, NO_PRODUCER_EPOCH, NO_PRODUCER_EPOCH, txnTimeoutMs, 'Empty', -1, this.now());
      r = this.stateManager.putTransactionStateIfNotExists(created);
      if (r.errorCode !== ErrorCode.NONE) return initError(r.errorCode);
    }
    const { coordinatorEpoch, metadata: m } = r as Active & { metadata: TransactionMetadata };
    let transit: TxnTransit;
    try {
      const prepared = await this.prepareInitProducerIdTransit(m, txnTimeoutMs, expected);
      if (typeof prepared === 'number') return initError(prepared);
      transit = prepared;
    } catch (e) {
      if (e instanceof IllegalTxnTransitionError) {
        this.log.warn({ transactionalId, err: e.message }, 'Illegal transaction state transition in InitProducerId');
        return initError(ErrorCode.INVALID_TXN_STATE);
      }
      throw e;
    }
    if (transit.state === 'PrepareEpochFence') {
      // an ongoing transaction is aborted first; the producer retries (Kafka's sendRetriableErrorCallback)
      const code = await this.endTransaction(transactionalId, transit.producerId, transit.producerEpoch, false, false);
      return initError(code === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : code);
    }
    const code = await this.stateManager.appendTransactionToLog(m, coordinatorEpoch, transit);
    if (code !== ErrorCode.NONE) return initError(code);
    this.log.info({ transactionalId, producerId: String(m.producerId), producerEpoch: m.producerEpoch }, `Initialized transactionalId ${transactionalId} with producerId ${m.producerId} and producer epoch ${m.producerEpoch} on partition ${this.stateManager.partitionFor(transactionalId)}`);
    return { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch };
  }

  /** Kafka's isValidProducerId (KIP-360). */
  private static isValidProducerId(m: TransactionMetadata, expected: { producerId: bigint; producerEpoch: number }): boolean {
    return m.producerEpoch === NO_PRODUCER_EPOCH || expected.producerId === m.producerId ||
      (expected.producerId === m.lastProducerId && isEpochExhausted(expected.producerEpoch));
  }

  private async prepareInitProducerIdTransit(m: TransactionMetadata, timeoutMs: number, expected: { producerId: bigint; producerEpoch: number } | null): Promise<TxnTransit | number> {
    if (m.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (expected && !TransactionCoordinator.isValidProducerId(m, expected)) return ErrorCode.PRODUCER_FENCED;
    switch (m.state) {
      case 'PrepareAbort':
      case 'PrepareCommit':
        return ErrorCode.CONCURRENT_TRANSACTIONS;
      case 'CompleteAbort':
      case 'CompleteCommit':
      case 'Empty': {
        if (m.isProducerEpochExhausted && (expected === null || expected.producerEpoch === m.producerEpoch)) {
          const pid = await this.opts.producerIds.generateProducerId();
          if (m.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
          return m.prepareProducerIdRotation(this.advance, pid, timeoutMs, this.now(), expected !== null);
        }
        const t = m.prepareIncrementProducerEpoch(this.advance, timeoutMs, expected?.producerEpoch ?? null, this.now());
        return t === 'fenced' ? ErrorCode.PRODUCER_FENCED : t;
      }
      case 'Ongoing':
        return m.prepareFenceProducerEpoch(this.advance);
      default:
        throw new IllegalTxnTransitionError(`Found transactionalId ${m.transactionalId} with state ${m.state}. This is illegal as we should never have transitioned to this state.`);
    }
  }

  // ------------------------------------------------------------------------------------------- AddPartitionsToTxn

  /** Kafka handleAddPartitionsToTransaction: one error code for all the partitions. */
  async handleAddPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: Array<[string, number]>): Promise<number> {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const r = this.stateManager.getTransactionState(transactionalId);
    if (r.errorCode !== ErrorCode.NONE) return r.errorCode;
    const { coordinatorEpoch, metadata: m } = r as Active;
    if (!m) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (m.state === 'Ongoing' && partitions.every(([t, p]) => m.partitions.has(tpKey(t, p)))) return ErrorCode.NONE;
    let transit: TxnTransit;
    try {
      transit = m.prepareAddPartitions(this.advance, partitions, this.now());
    } catch (e) {
      if (e instanceof IllegalTxnTransitionError) return ErrorCode.INVALID_TXN_STATE;
      throw e;
    }
    return this.stateManager.appendTransactionToLog(m, coordinatorEpoch, transit);
  }

  /**
   * Kafka handleVerifyPartitionsInTransaction (AddPartitionsToTxn v4 verifyOnly, KIP-890): per partition NONE when it
   * is in the producer's transaction, INVALID_TXN_STATE when not; for all of them the coordinator's error,
   * INVALID_PRODUCER_ID_MAPPING (unknown id or another producer), PRODUCER_FENCED (another epoch) or
   * CONCURRENT_TRANSACTIONS (PrepareCommit/PrepareAbort). A pending transition is not checked: the append re-checks.
   */
  handleVerifyPartitionsInTransaction(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: Array<[string, number]>): Map<string, number> {
    const all = (code: number) => new Map(partitions.map(([t, p]) => [verifyKey(t, p), code]));
    if (transactionalId === '') return all(ErrorCode.INVALID_REQUEST);
    const r = this.stateManager.getTransactionState(transactionalId);
    if (r.errorCode !== ErrorCode.NONE) return all(r.errorCode);
    const m = (r as Active).metadata;
    if (!m || m.producerId !== producerId) return all(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (m.producerEpoch !== producerEpoch) return all(ErrorCode.PRODUCER_FENCED);
    if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') return all(ErrorCode.CONCURRENT_TRANSACTIONS);
    const out = new Map<string, number>();
    for (const [t, p] of partitions) if (!m.partitions.has(tpKey(t, p))) out.set(verifyKey(t, p), ErrorCode.INVALID_TXN_STATE);
    return out;
  }

  // ------------------------------------------------------------------------------------------- EndTxn

  /** Kafka handleEndTransaction (isFromClient: a client's EndTxn; false: the coordinator's own abort). */
  async endTransaction(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean, isFromClient = true): Promise<number> {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const r = this.stateManager.getTransactionState(transactionalId);
    if (r.errorCode !== ErrorCode.NONE) return r.errorCode;
    const { coordinatorEpoch, metadata: m } = r as Active;
    if (!m) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if ((isFromClient && producerEpoch !== m.producerEpoch) || producerEpoch < m.producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (m.pendingTransitionInProgress && m.pendingState !== 'PrepareEpochFence') return ErrorCode.CONCURRENT_TRANSACTIONS;
    let transit: TxnTransit;
    let isEpochFence = false;
    switch (m.state) {
      case 'Ongoing': {
        const next = commit ? 'PrepareCommit' : 'PrepareAbort';
        if (next === 'PrepareAbort' && m.pendingState === 'PrepareEpochFence') {
          // the bumped epoch replaces the current one; the abort is written with it (Kafka's epoch fence)
          isEpochFence = true;
          m.pendingState = null;
          m.producerEpoch = producerEpoch;
          m.lastProducerEpoch = NO_PRODUCER_EPOCH;
        }
        try {
          transit = m.prepareAbortOrCommit(this.advance, next, this.now());
        } catch (e) {
          if (e instanceof IllegalTxnTransitionError) return ErrorCode.INVALID_TXN_STATE;
          throw e;
        }
        break;
      }
      case 'CompleteCommit': return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case 'CompleteAbort': return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      case 'PrepareCommit': return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case 'PrepareAbort': return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
      case 'Empty': return ErrorCode.INVALID_TXN_STATE;
      default:
        if (m.pendingState === 'PrepareEpochFence') m.pendingState = null;
        return ErrorCode.INVALID_TXN_STATE; // Dead / PrepareEpochFence: Kafka's IllegalStateException
    }
    const code = await this.stateManager.appendTransactionToLog(m, coordinatorEpoch, transit);
    if (code !== ErrorCode.NONE) {
      if (isEpochFence) m.hasFailedEpochFence = true;
      return code;
    }
    this.log.debug({ transactionalId, state: m.state }, `Prepared ${m.state} of transactionalId ${transactionalId}`);
    void this.completeTransaction(m, coordinatorEpoch);
    return ErrorCode.NONE;
  }

  /** Markers to every partition, then CompleteCommit/CompleteAbort (retried while the coordinator is unavailable). */
  private async completeTransaction(m: TransactionMetadata, coordinatorEpoch: number): Promise<void> {
    const commit = m.state === 'PrepareCommit';
    let complete: TxnTransit;
    try {
      complete = m.prepareComplete(this.advance, this.now());
    } catch (e) {
      this.log.error({ err: e, transactionalId: m.transactionalId }, 'Cannot complete the transaction');
      return;
    }
    const outcome = await this.markers.sendMarkers({
      transactionalId: m.transactionalId, producerId: m.producerId, producerEpoch: m.producerEpoch, commit, coordinatorEpoch, partitions: new Map(m.partitions),
    });
    if (outcome === 'stopped') {
      if (m.pendingState === complete.state) m.pendingState = null;
      return;
    }
    for (;;) {
      if (!this.stateManager.isOwner(m.transactionalId, coordinatorEpoch)) return;
      m.pendingState = complete.state;
      const code = await this.stateManager.appendTransactionToLog(m, coordinatorEpoch, { ...complete, txnLastUpdateTimestamp: this.now() });
      if (code === ErrorCode.NONE) {
        this.log.debug({ transactionalId: m.transactionalId, state: m.state }, `Completed transaction of ${m.transactionalId}: ${m.state}`);
        return;
      }
      if (code !== ErrorCode.COORDINATOR_NOT_AVAILABLE) {
        this.log.warn({ transactionalId: m.transactionalId, errorCode: code }, `Failed to write ${complete.state} for ${m.transactionalId}; left for the next coordinator`);
        return;
      }
      await new Promise((res) => setTimeout(res, this.opts.retryBackoffMs ?? 100));
    }
  }

  /** A loaded partition: finish the transactions a previous coordinator prepared (Kafka's onElection → markers). */
  private onLoaded(coordinatorEpoch: number, txns: ReadonlyMap<string, TransactionMetadata>): void {
    for (const m of txns.values()) {
      if ((m.state === 'PrepareCommit' || m.state === 'PrepareAbort') && !m.pendingTransitionInProgress) {
        this.log.info({ transactionalId: m.transactionalId, state: m.state }, `Completing ${m.state} of ${m.transactionalId} after loading`);
        void this.completeTransaction(m, coordinatorEpoch);
      }
    }
  }

  // ------------------------------------------------------------------------------------------- timers

  /** Kafka abortTimedOutTransactions: Ongoing transactions past their timeout are fenced (epoch bump) and aborted. */
  abortTimedOutTransactions(): number {
    const now = this.now();
    let n = 0;
    for (const { metadata: m } of [...this.stateManager.allTransactions()]) {
      if (m.pendingTransitionInProgress || m.state !== 'Ongoing' || m.txnStartTimestamp + m.txnTimeoutMs >= now) continue;
      let fence: TxnTransit;
      try { fence = m.prepareFenceProducerEpoch(this.advance); } catch (e) {
        this.log.warn({ err: e, transactionalId: m.transactionalId }, 'Cannot fence the timed-out transaction');
        continue;
      }
      n++;
      this.log.info({ transactionalId: m.transactionalId, producerId: String(m.producerId) }, `Aborting transaction of ${m.transactionalId} (producerId ${m.producerId}): it timed out after ${m.txnTimeoutMs} ms`);
      void this.endTransaction(m.transactionalId, fence.producerId, fence.producerEpoch, false, false).then((code) => {
        if (code !== ErrorCode.NONE) this.log.info({ transactionalId: m.transactionalId, errorCode: code }, `Aborting the timed-out transaction of ${m.transactionalId} failed; retried later`);
      });
    }
    return n;
  }

  /** Kafka removeExpiredTransactionalIds: idle ids (no transaction open) older than transactional.id.expiration.ms go (tombstone). */
  async removeExpiredTransactionalIds(): Promise<number> {
    const now = this.now();
    const expirationMs = this.ctx.config().getInt('transactional.id.expiration.ms');
    let n = 0;
    for (const { coordinatorEpoch, metadata: m } of [...this.stateManager.allTransactions()]) {
      if (m.pendingTransitionInProgress || !(m.state === 'Empty' || m.state === 'CompleteCommit' || m.state === 'CompleteAbort')) continue;
      if (m.txnLastUpdateTimestamp + expirationMs > now) continue;
      let dead: TxnTransit;
      try { dead = m.prepareDead(this.advance); } catch { continue; }
      if (await this.stateManager.appendTransactionToLog(m, coordinatorEpoch, dead) === ErrorCode.NONE) {
        n++;
        this.log.info({ transactionalId: m.transactionalId }, `Removed expired transactionalId ${m.transactionalId}`);
      }
    }
    return n;
  }

  // ------------------------------------------------------------------------------------------- admin

  /** DescribeTransactions for one id. */
  describe(transactionalId: string): { errorCode: number; metadata?: TransactionMetadata } {
    const r = this.stateManager.getTransactionState(transactionalId);
    if (r.errorCode !== ErrorCode.NONE) return { errorCode: r.errorCode };
    const m = (r as Active).metadata;
    if (!m || m.state === 'Dead') return { errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
    return { errorCode: ErrorCode.NONE, metadata: m };
  }

  /** ListTransactions: filtered by state names and producer ids (empty = all). */
  list(states: string[], producerIds: bigint[]): { errorCode: number; unknownStateFilters: string[]; transactions: TransactionListing[] } {
    const known = new Set(['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'PrepareEpochFence', 'Dead']);
    const unknownStateFilters = states.filter((s) => !known.has(s));
    if (this.stateManager.isLoading()) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, unknownStateFilters, transactions: [] };
    const wantStates = new Set(states);
    const wantPids = new Set(producerIds);
    const transactions: TransactionListing[] = [];
    for (const { metadata: m } of this.stateManager.allTransactions()) {
      if (m.state === 'Dead') continue;
      if (wantStates.size > 0 && !wantStates.has(m.state)) continue;
      if (wantPids.size > 0 && !wantPids.has(m.producerId)) continue;
      transactions.push({ transactionalId: m.transactionalId, producerId: m.producerId, state: m.state });
    }
    return { errorCode: ErrorCode.NONE, unknownStateFilters, transactions };
  }

  shutdown(): void {
    this.stateManager.shutdown();
    this.markers.shutdown();
    this.addPartitionsToTxnManager.shutdown();
  }
}
