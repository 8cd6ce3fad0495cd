/**
 * The LogManager's scheduled tasks (Kafka's kafka-log-flusher, kafka-recovery-point-checkpoint,
 * kafka-log-start-offset-checkpoint, kafka-log-retention), each after log.initial.task.delay.ms.
 * A task never overlaps itself; a failure is logged and the task runs again next period.
 */
import type { Logger } from '../../logger.js';
import type { LogManager } from './log-manager.js';

export interface LogTaskSchedule {
  initialDelayMs: number;
  flushCheckMs: number;
  recoveryPointCheckpointMs: number;
  logStartOffsetCheckpointMs: number;
  retentionCheckMs: number;
  /** `producer.id.expiration.check.interval.ms` (absent: no expiry task). */
  producerExpirationCheckMs?: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

type Task = { name: string; periodMs: number; run: () => Promise<unknown> };

/** Starts the tasks; returns the function that stops them (for the actor's cleanup). */
export function startLogTasks(manager: LogManager, s: LogTaskSchedule, log: Logger): () => void {
  const tasks: Task[] = [
    { name: 'kafka-log-flusher', periodMs: s.flushCheckMs, run: () => manager.flushDirtyLogs() },
    { name: 'kafka-recovery-point-checkpoint', periodMs: s.recoveryPointCheckpointMs, run: () => manager.checkpointRecoveryPoints() },
    { name: 'kafka-log-start-offset-checkpoint', periodMs: s.logStartOffsetCheckpointMs, run: () => manager.checkpointLogStartOffsets() },
    { name: 'kafka-log-retention', periodMs: s.retentionCheckMs, run: () => manager.cleanupLogs() },
    { name: 'PeriodicProducerExpirationCheck', periodMs: s.producerExpirationCheckMs ?? 0, run: () => manager.removeExpiredProducers() },
  ];
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;
  for (const t of tasks) {
    // Kafka's "never" is Long.MAX_VALUE (e.g. log.flush.scheduler.interval.ms); setTimeout would wrap it to 1 ms.
    if (!(t.periodMs > 0) || t.periodMs > MAX_TIMER_MS) continue;
    const tick = async () => {
      if (stopped) return;
      try { await t.run(); } catch (e) { log.error({ task: t.name, err: (e as Error).message }, `Scheduled task ${t.name} failed`); }
      if (!stopped) timers.set(t.name, setTimeout(tick, t.periodMs).unref());
    };
    timers.set(t.name, setTimeout(tick, Math.min(MAX_TIMER_MS, Math.max(0, s.initialDelayMs))).unref());
  }
  return () => { stopped = true; timers.forEach(clearTimeout); };
}
