/**
 * AclAuthorizer's decision and formats without ZooKeeper: literal / wildcard / prefixed matching, deny wins,
 * implied DESCRIBE, hosts, super.users, allow.everyone.if.no.acl.found; the /kafka-acl node JSON and change
 * notification bodies as kafka-acls.sh writes them; and the request gate's answers (TOPIC_AUTHORIZATION_FAILED per
 * topic, GROUP_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED, Metadata filtering).
 */
import { describe, expect, it } from 'vitest';
import { AclCache, aclNodePath, authorize, decodeAclChange, decodeAclNode, encodeAclChange, encodeAclNode, type AclEntry } from '../../../src/services/security/acl.js';
import { authorizerSettings } from '../../../src/services/security/acl-authorizer.js';
import { authorizeRequest, type Authorizer } from '../../../src/services/security/request-authorizer.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import type { DecodedRequest } from '../../../src/protocol/frame.js';

const allow = (principal: string, operation: AclEntry['operation'], host = '*'): AclEntry => ({ principal, permissionType: 'Allow', operation, host });
const deny = (principal: string, operation: AclEntry['operation'], host = '*'): AclEntry => ({ principal, permissionType: 'Deny', operation, host });

describe('the decision', () => {
  const cache = new AclCache();
  cache.set({ resourceType: 'Topic', name: 'orders', patternType: 'LITERAL' }, [allow('User:alice', 'Write'), allow('User:bob', 'Read', '10.0.0.1'), deny('User:mallory', 'All')]);
  cache.set({ resourceType: 'Topic', name: '*', patternType: 'LITERAL' }, [allow('User:mallory', 'Read')]);
  cache.set({ resourceType: 'Topic', name: 'pay-', patternType: 'PREFIXED' }, [allow('User:*', 'Describe'), allow('User:carol', 'All')]);
  cache.set({ resourceType: 'Group', name: 'g', patternType: 'LITERAL' }, [allow('User:alice', 'Read')]);
  const s = authorizerSettings('User:admin; User:broker', false);
  const can = (principal: string, operation: AclEntry['operation'], resourceType: 'Topic' | 'Group' | 'Cluster', name: string, host = '127.0.0.1') =>
    authorize(cache, s, { principal, host, operation, resourceType, name });

  it('literal, wildcard principal and implied DESCRIBE', () => {
    expect(can('User:alice', 'Write', 'Topic', 'orders')).toBe(true);
    expect(can('User:alice', 'Describe', 'Topic', 'orders')).toBe(true); // implied by WRITE
    expect(can('User:alice', 'Read', 'Topic', 'orders')).toBe(false);
    expect(can('User:bob', 'Read', 'Topic', 'orders', '10.0.0.1')).toBe(true);
    expect(can('User:bob', 'Read', 'Topic', 'orders', '10.0.0.2')).toBe(false); // host must match
  });

  it('deny wins over a wildcard-resource allow; the wildcard resource applies to every name', () => {
    expect(can('User:mallory', 'Read', 'Topic', 'orders')).toBe(false);
    expect(can('User:mallory', 'Read', 'Topic', 'anything')).toBe(true);
  });

  it('prefixed patterns match names that start with them', () => {
    expect(can('User:carol', 'Write', 'Topic', 'pay-eu')).toBe(true);
    expect(can('User:dave', 'Describe', 'Topic', 'pay-eu')).toBe(true);
    expect(can('User:dave', 'Write', 'Topic', 'pay-eu')).toBe(false);
    expect(can('User:carol', 'Write', 'Topic', 'pa')).toBe(false);
  });

  it('super users always; no ACL at all → allow.everyone.if.no.acl.found', () => {
    expect(can('User:admin', 'Alter', 'Cluster', 'kafka-cluster')).toBe(true);
    expect(can('User:alice', 'Create', 'Cluster', 'kafka-cluster')).toBe(false);
    expect(authorize(new AclCache(), authorizerSettings(null, true), { principal: 'User:x', host: 'h', operation: 'Create', resourceType: 'Cluster', name: 'kafka-cluster' })).toBe(true);
    // a topic with only a wildcard ACL has ACLs: allow.everyone does not apply
    expect(authorize(cache, authorizerSettings(null, true), { principal: 'User:x', host: 'h', operation: 'Write', resourceType: 'Topic', name: 'other' })).toBe(false);
  });
});

