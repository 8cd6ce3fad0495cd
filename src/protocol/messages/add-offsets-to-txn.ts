// AddOffsetsToTxn (API key 25): field lists transcribed from Kafka's AddOffsetsToTxnRequest.json /
// AddOffsetsToTxnResponse.json (apache/kafka 3.7.1) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const addOffsetsToTxnRequest = {
  name: 'AddOffsetsToTxnRequest',
  apiKey: 25,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+' },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
    { name: 'groupId', type: 'string', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type AddOffsetsToTxnRequest = BodyOf<typeof addOffsetsToTxnRequest>;
export type AddOffsetsToTxnRequestInput = InputOf<typeof addOffsetsToTxnRequest>;

export const addOffsetsToTxnResponse = {
  name: 'AddOffsetsToTxnResponse',
  apiKey: 25,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type AddOffsetsToTxnResponse = BodyOf<typeof addOffsetsToTxnResponse>;
export type AddOffsetsToTxnResponseInput = InputOf<typeof addOffsetsToTxnResponse>;
