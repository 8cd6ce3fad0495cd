/**
 * TransactionStateManager's leadership of `__transaction_state` through the controller's requests (the real
 * dispatcher, ReplicaManager, MetadataCache and LogManager on a temp dir, no processes): a LeaderAndIsr that makes
 * this broker leader loads the partition; a StopReplica that moves it away (or deletes it) unloads it at once through
 * the ControlPlane's onStopReplica — Kafka's handleStopReplicaRequest → TransactionCoordinator.onResignation — not by
 * the coordinator actor's 30 s safety net (absent here: nothing else calls syncLeadership).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { TransactionStateManager } from '../../../src/services/transaction/transaction-state-manager.js';
import { TRANSACTION_STATE_TOPIC, encodeTxnKey, encodeTxnValue, partitionForTxn, type TxnLogValue } from '../../../src/services/transaction/transaction-log.js';
import { buildRecordBatch } from '../../../src/services/log/record-batch.js';
import { call } from '../server/fake-broker.js';
import { closeRealBrokers, leaderAndIsrRequest, realBroker, stopReplicaRequest, until, updateMetadataRequest } from '../server/real-broker.js';

const ME = 2;
const TOPIC_UUID = '09090909-0909-0909-0909-090909090909';
afterAll(closeRealBrokers);

async function broker() {
  const events: string[] = [];
  let mgr: TransactionStateManager | null = null;
  // the Majordomo's wiring (src/machines/majordomo.ts), without the LeaderAndIsr's next-turn deferral
  const sync = (topics: string[]): void => { if (topics.includes(TRANSACTION_STATE_TOPIC)) mgr?.syncLeadership(); };
  const b = await realBroker({ brokerId: ME, prefix: 'rafka-txn-sm-', hooks: { onLeaderAndIsr: sync, onStopReplica: sync } });
  mgr = new TransactionStateManager(b.ctx, {
    log: b.ctx.log,
    onLoaded: (p, epoch) => events.push(`loaded ${p}@${epoch}`),
    onUnloaded: (p) => events.push(`unloaded ${p}`),
  });
  return { handler: b.handler, mgr, events, logs: b.logs };
}

/** Both __transaction_state partitions, on this broker and broker 1, led by `leader`. */
const txnTopic = (leader: number, leaderEpoch: number) => [{
  topic: TRANSACTION_STATE_TOPIC, topicId: TOPIC_UUID, partitions: [0, 1].map((partition) => ({ partition, leader, leaderEpoch, replicas: [ME, 1] })),
}];
const leaderAndIsr = (leader: number, leaderEpoch: number) => leaderAndIsrRequest(txnTopic(leader, leaderEpoch));
const updateMetadata = (leader: number, leaderEpoch: number) => updateMetadataRequest(txnTopic(leader, leaderEpoch));
const stopReplica = (partitions: number[], deletePartition: boolean, leaderEpoch: number) => stopReplicaRequest(TRANSACTION_STATE_TOPIC, partitions, deletePartition, leaderEpoch);

/** Waits (bounded) for the loads kicked off by the LeaderAndIsr: they read the (empty) logs asynchronously. */
const loaded = (events: string[], n: number): Promise<void> => until(() => events.filter((e) => e.startsWith('loaded')).length >= n, () => `loads: ${events.join(', ')}`);

describe('__transaction_state leadership through the controller\'s requests', () => {
  it('LeaderAndIsr (leader here) loads; a StopReplica with delete unloads at once, before the request is answered', async () => {
    const b = await broker();
    expect((await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata(ME, 0))).errorCode).toBe(0);
    expect((await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsr(ME, 0))).errorCode).toBe(0);
    await loaded(b.events, 2);
    expect(b.mgr.getTransactionState('any').errorCode).toBe(ErrorCode.NONE);
    // the partitions move to broker 1 (a reassignment): the controller's StopReplica(delete) for this old replica
    expect((await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata(1, 1))).errorCode).toBe(0);
    const r = await call(b.handler, ApiKey.StopReplica, 4, stopReplica([0, 1], true, 1));
    expect(r.errorCode).toBe(0);
    expect(b.events.filter((e) => e.startsWith('unloaded')).sort()).toEqual(['unloaded 0', 'unloaded 1']);
    expect(b.logs.getLog(TRANSACTION_STATE_TOPIC, 0)).toBeUndefined();
    expect([...b.mgr.allTransactions()]).toEqual([]);
    expect(b.mgr.getTransactionState('any').errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  });

  it('StopReplica without delete for one partition unloads that one only; a topic gone from the metadata unloads the rest', async () => {
    const b = await broker();
    await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata(ME, 0));
    await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsr(ME, 0));
    await loaded(b.events, 2);
    expect((await call(b.handler, ApiKey.StopReplica, 4, stopReplica([1], false, 0))).errorCode).toBe(0);
    expect(b.events.filter((e) => e.startsWith('unloaded'))).toEqual(['unloaded 1']);
    // the topic deleted: the metadata forgets it first, then StopReplica(delete) — partition 0 must still be unloaded
    await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata(-2, 1)); // leader -2 = LeaderDuringDelete: removed from the cache
    expect((await call(b.handler, ApiKey.StopReplica, 4, stopReplica([0], true, -2))).errorCode).toBe(0);
    expect(b.events.filter((e) => e.startsWith('unloaded')).sort()).toEqual(['unloaded 0', 'unloaded 1']);
  });

  it('a new leader loads to its log END offset, not its lagging high watermark (Kafka: FetchIsolation.LOG_END)', async () => {
    // As after a kill -9 of the coordinator: this replica holds the old leader's last records (the transaction now
    // spans t-0 and t-1) above its high watermark (a follower learns the HW one fetch later; here the HW is the
    // checkpointed one, 0, which the ReplicaManager applies when it first hosts the partition — as Kafka's createLog).
    const b = await broker();
    const id = 'txn-above-hw';
    const p = partitionForTxn(id, 2);
    const log = b.logs.getOrCreateLog(TRANSACTION_STATE_TOPIC, p, { isNew: true });
    const v = (parts: string[]): Buffer => encodeTxnValue({
      producerId: 7n, producerEpoch: 0, txnTimeoutMs: 30_000, state: 'Ongoing', partitions: [{ topic: 't', partitions: parts.map(Number) }],
      txnLastUpdateTimestamp: 1, txnStartTimestamp: 1,
    } satisfies TxnLogValue);
    log.appendAsFollower(buildRecordBatch({ records: [{ key: encodeTxnKey(id), value: v(['0']) }, { key: encodeTxnKey(id), value: v(['0', '1']) }], defaultTimestamp: 1 }));
    await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadata(ME, 1));
    expect((await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsr(ME, 1))).errorCode).toBe(0);
    await loaded(b.events, 2);
    expect([log.highWatermark, log.logEndOffset]).toEqual([0n, 2n]); // the load ran with both records above the HW
    const st = b.mgr.getTransactionState(id) as { errorCode: number; metadata?: { state: string; partitions: Map<string, [string, number]> } };
    expect(st.errorCode).toBe(ErrorCode.NONE);
    expect(st.metadata?.state).toBe('Ongoing');
    expect([...st.metadata!.partitions.values()].map(([t, n]) => `${t}-${n}`).sort()).toEqual(['t-0', 't-1']);
  });
});
