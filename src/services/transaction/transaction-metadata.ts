/**
 * Kafka's `TransactionMetadata` / `TxnTransitMetadata`: what the coordinator knows of one transactional id, and the
 * prepare/complete two-step of every change (prepare → append to `__transaction_state` → complete once replicated).
 * The state name advances only through the machine definition in src/machines/transaction-state.ts (Kafka's
 * validPreviousStates), whose pure transition the coordinator hands to every prepare step ({@link AdvanceTxnState}:
 * a service does not import a machine): an illegal transition throws {@link IllegalTxnTransitionError}, which the
 * coordinator answers as an error, never a silent change. A plain object per id (~300 bytes idle).
 *
 * Differs from Kafka: no per-metadata lock (one event loop); completeTransitionTo checks the target state only.
 */
import type { TxnLogValue, TxnStateName } from './transaction-log.js';

/** Kafka's TransactionState names (the byte of each in the log: transaction-log.ts). */
export type TxnState = TxnStateName;
/**
 * The pure transition of the transactionState machine definition (src/machines/transaction-state.ts), handed in:
 * the state after a move to `target` (Kafka's prepareTransitionTo(newState)); `valid` false when `state` may not
 * move there (the state is then unchanged).
 */
export type AdvanceTxnState = (state: TxnState, target: TxnState) => { state: TxnState; valid: boolean };

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
const SHORT_MAX = 32767;

export class IllegalTxnTransitionError extends Error { override name = 'IllegalTxnTransitionError'; }

/** Kafka's TransactionMetadata.isEpochExhausted: the coordinator keeps Short.MaxValue for fencing. */
export const isEpochExhausted = (epoch: number): boolean => epoch >= SHORT_MAX - 1;

export interface TxnTransit {
  producerId: bigint;
  lastProducerId: bigint;
  producerEpoch: number;
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TxnState;
  /** "topic-partition" → [topic, partition] */
  partitions: Map<string, [string, number]>;
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
}

export const tpKey = (topic: string, partition: number): string => `${topic}-${partition}`;

export class TransactionMetadata {
  pendingState: TxnState | null = null;
  hasFailedEpochFence = false;
  readonly partitions = new Map<string, [string, number]>();

  constructor(
    readonly transactionalId: string,
    public producerId: bigint,
    public lastProducerId: bigint,
    public producerEpoch: number,
    public lastProducerEpoch: number,
    public txnTimeoutMs: number,
    public state: TxnState,
    public txnStartTimestamp: number,
    public txnLastUpdateTimestamp: number,
  ) {}

  static fromLog(transactionalId: string, v: TxnLogValue): TransactionMetadata {
    const m = new TransactionMetadata(transactionalId, v.producerId, NO_PRODUCER_ID, v.producerEpoch, NO_PRODUCER_EPOCH, v.txnTimeoutMs, v.state, v.txnStartTimestamp, v.txnLastUpdateTimestamp);
    for (const t of v.partitions) for (const p of t.partitions) m.partitions.set(tpKey(t.topic, p), [t.topic, p]);
    return m;
  }

  get isProducerEpochExhausted(): boolean { return isEpochExhausted(this.producerEpoch); }
  get pendingTransitionInProgress(): boolean { return this.pendingState !== null; }

  private transit(advance: AdvanceTxnState, state: TxnState, producerId: bigint, epoch: number, lastEpoch: number, timeoutMs: number, partitions: Map<string, [string, number]>, start: number, now: number): TxnTransit {
    if (this.pendingState !== null) throw new IllegalTxnTransitionError(`Preparing transaction state transition to ${state} while it already a pending state ${this.pendingState}`);
    if (producerId < 0n) throw new IllegalTxnTransitionError(`Illegal new producer id ${producerId}`);
    if (state !== 'Dead' && epoch < 0) throw new IllegalTxnTransitionError(`Illegal new producer epoch ${epoch}`);
    const next = advance(this.state, state);
    if (!next.valid) {
      throw new IllegalTxnTransitionError(`Preparing transaction state transition to ${state} failed since the target state ${state} is not a valid previous state of the current state ${this.state}`);
    }
    this.pendingState = state;
    return { producerId, lastProducerId: this.producerId, producerEpoch: epoch, lastProducerEpoch: lastEpoch, txnTimeoutMs: timeoutMs, state, partitions, txnStartTimestamp: start, txnLastUpdateTimestamp: now };
  }

