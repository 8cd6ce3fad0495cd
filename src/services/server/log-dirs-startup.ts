/**
 * What LogManager construction does with log dirs (KafkaServer step 10), until the full
 * LogManager lands: validate/create dirs, lock each live one, consume the clean-shutdown marker;
 * and on shutdown the reverse: write the marker, release the locks.
 */
import { validateLogDirs } from '../log/log-dirs.js';
import { lockLogDir, LogDirLockedError, type FileLock } from '../log/file-lock.js';
import { hasCleanShutdownFile, deleteCleanShutdownFile, writeCleanShutdownFile } from '../log/clean-shutdown-file.js';
import type { OfflineDir } from './broker-metadata.js';

/** Kafka halts (Exit.halt(1)) rather than failing startup normally when no log dir is usable. */
export class NoLiveLogDirError extends Error { override name = 'NoLiveLogDirError'; }

export interface PreparedLogDirs {
  online: string[];
  offline: OfflineDir[];
  locks: FileLock[];
  /** Dirs that had `.kafka_cleanshutdown` at startup (now consumed: a crash from here is unclean). */
  cleanShutdownDirs: string[];
}

export async function prepareLogDirs(dirs: string[], alreadyOffline: OfflineDir[]): Promise<PreparedLogDirs> {
  const validation = await validateLogDirs(dirs, { initialOfflineDirs: alreadyOffline.map((o) => o.dir) });
  const known = new Map(alreadyOffline.map((o) => [o.dir, o.error]));
  const offline: OfflineDir[] = validation.offline.map((o) => ({ dir: o.dir, error: known.get(o.dir) ?? o.error.message }));
  const online: string[] = [];
  const locks: FileLock[] = [];
  const cleanShutdownDirs: string[] = [];
  try {
    for (const dir of validation.online) {
      try {
        locks.push(await lockLogDir(dir));
      } catch (e) {
        if (e instanceof LogDirLockedError) throw e; // another broker owns it: fatal, as in Kafka
        offline.push({ dir, error: `Disk error while locking directory ${dir}: ${(e as Error).message}` });
        continue;
      }
      if (await hasCleanShutdownFile(dir)) { cleanShutdownDirs.push(dir); await deleteCleanShutdownFile(dir); }
      online.push(dir);
    }
  } catch (e) {
    await Promise.all(locks.map((l) => l.release()));
    throw e;
  }
  if (online.length === 0) {
    throw new NoLiveLogDirError(`Shutdown broker because none of the specified log dirs from ${dirs.join(', ')} can be created or validated`);
  }
  return { online, offline, locks, cleanShutdownDirs };
}

/** Clean shutdown of the dirs: marker in each live dir (fsynced), then release and delete `.lock`. */
export async function closeLogDirs(online: string[], locks: FileLock[]): Promise<void> {
  for (const dir of online) await writeCleanShutdownFile(dir);
  await Promise.all(locks.map((l) => l.release()));
}
