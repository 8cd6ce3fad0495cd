/**
 * The work of one replica fetcher — Kafka's `AbstractFetcherThread` + `ReplicaFetcherThread` (+ its
 * `RemoteLeaderEndPoint`): the partitions this broker follows from one leader (one of `num.replica.fetchers` per
 * source broker), each `truncating` or `fetching` (Kafka's PartitionFetchState) with its fetch offset, the leader
 * epoch it fetches at and the epoch of the last batch it holds. The ReplicaFetcherManager machine runs the loop
 * (src/machines/replica-fetcher-manager.ts); this class does one step at a time:
 * - {@link truncate}: partitions in `truncating` ask the leader where their last epoch ends (OffsetsForLeaderEpoch) and
 *   truncate as Kafka's `getOffsetTruncationState`; a log without epochs truncates to its high watermark;
 * - {@link fetch}: one Fetch (replica_id = this broker, the version the IBP implies, capped at 12 — the highest this
 *   broker serves; sizes and waits from replica.fetch.*), appended with `appendAsFollower` (the leader's batches as
 *   they are), the follower HW = min(leader HW, own LEO), the leader's log start offset followed; a diverging epoch
 *   (v12+) truncates; OFFSET_OUT_OF_RANGE asks the leader's latest/earliest offsets (ListOffsets) and truncates or
 *   restarts the log there; FENCED_LEADER_EPOCH drops the partition until the next LeaderAndIsr; other errors delay
 *   the partition by replica.fetch.backoff.ms.
 * Bounded work per event-loop turn: the response is at most replica.fetch.response.max.bytes, and the appends yield
 * to the event loop every few milliseconds.
 *
 * Fetch sessions (KIP-227, v7+) as Kafka's FetchSessionHandler (fetch-session-handler.ts; option incrementalFetchSessions,
 * on by default as in Kafka): incremental Fetches list only the partitions whose fetch data changed; a session error
 * makes the next Fetch full.
 * Differs from Kafka: no throttling.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../logger.js';
import { ApiKey } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/errors.js';
import { metadataVersionOrdinal } from '../../config/metadata-version.js';
import { BrokerBlockingSender } from './broker-blocking-sender.js';
import type { ResponseBody } from '../../protocol/frame.js';
import type { InitialFetchState, LeaderEndpoint } from './fetcher-types.js';
import { FetchSessionHandler } from './fetch-session-handler.js';
import type { FetchPartitionData } from '../../protocol/messages/fetch.js';
import type { ReplicaQuota } from './replication-quota-manager.js';

/** What a fetcher needs of a follower's log (the Log in the broker). */
export interface FollowerLog {
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  readonly highWatermark: bigint;
  /** The latest epoch of the leader-epoch cache, -1 if none. */
  readonly latestEpoch: number;
  /** Appends the leader's batches as they are (complete batches only); returns the last offset appended, or null. */
  appendAsFollower(records: Buffer): bigint | null;
  truncateTo(offset: bigint): boolean;
  truncateFullyAndStartAt(offset: bigint): void;
  /** The epoch cache's endOffsetFor(epoch) (epoch -1 = unknown). */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: bigint };
  updateHighWatermark(hw: bigint): bigint;
  maybeIncrementLogStartOffset(offset: bigint): boolean;
}

export interface FollowerPartitions {
  /** The log of a partition this broker follows (null: gone, offline, or leader now). */
  followerLog(topic: string, partition: number): FollowerLog | null;
  /** Records were appended (or the follower HW moved): delayed operations on it may complete. */
  onFollowerProgress?(topic: string, partition: number): void;
}

export interface FetcherThreadOptions {
  /**
   * Incremental fetch sessions toward the leader (KIP-227, FetchSessionHandler): on unless false (false: sessionless
   * full fetches). They were off for a while (368f91a) because follower-fetch's zombie-leader case once kept a record
   * the zombie took after losing its leadership; that was not the sessions: a broker follows the old leader until its
   * own LeaderAndIsr arrives (Kafka too), so an unacknowledged record can reach the new leader (see notes-N).
   */
  incrementalFetchSessions?: boolean;
  brokerId: number;
  fetcherId: number;
  leader: LeaderEndpoint;
  interBrokerProtocolVersion: string;
  /** replica.fetch.wait.max.ms / min.bytes / response.max.bytes / max.bytes (per partition) / backoff.ms */
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitionMaxBytes: number;
  backoffMs: number;
  /** replica.socket.timeout.ms (connect) and request.timeout.ms (each request). */
  socketTimeoutMs: number;
  requestTimeoutMs: number;
  partitions: FollowerPartitions;
  /** Advances a partition's fetch state (the machine definition's memoized pure transition). */
  advanceFetchState: AdvanceFetchState;
  log: Logger;
  now?: () => number;
  /** The follower replication throttle (ReplicaFetcherThread's quota; replication-quota-manager.ts). */
  quota?: ReplicaQuota;
  /** ReplicationBytesInPerSec and MaxLag (J's metrics, broker-topic-stats.ts FetcherStatsHooks); absent when metrics are off. */
  stats?: { replicationBytesIn(bytes: number): void; fetcherLag(topic: string, partition: number, lag: number): void };
}

