/**
 * Replica leader elections asked of the controller — Kafka's KafkaController.processReplicaLeaderElection /
 * onReplicaElection (ElectLeaders from an admin client, the legacy /admin/preferred_replica_election znode, and the
 * auto leader rebalance's checkAndTriggerAutoLeaderRebalance), with Election.leaderForPreferredReplica and
 * leaderForOffline:
 * - PREFERRED: a partition already led by its first assigned replica → ELECTION_NOT_NEEDED; else that replica leads if
 *   it is online and in the ISR (the ISR is kept, the leader epoch bumps), otherwise PREFERRED_LEADER_NOT_AVAILABLE;
 * - UNCLEAN: only a partition without a live leader is elected (else ELECTION_NOT_NEEDED), by the offline strategy with
 *   unclean election allowed when an admin asked (Kafka: allowUnclean = AdminClientTriggered); none → ELIGIBLE_LEADERS_NOT_AVAILABLE;
 * - unknown partitions → UNKNOWN_TOPIC_OR_PARTITION "The partition does not exist.".
 * Each state is read fresh from ZooKeeper and written fenced by the controller epoch (partition-state-writes.ts), so an
 * election never races an ISR change; a changed znode is read again (a few times).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { TopicPaths, TopicPartitionStateZNode } from '../zookeeper/zk-data-topics.js';
import type { ZkSession } from '../zookeeper/zk-session.js';
import { retryUntilConnected } from '../zookeeper/kafka-zk-client.js';
import type { ClusterMetadata } from './cluster-metadata.js';
import { leaderForOffline, preferredReplicaPartitionLeaderElection, NO_LEADER, type LeaderAndIsr } from './partition-leader-election.js';
import { writeLeaderAndIsr, type ControllerEpochInfo } from './partition-state-writes.js';
import type { Logger } from '../../logger.js';

export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;
export type ElectionTypeValue = (typeof ElectionType)[keyof typeof ElectionType];
export type ElectionTrigger = 'admin' | 'zk' | 'auto';

export interface TopicPartitionRef { topic: string; partition: number }
export interface ElectionOutcome { topic: string; partition: number; errorCode: number; errorMessage: string | null; leader?: number }

export interface UpdatedState { topic: string; partition: number; state: LeaderAndIsr & { partitionEpoch: number } }

/** Election.leaderForPreferredReplica: the first assigned replica if online and in the ISR; the ISR stays. */
export function leaderForPreferredReplica(s: LeaderAndIsr, assignment: readonly number[], online: ReadonlySet<number>): LeaderAndIsr | null {
  const leader = preferredReplicaPartitionLeaderElection(assignment, s.isr, online);
  if (leader === undefined) return null;
  return { leader, leaderEpoch: s.leaderEpoch + 1, isr: [...s.isr], leaderRecoveryState: s.leaderRecoveryState };
}

/**
 * checkAndTriggerAutoLeaderRebalance's choice: per preferred broker (first assigned replica), the partitions it should
 * but does not lead; when their share exceeds `percentage`%, those whose preferred replica can lead (online, in the ISR).
 */
export function autoRebalanceCandidates(m: ClusterMetadata, online: ReadonlySet<number>, percentage: number): TopicPartitionRef[] {
  const byPreferred = new Map<number, { total: number; off: Array<{ ref: TopicPartitionRef; ok: boolean }> }>();
  for (const t of m.topics) {
    for (const p of t.partitions) {
      const preferred = p.replicas[0];
      if (preferred === undefined) continue;
      let e = byPreferred.get(preferred);
      if (!e) byPreferred.set(preferred, (e = { total: 0, off: [] }));
      e.total++;
      if (p.leader !== preferred) e.off.push({ ref: { topic: t.name, partition: p.partition }, ok: online.has(preferred) && p.isr.includes(preferred) });
    }
  }
  const out: TopicPartitionRef[] = [];
  for (const e of byPreferred.values()) {
    if (e.off.length / e.total > percentage / 100) for (const o of e.off) if (o.ok) out.push(o.ref);
  }
  return out;
}

export interface ElectionDeps {
  zk: ZkSession;
  ctl: ControllerEpochInfo;
  /** The controller's current view (assignments, live brokers). */
  metadata: ClusterMetadata;
  /** Live brokers not in controlled shutdown (Kafka's isReplicaOnline). */
  online: ReadonlySet<number>;
  /** The brokers whose replica of a partition is on a failed log dir (replicasOnOfflineDirs): not online for it. */
  offlineDirReplicas?: (topic: string, partition: number) => ReadonlySet<number> | undefined;
  log?: Logger;
}

