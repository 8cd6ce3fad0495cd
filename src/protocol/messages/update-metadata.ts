// UpdateMetadata (API key 6): field lists transcribed from Kafka's UpdateMetadataRequest.json / UpdateMetadataResponse.json
// (apache/kafka clients/src/main/resources/common/message, commit 1eb7644349cb) into Rafka's schema format.
import type { BodyOf, FieldDef, InputOf, MessageSchema } from '../schema.js';

/** Kafka common struct UpdateMetadataPartitionState (versions 0+). */
const updateMetadataRequestUpdateMetadataPartitionState = [
  { name: 'topicName', type: 'string', versions: '0-4', ignorable: true },
  { name: 'partitionIndex', type: 'int32', versions: '0+' },
  { name: 'controllerEpoch', type: 'int32', versions: '0+' },
  { name: 'leader', type: 'int32', versions: '0+' },
  { name: 'leaderEpoch', type: 'int32', versions: '0+' },
  { name: 'isr', type: '[]int32', versions: '0+' },
  { name: 'zkVersion', type: 'int32', versions: '0+' },
  { name: 'replicas', type: '[]int32', versions: '0+' },
  { name: 'offlineReplicas', type: '[]int32', versions: '4+', ignorable: true },
] as const satisfies readonly FieldDef[];

export const updateMetadataRequest = {
  name: 'UpdateMetadataRequest',
  apiKey: 6,
  type: 'request',
  validVersions: '0-8',
  flexibleVersions: '6+',
  fields: [
    { name: 'controllerId', type: 'int32', versions: '0+' },
    { name: 'isKRaftController', type: 'bool', versions: '8+', default: false },
    { name: 'type', type: 'int8', versions: '8+', taggedVersions: '8+', tag: 0, default: 0 },
    { name: 'controllerEpoch', type: 'int32', versions: '0+' },
    { name: 'brokerEpoch', type: 'int64', versions: '5+', ignorable: true, default: -1 },
    { name: 'ungroupedPartitionStates', type: '[]UpdateMetadataPartitionState', versions: '0-4', fields: updateMetadataRequestUpdateMetadataPartitionState },
    { name: 'topicStates', type: '[]UpdateMetadataTopicState', versions: '5+', fields: [
      { name: 'topicName', type: 'string', versions: '5+' },
      { name: 'topicId', type: 'uuid', versions: '7+', ignorable: true },
      { name: 'partitionStates', type: '[]UpdateMetadataPartitionState', versions: '5+', fields: updateMetadataRequestUpdateMetadataPartitionState },
    ] },
    { name: 'liveBrokers', type: '[]UpdateMetadataBroker', versions: '0+', fields: [
      { name: 'id', type: 'int32', versions: '0+' },
      { name: 'v0Host', type: 'string', versions: '0', ignorable: true },
      { name: 'v0Port', type: 'int32', versions: '0', ignorable: true },
      { name: 'endpoints', type: '[]UpdateMetadataEndpoint', versions: '1+', ignorable: true, fields: [
        { name: 'port', type: 'int32', versions: '1+' },
        { name: 'host', type: 'string', versions: '1+' },
        { name: 'listener', type: 'string', versions: '3+', ignorable: true },
        { name: 'securityProtocol', type: 'int16', versions: '1+' },
      ] },
      { name: 'rack', type: 'string', versions: '2+', nullableVersions: '0+', ignorable: true },
    ] },
  ],
} as const satisfies MessageSchema;
export type UpdateMetadataRequest = BodyOf<typeof updateMetadataRequest>;
export type UpdateMetadataRequestInput = InputOf<typeof updateMetadataRequest>;

export const updateMetadataResponse = {
  name: 'UpdateMetadataResponse',
  apiKey: 6,
  type: 'response',
  validVersions: '0-8',
  flexibleVersions: '6+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type UpdateMetadataResponse = BodyOf<typeof updateMetadataResponse>;
export type UpdateMetadataResponseInput = InputOf<typeof updateMetadataResponse>;
