// AddPartitionsToTxn (API key 24): field lists transcribed from Kafka's AddPartitionsToTxnRequest.json /
// AddPartitionsToTxnResponse.json (apache/kafka 3.7.1, clients/src/main/resources/common/message) into Rafka's
// schema format; the common structs AddPartitionsToTxnTopic / …TopicResult / …PartitionResult are inlined.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

const topicFields = [
  { name: 'name', type: 'string', versions: '0+' },
  { name: 'partitions', type: '[]int32', versions: '0+' },
] as const;

const topicResultFields = [
  { name: 'name', type: 'string', versions: '0+' },
  { name: 'resultsByPartition', type: '[]AddPartitionsToTxnPartitionResult', versions: '0+', fields: [
    { name: 'partitionIndex', type: 'int32', versions: '0+' },
    { name: 'partitionErrorCode', type: 'int16', versions: '0+' },
  ] },
] as const;

export const addPartitionsToTxnRequest = {
  name: 'AddPartitionsToTxnRequest',
  apiKey: 24,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactions', type: '[]AddPartitionsToTxnTransaction', versions: '4+', fields: [
      { name: 'transactionalId', type: 'string', versions: '4+' },
      { name: 'producerId', type: 'int64', versions: '4+' },
      { name: 'producerEpoch', type: 'int16', versions: '4+' },
      { name: 'verifyOnly', type: 'bool', versions: '4+', default: false },
      { name: 'topics', type: '[]AddPartitionsToTxnTopic', versions: '4+', fields: topicFields },
    ] },
    { name: 'v3AndBelowTransactionalId', type: 'string', versions: '0-3' },
    { name: 'v3AndBelowProducerId', type: 'int64', versions: '0-3' },
    { name: 'v3AndBelowProducerEpoch', type: 'int16', versions: '0-3' },
    { name: 'v3AndBelowTopics', type: '[]AddPartitionsToTxnTopic', versions: '0-3', fields: topicFields },
  ],
} as const satisfies MessageSchema;
export type AddPartitionsToTxnRequest = BodyOf<typeof addPartitionsToTxnRequest>;
export type AddPartitionsToTxnRequestInput = InputOf<typeof addPartitionsToTxnRequest>;

export const addPartitionsToTxnResponse = {
  name: 'AddPartitionsToTxnResponse',
  apiKey: 24,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '4+', ignorable: true },
    { name: 'resultsByTransaction', type: '[]AddPartitionsToTxnResult', versions: '4+', fields: [
      { name: 'transactionalId', type: 'string', versions: '4+' },
      { name: 'topicResults', type: '[]AddPartitionsToTxnTopicResult', versions: '4+', fields: topicResultFields },
    ] },
    { name: 'resultsByTopicV3AndBelow', type: '[]AddPartitionsToTxnTopicResult', versions: '0-3', fields: topicResultFields },
  ],
} as const satisfies MessageSchema;
export type AddPartitionsToTxnResponse = BodyOf<typeof addPartitionsToTxnResponse>;
export type AddPartitionsToTxnResponseInput = InputOf<typeof addPartitionsToTxnResponse>;
