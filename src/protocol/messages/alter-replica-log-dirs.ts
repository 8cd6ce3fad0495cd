// AlterReplicaLogDirs (API key 34): field lists transcribed from Kafka 3.7.1's AlterReplicaLogDirsRequest.json /
// AlterReplicaLogDirsResponse.json (apache/kafka clients/src/main/resources/common/message) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const alterReplicaLogDirsRequest = {
  name: 'AlterReplicaLogDirsRequest',
  apiKey: 34,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'dirs', type: '[]AlterReplicaLogDir', versions: '0+', fields: [
      { name: 'path', type: 'string', versions: '0+' },
      { name: 'topics', type: '[]AlterReplicaLogDirTopic', versions: '0+', fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'partitions', type: '[]int32', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type AlterReplicaLogDirsRequest = BodyOf<typeof alterReplicaLogDirsRequest>;
export type AlterReplicaLogDirsRequestInput = InputOf<typeof alterReplicaLogDirsRequest>;

export const alterReplicaLogDirsResponse = {
  name: 'AlterReplicaLogDirsResponse',
  apiKey: 34,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'results', type: '[]AlterReplicaLogDirTopicResult', versions: '0+', fields: [
      { name: 'topicName', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]AlterReplicaLogDirPartitionResult', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type AlterReplicaLogDirsResponse = BodyOf<typeof alterReplicaLogDirsResponse>;
export type AlterReplicaLogDirsResponseInput = InputOf<typeof alterReplicaLogDirsResponse>;
