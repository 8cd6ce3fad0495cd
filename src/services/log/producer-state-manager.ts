/**
 * Idempotent-producer state of one partition (Kafka `ProducerStateManager`, `ProducerStateEntry`,
 * `ProducerAppendInfo`, `BatchMetadata` in the storage module): per producer id the epoch, the last
 * {@link NUM_BATCHES_TO_RETAIN} batches (sequence range and offsets, so a retried batch is answered with its
 * original offsets), the last timestamp (for `producer.id.expiration.ms`) and an ongoing transaction's first offset.
 *
 * On the produce path a client batch costs one Map lookup, a few integer comparisons and three small objects; no
 * per-record work. Validation (sequence / epoch) happens before the batch is written; the state is updated after.
 * Snapshots use the existing `.snapshot` format (producer-state.ts).
 */
import { NO_PRODUCER_EPOCH, NO_SEQUENCE } from './record-batch.js';
import type { ProducerSnapshotEntry } from './producer-state.js';

export const NUM_BATCHES_TO_RETAIN = 5;
const INT32_MAX = 0x7fffffff;

/** Kafka `OutOfOrderSequenceException` → OUT_OF_ORDER_SEQUENCE_NUMBER. */
export class OutOfOrderSequenceError extends Error { override name = 'OutOfOrderSequenceError'; }
/** Kafka `InvalidProducerEpochException` → INVALID_PRODUCER_EPOCH (since 2.7 instead of PRODUCER_FENCED on produce). */
export class InvalidProducerEpochError extends Error { override name = 'InvalidProducerEpochError'; }
/** Kafka `InvalidTxnStateException` → INVALID_TXN_STATE (a plain batch while the producer's transaction is open). */
export class InvalidTxnStateError extends Error { override name = 'InvalidTxnStateError'; }
/** Kafka `TransactionCoordinatorFencedException` → TRANSACTION_COORDINATOR_FENCED (a marker from an older coordinator). */
export class TransactionCoordinatorFencedError extends Error { override name = 'TransactionCoordinatorFencedError'; }

/** Kafka `CompletedTxn`: a transaction whose marker was appended at `lastOffset`. */
export interface CompletedTxn { producerId: bigint; firstOffset: bigint; lastOffset: bigint; isAborted: boolean }

/** Kafka `BatchMetadata`: one appended batch of a producer. */
export class BatchMetadata {
  constructor(readonly lastSeq: number, readonly lastOffset: bigint, readonly offsetDelta: number, readonly timestamp: number) {}
  /** First sequence, wrapping at int32 max as Kafka's `DefaultRecordBatch.decrementSequence`. */
  get firstSeq(): number {
    const d = this.lastSeq - this.offsetDelta;
    return d < 0 ? d + INT32_MAX + 1 : d;
  }
  get firstOffset(): bigint {
    return this.lastOffset - BigInt(this.offsetDelta);
  }
}

/** Kafka `ProducerStateEntry`. */
export class ProducerStateEntry {
  /** Oldest first, at most {@link NUM_BATCHES_TO_RETAIN}. */
  readonly batchMetadata: BatchMetadata[] = [];

  constructor(
    readonly producerId: bigint,
    public producerEpoch: number = NO_PRODUCER_EPOCH,
    public coordinatorEpoch = -1,
    public lastTimestamp = -1,
    /** -1n when no transaction is ongoing. */
    public currentTxnFirstOffset = -1n,
  ) {}

  get isEmpty(): boolean { return this.batchMetadata.length === 0; }
  get lastSeq(): number { return this.isEmpty ? NO_SEQUENCE : this.batchMetadata[this.batchMetadata.length - 1]!.lastSeq; }
  get lastDataOffset(): bigint { return this.isEmpty ? -1n : this.batchMetadata[this.batchMetadata.length - 1]!.lastOffset; }
  get lastOffsetDelta(): number { return this.isEmpty ? 0 : this.batchMetadata[this.batchMetadata.length - 1]!.offsetDelta; }

  /** A new epoch forgets the batches of the old one. */
  maybeUpdateProducerEpoch(epoch: number): boolean {
    if (this.producerEpoch === epoch) return false;
    this.batchMetadata.length = 0;
    this.producerEpoch = epoch;
    return true;
  }

  addBatch(epoch: number, lastSeq: number, lastOffset: bigint, offsetDelta: number, timestamp: number): void {
    this.maybeUpdateProducerEpoch(epoch);
    this.addBatchMetadata(new BatchMetadata(lastSeq, lastOffset, offsetDelta, timestamp));
    this.lastTimestamp = timestamp;
  }

