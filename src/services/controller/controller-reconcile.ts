/**
 * The active controller's duties, done level-triggered: read live brokers, topic assignments and
 * partition states; create state for new partitions; elect a leader from the ISR where the
 * leader is gone (unclean election only where unclean.leader.election.enable says so); move leadership off brokers in
 * controlled shutdown; remove replicas that are not online from ISRs; finish requested deletions. The per-partition
 * decision is partition-leader-election.ts's decidePartitionState (pure); every state write is fenced by the
 * controller epoch (multi with a CHECK on /controller_epoch), as Kafka's controller does.
 */
import type { ZkSession, ZkEvent } from '../zookeeper/zk-session.js';
import { isZkError, ZkCode } from '../zookeeper/zk-session.js';
import { retryUntilConnected, getAllBrokersWithEpochs, getAllTopics, getEntityConfig } from '../zookeeper/kafka-zk-client.js';
import { ZkPaths, type BrokerInfo } from '../zookeeper/zk-data.js';
import { TopicPaths, TopicZNode, TopicPartitionStateZNode, NO_LEADER, type TopicAssignment } from '../zookeeper/zk-data-topics.js';
import type { ClusterMetadata, PartitionMetadata, TopicMetadata } from './cluster-metadata.js';
import { ControllerMovedError, writeLeaderAndIsr, type ControllerEpochInfo } from './partition-state-writes.js';
import { decidePartitionState } from './partition-leader-election.js';
import { assignmentOf, completeReassignments, isBeingReassigned } from './partition-reassignment.js';
import type { Logger } from '../../logger.js';

export { ControllerMovedError, type ControllerEpochInfo };

/** `brokerEpochs`: each live broker's epoch, the czxid of its /brokers/ids/<id> znode (a restart changes it). */
/**
 * `deletions`: the topics deleted in this pass with their replica assignment (whose replicas must drop their logs);
 * `deletionsPending`: topics marked for deletion that wait for a replica's broker to come back (Kafka's ineligible
 * deletions), left out of `metadata` so brokers stop serving them meanwhile.
 */
export interface ReconcileResult {
  metadata: ClusterMetadata;
  deletedTopics: string[];
  deletions: Array<{ topic: string; partitions: Array<{ partition: number; replicas: number[] }> }>;
  deletionsPending: string[];
  brokerEpochs: Map<number, bigint>;
  /** Partitions left without a leader (Kafka's OfflinePartitionsCount). */
  offlinePartitions: Array<{ topic: string; partition: number }>;
  /** Registered brokers in controlled shutdown during this pass. */
  shuttingDown: number[];
  /** "topic-partition" of the partitions still being reassigned after this pass (an ISR change may complete them). */
  reassigning?: string[];
  /** Brokers treated as failed in this pass because they re-registered under a new epoch (a pass follows). */
  bounced?: number[];
}

export interface ReconcileOptions {
  deleteTopicEnable: boolean;
  onTopicChange?: (e: ZkEvent) => void;
  /** Armed as a data watch on every /brokers/ids/<id> (Kafka's BrokerModificationsHandler: dynamic listener changes). */
  onBrokerChange?: (e: ZkEvent) => void;
  /**
   * Brokers in controlled shutdown: they lose leadership and leave ISRs. As a map, with the broker epoch that asked:
   * a broker registered under another epoch (it restarted) is not shutting down.
   */
  shuttingDown?: ReadonlySet<number> | ReadonlyMap<number, bigint>;
  /** The controller broker's unclean.leader.election.enable (dynamic configs included); a topic override wins. */
  uncleanLeaderElectionEnable?: () => boolean;
  /** inter.broker.protocol.version >= 3.2-IV0: an unclean leader marks the partition RECOVERING. */
  leaderRecoverySupported?: boolean;
  /** For the state-change log (elections, unclean elections loudly). */
  log?: Logger;
  /** Each broker's epoch at the previous pass: one registered under another epoch now is a bounced broker. */
  previousBrokerEpochs?: ReadonlyMap<number, bigint>;
  /**
   * Kafka's ControllerContext.replicasOnOfflineDirs: per broker (under the broker epoch that answered), the
   * "topic-partition"s it answered KAFKA_STORAGE_ERROR for in LeaderAndIsr. Those replicas are not online
   * (isReplicaOnline): they cannot lead, leave the ISR, and are offline replicas in the metadata. A broker registered
   * under another epoch (it restarted) has its dirs back.
   */
  replicasOnOfflineDirs?: ReadonlyMap<number, { epoch: bigint; partitions: ReadonlySet<string> }>;
}

