/**
 * AclAuthorizer's decision and formats without ZooKeeper: literal / wildcard / prefixed matching, deny wins,
 * implied DESCRIBE, hosts, super.users, allow.everyone.if.no.acl.found; the /kafka-acl node JSON and change
 * notification bodies as kafka-acls.sh writes them; and the request gate's answers (TOPIC_AUTHORIZATION_FAILED per
 * topic, GROUP_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED, Metadata filtering).
 */
import { describe, expect, it } from 'vitest';
import { AclCache, aclNodePath, authorize, authorizeByResourceType, authorizedOperations, operationCode, decodeAclChange, decodeAclNode, encodeAclChange, encodeAclNode, type AclEntry, type ResourceType } from '../../../src/services/security/acl.js';
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
    // EndTxn / InitProducerId: the transactional id; an idempotent InitProducerId (null id): IDEMPOTENT_WRITE (below).
    expect(authorizeRequest(none, req(26, { transactionalId: 't1' }), conn, handler, () => true)).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED } });
    expect(authorizeRequest(none, req(22, { transactionalId: null }), conn, handler, () => true)).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED } });
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

describe('the remaining KafkaApis checks (configs, groups, offsets, idempotent producers, transactions)', () => {
  const conn = { id: 'c', listenerName: 'L', remoteAddress: '127.0.0.1', remotePort: 1, principal: { principalType: 'User', name: 'alice' } };
  const req = (apiKey: number, body: unknown, apiVersion = 0) => ({ apiKey, apiVersion, header: { correlationId: 1, clientId: 'x' }, body, trailingBytes: 0 }) as unknown as DecodedRequest;
  /** alice may: anything on topic 'ok', group 'g', transactional id 't'; nothing on the cluster unless `cluster` lists the op. */
  const authz = (cluster: string[] = []): Authorizer => ({
    authorize: (_p, _h, op, type, name) => (type === 'Cluster' ? cluster.includes(op) : (type === 'Topic' && name === 'ok') || (type === 'Group' && name === 'g') || (type === 'TransactionalId' && name === 't')),
  });
  const proceed = (g: ReturnType<typeof authorizeRequest>) => {
    if (g?.kind !== 'proceed') throw new Error(`expected proceed, got ${JSON.stringify(g)}`);
    return g;
  };

  it('DescribeConfigs / AlterConfigs / IncrementalAlterConfigs: broker resources need the cluster op, topics the topic op', async () => {
    const { describeConfigsHandler } = await import('../../../src/services/server/handlers/describe-configs.js');
    const { alterConfigsHandler, incrementalAlterConfigsHandler } = await import('../../../src/services/server/handlers/alter-configs.js');
    const resources = [{ resourceType: 2, resourceName: 'ok', configurationKeys: null }, { resourceType: 2, resourceName: 'secret', configurationKeys: null }, { resourceType: 4, resourceName: '1', configurationKeys: null }];
    const g = proceed(authorizeRequest(authz(), req(32, { resources, includeSynonyms: false, includeDocumentation: false }, 4), conn, describeConfigsHandler(), () => true));
    expect((g.req.body as any).resources.map((r: any) => r.resourceName)).toEqual(['ok']);
    const out = g.merge({ throttleTimeMs: 0, results: [{ resourceType: 2, resourceName: 'ok', errorCode: 0 }] }) as any;
    expect(out.results.map((r: any) => [r.resourceName, r.errorCode, r.errorMessage ?? null])).toEqual([
      ['ok', 0, null], ['secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.'], ['1', ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.']]);
    // with DESCRIBE_CONFIGS on the cluster the broker resource goes through
    expect((proceed(authorizeRequest(authz(['DescribeConfigs']), req(32, { resources }, 4), conn, describeConfigsHandler(), () => true)).req.body as any).resources).toHaveLength(2);
    for (const [key, h] of [[33, alterConfigsHandler()], [44, incrementalAlterConfigsHandler()]] as const) {
      const alter = [{ resourceType: 4, resourceName: '', configs: [] }, { resourceType: 2, resourceName: 'secret', configs: [] }];
      const d = authorizeRequest(authz(), req(key, { resources: alter, validateOnly: false }), conn, h, () => true);
      expect(d?.kind).toBe('deny');
      expect((d as any).body.responses.map((r: any) => [r.resourceName, r.errorCode])).toEqual([['', ErrorCode.CLUSTER_AUTHORIZATION_FAILED], ['secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
      expect(authorizeRequest(authz(['AlterConfigs']), req(key, { resources: [alter[0]], validateOnly: false }), conn, h, () => true)).toBeNull();
    }
  });

  it('DescribeGroups / DeleteGroups per group, ListGroups filtered without DESCRIBE on the cluster, OffsetDelete DELETE + READ per topic', async () => {
    const { describeGroupsHandler, deleteGroupsHandler, listGroupsHandler } = await import('../../../src/services/server/handlers/group-admin.js');
    const { offsetDeleteHandler, offsetCommitHandler } = await import('../../../src/services/server/handlers/group-offsets.js');
    const gc = {} as never;
    const dg = proceed(authorizeRequest(authz(), req(15, { groups: ['g', 'h'], includeAuthorizedOperations: false }), conn, describeGroupsHandler(gc), () => true));
    expect((dg.req.body as any).groups).toEqual(['g']);
    expect((dg.merge({ groups: [{ groupId: 'g', errorCode: 0 }] }) as any).groups.map((x: any) => [x.groupId, x.errorCode])).toEqual([['g', 0], ['h', ErrorCode.GROUP_AUTHORIZATION_FAILED]]);
    const del = authorizeRequest(authz(), req(42, { groupsNames: ['h'] }), conn, deleteGroupsHandler(gc), () => true);
    expect(del).toMatchObject({ kind: 'deny', body: { results: [{ groupId: 'h', errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }] } });
    const lg = proceed(authorizeRequest(authz(), req(16, {}), conn, listGroupsHandler(gc), () => true));
    expect(lg.merge({ errorCode: 0, groups: [{ groupId: 'g' }, { groupId: 'h' }] })).toEqual({ errorCode: 0, groups: [{ groupId: 'g' }] });
    expect(authorizeRequest(authz(['Describe']), req(16, {}), conn, listGroupsHandler(gc), () => true)).toBeNull();
    // OffsetDelete: DELETE on the group (whole request), READ per topic; the group is still asked when every topic is denied
    expect(authorizeRequest(authz(), req(47, { groupId: 'h', topics: [] }), conn, offsetDeleteHandler(gc), () => true)).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED } });
    const od = proceed(authorizeRequest(authz(), req(47, { groupId: 'g', topics: [{ name: 'secret', partitions: [{ partitionIndex: 0 }] }] }), conn, offsetDeleteHandler(gc), () => true));
    expect((od.req.body as any).topics).toEqual([]);
    expect(od.merge({ errorCode: 0, throttleTimeMs: 0, topics: [] })).toEqual({ errorCode: 0, throttleTimeMs: 0, topics: [{ name: 'secret', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }] }] });
    // OffsetCommit: READ per topic after READ on the group
    const oc = proceed(authorizeRequest(authz(), req(8, { groupId: 'g', topics: [{ name: 'ok', partitions: [] }, { name: 'secret', partitions: [{ partitionIndex: 1 }] }] }, 8), conn, offsetCommitHandler(gc), () => true));
    expect((oc.req.body as any).topics.map((t: any) => t.name)).toEqual(['ok']);
    expect((oc.merge({ topics: [] }) as any).topics).toEqual([{ name: 'secret', partitions: [{ partitionIndex: 1, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }] }]);
  });

  it('OffsetFetch: named topics not describable are TOPIC_AUTHORIZATION_FAILED, all-topics answers filtered, v8 groups one by one', async () => {
    const { offsetFetchHandler } = await import('../../../src/services/server/handlers/group-offsets.js');
    const h = offsetFetchHandler({} as never);
    const part = (partitionIndex: number, committedOffset: bigint) => ({ partitionIndex, committedOffset, committedLeaderEpoch: -1, metadata: '', errorCode: 0 });
    const named = proceed(authorizeRequest(authz(), req(9, { groupId: 'g', topics: [{ name: 'ok', partitionIndexes: [0] }, { name: 'secret', partitionIndexes: [0] }] }, 7), conn, h, () => true));
    const out = named.merge({ errorCode: 0, topics: [{ name: 'ok', partitions: [part(0, 5n)] }, { name: 'secret', partitions: [part(0, 9n)] }] }) as any;
    expect(out.topics.map((t: any) => [t.name, t.partitions[0].committedOffset, t.partitions[0].errorCode])).toEqual([['ok', 5n, 0], ['secret', -1n, ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
    const all = proceed(authorizeRequest(authz(), req(9, { groupId: 'g', topics: null }, 7), conn, h, () => true));
    expect((all.merge({ errorCode: 0, topics: [{ name: 'ok', partitions: [] }, { name: 'secret', partitions: [] }] }) as any).topics.map((t: any) => t.name)).toEqual(['ok']);
    expect(authorizeRequest(authz(), req(9, { groupId: 'h', topics: null }, 7), conn, h, () => true)).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED } });
    const v8 = proceed(authorizeRequest(authz(), req(9, { groups: [{ groupId: 'g', topics: null }, { groupId: 'h', topics: null }], requireStable: false }, 8), conn, h, () => true));
    expect((v8.req.body as any).groups.map((g: any) => g.groupId)).toEqual(['g']);
    const v8out = v8.merge({ groups: [{ groupId: 'g', errorCode: 0, topics: [{ name: 'ok', partitions: [] }, { name: 'secret', partitions: [] }] }] }) as any;
    expect(v8out.groups.map((g: any) => [g.groupId, g.errorCode, g.topics.map((t: any) => t.name)])).toEqual([['g', 0, ['ok']], ['h', ErrorCode.GROUP_AUTHORIZATION_FAILED, []]]);
  });

  it('idempotent InitProducerId: IDEMPOTENT_WRITE on the cluster or WRITE on some topic, else CLUSTER_AUTHORIZATION_FAILED', () => {
    const h = { errorResponse: (_r: unknown, errorCode: number) => ({ errorCode }) };
    const idem = req(22, { transactionalId: null, transactionTimeoutMs: 1 });
    expect(authorizeRequest(authz(), idem, conn, h, () => true)).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED } });
    expect(authorizeRequest(authz(['IdempotentWrite']), idem, conn, h, () => true)).toBeNull();
    expect(authorizeRequest({ ...authz(), authorizeByResourceType: (_p, _h, op, type) => op === 'Write' && type === 'Topic' }, idem, conn, h, () => true)).toBeNull();
  });

  it('authorizeByResourceType as AclAuthorizer: literal / prefixed allows, dominant denies, wildcard deny, allow.everyone', () => {
    const c = new AclCache();
    const s = authorizerSettings('User:admin', false);
    const byType = () => authorizeByResourceType(c.entries(), s, 'User:alice', '127.0.0.1', 'Write', 'Topic');
    expect(byType()).toBe(false);
    c.set({ resourceType: 'Topic', name: 'orders', patternType: 'LITERAL' }, [allow('User:alice', 'Read')]);
    expect(byType()).toBe(false); // READ does not count (no implied operations)
    c.set({ resourceType: 'Topic', name: 'orders', patternType: 'LITERAL' }, [allow('User:alice', 'Write')]);
    expect(byType()).toBe(true);
    c.set({ resourceType: 'Topic', name: 'or', patternType: 'PREFIXED' }, [deny('User:*', 'Write')]);
    expect(byType()).toBe(false); // dominated by the prefixed deny
    c.set({ resourceType: 'Topic', name: 'pay-', patternType: 'PREFIXED' }, [allow('User:alice', 'All')]);
    expect(byType()).toBe(true);
    c.set({ resourceType: 'Topic', name: '*', patternType: 'LITERAL' }, [deny('User:alice', 'Write')]);
    expect(byType()).toBe(false);
    expect(authorizeByResourceType(c.entries(), s, 'User:admin', 'h', 'Write', 'Topic')).toBe(true);
    expect(authorizeByResourceType(new AclCache().entries(), authorizerSettings(null, true), 'User:x', 'h', 'Write', 'Topic')).toBe(true);
  });

  it('transactions: AddPartitionsToTxn v0-3 id + WRITE per topic (all or nothing), TxnOffsetCommit READ per topic, Describe/ListTransactions, DescribeProducers, transactional Produce', async () => {
    const { addPartitionsToTxnHandler, txnOffsetCommitHandler, describeTransactionsHandler, describeProducersHandler } = await import('../../../src/services/server/handlers/transactions.js');
    const apt = addPartitionsToTxnHandler({} as never);
    const body = { v3AndBelowTransactionalId: 't', v3AndBelowProducerId: 1n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: 'ok', partitions: [0] }, { name: 'secret', partitions: [1] }, { name: '__consumer_offsets', partitions: [2] }] };
    const d = authorizeRequest(authz(), req(24, body, 3), conn, apt, () => true) as any;
    expect(d.kind).toBe('deny');
    expect(d.body.resultsByTopicV3AndBelow.map((t: any) => [t.name, t.resultsByPartition[0].partitionErrorCode]))
      .toEqual([['ok', ErrorCode.OPERATION_NOT_ATTEMPTED], ['secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED], ['__consumer_offsets', ErrorCode.OPERATION_NOT_ATTEMPTED]]);
    const wrongId = authorizeRequest(authz(), req(24, { ...body, v3AndBelowTransactionalId: 'u' }, 3), conn, apt, () => true) as any;
    expect(wrongId.kind).toBe('deny');
    expect(wrongId.body.resultsByTopicV3AndBelow.flatMap((t: any) => t.resultsByPartition.map((p: any) => p.partitionErrorCode))).toEqual([53, 53, 53]);
    expect(authorizeRequest(authz(), req(24, { ...body, v3AndBelowTopics: [body.v3AndBelowTopics[0]] }, 3), conn, apt, () => true)).toBeNull();
    // v4 (broker to broker, KIP-890 verification): CLUSTER_ACTION on the cluster, not WRITE on the id or the topics
    const v4 = { transactions: [{ transactionalId: 't', producerId: 1n, producerEpoch: 0, verifyOnly: true, topics: [{ name: 'secret', partitions: [1] }] }] };
    expect(authorizeRequest(authz(), req(24, v4, 4), conn, apt, () => true)).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED } });
    expect(authorizeRequest(authz(['ClusterAction']), req(24, v4, 4), conn, apt, () => true)).toBeNull();
    const toc = proceed(authorizeRequest(authz(), req(28, { transactionalId: 't', groupId: 'g', topics: [{ name: 'ok', partitions: [] }, { name: 'secret', partitions: [{ partitionIndex: 0 }] }] }), conn, txnOffsetCommitHandler({} as never), () => true));
    expect((toc.req.body as any).topics.map((t: any) => t.name)).toEqual(['ok']);
    const dt = proceed(authorizeRequest(authz(), req(65, { transactionalIds: ['t', 'u'] }), conn, describeTransactionsHandler({} as never), () => true));
    expect((dt.req.body as any).transactionalIds).toEqual(['t']);
    const dtOut = dt.merge({ throttleTimeMs: 0, transactionStates: [{ transactionalId: 't', errorCode: 0, topics: [{ topic: 'ok', partitions: [0] }, { topic: 'secret', partitions: [0] }] }] }) as any;
    expect(dtOut.transactionStates.map((s: any) => [s.transactionalId, s.errorCode, s.topics.map((t: any) => t.topic)])).toEqual([['t', 0, ['ok']], ['u', ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, []]]);
    const lt = proceed(authorizeRequest(authz(), req(66, { stateFilters: [], producerIdFilters: [] }), conn, { errorResponse: () => ({}) }, () => true));
    expect(lt.merge({ errorCode: 0, transactionStates: [{ transactionalId: 't' }, { transactionalId: 'u' }] })).toEqual({ errorCode: 0, transactionStates: [{ transactionalId: 't' }] });
    const dp = proceed(authorizeRequest(authz(), req(61, { topics: [{ name: 'ok', partitionIndexes: [0] }, { name: 'secret', partitionIndexes: [0] }] }), conn, describeProducersHandler(), () => true));
    expect((dp.merge({ topics: [] }) as any).topics).toEqual([{ name: 'secret', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null, activeProducers: [] }] }]);
    // Produce with a transactional batch (attributes bit 0x10) needs WRITE on its transactional id
    const batch = new Uint8Array(61); batch[16] = 2; batch[22] = 0x10;
    const produce = (transactionalId: string | null) => req(0, { transactionalId, acks: -1, timeoutMs: 1, topicData: [{ name: 'ok', partitionData: [{ index: 0, records: batch }] }] }, 9);
    const ph = { errorResponse: (_r: unknown, errorCode: number) => ({ responses: [], errorCode }) };
    expect(authorizeRequest(authz(), produce('u'), conn, ph, () => true)).toMatchObject({ kind: 'deny', body: { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED } });
    expect(authorizeRequest(authz(), produce('t'), conn, ph, () => true)).toBeNull();
  });

  it('OffsetForLeaderEpoch: CLUSTER_ACTION, or DESCRIBE per topic', () => {
    const h = { errorResponse: () => ({ topics: [] }) };
    const body = { replicaId: -1, topics: [{ topic: 'ok', partitions: [{ partition: 0 }] }, { topic: 'secret', partitions: [{ partition: 3 }] }] };
    const g = proceed(authorizeRequest(authz(), req(23, body, 4), conn, h, () => true));
    expect((g.req.body as any).topics.map((t: any) => t.topic)).toEqual(['ok']);
    expect((g.merge({ topics: [] }) as any).topics).toEqual([{ topic: 'secret', partitions: [{ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, partition: 3, leaderEpoch: -1, endOffset: -1n }] }]);
    expect(authorizeRequest(authz(['ClusterAction']), req(23, body, 4), conn, h, () => true)).toBeNull();
  });
});

