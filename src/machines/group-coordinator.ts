/**
 * The classic consumer-group protocol: one actor per group (spawned by the GroupCoordinator service,
 * src/services/group/group-coordinator.ts), whose states are Kafka's GroupState and whose transitions are exactly the
 * ones GroupMetadata allows:
 *
 *   Empty ──join──► PreparingRebalance ──all joined / rebalance timeout──► CompletingRebalance ──leader's sync──► Stable
 *     ▲                │  ▲  (initialDelay: group.initial.rebalance.delay.ms,           │                          │
 *     └──no member left┘  │   extended while members keep arriving)                   │                          │
 *                         └────────── member joins / leaves / expires / changes ──────┴──────────────────────────┘
 *   Empty ──DeleteGroups / offsets expired──► Dead        (any) ──unload──► Dead
 *
 * The decisions (who is accepted, protocol votes, leader, errors) are Kafka's, in src/services/group/classic-group.ts,
 * over a mutable GroupData in the context (callbacks of waiting JoinGroup / SyncGroup requests live in it); they
 * ask this chart for transitions (`go.*` events, rejected when Kafka would reject them) and for timers (XState
 * delayed events with ids: `hb:<member>` session timers, `join` rebalance/initial delay, `sync` pending-sync expiry).
 *
 * One actor per group (not one coordinator actor with plain per-group state): measured with --expose-gc, an idle
 * group actor costs ~5 KB of heap and ~0.2 ms to create (10,000 groups ≈ 50 MB), which is affordable, and per-group
 * timers, legal transitions and inspection come with the actor (test/machines/group-coordinator.test.ts bounds it).
 */
import { setup, enqueueActions, assign, fromPromise, stopChild, createActor, type ActorRefFrom, type AnyActorRef } from 'xstate';
import type { GroupCoordinator } from '../services/group/group-coordinator.js';
import type { Logger } from '../logger.js';
import { ErrorCode } from '../protocol/errors.js';
import {
  checkCommit, completeJoin, onSyncStored, onStaticMemberStored, extendInitialDelay, handleHeartbeat, handleJoin, handleLeaveMember, handleSync, hasAllMembersJoined,
  joinError, joinTimeoutMs, newGroupData, onMemberExpire, onSyncExpire, scheduleRestoredHeartbeats, startInitialDelay,
  DEFAULT_GROUP_CONFIG, type CompleteJoinOutcome, type GroupConfig, type GroupData, type GroupEffects, type GroupStoredEvent, type StaticMemberStoredEvent, type GroupTimerEvent, type JoinRequest,
  type JoinResult, type MemberRef, type SyncRequest, type SyncResult,
} from '../services/group/classic-group.js';
import type { GroupValue } from '../services/group/offsets-records.js';
import type { GroupActorFactory, GroupMachineInput, GroupRequestEvent } from '../services/group/group-actor.js';

export type { GroupMachineInput, GroupRequestEvent };

export interface GroupMachineContext {
  g: GroupData;
  cfg: GroupConfig;
  store: (groupId: string, value: GroupValue) => number | Promise<number>;
  now: () => number;
  log: Logger | null;
  /** The rebalance being prepared started from Empty: wait group.initial.rebalance.delay.ms first. */
  initialDelay: boolean;
  joinOutcome: CompleteJoinOutcome | null;
}

type GoEvent =
  | { type: 'go.Empty' } | { type: 'go.CompletingRebalance' } | { type: 'go.Stable' } | { type: 'go.Dead' }
  | { type: 'go.PreparingRebalance'; fromEmpty: boolean };

export type GroupMachineEvent = GroupRequestEvent | GroupTimerEvent | GoEvent | GroupStoredEvent | StaticMemberStoredEvent;

type Enqueue = {
  raise: (e: GroupMachineEvent, opts?: { id?: string; delay?: number }) => void;
  cancel: (id: string) => void;
};

