// DescribeUserScramCredentials (API key 50) / AlterUserScramCredentials (API key 51), KIP-554: field lists transcribed
// from Kafka 3.7.1's DescribeUserScramCredentialsRequest.json / …Response.json / AlterUserScramCredentialsRequest.json /
// …Response.json (apache/kafka clients/src/main/resources/common/message) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const describeUserScramCredentialsRequest = {
  name: 'DescribeUserScramCredentialsRequest',
  apiKey: 50,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'users', type: '[]UserName', versions: '0+', nullableVersions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type DescribeUserScramCredentialsRequest = BodyOf<typeof describeUserScramCredentialsRequest>;
export type DescribeUserScramCredentialsRequestInput = InputOf<typeof describeUserScramCredentialsRequest>;

export const describeUserScramCredentialsResponse = {
  name: 'DescribeUserScramCredentialsResponse',
  apiKey: 50,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'results', type: '[]DescribeUserScramCredentialsResult', versions: '0+', fields: [
      { name: 'user', type: 'string', versions: '0+' },
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
      { name: 'credentialInfos', type: '[]CredentialInfo', versions: '0+', fields: [
        { name: 'mechanism', type: 'int8', versions: '0+' },
        { name: 'iterations', type: 'int32', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type DescribeUserScramCredentialsResponse = BodyOf<typeof describeUserScramCredentialsResponse>;
export type DescribeUserScramCredentialsResponseInput = InputOf<typeof describeUserScramCredentialsResponse>;

export const alterUserScramCredentialsRequest = {
  name: 'AlterUserScramCredentialsRequest',
  apiKey: 51,
  type: 'request',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'deletions', type: '[]ScramCredentialDeletion', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'mechanism', type: 'int8', versions: '0+' },
    ] },
    { name: 'upsertions', type: '[]ScramCredentialUpsertion', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'mechanism', type: 'int8', versions: '0+' },
      { name: 'iterations', type: 'int32', versions: '0+' },
      { name: 'salt', type: 'bytes', versions: '0+' },
      { name: 'saltedPassword', type: 'bytes', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type AlterUserScramCredentialsRequest = BodyOf<typeof alterUserScramCredentialsRequest>;
export type AlterUserScramCredentialsRequestInput = InputOf<typeof alterUserScramCredentialsRequest>;

export const alterUserScramCredentialsResponse = {
  name: 'AlterUserScramCredentialsResponse',
  apiKey: 51,
  type: 'response',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'results', type: '[]AlterUserScramCredentialsResult', versions: '0+', fields: [
      { name: 'user', type: 'string', versions: '0+' },
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type AlterUserScramCredentialsResponse = BodyOf<typeof alterUserScramCredentialsResponse>;
export type AlterUserScramCredentialsResponseInput = InputOf<typeof alterUserScramCredentialsResponse>;
