/**
 * The controller-to-broker requests (LeaderAndIsr, UpdateMetadata, StopReplica) in one version-independent form,
 * and their conversion to and from the wire bodies of every version. The controller builds them
 * (controller-request-batch.ts); a remote broker gets them encoded over the channel, the controller's own broker
 * gets the same objects in-process; both end in the same broker-side path (server/control-requests.ts).
 */
import type { RequestBody, RequestInput } from '../../protocol/frame.js';
import type { ApiKey } from '../../protocol/api-keys.js';
import { metadataVersionOrdinal } from '../../config/metadata-version.js';
import type { BrokerEndPoint, BrokerInfo } from '../zookeeper/zk-data.js';

/** LeaderAndIsr.NoLeader / LeaderDuringDelete / EpochDuringDelete (Kafka's LeaderAndIsr object). */
export const NO_LEADER = -1;
export const LEADER_DURING_DELETE = -2;
export const EPOCH_DURING_DELETE = -2;
/** AbstractControlRequest.UNKNOWN_BROKER_EPOCH: old versions carry none, and it is never stale. */
export const UNKNOWN_BROKER_EPOCH = -1n;

interface ControlHeader { controllerId: number; controllerEpoch: number; brokerEpoch: bigint }

export interface LeaderAndIsrPartition {
  partitionIndex: number; controllerEpoch: number; leader: number; leaderEpoch: number;
  isr: number[]; partitionEpoch: number; replicas: number[]; isNew: boolean;
}
/** topicId as ZooKeeper stores it (base64url) or null. */
export interface LeaderAndIsrControl extends ControlHeader {
  topics: Array<{ topicName: string; topicId: string | null; partitions: LeaderAndIsrPartition[] }>;
  liveLeaders: Array<{ brokerId: number; hostName: string; port: number }>;
}

export interface UpdateMetadataPartition {
  partitionIndex: number; controllerEpoch: number; leader: number; leaderEpoch: number;
  isr: number[]; zkVersion: number; replicas: number[]; offlineReplicas: number[];
}
export interface UpdateMetadataControl extends ControlHeader {
  topics: Array<{ topicName: string; topicId: string | null; partitions: UpdateMetadataPartition[] }>;
  liveBrokers: BrokerInfo[];
}

export interface StopReplicaControl extends ControlHeader {
  partitions: Array<{ topicName: string; partitionIndex: number; leaderEpoch: number; deletePartition: boolean }>;
}

/** What one broker is told after one controller decision, sent in Kafka's order: LeaderAndIsr, UpdateMetadata, StopReplica. */
export interface BrokerRequests { leaderAndIsr?: LeaderAndIsrControl; updateMetadata?: UpdateMetadataControl; stopReplica?: StopReplicaControl }

// ---- versions (ControllerChannelManager's choice by inter.broker.protocol.version) -----------------------------

const atLeast = (ibp: string, v: string) => metadataVersionOrdinal(ibp) >= metadataVersionOrdinal(v);

export function leaderAndIsrVersion(ibp: string): number {
  return atLeast(ibp, '3.4-IV0') ? 7 : atLeast(ibp, '3.2-IV0') ? 6 : atLeast(ibp, '2.8-IV1') ? 5 : atLeast(ibp, '2.4-IV1') ? 4
    : atLeast(ibp, '2.4-IV0') ? 3 : atLeast(ibp, '2.2-IV0') ? 2 : atLeast(ibp, '1.0-IV0') ? 1 : 0;
}
export function updateMetadataVersion(ibp: string): number {
  return atLeast(ibp, '3.4-IV0') ? 8 : atLeast(ibp, '2.8-IV1') ? 7 : atLeast(ibp, '2.4-IV1') ? 6 : atLeast(ibp, '2.2-IV0') ? 5
    : atLeast(ibp, '1.0-IV0') ? 4 : atLeast(ibp, '0.10.2-IV0') ? 3 : atLeast(ibp, '0.10.0-IV1') ? 2 : atLeast(ibp, '0.9.0') ? 1 : 0;
}
export function stopReplicaVersion(ibp: string): number {
  return atLeast(ibp, '3.4-IV0') ? 4 : atLeast(ibp, '2.6-IV0') ? 3 : atLeast(ibp, '2.4-IV1') ? 2 : atLeast(ibp, '2.2-IV0') ? 1 : 0;
}

