// StopReplica (API key 5): field lists transcribed from Kafka's StopReplicaRequest.json / StopReplicaResponse.json
// (apache/kafka clients/src/main/resources/common/message, commit 1eb7644349cb) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const stopReplicaRequest = {
  name: 'StopReplicaRequest',
  apiKey: 5,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '2+',
  fields: [
    { name: 'controllerId', type: 'int32', versions: '0+' },
    { name: 'isKRaftController', type: 'bool', versions: '4+', default: false },
    { name: 'controllerEpoch', type: 'int32', versions: '0+' },
    { name: 'brokerEpoch', type: 'int64', versions: '1+', ignorable: true, default: -1 },
    { name: 'deletePartitions', type: 'bool', versions: '0-2' },
    { name: 'ungroupedPartitions', type: '[]StopReplicaPartitionV0', versions: '0', fields: [
      { name: 'topicName', type: 'string', versions: '0' },
      { name: 'partitionIndex', type: 'int32', versions: '0' },
    ] },
    { name: 'topics', type: '[]StopReplicaTopicV1', versions: '1-2', fields: [
      { name: 'name', type: 'string', versions: '1-2' },
      { name: 'partitionIndexes', type: '[]int32', versions: '1-2' },
    ] },
    { name: 'topicStates', type: '[]StopReplicaTopicState', versions: '3+', fields: [
      { name: 'topicName', type: 'string', versions: '3+' },
      { name: 'partitionStates', type: '[]StopReplicaPartitionState', versions: '3+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '3+' },
        { name: 'leaderEpoch', type: 'int32', versions: '3+', default: -1 },
        { name: 'deletePartition', type: 'bool', versions: '3+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type StopReplicaRequest = BodyOf<typeof stopReplicaRequest>;
export type StopReplicaRequestInput = InputOf<typeof stopReplicaRequest>;

export const stopReplicaResponse = {
  name: 'StopReplicaResponse',
  apiKey: 5,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '2+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'partitionErrors', type: '[]StopReplicaPartitionError', versions: '0+', fields: [
      { name: 'topicName', type: 'string', versions: '0+' },
      { name: 'partitionIndex', type: 'int32', versions: '0+' },
      { name: 'errorCode', type: 'int16', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type StopReplicaResponse = BodyOf<typeof stopReplicaResponse>;
export type StopReplicaResponseInput = InputOf<typeof stopReplicaResponse>;