/**
 * Arms the child watches the controller needs. Pass the same `onChange` every time: ZooKeeper's client keeps one
 * registration per path and function, so re-arming on every pass never piles up watchers (a new closure per pass did,
 * on paths that seldom change); `onChange` must tolerate several calls for one change.
 */
export async function watchControllerPaths(zk: ZkSession, onChange: () => void): Promise<void> {
  const w = onChange as (e: ZkEvent) => void;
  // /config/changes: a topic or broker config change may allow an unclean election (Kafka's TopicUncleanLeaderElectionEnable).
  // Pipelined (the session sends them back to back), as Kafka's KafkaZkClient batches its reads: one round trip, not five.
  await Promise.all([ZkPaths.brokerIds, ZkPaths.brokerTopics, ZkPaths.deleteTopics, ZkPaths.isrChangeNotification, ZkPaths.configChanges]
    .map((p) => retryUntilConnected(zk, () => zk.getChildren(p, w))));
}

/**
 * `onTopicChange`, when given, is armed as a data watch on every topic znode (Kafka's PartitionModificationsHandler),
 * so partitions added to an existing topic are noticed; pass the same function every time (ZooKeeper keeps one).
 */
export async function reconcile(zk: ZkSession, ctl: ControllerEpochInfo, opts: ReconcileOptions): Promise<ReconcileResult> {
  // The reads before the first decision are pipelined (Kafka's KafkaZkClient sends each batch of reads at once): the
  // brokers and the topic list together, then every topic znode together, then the partitions of all topics
  // PARTITION_CONCURRENCY at a time. The topics deleted in this pass are dropped from the list read before.
  const [registered, allTopics] = await Promise.all([getAllBrokersWithEpochs(zk, opts.onBrokerChange), getAllTopics(zk)]);
  const brokers = registered.map((r) => r.info);
  const live = new Set(brokers.map((b) => b.id));
  const epochs = new Map(registered.map((r) => [r.info.id, r.epoch]));
  const offlineDirs = [...(opts.replicasOnOfflineDirs ?? [])].filter(([id, e]) => epochs.get(id) === e.epoch && e.partitions.size > 0);
  /** Kafka's isReplicaOnline: the broker is live and the replica is not on one of its failed log dirs. */
  const replicaOnline = (topic: string, partition: number, broker: number) =>
    live.has(broker) && (offlineDirs.length === 0 || !offlineDirs.some(([id, e]) => id === broker && e.partitions.has(`${topic}-${partition}`)));
  const { deletions, pending } = await processTopicDeletions(zk, opts.deleteTopicEnable, replicaOnline);
  const topics: TopicMetadata[] = [];
  const reassigning: string[] = [];
  const offlinePartitions: ReconcileResult['offlinePartitions'] = [];
  const sd = opts.shuttingDown;
  const shuttingDown = sd instanceof Map ? new Set([...sd].filter(([id, epoch]) => epochs.get(id) === epoch).map(([id]) => id)) : new Set<number>(sd?.keys() ?? []);
  // Kafka's processBrokerChange: a broker registered under a new epoch since the last pass (bounced: it restarted
  // without the controller seeing it gone) goes through onBrokerFailure first — its leaderships move and it leaves
  // the ISRs (its log may be behind or truncated) — and is live again from the next pass on.
  const bounced = new Set(registered.filter((r) => { const prev = opts.previousBrokerEpochs?.get(r.info.id); return prev !== undefined && prev !== r.epoch; }).map((r) => r.info.id));
  if (bounced.size > 0) opts.log?.info({ brokers: [...bounced] }, `Brokers ${JSON.stringify([...bounced])} re-registered under a new epoch: treated as failed for this pass (Kafka's bounced brokers)`);
  const electable = bounced.size > 0 ? new Set([...live].filter((id) => !bounced.has(id))) : live;
  const pass: Pass = { zk, ctl, live: electable, opts, shuttingDown, offlinePartitions, uncleanByTopic: new Map(), partitionsPaths: new Map(),
    liveFor: offlineDirs.length === 0 ? () => electable : (topic, partition) => {
      const k = `${topic}-${partition}`;
      const off = offlineDirs.filter(([, e]) => e.partitions.has(k)).map(([id]) => id);
      return off.length === 0 ? electable : new Set([...electable].filter((id) => !off.includes(id)));
    } };
  const deleted = new Set(deletions.map((d) => d.topic));
  const names = allTopics.filter((n) => !pending.includes(n) && !deleted.has(n)).sort();
  const nodes = new Array<Awaited<ReturnType<ZkSession['getDataOrNull']>>>(names.length);
  for (let i = 0; i < names.length; i += TOPIC_CONCURRENCY) {
    await Promise.all(names.slice(i, i + TOPIC_CONCURRENCY).map(async (name, j) => { nodes[i + j] = await zk.getDataOrNull(TopicPaths.topic(name), opts.onTopicChange); }));
  }
  const read: Array<{ name: string; node: NonNullable<(typeof nodes)[number]>; assignment: TopicAssignment; partitions: PartitionMetadata[] }> = [];
  const work: Array<{ t: number; i: number; partition: number; replicas: number[] }> = [];
  names.forEach((name, n) => {
    const node = nodes[n];
    if (!node) return;
    let assignment: TopicAssignment;
    try { assignment = TopicZNode.decode(name, node.data); } catch { return; } // undecodable: Kafka skips it too
    const entries = [...assignment.partitions].sort((a, b) => a[0] - b[0]);
    entries.forEach(([partition, replicas], i) => work.push({ t: read.length, i, partition, replicas }));
    read.push({ name, node, assignment, partitions: new Array(entries.length) });
  });
  // Partitions are independent: up to PARTITION_CONCURRENCY ZooKeeper round trips in flight (the session pipelines them).
  for (let i = 0; i < work.length; i += PARTITION_CONCURRENCY) {
    await Promise.all(work.slice(i, i + PARTITION_CONCURRENCY).map(async (w) => { const t = read[w.t]!; t.partitions[w.i] = await reconcilePartition(pass, t.name, w.partition, w.replicas); }));
  }
  for (const { name, node, assignment, partitions } of read) {
    // Reassignments whose target replicas are all in the ISR complete now (partition-reassignment.ts).
    let finalPartitions = partitions;
    if (assignment.addingReplicas.size > 0 || assignment.removingReplicas.size > 0) {
      const online = new Set([...live].filter((b) => !shuttingDown.has(b)));
      const after = await completeReassignments({ zk, ctl, online, ...(opts.log ? { log: opts.log } : {}) }, name, assignment, node.stat.version, partitions);
      finalPartitions = after.map((p, i) => (p === partitions[i] ? partitions[i]! : { ...partitions[i]!, ...p, offlineReplicas: p.replicas.filter((r) => !replicaOnline(name, p.partition, r)) }));
      for (const p of finalPartitions) {
        const a = assignmentOf(assignment, p.partition);
        if (a && isBeingReassigned(a) && p.replicas.length === a.replicas.length) reassigning.push(`${name}-${p.partition}`);
      }
    }
    topics.push({ name, topicId: assignment.topicId, partitions: finalPartitions });
  }
  offlinePartitions.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  return { metadata: { controllerId: ctl.brokerId, controllerEpoch: ctl.epoch, brokers: sortBrokers(brokers), topics },
    deletedTopics: deletions.map((d) => d.topic), deletions, deletionsPending: pending,
    brokerEpochs: new Map(registered.map((r) => [r.info.id, r.epoch])), offlinePartitions, shuttingDown: [...shuttingDown].sort((a, b) => a - b), reassigning,
    bounced: [...bounced] };
}

