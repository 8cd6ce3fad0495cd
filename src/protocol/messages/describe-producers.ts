// DescribeProducers (API key 61): field lists transcribed from Kafka's DescribeProducersRequest.json /
// DescribeProducersResponse.json (apache/kafka 3.7.1) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const describeProducersRequest = {
  name: 'DescribeProducersRequest',
  apiKey: 61,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'topics', type: '[]TopicRequest', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitionIndexes', type: '[]int32', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type DescribeProducersRequest = BodyOf<typeof describeProducersRequest>;
export type DescribeProducersRequestInput = InputOf<typeof describeProducersRequest>;

export const describeProducersResponse = {
  name: 'DescribeProducersResponse',
  apiKey: 61,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'topics', type: '[]TopicResponse', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]PartitionResponse', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
        { name: 'activeProducers', type: '[]ProducerState', versions: '0+', fields: [
          { name: 'producerId', type: 'int64', versions: '0+' },
          { name: 'producerEpoch', type: 'int32', versions: '0+' },
          { name: 'lastSequence', type: 'int32', versions: '0+', default: -1 },
          { name: 'lastTimestamp', type: 'int64', versions: '0+', default: -1 },
          { name: 'coordinatorEpoch', type: 'int32', versions: '0+' },
          { name: 'currentTxnStartOffset', type: 'int64', versions: '0+', default: -1 },
        ] },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type DescribeProducersResponse = BodyOf<typeof describeProducersResponse>;
export type DescribeProducersResponseInput = InputOf<typeof describeProducersResponse>;
