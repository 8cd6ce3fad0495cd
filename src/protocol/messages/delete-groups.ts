// DeleteGroups (API key 42): field lists transcribed from Kafka's DeleteGroupsRequest.json / DeleteGroupsResponse.json
// (apache/kafka clients/src/main/resources/common/message, commit 1eb7644349cb) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const deleteGroupsRequest = {
  name: 'DeleteGroupsRequest',
  apiKey: 42,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'groupsNames', type: '[]string', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type DeleteGroupsRequest = BodyOf<typeof deleteGroupsRequest>;
export type DeleteGroupsRequestInput = InputOf<typeof deleteGroupsRequest>;

export const deleteGroupsResponse = {
  name: 'DeleteGroupsResponse',
  apiKey: 42,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'results', type: '[]DeletableGroupResult', versions: '0+', fields: [
      { name: 'groupId', type: 'string', versions: '0+' },
      { name: 'errorCode', type: 'int16', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type DeleteGroupsResponse = BodyOf<typeof deleteGroupsResponse>;
export type DeleteGroupsResponseInput = InputOf<typeof deleteGroupsResponse>;
