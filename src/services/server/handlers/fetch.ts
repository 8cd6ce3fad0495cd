/**
 * Fetch (1), as Kafka's `KafkaApis.handleFetchRequest` + `ReplicaManager.fetchMessages` for consumers:
 * - fetch sessions (v7+, KIP-227): the broker's FetchManager (fetch-session.ts) turns (session id, epoch) into a
 *   context — sessionless, full (creates a session), incremental (reads every partition of the session, answers only
 *   the changed ones) or a session error (FETCH_SESSION_ID_NOT_FOUND / INVALID_FETCH_SESSION_EPOCH); without one
 *   (handler tests) no session is ever created: full requests get session id 0, incremental ones
 *   FETCH_SESSION_ID_NOT_FOUND;
 * - per partition: not in the metadata → UNKNOWN_TOPIC_OR_PARTITION; the local replica (NOT_LEADER_OR_FOLLOWER /
 *   KAFKA_STORAGE_ERROR, which v5 and older get as NOT_LEADER_OR_FOLLOWER as in Kafka); currentLeaderEpoch (v9+) older → FENCED_LEADER_EPOCH, newer → UNKNOWN_LEADER_EPOCH;
 *   offsets outside the log → OFFSET_OUT_OF_RANGE. Errors carry -1 offsets and empty records;
 * - reads go in request order from fetchOffset, at most partitionMaxBytes each and min(maxBytes, broker
 *   `fetch.max.bytes`) in total; until one
 *   partition returned data the first batch is returned whole even if larger (Kafka's minOneMessage);
 * - reads use the log's `readAsync` when it has one (file I/O off the event loop), and consumers never see batches
 *   at or above the high watermark;
 * - highWatermark and logStartOffset from the read; lastStableOffset from the log (transactions, issue 13: A's
 *   minimal edit); read_committed (isolation_level 1) consumers see nothing at or above the LSO and get the aborted
 *   transactions overlapping the records returned (from the `.txnindex`), read_uncommitted get null;
 *   preferredReadReplica: KIP-392 (fetch-from-follower.ts) — with `replica.selector.class`, a v11+ consumer fetch on the
 *   leader may get a preferred read replica and no records; a follower serves v11+ consumers up to its high watermark;
 * - long polling: with fewer than minBytes read and no partition error, waits (ReplicaView.waitForData) up to
 *   maxWaitMs for new data and reads again.
 * - v0–v3 carry the legacy message format (magic 0 for v0/v1, magic 1 for v2/v3): the records read are down-converted
 *   (record-conversion.ts, Kafka's LazyDownConversionRecords); with `log.message.downconversion.enable=false` such a
 *   partition gets UNSUPPORTED_VERSION, zstd batches UNSUPPORTED_COMPRESSION_TYPE; below v3 the partition limit is
 *   hard (no first-batch exception: Kafka's hardMaxBytesLimit);
 * - `compression.type=zstd` and a version below 10 → UNSUPPORTED_COMPRESSION_TYPE (the client cannot read zstd).
 * `compression.type` and `message.downconversion.enable` are the partition's effective LogConfig (topic override >
 * broker default), as Kafka's `replicaManager.getLogConfig(tp)`.
 * - follower fetches (replica id ≥ 0, Kafka's FetchRequest.isFromFollower): read up to the log end offset, not the
 *   high watermark; the read records the follower's fetch offset as its log end offset (Partition
 *   updateFollowerFetchState: HW, ISR expansion); a broker that is not a replica gets NOT_LEADER_OR_FOLLOWER
 *   (UNKNOWN_LEADER_EPOCH when it sent an epoch); from v12 a `lastFetchedEpoch` whose log diverged from the
 *   leader's gets no records and `divergingEpoch` (epoch, end offset), answered at once; the follower long-polls
 *   like a consumer and wakes on the leader's appends; replication throttles (replication-quota-manager.ts): a
 *   throttled partition of a follower out of the ISR gets no records while the leader quota is exceeded.
 * Not done: topic-id fetches (v13+, not advertised).
 */
