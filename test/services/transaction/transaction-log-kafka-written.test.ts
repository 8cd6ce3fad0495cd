/**
 * Issue 13: "a log dir written by Apache Kafka with transactions loads". The segments are Kafka's own bytes, rebuilt
 * from published kafka-dump-log output and proven by Kafka's CRCs (transaction-log-kafka-written.ts has the sources).
 * A log dir of them is opened by the real LogManager (no clean-shutdown marker: every segment is recovered, the
 * indexes, producer state and .txnindex rebuilt, as Kafka does after a crash) and served through the real
 * dispatcher, ReplicaManager and TransactionStateManager / TransactionCoordinator (real-broker.ts, no processes).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { iterateBatches, RecordBatch } from '../../../src/services/log/record-batch.js';
import { readEndTxnMarker } from '../../../src/services/log/end-txn-marker.js';
import { TRANSACTION_STATE_TOPIC, decodeTxnKey, decodeTxnValue, partitionForTxn } from '../../../src/services/transaction/transaction-log.js';
import { TransactionCoordinator } from '../../../src/services/transaction/transaction-coordinator.js';
import type { ProducerIdManager } from '../../../src/services/transaction/producer-id-manager.js';
import { advanceTxnStateTo } from '../../../src/machines/transaction-state.js';
import { makeTmpDir, rmrf } from '../log/tmp.js';
import { run as runDumpLog } from '../../../src/commands/dump-log.js';
import { call } from '../server/fake-broker.js';
import { closeRealBrokers, leaderAndIsrRequest, realBroker, until, updateMetadataRequest, type RealBroker, type TopicReplicas } from '../server/real-broker.js';
import {
  CP_ABORT, CP_ABORT_DATA_LINES, CP_ABORT_TXN_STATE_LINES, CP_COMMIT, CP_COMMIT_DATA_LINES, CP_COMMIT_TXN_STATE_LINES, KLOG_EDITED_BATCH, KLOG_MARKERS,
  KLOG_TXN_STATE_4, KLOG_TXN_STATE_4_LINES, mismatches, segment, type DumpedBatch,
} from './transaction-log-kafka-written.js';

const ME = 1;
afterAll(closeRealBrokers);

/** A log dir holding these partitions' first segments (nothing else: no indexes, no checkpoints, no clean-shutdown marker). */
async function kafkaLogDir(partitions: Record<string, DumpedBatch[]>): Promise<string> {
  const dir = await makeTmpDir('rafka-kafka-written-');
  for (const [name, batches] of Object.entries(partitions)) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, '00000000000000000000.log'), segment(batches));
  }
  return dir;
}

const uuid = (n: number): string => `${String(n).repeat(8)}-${String(n).repeat(4)}-${String(n).repeat(4)}-${String(n).repeat(4)}-${String(n).repeat(12)}`;
/** `count` partitions led here (leader epoch 1: Kafka's last was 0 or 4, any newer epoch will do) of which `hosted` get a LeaderAndIsr. */
const topic = (name: string, n: number, count: number): TopicReplicas => ({
  topic: name, topicId: uuid(n), partitions: Array.from({ length: count }, (_, partition) => ({ partition, leader: ME, leaderEpoch: 5, replicas: [ME] })),
});

async function lead(b: RealBroker, topics: TopicReplicas[], hosted: TopicReplicas[]): Promise<void> {
  expect((await call(b.handler, ApiKey.UpdateMetadata, 8, updateMetadataRequest(topics))).errorCode).toBe(0);
  const r = await call(b.handler, ApiKey.LeaderAndIsr, 7, leaderAndIsrRequest(hosted));
  expect(r.topics.flatMap((t) => t.partitionErrors.map((p) => p.errorCode))).toEqual(hosted.flatMap((t) => t.partitions.map(() => 0)));
}

/** The coordinator on a real broker over `dir`, wired as the Majordomo wires it (LeaderAndIsr → syncLeadership). */
async function coordinatorBroker(dir: string): Promise<{ b: RealBroker; tc: TransactionCoordinator }> {
  let tc: TransactionCoordinator | null = null;
  const sync = (topics: string[]): void => { if (topics.includes(TRANSACTION_STATE_TOPIC)) tc?.stateManager.syncLeadership(); };
  const b = await realBroker({ brokerId: ME, dir, hooks: { onLeaderAndIsr: sync, onStopReplica: sync } });
  const producerIds = { generateProducerId: async () => { throw new Error('no new producer ids in this test'); } } as unknown as ProducerIdManager;
  tc = new TransactionCoordinator(b.ctx, { producerIds, advanceTxnState: advanceTxnStateTo, retryBackoffMs: 10 });
  return { b, tc };
}

