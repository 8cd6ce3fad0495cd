/**
 * Kafka's ACL model as AclAuthorizer (ZooKeeper mode) stores and evaluates it: resource types, operations, pattern
 * types, the ZooKeeper layout (`/kafka-acl/<ResourceType>/<name>` for LITERAL, `/kafka-acl-extended/prefixed/
 * <ResourceType>/<name>` for PREFIXED) and the node JSON (`{"version":1,"acls":[{"principal":"User:alice",
 * "permissionType":"Allow","operation":"Read","host":"*"}]}`), plus the decision (AclAuthorizer.authorize):
 * super users allowed; otherwise the ACLs of the resource's literal name, of the wildcard `*` and of every prefixed
 * pattern the name starts with; a matching DENY wins; else a matching ALLOW (DESCRIBE implied by READ, WRITE, DELETE,
 * ALTER; DESCRIBE_CONFIGS by ALTER_CONFIGS); no ACL at all for the resource → allow.everyone.if.no.acl.found.
 * An ACL matches a principal equal to the request's or `User:*`, a host equal to the client address or `*`, and an
 * operation equal to the requested one or `All`.
 */

export type ResourceType = 'Topic' | 'Group' | 'Cluster' | 'TransactionalId' | 'DelegationToken' | 'User';
export type PatternType = 'LITERAL' | 'PREFIXED';
export type AclOperation = 'All' | 'Read' | 'Write' | 'Create' | 'Delete' | 'Alter' | 'Describe' | 'ClusterAction' | 'DescribeConfigs' | 'AlterConfigs' | 'IdempotentWrite' | 'CreateTokens' | 'DescribeTokens';
export type AclPermission = 'Allow' | 'Deny';

export const RESOURCE_TYPES: readonly ResourceType[] = ['Topic', 'Group', 'Cluster', 'TransactionalId', 'DelegationToken', 'User'];
export const OPERATIONS: readonly AclOperation[] = ['All', 'Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'ClusterAction', 'DescribeConfigs', 'AlterConfigs', 'IdempotentWrite', 'CreateTokens', 'DescribeTokens'];

export const WILDCARD_RESOURCE = '*';
export const WILDCARD_PRINCIPAL = 'User:*';
export const WILDCARD_HOST = '*';
export const CLUSTER_NAME = 'kafka-cluster';

export interface AclEntry { principal: string; permissionType: AclPermission; operation: AclOperation; host: string }
export interface ResourcePattern { resourceType: ResourceType; name: string; patternType: PatternType }

export const ZK_LITERAL_ROOT = '/kafka-acl';
export const ZK_PREFIXED_ROOT = '/kafka-acl-extended/prefixed';
export const ZK_LITERAL_CHANGES = '/kafka-acl-changes';
export const ZK_EXTENDED_CHANGES = '/kafka-acl-extended-changes';
export const ACL_CHANGE_PREFIX = 'acl_changes_';

export const aclNodePath = (p: ResourcePattern): string => `${p.patternType === 'LITERAL' ? ZK_LITERAL_ROOT : ZK_PREFIXED_ROOT}/${p.resourceType}/${p.name}`;

/** Kafka's ResourceType / AclOperation names are case-insensitive when read (kafka-acls.sh writes `Topic`, `Read`). */
function canonical<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  const s = String(value);
  const found = allowed.find((a) => a.toLowerCase() === s.toLowerCase().replace(/_/g, ''));
  if (!found) throw new Error(`unknown ${what} '${s}'`);
  return found;
}

export const parseResourceType = (s: string): ResourceType => canonical(s, RESOURCE_TYPES, 'resource type');
export const parseOperation = (s: string): AclOperation => canonical(s, OPERATIONS, 'operation');

/** AclEntry.fromBytes: the node JSON; throws with the reason for anything malformed. */
export function decodeAclNode(data: Buffer | null): AclEntry[] {
  if (data === null || data.length === 0) return [];
  const json = JSON.parse(data.toString('utf8')) as { version?: number; acls?: unknown };
  if (json.version !== 1 || !Array.isArray(json.acls)) throw new Error('expected {"version":1,"acls":[...]}');
  return json.acls.map((a: Record<string, unknown>) => {
    const permissionType = canonical(a.permissionType, ['Allow', 'Deny'] as const, 'permission type');
    if (typeof a.principal !== 'string' || !a.principal.includes(':')) throw new Error(`invalid principal ${String(a.principal)}`);
    return { principal: a.principal, permissionType, operation: parseOperation(String(a.operation)), host: typeof a.host === 'string' ? a.host : WILDCARD_HOST };
  });
}