import { maxFetchBytesInQuotaWindow } from '../../quota/quota-managers.js';
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ResponseInput } from '../../../protocol/frame.js';
import type { BrokerContext, PartitionLog, ReadResult } from '../broker-context.js';
import { LENGTH_OFFSET, LOG_OVERHEAD } from '../../log/record-batch.js';
import { downConvert } from '../../log/record-conversion.js';
import { abortedTransactionsFor } from '../../transaction/fetch-aborted-transactions.js';
import { fetchReadPool, type ReadBufferPool } from '../../log/read-buffer-pool.js';
import { withOnSent } from '../../network/response-send.js';
import { recordBytesOut } from '../../metrics/broker-topic-stats.js';
import { recordLeaderThrottled, shouldLeaderThrottle } from '../../replication/replication-quota-manager.js';
import { preferredReadReplica } from './fetch-from-follower.js';
import { mayReadTopic } from '../../security/request-authorizer.js';
import { errorMessageOf, knownErrorCode, partitionOf, remainingMs, type ApiHandler, type RequestOf } from './common.js';
import { FetchManager, FetchSessionCache, type FetchContextRequest, type FetchPlan } from '../fetch-session.js';

/** Without a broker FetchManager: a cache with no slots (no session is ever created). */
const NO_SESSIONS = new FetchManager(new FetchSessionCache(() => 0));
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

type Response = ResponseInput<typeof ApiKey.Fetch>;
type TopicOut = NonNullable<Response['responses']>[number];
type PartitionOut = NonNullable<TopicOut['partitions']>[number];

const READ_COMMITTED = 1;
const EMPTY = Buffer.alloc(0);

function errorPartition(partitionIndex: number, errorCode: number): PartitionOut {
  return {
    partitionIndex, errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n,
    abortedTransactions: null, preferredReadReplica: -1, records: EMPTY,
  };
}

/** The magic a Fetch version can carry: v0/v1 magic 0, v2/v3 magic 1 (null: v2 batches as stored). */
export function fetchMagic(version: number): 0 | 1 | null {
  return version <= 1 ? 0 : version <= 3 ? 1 : null;
}

interface ReadPass { responses: TopicOut[]; bytes: number; anyError: boolean; leaders: Array<{ topic: string; partition: number }>; releases: Array<() => void> }

/** The fetching replica: a broker id (a follower: Kafka's FetchRequest.isFromFollower) or -1 for consumers. */
export function fetchReplicaId(req: RequestOf<typeof ApiKey.Fetch>): number {
  return req.apiVersion >= 15 ? req.body.replicaState?.replicaId ?? -1 : req.body.replicaId;
}

/** A read whose records may be a pooled buffer (read-buffer-pool.ts): `release` once nothing reads them. */
type PooledRead = ReadResult & { release?: () => void };
/** Optional on a PartitionLog: the same read with the file I/O off the event loop (the Log's `readAsync`). */
interface AsyncReadable { readAsync(startOffset: bigint, maxBytes: number, opts?: { minOneMessage?: boolean; pool?: ReadBufferPool }): Promise<PooledRead> }

async function readLog(log: PartitionLog, start: bigint, maxBytes: number, minOneMessage: boolean): Promise<PooledRead> {
  const a = log as PartitionLog & Partial<AsyncReadable>;
  return typeof a.readAsync === 'function' ? a.readAsync(start, maxBytes, { minOneMessage, pool: fetchReadPool }) : log.read(start, maxBytes, { minOneMessage });
}

/** Gives back the pooled read buffers of a pass (superseded by a re-read, or its response written or dropped). */
function releaseAll(releases: ReadonlyArray<() => void>): void {
  for (const r of releases) r();
}

/** Kafka's addAbortedTransactions, shaped for every client (transaction/fetch-aborted-transactions.ts; S, issue 13). */
function abortedIn(log: PartitionLog, fetchOffset: bigint, records: Buffer): Array<{ producerId: bigint; firstOffset: bigint }> {
  if (records.length === 0 || !log.collectAbortedTransactions) return [];
  return abortedTransactionsFor(fetchOffset, records, (start, upper) => log.collectAbortedTransactions!(start, upper));
}

/**
 * Consumers see nothing at or above the high watermark (Kafka reads with FetchHighWatermark isolation): the
 * records are cut before the first batch whose base offset is ≥ `hw`.
 */