  private addBatchMetadata(b: BatchMetadata): void {
    if (this.batchMetadata.length === NUM_BATCHES_TO_RETAIN) this.batchMetadata.shift();
    this.batchMetadata.push(b);
  }

  /** Merge the entry an append produced into this (the stored) one. */
  update(next: ProducerStateEntry): void {
    this.maybeUpdateProducerEpoch(next.producerEpoch);
    for (const b of next.batchMetadata) this.addBatchMetadata(b);
    this.coordinatorEpoch = next.coordinatorEpoch;
    this.currentTxnFirstOffset = next.currentTxnFirstOffset;
    this.lastTimestamp = next.lastTimestamp;
  }

  /** The retained batch with exactly this epoch and sequence range (a client retry), if any. */
  findDuplicateBatch(epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | null {
    if (epoch !== this.producerEpoch) return null;
    for (const b of this.batchMetadata) if (b.lastSeq === lastSeq && b.firstSeq === firstSeq) return b;
    return null;
  }

  toSnapshotEntry(): ProducerSnapshotEntry {
    return {
      producerId: this.producerId, epoch: this.producerEpoch, lastSequence: this.lastSeq, lastOffset: this.lastDataOffset,
      offsetDelta: this.lastOffsetDelta, timestamp: this.lastTimestamp, coordinatorEpoch: this.coordinatorEpoch,
      currentTxnFirstOffset: this.currentTxnFirstOffset,
    };
  }

  static fromSnapshotEntry(e: ProducerSnapshotEntry): ProducerStateEntry {
    const entry = new ProducerStateEntry(e.producerId, e.epoch, e.coordinatorEpoch, e.timestamp, e.currentTxnFirstOffset < 0n ? -1n : e.currentTxnFirstOffset);
    if (e.lastOffset >= 0n) entry.batchMetadata.push(new BatchMetadata(e.lastSequence, e.lastOffset, e.offsetDelta, e.timestamp));
    return entry;
  }
}

/** A {@link ProducerStateEntry} as plain data (structured-cloneable: a recovery worker hands the state over). */
export interface ProducerEntryData {
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  lastTimestamp: number;
  currentTxnFirstOffset: bigint;
  batches: Array<{ lastSeq: number; lastOffset: bigint; offsetDelta: number; timestamp: number }>;
}

/**
 * Who appends: a client (full sequence validation), the coordinator (markers, transactional offset commits: epoch
 * checks, no sequence checks), or the log itself while rebuilding state / replicating (no validation).
 */
export type AppendOrigin = 'client' | 'coordinator' | 'rebuild';

/** Kafka `ProducerAppendInfo`: the validated changes one append makes to one producer's entry. */
export class ProducerAppendInfo {
  readonly updatedEntry: ProducerStateEntry;
  /** The first offset of a transaction this append started (Kafka's startedTransactions), or -1n. */
  startedTxnFirstOffset = -1n;
  /** A transactional batch (data or marker) was appended: the producer's KIP-890 verification entry is done with. */
  sawTransactional = false;

  constructor(readonly topicPartition: string, readonly producerId: bigint, private readonly currentEntry: ProducerStateEntry | undefined, private readonly origin: AppendOrigin) {
    const c = currentEntry;
    this.updatedEntry = new ProducerStateEntry(producerId, c?.producerEpoch ?? NO_PRODUCER_EPOCH, c?.coordinatorEpoch ?? -1, c?.lastTimestamp ?? -1, c?.currentTxnFirstOffset ?? -1n);
  }

  /** A data batch at [firstOffset, lastOffset]: validated (client origin), then recorded in {@link updatedEntry}. */
  appendDataBatch(epoch: number, firstSeq: number, lastSeq: number, lastTimestamp: number, firstOffset: bigint, lastOffset: bigint, isTransactional: boolean): void {
    if (this.origin !== 'rebuild') this.checkProducerEpoch(epoch, firstOffset);
    if (this.origin === 'client') this.checkSequence(epoch, firstSeq, firstOffset);
    const u = this.updatedEntry;
    if (isTransactional) this.sawTransactional = true;
    u.addBatch(epoch, lastSeq, lastOffset, Number(lastOffset - firstOffset), lastTimestamp);
    if (u.currentTxnFirstOffset >= 0n && !isTransactional) {
      if (this.origin === 'client') throw new InvalidTxnStateError(`Expected transactional write from producer ${this.producerId} at offset ${firstOffset} in partition ${this.topicPartition}`);
    } else if (u.currentTxnFirstOffset < 0n && isTransactional) {
      u.currentTxnFirstOffset = firstOffset;
      this.startedTxnFirstOffset = firstOffset;
    }
  }

