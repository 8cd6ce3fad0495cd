/**
 * DescribeAcls (29), CreateAcls (30), DeleteAcls (31), as Kafka's `AclApis.handleDescribeAcls / handleCreateAcls /
 * handleDeleteAcls` with `AclAuthorizer.acls / createAcls / deleteAcls` (ZooKeeper mode; the ZooKeeper side is
 * services/security/acl-admin.ts). The cluster check (DESCRIBE / ALTER on the cluster) is request-authorizer.ts'.
 * No AclAuthorizer configured → SECURITY_DISABLED "No Authorizer is configured.".
 * - Create: per creation INVALID_REQUEST for an unknown or ANY/MATCH element, a CLUSTER resource not named
 *   kafka-cluster, an empty name, a name with '/', a principal without ':'; the rest grouped per resource pattern and
 *   written with one conditional update each.
 * - Describe: an UNKNOWN element in the filter → INVALID_REQUEST for the request; the matches from the cache,
 *   grouped per resource pattern.
 * - Delete: per filter the matching ACLs removed (the cached patterns plus the one an exact filter names), each
 *   reported with its own error.
 * Differs from Kafka: v0 is not refused a PREFIXED pattern (v0 has no pattern field, so it is LITERAL anyway);
 * the answer is sent when ZooKeeper has the change (Kafka's alterAclsPurgatory waits for the same).
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import { AclAuthorizer } from '../../security/acl-authorizer.js';
import {
  entryMatches, exactPattern, invalidFilter, operationCode, operationOf, patternMatches, patternTypeCode, patternTypeOf,
  permissionCode, permissionOf, resourceTypeCode, resourceTypeOf, updateResourceAcls, type AclBindingFilter,
} from '../../security/acl-admin.js';
import { CLUSTER_NAME, type AclEntry, type ResourcePattern } from '../../security/acl.js';
import type { BrokerContext } from '../broker-context.js';
import type { ZkSession } from '../../zookeeper/zk-session.js';
import { errorMessageOf, type ApiHandler } from './common.js';

const NO_AUTHORIZER = 'No Authorizer is configured.';
const patternKey = (p: ResourcePattern) => `${p.patternType}:${p.resourceType}:${p.name}`;

function aclStore(ctx: BrokerContext): { authorizer: AclAuthorizer; zk: ZkSession } | null {
  return ctx.authorizer instanceof AclAuthorizer && ctx.aclStore ? { authorizer: ctx.authorizer, zk: ctx.aclStore() } : null;
}

/** AclAuthorizer.acls(filter): every cached binding the filter matches, grouped per pattern. */
export function matchingBindings(entries: ReadonlyArray<readonly [ResourcePattern, readonly AclEntry[]]>, f: AclBindingFilter): Array<[ResourcePattern, AclEntry[]]> {
  const out: Array<[ResourcePattern, AclEntry[]]> = [];
  for (const [p, acls] of entries) {
    if (!patternMatches(f, p)) continue;
    const hit = acls.filter((a) => entryMatches(f, a));
    if (hit.length > 0) out.push([p, hit]);
  }
  return out;
}

type Creation = { resourceType: number; resourceName: string; resourcePatternType: number; principal: string; host: string; operation: number; permissionType: number };

