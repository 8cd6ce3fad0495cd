// ElectLeaders (API key 43): field lists transcribed from Kafka 3.7.1's ElectLeadersRequest.json /
// ElectLeadersResponse.json (apache/kafka clients/src/main/resources/common/message) into Rafka's schema format.
// electionType: 0 = preferred, 1 = unclean (v1+; v0 is preferred only).
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const electLeadersRequest = {
  name: 'ElectLeadersRequest',
  apiKey: 43,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'electionType', type: 'int8', versions: '1+', default: 0 },
    { name: 'topicPartitions', type: '[]TopicPartitions', versions: '0+', nullableVersions: '0+', fields: [
      { name: 'topic', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]int32', versions: '0+' },
    ] },
    { name: 'timeoutMs', type: 'int32', versions: '0+', default: 60000 },
  ],
} as const satisfies MessageSchema;
export type ElectLeadersRequest = BodyOf<typeof electLeadersRequest>;
export type ElectLeadersRequestInput = InputOf<typeof electLeadersRequest>;

export const electLeadersResponse = {
  name: 'ElectLeadersResponse',
  apiKey: 43,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '1+' },
    { name: 'replicaElectionResults', type: '[]ReplicaElectionResult', versions: '0+', fields: [
      { name: 'topic', type: 'string', versions: '0+' },
      { name: 'partitionResult', type: '[]PartitionResult', versions: '0+', fields: [
        { name: 'partitionId', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type ElectLeadersResponse = BodyOf<typeof electLeadersResponse>;
export type ElectLeadersResponseInput = InputOf<typeof electLeadersResponse>;
