/**
 * What the GroupCoordinator service knows of a group actor (the classic-group machine in
 * src/machines/group-coordinator.ts): its input, the requests it takes, and how actors are made. The service
 * never imports the machine; whoever builds the coordinator (the Majordomo, tests, tools) passes the factory.
 */
import type { Logger } from '../../logger.js';
import type { GroupConfig, GroupData, JoinRequest, JoinResult, MemberRef, SyncRequest, SyncResult } from './classic-group.js';
import type { GroupValue } from './offsets-records.js';

export interface GroupMachineInput {
  groupId: string;
  cfg?: GroupConfig;
  /**
   * Persists the group metadata (GroupMetadataValue): an error code, or — appended and waiting for the ISR
   * (offsets.commit.required.acks=-1) — a promise of it. Default: keep in memory only.
   */
  store?: (groupId: string, value: GroupValue) => number | Promise<number>;
  now?: () => number;
  log?: Logger;
  /** A group loaded from __consumer_offsets. */
  restored?: GroupData;
}

export type GroupRequestEvent =
  | { type: 'group.join'; req: JoinRequest; reply: (r: JoinResult) => void }
  | { type: 'group.sync'; req: SyncRequest; reply: (r: SyncResult) => void }
  | { type: 'group.heartbeat'; req: { memberId: string; groupInstanceId: string | null; generationId: number }; reply: (errorCode: number) => void }
  | { type: 'group.leave'; members: MemberRef[]; reply: (errorCodes: number[]) => void }
  | { type: 'group.commitCheck'; req: { memberId: string; groupInstanceId: string | null; generationId: number }; reply: (errorCode: number) => void }
  /** DeleteGroups / offset expiry: only an Empty group dies (NONE), else NON_EMPTY_GROUP (Dead: GROUP_ID_NOT_FOUND). */
  | { type: 'group.delete'; reply: (errorCode: number) => void }
  /** The coordinator lost the group (partition emigrated, shutdown): pending requests get NOT_COORDINATOR. */
  | { type: 'group.unload' };

/** A running group actor, as far as the coordinator uses it. */
export interface GroupActor {
  send(e: GroupRequestEvent): void;
  getSnapshot(): { context: { g: GroupData } };
  stop(): void;
}

/** Makes and starts a standalone group actor (`standaloneGroupActor` in src/machines/group-coordinator.ts). */
export type GroupActorFactory = (id: string, input: GroupMachineInput) => GroupActor;

/** Where group actors live: the coordinator actor spawns them as its children (shared system, inspected with the broker). */
export interface GroupActorHost {
  /** The spawned child, or undefined when the host cannot spawn now (then a standalone actor is created). */
  spawn(id: string, input: GroupMachineInput): GroupActor | undefined;
  stop(id: string): void;
}