describe('ZooKeeper formats (kafka-acls.sh --authorizer-properties zookeeper.connect=…)', () => {
  it('the ACL node JSON, read in any case, written as Kafka writes it', () => {
    const kafkaWritten = '{"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Write","host":"*"},{"principal":"User:bob","permissionType":"Deny","operation":"DESCRIBE_CONFIGS","host":"10.0.0.1"}]}';
    const acls = decodeAclNode(Buffer.from(kafkaWritten));
    expect(acls).toEqual([allow('User:alice', 'Write'), deny('User:bob', 'DescribeConfigs', '10.0.0.1')]);
    expect(encodeAclNode(acls).toString()).toBe(kafkaWritten.replace('DESCRIBE_CONFIGS', 'DescribeConfigs'));
    expect(() => decodeAclNode(Buffer.from('{"version":2,"acls":[]}'))).toThrow(/version/);
  });

  it('paths and change notifications: literal `Topic:foo`, prefixed JSON', () => {
    expect(aclNodePath({ resourceType: 'Topic', name: 'foo', patternType: 'LITERAL' })).toBe('/kafka-acl/Topic/foo');
    expect(aclNodePath({ resourceType: 'Group', name: 'g-', patternType: 'PREFIXED' })).toBe('/kafka-acl-extended/prefixed/Group/g-');
    expect(encodeAclChange({ resourceType: 'Topic', name: 'foo', patternType: 'LITERAL' }).toString()).toBe('Topic:foo');
    const ext = encodeAclChange({ resourceType: 'Topic', name: 'pay-', patternType: 'PREFIXED' });
    expect(JSON.parse(ext.toString())).toEqual({ version: 1, resourceType: 'Topic', name: 'pay-', patternType: 'PREFIXED' });
    expect(decodeAclChange(ext, true)).toEqual({ resourceType: 'Topic', name: 'pay-', patternType: 'PREFIXED' });
    expect(decodeAclChange(Buffer.from('Topic:a:b'), false)).toEqual({ resourceType: 'Topic', name: 'a:b', patternType: 'LITERAL' });
  });
});

