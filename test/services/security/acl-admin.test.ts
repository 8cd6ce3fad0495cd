import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { entryMatches, invalidFilter, patternMatches, type AclBindingFilter } from '../../../src/services/security/acl-admin.js';
import type { AclEntry, ResourcePattern } from '../../../src/services/security/acl.js';
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