describe('authorized operations (KIP-430) and CreateTopics\' DESCRIBE_CONFIGS', () => {
  const conn = { id: 'c', listenerName: 'L', remoteAddress: '127.0.0.1', remotePort: 1, principal: { principalType: 'User', name: 'alice' } };
  const req = (apiKey: number, body: unknown, apiVersion: number) => ({ apiKey, apiVersion, header: { correlationId: 1, clientId: 'x' }, body, trailingBytes: 0 }) as unknown as DecodedRequest;
  /** The real decision over a cache: alice READ on topic t, WRITE on topic w, READ on group g, ALTER_CONFIGS on the cluster. */
  const cache = new AclCache();
  cache.set({ resourceType: 'Topic', name: 't', patternType: 'LITERAL' }, [allow('User:alice', 'Read'), allow('User:bob', 'All')]);
  cache.set({ resourceType: 'Topic', name: 'w', patternType: 'LITERAL' }, [allow('User:alice', 'Write'), allow('User:alice', 'Create')]);
  cache.set({ resourceType: 'Group', name: 'g', patternType: 'LITERAL' }, [allow('User:alice', 'Read')]);
  cache.set({ resourceType: 'Cluster', name: 'kafka-cluster', patternType: 'LITERAL' }, [allow('User:alice', 'AlterConfigs')]);
  const settings = authorizerSettings('User:admin', false);
  const authz: Authorizer = { authorize: (principal, host, operation, resourceType, name) => authorize(cache, settings, { principal, host, operation, resourceType, name }) };
  const OMIT = -2147483648;
  const bits = (...codes: number[]) => codes.reduce((a, c) => a | (1 << c), 0);
  const proceed = (g: ReturnType<typeof authorizeRequest>) => {
    if (g?.kind !== 'proceed') throw new Error(`expected proceed, got ${JSON.stringify(g)}`);
    return g;
  };

  it('AuthHelper.authorizedOperations: the supported operations allowed, implied ones included; every one for a super user', () => {
    const can = (p: string) => (op: AclEntry['operation'], type: ResourceType, name: string) => authorize(cache, settings, { principal: p, host: 'h', operation: op, resourceType: type, name });
    expect(authorizedOperations((op) => can('User:alice')(op, 'Topic', 't'), 'Topic')).toBe(bits(3, 8)); // READ + implied DESCRIBE
    expect(authorizedOperations((op) => can('User:alice')(op, 'Topic', 'w'), 'Topic')).toBe(bits(4, 5, 8));
    expect(authorizedOperations((op) => can('User:alice')(op, 'Cluster', 'kafka-cluster'), 'Cluster')).toBe(bits(10, 11)); // ALTER_CONFIGS implies DESCRIBE_CONFIGS
    expect(authorizedOperations((op) => can('User:admin')(op, 'Topic', 't'), 'Topic')).toBe(bits(3, 4, 5, 6, 7, 8, 10, 11));
    expect(authorizedOperations((op) => can('User:admin')(op, 'Group', 'g'), 'Group')).toBe(bits(3, 6, 8));
    expect(authorizedOperations(() => true, 'TransactionalId')).toBe(bits(4, 8));
    expect(operationCode('DescribeTokens')).toBe(14);
  });

  it('Metadata: topicAuthorizedOperations per described topic when asked, denied and unknown-id topics keep Int.MinValue; the cluster\'s 0 without DESCRIBE on it', () => {
    const h = { errorResponse: () => ({ topics: [] }) };
    const all = proceed(authorizeRequest(authz, req(3, { topics: null, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true }, 10), conn, h, () => true));
    const full = bits(3, 4, 5, 6, 7, 8, 10, 11);
    const out = all.merge({ clusterAuthorizedOperations: bits(5, 7, 8, 9, 10, 11, 12), topics: [
      { name: 't', errorCode: 0, topicAuthorizedOperations: full }, { name: 'w', errorCode: 0, topicAuthorizedOperations: full }, { name: 'x', errorCode: 0, topicAuthorizedOperations: full }] }) as any;
    expect(out.topics.map((t: any) => [t.name, t.topicAuthorizedOperations])).toEqual([['t', bits(3, 8)], ['w', bits(4, 5, 8)]]);
    expect(out.clusterAuthorizedOperations).toBe(0); // alice has no DESCRIBE on the cluster
    // not asked: untouched
    const notAsked = proceed(authorizeRequest(authz, req(3, { topics: null }, 10), conn, h, () => true));
    expect((notAsked.merge({ clusterAuthorizedOperations: OMIT, topics: [{ name: 't', errorCode: 0, topicAuthorizedOperations: OMIT }] }) as any)).toEqual({ clusterAuthorizedOperations: OMIT, topics: [{ name: 't', errorCode: 0, topicAuthorizedOperations: OMIT }] });
    // named: the denied one is TOPIC_AUTHORIZATION_FAILED with Int.MinValue; an unknown topic id keeps Int.MinValue
    const named = proceed(authorizeRequest(authz, req(3, { topics: [{ name: 't' }, { name: 'x' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: true }, 12), conn, h, () => true));
    const n = named.merge({ topics: [{ name: 't', errorCode: 0, topicAuthorizedOperations: full }, { name: null, errorCode: 100, topicAuthorizedOperations: full }] }) as any;
    expect(n.topics.map((t: any) => [t.name, t.errorCode, t.topicAuthorizedOperations])).toEqual([['t', 0, bits(3, 8)], [null, 100, OMIT], ['x', ErrorCode.TOPIC_AUTHORIZATION_FAILED, OMIT]]);
    // with DESCRIBE on the cluster (admin, a super user): every cluster operation
    const admin = { ...conn, principal: { principalType: 'User', name: 'admin' } };
    const a = proceed(authorizeRequest(authz, req(3, { topics: null, includeClusterAuthorizedOperations: true }, 9), admin, h, () => true));
    expect((a.merge({ clusterAuthorizedOperations: 1, topics: [] }) as any).clusterAuthorizedOperations).toBe(bits(5, 7, 8, 9, 10, 11, 12));
  });

  it('DescribeGroups v3+ and DescribeCluster: computed for the principal; groups answered with an error keep Int.MinValue', async () => {
    const { describeGroupsHandler } = await import('../../../src/services/server/handlers/group-admin.js');
    const g = proceed(authorizeRequest(authz, req(15, { groups: ['g', 'h'], includeAuthorizedOperations: true }, 5), conn, describeGroupsHandler({} as never), () => true));
    const out = g.merge({ groups: [{ groupId: 'g', errorCode: 0, authorizedOperations: bits(3, 6, 8) }] }) as any;
    expect(out.groups.map((x: any) => [x.groupId, x.errorCode, x.authorizedOperations ?? OMIT])).toEqual([['g', 0, bits(3, 8)], ['h', ErrorCode.GROUP_AUTHORIZATION_FAILED, OMIT]]);
    expect((g.merge({ groups: [{ groupId: 'g', errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, authorizedOperations: OMIT }] }) as any).groups[0].authorizedOperations).toBe(OMIT);
    const dc = proceed(authorizeRequest(authz, req(60, { includeClusterAuthorizedOperations: true, endpointType: 1 }, 1), conn, { errorResponse: () => ({}) }, () => true));
    expect(dc.merge({ errorCode: 0, clusterAuthorizedOperations: bits(5, 7, 8, 9, 10, 11, 12) })).toEqual({ errorCode: 0, clusterAuthorizedOperations: 0 });
    cache.set({ resourceType: 'Cluster', name: 'kafka-cluster', patternType: 'LITERAL' }, [allow('User:alice', 'AlterConfigs'), allow('User:alice', 'Describe')]);
    try {
      expect(dc.merge({ errorCode: 0, clusterAuthorizedOperations: 1 })).toEqual({ errorCode: 0, clusterAuthorizedOperations: bits(8, 10, 11) });
      expect(dc.merge({ errorCode: 0, clusterAuthorizedOperations: OMIT })).toEqual({ errorCode: 0, clusterAuthorizedOperations: OMIT });
    } finally {
      cache.set({ resourceType: 'Cluster', name: 'kafka-cluster', patternType: 'LITERAL' }, [allow('User:alice', 'AlterConfigs')]);
    }
  });

  it('CreateTopics: configs, partitions, replication factor and id only with DESCRIBE_CONFIGS; else topicConfigErrorCode TOPIC_AUTHORIZATION_FAILED', async () => {
    const { createTopicsHandler } = await import('../../../src/services/server/handlers/create-topics.js');
    cache.set({ resourceType: 'Topic', name: 'c-', patternType: 'PREFIXED' }, [allow('User:alice', 'Create')]);
    cache.set({ resourceType: 'Topic', name: 'c-conf', patternType: 'LITERAL' }, [allow('User:alice', 'DescribeConfigs')]);
    const topic = (name: string) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] });
    const g = proceed(authorizeRequest(authz, req(19, { topics: [topic('c-plain'), topic('c-conf'), topic('c-failed'), topic('nope')], timeoutMs: 1000, validateOnly: false }, 7), conn, createTopicsHandler(), () => true));
    expect((g.req.body as any).topics.map((t: any) => t.name)).toEqual(['c-plain', 'c-conf', 'c-failed']);
    const created = (name: string) => ({ name, topicId: '7a0b6c1e-0000-0000-0000-000000000001', errorCode: 0, errorMessage: null, numPartitions: 1, replicationFactor: 1, configs: [{ name: 'cleanup.policy', value: 'delete', readOnly: false, configSource: 5, isSensitive: false }] });
    const out = g.merge({ throttleTimeMs: 0, topics: [created('c-plain'), created('c-conf'), { ...created('c-failed'), errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, numPartitions: -1, replicationFactor: -1, configs: [] }] }) as any;
    const byName = Object.fromEntries(out.topics.map((t: any) => [t.name, t]));
    expect(byName['c-plain']).toMatchObject({ errorCode: 0, configs: [], numPartitions: -1, replicationFactor: -1, topicId: '00000000-0000-0000-0000-000000000000', topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
    expect(byName['c-conf']).toEqual(created('c-conf'));
    expect(byName['c-failed']).toMatchObject({ errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, topicConfigErrorCode: 0 });
    expect(byName.nope).toMatchObject({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.', topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
    // everything denied CREATE: still answered with the configs error
    const d = authorizeRequest(authz, req(19, { topics: [topic('nope')], timeoutMs: 1000, validateOnly: false }, 7), conn, createTopicsHandler(), () => true);
    expect(d).toMatchObject({ kind: 'deny', body: { topics: [{ name: 'nope', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }] } });
    // all allowed to describe configs (admin): no rewrite at all
    expect(authorizeRequest(authz, req(19, { topics: [topic('c-plain')], timeoutMs: 1000, validateOnly: false }, 7), { ...conn, principal: { principalType: 'User', name: 'admin' } }, createTopicsHandler(), () => true)).toBeNull();
  });
});