// ---- topic ids: ZooKeeper's base64url ⇄ the wire's UUID -----------------------------------------------------------

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function topicIdToUuid(id: string | null): string {
  if (id === null || id === '') return ZERO_UUID;
  const b = Buffer.from(id, 'base64url');
  if (b.length !== 16) return ZERO_UUID;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function uuidToTopicId(uuid: string): string | null {
  if (uuid === ZERO_UUID) return null;
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');
}

// ---- security protocol ids (SecurityProtocol.java) ---------------------------------------------------------------

const PROTOCOL_IDS: Record<string, number> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };
const PROTOCOL_NAMES = Object.fromEntries(Object.entries(PROTOCOL_IDS).map(([k, v]) => [v, k])) as Record<number, string>;

// ---- LeaderAndIsr ------------------------------------------------------------------------------------------------

type LeaderAndIsrIn = RequestInput<typeof ApiKey.LeaderAndIsr>;
type LeaderAndIsrBody = RequestBody<typeof ApiKey.LeaderAndIsr>;

export function leaderAndIsrToWire(c: LeaderAndIsrControl, version: number): LeaderAndIsrIn {
  const state = (topicName: string, p: LeaderAndIsrPartition) => ({ topicName, ...p, addingReplicas: [], removingReplicas: [], leaderRecoveryState: 0 });
  const base = {
    controllerId: c.controllerId, controllerEpoch: c.controllerEpoch, brokerEpoch: c.brokerEpoch, isKRaftController: false, type: 0,
    liveLeaders: c.liveLeaders,
  };
  if (version < 2) return { ...base, ungroupedPartitionStates: c.topics.flatMap((t) => t.partitions.map((p) => state(t.topicName, p))) };
  return { ...base, topicStates: c.topics.map((t) => ({ topicName: t.topicName, topicId: topicIdToUuid(t.topicId), partitionStates: t.partitions.map((p) => state(t.topicName, p)) })) };
}

export function leaderAndIsrFromWire(b: LeaderAndIsrBody, version: number): LeaderAndIsrControl {
  const part = (p: LeaderAndIsrBody['ungroupedPartitionStates'][number]): LeaderAndIsrPartition => ({
    partitionIndex: p.partitionIndex, controllerEpoch: p.controllerEpoch, leader: p.leader, leaderEpoch: p.leaderEpoch,
    isr: [...p.isr], partitionEpoch: p.partitionEpoch, replicas: [...p.replicas], isNew: p.isNew,
  });
  const topics = version < 2
    ? groupBy(b.ungroupedPartitionStates, (p) => p.topicName).map(([topicName, ps]) => ({ topicName, topicId: null, partitions: ps.map(part) }))
    : b.topicStates.map((t) => ({ topicName: t.topicName, topicId: version >= 5 ? uuidToTopicId(t.topicId) : null, partitions: t.partitionStates.map(part) }));
  return { controllerId: b.controllerId, controllerEpoch: b.controllerEpoch, brokerEpoch: version >= 2 ? b.brokerEpoch : UNKNOWN_BROKER_EPOCH, topics, liveLeaders: b.liveLeaders.map((l) => ({ brokerId: l.brokerId, hostName: l.hostName, port: l.port })) };
}

// ---- UpdateMetadata ----------------------------------------------------------------------------------------------

type UpdateMetadataIn = RequestInput<typeof ApiKey.UpdateMetadata>;
type UpdateMetadataBody = RequestBody<typeof ApiKey.UpdateMetadata>;

export function updateMetadataToWire(c: UpdateMetadataControl, version: number): UpdateMetadataIn {
  const liveBrokers = c.liveBrokers.map((b) => {
    if (version === 0) {
      // v0 carries only the PLAINTEXT endpoint.
      const ep = b.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
      return { id: b.id, v0Host: ep?.host ?? '', v0Port: ep?.port ?? -1 };
    }
    return { id: b.id, rack: b.rack, endpoints: b.endpoints.map((e) => ({ host: e.host ?? '', port: e.port, listener: e.listenerName, securityProtocol: PROTOCOL_IDS[e.securityProtocol] ?? 0 })) };
  });
  const base = { controllerId: c.controllerId, controllerEpoch: c.controllerEpoch, brokerEpoch: c.brokerEpoch, isKRaftController: false, type: 0, liveBrokers };
  const state = (topicName: string, p: UpdateMetadataPartition) => ({ topicName, ...p });
  if (version < 5) return { ...base, ungroupedPartitionStates: c.topics.flatMap((t) => t.partitions.map((p) => state(t.topicName, p))) };
  return { ...base, topicStates: c.topics.map((t) => ({ topicName: t.topicName, topicId: topicIdToUuid(t.topicId), partitionStates: t.partitions.map((p) => state(t.topicName, p)) })) };
}

