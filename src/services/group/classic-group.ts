/**
 * The classic group protocol of one group, as Kafka's GroupCoordinator / GroupMetadata / MemberMetadata run it
 * (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, the commit checks, session and rebalance expiry). Plain code over
 * a mutable {@link GroupData}: the per-group state machine (src/machines/group-coordinator.ts) owns the state
 * chart (Empty / PreparingRebalance / CompletingRebalance / Stable / Dead, and which transitions are legal) and
 * the timers; this module decides, and asks for transitions and timers through {@link GroupEffects}.
 *
 * Responses are callbacks: a JoinGroup is answered when the rebalance completes, a follower's SyncGroup when the
 * leader's assignment arrives, everything else at once.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.js';
import { consumerSubscriptionTopics, type GroupValue } from './offsets-records.js';

export type GroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface Protocol { name: string; metadata: Buffer }

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult { errorCode: number; protocolType: string | null; protocolName: string | null; assignment: Buffer }

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  assignment: Buffer;
  awaitingJoin: ((r: JoinResult) => void) | null;
  awaitingSync: ((r: SyncResult) => void) | null;
  /** Joined but not yet part of a completed generation (expires after the new-member timeout). */
  isNew: boolean;
}

export interface GroupData {
  groupId: string;
  /** Mirrors the machine state (set by each state's entry action). */
  state: GroupStateName;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  members: Map<string, Member>;
  /** Member ids handed out with MEMBER_ID_REQUIRED, not joined yet. */
  pendingMembers: Set<string>;
  /** group.instance.id → member id. */
  staticMembers: Map<string, string>;
  /** Members that must still SyncGroup in this generation (Kafka's pendingSyncMembers). */
  pendingSync: Set<string>;
  newMemberAdded: boolean;
  /** What is left of the rebalance timeout while the initial rebalance delay keeps being extended. */
  initialDelayRemainingMs: number;
  currentStateTimestamp: number;
  /** Topics the consumer-protocol members subscribe to (null: unknown, treated as every topic). */
  subscribedTopics: Set<string> | null;
}

export interface GroupConfig {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  maxSize: number;
  /** Kafka's GroupCoordinator.NewMemberJoinTimeoutMs (5 minutes). */
  newMemberJoinTimeoutMs: number;
}

export const DEFAULT_GROUP_CONFIG: GroupConfig = {
  minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 1_800_000, initialRebalanceDelayMs: 3000, maxSize: 2147483647, newMemberJoinTimeoutMs: 300_000,
};

/** What the logic asks of its machine. Timer ids are unique per group; scheduling an id replaces its timer. */
export interface GroupEffects {
  goto(state: Exclude<GroupStateName, 'PreparingRebalance'>): void;
  /** prepareRebalance: PreparingRebalance with an initial delay (empty group) or a plain DelayedJoin. */
  prepareRebalance(fromEmpty: boolean): void;
  schedule(id: string, delayMs: number, event: GroupTimerEvent): void;
  cancel(id: string): void;
  /** Persist the group (GroupMetadataValue); returns the append's error code (NONE when appended; no replication wait). */
  storeGroup(value: GroupValue): number;
  /**
   * Kafka's storeGroup with its callback: persist the group and, once stored (appended and, with
   * offsets.commit.required.acks=-1, replicated to the ISR or timed out), deliver `then` with the error code to the
   * group (as a later event unless the store answered at once).
   */
  storeGroupThen(value: GroupValue, then: Omit<GroupStoredEvent, 'errorCode'> | Omit<StaticMemberStoredEvent, 'errorCode'>): void;
  now(): number;
  log(msg: string, fields?: Record<string, unknown>): void;
}

/** The leader's SyncGroup assignment was stored (or failed): Kafka's storeGroup callback in doSyncGroup. */
export interface GroupStoredEvent { type: 'group.syncStored'; generationId: number; memberId: string; assignment: Map<string, Buffer>; errorCode: number }

/** A static member's replacement (Stable, same protocol) was stored (or failed): Kafka's storeGroup callback in updateStaticMemberAndRebalance. */
export interface StaticMemberStoredEvent {
  type: 'group.staticMemberStored';
  instanceId: string; oldMemberId: string; newMemberId: string; oldProtocols: Protocol[]; wasLeader: boolean;
  reply: (r: JoinResult) => void;
  errorCode: number;
}

