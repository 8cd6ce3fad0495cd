/**
 * AddPartitionsToTxnManager (KIP-890) against a fake coordinator broker on a real socket: one AddPartitionsToTxn v4
 * request in flight per broker with the waiting transactional ids batched into the next one, Kafka's epoch rules for
 * a second verification of the same id while one waits, the error mapping of the answer, and the local / no
 * coordinator paths.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { decodeRequest, encodeResponse } from '../../../src/protocol/frame.js';
import { AddPartitionsToTxnManager, tpKey } from '../../../src/services/transaction/add-partitions-to-txn-manager.js';
import type { BrokerContext } from '../../../src/services/server/broker-context.js';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } } as never;

interface Received { correlationId: number; transactions: Array<{ transactionalId: string; producerEpoch: number; verifyOnly: boolean }> }

/** A coordinator broker that records each request and answers only when told to. */
async function fakeCoordinator(): Promise<{ server: Server; port: number; received: Received[]; answer: (i: number, body: (r: Received) => unknown) => void }> {
  const received: Received[] = [];
  let sock: Socket | null = null;
  const server = createServer((s) => {
    sock = s;
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + frame.length);
        const req = decodeRequest(frame);
        const body = req.body as { transactions: Received['transactions'] };
        received.push({ correlationId: req.header.correlationId, transactions: body.transactions.map((t) => ({ transactionalId: t.transactionalId, producerEpoch: t.producerEpoch, verifyOnly: t.verifyOnly })) });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    server, port, received,
    answer: (i, body) => sock!.write(encodeResponse(received[i]!.correlationId, ApiKey.AddPartitionsToTxn, 4, body(received[i]!) as never)),
  };
}

function context(coordinator: number, port: number): BrokerContext {
  return {
    metadata: {
      brokerId: 1,
      topic: (t: string) => (t === '__transaction_state' ? { partitions: [0, 1, 2].map((p) => ({ partition: p, leader: coordinator })) } : undefined),
      brokers: () => [1, 2].map((id) => ({ id, endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port }] })),
    },
    config: () => ({ interBrokerListenerName: 'PLAINTEXT', getInt: () => 30_000 }),
  } as unknown as BrokerContext;
}

const txn = (transactionalId: string, producerEpoch: number) => ({ transactionalId, producerId: 7n, producerEpoch, partitions: [['t', 0], ['t', 1]] as Array<[string, number]> });
const servers: Server[] = [];
const managers: AddPartitionsToTxnManager[] = [];
afterEach(() => { managers.splice(0).forEach((m) => m.shutdown()); servers.splice(0).forEach((s) => s.close()); });