/** Runs the elections; returns each partition's outcome and the states written (for LeaderAndIsr / UpdateMetadata). */
export async function electLeaders(deps: ElectionDeps, partitions: readonly TopicPartitionRef[], type: ElectionTypeValue, trigger: ElectionTrigger):
  Promise<{ outcomes: ElectionOutcome[]; updated: UpdatedState[] }> {
  const outcomes: ElectionOutcome[] = [];
  const updated: UpdatedState[] = [];
  const topics = new Map(deps.metadata.topics.map((t) => [t.name, t]));
  const seen = new Set<string>();
  for (const { topic, partition } of partitions) {
    const k = `${topic}-${partition}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const p = topics.get(topic)?.partitions.find((x) => x.partition === partition);
    if (!p) { outcomes.push({ topic, partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' }); continue; }
    outcomes.push(await electOne(deps, topic, partition, p.replicas, type, trigger, updated));
  }
  return { outcomes, updated };
}

async function electOne(deps: ElectionDeps, topic: string, partition: number, assignment: readonly number[], type: ElectionTypeValue, trigger: ElectionTrigger,
  updated: UpdatedState[]): Promise<ElectionOutcome> {
  const { zk, ctl } = deps;
  const offDir = deps.offlineDirReplicas?.(topic, partition);
  const online = offDir && offDir.size > 0 ? new Set([...deps.online].filter((b) => !offDir.has(b))) : deps.online;
  const path = TopicPaths.partitionState(topic, partition);
  for (let attempt = 0; attempt < 5; attempt++) {
    const node = await retryUntilConnected(zk, () => zk.getDataOrNull(path));
    if (!node) return { topic, partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' };
    const s0 = TopicPartitionStateZNode.decode(path, node.data);
    const s: LeaderAndIsr = { leader: s0.leader, leaderEpoch: s0.leaderEpoch, isr: s0.isr, leaderRecoveryState: s0.leaderRecoveryState };
    let next: LeaderAndIsr | null;
    if (type === ElectionType.PREFERRED) {
      if (s.leader === assignment[0]) return { topic, partition, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null };
      next = leaderForPreferredReplica(s, assignment, online);
      if (!next) {
        return { topic, partition, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
          errorMessage: `Failed to elect leader for partition ${topic}-${partition} under strategy PreferredReplicaPartitionLeaderElectionStrategy` };
      }
    } else {
      if (s.leader !== NO_LEADER && online.has(s.leader)) return { topic, partition, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null };
      const r = leaderForOffline(s, assignment, online, trigger === 'admin', true);
      next = r?.state ?? null;
      if (!next) {
        return { topic, partition, errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
          errorMessage: `Failed to elect leader for partition ${topic}-${partition} under strategy OfflinePartitionLeaderElectionStrategy(true)` };
      }
      if (r?.unclean) deps.log?.error({ topic, partition, leader: next.leader, isr: s.isr }, `UNCLEAN LEADER ELECTION (asked by ElectLeaders): broker ${next.leader} leads ${topic}-${partition} from outside the ISR ${JSON.stringify(s.isr)}`);
    }
    const written = await writeLeaderAndIsr(zk, ctl, topic, partition, next, node.stat.version);
    if (written === 'badVersion') continue;
    if (written === 'noNode') return { topic, partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' };
    updated.push({ topic, partition, state: { ...next, partitionEpoch: written } });
    deps.log?.info({ topic, partition, leader: next.leader, leaderEpoch: next.leaderEpoch, previousLeader: s.leader, trigger },
      `Replica leader election (${type === ElectionType.PREFERRED ? 'PREFERRED' : 'UNCLEAN'}) by ${trigger}: ${topic}-${partition} → leader ${next.leader}`);
    return { topic, partition, errorCode: ErrorCode.NONE, errorMessage: null, leader: next.leader };
  }
  return { topic, partition, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: `The state of ${topic}-${partition} kept changing during the election` };
}

/** /admin/preferred_replica_election ({"version":1,"partitions":[{"topic":..,"partition":..}]}), as Kafka's PreferredReplicaElectionZNode. */
export const PREFERRED_REPLICA_ELECTION_PATH = '/admin/preferred_replica_election';

export function decodePreferredReplicaElection(data: Buffer | null | undefined): TopicPartitionRef[] {
  if (!data || data.length === 0) return [];
  const json = JSON.parse(data.toString('utf8')) as { partitions?: Array<{ topic?: unknown; partition?: unknown }> };
  return (json.partitions ?? []).filter((p) => typeof p.topic === 'string' && Number.isInteger(p.partition)).map((p) => ({ topic: p.topic as string, partition: p.partition as number }));
}
