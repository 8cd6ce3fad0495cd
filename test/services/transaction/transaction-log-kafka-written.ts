/**
 * Log segments written by Kafka brokers running transactions, rebuilt byte for byte from the `kafka-dump-log`
 * (DumpLogSegments) output that two public repositories publish. No public repository commits a Kafka log dir with
 * `__transaction_state` (searched: notes-AC.md), but these dumps print every field of every batch — and Kafka's CRC.
 *
 * The proof that a rebuilt batch is Kafka's: its CRC-32C, computed over every byte from the attributes to the end
 * of the batch (all the records' bytes included), equals the `crc` Kafka printed for that batch; the fields before
 * the CRC (base offset, length = size - 12, partition leader epoch, magic) are printed directly. The one field the
 * dumps do not print, TransactionLogValue's transactionStartTimestampMs, was found with the CRC among candidates: it
 * is -1 for Empty, else the first Ongoing's update time (Kafka's TransactionMetadata.prepareAddPartitions).
 *
 * Sources (data, transcribed: the dump lines' values):
 * - KLOG: github.com/tombentley/klog, SegmentDumpReaderTest.java (first in c99d7a3ba91a950a714d37cd9b21e7f675160ded,
 *   2021-09-29, under src/test/java/com/github/tombentley/kafka/logs/segment/; the same lines at
 *   ea03b73d7455133427e8c4913ac3d397e2d2e928 under src/test/java/com/github/tombentley/klog/segment/reader/),
 *   testWithTransactionLogDecoder: `/tmp/kafka-0-logs/__transaction_state-4`, a local Kafka broker of September 2021
 *   (the dump has no deleteHorizonMs, i.e. Kafka < 3.1; the repository does not name the version). Two committed
 *   transactions of `my-txnal-id` on `transactional-foo-0`. Its data segment is dumped without payloads, so only the
 *   two COMMIT markers of it can be rebuilt.
 * - CP: github.com/ableasdale/kafka-transactions, README.md (added in f2ebee884ee50c8aa6afe32aac5835f56b9663f1,
 *   2023-04-19), sections "Transaction Log Decoder: Aborted / Committed Transactions": Confluent Server
 *   (confluentinc/cp-server, CP_TAG=7.3.3 in its .env: Confluent's build of Apache Kafka 3.3, ZooKeeper mode),
 *   `transaction.state.log.num.partitions` 1. A Java KafkaProducer's aborted transaction (`txn-2`, the producer closed
 *   without committing) and committed transaction (`txn-1`) of 5 records each on `transaction-topic-0`, each on a
 *   fresh cluster, with both the `__transaction_state-0` and the `transaction-topic-0` segments dumped in full.
 */
import { buildEndTxnMarker, buildRecordBatch, CRC_OFFSET } from '../../../src/services/log/record-batch.js';
import { encodeTxnKey, encodeTxnValue, type TxnLogValue, type TxnStateName } from '../../../src/services/transaction/transaction-log.js';

/** One batch as a dump prints it, with Kafka's CRC and size. */
export interface DumpedBatch {
  baseOffset: number;
  /** The rebuilt bytes (CRC computed by Rafka's encoder). */
  bytes: Buffer;
  /** What Kafka printed. */
  kafkaCrc: number;
  kafkaSize: number;
}

/**
 * A `__transaction_state` batch of one record, from Kafka's dump line: `key: transaction_metadata::transactionalId=<id>
 * payload: <payload>` (TransactionLog.formatRecordKeyAndValue), plus the start timestamp the line does not show.
 */