const sortBrokers = (b: BrokerInfo[]) => [...b].sort((x, y) => x.id - y.id);

const PARTITION_CONCURRENCY = 64;
/** Topic znodes read at once. */
const TOPIC_CONCURRENCY = 256;

interface Pass {
  zk: ZkSession; ctl: ControllerEpochInfo; live: Set<number>; opts: ReconcileOptions; shuttingDown: ReadonlySet<number>;
  offlinePartitions: ReconcileResult['offlinePartitions'];
  /** unclean.leader.election.enable per topic, read from /config/topics/<t> only when an election needs it. */
  uncleanByTopic: Map<string, boolean>;
  /** /brokers/topics/<t>/partitions created (or being created) in this pass. */
  partitionsPaths: Map<string, Promise<void>>;
  /** The brokers whose replica of this partition is online: `live` less those on an offline log dir. */
  liveFor: (topic: string, partition: number) => Set<number>;
}

async function uncleanEnabled(pass: Pass, topic: string): Promise<boolean> {
  let v = pass.uncleanByTopic.get(topic);
  if (v === undefined) {
    // A topic override, else the dynamic broker config (this broker's, then the cluster default), else the static one.
    const key = 'unclean.leader.election.enable';
    const override = (await getEntityConfig(pass.zk, 'topics', topic))[key]
      ?? (await getEntityConfig(pass.zk, 'brokers', String(pass.ctl.brokerId)))[key]
      ?? (await getEntityConfig(pass.zk, 'brokers', '<default>'))[key];
    v = override !== undefined ? override.trim().toLowerCase() === 'true' : (pass.opts.uncleanLeaderElectionEnable?.() ?? false);
    pass.uncleanByTopic.set(topic, v);
  }
  return v;
}

