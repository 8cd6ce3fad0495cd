/**
 * Request and response headers, and which header version an API version uses (as Kafka's generated
 * `ApiMessageType.requestHeaderVersion` / `responseHeaderVersion`):
 * - request header v2 (tagged fields) for flexible versions, v1 otherwise, v0 for ControlledShutdown v0;
 * - response header v1 (tagged fields) for flexible versions, v0 otherwise, and ALWAYS v0 for ApiVersions
 *   (a client cannot know the broker's flexible versions before it has the ApiVersions answer).
 * The client id stays a classic (int16-length) nullable string even in header v2.
 */
import { ApiKey } from './api-keys.js';
import { messagesFor } from './messages/index.js';
import { codecFor, type BodyOf, type InputOf, type MessageSchema } from './schema.js';
import { inVersions, parseVersions } from './schema.js';
import type { Reader } from './primitives/reader.js';
import type { Writer } from './primitives/writer.js';

export const requestHeaderSchema = {
  name: 'RequestHeader',
  apiKey: -1,
  type: 'header',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    { name: 'requestApiKey', type: 'int16', versions: '0+' },
    { name: 'requestApiVersion', type: 'int16', versions: '0+' },
    { name: 'correlationId', type: 'int32', versions: '0+' },
    { name: 'clientId', type: 'string', versions: '1+', nullableVersions: '1+', ignorable: true, flexibleVersions: 'none' },
  ],
} as const satisfies MessageSchema;

export const responseHeaderSchema = {
  name: 'ResponseHeader',
  apiKey: -1,
  type: 'header',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [{ name: 'correlationId', type: 'int32', versions: '0+' }],
} as const satisfies MessageSchema;

export type RequestHeader = BodyOf<typeof requestHeaderSchema>;
export type RequestHeaderInput = InputOf<typeof requestHeaderSchema>;
export type ResponseHeader = BodyOf<typeof responseHeaderSchema>;

const requestHeaderCodec = codecFor(requestHeaderSchema);
const responseHeaderCodec = codecFor(responseHeaderSchema);

/** First flexible version per API key (Infinity: never flexible or not implemented), cached. */
const firstFlexible: number[] = [];

/** Whether (apiKey, version) is a flexible version; false for keys the codec does not implement. */
export function isFlexibleVersion(apiKey: number, version: number): boolean {
  let first = firstFlexible[apiKey];
  if (first === undefined) {
    const m = messagesFor(apiKey);
    first = m === undefined || !inVersions(m.request.flexibleVersions, parseVersions(m.request.flexibleVersions)[0]) ? Infinity : parseVersions(m.request.flexibleVersions)[0];
    if (apiKey >= 0 && apiKey < 1024) firstFlexible[apiKey] = first;
  }
  return version >= first;
}

export function requestHeaderVersion(apiKey: number, version: number): 0 | 1 | 2 {
  if (apiKey === ApiKey.ControlledShutdown && version === 0) return 0;
  return isFlexibleVersion(apiKey, version) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, version: number): 0 | 1 {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexibleVersion(apiKey, version) ? 1 : 0;
}

export function readRequestHeader(r: Reader, headerVersion: number): RequestHeader {
  return requestHeaderCodec.read(r, headerVersion);
}

export function writeRequestHeader(w: Writer, header: RequestHeaderInput, headerVersion: number): void {
  requestHeaderCodec.write(w, headerVersion, header);
}

export function readResponseHeader(r: Reader, headerVersion: number): ResponseHeader {
  return responseHeaderCodec.read(r, headerVersion);
}

export function writeResponseHeader(w: Writer, correlationId: number, headerVersion: number): void {
  w.int32(correlationId);
  if (headerVersion >= 1) w.unsignedVarint(0); // no tagged fields
}