function txnBatch(baseOffset: number, leaderEpoch: number, createTime: number, kafkaSize: number, kafkaCrc: number, id: string, payload: string, start: number): DumpedBatch {
  const m = /^producerId:(\d+),producerEpoch:(\d+),state=(\w+),partitions=\[([^\]]*)\],txnLastUpdateTimestamp=(\d+),txnTimeoutMs=(\d+)$/.exec(payload);
  if (!m) throw new Error(`not a dump payload: ${payload}`);
  const byTopic = new Map<string, number[]>();
  for (const tp of m[4] ? m[4].split(',') : []) {
    const i = tp.lastIndexOf('-');
    const l = byTopic.get(tp.slice(0, i)) ?? [];
    l.push(Number(tp.slice(i + 1)));
    byTopic.set(tp.slice(0, i), l);
  }
  const value: TxnLogValue = {
    producerId: BigInt(m[1]!), producerEpoch: Number(m[2]), txnTimeoutMs: Number(m[6]), state: m[3] as TxnStateName,
    partitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })), txnLastUpdateTimestamp: Number(m[5]), txnStartTimestamp: start,
  };
  const bytes = buildRecordBatch({ baseOffset, partitionLeaderEpoch: leaderEpoch, records: [{ key: encodeTxnKey(id), value: encodeTxnValue(value), timestamp: createTime }] });
  return { baseOffset, bytes, kafkaCrc, kafkaSize };
}

/** A transactional data batch of producer 0 epoch 0 from sequence 0: records "i" → value, at their CreateTimes. */
function dataBatch(baseOffset: number, kafkaSize: number, kafkaCrc: number, records: Array<[createTime: number, value: string]>): DumpedBatch {
  const bytes = buildRecordBatch({
    baseOffset, partitionLeaderEpoch: 0, producerId: 0n, producerEpoch: 0, baseSequence: 0, isTransactional: true,
    records: records.map(([timestamp, value], i) => ({ key: String(i), value, timestamp })),
  });
  return { baseOffset, bytes, kafkaCrc, kafkaSize };
}

function markerBatch(baseOffset: number, leaderEpoch: number, createTime: number, kafkaCrc: number, commit: boolean, coordinatorEpoch: number): DumpedBatch {
  const bytes = buildEndTxnMarker({ baseOffset, producerId: 0n, producerEpoch: 0, commit, coordinatorEpoch, timestamp: createTime, partitionLeaderEpoch: leaderEpoch });
  return { baseOffset, bytes, kafkaCrc, kafkaSize: 78 };
}

/** KLOG's `__transaction_state-4` (partition leader epoch 4): my-txnal-id, timeout 60 s, two committed transactions. */
export const KLOG_TXN_STATE_4: DumpedBatch[] = [
  txnBatch(0, 4, 1632840910297, 120, 2207277534, 'my-txnal-id', 'producerId:0,producerEpoch:0,state=Empty,partitions=[],txnLastUpdateTimestamp=1632840910282,txnTimeoutMs=60000', -1),
  txnBatch(1, 4, 1632840910511, 149, 2028590545, 'my-txnal-id', 'producerId:0,producerEpoch:0,state=Ongoing,partitions=[transactional-foo-0],txnLastUpdateTimestamp=1632840910510,txnTimeoutMs=60000', 1632840910510),
  txnBatch(2, 4, 1632840911586, 149, 3719422551, 'my-txnal-id', 'producerId:0,producerEpoch:0,state=PrepareCommit,partitions=[transactional-foo-0],txnLastUpdateTimestamp=1632840911585,txnTimeoutMs=60000', 1632840910510),
  txnBatch(3, 4, 1632840911620, 120, 3726340669, 'my-txnal-id', 'producerId:0,producerEpoch:0,state=CompleteCommit,partitions=[],txnLastUpdateTimestamp=1632840911588,txnTimeoutMs=60000', 1632840910510),
  txnBatch(4, 4, 1632840912092, 149, 3298507796, 'my-txnal-id', 'producerId:0,producerEpoch:0,state=Ongoing,partitions=[transactional-foo-0],txnLastUpdateTimestamp=1632840912092,txnTimeoutMs=60000', 1632840912092),
  txnBatch(5, 4, 1632840912592, 149, 764186261, 'my-txnal-id', 'producerId:0,producerEpoch:0,state=PrepareCommit,partitions=[transactional-foo-0],txnLastUpdateTimestamp=1632840912592,txnTimeoutMs=60000', 1632840912092),
  txnBatch(6, 4, 1632840912607, 120, 1098902730, 'my-txnal-id', 'producerId:0,producerEpoch:0,state=CompleteCommit,partitions=[],txnLastUpdateTimestamp=1632840912593,txnTimeoutMs=60000', 1632840912092),
];

