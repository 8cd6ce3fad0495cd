/**
 * Partition reassignment as Kafka's ZooKeeper-mode KafkaController does it (onPartitionReassignment,
 * updateCurrentReassignment, maybeTriggerPartitionReassignment, processApiPartitionReassignment,
 * processZkPartitionReassignment, validateReplicas, maybeBuildReassignment, isReassignmentComplete,
 * moveReassignedPartitionLeaderIfRequired, processListPartitionReassignments) and ReplicaAssignment.reassignTo — with
 * ORS the original replicas, TRS the target, RS = TRS ++ ORS (distinct), AR = TRS − ORS, RR = ORS − TRS:
 *
 *   start (AlterPartitionReassignments or /admin/reassign_partitions):  U1 write RS/AR/RR to /brokers/topics/<t>
 *     (fenced by the controller epoch); replicas of a replaced reassignment that are no longer in RS leave the ISR;
 *     A1 bump the leader epoch, so every replica of RS gets a LeaderAndIsr (the new ones create their log and fetch);
 *   complete (each controller pass — level-triggered — once TRS ⊆ ISR, e.g. after the AlterPartition adding the
 *     last new replica):  B3/B4 one state write: the leader stays if it is in TRS and online, else the first online
 *     TRS member of the ISR leads (ReassignPartitionLeaderElectionStrategy); the ISR keeps only TRS; leader epoch + 1;
 *     B6 write RS = TRS, AR = RR = [] to the topic znode; B5 the request batch sends StopReplica(delete) to the removed
 *     replicas (controller-request-batch.ts); B7 the partition leaves /admin/reassign_partitions (duties).
 *   cancel (replicas null): a new reassignment to ORS — the adding replicas are stopped and deleted.
 *
 * The topic znode is the only record of ORS (as in Kafka): a controller failing over mid-way finds AR/RR there and
 * completes or continues. Differs from Kafka: no replication throttles; a removed replica whose broker is down when
 * the reassignment completes keeps its log (Kafka's ZK mode too: no StopReplica reaches it).
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { Logger } from '../../logger.js';
import type { ZkSession } from '../zookeeper/zk-session.js';
import { isZkError, ZkCode } from '../zookeeper/zk-session.js';
import { retryUntilConnected } from '../zookeeper/kafka-zk-client.js';
import { ZkPaths } from '../zookeeper/zk-data.js';
import { ReassignPartitionsZNode, TopicPaths, TopicPartitionStateZNode, TopicZNode, type TopicAssignment } from '../zookeeper/zk-data-topics.js';
import { ControllerMovedError, writeLeaderAndIsr, type ControllerEpochInfo } from './partition-state-writes.js';
import type { LeaderAndIsr } from './partition-leader-election.js';

export interface ReplicaAssignment { replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }

const distinct = (xs: number[]) => [...new Set(xs)];
const diff = (a: number[], b: number[]) => a.filter((x) => !b.includes(x));

/** ReplicaAssignment.originReplicas / targetReplicas / isBeingReassigned. */
export const originReplicas = (a: ReplicaAssignment) => diff(a.replicas, a.addingReplicas);
export const targetReplicas = (a: ReplicaAssignment) => diff(a.replicas, a.removingReplicas);
export const isBeingReassigned = (a: ReplicaAssignment) => a.addingReplicas.length > 0 || a.removingReplicas.length > 0;

/** ReplicaAssignment.reassignTo: RS = TRS ++ ORS (distinct), AR = TRS − ORS, RR = ORS − TRS. */
export function reassignTo(current: ReplicaAssignment, target: number[]): ReplicaAssignment {
  const origin = originReplicas(current);
  return { replicas: distinct([...target, ...origin]), addingReplicas: diff(target, origin), removingReplicas: diff(origin, target) };
}

