/**
 * ListGroups (16), DescribeGroups (15), DeleteGroups (42) over the GroupCoordinator, as Kafka's KafkaApis:
 * ListGroups answers COORDINATOR_LOAD_IN_PROGRESS (with what is loaded) while partitions load, v4 filters by state;
 * DescribeGroups gives an unknown group as Dead with no error, members' metadata and assignment only when Stable,
 * and (v3+, when asked) the authorized group operations; DeleteGroups deletes Empty groups only (NON_EMPTY_GROUP,
 * GROUP_ID_NOT_FOUND otherwise).
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import { AUTHORIZED_OPERATIONS_OMITTED, type ApiHandler } from './common.js';

/** READ (3), DELETE (6), DESCRIBE (8): every group operation, there being no authorizer. */
const GROUP_AUTHORIZED_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

export function listGroupsHandler(gc: GroupCoordinator): ApiHandler<typeof ApiKey.ListGroups> {
  return {
    apiKey: ApiKey.ListGroups,
    async handle(req) {
      const groups = gc.listGroups(req.apiVersion >= 4 ? req.body.statesFilter : []);
      return {
        throttleTimeMs: 0,
        errorCode: gc.isLoading() ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE,
        groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: req.apiVersion >= 4 ? g.state : '', groupType: req.apiVersion >= 5 ? 'classic' : '' })),
      };
    },
    errorResponse(_req, errorCode) { return { throttleTimeMs: 0, errorCode, groups: [] }; },
  };
}

export function describeGroupsHandler(gc: GroupCoordinator): ApiHandler<typeof ApiKey.DescribeGroups> {
  return {
    apiKey: ApiKey.DescribeGroups,
    async handle(req) {
      const ops = req.apiVersion >= 3 && req.body.includeAuthorizedOperations ? GROUP_AUTHORIZED_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED;
      return {
        throttleTimeMs: 0,
        groups: req.body.groups.map((id) => {
          const s = gc.describeGroup(id);
          return {
            errorCode: s.errorCode, groupId: id, groupState: s.state, protocolType: s.protocolType, protocolData: s.protocolData,
            members: s.members.map((m) => ({ memberId: m.memberId, groupInstanceId: req.apiVersion >= 4 ? m.groupInstanceId : null, clientId: m.clientId, clientHost: m.clientHost, memberMetadata: m.metadata, memberAssignment: m.assignment })),
            authorizedOperations: req.apiVersion >= 3 && s.errorCode === ErrorCode.NONE ? ops : AUTHORIZED_OPERATIONS_OMITTED,
          };
        }),
      };
    },
    errorResponse(req, errorCode) {
      return { throttleTimeMs: 0, groups: req.body.groups.map((id) => ({ errorCode, groupId: id, groupState: '', protocolType: '', protocolData: '', members: [] })) };
    },
  };
}

export function deleteGroupsHandler(gc: GroupCoordinator): ApiHandler<typeof ApiKey.DeleteGroups> {
  return {
    apiKey: ApiKey.DeleteGroups,
    async handle(req) {
      return { throttleTimeMs: 0, results: req.body.groupsNames.map((groupId) => ({ groupId, errorCode: gc.deleteGroup(groupId) })) };
    },
    errorResponse(req, errorCode) {
      return { throttleTimeMs: 0, results: req.body.groupsNames.map((groupId) => ({ groupId, errorCode })) };
    },
  };
}
