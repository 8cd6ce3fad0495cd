// DescribeTransactions (API key 65): field lists transcribed from Kafka's DescribeTransactionsRequest.json /
// DescribeTransactionsResponse.json (apache/kafka 3.7.1) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const describeTransactionsRequest = {
  name: 'DescribeTransactionsRequest',
  apiKey: 65,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'transactionalIds', type: '[]string', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type DescribeTransactionsRequest = BodyOf<typeof describeTransactionsRequest>;
export type DescribeTransactionsRequestInput = InputOf<typeof describeTransactionsRequest>;

export const describeTransactionsResponse = {
  name: 'DescribeTransactionsResponse',
  apiKey: 65,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'transactionStates', type: '[]TransactionState', versions: '0+', fields: [
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'transactionalId', type: 'string', versions: '0+' },
      { name: 'transactionState', type: 'string', versions: '0+' },
      { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
      { name: 'transactionStartTimeMs', type: 'int64', versions: '0+' },
      { name: 'producerId', type: 'int64', versions: '0+' },
      { name: 'producerEpoch', type: 'int16', versions: '0+' },
      { name: 'topics', type: '[]TopicData', versions: '0+', fields: [
        { name: 'topic', type: 'string', versions: '0+' },
        { name: 'partitions', type: '[]int32', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type DescribeTransactionsResponse = BodyOf<typeof describeTransactionsResponse>;
export type DescribeTransactionsResponseInput = InputOf<typeof describeTransactionsResponse>;
