/**
 * Log dir creation and validation at LogManager construction (reference §1.2 step 10, §4.11;
 * Kafka `LogManager.createAndValidateLogDirs`).
 */
import { constants as fsc, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { mkdirsDurable } from './atomic-write.js';
import { lockLogDir, LogDirLockedError, type FileLock } from './file-lock.js';

export interface LogDirValidation {
  /** Absolute paths of usable dirs, in the configured order. */
  online: string[];
  /** Dirs that could not be created/validated (absolute paths), with the cause. */
  offline: Array<{ dir: string; error: Error }>;
}

/** I/O failure while creating/validating a log dir (the dir goes offline, not fatal). */
export class LogDirValidationError extends Error {
  readonly dir: string;
  constructor(dir: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogDirValidationError';
    this.dir = dir;
  }
}

/** Two configured dirs resolve to the same canonical path: fatal (Kafka `KafkaException`). */
export class DuplicateLogDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DuplicateLogDirError';
  }
}

export interface ValidateLogDirsOptions {
  /**
   * Dirs already known bad (e.g. unreadable meta.properties or a failed meta.properties
   * write): reported offline with `Failed to load <dir> during broker startup`.
   */
  initialOfflineDirs?: string[];
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch (e) {
    // Like java.io.File.exists: any failure to stat means "does not exist"; mkdir reports why.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw e;
  }
}

/**
 * For each dir, in order: create it if missing (recursively, then fsync its parent), check it
 * is a directory that is readable and writable (by creating and removing a temp file), and
 * check that its canonical path (realpath) was not already seen. Failures of the first kind put
 * the dir offline; a duplicate throws `Duplicate log directory found: <all dirs, comma separated>`.
 */
export async function validateLogDirs(dirs: string[], opts: ValidateLogDirsOptions = {}): Promise<LogDirValidation> {
  const initialOffline = new Set((opts.initialOfflineDirs ?? []).map((d) => path.resolve(d)));
  const canonical = new Set<string>();
  const result: LogDirValidation = { online: [], offline: [] };
  for (const configured of dirs) {
    const dir = path.resolve(configured);
    try {
      if (initialOffline.has(dir)) {
        throw new LogDirValidationError(dir, `Failed to load ${dir} during broker startup`);
      }
      if (!(await exists(dir))) {
        try {
          await mkdirsDurable(dir);
        } catch (e) {
          throw new LogDirValidationError(dir, `Failed to create data directory ${dir}: ${(e as Error).message}`, { cause: e });
        }
      }
      await checkReadableWritableDir(dir);
      let real: string;
      try {
        real = await fsp.realpath(dir);
      } catch (e) {
        throw new LogDirValidationError(dir, `Failed to resolve canonical path of ${dir}: ${(e as Error).message}`, { cause: e });
      }
      if (canonical.has(real)) {
        throw new DuplicateLogDirError(`Duplicate log directory found: ${dirs.join(', ')}`);
      }
      canonical.add(real);
      result.online.push(dir);
    } catch (e) {
      if (e instanceof DuplicateLogDirError) throw e;
      const error =
        e instanceof LogDirValidationError
          ? e
          : new LogDirValidationError(dir, `Failed to create or validate data directory ${dir}: ${(e as Error).message}`, { cause: e });
      result.offline.push({ dir, error });
    }
  }
  return result;
}

async function checkReadableWritableDir(dir: string): Promise<void> {
  const notReadable = (cause?: unknown) =>
    new LogDirValidationError(dir, `${dir} is not a readable log directory.`, cause === undefined ? undefined : { cause });
  let st;
  try {
    st = await fsp.stat(dir);
  } catch (e) {
    throw notReadable(e);
  }
  if (!st.isDirectory()) throw notReadable();
  try {
    await fsp.access(dir, fsc.R_OK | fsc.W_OK | fsc.X_OK);
    await fsp.readdir(dir);
  } catch (e) {
    throw notReadable(e);
  }
  // access() is not enough (root, read-only mounts, full disks): really create a file.
  const probe = path.join(dir, `.rafka-probe-${process.pid}-${Date.now()}`);
  try {
    const fh = await fsp.open(probe, 'wx');
    await fh.close();
    await fsp.unlink(probe);
  } catch (e) {
    await fsp.rm(probe, { force: true }).catch(() => {});
    throw new LogDirValidationError(dir, `${dir} is not a writable log directory: ${(e as Error).message}`, { cause: e });
  }
}

export interface LogDirLocks {
  /** Locked dirs, in the given order. */
  locked: Array<{ dir: string; lock: FileLock }>;
  /** Dirs whose `.lock` could not be created/locked because of an I/O error (go offline). */
  offline: Array<{ dir: string; error: Error }>;
}

/**
 * Lock `.lock` in every dir (Kafka `LogManager.lockLogDirs`). A dir held by another process
 * (or already by this one) is fatal: every lock taken so far is released and the
 * `LogDirLockedError` is rethrown. Any other error only puts that dir offline.
 */
export async function lockLogDirs(dirs: string[]): Promise<LogDirLocks> {
  const result: LogDirLocks = { locked: [], offline: [] };
  for (const dir of dirs) {
    try {
      result.locked.push({ dir, lock: await lockLogDir(dir) });
    } catch (e) {
      if (e instanceof LogDirLockedError) {
        await Promise.allSettled(result.locked.map((l) => l.lock.release()));
        throw e;
      }
      result.offline.push({ dir, error: e instanceof Error ? e : new Error(String(e)) });
    }
  }
  return result;
}
