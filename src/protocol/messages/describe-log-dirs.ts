// DescribeLogDirs (API key 35): field lists transcribed from Kafka 3.7.1's DescribeLogDirsRequest.json /
// DescribeLogDirsResponse.json (apache/kafka clients/src/main/resources/common/message) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const describeLogDirsRequest = {
  name: 'DescribeLogDirsRequest',
  apiKey: 35,
  type: 'request',
  validVersions: '0-4',
  flexibleVersions: '2+',
  fields: [
    { name: 'topics', type: '[]DescribableLogDirTopic', versions: '0+', nullableVersions: '0+', fields: [
      { name: 'topic', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]int32', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type DescribeLogDirsRequest = BodyOf<typeof describeLogDirsRequest>;
export type DescribeLogDirsRequestInput = InputOf<typeof describeLogDirsRequest>;

export const describeLogDirsResponse = {
  name: 'DescribeLogDirsResponse',
  apiKey: 35,
  type: 'response',
  validVersions: '0-4',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '3+', ignorable: true },
    { name: 'results', type: '[]DescribeLogDirsResult', versions: '0+', fields: [
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'logDir', type: 'string', versions: '0+' },
      { name: 'topics', type: '[]DescribeLogDirsTopic', versions: '0+', fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'partitions', type: '[]DescribeLogDirsPartition', versions: '0+', fields: [
          { name: 'partitionIndex', type: 'int32', versions: '0+' },
          { name: 'partitionSize', type: 'int64', versions: '0+' },
          { name: 'offsetLag', type: 'int64', versions: '0+' },
          { name: 'isFutureKey', type: 'bool', versions: '0+' },
        ] },
      ] },
      { name: 'totalBytes', type: 'int64', versions: '4+', ignorable: true, default: -1 },
      { name: 'usableBytes', type: 'int64', versions: '4+', ignorable: true, default: -1 },
    ] },
  ],
} as const satisfies MessageSchema;
export type DescribeLogDirsResponse = BodyOf<typeof describeLogDirsResponse>;
export type DescribeLogDirsResponseInput = InputOf<typeof describeLogDirsResponse>;
