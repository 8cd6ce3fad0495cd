/**
 * Kafka's ReplicaManager.alterReplicaLogDirs (core/src/main/scala/kafka/server/ReplicaManager.scala, 3.7.1, ZooKeeper
 * mode), per partition:
 * - the future dir name of a too long topic name → INVALID_TOPIC_EXCEPTION ("The topic name is too long.");
 * - the destination not one of log.dirs (absolute path) → LOG_DIR_NOT_FOUND; offline → KAFKA_STORAGE_ERROR;
 * - hosted and offline → KAFKA_STORAGE_ERROR; hosted with a future log in another dir → that move is cancelled
 *   (its future log deleted) first;
 * - the destination is remembered for a partition created here later (maybeUpdatePreferredLogDir); not hosted →
 *   REPLICA_NOT_AVAILABLE (Kafka keeps that code for AlterReplicaLogDirs rather than NOT_LEADER_OR_FOLLOWER);
 * - the current log already in the destination → NONE (nothing moves); otherwise the future log is created there if
 *   absent and the mover starts (maybeCreateFutureReplica + addFetcherForPartitions) → NONE. A second request for the
 *   same destination while moving is NONE too.
 * As Kafka, no future log is created while some log dir is offline (getOrCreateLog isNew = false): KAFKA_STORAGE_ERROR.
 */
import type { Logger } from '../../logger.js';
import { ErrorCode } from '../../protocol/errors.js';
import { futureDirName } from '../log/partition-dir.js';
import { KafkaStorageError } from '../log/log.js';
import { LogDirNotFoundError, type LogManager } from '../log/log-manager.js';

export interface AlterLogDirsResult { dir: string; topic: string; partition: number; errorCode: number }

export type HostedState = { kind: 'none' } | { kind: 'offline' } | { kind: 'online'; topicId: string | null };

type Logs = Pick<LogManager, 'isLogDirOnline' | 'maybeUpdatePreferredLogDir' | 'getLog' | 'getFutureLog' | 'getOrCreateFutureLog' | 'removeFutureLog'>;
interface Mover { addPartitions(p: Array<{ topic: string; partition: number }>): void; removePartitions(p: Array<{ topic: string; partition: number }>): void }

export function alterReplicaLogDirs(
  assignments: ReadonlyArray<{ dir: string; topic: string; partition: number }>, logs: Logs, mover: Mover,
  hosted: (topic: string, partition: number) => HostedState, log: Logger,
): AlterLogDirsResult[] {
  return assignments.map(({ dir, topic, partition }) => {
    const result = (errorCode: number) => ({ dir, topic, partition, errorCode });
    const tp = `${topic}-${partition}`;
    try {
      if (futureDirName(topic, partition).length > 255) return result(ErrorCode.INVALID_TOPIC_EXCEPTION);
      if (!logs.isLogDirOnline(dir)) throw new KafkaStorageError(`Log directory ${dir} is offline`);
      const h = hosted(topic, partition);
      if (h.kind === 'offline') throw new KafkaStorageError(`Partition ${tp} is offline`);
      const future = logs.getFutureLog(topic, partition);
      if (h.kind === 'online' && future && future.logDir !== dir) {
        // Kafka's futureReplicaDirChanged: stop the current move and delete its future log
        mover.removePartitions([{ topic, partition }]);
        logs.removeFutureLog(topic, partition);
        log.info({ topicPartition: tp, from: future.logDir, to: dir }, `Cancelled the move of ${tp} to ${future.logDir}`);
      }
      logs.maybeUpdatePreferredLogDir(topic, partition, dir);
      const current = logs.getLog(topic, partition);
      if (h.kind !== 'online' || !current) return result(ErrorCode.REPLICA_NOT_AVAILABLE);
      if (current.logDir === dir) {
        log.info({ topicPartition: tp, dir }, `Current log directory ${dir} is same as requested log dir ${dir}. Skipping future replica creation.`);
        return result(ErrorCode.NONE);
      }
      const existed = logs.getFutureLog(topic, partition) !== undefined;
      logs.getOrCreateFutureLog(topic, partition, dir, h.topicId ?? undefined);
      if (!existed) log.info({ topicPartition: tp, from: current.logDir, to: dir }, `Moving ${tp} from ${current.logDir} to ${dir}`);
      mover.addPartitions([{ topic, partition }]);
      return result(ErrorCode.NONE);
    } catch (e) {
      if (e instanceof LogDirNotFoundError) { log.warn({ topicPartition: tp, dir }, `Unable to alter log dirs for ${tp}: ${e.message}`); return result(ErrorCode.LOG_DIR_NOT_FOUND); }
      if (e instanceof KafkaStorageError) { log.warn({ topicPartition: tp, dir }, `Unable to alter log dirs for ${tp}: ${e.message}`); return result(ErrorCode.KAFKA_STORAGE_ERROR); }
      log.error({ topicPartition: tp, dir, err: e }, `Error while changing replica dir for partition ${tp}`);
      return result(ErrorCode.UNKNOWN_SERVER_ERROR);
    }
  });
}
