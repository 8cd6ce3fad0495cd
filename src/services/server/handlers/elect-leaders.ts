/**
 * ElectLeaders (43), as Kafka's KafkaApis.handleElectLeaders + ReplicaManager.electLeaders + DelayedElectLeader on a
 * ZooKeeper-mode broker: the controller elects (services/controller/replica-election.ts); on another broker every
 * requested partition answers NOT_CONTROLLER (and a request for all partitions an empty result), as Kafka's
 * processReplicaLeaderElection when not active. A partition elected answers once this broker's metadata shows its new
 * leader, REQUEST_TIMED_OUT after timeoutMs. For "all partitions" (null) the ELECTION_NOT_NEEDED ones are left out.
 * v0 has no election type: PREFERRED.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import { ElectionType, type ElectionOutcome, type ElectionTypeValue } from '../../controller/replica-election.js';
import { partitionOf, type ApiHandler } from './common.js';

export function electLeadersHandler(): ApiHandler<typeof ApiKey.ElectLeaders> {
  return {
    apiKey: ApiKey.ElectLeaders,
    async handle(req, { broker: ctx }) {
      const { topicPartitions, timeoutMs } = req.body;
      const type = req.body.electionType;
      const requested = topicPartitions === null ? null : topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
      let outcomes: ElectionOutcome[];
      if (type !== ElectionType.PREFERRED && type !== ElectionType.UNCLEAN) {
        outcomes = (requested ?? []).map((p) => ({ ...p, errorCode: ErrorCode.INVALID_REQUEST as number, errorMessage: `Unknown election type ${type}` }));
      } else if (!ctx.controller) {
        outcomes = (requested ?? []).map((p) => ({ ...p, errorCode: ErrorCode.NOT_CONTROLLER as number, errorMessage: null }));
      } else {
        outcomes = await ctx.controller.electLeaders(requested, type as ElectionTypeValue);
      }
      if (requested === null) outcomes = outcomes.filter((o) => o.errorCode !== ErrorCode.ELECTION_NOT_NEEDED);
      // DelayedElectLeader: wait for the new leaders to reach this broker's metadata cache.
      const elected = outcomes.filter((o) => o.errorCode === ErrorCode.NONE && o.leader !== undefined);
      if (elected.length > 0) {
        const ok = await ctx.metadata.waitFor((m) => elected.every((o) => partitionOf(m.topic(o.topic), o.partition)?.leader === o.leader), Math.max(0, timeoutMs));
        if (!ok) {
          for (const o of elected) {
            if (partitionOf(ctx.metadata.topic(o.topic), o.partition)?.leader !== o.leader) { o.errorCode = ErrorCode.REQUEST_TIMED_OUT; o.errorMessage = null; }
          }
        }
      }
      const byTopic = new Map<string, ElectionOutcome[]>();
      for (const o of outcomes) { const l = byTopic.get(o.topic); if (l) l.push(o); else byTopic.set(o.topic, [o]); }
      return {
        throttleTimeMs: 0, errorCode: ErrorCode.NONE,
        replicaElectionResults: [...byTopic].map(([topic, list]) => ({
          topic, partitionResult: list.map((o) => ({ partitionId: o.partition, errorCode: o.errorCode, errorMessage: o.errorMessage })),
        })),
      };
    },
    errorResponse(req, errorCode, message) {
      return {
        throttleTimeMs: 0, errorCode,
        replicaElectionResults: (req.body.topicPartitions ?? []).map((t) => ({ topic: t.topic, partitionResult: t.partitions.map((p) => ({ partitionId: p, errorCode, errorMessage: message })) })),
      };
    },
  };
}
