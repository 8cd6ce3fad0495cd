/**
 * Whole Kafka frames: request decoding (header + body) and response encoding (size prefix + header + body).
 *
 * `decodeRequest` takes ONE frame WITHOUT its 4-byte size prefix (what a socket framer hands over) and
 * either returns the typed request or throws a {@link ProtocolDecodeError} whose `kind` says what to do:
 * - `unknown-api-key` ({@link UnknownApiKeyError}): the key is not implemented or not enabled on this listener
 *   (Kafka closes the connection);
 * - `unsupported-version` ({@link UnsupportedVersionError}): the key is enabled but not at this version. For
 *   ApiVersions Kafka answers with a v0 ApiVersions response carrying UNSUPPORTED_VERSION (35) and its own
 *   ApiVersions range ({@link encodeApiVersionsUnsupported}); for other APIs it closes the connection;
 * - `malformed`: truncated or invalid bytes (the header or the body cannot be read).
 * Bytes left after a fully read body are NOT an error: Kafka's AbstractRequest.parseRequest reads the body from the
 * buffer and never looks at what remains (librdkafka 2.0.x sends one extra byte in ListGroups v3+ and three in its
 * admin OffsetFetch v7), so the request is decoded and `trailingBytes` says how many were left.
 * Whenever the first 8 bytes were readable, the error carries `header` (api key, version, correlation id and,
 * if readable, client id), so the caller can answer.
 */
import { ApiKey, DEFAULT_API_SUPPORT, apiKeyName, type ApiRange, type ApiSupport } from './api-keys.js';
import { ErrorCode } from './errors.js';
import {
  readRequestHeader,
  readResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  writeRequestHeader,
  writeResponseHeader,
  type RequestHeader,
  type RequestHeaderInput,
} from './headers.js';
import { MESSAGES, messagesFor, type ImplementedApiKey, type Messages } from './messages/index.js';
import { ProtocolDecodeError } from './primitives/errors.js';
import { Reader } from './primitives/reader.js';
import { Writer } from './primitives/writer.js';
import { codecFor, type BodyOf, type InputOf } from './schema.js';

/** The header fields readable at fixed offsets (client id may be missing if unreadable). */
export interface PartialRequestHeader {
  requestApiKey: number;
  requestApiVersion: number;
  correlationId: number;
  clientId?: string | null;
}

export class UnknownApiKeyError extends ProtocolDecodeError {
  override readonly kind = 'unknown-api-key';
  /** true when the codec knows the key but the listener's support table does not enable it */
  readonly implemented: boolean;
  constructor(readonly header: PartialRequestHeader) {
    super('a supported API key', 0, `API key ${header.requestApiKey} (${apiKeyName(header.requestApiKey)}) is not enabled`);
    this.implemented = messagesFor(header.requestApiKey) !== undefined;
  }
}

export class UnsupportedVersionError extends ProtocolDecodeError {
  override readonly kind = 'unsupported-version';
  constructor(
    readonly header: PartialRequestHeader,
    readonly supported: ApiRange,
  ) {
    super(
      `${supported.name} version ${supported.minVersion}-${supported.maxVersion}`,
      2,
      `got version ${header.requestApiVersion}`,
    );
  }
}

/** A decoded request, discriminated by `apiKey`. */
export type DecodedRequest = {
  [K in ImplementedApiKey]: {
    apiKey: K;
    apiVersion: number;
    headerVersion: number;
    header: RequestHeader;
    body: BodyOf<Messages[K]['request']>;
    /** Bytes after the body, ignored as Kafka ignores them (0 for a well-formed request). */
    trailingBytes: number;
  };
}[ImplementedApiKey];

export type RequestBody<K extends ImplementedApiKey> = BodyOf<Messages[K]['request']>;
export type ResponseBody<K extends ImplementedApiKey> = BodyOf<Messages[K]['response']>;
export type RequestInput<K extends ImplementedApiKey> = InputOf<Messages[K]['request']>;
export type ResponseInput<K extends ImplementedApiKey> = InputOf<Messages[K]['response']>;

function partialHeader(frame: Buffer): PartialRequestHeader {
  const r = new Reader(frame);
  const h: PartialRequestHeader = { requestApiKey: r.int16(), requestApiVersion: r.int16(), correlationId: r.int32() };
  try {
    h.clientId = r.nullableString();
  } catch {
    // leave clientId unset
  }
  return h;
}

