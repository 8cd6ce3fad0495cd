// TxnOffsetCommit (API key 28): field lists transcribed from Kafka's TxnOffsetCommitRequest.json /
// TxnOffsetCommitResponse.json (apache/kafka 3.7.1) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const txnOffsetCommitRequest = {
  name: 'TxnOffsetCommitRequest',
  apiKey: 28,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'groupId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'generationId', type: 'int32', versions: '3+', default: -1 },
    { name: 'memberId', type: 'string', versions: '3+', default: '' },
    { name: 'groupInstanceId', type: 'string', versions: '3+', nullableVersions: '3+', default: null },
    { name: 'topics', type: '[]TxnOffsetCommitRequestTopic', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]TxnOffsetCommitRequestPartition', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'committedOffset', type: 'int64', versions: '0+' },
        { name: 'committedLeaderEpoch', type: 'int32', versions: '2+', default: -1, ignorable: true },
        { name: 'committedMetadata', type: 'string', versions: '0+', nullableVersions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type TxnOffsetCommitRequest = BodyOf<typeof txnOffsetCommitRequest>;
export type TxnOffsetCommitRequestInput = InputOf<typeof txnOffsetCommitRequest>;

export const txnOffsetCommitResponse = {
  name: 'TxnOffsetCommitResponse',
  apiKey: 28,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'topics', type: '[]TxnOffsetCommitResponseTopic', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]TxnOffsetCommitResponsePartition', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type TxnOffsetCommitResponse = BodyOf<typeof txnOffsetCommitResponse>;
export type TxnOffsetCommitResponseInput = InputOf<typeof txnOffsetCommitResponse>;
