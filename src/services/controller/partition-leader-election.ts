/**
 * Kafka's PartitionLeaderElectionAlgorithms and Election (core/src/main/scala/kafka/controller), plus the ISR removal of
 * ZkReplicaStateMachine.doRemoveReplicasFromIsr and the level-triggered decision the Rafka controller takes for one
 * partition on each reconciliation ({@link decidePartitionState}). Pure functions over plain values: the controller
 * runs them for thousands of partitions per pass.
 *
 * "Online" below is Kafka's isReplicaOnline: registered in /brokers/ids and not shutting down (controlled shutdown).
 */

/** LeaderAndIsr.NoLeader. */
export const NO_LEADER = -1;
/** LeaderRecoveryState. */
export const RECOVERED = 0;
export const RECOVERING = 1;

export interface LeaderAndIsr { leader: number; leaderEpoch: number; isr: number[]; leaderRecoveryState: number }

/** OfflinePartitionLeaderElectionStrategy: the first assigned replica that is online and in the ISR; else, only if allowed, the first online one. */
export function offlinePartitionLeaderElection(assignment: readonly number[], isr: readonly number[], online: ReadonlySet<number>, uncleanEnabled: boolean): number | undefined {
  return assignment.find((id) => online.has(id) && isr.includes(id)) ?? (uncleanEnabled ? assignment.find((id) => online.has(id)) : undefined);
}

/** ControlledShutdownPartitionLeaderElectionStrategy. */
export function controlledShutdownPartitionLeaderElection(assignment: readonly number[], isr: readonly number[], live: ReadonlySet<number>, shuttingDown: ReadonlySet<number>): number | undefined {
  return assignment.find((id) => live.has(id) && isr.includes(id) && !shuttingDown.has(id));
}

/** PreferredReplicaPartitionLeaderElectionStrategy. */
export function preferredReplicaPartitionLeaderElection(assignment: readonly number[], isr: readonly number[], online: ReadonlySet<number>): number | undefined {
  const first = assignment[0];
  return first !== undefined && online.has(first) && isr.includes(first) ? first : undefined;
}

/** LeaderAndIsr.newLeaderAndIsr: a new leader and ISR under the next leader epoch. */
const next = (s: LeaderAndIsr, leader: number, isr: number[], leaderRecoveryState = s.leaderRecoveryState): LeaderAndIsr =>
  ({ leader, leaderEpoch: s.leaderEpoch + 1, isr, leaderRecoveryState });

export interface ElectionResult { state: LeaderAndIsr; unclean: boolean }

/**
 * Election.leaderForOffline: the ISR keeps its online members if the leader came from it; an unclean leader is the
 * whole ISR and (IBP >= 3.2-IV0) the partition is RECOVERING.
 */
export function leaderForOffline(s: LeaderAndIsr, assignment: readonly number[], online: ReadonlySet<number>, uncleanEnabled: boolean, leaderRecoverySupported: boolean): ElectionResult | null {
  const leader = offlinePartitionLeaderElection(assignment, s.isr, online, uncleanEnabled);
  if (leader === undefined) return null;
  if (s.isr.includes(leader)) return { state: next(s, leader, s.isr.filter((r) => online.has(r))), unclean: false };
  return { state: next(s, leader, [leader], leaderRecoverySupported ? RECOVERING : s.leaderRecoveryState), unclean: true };
}

/** Election.leaderForControlledShutdown: a leader that is not shutting down; the shutting-down brokers leave the ISR. */
export function leaderForControlledShutdown(s: LeaderAndIsr, assignment: readonly number[], live: ReadonlySet<number>, shuttingDown: ReadonlySet<number>): LeaderAndIsr | null {
  const leader = controlledShutdownPartitionLeaderElection(assignment, s.isr, live, shuttingDown);
  if (leader === undefined) return null;
  return next(s, leader, s.isr.filter((r) => !shuttingDown.has(r)));
}

/**
 * ZkReplicaStateMachine.doRemoveReplicasFromIsr for each of `replicas` in turn: a removed leader leaves the partition
 * leaderless (-1); the last ISR member is never removed (it holds the data an unclean-free recovery needs).
 * Returns null when nothing changes.
 */
