/**
 * `rafka log-dirs check` core: an offline, read-only audit of a broker's log dirs (Kafka's or Rafka's).
 *
 * Per log dir: meta.properties (and its consistency across dirs), the four offset checkpoints against the actual
 * log end offsets, `-delete` dirs; per partition: leftover `.cleaned/.swap/.deleted` files, orphan indexes,
 * segments that overlap, batches from the first corrupt byte on (the rules of `LogSegment.recover`: framing,
 * magic, CRC, increasing offsets), missing indexes and indexes that disagree with their log.
 *
 * {@link applyFixes} repairs only what a broker's own startup would repair, by running the broker's loader
 * (`loadSegments`, recovering from the first affected segment) on the partition, and deleting `-delete` dirs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type BatchView, CorruptRecordError, InvalidRecordError, LENGTH_OFFSET, LOG_OVERHEAD, RecordBatch } from '../../services/log/record-batch.js';
import type { LegacyRecordBatch } from '../../services/log/legacy-records.js';
import { readBatchesFromFile } from '../../services/log/log-segment.js';
import { OffsetIndex, OFFSET_INDEX_ENTRY_SIZE } from '../../services/log/offset-index.js';
import { TimeIndex, TIME_INDEX_ENTRY_SIZE } from '../../services/log/time-index.js';
import { TransactionIndex } from '../../services/log/transaction-index.js';
import { logFileName, offsetIndexFileName, parseSegmentFileName, timeIndexFileName } from '../../services/log/log-file-names.js';
import { loadSegments } from '../../services/log/segment-recovery.js';
import {
  CLEANER_OFFSET_CHECKPOINT_FILE, LOG_START_OFFSET_CHECKPOINT_FILE, OffsetCheckpointFile, RECOVERY_POINT_CHECKPOINT_FILE,
  REPLICATION_OFFSET_CHECKPOINT_FILE, topicPartitionKey,
} from '../../services/log/offset-checkpoint-file.js';
import { loadMetaProperties, type MetaProperties } from '../../services/log/meta-properties.js';
import { parsePartitionDirName, type PartitionDirKind } from '../../services/log/partition-dir.js';
import { table } from '../zk/render.js';
import { LogWalker } from './dump.js';

export const CHECK_SCHEMA = 'rafka.log-dirs.check/1';

export type CheckProblemKind =
  | 'meta-properties' | 'checkpoint' | 'not-a-partition-dir' | 'delete-dir' | 'temp-file' | 'orphan-index' | 'corrupt'
  | 'truncated' | 'segment-overlap' | 'missing-index' | 'index-mismatch' | 'unreadable';

export interface CheckProblem {
  /** File or directory concerned. */
  path: string;
  /** Byte position inside `path`, when relevant. */
  position: number | null;
  kind: CheckProblemKind;
  message: string;
  /** What `--fix` does about it (what the broker's startup would do), or null when it must be fixed by hand. */
  fix: string | null;
}

export function formatCheckProblem(p: CheckProblem): string {
  return `${p.path}${p.position === null ? '' : `: byte ${p.position}`}: ${p.kind}: ${p.message}${p.fix ? ` [--fix: ${p.fix}]` : ''}`;
}

export interface SegmentSummary {
  baseOffset: number;
  sizeInBytes: number;
  validBytes: number;
  batches: number;
  records: number;
  firstOffset: number | null;
  lastOffset: number | null;
}

export interface PartitionSummary {
  name: string;
  path: string;
  topic: string;
  partition: number;
  kind: PartitionDirKind;
  sizeInBytes: number;
  segments: number;
  logStartOffset: number;
  logEndOffset: number;
  batches: number;
  records: number;
  problems: number;
  segmentDetails: SegmentSummary[];
  /** Base offset of the first segment with a fixable problem (where --fix starts recovery), or null. */
  recoverFrom: number | null;
}

export interface LogDirReport {
  dir: string;
  meta: MetaProperties | null;
  cleanShutdown: boolean;
  partitions: PartitionSummary[];
  checkpoints: Record<string, { present: boolean; entries: number }>;
}

export interface CheckReport {
  schema: typeof CHECK_SCHEMA;
  dirs: LogDirReport[];
  problems: CheckProblem[];
}