/** KLOG's two COMMIT markers on transactional-foo-0 (coordinator epoch 4 = the __transaction_state-4 leader epoch). */
export const KLOG_MARKERS: DumpedBatch[] = [
  markerBatch(4, 0, 1632840911601, 4234329125, true, 4),
  markerBatch(6, 0, 1632840912595, 1079808135, true, 4),
];

/**
 * AssertTransactionStateMachineTest in KLOG (0697fbeac55d1e469fa1bf4cbe02d63c14e17934) edits batch 3 of the segment above to CompleteAbort and keeps Kafka's
 * CRC: not Kafka's bytes. The CRC check must reject it.
 */
export const KLOG_EDITED_BATCH = txnBatch(3, 4, 1632840911620, 120, 3726340669, 'my-txnal-id', 'producerId:0,producerEpoch:0,state=CompleteAbort,partitions=[],txnLastUpdateTimestamp=1632840911588,txnTimeoutMs=60000', 1632840910510);

/** CP, committed run: `__transaction_state-0` (txn-1, timeout 30 s) and `transaction-topic-0`. */
export const CP_COMMIT = {
  txnState: [
    txnBatch(0, 0, 1681915689751, 114, 1078311489, 'txn-1', 'producerId:0,producerEpoch:0,state=Empty,partitions=[],txnLastUpdateTimestamp=1681915689748,txnTimeoutMs=30000', -1),
    txnBatch(1, 0, 1681915689954, 143, 2600796185, 'txn-1', 'producerId:0,producerEpoch:0,state=Ongoing,partitions=[transaction-topic-0],txnLastUpdateTimestamp=1681915689953,txnTimeoutMs=30000', 1681915689953),
    txnBatch(2, 0, 1681915696457, 143, 1599141227, 'txn-1', 'producerId:0,producerEpoch:0,state=PrepareCommit,partitions=[transaction-topic-0],txnLastUpdateTimestamp=1681915696455,txnTimeoutMs=30000', 1681915689953),
    txnBatch(3, 0, 1681915696479, 114, 3834120000, 'txn-1', 'producerId:0,producerEpoch:0,state=CompleteCommit,partitions=[],txnLastUpdateTimestamp=1681915696459,txnTimeoutMs=30000', 1681915689953),
  ],
  data: [
    dataBatch(0, 145, 519819857, [[1681915689932, '910991395'], [1681915689946, '129184381'], [1681915689947, '810192633'], [1681915689947, '755776337'], [1681915689947, '45834038']]),
    markerBatch(5, 0, 1681915696471, 1065040205, true, 0),
  ],
};

/** CP, aborted run (the producer closed without committing: the Java producer aborts an open transaction on close): txn-2. */
export const CP_ABORT = {
  txnState: [
    txnBatch(0, 0, 1681914675206, 114, 977448936, 'txn-2', 'producerId:0,producerEpoch:0,state=Empty,partitions=[],txnLastUpdateTimestamp=1681914675203,txnTimeoutMs=30000', -1),
    txnBatch(1, 0, 1681914675256, 143, 3609375034, 'txn-2', 'producerId:0,producerEpoch:0,state=Ongoing,partitions=[transaction-topic-0],txnLastUpdateTimestamp=1681914675254,txnTimeoutMs=30000', 1681914675254),
    txnBatch(2, 0, 1681914675300, 143, 3752133745, 'txn-2', 'producerId:0,producerEpoch:0,state=PrepareAbort,partitions=[transaction-topic-0],txnLastUpdateTimestamp=1681914675298,txnTimeoutMs=30000', 1681914675254),
    txnBatch(3, 0, 1681914675327, 114, 1474273819, 'txn-2', 'producerId:0,producerEpoch:0,state=CompleteAbort,partitions=[],txnLastUpdateTimestamp=1681914675304,txnTimeoutMs=30000', 1681914675254),
  ],
  data: [
    dataBatch(0, 146, 2793359289, [[1681914675233, '634012095'], [1681914675247, '113774401'], [1681914675249, '872843037'], [1681914675249, '820325428'], [1681914675249, '827499884']]),
    markerBatch(5, 0, 1681914675317, 1108291434, false, 0),
  ],
};