export function removeReplicasFromIsr(s: LeaderAndIsr, replicas: readonly number[]): LeaderAndIsr | null {
  let leader = s.leader;
  let isr = s.isr;
  for (const r of replicas) {
    if (!isr.includes(r)) continue;
    if (r === leader) leader = NO_LEADER;
    if (isr.length > 1) isr = isr.filter((x) => x !== r);
  }
  if (leader === s.leader && isr.length === s.isr.length) return null;
  return next(s, leader, isr);
}

export interface PartitionContext {
  assignment: readonly number[];
  /** Registered brokers (shutting down or not). */
  live: ReadonlySet<number>;
  /** Brokers in controlled shutdown (Kafka's shuttingDownBrokerIds). */
  shuttingDown: ReadonlySet<number>;
  /** unclean.leader.election.enable for this topic (asked only when no ISR member is online). */
  uncleanEnabled: () => boolean;
  leaderRecoverySupported: boolean;
}

export type PartitionDecision =
  | { kind: 'unchanged'; offline: boolean }
  /** `reason`: why the state changes, for the state-change log. */
  | { kind: 'write'; state: LeaderAndIsr; reason: 'offline-election' | 'unclean-election' | 'controlled-shutdown' | 'isr-shrink' | 'leader-lost'; offline: boolean };

/**
 * What the controller does with one existing partition on a pass (the level-triggered sum of Kafka's
 * onReplicasBecomeOffline / doControlledShutdown / replicaStateMachine.startup for it):
 * - leader gone (not registered) or none: OfflinePartition → OnlinePartition by {@link leaderForOffline}; if nobody can
 *   lead, the replicas that are not online leave the ISR as OfflineReplica (leader -1, last member kept);
 * - leader shutting down and another online ISR member: ControlledShutdownPartitionLeaderElectionStrategy;
 * - leader online: followers that are gone or shutting down leave the ISR (OfflineReplica), under a new leader epoch.
 * `offline` says whether the partition is left without a leader (Kafka's OfflinePartitionsCount).
 */
export function decidePartitionState(s: LeaderAndIsr, ctx: PartitionContext): PartitionDecision {
  const online = new Set([...ctx.live].filter((b) => !ctx.shuttingDown.has(b)));
  const notOnline = ctx.assignment.filter((r) => !online.has(r));
  if (s.leader === NO_LEADER || !ctx.live.has(s.leader)) {
    const noCleanCandidate = !ctx.assignment.some((id) => online.has(id) && s.isr.includes(id));
    const elected = leaderForOffline(s, ctx.assignment, online, noCleanCandidate && ctx.uncleanEnabled(), ctx.leaderRecoverySupported);
    if (elected) return { kind: 'write', state: elected.state, reason: elected.unclean ? 'unclean-election' : 'offline-election', offline: false };
    // Nobody can lead: the leader and the other replicas that are not online leave the ISR (the last member stays).
    const removed = removeReplicasFromIsr(s, orderLeaderLast(s, notOnline));
    return removed ? { kind: 'write', state: removed, reason: 'leader-lost', offline: true } : { kind: 'unchanged', offline: true };
  }
  if (ctx.shuttingDown.has(s.leader) && ctx.assignment.length > 1) {
    const moved = leaderForControlledShutdown(s, ctx.assignment, ctx.live, ctx.shuttingDown);
    if (moved) return { kind: 'write', state: moved, reason: 'controlled-shutdown', offline: false };
  }
  // The leader stays: followers that are not online leave the ISR.
  const gone = notOnline.filter((r) => r !== s.leader);
  const removed = removeReplicasFromIsr(s, gone);
  return removed ? { kind: 'write', state: removed, reason: 'isr-shrink', offline: false } : { kind: 'unchanged', offline: false };
}

/**
 * Kafka removes dead replicas one by one; when every ISR member is gone the last one removed stays. Removing the old
 * leader last keeps it: it had every acknowledged record.
 */
function orderLeaderLast(s: LeaderAndIsr, replicas: number[]): number[] {
  return [...replicas.filter((r) => r !== s.leader), ...replicas.filter((r) => r === s.leader)];
}
