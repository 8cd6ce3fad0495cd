// ControlledShutdown (API key 7): field lists transcribed from Kafka's ControlledShutdownRequest.json / ControlledShutdownResponse.json
// (apache/kafka clients/src/main/resources/common/message, commit 1eb7644349cb) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const controlledShutdownRequest = {
  name: 'ControlledShutdownRequest',
  apiKey: 7,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'brokerId', type: 'int32', versions: '0+' },
    { name: 'brokerEpoch', type: 'int64', versions: '2+', ignorable: true, default: -1 },
  ],
} as const satisfies MessageSchema;
export type ControlledShutdownRequest = BodyOf<typeof controlledShutdownRequest>;
export type ControlledShutdownRequestInput = InputOf<typeof controlledShutdownRequest>;

export const controlledShutdownResponse = {
  name: 'ControlledShutdownResponse',
  apiKey: 7,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'remainingPartitions', type: '[]RemainingPartition', versions: '0+', fields: [
      { name: 'topicName', type: 'string', versions: '0+' },
      { name: 'partitionIndex', type: 'int32', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type ControlledShutdownResponse = BodyOf<typeof controlledShutdownResponse>;
export type ControlledShutdownResponseInput = InputOf<typeof controlledShutdownResponse>;
