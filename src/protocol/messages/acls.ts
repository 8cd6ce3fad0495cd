// DescribeAcls (29), CreateAcls (30), DeleteAcls (31): field lists transcribed from Kafka 3.7.1's DescribeAclsRequest.json /
// DescribeAclsResponse.json / CreateAclsRequest.json / CreateAclsResponse.json / DeleteAclsRequest.json /
// DeleteAclsResponse.json (apache/kafka clients/src/main/resources/common/message) into Rafka's schema format.
import type { BodyOf, InputOf, MessageSchema } from '../schema.js';

export const describeAclsRequest = {
  name: 'DescribeAclsRequest',
  apiKey: 29,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'resourceTypeFilter', type: 'int8', versions: '0+' },
    { name: 'resourceNameFilter', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'patternTypeFilter', type: 'int8', versions: '1+', default: 3 },
    { name: 'principalFilter', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'hostFilter', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'operation', type: 'int8', versions: '0+' },
    { name: 'permissionType', type: 'int8', versions: '0+' },
  ],
} as const satisfies MessageSchema;
export type DescribeAclsRequest = BodyOf<typeof describeAclsRequest>;
export type DescribeAclsRequestInput = InputOf<typeof describeAclsRequest>;

export const describeAclsResponse = {
  name: 'DescribeAclsResponse',
  apiKey: 29,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'resources', type: '[]DescribeAclsResource', versions: '0+', fields: [
      { name: 'resourceType', type: 'int8', versions: '0+' },
      { name: 'resourceName', type: 'string', versions: '0+' },
      { name: 'patternType', type: 'int8', versions: '1+', default: 3 },
      { name: 'acls', type: '[]AclDescription', versions: '0+', fields: [
        { name: 'principal', type: 'string', versions: '0+' },
        { name: 'host', type: 'string', versions: '0+' },
        { name: 'operation', type: 'int8', versions: '0+' },
        { name: 'permissionType', type: 'int8', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type DescribeAclsResponse = BodyOf<typeof describeAclsResponse>;
export type DescribeAclsResponseInput = InputOf<typeof describeAclsResponse>;

export const createAclsRequest = {
  name: 'CreateAclsRequest',
  apiKey: 30,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'creations', type: '[]AclCreation', versions: '0+', fields: [
      { name: 'resourceType', type: 'int8', versions: '0+' },
      { name: 'resourceName', type: 'string', versions: '0+' },
      { name: 'resourcePatternType', type: 'int8', versions: '1+', default: 3 },
      { name: 'principal', type: 'string', versions: '0+' },
      { name: 'host', type: 'string', versions: '0+' },
      { name: 'operation', type: 'int8', versions: '0+' },
      { name: 'permissionType', type: 'int8', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type CreateAclsRequest = BodyOf<typeof createAclsRequest>;
export type CreateAclsRequestInput = InputOf<typeof createAclsRequest>;

export const createAclsResponse = {
  name: 'CreateAclsResponse',
  apiKey: 30,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'results', type: '[]AclCreationResult', versions: '0+', fields: [
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type CreateAclsResponse = BodyOf<typeof createAclsResponse>;
export type CreateAclsResponseInput = InputOf<typeof createAclsResponse>;

export const deleteAclsRequest = {
  name: 'DeleteAclsRequest',
  apiKey: 31,
  type: 'request',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'filters', type: '[]DeleteAclsFilter', versions: '0+', fields: [
      { name: 'resourceTypeFilter', type: 'int8', versions: '0+' },
      { name: 'resourceNameFilter', type: 'string', versions: '0+', nullableVersions: '0+' },
      { name: 'patternTypeFilter', type: 'int8', versions: '1+', default: 3 },
      { name: 'principalFilter', type: 'string', versions: '0+', nullableVersions: '0+' },
      { name: 'hostFilter', type: 'string', versions: '0+', nullableVersions: '0+' },
      { name: 'operation', type: 'int8', versions: '0+' },
      { name: 'permissionType', type: 'int8', versions: '0+' },
    ] },
  ],
} as const satisfies MessageSchema;
export type DeleteAclsRequest = BodyOf<typeof deleteAclsRequest>;
export type DeleteAclsRequestInput = InputOf<typeof deleteAclsRequest>;

export const deleteAclsResponse = {
  name: 'DeleteAclsResponse',
  apiKey: 31,
  type: 'response',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
    { name: 'filterResults', type: '[]DeleteAclsFilterResult', versions: '0+', fields: [
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
      { name: 'matchingAcls', type: '[]DeleteAclsMatchingAcl', versions: '0+', fields: [
        { name: 'errorCode', type: 'int16', versions: '0+' },
        { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
        { name: 'resourceType', type: 'int8', versions: '0+' },
        { name: 'resourceName', type: 'string', versions: '0+' },
        { name: 'patternType', type: 'int8', versions: '1+', default: 3 },
        { name: 'principal', type: 'string', versions: '0+' },
        { name: 'host', type: 'string', versions: '0+' },
        { name: 'operation', type: 'int8', versions: '0+' },
        { name: 'permissionType', type: 'int8', versions: '0+' },
      ] },
    ] },
  ],
} as const satisfies MessageSchema;
export type DeleteAclsResponse = BodyOf<typeof deleteAclsResponse>;
export type DeleteAclsResponseInput = InputOf<typeof deleteAclsResponse>;