function effects(ctx: GroupMachineContext, enqueue: Enqueue, self?: AnyActorRef): GroupEffects {
  return {
    goto: (state) => enqueue.raise({ type: `go.${state}` } as GoEvent),
    prepareRebalance: (fromEmpty) => enqueue.raise({ type: 'go.PreparingRebalance', fromEmpty }),
    schedule: (id, delayMs, event) => { enqueue.cancel(id); enqueue.raise(event, { id, delay: Math.max(0, delayMs) }); },
    cancel: (id) => enqueue.cancel(id),
    storeGroup: (value) => {
      const r = ctx.store(ctx.g.groupId, value);
      return typeof r === 'number' ? r : ErrorCode.NONE; // appended; the replication wait is not awaited here
    },
    storeGroupThen: (value, then) => {
      const r = ctx.store(ctx.g.groupId, value);
      if (typeof r === 'number' || !self) { enqueue.raise({ ...then, errorCode: typeof r === 'number' ? r : ErrorCode.NONE } as GroupMachineEvent); return; }
      r.then((errorCode) => self.send({ ...then, errorCode } as GroupMachineEvent), () => self.send({ ...then, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR } as GroupMachineEvent));
    },
    now: ctx.now,
    log: (msg, fields) => ctx.log?.info({ group: ctx.g.groupId, ...fields }, `[GroupCoordinator] ${msg}`),
  };
}

const fxOf = (context: GroupMachineContext, enqueue: unknown, self?: AnyActorRef) => effects(context, enqueue as Enqueue, self);

