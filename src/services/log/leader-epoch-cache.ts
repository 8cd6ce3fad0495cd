/**
 * Leader epoch cache of one partition (Kafka `LeaderEpochFileCache`) backed by `<partition>/leader-epoch-checkpoint`
 * (reference §4.4: version 0, `epoch startOffset` lines). Every change is written through synchronously
 * (tmp + fsync + rename + dir fsync), as Kafka does; changes are rare (a new leader epoch, truncation, retention).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CheckpointFile } from './checkpoint-file.js';
import { type EpochEntry, epochEntryFormat, LEADER_EPOCH_CHECKPOINT_FILE, LEADER_EPOCH_CHECKPOINT_VERSION } from './offset-checkpoint-file.js';

export type { EpochEntry } from './offset-checkpoint-file.js';

/** Synchronous atomic replace: `<file>.tmp` (or `tmpSuffix`), fsync, rename, fsync of the parent dir. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, tmpSuffix = '.tmp'): void {
  const tmp = `${file}${tmpSuffix}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDirSync(path.dirname(file));
}

export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Kafka `LeaderEpochFileCache.endOffsetFor` over `entries` (ascending epochs): the largest known epoch ≤
 * `requestedEpoch` and where it ends (the start offset of the next higher epoch; `logEndOffset` when it is the
 * latest epoch). (-1, -1) for epoch -1 or when no higher epoch is known; a requested epoch below every known one
 * answers (requestedEpoch, start offset of the first entry): the data before it is gone and the follower truncates there.
 */
export function endOffsetForEpoch(entries: readonly EpochEntry[], requestedEpoch: number, logEndOffset: bigint): { epoch: number; endOffset: bigint } {
  if (requestedEpoch === -1) return { epoch: -1, endOffset: -1n };
  const latest = entries[entries.length - 1];
  if (latest !== undefined && latest.epoch === requestedEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
  let higherIndex = -1;
  for (let i = 0; i < entries.length; i++) if (entries[i]!.epoch > requestedEpoch) { higherIndex = i; break; }
  if (higherIndex < 0) return { epoch: -1, endOffset: -1n };
  const higher = entries[higherIndex]!;
  if (higherIndex === 0) return { epoch: requestedEpoch, endOffset: higher.startOffset };
  return { epoch: entries[higherIndex - 1]!.epoch, endOffset: higher.startOffset };
}

export class LeaderEpochCache {
  private entries: EpochEntry[];
  private readonly checkpoint: CheckpointFile<EpochEntry>;

  private constructor(
    readonly file: string,
    entries: EpochEntry[],
  ) {
    this.entries = entries;
    this.checkpoint = new CheckpointFile(file, LEADER_EPOCH_CHECKPOINT_VERSION, epochEntryFormat);
  }

  /**
   * Read `<dir>/leader-epoch-checkpoint` (missing ⇒ empty, created on first change). Parse errors propagate
   * (`CheckpointFileError`: the caller takes the dir offline, as Kafka's failure handler does).
   */
  static load(dir: string): LeaderEpochCache {
    const file = path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
    const cache = new LeaderEpochCache(file, []);
    let text: string | null = null;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (text !== null) cache.entries = cache.checkpoint.parse(text);
    return cache;
  }

  /** Entries in ascending epoch order (copy). */
  epochEntries(): EpochEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  get latestEntry(): EpochEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  /** Latest epoch, or -1 if none. */
  get latestEpoch(): number {
    return this.latestEntry?.epoch ?? -1;
  }

  /** The epoch of the entry with the greatest start offset ≤ `offset` (-1 if none). */
  epochForOffset(offset: bigint): number {
    let epoch = -1;
    for (const e of this.entries) {
      if (e.startOffset <= offset) epoch = e.epoch;
      else break;
    }
    return epoch;
  }

  /** Kafka `LeaderEpochFileCache.endOffsetFor` over this cache (see {@link endOffsetForEpoch}). */
  endOffsetFor(requestedEpoch: number, logEndOffset: bigint): { epoch: number; endOffset: bigint } {
    return endOffsetForEpoch(this.entries, requestedEpoch, logEndOffset);
  }

  /**
   * Kafka `assign`: record that `epoch` starts at `startOffset`. Ignored for a negative epoch or when it changes
   * nothing; entries with epoch ≥ `epoch` or start offset ≥ `startOffset` are removed first. Written through.
   */
  assign(epoch: number, startOffset: bigint): boolean {
    if (epoch < 0) return false;
    const latest = this.latestEntry;
    if (latest && latest.epoch === epoch && startOffset >= latest.startOffset) return false;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.flush();
    return true;
  }

  /** Kafka `truncateFromEnd`: remove entries whose start offset ≥ `endOffset`. */
  truncateFromEnd(endOffset: bigint): void {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.flush();
  }

  /**
   * Kafka `truncateFromStart`: drop entries entirely before `startOffset`; the last of them (still current at
   * `startOffset`) is kept with its start offset moved up to `startOffset`.
   */
  truncateFromStart(startOffset: bigint): void {
    let lastBefore = -1;
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i]!.startOffset <= startOffset) lastBefore = i;
    if (lastBefore < 0) return;
    const first = this.entries[lastBefore]!;
    if (lastBefore === 0 && first.startOffset === startOffset) return;
    this.entries = [{ epoch: first.epoch, startOffset }, ...this.entries.slice(lastBefore + 1)];
    this.flush();
  }

  /** Write the checkpoint (version 0, count, `epoch offset` lines). */
  flush(): void {
    writeFileAtomicSync(this.file, this.checkpoint.render(this.entries));
  }
}
