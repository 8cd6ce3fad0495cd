/**
 * The cleaning work of one log in a worker thread (Kafka runs its cleaner on its own threads): the offset map and
 * the recopy into `.cleaned` segments use the second core instead of the event loop that serves produce/fetch.
 * The worker only reads the log's non-active segment files and writes `.cleaned` ones; each swap is done by the
 * main thread, which owns the Log (the worker asks, waits for the answer, then goes on with the next group).
 * An abort (shutdown, log deleted) is a shared flag the worker checks between batches.
 *
 * Only available from compiled JavaScript (`supported`), like the log recovery worker; the in-thread Cleaner is
 * the fallback (and what the unit tests use).
 */
import os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { LogConfig } from '../log-config.js';
import { LogSegment } from '../log-segment.js';
import { Cleaner, type CleanableLog, type CleanerStats, LogCleaningAbortedError } from './cleaner.js';
import { OffsetMap } from './offset-map.js';
import { WorkerJobError } from '../worker-job-error.js';

const WORKER_FLAG = 'rafkaLogCleanWorker';

export interface CleanJob {
  dir: string;
  topicPartition: string;
  config: LogConfig;
  firstDirtyOffset: bigint;
  firstUncleanableOffset: bigint;
  currentTime: number;
  /** Base offsets of the log's segments below the first uncleanable offset. */
  segmentBases: bigint[];
  producers: Array<{ producerId: bigint; epoch: number; lastOffset: bigint }>;
  mapMemory: number;
  loadFactor: number;
  maxIoBytesPerSecond?: number;
}

/** The main thread's answer to "swap this cleaned segment in for these": true when done. */
export type SwapHandler = (cleanedBase: bigint, oldBases: bigint[]) => Promise<boolean>;

export interface CleanJobResult {
  endOffset: bigint;
  stats: Pick<CleanerStats, 'bytesRead' | 'bytesWritten' | 'messagesRead' | 'messagesWritten' | 'invalidMessagesRead' | 'bufferUtilization' | 'elapsedSecs'>;
}


type ToWorker =
  | { type: 'clean'; job: Serialized<CleanJob>; abort: SharedArrayBuffer }
  | { type: 'swapped'; ok: boolean };
type FromWorker =
  | { type: 'swap'; cleanedBase: string; oldBases: string[] }
  | { type: 'done'; endOffset: string; stats: CleanJobResult['stats'] }
  | { type: 'error'; name: string; message: string; code?: string };
type Serialized<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] extends bigint[] ? string[] : T[K] extends Array<{ producerId: bigint }> ? Array<{ producerId: string; epoch: number; lastOffset: string }> : T[K] };

export class CleanWorker {
  static readonly supported: boolean = import.meta.url.endsWith('.js');
  private readonly worker: Worker;
  private dead: Error | null = null;
  private job: { resolve: (r: CleanJobResult) => void; reject: (e: Error) => void; onSwap: SwapHandler; abort: Int32Array } | null = null;

  constructor() {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { [WORKER_FLAG]: true } });
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    const die = (e: Error): void => {
      this.dead ??= e;
      const j = this.job;
      this.job = null;
      j?.reject(new Error(`Log clean worker died: ${e.message}`));
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new Error(`exit code ${code}`)));
  }

  get isDead(): boolean {
    return this.dead !== null;
  }

  private onMessage(m: FromWorker): void {
    const j = this.job;
    if (!j) return;
    if (m.type === 'swap') {
      j.onSwap(BigInt(m.cleanedBase), m.oldBases.map(BigInt)).then(
        (ok) => this.worker.postMessage({ type: 'swapped', ok } satisfies ToWorker),
        () => this.worker.postMessage({ type: 'swapped', ok: false } satisfies ToWorker),
      );
      return;
    }
    this.job = null;
    if (m.type === 'done') j.resolve({ endOffset: BigInt(m.endOffset), stats: m.stats });
    else j.reject(new WorkerJobError(m.name, m.message, m.code));
  }

  /** Clean one log; `abort()` of the returned handle makes the worker stop at its next check. */
  run(job: CleanJob, onSwap: SwapHandler): { result: Promise<CleanJobResult>; abort: () => void } {
    const shared = new SharedArrayBuffer(4);
    const flag = new Int32Array(shared);
    const abort = (): void => { Atomics.store(flag, 0, 1); };
    if (this.dead) return { result: Promise.reject(new Error(`Log clean worker died: ${this.dead.message}`)), abort };
    if (this.job) return { result: Promise.reject(new Error('CleanWorker runs one job at a time')), abort };
    const result = new Promise<CleanJobResult>((resolve, reject) => {
      this.job = { resolve, reject, onSwap, abort: flag };
      this.worker.postMessage({ type: 'clean', job: serialize(job), abort: shared } satisfies ToWorker);
    });
    return { result, abort };
  }

  async terminate(): Promise<void> {
    this.dead ??= new Error('terminated');
    await this.worker.terminate();
  }
}