/** Reads a 4-byte size prefix at `offset`: the frame length, or -1 if fewer than 4 bytes are there. */
export function readFrameSize(buf: Buffer, offset = 0): number {
  return buf.length - offset < 4 ? -1 : buf.readInt32BE(offset);
}

/** Decodes one request frame (without its size prefix); see the module comment for the errors. */
export function decodeRequest(frame: Buffer, support: ApiSupport = DEFAULT_API_SUPPORT): DecodedRequest {
  if (frame.length < 8) throw new ProtocolDecodeError('request header (8 bytes at least)', 0, `frame of ${frame.length} bytes`);
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  const messages = messagesFor(apiKey);
  const range = support.get(apiKey);
  if (messages === undefined || range === undefined) throw new UnknownApiKeyError(partialHeader(frame));
  if (apiVersion < range.minVersion || apiVersion > range.maxVersion) {
    throw new UnsupportedVersionError(partialHeader(frame), range);
  }
  const codec = codecFor(messages.request);
  if (!codec.supports(apiVersion)) throw new UnsupportedVersionError(partialHeader(frame), range);
  const r = new Reader(frame);
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const header = readRequestHeader(r, headerVersion);
  const body = codec.read(r, apiVersion);
  return { apiKey, apiVersion, headerVersion, header, body, trailingBytes: r.end - r.pos } as unknown as DecodedRequest;
}

function writeResponse<K extends ImplementedApiKey>(
  w: Writer,
  correlationId: number,
  apiKey: K,
  version: number,
  body: ResponseInput<K>,
): void {
  w.int32(0); // size, patched below
  writeResponseHeader(w, correlationId, responseHeaderVersion(apiKey, version));
  codecFor(MESSAGES[apiKey].response).write(w, version, body as never);
  w.patchInt32(0, w.length - 4);
}

/** Encodes a response frame: 4-byte size, response header (v0/v1 as Kafka chooses), body. */
export function encodeResponse<K extends ImplementedApiKey>(
  correlationId: number,
  apiKey: K,
  version: number,
  body: ResponseInput<K>,
): Buffer {
  const w = new Writer(256);
  writeResponse(w, correlationId, apiKey, version, body);
  return w.finish();
}

/**
 * Like {@link encodeResponse} but `records`/`bytes` values of 4 KiB or more are not copied: returns the
 * frame as a list of buffers to write in order (e.g. Fetch responses).
 */
export function encodeResponseChunks<K extends ImplementedApiKey>(
  correlationId: number,
  apiKey: K,
  version: number,
  body: ResponseInput<K>,
): Buffer[] {
  const w = new Writer(1024, true);
  writeResponse(w, correlationId, apiKey, version, body);
  return w.finishChunks();
}

/**
 * The answer to an ApiVersions request at a version the broker does not support: always ApiVersions v0
 * format, error UNSUPPORTED_VERSION and the ApiVersions range, so the client can retry lower.
 */
export function encodeApiVersionsUnsupported(correlationId: number, support: ApiSupport = DEFAULT_API_SUPPORT): Buffer {
  const own = support.get(ApiKey.ApiVersions);
  return encodeResponse(correlationId, ApiKey.ApiVersions, 0, {
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
    apiKeys: own ? [{ apiKey: ApiKey.ApiVersions, minVersion: own.minVersion, maxVersion: own.maxVersion }] : [],
  });
}

/** Encodes a request frame with size prefix (clients, tests). */
export function encodeRequest<K extends ImplementedApiKey>(
  header: RequestHeaderInput & { requestApiKey: K; requestApiVersion: number },
  body: RequestInput<K>,
): Buffer {
  const apiKey = header.requestApiKey;
  const version = header.requestApiVersion;
  const w = new Writer(256);
  w.int32(0);
  writeRequestHeader(w, header, requestHeaderVersion(apiKey, version));
  codecFor(MESSAGES[apiKey].request).write(w, version, body as never);
  w.patchInt32(0, w.length - 4);
  return w.finish();
}

/** Decodes a response frame (without size prefix) for a known request (clients, tests). */
export function decodeResponse<K extends ImplementedApiKey>(
  frame: Buffer,
  apiKey: K,
  version: number,
): { correlationId: number; body: ResponseBody<K> } {
  const r = new Reader(frame);
  const { correlationId } = readResponseHeader(r, responseHeaderVersion(apiKey, version));
  const body = codecFor(MESSAGES[apiKey].response).read(r, version) as unknown as ResponseBody<K>;
  if (r.pos !== r.end) throw new ProtocolDecodeError('end of response', r.pos, `${r.end - r.pos} trailing bytes`);
  return { correlationId, body };
}
