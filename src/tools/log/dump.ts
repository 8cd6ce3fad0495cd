/**
 * `rafka dump-log` core: decodes the files of a Kafka/Rafka log dir, modelled on Kafka's `kafka-dump-log.sh`
 * (DumpLogSegments). Every file type is read through the log layer (`readBatchesFromFile`, `RecordBatch`,
 * `OffsetIndex`, `TimeIndex`, `TransactionIndex`, `decodeProducerSnapshot`, the checkpoint readers).
 *
 * `.log` files are streamed (1 MiB chunks, output through a {@link BufferedWriter}): memory does not grow with the
 * file. The first corrupt byte stops the dump of that file: everything before it is printed, then a problem
 * naming the file, the byte position and what is wrong.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import {
  type BatchView, CompressionType, CorruptRecordError, InvalidRecordError, LENGTH_OFFSET, LOG_OVERHEAD, RecordBatch, TimestampType,
} from '../../services/log/record-batch.js';
import { LegacyRecordBatch } from '../../services/log/legacy-records.js';
import { readBatchesFromFile } from '../../services/log/log-segment.js';
import { OffsetIndex, OFFSET_INDEX_ENTRY_SIZE } from '../../services/log/offset-index.js';
import { TimeIndex, TIME_INDEX_ENTRY_SIZE } from '../../services/log/time-index.js';
import { TransactionIndex } from '../../services/log/transaction-index.js';
import { decodeProducerSnapshot } from '../../services/log/producer-state.js';
import { offsetFromFileName, stripTemporarySuffix } from '../../services/log/log-file-names.js';
import {
  CLEANER_OFFSET_CHECKPOINT_FILE, LEADER_EPOCH_CHECKPOINT_FILE, LOG_START_OFFSET_CHECKPOINT_FILE, OffsetCheckpointFile,
  readLeaderEpochCheckpoint, RECOVERY_POINT_CHECKPOINT_FILE, REPLICATION_OFFSET_CHECKPOINT_FILE,
} from '../../services/log/offset-checkpoint-file.js';
import { PARTITION_METADATA_FILE, parsePartitionMetadata } from '../../services/log/partition-metadata-file.js';
import { META_PROPERTIES_FILE, metaPropertiesFromMap, parseJavaProperties } from '../../services/log/meta-properties.js';
import { table } from '../zk/render.js';
import { decodeControlRecord, decodeOffsetsRecord, formatOffsetsKey, formatOffsetsValue } from './offsets-decoder.js';
import { decodeTxnKey, decodeTxnValue, formatTxnRecord } from '../../services/transaction/transaction-log.js';
import { type BufferedWriter, OutputClosedError } from './writer.js';

export const DUMP_SCHEMA = 'rafka.dump-log/1';

export interface DumpOptions {
  printDataLog: boolean;
  deepIteration: boolean;
  verifyIndexOnly: boolean;
  offsetsDecoder: boolean;
  /** Kafka's --transaction-log-decoder: records as __transaction_state metadata. */
  transactionLogDecoder?: boolean;
  json: boolean;
}

export type ProblemKind = 'corrupt' | 'truncated' | 'out-of-order' | 'index-mismatch' | 'malformed' | 'unreadable' | 'unknown-file';

export interface DumpProblem {
  file: string;
  /** Byte position in `file` where the problem starts, when known. */
  position: number | null;
  kind: ProblemKind;
  message: string;
}

export function formatDumpProblem(p: DumpProblem): string {
  return `${p.file}${p.position === null ? '' : `: byte ${p.position}`}: ${p.kind}: ${p.message}`;
}

export type FileType =
  | 'log' | 'index' | 'timeindex' | 'txnindex' | 'snapshot' | 'offset-checkpoint' | 'leader-epoch-checkpoint'
  | 'partition-metadata' | 'meta-properties';

const OFFSET_CHECKPOINTS = new Set([
  RECOVERY_POINT_CHECKPOINT_FILE, LOG_START_OFFSET_CHECKPOINT_FILE, REPLICATION_OFFSET_CHECKPOINT_FILE, CLEANER_OFFSET_CHECKPOINT_FILE,
]);

