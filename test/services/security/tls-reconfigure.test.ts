/**
 * Dynamic key store update: which changed keys touch which TLS listener, and a key store that cannot be loaded keeps
 * the old one (logged with the reason, never the key material); only TLS listeners are rebuilt.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { ensureCompatible, reconfigureTls, tlsListenersChanged } from '../../../src/services/security/tls-reconfigure.js';
import type { ServerSslSettings } from '../../../src/services/security/ssl-factory.js';
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

  describe('SslFactory.CertificateEntries: a reloaded key store keeps the DN and the SANs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rafka-tlsre-'));
    /** A self-signed EC certificate (fast) with this subject and SANs, as the settings a listener serves. */
    const settings = (name: string, subject: string, san: string): ServerSslSettings => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, `${name}.key`),
        '-out', join(dir, `${name}.pem`), '-subj', subject, '-days', '2', '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
      const options = { key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.pem`)) };
      return { secureContext: createSecureContext(options), options, clientAuth: 'none', principalMapper: null as never, keystoreDescription: name };
    };
    let old: ServerSslSettings, renewed: ServerSslSettings, moreSans: ServerSslSettings, otherDn: ServerSslSettings, fewerSans: ServerSslSettings, caseDn: ServerSslSettings;
    beforeAll(() => {
      old = settings('old', '/O=Rafka/CN=broker1', 'DNS:localhost,IP:127.0.0.1');
      renewed = settings('renewed', '/O=Rafka/CN=broker1', 'DNS:localhost,IP:127.0.0.1');
      caseDn = settings('case', '/O=rafka/CN=BROKER1', 'DNS:localhost,IP:127.0.0.1');
      moreSans = settings('more', '/O=Rafka/CN=broker1', 'DNS:localhost,IP:127.0.0.1,DNS:broker1.example');
      otherDn = settings('other', '/O=Rafka/CN=broker2', 'DNS:localhost,IP:127.0.0.1');
      fewerSans = settings('fewer', '/O=Rafka/CN=broker1', 'DNS:localhost');
    });

    it('same DN (any case) and a superset of the SANs pass; a new DN or a dropped SAN is refused with Kafka\'s message unless allowed', () => {
      expect(() => ensureCompatible(renewed, old, false, false)).not.toThrow();
      expect(() => ensureCompatible(caseDn, old, false, false)).not.toThrow();
      expect(() => ensureCompatible(moreSans, old, false, false)).not.toThrow();
      expect(() => ensureCompatible(otherDn, old, false, false)).toThrow('Keystore DistinguishedName does not match:  existing={alias=kafka, DN=CN=broker1,O=Rafka}, new={alias=kafka, DN=CN=broker2,O=Rafka}');
      expect(() => ensureCompatible(otherDn, old, true, false)).not.toThrow();
      expect(() => ensureCompatible(fewerSans, old, false, false)).toThrow('Keystore SubjectAltNames do not match:  existing={alias=kafka, SAN=[[2, localhost], [7, 127.0.0.1]]}, new={alias=kafka, SAN=[[2, localhost]]}');
      expect(() => ensureCompatible(fewerSans, old, false, true)).not.toThrow();
    });

    it('reconfigureTls keeps the old key store when the new one is refused, and swaps a compatible one', () => {
      const lines: Array<[string, string]> = [];
      const log = { info: (_f: unknown, m: string) => lines.push(['info', m]), error: (_f: unknown, m: string) => lines.push(['error', m]) } as never;
      const listeners = [{ listenerName: 'SSL', securityProtocol: 'SSL' }] as unknown as EndPoint[];
      let serving = old;
      const server = { updateTls: (_l: string, s: ServerSslSettings) => { serving = s; }, currentTls: () => serving };
      const configFor = (name: string, extra: Record<string, unknown> = {}) => ({
        originals: {},
        listenerValue: (_l: string, key: string) => ({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': null, 'ssl.keystore.key': readFileSync(join(dir, `${name}.key`), 'utf8'),
          'ssl.keystore.certificate.chain': readFileSync(join(dir, `${name}.pem`), 'utf8'), 'ssl.enabled.protocols': ['TLSv1.2', 'TLSv1.3'], 'ssl.cipher.suites': [], ...extra } as Record<string, unknown>)[key] ?? null,
      });
      expect(reconfigureTls(server, configFor('other') as never, listeners, ['listener.name.ssl.ssl.keystore.key'], log)).toEqual([]);
      expect(serving).toBe(old);
      expect(lines.at(-1)![1]).toMatch(/^Keeping the old TLS key store of listener SSL: Validation of dynamic config update of SSLFactory failed: Keystore DistinguishedName does not match/);
      expect(reconfigureTls(server, configFor('other', { 'ssl.allow.dn.changes': true }) as never, listeners, ['listener.name.ssl.ssl.keystore.key'], log)).toEqual(['SSL']);
      expect(serving.keystoreDescription).not.toBe('old');
      expect(reconfigureTls(server, configFor('fewer') as never, listeners, ['listener.name.ssl.ssl.keystore.key'], log)).toEqual([]);
      expect(lines.at(-1)![1]).toMatch(/Keystore DistinguishedName does not match:  existing={alias=kafka, DN=CN=broker2,O=Rafka}, new={alias=kafka, DN=CN=broker1,O=Rafka}$/);
    });
  });
});
