// SyncGroup (API key 14): field lists transcribed from Kafka's SyncGroupRequest.json / SyncGroupResponse.json
// (apache/kafka clients/src/main/resources/common/message, commit 1eb7644349cb) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const syncGroupRequest = {
  name: 'SyncGroupRequest',
  apiKey: 14,
  type: 'request',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '0+' },
    { name: 'memberId', type: 'string', versions: '0+' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
    { name: 'protocolType', type: 'string', versions: '5+', nullableVersions: '5+', ignorable: true, default: null },
    { name: 'protocolName', type: 'string', versions: '5+', nullableVersions: '5+', ignorable: true, default: null },
    { name: 'assignments', type: '[]SyncGroupRequestAssignment', versions: '0+', fields: [
      { name: 'memberId', type: 'string', versions: '0+' },
      { name: 'assignment', type: 'bytes', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type SyncGroupRequest = BodyOf<typeof syncGroupRequest>;
export type SyncGroupRequestInput = InputOf<typeof syncGroupRequest>;

export const syncGroupResponse = {
  name: 'SyncGroupResponse',
  apiKey: 14,
  type: 'response',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+', ignorable: true },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'protocolType', type: 'string', versions: '5+', nullableVersions: '5+', ignorable: true, default: null },
    { name: 'protocolName', type: 'string', versions: '5+', nullableVersions: '5+', ignorable: true, default: null },
    { name: 'assignment', type: 'bytes', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type SyncGroupResponse = BodyOf<typeof syncGroupResponse>;
export type SyncGroupResponseInput = InputOf<typeof syncGroupResponse>;
