/**
 * The log cleaner's swap under power cuts (lazyfs, test/helpers/lazyfs): a compacted log with many overwrites is
 * cleaned in-process by the real LogCleaner, and the power is cut (synchronously, from a hook, so nothing runs in
 * between) at every step of the swap — the `.cleaned` segment written but not fsynced, written and fsynced, after
 * each rename/unlink of Kafka's order (`.cleaned` → `.swap`, old → `.deleted` → removed, `.swap` → ''), and after
 * the clean returned (partition dir fsynced, cleaner checkpoint written). The partition dir as the cut left it is
 * loaded (the loader, as Kafka's LogLoader, rolls back or completes the swap) and must serve every key's latest
 * value, only records that were written at those offsets (nothing from a half-written file), increasing offsets,
 * no leftover `.cleaned`/`.swap`/`.deleted` file; and once the clean returned, the cleaned log (the swap is durable).
 * Fast (no broker). Under CI=true a machine without FUSE fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLazyFs } from '../../../helpers/lazyfs/use-lazyfs.js';
import { mkdirsDurable } from '../../../../src/services/log/atomic-write.js';
import { Log } from '../../../../src/services/log/log.js';
import { LogSegment } from '../../../../src/services/log/log-segment.js';
import { batchOf, compactConfig, latestPerKey, newCleaner, readAll, type ReadRecord, tempFiles } from './cleaner-support.js';

const fixture = useLazyFs('rafka-cleaner-cut-', 'cleaner power-cut tests');
const { unavailable } = fixture;

const config = compactConfig({ segmentBytes: 1500, maxIndexSize: 4096, flushMessages: 1 });

/** Where the cut is taken: before the flush of the cleaned segment, or before/after the n-th dir change of the swap. */
type CutPoint = { at: 'before-flush' } | { at: 'before-op'; n: number } | { at: 'after-op'; n: number } | { at: 'after-clean' };
const label = (p: CutPoint): string => ('n' in p ? `${p.at} #${p.n}` : p.at);

interface Cycle { dir: string; snapshot: string | null; ops: string[]; original: ReadRecord[]; cleaned: ReadRecord[]; recoveryPoint: bigint }

let cycleNo = 0;
/** Build a compacted log on lazyfs, clean it, cut the power at `point` (if reached); the dir as the cut left it. */
async function cleanWithCut(point: CutPoint | null): Promise<Cycle> {
  const base = path.join(fixture.lfs.mountpoint, `c${++cycleNo}`);
  const dir = path.join(base, 't-0');
  await mkdirsDurable(base); // the log dir, as LogManager creates it
  const log = Log.create({ dir, topic: 't', partition: 0, config });
  for (let n = 0; n < 16; n++) {
    const recs = Array.from({ length: 8 }, (_, i) => ({ key: `k${i}`, value: `r${n}-${i}` }));
    log.appendAsLeader(batchOf([...recs, { key: `only${n}`, value: `u${n}` }], 1000 + n), 0); // one key never overwritten
    if (n % 3 === 2) log.roll(); // small segments, so one cleaned segment replaces several
  }
  log.roll();
  log.flush();
  const original = readAll(log).records;
  const recoveryPoint = log.recoveryPoint;

  const ops: string[] = [];
  let snapshot: string | null = null;
  const cut = (): void => {
    if (snapshot !== null) return;
    fixture.lfs.cutSync();
    snapshot = path.join(fixture.root, 'snapshots', `c${cycleNo}`);
    fs.cpSync(base, snapshot, { recursive: true }); // the dir as the power cut left it; what runs after is dead
  };
  const inDir = (p: unknown): boolean => typeof p === 'string' && p.startsWith(dir + path.sep);
  let depth = 0; // fs.rmSync may call fs.unlinkSync: one op
  const op = (name: string, p: string, run: () => void): void => {
    if (depth > 0) return run();
    depth++;
    try {
      opInner(name, p, run);
    } finally {
      depth--;
    }
  };
  const opInner = (name: string, p: string, run: () => void): void => {
    ops.push(`${name} ${path.basename(p)}`);
    const n = ops.length;
    if (point?.at === 'before-op' && point.n === n) cut();
    run();
    if (point?.at === 'after-op' && point.n === n) cut();
  };
  const { renameSync, rmSync, unlinkSync } = fs;
  const flush = LogSegment.prototype.flush;
  fs.renameSync = (a, b) => (inDir(a) ? op('rename', String(a), () => renameSync(a, b)) : renameSync(a, b));
  fs.rmSync = (p, o) => (inDir(p) && fs.existsSync(p) ? op('rm', String(p), () => rmSync(p, o)) : rmSync(p, o));
  fs.unlinkSync = (p) => (inDir(p) ? op('unlink', String(p), () => unlinkSync(p)) : unlinkSync(p));
  LogSegment.prototype.flush = function (this: LogSegment) {
    if (point?.at === 'before-flush' && this.logFile.endsWith('.cleaned')) cut();
    return flush.call(this);
  };
  const cleaner = newCleaner(() => [log], [base]);
  let cleanedOk = false;
  try {
    cleanedOk = await cleaner.cleanFilthiestLog();
  } catch (e) {
    if (snapshot === null) throw e; // after the cut the process is "dead": its errors do not count
  } finally {
    fs.renameSync = renameSync;
    fs.rmSync = rmSync;
    fs.unlinkSync = unlinkSync;
    LogSegment.prototype.flush = flush;
    await cleaner.shutdown();
  }
  if (snapshot === null) expect(cleanedOk, 'the cleaner cleaned the log').toBe(true);
  if (point?.at === 'after-clean') cut();
  const cleaned = snapshot === null || point?.at === 'after-clean' ? readAll(log).records : [];
  log.closeHandlers();
  return { dir, snapshot, ops, original, cleaned, recoveryPoint };
}

