/**
 * ListOffsets (2), as Kafka's `KafkaApis.handleListOffsetRequest` + `Partition.fetchOffsetForTimestamp`:
 * - -2 (earliest): the log start offset; -1 (latest): the high watermark for consumers (replicaId -1; LSO = HW
 *   without transactions), the log end offset for other replica ids; -3 (max timestamp, v7+) and any other
 *   timestamp: `PartitionLog.fetchOffsetByTimestamp`, kept only below the high watermark; nothing found → NONE with
 *   offset and timestamp -1 (Kafka filters -3 the same way);
 * - leaderEpoch (v4+): the current leader epoch for latest, the epoch the log reports for earliest (its
 *   `fetchOffsetByTimestamp(-2)`, as the Log does; -1 if it has none) and for timestamps;
 * - errors per partition: a partition listed twice → INVALID_REQUEST; UNKNOWN_TOPIC_OR_PARTITION /
 *   NOT_LEADER_OR_FOLLOWER / KAFKA_STORAGE_ERROR; currentLeaderEpoch (v4+) older → FENCED_LEADER_EPOCH, newer →
 *   UNKNOWN_LEADER_EPOCH;
 * - v0 (Kafka's `handleListOffsetRequestV0` → `Partition.legacyFetchOffsetsForTimestamp`): up to `maxNumOffsets`
 *   segment base offsets (Log `legacyFetchOffsetsBefore`), newest first; for consumers, offsets above the high
 *   watermark give way to the high watermark itself; no duplicate check, and a negative `maxNumOffsets` fails the
 *   partition (Kafka's NegativeArraySizeException → UNKNOWN_SERVER_ERROR).
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ResponseInput } from '../../../protocol/frame.js';
import type { PartitionLog } from '../broker-context.js';
import { errorMessageOf, knownErrorCode, type ApiHandler } from './common.js';

type Response = ResponseInput<typeof ApiKey.ListOffsets>;
type PartitionOut = NonNullable<NonNullable<Response['topics']>[number]['partitions']>[number];

const LATEST = -1n;
const EARLIEST = -2n;
const CONSUMER_REPLICA_ID = -1;

function errorPartition(partitionIndex: number, errorCode: number): PartitionOut {
  return { partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
}

/** v0: the old offsets array; consumers never get an offset above the high watermark. */
function legacyOffsets(partitionIndex: number, log: PartitionLog, timestamp: bigint, maxNumOffsets: number, fromConsumer: boolean): PartitionOut {
  if (maxNumOffsets < 0) return errorPartition(partitionIndex, ErrorCode.UNKNOWN_SERVER_ERROR);
  let offsets = log.legacyFetchOffsetsBefore(Number(timestamp), maxNumOffsets);
  const hw = log.highWatermark;
  if (fromConsumer && offsets.some((o) => o > hw)) offsets = [hw, ...offsets.filter((o) => o <= hw)];
  return { partitionIndex, errorCode: ErrorCode.NONE, oldStyleOffsets: offsets };
}

export function listOffsetsHandler(): ApiHandler<typeof ApiKey.ListOffsets> {
  return {
    apiKey: ApiKey.ListOffsets,
    async handle(req, { broker: ctx }) {
      const { replicaId, topics } = req.body;
      const version = req.apiVersion;
      const seen = new Map<string, number>();
      for (const t of topics) for (const p of t.partitions) seen.set(`${t.name}\u0000${p.partitionIndex}`, (seen.get(`${t.name}\u0000${p.partitionIndex}`) ?? 0) + 1);

      const out = topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p): PartitionOut => {
          if (version > 0 && (seen.get(`${t.name}\u0000${p.partitionIndex}`) ?? 0) > 1) return errorPartition(p.partitionIndex, ErrorCode.INVALID_REQUEST);
          const lookup = ctx.replicas.partition(t.name, p.partitionIndex);
          switch (lookup.kind) {
            case 'unknown': return errorPartition(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            case 'notLeader': return errorPartition(p.partitionIndex, ErrorCode.NOT_LEADER_OR_FOLLOWER);
            case 'offline': return errorPartition(p.partitionIndex, ErrorCode.KAFKA_STORAGE_ERROR);
            case 'leader': break;
          }
          if (version >= 4 && p.currentLeaderEpoch >= 0) {
            if (p.currentLeaderEpoch < lookup.leaderEpoch) return errorPartition(p.partitionIndex, ErrorCode.FENCED_LEADER_EPOCH);
            if (p.currentLeaderEpoch > lookup.leaderEpoch) return errorPartition(p.partitionIndex, ErrorCode.UNKNOWN_LEADER_EPOCH);
          }
          const log = lookup.log;
          try {
            if (version === 0) return legacyOffsets(p.partitionIndex, log, p.timestamp, p.maxNumOffsets, replicaId === CONSUMER_REPLICA_ID);
            // Kafka's fetchOffsetForTimestamp: consumers up to the HW, read_committed (isolation 1, v2+) up to the LSO
            const lastFetchable = replicaId !== CONSUMER_REPLICA_ID ? log.logEndOffset
              : version >= 2 && req.body.isolationLevel === 1 ? (log.lastStableOffset ?? log.highWatermark) : log.highWatermark;
            let found: { offset: bigint; timestamp: number; leaderEpoch: number } | null;
            if (p.timestamp === LATEST) found = { offset: lastFetchable, timestamp: -1, leaderEpoch: lookup.leaderEpoch };
            else if (p.timestamp === EARLIEST) {
              // the log's answer carries the epoch of the log start offset (Kafka's epochForOffset)
              const hit = log.fetchOffsetByTimestamp(Number(EARLIEST));
              found = { offset: log.logStartOffset, timestamp: -1, leaderEpoch: hit !== null && hit.offset === log.logStartOffset ? hit.leaderEpoch : -1 };
            } else {
              // timestamps and -3 (max timestamp): only offsets below the last fetchable one
              const hit = log.fetchOffsetByTimestamp(Number(p.timestamp));
              found = hit !== null && hit.offset < lastFetchable ? hit : null;
            }
            if (found === null) return errorPartition(p.partitionIndex, ErrorCode.NONE);
            return {
              partitionIndex: p.partitionIndex,
              errorCode: ErrorCode.NONE,
              timestamp: BigInt(found.timestamp),
              offset: found.offset,
              leaderEpoch: version >= 4 ? found.leaderEpoch : -1,
            };
          } catch (e) {
            const code = knownErrorCode(e);
            if (code === null) ctx.log.error({ err: e, topic: t.name, partition: p.partitionIndex }, `Error listing offsets of ${t.name}-${p.partitionIndex}: ${errorMessageOf(e)}`);
            return errorPartition(p.partitionIndex, code ?? ErrorCode.UNKNOWN_SERVER_ERROR);
          }
        }),
      }));
      return { throttleTimeMs: 0, topics: out };
    },
    errorResponse(req, errorCode) {
      return { throttleTimeMs: 0, topics: req.body.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => errorPartition(p.partitionIndex, errorCode)) })) };
    },
  };
}
