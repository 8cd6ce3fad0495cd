/**
 * Kafka's ControllerBrokerRequestBatch for a level-triggered controller: compares the view it last sent with the
 * view after a reconciliation and decides what each live broker is told, as KafkaController does on
 *  - becoming controller (no previous view): full UpdateMetadata to every live broker, LeaderAndIsr for every
 *    partition to its live replicas (onControllerFailover);
 *  - broker startup (a new broker id, or a new broker epoch = a bounced broker): full UpdateMetadata to it, the new
 *    live-broker list to the others, LeaderAndIsr for every partition it hosts (onBrokerStartup);
 *  - any partition whose leadership changed (new topic/partitions, a new leader epoch: leader moved, went offline,
 *    or the controller shrank the ISR): LeaderAndIsr to its live replicas, UpdateMetadata to every live broker;
 *  - a partition whose ISR alone changed under the same leader epoch (the leader's AlterPartition, or its own
 *    ZooKeeper write with an old IBP) or whose offline replicas changed: UpdateMetadata only, as Kafka's
 *    processAlterPartition / processIsrChangeNotification (the leader already knows; a LeaderAndIsr with the same
 *    leader epoch would be refused as stale);
 *  - a replica a reassignment added: LeaderAndIsr with isNew; one it removed: StopReplica(delete) (reassignment B5);
 *  - topic deletion: UpdateMetadata with leader -2 (LeaderDuringDelete) to every live broker so caches drop the
 *    partitions, StopReplica(delete) to the replicas.
 */
import type { BrokerInfo } from '../zookeeper/zk-data.js';
import type { ClusterMetadata, PartitionMetadata, TopicMetadata } from './cluster-metadata.js';
import {
  EPOCH_DURING_DELETE, LEADER_DURING_DELETE,
  type BrokerRequests, type LeaderAndIsrControl, type StopReplicaControl, type UpdateMetadataControl, type UpdateMetadataPartition,
} from './control-requests.js';

/**
 * What the controller knows after a reconciliation (and what it last told the brokers). `deletions`: topics whose
 * znodes this pass removed, with their replicas, which must delete their logs even if the topic had already left
 * the metadata (its deletion waited for a replica's broker to come back).
 */
