/**
 * SaslHandshake (17) and SaslAuthenticate (36) reaching KafkaApis, as Kafka's handleSaslHandshakeRequest /
 * handleSaslAuthenticateRequest: on a SASL listener the connection's SaslServerAuthenticator answers them before
 * authentication (services/security/sasl-server-authenticator.ts), so here they only arrive on a listener without
 * SASL: ILLEGAL_SASL_STATE. They are handled (and so advertised in ApiVersions, which librdkafka and kafkajs check
 * before a SASL login) on every listener, as in Kafka.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ApiHandler } from './common.js';

export function saslHandshakeHandler(): ApiHandler<typeof ApiKey.SaslHandshake> {
  return {
    apiKey: ApiKey.SaslHandshake,
    async handle() { return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] }; },
    errorResponse(_req, errorCode) { return { errorCode, mechanisms: [] }; },
  };
}

export function saslAuthenticateHandler(): ApiHandler<typeof ApiKey.SaslAuthenticate> {
  const answer = (errorCode: number, errorMessage: string | null) => ({ errorCode, errorMessage, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n });
  return {
    apiKey: ApiKey.SaslAuthenticate,
    async handle(_req, hc) { return answer(ErrorCode.ILLEGAL_SASL_STATE, `SaslAuthenticate request received on listener ${hc.conn.listenerName}, which does not use SASL`); },
    errorResponse(_req, errorCode, message) { return answer(errorCode, message); },
  };
}