const CHECKPOINTS = [RECOVERY_POINT_CHECKPOINT_FILE, LOG_START_OFFSET_CHECKPOINT_FILE, REPLICATION_OFFSET_CHECKPOINT_FILE, CLEANER_OFFSET_CHECKPOINT_FILE];
const n = (v: bigint): number => Number(v);
const REBUILD = 'recover the segment: rebuild its indexes';
const CHECKPOINT_DROP_FIX = "drop the entry (the broker's next checkpoint write omits it)";

// ------------------------------------------------------------------------------------------------ check

export async function checkLogDirs(dirs: string[]): Promise<CheckReport> {
  const problems: CheckProblem[] = [];
  const reports: LogDirReport[] = [];
  for (const d of dirs) reports.push(await checkLogDir(path.resolve(d), problems));
  // meta.properties consistency across dirs
  const metas = reports.filter((r) => r.meta !== null);
  for (const field of ['brokerId', 'clusterId', 'version'] as const) {
    const values = new Set(metas.map((r) => String(r.meta![field] ?? '(none)')));
    if (values.size > 1) {
      for (const r of metas) {
        problems.push({
          path: path.join(r.dir, 'meta.properties'), position: null, kind: 'meta-properties',
          message: `${field === 'brokerId' ? 'broker.id' : field === 'clusterId' ? 'cluster.id' : 'version'} is ${r.meta![field] ?? '(none)'} here but the log dirs disagree (${[...values].join(', ')})`,
          fix: null,
        });
      }
    }
  }
  return { schema: CHECK_SCHEMA, dirs: reports, problems };
}

async function checkLogDir(dir: string, problems: CheckProblem[]): Promise<LogDirReport> {
  const report: LogDirReport = { dir, meta: null, cleanShutdown: fs.existsSync(path.join(dir, '.kafka_cleanshutdown')), partitions: [], checkpoints: {} };
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch (e) {
    problems.push({ path: dir, position: null, kind: 'unreadable', message: (e as Error).message, fix: null });
    return report;
  }
  const meta = await loadMetaProperties(dir);
  if (meta.kind === 'normal') report.meta = meta.props;
  else if (meta.kind === 'error') problems.push({ path: path.join(dir, 'meta.properties'), position: null, kind: 'meta-properties', message: meta.error.message, fix: null });

  for (const name of names) {
    const p = path.join(dir, name);
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      continue;
    }
    if (!st.isDirectory() || name === 'remote-log-index-cache') continue;
    let parsed;
    try {
      parsed = parsePartitionDirName(p);
    } catch (e) {
      problems.push({ path: p, position: null, kind: 'not-a-partition-dir', message: 'not a topic-partition directory (a broker refuses to start with it)', fix: null });
      continue;
    }
    if (parsed.topic === '__cluster_metadata') continue;
    if (parsed.kind === 'delete') {
      problems.push({ path: p, position: null, kind: 'delete-dir', message: 'partition directory marked for deletion, not deleted yet', fix: 'delete the directory (the broker deletes it after startup)' });
    }
    report.partitions.push(checkPartition(p, name, parsed.topic, parsed.partition, parsed.kind, problems));
  }
  if (meta.kind === 'empty' && report.partitions.length > 0) {
    problems.push({ path: path.join(dir, 'meta.properties'), position: null, kind: 'meta-properties', message: 'missing, but the log dir holds partitions', fix: null });
  }

  // checkpoints vs partitions
  const byKey = new Map(report.partitions.filter((p) => p.kind === 'current').map((p) => [topicPartitionKey(p.topic, p.partition), p]));
  const logStart = new Map<string, bigint>();
  for (const cp of CHECKPOINTS) {
    const file = path.join(dir, cp);
    if (!fs.existsSync(file)) {
      report.checkpoints[cp] = { present: false, entries: 0 };
      continue;
    }
    let entries;
    try {
      entries = await new OffsetCheckpointFile(file).readEntries();
    } catch (e) {
      report.checkpoints[cp] = { present: true, entries: 0 };
      problems.push({ path: file, position: null, kind: 'checkpoint', message: `malformed: ${(e as Error).message}`, fix: null });
      continue;
    }
    report.checkpoints[cp] = { present: true, entries: entries.length };
    for (const e of entries) {
      const key = topicPartitionKey(e.topic, e.partition);
      const part = byKey.get(key);
      if (!part) {
        problems.push({ path: file, position: null, kind: 'checkpoint', message: `entry for ${key} (offset ${e.offset}) but there is no partition directory ${key}`, fix: CHECKPOINT_DROP_FIX });
        continue;
      }
      if (cp === LOG_START_OFFSET_CHECKPOINT_FILE) logStart.set(key, e.offset);
      if (e.offset > BigInt(part.logEndOffset)) {
        const consequence = cp === LOG_START_OFFSET_CHECKPOINT_FILE ? ' (a broker would DELETE every segment of this partition at startup)'
          : cp === RECOVERY_POINT_CHECKPOINT_FILE ? ' (data the broker flushed is missing)' : '';
        const fix = cp === LOG_START_OFFSET_CHECKPOINT_FILE ? null
          : cp === CLEANER_OFFSET_CHECKPOINT_FILE ? 'reset it to the log start offset (as the log cleaner does)'
          : 'lower it to the log end offset (as the broker does when it loads the log, then rewrites the file)';
        problems.push({ path: file, position: null, kind: 'checkpoint', message: `${key}: offset ${e.offset} is past the log end offset ${part.logEndOffset}${consequence}`, fix });
      }
    }
  }
  for (const [key, p] of byKey) {
    const ls = logStart.get(key);
    if (ls !== undefined && ls > BigInt(p.logStartOffset)) p.logStartOffset = n(ls);
  }
  return report;
}

