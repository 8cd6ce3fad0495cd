// AlterPartition (API key 56; AlterIsr before Kafka 3.2): field lists transcribed from Kafka 3.7's AlterPartitionRequest.json /
// AlterPartitionResponse.json (apache/kafka clients/src/main/resources/common/message, tag 3.7.0) into Rafka's schema format.
// A ZooKeeper-mode leader sends it to the controller (IBP >= 2.7-IV2): v0/v1 name topics, v2+ use topic ids (IBP >= 2.8),
// v3 carries the ISR with broker epochs (KIP-903). Every version is flexible.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const alterPartitionRequest = {
  name: 'AlterPartitionRequest',
  apiKey: 56,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '0+',
  fields: [
    { name: 'brokerId', type: 'int32', versions: '0+' },
    { name: 'brokerEpoch', type: 'int64', versions: '0+', default: -1 },
    { name: 'topics', type: '[]TopicData', versions: '0+', fields: [
      { name: 'topicName', type: 'string', versions: '0-1', ignorable: true },
      { name: 'topicId', type: 'uuid', versions: '2+', ignorable: true },
      { name: 'partitions', type: '[]PartitionData', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'leaderEpoch', type: 'int32', versions: '0+' },
        { name: 'newIsr', type: '[]int32', versions: '0-2' },
        { name: 'newIsrWithEpochs', type: '[]BrokerState', versions: '3+', fields: [
          { name: 'brokerId', type: 'int32', versions: '3+' },
          { name: 'brokerEpoch', type: 'int64', versions: '3+', default: -1 },
        ] },
        { name: 'leaderRecoveryState', type: 'int8', versions: '1+', default: 0 },
        { name: 'partitionEpoch', type: 'int32', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type AlterPartitionRequest = BodyOf<typeof alterPartitionRequest>;
export type AlterPartitionRequestInput = InputOf<typeof alterPartitionRequest>;

export const alterPartitionResponse = {
  name: 'AlterPartitionResponse',
  apiKey: 56,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'topics', type: '[]TopicData', versions: '0+', fields: [
      { name: 'topicName', type: 'string', versions: '0-1', ignorable: true },
      { name: 'topicId', type: 'uuid', versions: '2+', ignorable: true },
      { name: 'partitions', type: '[]PartitionData', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'leaderId', type: 'int32', versions: '0+' },
        { name: 'leaderEpoch', type: 'int32', versions: '0+' },
        { name: 'isr', type: '[]int32', versions: '0+' },
        { name: 'leaderRecoveryState', type: 'int8', versions: '1+', default: 0, ignorable: true },
        { name: 'partitionEpoch', type: 'int32', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type AlterPartitionResponse = BodyOf<typeof alterPartitionResponse>;
export type AlterPartitionResponseInput = InputOf<typeof alterPartitionResponse>;
