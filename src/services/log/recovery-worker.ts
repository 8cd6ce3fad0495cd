/**
 * Log recovery on a worker thread (Kafka's `LogManager.loadLogs` runs `LogLoader` on a pool of
 * `num.recovery.threads.per.data.dir` threads; Rafka has one worker thread per recovery pool slot). The worker
 * loads a log without a clean-shutdown marker ({@link Log.load}), then leaves its files as a clean close would
 * ({@link Log.releaseAfterRecovery}). Split out of log.ts; the worker's module is this file.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { WorkerJobError } from './worker-job-error.js';
import type { LogConfig } from './log-config.js';
import type { ProducerEntryData } from './producer-state-manager.js';
import { isIoError } from './log-errors.js';
import { Log } from './log.js';

export interface RecoveryJob {
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  recoveryPoint: bigint;
  logStartOffset: bigint;
  /** `producer.id.expiration.ms` for the producer snapshot written after recovery. */
  producerIdExpirationMs?: number;
}

export interface RecoveryJobResult {
  recoveredSegments: number;
  truncatedBytes: number;
  /** The recovery point the log had after recovering (min(checkpoint, LEO)). */
  recoveryPoint: bigint;
  logEndOffset: bigint;
  warnings: string[];
  /** The rebuilt producer state (all retained batches), for {@link Log.adoptProducerState}. */
  producers: ProducerEntryData[];
}

const WORKER_FLAG = 'rafkaLogRecoveryWorker';

/**
 * One worker thread that recovers logs after an unclean shutdown (`Log.load` without a marker, then
 * {@link Log.releaseAfterRecovery}), so a long segment recovery neither blocks the event loop nor serialises
 * dirs/partitions on one core. Only available from compiled JavaScript (`supported`); one job at a time.
 * The worker's module is this file, whose imports are the log layer only (no fs-ext, no pino).
 */
export class RecoveryWorker {
  static readonly supported: boolean = import.meta.url.endsWith('.js');
  private readonly worker: Worker;
  private pending: { resolve: (r: RecoveryJobResult) => void; reject: (e: Error) => void } | null = null;
  private dead: Error | null = null;

  constructor() {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { [WORKER_FLAG]: true } });
    this.worker.on('message', (m: WorkerReply) => {
      const p = this.pending;
      this.pending = null;
      if (!p) return;
      if (m.ok) {
        p.resolve({ recoveredSegments: m.recoveredSegments, truncatedBytes: m.truncatedBytes, recoveryPoint: BigInt(m.recoveryPoint), logEndOffset: BigInt(m.logEndOffset), warnings: m.warnings, producers: m.producers });
      } else {
        const err = new WorkerJobError(m.name, m.message, m.code);
        (err as Error & { warnings?: string[] }).warnings = m.warnings;
        p.reject(err);
      }
    });
    const die = (e: Error): void => {
      this.dead ??= e;
      const p = this.pending;
      this.pending = null;
      p?.reject(new Error(`Log recovery worker died: ${e.message}`));
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new Error(`exit code ${code}`)));
  }

  /** True once the thread died (its jobs must be redone in-thread). */
  get isDead(): boolean {
    return this.dead !== null;
  }

  run(job: RecoveryJob): Promise<RecoveryJobResult> {
    if (this.dead) return Promise.reject(new Error(`Log recovery worker died: ${this.dead.message}`));
    if (this.pending) return Promise.reject(new Error('RecoveryWorker runs one job at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage({ ...job, recoveryPoint: String(job.recoveryPoint), logStartOffset: String(job.logStartOffset) });
    });
  }

  async terminate(): Promise<void> {
    this.dead ??= new Error('terminated');
    await this.worker.terminate();
  }
}

type WorkerReply =
  | { ok: true; recoveredSegments: number; truncatedBytes: number; recoveryPoint: string; logEndOffset: string; warnings: string[]; producers: ProducerEntryData[] }
  | { ok: false; name: string; message: string; code?: string; warnings: string[] };

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_FLAG] === true) {
  parentPort!.on('message', (job: Omit<RecoveryJob, 'recoveryPoint' | 'logStartOffset'> & { recoveryPoint: string; logStartOffset: string }) => {
    const warnings: string[] = [];
    let reply: WorkerReply;
    try {
      const res = Log.load({
        dir: job.dir,
        topic: job.topic,
        partition: job.partition,
        config: job.config,
        recoveryPoint: BigInt(job.recoveryPoint),
        logStartOffset: BigInt(job.logStartOffset),
        hadCleanShutdown: false,
        hooks: { warn: (m) => warnings.push(m), producerIdExpirationMs: job.producerIdExpirationMs === undefined ? undefined : () => job.producerIdExpirationMs! },
      });
      const recoveryPoint = res.log.recoveryPoint;
      const logEndOffset = res.log.logEndOffset;
      const producers = res.log.exportProducerState();
      res.log.releaseAfterRecovery();
      reply = { ok: true, recoveredSegments: res.recoveredSegments, truncatedBytes: res.truncatedBytes, recoveryPoint: String(recoveryPoint), logEndOffset: String(logEndOffset), warnings, producers };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const code = typeof err.code === 'string' ? err.code : isIoError(e) ? 'EIO' : undefined;
      reply = { ok: false, name: err.name ?? 'Error', message: err.message ?? String(e), code, warnings };
    }
    parentPort!.postMessage(reply);
  });
}