/** AclEntry.toJsonCompatibleMap: what kafka-acls.sh writes, key order included. */
export function encodeAclNode(acls: readonly AclEntry[]): Buffer {
  return Buffer.from(JSON.stringify({ version: 1, acls: acls.map((a) => ({ principal: a.principal, permissionType: a.permissionType, operation: a.operation, host: a.host })) }));
}

/** The change notification body: LITERAL `Topic:foo`, PREFIXED the extended JSON. */
export function encodeAclChange(p: ResourcePattern): Buffer {
  if (p.patternType === 'LITERAL') return Buffer.from(`${p.resourceType}:${p.name}`);
  return Buffer.from(JSON.stringify({ version: 1, resourceType: p.resourceType, name: p.name, patternType: p.patternType }));
}

export function decodeAclChange(data: Buffer | null, extended: boolean): ResourcePattern {
  const text = (data ?? Buffer.alloc(0)).toString('utf8');
  if (!extended) {
    const i = text.indexOf(':');
    if (i <= 0) throw new Error(`invalid ACL change notification '${text}'`);
    return { resourceType: parseResourceType(text.slice(0, i)), name: text.slice(i + 1), patternType: 'LITERAL' };
  }
  const j = JSON.parse(text) as { resourceType: string; name: string; patternType: string };
  return { resourceType: parseResourceType(j.resourceType), name: j.name, patternType: j.patternType.toUpperCase() === 'PREFIXED' ? 'PREFIXED' : 'LITERAL' };
}

/** Operations an ALLOW for `op` also grants (AclAuthorizer: DESCRIBE from READ/WRITE/DELETE/ALTER, DESCRIBE_CONFIGS from ALTER_CONFIGS). */
function allowOps(op: AclOperation): readonly AclOperation[] {
  if (op === 'Describe') return ['Describe', 'Read', 'Write', 'Delete', 'Alter'];
  if (op === 'DescribeConfigs') return ['DescribeConfigs', 'AlterConfigs'];
  return [op];
}

/** AclEntry.supportedOperations: the operations Kafka reports per resource type (the *AuthorizedOperations fields). */
export const SUPPORTED_OPERATIONS: Readonly<Record<ResourceType, readonly AclOperation[]>> = {
  Topic: ['Read', 'Write', 'Create', 'Describe', 'Delete', 'Alter', 'DescribeConfigs', 'AlterConfigs'],
  Group: ['Read', 'Describe', 'Delete'],
  Cluster: ['Create', 'ClusterAction', 'DescribeConfigs', 'AlterConfigs', 'IdempotentWrite', 'Alter', 'Describe'],
  TransactionalId: ['Describe', 'Write'],
  DelegationToken: ['Describe'],
  User: ['CreateTokens', 'DescribeTokens'],
};

/** AclOperation's wire code (ALL 2, READ 3 … DESCRIBE_TOKENS 14): the order of OPERATIONS. */
export const operationCode = (op: AclOperation): number => OPERATIONS.indexOf(op) + 2;

/**
 * AuthHelper.authorizedOperations: a 32-bit field (Utils.to32BitField) with bit `code` set for each supported
 * operation `allowed` grants on the resource (READ implies DESCRIBE etc., through the decision itself).
 */
export function authorizedOperations(allowed: (op: AclOperation) => boolean, resourceType: ResourceType): number {
  let bits = 0;
  for (const op of SUPPORTED_OPERATIONS[resourceType]) if (allowed(op)) bits |= 1 << operationCode(op);
  return bits;
}

export interface AuthorizeRequest { principal: string; host: string; operation: AclOperation; resourceType: ResourceType; name: string }

export interface AclView {
  /** The ACLs stored for exactly this pattern (empty when none). */
  acls(p: ResourcePattern): readonly AclEntry[];
  /** Prefixed patterns of this resource type whose name is a prefix of `name`. */
  matchingPrefixes(resourceType: ResourceType, name: string): readonly string[];
}

export interface AuthorizerSettings { superUsers: ReadonlySet<string>; allowEveryoneIfNoAclFound: boolean }

