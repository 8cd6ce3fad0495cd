import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CorruptIndexError } from '../../../src/services/log/offset-index.js';
import { TransactionIndex } from '../../../src/services/log/transaction-index.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafka-txn-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function entry(pid: number, first: number, last: number, lso: number): Buffer {
  const b = Buffer.alloc(34);
  b.writeInt16BE(0, 0);
  b.writeBigInt64BE(BigInt(pid), 2);
  b.writeBigInt64BE(BigInt(first), 10);
  b.writeBigInt64BE(BigInt(last), 18);
  b.writeBigInt64BE(BigInt(lso), 26);
  return b;
}

describe('TransactionIndex', () => {
  it('is created lazily and writes 34-byte entries', () => {
    const f = path.join(dir, '00000000000000000000.txnindex');
    const idx = new TransactionIndex(0n, f);
    expect(idx.allAbortedTxns()).toEqual([]);
    expect(fs.existsSync(f)).toBe(false);
    idx.append({ producerId: 7n, firstOffset: 1n, lastOffset: 5n, lastStableOffset: 1n });
    idx.append({ producerId: 8n, firstOffset: 3n, lastOffset: 9n, lastStableOffset: 3n });
    expect(() => idx.append({ producerId: 9n, firstOffset: 3n, lastOffset: 9n, lastStableOffset: 3n })).toThrow(/increase/);
    idx.flushSync();
    idx.close();
    expect(fs.readFileSync(f)).toEqual(Buffer.concat([entry(7, 1, 5, 1), entry(8, 3, 9, 3)]));
  });

  it('reads existing files, collects overlapping txns, truncates', () => {
    const f = path.join(dir, 'x.txnindex');
    fs.writeFileSync(f, Buffer.concat([entry(1, 10, 20, 10), entry(2, 15, 30, 10), entry(3, 40, 50, 40)]));
    const idx = new TransactionIndex(10n, f);
    expect(idx.allAbortedTxns().map((t) => t.producerId)).toEqual([1n, 2n, 3n]);
    const c = idx.collectAbortedTxns(25n, 45n);
    expect(c.abortedTransactions.map((t) => t.producerId)).toEqual([2n, 3n]);
    expect(c.isComplete).toBe(false);
    expect(idx.collectAbortedTxns(0n, 12n).isComplete).toBe(true);
    idx.sanityCheck();
    idx.truncateTo(30n);
    expect(fs.statSync(f).size).toBe(34);
    idx.append({ producerId: 4n, firstOffset: 21n, lastOffset: 22n, lastStableOffset: 21n });
    idx.close();
    expect(fs.readFileSync(f)).toEqual(Buffer.concat([entry(1, 10, 20, 10), entry(4, 21, 22, 21)]));
    idx.reset();
    expect(fs.statSync(f).size).toBe(0);
  });

  it('sanityCheck flags partial entries, bad versions and entries before the start offset', () => {
    const f = path.join(dir, 'y.txnindex');
    fs.writeFileSync(f, Buffer.concat([entry(1, 10, 20, 10), Buffer.alloc(5)]));
    expect(() => new TransactionIndex(0n, f).sanityCheck()).toThrow(CorruptIndexError);
    const bad = entry(1, 10, 20, 10);
    bad.writeInt16BE(3, 0);
    fs.writeFileSync(f, bad);
    expect(() => new TransactionIndex(0n, f).sanityCheck()).toThrow(CorruptIndexError);
    fs.writeFileSync(f, entry(1, 10, 20, 10));
    expect(() => new TransactionIndex(11n, f).sanityCheck()).toThrow(CorruptIndexError);
  });
});