export interface ControllerView {
  metadata: ClusterMetadata;
  brokerEpochs: Map<number, bigint>;
  deletions?: Array<{ topic: string; partitions: Array<{ partition: number; replicas: number[] }> }>;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

function partitionsByKey(m: ClusterMetadata | undefined): Map<string, { topic: TopicMetadata; p: PartitionMetadata }> {
  const out = new Map<string, { topic: TopicMetadata; p: PartitionMetadata }>();
  for (const topic of m?.topics ?? []) for (const p of topic.partitions) out.set(tpKey(topic.name, p.partition), { topic, p });
  return out;
}

const sameList = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
function samePartition(a: PartitionMetadata, b: PartitionMetadata): boolean {
  return a.leader === b.leader && a.leaderEpoch === b.leaderEpoch && a.partitionEpoch === b.partitionEpoch
    && sameList(a.isr, b.isr) && sameList(a.replicas, b.replicas) && sameList(a.offlineReplicas, b.offlineReplicas);
}

function sameEndpoints(a: BrokerInfo, b: BrokerInfo): boolean {
  return a.rack === b.rack && a.endpoints.length === b.endpoints.length
    && a.endpoints.every((e, i) => e.listenerName === b.endpoints[i]!.listenerName && e.host === b.endpoints[i]!.host && e.port === b.endpoints[i]!.port);
}

/** Brokers that are new to the previous view: a new id, a new epoch (restarted) or new endpoints. */
export function newBrokerIds(prev: ControllerView | null, next: ControllerView): number[] {
  return next.metadata.brokers.filter((b) => {
    if (!prev) return true;
    const before = prev.metadata.brokers.find((x) => x.id === b.id);
    return !before || prev.brokerEpochs.get(b.id) !== next.brokerEpochs.get(b.id) || !sameEndpoints(before, b);
  }).map((b) => b.id);
}

const umPartition = (p: PartitionMetadata): UpdateMetadataPartition => ({
  partitionIndex: p.partition, controllerEpoch: p.controllerEpoch, leader: p.leader, leaderEpoch: p.leaderEpoch,
  isr: [...p.isr], zkVersion: p.partitionEpoch, replicas: [...p.replicas], offlineReplicas: [...p.offlineReplicas],
});

type Entry = { topic: TopicMetadata; p: PartitionMetadata };

function groupTopics<T>(entries: Entry[], map: (e: Entry) => T): Array<{ topicName: string; topicId: string | null; partitions: T[] }> {
  const out = new Map<string, { topicName: string; topicId: string | null; partitions: T[] }>();
  for (const e of entries) {
    let t = out.get(e.topic.name);
    if (!t) out.set(e.topic.name, (t = { topicName: e.topic.name, topicId: e.topic.topicId, partitions: [] }));
    t.partitions.push(map(e));
  }
  return [...out.values()];
}

/** The requests for every live broker (the controller's own included: it is delivered in-process). */
export function buildRequestBatch(prev: ControllerView | null, next: ControllerView, interBrokerListenerName: string): Map<number, BrokerRequests> {
  const m = next.metadata;
  const header = (brokerId: number) => ({ controllerId: m.controllerId, controllerEpoch: m.controllerEpoch, brokerEpoch: next.brokerEpochs.get(brokerId) ?? -1n });
  const before = partitionsByKey(prev?.metadata);
  const after = partitionsByKey(m);
  const live = new Set(m.brokers.map((b) => b.id));
  const fresh = new Set(newBrokerIds(prev, next));
  const brokersChanged = fresh.size > 0 || !prev || prev.metadata.brokers.some((b) => !live.has(b.id));

  const changed: Entry[] = [];
  const leadershipChanged: Entry[] = [];
  for (const [k, e] of after) {
    const old = before.get(k);
    if (!old || !samePartition(old.p, e.p)) changed.push(e);
    if (!old || old.p.leaderEpoch !== e.p.leaderEpoch || old.p.leader !== e.p.leader || !sameList(old.p.replicas, e.p.replicas)) leadershipChanged.push(e);
  }
  const deleted: Entry[] = [];
  for (const [k, e] of before) if (!after.has(k)) deleted.push(e);
  const all = [...after.values()];

  const out = new Map<number, BrokerRequests>();
  for (const brokerId of live) {
    const requests: BrokerRequests = {};
    // LeaderAndIsr: the partitions this broker is a replica of whose leadership changed (all of them for a new broker).
    const lai = (fresh.has(brokerId) ? all : leadershipChanged).filter((e) => e.p.replicas.includes(brokerId));
    if (lai.length > 0) {
      requests.leaderAndIsr = leaderAndIsrControl(next, brokerId, lai, interBrokerListenerName,
        (e) => prev !== null && !(before.get(tpKey(e.topic.name, e.p.partition))?.p.replicas.includes(brokerId) ?? false));
    }
    // UpdateMetadata: everything to a new broker; the changes (and the live-broker list) to the others.
    const um = fresh.has(brokerId) ? all : changed;
    if (fresh.has(brokerId) || um.length > 0 || deleted.length > 0 || brokersChanged) {
      const control: UpdateMetadataControl = {
        ...header(brokerId),
        topics: [
          ...groupTopics(um, (e) => umPartition(e.p)),
          ...groupTopics(deleted, (e) => ({ ...umPartition(e.p), leader: LEADER_DURING_DELETE })),
        ],
        liveBrokers: m.brokers,
      };
      requests.updateMetadata = control;
    }
    // StopReplica(delete) for the deleted topics' partitions this broker held, and for replicas a completed
    // reassignment removed from it (Kafka's B5: ReplicaDeletionStarted, at the partition's current leader epoch).
    const stop = new Map<string, { topicName: string; partitionIndex: number; leaderEpoch: number }>();
    for (const e of deleted) if (e.p.replicas.includes(brokerId)) stop.set(tpKey(e.topic.name, e.p.partition), { topicName: e.topic.name, partitionIndex: e.p.partition, leaderEpoch: EPOCH_DURING_DELETE });
    for (const d of next.deletions ?? []) {
      for (const p of d.partitions) if (p.replicas.includes(brokerId)) stop.set(tpKey(d.topic, p.partition), { topicName: d.topic, partitionIndex: p.partition, leaderEpoch: EPOCH_DURING_DELETE });
    }
    for (const [k, e] of after) {
      const old = before.get(k);
      if (old && old.p.replicas.includes(brokerId) && !e.p.replicas.includes(brokerId)) stop.set(k, { topicName: e.topic.name, partitionIndex: e.p.partition, leaderEpoch: e.p.leaderEpoch });
    }
    if (stop.size > 0) {
      const control: StopReplicaControl = {
        ...header(brokerId),
        partitions: [...stop.values()].map((p) => ({ ...p, deletePartition: true })),
      };
      requests.stopReplica = control;
    }
    if (requests.leaderAndIsr || requests.updateMetadata || requests.stopReplica) out.set(brokerId, requests);
  }
  return out;
}

/** One LeaderAndIsr for `brokerId` carrying `entries` at their current state (`isNew`: a replica a reassignment just added). */
function leaderAndIsrControl(view: ControllerView, brokerId: number, entries: Entry[], interBrokerListenerName: string, isNew: (e: Entry) => boolean): LeaderAndIsrControl {
  const m = view.metadata;
  const ids = new Set(entries.map((e) => e.p.leader));
  const liveLeaders = m.brokers.filter((b) => ids.has(b.id)).map((b) => {
    const ep = b.endpoints.find((e) => e.listenerName === interBrokerListenerName) ?? b.endpoints[0];
    return { brokerId: b.id, hostName: ep?.host ?? '', port: ep?.port ?? -1 };
  });
  return {
    controllerId: m.controllerId, controllerEpoch: m.controllerEpoch, brokerEpoch: view.brokerEpochs.get(brokerId) ?? -1n,
    topics: groupTopics(entries, (e) => ({
      partitionIndex: e.p.partition, controllerEpoch: e.p.controllerEpoch, leader: e.p.leader, leaderEpoch: e.p.leaderEpoch,
      isr: [...e.p.isr], partitionEpoch: e.p.partitionEpoch, replicas: [...e.p.replicas], isNew: isNew(e),
    })),
    liveLeaders,
  };
}

/**
 * Kafka's onBrokerLogDirFailure (replicaStateMachine.handleStateChanges(replicas on the broker, OnlineReplica)): a
 * LeaderAndIsr for every partition the broker holds a replica of, at its current state, so that the broker answers
 * KAFKA_STORAGE_ERROR for those on a failed dir. Null when it holds none.
 */
export function leaderAndIsrForAllReplicas(view: ControllerView, brokerId: number, interBrokerListenerName: string): LeaderAndIsrControl | null {
  const entries = [...partitionsByKey(view.metadata).values()].filter((e) => e.p.replicas.includes(brokerId));
  return entries.length === 0 ? null : leaderAndIsrControl(view, brokerId, entries, interBrokerListenerName, () => false);
}