describe('the request gate', () => {
  const authz: Authorizer = { authorize: (p, _h, op, type, name) => p === 'User:alice' && ((type === 'Topic' && name === 'ok') || (type === 'Group' && name === 'g')) && op !== 'ClusterAction' };
  const conn = { id: 'c', listenerName: 'L', remoteAddress: '::ffff:127.0.0.1', remotePort: 1, principal: { principalType: 'User', name: 'alice' } };
  const handler = { errorResponse: (req: any, errorCode: number) => ({ responses: (req.body.topicData ?? []).map((t: any) => ({ name: t.name, errorCode })), errorCode }) };
  const req = (apiKey: number, body: unknown, apiVersion = 9) => ({ apiKey, apiVersion, header: { correlationId: 1, clientId: 'x' }, body, trailingBytes: 0 }) as unknown as DecodedRequest;

  it('Produce: unauthorized topics are answered TOPIC_AUTHORIZATION_FAILED, the rest goes to the handler', () => {
    const g = authorizeRequest(authz, req(0, { topicData: [{ name: 'ok' }, { name: 'secret' }] }), conn, handler, () => true)!;
    expect(g.kind).toBe('proceed');
    if (g.kind !== 'proceed') return;
    expect((g.req.body as any).topicData).toEqual([{ name: 'ok' }]);
    expect(g.merge({ responses: [{ name: 'ok', errorCode: 0 }] })).toEqual({ responses: [{ name: 'ok', errorCode: 0 }, { name: 'secret', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }] });
    expect(authorizeRequest(authz, req(0, { topicData: [{ name: 'ok' }] }), conn, handler, () => true)).toBeNull();
  });

  it('groups, inter-broker APIs and follower fetches', () => {
    expect(authorizeRequest(authz, req(11, { groupId: 'g' }), conn, handler, () => true)).toBeNull();
    expect(authorizeRequest(authz, req(11, { groupId: 'h' }), conn, handler, () => true)).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED } });
    expect(authorizeRequest(authz, req(4, {}), conn, handler, () => true)).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED } });
    expect(authorizeRequest(authz, req(1, { replicaId: 2, topics: [] }), conn, handler, () => true)).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED } });
  });

  it('cluster admin APIs need their cluster operation; transactional APIs WRITE on the id and READ on the group', () => {
    const ops: Array<[string, string, string]> = [];
    const only = (allowed: (op: string, type: string, name: string) => boolean): Authorizer => ({ authorize: (_p, _h, op, type, name) => { ops.push([op, type, name]); return allowed(op, type, name); } });
    const none = only(() => false);
    for (const [key, op] of [[43, 'Alter'], [45, 'Alter'], [46, 'Describe'], [35, 'Describe'], [48, 'DescribeConfigs'], [49, 'AlterConfigs'], [27, 'ClusterAction']] as const) {
      ops.length = 0;
      expect(authorizeRequest(none, req(key, {}), conn, handler, () => true), `api ${key}`).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED } });
      expect(ops).toEqual([[op, 'Cluster', 'kafka-cluster']]);
      expect(authorizeRequest(only((o, t) => o === op && t === 'Cluster'), req(key, {}), conn, handler, () => true), `api ${key} allowed`).toBeNull();
    }
    // EndTxn / InitProducerId: the transactional id; an idempotent InitProducerId (null id) is not checked here.
    expect(authorizeRequest(none, req(26, { transactionalId: 't1' }), conn, handler, () => true)).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED } });
    expect(authorizeRequest(none, req(22, { transactionalId: null }), conn, handler, () => true)).toBeNull();
    const writeT1 = only((o, t, n) => o === 'Write' && t === 'TransactionalId' && n === 't1');
    expect(authorizeRequest(writeT1, req(22, { transactionalId: 't1' }), conn, handler, () => true)).toBeNull();
    expect(authorizeRequest(writeT1, req(28, { transactionalId: 't1', groupId: 'g' }), conn, handler, () => true)).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED } });
    // DeleteRecords: DELETE per topic, the rest handled.
    const g = authorizeRequest(only((o, t, n) => o === 'Delete' && t === 'Topic' && n === 'ok'), req(21, { topics: [{ name: 'ok' }, { name: 'secret' }] }), conn,
      { errorResponse: (r: any, errorCode: number) => ({ topics: r.body.topics.map((t: any) => ({ name: t.name, errorCode })) }) }, () => true)!;
    expect(g.kind === 'proceed' && (g.req.body as any).topics).toEqual([{ name: 'ok' }]);
    expect(g.kind === 'proceed' && g.merge({ topics: [{ name: 'ok', errorCode: 0 }] })).toEqual({ topics: [{ name: 'ok', errorCode: 0 }, { name: 'secret', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }] });
  });

  it('Metadata: all topics are filtered; a named unauthorized one is TOPIC_AUTHORIZATION_FAILED, not auto-created', () => {
    const all = authorizeRequest(authz, req(3, { topics: null }), conn, handler, () => true)!;
    expect(all.kind === 'proceed' && all.merge({ topics: [{ name: 'ok', errorCode: 0 }, { name: 'secret', errorCode: 0 }] })).toEqual({ topics: [{ name: 'ok', errorCode: 0 }] });
    const named = authorizeRequest(authz, req(3, { topics: [{ name: 'ok' }, { name: 'secret' }], allowAutoTopicCreation: true }), conn, handler, () => false)!;
    expect(named.kind).toBe('proceed');
    if (named.kind !== 'proceed') return;
    expect((named.req.body as any).topics).toEqual([{ name: 'ok' }]); // alice may describe and create 'ok'
    expect((named.merge({ topics: [{ name: 'ok', errorCode: 5 }] }) as any).topics.map((t: any) => [t.name, t.errorCode])).toEqual([['ok', 5], ['secret', 29]]);
    // describable but not creatable (only DESCRIBE on 'pub'): out, TOPIC_AUTHORIZATION_FAILED
    const describeOnly: Authorizer = { authorize: (_p, _h, op, type, name) => type === 'Topic' && name === 'pub' && op === 'Describe' };
    const g = authorizeRequest(describeOnly, req(3, { topics: [{ name: 'pub' }], allowAutoTopicCreation: true }), conn, handler, () => false)!;
    expect(g.kind === 'proceed' && (g.req.body as any).topics).toEqual([]);
  });
});