/** KafkaController.validateReplicas: null = valid. */
export function validateReplicas(current: ReplicaAssignment, target: number[], live: ReadonlySet<number>): string | null {
  if (target.length === 0) return 'Empty replica list specified in partition reassignment.';
  if (new Set(target).size !== target.length) return `Duplicate replica ids in partition reassignment replica list: ${JSON.stringify(target)}`;
  if (target.some((r) => r < 0)) return `Invalid broker id in replica list: ${JSON.stringify(target)}`;
  const adding = reassignTo(current, target).addingReplicas;
  if (!adding.every((r) => live.has(r))) {
    return `Replica assignment has brokers that are not alive. Replica list: ${JSON.stringify(adding)}, live broker list: ${JSON.stringify([...live].sort((a, b) => a - b))}`;
  }
  return null;
}

/**
 * The state that completes a reassignment whose targets are all in the ISR (B3 + B4), or null when it cannot complete
 * yet (targets missing from the ISR, or no target online to lead).
 */
export function completionState(s: LeaderAndIsr, a: ReplicaAssignment, online: ReadonlySet<number>): LeaderAndIsr | null {
  const target = targetReplicas(a);
  if (!target.every((r) => s.isr.includes(r))) return null;
  const leader = target.includes(s.leader) && online.has(s.leader) ? s.leader : target.find((r) => online.has(r) && s.isr.includes(r));
  if (leader === undefined) return null;
  return { leader, leaderEpoch: s.leaderEpoch + 1, isr: s.isr.filter((r) => target.includes(r)), leaderRecoveryState: s.leaderRecoveryState };
}

export function assignmentOf(t: TopicAssignment, partition: number): ReplicaAssignment | null {
  const replicas = t.partitions.get(partition);
  if (!replicas) return null;
  return { replicas, addingReplicas: t.addingReplicas.get(partition) ?? [], removingReplicas: t.removingReplicas.get(partition) ?? [] };
}

/** Writes the topic znode at `version`, fenced by the controller epoch; 'badVersion' when it changed meanwhile. */
export async function writeTopicAssignment(zk: ZkSession, ctl: ControllerEpochInfo, topic: string, t: TopicAssignment, version: number): Promise<'ok' | 'badVersion' | 'noNode'> {
  const path = TopicPaths.topic(topic);
  try {
    await retryUntilConnected(zk, () => zk.multi((tx) => tx.check(ZkPaths.controllerEpoch, ctl.epochZkVersion).setData(path, TopicZNode.encode(t), version), path));
    return 'ok';
  } catch (e) {
    if (isZkError(e, ZkCode.NO_NODE)) return 'noNode';
    if (!isZkError(e, ZkCode.BAD_VERSION)) throw e;
    const epochNode = await retryUntilConnected(zk, () => zk.getDataOrNull(ZkPaths.controllerEpoch));
    if (!epochNode || epochNode.stat.version !== ctl.epochZkVersion) throw new ControllerMovedError(`Controller epoch zkVersion changed: broker ${ctl.brokerId} is no longer the controller`);
    return 'badVersion';
  }
}

export interface ReassignmentRequest { topic: string; partition: number; /** null = cancel */ replicas: number[] | null }
export interface ReassignmentResult { topic: string; partition: number; errorCode: number; errorMessage: string | null }

export interface ReassignDeps {
  zk: ZkSession; ctl: ControllerEpochInfo;
  /** Registered brokers (validateReplicas' live brokers). */
  live: ReadonlySet<number>;
  /** Topics queued for deletion: their partitions "do not exist". */
  deleting?: ReadonlySet<string>;
  log?: Logger;
}

/**
 * processApiPartitionReassignment / processZkPartitionReassignment's start: validate, build (maybeBuildReassignment),
 * write U1 per topic, then A1 (a leader-epoch bump, and the ISR without replicas that left RS). The caller reconciles
 * next, which completes what is already complete (a reorder, a shrink).
 */
