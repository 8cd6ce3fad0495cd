import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { call, fakeBroker } from './fake-broker.js';

describe('FindCoordinator', () => {
  it.each([0, 1, 3])('v%i: COORDINATOR_NOT_AVAILABLE, no node', async (v) => {
    const fb = fakeBroker({}, createRequestHandler);
    const res = await call(fb.handler, ApiKey.FindCoordinator, v, { key: 'group-1', keyType: 0 });
    expect(res).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1, host: '', port: -1 });
    if (v >= 1) expect(res.errorMessage).toBe('The coordinator is not available.');
  });

  it('v4: one entry per key; unknown key type → INVALID_REQUEST', async () => {
    const fb = fakeBroker({}, createRequestHandler);
    const res = await call(fb.handler, ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['tx-a', 'tx-b'] });
    expect(res.coordinators.map((c) => [c.key, c.errorCode, c.nodeId])).toEqual([['tx-a', 15, -1], ['tx-b', 15, -1]]);
    const bad = await call(fb.handler, ApiKey.FindCoordinator, 2, { key: 'g', keyType: 7 });
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });
});
