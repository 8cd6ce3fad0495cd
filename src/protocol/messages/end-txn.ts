// EndTxn (API key 26): field lists transcribed from Kafka's EndTxnRequest.json / EndTxnResponse.json
// (apache/kafka 3.7.1) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const endTxnRequest = {
  name: 'EndTxnRequest',
  apiKey: 26,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'committed', type: 'bool', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type EndTxnRequest = BodyOf<typeof endTxnRequest>;
export type EndTxnRequestInput = InputOf<typeof endTxnRequest>;

export const endTxnResponse = {
  name: 'EndTxnResponse',
  apiKey: 26,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type EndTxnResponse = BodyOf<typeof endTxnResponse>;
export type EndTxnResponseInput = InputOf<typeof endTxnResponse>;
