import { describe, expect, it } from 'vitest';
import { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, formatTxnRecord, partitionForTxn } from '../../../src/services/transaction/transaction-log.js';

describe('__transaction_state records', () => {
  it('encodes the key as Kafka (int16 version 0, string)', () => {
    expect(encodeTxnKey('tx').toString('hex')).toBe('000000027478');
    expect(decodeTxnKey(encodeTxnKey('my-txn'))).toBe('my-txn');
    expect(decodeTxnKey(Buffer.from('00010000', 'hex'))).toBeNull();
  });

  it('encodes an Ongoing value as version 0 and reads it back', () => {
    const v = { producerId: 1000n, producerEpoch: 3, txnTimeoutMs: 60000, state: 'Ongoing' as const, partitions: [{ topic: 't', partitions: [0, 2] }], txnLastUpdateTimestamp: 1700000000123, txnStartTimestamp: 1700000000000 };
    const buf = encodeTxnValue(v);
    // version 0, pid, epoch, timeout, status 1, one topic "t" with [0,2], timestamps
    expect(buf.subarray(0, 17).toString('hex')).toBe('0000' + '00000000000003e8' + '0003' + '0000ea60' + '01');
    expect(decodeTxnValue(buf)).toEqual(v);
    expect(formatTxnRecord(encodeTxnKey('x'), buf).payload).toBe('producerId:1000,producerEpoch:3,state=Ongoing,partitions=[t-0,t-2],txnLastUpdateTimestamp=1700000000123,txnTimeoutMs=60000');
  });

  it('writes null partitions for Empty and refuses partitions there', () => {
    const v = { producerId: 7n, producerEpoch: 0, txnTimeoutMs: 1000, state: 'Empty' as const, partitions: [], txnLastUpdateTimestamp: 5, txnStartTimestamp: -1 };
    const buf = encodeTxnValue(v);
    expect(buf.readInt32BE(17)).toBe(-1);
    expect(decodeTxnValue(buf)).toEqual(v);
    expect(() => encodeTxnValue({ ...v, partitions: [{ topic: 'a', partitions: [1] }] })).toThrow(/not expected to have any partitions/);
    expect(() => decodeTxnValue(Buffer.from('0005', 'hex'))).toThrow(/Unknown version 5/);
  });

  it('places a transactional id as Kafka (abs(hashCode) % n)', () => {
    // "transactional-id".hashCode() = computed by Java's String.hashCode
    expect(partitionForTxn('a', 50)).toBe(97 % 50);
    expect(partitionForTxn('', 50)).toBe(0);
  });
});