  /**
   * A transaction marker at `offset` (Kafka `appendEndTxnMarker`): epoch and coordinator-epoch checks unless
   * rebuilding, then the transaction is closed. Returns the completed transaction, or null when none was open.
   */
  appendEndTxnMarker(epoch: number, coordinatorEpoch: number, isCommit: boolean, offset: bigint, timestamp: number): CompletedTxn | null {
    const u = this.updatedEntry;
    if (this.origin !== 'rebuild') {
      this.checkProducerEpoch(epoch, offset);
      if (u.coordinatorEpoch > coordinatorEpoch) {
        throw new TransactionCoordinatorFencedError(`Invalid coordinator epoch for producerId ${this.producerId} at offset ${offset} in partition ${this.topicPartition}: ${coordinatorEpoch} (zombie), ${u.coordinatorEpoch} (current)`);
      }
    }
    u.maybeUpdateProducerEpoch(epoch);
    this.sawTransactional = true;
    const first = u.currentTxnFirstOffset;
    u.currentTxnFirstOffset = -1n;
    u.coordinatorEpoch = coordinatorEpoch;
    u.lastTimestamp = timestamp;
    return first >= 0n ? { producerId: this.producerId, firstOffset: first, lastOffset: offset, isAborted: !isCommit } : null;
  }

  private checkProducerEpoch(epoch: number, offset: bigint): void {
    const current = this.updatedEntry.producerEpoch;
    if (epoch < current) {
      throw new InvalidProducerEpochError(`Epoch of producer ${this.producerId} at offset ${offset} in ${this.topicPartition} is ${epoch}, which is smaller than the last seen epoch ${current}`);
    }
  }

  private checkSequence(epoch: number, firstSeq: number, offset: bigint): void {
    const u = this.updatedEntry;
    if (epoch !== u.producerEpoch) {
      // A new epoch starts at 0; an unknown producer (no epoch: never seen, expired or its data deleted) may
      // continue with any sequence, as in Kafka since KIP-360 (no UNKNOWN_PRODUCER_ID on produce).
      if (firstSeq !== 0 && u.producerEpoch !== NO_PRODUCER_EPOCH) {
        throw new OutOfOrderSequenceError(`Invalid sequence number for new epoch of producer ${this.producerId} at offset ${offset} in partition ${this.topicPartition}: ${epoch} (request epoch), ${firstSeq} (seq. number), ${u.producerEpoch} (current producer epoch)`);
      }
      return;
    }
    const c = this.currentEntry;
    const currentLastSeq = !u.isEmpty ? u.lastSeq : c !== undefined && epoch === c.producerEpoch ? c.lastSeq : NO_SEQUENCE;
    const currentEpoch = c?.producerEpoch ?? NO_PRODUCER_EPOCH;
    if (!(currentEpoch === NO_PRODUCER_EPOCH || inSequence(currentLastSeq, firstSeq))) {
      throw new OutOfOrderSequenceError(`Out of order sequence number for producer ${this.producerId} at offset ${offset} in partition ${this.topicPartition}: ${firstSeq} (incoming seq. number), ${currentLastSeq} (current end sequence number)`);
    }
  }
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/**
 * Kafka's `VerificationStateEntry` (KIP-890): created when a transactional batch of a producer with no open
 * transaction on the partition must be verified with the transaction coordinator. The entry object itself is the
 * `VerificationGuard`: an append after the verification must still find the same object (a marker or a first
 * transactional batch removes it meanwhile — the ABA case Kafka's unique guard prevents).
 */
export class VerificationStateEntry {
  constructor(readonly timestamp: number, public lowestSequence: number, public epoch: number) {}

