// ListTransactions (API key 66): field lists transcribed from Kafka's ListTransactionsRequest.json /
// ListTransactionsResponse.json (apache/kafka 3.7.1) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const listTransactionsRequest = {
  name: 'ListTransactionsRequest',
  apiKey: 66,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'stateFilters', type: '[]string', versions: '0+' },
    { name: 'producerIdFilters', type: '[]int64', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type ListTransactionsRequest = BodyOf<typeof listTransactionsRequest>;
export type ListTransactionsRequestInput = InputOf<typeof listTransactionsRequest>;

export const listTransactionsResponse = {
  name: 'ListTransactionsResponse',
  apiKey: 66,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'unknownStateFilters', type: '[]string', versions: '0+' },
    { name: 'transactionStates', type: '[]TransactionState', versions: '0+', fields: [
      { name: 'transactionalId', type: 'string', versions: '0+' },
      { name: 'producerId', type: 'int64', versions: '0+' },
      { name: 'transactionState', type: 'string', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type ListTransactionsResponse = BodyOf<typeof listTransactionsResponse>;
export type ListTransactionsResponseInput = InputOf<typeof listTransactionsResponse>;
