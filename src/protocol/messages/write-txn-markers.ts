// WriteTxnMarkers (API key 27): field lists transcribed from Kafka's WriteTxnMarkersRequest.json /
// WriteTxnMarkersResponse.json (apache/kafka 3.7.1) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const writeTxnMarkersRequest = {
  name: 'WriteTxnMarkersRequest',
  apiKey: 27,
  type: 'request',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    { name: 'markers', type: '[]WritableTxnMarker', versions: '0+', fields: [
      { name: 'producerId', type: 'int64', versions: '0+' },
      { name: 'producerEpoch', type: 'int16', versions: '0+' },
      { name: 'transactionResult', type: 'bool', versions: '0+' },
      { name: 'topics', type: '[]WritableTxnMarkerTopic', versions: '0+', fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'partitionIndexes', type: '[]int32', versions: '0+' },
      ] },
      { name: 'coordinatorEpoch', type: 'int32', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type WriteTxnMarkersRequest = BodyOf<typeof writeTxnMarkersRequest>;
export type WriteTxnMarkersRequestInput = InputOf<typeof writeTxnMarkersRequest>;

export const writeTxnMarkersResponse = {
  name: 'WriteTxnMarkersResponse',
  apiKey: 27,
  type: 'response',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    { name: 'markers', type: '[]WritableTxnMarkerResult', versions: '0+', fields: [
      { name: 'producerId', type: 'int64', versions: '0+' },
      { name: 'topics', type: '[]WritableTxnMarkerTopicResult', versions: '0+', fields: [
        { name: 'name', type: 'string', versions: '0+' },
        { name: 'partitions', type: '[]WritableTxnMarkerPartitionResult', versions: '0+', fields: [
          { name: 'partitionIndex', type: 'int32', versions: '0+' },
          { name: 'errorCode', type: 'int16', versions: '0+' },
        ] },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type WriteTxnMarkersResponse = BodyOf<typeof writeTxnMarkersResponse>;
export type WriteTxnMarkersResponseInput = InputOf<typeof writeTxnMarkersResponse>;
