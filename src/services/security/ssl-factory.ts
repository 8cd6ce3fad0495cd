/**
 * Kafka's SslFactory / DefaultSslEngineFactory for the broker side of a listener, on node:tls: turns the listener's
 * ssl.* configs (each `listener.name.<l>.ssl.*` override first, then the broker-wide key) into TLS secure-context
 * options, and ssl.client.auth into Node's requestCert / rejectUnauthorized.
 *
 * Key stores: PEM (`ssl.keystore.type=PEM` with inline `ssl.keystore.certificate.chain` + `ssl.keystore.key`, or a PEM
 * file at `ssl.keystore.location` holding key and chain; `ssl.key.password` decrypts an encrypted key) and PKCS12
 * (`ssl.keystore.location` + `ssl.keystore.password`). Trust stores: PEM (inline `ssl.truststore.certificates` or a
 * file). Differs from Kafka: JKS (Kafka's default type) and PKCS12 *trust* stores are refused with a message naming
 * what works (Node reads PKCS12 only with a private key inside, and no JKS reader); ssl.enabled.protocols becomes a
 * min/max TLS version range (Node cannot enable TLSv1.1 and TLSv1.3 without TLSv1.2); ssl.cipher.suites take Java's
 * IANA names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), translated to OpenSSL's, or OpenSSL names directly.
 *
 * Every bad value is a ConfigException naming the key (with its listener prefix when that is where it came from),
 * the value (never a secret) and what is expected. Files are read here, once per (re)build.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, getCiphers, type ConnectionOptions, type SecureContext, type SecureContextOptions, type SecureVersion } from 'node:tls';
import { ConfigException } from '../../config/config-exception.js';
import { SslPrincipalMapper } from './principal.js';

/** What the factory needs of a parsed config (KafkaConfig satisfies it). */
export interface ListenerConfigView {
  readonly originals: Readonly<Record<string, string>>;
  listenerValue(listenerName: string, name: string): unknown;
}

export type ClientAuth = 'none' | 'requested' | 'required';

export interface ServerSslSettings {
  /** Built once; swap it for a dynamic keystore update. */
  secureContext: SecureContext;
  options: SecureContextOptions;
  clientAuth: ClientAuth;
  principalMapper: SslPrincipalMapper;
  /** For logs: where the key came from (never its content). */
  keystoreDescription: string;
}

/**
 * PEM text as Kafka's PemParser accepts it, in the form OpenSSL needs: a value written across properties-file
 * continuation lines (`-----BEGIN CERTIFICATE----- \\` …) arrives with the line breaks turned into spaces, or
 * with literal `\n`; each block's base64 is re-wrapped at 64 columns.
 */
export function normalizePem(text: string): string {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)];
  if (blocks.length === 0) return text;
  return blocks.map((m) => {
    const body = m[2]!.replace(/\\n|\s/g, '');
    return `-----BEGIN ${m[1]}-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${m[1]}-----\n`;
  }).join('');
}

const TLS_VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** The key a per-listener value came from, for messages. */
function keyName(config: ListenerConfigView, listenerName: string, name: string): string {
  const prefixed = `listener.name.${listenerName.toLowerCase()}.${name}`;
  return Object.hasOwn(config.originals, prefixed) ? prefixed : name;
}

