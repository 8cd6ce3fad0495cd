/**
 * SASL mechanisms without a broker: SCRAM-SHA-256 against the RFC 7677 §3 exchange (byte for byte), SCRAM-SHA-512
 * with Rafka's own client, the /config/users credential format (Kafka's ScramCredentialUtils), PLAIN
 * (Kafka's PlainSaslServer messages) and the JAAS option parser.
 */
import { describe, expect, it } from 'vitest';
import {
  SCRAM_SHA_256, SCRAM_SHA_512, ScramSaslClient, ScramSaslServer, SaslAuthenticationError, SaslError, credentialFromPassword, credentialFromSaltedPassword,
  formatScramCredential, parseScramCredential, saltedPassword, type ScramCredential,
} from '../../../src/services/security/scram.js';
import { PlainSaslServer } from '../../../src/services/security/plain.js';
import { parseJaasConfig, plainUsers } from '../../../src/services/security/jaas-config.js';
import { sanitize } from '../../../src/services/security/credential-cache.js';

describe('SCRAM', () => {
  it('SCRAM-SHA-256: the RFC 7677 exchange, byte for byte', async () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const cred = credentialFromSaltedPassword(SCRAM_SHA_256, saltedPassword(SCRAM_SHA_256, 'pencil', salt, 4096), salt, 4096);
    const server = new ScramSaslServer(SCRAM_SHA_256, async (u) => (u === 'user' ? cred : null), () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
    const first = await server.evaluateResponse(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
    expect(first.toString()).toBe('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    const final = await server.evaluateResponse(Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='));
    expect(final.toString()).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    expect(server.isComplete).toBe(true);
    expect(server.authorizationId).toBe('user');
  });

  it('a wrong proof, an unknown user and too few iterations fail with Kafka\'s messages', async () => {
    const cred = credentialFromPassword(SCRAM_SHA_512, 'right', 4096);
    const lookup = async (u: string) => (u === 'alice' ? cred : u === 'weak' ? { ...cred, iterations: 1000 } : null);
    const login = async (user: string, password: string) => {
      const c = new ScramSaslClient(SCRAM_SHA_512, user, password);
      const s = new ScramSaslServer(SCRAM_SHA_512, lookup);
      c.verifyServerFinal(await s.evaluateResponse(c.finalMessage(await s.evaluateResponse(c.firstMessage()))));
      return s.authorizationId;
    };
    expect(await login('alice', 'right')).toBe('alice');
    await expect(login('alice', 'wrong')).rejects.toThrow(new SaslError('Invalid client credentials'));
    await expect(login('nobody', 'x')).rejects.toThrow(new SaslError('Authentication failed: Invalid user credentials'));
    await expect(login('weak', 'right')).rejects.toThrow(new SaslError('Iterations 1000 is less than the minimum 4096 for SCRAM-SHA-512'));
    const s = new ScramSaslServer(SCRAM_SHA_512, lookup);
    await expect(s.evaluateResponse(Buffer.from('p=tls-unique,,n=alice,r=abc'))).rejects.toThrow('Invalid SCRAM client first message format');
    const s2 = new ScramSaslServer(SCRAM_SHA_512, lookup);
    await expect(s2.evaluateResponse(Buffer.from('n,a=bob,n=alice,r=abc'))).rejects.toThrow(new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username'));
  });

  it('the /config/users value is Kafka\'s: exactly salt, stored_key, server_key, iterations', () => {
    const c: ScramCredential = credentialFromPassword(SCRAM_SHA_512, 'pw', 8192, Buffer.from('0123456789abcdef'));
    const text = formatScramCredential(c);
    expect(text).toMatch(/^salt=MDEyMzQ1Njc4OWFiY2RlZg==,stored_key=[A-Za-z0-9+/=]{88},server_key=[A-Za-z0-9+/=]{88},iterations=8192$/);
    expect(parseScramCredential(text)).toEqual(c);
    expect(() => parseScramCredential('salt=a,stored_key=b,server_key=c')).toThrow(/expected exactly the keys/);
    // user names are sanitized as Kafka's Sanitizer (URL encoding, * as %2A)
    expect(sanitize('user@example.com')).toBe('user%40example.com');
    expect(sanitize('a*b c')).toBe('a%2Ab%20c');
  });
});

describe('PLAIN and JAAS', () => {
  const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice;secret";';
  it('parses the JAAS options (quoted values may hold ; and spaces) and the user_ list', () => {
    const m = parseJaasConfig('k', jaas);
    expect(m[0]!.loginModule).toBe('org.apache.kafka.common.security.plain.PlainLoginModule');
    expect(m[0]!.options.get('username')).toBe('admin');
    expect([...plainUsers(m)]).toEqual([['admin', 'admin-secret'], ['alice', 'alice;secret']]);
    expect(() => parseJaasConfig('listener.name.x.plain.sasl.jaas.config', 'org.X required user_a="s3cret"')).toThrow(/^Invalid value \[hidden\] for configuration listener.name.x.plain.sasl.jaas.config: invalid JAAS configuration: login module org.X must end with ';'$/);
    expect(() => parseJaasConfig('k', 'org.X user_a="s3cret";')).toThrow(/needs a control flag/);
  });

  it('accepts user_<name>\'s password only, with Kafka\'s messages', async () => {
    const users = plainUsers(parseJaasConfig('k', jaas));
    const tok = (s: string) => Buffer.from(s, 'utf8');
    const s = new PlainSaslServer(users);
    await s.evaluateResponse(tok('\0alice\0alice;secret'));
    expect([s.isComplete, s.authorizationId]).toEqual([true, 'alice']);
    await expect(new PlainSaslServer(users).evaluateResponse(tok('\0alice\0nope'))).rejects.toThrow('Authentication failed: Invalid username or password');
    await expect(new PlainSaslServer(users).evaluateResponse(tok('\0bob\0x'))).rejects.toThrow('Authentication failed: Invalid username or password');
    await expect(new PlainSaslServer(users).evaluateResponse(tok('alice'))).rejects.toThrow('Invalid SASL/PLAIN response: expected 3 tokens, got 1');
    await expect(new PlainSaslServer(users).evaluateResponse(tok('admin\0alice\0alice;secret'))).rejects.toThrow('Client requested an authorization id that is different from username');
  });
});
