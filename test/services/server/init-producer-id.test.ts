import { describe, expect, it } from 'vitest';
import { ApiKey, apiKeyName, type ApiRange } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { HANDLED_API_SUPPORT, IMPLEMENTED_VERSIONS, createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import { ProducerIdManager } from '../../../src/services/transaction/producer-id-manager.js';
import { call, fakeBroker } from './fake-broker.js';

const WIDE = new Map([...IMPLEMENTED_VERSIONS].map(([apiKey, [minVersion, maxVersion]]): [number, ApiRange] =>
  [apiKey, { apiKey, name: apiKeyName(apiKey), minVersion, maxVersion, tier: 'required' }]));

/** A handler whose producer id blocks come from an in-memory counter (block size 3) or fail. */
function setup(claim?: () => Promise<{ broker: number; blockStart: number; blockEnd: number }>) {
  let next = 0;
  const claims: number[] = [];
  const manager = new ProducerIdManager(1, claim ?? (async () => {
    const b = { broker: 1, blockStart: next, blockEnd: next + 2 };
    next += 3;
    claims.push(b.blockStart);
    return b;
  }));
  const fb = fakeBroker({}, (ctx) => createRequestHandler(ctx, { support: WIDE, producerIdManager: manager }));
  return { fb, claims };
}

const idempotent = { transactionalId: null, transactionTimeoutMs: 2147483647, producerId: -1n, producerEpoch: -1 };

describe('InitProducerId', () => {
  it('is advertised 0-3 (the matrix: librdkafka needs v0 in range, platformatic 1.35 v3) and implemented to v5', () => {
    expect(HANDLED_API_SUPPORT.get(ApiKey.InitProducerId)).toMatchObject({ minVersion: 0, maxVersion: 3 });
  });

  it.each([0, 1, 2, 3, 4, 5])('v%i: no transactional id → a new producer id with epoch 0', async (v) => {
    const { fb } = setup();
    const a = await call(fb.handler, ApiKey.InitProducerId, v, idempotent);
    const b = await call(fb.handler, ApiKey.InitProducerId, v, idempotent);
    expect(a).toMatchObject({ errorCode: ErrorCode.NONE, producerId: 0n, producerEpoch: 0 });
    expect(b).toMatchObject({ errorCode: ErrorCode.NONE, producerId: 1n, producerEpoch: 0 });
  });

  it('claims the next block when one is used up; concurrent requests share a claim and get distinct ids', async () => {
    const { fb, claims } = setup();
    const res = await Promise.all(Array.from({ length: 7 }, () => call(fb.handler, ApiKey.InitProducerId, 1, idempotent)));
    expect(res.map((r) => r.producerId).sort((x, y) => Number(x - y))).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
    expect(claims).toEqual([0, 3, 6]);
  });

  it('KIP-360 epoch bump without a transactional id (v3): a new producer id, epoch 0, as Kafka', async () => {
    const { fb } = setup();
    await call(fb.handler, ApiKey.InitProducerId, 3, idempotent);
    const bumped = await call(fb.handler, ApiKey.InitProducerId, 3, { ...idempotent, producerId: 0n, producerEpoch: 0 });
    expect(bumped).toMatchObject({ errorCode: ErrorCode.NONE, producerId: 1n, producerEpoch: 0 });
  });

  it('producer id without epoch (or the reverse) → INVALID_REQUEST', async () => {
    const { fb } = setup();
    expect(await call(fb.handler, ApiKey.InitProducerId, 3, { ...idempotent, producerId: 5n })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, producerId: -1n, producerEpoch: -1 });
    expect((await call(fb.handler, ApiKey.InitProducerId, 3, { ...idempotent, producerEpoch: 2 })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('no block from ZooKeeper → COORDINATOR_LOAD_IN_PROGRESS (retriable), and the next request retries the claim', async () => {
    let fail = true;
    const { fb } = setup(async () => { if (fail) throw new Error('ZooKeeper is down'); return { broker: 1, blockStart: 1000, blockEnd: 1999 }; });
    expect(await call(fb.handler, ApiKey.InitProducerId, 0, idempotent)).toMatchObject({ errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, producerId: -1n, producerEpoch: -1 });
    fail = false;
    expect(await call(fb.handler, ApiKey.InitProducerId, 0, idempotent)).toMatchObject({ errorCode: ErrorCode.NONE, producerId: 1000n });
  });

  it('transactional ids: empty → INVALID_REQUEST, bad timeout → INVALID_TRANSACTION_TIMEOUT, else COORDINATOR_NOT_AVAILABLE (no transaction coordinator)', async () => {
    const { fb, claims } = setup();
    const tx = (transactionalId: string, transactionTimeoutMs = 60000) => call(fb.handler, ApiKey.InitProducerId, 1, { ...idempotent, transactionalId, transactionTimeoutMs });
    expect((await tx('')).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await tx('tx-1', 0)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await tx('tx-1', 900001)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT); // transaction.max.timeout.ms
    expect(await tx('tx-1')).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1n, producerEpoch: -1 });
    expect(claims).toEqual([]); // no producer id spent
  });
});
