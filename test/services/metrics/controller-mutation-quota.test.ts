/** KIP-599 controller_mutation_rate: Kafka's TokenBucket and Strict/Permissive ControllerMutationQuota, and the handlers that use them. */
import { describe, it, expect } from 'vitest';
import { TokenBucket, newControllerMutationQuota, ThrottlingQuotaExceededError } from '../../../src/services/quota/controller-mutation-quota.js';
import { QuotaManagers } from '../../../src/services/quota/quota-managers.js';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { call, fakeBroker } from '../server/fake-broker.js';

describe('TokenBucket', () => {
  it('starts full (burst), takes permits into the negative, refills at the rate, never above the burst', () => {
    const b = new TokenBucket();
    expect(b.measure(2, 20, 1_000_000)).toBe(20);
    b.record(2, 20, 30, 1_000_000);
    expect(b.tokens).toBe(-10);
    expect(b.measure(2, 20, 1_002_500)).toBe(-5);
    expect(b.measure(2, 20, 1_100_000)).toBe(20);
  });
});

describe('ControllerMutationQuota', () => {
  const managers = (t: { now: number }) => {
    const q = new QuotaManagers({ numSamples: 11, windowSizeSeconds: 1 }, { numSamples: 11, windowSizeSeconds: 1 }, () => t.now);
    q.applyEntityConfig(null, 'admin', { controller_mutation_rate: '2' });
    return q;
  };
  it('strict: a bucket below zero refuses the next mutation with the time to refill; permissive: proceeds, throttle kept', () => {
    const t = { now: 1_000_000 };
    const q = managers(t);
    const strict = newControllerMutationQuota(q.controllerMutation, {}, 'admin', 5, 5, () => t.now);
    strict.record(30); // burst 10 × 1 s × 2/s = 20 tokens: allowed, now -10
    expect(strict.throttleTime()).toBe(0);
    expect(() => strict.record(1)).toThrow(ThrottlingQuotaExceededError);
    expect(strict.throttleTime()).toBe(5000); // 10 tokens at 2/s
    t.now += 1000;
    expect(strict.throttleTime()).toBe(4000); // less the time since
    const permissive = newControllerMutationQuota(q.controllerMutation, {}, 'admin', 4, 5, () => t.now);
    permissive.record(1); // the same bucket (per client): proceeds, -9 → throttled 4.5 s
    expect(permissive.throttleTime()).toBe(4500);
    // another client has no quota: unbounded
    const other = newControllerMutationQuota(q.controllerMutation, {}, 'someone-else', 5, 5, () => t.now);
    for (let i = 0; i < 10; i++) other.record(100);
    expect(other.throttleTime()).toBe(0);
  });

  it('DeleteTopics v5: THROTTLING_QUOTA_EXCEEDED per topic once the bucket is empty, throttle_time_ms set; v4 deletes and throttles', async () => {
    const fb = fakeBroker({});
    fb.ctx.quotas = new QuotaManagers({ numSamples: 11, windowSizeSeconds: 1 });
    fb.ctx.quotas.applyEntityConfig(null, 'test-client', { controller_mutation_rate: '2' });
    fb.handler = createRequestHandler(fb.ctx);
    fb.addTopic('big', 30);
    fb.addTopic('small', 1);
    fb.addTopic('later', 1);
    const res = await call(fb.handler, ApiKey.DeleteTopics, 5, { topicNames: ['big', 'small'], timeoutMs: 5000 });
    // both records happen before either deletion: big takes 30 of 20 tokens (allowed), small finds the bucket below zero
    expect(res.responses.map((r) => [r.name, r.errorCode])).toEqual([['big', 0], ['small', ErrorCode.THROTTLING_QUOTA_EXCEEDED]]);
    expect(res.responses[1]!.errorMessage).toBe('The throttling quota has been exceeded.');
    expect(res.throttleTimeMs).toBeGreaterThan(4000);
    expect(res.throttleTimeMs).toBeLessThanOrEqual(5000);
    expect(fb.deleted).toEqual(['big']);
    const old = await call(fb.handler, ApiKey.DeleteTopics, 4, { topicNames: ['small'], timeoutMs: 5000 });
    expect(old.responses.map((r) => [r.name, r.errorCode])).toEqual([['small', 0]]);
    expect(old.throttleTimeMs).toBeGreaterThan(4000);
    // CreateTopics v6 is strict too
    const created = await call(fb.handler, ApiKey.CreateTopics, 6, { topics: [{ name: 'new', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    expect(created.topics.map((r) => [r.name, r.errorCode])).toEqual([['new', ErrorCode.THROTTLING_QUOTA_EXCEEDED]]);
    expect(created.throttleTimeMs).toBeGreaterThan(4000);
    // a client without a quota is not affected
    const free = await call(fb.handler, ApiKey.DeleteTopics, 5, { topicNames: ['later'], timeoutMs: 5000 }, 'free-client');
    expect(free.responses.map((r) => [r.name, r.errorCode])).toEqual([['later', 0]]);
    expect(free.throttleTimeMs).toBe(0);
  });
});
