/**
 * Leader epoch cache of one partition (Kafka `LeaderEpochFileCache`) backed by `<partition>/leader-epoch-checkpoint`
 * (reference §4.4: version 0, `epoch startOffset` lines), written as Kafka 3.8 writes it (KAFKA-16541):
 * - `assign` and `clearAndFlush` write through synchronously (tmp + fsync + rename + dir fsync): the file never misses
 *   an entry the log may hold batches of — except a new leader's `assign(epoch, log end)` (Log.maybeAssignEpochStartOffset),
 *   written asynchronously: see there;
 * - `truncateFromEnd` / `truncateFromStart` change the cache at once and write the file asynchronously (Kafka's
 *   `truncateFrom*AsyncFlush` → `scheduler.scheduleOnce(writeToFileForTruncation)`): the write and its fsyncs run in
 *   libuv's thread pool, not on the event loop (a follower truncating on a diverging epoch, DeleteRecords and
 *   retention moving the log start offset stalled every request for an fsync before). Until that write lands the file
 *   holds entries the cache dropped; a crash then leaves them, and the log's load truncates them again (Log.load:
 *   truncateFromEnd(log end) / truncateFromStart(log start)), as Kafka relies on.
 *
 * Differs from Kafka: Kafka's scheduled write and `assign`'s are serialised by the cache's lock; here the async write
 * renames its temporary file into place only if no newer content was written meanwhile (a version count checked and
 * the rename done in one event-loop turn), so an older truncation's content never replaces a newer `assign`'s.
 * Truncations during a write in flight are coalesced into one more write of the content current then (Kafka writes
 * the cache's current entries too). A dir that is gone (the partition deleted or moved) is skipped (Kafka's
 * `writeIfDirExists`); any other failure goes to `onFlushError` (the Log takes its dir offline).
 */
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { CheckpointFile } from './checkpoint-file.js';
import { fsyncDir, writeFileSynced } from './atomic-write.js';
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

/** Temporary file of the asynchronous truncation write (a `.tmp` name: startup deletes leftovers of a cut write). */
const ASYNC_TMP_SUFFIX = '.async.tmp';

/**
 * Asynchronous writes of all caches at once are bounded (a LeaderAndIsr making this broker leader of 1,000 partitions
 * schedules 1,000): each holds two descriptors and two thread-pool fsyncs; more at once would only queue in libuv's
 * pool and could exhaust the descriptor limit (EMFILE would take the dir offline).
 */
const ASYNC_WRITE_SLOTS = 8;
let asyncWritesActive = 0;
let asyncWritesMaxSeen = 0;
const asyncWriteWaiters: Array<() => void> = [];
function asyncWriteSlot(): Promise<void> | void {
  if (asyncWritesActive < ASYNC_WRITE_SLOTS) {
    asyncWritesActive++;
    if (asyncWritesActive > asyncWritesMaxSeen) asyncWritesMaxSeen = asyncWritesActive;
    return;
  }
  return new Promise((resolve) => asyncWriteWaiters.push(() => {
    asyncWritesActive++;
    if (asyncWritesActive > asyncWritesMaxSeen) asyncWritesMaxSeen = asyncWritesActive;
    resolve();
  }));
}
function releaseAsyncWriteSlot(): void {
  asyncWritesActive--;
  asyncWriteWaiters.shift()?.();
}
/** The most asynchronous checkpoint writes seen in flight at once (tests: the bound holds). */
export function leaderEpochAsyncWritesMaxSeen(): number { return asyncWritesMaxSeen; }