/** AclAuthorizer.authorizeAction for one resource. */
export function authorize(view: AclView, settings: AuthorizerSettings, r: AuthorizeRequest): boolean {
  if (settings.superUsers.has(r.principal)) return true;
  const all: AclEntry[] = [
    ...view.acls({ resourceType: r.resourceType, name: r.name, patternType: 'LITERAL' }),
    ...(r.name === WILDCARD_RESOURCE ? [] : view.acls({ resourceType: r.resourceType, name: WILDCARD_RESOURCE, patternType: 'LITERAL' })),
    ...view.matchingPrefixes(r.resourceType, r.name).flatMap((prefix) => view.acls({ resourceType: r.resourceType, name: prefix, patternType: 'PREFIXED' })),
  ];
  if (all.length === 0) return settings.allowEveryoneIfNoAclFound;
  const matches = (a: AclEntry, ops: readonly AclOperation[]) =>
    (a.principal === r.principal || a.principal === WILDCARD_PRINCIPAL) && (a.host === WILDCARD_HOST || a.host === r.host) && (a.operation === 'All' || ops.includes(a.operation));
  if (all.some((a) => a.permissionType === 'Deny' && matches(a, [r.operation]))) return false;
  return all.some((a) => a.permissionType === 'Allow' && matches(a, allowOps(r.operation)));
}

/** An in-memory AclView (the authorizer's cache, and tests). */
export class AclCache implements AclView {
  private readonly byKey = new Map<string, AclEntry[]>();
  private readonly prefixes = new Map<ResourceType, Set<string>>();

  private static key(p: ResourcePattern): string { return `${p.patternType}:${p.resourceType}:${p.name}`; }

  set(p: ResourcePattern, acls: readonly AclEntry[]): void {
    const k = AclCache.key(p);
    if (acls.length === 0) this.byKey.delete(k); else this.byKey.set(k, [...acls]);
    if (p.patternType === 'PREFIXED') {
      const set = this.prefixes.get(p.resourceType) ?? new Set<string>();
      if (acls.length === 0) set.delete(p.name); else set.add(p.name);
      this.prefixes.set(p.resourceType, set);
    }
  }

  acls(p: ResourcePattern): readonly AclEntry[] { return this.byKey.get(AclCache.key(p)) ?? []; }

  matchingPrefixes(resourceType: ResourceType, name: string): readonly string[] {
    const set = this.prefixes.get(resourceType);
    if (!set) return [];
    return [...set].filter((p) => name.startsWith(p));
  }

  /** Every stored (pattern, acls), for DescribeAcls and tests. */
  entries(): Array<[ResourcePattern, readonly AclEntry[]]> {
    return [...this.byKey].map(([k, acls]) => {
      const [patternType, resourceType, ...rest] = k.split(':');
      return [{ patternType: patternType as PatternType, resourceType: resourceType as ResourceType, name: rest.join(':') }, acls];
    });
  }
}

/** super.users: principals separated by `;` (names may contain commas), surrounding spaces dropped. */
export function parseKafkaPrincipalList(s: string): string[] {
  return s.split(';').map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * AclAuthorizer.authorizeByResourceType (KIP-679): may the principal do `op` on SOME resource of `resourceType`?
 * Used by an idempotent InitProducerId (WRITE on any topic). Super users yes; a LITERAL `*` DENY no; then
 * allow.everyone.if.no.acl.found yes; otherwise an ALLOW (op itself or All — no implied operations here, as Kafka)
 * on a literal name not denied literally nor by a "dominant" prefixed DENY (one that is a prefix of it), or on a
 * prefix not dominated by a prefixed DENY.
 */
export function authorizeByResourceType(entries: Iterable<readonly [ResourcePattern, readonly AclEntry[]]>, settings: AuthorizerSettings,
  principal: string, host: string, op: AclOperation, resourceType: ResourceType): boolean {
  if (settings.superUsers.has(principal)) return true;
  const sets = { Allow: { LITERAL: new Set<string>(), PREFIXED: new Set<string>() }, Deny: { LITERAL: new Set<string>(), PREFIXED: new Set<string>() } };
  for (const [p, acls] of entries) {
    if (p.resourceType !== resourceType) continue;
    for (const a of acls) {
      if ((a.principal === principal || a.principal === WILDCARD_PRINCIPAL) && (a.host === host || a.host === WILDCARD_HOST) && (a.operation === op || a.operation === 'All')) {
        sets[a.permissionType][p.patternType].add(p.name);
      }
    }
  }
  const deny = sets.Deny; const allow = sets.Allow;
  if (deny.LITERAL.has(WILDCARD_RESOURCE)) return false;
  if (settings.allowEveryoneIfNoAclFound) return true;
  if (deny.LITERAL.size === 0 && deny.PREFIXED.size === 0) return allow.LITERAL.size > 0 || allow.PREFIXED.size > 0;
  const dominantDeny = (name: string) => { for (let i = 1; i <= name.length; i++) if (deny.PREFIXED.has(name.slice(0, i))) return true; return false; };
  for (const p of allow.PREFIXED) if (!dominantDeny(p)) return true;
  for (const l of allow.LITERAL) if (l === WILDCARD_RESOURCE || (!deny.LITERAL.has(l) && !dominantDeny(l))) return true;
  return false;
}
