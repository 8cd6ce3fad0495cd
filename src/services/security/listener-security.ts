/**
 * What each listener needs for security, built once from the config (ChannelBuilders.create per listener): its
 * security protocol, the TLS settings of SSL / SASL_SSL listeners (a holder, so a dynamic keystore update swaps
 * them for new connections, as Kafka's SslFactory.reconfigure), and (SASL_*) the SASL server settings.
 * Building it validates every listener's security config: the broker calls it before binding, so a bad value is
 * one fatal line naming key, value and expectation.
 */
import type { EndPoint } from '../../config/listeners.js';
import { ConfigException } from '../../config/config-exception.js';
import { buildServerSsl, type ListenerConfigView, type ServerSslSettings } from './ssl-factory.js';
import type { SaslServerSettings } from './sasl-server-authenticator.js';
import { parseJaasConfig, plainUsers } from './jaas-config.js';
import { unsecuredValidatorOptions, type UnsecuredValidatorOptions } from './oauthbearer.js';
import type { CredentialLookup } from './scram.js';

/** The SASL mechanisms Rafka implements. */
export const SASL_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

export interface SecurityConfigView extends ListenerConfigView {
  getInt(name: string): number;
  getLong(name: string): number;
  listenerMechanismValue(listenerName: string, mechanism: string, name: string): unknown;
}

export interface ListenerSecurity {
  readonly listenerName: string;
  readonly securityProtocol: string;
  /** SSL and SASL_SSL: the current TLS settings (replaced on a keystore reload). */
  ssl: ServerSslSettings | null;
  /** SASL_PLAINTEXT and SASL_SSL: mechanisms, PLAIN users, SCRAM credentials, limits. */
  sasl: SaslServerSettings | null;
}

/** Until the broker's credential cache exists (config validation at startup): no SCRAM user is known. */
const NO_CREDENTIALS: CredentialLookup = async () => null;

function keyName(config: ListenerConfigView, listenerName: string, name: string): string {
  const prefixed = `listener.name.${listenerName.toLowerCase()}.${name}`;
  return Object.hasOwn(config.originals, prefixed) ? prefixed : name;
}

function buildSasl(config: SecurityConfigView, l: string, credentials: CredentialLookup): SaslServerSettings {
  const key = keyName(config, l, 'sasl.enabled.mechanisms');
  const mechanisms = config.listenerValue(l, 'sasl.enabled.mechanisms') as string[];
  if (mechanisms.length === 0) throw new ConfigException(key, '', `listener ${l} uses SASL: enable at least one of ${SASL_MECHANISMS.join(', ')}`);
  for (const m of mechanisms) {
    if (!SASL_MECHANISMS.includes(m)) {
      throw new ConfigException(key, mechanisms.join(','), `Rafka implements the SASL mechanisms ${SASL_MECHANISMS.join(', ')}, not ${m}${m === 'GSSAPI' && key === 'sasl.enabled.mechanisms' && !Object.hasOwn(config.originals, key) ? ' (GSSAPI is Kafka\'s default: set sasl.enabled.mechanisms)' : ''}`);
    }
  }
  let users = new Map<string, string>();
  if (mechanisms.includes('PLAIN')) {
    const jaasKey = `listener.name.${l.toLowerCase()}.plain.sasl.jaas.config`;
    const jaas = config.listenerMechanismValue(l, 'PLAIN', 'sasl.jaas.config') as string | null;
    if (jaas === null) {
      throw new ConfigException(jaasKey, null, `PLAIN on listener ${l} needs 'org.apache.kafka.common.security.plain.PlainLoginModule required user_<name>="<password>" …;' (Rafka reads no static JAAS file)`);
    }
    users = plainUsers(parseJaasConfig(jaasKey, jaas));
    if (users.size === 0) throw new ConfigException(jaasKey, '[hidden]', 'no user_<name>="<password>" option: no client could log in with PLAIN');
  }
  // OAUTHBEARER: the unsecured validator's options from the mechanism's JAAS config (none: Kafka's defaults)
  let oauthValidator: UnsecuredValidatorOptions | undefined;
  if (mechanisms.includes('OAUTHBEARER')) {
    const jaasKey = `listener.name.${l.toLowerCase()}.oauthbearer.sasl.jaas.config`;
    const jaas = config.listenerMechanismValue(l, 'OAUTHBEARER', 'sasl.jaas.config') as string | null;
    if (jaas !== null) oauthValidator = unsecuredValidatorOptions(parseJaasConfig(jaasKey, jaas)[0]!.options, jaasKey);
  }
  return {
    enabledMechanisms: mechanisms,
    plainUsers: users,
    ...(oauthValidator ? { oauthValidator } : {}),
    credentials,
    failedAuthenticationDelayMs: config.getInt('connection.failed.authentication.delay.ms'),
    maxReceiveSize: config.getInt('sasl.server.max.receive.size'),
    // KIP-368: listener.name.<l>.<mechanism>.connections.max.reauth.ms, else the broker-wide value
    reauthMs: (m) => Number(config.listenerMechanismValue(l, m, 'connections.max.reauth.ms') ?? config.getLong('connections.max.reauth.ms')),
  };
}

export const usesTls = (protocol: string): boolean => protocol === 'SSL' || protocol === 'SASL_SSL';
export const usesSasl = (protocol: string): boolean => protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';

export function buildListenerSecurity(config: SecurityConfigView, listeners: readonly EndPoint[], credentials: CredentialLookup = NO_CREDENTIALS): Map<string, ListenerSecurity> {
  const out = new Map<string, ListenerSecurity>();
  for (const l of listeners) {
    out.set(l.listenerName, {
      listenerName: l.listenerName,
      securityProtocol: l.securityProtocol,
      ssl: usesTls(l.securityProtocol) ? buildServerSsl(config, l.listenerName, l.securityProtocol) : null,
      sasl: usesSasl(l.securityProtocol) ? buildSasl(config, l.listenerName, credentials) : null,
    });
  }
  return out;
}
