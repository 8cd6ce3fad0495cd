/**
 * `.txnindex` (reference §4.7): 34-byte entries, no header:
 *   int16 version (0) | int64 producerId | int64 firstOffset | int64 lastOffset | int64 lastStableOffset
 * one per aborted transaction whose ABORT marker is in the segment, ordered by lastOffset. The file is created
 * lazily on the first append (Kafka `TransactionIndex`). Entries are kept in memory (they are few) and appended
 * to the file with positional writes.
 */

import fs from 'node:fs';
import { CorruptIndexError, fsyncAsync } from './offset-index.js';

export const ABORTED_TXN_SIZE = 34;
export const ABORTED_TXN_VERSION = 0;

export interface AbortedTxn {
  producerId: bigint;
  firstOffset: bigint;
  lastOffset: bigint;
  lastStableOffset: bigint;
}

export class TransactionIndex {
  private fd: number | null = null;
  /** Written (or truncated) since the last fsync: a flush reopens a closed file to sync it. */
  private dirty = false;
  private _file: string;
  private txns: AbortedTxn[] | null = null;
  private lastOffsetSeen: bigint | null = null;

  constructor(
    readonly startOffset: bigint,
    file: string,
  ) {
    this._file = file;
  }

  get file(): string {
    return this._file;
  }

  /** True while the file descriptor is open (it opens on the first append and after a close, on the next one). */
  get isOpen(): boolean {
    return this.fd !== null;
  }

  private load(): AbortedTxn[] {
    if (this.txns !== null) return this.txns;
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this._file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      buf = Buffer.alloc(0);
    }
    const out: AbortedTxn[] = [];
    let p = 0;
    for (; p + ABORTED_TXN_SIZE <= buf.length; p += ABORTED_TXN_SIZE) {
      const version = buf.readInt16BE(p);
      if (version > ABORTED_TXN_VERSION) {
        throw new CorruptIndexError(`Unexpected aborted transaction version ${version} in transaction index ${this._file}, current version is ${ABORTED_TXN_VERSION}`);
      }
      out.push({
        producerId: buf.readBigInt64BE(p + 2),
        firstOffset: buf.readBigInt64BE(p + 10),
        lastOffset: buf.readBigInt64BE(p + 18),
        lastStableOffset: buf.readBigInt64BE(p + 26),
      });
    }
    if (p !== buf.length) {
      throw new CorruptIndexError(`Unexpected end of transaction index ${this._file}: ${buf.length} bytes is not a multiple of ${ABORTED_TXN_SIZE}`);
    }
    this.txns = out;
    this.lastOffsetSeen = out.length > 0 ? out[out.length - 1]!.lastOffset : null;
    return out;
  }

  private open(): number {
    if (this.fd === null) this.fd = fs.openSync(this._file, fs.existsSync(this._file) ? 'r+' : 'w+');
    return this.fd;
  }

  /** Append an aborted transaction; its lastOffset must exceed the previous one. Creates the file if needed. */
  append(txn: AbortedTxn): void {
    const txns = this.load();
    if (this.lastOffsetSeen !== null && this.lastOffsetSeen >= txn.lastOffset) {
      throw new Error(
        `The last offset of appended transactions must increase sequentially, but ${txn.lastOffset} is not greater than current last offset ${this.lastOffsetSeen} of index ${this._file}`,
      );
    }
    const b = Buffer.alloc(ABORTED_TXN_SIZE);
    b.writeInt16BE(ABORTED_TXN_VERSION, 0);
    b.writeBigInt64BE(txn.producerId, 2);
    b.writeBigInt64BE(txn.firstOffset, 10);
    b.writeBigInt64BE(txn.lastOffset, 18);
    b.writeBigInt64BE(txn.lastStableOffset, 26);
    const fd = this.open();
    fs.writeSync(fd, b, 0, ABORTED_TXN_SIZE, txns.length * ABORTED_TXN_SIZE);
    txns.push({ ...txn });
    this.lastOffsetSeen = txn.lastOffset;
    this.dirty = true;
  }

  allAbortedTxns(): AbortedTxn[] {
    return this.load().map((t) => ({ ...t }));
  }

  /**
   * Aborted transactions overlapping [fetchOffset, upperBoundOffset): those with lastOffset ≥ fetchOffset and
   * firstOffset < upperBoundOffset. `isComplete` is true once an entry with lastStableOffset ≥ upperBoundOffset
   * was seen (Kafka `collectAbortedTxns`).
   */
  collectAbortedTxns(fetchOffset: bigint, upperBoundOffset: bigint): { abortedTransactions: AbortedTxn[]; isComplete: boolean } {
    const out: AbortedTxn[] = [];
    for (const t of this.load()) {
      if (t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset) out.push({ ...t });
      if (t.lastStableOffset >= upperBoundOffset) return { abortedTransactions: out, isComplete: true };
    }
    return { abortedTransactions: out, isComplete: false };
  }

  /** Remove entries with lastOffset ≥ `offset`. */
  truncateTo(offset: bigint): void {
    const txns = this.load();
    let keep = 0;
    while (keep < txns.length && txns[keep]!.lastOffset < offset) keep++;
    if (keep === txns.length) return;
    txns.length = keep;
    this.lastOffsetSeen = keep > 0 ? txns[keep - 1]!.lastOffset : null;
    if (fs.existsSync(this._file)) {
      fs.truncateSync(this._file, keep * ABORTED_TXN_SIZE);
      this.dirty = true;
    }
  }

  /** Remove every entry (file truncated to 0 if it exists). */
  reset(): void {
    this.txns = [];
    this.lastOffsetSeen = null;
    if (fs.existsSync(this._file)) {
      fs.truncateSync(this._file, 0);
      this.dirty = true;
    }
  }

  /** Throws {@link CorruptIndexError} for a malformed file or an entry before the segment start. */
  sanityCheck(): void {
    this.txns = null;
    for (const t of this.load()) {
      if (t.firstOffset < this.startOffset) {
        throw new CorruptIndexError(`Last offset of aborted transaction ${t.lastOffset} in index ${this._file} is less than start offset ${this.startOffset}`);
      }
    }
  }

  /** fsync when open, or when written since the last sync and closed meanwhile (handles released). */
  flushSync(): void {
    if (this.fd === null && !this.syncableWhileClosed()) return;
    fs.fsyncSync(this.open());
    this.dirty = false;
  }

  async flush(): Promise<void> {
    if (this.fd === null && !this.syncableWhileClosed()) return;
    await fsyncAsync(this.open());
    this.dirty = false;
  }

  private syncableWhileClosed(): boolean {
    return this.dirty && fs.existsSync(this._file);
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }

  deleteIfExists(): boolean {
    this.close();
    this.dirty = false;
    this.txns = null;
    this.lastOffsetSeen = null;
    try {
      fs.unlinkSync(this._file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  renameTo(file: string): void {
    if (fs.existsSync(this._file)) fs.renameSync(this._file, file);
    this._file = file;
  }

  setFile(file: string): void {
    this._file = file;
  }
}