export function updateMetadataFromWire(b: UpdateMetadataBody, version: number): UpdateMetadataControl {
  const part = (p: UpdateMetadataBody['ungroupedPartitionStates'][number]): UpdateMetadataPartition => ({
    partitionIndex: p.partitionIndex, controllerEpoch: p.controllerEpoch, leader: p.leader, leaderEpoch: p.leaderEpoch,
    isr: [...p.isr], zkVersion: p.zkVersion, replicas: [...p.replicas], offlineReplicas: [...(p.offlineReplicas ?? [])],
  });
  const topics = version < 5
    ? groupBy(b.ungroupedPartitionStates, (p) => p.topicName).map(([topicName, ps]) => ({ topicName, topicId: null, partitions: ps.map(part) }))
    : b.topicStates.map((t) => ({ topicName: t.topicName, topicId: version >= 7 ? uuidToTopicId(t.topicId) : null, partitions: t.partitionStates.map(part) }));
  const liveBrokers: BrokerInfo[] = b.liveBrokers.map((lb) => {
    const endpoints: BrokerEndPoint[] = version === 0
      ? [{ listenerName: 'PLAINTEXT', host: lb.v0Host, port: lb.v0Port, securityProtocol: 'PLAINTEXT' }]
      : lb.endpoints.map((e) => {
        const securityProtocol = PROTOCOL_NAMES[e.securityProtocol] ?? 'PLAINTEXT';
        // Before v3 the listener is named after its security protocol.
        return { listenerName: version >= 3 ? e.listener : securityProtocol, host: e.host, port: e.port, securityProtocol };
      });
    return { id: lb.id, endpoints, rack: version >= 2 ? lb.rack : null, jmxPort: -1, timestamp: 0, features: {} };
  });
  return { controllerId: b.controllerId, controllerEpoch: b.controllerEpoch, brokerEpoch: version >= 5 ? b.brokerEpoch : UNKNOWN_BROKER_EPOCH, topics, liveBrokers };
}

// ---- StopReplica -------------------------------------------------------------------------------------------------

type StopReplicaIn = RequestInput<typeof ApiKey.StopReplica>;
type StopReplicaBody = RequestBody<typeof ApiKey.StopReplica>;

/** Before v3 `deletePartitions` is per request, so a mixed request becomes two (as Kafka sends them). */
export function stopReplicaToWire(c: StopReplicaControl, version: number): StopReplicaIn[] {
  const base = { controllerId: c.controllerId, controllerEpoch: c.controllerEpoch, brokerEpoch: c.brokerEpoch, isKRaftController: false };
  if (version >= 3) {
    return [{ ...base, topicStates: groupBy(c.partitions, (p) => p.topicName).map(([topicName, ps]) => ({
      topicName, partitionStates: ps.map((p) => ({ partitionIndex: p.partitionIndex, leaderEpoch: p.leaderEpoch, deletePartition: p.deletePartition })),
    })) }];
  }
  const out: StopReplicaIn[] = [];
  for (const del of [true, false]) {
    const ps = c.partitions.filter((p) => p.deletePartition === del);
    if (ps.length === 0) continue;
    out.push(version === 0
      ? { ...base, deletePartitions: del, ungroupedPartitions: ps.map((p) => ({ topicName: p.topicName, partitionIndex: p.partitionIndex })) }
      : { ...base, deletePartitions: del, topics: groupBy(ps, (p) => p.topicName).map(([name, xs]) => ({ name, partitionIndexes: xs.map((x) => x.partitionIndex) })) });
  }
  return out;
}

export function stopReplicaFromWire(b: StopReplicaBody, version: number): StopReplicaControl {
  const partitions: StopReplicaControl['partitions'] = version >= 3
    ? b.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ topicName: t.topicName, partitionIndex: p.partitionIndex, leaderEpoch: p.leaderEpoch, deletePartition: p.deletePartition })))
    : version >= 1
      ? b.topics.flatMap((t) => t.partitionIndexes.map((i) => ({ topicName: t.name, partitionIndex: i, leaderEpoch: NO_EPOCH, deletePartition: b.deletePartitions })))
      : b.ungroupedPartitions.map((p) => ({ topicName: p.topicName, partitionIndex: p.partitionIndex, leaderEpoch: NO_EPOCH, deletePartition: b.deletePartitions }));
  return { controllerId: b.controllerId, controllerEpoch: b.controllerEpoch, brokerEpoch: version >= 1 ? b.brokerEpoch : UNKNOWN_BROKER_EPOCH, partitions };
}

/** LeaderAndIsr.NoEpoch: an old StopReplica without a leader epoch skips the epoch check. */
export const NO_EPOCH = -1;

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Array<[string, T[]]> {
  const m = new Map<string, T[]>();
  for (const x of xs) { const k = key(x); let l = m.get(k); if (!l) m.set(k, (l = [])); l.push(x); }
  return [...m];
}