/** A partition's fetch state: Kafka's Truncating / Fetching, and failed (fenced) until the next LeaderAndIsr. */
export type FetchStateName = 'truncating' | 'fetching' | 'failed';
export type FetchStateEvent = 'truncation.completed' | 'truncation.needed' | 'fenced';
/** The pure transition of the partition fetch state machine (src/machines/partition-fetch-state.ts), handed in. */
export type AdvanceFetchState = (state: FetchStateName, event: FetchStateEvent) => { state: FetchStateName; valid: boolean };

/** Kafka's PartitionFetchState. */
export interface PartitionFetchState {
  topic: string;
  partition: number;
  topicId: string | null;
  fetchOffset: bigint;
  currentLeaderEpoch: number;
  state: FetchStateName;
  /** The epoch of the last batch held (-1: none / not used below IBP 2.7-IV1). */
  lastFetchedEpoch: number;
  /** Not fetched before this time (a partition error's back-off). */
  delayedUntil: number;
  /** Kafka's isReplicaInSync: the last answer left no lag behind the leader's HW (throttles skip in-sync partitions). */
  inSync?: boolean;
}

const key = (topic: string, partition: number) => `${topic}-${partition}`;
const atLeast = (ibp: string, v: string) => metadataVersionOrdinal(ibp) >= metadataVersionOrdinal(v);

/** MetadataVersion.fetchRequestVersion, capped at 12 (this broker serves Fetch up to v12; no topic-id fetches). */
export function fetchRequestVersion(ibp: string): number {
  const table: Array<[string, number]> = [
    ['2.7-IV1', 12], ['2.3-IV1', 11], ['2.1-IV2', 10], ['2.0-IV1', 8], ['1.1-IV0', 7], ['0.11.0-IV1', 5], ['0.11.0-IV0', 4],
    ['0.10.1-IV1', 3], ['0.10.0-IV0', 2], ['0.9.0', 1],
  ];
  for (const [v, n] of table) if (atLeast(ibp, v)) return n;
  return 0;
}

/** MetadataVersion.offsetForLeaderEpochRequestVersion. */
export function offsetForLeaderEpochVersion(ibp: string): number {
  return atLeast(ibp, '2.8-IV0') ? 4 : atLeast(ibp, '2.3-IV1') ? 3 : atLeast(ibp, '2.1-IV1') ? 2 : atLeast(ibp, '2.0-IV0') ? 1 : 0;
}

/** MetadataVersion.listOffsetRequestVersion, capped at 7 (what this broker serves). */
export function listOffsetsVersion(ibp: string): number {
  return atLeast(ibp, '3.0-IV1') ? 7 : atLeast(ibp, '2.8-IV0') ? 6 : atLeast(ibp, '2.2-IV1') ? 5 : atLeast(ibp, '2.1-IV1') ? 4
    : atLeast(ibp, '2.0-IV1') ? 3 : atLeast(ibp, '0.11.0-IV0') ? 2 : 1;
}

/** Kafka's AbstractFetcherManager.getFetcherId: Utils.abs(31 * topic.hashCode + partition) % numFetchers. */
export function fetcherIdFor(topic: string, partition: number, numFetchers: number): number {
  let h = 0;
  for (let i = 0; i < topic.length; i++) h = (Math.imul(h, 31) + topic.charCodeAt(i)) | 0;
  const v = (Math.imul(31, h) + partition) | 0;
  return (v === -2147483648 ? 0 : Math.abs(v)) % Math.max(1, numFetchers);
}

/** How long a step may run before it yields to the event loop (appends of a large response). */
const TURN_BUDGET_MS = 8;

