// AlterPartitionReassignments (API key 45) and ListPartitionReassignments (46), KIP-455: field lists transcribed from
// Kafka 3.7.1's *Request.json / *Response.json (apache/kafka clients/src/main/resources/common/message) into Rafka's
// schema format. Only version 0 exists; it is flexible.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const alterPartitionReassignmentsRequest = {
  name: 'AlterPartitionReassignmentsRequest',
  apiKey: 45,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: 60000 },
    { name: 'topics', type: '[]ReassignableTopic', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]ReassignablePartition', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'replicas', type: '[]int32', versions: '0+', nullableVersions: '0+', default: null },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type AlterPartitionReassignmentsRequest = BodyOf<typeof alterPartitionReassignmentsRequest>;
export type AlterPartitionReassignmentsRequestInput = InputOf<typeof alterPartitionReassignmentsRequest>;

export const alterPartitionReassignmentsResponse = {
  name: 'AlterPartitionReassignmentsResponse',
  apiKey: 45,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'responses', type: '[]ReassignableTopicResponse', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]ReassignablePartitionResponse', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type AlterPartitionReassignmentsResponse = BodyOf<typeof alterPartitionReassignmentsResponse>;
export type AlterPartitionReassignmentsResponseInput = InputOf<typeof alterPartitionReassignmentsResponse>;

export const listPartitionReassignmentsRequest = {
  name: 'ListPartitionReassignmentsRequest',
  apiKey: 46,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: 60000 },
    { name: 'topics', type: '[]ListPartitionReassignmentsTopics', versions: '0+', nullableVersions: '0+', default: null, fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitionIndexes', type: '[]int32', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type ListPartitionReassignmentsRequest = BodyOf<typeof listPartitionReassignmentsRequest>;
export type ListPartitionReassignmentsRequestInput = InputOf<typeof listPartitionReassignmentsRequest>;

export const listPartitionReassignmentsResponse = {
  name: 'ListPartitionReassignmentsResponse',
  apiKey: 46,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'topics', type: '[]OngoingTopicReassignment', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]OngoingPartitionReassignment', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'replicas', type: '[]int32', versions: '0+' },
        { name: 'addingReplicas', type: '[]int32', versions: '0+' },
        { name: 'removingReplicas', type: '[]int32', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type ListPartitionReassignmentsResponse = BodyOf<typeof listPartitionReassignmentsResponse>;
export type ListPartitionReassignmentsResponseInput = InputOf<typeof listPartitionReassignmentsResponse>;
