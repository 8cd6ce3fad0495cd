// SaslHandshake (API key 17): field lists transcribed from Kafka's SaslHandshakeRequest.json / SaslHandshakeResponse.json
// (apache/kafka clients/src/main/resources/common/message, commit 1eb7644349cb) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const saslHandshakeRequest = {
  name: 'SaslHandshakeRequest',
  apiKey: 17,
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    { name: 'mechanism', type: 'string', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type SaslHandshakeRequest = BodyOf<typeof saslHandshakeRequest>;
export type SaslHandshakeRequestInput = InputOf<typeof saslHandshakeRequest>;

export const saslHandshakeResponse = {
  name: 'SaslHandshakeResponse',
  apiKey: 17,
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'mechanisms', type: '[]string', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type SaslHandshakeResponse = BodyOf<typeof saslHandshakeResponse>;
export type SaslHandshakeResponseInput = InputOf<typeof saslHandshakeResponse>;
