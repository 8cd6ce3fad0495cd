import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { entryMatches, invalidFilter, patternMatches, updateResourceAcls, type AclBindingFilter } from '../../../src/services/security/acl-admin.js';
import { decodeAclNode, encodeAclNode, type AclEntry, type ResourcePattern } from '../../../src/services/security/acl.js';
import { CreateMode, ZkCode, ZkError } from '../../../src/services/zookeeper/zk-session.js';
import { creationBinding, matchingBindings } from '../../../src/services/server/handlers/acls.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { call, fakeBroker } from '../server/fake-broker.js';

// wire codes: resource TOPIC 2, GROUP 3, CLUSTER 4; pattern ANY 1, MATCH 2, LITERAL 3, PREFIXED 4; op ANY 1, READ 3, WRITE 4; perm ANY 1, DENY 2, ALLOW 3
const filter = (o: Partial<AclBindingFilter>): AclBindingFilter => ({ resourceType: 1, name: null, patternType: 1, principal: null, host: null, operation: 1, permissionType: 1, ...o });
const lit = (name: string): ResourcePattern => ({ resourceType: 'Topic', name, patternType: 'LITERAL' });
const pre = (name: string): ResourcePattern => ({ resourceType: 'Topic', name, patternType: 'PREFIXED' });
const alice: AclEntry = { principal: 'User:alice', host: '*', operation: 'Read', permissionType: 'Allow' };
const bobDeny: AclEntry = { principal: 'User:bob', host: '10.0.0.1', operation: 'Write', permissionType: 'Deny' };

