/**
 * Consistency checks over a ClusterSnapshot: each Problem names the znode path and what is wrong.
 * Pure: the snapshot and the clock in, problems out.
 */
import { ZkPaths } from '../../services/zookeeper/zk-data.js';
import { NO_LEADER } from '../../services/zookeeper/zk-data-topics.js';
import type { ClusterSnapshot } from './read-cluster.js';

export type ProblemKind =
  | 'missing-path'
  | 'no-brokers'
  | 'undecodable'
  | 'controller-not-registered'
  | 'no-leader'
  | 'leader-not-live'
  | 'isr-not-live'
  | 'unknown-replica'
  | 'stuck-deletion'
  | 'stale-notification';

export interface Problem { path: string; kind: ProblemKind; message: string }

export interface CheckOptions {
  /** Notifications and pending deletions older than this are reported (Kafka purges config changes after 15 min). */
  staleMinutes: number;
  /** Reference time (ms); defaults to the snapshot's readAt. */
  now?: number;
}

export const DEFAULT_STALE_MINUTES = 15;

const list = (ids: Iterable<number>) => [...ids].join(',') || 'none';

export function checkCluster(s: ClusterSnapshot, opts: CheckOptions = { staleMinutes: DEFAULT_STALE_MINUTES }): Problem[] {
  const out: Problem[] = [];
  const add = (path: string, kind: ProblemKind, message: string) => out.push({ path, kind, message });
  const now = opts.now ?? s.readAt;
  const staleMs = opts.staleMinutes * 60_000;
  const age = (ctime: number) => now - ctime;
  const minutes = (ms: number) => `${Math.floor(Math.max(0, ms) / 60_000)} min`;
  const live = new Set(s.brokers.map((b) => b.id));
  const liveText = `live brokers: ${list([...live].sort((a, b) => a - b))}`;

  for (const p of s.missingPaths) add(p, 'missing-path', 'znode is missing: not a Kafka ZooKeeper tree, or no broker has started against it');
  if (s.brokers.length === 0 && !s.missingPaths.includes(ZkPaths.brokerIds)) {
    add(ZkPaths.brokerIds, 'no-brokers', 'no broker is registered: the whole cluster is down');
  }
  for (const u of s.undecodable) add(u.path, 'undecodable', u.error.startsWith('not readable') ? u.error : `cannot decode: ${u.error}`);

  // During a ZK → KRaft migration /controller names a KRaft controller (kraftControllerEpoch > 0), never a registered broker.
  const kraftController = (s.controller?.kraftControllerEpoch ?? -1) > 0;
  if (s.controller && s.controller.brokerId !== null && !kraftController && !live.has(s.controller.brokerId)) {
    add(s.controller.path, 'controller-not-registered', `controller is broker ${s.controller.brokerId}, which is not registered in ${ZkPaths.brokerIds} (${liveText})`);
  }

  for (const t of s.topics) {
    for (const p of t.partitions) {
      const tp = `${t.name}-${p.partition}`;
      const replicas = [...new Set([...(p.replicas ?? []), ...p.addingReplicas, ...p.removingReplicas])];
      const unknown = replicas.filter((r) => !live.has(r));
      if (unknown.length > 0) add(t.path, 'unknown-replica', `partition ${p.partition} is assigned to broker(s) ${list(unknown)}, not registered in ${ZkPaths.brokerIds} (${liveText})`);
      if (!p.state) continue;
      if (p.state.leader === NO_LEADER) add(p.path, 'no-leader', `${tp} has no leader (leader -1): the partition is offline`);
      else if (!live.has(p.state.leader)) add(p.path, 'leader-not-live', `${tp} leader ${p.state.leader} is not a live broker (${liveText})`);
      const deadIsr = p.state.isr.filter((r) => !live.has(r));
      if (deadIsr.length > 0) add(p.path, 'isr-not-live', `${tp} ISR member(s) ${list(deadIsr)} not alive (isr ${list(p.state.isr)}; ${liveText})`);
    }
  }

  const topicsByName = new Map(s.topics.map((t) => [t.name, t]));
  for (const d of s.pendingDeletions) {
    const a = age(d.ctime);
    if (a >= staleMs) add(d.path, 'stuck-deletion', `deletion of topic ${d.topic} pending for ${minutes(a)} (threshold ${opts.staleMinutes} min)${topicsByName.has(d.topic) ? '' : '; the topic no longer exists in /brokers/topics'}`);
    const t = topicsByName.get(d.topic);
    const leaderless = t?.partitions.filter((p) => p.state?.leader === NO_LEADER).map((p) => p.partition) ?? [];
    if (leaderless.length > 0) add(d.path, 'stuck-deletion', `deletion of topic ${d.topic} cannot complete: partition(s) ${list(leaderless)} have no leader (leader -1)`);
  }

  const stale = (kind: string, ns: Array<{ path: string; ctime: number }>) => {
    for (const n of ns) {
      const a = age(n.ctime);
      if (a >= staleMs) add(n.path, 'stale-notification', `${kind} created ${minutes(a)} ago, not processed (threshold ${opts.staleMinutes} min)`);
    }
  };
  stale('config change notification', s.configChanges);
  stale('ISR change notification', s.isrChangeNotifications);
  stale('log dir event notification', s.logDirEventNotifications);
  return out;
}

/** Problems about znodes whose path starts with the filter prefix. */
export function filterProblems(ps: Problem[], filter: string | null): Problem[] {
  return filter === null ? ps : ps.filter((p) => p.path.startsWith(filter));
}

export const formatProblem = (p: Problem) => `${p.path}: ${p.message}`;
