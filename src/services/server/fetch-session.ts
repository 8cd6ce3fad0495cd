/**
 * Incremental fetch sessions (KIP-227), as Kafka's kafka.server.FetchSession.scala (3.7): the FetchSessionCache
 * (`max.incremental.fetch.session.cache.slots` sessions per broker, followers' sessions privileged, Kafka's eviction
 * rules) and FetchManager.newContext, which turns a Fetch request's (session id, epoch) into one of the contexts:
 * - sessionless (v0–6, or a full request with epoch -1): the answer carries session id 0;
 * - full (epoch 0): the answer carries the id of a new session holding every requested partition (0 when the cache
 *   is full and nothing may be evicted: the client carries on with full requests); a session id sent with it is closed;
 * - incremental (the session's current epoch): the request's partitions update the session, `forgottenTopicsData`
 *   leave it, every cached partition is read, and the answer holds only those with records, a changed high watermark or
 *   log start offset, an error, a preferred read replica or a diverging epoch; partitions that returned records move
 *   to the end of the session (round robin). A session left empty is closed (sessionless answer);
 * - error: an unknown session id → FETCH_SESSION_ID_NOT_FOUND, another epoch → INVALID_FETCH_SESSION_EPOCH (top-level
 *   error, no partitions, session id 0).
 * Sessions are keyed by topic name: Rafka serves Fetch up to v12 (no topic ids, so no FETCH_SESSION_TOPIC_ID_ERROR).
 * Eviction (Kafka's tryEvict): a session unused for `evictionMs` (Kafka's MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS,
 * 120 s) goes first; otherwise the least valuable evictable one by (privileged, size, id) if the new one is worth
 * more. Kafka keeps TreeMaps for these; with at most a few thousand slots a scan per new session is used here.
 * Like Kafka's, the cached LSO is not compared (a read_committed consumer sees an LSO move with the next change).
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { FetchPartitionData } from '../../protocol/messages/fetch.js';

export const INVALID_SESSION_ID = 0;
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
/** KafkaServer.MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS. */
export const MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS = 120_000;

/** FetchMetadata.nextEpoch: after FINAL_EPOCH comes FINAL_EPOCH, after Int.MaxValue comes 1. */
export function nextEpoch(prev: number): number {
  if (prev < 0) return FINAL_EPOCH;
  return prev === 0x7fffffff ? 1 : prev + 1;
}

/** What the handler answered for one partition (the fields the session compares; absent = the schema default). */
export interface FetchPartitionResponse {
  errorCode?: number;
  highWatermark?: bigint | number;
  logStartOffset?: bigint | number;
  preferredReadReplica?: number;
  divergingEpoch?: { epoch?: number } | undefined;
  records?: unknown;
}

const recordsSize = (r: FetchPartitionResponse) => (r.records as { length?: number } | null | undefined)?.length ?? 0;

/** CachedPartition: the request parameters and the last high watermark / log start offset sent. */
interface CachedPartition extends FetchPartitionData { topic: string; highWatermark: bigint; localLogStartOffset: bigint }

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class FetchSession {
  /** In Kafka's ImplicitLinkedHashCollection order (a JS Map keeps insertion order; re-insertion moves to the end). */
  readonly partitions = new Map<string, CachedPartition>();
  lastUsedMs: number;
  /** The size when last touched (-1: not in the cache). */
  cachedSize = -1;
  evictableByAll = false;
  evictableByPrivileged = false;

  constructor(readonly id: number, readonly privileged: boolean, readonly creationMs: number, public epoch: number) {
    this.lastUsedMs = creationMs;
  }

  get size(): number { return this.partitions.size; }

  /** FetchSession.update: add or update the request's partitions, drop the forgotten ones. */
  update(fetchData: ReadonlyArray<{ topic: string; partitions: readonly FetchPartitionData[] }>, toForget: ReadonlyArray<{ topic: string; partitions: readonly number[] }>): { added: number; updated: number; removed: number } {
    let added = 0, updated = 0, removed = 0;
    for (const t of fetchData) {
      for (const p of t.partitions) {
        const k = tpKey(t.topic, p.partition);
        const cached = this.partitions.get(k);
        if (cached) { copyRequest(cached, p); updated++; } else {
          this.partitions.set(k, { topic: t.topic, ...pickRequest(p), highWatermark: -1n, localLogStartOffset: -1n });
          added++;
        }
      }
    }
    for (const t of toForget) for (const p of t.partitions) if (this.partitions.delete(tpKey(t.topic, p))) removed++;
    return { added, updated, removed };
  }
}

