/**
 * The write and filter side of Kafka's AclAuthorizer (ZooKeeper mode) behind CreateAcls / DescribeAcls / DeleteAcls:
 * - the wire codes of ResourceType / PatternType / AclOperation / AclPermissionType (org.apache.kafka.common.acl);
 * - ResourcePatternFilter.matches and AccessControlEntryFilter.matches (ANY / MATCH pattern types, null = any);
 * - AclAuthorizer.updateResourceAcls: read the node with its version, write it conditionally (create when absent,
 *   delete when the last ACL goes), retry on a concurrent change, then the change notification
 *   (/kafka-acl-changes or /kafka-acl-extended-changes) so every broker's authorizer reloads the resource.
 * Differs from Kafka: the node is always re-read from ZooKeeper before the write (Kafka starts from its cache), and
 * the writing broker reloads its own cache at once rather than waiting for its notification.
 */
import { CreateMode, isZkError, ZkCode, type ZkSession } from '../zookeeper/zk-session.js';
import {
  ACL_CHANGE_PREFIX, OPERATIONS, RESOURCE_TYPES, WILDCARD_RESOURCE, ZK_EXTENDED_CHANGES, ZK_LITERAL_CHANGES, aclNodePath, decodeAclNode,
  encodeAclChange, encodeAclNode, type AclEntry, type AclOperation, type AclPermission, type PatternType, type ResourcePattern, type ResourceType,
} from './acl.js';

// Wire codes: ResourceType UNKNOWN 0, ANY 1, TOPIC 2 …; PatternType UNKNOWN 0, ANY 1, MATCH 2, LITERAL 3, PREFIXED 4;
// AclOperation UNKNOWN 0, ANY 1, ALL 2 …; AclPermissionType UNKNOWN 0, ANY 1, DENY 2, ALLOW 3.
export const ANY = 1;
export const PATTERN_MATCH = 2;
export const resourceTypeCode = (t: ResourceType): number => RESOURCE_TYPES.indexOf(t) + 2;
export const operationCode = (o: AclOperation): number => OPERATIONS.indexOf(o) + 2;
export const patternTypeCode = (p: PatternType): number => (p === 'LITERAL' ? 3 : 4);
export const permissionCode = (p: AclPermission): number => (p === 'Deny' ? 2 : 3);
export const resourceTypeOf = (code: number): ResourceType | undefined => RESOURCE_TYPES[code - 2];
export const operationOf = (code: number): AclOperation | undefined => OPERATIONS[code - 2];
export const patternTypeOf = (code: number): PatternType | undefined => (code === 3 ? 'LITERAL' : code === 4 ? 'PREFIXED' : undefined);
export const permissionOf = (code: number): AclPermission | undefined => (code === 2 ? 'Deny' : code === 3 ? 'Allow' : undefined);

/** An AclBindingFilter as decoded: codes, null names / principals / hosts meaning any. */
export interface AclBindingFilter {
  resourceType: number; name: string | null; patternType: number;
  principal: string | null; host: string | null; operation: number; permissionType: number;
}

/** AclBindingFilter.findIndefiniteField: the reason a filter is invalid (an UNKNOWN element), or null. */
export function invalidFilter(f: AclBindingFilter): string | null {
  if (f.resourceType !== ANY && !resourceTypeOf(f.resourceType)) return `Unknown resource type ${f.resourceType}`;
  if (f.patternType !== ANY && f.patternType !== PATTERN_MATCH && !patternTypeOf(f.patternType)) return `Unknown pattern type ${f.patternType}`;
  if (f.operation !== ANY && !operationOf(f.operation)) return `Unknown operation ${f.operation}`;
  if (f.permissionType !== ANY && !permissionOf(f.permissionType)) return `Unknown permission type ${f.permissionType}`;
  return null;
}

/** ResourcePatternFilter.matches. */
export function patternMatches(f: AclBindingFilter, p: ResourcePattern): boolean {
  if (f.resourceType !== ANY && f.resourceType !== resourceTypeCode(p.resourceType)) return false;
  const pt = patternTypeCode(p.patternType);
  if (f.patternType !== ANY && f.patternType !== PATTERN_MATCH && f.patternType !== pt) return false;
  if (f.name === null) return true;
  if (f.patternType === ANY || f.patternType === pt) return f.name === p.name;
  return p.patternType === 'LITERAL' ? f.name === p.name || p.name === WILDCARD_RESOURCE : f.name.startsWith(p.name);
}

/** AccessControlEntryFilter.matches. */
export function entryMatches(f: AclBindingFilter, a: AclEntry): boolean {
  return (f.principal === null || f.principal === a.principal) && (f.host === null || f.host === a.host)
    && (f.operation === ANY || f.operation === operationCode(a.operation)) && (f.permissionType === ANY || f.permissionType === permissionCode(a.permissionType));
}

/** ResourcePatternFilter.matchesAtMostOne: the one pattern such a filter names (deleted even if not cached yet). */
export function exactPattern(f: AclBindingFilter): ResourcePattern | null {
  const resourceType = resourceTypeOf(f.resourceType);
  const patternType = patternTypeOf(f.patternType);
  return resourceType && patternType && f.name !== null ? { resourceType, name: f.name, patternType } : null;
}

const sameEntry = (a: AclEntry, b: AclEntry) => a.principal === b.principal && a.host === b.host && a.operation === b.operation && a.permissionType === b.permissionType;

const MAX_UPDATE_RETRIES = 10;

/**
 * AclAuthorizer.updateResourceAcls: applies `update` to the resource's stored ACLs (a set: duplicates collapse) with
 * a conditional write, retried on a concurrent change; writes the change notification when anything changed.
 * Returns the ACLs before and after.
 */
export async function updateResourceAcls(zk: ZkSession, p: ResourcePattern, update: (current: readonly AclEntry[]) => AclEntry[]): Promise<{ before: AclEntry[]; after: AclEntry[] }> {
  const path = aclNodePath(p);
  for (let attempt = 0; ; attempt++) {
    const node = await zk.getDataOrNull(path);
    const before = node ? decodeAclNode(node.data) : [];
    const after: AclEntry[] = [];
    for (const a of update(before)) if (!after.some((b) => sameEntry(a, b))) after.push(a);
    const unchanged = after.length === before.length && after.every((a) => before.some((b) => sameEntry(a, b)));
    if (unchanged) return { before, after };
    try {
      if (after.length === 0) await zk.remove(path, node!.stat.version);
      else if (node) await zk.setData(path, encodeAclNode(after), node.stat.version);
      else {
        await zk.mkdirp(path.slice(0, path.lastIndexOf('/')));
        await zk.create(path, encodeAclNode(after));
      }
    } catch (e) {
      const conflict = isZkError(e, ZkCode.BAD_VERSION) || isZkError(e, ZkCode.NODE_EXISTS) || isZkError(e, ZkCode.NO_NODE);
      if (!conflict || attempt >= MAX_UPDATE_RETRIES) throw conflict ? new Error(`Failed to update ACLs for ${p.resourceType}:${p.patternType}:${p.name} after ${attempt + 1} tries`) : e;
      continue;
    }
    const changes = p.patternType === 'LITERAL' ? ZK_LITERAL_CHANGES : ZK_EXTENDED_CHANGES;
    await zk.mkdirp(changes);
    await zk.create(`${changes}/${ACL_CHANGE_PREFIX}`, encodeAclChange(p), CreateMode.PERSISTENT_SEQUENTIAL);
    return { before, after };
  }
}