const show = (rs: ReadRecord[]): string => rs.map((r) => `${r.offset}:${r.key}=${r.value}`).join(' ');

function loadSnapshot(c: Cycle): { records: ReadRecord[]; leftovers: string[]; leo: bigint } {
  const dir = path.join(c.snapshot!, 't-0');
  const { log } = Log.load({ dir, topic: 't', partition: 0, config, recoveryPoint: c.recoveryPoint, logStartOffset: 0n, hadCleanShutdown: false, hooks: { warn: () => {} } });
  try {
    return { records: readAll(log).records, leftovers: tempFiles(dir), leo: log.logEndOffset };
  } finally {
    log.close();
  }
}

describe.skipIf(unavailable !== null)('log cleaner swap under power cuts (lazyfs)', () => {
  it('a cut at every step of the swap loses nothing, serves no half-written data and leaves no temp file; after the clean returned the swap is durable', async () => {
    // a run without a cut: the clean's dir changes (the cut points), and proof that cleaning removes records
    const dry = await cleanWithCut(null);
    expect(dry.ops.some((o) => /^rename .*\.cleaned$/.test(o)), dry.ops.join('\n')).toBe(true);
    expect(dry.cleaned.length).toBeLessThan(dry.original.length / 2);
    // before each swap (the cleaned segment written and fsynced, the previous swap's dir fsync done), and after the
    // first and the last op of each step of Kafka's order (.cleaned → .swap, old → .deleted, removal, .swap → '')
    const step = (o: string): string => `${o.split(' ')[0]} ${/\.(cleaned|swap|deleted)$/.exec(o)?.[1] ?? 'live'}`;
    const points: CutPoint[] = [{ at: 'before-flush' }];
    dry.ops.forEach((o, i) => {
      if (/^rename .*\.log\.cleaned$/.test(o)) points.push({ at: 'before-op', n: i + 1 });
      const first = i === 0 || step(dry.ops[i - 1]!) !== step(o);
      const last = i === dry.ops.length - 1 || step(dry.ops[i + 1]!) !== step(o);
      if (first || last) points.push({ at: 'after-op', n: i + 1 });
    });
    points.push({ at: 'after-clean' });

    const failures: string[] = [];
    let rolledBack = 0;
    let completed = 0;
    for (const point of points) {
      const c = await cleanWithCut(point);
      if (c.snapshot === null) {
        failures.push(`cut ${label(point)}: not reached (ops ${c.ops.join(', ')})`);
        continue;
      }
      const { records, leftovers, leo } = loadSnapshot(c);
      const byOffset = new Map(c.original.map((r) => [r.offset, r]));
      const problems: string[] = [];
      if (leftovers.length > 0) problems.push(`leftover ${leftovers.join(',')}`);
      if (leo !== c.original[c.original.length - 1]!.offset + 1n) problems.push(`LEO ${leo}`);
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        if (i > 0 && r.offset <= records[i - 1]!.offset) problems.push(`offset ${r.offset} after ${records[i - 1]!.offset}`);
        const o = byOffset.get(r.offset);
        if (!o || o.key !== r.key || o.value !== r.value) problems.push(`offset ${r.offset}: ${r.key}=${r.value} was never written there`);
      }
      const want = latestPerKey(c.original);
      const got = latestPerKey(records);
      for (const [k, v] of want) if (got.get(k) !== v) problems.push(`key ${k}: ${got.get(k) ?? 'missing'}, want ${v}`);
      if (point.at === 'after-clean' && show(records) !== show(c.cleaned)) problems.push(`clean not durable: ${records.length} records, cleaned log had ${c.cleaned.length}`);
      if (records.length === c.original.length) rolledBack++;
      else completed++;
      if (problems.length > 0) failures.push(`cut ${label(point)}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5})` : ''}`);
    }
    if (failures.length > 0) console.error(`${failures.length} of ${points.length} cut points failed:\n${failures.join('\n')}`);
    expect(failures, `${points.length} cut points`).toEqual([]);
    // both outcomes of the loader were exercised: swaps undone (originals) and completed (cleaned segments)
    expect({ rolledBack: rolledBack > 0, completed: completed > 0 }).toEqual({ rolledBack: true, completed: true });
  }, 60_000);
});