/** The type of a file from its name (temporary suffixes `.deleted/.cleaned/.swap` ignored), or null. */
export function fileTypeOf(file: string): FileType | null {
  const name = stripTemporarySuffix(path.basename(file));
  if (name.endsWith('.log')) return 'log';
  if (name.endsWith('.index')) return 'index';
  if (name.endsWith('.timeindex')) return 'timeindex';
  if (name.endsWith('.txnindex')) return 'txnindex';
  if (name.endsWith('.snapshot')) return 'snapshot';
  if (OFFSET_CHECKPOINTS.has(name)) return 'offset-checkpoint';
  if (name === LEADER_EPOCH_CHECKPOINT_FILE) return 'leader-epoch-checkpoint';
  if (name === PARTITION_METADATA_FILE) return 'partition-metadata';
  if (name === META_PROPERTIES_FILE) return 'meta-properties';
  return null;
}

// ------------------------------------------------------------------------------------------------ output helpers

const num = (v: bigint): number | string => (v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v.toString());
const TS_NAMES: Record<number, string> = { [-1]: 'NoTimestampType', 0: 'CreateTime', 1: 'LogAppendTime' };
const codecName = (c: CompressionType): string => (CompressionType[c] ?? `unknown(${c})`).toLowerCase();

/** Printable = valid UTF-8 without control characters (tab allowed): shown as text; anything else as base64. */
export function isPrintable(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
    if (c >= 0x80) return isUtf8(b);
  }
  return true;
}

/** JSON form of record data: `{ "text": ... }`-free: a string for printable data, `{"base64": ...}` otherwise. */
function jsonData(b: Buffer | null): string {
  if (b === null) return 'null';
  return isPrintable(b) ? JSON.stringify(b.toString('utf8')) : `{"base64":${JSON.stringify(b.toString('base64'))}}`;
}

/** Human form written straight into the writer: raw bytes when printable, `base64:...` otherwise, `null`. */
function humanData(w: BufferedWriter, b: Buffer | null): void {
  if (b === null) w.text('null');
  else if (isPrintable(b)) w.bytes(b);
  else w.text(`base64:${b.toString('base64')}`);
}

/** Streams one JSON array of objects (comma handling). */
class JsonArray {
  private first = true;
  constructor(private readonly w: BufferedWriter) {}
  item(json: string): void {
    this.w.text(this.first ? json : `,${json}`);
    this.first = false;
  }
}

interface FileCtx {
  file: string;
  w: BufferedWriter;
  opts: DumpOptions;
  problems: DumpProblem[];
  /** JSON: entries of the current file. */
  entries: JsonArray | null;
  /** Summary fields (JSON) / line (human) written after the entries. */
  summary: Record<string, unknown>;
}

function problem(ctx: FileCtx, position: number | null, kind: ProblemKind, message: string): void {
  const p: DumpProblem = { file: ctx.file, position, kind, message };
  ctx.problems.push(p);
  if (!ctx.opts.json) ctx.w.text(`ERROR ${formatDumpProblem(p)}\n`);
}

// ------------------------------------------------------------------------------------------------ entry point

/**
 * Dump `files` in order into `w` (JSON: one document, schema {@link DUMP_SCHEMA}). Returns the problems found
 * (corruption, index mismatches, unreadable or unknown files).
 */
export async function dumpFiles(files: string[], opts: DumpOptions, w: BufferedWriter): Promise<DumpProblem[]> {
  const all: DumpProblem[] = [];
  const filesArray = opts.json ? new JsonArray(w) : null;
  if (opts.json) w.text(`{"schema":${JSON.stringify(DUMP_SCHEMA)},"files":[`);
  for (const file of files) {
    const type = fileTypeOf(file);
    const ctx: FileCtx = { file, w, opts, problems: [], entries: null, summary: {} };
    if (opts.json) {
      filesArray!.item(`{"file":${JSON.stringify(file)},"type":${JSON.stringify(type)},"entries":[`);
      ctx.entries = new JsonArray(w);
    } else {
      w.text(`Dumping ${file}\n`);
    }
    try {
      if (type === null) problem(ctx, null, 'unknown-file', 'not a file type dump-log knows (.log, .index, .timeindex, .txnindex, .snapshot, checkpoints, partition.metadata, meta.properties)');
      else if (!fs.existsSync(file)) problem(ctx, null, 'unreadable', 'no such file');
      else await DUMPERS[type](ctx);
    } catch (e) {
      if (e instanceof OutputClosedError) throw e;
      const err = e as NodeJS.ErrnoException;
      problem(ctx, null, 'unreadable', err.code ? `${err.code}: ${err.message}` : err.message);
    }
    if (opts.json) {
      w.text(`],"summary":${JSON.stringify(ctx.summary)},"problems":${JSON.stringify(ctx.problems)}}`);
    }
    all.push(...ctx.problems);
    await w.maybeFlush();
  }
  if (opts.json) w.text(`],"problems":${JSON.stringify(all)}}\n`);
  await w.flush();
  return all;
}