describe('AddPartitionsToTxnManager', () => {
  it('one v4 verifyOnly request in flight per coordinator; waiting ids batched; epoch rules for a repeated id; answers mapped', async () => {
    const f = await fakeCoordinator();
    servers.push(f.server);
    const m = new AddPartitionsToTxnManager(context(2, f.port), () => { throw new Error('not local'); }, silent);
    managers.push(m);
    const a = m.verifyTransaction(txn('a', 1));
    await expect.poll(() => f.received.length).toBe(1);
    expect(f.received[0]!.transactions).toEqual([{ transactionalId: 'a', producerEpoch: 1, verifyOnly: true }]);
    // while 'a' is in flight: b (epoch 1), then b epoch 2 fences it; b epoch 1 again is refused; c waits too
    const b1 = m.verifyTransaction(txn('b', 1));
    const b2 = m.verifyTransaction(txn('b', 2));
    expect(await b1).toEqual(new Map([[tpKey('t', 0), ErrorCode.INVALID_PRODUCER_EPOCH], [tpKey('t', 1), ErrorCode.INVALID_PRODUCER_EPOCH]]));
    expect(await m.verifyTransaction(txn('b', 1))).toEqual(new Map([[tpKey('t', 0), ErrorCode.INVALID_PRODUCER_EPOCH], [tpKey('t', 1), ErrorCode.INVALID_PRODUCER_EPOCH]]));
    const c = m.verifyTransaction(txn('c', 0));
    expect(f.received).toHaveLength(1); // nothing more sent while one is in flight
    f.answer(0, () => ({ throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [{ transactionalId: 'a', topicResults: [{ name: 't', resultsByPartition: [
      { partitionIndex: 0, partitionErrorCode: ErrorCode.NONE }, { partitionIndex: 1, partitionErrorCode: ErrorCode.INVALID_TXN_STATE }] }] }] }));
    expect(await a).toEqual(new Map([[tpKey('t', 1), ErrorCode.INVALID_TXN_STATE]]));
    // the next request carries both waiting ids
    await expect.poll(() => f.received.length).toBe(2);
    expect(f.received[1]!.transactions.map((t) => [t.transactionalId, t.producerEpoch]).sort()).toEqual([['b', 2], ['c', 0]]);
    f.answer(1, () => ({ throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [
      { transactionalId: 'b', topicResults: [{ name: 't', resultsByPartition: [0, 1].map((p) => ({ partitionIndex: p, partitionErrorCode: ErrorCode.PRODUCER_FENCED })) }] },
      { transactionalId: 'c', topicResults: [{ name: 't', resultsByPartition: [0, 1].map((p) => ({ partitionIndex: p, partitionErrorCode: ErrorCode.NONE })) }] },
    ] }));
    expect(await b2).toEqual(new Map([[tpKey('t', 0), ErrorCode.INVALID_PRODUCER_EPOCH], [tpKey('t', 1), ErrorCode.INVALID_PRODUCER_EPOCH]])); // PRODUCER_FENCED → INVALID_PRODUCER_EPOCH
    expect(await c).toEqual(new Map());
    // a top-level CLUSTER_AUTHORIZATION_FAILED → INVALID_TXN_STATE for all
    const d = m.verifyTransaction(txn('d', 0));
    await expect.poll(() => f.received.length).toBe(3);
    f.answer(2, (r) => ({ throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: r.transactions.map((t) => ({ transactionalId: t.transactionalId, topicResults: [] })) }));
    expect(await d).toEqual(new Map([[tpKey('t', 0), ErrorCode.INVALID_TXN_STATE], [tpKey('t', 1), ErrorCode.INVALID_TXN_STATE]]));
  });

  it('the local coordinator is asked in-process; no coordinator → COORDINATOR_NOT_AVAILABLE; a closed connection → NETWORK_EXCEPTION', async () => {
    const asked: string[] = [];
    const local = new AddPartitionsToTxnManager(context(1, 1), (t) => { asked.push(t.transactionalId); return new Map(); }, silent);
    managers.push(local);
    expect(await local.verifyTransaction(txn('x', 0))).toEqual(new Map());
    expect(asked).toEqual(['x']);
    const none = new AddPartitionsToTxnManager(context(-1, 1), () => new Map(), silent);
    managers.push(none);
    expect(await none.verifyTransaction(txn('x', 0))).toEqual(new Map([[tpKey('t', 0), ErrorCode.COORDINATOR_NOT_AVAILABLE], [tpKey('t', 1), ErrorCode.COORDINATOR_NOT_AVAILABLE]]));
    const f = await fakeCoordinator();
    servers.push(f.server);
    const m = new AddPartitionsToTxnManager(context(2, f.port), () => new Map(), silent);
    managers.push(m);
    const p = m.verifyTransaction(txn('y', 0));
    await expect.poll(() => f.received.length).toBe(1);
    m.shutdown(); // the connection closes: the request in flight ends as NETWORK_EXCEPTION (retriable for the producer)
    expect(await p).toEqual(new Map([[tpKey('t', 0), ErrorCode.NETWORK_EXCEPTION], [tpKey('t', 1), ErrorCode.NETWORK_EXCEPTION]]));
  });

  it('VerificationTimeMs / VerificationFailureRate: one time per callback (enqueue → callback), failures where Kafka marks them', async () => {
    const times: number[] = [];
    const failures: number[] = [];
    const sink = { verificationTime: (ms: number) => times.push(ms), verificationFailures: (n: number) => failures.push(n) };
    let clock = 1000;
    const f = await fakeCoordinator();
    servers.push(f.server);
    const m = new AddPartitionsToTxnManager(context(2, f.port), () => new Map(), silent, () => sink, () => clock);
    managers.push(m);
    const a = m.verifyTransaction(txn('a', 1));
    await expect.poll(() => f.received.length).toBe(1);
    clock = 1040;
    const b = m.verifyTransaction(txn('b', 0)); // waits behind a
    const stale = await m.verifyTransaction(txn('b', -1)); // a lower epoch than the waiting one: refused at once
    expect([...stale.values()]).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.INVALID_PRODUCER_EPOCH]);
    expect(times).toEqual([0]);
    expect(failures).toEqual([2]); // topicPartitionsToError: both partitions
    clock = 1100;
    f.answer(0, () => ({ throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [{ transactionalId: 'a', topicResults: [{ name: 't', resultsByPartition: [
      { partitionIndex: 0, partitionErrorCode: ErrorCode.NONE }, { partitionIndex: 1, partitionErrorCode: ErrorCode.INVALID_TXN_STATE }] }] }] }));
    await a;
    expect(times).toEqual([0, 100]);
    expect(failures).toEqual([2, 1]); // the result's unverified partitions
    await expect.poll(() => f.received.length).toBe(2);
    clock = 1300;
    f.answer(1, () => ({ throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [{ transactionalId: 'b', topicResults: [{ name: 't', resultsByPartition: [0, 1].map((p) => ({ partitionIndex: p, partitionErrorCode: ErrorCode.NONE })) }] }] }));
    expect(await b).toEqual(new Map());
    expect(times).toEqual([0, 100, 260]);
    expect(failures).toEqual([2, 1, 0]); // Kafka marks 0 too
    // the in-process coordinator: one time and its failures
    const local = new AddPartitionsToTxnManager(context(1, 1), () => new Map([[tpKey('t', 1), ErrorCode.INVALID_TXN_STATE]]), silent, () => sink, () => clock);
    managers.push(local);
    await local.verifyTransaction(txn('x', 0));
    expect(times).toEqual([0, 100, 260, 0]);
    expect(failures).toEqual([2, 1, 0, 1]);
    // no coordinator: answered before any request, no metric (as Kafka)
    const none = new AddPartitionsToTxnManager(context(-1, 1), () => new Map(), silent, () => sink, () => clock);
    managers.push(none);
    await none.verifyTransaction(txn('x', 0));
    expect(times).toHaveLength(4);
  });
});