export const classicGroupMachine = setup({
  types: {} as { context: GroupMachineContext; events: GroupMachineEvent; input: GroupMachineInput },
  guards: {
    restoredStable: ({ context }) => context.g.state === 'Stable',
    initialDelay: ({ context }) => context.initialDelay,
    canExtendInitialDelay: ({ context }) => context.g.newMemberAdded && context.g.initialDelayRemainingMs > 0,
    allJoined: ({ context }) => hasAllMembersJoined(context.g),
    outcomeEmpty: ({ context }) => context.joinOutcome === 'Empty',
    outcomeRetry: ({ context }) => context.joinOutcome === 'retry',
    isEmpty: ({ context }) => context.g.state === 'Empty',
    isDead: ({ context }) => context.g.state === 'Dead',
  },
  actions: {
    join: enqueueActions(({ context, event, enqueue, self }) => {
      if (event.type === 'group.join') handleJoin(context.g, event.req, event.reply, fxOf(context, enqueue, self), context.cfg);
    }),
    staticMemberStored: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'group.staticMemberStored') onStaticMemberStored(context.g, event, fxOf(context, enqueue));
    }),
    sync: enqueueActions(({ context, event, enqueue, self }) => {
      if (event.type === 'group.sync') handleSync(context.g, event.req, event.reply, fxOf(context, enqueue, self));
    }),
    syncStored: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'group.syncStored') onSyncStored(context.g, event, fxOf(context, enqueue));
    }),
    heartbeat: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'group.heartbeat') event.reply(handleHeartbeat(context.g, event.req, fxOf(context, enqueue)));
    }),
    leave: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'group.leave') return;
      if (context.g.state === 'Dead') return event.reply(event.members.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE));
      const fx = fxOf(context, enqueue);
      event.reply(event.members.map((m) => handleLeaveMember(context.g, m, fx)));
    }),
    commitCheck: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'group.commitCheck') event.reply(checkCommit(context.g, event.req, fxOf(context, enqueue)));
    }),
    memberExpire: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'member.expire') onMemberExpire(context.g, event.memberId, event.pending, fxOf(context, enqueue));
    }),
    syncExpire: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'sync.expire') onSyncExpire(context.g, event.generationId, fxOf(context, enqueue));
    }),
    scheduleRestored: enqueueActions(({ context, enqueue }) => scheduleRestoredHeartbeats(context.g, fxOf(context, enqueue))),
    enter: ({ context }, params: { state: GroupData['state'] }) => {
      context.g.state = params.state;
      context.g.currentStateTimestamp = context.now();
    },
    notePrepare: assign(({ context, event }) => {
      const fromEmpty = event.type === 'go.PreparingRebalance' && event.fromEmpty;
      if (fromEmpty) startInitialDelay(context.g, context.cfg);
      return { initialDelay: fromEmpty };
    }),
    scheduleInitialDelay: enqueueActions(({ context, enqueue }) => {
      fxOf(context, enqueue).schedule('join', context.cfg.initialRebalanceDelayMs, { type: 'join.expire' });
    }),
    extendInitialDelay: enqueueActions(({ context, enqueue }) => {
      const delay = extendInitialDelay(context.g, context.cfg);
      if (delay !== null) fxOf(context, enqueue).schedule('join', delay, { type: 'join.expire' });
    }),
    scheduleJoinTimeout: enqueueActions(({ context, enqueue }) => {
      fxOf(context, enqueue).schedule('join', joinTimeoutMs(context.g), { type: 'join.expire' });
    }),
    completeJoin: enqueueActions(({ context, enqueue }) => {
      const outcome = completeJoin(context.g, fxOf(context, enqueue));
      enqueue.assign({ joinOutcome: outcome });
    }),
    unload: enqueueActions(({ context, enqueue }) => {
      const g = context.g;
      for (const m of g.members.values()) {
        enqueue.cancel(`hb:${m.memberId}`);
        if (m.awaitingJoin) { const cb = m.awaitingJoin; m.awaitingJoin = null; cb(joinError(m.memberId, ErrorCode.NOT_COORDINATOR)); }
        if (m.awaitingSync) { const cb = m.awaitingSync; m.awaitingSync = null; cb({ errorCode: ErrorCode.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) }); }
      }
      for (const id of g.pendingMembers) enqueue.cancel(`hb:${id}`);
      enqueue.cancel('join');
      enqueue.cancel('sync');
    }),
  },
}).createMachine({
  id: 'group',
  context: ({ input }) => ({
    g: input.restored ?? newGroupData(input.groupId, (input.now ?? Date.now)()),
    cfg: input.cfg ?? DEFAULT_GROUP_CONFIG,
    store: input.store ?? (() => ErrorCode.NONE),
    now: input.now ?? Date.now,
    log: input.log ?? null,
    initialDelay: false,
    joinOutcome: null,
  }),
  initial: 'booting',
  on: {
    'group.join': { actions: 'join' },
    'group.sync': { actions: 'sync' },
    'group.syncStored': { actions: 'syncStored' },
    'group.staticMemberStored': { actions: 'staticMemberStored' },
    'group.heartbeat': { actions: 'heartbeat' },
    'group.leave': { actions: 'leave' },
    'group.commitCheck': { actions: 'commitCheck' },
    'member.expire': { actions: 'memberExpire' },
    'sync.expire': { actions: 'syncExpire' },
    'group.delete': [
      { guard: 'isEmpty', target: '.Dead', actions: ({ event }) => event.reply(ErrorCode.NONE) },
      { guard: 'isDead', actions: ({ event }) => event.reply(ErrorCode.GROUP_ID_NOT_FOUND) },
      { actions: ({ event }) => event.reply(ErrorCode.NON_EMPTY_GROUP) },
    ],
    'group.unload': { target: '.Dead', actions: 'unload' },
  },
  states: {
    booting: {
      always: [
        { guard: 'restoredStable', target: 'Stable', actions: 'scheduleRestored' },
        { target: 'Empty' },
      ],
    },
    Empty: {
      entry: { type: 'enter', params: { state: 'Empty' } },
      on: {
        'go.PreparingRebalance': { target: 'PreparingRebalance', actions: 'notePrepare' },
        'go.Dead': 'Dead',
      },
    },
    PreparingRebalance: {
      entry: { type: 'enter', params: { state: 'PreparingRebalance' } },
      exit: enqueueActions(({ enqueue }) => enqueue.cancel('join')),
      initial: 'route',
      on: { 'go.Dead': 'Dead' },
      states: {
        route: {
          always: [{ guard: 'initialDelay', target: 'initialDelay' }, { target: 'awaitingJoins' }],
        },
        /** InitialDelayedJoin: completes only when the delay ends (extended while new members keep arriving). */
        initialDelay: {
          entry: 'scheduleInitialDelay',
          on: {
            'join.expire': [
              { guard: 'canExtendInitialDelay', actions: 'extendInitialDelay' },
              { target: '#group.completingJoin' },
            ],
          },
        },
        /** DelayedJoin: completes when every member rejoined, or at the rebalance timeout. */
        awaitingJoins: {
          entry: 'scheduleJoinTimeout',
          always: { guard: 'allJoined', target: '#group.completingJoin' },
          on: { 'join.expire': '#group.completingJoin' },
        },
      },
    },
    /** Transient: Kafka's onCompleteJoin, then where the group goes. */
    completingJoin: {
      entry: 'completeJoin',
      always: [
        { guard: 'outcomeEmpty', target: 'Empty' },
        { guard: 'outcomeRetry', target: 'PreparingRebalance.awaitingJoins' },
        { target: 'CompletingRebalance' },
      ],
    },
    CompletingRebalance: {
      entry: { type: 'enter', params: { state: 'CompletingRebalance' } },
      on: {
        'go.Stable': 'Stable',
        'go.PreparingRebalance': { target: 'PreparingRebalance', actions: 'notePrepare' },
        'go.Dead': 'Dead',
      },
    },
    Stable: {
      entry: { type: 'enter', params: { state: 'Stable' } },
      on: {
        'go.PreparingRebalance': { target: 'PreparingRebalance', actions: 'notePrepare' },
        'go.Dead': 'Dead',
      },
    },
    Dead: {
      entry: [{ type: 'enter', params: { state: 'Dead' } }, 'unload'],
      on: {
        'group.delete': { actions: ({ event }) => event.reply(ErrorCode.GROUP_ID_NOT_FOUND) },
        'group.unload': {},
      },
    },
  },
});
/** A group actor outside the coordinator actor's children (tests, tools, and when the host is busy). */
export const standaloneGroupActor: GroupActorFactory = (id, input) => createActor(classicGroupMachine, { id, input }).start();