function checkPartition(dir: string, name: string, topic: string, partition: number, kind: PartitionDirKind, problems: CheckProblem[]): PartitionSummary {
  const sum: PartitionSummary = {
    name, path: dir, topic, partition, kind, sizeInBytes: 0, segments: 0, logStartOffset: 0, logEndOffset: 0, batches: 0, records: 0,
    problems: 0, segmentDetails: [], recoverFrom: null,
  };
  const before = problems.length;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    problems.push({ path: dir, position: null, kind: 'unreadable', message: (e as Error).message, fix: null });
    sum.problems = 1;
    return sum;
  }
  const present = new Set(names);
  const logs: bigint[] = [];
  for (const f of names) {
    const parsed = parseSegmentFileName(f);
    if (!parsed) continue;
    const p = path.join(dir, f);
    if (parsed.tempSuffix !== '') {
      const fix = parsed.tempSuffix === '.swap'
        ? (parsed.suffix === '.log' ? 'complete the interrupted swap (as the broker does at startup)' : 'delete it (the index is rebuilt)')
        : 'delete it (as the broker does at startup)';
      problems.push({ path: p, position: null, kind: 'temp-file', message: `leftover ${parsed.tempSuffix} file`, fix });
      continue;
    }
    if (parsed.suffix === '.log') logs.push(parsed.baseOffset);
    else if ((parsed.suffix === '.index' || parsed.suffix === '.timeindex' || parsed.suffix === '.txnindex') && !present.has(logFileName(parsed.baseOffset))) {
      problems.push({ path: p, position: null, kind: 'orphan-index', message: 'index file without its .log', fix: 'delete it (as the broker does at startup)' });
    }
  }
  logs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const markRecover = (base: bigint) => {
    if (sum.recoverFrom === null || n(base) < sum.recoverFrom) sum.recoverFrom = n(base);
  };
  let prevLast: bigint | null = null;
  let prevFile = '';
  for (const base of logs) {
    const seg = checkSegment(dir, base, problems, markRecover);
    sum.segmentDetails.push(seg.summary);
    sum.segments++;
    sum.sizeInBytes += seg.summary.sizeInBytes;
    sum.batches += seg.summary.batches;
    sum.records += seg.summary.records;
    if (prevLast !== null && base <= prevLast) {
      problems.push({ path: path.join(dir, logFileName(base)), position: null, kind: 'segment-overlap', message: `base offset ${base} overlaps the previous segment ${prevFile}, which ends at offset ${prevLast}`, fix: null });
    }
    if (seg.lastOffset !== null) {
      prevLast = seg.lastOffset;
      prevFile = logFileName(base);
    }
  }
  if (logs.length > 0) {
    sum.logStartOffset = n(logs[0]!);
    const last = sum.segmentDetails[sum.segmentDetails.length - 1]!;
    sum.logEndOffset = last.lastOffset === null ? last.baseOffset : last.lastOffset + 1;
  }
  sum.problems = problems.length - before;
  return sum;
}