  /** Kafka `maybeUpdateLowestSequenceAndEpoch`: a newer epoch replaces the sequence, the same epoch keeps the lowest. */
  maybeUpdateLowestSequenceAndEpoch(sequence: number, epoch: number): void {
    if (epoch > this.epoch) {
      this.lowestSequence = sequence;
      this.epoch = epoch;
    } else if (epoch === this.epoch && sequence < this.lowestSequence) {
      this.lowestSequence = sequence;
    }
  }
}

/** The header fields of a v2 batch the producer state needs (a RecordBatch view or a scanned header). */
export interface ProducerBatchInfo {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastSequence: number;
  readonly maxTimestamp: number;
  readonly isTransactional: boolean;
  readonly isControlBatch: boolean;
}

/**
 * Kafka `ProducerStateManager`: the producers, and the transactions that make the log unstable — ongoing ones
 * (first offset per producer) and completed ones whose marker is not yet below the high watermark — from which the
 * first unstable offset (and so the last stable offset) follows. `lastMapOffset` is the offset up to which the map
 * reflects the log (the Log tracks its newest snapshot). Differs from Kafka: the ongoing/unreplicated sets are small
 * maps/arrays scanned for their minimum (a partition has few open transactions), not TreeMaps.
 */
export class ProducerStateManager {
  readonly producers = new Map<bigint, ProducerStateEntry>();
  lastMapOffset = 0n;
  /** producerId → first offset of its open transaction. */
  readonly ongoingTxns = new Map<bigint, bigint>();
  /** Completed transactions whose marker (lastOffset) is not below the high watermark yet. */
  private unreplicatedTxns: CompletedTxn[] = [];
  /** KIP-890 verifications in progress, by producer id (in memory only, as in Kafka). */
  private readonly verificationStates = new Map<bigint, VerificationStateEntry>();

  constructor(readonly topicPartition: string, private readonly producerIdExpirationMs: () => number) {}

  /** No producers and no verification in progress (nothing to expire). */
  get isEmpty(): boolean { return this.producers.size === 0 && this.verificationStates.size === 0; }

  lastEntry(producerId: bigint): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  prepareUpdate(producerId: bigint, origin: AppendOrigin): ProducerAppendInfo {
    return new ProducerAppendInfo(this.topicPartition, producerId, this.producers.get(producerId), origin);
  }

  update(info: ProducerAppendInfo): void {
    const current = this.producers.get(info.producerId);
    if (current) current.update(info.updatedEntry);
    else this.producers.set(info.producerId, info.updatedEntry);
    if (info.startedTxnFirstOffset >= 0n) this.ongoingTxns.set(info.producerId, info.startedTxnFirstOffset);
    // Kafka's updateProducers: after a marker or a transactional batch the verification is no longer needed
    if (info.sawTransactional && this.verificationStates.size > 0) this.verificationStates.delete(info.producerId);
  }

  /** Kafka `hasOngoingTransaction`: the producer has an open transaction on this partition. */
  hasOngoingTransaction(producerId: bigint): boolean {
    return this.ongoingTxns.has(producerId);
  }

  /** Kafka `maybeCreateVerificationStateEntry`: the producer's entry (created at `now` if absent), lowest sequence/newest epoch kept. */
  maybeCreateVerificationStateEntry(producerId: bigint, sequence: number, epoch: number, now: number): VerificationStateEntry {
    let e = this.verificationStates.get(producerId);
    if (e === undefined) this.verificationStates.set(producerId, (e = new VerificationStateEntry(now, sequence, epoch)));
    e.maybeUpdateLowestSequenceAndEpoch(sequence, epoch);
    return e;
  }

  verificationStateEntry(producerId: bigint): VerificationStateEntry | undefined {
    return this.verificationStates.get(producerId);
  }

  clearVerificationStateEntry(producerId: bigint): void {
    this.verificationStates.delete(producerId);
  }

  /** Kafka `lastStableOffset(completedTxn)`: the first offset of another producer's open transaction, else after the marker. */
  lastStableOffset(c: CompletedTxn): bigint {
    let min = -1n;
    for (const [pid, first] of this.ongoingTxns) if (pid !== c.producerId && (min < 0n || first < min)) min = first;
    return min >= 0n ? min : c.lastOffset + 1n;
  }

  /** Kafka `completeTxn`: no longer ongoing; unstable until its marker is replicated. */
  completeTxn(c: CompletedTxn): void {
    if (this.ongoingTxns.get(c.producerId) === c.firstOffset) this.ongoingTxns.delete(c.producerId);
    this.unreplicatedTxns.push(c);
  }

  /** Kafka `onHighWatermarkUpdated`: completed transactions whose marker is below the HW are stable. */
  onHighWatermarkUpdated(hw: bigint): void {
    if (this.unreplicatedTxns.length === 0) return;
    this.unreplicatedTxns = this.unreplicatedTxns.filter((t) => t.lastOffset >= hw);
  }

  /** Kafka `firstUnstableOffset`: the smallest first offset of an ongoing or unreplicated transaction, or null. */
  firstUnstableOffset(): bigint | null {
    let min: bigint | null = null;
    for (const t of this.unreplicatedTxns) if (min === null || t.firstOffset < min) min = t.firstOffset;
    for (const f of this.ongoingTxns.values()) if (min === null || f < min) min = f;
    return min;
  }

  /** Open transactions (DescribeProducers, read-committed consumers' bookkeeping). */
  get hasOngoingTxns(): boolean { return this.ongoingTxns.size > 0 || this.unreplicatedTxns.length > 0; }

