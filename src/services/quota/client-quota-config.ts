/**
 * Client quota entities in ZooKeeper, in Kafka's layout and format: `/config/clients/<c>`, `/config/users/<u>`,
 * `/config/users/<u>/clients/<c>` (names URL-sanitised, `<default>` for the defaults), each
 * `{"version":1,"config":{"producer_byte_rate":"1048576",…}}`, changes announced by
 * `/config/changes/config_change_N` `{"version":2,"entity_path":"users/<u>/clients/<c>"}`.
 *
 * {@link ClientQuotaConfigHandler} is Kafka's ClientIdConfigHandler + UserConfigHandler for the quota keys: the
 * ZkConfigManager (the dynamicConfig coordinator) loads every entity at startup and re-reads the one a notification
 * names. {@link writeClientQuotaEntity} is AdminZkClient.changeConfigs for clients/users (AlterClientQuotas).
 */
import type { Logger } from '../../logger.js';
import type { ZkSession } from '../zookeeper/zk-session.js';
import { isZkError, ZkCode } from '../zookeeper/zk-session.js';
import { retryUntilConnected } from '../zookeeper/kafka-zk-client.js';
import { ConfigEntityChangeNotification, ConfigEntityZNode, CONFIG_CHANGE_PREFIX, ZkPaths } from '../zookeeper/zk-data.js';
import { CreateMode } from '../zookeeper/zk-session.js';
import { CLIENT_QUOTA_KEYS, IP_CONNECTION_RATE_KEY, type QuotaManagers } from './quota-managers.js';
import { DEFAULT_ENTITY } from './client-quota-manager.js';
import { resolveIpEntity, type HostResolver } from './ip-entity.js';

/** The znode path of an entity (sanitized names; null = not part of it). */
export function clientQuotaEntityPath(sanitizedUser: string | null, sanitizedClientId: string | null): string {
  if (sanitizedUser !== null) return sanitizedClientId !== null ? `users/${sanitizedUser}/clients/${sanitizedClientId}` : `users/${sanitizedUser}`;
  if (sanitizedClientId !== null) return `clients/${sanitizedClientId}`;
  throw new Error('A client quota entity needs a user or a client id');
}

async function children(zk: ZkSession, path: string): Promise<string[]> {
  try { return await retryUntilConnected(zk, () => zk.getChildren(path)); } catch (e) { if (isZkError(e, ZkCode.NO_NODE)) return []; throw e; }
}

async function entityConfig(zk: ZkSession, path: string): Promise<Record<string, string> | null> {
  const node = await retryUntilConnected(zk, () => zk.getDataOrNull(`/config/${path}`));
  return node ? ConfigEntityZNode.decode(node.data) : null;
}

/** Every client quota entity (for DescribeClientQuotas): sanitized user / client id, null when not part of it. */
export async function readAllClientQuotaEntities(zk: ZkSession): Promise<Array<{ user: string | null; clientId: string | null; config: Record<string, string> }>> {
  const out: Array<{ user: string | null; clientId: string | null; config: Record<string, string> }> = [];
  for (const c of await children(zk, '/config/clients')) {
    const config = await entityConfig(zk, `clients/${c}`);
    if (config) out.push({ user: null, clientId: c, config });
  }
  for (const u of await children(zk, '/config/users')) {
    const config = await entityConfig(zk, `users/${u}`);
    if (config) out.push({ user: u, clientId: null, config });
    for (const c of await children(zk, `/config/users/${u}/clients`)) {
      const cc = await entityConfig(zk, `users/${u}/clients/${c}`);
      if (cc) out.push({ user: u, clientId: c, config: cc });
    }
  }
  return out;
}

/** Every `ips` entity (`/config/ips/<ip>`, `<default>`): the IP as stored and its config. */
export async function readAllIpQuotaEntities(zk: ZkSession): Promise<Array<{ ip: string; config: Record<string, string> }>> {
  const out: Array<{ ip: string; config: Record<string, string> }> = [];
  for (const ip of await children(zk, '/config/ips')) {
    const config = await entityConfig(zk, `ips/${ip}`);
    if (config) out.push({ ip, config });
  }
  return out;
}

/** AdminZkClient.changeConfigs for an `ips` entity. */
export async function writeIpQuotaEntity(zk: ZkSession, ip: string, config: Record<string, string>): Promise<void> {
  await writeEntity(zk, `ips/${ip}`, config);
}

async function writeEntity(zk: ZkSession, entityPath: string, config: Record<string, string>): Promise<void> {
  const path = `/config/${entityPath}`;
  const data = ConfigEntityZNode.encode(config);
  await retryUntilConnected(zk, async () => {
    try { await zk.setData(path, data); } catch (e) {
      if (!isZkError(e, ZkCode.NO_NODE)) throw e;
      await zk.mkdirp(path.slice(0, path.lastIndexOf('/')));
      await zk.create(path, data);
    }
  });
  await retryUntilConnected(zk, () => zk.create(`${ZkPaths.configChanges}/${CONFIG_CHANGE_PREFIX}`, ConfigEntityChangeNotification.encode(entityPath), CreateMode.PERSISTENT_SEQUENTIAL));
}

