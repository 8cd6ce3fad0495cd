/**
 * An error of a job that failed inside a worker thread (log recovery, log cleaning), rebuilt in the main thread from
 * the worker's message: its name, message and errno code, so callers can tell an I/O error (the dir goes offline)
 * from an abort or a bug.
 */
export class WorkerJobError extends Error {
  code?: string;
  constructor(name: string, message: string, code?: string) {
    super(message);
    this.name = name;
    if (code !== undefined) this.code = code;
  }
}
