/**
 * Replication throttles, as Kafka's ReplicationQuotaManager (core/src/main/scala/kafka/server/ReplicationQuotaManager
 * .scala, 3.7.1) with the ConfigHandler parts that feed it:
 * - one manager per side: `leader` (bytes a leader sends to followers) and `follower` (bytes a follower fetches);
 * - the bound is the per-broker dynamic config `leader.replication.throttled.rate` / `follower.replication.throttled
 *   .rate` of /config/brokers/<this id> (BrokerConfigHandler: only the broker's own entity, not <default>; absent =
 *   Long.MAX_VALUE, unthrottled);
 * - the throttled partitions of a topic come from its `leader.replication.throttled.replicas` /
 *   `follower.replication.throttled.replicas` override: `*` = every partition, else `partition:broker` pairs of which
 *   those naming this broker count (TopicConfigHandler.parseThrottledPartitions); an empty or absent value removes it;
 * - the rate is Kafka's SimpleRate over 11 one-second windows (sum / max(time since the oldest window, one window));
 *   `isQuotaExceeded` = rate > bound;
 * - every byte of a throttled partition is recorded (in-sync replicas too), but only replicas out of the ISR are held
 *   back (ReplicaManager.shouldLeaderThrottle, ReplicaFetcherThread.shouldFollowerThrottle), so the ISR never thrashes.
 * The leader side is applied in the Fetch handler (a throttled follower gets its partition with no records), the
 * follower side in ReplicaFetcherThread (a throttled partition is left out of the fetch request).
 * - a third manager, `alterLogDirs`, bounds the `-future` replica mover (QuotaFactory's alterLogDirs quota, the
 *   per-broker `replica.alter.log.dirs.io.max.bytes.per.second`, every moving partition counted).
 */

/** Kafka's ReplicaQuota trait. */
export interface ReplicaQuota {
  record(bytes: number): void;
  isThrottled(topic: string, partition: number): boolean;
  isQuotaExceeded(): boolean;
}

export type ReplicationType = 'leader' | 'follower' | 'alterLogDirs';

const ALL_REPLICAS = null; // Kafka's Constants.AllReplicas (Seq(-1))
const NUM_SAMPLES = 11; // ReplicationQuotaManagerConfig.DefaultNumQuotaSamples
const WINDOW_MS = 1000; // DefaultQuotaWindowSizeSeconds

/**
 * Kafka's SimpleRate (windowSize = max(elapsed since the oldest sample, one window)) over SampledStat windows; as in
 * SampledStat.oldest, measuring with no sample yet starts the first window then.
 */
export class SimpleRate {
  private readonly values: Float64Array;
  private readonly starts: Float64Array;
  private used = 0;
  private current = 0;
  constructor(private readonly samples = NUM_SAMPLES) {
    this.values = new Float64Array(samples);
    this.starts = new Float64Array(samples);
  }

  record(value: number, now: number): void {
    if (this.used === 0) { this.used = 1; this.current = 0; this.starts[0] = now; this.values[0] = 0; }
    else if (now - this.starts[this.current]! >= WINDOW_MS) {
      this.current = (this.current + 1) % this.samples;
      if (this.current >= this.used) this.used = this.current + 1;
      this.starts[this.current] = now;
      this.values[this.current] = 0;
    }
    this.values[this.current]! += value;
  }

  /** Bytes per second at `now`. */
  measure(now: number): number {
    if (this.used === 0) { this.used = 1; this.current = 0; this.starts[0] = now; this.values[0] = 0; }
    const expireAge = this.samples * WINDOW_MS;
    let sum = 0;
    let oldest = now;
    for (let i = 0; i < this.used; i++) {
      if (now - this.starts[i]! >= expireAge) { this.starts[i] = now; this.values[i] = 0; }
      sum += this.values[i]!;
      if (this.starts[i]! < oldest) oldest = this.starts[i]!;
    }
    return sum / (Math.max(now - oldest, WINDOW_MS) / 1000);
  }
}

export class ReplicationQuotaManager implements ReplicaQuota {
  /** topic → throttled partitions on this broker (null: all). */
  private readonly throttled = new Map<string, ReadonlySet<number> | null>();
  private bound = Infinity;
  private readonly rate: SimpleRate;

  constructor(readonly type: ReplicationType, private readonly now: () => number = Date.now, numSamples = NUM_SAMPLES) {
    this.rate = new SimpleRate(numSamples);
  }

  /** The bound in bytes/s (Infinity: Long.MAX_VALUE, unthrottled). */
  get upperBound(): number { return this.bound; }
  updateQuota(bytesPerSecond: number): void { this.bound = bytesPerSecond; }

  isQuotaExceeded(): boolean {
    return this.bound !== Infinity && this.rate.measure(this.now()) > this.bound;
  }

  isThrottled(topic: string, partition: number): boolean {
    if (!this.throttled.has(topic)) return false;
    const ps = this.throttled.get(topic);
    return ps === ALL_REPLICAS || ps!.has(partition);
  }

  record(bytes: number): void { this.rate.record(bytes, this.now()); }
  /** The measured rate (bytes/s), for tests and the viewer. */
  measuredRate(): number { return this.rate.measure(this.now()); }

