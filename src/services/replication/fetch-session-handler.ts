/**
 * The fetching side of incremental fetch sessions (KIP-227), as Kafka's clients FetchSessionHandler, used by the
 * ReplicaFetcherThread (LeaderEndPoint.buildFetch / fetch): the first Fetch is full (epoch 0) and lists every
 * partition; once the leader answers with a session id, later Fetches are incremental (the session's next epoch) and
 * list only partitions added or whose request data changed (fetch offset, log start offset, leader epochs, max
 * bytes), with the ones no longer fetched in `forgottenTopicsData`. Any session error, a response that does not
 * match the session, or a failed request starts over with a full Fetch (FETCH_SESSION_ID_NOT_FOUND: a new session;
 * others: close the old one and ask for a new one, Kafka's nextCloseExistingAttemptNew). Fetch v0–6 have no sessions.
 */
import type { FetchPartitionData } from '../../protocol/messages/fetch.js';

export const INVALID_SESSION_ID = 0;
const INITIAL_EPOCH = 0;
const FINAL_EPOCH = -1;
const FETCH_SESSION_ID_NOT_FOUND = 70;

type Grouped<T> = Array<{ topic: string; partitions: T[] }>;

export interface SessionFetchRequest {
  sessionId: number;
  sessionEpoch: number;
  /** What to send: everything for a full request, the added and altered partitions for an incremental one. */
  topics: Grouped<FetchPartitionData>;
  forgottenTopicsData: Array<{ topic: string; partitions: number[] }>;
  isFull: boolean;
}

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const sameData = (a: FetchPartitionData, b: FetchPartitionData) => a.fetchOffset === b.fetchOffset && a.logStartOffset === b.logStartOffset
  && a.partitionMaxBytes === b.partitionMaxBytes && a.currentLeaderEpoch === b.currentLeaderEpoch && a.lastFetchedEpoch === b.lastFetchedEpoch;

function group<T extends { partition: number }>(entries: Iterable<{ topic: string; data: T }>): Grouped<T> {
  const out: Grouped<T> = [];
  for (const e of entries) {
    const last = out[out.length - 1];
    if (last && last.topic === e.topic) last.partitions.push(e.data); else out.push({ topic: e.topic, partitions: [e.data] });
  }
  return out;
}

export class FetchSessionHandler {
  private sessionId = INVALID_SESSION_ID;
  private epoch = INITIAL_EPOCH;
  /** The partitions the leader's session holds (after the last request built), with the data it has for them. */
  private sessionPartitions = new Map<string, { topic: string; data: FetchPartitionData }>();
  /** Counters for tests: full and incremental requests built. */
  fullRequests = 0;
  incrementalRequests = 0;

  constructor(private readonly supportsSessions: boolean) {}

  get session(): { id: number; epoch: number } { return { id: this.sessionId, epoch: this.epoch }; }
  /** False for Fetch v0–6 or with sessions off: every request is a sessionless full one and answers need no matching. */
  get usesSessions(): boolean { return this.supportsSessions; }

  /** FetchSessionHandler.Builder.build for the partitions to fetch now (`next`, in fetch order). */
  build(next: ReadonlyArray<{ topic: string; data: FetchPartitionData }>): SessionFetchRequest {
    if (!this.supportsSessions) return { sessionId: INVALID_SESSION_ID, sessionEpoch: FINAL_EPOCH, topics: group(next), forgottenTopicsData: [], isFull: true };
    const isFull = this.epoch === INITIAL_EPOCH || this.epoch === FINAL_EPOCH;
    if (isFull) {
      this.sessionPartitions = new Map(next.map((e) => [keyOf(e.topic, e.data.partition), { topic: e.topic, data: { ...e.data } }]));
      this.fullRequests++;
      return { sessionId: this.sessionId, sessionEpoch: this.epoch, topics: group(next), forgottenTopicsData: [], isFull: true };
    }
    const wanted = new Map(next.map((e) => [keyOf(e.topic, e.data.partition), e]));
    const forgotten: Array<{ topic: string; data: { partition: number } }> = [];
    for (const [k, e] of this.sessionPartitions) {
      if (!wanted.has(k)) { forgotten.push({ topic: e.topic, data: { partition: e.data.partition } }); this.sessionPartitions.delete(k); }
    }
    const toSend: Array<{ topic: string; data: FetchPartitionData }> = [];
    for (const e of next) {
      const k = keyOf(e.topic, e.data.partition);
      const prev = this.sessionPartitions.get(k);
      if (prev && sameData(prev.data, e.data)) continue;
      this.sessionPartitions.set(k, { topic: e.topic, data: { ...e.data } });
      toSend.push(e);
    }
    this.incrementalRequests++;
    return {
      sessionId: this.sessionId, sessionEpoch: this.epoch, topics: group(toSend),
      forgottenTopicsData: group(forgotten).map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => p.partition) })), isFull: false,
    };
  }

  /**
   * FetchSessionHandler.handleResponse: false when the answer cannot be used (a session error, or partitions that do
   * not match the session) — the next request is full.
   */
  handleResponse(errorCode: number, responseSessionId: number, partitions: ReadonlyArray<{ topic: string; partition: number }>, wasFull: boolean): boolean {
    if (!this.supportsSessions) return errorCode === 0;
    if (errorCode !== 0) {
      if (errorCode === FETCH_SESSION_ID_NOT_FOUND) { this.sessionId = INVALID_SESSION_ID; this.epoch = INITIAL_EPOCH; } else this.closeExistingAttemptNew();
      return false;
    }
    const unknown = partitions.some((p) => !this.sessionPartitions.has(keyOf(p.topic, p.partition)));
    if (wasFull) {
      const missing = partitions.length !== this.sessionPartitions.size;
      if (responseSessionId === INVALID_SESSION_ID) { this.sessionId = INVALID_SESSION_ID; this.epoch = INITIAL_EPOCH; return !unknown && !missing; }
      if (unknown || missing) { this.sessionId = INVALID_SESSION_ID; this.epoch = INITIAL_EPOCH; return false; }
      this.sessionId = responseSessionId;
      this.epoch = 1; // FetchMetadata.newIncremental
      return true;
    }
    if (unknown) { this.closeExistingAttemptNew(); return false; }
    if (responseSessionId === INVALID_SESSION_ID) { this.sessionId = INVALID_SESSION_ID; this.epoch = INITIAL_EPOCH; return true; } // closed by the leader
    this.epoch = this.epoch === 0x7fffffff ? 1 : this.epoch + 1;
    return true;
  }

  /** FetchSessionHandler.handleError: the request failed — close the session and ask for a new one. */
  handleError(): void {
    if (this.supportsSessions) this.closeExistingAttemptNew();
  }

  /** FetchMetadata.nextCloseExistingAttemptNew: the same session id with epoch 0 (a full request that closes it). */
  private closeExistingAttemptNew(): void { this.epoch = INITIAL_EPOCH; }
}
