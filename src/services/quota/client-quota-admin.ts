/**
 * Kafka's `ZkAdminManager.describeClientQuotas` / `alterClientQuotas` for user and client-id entities (what
 * DescribeClientQuotas / AlterClientQuotas answer): filters with exact / default / any components and `strict`,
 * per-entry errors as Kafka's messages, integer values for the byte rates, writes through
 * {@link writeClientQuotaEntity} (the entity's whole config, then a /config/changes notification every broker applies).
 *
 * `ip` entities (connection_creation_rate, INT, `/config/ips/<ip>`) as handleDescribeIpQuotas / alterClientQuotas: never
 * combined with user / client-id; the name an IP literal, a host name that resolves (ip-entity.ts, as Kafka's
 * InetAddress.getByName; stored as given) or the default.
 */
import { resolveIpEntity, type HostResolver } from './ip-entity.js';
import type { ZkSession } from '../zookeeper/zk-session.js';
import { CLIENT_QUOTA_KEYS, IP_CONNECTION_RATE_KEY, desanitize, sanitize } from './quota-managers.js';
import { DEFAULT_ENTITY } from './client-quota-manager.js';
import { readAllClientQuotaEntities, readAllIpQuotaEntities, writeClientQuotaEntity, writeIpQuotaEntity } from './client-quota-config.js';
import { ConfigEntityZNode } from '../zookeeper/zk-data.js';
import { retryUntilConnected } from '../zookeeper/kafka-zk-client.js';

export const USER = 'user';
export const CLIENT_ID = 'client-id';
const IP = 'ip';

/** QuotaConfigs: the byte rates are LONG, the others DOUBLE. */
const LONG_KEYS = new Set(['producer_byte_rate', 'consumer_byte_rate']);

export class InvalidRequestError extends Error { override name = 'InvalidRequestError'; }
export class UnsupportedVersionError extends Error { override name = 'UnsupportedVersionError'; }

/** A filter component: `match` undefined = any specified name (MatchType 2), null = the default (1), else exact (0). */
export interface QuotaFilterComponent { entityType: string; match: string | null | undefined }
/** An entity: type → name (null = the default). */
export type QuotaEntity = Array<{ entityType: string; entityName: string | null }>;

const unsanitize = (n: string) => (n === DEFAULT_ENTITY ? null : desanitize(n));
const resanitize = (n: string | null) => (n === null ? DEFAULT_ENTITY : sanitize(n));

export async function describeClientQuotas(zk: ZkSession, components: QuotaFilterComponent[], strict: boolean): Promise<Array<{ entity: QuotaEntity; values: Record<string, number> }>> {
  let user: QuotaFilterComponent | undefined;
  let client: QuotaFilterComponent | undefined;
  let ip: QuotaFilterComponent | undefined;
  for (const c of components) {
    if (c.entityType === USER) { if (user) throw new InvalidRequestError('Duplicate user filter component entity type'); user = c; }
    else if (c.entityType === CLIENT_ID) { if (client) throw new InvalidRequestError('Duplicate client filter component entity type'); client = c; }
    else if (c.entityType === IP) { if (ip) throw new InvalidRequestError('Duplicate ip filter component entity type'); ip = c; }
    else if (c.entityType === '') throw new InvalidRequestError('Unexpected empty filter component entity type');
    else throw new UnsupportedVersionError(`Custom entity type '${c.entityType}' not supported`);
  }
  if ((user || client) && ip) {
    throw new InvalidRequestError('Invalid entity filter component combination, IP filter component should not be used with user or clientId filter component.');
  }
  // ZkAdminManager.handleDescribeClientQuotas' `matches`
  const matches = (component: QuotaFilterComponent | undefined, name: string | null | undefined): boolean => {
    if (!component) return name === undefined || !strict;
    if (component.match === undefined) return name !== undefined;
    return name !== undefined && name === component.match;
  };
  const out: Array<{ entity: QuotaEntity; values: Record<string, number> }> = [];
  if (!ip) {
    for (const e of await readAllClientQuotaEntities(zk)) {
      const u = e.user === null ? undefined : unsanitize(e.user);
      const c = e.clientId === null ? undefined : unsanitize(e.clientId);
      const values = Object.fromEntries(Object.entries(e.config).filter(([k]) => k in CLIENT_QUOTA_KEYS).map(([k, v]) => [k, Number(v)]));
      if (Object.keys(values).length === 0 || !matches(user, u) || !matches(client, c)) continue;
      const entity: QuotaEntity = [];
      if (u !== undefined) entity.push({ entityType: USER, entityName: u });
      if (c !== undefined) entity.push({ entityType: CLIENT_ID, entityName: c });
      out.push({ entity, values });
    }
  }
  // handleDescribeIpQuotas: an exact ip, every ip (match "any", or no ip component and not strict)
  if (!user && !client && (ip !== undefined || !strict)) {
    for (const e of await readAllIpQuotaEntities(zk)) {
      const name = unsanitize(e.ip);
      if (ip && ip.match !== undefined && ip.match !== name) continue;
      const raw = e.config[IP_CONNECTION_RATE_KEY];
      if (raw === undefined) continue;
      out.push({ entity: [{ entityType: IP, entityName: name }], values: { [IP_CONNECTION_RATE_KEY]: Number(raw) } });
    }
  }
  return out;
}