function readFile(key: string, path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigException(key, path, `cannot read the ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Java IANA suite name → OpenSSL name; TLSv1.3 names are the same in both. */
export function opensslCipherName(name: string): string | null {
  const known = new Set(getCiphers().map((c) => c.toUpperCase()));
  const upper = name.toUpperCase();
  if (known.has(upper) || known.has(name.toLowerCase().toUpperCase())) return name;
  const m = /^TLS_(ECDHE_ECDSA|ECDHE_RSA|DHE_RSA|RSA)_WITH_(AES_128|AES_256|CHACHA20)_(GCM_SHA256|GCM_SHA384|POLY1305_SHA256|CBC_SHA256|CBC_SHA384|CBC_SHA)$/.exec(upper);
  if (!m) return null;
  const kx = { ECDHE_ECDSA: 'ECDHE-ECDSA-', ECDHE_RSA: 'ECDHE-RSA-', DHE_RSA: 'DHE-RSA-', RSA: '' }[m[1] as 'RSA'];
  const enc = { AES_128: 'AES128', AES_256: 'AES256', CHACHA20: 'CHACHA20' }[m[2] as 'AES_128'];
  const mac = { GCM_SHA256: '-GCM-SHA256', GCM_SHA384: '-GCM-SHA384', POLY1305_SHA256: '-POLY1305', CBC_SHA256: '-SHA256', CBC_SHA384: '-SHA384', CBC_SHA: '-SHA' }[m[3] as 'GCM_SHA256'];
  const openssl = `${kx}${enc}${mac}`;
  return known.has(openssl) ? openssl : null;
}

function protocolRange(config: ListenerConfigView, listenerName: string): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const key = keyName(config, listenerName, 'ssl.enabled.protocols');
  const protocols = config.listenerValue(listenerName, 'ssl.enabled.protocols') as string[];
  if (protocols.length === 0) throw new ConfigException(key, '', `at least one of ${TLS_VERSIONS.join(', ')} is required`);
  const idx = protocols.map((p) => {
    const i = TLS_VERSIONS.indexOf(p as SecureVersion);
    if (i < 0) throw new ConfigException(key, protocols.join(','), `unknown protocol ${p}: expected a list of ${TLS_VERSIONS.join(', ')}`);
    return i;
  }).sort();
  for (let i = 1; i < idx.length; i++) {
    if (idx[i]! - idx[i - 1]! > 1) throw new ConfigException(key, protocols.join(','), 'Rafka (node:tls) enables a contiguous range of TLS versions only');
  }
  return { minVersion: TLS_VERSIONS[idx[0]!]!, maxVersion: TLS_VERSIONS[idx[idx.length - 1]!]! };
}

function cipherList(config: ListenerConfigView, listenerName: string): Pick<SecureContextOptions, 'ciphers'> {
  const key = keyName(config, listenerName, 'ssl.cipher.suites');
  const suites = config.listenerValue(listenerName, 'ssl.cipher.suites') as string[];
  if (suites.length === 0) return {};
  const names = suites.map((s) => {
    const name = opensslCipherName(s);
    if (name === null) throw new ConfigException(key, suites.join(','), `unknown cipher suite ${s}: expected IANA names such as TLS_AES_128_GCM_SHA256 or TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`);
    return name;
  });
  // node:tls takes TLSv1.3 suites (TLS_AES_...) and OpenSSL TLSv1.2 names in one list
  return { ciphers: names.join(':') };
}

function keystoreOptions(config: ListenerConfigView, l: string): { options: SecureContextOptions; description: string } {
  const typeKey = keyName(config, l, 'ssl.keystore.type');
  const type = ((config.listenerValue(l, 'ssl.keystore.type') as string | null) ?? 'JKS').toUpperCase();
  const location = (config.listenerValue(l, 'ssl.keystore.location') as string | null);
  const password = (config.listenerValue(l, 'ssl.keystore.password') as string | null);
  const keyPassword = (config.listenerValue(l, 'ssl.key.password') as string | null);
  const inlineKey = (config.listenerValue(l, 'ssl.keystore.key') as string | null);
  const inlineChain = (config.listenerValue(l, 'ssl.keystore.certificate.chain') as string | null);
  if (inlineKey !== null || inlineChain !== null) {
    if (type !== 'PEM') throw new ConfigException(typeKey, type, 'ssl.keystore.key / ssl.keystore.certificate.chain need ssl.keystore.type=PEM');
    if (inlineKey === null || inlineChain === null) {
      throw new ConfigException(keyName(config, l, inlineKey === null ? 'ssl.keystore.key' : 'ssl.keystore.certificate.chain'), null,
        'ssl.keystore.key and ssl.keystore.certificate.chain must be set together');
    }
    if (location !== null) throw new ConfigException(keyName(config, l, 'ssl.keystore.location'), location, 'Both SSL key store location and separate private key (ssl.keystore.key) are specified');
    if (password !== null) throw new ConfigException(keyName(config, l, 'ssl.keystore.password'), '[hidden]', 'SSL key store password cannot be specified with PEM format, only key password (ssl.key.password) may be specified');
    return { options: { key: normalizePem(inlineKey), cert: normalizePem(inlineChain), ...(keyPassword !== null ? { passphrase: keyPassword } : {}) }, description: 'inline PEM key and certificate chain' };
  }
  if (location === null) {
    throw new ConfigException(keyName(config, l, 'ssl.keystore.location'), null,
      `listener ${l} needs a key store: ssl.keystore.location (PKCS12 or PEM file), or ssl.keystore.type=PEM with ssl.keystore.key and ssl.keystore.certificate.chain`);
  }
  const locKey = keyName(config, l, 'ssl.keystore.location');
  switch (type) {
    case 'PKCS12':
      if (password === null) throw new ConfigException(keyName(config, l, 'ssl.keystore.password'), null, `SSL key store ${location} is specified, but key store password is not specified`);
      return { options: { pfx: readFile(locKey, location, 'PKCS12 key store'), ...(password !== null ? { passphrase: password } : {}) }, description: `PKCS12 key store ${location}` };
    case 'PEM': {
      if (password !== null) throw new ConfigException(keyName(config, l, 'ssl.keystore.password'), '[hidden]', 'a PEM key store file takes no key store password, only ssl.key.password');
      const pem = readFile(locKey, location, 'PEM key store').toString('utf8');
      return { options: { key: pem, cert: pem, ...(keyPassword !== null ? { passphrase: keyPassword } : {}) }, description: `PEM key store ${location}` };
    }
    case 'JKS':
      throw new ConfigException(typeKey, type, 'Rafka cannot read JKS key stores: use ssl.keystore.type=PKCS12 (keytool -importkeystore -deststoretype PKCS12) or PEM');
    default:
      throw new ConfigException(typeKey, type, 'expected PKCS12 or PEM (JKS is not supported by Rafka)');
  }
}

function truststoreOptions(config: ListenerConfigView, l: string): SecureContextOptions {
  const typeKey = keyName(config, l, 'ssl.truststore.type');
  const type = ((config.listenerValue(l, 'ssl.truststore.type') as string | null) ?? 'JKS').toUpperCase();
  const location = (config.listenerValue(l, 'ssl.truststore.location') as string | null);
  const inline = (config.listenerValue(l, 'ssl.truststore.certificates') as string | null);
  if (inline !== null) {
    if (type !== 'PEM') throw new ConfigException(typeKey, type, 'ssl.truststore.certificates needs ssl.truststore.type=PEM');
    return { ca: normalizePem(inline) };
  }
  if (location === null) return {};
  if (type === 'PEM') return { ca: readFile(keyName(config, l, 'ssl.truststore.location'), location, 'PEM trust store').toString('utf8') };
  throw new ConfigException(typeKey, type, `Rafka reads trust stores as PEM only (ssl.truststore.type=PEM with a file of CA certificates or ssl.truststore.certificates; \`openssl pkcs12 -in ${location} -nokeys\` converts a ${type} trust store)`);
}

/**
 * The client side of a listener's TLS (SslFactory in CLIENT mode, for inter-broker connections over it): the
 * listener's key store as the client certificate, its trust store to verify the other broker, the same protocol
 * range and cipher suites; ssl.endpoint.identification.algorithm empty → no host name check (Kafka's default
 * `https` checks it against the certificate's subject alternative names).
 */
export function buildClientTlsOptions(config: ListenerConfigView, listenerName: string): ConnectionOptions {
  const { options: ks } = keystoreOptions(config, listenerName);
  const options: ConnectionOptions = { ...ks, ...truststoreOptions(config, listenerName), ...protocolRange(config, listenerName), ...cipherList(config, listenerName), rejectUnauthorized: true };
  const algorithm = (config.listenerValue(listenerName, 'ssl.endpoint.identification.algorithm') as string | null) ?? '';
  if (algorithm === '') options.checkServerIdentity = () => undefined;
  return options;
}

/** The listener's TLS settings; throws ConfigException for anything missing or malformed. */
export function buildServerSsl(config: ListenerConfigView, listenerName: string, securityProtocol = 'SSL'): ServerSslSettings {
  const { options: ks, description } = keystoreOptions(config, listenerName);
  const options: SecureContextOptions = { ...ks, ...truststoreOptions(config, listenerName), ...protocolRange(config, listenerName), ...cipherList(config, listenerName) };
  // KIP-684: on a SASL_SSL listener only a listener-prefixed ssl.client.auth counts (SASL authenticates the client).
  const saslSsl = securityProtocol === 'SASL_SSL' && !Object.hasOwn(config.originals, `listener.name.${listenerName.toLowerCase()}.ssl.client.auth`);
  const clientAuth = (saslSsl ? 'none' : (config.listenerValue(listenerName, 'ssl.client.auth') as string | null) ?? 'none') as ClientAuth;
  if (clientAuth !== 'none' && options.ca === undefined) {
    throw new ConfigException(keyName(config, listenerName, 'ssl.client.auth'), clientAuth,
      'client certificates need a trust store: set ssl.truststore.location (PEM) or ssl.truststore.certificates');
  }
  let secureContext: SecureContext;
  try {
    secureContext = createSecureContext(options);
  } catch (e) {
    // OpenSSL's reason only (e.g. "bad decrypt", "mac verify failure"): never key material.
    throw new ConfigException(keyName(config, listenerName, 'ssl.keystore.location'), description,
      `cannot load the TLS key store / trust store of listener ${listenerName}: ${(e as Error).message}`);
  }
  const rulesKey = keyName(config, listenerName, 'ssl.principal.mapping.rules');
  const principalMapper = new SslPrincipalMapper((config.listenerValue(listenerName, 'ssl.principal.mapping.rules') as string | null) ?? 'DEFAULT', rulesKey);
  return { secureContext, options, clientAuth, principalMapper, keystoreDescription: description };
}
