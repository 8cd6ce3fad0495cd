/** WarningLimiter: per (cause, client address) one full line per interval, then a summary with the count. */
import { describe, it, expect } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { WarningLimiter, causeOf } from '../../../src/services/network/warning-limiter.js';
import { SaslServerAuthenticator } from '../../../src/services/security/sasl-server-authenticator.js';
import { decodeResponse, encodeRequest } from '../../../src/protocol/frame.js';
import type { ConnectionInfo } from '../../../src/services/network/connection.js';

function capturingLog() {
  const lines: any[] = [];
  const log = pino({ level: 'info' }, new Writable({ write(chunk, _e, cb) { lines.push(JSON.parse(chunk.toString())); cb(); } }));
  return { log, lines };
}

describe('WarningLimiter', () => {
  it('logs the first warning per cause and address, counts the rest, and summarises them when the interval ends', () => {
    const { log, lines } = capturingLog();
    let now = 1000;
    const w = new WarningLimiter(log, { intervalMs: 5000, burst: 1, now: () => now });
    for (let i = 0; i < 20_000; i++) w.warn('10.0.0.1', { n: i }, `Closing connection PLAINTEXT-${i}: request of ${100 + i} bytes is larger than socket.request.max.bytes=100`, causeOf(`request of ${100 + i} bytes is larger than socket.request.max.bytes=100`));
    w.warn('10.0.0.2', {}, 'request of 200 bytes is larger than socket.request.max.bytes=100');
    w.warn('10.0.0.1', {}, 'malformed request header');
    expect(lines.map((l) => l.msg)).toEqual([
      'Closing connection PLAINTEXT-0: request of 100 bytes is larger than socket.request.max.bytes=100',
      'request of 200 bytes is larger than socket.request.max.bytes=100',
      'malformed request header',
    ]);
    now += 4999;
    w.flush();
    expect(lines).toHaveLength(3);
    now += 1;
    w.flush();
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ level: 40, client: '10.0.0.1', suppressed: 19_999, cause: 'request of N bytes is larger than socket.request.max.bytes=N' });
    expect(lines[3].msg).toBe('Suppressed 19999 more warning(s) from 10.0.0.1 in the last 5 s: request of N bytes is larger than socket.request.max.bytes=N');
    expect(w.suppressedTotal).toBe(19_999);
    // keys without suppressed warnings are dropped at the end of their interval; the noisy one stays (summary-only)
    expect(w.trackedKeys).toBe(1);
    w.warn('10.0.0.1', {}, 'request of 7 bytes is larger than socket.request.max.bytes=100');
    expect(lines).toHaveLength(4);
    now += 5000;
    w.flush();
    expect(lines[4]).toMatchObject({ suppressed: 1 });
    now += 5000;
    w.flush();
    expect(w.trackedKeys).toBe(0);
    w.close();
  });

  it('bounds the keys: past maxKeys new addresses share client "*"', () => {
    const { log, lines } = capturingLog();
    const w = new WarningLimiter(log, { maxKeys: 3, burst: 1, now: () => 0 });
    for (let i = 0; i < 100; i++) w.warn(`10.0.${i}.1`, {}, 'malformed request header');
    expect(w.trackedKeys).toBe(4);
    expect(lines).toHaveLength(4);
    w.close();
    expect(lines[4]).toMatchObject({ client: '*', suppressed: 96 });
  });

  it('SASL failed logins go through the limiter: a login flood from one address logs the burst, then one summary', async () => {
    const { log, lines } = capturingLog();
    let now = 1000;
    const w = new WarningLimiter(log, { intervalMs: 5000, now: () => now });
    const frame = (apiKey: number, version: number, body: unknown) => encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId: 1, clientId: 't' } as never, body as never).subarray(4);
    const failLogin = async (address: string, port: number) => {
      const auth = new SaslServerAuthenticator({ enabledMechanisms: ['PLAIN'], plainUsers: new Map([['alice', 'a-Pw-1']]), credentials: async () => null,
        failedAuthenticationDelayMs: 0, maxReceiveSize: 4096 }, async () => Buffer.alloc(0), log, w);
      const conn = { id: `c${port}`, listenerName: 'SASL_PLAINTEXT', remoteAddress: address, remotePort: port, closeAfterResponse: () => undefined } as unknown as ConnectionInfo;
      await auth.handle(frame(17, 1, { mechanism: 'PLAIN' }), conn);
      const out = await auth.handle(frame(36, 2, { authBytes: Buffer.from(`\u0000alice\u0000wrong-${port}`) }), conn);
      expect(decodeResponse((out as Buffer).subarray(4), 36, 2).body.errorCode).toBe(58); // SASL_AUTHENTICATION_FAILED
    };
    for (let i = 0; i < 200; i++) await failLogin('10.0.0.9', 40000 + i);
    await failLogin('10.0.0.8', 1);
    const full = lines.filter((l) => /^Failed authentication with \//.test(l.msg));
    expect(full.map((l) => l.msg)).toEqual([...Array(5).fill('Failed authentication with /10.0.0.9 (Authentication failed: Invalid username or password)'),
      'Failed authentication with /10.0.0.8 (Authentication failed: Invalid username or password)']);
    expect(full.every((l) => !JSON.stringify(l).includes('wrong-'))).toBe(true); // never the password
    now += 5000;
    w.flush();
    expect(lines.at(-1).msg).toBe('Suppressed 195 more warning(s) from 10.0.0.9 in the last 5 s: Failed authentication with /N.N.N.N (Authentication failed: Invalid username or password)');
    w.close();
  });
});
