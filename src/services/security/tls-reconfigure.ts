/**
 * Kafka's dynamic key store / trust store update (DynamicListenerConfig → SslFactory.reconfigure): a change of a
 * reconfigurable SSL key (SslConfigs.RECONFIGURABLE_CONFIGS: ssl.keystore.*, ssl.truststore.*, ssl.key.password —
 * normally `listener.name.<l>.ssl.keystore.location` etc. at /config/brokers/<id>) rebuilds that listener's TLS
 * settings and swaps them into its TLS server: connections accepted from then on get the new certificate, open ones
 * keep theirs, no restart. A new key store that cannot be loaded is logged and the old one stays (Kafka refuses the
 * AlterConfigs instead).
 *
 * Differs from Kafka: the new certificate's DN / subject alternative names are not compared with the old ones
 * (SslFactory's "Keystore DistinguishedName or SubjectAltNames do not match" check), and the write path does not load
 * the key store before accepting the change.
 */
import type { EndPoint } from '../../config/listeners.js';
import type { Logger } from '../../logger.js';
import { buildServerSsl, type ListenerConfigView, type ServerSslSettings } from './ssl-factory.js';
import { usesTls } from './listener-security.js';

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

export interface TlsReconfigurable { updateTls(listenerName: string, ssl: ServerSslSettings): void }

/** Rebuilds and swaps the TLS settings of every TLS listener the change touches; returns the listeners reloaded. */
export function reconfigureTls(server: TlsReconfigurable, config: ListenerConfigView, listeners: readonly EndPoint[], changed: readonly string[], log: Logger): string[] {
  const touched = tlsListenersChanged(changed);
  if (touched.size === 0) return [];
  const done: string[] = [];
  for (const l of listeners) {
    if (!usesTls(l.securityProtocol) || !(touched.has(null) || touched.has(l.listenerName.toLowerCase()))) continue;
    try {
      const ssl = buildServerSsl(config, l.listenerName, l.securityProtocol);
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
