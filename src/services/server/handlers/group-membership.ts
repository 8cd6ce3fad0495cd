/**
 * JoinGroup (11), SyncGroup (14), Heartbeat (12), LeaveGroup (13) over the GroupCoordinator, as Kafka's KafkaApis:
 * an empty group id → INVALID_GROUP_ID; JoinGroup v4+ without a group.instance.id gets MEMBER_ID_REQUIRED first;
 * JoinGroup below v7 has a non-null protocol name ('' when none); LeaveGroup v3+ batches members, below v3 the one
 * member's error is the top-level error. Request byte fields are copied (the group keeps them past the request).
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import type { JoinResult } from '../../group/classic-group.js';
import type { ApiHandler } from './common.js';

function joinResponse(version: number, r: JoinResult) {
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: version >= 7 ? r.protocolType : null,
    protocolName: version >= 7 ? r.protocolName : (r.protocolName ?? ''),
    leader: r.leader,
    skipAssignment: false,
    memberId: r.memberId,
    members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: version >= 5 ? m.groupInstanceId : null, metadata: m.metadata })),
  };
}

export function joinGroupHandler(gc: GroupCoordinator): ApiHandler<typeof ApiKey.JoinGroup> {
  return {
    apiKey: ApiKey.JoinGroup,
    async handle(req, hc) {
      const b = req.body;
      if (b.groupId === '') return joinResponse(req.apiVersion, { errorCode: ErrorCode.INVALID_GROUP_ID, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: b.memberId, members: [] });
      const r = await gc.join(b.groupId, {
        memberId: b.memberId,
        groupInstanceId: b.groupInstanceId,
        clientId: req.header.clientId ?? '',
        clientHost: `/${hc.conn.remoteAddress}`,
        sessionTimeoutMs: b.sessionTimeoutMs,
        rebalanceTimeoutMs: req.apiVersion >= 1 && b.rebalanceTimeoutMs >= 0 ? b.rebalanceTimeoutMs : b.sessionTimeoutMs,
        protocolType: b.protocolType,
        protocols: b.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
        requireKnownMemberId: req.apiVersion >= 4 && b.groupInstanceId === null,
        reason: b.reason,
      });
      return joinResponse(req.apiVersion, r);
    },
    errorResponse(req, errorCode) {
      return joinResponse(req.apiVersion, { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: req.body.memberId, members: [] });
    },
  };
}

export function syncGroupHandler(gc: GroupCoordinator): ApiHandler<typeof ApiKey.SyncGroup> {
  const error = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
  return {
    apiKey: ApiKey.SyncGroup,
    async handle(req) {
      const b = req.body;
      if (b.groupId === '') return error(ErrorCode.INVALID_GROUP_ID);
      const r = await gc.sync(b.groupId, {
        memberId: b.memberId,
        groupInstanceId: b.groupInstanceId,
        generationId: b.generationId,
        protocolType: b.protocolType,
        protocolName: b.protocolName,
        assignments: b.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
      });
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        protocolType: req.apiVersion >= 5 ? r.protocolType : null,
        protocolName: req.apiVersion >= 5 ? r.protocolName : null,
        assignment: r.assignment,
      };
    },
    errorResponse(_req, errorCode) { return error(errorCode); },
  };
}

export function heartbeatHandler(gc: GroupCoordinator): ApiHandler<typeof ApiKey.Heartbeat> {
  return {
    apiKey: ApiKey.Heartbeat,
    async handle(req) {
      const b = req.body;
      if (b.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID };
      return { throttleTimeMs: 0, errorCode: gc.heartbeat(b.groupId, { memberId: b.memberId, groupInstanceId: b.groupInstanceId, generationId: b.generationId }) };
    },
    errorResponse(_req, errorCode) { return { throttleTimeMs: 0, errorCode }; },
  };
}

export function leaveGroupHandler(gc: GroupCoordinator): ApiHandler<typeof ApiKey.LeaveGroup> {
  return {
    apiKey: ApiKey.LeaveGroup,
    async handle(req) {
      const b = req.body;
      const v3 = req.apiVersion >= 3;
      const members = v3 ? b.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: b.memberId, groupInstanceId: null }];
      if (b.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
      const r = gc.leave(b.groupId, members);
      if (!v3) return { throttleTimeMs: 0, errorCode: r.errorCode !== ErrorCode.NONE ? r.errorCode : (r.members[0] ?? ErrorCode.NONE), members: [] };
      if (r.errorCode !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: r.errorCode, members: [] };
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        members: members.map((m, i) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: r.members[i] ?? ErrorCode.UNKNOWN_SERVER_ERROR })),
      };
    },
    errorResponse(_req, errorCode) { return { throttleTimeMs: 0, errorCode, members: [] }; },
  };
}
