// OffsetForLeaderEpoch (API key 23): field lists transcribed from Kafka's OffsetForLeaderEpochRequest.json / OffsetForLeaderEpochResponse.json
// (apache/kafka clients/src/main/resources/common/message, commit 1eb7644349cb) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const offsetForLeaderEpochRequest = {
  name: 'OffsetForLeaderEpochRequest',
  apiKey: 23,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'replicaId', type: 'int32', versions: '3+', ignorable: true, default: -2 },
    { name: 'topics', type: '[]OffsetForLeaderTopic', versions: '0+', fields: [
      { name: 'topic', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]OffsetForLeaderPartition', versions: '0+', fields: [
        { name: 'partition', type: 'int32', versions: '0+' },
        { name: 'currentLeaderEpoch', type: 'int32', versions: '2+', ignorable: true, default: -1 },
        { name: 'leaderEpoch', type: 'int32', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type OffsetForLeaderEpochRequest = BodyOf<typeof offsetForLeaderEpochRequest>;
export type OffsetForLeaderEpochRequestInput = InputOf<typeof offsetForLeaderEpochRequest>;

export const offsetForLeaderEpochResponse = {
  name: 'OffsetForLeaderEpochResponse',
  apiKey: 23,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '2+', ignorable: true },
    { name: 'topics', type: '[]OffsetForLeaderTopicResult', versions: '0+', fields: [
      { name: 'topic', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]EpochEndOffset', versions: '0+', fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'partition', type: 'int32', versions: '0+' },
        { name: 'leaderEpoch', type: 'int32', versions: '1+', ignorable: true, default: -1 },
        { name: 'endOffset', type: 'int64', versions: '0+', default: -1 },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type OffsetForLeaderEpochResponse = BodyOf<typeof offsetForLeaderEpochResponse>;
export type OffsetForLeaderEpochResponseInput = InputOf<typeof offsetForLeaderEpochResponse>;