  private rebuildOngoing(): void {
    this.ongoingTxns.clear();
    this.unreplicatedTxns = [];
    for (const e of this.producers.values()) if (e.currentTxnFirstOffset >= 0n) this.ongoingTxns.set(e.producerId, e.currentTxnFirstOffset);
  }

  updateMapEndOffset(offset: bigint): void {
    this.lastMapOffset = offset;
  }

  /**
   * Apply one batch at [firstOffset, lastOffset] without validation (state rebuilt from the log, or replicated);
   * a marker (`marker` given for control batches) completes the producer's transaction, which is returned.
   */
  loadBatch(
    b: ProducerBatchInfo, firstOffset: bigint, lastOffset: bigint, marker?: { isCommit: boolean; coordinatorEpoch: number } | null,
    onAborted?: (c: CompletedTxn, lastStableOffset: bigint) => void,
  ): CompletedTxn | null {
    const info = this.prepareUpdate(b.producerId, 'rebuild');
    let completed: CompletedTxn | null = null;
    if (b.isControlBatch) {
      if (marker) completed = info.appendEndTxnMarker(b.producerEpoch, marker.coordinatorEpoch, marker.isCommit, firstOffset, b.maxTimestamp);
    } else info.appendDataBatch(b.producerEpoch, b.baseSequence, b.lastSequence, b.maxTimestamp, firstOffset, lastOffset, b.isTransactional);
    this.update(info);
    if (completed) {
      if (completed.isAborted && onAborted) onAborted(completed, this.lastStableOffset(completed));
      this.completeTxn(completed);
    }
    return completed;
  }

  /** Replace the map by a snapshot's entries (expired producers dropped, as Kafka's `loadFromSnapshot`). */
  loadSnapshot(entries: readonly ProducerSnapshotEntry[], snapshotOffset: bigint, now: number): void {
    this.producers.clear();
    for (const e of entries) {
      const entry = ProducerStateEntry.fromSnapshotEntry(e);
      if (!this.isProducerExpired(now, entry)) this.producers.set(entry.producerId, entry);
    }
    this.rebuildOngoing();
    this.lastMapOffset = snapshotOffset;
  }

  private isProducerExpired(now: number, e: ProducerStateEntry): boolean {
    return e.currentTxnFirstOffset < 0n && now - e.lastTimestamp >= this.producerIdExpirationMs();
  }

  /**
   * Forget producers idle for `producer.id.expiration.ms` (by their last batch timestamp); returns how many.
   * Verification entries as old as that go too (Kafka's removeExpiredProducers).
   */
  removeExpiredProducers(now: number): number {
    for (const [id, v] of this.verificationStates) if (now - v.timestamp >= this.producerIdExpirationMs()) this.verificationStates.delete(id);
    let removed = 0;
    for (const [id, e] of this.producers) {
      if (this.isProducerExpired(now, e)) {
        this.producers.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** Every entry with all its retained batches (unlike a snapshot, which keeps the last batch only). */
  exportEntries(): ProducerEntryData[] {
    const out: ProducerEntryData[] = [];
    for (const e of this.producers.values()) {
      out.push({
        producerId: e.producerId, producerEpoch: e.producerEpoch, coordinatorEpoch: e.coordinatorEpoch, lastTimestamp: e.lastTimestamp,
        currentTxnFirstOffset: e.currentTxnFirstOffset,
        batches: e.batchMetadata.map((b) => ({ lastSeq: b.lastSeq, lastOffset: b.lastOffset, offsetDelta: b.offsetDelta, timestamp: b.timestamp })),
      });
    }
    return out;
  }

  /** Replace the map by exported entries that reflect the log up to `mapEndOffset`. */
  importEntries(data: readonly ProducerEntryData[], mapEndOffset: bigint): void {
    this.producers.clear();
    for (const d of data) {
      const e = new ProducerStateEntry(d.producerId, d.producerEpoch, d.coordinatorEpoch, d.lastTimestamp, d.currentTxnFirstOffset);
      for (const b of d.batches) e.batchMetadata.push(new BatchMetadata(b.lastSeq, b.lastOffset, b.offsetDelta, b.timestamp));
      this.producers.set(e.producerId, e);
    }
    this.rebuildOngoing();
    this.lastMapOffset = mapEndOffset;
  }

  snapshotEntries(): ProducerSnapshotEntry[] {
    const out: ProducerSnapshotEntry[] = [];
    for (const e of this.producers.values()) out.push(e.toSnapshotEntry());
    return out;
  }
}
