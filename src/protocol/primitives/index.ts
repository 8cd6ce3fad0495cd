export { Reader } from './reader.js';
export { Writer, ZERO_COPY_THRESHOLD } from './writer.js';
export { ProtocolDecodeError, ProtocolEncodeError, type DecodeErrorKind } from './errors.js';
