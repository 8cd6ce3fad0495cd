/**
 * AlterReplicaLogDirs (34), as Kafka's KafkaApis.handleAlterReplicaLogDirsRequest (3.7.1): ALTER on the cluster is
 * checked by the request authorizer (CLUSTER_AUTHORIZATION_FAILED for every partition otherwise); each (dir, partition)
 * goes to the ReplicaManager's alterReplicaLogDirs (services/admin/alter-replica-log-dirs.ts), answers grouped by topic.
 * Any broker answers for its own replicas (no controller involved). A partition named twice keeps the last dir, as
 * Kafka's request-to-map conversion does.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ApiHandler } from './common.js';

export function alterReplicaLogDirsHandler(): ApiHandler<typeof ApiKey.AlterReplicaLogDirs> {
  return {
    apiKey: ApiKey.AlterReplicaLogDirs,
    async handle(req, { broker: ctx }) {
      // Kafka's AlterReplicaLogDirsRequest.partitionDirs: a map, the last dir named for a partition wins
      const byPartition = new Map<string, { dir: string; topic: string; partition: number }>();
      for (const d of req.body.dirs) for (const t of d.topics) for (const p of t.partitions) byPartition.set(`${t.name}\u0000${p}`, { dir: d.path, topic: t.name, partition: p });
      const wanted = [...byPartition.values()];
      const answers = ctx.logDirMover ? ctx.logDirMover.alterReplicaLogDirs(wanted) : wanted.map((w) => ({ ...w, errorCode: ErrorCode.KAFKA_STORAGE_ERROR }));
      const topics = new Map<string, Array<{ partitionIndex: number; errorCode: number }>>();
      for (const a of answers) {
        const list = topics.get(a.topic) ?? [];
        topics.set(a.topic, list);
        list.push({ partitionIndex: a.partition, errorCode: a.errorCode });
      }
      return { throttleTimeMs: 0, results: [...topics].map(([topicName, partitions]) => ({ topicName, partitions })) };
    },
    errorResponse(req, errorCode) {
      const topics = new Map<string, number[]>();
      for (const d of req.body.dirs) for (const t of d.topics) topics.set(t.name, [...new Set([...(topics.get(t.name) ?? []), ...t.partitions])]);
      return { throttleTimeMs: 0, results: [...topics].map(([topicName, ps]) => ({ topicName, partitions: ps.map((partitionIndex) => ({ partitionIndex, errorCode })) })) };
    },
  };
}