  prepareFenceProducerEpoch(advance: AdvanceTxnState): TxnTransit {
    if (this.producerEpoch === SHORT_MAX) throw new IllegalTxnTransitionError('Cannot fence producer with epoch equal to Short.MaxValue since this would overflow');
    const bumped = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.transit(advance, 'PrepareEpochFence', this.producerId, bumped, NO_PRODUCER_EPOCH, this.txnTimeoutMs, new Map(this.partitions), this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  /** Left: PRODUCER_FENCED (the caller maps it); Right: the transit. */
  prepareIncrementProducerEpoch(advance: AdvanceTxnState, newTimeoutMs: number, expectedEpoch: number | null, now: number): TxnTransit | 'fenced' {
    if (this.isProducerEpochExhausted) throw new IllegalTxnTransitionError(`Cannot allocate any more producer epochs for producerId ${this.producerId}`);
    const bumped = this.producerEpoch + 1;
    let next: number;
    let last: number;
    if (expectedEpoch === null) { next = bumped; last = NO_PRODUCER_EPOCH; }
    else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === this.producerEpoch) { next = bumped; last = this.producerEpoch; }
    else if (expectedEpoch === this.lastProducerEpoch) { next = this.producerEpoch; last = this.lastProducerEpoch; }
    else return 'fenced';
    return this.transit(advance, 'Empty', this.producerId, next, last, newTimeoutMs, new Map(), -1, now);
  }

  prepareProducerIdRotation(advance: AdvanceTxnState, newProducerId: bigint, newTimeoutMs: number, now: number, recordLastEpoch: boolean): TxnTransit {
    return this.transit(advance, 'Empty', newProducerId, 0, recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH, newTimeoutMs, new Map(), -1, now);
  }

  prepareAddPartitions(advance: AdvanceTxnState, added: Array<[string, number]>, now: number): TxnTransit {
    const start = this.state === 'Empty' || this.state === 'CompleteAbort' || this.state === 'CompleteCommit' ? now : this.txnStartTimestamp;
    const parts = new Map(this.partitions);
    for (const [t, p] of added) parts.set(tpKey(t, p), [t, p]);
    return this.transit(advance, 'Ongoing', this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, parts, start, now);
  }

  prepareAbortOrCommit(advance: AdvanceTxnState, state: 'PrepareCommit' | 'PrepareAbort', now: number): TxnTransit {
    return this.transit(advance, state, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, new Map(this.partitions), this.txnStartTimestamp, now);
  }

  prepareComplete(advance: AdvanceTxnState, now: number): TxnTransit {
    const state = this.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort';
    this.hasFailedEpochFence = false;
    return this.transit(advance, state, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, new Map(), this.txnStartTimestamp, now);
  }

  prepareDead(advance: AdvanceTxnState): TxnTransit {
    return this.transit(advance, 'Dead', this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, new Map(), this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  /** After the transit's record is replicated (Kafka's completeTransitionTo). */
  completeTransitionTo(t: TxnTransit): void {
    if (this.pendingState !== t.state) throw new IllegalTxnTransitionError(`TransactionalId ${this.transactionalId} completing transaction state transition to ${t.state} while its pending state is ${this.pendingState}`);
    this.producerId = t.producerId;
    this.lastProducerId = t.lastProducerId;
    this.producerEpoch = t.producerEpoch;
    this.lastProducerEpoch = t.lastProducerEpoch;
    this.txnTimeoutMs = t.txnTimeoutMs;
    this.txnStartTimestamp = t.txnStartTimestamp;
    this.txnLastUpdateTimestamp = t.txnLastUpdateTimestamp;
    this.partitions.clear();
    for (const [k, v] of t.partitions) this.partitions.set(k, v);
    this.state = t.state;
    this.pendingState = null;
  }
}

/** The record value of a transit (partitions grouped by topic; none for Empty). */
export function transitToLogValue(t: TxnTransit): TxnLogValue {
  const byTopic = new Map<string, number[]>();
  if (t.state !== 'Empty') {
    for (const [topic, p] of t.partitions.values()) {
      let l = byTopic.get(topic);
      if (!l) byTopic.set(topic, (l = []));
      l.push(p);
    }
  }
  return {
    producerId: t.producerId, producerEpoch: t.producerEpoch, txnTimeoutMs: t.txnTimeoutMs, state: t.state,
    partitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    txnLastUpdateTimestamp: t.txnLastUpdateTimestamp, txnStartTimestamp: t.txnStartTimestamp,
  };
}
