/**
 * Security settings Rafka does not implement yet must never be ignored silently: an authorizer
 * would authorize nothing, a create-topic or alter-config policy would reject nothing, and
 * zookeeper.ssl.client.enable would talk to ZooKeeper in the clear. Such a config
 * refuses to start with one line naming the listener or key. (zookeeper.set.acl without a ZooKeeper login is refused
 * as Kafka refuses it: services/zookeeper/zk-acls.ts.) Kafka has no counterpart: it implements all of them. Once the Security
 * issue implements one, its refusal goes: SSL, SASL_PLAINTEXT and SASL_SSL listeners are served since issue 14
 * (services/security; their settings are validated at startup by buildListenerSecurity).
 */
import type { EndPoint } from './listeners.js';

/** The authorizer.class.name values Rafka serves (services/security/acl-authorizer.ts): Kafka's ZooKeeper-mode AclAuthorizer. */
export const ACL_AUTHORIZER_CLASSES: readonly string[] = ['kafka.security.authorizer.AclAuthorizer', 'kafka.security.auth.SimpleAclAuthorizer'];

/** What the check needs of a parsed config (KafkaConfig satisfies it). */
export interface SecurityConfigView {
  readonly listeners: readonly EndPoint[];
  readonly effectiveAdvertisedListeners: readonly EndPoint[];
  getString(name: string): string | null;
  getBoolean(name: string): boolean;
}

/** The reasons to refuse, each naming the listener or key; empty when the config is one Rafka serves honestly. */
export function unsupportedSecurity(config: SecurityConfigView): string[] {
  const reasons: string[] = [];
  const authorizer = config.getString('authorizer.class.name');
  if (authorizer !== null && authorizer.trim() !== '' && !ACL_AUTHORIZER_CLASSES.includes(authorizer.trim())) {
    reasons.push(`authorizer.class.name=${authorizer} is not an authorizer Rafka implements (${ACL_AUTHORIZER_CLASSES.join(' or ')}): nothing would be enforced`);
  }
  // (each key read by name: test/config/implemented-marker.test.ts finds reads by their literal getter calls)
  const policies: Array<[string, string | null]> = [
    ['create.topic.policy.class.name', config.getString('create.topic.policy.class.name')],
    ['alter.config.policy.class.name', config.getString('alter.config.policy.class.name')],
  ];
  for (const [key, policy] of policies) {
    if (policy !== null && policy.trim() !== '') reasons.push(`${key}=${policy} is set, but Rafka runs no policy classes yet: nothing would be rejected`);
  }
  if (config.getBoolean('zookeeper.ssl.client.enable')) {
    reasons.push('zookeeper.ssl.client.enable=true, but Rafka has no TLS to ZooKeeper yet: it would connect in plaintext');
  }
  return reasons;
}

/**
 * The keys {@link unsupportedSecurity} depends on: a dynamic broker config (/config/brokers) setting them so that a
 * refusal appears is skipped and reported (src/services/config/dynamic-broker-config.ts), never applied.
 */
export const SECURITY_CONFIG_KEYS: ReadonlySet<string> = new Set([
  'listeners', 'advertised.listeners', 'listener.security.protocol.map', 'authorizer.class.name',
  'create.topic.policy.class.name', 'alter.config.policy.class.name', 'zookeeper.ssl.client.enable',
]);

/** The one fatal line, or null. */
export function securityRefusal(config: SecurityConfigView): string | null {
  const reasons = unsupportedSecurity(config);
  return reasons.length === 0 ? null : `Refusing to start: ${reasons.join('; ')}`;
}
