/**
 * Kafka's CredentialCache + the users part of its ZK ConfigHandler: SCRAM credentials are read from
 * `/config/users/<sanitized user>` (keys SCRAM-SHA-256 / SCRAM-SHA-512, ScramCredentialUtils format) on first use
 * and kept; a `/config/changes` notification naming `users/<user>` (written by AlterUserScramCredentials or
 * `kafka-configs.sh --alter --add-config 'SCRAM-SHA-512=[password=…]' --entity-type users`) drops the entry so the
 * next login reads the new one.
 *
 * Differs from Kafka: loaded lazily per user instead of all users at startup (same answers; a user with no
 * credential is cached as such until a notification names it). A ZooKeeper error fails that one login.
 */
import type { ZkSession } from '../zookeeper/zk-session.js';
import { getEntityConfig } from '../zookeeper/kafka-zk-client.js';
import { parseScramCredential, type CredentialLookup } from './scram.js';
import type { Logger } from '../../logger.js';

/** Kafka's Sanitizer.sanitize: URL-encoding as Java's URLEncoder, with `*` → %2A and space → %20. */
export function sanitize(name: string): string {
  return encodeURIComponent(name).replace(/[!'()~*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function desanitize(name: string): string {
  try { return decodeURIComponent(name); } catch { return name; }
}

export class CredentialCache {
  private readonly users = new Map<string, Record<string, string>>();

  constructor(private readonly zk: () => ZkSession, private readonly log: Logger) {}

  readonly lookup: CredentialLookup = async (user, m) => {
    let configs = this.users.get(user);
    if (configs === undefined) {
      configs = await getEntityConfig(this.zk(), 'users', sanitize(user));
      this.users.set(user, configs);
    }
    const value = configs[m.mechanismName];
    if (value === undefined) return null;
    try {
      return parseScramCredential(value);
    } catch (e) {
      // the reason only: never the stored value
      this.log.error({ user, mechanism: m.mechanismName, err: (e as Error).message }, `Invalid ${m.mechanismName} credential in /config/users/${sanitize(user)}`);
      return null;
    }
  };

  /** A /config/changes notification for `users/<sanitized>` (or `users/<sanitized>/clients/…`). */
  invalidate(entityName: string): void {
    this.users.delete(desanitize(entityName.split('/')[0]!));
  }
}