  markThrottled(topic: string, partitions: readonly number[] | null): void {
    this.throttled.set(topic, partitions === ALL_REPLICAS ? ALL_REPLICAS : new Set(partitions));
  }
  removeThrottle(topic: string): void { this.throttled.delete(topic); }
  get throttledTopics(): string[] { return [...this.throttled.keys()]; }
}

export const LEADER_THROTTLED_REPLICAS = 'leader.replication.throttled.replicas';
export const FOLLOWER_THROTTLED_REPLICAS = 'follower.replication.throttled.replicas';
export const LEADER_THROTTLED_RATE = 'leader.replication.throttled.rate';
export const FOLLOWER_THROTTLED_RATE = 'follower.replication.throttled.rate';
export const ALTER_LOG_DIRS_RATE = 'replica.alter.log.dirs.io.max.bytes.per.second';

/**
 * ThrottledReplicaListValidator: the comma-split items, trimmed, are each empty or `partition:broker`, or they join
 * to `*`. Kafka's message on failure.
 */
export function validateThrottledReplicas(name: string, value: string): void {
  const items = value.split(',').map((x) => x.trim());
  if (items.every((x) => /^(\d+:\d+)?$/.test(x)) || items.join('') === '*') return;
  throw new Error(`${name} must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...`);
}

/** TopicConfigHandler.parseThrottledPartitions: the partitions of `value` throttled on `brokerId` (null: all). */
export function parseThrottledPartitions(name: string, value: string, brokerId: number): number[] | null {
  const v = value.trim();
  validateThrottledReplicas(name, v);
  if (v === '') return [];
  if (v === '*') return ALL_REPLICAS;
  return v.split(',').map((x) => x.trim()).filter((x) => x !== '').map((x) => x.split(':').map(Number))
    .filter(([, b]) => b === brokerId).map(([p]) => p!);
}

/** QuotaFactory's leader and follower replication quota managers. */
export class ReplicationQuotas {
  readonly leader: ReplicationQuotaManager;
  readonly follower: ReplicationQuotaManager;
  /** The -future replica mover's (AlterReplicaLogDirs). */
  readonly alterLogDirs: ReplicationQuotaManager;
  /** `brokerId`: set once the broker id is known (before any topic config is applied). */
  constructor(public brokerId = -1, now: () => number = Date.now) {
    this.leader = new ReplicationQuotaManager('leader', now);
    this.follower = new ReplicationQuotaManager('follower', now);
    this.alterLogDirs = new ReplicationQuotaManager('alterLogDirs', now);
  }

  /** TopicConfigHandler.processConfigChanges: the topic's throttled-replica lists (a bad list is ignored, with the error). */
  updateTopic(topic: string, overrides: Readonly<Record<string, string>>): Error | null {
    let err: Error | null = null;
    for (const [prop, q] of [[LEADER_THROTTLED_REPLICAS, this.leader], [FOLLOWER_THROTTLED_REPLICAS, this.follower]] as const) {
      const v = overrides[prop];
      if (v === undefined || v.trim() === '') { q.removeThrottle(topic); continue; }
      try { q.markThrottled(topic, parseThrottledPartitions(prop, v, this.brokerId)); } catch (e) { err = e as Error; }
    }
    return err;
  }

  /** BrokerConfigHandler.processConfigChanges for this broker's own entity (/config/brokers/<id>); returns the bounds that changed. */
  updateBroker(perBroker: Readonly<Record<string, string>>): Array<[ReplicationType, number]> {
    const rate = (k: string) => {
      const v = perBroker[k];
      if (v === undefined || !/^\d+$/.test(v.trim())) return Infinity;
      const n = Number(v.trim());
      return n >= 2 ** 63 - 1 ? Infinity : n;
    };
    const changed: Array<[ReplicationType, number]> = [];
    for (const [q, k] of [[this.leader, LEADER_THROTTLED_RATE], [this.follower, FOLLOWER_THROTTLED_RATE], [this.alterLogDirs, ALTER_LOG_DIRS_RATE]] as const) {
      const bound = rate(k);
      if (bound !== q.upperBound) changed.push([q.type, bound]);
      q.updateQuota(bound);
    }
    return changed;
  }
}

/**
 * The leader side of a follower's Fetch (ReplicaManager.shouldLeaderThrottle): hold back a throttled partition's
 * records when the fetching replica is not in the ISR and the leader quota is exceeded.
 */
export function shouldLeaderThrottle(q: ReplicaQuota | undefined, topic: string, partition: number, replicaId: number, isr: readonly number[]): boolean {
  return q !== undefined && !isr.includes(replicaId) && q.isThrottled(topic, partition) && q.isQuotaExceeded();
}

/** KafkaApis.sizeOfThrottledPartitions + quotas.leader.record: the bytes of throttled partitions in a follower's answer. */
export function recordLeaderThrottled(q: ReplicaQuota | undefined, responses: ReadonlyArray<{ topic?: string; partitions?: ReadonlyArray<{ partitionIndex?: number; records?: { length: number } | null }> }>): void {
  if (q === undefined) return;
  let bytes = 0;
  for (const t of responses) {
    for (const p of t.partitions ?? []) if (p.records && q.isThrottled(t.topic ?? '', p.partitionIndex ?? 0)) bytes += p.records.length;
  }
  if (bytes > 0) q.record(bytes);
}