const pickRequest = (p: FetchPartitionData): FetchPartitionData => ({
  partition: p.partition, currentLeaderEpoch: p.currentLeaderEpoch, fetchOffset: p.fetchOffset, lastFetchedEpoch: p.lastFetchedEpoch,
  logStartOffset: p.logStartOffset, partitionMaxBytes: p.partitionMaxBytes,
});
function copyRequest(c: CachedPartition, p: FetchPartitionData): void {
  c.partitionMaxBytes = p.partitionMaxBytes; c.fetchOffset = p.fetchOffset; c.logStartOffset = p.logStartOffset;
  c.currentLeaderEpoch = p.currentLeaderEpoch; c.lastFetchedEpoch = p.lastFetchedEpoch;
}

/** (privileged, size, id) as Kafka's EvictableKey ordering (false < true). */
function compareEvictable(a: { privileged: boolean; size: number; id: number }, b: { privileged: boolean; size: number; id: number }): number {
  if (a.privileged !== b.privileged) return a.privileged ? 1 : -1;
  if (a.size !== b.size) return a.size - b.size;
  return a.id - b.id;
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private numPartitions = 0;
  /** IncrementalFetchSessionEvictionsPerSec's count. */
  evictions = 0;

  /** `maxEntries`: max.incremental.fetch.session.cache.slots as configured now. */
  constructor(private readonly maxEntries: () => number, private readonly evictionMs = MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS,
    private readonly random: () => number = Math.random) {}

  get(id: number): FetchSession | undefined { return this.sessions.get(id); }
  /** NumIncrementalFetchSessions. */
  get size(): number { return this.sessions.size; }
  /** NumIncrementalFetchPartitionsCached. */
  get totalPartitions(): number { return this.numPartitions; }

  /** A positive id unused on this broker. */
  private newSessionId(): number {
    for (;;) {
      const id = 1 + Math.floor(this.random() * 0x7ffffffe);
      if (!this.sessions.has(id)) return id;
    }
  }

  /** FetchSessionCache.maybeCreateSession: the new session's id, or INVALID_SESSION_ID when there is no room. */
  maybeCreateSession(now: number, privileged: boolean, size: number, fill: (s: FetchSession) => void): number {
    if (this.sessions.size >= this.maxEntries() && !this.tryEvict(privileged, { privileged, size, id: 0 }, now)) return INVALID_SESSION_ID;
    const session = new FetchSession(this.newSessionId(), privileged, now, nextEpoch(INITIAL_EPOCH));
    fill(session);
    this.sessions.set(session.id, session);
    this.touch(session, now);
    return session.id;
  }

  /**
   * FetchSessionCache.tryEvict: a new session A may evict B if B is stale (unused for evictionMs), else if B is the
   * least valuable evictable session and A is worth at least as much — a privileged A may evict any unprivileged B and
   * privileged ones older than evictionMs; an unprivileged A only sessions older than evictionMs.
   */
  tryEvict(privileged: boolean, key: { privileged: boolean; size: number; id: number }, now: number): boolean {
    let oldest: FetchSession | undefined;
    for (const s of this.sessions.values()) if (!oldest || s.lastUsedMs < oldest.lastUsedMs || (s.lastUsedMs === oldest.lastUsedMs && s.id < oldest.id)) oldest = s;
    if (!oldest) return false;
    if (now - oldest.lastUsedMs > this.evictionMs) { this.remove(oldest); this.evictions++; return true; }
    let least: FetchSession | undefined;
    for (const s of this.sessions.values()) {
      if (!(privileged ? s.evictableByPrivileged : s.evictableByAll)) continue;
      if (!least || compareEvictable(evictableKey(s), evictableKey(least)) < 0) least = s;
    }
    if (!least || compareEvictable(key, evictableKey(least)) < 0) return false;
    this.remove(least);
    this.evictions++;
    return true;
  }

  remove(s: FetchSession | number): FetchSession | undefined {
    const session = typeof s === 'number' ? this.sessions.get(s) : s;
    if (!session || this.sessions.get(session.id) !== session) return undefined;
    this.sessions.delete(session.id);
    this.numPartitions -= Math.max(0, session.cachedSize);
    session.cachedSize = -1;
    return session;
  }

  /** FetchSessionCache.touch: last used now; its size and evictability as of now. */
  touch(session: FetchSession, now: number): void {
    session.lastUsedMs = now;
    if (session.cachedSize !== -1) this.numPartitions -= session.cachedSize;
    session.cachedSize = session.size;
    const old = now - session.creationMs > this.evictionMs;
    session.evictableByPrivileged = !session.privileged || old;
    session.evictableByAll = old;
    this.numPartitions += session.cachedSize;
  }
}