/** The batches whose rebuilt bytes differ from Kafka's (CRC or size): none, for a true transcription. */
export function mismatches(batches: DumpedBatch[]): string[] {
  return batches.filter((b) => b.bytes.readUInt32BE(CRC_OFFSET) !== b.kafkaCrc || b.bytes.length !== b.kafkaSize)
    .map((b) => `offset ${b.baseOffset}: crc ${b.bytes.readUInt32BE(CRC_OFFSET)} (Kafka ${b.kafkaCrc}), size ${b.bytes.length} (Kafka ${b.kafkaSize})`);
}

/** A segment file's bytes: the batches back to back, as Kafka appended them. */
export const segment = (batches: DumpedBatch[]): Buffer => Buffer.concat(batches.map((b) => b.bytes));

// ------------------------------------------------------------------------------------------------------------------
// The record lines Kafka's DumpLogSegments printed for these segments (--deep-iteration --print-data-log, and
// --transaction-log-decoder for __transaction_state), verbatim from the two sources: `rafka dump-log` must print the same.

/** KLOG, `__transaction_state-4` (--transaction-log-decoder). */
export const KLOG_TXN_STATE_4_LINES: readonly string[] = [
  '| offset: 0 CreateTime: 1632840910297 keySize: 15 valueSize: 37 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=my-txnal-id payload: producerId:0,producerEpoch:0,state=Empty,partitions=[],txnLastUpdateTimestamp=1632840910282,txnTimeoutMs=60000',
  '| offset: 1 CreateTime: 1632840910511 keySize: 15 valueSize: 64 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=my-txnal-id payload: producerId:0,producerEpoch:0,state=Ongoing,partitions=[transactional-foo-0],txnLastUpdateTimestamp=1632840910510,txnTimeoutMs=60000',
  '| offset: 2 CreateTime: 1632840911586 keySize: 15 valueSize: 64 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=my-txnal-id payload: producerId:0,producerEpoch:0,state=PrepareCommit,partitions=[transactional-foo-0],txnLastUpdateTimestamp=1632840911585,txnTimeoutMs=60000',
  '| offset: 3 CreateTime: 1632840911620 keySize: 15 valueSize: 37 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=my-txnal-id payload: producerId:0,producerEpoch:0,state=CompleteCommit,partitions=[],txnLastUpdateTimestamp=1632840911588,txnTimeoutMs=60000',
  '| offset: 4 CreateTime: 1632840912092 keySize: 15 valueSize: 64 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=my-txnal-id payload: producerId:0,producerEpoch:0,state=Ongoing,partitions=[transactional-foo-0],txnLastUpdateTimestamp=1632840912092,txnTimeoutMs=60000',
  '| offset: 5 CreateTime: 1632840912592 keySize: 15 valueSize: 64 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=my-txnal-id payload: producerId:0,producerEpoch:0,state=PrepareCommit,partitions=[transactional-foo-0],txnLastUpdateTimestamp=1632840912592,txnTimeoutMs=60000',
  '| offset: 6 CreateTime: 1632840912607 keySize: 15 valueSize: 37 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=my-txnal-id payload: producerId:0,producerEpoch:0,state=CompleteCommit,partitions=[],txnLastUpdateTimestamp=1632840912593,txnTimeoutMs=60000',
];

/** CP committed run, `__transaction_state-0` (--transaction-log-decoder). */
export const CP_COMMIT_TXN_STATE_LINES: readonly string[] = [
  '| offset: 0 CreateTime: 1681915689751 keySize: 9 valueSize: 37 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=txn-1 payload: producerId:0,producerEpoch:0,state=Empty,partitions=[],txnLastUpdateTimestamp=1681915689748,txnTimeoutMs=30000',
  '| offset: 1 CreateTime: 1681915689954 keySize: 9 valueSize: 64 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=txn-1 payload: producerId:0,producerEpoch:0,state=Ongoing,partitions=[transaction-topic-0],txnLastUpdateTimestamp=1681915689953,txnTimeoutMs=30000',
  '| offset: 2 CreateTime: 1681915696457 keySize: 9 valueSize: 64 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=txn-1 payload: producerId:0,producerEpoch:0,state=PrepareCommit,partitions=[transaction-topic-0],txnLastUpdateTimestamp=1681915696455,txnTimeoutMs=30000',
  '| offset: 3 CreateTime: 1681915696479 keySize: 9 valueSize: 37 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=txn-1 payload: producerId:0,producerEpoch:0,state=CompleteCommit,partitions=[],txnLastUpdateTimestamp=1681915696459,txnTimeoutMs=30000',
];

