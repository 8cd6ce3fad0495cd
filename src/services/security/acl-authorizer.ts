/**
 * Kafka's AclAuthorizer (ZooKeeper mode): `authorizer.class.name=kafka.security.authorizer.AclAuthorizer` (or the
 * older kafka.security.auth.SimpleAclAuthorizer). Every ACL under /kafka-acl (LITERAL) and /kafka-acl-extended/prefixed
 * (PREFIXED) is loaded into a cache at startup; the change notifications /kafka-acl-changes/acl_changes_N (body
 * `Topic:foo`) and /kafka-acl-extended-changes/acl_changes_N (JSON) written by other brokers, kafka-acls.sh
 * --authorizer-properties zookeeper.connect=… or a hand edit, are watched and the named resource reloaded. A
 * session re-initialisation reloads everything. super.users (`User:a;User:b`) and allow.everyone.if.no.acl.found as
 * in Kafka; the decision itself is acl.ts.
 *
 * The I/O runs in the aclAuthorizer actor (machines/acl-authorizer.ts); this class holds the cache and the reads.
 * Differs from Kafka: notifications are not deleted after 15 minutes by Rafka (Kafka's ZkNodeChangeNotificationListener
 * purges them). CreateAcls / DescribeAcls / DeleteAcls: acl-admin.ts and handlers/acls.ts.
 */
import type { Logger } from '../../logger.js';
import type { ZkSession, ZkEvent } from '../zookeeper/zk-session.js';
import {
  ACL_CHANGE_PREFIX, AclCache, RESOURCE_TYPES, ZK_EXTENDED_CHANGES, ZK_LITERAL_CHANGES, ZK_LITERAL_ROOT, ZK_PREFIXED_ROOT,
  aclNodePath, authorize, authorizeByResourceType, decodeAclChange, decodeAclNode, parseKafkaPrincipalList, type AclOperation, type AuthorizerSettings,
  type ResourcePattern, type ResourceType,
} from './acl.js';
import type { Authorizer } from './request-authorizer.js';

export { ACL_AUTHORIZER_CLASSES } from '../../config/unsupported-security.js';

export class AclAuthorizer implements Authorizer {
  readonly cache = new AclCache();
  private readonly lastSeen = new Map<string, number>();

  constructor(readonly settings: AuthorizerSettings, private readonly log: Logger) {}

  authorize(principal: string, host: string, operation: AclOperation, resourceType: ResourceType, name: string): boolean {
    const allowed = authorize(this.cache, this.settings, { principal, host, operation, resourceType, name });
    if (!allowed) this.log.debug({ principal, host, operation, resourceType, name }, `Principal = ${principal} is Denied operation = ${operation} from host = ${host} on resource = ${resourceType}:LITERAL:${name}`);
    return allowed;
  }

  authorizeByResourceType(principal: string, host: string, operation: AclOperation, resourceType: ResourceType): boolean {
    return authorizeByResourceType(this.cache.entries(), this.settings, principal, host, operation, resourceType);
  }

  /** AclAuthorizer.loadCache: every ACL node; then the notification sequence numbers already present are skipped. */
  async loadAll(zk: ZkSession): Promise<void> {
    for (const root of [ZK_LITERAL_ROOT, ZK_PREFIXED_ROOT]) {
      for (const type of RESOURCE_TYPES) {
        const names = await zk.getChildren(`${root}/${type}`).catch(() => [] as string[]);
        for (const name of names) await this.reload(zk, { resourceType: type, name, patternType: root === ZK_LITERAL_ROOT ? 'LITERAL' : 'PREFIXED' });
      }
    }
    for (const changes of [ZK_LITERAL_CHANGES, ZK_EXTENDED_CHANGES]) {
      await zk.mkdirp(changes);
      const seqs = (await zk.getChildren(changes)).map(sequenceOf).filter((n) => n >= 0);
      this.lastSeen.set(changes, seqs.length === 0 ? -1 : Math.max(...seqs));
    }
  }

  /** Re-reads one resource's node into the cache (a missing node = no ACLs; a malformed one is logged and ignored). */
  async reload(zk: ZkSession, p: ResourcePattern): Promise<void> {
    const node = await zk.getDataOrNull(aclNodePath(p));
    try {
      this.cache.set(p, node ? decodeAclNode(node.data) : []);
    } catch (e) {
      this.log.error({ path: aclNodePath(p), err: (e as Error).message }, `Ignoring malformed ACL node ${aclNodePath(p)}: ${(e as Error).message}`);
    }
  }

  /** Processes notifications newer than the last seen of `changes`, re-arming the children watch with `watcher`. */
  async processChanges(zk: ZkSession, changes: string, watcher: (e: ZkEvent) => void): Promise<void> {
    const children = await zk.getChildren(changes, watcher);
    const last = this.lastSeen.get(changes) ?? -1;
    const fresh = children.map((c) => [c, sequenceOf(c)] as const).filter(([, n]) => n > last).sort((a, b) => a[1] - b[1]);
    for (const [child, seq] of fresh) {
      const node = await zk.getDataOrNull(`${changes}/${child}`);
      try {
        const p = decodeAclChange(node?.data ?? null, changes === ZK_EXTENDED_CHANGES);
        await this.reload(zk, p);
        this.log.info({ resource: `${p.resourceType}:${p.patternType}:${p.name}` }, `Processed ACL change notification for ${p.resourceType}:${p.patternType}:${p.name}`);
      } catch (e) {
        this.log.error({ notification: `${changes}/${child}`, err: (e as Error).message }, 'Skipping malformed ACL change notification');
      }
      this.lastSeen.set(changes, seq);
    }
  }
}

const sequenceOf = (child: string): number => (child.startsWith(ACL_CHANGE_PREFIX) ? Number(child.slice(ACL_CHANGE_PREFIX.length)) : -1);

/** super.users: `;`-separated principals. */
export function authorizerSettings(superUsers: string | null, allowEveryoneIfNoAclFound: boolean): AuthorizerSettings {
  return { superUsers: new Set(parseKafkaPrincipalList(superUsers ?? '')), allowEveryoneIfNoAclFound };
}
