/**
 * Dynamic key store update: which changed keys touch which TLS listener, and a key store that cannot be loaded keeps
 * the old one (logged with the reason, never the key material); only TLS listeners are rebuilt.
 */
import { describe, expect, it } from 'vitest';
import { reconfigureTls, tlsListenersChanged } from '../../../src/services/security/tls-reconfigure.js';
import type { EndPoint } from '../../../src/config/listeners.js';

describe('tls-reconfigure', () => {
  it('reconfigurable SSL keys, listener-prefixed or broker-wide; other keys touch nothing', () => {
    expect([...tlsListenersChanged(['listener.name.sasl_ssl.ssl.keystore.location', 'log.retention.ms'])]).toEqual(['sasl_ssl']);
    expect([...tlsListenersChanged(['ssl.truststore.certificates'])]).toEqual([null]);
    expect([...tlsListenersChanged(['listener.name.x.ssl.key.password', 'listener.name.y.ssl.keystore.certificate.chain'])]).toEqual(['x', 'y']);
    expect(tlsListenersChanged(['ssl.client.auth', 'listener.name.x.ssl.cipher.suites', 'num.io.threads']).size).toBe(0);
  });

  it('a key store that cannot be loaded keeps the old one; plaintext listeners are left alone', () => {
    const updated: string[] = [];
    const lines: Array<[string, string]> = [];
    const log = { info: (_f: unknown, m: string) => lines.push(['info', m]), error: (_f: unknown, m: string) => lines.push(['error', m]) } as never;
    const listeners = [{ listenerName: 'SSL', securityProtocol: 'SSL' }, { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' }] as unknown as EndPoint[];
    const config = {
      originals: { 'listener.name.ssl.ssl.keystore.location': '/nonexistent/ks.p12' },
      listenerValue: (_l: string, name: string) => ({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': '/nonexistent/ks.p12', 'ssl.keystore.password': 'pw-Secret-1' } as Record<string, unknown>)[name] ?? null,
    };
    const done = reconfigureTls({ updateTls: (l) => updated.push(l) }, config as never, listeners, ['listener.name.ssl.ssl.keystore.location'], log);
    expect(done).toEqual([]);
    expect(updated).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]![0]).toBe('error');
    expect(lines[0]![1]).toMatch(/^Keeping the old TLS key store of listener SSL: /);
    expect(lines[0]![1]).not.toContain('pw-Secret-1');
  });
});
