/**
 * DeleteRecords on the leader: Kafka's Partition.deleteRecordsOnLeader and Partition.lowWatermarkIfLeader
 * (core/src/main/scala/kafka/cluster/Partition.scala). The log start offset moves up (UnifiedLog.
 * maybeIncrementLogStartOffset: never past the high watermark); the segments below it go at the next retention run and
 * the new start offset reaches `log-start-offset-checkpoint` with the log manager's checkpoint task, as in Kafka.
 * Followers learn it from the leader's fetch responses (log_start_offset) and report theirs back in their fetches; the
 * low watermark (the smallest of the leader's and its live followers' log start offsets) is what DeleteRecords waits
 * for (Kafka's DelayedDeleteRecords).
 *
 * Differs from Kafka: no future log (AlterReplicaLogDirs) term in the low watermark.
 */
import type { ReplicaState } from '../replication/partition.js';
import { OffsetOutOfRangeError } from '../log/log-errors.js';

export class PolicyViolationError extends Error { override name = 'PolicyViolationError'; }

/** What DeleteRecords needs of the leader's log (a Log). */
export interface DeletableLog {
  readonly config: { readonly cleanupPolicy: readonly string[] };
  readonly highWatermark: bigint;
  maybeIncrementLogStartOffset(newStart: bigint): boolean;
}

/** DeleteRecordsRequest.HIGH_WATERMARK: "delete up to the high watermark". */
export const HIGH_WATERMARK = -1n;

export function deleteRecordsOnLeader(tp: string, log: DeletableLog, offset: bigint, lowWatermark: () => bigint): { requestedOffset: bigint; lowWatermark: bigint } {
  if (!log.config.cleanupPolicy.includes('delete')) throw new PolicyViolationError(`Records of partition ${tp} can not be deleted due to the configured policy`);
  const requestedOffset = offset === HIGH_WATERMARK ? log.highWatermark : offset;
  if (requestedOffset < 0n) throw new OffsetOutOfRangeError(`The offset ${requestedOffset} for partition ${tp} is not valid`);
  log.maybeIncrementLogStartOffset(requestedOffset);
  return { requestedOffset, lowWatermark: lowWatermark() };
}

/** lowWatermarkIfLeader: followers whose broker is not alive do not hold it back; one that never fetched (-1) does. */
export function lowWatermarkOf(leaderStart: bigint, followers: readonly Pick<ReplicaState, 'brokerId' | 'logStartOffset'>[], alive: (id: number) => boolean): bigint {
  let low = leaderStart;
  for (const f of followers) if (alive(f.brokerId) && f.logStartOffset < low) low = f.logStartOffset;
  return low;
}
