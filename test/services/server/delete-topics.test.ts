import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { call, fakeBroker, NamedError } from './fake-broker.js';

const ZERO = '00000000-0000-0000-0000-000000000000';

describe('DeleteTopics', () => {
  it.each([1, 3, 5])('v%i deletes by name, waits until gone; unknown → UNKNOWN_TOPIC_OR_PARTITION', async (v) => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.addTopic('a', 1);
    fb.addTopic('b', 2);
    const res = await call(fb.handler, ApiKey.DeleteTopics, v, { topicNames: ['a', 'b', 'nope', 'a'], timeoutMs: 5000 });
    expect(res.responses.map((r) => [r.name, r.errorCode])).toEqual([['a', 0], ['b', 0], ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    expect(fb.deleted.sort()).toEqual(['a', 'b']);
    expect(fb.topics.has('a') || fb.topics.has('b')).toBe(false);
  });

  it('v6 deletes by topic id; unknown id → UNKNOWN_TOPIC_ID; name and id in one entry → INVALID_REQUEST for all', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.addTopic('abc', 1); // id: 16 bytes of 0x03
    const id = '03030303-0303-0303-0303-030303030303';
    const res = await call(fb.handler, ApiKey.DeleteTopics, 6, {
      topics: [{ name: null, topicId: id }, { name: null, topicId: '11111111-0303-0303-0303-030303030303' }],
      timeoutMs: 5000,
    });
    expect(res.responses.map((r) => [r.name, r.topicId, r.errorCode])).toEqual([
      ['abc', id, 0],
      [null, '11111111-0303-0303-0303-030303030303', ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
    expect(fb.deleted).toEqual(['abc']);
    fb.addTopic('abc', 1);
    const both = await call(fb.handler, ApiKey.DeleteTopics, 6, { topics: [{ name: 'abc', topicId: id }, { name: 'x', topicId: ZERO }], timeoutMs: 5000 });
    expect(both.responses.map((r) => [r.name, r.errorCode, r.errorMessage])).toEqual([
      ['abc', ErrorCode.INVALID_REQUEST, 'Topic name and topic ID can not both be specified.'],
      ['x', ErrorCode.INVALID_REQUEST, 'Topic name and topic ID can not both be specified.'],
    ]);
    expect(fb.deleted).toEqual(['abc']);
  });

  it('internal topics are refused with INVALID_TOPIC_EXCEPTION and never marked (offsets and transactions kept); others in the request proceed', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.addTopic('__consumer_offsets', 50);
    fb.addTopic('__transaction_state', 50);
    fb.addTopic('plain', 1);
    for (const v of [1, 5]) {
      if (!fb.topics.has('plain')) fb.addTopic('plain', 1);
      const res = await call(fb.handler, ApiKey.DeleteTopics, v, { topicNames: ['__consumer_offsets', '__transaction_state', 'plain'], timeoutMs: 5000 });
      expect(res.responses.map((r) => [r.name, r.errorCode])).toEqual([
        ['__consumer_offsets', ErrorCode.INVALID_TOPIC_EXCEPTION], ['__transaction_state', ErrorCode.INVALID_TOPIC_EXCEPTION], ['plain', 0]]);
      if (v >= 5) expect(res.responses[0]!.errorMessage).toBe('Topic __consumer_offsets is a kafka internal topic and is not allowed to be marked for deletion.');
    }
    const v6 = await call(fb.handler, ApiKey.DeleteTopics, 6, { topics: [{ name: '__consumer_offsets', topicId: ZERO }], timeoutMs: 5000 });
    expect(v6.responses.map((r) => [r.name, r.errorCode])).toEqual([['__consumer_offsets', ErrorCode.INVALID_TOPIC_EXCEPTION]]);
    expect(fb.deleted).toEqual(['plain', 'plain']);
    expect(fb.topics.has('__consumer_offsets') && fb.topics.has('__transaction_state')).toBe(true);
  });

  it('v6 by name returns the topic id', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.addTopic('ab', 1);
    const res = await call(fb.handler, ApiKey.DeleteTopics, 6, { topics: [{ name: 'ab', topicId: ZERO }], timeoutMs: 5000 });
    expect(res.responses).toEqual([{ name: 'ab', topicId: '02020202-0202-0202-0202-020202020202', errorCode: 0, errorMessage: null }]);
  });

  it('still there after timeoutMs → REQUEST_TIMED_OUT; timeoutMs 0 → at once', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.addTopic('a', 1);
    fb.admin.applyDeletes = false;
    const res = await call(fb.handler, ApiKey.DeleteTopics, 4, { topicNames: ['a'], timeoutMs: 80 });
    expect(res.responses[0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    const zero = await call(fb.handler, ApiKey.DeleteTopics, 4, { topicNames: ['a'], timeoutMs: 0 });
    expect(zero.responses[0]!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });

  it('delete.topic.enable=false → TOPIC_DELETION_DISABLED (v3+), INVALID_REQUEST below', async () => {
    const fb = fakeBroker({ 'delete.topic.enable': 'false' }, createRequestHandler);
    fb.addTopic('a', 1);
    const v3 = await call(fb.handler, ApiKey.DeleteTopics, 3, { topicNames: ['a'], timeoutMs: 1000 });
    expect(v3.responses[0]!.errorCode).toBe(ErrorCode.TOPIC_DELETION_DISABLED);
    const v1 = await call(fb.handler, ApiKey.DeleteTopics, 1, { topicNames: ['a'], timeoutMs: 1000 });
    expect(v1.responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(fb.deleted).toEqual([]);
  });

  it('not the controller → NOT_CONTROLLER; admin errors map; already marked counts as success', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    fb.addTopic('a', 1);
    fb.controllerId = 3;
    const nc = await call(fb.handler, ApiKey.DeleteTopics, 5, { topicNames: ['a'], timeoutMs: 1000 });
    expect(nc.responses[0]!.errorCode).toBe(ErrorCode.NOT_CONTROLLER);
    fb.controllerId = 1;
    fb.admin.deleteError = new Error('zk down');
    const failed = await call(fb.handler, ApiKey.DeleteTopics, 5, { topicNames: ['a'], timeoutMs: 1000 });
    expect(failed.responses[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'zk down' });
    fb.admin.deleteError = new NamedError('TopicAlreadyMarkedForDeletionError', 'marked');
    setTimeout(() => { fb.topics.delete('a'); fb.notify(); }, 10);
    const marked = await call(fb.handler, ApiKey.DeleteTopics, 5, { topicNames: ['a'], timeoutMs: 1000 });
    expect(marked.responses[0]!.errorCode).toBe(0);
  });
});
