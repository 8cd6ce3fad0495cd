/**
 * What each listener needs for security, built once from the config (ChannelBuilders.create per listener): its
 * security protocol, the TLS settings of SSL / SASL_SSL listeners (a holder, so a dynamic keystore update swaps
 * them for new connections, as Kafka's SslFactory.reconfigure), and (SASL_*) the SASL server settings.
 * Building it validates every listener's security config: the broker calls it before binding, so a bad value is
 * one fatal line naming key, value and expectation.
 */
import type { EndPoint } from '../../config/listeners.js';
import { buildServerSsl, type ListenerConfigView, type ServerSslSettings } from './ssl-factory.js';

export interface ListenerSecurity {
  readonly listenerName: string;
  readonly securityProtocol: string;
  /** SSL and SASL_SSL: the current TLS settings (replaced on a keystore reload). */
  ssl: ServerSslSettings | null;
}

export const usesTls = (protocol: string): boolean => protocol === 'SSL' || protocol === 'SASL_SSL';
export const usesSasl = (protocol: string): boolean => protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';

export function buildListenerSecurity(config: ListenerConfigView, listeners: readonly EndPoint[]): Map<string, ListenerSecurity> {
  const out = new Map<string, ListenerSecurity>();
  for (const l of listeners) {
    out.set(l.listenerName, {
      listenerName: l.listenerName,
      securityProtocol: l.securityProtocol,
      ssl: usesTls(l.securityProtocol) ? buildServerSsl(config, l.listenerName, l.securityProtocol) : null,
    });
  }
  return out;
}