describe('ACL filters (ResourcePatternFilter / AccessControlEntryFilter)', () => {
  it('pattern: ANY matches the exact name of any pattern type, MATCH also the wildcard and prefixes, exact types only themselves', () => {
    const any = filter({ name: 'orders' });
    expect([lit('orders'), pre('orders'), lit('*'), pre('ord'), lit('other')].map((p) => patternMatches(any, p))).toEqual([true, true, false, false, false]);
    const match = filter({ name: 'orders', patternType: 2 });
    expect([lit('orders'), pre('orders'), lit('*'), pre('ord'), lit('other'), pre('x')].map((p) => patternMatches(match, p))).toEqual([true, true, true, true, false, false]);
    const literal = filter({ name: 'orders', patternType: 3 });
    expect([lit('orders'), pre('orders'), lit('*')].map((p) => patternMatches(literal, p))).toEqual([true, false, false]);
    expect(patternMatches(filter({ patternType: 4 }), pre('a'))).toBe(true);
    expect(patternMatches(filter({ patternType: 4 }), lit('a'))).toBe(false);
    expect(patternMatches(filter({ resourceType: 3 }), lit('a'))).toBe(false);
    expect(patternMatches(filter({ resourceType: 2 }), lit('a'))).toBe(true);
  });

  it('entry: null / ANY fields match anything, others exactly', () => {
    expect(entryMatches(filter({}), bobDeny)).toBe(true);
    expect(entryMatches(filter({ principal: 'User:alice' }), bobDeny)).toBe(false);
    expect(entryMatches(filter({ host: '10.0.0.1', operation: 4, permissionType: 2 }), bobDeny)).toBe(true);
    expect(entryMatches(filter({ operation: 3 }), bobDeny)).toBe(false);
    expect(entryMatches(filter({ permissionType: 3 }), bobDeny)).toBe(false);
    expect(matchingBindings([[lit('a'), [alice, bobDeny]], [pre('b'), [bobDeny]]], filter({ principal: 'User:alice' }))).toEqual([[lit('a'), [alice]]]);
  });

  it('UNKNOWN elements make a filter invalid; creations need known, non-ANY elements and Kafka-valid names', () => {
    expect(invalidFilter(filter({}))).toBeNull();
    expect(invalidFilter(filter({ resourceType: 0 }))).toMatch(/resource type/);
    expect(invalidFilter(filter({ operation: 99 }))).toMatch(/operation/);
    const ok = { resourceType: 2, resourceName: 'orders', resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 3, permissionType: 3 };
    expect(creationBinding(ok)).toEqual({ pattern: lit('orders'), entry: alice });
    expect(creationBinding({ ...ok, resourceName: '*' })).toEqual({ pattern: lit('*'), entry: alice }); // the wildcard resource is valid
    for (const bad of [{ operation: 1 }, { operation: 0 }, { permissionType: 1 }, { resourcePatternType: 2 }, { resourceType: 1 }, { resourceName: '' }, { resourceName: 'a/b' }, { principal: 'alice' }, { resourceType: 4, resourceName: 'x' }]) {
      expect(typeof creationBinding({ ...ok, ...bad }), JSON.stringify(bad)).toBe('string');
    }
  });

  it('without an authorizer the three APIs answer SECURITY_DISABLED', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const c = await call(fb.handler, ApiKey.CreateAcls, 1, { creations: [{ resourceType: 2, resourceName: 't', resourcePatternType: 3, principal: 'User:a', host: '*', operation: 3, permissionType: 3 }] });
    expect(c.results).toEqual([{ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.' }]);
    const d = await call(fb.handler, ApiKey.DescribeAcls, 1, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
    expect(d.errorCode).toBe(ErrorCode.SECURITY_DISABLED);
    const x = await call(fb.handler, ApiKey.DeleteAcls, 2, { filters: [{ resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 }] });
    expect(x.filterResults[0]!.errorCode).toBe(ErrorCode.SECURITY_DISABLED);
  });
});

describe('updateResourceAcls (AclAuthorizer.updateResourceAcls)', () => {
  /** A minimal in-memory ZooKeeper: versions, BAD_VERSION / NODE_EXISTS, sequential nodes; `interfere` runs before a write. */
  function fakeZk(interfere: (nodes: Map<string, { data: Buffer; version: number }>) => void = () => {}) {
    const nodes = new Map<string, { data: Buffer; version: number }>();
    let seq = 0;
    const err = (code: number, name: string, path: string) => new ZkError(code, name, path, 'op');
    const zk = {
      nodes,
      async getDataOrNull(path: string) { const n = nodes.get(path); return n ? { data: n.data, stat: { version: n.version } } : null; },
      async mkdirp() {},
      async create(path: string, data: Buffer, mode?: number) {
        interfere(nodes);
        if (mode === CreateMode.PERSISTENT_SEQUENTIAL) { const p = `${path}${String(seq++).padStart(10, '0')}`; nodes.set(p, { data, version: 0 }); return p; }
        if (nodes.has(path)) throw err(ZkCode.NODE_EXISTS, 'NODE_EXISTS', path);
        nodes.set(path, { data, version: 0 });
        return path;
      },
      async setData(path: string, data: Buffer, version: number) {
        interfere(nodes);
        const n = nodes.get(path);
        if (!n) throw err(ZkCode.NO_NODE, 'NO_NODE', path);
        if (n.version !== version) throw err(ZkCode.BAD_VERSION, 'BAD_VERSION', path);
        nodes.set(path, { data, version: version + 1 });
      },
      async remove(path: string, version: number) {
        interfere(nodes);
        const n = nodes.get(path);
        if (!n) throw err(ZkCode.NO_NODE, 'NO_NODE', path);
        if (n.version !== version) throw err(ZkCode.BAD_VERSION, 'BAD_VERSION', path);
        nodes.delete(path);
      },
    };
    return zk;
  }
  const stored = (zk: ReturnType<typeof fakeZk>, path: string) => decodeAclNode(zk.nodes.get(path)?.data ?? null);

  it('creates the node, adds as a set, deletes the node with its last ACL; one change notification per change', async () => {
    const zk = fakeZk();
    await updateResourceAcls(zk as never, lit('orders'), (cur) => [...cur, alice]);
    await updateResourceAcls(zk as never, lit('orders'), (cur) => [...cur, alice, bobDeny]);
    expect(stored(zk, '/kafka-acl/Topic/orders')).toEqual([alice, bobDeny]);
    await updateResourceAcls(zk as never, lit('orders'), (cur) => [...cur]); // unchanged: no write, no notification
    await updateResourceAcls(zk as never, pre('pay-'), () => [bobDeny]);
    await updateResourceAcls(zk as never, lit('orders'), () => []);
    expect(zk.nodes.has('/kafka-acl/Topic/orders')).toBe(false);
    const changes = [...zk.nodes].filter(([p]) => p.includes('changes/acl_changes_')).map(([p, n]) => [p.replace(/\d+$/, ''), n.data.toString()]);
    expect(changes).toEqual([
      ['/kafka-acl-changes/acl_changes_', 'Topic:orders'], ['/kafka-acl-changes/acl_changes_', 'Topic:orders'],
      ['/kafka-acl-extended-changes/acl_changes_', '{"version":1,"resourceType":"Topic","name":"pay-","patternType":"PREFIXED"}'],
      ['/kafka-acl-changes/acl_changes_', 'Topic:orders'],
    ]);
  });

  it('a concurrent writer (BAD_VERSION) makes it re-read and retry: neither update is lost', async () => {
    let raced = false;
    const zk = fakeZk((nodes) => {
      const n = nodes.get('/kafka-acl/Topic/orders');
      if (!raced && n) { raced = true; nodes.set('/kafka-acl/Topic/orders', { data: encodeAclNode([...decodeAclNode(n.data), bobDeny]), version: n.version + 1 }); }
    });
    await updateResourceAcls(zk as never, lit('orders'), () => [alice]);
    const carol: AclEntry = { ...alice, principal: 'User:carol' };
    await updateResourceAcls(zk as never, lit('orders'), (cur) => [...cur, carol]);
    expect(raced).toBe(true);
    expect(stored(zk, '/kafka-acl/Topic/orders')).toEqual([alice, bobDeny, carol]);
  });
});
