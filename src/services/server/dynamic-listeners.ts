/**
 * Kafka's DynamicListenerConfig.reconfigure, the broker side (ZooKeeper mode): a dynamic change of `listeners`,
 * `advertised.listeners` or `listener.security.protocol.map` makes the socket server remove the listeners no longer
 * named and bind the new ones (machines/socket-server.ts, SocketServer.addListeners / removeListeners), then the broker
 * re-writes /brokers/ids/<id> with the effective advertised listeners (broker-registration.ts updateBrokerInfo), so the
 * controller sends every broker the new endpoints and Metadata answers them.
 *
 * The checks (an existing listener keeps its protocol and listener configs; the inter-broker listener stays advertised)
 * are services/config/reconfiguration.ts, run before the change is stored and again when it is read.
 * Differs from Kafka: an existing listener whose host or port changed keeps its acceptor until the next start (Kafka
 * only adds and removes by name, too) — its new endpoint is registered, so the change should go with a new name.
 */
import type { KafkaConfig } from '../../config/kafka-config.js';
import type { ListenerSpec } from '../network/socket-server.js';
import { buildListenerSecurity, type ListenerSecurity } from '../security/listener-security.js';
import type { CredentialLookup } from '../security/scram.js';

/** The keys whose change may add, remove or re-advertise listeners. */
export const LISTENER_REGISTRATION_KEYS: readonly string[] = ['listeners', 'advertised.listeners', 'listener.security.protocol.map'];

export const listenersMayHaveChanged = (changed: readonly string[]): boolean => changed.some((k) => LISTENER_REGISTRATION_KEYS.includes(k));

/** The socket server's listeners for a config, with the TLS / SASL settings each needs; a bad setting → `error`. */
export function listenerUpdateFor(config: KafkaConfig, credentials: CredentialLookup | undefined): { listeners: ListenerSpec[]; security: ReadonlyMap<string, ListenerSecurity> } | { error: string } {
  try {
    return { listeners: config.listeners.map((l) => ({ ...l })), security: buildListenerSecurity(config, config.listeners, credentials) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