export class ReplicaFetcherThread {
  readonly partitions = new Map<string, PartitionFetchState>();
  readonly sender: BrokerBlockingSender;
  /** The incremental fetch session with the leader (KIP-227), made for the Fetch version in use. */
  session: FetchSessionHandler | null = null;
  private sessionVersion = -1;
  private readonly now: () => number;
  /** Counters for tests and the viewer. */
  fetches = 0;
  failedFetches = 0;
  bytesAppended = 0;

  constructor(readonly opts: FetcherThreadOptions) {
    this.now = opts.now ?? Date.now;
    this.sender = new BrokerBlockingSender(opts.leader, {
      clientId: `broker-${opts.brokerId}-fetcher-${opts.fetcherId}`, socketTimeoutMs: opts.socketTimeoutMs, requestTimeoutMs: opts.requestTimeoutMs,
    });
  }

  get name(): string { return `ReplicaFetcherThread-${this.opts.fetcherId}-${this.opts.leader.brokerId}`; }
  /** What the IBP implies, worked out once per IBP string (per Fetch it was two table walks of version parsing). */
  private ibpSeen: string | null = null;
  private ibpFetchVersion = 0;
  private ibpTruncationOnFetch = false;
  private ibp(): void {
    const v = this.opts.interBrokerProtocolVersion;
    if (v === this.ibpSeen) return;
    this.ibpSeen = v;
    this.ibpFetchVersion = fetchRequestVersion(v);
    this.ibpTruncationOnFetch = atLeast(v, '2.7-IV1');
  }
  private get truncationOnFetch(): boolean { this.ibp(); return this.ibpTruncationOnFetch; }

  /** Kafka's addPartitions: a partition already fetched at the same leader epoch keeps its state. */
  addPartitions(initial: readonly InitialFetchState[]): void {
    for (const s of initial) {
      const k = key(s.topic, s.partition);
      const current = this.partitions.get(k);
      if (current && current.currentLeaderEpoch === s.currentLeaderEpoch) continue;
      const log = this.opts.partitions.followerLog(s.topic, s.partition);
      const latest = log?.latestEpoch ?? -1;
      const fetching = this.truncationOnFetch && latest >= 0;
      const state: PartitionFetchState = {
        topic: s.topic, partition: s.partition, topicId: s.topicId, fetchOffset: s.initOffset, currentLeaderEpoch: s.currentLeaderEpoch,
        state: 'truncating', lastFetchedEpoch: fetching ? latest : -1, delayedUntil: 0,
      };
      // with truncation on fetch and a local epoch, the diverging epoch of the first Fetch does the truncating
      if (fetching) this.advance(state, 'truncation.completed');
      this.partitions.set(k, state);
      this.opts.log.info({ fetcher: this.name, topicPartition: k, fetchOffset: String(s.initOffset), leaderEpoch: s.currentLeaderEpoch, state: fetching ? 'fetching' : 'truncating' },
        `Added ${k} to ${this.name} at offset ${s.initOffset} (leader epoch ${s.currentLeaderEpoch})`);
    }
  }

  removePartitions(tps: ReadonlyArray<{ topic: string; partition: number }>): void {
    for (const tp of tps) this.partitions.delete(key(tp.topic, tp.partition));
  }

  get partitionCount(): number { return this.partitions.size; }
  hasTruncating(): boolean { for (const s of this.partitions.values()) if (s.state === 'truncating') return true; return false; }

  /** Milliseconds until some partition may be fetched (0 now), or null when none is in `fetching`. */
  nextFetchDelayMs(): number | null {
    const now = this.now();
    let best: number | null = null;
    for (const s of this.partitions.values()) {
      if (s.state !== 'fetching') continue;
      const d = Math.max(0, s.delayedUntil - now);
      if (best === null || d < best) best = d;
    }
    return best;
  }

  close(): void { this.sender.close(); }

  /** One step of the partition's fetch state machine (an event it refuses is logged and changes nothing). */
  private advance(s: PartitionFetchState, event: FetchStateEvent): void {
    const r = this.opts.advanceFetchState(s.state, event);
    if (!r.valid) this.opts.log.warn({ fetcher: this.name, topicPartition: key(s.topic, s.partition), state: s.state, event }, `Invalid fetch state transition of ${key(s.topic, s.partition)}: ${event} in ${s.state}`);
    s.state = r.state;
  }

