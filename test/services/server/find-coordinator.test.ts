import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { call, fakeBroker } from './fake-broker.js';

describe('FindCoordinator', () => {
  it.each([0, 1, 3])('v%i: a group key is coordinated by this broker (it leads every __consumer_offsets partition)', async (v) => {
    const fb = fakeBroker({}, createRequestHandler);
    const res = await call(fb.handler, ApiKey.FindCoordinator, v, { key: 'group-1', keyType: 0 });
    expect(res).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 1, host: 'broker1', port: 9092 });
  });

  it('v4: one entry per key; transaction keys are not coordinated yet; unknown key type → INVALID_REQUEST', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const res = await call(fb.handler, ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['tx-a', 'tx-b'] });
    expect(res.coordinators.map((c) => [c.key, c.errorCode, c.nodeId])).toEqual([['tx-a', 15, -1], ['tx-b', 15, -1]]);
    const bad = await call(fb.handler, ApiKey.FindCoordinator, 2, { key: 'g', keyType: 7 });
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});