async function reconcilePartition(pass: Pass, topic: string, partition: number, replicas: number[]): Promise<PartitionMetadata> {
  const { zk, ctl } = pass;
  const live = pass.liveFor(topic, partition);
  const statePath = TopicPaths.partitionState(topic, partition);
  const offline = replicas.filter((r) => !live.has(r));
  const existing = await zk.getDataOrNull(statePath);
  if (!existing) {
    // NewPartition → OnlinePartition: the first online replica leads, the online replicas are the ISR.
    const liveReplicas = replicas.filter((r) => live.has(r) && !pass.shuttingDown.has(r));
    const leader = liveReplicas[0] ?? NO_LEADER;
    const state = { leader, leaderEpoch: 0, isr: liveReplicas, controllerEpoch: ctl.epoch };
    // One transaction per partition (partition znode + state), as Kafka's createTopicPartitionStatesRaw; the parent once per topic.
    let parent = pass.partitionsPaths.get(topic);
    if (!parent) pass.partitionsPaths.set(topic, (parent = zk.mkdirp(`${TopicPaths.topic(topic)}/partitions`)));
    await parent;
    const data = TopicPartitionStateZNode.encode(state);
    try {
      await fenced(zk, ctl, (t) => t.create(TopicPaths.partition(topic, partition)).create(statePath, data));
    } catch (e) {
      if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e;
      // The partition znode (or its state) exists already: create the state alone, or decide again if it is there.
      try {
        await fenced(zk, ctl, (t) => t.create(statePath, data));
      } catch (e2) {
        if (!isZkError(e2, ZkCode.NODE_EXISTS)) throw e2;
        return reconcilePartition(pass, topic, partition, replicas);
      }
    }
    if (leader === NO_LEADER) pass.offlinePartitions.push({ topic, partition });
    return { partition, ...state, replicas, offlineReplicas: offline, partitionEpoch: 0, leaderRecoveryState: 0 };
  }
  const state = TopicPartitionStateZNode.decode(statePath, existing.data);
  const version = existing.stat.version;
  // Whether unclean election is allowed is only asked when no ISR member can lead; read it before deciding.
  const online = (r: number) => live.has(r) && !pass.shuttingDown.has(r);
  const needsUnclean = (state.leader === NO_LEADER || !live.has(state.leader)) && !replicas.some((r) => online(r) && state.isr.includes(r));
  const unclean = needsUnclean ? await uncleanEnabled(pass, topic) : false;
  const decision = decidePartitionState(state, {
    assignment: replicas, live, shuttingDown: pass.shuttingDown, uncleanEnabled: () => unclean, leaderRecoverySupported: pass.opts.leaderRecoverySupported ?? true,
  });
  if (decision.offline) pass.offlinePartitions.push({ topic, partition });
  if (decision.kind === 'write') {
    const next = decision.state;
    const written = await writeLeaderAndIsr(zk, ctl, topic, partition, next, version);
    if (written === 'badVersion' || written === 'noNode') return reconcilePartition(pass, topic, partition, replicas); // changed meanwhile: decide again
    const log = pass.opts.log;
    const fields = { topic, partition, leader: next.leader, leaderEpoch: next.leaderEpoch, isr: next.isr, previousLeader: state.leader, previousIsr: state.isr };
    if (decision.reason === 'unclean-election') {
      log?.error(fields, `UNCLEAN LEADER ELECTION: partition ${topic}-${partition} has no in-sync replica online; broker ${next.leader} was elected from outside the ISR ${JSON.stringify(state.isr)} (unclean.leader.election.enable=true): records acknowledged by the old ISR may be lost`);
    } else if (decision.reason === 'leader-lost') {
      log?.warn(fields, `Partition ${topic}-${partition} is offline: no in-sync replica of ${JSON.stringify(replicas)} is online (ISR ${JSON.stringify(next.isr)}); unclean.leader.election.enable is false`);
    } else {
      log?.info({ ...fields, reason: decision.reason }, `Partition ${topic}-${partition}: ${decision.reason} → leader ${next.leader}, ISR ${JSON.stringify(next.isr)}, leader epoch ${next.leaderEpoch}`);
    }
    return { partition, leader: next.leader, leaderEpoch: next.leaderEpoch, isr: next.isr, controllerEpoch: ctl.epoch, replicas, offlineReplicas: offline, partitionEpoch: written, leaderRecoveryState: next.leaderRecoveryState };
  }
  return { partition, leader: state.leader, leaderEpoch: state.leaderEpoch, isr: state.isr, controllerEpoch: state.controllerEpoch, replicas, offlineReplicas: offline, partitionEpoch: version, leaderRecoveryState: state.leaderRecoveryState };
}