/** AdminZkClient.changeConfigs for a quota entity: the whole config replaced, then the change notification. */
export async function writeClientQuotaEntity(zk: ZkSession, sanitizedUser: string | null, sanitizedClientId: string | null, config: Record<string, string>): Promise<void> {
  await writeEntity(zk, clientQuotaEntityPath(sanitizedUser, sanitizedClientId), config);
}

const quotaPart = (config: Record<string, string>) => Object.fromEntries(Object.entries(config).filter(([k]) => k in CLIENT_QUOTA_KEYS));

export class ClientQuotaConfigHandler {
  /** `ips` entity name (a host name or an IP) → the address its quota was last applied to. */
  private readonly appliedIps = new Map<string, string>();
  /** ips changes are applied one after the other (each may wait for a host name lookup). */
  private ipChain: Promise<void> = Promise.resolve();

  constructor(private readonly quotas: QuotaManagers, private readonly log: Logger, private readonly resolve: HostResolver = resolveIpEntity) {}

  /** ZkConfigManager startup: every clients / users / users/<u>/clients entity. */
  async loadAll(zk: ZkSession): Promise<void> {
    for (const e of await readAllClientQuotaEntities(zk)) this.apply(e.user, e.clientId, e.config, false);
    for (const e of await readAllIpQuotaEntities(zk)) await this.applyIp(e.ip, e.config, false);
  }

  /** A /config/changes notification naming `clients/<c>`, `users/<u>` or `users/<u>/clients/<c>`. */
  async reload(zk: ZkSession, type: string, name: string): Promise<void> {
    let user: string | null = null;
    let clientId: string | null = null;
    if (type === 'clients') clientId = name;
    else if (type === 'users') {
      const parts = name.split('/');
      if (parts.length === 3 && parts[1] === 'clients') { user = parts[0]!; clientId = parts[2]!; }
      else if (parts.length === 1) user = name;
      else { this.log.warn({ entity: `${type}/${name}` }, `Ignoring a config change notification for an invalid entity users/${name}`); return; }
    } else if (type === 'ips') {
      await this.applyIp(name, (await entityConfig(zk, `ips/${name}`)) ?? {}, true);
      return;
    } else return;
    const config = (await entityConfig(zk, clientQuotaEntityPath(user, clientId))) ?? {};
    this.apply(user, clientId, config, true);
  }

  /**
   * Kafka's IpConfigHandler: connection_creation_rate of one IP or host name (resolved now, as InetAddress.getByName;
   * unresolvable → "Unable to resolve address", nothing applied) or `<default>`; absent = back to unlimited / default.
   * Differs: when a host name now resolves elsewhere, the address it was applied to before loses its quota (Kafka
   * keeps it until restart).
   */
  private applyIp(ip: string, config: Record<string, string>, logIt: boolean): Promise<void> {
    const next = this.ipChain.then(async () => {
      const raw = config[IP_CONNECTION_RATE_KEY];
      const v = raw === undefined ? NaN : Number(raw);
      const rate = Number.isFinite(v) && v > 0 ? Math.floor(v) : null;
      if (ip === DEFAULT_ENTITY) {
        this.quotas.ipConnectionRates.set(null, rate);
      } else {
        const address = await this.resolve(ip);
        if (address === null) {
          this.log.error({ entity: `ips/${ip}` }, `Unable to resolve address ${ip}: its connection creation rate quota is not applied`);
          return;
        }
        const before = this.appliedIps.get(ip);
        if (before !== undefined && before !== address) this.quotas.ipConnectionRates.set(before, null);
        if (rate === null) this.appliedIps.delete(ip); else this.appliedIps.set(ip, address);
        this.quotas.ipConnectionRates.set(address, rate);
      }
      if (logIt || rate !== null) {
        this.log.info({ entity: `ips/${ip}`, rate }, `Connection creation rate quota of ips/${ip}: ${rate ?? 'none'}`);
      }
    });
    this.ipChain = next.catch(() => undefined);
    return next;
  }

  private apply(user: string | null, clientId: string | null, config: Record<string, string>, logIt: boolean): void {
    this.quotas.applyEntityConfig(user, clientId, config);
    const q = quotaPart(config);
    if (logIt || Object.keys(q).length > 0) {
      this.log.info({ entity: clientQuotaEntityPath(user, clientId), quotas: q }, `Client quotas of ${clientQuotaEntityPath(user, clientId)}: ${Object.keys(q).length > 0 ? JSON.stringify(q) : 'none'}`);
    }
  }
}
