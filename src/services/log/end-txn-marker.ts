/**
 * Reading a transaction marker (Kafka `EndTransactionMarker.deserialize` / `ControlRecordType.parse`): a control
 * batch's single record has key int16 version + int16 type (0 ABORT, 1 COMMIT) and value int16 version + int32
 * coordinator epoch. Writing one: record-batch.ts `buildEndTxnMarker`.
 */
import type { RecordBatch } from './record-batch.js';

export interface EndTxnMarker { isCommit: boolean; coordinatorEpoch: number }

/** The marker in a control batch (read with its data), or null when it is not an ABORT/COMMIT marker. */
export function readEndTxnMarker(batch: RecordBatch): EndTxnMarker | null {
  if (!batch.isControlBatch || batch.recordsCount === 0) return null;
  const c = batch.records();
  if (!c.next()) return null;
  const key = c.key();
  if (key === null || key.length < 4) return null;
  const type = key.readInt16BE(2);
  if (type !== 0 && type !== 1) return null;
  const value = c.value();
  const coordinatorEpoch = value !== null && value.length >= 6 ? value.readInt32BE(2) : -1;
  return { isCommit: type === 1, coordinatorEpoch };
}
