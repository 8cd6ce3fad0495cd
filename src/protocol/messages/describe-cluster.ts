// DescribeCluster (API key 60): field lists transcribed from Kafka 3.7.1's DescribeClusterRequest.json /
// DescribeClusterResponse.json (apache/kafka clients/src/main/resources/common/message) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const describeClusterRequest = {
  name: 'DescribeClusterRequest',
  apiKey: 60,
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    { name: 'includeClusterAuthorizedOperations', type: 'bool', versions: '0+' },
    { name: 'endpointType', type: 'int8', versions: '1+', default: 1 },
  ],
} as const satisfies MessageSchema;
export type DescribeClusterRequest = BodyOf<typeof describeClusterRequest>;
export type DescribeClusterRequestInput = InputOf<typeof describeClusterRequest>;

export const describeClusterResponse = {
  name: 'DescribeClusterResponse',
  apiKey: 60,
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
    { name: 'endpointType', type: 'int8', versions: '1+', default: 1 },
    { name: 'clusterId', type: 'string', versions: '0+' },
    { name: 'controllerId', type: 'int32', versions: '0+', default: -1 },
    { name: 'brokers', type: '[]DescribeClusterBroker', versions: '0+', fields: [
      { name: 'brokerId', type: 'int32', versions: '0+' },
      { name: 'host', type: 'string', versions: '0+' },
      { name: 'port', type: 'int32', versions: '0+' },
      { name: 'rack', type: 'string', versions: '0+', nullableVersions: '0+', default: null },
    ] },
    { name: 'clusterAuthorizedOperations', type: 'int32', versions: '0+', default: -2147483648 },
  ],
} as const satisfies MessageSchema;
export type DescribeClusterResponse = BodyOf<typeof describeClusterResponse>;
export type DescribeClusterResponseInput = InputOf<typeof describeClusterResponse>;
