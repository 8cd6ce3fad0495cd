/**
 * Kafka's DelayedProduce and its purgatory (`ReplicaManager.delayedProducePurgatory`) for acks=-1: a produce whose
 * appends succeeded waits until every partition's high watermark reached its `requiredOffset` (last offset + 1),
 * i.e. every member of the maximal ISR has the records. Each partition completes with the answer of
 * `Partition.checkEnoughReplicasReachOffset` (NONE, NOT_ENOUGH_REPLICAS_AFTER_APPEND, NOT_LEADER_OR_FOLLOWER);
 * still pending at `timeoutMs` → REQUEST_TIMED_OUT. Operations are watched by partition key and re-checked when
 * that partition's HW or ISR or leadership changes ({@link DelayedProducePurgatory.checkAndComplete}).
 *
 * Differs from Kafka: no expiration reaper thread — one timer per operation; no purge interval (an operation is
 * removed from every watch list when it completes).
 */
import { ErrorCode } from '../../protocol/errors.js';

/** The hosted partition's `checkEnoughReplicasReachOffset` (done with NOT_LEADER_OR_FOLLOWER when it is gone). */
export type ProduceCheck = (key: string, requiredOffset: bigint) => { done: boolean; errorCode: number };

interface PendingPartition { key: string; requiredOffset: bigint; done: boolean; errorCode: number }

class DelayedProduce {
  private finished = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly partitions: PendingPartition[],
    private readonly check: ProduceCheck,
    private readonly resolve: (codes: number[]) => void,
    private readonly onDone: (op: DelayedProduce) => void,
  ) {}

  start(timeoutMs: number): void {
    if (this.tryComplete()) return;
    this.timer = setTimeout(() => this.expire(), Math.max(0, timeoutMs));
  }

  /** Re-checks the pending partitions; true once every one is done (and the answer was sent). */
  tryComplete(): boolean {
    if (this.finished) return true;
    let pending = 0;
    for (const p of this.partitions) {
      if (p.done) continue;
      const r = this.check(p.key, p.requiredOffset);
      if (r.done) { p.done = true; p.errorCode = r.errorCode; } else pending++;
    }
    if (pending > 0) return false;
    this.finish();
    return true;
  }

  private expire(): void {
    if (this.finished) return;
    for (const p of this.partitions) if (!p.done) { p.done = true; p.errorCode = ErrorCode.REQUEST_TIMED_OUT; }
    this.finish();
  }

  private finish(): void {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.onDone(this);
    this.resolve(this.partitions.map((p) => p.errorCode));
  }
}

export class DelayedProducePurgatory {
  private readonly watchers = new Map<string, Set<DelayedProduce>>();

  constructor(private readonly check: ProduceCheck) {}

  /** Starts one DelayedProduce; resolves with the error code of each item, in order. */
  tryCompleteElseWatch(items: ReadonlyArray<{ key: string; requiredOffset: bigint }>, timeoutMs: number): Promise<number[]> {
    return new Promise((resolve) => {
      const op = new DelayedProduce(
        items.map((i) => ({ key: i.key, requiredOffset: i.requiredOffset, done: false, errorCode: ErrorCode.REQUEST_TIMED_OUT })),
        this.check, resolve, (done) => this.unwatch(done),
      );
      for (const i of items) {
        let s = this.watchers.get(i.key);
        if (!s) this.watchers.set(i.key, (s = new Set()));
        s.add(op);
      }
      op.start(timeoutMs);
    });
  }

  /** Kafka's checkAndComplete: re-checks every operation watching `key`. */
  checkAndComplete(key: string): void {
    const s = this.watchers.get(key);
    if (!s) return;
    // no copy of the set (this runs on every high-watermark move): a completed operation deletes only itself, which a
    // Set's iteration allows; its answer continues in a microtask, so nothing is added meanwhile
    for (const op of s) op.tryComplete();
  }

  /** Operations waiting (for tests and metrics: Kafka's PurgatorySize). */
  get size(): number {
    const all = new Set<DelayedProduce>();
    for (const s of this.watchers.values()) for (const op of s) all.add(op);
    return all.size;
  }

  private unwatch(op: DelayedProduce): void {
    for (const p of op.partitions) {
      const s = this.watchers.get(p.key);
      if (!s) continue;
      s.delete(op);
      if (s.size === 0) this.watchers.delete(p.key);
    }
  }
}