// ------------------------------------------------------------------------------------------------------------------
// The coordinator actor (one per broker): loads __consumer_offsets, runs the offset retention check, shuts down.


export interface GroupCoordinatorInput {
  coordinator: GroupCoordinator;
  /** offsets.retention.check.interval.ms */
  retentionCheckIntervalMs: number;
  log: Logger;
}

export type GroupCoordinatorEvent =
  | { type: 'groupCoordinator.shutdown' }
  /** From the GroupCoordinator service (synchronously, through its host): spawn / stop a group actor as a child. */
  | { type: 'group.spawn'; id: string; input: GroupMachineInput; respond: (ref: ActorRefFrom<typeof classicGroupMachine>) => void }
  | { type: 'group.stop'; id: string };

/**
 *   loading ──loaded (or failed: served lazily)──► running ⟲ every offsets.retention.check.interval.ms: expire offsets
 *   (any) ──groupCoordinator.shutdown──► stopped (final; group actors stopped, pending requests NOT_COORDINATOR)
 */
export const groupCoordinatorMachine = setup({
  types: {} as { context: GroupCoordinatorInput; events: GroupCoordinatorEvent; input: GroupCoordinatorInput },
  actors: {
    load: fromPromise<void, { coordinator: GroupCoordinator }>(({ input }) => input.coordinator.start()),
    group: classicGroupMachine,
  },
  delays: {
    retentionCheck: ({ context }) => context.retentionCheckIntervalMs,
  },
}).createMachine({
  id: 'groupCoordinator',
  context: ({ input }) => input,
  initial: 'loading',
  // Group actors are this actor's children: the service spawns them through this host (a send is processed
  // synchronously when the actor is idle; otherwise the service falls back to a standalone actor).
  entry: ({ context, self }) => context.coordinator.attachHost({
    spawn: (id, input) => {
      let ref: ActorRefFrom<typeof classicGroupMachine> | undefined;
      self.send({ type: 'group.spawn', id, input, respond: (r) => { ref = r; } });
      return ref;
    },
    stop: (id) => self.send({ type: 'group.stop', id }),
  }),
  on: {
    'groupCoordinator.shutdown': '.stopped',
    'group.spawn': { actions: assign(({ spawn, event }) => { event.respond(spawn('group', { id: event.id, input: event.input })); return {}; }) },
    'group.stop': { actions: stopChild(({ event }) => event.id) },
  },
  states: {
    loading: {
      invoke: {
        src: 'load',
        input: ({ context }) => ({ coordinator: context.coordinator }),
        onDone: 'running',
        onError: {
          target: 'running',
          actions: ({ context, event }) => context.log.error({ err: event.error }, '[GroupCoordinator] Loading __consumer_offsets failed; partitions load on first use'),
        },
      },
    },
    running: {
      after: {
        retentionCheck: {
          target: 'running',
          reenter: true,
          actions: ({ context }) => {
            const n = context.coordinator.expireOffsets();
            if (n > 0) context.log.info({ expired: n }, `[GroupCoordinator] Removed ${n} expired offsets`);
          },
        },
      },
    },
    stopped: {
      type: 'final',
      entry: ({ context }) => { context.coordinator.shutdown(); context.coordinator.attachHost(null); },
    },
  },
});
