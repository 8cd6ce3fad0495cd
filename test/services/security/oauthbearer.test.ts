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
    const refused = (r: ReturnType<typeof validateUnsecuredJws>) => ('status' in r ? r.status : 'accepted');
    expect(refused(validateUnsecuredJws(jws({ sub: 'dev', exp: NOW / 1000 - 1 }), NOW))).toBe('invalid_token'); // expired
    expect(refused(validateUnsecuredJws(jws({ exp: NOW / 1000 + 60 }), NOW))).toBe('invalid_token'); // no sub
    expect(refused(validateUnsecuredJws(jws({ sub: 'dev' }), NOW))).toBe('invalid_token'); // no exp
    expect(refused(validateUnsecuredJws(jws({ sub: 'dev', exp: NOW / 1000 + 60 }, { alg: 'HS256' }), NOW))).toBe('invalid_token');
    expect(refused(validateUnsecuredJws(`${jws({ sub: 'dev', exp: NOW / 1000 + 60 })}sig`, NOW))).toBe('invalid_token'); // signed
    expect(refused(validateUnsecuredJws(jws({ sub: 'dev', exp: NOW / 1000 + 60, iat: NOW / 1000 + 60 }), NOW))).toBe('invalid_token'); // exp not after iat
    expect(refused(validateUnsecuredJws(jws({ sub: 'dev', exp: NOW / 1000 + 60, iat: NOW / 1000 + 1 }), NOW))).toBe('invalid_token'); // issued in the future
  });

  it('the unsecuredValidator* options: required scope, clock skew, principal and scope claim names', async () => {
    const { unsecuredValidatorOptions } = await import('../../../src/services/security/oauthbearer.js');
    const { parseJaasConfig } = await import('../../../src/services/security/jaas-config.js');
    const key = 'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config';
    const opts = (text: string) => unsecuredValidatorOptions(parseJaasConfig(key, `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ${text};`)[0]!.options, key);
    const o = opts('unsecuredValidatorRequiredScope="read  write" unsecuredValidatorAllowableClockSkewMs="30000" unsecuredValidatorPrincipalClaimName="client_id" unsecuredValidatorScopeClaimName="scp"');
    expect(o).toEqual({ principalClaimName: 'client_id', scopeClaimName: 'scp', requiredScope: ['read', 'write'], allowableClockSkewMs: 30_000 });
    expect(opts('unsecuredValidatorRequiredScope=" "')).toEqual({ principalClaimName: 'sub', scopeClaimName: 'scope', requiredScope: [], allowableClockSkewMs: 0 });
    expect(() => opts('unsecuredValidatorAllowableClockSkewMs="-1"')).toThrow(/Allowable clock skew millis must not be negative: -1/);
    expect(() => opts('unsecuredValidatorAllowableClockSkewMs="soon"')).toThrow(/must be an integer/);
    expect(() => opts('unsecuredValidatorRequiredScope="read w\\"x"')).toThrow(/Invalid scope value/);
    const token = (claims: Record<string, unknown>) => jws({ exp: NOW / 1000 + 60, ...claims });
    expect(validateUnsecuredJws(token({ client_id: 'svc', scp: ['write', 'read', 'other'] }), NOW, o)).toEqual({ sub: 'svc', exp: NOW / 1000 + 60 });
    // the principal comes from the named claim only; a list lacking a scope element is insufficient_scope naming the required list
    expect(validateUnsecuredJws(token({ sub: 'svc', scp: ['read', 'write'] }), NOW, o)).toMatchObject({ status: 'invalid_token' });
    expect(validateUnsecuredJws(token({ client_id: 'svc', scp: ['read'] }), NOW, o)).toMatchObject({ status: 'insufficient_scope', scope: '[read, write]' });
    // as Kafka's source: a string scope claim is one element, not split at spaces
    expect(validateUnsecuredJws(token({ client_id: 'svc', scp: 'read write' }), NOW, o)).toMatchObject({ status: 'insufficient_scope' });
    expect(validateUnsecuredJws(token({ client_id: 'svc', scp: 'read' }), NOW, { ...o, requiredScope: ['read'] })).toEqual({ sub: 'svc', exp: NOW / 1000 + 60 });
    expect(validateUnsecuredJws(token({ client_id: 'svc', scp: 7 }), NOW, o)).toMatchObject({ status: 'invalid_token' });
    // clock skew: expired 20 s ago or issued 20 s ahead passes with 30 s of skew, not without
    const skewed = (claims: Record<string, unknown>) => jws({ client_id: 'svc', scp: ['read', 'write'], ...claims });
    expect(validateUnsecuredJws(skewed({ exp: NOW / 1000 - 20 }), NOW, o)).toEqual({ sub: 'svc', exp: NOW / 1000 - 20 });
    expect(validateUnsecuredJws(skewed({ exp: NOW / 1000 - 20 }), NOW, { ...o, allowableClockSkewMs: 0 })).toMatchObject({ status: 'invalid_token' });
    expect(validateUnsecuredJws(skewed({ exp: NOW / 1000 + 60, iat: NOW / 1000 + 20 }), NOW, o)).toMatchObject({ sub: 'svc' });
    expect(validateUnsecuredJws(skewed({ exp: NOW / 1000 - 40 }), NOW, o)).toMatchObject({ status: 'invalid_token' });
    // the challenge of a missing scope, then the client's \x01 fails the login with it
    const server = new OAuthBearerSaslServer(() => NOW, o);
    expect((await server.evaluateResponse(initial(token({ client_id: 'svc', scp: ['read'] })))).toString()).toBe('{"status":"insufficient_scope", "scope":"[read, write]"}');
    await expect(server.evaluateResponse(Buffer.from([1]))).rejects.toThrow('{"status":"insufficient_scope", "scope":"[read, write]"}');
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

  it('the listener\'s OAUTHBEARER JAAS config reaches the validator; a bad option is a startup error naming the key', async () => {
    const { KafkaConfig } = await import('../../../src/config/kafka-config.js');
    const { buildListenerSecurity } = await import('../../../src/services/security/listener-security.js');
    const base = { 'zookeeper.connect': 'localhost:2181', 'broker.id': '1', listeners: 'PLAINTEXT://127.0.0.1:9092,SASL_PLAINTEXT://127.0.0.1:9094', 'sasl.enabled.mechanisms': 'OAUTHBEARER' };
    const build = (jaas?: string) => {
      const config = KafkaConfig.fromProps(jaas === undefined ? base : { ...base, 'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': jaas });
      return buildListenerSecurity(config, config.listeners).get('SASL_PLAINTEXT')!.sasl!.oauthValidator;
    };
    expect(build()).toBeUndefined();
    expect(build('org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorRequiredScope="kafka";'))
      .toEqual({ principalClaimName: 'sub', scopeClaimName: 'scope', requiredScope: ['kafka'], allowableClockSkewMs: 0 });
    expect(() => build('org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorAllowableClockSkewMs="-5";'))
      .toThrow(/listener\.name\.sasl_plaintext\.oauthbearer\.sasl\.jaas\.config.*Allowable clock skew millis must not be negative: -5/);
  });
});
