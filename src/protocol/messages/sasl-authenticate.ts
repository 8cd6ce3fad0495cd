// SaslAuthenticate (API key 36): field lists transcribed from Kafka's SaslAuthenticateRequest.json / SaslAuthenticateResponse.json
// (apache/kafka clients/src/main/resources/common/message, commit 1eb7644349cb) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const saslAuthenticateRequest = {
  name: 'SaslAuthenticateRequest',
  apiKey: 36,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'authBytes', type: 'bytes', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type SaslAuthenticateRequest = BodyOf<typeof saslAuthenticateRequest>;
export type SaslAuthenticateRequestInput = InputOf<typeof saslAuthenticateRequest>;

export const saslAuthenticateResponse = {
  name: 'SaslAuthenticateResponse',
  apiKey: 36,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'authBytes', type: 'bytes', versions: '0+' },
    { name: 'sessionLifetimeMs', type: 'int64', versions: '1+', ignorable: true, default: 0 },
  ],
} as const satisfies MessageSchema;
export type SaslAuthenticateResponse = BodyOf<typeof saslAuthenticateResponse>;
export type SaslAuthenticateResponseInput = InputOf<typeof saslAuthenticateResponse>;
