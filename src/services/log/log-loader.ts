/**
 * Loading one partition dir (Kafka `LogLoader`): the topic id check against `partition.metadata`, the segments
 * (recovered after an unclean shutdown, swaps completed, strays removed: segment-recovery.ts), the leader epochs
 * of recovered batches, and the producer snapshots that are kept for the lazy producer-state rebuild.
 * {@link Log.load} builds the `Log` from what this returns (Kafka `UnifiedLog.apply`). Split out of log.ts;
 * unlike Kafka, the producer state itself is rebuilt lazily on first use (producer-state-loader.ts).
 */
import fs from 'node:fs';
import { MAGIC_V2, type BatchView } from './record-batch.js';
import type { LogSegment } from './log-segment.js';
import { loadSegments } from './segment-recovery.js';
import type { LogConfig } from './log-config.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { listProducerSnapshots } from './producer-state.js';
import type { PendingProducerLoad } from './producer-state-loader.js';
import { InconsistentTopicIdError, readPartitionMetadata } from './partition-metadata-file.js';
import type { LogHooks } from './log-types.js';

export interface LoadLogOptions {
  /** Partition dir `<logDir>/<topic>-<partition>`. */
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  recoveryPoint?: bigint;
  logStartOffset?: bigint;
  hadCleanShutdown: boolean;
  topicId?: string;
  hooks?: LogHooks;
  /** Recovery point to keep after a load that follows a recovery done elsewhere (a {@link RecoveryWorker}). */
  recoveryPointOverride?: bigint;
}

/** What {@link loadLogSegments} found on disk (Kafka `LoadedLogOffsets` plus the segments). */
export interface LoadedLogSegments {
  segments: LogSegment[];
  logEndOffset: bigint;
  logStartOffset: bigint;
  recoveryPoint: bigint;
  /** Loaded only when recovery met batches with epochs; else null (loaded lazily by the log). */
  epochCache: LeaderEpochCache | null;
  /** undefined = `partition.metadata` not read (no topic id to check). */
  storedTopicId: string | null | undefined;
  recoveredSegments: number;
  truncatedBytes: number;
}

/** Topic id check, then the segments loaded (and recovered after an unclean shutdown). */
export function loadLogSegments(o: LoadLogOptions, hooks: LogHooks): LoadedLogSegments {
  // Read only when needed: by recovery (epochs of recovered batches) or a topic id check.
  let epochCache: LeaderEpochCache | null = null;
  const cache = (): LeaderEpochCache => (epochCache ??= LeaderEpochCache.load(o.dir));
  const storedTopicId: string | null | undefined = o.topicId === undefined ? undefined : readPartitionMetadata(o.dir);
  if (o.topicId !== undefined && storedTopicId !== null && storedTopicId !== o.topicId) {
    throw new InconsistentTopicIdError(`Tried to assign topic ID ${o.topicId} to log for topic partition ${o.topic}-${o.partition}, but log already contained topic ID ${storedTopicId}`);
  }
  const loaded = loadSegments({
    dir: o.dir,
    recoveryPoint: o.recoveryPoint ?? 0n,
    logStartOffset: o.logStartOffset ?? 0n,
    hadCleanShutdown: o.hadCleanShutdown,
    indexIntervalBytes: o.config.indexIntervalBytes,
    maxIndexSize: o.config.maxIndexSize,
    preallocate: o.config.preallocate,
    initFileSize: o.config.preallocate ? o.config.segmentBytes : undefined,
    onBatch: (batch: BatchView) => {
      if (batch.magic >= MAGIC_V2) {
        const epoch = batch.partitionLeaderEpoch;
        if (epoch >= 0 && epoch > cache().latestEpoch) cache().assign(epoch, batch.baseOffset);
      }
    },
    scheduleDelete: hooks.scheduleDelete ? (files) => hooks.scheduleDelete!(files, o.config.fileDeleteDelayMs) : undefined,
    log: hooks.warn,
  });
  const rpo = o.recoveryPointOverride;
  return {
    segments: loaded.segments,
    logEndOffset: loaded.logEndOffset,
    logStartOffset: loaded.logStartOffset,
    recoveryPoint: rpo !== undefined && rpo < loaded.recoveryPoint ? rpo : loaded.recoveryPoint,
    epochCache,
    storedTopicId,
    recoveredSegments: loaded.recoveredSegments.length,
    truncatedBytes: loaded.truncatedBytes,
  };
}

/**
 * Producer snapshots at load: drop those past the LEO and stray ones (below the log start offset and not the
 * latest). Returns what the lazy rebuild needs (the latest snapshot, then the producer batches after it up to the
 * LEO), or null when nothing is to be rebuilt: as Kafka, a clean shutdown without any snapshot (a log no
 * idempotent producer wrote, or one older than snapshots) needs no scan.
 */
export function loadProducerSnapshots(
  dir: string,
  leo: bigint,
  logStartOffset: bigint,
  segments: readonly LogSegment[],
  hadCleanShutdown: boolean,
): { load: PendingProducerLoad; latestSnapshotOffset: bigint | undefined } | null {
  let snaps = listProducerSnapshots(dir);
  if (snaps.length === 0 && (hadCleanShutdown || leo === logStartOffset)) return null;
  for (const s of snaps) if (s.offset > leo) fs.rmSync(s.file, { force: true });
  snaps = snaps.filter((s) => s.offset <= leo);
  const latest = snaps[snaps.length - 1];
  const bases = new Set(segments.map((s) => s.baseOffset));
  snaps = snaps.filter((s) => {
    if (s === latest || bases.has(s.offset) || s.offset >= logStartOffset) return true;
    fs.rmSync(s.file, { force: true });
    return false;
  });
  return { load: { snapshots: snaps, lastOffset: leo }, latestSnapshotOffset: latest?.offset };
}