const evictableKey = (s: FetchSession) => ({ privileged: s.privileged, size: s.cachedSize, id: s.id });

export type FetchContext =
  | { kind: 'error'; errorCode: number }
  | { kind: 'sessionless' }
  | { kind: 'full'; privileged: boolean }
  | { kind: 'incremental'; session: FetchSession; expectedEpoch: number };

export interface FetchContextRequest {
  apiVersion: number;
  sessionId: number;
  sessionEpoch: number;
  isFollower: boolean;
  topics: ReadonlyArray<{ topic: string; partitions: readonly FetchPartitionData[] }>;
  forgotten: ReadonlyArray<{ topic: string; partitions: readonly number[] }>;
}

/** What a Fetch reads, in order, grouped by consecutive topic (Kafka's FetchResponse.of grouping). */
export type FetchPlan = Array<{ topic: string; partitions: FetchPartitionData[] }>;

/** Kafka's FetchManager. */
export class FetchManager {
  constructor(readonly cache: FetchSessionCache, private readonly now: () => number = Date.now) {}

  /** FetchManager.newContext (v0–6 have no sessions: Kafka's FetchMetadata.LEGACY, sessionless). */
  newContext(req: FetchContextRequest): FetchContext {
    if (req.apiVersion < 7) return { kind: 'sessionless' };
    const isFull = req.sessionEpoch === INITIAL_EPOCH || req.sessionEpoch === FINAL_EPOCH;
    if (isFull) {
      // any session named in a full request is closed
      if (req.sessionId !== INVALID_SESSION_ID) this.cache.remove(req.sessionId);
      return req.sessionEpoch === FINAL_EPOCH ? { kind: 'sessionless' } : { kind: 'full', privileged: req.isFollower };
    }
    const session = this.cache.get(req.sessionId);
    if (!session) return { kind: 'error', errorCode: FETCH_SESSION_ID_NOT_FOUND };
    if (session.epoch !== req.sessionEpoch) return { kind: 'error', errorCode: INVALID_FETCH_SESSION_EPOCH };
    session.update(req.topics, req.forgotten);
    if (session.size === 0) {
      this.cache.remove(session);
      return { kind: 'sessionless' };
    }
    this.cache.touch(session, this.now());
    session.epoch = nextEpoch(session.epoch);
    return { kind: 'incremental', session, expectedEpoch: session.epoch };
  }

  /** The partitions to read: the request's (sessionless, full) or every partition of the session (incremental). */
  plan(ctx: FetchContext, req: FetchContextRequest): FetchPlan {
    if (ctx.kind === 'error') return [];
    if (ctx.kind !== 'incremental') return req.topics.map((t) => ({ topic: t.topic, partitions: [...t.partitions] }));
    const out: FetchPlan = [];
    for (const c of ctx.session.partitions.values()) {
      const last = out[out.length - 1];
      if (last && last.topic === c.topic) last.partitions.push(c); else out.push({ topic: c.topic, partitions: [c] });
    }
    return out;
  }

