// DeleteRecords (API key 21): field lists transcribed from Kafka 3.7.1's DeleteRecordsRequest.json /
// DeleteRecordsResponse.json (apache/kafka clients/src/main/resources/common/message) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const deleteRecordsRequest = {
  name: 'DeleteRecordsRequest',
  apiKey: 21,
  type: 'request',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'topics', type: '[]DeleteRecordsTopic', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]DeleteRecordsPartition', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'offset', type: 'int64', versions: '0+' },
      ] },
    ] },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type DeleteRecordsRequest = BodyOf<typeof deleteRecordsRequest>;
export type DeleteRecordsRequestInput = InputOf<typeof deleteRecordsRequest>;

export const deleteRecordsResponse = {
  name: 'DeleteRecordsResponse',
  apiKey: 21,
  type: 'response',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'topics', type: '[]DeleteRecordsTopicResult', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+' },
      { name: 'partitions', type: '[]DeleteRecordsPartitionResult', versions: '0+', fields: [
        { name: 'partitionIndex', type: 'int32', versions: '0+' },
        { name: 'lowWatermark', type: 'int64', versions: '0+' },
        { name: 'errorCode', type: 'int16', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type DeleteRecordsResponse = BodyOf<typeof deleteRecordsResponse>;
export type DeleteRecordsResponseInput = InputOf<typeof deleteRecordsResponse>;