/** The binding a creation asks for, or the reason it is invalid. */
export function creationBinding(c: Creation): { pattern: ResourcePattern; entry: AclEntry } | string {
  const resourceType = resourceTypeOf(c.resourceType);
  const patternType = patternTypeOf(c.resourcePatternType);
  const operation = operationOf(c.operation);
  const permissionType = permissionOf(c.permissionType);
  if (!resourceType || !patternType || !operation || !permissionType) return 'ACL binding contains unknown elements';
  if (resourceType === 'Cluster' && c.resourceName !== CLUSTER_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  if (c.resourceName === '') return 'Invalid empty resource name';
  if (c.resourceName.includes('/')) return `ACL binding contains invalid resource name: ${c.resourceName}`;
  if (c.principal.indexOf(':') <= 0) return `Invalid principal ${c.principal}: expected principalType:principalName`;
  return { pattern: { resourceType, name: c.resourceName, patternType }, entry: { principal: c.principal, host: c.host, operation, permissionType } };
}

export function createAclsHandler(): ApiHandler<typeof ApiKey.CreateAcls> {
  return {
    apiKey: ApiKey.CreateAcls,
    async handle(req, { broker: ctx }) {
      const store = aclStore(ctx);
      const results = req.body.creations.map(() => ({ errorCode: ErrorCode.NONE as number, errorMessage: null as string | null }));
      if (!store) return { throttleTimeMs: 0, results: results.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER })) };
      const groups = new Map<string, { pattern: ResourcePattern; items: Array<{ entry: AclEntry; index: number }> }>();
      req.body.creations.forEach((c, index) => {
        const b = creationBinding(c);
        if (typeof b === 'string') { results[index] = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Failed to create ACL: ${b}` }; return; }
        const g = groups.get(patternKey(b.pattern)) ?? { pattern: b.pattern, items: [] };
        g.items.push({ entry: b.entry, index });
        groups.set(patternKey(b.pattern), g);
      });
      for (const { pattern, items } of groups.values()) {
        try {
          await updateResourceAcls(store.zk, pattern, (current) => [...current, ...items.map((i) => i.entry)]);
          await store.authorizer.reload(store.zk, pattern);
        } catch (e) {
          ctx.log.error({ err: e, resource: patternKey(pattern) }, `Failed to create ACLs for ${patternKey(pattern)}`);
          for (const i of items) results[i.index] = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: errorMessageOf(e) };
        }
      }
      return { throttleTimeMs: 0, results };
    },
    errorResponse(req, errorCode, message) {
      return { throttleTimeMs: 0, results: req.body.creations.map(() => ({ errorCode, errorMessage: message })) };
    },
  };
}

export function describeAclsHandler(): ApiHandler<typeof ApiKey.DescribeAcls> {
  return {
    apiKey: ApiKey.DescribeAcls,
    async handle(req, { broker: ctx }) {
      const store = aclStore(ctx);
      if (!store) return { throttleTimeMs: 0, errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER, resources: [] };
      const b = req.body;
      const f: AclBindingFilter = {
        resourceType: b.resourceTypeFilter, name: b.resourceNameFilter, patternType: req.apiVersion >= 1 ? b.patternTypeFilter : 3,
        principal: b.principalFilter, host: b.hostFilter, operation: b.operation, permissionType: b.permissionType,
      };
      const bad = invalidFilter(f);
      if (bad) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: bad, resources: [] };
      const resources = matchingBindings(store.authorizer.cache.entries(), f).map(([p, acls]) => ({
        resourceType: resourceTypeCode(p.resourceType), resourceName: p.name, patternType: patternTypeCode(p.patternType),
        acls: acls.map((a) => ({ principal: a.principal, host: a.host, operation: operationCode(a.operation), permissionType: permissionCode(a.permissionType) })),
      }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources };
    },
    errorResponse(_req, errorCode, message) {
      return { throttleTimeMs: 0, errorCode, errorMessage: message, resources: [] };
    },
  };
}

export function deleteAclsHandler(): ApiHandler<typeof ApiKey.DeleteAcls> {
  return {
    apiKey: ApiKey.DeleteAcls,
    async handle(req, { broker: ctx }) {
      const store = aclStore(ctx);
      if (!store) return { throttleTimeMs: 0, filterResults: req.body.filters.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER, matchingAcls: [] })) };
      const filters = req.body.filters.map((b): AclBindingFilter => ({
        resourceType: b.resourceTypeFilter, name: b.resourceNameFilter, patternType: req.apiVersion >= 1 ? b.patternTypeFilter : 3,
        principal: b.principalFilter, host: b.hostFilter, operation: b.operation, permissionType: b.permissionType,
      }));
      type Matching = { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string; patternType: number; principal: string; host: string; operation: number; permissionType: number };
      const results = filters.map((f) => {
        const bad = invalidFilter(f);
        return { errorCode: bad ? ErrorCode.INVALID_REQUEST : ErrorCode.NONE as number, errorMessage: bad, matchingAcls: [] as Matching[] };
      });
      const valid = filters.map((f, i) => [f, i] as const).filter(([, i]) => results[i]!.errorCode === ErrorCode.NONE);
      // the cached patterns plus the one each exact filter names (deleted even if this broker has not loaded it yet)
      const patterns = new Map<string, ResourcePattern>();
      for (const [p] of store.authorizer.cache.entries()) patterns.set(patternKey(p), p);
      for (const [f] of valid) { const p = exactPattern(f); if (p) patterns.set(patternKey(p), p); }
      for (const pattern of patterns.values()) {
        const matching = valid.filter(([f]) => patternMatches(f, pattern));
        if (matching.length === 0) continue;
        const removed: Array<{ entry: AclEntry; index: number }> = [];
        let error: unknown = null;
        try {
          await updateResourceAcls(store.zk, pattern, (current) => {
            removed.length = 0;
            return current.filter((a) => {
              const hit = matching.find(([f]) => entryMatches(f, a));
              if (hit) removed.push({ entry: a, index: hit[1] });
              return !hit;
            });
          });
          await store.authorizer.reload(store.zk, pattern);
        } catch (e) {
          error = e;
          ctx.log.error({ err: e, resource: patternKey(pattern) }, `Failed to delete ACLs of ${patternKey(pattern)}`);
        }
        for (const { entry, index } of removed) {
          results[index]!.matchingAcls.push({
            errorCode: error ? ErrorCode.UNKNOWN_SERVER_ERROR : ErrorCode.NONE, errorMessage: error ? errorMessageOf(error) : null,
            resourceType: resourceTypeCode(pattern.resourceType), resourceName: pattern.name, patternType: patternTypeCode(pattern.patternType),
            principal: entry.principal, host: entry.host, operation: operationCode(entry.operation), permissionType: permissionCode(entry.permissionType),
          });
        }
      }
      return { throttleTimeMs: 0, filterResults: results };
    },
    errorResponse(req, errorCode, message) {
      return { throttleTimeMs: 0, filterResults: req.body.filters.map(() => ({ errorCode, errorMessage: message, matchingAcls: [] })) };
    },
  };
}

