/**
 * The broker side of the controller's requests: KafkaApis.handleLeaderAndIsrRequest / handleUpdateMetadataRequest /
 * handleStopReplicaRequest. A request meant for an earlier registration of this broker (its broker epoch is below
 * ours: the broker restarted quickly) is answered STALE_BROKER_EPOCH and skipped; the rest goes to the
 * ReplicaManager, which checks the controller epoch. The wire handlers (handlers/leader-and-isr.ts, ...) and the
 * in-process delivery on the controller's own broker ({@link deliverInProcess}) both come through here.
 */
import type { Logger } from '../../logger.js';
import { ErrorCode } from '../../protocol/errors.js';
import {
  UNKNOWN_BROKER_EPOCH,
  type BrokerRequests, type LeaderAndIsrControl, type StopReplicaControl, type UpdateMetadataControl,
} from '../controller/control-requests.js';
import type { ControlPlane, ControlResult } from './broker-context.js';

type Control = LeaderAndIsrControl | UpdateMetadataControl | StopReplicaControl;

/** ZkBrokerEpochManager.isBrokerEpochStale: a larger epoch is possible (the controller saw our registration first). */
function isBrokerEpochStale(cp: ControlPlane, c: Control, api: string): boolean {
  if (c.brokerEpoch === UNKNOWN_BROKER_EPOCH || c.brokerEpoch >= cp.brokerEpoch()) return false;
  cp.log.info({ api, brokerEpoch: String(c.brokerEpoch), currentBrokerEpoch: String(cp.brokerEpoch()), controllerId: c.controllerId, controllerEpoch: c.controllerEpoch },
    `Received ${api} request with broker epoch ${c.brokerEpoch} smaller than the current broker epoch ${cp.brokerEpoch()} from controller ${c.controllerId} with epoch ${c.controllerEpoch}`);
  return true;
}

export function handleLeaderAndIsr(cp: ControlPlane, c: LeaderAndIsrControl): ControlResult {
  if (isBrokerEpochStale(cp, c, 'LeaderAndIsr')) return { errorCode: ErrorCode.STALE_BROKER_EPOCH, partitionErrors: [] };
  const result = cp.replicas.becomeLeaderOrFollower(c);
  cp.onLeaderAndIsr?.(c.topics.map((t) => t.topicName));
  return result;
}

export function handleUpdateMetadata(cp: ControlPlane, c: UpdateMetadataControl): { errorCode: number } {
  if (isBrokerEpochStale(cp, c, 'UpdateMetadata')) return { errorCode: ErrorCode.STALE_BROKER_EPOCH };
  return { errorCode: cp.replicas.maybeUpdateMetadataCache(c).errorCode };
}

export function handleStopReplica(cp: ControlPlane, c: StopReplicaControl): ControlResult {
  if (isBrokerEpochStale(cp, c, 'StopReplica')) return { errorCode: ErrorCode.STALE_BROKER_EPOCH, partitionErrors: [] };
  const result = cp.replicas.stopReplicas(c);
  cp.onStopReplica?.([...new Set(c.partitions.map((p) => p.topicName))]);
  return result;
}

/**
 * The controller's requests for its own broker, applied in the order a remote broker receives them. Returns the
 * LeaderAndIsr answer (the controller reads its per-partition KAFKA_STORAGE_ERRORs as from any broker's response).
 */
export function deliverInProcess(cp: ControlPlane, r: BrokerRequests): { leaderAndIsr?: ControlResult } {
  const results: Array<[string, number]> = [];
  let leaderAndIsr: ControlResult | undefined;
  if (r.leaderAndIsr) { leaderAndIsr = handleLeaderAndIsr(cp, r.leaderAndIsr); results.push(['LeaderAndIsr', leaderAndIsr.errorCode]); }
  if (r.updateMetadata) results.push(['UpdateMetadata', handleUpdateMetadata(cp, r.updateMetadata).errorCode]);
  if (r.stopReplica) results.push(['StopReplica', handleStopReplica(cp, r.stopReplica).errorCode]);
  for (const [api, errorCode] of results) if (errorCode !== ErrorCode.NONE) cp.log.warn({ api, errorCode }, `In-process ${api} from the controller answered error ${errorCode}`);
  return leaderAndIsr ? { leaderAndIsr } : {};
}