export async function startReassignments(deps: ReassignDeps, requests: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]> {
  const results: ReassignmentResult[] = [];
  const byTopic = new Map<string, ReassignmentRequest[]>();
  for (const r of requests) { const l = byTopic.get(r.topic); if (l) l.push(r); else byTopic.set(r.topic, [r]); }
  for (const [topic, reqs] of byTopic) {
    const notExist = (r: ReassignmentRequest) => results.push({ topic, partition: r.partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' });
    if (deps.deleting?.has(topic)) { reqs.forEach(notExist); continue; }
    for (let attempt = 0; ; attempt++) {
      const node = await retryUntilConnected(deps.zk, () => deps.zk.getDataOrNull(TopicPaths.topic(topic)));
      if (!node) { reqs.forEach(notExist); break; }
      const t = TopicZNode.decode(topic, node.data);
      const next: TopicAssignment = { ...t, partitions: new Map(t.partitions), addingReplicas: new Map(t.addingReplicas), removingReplicas: new Map(t.removingReplicas) };
      const changes: Array<{ partition: number; before: ReplicaAssignment; after: ReplicaAssignment }> = [];
      const topicResults: ReassignmentResult[] = [];
      for (const r of reqs) {
        const current = assignmentOf(t, r.partition);
        if (!current) { topicResults.push({ topic, partition: r.partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' }); continue; }
        if (r.replicas !== null) {
          const invalid = validateReplicas(current, r.replicas, deps.live);
          if (invalid) { topicResults.push({ topic, partition: r.partition, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: invalid }); continue; }
        } else if (!isBeingReassigned(current)) {
          topicResults.push({ topic, partition: r.partition, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: null });
          continue;
        }
        const after = reassignTo(current, r.replicas ?? originReplicas(current));
        next.partitions.set(r.partition, after.replicas);
        if (after.addingReplicas.length > 0) next.addingReplicas.set(r.partition, after.addingReplicas); else next.addingReplicas.delete(r.partition);
        if (after.removingReplicas.length > 0) next.removingReplicas.set(r.partition, after.removingReplicas); else next.removingReplicas.delete(r.partition);
        changes.push({ partition: r.partition, before: current, after });
        topicResults.push({ topic, partition: r.partition, errorCode: ErrorCode.NONE, errorMessage: null });
      }
      if (changes.length > 0) {
        const w = await writeTopicAssignment(deps.zk, deps.ctl, topic, next, node.stat.version);
        if (w === 'badVersion' && attempt < 5) continue;
        if (w !== 'ok') { reqs.forEach(notExist); break; }
        for (const c of changes) {
          deps.log?.info({ topic, partition: c.partition, replicas: c.after.replicas, adding: c.after.addingReplicas, removing: c.after.removingReplicas },
            `Partition reassignment of ${topic}-${c.partition}: ${JSON.stringify(c.before.replicas)} → target ${JSON.stringify(targetReplicas(c.after))}`);
          await bumpLeaderEpoch(deps, topic, c.partition, c.after);
        }
      }
      results.push(...topicResults);
      break;
    }
  }
  return results;
}

/** A1 / U3: a new leader epoch (so LeaderAndIsr reaches RS); replicas no longer in RS leave the ISR; a leader that left RS gives way. */
async function bumpLeaderEpoch(deps: ReassignDeps, topic: string, partition: number, a: ReplicaAssignment): Promise<void> {
  const path = TopicPaths.partitionState(topic, partition);
  for (let attempt = 0; attempt < 5; attempt++) {
    const node = await retryUntilConnected(deps.zk, () => deps.zk.getDataOrNull(path));
    if (!node) return; // not created yet: the next pass creates it with the new replicas
    const s = TopicPartitionStateZNode.decode(path, node.data);
    let isr = s.isr.filter((r) => a.replicas.includes(r));
    let leader = s.leader;
    if (!a.replicas.includes(leader)) leader = a.replicas.find((r) => deps.live.has(r) && isr.includes(r)) ?? -1;
    if (isr.length === 0) isr = s.isr.slice(0, 1); // the last ISR member stays (as doRemoveReplicasFromIsr)
    const w = await writeLeaderAndIsr(deps.zk, deps.ctl, topic, partition, { leader, leaderEpoch: s.leaderEpoch + 1, isr, leaderRecoveryState: s.leaderRecoveryState }, node.stat.version);
    if (w !== 'badVersion') return;
  }
}

export interface OngoingReassignment { topic: string; partition: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }

/** processListPartitionReassignments: the requested partitions (null = all) being reassigned, from the topic znodes. */
export async function listReassignments(zk: ZkSession, topics: string[], wanted: ReadonlySet<string> | null): Promise<OngoingReassignment[]> {
  const out: OngoingReassignment[] = [];
  for (const topic of topics) {
    const node = await retryUntilConnected(zk, () => zk.getDataOrNull(TopicPaths.topic(topic)));
    if (!node) continue;
    let t: TopicAssignment;
    try { t = TopicZNode.decode(topic, node.data); } catch { continue; }
    for (const [partition, replicas] of [...t.partitions].sort((a, b) => a[0] - b[0])) {
      if (wanted && !wanted.has(`${topic}-${partition}`)) continue;
      const a = assignmentOf(t, partition)!;
      if (isBeingReassigned(a)) out.push({ topic, partition, replicas, addingReplicas: a.addingReplicas, removingReplicas: a.removingReplicas });
    }
  }
  return out;
}

/**
 * The legacy /admin/reassign_partitions (what `kafka-reassign-partitions.sh --zookeeper` writes), level-triggered:
 * entries whose partition is not yet reassigned to the listed replicas start (failed ones are dropped from the znode,
 * as Kafka), entries already done (RS = the listed replicas, nothing adding/removing) leave it (B7), and the znode is
 * deleted once empty. `skip`: partitions an AlterPartitionReassignments took over (Kafka's maybeRemoveFromZkReassignment).
 */
export async function processLegacyReassignZNode(deps: ReassignDeps, watch: () => void, skip?: ReadonlySet<string>): Promise<{ started: number }> {
  const { zk } = deps;
  const stat = await retryUntilConnected(zk, () => zk.exists(ReassignPartitionsZNode.path, watch as never));
  if (!stat) return { started: 0 };
  const node = await zk.getDataOrNull(ReassignPartitionsZNode.path);
  if (!node) return { started: 0 };
  let entries: Array<{ topic: string; partition: number; replicas: number[] }>;
  try { entries = ReassignPartitionsZNode.decode(node.data); } catch (e) {
    deps.log?.warn({ err: (e as Error).message }, `Deleting undecodable ${ReassignPartitionsZNode.path}`);
    await zk.remove(ReassignPartitionsZNode.path).catch(() => undefined);
    return { started: 0 };
  }
  const keep: typeof entries = [];
  const toStart: ReassignmentRequest[] = [];
  const cache = new Map<string, TopicAssignment | null>();
  for (const e of entries) {
    if (skip?.has(`${e.topic}-${e.partition}`)) continue;
    if (!cache.has(e.topic)) {
      const n = await zk.getDataOrNull(TopicPaths.topic(e.topic));
      let t: TopicAssignment | null = null;
      try { t = n ? TopicZNode.decode(e.topic, n.data) : null; } catch { t = null; }
      cache.set(e.topic, t);
    }
    const t = cache.get(e.topic);
    const a = t ? assignmentOf(t, e.partition) : null;
    if (!a) continue; // unknown partition: dropped
    const same = (x: number[], y: number[]) => x.length === y.length && x.every((v, i) => v === y[i]);
    if (!isBeingReassigned(a) && same(a.replicas, e.replicas)) continue; // done (B7)
    keep.push(e);
    if (!same(targetReplicas(a), e.replicas)) toStart.push({ topic: e.topic, partition: e.partition, replicas: e.replicas });
  }
  let failed = new Set<string>();
  if (toStart.length > 0) {
    const results = await startReassignments(deps, toStart);
    failed = new Set(results.filter((r) => r.errorCode !== ErrorCode.NONE).map((r) => `${r.topic}-${r.partition}`));
    if (failed.size > 0) deps.log?.warn({ partitions: [...failed] }, 'Failed reassignment through zk');
  }
  const remaining = keep.filter((e) => !failed.has(`${e.topic}-${e.partition}`));
  if (remaining.length === 0) {
    await zk.remove(ReassignPartitionsZNode.path, node.stat.version).catch((err) => { if (!isZkError(err, ZkCode.NO_NODE) && !isZkError(err, ZkCode.BAD_VERSION)) throw err; });
  } else if (remaining.length !== entries.length) {
    await zk.setData(ReassignPartitionsZNode.path, ReassignPartitionsZNode.encode(remaining), node.stat.version).catch((err) => { if (!isZkError(err, ZkCode.BAD_VERSION)) throw err; });
  }
  return { started: toStart.length - failed.size };
}

/** What a pass knows of one partition after deciding its state (reconcile's PartitionMetadata subset). */
export interface PassPartition { partition: number; leader: number; leaderEpoch: number; isr: number[]; partitionEpoch: number; leaderRecoveryState?: number; replicas: number[]; controllerEpoch: number }

/**
 * maybeCompleteReassignment for every reassigning partition of one topic in a controller pass: the B3/B4 state write
 * for each complete one, then B6 (RS = TRS, AR = RR = []) in one topic znode write. Returns the partitions as they
 * now are (replicas = TRS and the new state for the completed ones).
 */
export async function completeReassignments(deps: { zk: ZkSession; ctl: ControllerEpochInfo; online: ReadonlySet<number>; log?: Logger },
  topic: string, t: TopicAssignment, topicVersion: number, partitions: PassPartition[]): Promise<PassPartition[]> {
  if (t.addingReplicas.size === 0 && t.removingReplicas.size === 0) return partitions;
  const next: TopicAssignment = { ...t, partitions: new Map(t.partitions), addingReplicas: new Map(t.addingReplicas), removingReplicas: new Map(t.removingReplicas) };
  const out = [...partitions];
  let completed = 0;
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    const a = assignmentOf(t, p.partition);
    if (!a || !isBeingReassigned(a)) continue;
    const s: LeaderAndIsr = { leader: p.leader, leaderEpoch: p.leaderEpoch, isr: p.isr, leaderRecoveryState: p.leaderRecoveryState ?? 0 };
    const done = completionState(s, a, deps.online);
    if (!done) continue;
    const w = await writeLeaderAndIsr(deps.zk, deps.ctl, topic, p.partition, done, p.partitionEpoch);
    if (w === 'badVersion' || w === 'noNode') continue; // changed meanwhile: the next pass decides again
    const target = targetReplicas(a);
    out[i] = { ...p, leader: done.leader, leaderEpoch: done.leaderEpoch, isr: done.isr, partitionEpoch: w, replicas: target, controllerEpoch: deps.ctl.epoch };
    next.partitions.set(p.partition, target);
    next.addingReplicas.delete(p.partition);
    next.removingReplicas.delete(p.partition);
    completed++;
    deps.log?.info({ topic, partition: p.partition, replicas: target, removed: a.removingReplicas, leader: done.leader, leaderEpoch: done.leaderEpoch },
      `Partition reassignment of ${topic}-${p.partition} complete: replicas ${JSON.stringify(target)}, leader ${done.leader}`);
  }
  if (completed === 0) return partitions;
  const w = await writeTopicAssignment(deps.zk, deps.ctl, topic, next, topicVersion);
  if (w !== 'ok') {
    // the assignment changed meanwhile (a new reassignment): RS stays as written; the next pass completes again
    deps.log?.info({ topic }, `The assignment of ${topic} changed while completing its reassignment; retrying on the next pass`);
    return out.map((p, i) => ({ ...p, replicas: partitions[i]!.replicas }));
  }
  return out;
}

/** maybeRemoveFromZkReassignment: an API reassignment takes these partitions over from /admin/reassign_partitions. */
export async function removeFromLegacyZNode(zk: ZkSession, keys: ReadonlySet<string>): Promise<void> {
  const node = await retryUntilConnected(zk, () => zk.getDataOrNull(ReassignPartitionsZNode.path));
  if (!node) return;
  let entries: Array<{ topic: string; partition: number; replicas: number[] }>;
  try { entries = ReassignPartitionsZNode.decode(node.data); } catch { return; }
  const remaining = entries.filter((e) => !keys.has(`${e.topic}-${e.partition}`));
  if (remaining.length === entries.length) return;
  const ignore = (err: unknown) => { if (!isZkError(err, ZkCode.NO_NODE) && !isZkError(err, ZkCode.BAD_VERSION)) throw err; };
  if (remaining.length === 0) await zk.remove(ReassignPartitionsZNode.path, node.stat.version).catch(ignore);
  else await zk.setData(ReassignPartitionsZNode.path, ReassignPartitionsZNode.encode(remaining), node.stat.version).catch(ignore);
}
