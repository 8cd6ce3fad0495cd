/**
 * Kafka's dynamic key store / trust store update (DynamicListenerConfig → SslFactory.reconfigure): a change of a
 * reconfigurable SSL key (SslConfigs.RECONFIGURABLE_CONFIGS: ssl.keystore.*, ssl.truststore.*, ssl.key.password —
 * normally `listener.name.<l>.ssl.keystore.location` etc. at /config/brokers/<id>) rebuilds that listener's TLS
 * settings and swaps them into its TLS server: connections accepted from then on get the new certificate, open ones
 * keep theirs, no restart. A new key store that cannot be loaded is logged and the old one stays (Kafka refuses the
 * AlterConfigs instead). As SslFactory.CertificateEntries.ensureCompatible, the new certificate must keep the old one's
 * subject DN (unless `ssl.allow.dn.changes`, compared as RFC 2253 names ignoring case) and all of its subject
 * alternative names (more are fine; unless `ssl.allow.san.changes`), and a listener cannot gain or lose its key store:
 * otherwise the reload is refused with Kafka's message and the old key store stays.
 *
 * Differs from Kafka: the write path (AlterConfigs) does not load the key store before accepting the change, so a
 * refused reload is a broker log line, not an error answer; Kafka compares every key store alias, Rafka the served
 * (leaf) certificate, the only entry of a PEM or single-key PKCS12 store (named alias `kafka`, PemStore's alias).
 */
import type { EndPoint } from '../../config/listeners.js';
import type { Logger } from '../../logger.js';
import { X509Certificate } from 'node:crypto';
import { ConfigException } from '../../config/config-exception.js';
import { buildServerSsl, type ListenerConfigView, type ServerSslSettings } from './ssl-factory.js';
import { usesTls } from './listener-security.js';
import { rfc2253SubjectOf } from './principal.js';

const RECONFIGURABLE = /^(?:listener\.name\.([^.]+)\.)?ssl\.(?:keystore\.(?:type|location|password|key|certificate\.chain)|truststore\.(?:type|location|password|certificates)|key\.password)$/;

/** The listeners (lower-case name, or null = every TLS listener) whose TLS settings a dynamic change touches. */
export function tlsListenersChanged(changed: readonly string[]): Set<string | null> {
  const out = new Set<string | null>();
  for (const key of changed) {
    const m = RECONFIGURABLE.exec(key);
    if (m) out.add(m[1] ?? null);
  }
  return out;
}

export interface TlsReconfigurable {
  updateTls(listenerName: string, ssl: ServerSslSettings): void;
  /** The settings the listener serves now (the compatibility check's "existing" key store). */
  currentTls?(listenerName: string): ServerSslSettings | null;
}

/** The certificate a server context presents (DER), or null without a key store. */
function servedCertificate(ssl: ServerSslSettings): Buffer | null {
  const ctx = (ssl.secureContext as unknown as { context?: { getCertificate?(): Buffer | null } }).context;
  return ctx?.getCertificate?.() ?? null;
}

/** X509Certificate.getSubjectAlternativeNames' [type, value] pairs as Java prints them (GeneralName tags). */
const SAN_TAGS: Record<string, number> = { 'othername': 0, 'email': 1, 'DNS': 2, 'DirName': 4, 'URI': 6, 'IP Address': 7, 'Registered ID': 8 };
function subjectAltNames(der: Buffer): string[] {
  const text = new X509Certificate(der).subjectAltName;
  if (!text) return [];
  return text.split(/, (?=[A-Za-z ]+:)/).map((entry) => {
    const i = entry.indexOf(':');
    const type = entry.slice(0, i);
    return `[${SAN_TAGS[type] ?? type}, ${entry.slice(i + 1).replace(/^"(.*)"$/, '$1')}]`;
  });
}

const ALIAS = 'kafka';

/** SslFactory's checks of a reloaded key store against the current one (ConfigException with Kafka's message). */
export function ensureCompatible(next: ServerSslSettings, current: ServerSslSettings, allowDnChanges: boolean, allowSanChanges: boolean): void {
  const newCert = servedCertificate(next);
  const oldCert = servedCertificate(current);
  if (oldCert === null) {
    if (newCert !== null) throw new ConfigException('Cannot add SSL keystore to an existing listener for which no keystore was configured.');
    return;
  }
  if (newCert === null) throw new ConfigException('Cannot remove the SSL keystore from an existing listener for which a keystore was configured.');
  if (!allowDnChanges) {
    const oldDn = rfc2253SubjectOf(oldCert);
    const newDn = rfc2253SubjectOf(newCert);
    if (oldDn.toLowerCase() !== newDn.toLowerCase()) {
      throw new ConfigException(`Keystore DistinguishedName does not match:  existing={alias=${ALIAS}, DN=${oldDn}}, new={alias=${ALIAS}, DN=${newDn}}`);
    }
  }
  if (!allowSanChanges) {
    const oldSans = subjectAltNames(oldCert);
    const newSans = subjectAltNames(newCert);
    if (!oldSans.every((s) => newSans.includes(s))) {
      throw new ConfigException(`Keystore SubjectAltNames do not match:  existing={alias=${ALIAS}, SAN=[${oldSans.join(', ')}]}, new={alias=${ALIAS}, SAN=[${newSans.join(', ')}]}`);
    }
  }
}

/** Rebuilds and swaps the TLS settings of every TLS listener the change touches; returns the listeners reloaded. */
export function reconfigureTls(server: TlsReconfigurable, config: ListenerConfigView, listeners: readonly EndPoint[], changed: readonly string[], log: Logger): string[] {
  const touched = tlsListenersChanged(changed);
  if (touched.size === 0) return [];
  const done: string[] = [];
  for (const l of listeners) {
    if (!usesTls(l.securityProtocol) || !(touched.has(null) || touched.has(l.listenerName.toLowerCase()))) continue;
    try {
      const ssl = buildServerSsl(config, l.listenerName, l.securityProtocol);
      const current = server.currentTls?.(l.listenerName) ?? null;
      if (current) {
        try {
          ensureCompatible(ssl, current, config.listenerValue(l.listenerName, 'ssl.allow.dn.changes') === true,
            config.listenerValue(l.listenerName, 'ssl.allow.san.changes') === true);
        } catch (e) {
          throw new ConfigException(`Validation of dynamic config update of SSLFactory failed: ${(e as Error).message}`);
        }
      }
      server.updateTls(l.listenerName, ssl);
      done.push(l.listenerName);
      log.info({ listener: l.listenerName, keystore: ssl.keystoreDescription }, `Reconfigured the TLS key store of listener ${l.listenerName}: new connections use ${ssl.keystoreDescription}`);
    } catch (e) {
      // the reason only (ConfigException names key and a hidden value): never key material or a password
      log.error({ listener: l.listenerName, err: (e as Error).message }, `Keeping the old TLS key store of listener ${l.listenerName}: ${(e as Error).message}`);
    }
  }
  return done;
}