  private delay(s: PartitionFetchState): void { s.delayedUntil = this.now() + this.opts.backoffMs; }

  /** The state still current for this answer (not removed or re-added at another epoch meanwhile). */
  private current(topic: string, partition: number, leaderEpoch: number): PartitionFetchState | null {
    const s = this.partitions.get(key(topic, partition));
    return s && s.currentLeaderEpoch === leaderEpoch ? s : null;
  }

  /**
   * Kafka's maybeTruncate: partitions in `truncating` with leader epochs ask OffsetsForLeaderEpoch; those without
   * truncate to their high watermark (the fetch offset they were added at). Throws on a transport failure.
   */
  async truncate(signal?: AbortSignal): Promise<void> {
    const withEpochs: PartitionFetchState[] = [];
    for (const s of [...this.partitions.values()]) {
      if (s.state !== 'truncating') continue;
      const log = this.opts.partitions.followerLog(s.topic, s.partition);
      if (!log) { this.partitions.delete(key(s.topic, s.partition)); continue; }
      if (log.latestEpoch >= 0 && atLeast(this.opts.interBrokerProtocolVersion, '0.11.0-IV2')) { withEpochs.push(s); continue; }
      this.truncateLog(s, log, s.fetchOffset < log.logEndOffset ? s.fetchOffset : log.logEndOffset, true); // truncateToHighWatermark
    }
    if (withEpochs.length === 0) return;
    const byTopic = new Map<string, Array<{ partition: number; currentLeaderEpoch: number; leaderEpoch: number }>>();
    const asked = new Map<string, { s: PartitionFetchState; epoch: number }>();
    for (const s of withEpochs) {
      const epoch = this.opts.partitions.followerLog(s.topic, s.partition)!.latestEpoch;
      asked.set(key(s.topic, s.partition), { s, epoch });
      let list = byTopic.get(s.topic);
      if (!list) byTopic.set(s.topic, (list = []));
      list.push({ partition: s.partition, currentLeaderEpoch: s.currentLeaderEpoch, leaderEpoch: epoch });
    }
    const version = offsetForLeaderEpochVersion(this.opts.interBrokerProtocolVersion);
    let body;
    try {
      body = await this.sender.sendRequest(ApiKey.OffsetForLeaderEpoch, version, {
        replicaId: this.opts.brokerId, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      }, signal);
    } catch (e) {
      for (const { s } of asked.values()) this.delay(s);
      throw e;
    }
    for (const t of body.topics) {
      for (const r of t.partitions) {
        const a = asked.get(key(t.topic, r.partition));
        if (!a) continue;
        const s = this.current(t.topic, r.partition, a.s.currentLeaderEpoch);
        if (!s || s.state !== 'truncating') continue;
        if (r.errorCode !== ErrorCode.NONE) { this.partitionError(s, r.errorCode, 'OffsetsForLeaderEpoch'); continue; }
        const log = this.opts.partitions.followerLog(s.topic, s.partition);
        if (!log) { this.partitions.delete(key(s.topic, s.partition)); continue; }
        const t2 = offsetTruncationState(log, s.fetchOffset, r.leaderEpoch ?? -1, r.endOffset);
        this.truncateLog(s, log, t2.offset, t2.completed);
      }
    }
  }

  /** Truncates the log to `offset` and moves the partition on (Kafka's truncate + updateFetchOffsetAndMaybeMarkTruncationComplete). */
  private truncateLog(s: PartitionFetchState, log: FollowerLog, offset: bigint, completed: boolean): void {
    if (offset < log.logEndOffset) {
      this.opts.log.info({ fetcher: this.name, topicPartition: key(s.topic, s.partition), from: String(log.logEndOffset), to: String(offset) },
        `Truncating partition ${key(s.topic, s.partition)} from log end offset ${log.logEndOffset} to ${offset}`);
      log.truncateTo(offset);
    }
    s.fetchOffset = offset < log.logEndOffset ? offset : log.logEndOffset;
    s.lastFetchedEpoch = this.truncationOnFetch ? log.latestEpoch : -1;
    // with truncation on fetch an unfinished truncation goes on through the next Fetch's diverging epoch
    this.advance(s, this.truncationOnFetch || completed ? 'truncation.completed' : 'truncation.needed');
    this.opts.partitions.onFollowerProgress?.(s.topic, s.partition);
  }

