import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { brokerInfo, call, fakeBroker } from './fake-broker.js';

function setup() {
  const fb = fakeBroker({}, createRequestHandler);
  fb.addTopic('t', 2);
  return fb;
}

const body = (topics: Array<{ name: string; count: number; assignments?: number[][] | null }>, o: { timeoutMs?: number; validateOnly?: boolean } = {}) => ({
  topics: topics.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments ? t.assignments.map((brokerIds) => ({ brokerIds })) : null })),
  timeoutMs: o.timeoutMs ?? 5000, validateOnly: o.validateOnly ?? false,
});

describe('CreatePartitions', () => {
  it.each([0, 1, 2, 3])('v%i: grows the topic and answers once every partition has a leader', async (v) => {
    const fb = setup();
    const r = await call(fb.handler, ApiKey.CreatePartitions, v, body([{ name: 't', count: 5 }]));
    expect(r.results).toEqual([{ name: 't', errorCode: 0, errorMessage: null }]);
    expect(fb.topics.get('t')!.partitions.map((p) => [p.partition, p.leader])).toEqual([[0, 1], [1, 1], [2, 1], [3, 1], [4, 1]]);
  });

  it('validateOnly changes nothing; errors per topic with Kafka\'s codes and messages', async () => {
    const fb = setup();
    fb.brokers.push(brokerInfo(2, 9093));
    fb.addTopic('u', 1);
    const dry = await call(fb.handler, ApiKey.CreatePartitions, 3, body([{ name: 't', count: 4 }], { validateOnly: true }));
    expect(dry.results[0]!.errorCode).toBe(0);
    expect(fb.topics.get('t')!.partitions).toHaveLength(2);
    const r = await call(fb.handler, ApiKey.CreatePartitions, 3, body([
      { name: 'nope', count: 3 },
      { name: 't', count: 1 },
      { name: 'u', count: 3, assignments: [[9]] },
      { name: 'd', count: 3 },
      { name: 'd', count: 4 },
    ]));
    expect(r.results.map((x) => [x.name, x.errorCode, x.errorMessage])).toEqual([
      ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic 'nope' does not exist."],
      ['t', ErrorCode.INVALID_PARTITIONS, 'Topic currently has 2 partitions, which is higher than the requested 1.'],
      ['u', ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Unknown broker(s) in replica assignment: 9.'],
      ['d', ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.'],
    ]);
    const given = await call(fb.handler, ApiKey.CreatePartitions, 3, body([{ name: 'u', count: 3, assignments: [[2], [1]] }]));
    expect(given.results[0]!.errorCode).toBe(0);
    expect(fb.topics.get('u')!.partitions.map((p) => p.replicas)).toEqual([[1], [2], [1]]);
  });

  it('not the controller → NOT_CONTROLLER; timeoutMs 0 → REQUEST_TIMED_OUT though the partitions are being created', async () => {
    const fb = setup();
    const r0 = await call(fb.handler, ApiKey.CreatePartitions, 2, body([{ name: 't', count: 3 }], { timeoutMs: 0 }));
    expect(r0.results[0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    fb.controllerId = 2;
    const r = await call(fb.handler, ApiKey.CreatePartitions, 2, body([{ name: 't', count: 9 }]));
    expect(r.results).toEqual([{ name: 't', errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null }]);
  });
});