const DUMPERS: Record<FileType, (ctx: FileCtx) => Promise<void> | void> = {
  log: dumpLog,
  index: dumpOffsetIndex,
  timeindex: dumpTimeIndex,
  txnindex: dumpTxnIndex,
  snapshot: dumpSnapshot,
  'offset-checkpoint': dumpOffsetCheckpoint,
  'leader-epoch-checkpoint': dumpLeaderEpochCheckpoint,
  'partition-metadata': dumpPartitionMetadata,
  'meta-properties': dumpMetaProperties,
};

// ------------------------------------------------------------------------------------------------ .log

interface LogScanStats {
  batches: number;
  records: number;
  firstOffset: bigint | null;
  lastOffset: bigint | null;
  validBytes: number;
  size: number;
}

async function dumpLog(ctx: FileCtx): Promise<void> {
  const { file, w, opts } = ctx;
  const deep = opts.deepIteration || opts.printDataLog;
  const fd = fs.openSync(file, 'r');
  const stats: LogScanStats = { batches: 0, records: 0, firstOffset: null, lastOffset: null, validBytes: 0, size: 0 };
  try {
    const size = fs.fstatSync(fd).size;
    stats.size = size;
    let baseOffset: bigint | null = null;
    try {
      baseOffset = offsetFromFileName(file);
    } catch {
      /* not a standard name */
    }
    if (!opts.json) w.text(`Starting offset: ${baseOffset ?? '?'}\n`);
    let position = 0;
    let prevLast = baseOffset === null ? -1n : baseOffset - 1n;
    let stopped = false;
    try {
      for (const e of readBatchesFromFile(fd, 0, size, { withData: true })) {
        const b = e.batch;
        const valid = b.isValid();
        const last = b.lastOffset;
        const base = b.baseOffset;
        emitBatch(ctx, b, e.position, e.size, valid);
        const closeOpenBatch = () => {
          if (opts.json && opts.printDataLog) w.text(']}');
        };
        if (!valid) {
          closeOpenBatch();
          let why = 'invalid batch';
          try {
            b.ensureValid();
          } catch (err) {
            why = (err as Error).message;
          }
          problem(ctx, e.position, 'corrupt', `batch ${base}..${last}: ${why}`);
          stopped = true;
          break;
        }
        if (base <= prevLast || last < base) {
          closeOpenBatch();
          problem(ctx, e.position, 'out-of-order', `batch ${base}..${last} does not follow offset ${prevLast}`);
          stopped = true;
          break;
        }
        if (deep && !iterateRecords(ctx, b, e.position)) {
          stopped = true;
          break;
        }
        stats.batches++;
        stats.records += recordCount(b);
        if (stats.firstOffset === null) stats.firstOffset = base;
        stats.lastOffset = last;
        prevLast = last;
        position = e.position + e.size;
        stats.validBytes = position;
        if (w.pending >= 1 << 20) await w.maybeFlush();
      }
    } catch (err) {
      if (!(err instanceof CorruptRecordError || err instanceof InvalidRecordError)) throw err;
      problem(ctx, position, 'corrupt', (err as Error).message.replace(/ at position \d+\.?$/, ''));
      stopped = true;
    }
    if (!stopped && position < size) {
      const remaining = size - position;
      if (remaining < LOG_OVERHEAD + 5) {
        problem(ctx, position, 'truncated', `${remaining} trailing bytes, too few for a batch header`);
      } else {
        const hdr = Buffer.alloc(LOG_OVERHEAD);
        fs.readSync(fd, hdr, 0, LOG_OVERHEAD, position);
        const declared = hdr.readInt32BE(LENGTH_OFFSET) + LOG_OVERHEAD;
        problem(ctx, position, 'truncated', `batch at offset ${hdr.readBigInt64BE(0)} declares ${declared} bytes but only ${remaining} remain in the file`);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  ctx.summary = {
    batches: stats.batches, records: stats.records,
    firstOffset: stats.firstOffset === null ? null : num(stats.firstOffset),
    lastOffset: stats.lastOffset === null ? null : num(stats.lastOffset),
    validBytes: stats.validBytes, sizeInBytes: stats.size,
  };
  if (!opts.json) {
    w.text(`Summary: ${stats.batches} batches, ${stats.records} records, offsets ${stats.firstOffset ?? '-'}..${stats.lastOffset ?? '-'}, ${stats.validBytes} of ${stats.size} bytes valid\n`);
  }
}

function recordCount(b: BatchView): number {
  if (b instanceof RecordBatch) return b.recordsCount;
  const l = b as LegacyRecordBatch;
  if (!l.isCompressed) return 1;
  try {
    return l.innerRecords().length;
  } catch {
    return 1;
  }
}

function emitBatch(ctx: FileCtx, b: BatchView, position: number, size: number, valid: boolean): void {
  const { w, opts } = ctx;
  const ts = TS_NAMES[b.timestampType] ?? String(b.timestampType);
  if (b instanceof RecordBatch) {
    if (opts.json) {
      if (!opts.printDataLog) {
        ctx.entries!.item(JSON.stringify(batchJson(b, position, size, valid)));
      } else {
        // records are streamed into the batch object by iterateRecords
        const j = JSON.stringify(batchJson(b, position, size, valid));
        ctx.entries!.item(`${j.slice(0, -1)},"records":[`);
      }
      return;
    }
    w.text(
      `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.recordsCount} baseSequence: ${b.baseSequence} lastSequence: ${b.lastSequence}` +
        ` producerId: ${b.producerId} producerEpoch: ${b.producerEpoch} partitionLeaderEpoch: ${b.partitionLeaderEpoch}` +
        ` isTransactional: ${b.isTransactional} isControl: ${b.isControlBatch} position: ${position} ${ts}: ${b.maxTimestamp}` +
        ` baseTimestamp: ${b.baseTimestamp} size: ${size} magic: ${b.magic} compresscodec: ${codecName(b.compressionType)} crc: ${b.crc} isvalid: ${valid}\n`,
    );
    return;
  }
  const l = b as LegacyRecordBatch;
  if (opts.json) {
    const j = JSON.stringify(legacyJson(l, position, size, valid));
    if (!opts.printDataLog) ctx.entries!.item(j);
    else ctx.entries!.item(`${j.slice(0, -1)},"records":[`);
    return;
  }
  w.text(
    `baseOffset: ${l.baseOffset} lastOffset: ${l.lastOffset} count: ${recordCount(l)} position: ${position} ${ts}: ${l.timestamp}` +
      ` size: ${size} magic: ${l.magic} compresscodec: ${codecName(l.compressionType)} crc: ${l.crc} isvalid: ${valid}\n`,
  );
}

function batchJson(b: RecordBatch, position: number, size: number, valid: boolean): Record<string, unknown> {
  return {
    baseOffset: num(b.baseOffset), lastOffset: num(b.lastOffset), count: b.recordsCount, position, size, magic: b.magic,
    crc: b.crc, crcValid: valid, compression: codecName(b.compressionType), timestampType: TS_NAMES[b.timestampType],
    baseTimestamp: b.baseTimestamp, maxTimestamp: b.maxTimestamp, producerId: num(b.producerId), producerEpoch: b.producerEpoch,
    baseSequence: b.baseSequence, lastSequence: b.lastSequence, partitionLeaderEpoch: b.partitionLeaderEpoch,
    isTransactional: b.isTransactional, isControl: b.isControlBatch,
  };
}

function legacyJson(l: LegacyRecordBatch, position: number, size: number, valid: boolean): Record<string, unknown> {
  return {
    baseOffset: num(l.baseOffset), lastOffset: num(l.lastOffset), count: recordCount(l), position, size, magic: l.magic,
    crc: l.crc, crcValid: valid, compression: codecName(l.compressionType), timestampType: TS_NAMES[l.timestampType],
    baseTimestamp: l.timestamp, maxTimestamp: l.timestamp, producerId: -1, producerEpoch: -1, baseSequence: -1, lastSequence: -1,
    partitionLeaderEpoch: -1, isTransactional: false, isControl: false,
  };
}

/**
 * Walk (and with --print-data-log print) the records of one batch. Returns false after reporting a problem.
 * Codecs the log layer cannot decompress yet are noted, not treated as corruption.
 */
function iterateRecords(ctx: FileCtx, b: BatchView, position: number): boolean {
  const { w, opts } = ctx;
  const print = opts.printDataLog;
  const closeJson = () => {
    if (print && opts.json) w.text(']}');
  };
  if (b instanceof RecordBatch) {
    let c;
    try {
      c = b.records();
    } catch (e) {
      // Every codec decompresses now: a failure is corruption, whatever the codec.
      closeJson();
      problem(ctx, position, 'corrupt', `batch ${b.baseOffset}..${b.lastOffset}: ${(e as Error).message}`);
      return false;
    }
    const arr = print && opts.json ? new JsonArray(w) : null;
    const tsName = b.timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime';
    const baseSeq = b.baseSequence;
    let prev = -1;
    try {
      while (c.next()) {
        if (c.offsetDelta <= prev || c.offsetDelta > b.lastOffsetDelta) {
          closeJson();
          problem(ctx, position, 'corrupt', `batch ${b.baseOffset}..${b.lastOffset}: record ${c.index} has offset delta ${c.offsetDelta} (previous ${prev}, last ${b.lastOffsetDelta})`);
          return false;
        }
        prev = c.offsetDelta;
        if (!print) continue;
        const key = c.key();
        const value = c.value();
        const seq = baseSeq < 0 ? -1 : (baseSeq + c.offsetDelta) | 0;
        if (arr) {
          let s = `{"offset":${c.offset},"timestamp":${c.timestamp},"keySize":${c.keyLength},"valueSize":${c.valueLength},"sequence":${seq},"headers":[`;
          s += c.headers().map((h) => `{"key":${JSON.stringify(h.key)},"value":${jsonData(h.value)}}`).join(',');
          s += `],"key":${jsonData(key)},"value":${jsonData(value)}`;
          const dec = decodeExtra(b, key, value, opts);
          if (dec !== undefined) s += `,"decoded":${JSON.stringify(dec)}`;
          arr.item(`${s}}`);
        } else {
          w.text(`| offset: ${c.offset} ${tsName}: ${c.timestamp} keySize: ${c.keyLength} valueSize: ${c.valueLength} sequence: ${seq} headerKeys: [`);
          if (c.headerCount > 0) w.text(c.headers().map((h) => h.key).join(','));
          w.text(']');
          if (b.isControlBatch) {
            w.text(` ${controlText(key, value)}\n`);
            continue;
          }
          if (opts.transactionLogDecoder) {
            try {
              const d = formatTxnRecord(key, value);
              w.text(` key: ${d.key} payload: ${d.payload}\n`);
              continue;
            } catch (e) {
              w.text(` (not a transaction log record: ${(e as Error).message})`);
            }
          }
          if (opts.offsetsDecoder) {
            try {
              const d = decodeOffsetsRecord(key, value);
              w.text(` key: ${formatOffsetsKey(d.key)} payload: ${formatOffsetsValue(d.value)}\n`);
              continue;
            } catch (e) {
              w.text(` (not an offsets record: ${(e as Error).message})`);
            }
          }
          if (c.headerCount > 0) {
            for (const h of c.headers()) {
              w.text(` header ${h.key}: `);
              humanData(w, h.value);
            }
          }
          w.text(' key: ');
          humanData(w, key);
          w.text(' payload: ');
          humanData(w, value);
          w.text('\n');
        }
      }
    } catch (e) {
      closeJson();
      problem(ctx, position, 'corrupt', `batch ${b.baseOffset}..${b.lastOffset}: record ${c.index + 1}: ${(e as Error).message}`);
      return false;
    }
    closeJson();
    return true;
  }
  const l = b as LegacyRecordBatch;
  let recs;
  try {
    recs = l.innerRecords();
  } catch (e) {
    closeJson();
    problem(ctx, position, 'corrupt', `message ${l.offset}: ${(e as Error).message}`);
    return false;
  }
  if (print) {
    const arr = opts.json ? new JsonArray(w) : null;
    for (const r of recs) {
      if (arr) {
        arr.item(`{"offset":${r.offset},"timestamp":${r.timestamp},"keySize":${r.key?.length ?? -1},"valueSize":${r.value?.length ?? -1},"sequence":-1,"headers":[],"key":${jsonData(r.key)},"value":${jsonData(r.value)}}`);
      } else {
        w.text(`| offset: ${r.offset} ${TS_NAMES[r.timestampType]}: ${r.timestamp} keySize: ${r.key?.length ?? -1} valueSize: ${r.value?.length ?? -1} key: `);
        humanData(w, r.key);
        w.text(' payload: ');
        humanData(w, r.value);
        w.text('\n');
      }
    }
  }
  closeJson();
  return true;
}

function controlText(key: Buffer | null, value: Buffer | null): string {
  try {
    const c = decodeControlRecord(key, value);
    return `endTxnMarker: ${c.type} coordinatorEpoch: ${c.coordinatorEpoch ?? '-'}`;
  } catch (e) {
    return `(undecodable control record: ${(e as Error).message})`;
  }
}

function decodeExtra(b: RecordBatch, key: Buffer | null, value: Buffer | null, opts: DumpOptions): unknown {
  if (b.isControlBatch) {
    try {
      return decodeControlRecord(key, value);
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
  if (opts.transactionLogDecoder) {
    try {
      const id = key ? decodeTxnKey(key) : null;
      const v = value ? decodeTxnValue(value) : null;
      return { transactionalId: id, value: v ? { ...v, producerId: v.producerId.toString() } : null };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
  if (!opts.offsetsDecoder) return undefined;
  try {
    return decodeOffsetsRecord(key, value);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

// ------------------------------------------------------------------------------------------------ indexes

/** The `.log` next to an index file (same base offset and temporary suffix), if it exists. */
function siblingLog(indexFile: string, suffix: string): string | null {
  const base = path.basename(indexFile);
  const stripped = stripTemporarySuffix(base);
  const temp = base.slice(stripped.length);
  const f = path.join(path.dirname(indexFile), `${stripped.slice(0, -suffix.length)}.log${temp}`);
  return fs.existsSync(f) ? f : null;
}

/** Sequential header-only walk over a `.log` (for index verification; also used by `log-dirs check`). */
export class LogWalker {
  private readonly fd: number;
  private readonly it: Generator<{ position: number; size: number; lastOffset: bigint; maxTimestamp: number }>;
  current: { position: number; size: number; lastOffset: bigint; maxTimestamp: number } | null = null;
  error: string | null = null;
  readonly size: number;
  constructor(file: string) {
    this.fd = fs.openSync(file, 'r');
    this.size = fs.fstatSync(this.fd).size;
    const fd = this.fd;
    const size = this.size;
    this.it = (function* () {
      for (const e of readBatchesFromFile(fd, 0, size, { withData: false, chunkSize: 1 << 20 })) {
        yield { position: e.position, size: e.size, lastOffset: e.batch.lastOffset, maxTimestamp: e.batch.maxTimestamp };
      }
    })();
    this.advance();
  }
  advance(): void {
    if (this.error !== null) return;
    try {
      const n = this.it.next();
      this.current = n.done ? null : n.value;
    } catch (e) {
      this.error = (e as Error).message;
      this.current = null;
    }
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

async function dumpOffsetIndex(ctx: FileCtx): Promise<void> {
  const { file, w, opts } = ctx;
  const baseOffset = offsetFromFileName(file);
  const length = fs.statSync(file).size;
  if (length % OFFSET_INDEX_ENTRY_SIZE !== 0) {
    problem(ctx, length - (length % OFFSET_INDEX_ENTRY_SIZE), 'malformed', `file size ${length} is not a multiple of ${OFFSET_INDEX_ENTRY_SIZE}`);
  }
  const index = new OffsetIndex(file, baseOffset, { writable: false });
  const logFile = siblingLog(file, '.index');
  const walker = logFile ? new LogWalker(logFile) : null;
  let entries = 0;
  let mismatches = 0;
  try {
    if (!walker && !opts.json) w.text(`(no ${path.basename(file).replace(/\.index.*$/, '.log')} next to it: entries not verified)\n`);
    let prev: { offset: bigint; position: number } | null = null;
    for (let i = 0; i < index.entries; i++) {
      const e = index.entry(i);
      // preallocated (sparse) tail of an active segment's index: zero entries
      if (i > 0 && e.offset === baseOffset && e.position === 0) break;
      entries++;
      let mismatch: string | null = null;
      if (prev !== null && (e.offset <= prev.offset || e.position <= prev.position)) {
        mismatch = `entry ${i} (offset ${e.offset}, position ${e.position}) does not follow entry ${i - 1} (offset ${prev.offset}, position ${prev.position})`;
      } else if (walker) {
        while (walker.current && walker.current.position < e.position) walker.advance();
        const c = walker.current;
        if (e.position >= walker.size) mismatch = `entry ${i}: position ${e.position} is past the end of the log (${walker.size} bytes)`;
        else if (!c) mismatch = `entry ${i}: no batch at position ${e.position} in the log${walker.error ? ` (${walker.error})` : ''}`;
        else if (c.position !== e.position) mismatch = `entry ${i}: position ${e.position} is not the start of a batch (next batch at ${c.position})`;
        else if (c.lastOffset !== e.offset) mismatch = `entry ${i}: index offset ${e.offset} but the batch at position ${e.position} ends at offset ${c.lastOffset}`;
      }
      if (mismatch) {
        mismatches++;
        problem(ctx, i * OFFSET_INDEX_ENTRY_SIZE, 'index-mismatch', mismatch);
      }
      prev = e;
      if (!opts.verifyIndexOnly) {
        if (opts.json) ctx.entries!.item(`{"offset":${e.offset},"position":${e.position}}`);
        else w.text(`offset: ${e.offset} position: ${e.position}\n`);
      }
      if (w.pending >= 1 << 20) await w.maybeFlush();
    }
  } finally {
    index.closeHandler();
    walker?.close();
  }
  ctx.summary = { entries, mismatches, verifiedAgainst: logFile };
  if (!opts.json) w.text(`Summary: ${entries} entries, ${mismatches} mismatches${logFile ? ` (verified against ${path.basename(logFile)})` : ''}\n`);
}

async function dumpTimeIndex(ctx: FileCtx): Promise<void> {
  const { file, w, opts } = ctx;
  const baseOffset = offsetFromFileName(file);
  const length = fs.statSync(file).size;
  if (length % TIME_INDEX_ENTRY_SIZE !== 0) {
    problem(ctx, length - (length % TIME_INDEX_ENTRY_SIZE), 'malformed', `file size ${length} is not a multiple of ${TIME_INDEX_ENTRY_SIZE}`);
  }
  const index = new TimeIndex(file, baseOffset, { writable: false });
  const logFile = siblingLog(file, '.timeindex');
  const walker = logFile ? new LogWalker(logFile) : null;
  let entries = 0;
  let mismatches = 0;
  try {
    if (!walker && !opts.json) w.text(`(no ${path.basename(file).replace(/\.timeindex.*$/, '.log')} next to it: entries not verified)\n`);
    let prev: { timestamp: number; offset: bigint } | null = null;
    for (let i = 0; i < index.entries; i++) {
      const e = index.entry(i);
      if (i > 0 && e.timestamp === 0 && e.offset === baseOffset) break;
      entries++;
      let mismatch: string | null = null;
      if (prev !== null && (e.timestamp <= prev.timestamp || e.offset < prev.offset)) {
        mismatch = `entry ${i} (timestamp ${e.timestamp}, offset ${e.offset}) does not follow entry ${i - 1} (timestamp ${prev.timestamp}, offset ${prev.offset})`;
      } else if (walker) {
        while (walker.current && walker.current.lastOffset < e.offset) walker.advance();
        const c = walker.current;
        if (!c) mismatch = `entry ${i}: offset ${e.offset} is past the last batch of the log${walker.error ? ` (${walker.error})` : ''}`;
        else if (c.lastOffset !== e.offset) mismatch = `entry ${i}: offset ${e.offset} is not the last offset of a batch (the batch at position ${c.position} ends at ${c.lastOffset})`;
        else if (c.maxTimestamp !== e.timestamp) mismatch = `entry ${i}: timestamp ${e.timestamp} but the batch ending at offset ${e.offset} has max timestamp ${c.maxTimestamp}`;
      }
      if (mismatch) {
        mismatches++;
        problem(ctx, i * TIME_INDEX_ENTRY_SIZE, 'index-mismatch', mismatch);
      }
      prev = e;
      if (!opts.verifyIndexOnly) {
        if (opts.json) ctx.entries!.item(`{"timestamp":${e.timestamp},"offset":${e.offset}}`);
        else w.text(`timestamp: ${e.timestamp} offset: ${e.offset}\n`);
      }
      if (w.pending >= 1 << 20) await w.maybeFlush();
    }
  } finally {
    index.closeHandler();
    walker?.close();
  }
  ctx.summary = { entries, mismatches, verifiedAgainst: logFile };
  if (!opts.json) w.text(`Summary: ${entries} entries, ${mismatches} mismatches${logFile ? ` (verified against ${path.basename(logFile)})` : ''}\n`);
}

function dumpTxnIndex(ctx: FileCtx): void {
  const { file, w, opts } = ctx;
  const idx = new TransactionIndex(offsetFromFileName(file), file);
  let txns;
  try {
    txns = idx.allAbortedTxns();
  } catch (e) {
    const len = fs.statSync(file).size;
    problem(ctx, len - (len % 34), 'malformed', (e as Error).message);
    return;
  } finally {
    idx.close();
  }
  for (const t of txns) {
    if (opts.json) ctx.entries!.item(JSON.stringify({ version: 0, producerId: num(t.producerId), firstOffset: num(t.firstOffset), lastOffset: num(t.lastOffset), lastStableOffset: num(t.lastStableOffset) }));
  }
  if (!opts.json) {
    w.text(txns.length === 0 ? '(no aborted transactions)\n' : `${table(['PRODUCER ID', 'FIRST OFFSET', 'LAST OFFSET', 'LAST STABLE OFFSET'],
      txns.map((t) => [String(t.producerId), String(t.firstOffset), String(t.lastOffset), String(t.lastStableOffset)])).join('\n')}\n`);
  }
  ctx.summary = { abortedTransactions: txns.length };
}

// ------------------------------------------------------------------------------------------------ small files

function dumpSnapshot(ctx: FileCtx): void {
  const { file, w, opts } = ctx;
  let entries;
  try {
    entries = decodeProducerSnapshot(fs.readFileSync(file), file);
  } catch (e) {
    problem(ctx, null, 'corrupt', (e as Error).message);
    return;
  }
  if (opts.json) {
    for (const e of entries) {
      ctx.entries!.item(JSON.stringify({
        producerId: num(e.producerId), producerEpoch: e.epoch, lastSequence: e.lastSequence, lastOffset: num(e.lastOffset),
        offsetDelta: e.offsetDelta, timestamp: e.timestamp, coordinatorEpoch: e.coordinatorEpoch,
        currentTxnFirstOffset: e.currentTxnFirstOffset < 0n ? null : num(e.currentTxnFirstOffset),
      }));
    }
  } else {
    w.text(entries.length === 0 ? '(no producers)\n' : `${table(
      ['PRODUCER ID', 'EPOCH', 'LAST SEQUENCE', 'LAST OFFSET', 'OFFSET DELTA', 'TIMESTAMP', 'COORDINATOR EPOCH', 'TXN FIRST OFFSET'],
      entries.map((e) => [String(e.producerId), String(e.epoch), String(e.lastSequence), String(e.lastOffset), String(e.offsetDelta),
        String(e.timestamp), String(e.coordinatorEpoch), e.currentTxnFirstOffset < 0n ? '-' : String(e.currentTxnFirstOffset)]),
    ).join('\n')}\n`);
  }
  ctx.summary = { producers: entries.length };
}

async function dumpOffsetCheckpoint(ctx: FileCtx): Promise<void> {
  const { file, w, opts } = ctx;
  let entries;
  try {
    entries = await new OffsetCheckpointFile(file).readEntries();
  } catch (e) {
    problem(ctx, null, 'malformed', (e as Error).message);
    return;
  }
  if (opts.json) for (const e of entries) ctx.entries!.item(JSON.stringify({ topic: e.topic, partition: e.partition, offset: num(e.offset) }));
  else w.text(entries.length === 0 ? '(no entries)\n' : `${table(['TOPIC', 'PARTITION', 'OFFSET'], entries.map((e) => [e.topic, String(e.partition), String(e.offset)])).join('\n')}\n`);
  ctx.summary = { entries: entries.length };
}

async function dumpLeaderEpochCheckpoint(ctx: FileCtx): Promise<void> {
  const { file, w, opts } = ctx;
  let entries;
  try {
    entries = await readLeaderEpochCheckpoint(file);
  } catch (e) {
    problem(ctx, null, 'malformed', (e as Error).message);
    return;
  }
  if (opts.json) for (const e of entries) ctx.entries!.item(JSON.stringify({ epoch: e.epoch, startOffset: num(e.startOffset) }));
  else w.text(entries.length === 0 ? '(no entries)\n' : `${table(['EPOCH', 'START OFFSET'], entries.map((e) => [String(e.epoch), String(e.startOffset)])).join('\n')}\n`);
  ctx.summary = { entries: entries.length };
}

function dumpPartitionMetadata(ctx: FileCtx): void {
  const { file, w, opts } = ctx;
  try {
    const m = parsePartitionMetadata(fs.readFileSync(file, 'utf8'), file);
    ctx.summary = { version: m.version, topicId: m.topicId };
    if (!opts.json) w.text(`version: ${m.version}\ntopic_id: ${m.topicId}\n`);
  } catch (e) {
    problem(ctx, null, 'malformed', (e as Error).message);
  }
}

function dumpMetaProperties(ctx: FileCtx): void {
  const { file, w, opts } = ctx;
  const props = parseJavaProperties(fs.readFileSync(file, 'latin1'));
  const all = Object.fromEntries([...props].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  ctx.summary = { properties: all };
  if (!opts.json) w.text(`${table(['KEY', 'VALUE'], Object.entries(all)).join('\n')}\n`);
  try {
    metaPropertiesFromMap(props);
  } catch (e) {
    problem(ctx, null, 'malformed', (e as Error).message);
  }
}
