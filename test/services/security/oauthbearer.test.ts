/**
 * OAUTHBEARER with Kafka's unsecured-JWS validator (development only): a valid unsigned token logs in as its `sub`;
 * an expired / signed / subject-less token gets the `{"status":"invalid_token"}` challenge and the client's \x01 then
 * fails the login; the session lifetime is the token's remaining life (KIP-368) bounded by connections.max.reauth.ms.
 */
import { describe, expect, it } from 'vitest';
import { OAuthBearerSaslServer, validateUnsecuredJws } from '../../../src/services/security/oauthbearer.js';
import { SaslAuthenticationError } from '../../../src/services/security/scram.js';
import { SaslServerAuthenticator } from '../../../src/services/security/sasl-server-authenticator.js';
import { decodeResponse, encodeRequest } from '../../../src/protocol/frame.js';
import type { ConnectionInfo } from '../../../src/services/network/connection.js';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jws = (payload: unknown, header: unknown = { alg: 'none' }) => `${b64(header)}.${b64(payload)}.`;
const initial = (token: string, authzid = '') => Buffer.from(`n,${authzid ? `a=${authzid}` : ''},\u0001auth=Bearer ${token}\u0001\u0001`);
const NOW = 1_700_000_000_000;

describe('OAUTHBEARER (unsecured JWS)', () => {
  it('validates like OAuthBearerUnsecuredValidatorCallbackHandler', () => {
    expect(validateUnsecuredJws(jws({ sub: 'dev', exp: NOW / 1000 + 60, iat: NOW / 1000 }), NOW)).toEqual({ sub: 'dev', exp: NOW / 1000 + 60 });
    expect(validateUnsecuredJws(jws({ sub: 'dev', exp: NOW / 1000 - 1 }), NOW)).toBeNull(); // expired
    expect(validateUnsecuredJws(jws({ exp: NOW / 1000 + 60 }), NOW)).toBeNull(); // no sub
    expect(validateUnsecuredJws(jws({ sub: 'dev' }), NOW)).toBeNull(); // no exp
    expect(validateUnsecuredJws(jws({ sub: 'dev', exp: NOW / 1000 + 60 }, { alg: 'HS256' }), NOW)).toBeNull();
    expect(validateUnsecuredJws(`${jws({ sub: 'dev', exp: NOW / 1000 + 60 })}sig`, NOW)).toBeNull(); // signed
  });

  it('logs in as the token\'s sub; a bad token gets invalid_token, then the \\x01 fails the login; authzid must match', async () => {
    const ok = new OAuthBearerSaslServer(() => NOW);
    expect(await ok.evaluateResponse(initial(jws({ sub: 'dev', exp: NOW / 1000 + 60 })))).toEqual(Buffer.alloc(0));
    expect([ok.isComplete, ok.authorizationId, ok.expiresAtMs]).toEqual([true, 'dev', NOW + 60_000]);
    const bad = new OAuthBearerSaslServer(() => NOW);
    expect((await bad.evaluateResponse(initial(jws({ sub: 'dev', exp: 1 })))).toString()).toBe('{"status":"invalid_token"}');
    await expect(bad.evaluateResponse(Buffer.from([1]))).rejects.toThrow(new SaslAuthenticationError('{"status":"invalid_token"}'));
    await expect(new OAuthBearerSaslServer(() => NOW).evaluateResponse(initial(jws({ sub: 'dev', exp: NOW / 1000 + 60 }), 'other')))
      .rejects.toThrow(/authorization id \(other\) that is different from the token's principal name \(dev\)/);
  });

  it('through the authenticator: the session lifetime is the token\'s remaining life, bounded by connections.max.reauth.ms', async () => {
    for (const [reauth, expected] of [[0, 60_000n], [10_000, 10_000n]] as const) {
      const conn = { id: 'c', listenerName: 'L', remoteAddress: '127.0.0.1', remotePort: 1 } as unknown as ConnectionInfo;
      const a = new SaslServerAuthenticator({ enabledMechanisms: ['OAUTHBEARER'], plainUsers: new Map(), credentials: async () => null, failedAuthenticationDelayMs: 0,
        maxReceiveSize: 4096, reauthMs: () => reauth, now: () => NOW }, async () => null, { warn: () => undefined, debug: () => undefined } as never);
      const f = (k: number, body: unknown) => encodeRequest({ requestApiKey: k, requestApiVersion: k === 17 ? 1 : 2, correlationId: 1, clientId: 't' } as never, body as never).subarray(4);
      await a.handle(f(17, { mechanism: 'OAUTHBEARER' }), conn);
      const out = decodeResponse(((await a.handle(f(36, { authBytes: initial(jws({ sub: 'dev', exp: NOW / 1000 + 60 })) }), conn)) as Buffer).subarray(4), 36, 2).body;
      expect([out.errorCode, out.sessionLifetimeMs, conn.principal?.name]).toEqual([0, expected, 'dev']);
    }
  });
});