/** Every record of a log as [offset, description]: transaction-log records decoded, markers named. */
function describeLog(b: RealBroker, topicName: string, partition: number): string[] {
  const log = b.logs.getLog(topicName, partition)!;
  const out: string[] = [];
  // one segment per read (the marker may be in a new one: Kafka's 2023 timestamps are past segment.ms)
  for (let next = log.logStartOffset; next < log.logEndOffset;) for (const e of iterateBatches(log.read(next, 1 << 20, { minOneMessage: true }).records)) {
    const batch = e.batch as RecordBatch;
    next = batch.lastOffset + 1n;
    const c = batch.records();
    while (c.next()) {
      if (batch.isControlBatch) {
        const m = readEndTxnMarker(batch);
        out.push(`${c.offset} ${m?.isCommit ? 'COMMIT' : 'ABORT'} pid ${batch.producerId} epoch ${batch.producerEpoch} coordinatorEpoch ${m?.coordinatorEpoch}`);
      } else if (topicName === TRANSACTION_STATE_TOPIC) {
        const v = decodeTxnValue(c.value()!);
        out.push(`${c.offset} ${decodeTxnKey(c.key()!)} ${v.state} [${v.partitions.map((t) => t.partitions.map((p) => `${t.topic}-${p}`)).flat().join(',')}]`);
      } else out.push(`${c.offset} ${c.key()!.toString()}=${c.value()!.toString()}`);
    }
  }
  return out;
}