export function trimToHighWatermark(records: Buffer, hw: bigint): Buffer {
  let pos = 0;
  while (pos + LOG_OVERHEAD <= records.length) {
    if (records.readBigInt64BE(pos) >= hw) return records.subarray(0, pos);
    pos += LOG_OVERHEAD + records.readInt32BE(pos + LENGTH_OFFSET);
  }
  return records;
}

/**
 * One read of every partition. `firstPass`: a follower's fetch state is recorded only on the first read of a request
 * (Kafka updates it in readFromLocalLog, not when a DelayedFetch completes and re-reads).
 */
async function readAll(ctx: BrokerContext, req: RequestOf<typeof ApiKey.Fetch>, plan: FetchPlan, firstPass: boolean, denied: ReadonlySet<string> | null, listenerName = ''): Promise<ReadPass> {
  const body = req.body;
  const replicaId = fetchReplicaId(req);
  const fromFollower = replicaId >= 0;
  const readCommitted = body.isolationLevel === READ_COMMITTED;
  let limitBytes = Math.max(0, Math.min(body.maxBytes, ctx.config().getInt('fetch.max.bytes')));
  let minOneMessage = req.apiVersion >= 3; // Kafka's hardMaxBytesLimit below v3
  const toMagic = fetchMagic(req.apiVersion);
  let bytes = 0;
  let anyError = false;
  let diverging = false;
  const leaders: Array<{ topic: string; partition: number }> = [];
  const releases: Array<() => void> = [];

  const readPartition = async (topic: string, p: FetchPlan[number]['partitions'][number]): Promise<PartitionOut> => {
    // a session's topic whose READ was revoked (Kafka's erroneous partitions: answered, not read, no end to a long poll)
    if (denied?.has(topic)) return errorPartition(p.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const fail = (code: number) => { anyError = true; if (firstPass) ctx.stats?.fetchError(topic, code); return errorPartition(p.partition, code); };
    if (firstPass) ctx.stats?.fetchRequest(topic);
    if (!partitionOf(ctx.metadata.topic(topic), p.partition)) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const lookup = ctx.replicas.partition(topic, p.partition);
    // KIP-392 (K): a follower serves a consumer that sent client metadata (v11+), up to its high watermark
    const followerRead = lookup.kind === 'notLeader' && !fromFollower && req.apiVersion >= 11 ? lookup.follower : undefined;
    switch (lookup.kind) {
      case 'unknown': return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      case 'notLeader': if (!followerRead) return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER); break;
      // Fetch v5 and older clients may not know KAFKA_STORAGE_ERROR (Kafka's maybeDownConvertStorageError)
      case 'offline': return fail(req.apiVersion <= 5 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.KAFKA_STORAGE_ERROR);
      case 'leader': break;
    }
    const local = lookup.kind === 'leader' ? lookup : followerRead!;
    const leaderPartition = lookup.kind === 'leader' ? lookup.partition : null; // set whenever fromFollower
    if (p.currentLeaderEpoch >= 0) {
      if (p.currentLeaderEpoch < local.leaderEpoch) return fail(ErrorCode.FENCED_LEADER_EPOCH);
      if (p.currentLeaderEpoch > local.leaderEpoch) return fail(ErrorCode.UNKNOWN_LEADER_EPOCH);
    }
    const log = local.log;
    if (!fromFollower && req.apiVersion < 10 && log.config.compressionType === 'zstd') return fail(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    if (toMagic !== null && !log.config.messageDownconversionEnable) return fail(ErrorCode.UNSUPPORTED_VERSION);
    leaders.push({ topic, partition: p.partition });
    try {
      // Partition.readRecords for a follower that sent its last fetched epoch (v12+): a diverging log gets no
      // records but the epoch and offset to truncate to, at once
      if (fromFollower && req.apiVersion >= 12 && p.lastFetchedEpoch >= 0) {
        const e = leaderPartition!.lastOffsetForLeaderEpoch(p.currentLeaderEpoch, p.lastFetchedEpoch, false);
        if (e.errorCode !== ErrorCode.NONE) return fail(e.errorCode);
        if (e.endOffset === -1n || e.leaderEpoch === -1 || p.fetchOffset < log.logStartOffset) return fail(ErrorCode.OFFSET_OUT_OF_RANGE);
        if (e.leaderEpoch < p.lastFetchedEpoch || e.endOffset < p.fetchOffset) {
          diverging = true;
          return {
            partitionIndex: p.partition, errorCode: ErrorCode.NONE, highWatermark: log.highWatermark, lastStableOffset: log.highWatermark,
            logStartOffset: log.logStartOffset, divergingEpoch: { epoch: e.leaderEpoch, endOffset: e.endOffset },
            abortedTransactions: null, preferredReadReplica: -1, records: EMPTY,
          };
        }
      }
      if (p.fetchOffset < log.logStartOffset || p.fetchOffset > log.logEndOffset) return fail(ErrorCode.OFFSET_OUT_OF_RANGE);
      // KIP-392 (K): the leader may name a preferred read replica instead of reading; answered at once
      const preferred = leaderPartition && !fromFollower && req.apiVersion >= 11 ? preferredReadReplica(ctx, leaderPartition, log, body.rackId ?? '', p.fetchOffset, listenerName) : -1;
      if (preferred >= 0) {
        diverging = true;
        return {
          partitionIndex: p.partition, errorCode: ErrorCode.NONE, highWatermark: log.highWatermark, lastStableOffset: log.lastStableOffset ?? log.highWatermark,
          logStartOffset: log.logStartOffset, abortedTransactions: null, preferredReadReplica: preferred, records: EMPTY,
        };
      }
      const leaderEndOffset = log.logEndOffset;
      const r = await readLog(log, p.fetchOffset, Math.max(0, Math.min(p.partitionMaxBytes, limitBytes)), minOneMessage);
      if (r.release) releases.push(r.release);
      // Kafka's updateFollowerFetchState after the read: the follower's LEO is its fetch offset
      if (fromFollower && firstPass && !leaderPartition!.updateFollowerFetchState(replicaId, p.fetchOffset, p.logStartOffset, leaderEndOffset)) {
        return fail(p.currentLeaderEpoch >= 0 ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.NOT_LEADER_OR_FOLLOWER);
      }
      // followers read up to the log end (FetchIsolation.LOG_END), consumers up to the high watermark
      // (read_committed: the last stable offset, FetchIsolation.TXN_COMMITTED)
      const lso = log.lastStableOffset ?? r.highWatermark;
      // replication throttle (K): an out-of-ISR follower gets a throttled partition without records while the leader quota is exceeded
      const throttled = fromFollower && shouldLeaderThrottle(ctx.replicationQuotas?.leader, topic, p.partition, replicaId, leaderPartition?.isr ?? []);
      const trimmed = throttled ? EMPTY : fromFollower ? r.records : trimToHighWatermark(r.records, readCommitted && lso < r.highWatermark ? lso : r.highWatermark);
      const size = trimmed.length; // limits count what was read, as in Kafka (not the converted size)
      const records = toMagic === null || size === 0 ? trimmed : downConvert(trimmed, toMagic, p.fetchOffset);
      if (size > 0) minOneMessage = false;
      limitBytes = Math.max(0, limitBytes - size);
      bytes += size;
      return {
        partitionIndex: p.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: r.highWatermark,
        lastStableOffset: lso,
        logStartOffset: r.logStartOffset,
        abortedTransactions: readCommitted && !fromFollower ? abortedIn(log, p.fetchOffset, trimmed) : null,
        preferredReadReplica: -1,
        records,
      };
    } catch (e) {
      let code = knownErrorCode(e);
      if (code === ErrorCode.KAFKA_STORAGE_ERROR && req.apiVersion <= 5) code = ErrorCode.NOT_LEADER_OR_FOLLOWER;
      if (code === null) ctx.log.error({ err: e, topic, partition: p.partition }, `Error processing fetch of ${topic}-${p.partition}: ${errorMessageOf(e)}`);
      return fail(code ?? ErrorCode.UNKNOWN_SERVER_ERROR);
    }
  };

  // partitions are read one after the other: each read's size limits the next (maxBytes, minOneMessage)
  const responses: TopicOut[] = [];
  for (const t of plan) {
    const partitions: PartitionOut[] = [];
    for (const p of t.partitions) partitions.push(await readPartition(t.topic, p));
    responses.push({ topic: t.topic, topicId: ZERO_UUID, partitions });
  }
  return { responses, bytes, anyError: anyError || diverging, leaders, releases };
}

export function fetchHandler(): ApiHandler<typeof ApiKey.Fetch> {
  return {
    apiKey: ApiKey.Fetch,
    async handle(req, { broker: ctx, conn }) {
      const body = req.body;
      // KafkaApis.handleFetchRequest: fetchManager.newContext (fetch sessions, KIP-227)
      const sessions = ctx.fetchManager ?? NO_SESSIONS;
      const sessionReq: FetchContextRequest = {
        apiVersion: req.apiVersion, sessionId: body.sessionId, sessionEpoch: body.sessionEpoch, isFollower: fetchReplicaId(req) >= 0,
        topics: body.topics, forgotten: req.apiVersion >= 7 ? body.forgottenTopicsData.map((f) => ({ topic: f.topic, partitions: f.partitions })) : [],
      };
      const fetchContext = sessions.newContext(sessionReq);
      if (fetchContext.kind === 'error') return { throttleTimeMs: 0, errorCode: fetchContext.errorCode, sessionId: 0, responses: [] };
      const plan = sessions.plan(fetchContext, sessionReq);
      // Kafka authorizes every partition of the fetch context on each fetch (handleFetchRequest's `erroneous`): the
      // authorizer gate saw only the request's partitions of an incremental fetch, and lets a session-opening full fetch
      // through whole. Denied partitions answer TOPIC_AUTHORIZATION_FAILED and stay in the session, so a consumer that
      // lost READ gets them as errors (an error is always a change: sent on every fetch until READ is back or they are
      // forgotten), and one granted READ later is served without a new session.
      let denied: Set<string> | null = null;
      if (ctx.authorizer && fetchReplicaId(req) < 0) {
        for (const t of plan) if (!mayReadTopic(ctx.authorizer, conn, t.topic)) (denied ??= new Set()).add(t.topic);
      }
      // a consumer's fetch is capped to its fetch quota's window (J, announced: Kafka's maxQuotaWindowBytes; min bytes follow)
      const quotaCap = maxFetchBytesInQuotaWindow(ctx.quotas, conn, req.header.clientId, fetchReplicaId(req));
      if (quotaCap < body.maxBytes) body.maxBytes = quotaCap;
      const deadline = Date.now() + Math.max(0, body.maxWaitMs);
      let pass = await readAll(ctx, req, plan, true, denied, conn.listenerName);
      const minBytes = Math.min(body.minBytes, body.maxBytes, ctx.config().getInt('fetch.max.bytes'));
      // A long poll ends early when its connection closes (no slot is held for a client that left).
      let parked = false;
      while (pass.bytes < minBytes && !pass.anyError && pass.leaders.length > 0 && remainingMs(deadline) > 0 && !conn.signal?.aborted) {
        // a long poll is in the purgatory: out of queued.max.requests (once), as the produces it may wait for
        if (!parked) { parked = true; conn.park?.(); }
        await ctx.replicas.waitForData(pass.leaders, remainingMs(deadline), conn.signal);
        releaseAll(pass.releases);
        pass = await readAll(ctx, req, plan, false, denied, conn.listenerName);
      }
      // the session's answer: a new session's id, or only the changed partitions of an incremental fetch
      const out = sessions.respond<PartitionOut>(fetchContext, plan, pass.responses as Array<{ topic: string; partitions: PartitionOut[] }>);
      const responses = out.responses.map((t) => ({ topic: t.topic, topicId: ZERO_UUID, partitions: t.partitions }));
      if (ctx.stats) recordBytesOut(ctx.stats, responses, fetchReplicaId(req) >= 0);
      if (fetchReplicaId(req) >= 0) recordLeaderThrottled(ctx.replicationQuotas?.leader, responses);
      // the pooled read buffers go back once the response is written (or dropped): kafka-apis hands this to the connection
      return withOnSent({ throttleTimeMs: 0, errorCode: out.errorCode, sessionId: out.sessionId, responses }, pass.releases);
    },
    errorResponse(req, errorCode) {
      return {
        throttleTimeMs: 0,
        errorCode: req.apiVersion >= 7 ? errorCode : ErrorCode.NONE,
        sessionId: 0,
        responses: req.body.topics.map((t) => ({ topic: t.topic, topicId: t.topicId, partitions: t.partitions.map((p) => errorPartition(p.partition, errorCode)) })),
      };
    },
  };
}