type Txn = ReturnType<ZkSession['client']['transaction']>;

async function fenced(zk: ZkSession, ctl: ControllerEpochInfo, op: (t: Txn) => Txn): Promise<void> {
  try {
    await zk.multi((t) => op(t.check(ZkPaths.controllerEpoch, ctl.epochZkVersion)), ZkPaths.controllerEpoch);
  } catch (e) {
    if (isZkError(e, ZkCode.BAD_VERSION)) throw new ControllerMovedError(`Controller epoch zkVersion changed: broker ${ctl.brokerId} is no longer the controller`);
    throw e;
  }
}

/**
 * Topics marked in /admin/delete_topics: remove their znodes (or just the mark, if deletion is disabled). As Kafka's
 * TopicDeletionManager, a topic with a replica on a broker that is down stays marked (pending) until that broker is
 * back, so that every replica is told to delete its log.
 */
async function processTopicDeletions(zk: ZkSession, enabled: boolean, replicaOnline: (topic: string, partition: number, broker: number) => boolean): Promise<{ deletions: ReconcileResult['deletions']; pending: string[] }> {
  const marked = await retryUntilConnected(zk, () => zk.getChildren(ZkPaths.deleteTopics));
  const deletions: ReconcileResult['deletions'] = [];
  const pending: string[] = [];
  for (const topic of marked) {
    const node = enabled ? await zk.getDataOrNull(TopicPaths.topic(topic)) : null;
    if (node) {
      let partitions: Array<{ partition: number; replicas: number[] }> = [];
      try { partitions = [...TopicZNode.decode(topic, node.data).partitions].map(([partition, replicas]) => ({ partition, replicas })); } catch { /* undecodable: delete it anyway */ }
      // a replica on a failed log dir cannot delete its log either (Kafka's onReplicasBecomeOffline → failReplicaDeletion):
      // the topic waits for its broker to come back (a new broker epoch brings its dirs back)
      if (partitions.some((p) => p.replicas.some((r) => !replicaOnline(topic, p.partition, r)))) { pending.push(topic); continue; }
      await removeRecursive(zk, TopicPaths.topic(topic));
      await removeRecursive(zk, `/config/topics/${topic}`);
      deletions.push({ topic, partitions });
    }
    await zk.remove(TopicPaths.deleteTopic(topic)).catch(() => undefined);
  }
  return { deletions, pending };
}

async function removeRecursive(zk: ZkSession, path: string): Promise<void> {
  let children: string[];
  try { children = await zk.getChildren(path); } catch (e) { if (isZkError(e, ZkCode.NO_NODE)) return; throw e; }
  for (const c of children) await removeRecursive(zk, `${path}/${c}`);
  try { await zk.remove(path); } catch (e) { if (!isZkError(e, ZkCode.NO_NODE)) throw e; }
}