describe('log dirs written by Kafka with transactions', () => {
  it('the rebuilt batches are Kafka\'s bytes: each CRC-32C and size equals what Kafka printed (an edited copy is caught)', () => {
    for (const set of [KLOG_TXN_STATE_4, KLOG_MARKERS, CP_COMMIT.txnState, CP_COMMIT.data, CP_ABORT.txnState, CP_ABORT.data]) expect(mismatches(set)).toEqual([]);
    expect(mismatches([KLOG_EDITED_BATCH])).toHaveLength(1); // klog's own test edits CompleteCommit to CompleteAbort and keeps Kafka's CRC
    expect(partitionForTxn('my-txnal-id', 50)).toBe(4); // Kafka put my-txnal-id in partition 4 of the default 50
  });

  it('rafka dump-log prints Kafka\'s segments as Kafka\'s DumpLogSegments printed them, record line for record line', async () => {
    const dir = await makeTmpDir('rafka-kafka-dump-');
    const cases: Array<[string, DumpedBatch[], readonly string[], string[]]> = [
      ['__transaction_state-4', KLOG_TXN_STATE_4, KLOG_TXN_STATE_4_LINES, ['--transaction-log-decoder']],
      ['__transaction_state-0', CP_COMMIT.txnState, CP_COMMIT_TXN_STATE_LINES, ['--transaction-log-decoder']],
      ['transaction-topic-0', CP_COMMIT.data, CP_COMMIT_DATA_LINES, ['--deep-iteration', '--print-data-log']],
      ['__transaction_state-0', CP_ABORT.txnState, CP_ABORT_TXN_STATE_LINES, ['--transaction-log-decoder']],
      ['transaction-topic-0', CP_ABORT.data, CP_ABORT_DATA_LINES, ['--deep-iteration', '--print-data-log']],
    ];
    try {
      for (const [i, [name, batches, kafkaLines, flags]] of cases.entries()) {
        const file = join(dir, `${i}-${name}`, '00000000000000000000.log');
        await mkdir(dirname(file));
        await writeFile(file, segment(batches));
        let out = '';
        expect(await runDumpLog([file, ...flags], { out: (t) => { out += t; }, err: (t) => { throw new Error(t); } })).toBe(0);
        expect(out.split('\n').filter((l) => l.startsWith('| offset:'))).toEqual(kafkaLines);
      }
    } finally { await rmrf(dir); }
  });

  it('Kafka\'s __transaction_state-4 (50 partitions) loads: my-txnal-id CompleteCommit, as Kafka last wrote it', async () => {
    const { b, tc } = await coordinatorBroker(await kafkaLogDir({ '__transaction_state-4': KLOG_TXN_STATE_4 }));
    const t = topic(TRANSACTION_STATE_TOPIC, 1, 50);
    await lead(b, [t], [{ ...t, partitions: [t.partitions[4]!] }]);
    await until(() => tc.stateManager.getTransactionState('my-txnal-id').errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, () => 'load of __transaction_state-4');
    const st = tc.stateManager.getTransactionState('my-txnal-id') as { errorCode: number; coordinatorEpoch: number; partition: number; metadata: Record<string, unknown> };
    expect([st.errorCode, st.partition, st.coordinatorEpoch]).toEqual([ErrorCode.NONE, 4, 5]);
    expect(st.metadata).toMatchObject({
      producerId: 0n, producerEpoch: 0, txnTimeoutMs: 60000, state: 'CompleteCommit', txnStartTimestamp: 1632840912092, txnLastUpdateTimestamp: 1632840912593, pendingState: null,
    });
    expect(b.logs.getLog(TRANSACTION_STATE_TOPIC, 4)!.logEndOffset).toBe(7n);
    tc.shutdown();
  });

  it('Kafka stopped between PrepareCommit and the COMMIT marker: the LSO is held at the transaction; loading completes it', async () => {
    // CP's committed run as its disk was after PrepareCommit was written and before the marker (each file a prefix of
    // the final one): the data partition's open transaction is rebuilt from Kafka's batch by the recovery
    const dir = await kafkaLogDir({ '__transaction_state-0': CP_COMMIT.txnState.slice(0, 3), 'transaction-topic-0': CP_COMMIT.data.slice(0, 1) });
    const { b, tc } = await coordinatorBroker(dir);
    const data = topic('transaction-topic', 2, 1);
    const state = topic(TRANSACTION_STATE_TOPIC, 3, 1);
    // the data partition first: its LSO before the coordinator has loaded anything
    await lead(b, [data], [data]);
    const log = b.logs.getLog('transaction-topic', 0)!;
    expect([log.logEndOffset, log.highWatermark, log.lastStableOffset]).toEqual([5n, 5n, 0n]);
    await lead(b, [data, state], [state]);
    await until(() => log.lastStableOffset === 6n, () => `the COMMIT marker: ${describeLog(b, 'transaction-topic', 0).join('; ')}`);
    expect(describeLog(b, 'transaction-topic', 0)).toEqual([
      '0 0=910991395', '1 1=129184381', '2 2=810192633', '3 3=755776337', '4 4=45834038',
      '5 COMMIT pid 0 epoch 0 coordinatorEpoch 5', // Kafka's own marker (CP_COMMIT.data[1]) had its coordinator epoch 0
    ]);
    await until(() => (tc.stateManager.getTransactionState('txn-1') as { metadata?: { state: string } }).metadata?.state === 'CompleteCommit', () => 'CompleteCommit');
    expect(describeLog(b, TRANSACTION_STATE_TOPIC, 0)).toEqual([
      '0 txn-1 Empty []', '1 txn-1 Ongoing [transaction-topic-0]', '2 txn-1 PrepareCommit [transaction-topic-0]', '3 txn-1 CompleteCommit []',
    ]);
    // read_committed now delivers the five records
    const f = await call(b.handler, ApiKey.Fetch, 11, fetchReq(1));
    expect(f.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 6n, lastStableOffset: 6n, abortedTransactions: [] });
    tc.shutdown();
  });

  it('Kafka\'s aborted transaction: the .txnindex rebuilt from its ABORT marker answers read_committed; txn-2 loads CompleteAbort', async () => {
    const dir = await kafkaLogDir({ '__transaction_state-0': CP_ABORT.txnState, 'transaction-topic-0': CP_ABORT.data });
    const { b, tc } = await coordinatorBroker(dir);
    const data = topic('transaction-topic', 2, 1);
    const state = topic(TRANSACTION_STATE_TOPIC, 3, 1);
    await lead(b, [data, state], [data, state]);
    const log = b.logs.getLog('transaction-topic', 0)!;
    expect(log.collectAbortedTransactions(0n, 6n).map((a) => [a.producerId, a.firstOffset, a.lastOffset])).toEqual([[0n, 0n, 5n]]);
    const committed = await call(b.handler, ApiKey.Fetch, 11, fetchReq(1));
    expect(committed.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 6n, lastStableOffset: 6n, abortedTransactions: [{ producerId: 0n, firstOffset: 0n }] });
    const uncommitted = await call(b.handler, ApiKey.Fetch, 11, fetchReq(0));
    expect(uncommitted.responses[0]!.partitions[0]!.abortedTransactions).toBeNull();
    await until(() => tc.stateManager.getTransactionState('txn-2').errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, () => 'load of __transaction_state-0');
    expect((tc.stateManager.getTransactionState('txn-2') as { metadata?: Record<string, unknown> }).metadata).toMatchObject({
      producerId: 0n, producerEpoch: 0, state: 'CompleteAbort', txnTimeoutMs: 30000, txnStartTimestamp: 1681914675254, txnLastUpdateTimestamp: 1681914675304,
    });
    tc.shutdown();
  });
});

function fetchReq(isolationLevel: number) {
  return {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: 'transaction-topic', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1 }] }],
    forgottenTopicsData: [], rackId: '',
  };
}
