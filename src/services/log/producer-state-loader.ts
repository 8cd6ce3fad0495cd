/**
 * Loading a partition's producer state (Kafka `UnifiedLog.rebuildProducerState` + `ProducerStateManager
 * .truncateAndReload` / `loadFromSnapshot`): the newest readable snapshot at or below the log end offset (corrupt
 * ones are deleted), then every producer batch after it is replayed from the segment files (headers only). After an
 * unclean shutdown this rebuilds what the snapshot did not hold (the snapshot is written at each roll and at a clean
 * close, so usually only the active segment is scanned).
 */
import fs from 'node:fs';
import { MAGIC_V2, type RecordBatch } from './record-batch.js';
import type { LogSegment } from './log-segment.js';
import { CorruptSnapshotError, readProducerSnapshot } from './producer-state.js';
import type { ProducerStateManager } from './producer-state-manager.js';
import { readEndTxnMarker, type EndTxnMarker } from './end-txn-marker.js';
import { iterateBatches } from './record-batch.js';

/** The marker of the control batch at `offset` (read whole: markers are rare and small). */
function markerAt(seg: LogSegment, offset: bigint, size: number): EndTxnMarker | null {
  const info = seg.read(offset, size, seg.size, true);
  if (info === null) return null;
  for (const e of iterateBatches(info.records)) return readEndTxnMarker(e.batch as RecordBatch);
  return null;
}

export interface PendingProducerLoad {
  /** Snapshot files at or below `lastOffset`, ascending. */
  snapshots: Array<{ offset: bigint; file: string }>;
  /** The log end offset when the log was loaded: the state is rebuilt up to here. */
  lastOffset: bigint;
}

/** Read the newest readable snapshot into `psm` (corrupt ones deleted); returns its offset, or null if none. */
export function loadLatestSnapshot(psm: ProducerStateManager, snapshots: ReadonlyArray<{ offset: bigint; file: string }>, now: number, warn?: (m: string) => void): bigint | null {
  for (let i = snapshots.length - 1; i >= 0; i--) {
    const s = snapshots[i]!;
    try {
      psm.loadSnapshot(readProducerSnapshot(s.file), s.offset, now);
      return s.offset;
    } catch (e) {
      if (!(e instanceof CorruptSnapshotError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      warn?.(`Deleting corrupt producer snapshot ${s.file}: ${(e as Error).message}`);
      fs.rmSync(s.file, { force: true });
    }
  }
  return null;
}

/**
 * Rebuild `psm` for a loaded log: latest snapshot, then the producer batches in [snapshot offset, lastOffset)
 * (from the log start offset when there is no snapshot).
 */
export function rebuildProducerState(
  psm: ProducerStateManager, segments: readonly LogSegment[], load: PendingProducerLoad, logStartOffset: bigint, now: number, warn?: (m: string) => void,
): void {
  const snapOffset = loadLatestSnapshot(psm, load.snapshots, now, warn);
  if (snapOffset === null) {
    psm.importEntries([], logStartOffset);
  }
  const from = psm.lastMapOffset > logStartOffset ? psm.lastMapOffset : logStartOffset;
  if (load.lastOffset > from) replayProducerBatches(psm, segments, from, load.lastOffset);
  psm.updateMapEndOffset(load.lastOffset);
}

/** Apply every v2 producer batch with offsets in [from, to) to `psm`, reading only batch headers. */
export function replayProducerBatches(psm: ProducerStateManager, segments: readonly LogSegment[], from: bigint, to: bigint): number {
  let applied = 0;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const next = segments[i + 1];
    if (next !== undefined && next.baseOffset <= from) continue;
    if (seg.baseOffset >= to) break;
    const start = seg.baseOffset > from ? 0 : (seg.translateOffset(from)?.position ?? seg.size);
    for (const e of seg.batchesFrom(start, { withData: false })) {
      const b = e.batch as RecordBatch;
      if (b.baseOffset >= to) return applied;
      if (e.magic < MAGIC_V2 || !b.hasProducerId) continue;
      if (b.lastOffset < from) continue;
      psm.loadBatch(b, b.baseOffset, b.lastOffset, b.isControlBatch ? markerAt(seg, b.baseOffset, e.size) : null);
      applied++;
    }
  }
  return applied;
}