export class LeaderEpochCache {
  private entries: EpochEntry[];
  private readonly checkpoint: CheckpointFile<EpochEntry>;
  /** Bumped at every change of `entries`; `fileVersion` is the version whose content the file holds. */
  private version = 0;
  private fileVersion = 0;
  /** The asynchronous truncation write in flight (null: none), and whether a change came after its snapshot. */
  private writing: Promise<void> | null = null;
  private rewrite = false;
  /** A failed asynchronous write (other than the dir being gone): the Log takes its dir offline. */
  onFlushError: ((e: Error) => void) | null = null;

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
   * nothing; entries with epoch ≥ `epoch` or start offset ≥ `startOffset` are removed first. Written through, or with
   * `async` written like a truncation (see {@link Log.maybeAssignEpochStartOffset} for why that is safe there).
   */
  assign(epoch: number, startOffset: bigint, async = false): boolean {
    if (epoch < 0) return false;
    const latest = this.latestEntry;
    if (latest && latest.epoch === epoch && startOffset >= latest.startOffset) return false;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.version++;
    if (async) this.scheduleFlush();
    else this.flush();
    return true;
  }

  /** Kafka `clearAndFlush` (a log truncated fully): no entries, written through. */
  clearAndFlush(): void {
    this.entries = [];
    this.version++;
    this.flush();
  }

  /** Kafka `truncateFromEndAsyncFlush`: remove entries whose start offset ≥ `endOffset`; the file is written asynchronously. */
  truncateFromEnd(endOffset: bigint): void {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.version++;
    this.scheduleFlush();
  }

  /**
   * Kafka `truncateFromStartAsyncFlush`: drop entries entirely before `startOffset`; the last of them (still current
   * at `startOffset`) is kept with its start offset moved up to `startOffset`. The file is written asynchronously.
   */
  truncateFromStart(startOffset: bigint): void {
    let lastBefore = -1;
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i]!.startOffset <= startOffset) lastBefore = i;
    if (lastBefore < 0) return;
    const first = this.entries[lastBefore]!;
    if (lastBefore === 0 && first.startOffset === startOffset) return;
    this.entries = [{ epoch: first.epoch, startOffset }, ...this.entries.slice(lastBefore + 1)];
    this.version++;
    this.scheduleFlush();
  }

  /**
   * Write the checkpoint now, synchronously (version 0, count, `epoch offset` lines). An asynchronous write in flight
   * uses its own temporary file and, finding its content older, does not rename it.
   */
  flush(): void {
    const v = this.version;
    writeFileAtomicSync(this.file, this.checkpoint.render(this.entries));
    this.fileVersion = v;
  }

  /** Whether the file lags the cache (a truncation's asynchronous write not landed yet). */
  get flushPending(): boolean { return this.fileVersion !== this.version; }

  /** Writes synchronously if the file lags the cache (a clean close: the next load then reads what the cache held). */
  flushIfPending(): void {
    if (this.flushPending) this.flush();
  }

  /** Resolves once no asynchronous write is in flight or due (tests; a failed write resolves too, see onFlushError). */
  async flushed(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  private scheduleFlush(): void {
    if (this.writing !== null) { this.rewrite = true; return; }
    this.writing = this.writeLoop().finally(() => { this.writing = null; });
  }

  private async writeLoop(): Promise<void> {
    do {
      this.rewrite = false;
      const v = this.version;
      if (this.fileVersion >= v) continue;
      try {
        await this.writeAsync(v, this.checkpoint.render(this.entries));
      } catch (e) {
        // the partition dir is gone (deleted, renamed for deletion, moved): nothing to keep (Kafka's writeIfDirExists)
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        this.onFlushError?.(e as Error);
        return;
      }
    } while (this.rewrite);
  }

  /** tmp + fsync off the event loop; the rename only if the file holds older content; then the dir fsync off the loop. */
  private async writeAsync(v: number, content: string): Promise<void> {
    await asyncWriteSlot();
    try {
      await this.writeAsyncInSlot(v, content);
    } finally {
      releaseAsyncWriteSlot();
    }
  }

  private async writeAsyncInSlot(v: number, content: string): Promise<void> {
    const tmp = `${this.file}${ASYNC_TMP_SUFFIX}`;
    await writeFileSynced(tmp, content);
    // one event-loop turn: the version check and the rename (a synchronous write meanwhile wrote newer content)
    if (this.fileVersion >= v) {
      await fsp.rm(tmp, { force: true });
      return;
    }
    fs.renameSync(tmp, this.file);
    this.fileVersion = v;
    await fsyncDir(path.dirname(this.file));
  }
}