/** One segment: batches checked as `LogSegment.recover` does, then its indexes. */
function checkSegment(dir: string, base: bigint, problems: CheckProblem[], markRecover: (b: bigint) => void): { summary: SegmentSummary; lastOffset: bigint | null } {
  const file = path.join(dir, logFileName(base));
  const summary: SegmentSummary = { baseOffset: n(base), sizeInBytes: 0, validBytes: 0, batches: 0, records: 0, firstOffset: null, lastOffset: null };
  const fd = fs.openSync(file, 'r');
  let lastOffset: bigint | null = null;
  const corrupt = (position: number, kind: 'corrupt' | 'truncated', message: string) => {
    problems.push({ path: file, position, kind, message, fix: `recovery truncates ${file} to ${position} bytes (drops ${summary.sizeInBytes - position}) and deletes the later segments of the partition` });
    markRecover(base);
  };
  try {
    const size = fs.fstatSync(fd).size;
    summary.sizeInBytes = size;
    let position = 0;
    let prevLast = base - 1n;
    let bad = false;
    try {
      for (const e of readBatchesFromFile(fd, 0, size, { withData: true })) {
        const b = e.batch;
        try {
          b.ensureValid();
        } catch (err) {
          corrupt(e.position, 'corrupt', `batch ${b.baseOffset}..${b.lastOffset}: ${(err as Error).message}`);
          bad = true;
          break;
        }
        const last = b.lastOffset;
        const first = b instanceof RecordBatch ? b.baseOffset : last;
        if (first <= prevLast || last < first) {
          corrupt(e.position, 'corrupt', `batch ${first}..${last} does not follow offset ${prevLast}${prevLast === base - 1n ? ` (segment base offset ${base})` : ''}`);
          bad = true;
          break;
        }
        summary.batches++;
        summary.records += count(b);
        if (summary.firstOffset === null) summary.firstOffset = n(first);
        summary.lastOffset = n(last);
        lastOffset = last;
        prevLast = last;
        position = e.position + e.size;
      }
    } catch (err) {
      if (!(err instanceof CorruptRecordError || err instanceof InvalidRecordError)) throw err;
      corrupt(position, 'corrupt', (err as Error).message.replace(/ at position \d+\.?$/, ''));
      bad = true;
    }
    summary.validBytes = position;
    if (!bad && position < size) {
      const remaining = size - position;
      if (remaining < LOG_OVERHEAD + 5) corrupt(position, 'truncated', `${remaining} trailing bytes, too few for a batch header`);
      else {
        const hdr = Buffer.alloc(LOG_OVERHEAD);
        fs.readSync(fd, hdr, 0, LOG_OVERHEAD, position);
        corrupt(position, 'truncated', `batch at offset ${hdr.readBigInt64BE(0)} declares ${hdr.readInt32BE(LENGTH_OFFSET) + LOG_OVERHEAD} bytes but only ${remaining} remain`);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  checkIndexes(dir, base, file, summary, problems, markRecover);
  return { summary, lastOffset };
}

function count(b: BatchView): number {
  if (b instanceof RecordBatch) return b.recordsCount;
  const l = b as LegacyRecordBatch;
  if (!l.isCompressed) return 1;
  try {
    return l.innerRecords().length;
  } catch {
    return 1;
  }
}

function checkIndexes(dir: string, base: bigint, logFile: string, seg: SegmentSummary, problems: CheckProblem[], markRecover: (b: bigint) => void): void {
  const idxFile = path.join(dir, offsetIndexFileName(base));
  const timeFile = path.join(dir, timeIndexFileName(base));
  const report = (file: string, position: number | null, kind: 'missing-index' | 'index-mismatch', message: string) => {
    problems.push({ path: file, position, kind, message, fix: REBUILD });
    markRecover(base);
  };
  const hasData = seg.validBytes > 0;
  if (!fs.existsSync(idxFile)) {
    if (hasData) report(idxFile, null, 'missing-index', `missing for ${path.basename(logFile)} (${seg.sizeInBytes} bytes)`);
  } else {
    const len = fs.statSync(idxFile).size;
    if (len % OFFSET_INDEX_ENTRY_SIZE !== 0) report(idxFile, len - (len % OFFSET_INDEX_ENTRY_SIZE), 'index-mismatch', `file size ${len} is not a multiple of ${OFFSET_INDEX_ENTRY_SIZE}`);
    else {
      const m = verifyOffsetIndex(idxFile, base, logFile, seg.validBytes);
      if (m) report(idxFile, m.position, 'index-mismatch', m.message);
    }
  }
  if (!fs.existsSync(timeFile)) {
    if (hasData) report(timeFile, null, 'missing-index', `missing for ${path.basename(logFile)} (${seg.sizeInBytes} bytes)`);
  } else {
    const len = fs.statSync(timeFile).size;
    if (len % TIME_INDEX_ENTRY_SIZE !== 0) report(timeFile, len - (len % TIME_INDEX_ENTRY_SIZE), 'index-mismatch', `file size ${len} is not a multiple of ${TIME_INDEX_ENTRY_SIZE}`);
    else {
      const m = verifyTimeIndex(timeFile, base, logFile, seg.validBytes);
      if (m) report(timeFile, m.position, 'index-mismatch', m.message);
    }
  }
  const txnFile = path.join(dir, `${offsetIndexFileName(base).slice(0, -'.index'.length)}.txnindex`);
  if (fs.existsSync(txnFile)) {
    const t = new TransactionIndex(base, txnFile);
    try {
      t.sanityCheck();
    } catch (e) {
      problems.push({ path: txnFile, position: null, kind: 'index-mismatch', message: (e as Error).message, fix: REBUILD });
      markRecover(base);
    } finally {
      t.close();
    }
  }
}

/** First disagreement between an offset index and its log (entries past `validBytes` disagree too), or null. */
export function verifyOffsetIndex(file: string, base: bigint, logFile: string, validBytes: number): { position: number; message: string } | null {
  const index = new OffsetIndex(file, base, { writable: false });
  const walker = new LogWalker(logFile);
  try {
    let prev: { offset: bigint; position: number } | null = null;
    for (let i = 0; i < index.entries; i++) {
      const e = index.entry(i);
      if (i > 0 && e.offset === base && e.position === 0) break; // preallocated tail
      const at = i * OFFSET_INDEX_ENTRY_SIZE;
      if (prev !== null && (e.offset <= prev.offset || e.position <= prev.position)) {
        return { position: at, message: `entry ${i} (offset ${e.offset}, position ${e.position}) does not follow entry ${i - 1} (offset ${prev.offset}, position ${prev.position})` };
      }
      if (e.position >= validBytes) return { position: at, message: `entry ${i}: position ${e.position} is past the valid data of the log (${validBytes} bytes)` };
      while (walker.current && walker.current.position < e.position) walker.advance();
      const c = walker.current;
      if (!c || c.position !== e.position) return { position: at, message: `entry ${i}: position ${e.position} is not the start of a batch` };
      if (c.lastOffset !== e.offset) return { position: at, message: `entry ${i}: offset ${e.offset} but the batch at position ${e.position} ends at offset ${c.lastOffset}` };
      prev = e;
    }
    return null;
  } finally {
    index.closeHandler();
    walker.close();
  }
}

/** First disagreement between a time index and its log, or null. */
export function verifyTimeIndex(file: string, base: bigint, logFile: string, validBytes: number): { position: number; message: string } | null {
  const index = new TimeIndex(file, base, { writable: false });
  const walker = new LogWalker(logFile);
  try {
    let prev: { timestamp: number; offset: bigint } | null = null;
    for (let i = 0; i < index.entries; i++) {
      const e = index.entry(i);
      if (i > 0 && e.timestamp === 0 && e.offset === base) break;
      const at = i * TIME_INDEX_ENTRY_SIZE;
      if (prev !== null && (e.timestamp <= prev.timestamp || e.offset < prev.offset)) {
        return { position: at, message: `entry ${i} (timestamp ${e.timestamp}, offset ${e.offset}) does not follow entry ${i - 1}` };
      }
      while (walker.current && walker.current.lastOffset < e.offset) walker.advance();
      const c = walker.current;
      if (!c || c.position + c.size > validBytes) return { position: at, message: `entry ${i}: offset ${e.offset} is past the valid data of the log` };
      if (c.lastOffset !== e.offset) return { position: at, message: `entry ${i}: offset ${e.offset} is not the last offset of a batch (the batch at position ${c.position} ends at ${c.lastOffset})` };
      if (c.maxTimestamp !== e.timestamp) return { position: at, message: `entry ${i}: timestamp ${e.timestamp} but the batch ending at offset ${e.offset} has max timestamp ${c.maxTimestamp}` };
      prev = e;
    }
    return null;
  } finally {
    index.closeHandler();
    walker.close();
  }
}

// ------------------------------------------------------------------------------------------------ fix

export interface FixAction {
  path: string;
  action: string;
  /** For a checkpoint rewrite: the checkpoint files concerned. */
  checkpoints?: string[];
}

/** The repairs `--fix` would make for `report`, in order (printed before anything is changed). */
export function planFixes(report: CheckReport): FixAction[] {
  const actions: FixAction[] = [];
  const fixable = new Set(report.problems.filter((p) => p.fix !== null).map((p) => p.path));
  for (const d of report.dirs) {
    for (const p of d.partitions) {
      if (p.kind === 'delete') {
        actions.push({ path: p.path, action: `delete the directory marked for deletion (${p.segments} segments, ${p.sizeInBytes} bytes)` });
        continue;
      }
      const mine = [...fixable].filter((f) => f.startsWith(p.path + path.sep));
      if (mine.length === 0) continue;
      const from = p.recoverFrom;
      const segs = p.segmentDetails;
      const bad = segs.findIndex((s) => from !== null && s.baseOffset >= from && s.validBytes < s.sizeInBytes);
      let loss = 'no data is removed';
      if (bad >= 0) {
        const s = segs[bad]!;
        const later = segs.slice(bad + 1);
        loss = `truncate ${logFileName(BigInt(s.baseOffset))} at byte ${s.validBytes} (drops ${s.sizeInBytes - s.validBytes} bytes)` +
          (later.length > 0
            ? ` and delete the ${later.length} later segment(s) ${later.map((l) => l.baseOffset).join(', ')} (${later.reduce((a, l) => a + l.sizeInBytes, 0)} bytes, ${later.reduce((a, l) => a + l.records, 0)} records)`
            : '');
      }
      actions.push({
        path: p.path,
        action: `run the broker's log recovery${from === null ? '' : ` from segment ${from}`}: remove leftover .deleted/.cleaned files and orphan indexes, complete interrupted swaps, rebuild indexes; ${loss}`,
      });
    }
  }
  // Checkpoints: those with fixable entries now, and every checkpoint of a log dir where a repair removes data
  // (offsets past the new log end offsets appear only then).
  const files = new Set(report.problems.filter((p) => p.kind === 'checkpoint' && p.fix !== null).map((p) => p.path));
  for (const d of report.dirs) {
    if (!d.partitions.some((p) => p.kind === 'delete' || actions.some((a) => a.path === p.path && !a.action.endsWith('no data is removed')))) continue;
    for (const cp of CHECKPOINTS) if (d.checkpoints[cp]?.present) files.add(path.join(d.dir, cp));
  }
  for (const d of report.dirs) {
    const mine = [...files].filter((f) => path.dirname(f) === d.dir).sort();
    if (mine.length === 0) continue;
    actions.push({
      path: d.dir,
      checkpoints: mine,
      action: `after the repairs above, rewrite ${mine.map((f) => path.basename(f)).join(', ')} where needed: drop entries of missing partitions, lower offsets past the log end offset to it (cleaner offsets: reset to the log start offset)`,
    });
  }
  return actions;
}

/** Apply {@link planFixes}; returns per action what happened. */
export async function applyFixes(report: CheckReport, log: (m: string) => void): Promise<void> {
  const checkpointFiles: string[] = [];
  for (const a of planFixes(report)) {
    if (a.checkpoints) {
      checkpointFiles.push(...a.checkpoints);
      continue;
    }
    const part = report.dirs.flatMap((d) => d.partitions).find((p) => p.path === a.path)!;
    if (part.kind === 'delete') {
      fs.rmSync(part.path, { recursive: true, force: true });
      log(`${part.path}: deleted`);
      continue;
    }
    const recoveryPoint = BigInt(part.recoverFrom ?? part.logEndOffset);
    const loaded = loadSegments({
      dir: part.path,
      recoveryPoint,
      logStartOffset: 0n, // never let a checkpoint make the loader drop segments
      hadCleanShutdown: false,
      log: (m) => log(`${part.path}: ${m}`),
    });
    for (const s of loaded.segments) s.close();
    log(`${part.path}: recovered ${loaded.recoveredSegments.length} segment(s), truncated ${loaded.truncatedBytes} bytes, deleted segment(s) [${loaded.deletedSegments.join(', ')}], log end offset ${loaded.logEndOffset}`);
  }
  if (checkpointFiles.length > 0) await fixCheckpoints(checkpointFiles, log);
}

/** Rewrite offset checkpoints against the log end offsets found now (after the partition repairs). */
async function fixCheckpoints(files: string[], log: (m: string) => void): Promise<void> {
  for (const file of files) {
    const dir = path.dirname(file);
    const fresh = await checkLogDir(dir, []);
    const parts = new Map(fresh.partitions.filter((p) => p.kind === 'current').map((p) => [topicPartitionKey(p.topic, p.partition), p]));
    const cp = new OffsetCheckpointFile(file);
    const entries = await cp.readEntries();
    const kept = [];
    const changes: string[] = [];
    for (const e of entries) {
      const key = topicPartitionKey(e.topic, e.partition);
      const p = parts.get(key);
      if (!p) {
        changes.push(`dropped ${key} ${e.offset}`);
        continue;
      }
      if (e.offset > BigInt(p.logEndOffset) && path.basename(file) !== LOG_START_OFFSET_CHECKPOINT_FILE) {
        const to = path.basename(file) === CLEANER_OFFSET_CHECKPOINT_FILE ? BigInt(p.logStartOffset) : BigInt(p.logEndOffset);
        changes.push(`${key} ${e.offset} -> ${to}`);
        kept.push({ ...e, offset: to });
      } else kept.push(e);
    }
    if (changes.length === 0) continue;
    await cp.writeEntries(kept);
    log(`${file}: rewritten (${changes.join(', ')})`);
  }
}

// ------------------------------------------------------------------------------------------------ render

export function renderCheckReport(r: CheckReport): string {
  const out: string[] = [];
  for (const d of r.dirs) {
    const m = d.meta;
    out.push(`Log dir ${d.dir}: ${m ? `broker.id ${m.brokerId ?? '-'}, cluster.id ${m.clusterId ?? '-'}, meta.properties version ${m.version}` : 'no meta.properties'}; ${d.cleanShutdown ? 'clean shutdown marker present' : 'no clean shutdown marker (a broker would recover)'}`);
    out.push(`Checkpoints: ${CHECKPOINTS.map((c) => `${c} ${d.checkpoints[c]?.present ? `(${d.checkpoints[c]!.entries} entries)` : '(absent)'}`).join(', ')}`);
    if (d.partitions.length === 0) out.push('(no partitions)');
    else {
      out.push(...table(
        ['PARTITION', 'KIND', 'SEGMENTS', 'SIZE', 'LOG START', 'LOG END', 'BATCHES', 'RECORDS', 'PROBLEMS'],
        d.partitions.map((p) => [p.name, p.kind, String(p.segments), String(p.sizeInBytes), String(p.logStartOffset), String(p.logEndOffset),
          String(p.batches), String(p.records), p.problems === 0 ? '-' : String(p.problems)]),
      ));
    }
    out.push('');
  }
  out.push(r.problems.length === 0 ? 'No problems found.' : `Problems (${r.problems.length}):`);
  for (const p of r.problems) out.push(formatCheckProblem(p));
  return `${out.join('\n')}\n`;
}
