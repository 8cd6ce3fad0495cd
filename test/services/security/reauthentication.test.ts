/**
 * KIP-368 re-authentication on the server (SaslServerAuthenticator with connections.max.reauth.ms): SaslAuthenticate
 * v1+ answers the session lifetime; a request after expiry closes the connection; a SaslHandshake v1 on the
 * authenticated connection re-authenticates (even after expiry) with the same mechanism and principal, extending the
 * session; another principal or mechanism fails; without a lifetime nothing changes (ILLEGAL_SASL_STATE, no expiry).
 */
import { describe, expect, it } from 'vitest';
import { SaslServerAuthenticator } from '../../../src/services/security/sasl-server-authenticator.js';
import { decodeResponse, encodeRequest } from '../../../src/protocol/frame.js';
import { CloseConnectionError, type ConnectionInfo } from '../../../src/services/network/connection.js';

const users = new Map([['alice', 'a-Pw-1'], ['bob', 'b-Pw-2']]);
const log = { warn: () => undefined, debug: () => undefined, info: () => undefined, error: () => undefined } as never;

function setup(reauthMs: number) {
  let now = 1_000;
  const conn = { id: 'c', listenerName: 'SASL_PLAINTEXT', remoteAddress: '127.0.0.1', remotePort: 5, closeAfterResponse: () => undefined } as unknown as ConnectionInfo;
  const served: number[] = [];
  const auth = new SaslServerAuthenticator({ enabledMechanisms: ['PLAIN'], plainUsers: users, credentials: async () => null, failedAuthenticationDelayMs: 0,
    maxReceiveSize: 4096, reauthMs: () => reauthMs, now: () => now }, async (frame) => { served.push(frame.readInt16BE(0)); return Buffer.alloc(0); }, log);
  let cid = 0;
  const frame = (apiKey: number, version: number, body: unknown) => encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId: cid++, clientId: 't' } as never, body as never).subarray(4);
  const login = async (user: string, password: string, mechanism = 'PLAIN') => {
    const hs = decodeResponse(((await auth.handle(frame(17, 1, { mechanism }), conn)) as Buffer).subarray(4), 17, 1).body;
    if (hs.errorCode !== 0) return { errorCode: hs.errorCode, sessionLifetimeMs: 0n, errorMessage: null as string | null };
    const out = await auth.handle(frame(36, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${password}`) }), conn);
    return decodeResponse((out as Buffer).subarray(4), 36, 2).body;
  };
  const metadata = () => auth.handle(frame(3, 1, { topics: null }), conn);
  return { conn, served, login, metadata, tick: (ms: number) => { now += ms; }, frame, auth };
}

describe('re-authentication (KIP-368)', () => {
  it('answers the session lifetime, closes an expired session on its next request, and re-authenticates the same principal', async () => {
    const t = setup(10_000);
    const r = await t.login('alice', 'a-Pw-1');
    expect(r.errorCode).toBe(0);
    expect(r.sessionLifetimeMs).toBe(10_000n);
    await t.metadata();
    expect(t.served).toEqual([3]);
    // re-authentication before expiry, then after it (allowed: the handshake comes first, as Kafka's Processor)
    t.tick(9_000);
    expect((await t.login('alice', 'a-Pw-1')).sessionLifetimeMs).toBe(10_000n);
    t.tick(9_000);
    await t.metadata(); // 18 s after the first login, 9 s after the second: still valid
    t.tick(11_000);
    expect((await t.login('alice', 'a-Pw-1')).errorCode).toBe(0);
    await t.metadata();
    expect(t.served).toEqual([3, 3, 3]);
    t.tick(10_001);
    await expect(t.metadata()).rejects.toThrow(CloseConnectionError);
    await expect(t.metadata()).rejects.toThrow(/Disconnecting expired SASL session of User:alice/);
  });

  it('another principal or another mechanism fails the re-authentication', async () => {
    const t = setup(10_000);
    expect((await t.login('alice', 'a-Pw-1')).errorCode).toBe(0);
    const other = await t.login('bob', 'b-Pw-2');
    expect(other.errorCode).toBe(58); // SASL_AUTHENTICATION_FAILED
    expect(other.errorMessage).toBe('Cannot change principals during re-authentication from User:alice: User:bob');
    expect(t.conn.principal).toEqual({ principalType: 'User', name: 'alice' });
    const t2 = setup(10_000);
    expect((await t2.login('alice', 'a-Pw-1')).errorCode).toBe(0);
    await expect(t2.login('alice', 'a-Pw-1', 'SCRAM-SHA-512')).rejects.toThrow(/differs from the original mechanism PLAIN/);
  });

  it('without connections.max.reauth.ms: no lifetime, no expiry, a second handshake is ILLEGAL_SASL_STATE', async () => {
    const t = setup(0);
    const r = await t.login('alice', 'a-Pw-1');
    expect(r.sessionLifetimeMs).toBe(0n);
    t.tick(10 ** 9);
    await t.metadata();
    expect(t.served).toEqual([3]);
    expect((await t.login('alice', 'a-Pw-1')).errorCode).toBe(34); // ILLEGAL_SASL_STATE
  });
});
