/**
 * The `__transaction_state` record formats, as Kafka's `TransactionLog.keyToBytes` / `valueToBytes` /
 * `readTxnRecordKey` / `readTxnRecordValue` write and read them (core message JSONs TransactionLogKey /
 * TransactionLogValue). Both start with an int16 schema version:
 *
 * - TransactionLogKey v0: transactionalId string.
 * - TransactionLogValue v0 (what Kafka 3.7 writes; v1 = the same fields, flexible, also read): producerId int64,
 *   producerEpoch int16, transactionTimeoutMs int32, transactionStatus int8, transactionPartitions nullable
 *   [topic string, partitionIds [int32]] (null for Empty), transactionLastUpdateTimestampMs int64,
 *   transactionStartTimestampMs int64.
 *
 * A null value is a tombstone (the transactional id expired). Also where a transactional id lives:
 * `Utils.abs(transactionalId.hashCode) % transaction.state.log.num.partitions` (TransactionStateManager.partitionFor).
 */
import { Reader } from '../../protocol/primitives/reader.js';
import { Writer } from '../../protocol/primitives/writer.js';
import { javaStringHashCode, kafkaAbs } from '../group/group-keys.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** Kafka's `TransactionState.id` (the byte in the log). */
export const TXN_STATE_IDS = {
  Empty: 0, Ongoing: 1, PrepareCommit: 2, PrepareAbort: 3, CompleteCommit: 4, CompleteAbort: 5, Dead: 6, PrepareEpochFence: 7,
} as const;
export type TxnStateName = keyof typeof TXN_STATE_IDS;
const STATE_BY_ID: readonly TxnStateName[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'];

export function txnStateFromId(id: number): TxnStateName {
  const s = STATE_BY_ID[id];
  if (s === undefined) throw new Error(`Unknown transaction state id ${id} from the transaction status message`);
  return s;
}

/** The `__transaction_state` partition of a transactional id. */
export function partitionForTxn(transactionalId: string, numPartitions: number): number {
  return kafkaAbs(javaStringHashCode(transactionalId)) % numPartitions;
}

export interface TxnLogValue {
  producerId: bigint;
  producerEpoch: number;
  txnTimeoutMs: number;
  state: TxnStateName;
  /** topic → partitions; empty for Empty (written as null). */
  partitions: Array<{ topic: string; partitions: number[] }>;
  txnLastUpdateTimestamp: number;
  txnStartTimestamp: number;
}

export function encodeTxnKey(transactionalId: string): Buffer {
  const w = new Writer(8 + transactionalId.length * 3);
  w.int16(0);
  w.string(transactionalId);
  return w.finish();
}

/** The transactional id of a key, or null for an unknown key version (Kafka's UnknownKey: skipped on load). */
export function decodeTxnKey(buf: Buffer): string | null {
  const r = new Reader(buf);
  const version = r.int16();
  if (version !== 0) return null;
  return r.string();
}

export function encodeTxnValue(v: TxnLogValue): Buffer {
  if (v.state === 'Empty' && v.partitions.length > 0) throw new Error(`Transaction is not expected to have any partitions since its state is Empty`);
  const w = new Writer(64);
  w.int16(0);
  w.int64(v.producerId);
  w.int16(v.producerEpoch);
  w.int32(v.txnTimeoutMs);
  w.raw(Buffer.of(TXN_STATE_IDS[v.state]));
  if (v.state === 'Empty') w.int32(-1);
  else {
    w.int32(v.partitions.length);
    for (const t of v.partitions) {
      w.string(t.topic);
      w.int32(t.partitions.length);
      for (const p of t.partitions) w.int32(p);
    }
  }
  w.int64(BigInt(v.txnLastUpdateTimestamp));
  w.int64(BigInt(v.txnStartTimestamp));
  return w.finish();
}

function skipTaggedFields(r: Reader): void {
  const n = r.unsignedVarint();
  for (let i = 0; i < n; i++) {
    r.unsignedVarint();
    r.skip(r.unsignedVarint());
  }
}

/** A value of version 0 or 1; throws on another version (Kafka: IllegalStateException). */
export function decodeTxnValue(buf: Buffer): TxnLogValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version !== 0 && version !== 1) throw new Error(`Unknown version ${version} from the transaction log message value`);
  const flex = version === 1;
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const txnTimeoutMs = r.int32();
  const state = txnStateFromId(r.buf.readInt8(r.pos));
  r.skip(1);
  const n = flex ? r.compactArrayLength(true) : r.arrayLength(true);
  const partitions: TxnLogValue['partitions'] = [];
  for (let i = 0; i < n; i++) {
    const topic = flex ? r.compactString() : r.string();
    const m = flex ? r.compactArrayLength(false) : r.arrayLength(false);
    const ps: number[] = [];
    for (let j = 0; j < m; j++) ps.push(r.int32());
    if (flex) skipTaggedFields(r);
    partitions.push({ topic, partitions: ps });
  }
  const txnLastUpdateTimestamp = Number(r.int64());
  const txnStartTimestamp = Number(r.int64());
  if (flex) skipTaggedFields(r);
  return { producerId, producerEpoch, txnTimeoutMs, state, partitions: state === 'Empty' ? [] : partitions, txnLastUpdateTimestamp, txnStartTimestamp };
}

/** Kafka's `TransactionLog.formatRecordKeyAndValue` (kafka-dump-log --transaction-log-decoder). */
export function formatTxnRecord(key: Buffer | null, value: Buffer | null): { key: string; payload: string } {
  if (key === null) throw new Error('no key');
  const id = decodeTxnKey(key);
  if (id === null) return { key: `unknown::version=${key.readInt16BE(0)}`, payload: '' };
  if (value === null) return { key: `transaction_metadata::transactionalId=${id}`, payload: '<DELETE>' };
  const v = decodeTxnValue(value);
  const parts = v.partitions.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p}`)).join(',');
  return {
    key: `transaction_metadata::transactionalId=${id}`,
    payload: `producerId:${v.producerId},producerEpoch:${v.producerEpoch},state=${v.state},partitions=[${parts}],` +
      `txnLastUpdateTimestamp=${v.txnLastUpdateTimestamp},txnTimeoutMs=${v.txnTimeoutMs}`,
  };
}
