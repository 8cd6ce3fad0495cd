/**
 * Errors raised by the Kafka protocol codec.
 *
 * Every failure while *decoding* untrusted bytes is a {@link ProtocolDecodeError} (or a subclass), never a
 * RangeError/TypeError: the socket layer can catch exactly one type and decide to close the connection or
 * answer with an error code.
 */

/** Why a frame could not be decoded. */
export type DecodeErrorKind = 'malformed' | 'unknown-api-key' | 'unsupported-version';

export class ProtocolDecodeError extends Error {
  override name = 'ProtocolDecodeError';
  readonly kind: DecodeErrorKind = 'malformed';
  /**
   * @param expected what the decoder was trying to read (e.g. "int32", "string of 12 bytes")
   * @param offset byte offset in the buffer being decoded where the failed read started
   */
  constructor(
    readonly expected: string,
    readonly offset: number,
    detail?: string,
  ) {
    super(`Malformed Kafka protocol data at offset ${offset}: expected ${expected}${detail ? ` (${detail})` : ''}`);
  }
}

/** A value that cannot be represented in the requested message version (Kafka: UnsupportedVersionException). */
export class ProtocolEncodeError extends Error {
  override name = 'ProtocolEncodeError';
  constructor(message: string) {
    super(message);
  }
}