/** CP committed run, `transaction-topic-0` after the commit. */
export const CP_COMMIT_DATA_LINES: readonly string[] = [
  '| offset: 0 CreateTime: 1681915689932 keySize: 1 valueSize: 9 sequence: 0 headerKeys: [] key: 0 payload: 910991395',
  '| offset: 1 CreateTime: 1681915689946 keySize: 1 valueSize: 9 sequence: 1 headerKeys: [] key: 1 payload: 129184381',
  '| offset: 2 CreateTime: 1681915689947 keySize: 1 valueSize: 9 sequence: 2 headerKeys: [] key: 2 payload: 810192633',
  '| offset: 3 CreateTime: 1681915689947 keySize: 1 valueSize: 9 sequence: 3 headerKeys: [] key: 3 payload: 755776337',
  '| offset: 4 CreateTime: 1681915689947 keySize: 1 valueSize: 8 sequence: 4 headerKeys: [] key: 4 payload: 45834038',
  '| offset: 5 CreateTime: 1681915696471 keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: COMMIT coordinatorEpoch: 0',
];

/** CP aborted run, `__transaction_state-0` (--transaction-log-decoder). */
export const CP_ABORT_TXN_STATE_LINES: readonly string[] = [
  '| offset: 0 CreateTime: 1681914675206 keySize: 9 valueSize: 37 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=txn-2 payload: producerId:0,producerEpoch:0,state=Empty,partitions=[],txnLastUpdateTimestamp=1681914675203,txnTimeoutMs=30000',
  '| offset: 1 CreateTime: 1681914675256 keySize: 9 valueSize: 64 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=txn-2 payload: producerId:0,producerEpoch:0,state=Ongoing,partitions=[transaction-topic-0],txnLastUpdateTimestamp=1681914675254,txnTimeoutMs=30000',
  '| offset: 2 CreateTime: 1681914675300 keySize: 9 valueSize: 64 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=txn-2 payload: producerId:0,producerEpoch:0,state=PrepareAbort,partitions=[transaction-topic-0],txnLastUpdateTimestamp=1681914675298,txnTimeoutMs=30000',
  '| offset: 3 CreateTime: 1681914675327 keySize: 9 valueSize: 37 sequence: -1 headerKeys: [] key: transaction_metadata::transactionalId=txn-2 payload: producerId:0,producerEpoch:0,state=CompleteAbort,partitions=[],txnLastUpdateTimestamp=1681914675304,txnTimeoutMs=30000',
];

/** CP aborted run, `transaction-topic-0`. */
export const CP_ABORT_DATA_LINES: readonly string[] = [
  '| offset: 0 CreateTime: 1681914675233 keySize: 1 valueSize: 9 sequence: 0 headerKeys: [] key: 0 payload: 634012095',
  '| offset: 1 CreateTime: 1681914675247 keySize: 1 valueSize: 9 sequence: 1 headerKeys: [] key: 1 payload: 113774401',
  '| offset: 2 CreateTime: 1681914675249 keySize: 1 valueSize: 9 sequence: 2 headerKeys: [] key: 2 payload: 872843037',
  '| offset: 3 CreateTime: 1681914675249 keySize: 1 valueSize: 9 sequence: 3 headerKeys: [] key: 3 payload: 820325428',
  '| offset: 4 CreateTime: 1681914675249 keySize: 1 valueSize: 9 sequence: 4 headerKeys: [] key: 4 payload: 827499884',
  '| offset: 5 CreateTime: 1681914675317 keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: ABORT coordinatorEpoch: 0',
];
