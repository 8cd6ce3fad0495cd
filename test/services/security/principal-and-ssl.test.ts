/**
 * TLS principal and settings without a broker: RFC 2253 subject names (Java's X500Principal.getName order),
 * ssl.principal.mapping.rules (Kafka's SslPrincipalMapperTest cases), and the key store / trust store / protocol /
 * cipher checks of ssl-factory.ts with certificates made by openssl in the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { SslPrincipalMapper, rfc2253SubjectOf } from '../../../src/services/security/principal.js';
import { buildServerSsl, normalizePem, opensslCipherName } from '../../../src/services/security/ssl-factory.js';
import { KafkaConfig } from '../../../src/config/kafka-config.js';
import { makeTestCerts, type TestCerts } from '../../helpers/certs.js';

describe('SslPrincipalMapper (Kafka SslPrincipalMapperTest)', () => {
  it('DEFAULT keeps the DN; rules apply in order, first match wins, L/U change case', () => {
    const m = new SslPrincipalMapper('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L,RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U,DEFAULT');
    expect(m.getName('CN=Duke,OU=ServiceUsers,O=Org,C=US')).toBe('Duke');
    expect(m.getName('CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US')).toBe('duke@sme');
    expect(m.getName('cn=duke,ou=JavaSoft,o=Sun Microsystems')).toBe('DUKE');
    expect(m.getName('OU=JavaSoft,O=Sun Microsystems,C=US')).toBe('OU=JavaSoft,O=Sun Microsystems,C=US');
    expect(new SslPrincipalMapper('DEFAULT').getName('CN=x,O=y')).toBe('CN=x,O=y');
  });

  it('no matching rule without DEFAULT is an error; malformed rules name the key', () => {
    expect(() => new SslPrincipalMapper('RULE:^CN=a$/b/').getName('CN=c')).toThrow(/No rules apply to CN=c/);
    expect(() => new SslPrincipalMapper('DEFAULT,garbage')).toThrow(/Invalid value DEFAULT,garbage for configuration ssl.principal.mapping.rules: Invalid rule: garbage/);
    expect(() => new SslPrincipalMapper('RULE:^CN=(.*$/$1/')).toThrow(/ssl.principal.mapping.rules: Invalid rule pattern/);
  });
});

describe('TLS settings from certificates made by openssl', () => {
  let dir: string;
  let certs: TestCerts;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'rafka-ssl-unit-')); certs = await makeTestCerts(dir); }, 60_000);
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  const BASE = { 'zookeeper.connect': 'zk:2181', 'log.dirs': '/tmp/x', listeners: 'SSL://:9093', 'security.inter.broker.protocol': 'SSL' };
  const cfg = (p: Record<string, string>) => KafkaConfig.fromProps({ ...BASE, ...p });

  it('the subject in RFC 2253 order, as Java prints it', async () => {
    const der = new X509Certificate(await readFile(certs.clientCertPem)).raw;
    expect(rfc2253SubjectOf(der)).toBe('CN=alice,OU=Eng,O=Rafka');
  });

  it('PKCS12, PEM file, inline PEM (continuation-line form) and listener overrides all load', async () => {
    expect(buildServerSsl(cfg({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.brokerP12, 'ssl.keystore.password': certs.brokerP12Password }), 'SSL').keystoreDescription).toMatch(/^PKCS12 key store /);
    const chain = (await certs.text(certs.brokerCertPem)).replace(/\n/g, ' '); // what `\` continuation lines produce
    const key = (await certs.text(certs.brokerKeyPem)).replace(/\n/g, ' ');
    const s = buildServerSsl(cfg({ 'listener.name.ssl.ssl.keystore.type': 'PEM', 'listener.name.ssl.ssl.keystore.key': key, 'listener.name.ssl.ssl.keystore.certificate.chain': chain,
      'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.caPem, 'listener.name.ssl.ssl.client.auth': 'required' }), 'SSL');
    expect(s.clientAuth).toBe('required');
    expect(normalizePem(chain)).toBe(await certs.text(certs.brokerCertPem));
  });

  it('bad key stores name key, value and expectation; secrets never appear', () => {
    expect(() => buildServerSsl(cfg({ 'ssl.keystore.location': '/x.jks' }), 'SSL')).toThrow('Invalid value JKS for configuration ssl.keystore.type: Rafka cannot read JKS key stores: use ssl.keystore.type=PKCS12 (keytool -importkeystore -deststoretype PKCS12) or PEM');
    expect(() => buildServerSsl(cfg({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': '/nonexistent.p12', 'ssl.keystore.password': 'x' }), 'SSL')).toThrow('Invalid value /nonexistent.p12 for configuration ssl.keystore.location: cannot read the PKCS12 key store: ENOENT');
    let msg = '';
    try { buildServerSsl(cfg({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.brokerP12, 'ssl.keystore.password': 'wrong-s3cret' }), 'SSL'); } catch (e) { msg = (e as Error).message; }
    expect(msg).toMatch(/^Invalid value PKCS12 key store .* for configuration ssl.keystore.location: cannot load the TLS key store/);
    expect(msg).not.toContain('wrong-s3cret');
    expect(() => buildServerSsl(cfg({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.brokerP12, 'ssl.keystore.password': certs.brokerP12Password, 'ssl.client.auth': 'required' }), 'SSL'))
      .toThrow(/ssl.client.auth: client certificates need a trust store/);
    expect(() => buildServerSsl(cfg({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.brokerP12, 'ssl.keystore.password': certs.brokerP12Password, 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': '/t.p12' }), 'SSL'))
      .toThrow(/^Invalid value PKCS12 for configuration ssl.truststore.type: Rafka reads trust stores as PEM only/);
  });

  it('ssl.enabled.protocols and ssl.cipher.suites: Java names accepted, unknown ones refused', () => {
    const ks = { 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.brokerP12, 'ssl.keystore.password': certs.brokerP12Password };
    expect(buildServerSsl(cfg({ ...ks, 'ssl.enabled.protocols': 'TLSv1.3' }), 'SSL').options).toMatchObject({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
    expect(() => buildServerSsl(cfg({ ...ks, 'ssl.enabled.protocols': 'TLSv1.4' }), 'SSL')).toThrow('Invalid value TLSv1.4 for configuration ssl.enabled.protocols: unknown protocol TLSv1.4');
    expect(opensslCipherName('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256')).toBe('ECDHE-RSA-AES128-GCM-SHA256');
    expect(opensslCipherName('TLS_AES_256_GCM_SHA384')).toBe('TLS_AES_256_GCM_SHA384');
    expect(buildServerSsl(cfg({ ...ks, 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256' }), 'SSL').options.ciphers).toBe('ECDHE-RSA-AES256-GCM-SHA384:TLS_AES_128_GCM_SHA256');
    expect(() => buildServerSsl(cfg({ ...ks, 'ssl.cipher.suites': 'TLS_NOPE' }), 'SSL')).toThrow('Invalid value TLS_NOPE for configuration ssl.cipher.suites: unknown cipher suite TLS_NOPE');
  });
});