function serialize(job: CleanJob): Serialized<CleanJob> {
  return {
    ...job,
    firstDirtyOffset: String(job.firstDirtyOffset),
    firstUncleanableOffset: String(job.firstUncleanableOffset),
    segmentBases: job.segmentBases.map(String),
    producers: job.producers.map((p) => ({ producerId: String(p.producerId), epoch: p.epoch, lastOffset: String(p.lastOffset) })),
  };
}

// ------------------------------------------------------------------------------------------------ worker side

/** The log's files as the worker sees them; swaps are asked of the main thread. */
class WorkerLogView implements CleanableLog {
  constructor(
    readonly dir: string,
    readonly config: LogConfig,
    private readonly segments: LogSegment[],
    private readonly producers: CleanJob['producers'],
    private readonly askSwap: (cleanedBase: bigint, oldBases: bigint[]) => Promise<boolean>,
  ) {}

  logSegments(from = 0n, to?: bigint): LogSegment[] {
    let start = 0;
    for (let i = 0; i < this.segments.length; i++) if (this.segments[i]!.baseOffset <= from) start = i;
    return this.segments.slice(start).filter((s) => to === undefined || s.baseOffset < to);
  }

  producerEntries() {
    return this.producers;
  }

  async replaceSegments(cleaned: LogSegment, old: readonly LogSegment[]): Promise<boolean> {
    cleaned.closeHandlers(); // flushed: the main thread opens it from disk
    return this.askSwap(cleaned.baseOffset, old.map((s) => s.baseOffset));
  }

  close(): void {
    for (const s of this.segments) s.closeHandlers();
  }
}

/** Nice value of the worker thread (Linux: per thread): when the cores are busy, the request thread goes first. */
const CLEANER_NICE = 10;

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_FLAG] === true) {
  try {
    os.setPriority(CLEANER_NICE);
  } catch {
    // not permitted here: run at the normal priority
  }
  const port = parentPort!;
  let map: OffsetMap | null = null;
  let pendingSwap: ((ok: boolean) => void) | null = null;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'swapped') {
      const p = pendingSwap;
      pendingSwap = null;
      p?.(m.ok);
      return;
    }
    void runJob(m.job, new Int32Array(m.abort));
  });

  const runJob = async (j: Serialized<CleanJob>, abort: Int32Array): Promise<void> => {
    const config = j.config;
    const segOpts = { indexIntervalBytes: config.indexIntervalBytes, maxIndexSize: config.maxIndexSize, fileAlreadyExists: true };
    const segments: LogSegment[] = [];
    let view: WorkerLogView | null = null;
    try {
      for (const b of j.segmentBases) segments.push(LogSegment.open(j.dir, BigInt(b), segOpts));
      const producers = j.producers.map((p) => ({ producerId: BigInt(p.producerId), epoch: p.epoch, lastOffset: BigInt(p.lastOffset) }));
      view = new WorkerLogView(j.dir, config, segments, producers, (cleanedBase, oldBases) => new Promise<boolean>((resolve) => {
        pendingSwap = resolve;
        port.postMessage({ type: 'swap', cleanedBase: String(cleanedBase), oldBases: oldBases.map(String) } satisfies FromWorker);
      }));
      if (map === null || map.slots !== OffsetMap.slotsFor(j.mapMemory)) map = new OffsetMap(j.mapMemory);
      const cleaner = new Cleaner({
        offsetMap: map,
        dupBufferLoadFactor: j.loadFactor,
        checkDone: () => { if (Atomics.load(abort, 0) !== 0) throw new LogCleaningAbortedError(`Cleaning of ${j.topicPartition} was aborted`); },
        retireSegments: (old) => { for (const s of old) s.closeHandlers(); },
        yieldMs: 1_000_000, // its own thread: no event loop to share
        maxIoBytesPerSecond: j.maxIoBytesPerSecond,
      });
      const { endOffset, stats } = await cleaner.cleanLog(view, j.topicPartition, BigInt(j.firstDirtyOffset), BigInt(j.firstUncleanableOffset), j.currentTime);
      port.postMessage({
        type: 'done', endOffset: String(endOffset),
        stats: {
          bytesRead: stats.bytesRead, bytesWritten: stats.bytesWritten, messagesRead: stats.messagesRead, messagesWritten: stats.messagesWritten,
          invalidMessagesRead: stats.invalidMessagesRead, bufferUtilization: stats.bufferUtilization, elapsedSecs: stats.elapsedSecs,
        },
      } satisfies FromWorker);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      port.postMessage({ type: 'error', name: err.name ?? 'Error', message: err.message ?? String(e), code: typeof err.code === 'string' ? err.code : undefined } satisfies FromWorker);
    } finally {
      if (view) view.close();
      else for (const s of segments) s.closeHandlers();
    }
  };
}