  private partitionError(s: PartitionFetchState, errorCode: number, what: string): void {
    const k = key(s.topic, s.partition);
    if (errorCode === ErrorCode.FENCED_LEADER_EPOCH) {
      // Kafka's onPartitionFenced: the leader moved on; wait for this broker's next LeaderAndIsr
      this.opts.log.info({ fetcher: this.name, topicPartition: k, leaderEpoch: s.currentLeaderEpoch }, `Partition ${k} marked as failed: ${what} answered FENCED_LEADER_EPOCH at leader epoch ${s.currentLeaderEpoch}`);
      this.advance(s, 'fenced');
      this.partitions.delete(k);
      return;
    }
    this.opts.log.info({ fetcher: this.name, topicPartition: k, errorCode }, `${what} of ${k} from broker ${this.opts.leader.brokerId} answered error ${errorCode}; retrying in ${this.opts.backoffMs} ms`);
    this.delay(s);
  }

  /**
   * One Fetch of every partition in `fetching` not backing off, and the handling of its answer. Returns the bytes
   * appended. Throws on a transport failure (the caller backs off; the partitions are delayed).
   */
  async fetch(signal?: AbortSignal): Promise<number> {
    const now = this.now();
    this.ibp();
    const version = this.ibpFetchVersion;
    const sent = new Map<string, PartitionFetchState & { sentOffset: bigint; sentEpoch: number }>();
    const next: Array<{ topic: string; data: FetchPartitionData }> = [];
    const quota = this.opts.quota;
    let throttledOut = false;
    for (const s of this.partitions.values()) {
      if (s.state !== 'fetching' || s.delayedUntil > now) continue;
      // Kafka's shouldFollowerThrottle: a throttled partition out of sync is left out while the follower quota is exceeded
      if (quota && !s.inSync && quota.isThrottled(s.topic, s.partition) && quota.isQuotaExceeded()) { throttledOut = true; continue; }
      const log = this.opts.partitions.followerLog(s.topic, s.partition);
      if (!log) continue;
      sent.set(key(s.topic, s.partition), Object.assign(s, { sentOffset: s.fetchOffset, sentEpoch: s.currentLeaderEpoch }));
      next.push({ topic: s.topic, data: {
        partition: s.partition, currentLeaderEpoch: s.currentLeaderEpoch, fetchOffset: s.fetchOffset,
        lastFetchedEpoch: this.truncationOnFetch ? s.lastFetchedEpoch : -1, logStartOffset: log.logStartOffset, partitionMaxBytes: this.opts.partitionMaxBytes,
      } });
    }
    if (sent.size === 0) {
      // every fetchable partition is throttled: wait replica.fetch.backoff.ms (Kafka's partitionMapCond.await)
      if (throttledOut) await sleep(this.opts.backoffMs, undefined, { signal }).catch(() => undefined);
      return 0;
    }
    this.fetches++;
    // KIP-227: a full Fetch opens a session on the leader, later ones list only what changed (fetch-session-handler.ts);
    // (incrementalFetchSessions: false → every Fetch is a sessionless full one)
    if (!this.session || this.sessionVersion !== version) { this.session = new FetchSessionHandler(version >= 7 && this.opts.incrementalFetchSessions !== false); this.sessionVersion = version; }
    const request = this.session.build(next);
    let body;
    try {
      body = await this.sender.sendRequest(ApiKey.Fetch, version, {
        replicaId: this.opts.brokerId, maxWaitMs: this.opts.maxWaitMs, minBytes: this.opts.minBytes, maxBytes: this.opts.maxBytes,
        isolationLevel: 0, sessionId: request.sessionId, sessionEpoch: request.sessionEpoch,
        topics: request.topics, forgottenTopicsData: request.forgottenTopicsData, rackId: '',
      }, signal, true); // the records are read into the sender's reusable buffer: given back below, once appended
    } catch (e) {
      this.sender.returnBuffer();
      this.session.handleError();
      this.failedFetches++;
      for (const s of sent.values()) this.delay(s);
      throw e;
    }
    try {
      if (version >= 7 && this.session.usesSessions) {
        const answered = body.responses.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partitionIndex })));
        // a session error or an answer that does not match the session: Kafka drops it, and the next Fetch is full
        if (!this.session.handleResponse(body.errorCode, body.sessionId, answered, request.isFull)
          && (body.errorCode === ErrorCode.NONE || body.errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND || body.errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH)) {
          this.opts.log.info({ fetcher: this.name, errorCode: body.errorCode, session: this.session.session }, `${this.name}: fetch session answer not usable (error ${body.errorCode}); the next Fetch is full`);
          return 0;
        }
      }
      return await this.processFetchResponse(version, body, sent);
    } finally {
      this.sender.returnBuffer();
    }
  }

  /**
   * Kafka's doWork loop while fetching is all there is to do: Fetch after Fetch, until a partition needs truncating,
   * every fetchable partition is delayed or gone, a Fetch could not be sent, or `signal` aborts (the machine's
   * `fetching` state runs one of these per run of fetches: an actor per Fetch cost the follower about a fifth of
   * its CPU at 5k acks=all produces/s). Each Fetch waits for the leader's answer, so the loop yields to the event
   * loop every round. Returns the bytes appended; throws as {@link fetch} does.
   */
  async fetchWhileReady(signal?: AbortSignal): Promise<number> {
    let appended = 0;
    for (;;) {
      const sent = this.fetches;
      appended += await this.fetch(signal);
      if (this.fetches === sent || signal?.aborted || this.hasTruncating() || this.nextFetchDelayMs() !== 0) return appended;
    }
  }

  /** The answer to one Fetch: appended partition by partition, yielding to the event loop between them when long. */
  private async processFetchResponse(version: number, body: ResponseBody<typeof ApiKey.Fetch>, sent: Map<string, PartitionFetchState & { sentOffset: bigint; sentEpoch: number }>): Promise<number> {
    if (version >= 7 && body.errorCode !== ErrorCode.NONE) {
      for (const s of sent.values()) this.partitionError(s, body.errorCode, 'Fetch');
      return 0;
    }
    let appended = 0;
    let turnStart = this.now();
    for (const t of body.responses) {
      for (const pd of t.partitions) {
        const req = sent.get(key(t.topic, pd.partitionIndex));
        if (!req) continue;
        const s = this.current(t.topic, pd.partitionIndex, req.sentEpoch);
        // the partition was removed, re-added or truncated while the fetch was out: its answer is stale
        if (!s || s.state !== 'fetching' || s.fetchOffset !== req.sentOffset) continue;
        const log = this.opts.partitions.followerLog(s.topic, s.partition);
        if (!log) { this.partitions.delete(key(s.topic, s.partition)); continue; }
        try {
          appended += await this.processPartitionData(s, log, pd);
        } catch (e) {
          this.opts.log.error({ fetcher: this.name, topicPartition: key(s.topic, s.partition), err: (e as Error).message },
            `Unexpected error processing data for partition ${key(s.topic, s.partition)} at offset ${s.fetchOffset}; retrying after back-off`);
          this.delay(s);
        }
        if (this.now() - turnStart >= TURN_BUDGET_MS) { await yieldToLoop(); turnStart = this.now(); }
      }
    }
    this.bytesAppended += appended;
    return appended;
  }

  private async processPartitionData(
    s: PartitionFetchState, log: FollowerLog,
    pd: { errorCode: number; highWatermark: bigint; logStartOffset?: bigint; divergingEpoch?: { epoch: number; endOffset: bigint }; records: Buffer | null },
  ): Promise<number> {
    switch (pd.errorCode) {
      case ErrorCode.NONE: {
        const div = pd.divergingEpoch;
        if (this.truncationOnFetch && div !== undefined && div.epoch >= 0 && div.endOffset >= 0n) {
          // Kafka's truncateOnFetchResponse
          const t = offsetTruncationState(log, s.fetchOffset, div.epoch, div.endOffset);
          this.truncateLog(s, log, t.offset, t.completed);
          return 0;
        }
        if (log.logEndOffset !== s.fetchOffset) throw new Error(`Offset mismatch for partition ${key(s.topic, s.partition)}: fetched offset = ${s.fetchOffset}, log end offset = ${log.logEndOffset}`);
        const records = pd.records ?? Buffer.alloc(0);
        // every byte of a throttled partition counts, in sync or not (Kafka's processPartitionData)
        if (this.opts.quota?.isThrottled(s.topic, s.partition)) this.opts.quota.record(records.length);
        const last = records.length > 0 ? log.appendAsFollower(records) : null;
        if (last !== null) {
          s.fetchOffset = last + 1n;
          if (this.truncationOnFetch) s.lastFetchedEpoch = log.latestEpoch;
        }
        // Kafka: follower HW = min(leader HW, own LEO); the leader's log start offset is followed
        log.updateHighWatermark(pd.highWatermark);
        s.inSync = pd.highWatermark - s.fetchOffset <= 0n;
        if (pd.logStartOffset !== undefined && pd.logStartOffset > log.logStartOffset && pd.logStartOffset <= log.highWatermark) log.maybeIncrementLogStartOffset(pd.logStartOffset);
        this.opts.partitions.onFollowerProgress?.(s.topic, s.partition);
        if (this.opts.stats) { // J, announced: Kafka's updateReplicationBytesIn + fetcherLagStats (processFetchRequest)
          if (last !== null) this.opts.stats.replicationBytesIn(records.length);
          const lag = pd.highWatermark - s.fetchOffset;
          this.opts.stats.fetcherLag(s.topic, s.partition, lag > 0n ? Number(lag) : 0);
        }
        return last !== null ? records.length : 0;
      }
      case ErrorCode.OFFSET_OUT_OF_RANGE:
        await this.handleOutOfRange(s, log);
        return 0;
      default:
        this.partitionError(s, pd.errorCode, 'Fetch');
        return 0;
    }
  }

  /**
   * Kafka's fetchOffsetAndTruncate: the leader's latest offset below ours → truncate to it; else the leader's start
   * above ours → start the log again at the leader's start offset; else fetch from our end.
   */
  private async handleOutOfRange(s: PartitionFetchState, log: FollowerLog): Promise<void> {
    const leaderEnd = await this.listOffset(s, -1n);
    const replicaEnd = log.logEndOffset;
    if (leaderEnd < replicaEnd) {
      this.truncateLog(s, log, leaderEnd, true);
      return;
    }
    const leaderStart = await this.listOffset(s, -2n);
    if (leaderStart > replicaEnd) {
      this.opts.log.info({ fetcher: this.name, topicPartition: key(s.topic, s.partition), leaderStart: String(leaderStart), replicaEnd: String(replicaEnd) },
        `Partition ${key(s.topic, s.partition)}: the leader's log starts at ${leaderStart}, after this replica's end ${replicaEnd}; restarting the log there`);
      log.truncateFullyAndStartAt(leaderStart);
    }
    s.fetchOffset = log.logEndOffset;
    s.lastFetchedEpoch = this.truncationOnFetch ? log.latestEpoch : -1;
    this.advance(s, 'truncation.completed');
  }

  private async listOffset(s: PartitionFetchState, timestamp: bigint): Promise<bigint> {
    const version = listOffsetsVersion(this.opts.interBrokerProtocolVersion);
    const body = await this.sender.sendRequest(ApiKey.ListOffsets, version, {
      replicaId: this.opts.brokerId, isolationLevel: 0,
      topics: [{ name: s.topic, partitions: [{ partitionIndex: s.partition, currentLeaderEpoch: s.currentLeaderEpoch, timestamp, maxNumOffsets: 1 }] }],
    });
    const p = body.topics[0]?.partitions[0];
    if (!p || p.errorCode !== ErrorCode.NONE) throw new Error(`ListOffsets ${timestamp} of ${key(s.topic, s.partition)} answered error ${p?.errorCode ?? 'none'}`);
    return version === 0 ? (p.oldStyleOffsets?.[0] ?? -1n) : (p.offset ?? -1n);
  }
}

/**
 * Kafka's AbstractFetcherThread.getOffsetTruncationState: where a follower truncates given the leader's (epoch,
 * end offset) for its last epoch, and whether it is done (false: the follower's own end of that epoch is another
 * epoch — ask again with it).
 */
export function offsetTruncationState(log: FollowerLog, fetchOffset: bigint, leaderEpoch: number, leaderEndOffset: bigint): { offset: bigint; completed: boolean } {
  const replicaEnd = log.logEndOffset;
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  if (leaderEndOffset === -1n) return { offset: min(fetchOffset, replicaEnd), completed: true };
  if (leaderEpoch === -1) return { offset: min(leaderEndOffset, replicaEnd), completed: true };
  const local = log.endOffsetForEpoch(leaderEpoch);
  if (local.epoch === -1) return { offset: min(leaderEndOffset, replicaEnd), completed: true };
  if (local.epoch !== leaderEpoch) return { offset: min(local.endOffset, replicaEnd), completed: false };
  return { offset: min(min(local.endOffset, leaderEndOffset), replicaEnd), completed: true };
}
