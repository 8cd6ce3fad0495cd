// LeaderAndIsr (API key 4): field lists transcribed from Kafka's LeaderAndIsrRequest.json / LeaderAndIsrResponse.json
// (apache/kafka clients/src/main/resources/common/message, commit 1eb7644349cb) into Rafka's schema format.
import type { BodyOf, FieldDef, InputOf, MessageSchema } from '../schema.js';

/** Kafka common struct LeaderAndIsrPartitionState (versions 0+). */
const leaderAndIsrRequestLeaderAndIsrPartitionState = [
  { name: 'topicName', type: 'string', versions: '0-1', ignorable: true },
  { name: 'partitionIndex', type: 'int32', versions: '0+' },
  { name: 'controllerEpoch', type: 'int32', versions: '0+' },
  { name: 'leader', type: 'int32', versions: '0+' },
  { name: 'leaderEpoch', type: 'int32', versions: '0+' },
  { name: 'isr', type: '[]int32', versions: '0+' },
  { name: 'partitionEpoch', type: 'int32', versions: '0+' },
  { name: 'replicas', type: '[]int32', versions: '0+' },
  { name: 'addingReplicas', type: '[]int32', versions: '3+', ignorable: true },
  { name: 'removingReplicas', type: '[]int32', versions: '3+', ignorable: true },
  { name: 'isNew', type: 'bool', versions: '1+', ignorable: true, default: false },
  { name: 'leaderRecoveryState', type: 'int8', versions: '6+', default: 0 },
] as const satisfies readonly FieldDef[];

export const leaderAndIsrRequest = {
  name: 'LeaderAndIsrRequest',
  apiKey: 4,
  type: 'request',
  validVersions: '0-7',
  flexibleVersions: '4+',
  fields: [
    { name: 'controllerId', type: 'int32', versions: '0+' },
    { name: 'isKRaftController', type: 'bool', versions: '7+', default: false },
    { name: 'controllerEpoch', type: 'int32', versions: '0+' },
    { name: 'brokerEpoch', type: 'int64', versions: '2+', ignorable: true, default: -1 },
    { name: 'type', type: 'int8', versions: '5+' },
    { name: 'ungroupedPartitionStates', type: '[]LeaderAndIsrPartitionState', versions: '0-1', fields: leaderAndIsrRequestLeaderAndIsrPartitionState },
    { name: 'topicStates', type: '[]LeaderAndIsrTopicState', versions: '2+', fields: [
      { name: 'topicName', type: 'string', versions: '2+' },
      { name: 'topicId', type: 'uuid', versions: '5+', ignorable: true },
      { name: 'partitionStates', type: '[]LeaderAndIsrPartitionState', versions: '2+', fields: leaderAndIsrRequestLeaderAndIsrPartitionState },
    ] },
    { name: 'liveLeaders', type: '[]LeaderAndIsrLiveLeader', versions: '0+', fields: [
      { name: 'brokerId', type: 'int32', versions: '0+' },
      { name: 'hostName', type: 'string', versions: '0+' },
      { name: 'port', type: 'int32', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type LeaderAndIsrRequest = BodyOf<typeof leaderAndIsrRequest>;
export type LeaderAndIsrRequestInput = InputOf<typeof leaderAndIsrRequest>;

/** Kafka common struct LeaderAndIsrPartitionError (versions 0+). */
const leaderAndIsrResponseLeaderAndIsrPartitionError = [
  { name: 'topicName', type: 'string', versions: '0-4', ignorable: true },
  { name: 'partitionIndex', type: 'int32', versions: '0+' },
  { name: 'errorCode', type: 'int16', versions: '0+' },
] as const satisfies readonly FieldDef[];

export const leaderAndIsrResponse = {
  name: 'LeaderAndIsrResponse',
  apiKey: 4,
  type: 'response',
  validVersions: '0-7',
  flexibleVersions: '4+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'partitionErrors', type: '[]LeaderAndIsrPartitionError', versions: '0-4', fields: leaderAndIsrResponseLeaderAndIsrPartitionError },
    { name: 'topics', type: '[]LeaderAndIsrTopicError', versions: '5+', fields: [
      { name: 'topicId', type: 'uuid', versions: '5+' },
      { name: 'partitionErrors', type: '[]LeaderAndIsrPartitionError', versions: '5+', fields: leaderAndIsrResponseLeaderAndIsrPartitionError },
    ] },
  ],
} as const satisfies MessageSchema;
export type LeaderAndIsrResponse = BodyOf<typeof leaderAndIsrResponse>;
export type LeaderAndIsrResponseInput = InputOf<typeof leaderAndIsrResponse>;