/** One AlterClientQuotas entry; throws InvalidRequestError with Kafka's message for a bad one. */
export async function alterClientQuotaEntity(zk: ZkSession, entity: QuotaEntity, ops: Array<{ key: string; value: number; remove: boolean }>, validateOnly: boolean,
  resolve: HostResolver = resolveIpEntity): Promise<void> {
  let user: string | null | undefined;
  let client: string | null | undefined;
  let ip: string | null | undefined;
  for (const e of entity) {
    if (e.entityType === USER && user === undefined) user = e.entityName;
    else if (e.entityType === CLIENT_ID && client === undefined) client = e.entityName;
    else if (e.entityType === IP && ip === undefined) ip = e.entityName;
    else throw new InvalidRequestError('Invalid client quota entity');
  }
  if (ip !== undefined) {
    if (user !== undefined || client !== undefined) throw new InvalidRequestError('Invalid quota entity combination, IP entity should not be used with user/client ID entity.');
    await alterIpQuotaEntity(zk, ip, ops, validateOnly, resolve);
    return;
  }
  if (user === undefined && client === undefined) throw new InvalidRequestError('Invalid client quota entity');
  const sUser = user === undefined ? null : resanitize(user);
  const sClient = client === undefined ? null : resanitize(client);
  const path = sUser !== null ? (sClient !== null ? `/config/users/${sUser}/clients/${sClient}` : `/config/users/${sUser}`) : `/config/clients/${sClient}`;
  const node = await retryUntilConnected(zk, () => zk.getDataOrNull(path));
  const props = node ? ConfigEntityZNode.decode(node.data) : {};
  for (const op of ops) {
    if (op.remove) { delete props[op.key]; continue; }
    if (!(op.key in CLIENT_QUOTA_KEYS)) throw new InvalidRequestError(`Invalid configuration key ${op.key}`);
    if (LONG_KEYS.has(op.key)) {
      const v = Math.trunc(op.value + 1e-6);
      if (Math.abs(v - op.value) > 1e-6) throw new InvalidRequestError(`Configuration ${op.key} must be a LONG value`);
      props[op.key] = String(v);
    } else props[op.key] = Number.isInteger(op.value) ? `${op.value}.0` : String(op.value); // Java's Double.toString
  }
  if (!validateOnly) await writeClientQuotaEntity(zk, sUser, sClient, props);
}

/** An `ip` entity: connection_creation_rate (INT) only; the name an IP literal, a resolvable host or null (the default). */
async function alterIpQuotaEntity(zk: ZkSession, ip: string | null, ops: Array<{ key: string; value: number; remove: boolean }>, validateOnly: boolean,
  resolve: HostResolver): Promise<void> {
  if (ip !== null && (await resolve(ip)) === null) throw new InvalidRequestError(`${ip} is not a valid IP or resolvable host.`);
  const stored = ip === null ? DEFAULT_ENTITY : ip;
  const node = await retryUntilConnected(zk, () => zk.getDataOrNull(`/config/ips/${stored}`));
  const props = node ? ConfigEntityZNode.decode(node.data) : {};
  for (const op of ops) {
    if (op.remove) { delete props[op.key]; continue; }
    if (op.key !== IP_CONNECTION_RATE_KEY) throw new InvalidRequestError(`Invalid configuration key ${op.key}`);
    const v = Math.trunc(op.value + 1e-6);
    if (Math.abs(v - op.value) > 1e-6) throw new InvalidRequestError(`Configuration ${op.key} must be a INT value`);
    props[op.key] = String(v);
  }
  if (!validateOnly) await writeIpQuotaEntity(zk, stored, props);
}