  /**
   * updateAndGenerateResponseData: the session id to answer with and the partitions to send (`keep` per partition,
   * in the plan's order), or a top-level error. Creates the session of a full request; for an incremental one checks
   * the epoch again (a duplicate request meanwhile → INVALID_FETCH_SESSION_EPOCH) and updates the cached state.
   */
  respond<P extends FetchPartitionResponse>(ctx: FetchContext, plan: FetchPlan, responses: ReadonlyArray<{ topic: string; partitions: readonly P[] }>):
    { errorCode: number; sessionId: number; responses: Array<{ topic: string; partitions: P[] }> } {
    switch (ctx.kind) {
      case 'error': return { errorCode: ctx.errorCode, sessionId: INVALID_SESSION_ID, responses: [] };
      case 'sessionless': return { errorCode: NONE, sessionId: INVALID_SESSION_ID, responses: responses.map((t) => ({ topic: t.topic, partitions: [...t.partitions] })) };
      case 'full': {
        const size = plan.reduce((n, t) => n + t.partitions.length, 0);
        const sessionId = this.cache.maybeCreateSession(this.now(), ctx.privileged, size, (s) => {
          plan.forEach((t, i) => t.partitions.forEach((p, j) => {
            const r = responses[i]!.partitions[j]!;
            s.partitions.set(tpKey(t.topic, p.partition), { topic: t.topic, ...pickRequest(p), highWatermark: BigInt(r.highWatermark ?? -1n), localLogStartOffset: BigInt(r.logStartOffset ?? -1n) });
          }));
        });
        return { errorCode: NONE, sessionId, responses: responses.map((t) => ({ topic: t.topic, partitions: [...t.partitions] })) };
      }
      case 'incremental': {
        const s = ctx.session;
        if (s.epoch !== ctx.expectedEpoch || this.cache.get(s.id) !== s) return { errorCode: INVALID_FETCH_SESSION_EPOCH, sessionId: s.id, responses: [] };
        const out: Array<{ topic: string; partitions: P[] }> = [];
        const withRecords: string[] = [];
        plan.forEach((t, i) => {
          const kept: P[] = [];
          t.partitions.forEach((p, j) => {
            const r = responses[i]!.partitions[j]!;
            const k = tpKey(t.topic, p.partition);
            const cached = s.partitions.get(k);
            if (!cached || mustRespond(cached, r)) {
              kept.push(r);
              if (recordsSize(r) > 0 && cached) withRecords.push(k);
            }
          });
          if (kept.length > 0) out.push({ topic: t.topic, partitions: kept });
        });
        // partitions that returned records go to the end (the next reads start with the others)
        for (const k of withRecords) { const c = s.partitions.get(k)!; s.partitions.delete(k); s.partitions.set(k, c); }
        return { errorCode: NONE, sessionId: s.id, responses: out };
      }
    }
  }
}

/** CachedPartition.maybeUpdateResponseData(respData, updateResponseData = true). */
function mustRespond(c: CachedPartition, r: FetchPartitionResponse): boolean {
  let must = recordsSize(r) > 0;
  const hw = BigInt(r.highWatermark ?? -1n), logStart = BigInt(r.logStartOffset ?? -1n);
  if (c.highWatermark !== hw) { must = true; c.highWatermark = hw; }
  if (c.localLogStartOffset !== logStart) { must = true; c.localLogStartOffset = logStart; }
  if ((r.preferredReadReplica ?? -1) >= 0) must = true;
  if ((r.errorCode ?? NONE) !== NONE) { c.highWatermark = -1n; must = true; }
  if ((r.divergingEpoch?.epoch ?? -1) >= 0) must = true;
  return must;
}

const { NONE, FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH } = ErrorCode;