export type GroupTimerEvent =
  | { type: 'member.expire'; memberId: string; pending: boolean }
  | { type: 'join.expire' }
  | { type: 'sync.expire'; generationId: number };

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  /** JoinGroup v4+: an unknown member first gets MEMBER_ID_REQUIRED and its id. */
  requireKnownMemberId: boolean;
  reason?: string | null;
}

export interface SyncRequest {
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

export interface MemberRef { memberId: string; groupInstanceId: string | null }

const EMPTY = Buffer.alloc(0);
export const UNKNOWN_MEMBER_ID = '';

export function newGroupData(groupId: string, now: number): GroupData {
  return {
    groupId, state: 'Empty', generationId: 0, protocolType: null, protocolName: null, leaderId: null,
    members: new Map(), pendingMembers: new Set(), staticMembers: new Map(), pendingSync: new Set(),
    newMemberAdded: false, initialDelayRemainingMs: 0, currentStateTimestamp: now, subscribedTopics: null,
  };
}

// --------------------------------------------------------------------------------------------- group queries

const hbTimer = (memberId: string) => `hb:${memberId}`;

export function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

export function isStaticMemberFenced(g: GroupData, memberId: string, groupInstanceId: string | null): boolean {
  if (groupInstanceId === null) return false;
  const current = g.staticMembers.get(groupInstanceId);
  return current !== undefined && current !== memberId;
}

function numAwaitingJoin(g: GroupData): number {
  let n = 0;
  for (const m of g.members.values()) if (m.awaitingJoin) n++;
  return n;
}

/** Kafka's hasAllMembersJoined: every member rejoined and no MEMBER_ID_REQUIRED member is still out. */
export function hasAllMembersJoined(g: GroupData): boolean {
  return g.members.size === numAwaitingJoin(g) && g.pendingMembers.size === 0;
}

function rebalanceTimeoutMs(g: GroupData): number {
  let t = 0;
  for (const m of g.members.values()) t = Math.max(t, m.rebalanceTimeoutMs);
  return t;
}

/** The protocols every member supports (in the first member's order). */
function candidateProtocols(g: GroupData): string[] {
  const all = [...g.members.values()];
  if (all.length === 0) return [];
  return all[0]!.protocols.map((p) => p.name).filter((name) => all.every((m) => m.protocols.some((p) => p.name === name)));
}

/** Kafka's supportsProtocols: an empty group takes any non-empty type and list; otherwise same type and one protocol in common with all. */
export function supportsProtocols(g: GroupData, protocolType: string, protocols: Protocol[]): boolean {
  if (g.members.size === 0) return protocolType !== '' && protocols.length > 0;
  if (g.protocolType !== protocolType) return false;
  const names = new Set(protocols.map((p) => p.name));
  return candidateProtocols(g).some((c) => names.has(c));
}

/** Kafka's selectProtocol: each member votes for its most preferred candidate; most votes wins (ties: candidate order). */
export function selectProtocol(g: GroupData): string {
  const candidates = candidateProtocols(g);
  if (candidates.length === 0) throw new Error(`No protocol supported by every member of group ${g.groupId}`);
  const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
  for (const m of g.members.values()) {
    const choice = m.protocols.find((p) => votes.has(p.name))!.name;
    votes.set(choice, votes.get(choice)! + 1);
  }
  let best = candidates[0]!;
  for (const c of candidates) if (votes.get(c)! > votes.get(best)!) best = c;
  return best;
}

function memberMetadata(m: Member, protocol: string): Buffer {
  return m.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY;
}

function matches(m: Member, protocols: Protocol[]): boolean {
  if (m.protocols.length !== protocols.length) return false;
  return m.protocols.every((p, i) => p.name === protocols[i]!.name && p.metadata.equals(protocols[i]!.metadata));
}

export function groupValue(g: GroupData, assignment?: Map<string, Buffer>): GroupValue {
  return {
    protocolType: g.protocolType ?? '',
    generation: g.generationId,
    protocol: g.protocolName,
    leader: g.leaderId,
    currentStateTimestamp: g.currentStateTimestamp,
    members: [...g.members.values()].map((m) => ({
      memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs, sessionTimeoutMs: m.sessionTimeoutMs,
      subscription: g.protocolName === null ? EMPTY : memberMetadata(m, g.protocolName),
      assignment: assignment?.get(m.memberId) ?? m.assignment,
    })),
  };
}

/** Can the coordinator still answer a joiner once the group is at group.max.size (Kafka's acceptJoiningMember)? */
function acceptJoiningMember(g: GroupData, memberId: string, cfg: GroupConfig): boolean {
  switch (g.state) {
    case 'Empty':
    case 'Dead':
      return true;
    case 'PreparingRebalance':
      return (g.members.get(memberId)?.awaitingJoin != null) || numAwaitingJoin(g) < cfg.maxSize;
    default:
      return g.members.has(memberId) || g.members.size < cfg.maxSize;
  }
}

// --------------------------------------------------------------------------------------------- heartbeats

function scheduleHeartbeat(m: Member, fx: GroupEffects, timeoutMs = m.sessionTimeoutMs): void {
  fx.schedule(hbTimer(m.memberId), timeoutMs, { type: 'member.expire', memberId: m.memberId, pending: false });
}

function removeMember(g: GroupData, memberId: string, fx: GroupEffects): void {
  const m = g.members.get(memberId);
  if (!m) return;
  fx.cancel(hbTimer(memberId));
  g.members.delete(memberId);
  g.pendingSync.delete(memberId);
  if (m.groupInstanceId !== null && g.staticMembers.get(m.groupInstanceId) === memberId) g.staticMembers.delete(m.groupInstanceId);
  if (g.leaderId === memberId) g.leaderId = g.members.keys().next().value ?? null;
}

function addMember(g: GroupData, req: JoinRequest, memberId: string, reply: (r: JoinResult) => void, fx: GroupEffects, cfg: GroupConfig): void {
  const m: Member = {
    memberId, groupInstanceId: req.groupInstanceId, clientId: req.clientId, clientHost: req.clientHost,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs, sessionTimeoutMs: req.sessionTimeoutMs, protocolType: req.protocolType,
    protocols: req.protocols, assignment: EMPTY, awaitingJoin: reply, awaitingSync: null, isNew: true,
  };
  if (g.state === 'PreparingRebalance' && g.generationId === 0) g.newMemberAdded = true;
  if (g.members.size === 0) g.protocolType = req.protocolType;
  g.members.set(memberId, m);
  if (g.leaderId === null) g.leaderId = memberId;
  g.pendingMembers.delete(memberId);
  fx.cancel(hbTimer(memberId));
  if (req.groupInstanceId !== null) g.staticMembers.set(req.groupInstanceId, memberId);
  scheduleHeartbeat(m, fx, cfg.newMemberJoinTimeoutMs);
  maybePrepareRebalance(g, fx, `adding new member ${memberId}`);
}

function updateMemberAndRebalance(g: GroupData, m: Member, req: JoinRequest, reply: (r: JoinResult) => void, fx: GroupEffects): void {
  m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
  m.sessionTimeoutMs = req.sessionTimeoutMs;
  m.protocols = req.protocols;
  m.clientId = req.clientId;
  m.clientHost = req.clientHost;
  if (m.awaitingJoin && m.awaitingJoin !== reply) m.awaitingJoin(joinError(m.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
  m.awaitingJoin = reply;
  maybePrepareRebalance(g, fx, `updating metadata of member ${m.memberId}`);
}

/** Kafka's maybePrepareRebalance: only from Stable, CompletingRebalance or Empty. */
export function maybePrepareRebalance(g: GroupData, fx: GroupEffects, reason: string): void {
  if (g.state !== 'Stable' && g.state !== 'CompletingRebalance' && g.state !== 'Empty') return;
  if (g.state === 'CompletingRebalance') resetAndPropagateAssignmentError(g, ErrorCode.REBALANCE_IN_PROGRESS);
  fx.log(`Preparing to rebalance group ${g.groupId} in state PreparingRebalance with old generation ${g.generationId} (reason: ${reason})`);
  fx.prepareRebalance(g.state === 'Empty');
}

function resetAndPropagateAssignmentError(g: GroupData, errorCode: number): void {
  for (const m of g.members.values()) {
    m.assignment = EMPTY;
    if (m.awaitingSync) { const cb = m.awaitingSync; m.awaitingSync = null; cb(syncError(errorCode)); }
  }
}

// --------------------------------------------------------------------------------------------- JoinGroup

export function handleJoin(g: GroupData, req: JoinRequest, reply: (r: JoinResult) => void, fx: GroupEffects, cfg: GroupConfig): void {
  const memberId = req.memberId;
  if (g.state === 'Dead') return reply(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
  if (!acceptJoiningMember(g, memberId, cfg)) {
    const known = g.members.get(memberId);
    if (known) {
      removeMember(g, memberId, fx);
      maybePrepareRebalance(g, fx, `member ${memberId} rejected: group is at max size ${cfg.maxSize}`);
    }
    return reply(joinError(memberId, ErrorCode.GROUP_MAX_SIZE_REACHED));
  }
  if (!supportsProtocols(g, req.protocolType, req.protocols)) return reply(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));

  if (memberId === UNKNOWN_MEMBER_ID) return unknownMemberJoin(g, req, reply, fx, cfg);
  return currentMemberJoin(g, req, reply, fx, cfg);
}

function unknownMemberJoin(g: GroupData, req: JoinRequest, reply: (r: JoinResult) => void, fx: GroupEffects, cfg: GroupConfig): void {
  const newMemberId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
  if (req.groupInstanceId !== null) return staticMemberJoin(g, req, newMemberId, reply, fx, cfg);
  if (req.requireKnownMemberId) {
    g.pendingMembers.add(newMemberId);
    fx.schedule(hbTimer(newMemberId), req.sessionTimeoutMs, { type: 'member.expire', memberId: newMemberId, pending: true });
    return reply({ ...joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED) });
  }
  addMember(g, req, newMemberId, reply, fx, cfg);
}

function staticMemberJoin(g: GroupData, req: JoinRequest, newMemberId: string, reply: (r: JoinResult) => void, fx: GroupEffects, cfg: GroupConfig): void {
  const instanceId = req.groupInstanceId!;
  const oldMemberId = g.staticMembers.get(instanceId);
  const old = oldMemberId === undefined ? undefined : g.members.get(oldMemberId);
  if (!old || oldMemberId === undefined) return addMember(g, req, newMemberId, reply, fx, cfg);

  // Replace the static member: the old id is fenced, the new one takes its place (and its leadership).
  fx.log(`Static member ${instanceId} of group ${g.groupId} with unknown member id rejoins, assigning new member id ${newMemberId}`);
  if (old.awaitingJoin) { const cb = old.awaitingJoin; old.awaitingJoin = null; cb(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID)); }
  if (old.awaitingSync) { const cb = old.awaitingSync; old.awaitingSync = null; cb(syncError(ErrorCode.FENCED_INSTANCE_ID)); }
  fx.cancel(hbTimer(oldMemberId));
  g.members.delete(oldMemberId);
  const oldProtocols = old.protocols;
  const m: Member = { ...old, memberId: newMemberId, clientId: req.clientId, clientHost: req.clientHost, sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs, protocols: req.protocols, awaitingJoin: null, awaitingSync: null };
  g.members.set(newMemberId, m);
  g.staticMembers.set(instanceId, newMemberId);
  if (g.pendingSync.delete(oldMemberId)) g.pendingSync.add(newMemberId);
  const wasLeader = g.leaderId === oldMemberId;
  if (wasLeader) g.leaderId = newMemberId;

  switch (g.state) {
    case 'Stable': {
      // No rebalance when the protocol of the next generation stays the same: persist the new member id and
      // answer with the current generation and the OLD leader id, so the replaced leader does not reassign.
      const next = selectProtocol(g);
      if (next === g.protocolName) {
        // Kafka schedules the new id's heartbeat first, answers once the group is stored (reverting on an error)
        scheduleHeartbeat(m, fx);
        fx.storeGroupThen(groupValue(g), { type: 'group.staticMemberStored', instanceId, oldMemberId, newMemberId, oldProtocols, wasLeader, reply });
        return;
      }
      m.awaitingJoin = reply;
      scheduleHeartbeat(m, fx);
      return maybePrepareRebalance(g, fx, `group's selectedProtocol will change because static member ${newMemberId} with instance id ${instanceId} joined with change of protocol`);
    }
    case 'CompletingRebalance':
      m.awaitingJoin = reply;
      scheduleHeartbeat(m, fx);
      return maybePrepareRebalance(g, fx, `updating metadata for static member ${newMemberId} with instance id ${instanceId}`);
    default: // PreparingRebalance: wait for the rebalance with the others
      m.awaitingJoin = reply;
      scheduleHeartbeat(m, fx);
      return;
  }
}

function currentMemberJoin(g: GroupData, req: JoinRequest, reply: (r: JoinResult) => void, fx: GroupEffects, cfg: GroupConfig): void {
  const memberId = req.memberId;
  if (g.pendingMembers.has(memberId)) {
    if (req.groupInstanceId !== null) return reply(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    return addMember(g, req, memberId, reply, fx, cfg);
  }
  const m = g.members.get(memberId);
  if (isStaticMemberFenced(g, memberId, req.groupInstanceId)) return reply(joinError(memberId, ErrorCode.FENCED_INSTANCE_ID));
  if (!m) return reply(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
  switch (g.state) {
    case 'PreparingRebalance':
      return updateMemberAndRebalance(g, m, req, reply, fx);
    case 'CompletingRebalance':
      if (matches(m, req.protocols)) {
        // The member missed the join response: send it again.
        return reply(currentJoinResult(g, m));
      }
      return updateMemberAndRebalance(g, m, req, reply, fx);
    case 'Stable':
      if (g.leaderId === memberId || !matches(m, req.protocols)) return updateMemberAndRebalance(g, m, req, reply, fx);
      return reply(currentJoinResult(g, m));
    default:
      return reply(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
  }
}

function currentJoinResult(g: GroupData, m: Member): JoinResult {
  const isLeader = g.leaderId === m.memberId;
  return {
    errorCode: ErrorCode.NONE, generationId: g.generationId, protocolType: g.protocolType, protocolName: g.protocolName,
    leader: g.leaderId ?? '', memberId: m.memberId,
    members: isLeader ? [...g.members.values()].map((x) => ({ memberId: x.memberId, groupInstanceId: x.groupInstanceId, metadata: memberMetadata(x, g.protocolName ?? '') })) : [],
  };
}

// --------------------------------------------------------------------------------------------- rebalance completion

/** Kafka's InitialDelayedJoin: new members arrived during the delay → wait again (bounded by the rebalance timeout). */
export function startInitialDelay(g: GroupData, cfg: GroupConfig): void {
  g.initialDelayRemainingMs = Math.max(rebalanceTimeoutMs(g) - cfg.initialRebalanceDelayMs, 0);
}

export function extendInitialDelay(g: GroupData, cfg: GroupConfig): number | null {
  if (g.newMemberAdded && g.initialDelayRemainingMs > 0) {
    g.newMemberAdded = false;
    const delay = Math.min(cfg.initialRebalanceDelayMs, g.initialDelayRemainingMs);
    g.initialDelayRemainingMs = Math.max(g.initialDelayRemainingMs - delay, 0);
    return delay;
  }
  return null;
}

export function joinTimeoutMs(g: GroupData): number {
  return rebalanceTimeoutMs(g);
}

export type CompleteJoinOutcome = 'Empty' | 'CompletingRebalance' | 'retry';

/** Kafka's onCompleteJoin: drop dynamic members that did not rejoin, elect a joined leader, start the next generation. */
export function completeJoin(g: GroupData, fx: GroupEffects): CompleteJoinOutcome {
  for (const m of [...g.members.values()]) {
    if (!m.awaitingJoin && m.groupInstanceId === null) {
      fx.log(`Member ${m.memberId} in group ${g.groupId} has failed to rejoin, removing it`);
      removeMember(g, m.memberId, fx);
    }
  }
  g.pendingMembers.clear();
  if (g.members.size > 0) {
    const leader = g.leaderId === null ? undefined : g.members.get(g.leaderId);
    if (!leader?.awaitingJoin) {
      const joined = [...g.members.values()].find((m) => m.awaitingJoin);
      if (!joined) {
        fx.log(`Group ${g.groupId} could not complete rebalance because no members rejoined`);
        return 'retry';
      }
      g.leaderId = joined.memberId;
    }
  }
  // initNextGeneration
  g.generationId += 1;
  if (g.members.size > 0) {
    g.protocolName = selectProtocol(g);
    g.subscribedTopics = subscribedTopicsOf(g);
    g.pendingSync = new Set(g.members.keys());
  } else {
    g.protocolName = null;
    g.subscribedTopics = null;
    g.pendingSync.clear();
  }
  if (g.members.size === 0) {
    fx.log(`Group ${g.groupId} with generation ${g.generationId} is now empty`);
    fx.storeGroup(groupValue(g));
    return 'Empty';
  }
  fx.log(`Stabilized group ${g.groupId} generation ${g.generationId} with ${g.members.size} members`, { protocol: g.protocolName, leader: g.leaderId });
  for (const m of g.members.values()) {
    // Static members that did not rejoin stay (their session timer or the pending-sync expiry decides).
    if (!m.awaitingJoin) continue;
    const cb = m.awaitingJoin;
    m.awaitingJoin = null;
    cb(currentJoinResult(g, m));
    m.isNew = false;
    scheduleHeartbeat(m, fx);
  }
  fx.schedule('sync', rebalanceTimeoutMs(g), { type: 'sync.expire', generationId: g.generationId });
  return 'CompletingRebalance';
}

function subscribedTopicsOf(g: GroupData): Set<string> | null {
  if (g.protocolType !== 'consumer' || g.protocolName === null) return null;
  const out = new Set<string>();
  for (const m of g.members.values()) {
    const topics = consumerSubscriptionTopics(memberMetadata(m, g.protocolName));
    if (topics === null) return null;
    for (const t of topics) out.add(t);
  }
  return out;
}

// --------------------------------------------------------------------------------------------- SyncGroup

export function handleSync(g: GroupData, req: SyncRequest, reply: (r: SyncResult) => void, fx: GroupEffects): void {
  if (g.state === 'Dead') return reply(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
  const m = g.members.get(req.memberId);
  if (!m) return reply(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  if (isStaticMemberFenced(g, req.memberId, req.groupInstanceId)) return reply(syncError(ErrorCode.FENCED_INSTANCE_ID));
  if (req.generationId !== g.generationId) return reply(syncError(ErrorCode.ILLEGAL_GENERATION));
  if ((req.protocolType !== null && req.protocolType !== g.protocolType) || (req.protocolName !== null && req.protocolName !== g.protocolName)) {
    return reply(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  }
  switch (g.state) {
    case 'Empty':
      return reply(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    case 'PreparingRebalance':
      return reply(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    case 'CompletingRebalance': {
      if (m.awaitingSync && m.awaitingSync !== reply) m.awaitingSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      m.awaitingSync = reply;
      g.pendingSync.delete(m.memberId);
      scheduleHeartbeat(m, fx);
      if (g.leaderId === m.memberId) {
        const assignment = new Map<string, Buffer>();
        for (const a of req.assignments) if (g.members.has(a.memberId)) assignment.set(a.memberId, a.assignment);
        for (const id of g.members.keys()) if (!assignment.has(id)) assignment.set(id, EMPTY);
        // the group stays CompletingRebalance until the assignment is stored (replicated with acks=-1)
        fx.storeGroupThen(groupValue(g, assignment), { type: 'group.syncStored', generationId: g.generationId, memberId: m.memberId, assignment });
      }
      return;
    }
    case 'Stable':
      g.pendingSync.delete(m.memberId);
      scheduleHeartbeat(m, fx);
      return reply({ errorCode: ErrorCode.NONE, protocolType: g.protocolType, protocolName: g.protocolName, assignment: m.assignment });
  }
}

/**
 * Kafka's storeGroup callback in doSyncGroup: only if the group is still CompletingRebalance in the same generation
 * (a member may have joined or left meanwhile); an error resets the assignment, answers the waiting members with it
 * and prepares a rebalance; success sets every member's assignment, answers them and makes the group Stable.
 */
export function onSyncStored(g: GroupData, ev: GroupStoredEvent, fx: GroupEffects): void {
  if (g.state !== 'CompletingRebalance' || ev.generationId !== g.generationId) return;
  if (ev.errorCode !== ErrorCode.NONE) {
    resetAndPropagateAssignmentError(g, ev.errorCode);
    maybePrepareRebalance(g, fx, `error ${ev.errorCode} when storing the group assignment during SyncGroup (member ${ev.memberId})`);
    return;
  }
  for (const x of g.members.values()) x.assignment = ev.assignment.get(x.memberId) ?? EMPTY;
  for (const x of g.members.values()) {
    if (x.awaitingSync) {
      const cb = x.awaitingSync;
      x.awaitingSync = null;
      cb({ errorCode: ErrorCode.NONE, protocolType: g.protocolType, protocolName: g.protocolName, assignment: x.assignment });
      scheduleHeartbeat(x, fx);
    }
  }
  fx.goto('Stable');
}

/**
 * Kafka's storeGroup callback for a static member replaced while Stable: an error puts the old member id back (unless
 * the member changed again meanwhile) and answers the error; success answers the current generation with the OLD
 * leader id, so that a replaced leader does not reassign.
 */
export function onStaticMemberStored(g: GroupData, ev: StaticMemberStoredEvent, fx: GroupEffects): void {
  if (ev.errorCode !== ErrorCode.NONE) {
    fx.log(`Failed to persist metadata for group ${g.groupId}: error ${ev.errorCode}`);
    const m = g.members.get(ev.newMemberId);
    if (m && g.staticMembers.get(ev.instanceId) === ev.newMemberId) {
      fx.cancel(hbTimer(ev.newMemberId));
      g.members.delete(ev.newMemberId);
      const old: Member = { ...m, memberId: ev.oldMemberId, protocols: ev.oldProtocols };
      g.members.set(ev.oldMemberId, old);
      g.staticMembers.set(ev.instanceId, ev.oldMemberId);
      if (g.pendingSync.delete(ev.newMemberId)) g.pendingSync.add(ev.oldMemberId);
      if (g.leaderId === ev.newMemberId) g.leaderId = ev.oldMemberId;
      scheduleHeartbeat(old, fx);
    }
    return ev.reply(joinError(UNKNOWN_MEMBER_ID, ev.errorCode));
  }
  ev.reply({
    errorCode: ErrorCode.NONE, generationId: g.generationId, protocolType: g.protocolType, protocolName: g.protocolName,
    leader: ev.wasLeader ? ev.oldMemberId : (g.leaderId ?? ''), memberId: ev.newMemberId, members: [],
  });
}

/** Kafka's pending-sync expiry: members that did not SyncGroup within the rebalance timeout leave the group. */
export function onSyncExpire(g: GroupData, generationId: number, fx: GroupEffects): void {
  if (generationId !== g.generationId || (g.state !== 'CompletingRebalance' && g.state !== 'Stable')) return;
  if (g.pendingSync.size === 0) return;
  const missing = [...g.pendingSync];
  fx.log(`Group ${g.groupId} removing members ${missing.join(', ')} that did not sync in generation ${generationId}`);
  for (const id of missing) removeMember(g, id, fx);
  g.pendingSync.clear();
  if (g.members.size === 0) { maybeToEmptyAfterRemoval(g, fx); return; }
  maybePrepareRebalance(g, fx, `removing members ${missing.join(', ')} on pending sync request expiration`);
}

function maybeToEmptyAfterRemoval(g: GroupData, fx: GroupEffects): void {
  // A Stable/CompletingRebalance group that lost its last member rebalances (to Empty via the join completion).
  maybePrepareRebalance(g, fx, 'all members left');
}

// --------------------------------------------------------------------------------------------- Heartbeat / Leave / expiry

export function handleHeartbeat(g: GroupData, req: { memberId: string; groupInstanceId: string | null; generationId: number }, fx: GroupEffects): number {
  if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (isStaticMemberFenced(g, req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
  const m = g.members.get(req.memberId);
  if (!m) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (req.generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
  switch (g.state) {
    case 'Empty':
      return ErrorCode.UNKNOWN_MEMBER_ID;
    case 'PreparingRebalance':
      scheduleHeartbeat(m, fx);
      return ErrorCode.REBALANCE_IN_PROGRESS;
    default:
      scheduleHeartbeat(m, fx);
      return ErrorCode.NONE;
  }
}

/** One member of a LeaveGroup (v3+ batches them); the group-level error is returned separately by the caller. */
export function handleLeaveMember(g: GroupData, who: MemberRef, fx: GroupEffects): number {
  let memberId = who.memberId;
  if (memberId === UNKNOWN_MEMBER_ID && who.groupInstanceId !== null) {
    const found = g.staticMembers.get(who.groupInstanceId);
    if (found === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    memberId = found;
  } else if (isStaticMemberFenced(g, memberId, who.groupInstanceId)) {
    return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (g.pendingMembers.has(memberId)) {
    g.pendingMembers.delete(memberId);
    fx.cancel(hbTimer(memberId));
    return ErrorCode.NONE;
  }
  const m = g.members.get(memberId);
  if (!m) return ErrorCode.UNKNOWN_MEMBER_ID;
  fx.log(`Member ${memberId} has left group ${g.groupId} through explicit LeaveGroup`);
  removeMemberAndUpdateGroup(g, m, fx, `removing member ${memberId} on LeaveGroup`);
  return ErrorCode.NONE;
}

function removeMemberAndUpdateGroup(g: GroupData, m: Member, fx: GroupEffects, reason: string): void {
  if (m.awaitingJoin) { const cb = m.awaitingJoin; m.awaitingJoin = null; cb(joinError(m.memberId, ErrorCode.UNKNOWN_MEMBER_ID)); }
  if (m.awaitingSync) { const cb = m.awaitingSync; m.awaitingSync = null; cb(syncError(ErrorCode.UNKNOWN_MEMBER_ID)); }
  removeMember(g, m.memberId, fx);
  if (g.state === 'Stable' || g.state === 'CompletingRebalance') maybePrepareRebalance(g, fx, reason);
  // PreparingRebalance: the machine re-checks whether everyone has joined now.
}

/** A member's session (or a MEMBER_ID_REQUIRED id's) timer fired. */
export function onMemberExpire(g: GroupData, memberId: string, pending: boolean, fx: GroupEffects): void {
  if (g.state === 'Dead') return;
  if (pending) {
    if (g.pendingMembers.delete(memberId)) fx.log(`Pending member ${memberId} in group ${g.groupId} has been removed after session timeout expiration`);
    return;
  }
  const m = g.members.get(memberId);
  if (!m) return;
  if (!m.isNew && (m.awaitingJoin || m.awaitingSync)) {
    // Members waiting on a rebalance satisfy their heartbeats (Kafka's hasSatisfiedHeartbeat).
    scheduleHeartbeat(m, fx);
    return;
  }
  fx.log(`Member ${memberId} in group ${g.groupId} has failed, removing it from the group`);
  removeMemberAndUpdateGroup(g, m, fx, `removing member ${memberId} on heartbeat expiration`);
}

/** OffsetCommit by a group member or a standalone consumer (Kafka's validateOffsetCommit + state checks). */
export function checkCommit(g: GroupData, req: { memberId: string; groupInstanceId: string | null; generationId: number }, fx: GroupEffects): number {
  if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (req.generationId >= 0 || req.memberId !== UNKNOWN_MEMBER_ID || req.groupInstanceId !== null) {
    if (isStaticMemberFenced(g, req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const m = g.members.get(req.memberId);
    if (!m) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (g.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    scheduleHeartbeat(m, fx);
    return ErrorCode.NONE;
  }
  // Only members may commit to a group with members.
  if (g.state !== 'Empty') return ErrorCode.UNKNOWN_MEMBER_ID;
  return ErrorCode.NONE;
}

/** Restore a persisted group (GroupMetadataValue) as Kafka's loadGroup: members → Stable, none → Empty. */
export function restoreGroup(groupId: string, v: GroupValue, now: number): GroupData {
  const g = newGroupData(groupId, v.currentStateTimestamp >= 0 ? v.currentStateTimestamp : now);
  g.generationId = v.generation;
  g.protocolType = v.protocolType === '' ? null : v.protocolType;
  g.protocolName = v.protocol;
  g.leaderId = v.leader;
  for (const sm of v.members) {
    g.members.set(sm.memberId, {
      memberId: sm.memberId, groupInstanceId: sm.groupInstanceId, clientId: sm.clientId, clientHost: sm.clientHost,
      rebalanceTimeoutMs: sm.rebalanceTimeoutMs, sessionTimeoutMs: sm.sessionTimeoutMs, protocolType: v.protocolType,
      protocols: [{ name: v.protocol ?? '', metadata: sm.subscription }], assignment: sm.assignment,
      awaitingJoin: null, awaitingSync: null, isNew: false,
    });
    if (sm.groupInstanceId !== null) g.staticMembers.set(sm.groupInstanceId, sm.memberId);
  }
  g.subscribedTopics = subscribedTopicsOf(g);
  g.state = g.members.size > 0 ? 'Stable' : 'Empty';
  return g;
}

/** Schedules the session timers of restored members. */
export function scheduleRestoredHeartbeats(g: GroupData, fx: GroupEffects): void {
  for (const m of g.members.values()) scheduleHeartbeat(m, fx);
}

export function isSubscribedToTopic(g: GroupData, topic: string): boolean {
  return g.subscribedTopics === null ? true : g.subscribedTopics.has(topic);
}
