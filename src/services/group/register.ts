/**
 * The group coordinator's request handlers, by API key, for the dispatcher (kafka-apis.ts) to take over:
 * FindCoordinator (replacing the COORDINATOR_NOT_AVAILABLE stub), JoinGroup, Heartbeat, LeaveGroup, SyncGroup,
 * OffsetCommit, OffsetFetch, DescribeGroups, ListGroups, DeleteGroups, OffsetDelete — and the versions each
 * implements (the dispatcher intersects them with the advertised ranges).
 */
import { ApiKey } from '../../protocol/api-keys.js';
import type { ApiHandler } from '../server/handlers/common.js';
import { findCoordinatorGroupsHandler } from '../server/handlers/find-coordinator-groups.js';
import { describeGroupsHandler, deleteGroupsHandler, listGroupsHandler } from '../server/handlers/group-admin.js';
import { heartbeatHandler, joinGroupHandler, leaveGroupHandler, syncGroupHandler } from '../server/handlers/group-membership.js';
import { offsetCommitHandler, offsetDeleteHandler, offsetFetchHandler } from '../server/handlers/group-offsets.js';
import type { GroupCoordinator } from './group-coordinator.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyHandler = ApiHandler<any>;

/** What each group handler implements (Kafka's valid versions of these messages, bounded by the codec). */
export const GROUP_IMPLEMENTED_VERSIONS: ReadonlyMap<number, readonly [number, number]> = new Map([
  [ApiKey.OffsetCommit, [2, 8]],
  [ApiKey.OffsetFetch, [1, 8]],
  [ApiKey.FindCoordinator, [0, 4]],
  [ApiKey.JoinGroup, [0, 7]],
  [ApiKey.Heartbeat, [0, 4]],
  [ApiKey.LeaveGroup, [0, 5]],
  [ApiKey.SyncGroup, [0, 5]],
  [ApiKey.DescribeGroups, [0, 5]],
  [ApiKey.ListGroups, [0, 4]],
  [ApiKey.DeleteGroups, [0, 2]],
  [ApiKey.OffsetDelete, [0, 0]],
] as const);

export function groupHandlers(gc: GroupCoordinator): Map<number, AnyHandler> {
  const list: AnyHandler[] = [
    findCoordinatorGroupsHandler(gc),
    joinGroupHandler(gc), syncGroupHandler(gc), heartbeatHandler(gc), leaveGroupHandler(gc),
    offsetCommitHandler(gc), offsetFetchHandler(gc), offsetDeleteHandler(gc),
    listGroupsHandler(gc), describeGroupsHandler(gc), deleteGroupsHandler(gc),
  ];
  return new Map(list.map((h) => [h.apiKey, h]));
}
