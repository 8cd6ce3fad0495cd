/**
 * A cleaner crash at each step of the swap leaves files the loader (segment-recovery.ts, as Kafka's LogLoader)
 * either rolls back (`.cleaned` present: the originals win) or completes (`.swap` complete: the cleaned segment
 * wins). Each case is built on real disk from a log before and after a real clean.
 */
import { copyFileSync, cpSync, existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Log } from '../../../../src/services/log/log.js';
import { rmrf, makeTmpDir } from '../tmp.js';
import { batchOf, compactConfig, compactedLog, latestPerKey, newCleaner, readAll, type ReadRecord, tempFiles } from './cleaner-support.js';

const config = compactConfig({ segmentBytes: 1500, maxIndexSize: 4096 });
const name = (base: bigint, suffix: string) => `${String(base).padStart(20, '0')}${suffix}`;
let work: string;
let origDir: string;
let cleanedDir: string;
let origRecords: ReadRecord[];
let cleanedRecords: ReadRecord[];
/** The first cleaned segment and the original segments it replaced. */
let firstCleaned: { base: bigint; next: bigint };
let replaced: bigint[];
/** Next offset after the first cleaned segment's last batch (the loader's max swap offset). */
let swapNext: bigint;

beforeAll(async () => {
  const { log, root, dir } = await compactedLog(config);
  work = root;
  for (let n = 0; n < 12; n++) {
    const recs = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `r${n}-${i}` }));
    log.appendAsLeader(batchOf([...recs, { key: `only${n}`, value: `u${n}` }], 1000 + n), 0); // one key never overwritten
    if (n % 2 === 1) log.roll(); // small segments, so one cleaned segment replaces several
  }
  log.roll();
  log.flush();
  origRecords = readAll(log).records;
  origDir = path.join(root, 'orig');
  cpSync(dir, origDir, { recursive: true });
  const origBases = log.segmentBaseOffsets();
  const cleaner = newCleaner(() => [log], [root]);
  expect(await cleaner.cleanFilthiestLog()).toBe(true);
  await cleaner.shutdown();
  const cleanedRead = readAll(log);
  cleanedRecords = cleanedRead.records;
  const bases = log.segmentBaseOffsets();
  firstCleaned = { base: bases[0]!, next: bases[1]! };
  swapNext = cleanedRead.batches.filter((b) => b.baseOffset < firstCleaned.next).reduce((m, b) => (b.nextOffset > m ? b.nextOffset : m), firstCleaned.base);
  expect(swapNext).toBeGreaterThan(firstCleaned.base);
  replaced = origBases.filter((b) => b >= firstCleaned.base && b < firstCleaned.next);
  expect(replaced.length).toBeGreaterThan(1); // the first group merged several segments
  log.close();
  cleanedDir = dir;
});
afterAll(async () => { await rmrf(work); });

let seq = 0;
/** A copy of the original partition dir, plus files of the first cleaned segment under the given names. */
function crashedDir(cleanedFiles: Record<string, string>, mutate?: (dir: string) => void): string {
  const dir = path.join(work, `crash${++seq}`, 't-0');
  cpSync(origDir, dir, { recursive: true });
  for (const [suffix, target] of Object.entries(cleanedFiles)) copyFileSync(path.join(cleanedDir, name(firstCleaned.base, suffix)), path.join(dir, target));
  mutate?.(dir);
  return dir;
}

function load(dir: string, hadCleanShutdown = true): ReadRecord[] {
  const { log } = Log.load({ dir, topic: 't', partition: 0, config, hadCleanShutdown, recoveryPoint: 0n });
  try {
    return readAll(log).records;
  } finally {
    log.close();
  }
}

const all = (base: bigint, tmp: string) => Object.fromEntries(['.log', '.index', '.timeindex'].map((s) => [s, name(base, s + tmp)]));

describe('cleaner crash safety at load (files on disk)', () => {
  it('crash while writing: leftover .cleaned files are deleted and the original segments stay', () => {
    const dir = crashedDir(all(firstCleaned.base, '.cleaned'));
    expect(load(dir)).toEqual(origRecords);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('crash while renaming .cleaned → .swap (.log already .swap, indexes still .cleaned): the swap is dropped', () => {
    const b = firstCleaned.base;
    const dir = crashedDir({ '.log': name(b, '.log.swap'), '.index': name(b, '.index.cleaned'), '.timeindex': name(b, '.timeindex.cleaned') });
    expect(load(dir, false)).toEqual(origRecords);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('crash after .swap, before the old segments were renamed: the swap completes, the replaced segments go', () => {
    const dir = crashedDir(all(firstCleaned.base, '.swap'));
    const got = load(dir);
    expect(tempFiles(dir)).toEqual([]);
    expect(latestPerKey(got)).toEqual(latestPerKey(origRecords));
    const byOffset = new Map(origRecords.map((r) => [r.offset, r]));
    for (const r of got) expect(r).toEqual(byOffset.get(r.offset));
    expect(got).toEqual(cleanedRecords.filter((r) => r.offset < swapNext).concat(origRecords.filter((r) => r.offset >= swapNext)));
    // the first segment is now the cleaned one; the originals it covers are gone (as Kafka: up to its next offset)
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    expect(logs[0]).toBe(name(firstCleaned.base, '.log'));
    for (const b of replaced.slice(1)) expect(existsSync(path.join(dir, name(b, '.log')))).toBe(b >= swapNext);
    expect(statSync(path.join(dir, logs[0]!)).size).toBe(statSync(path.join(cleanedDir, name(firstCleaned.base, '.log'))).size);
  });

  it('crash after the old segments became .deleted: the .swap is renamed in', () => {
    const dir = crashedDir(all(firstCleaned.base, '.swap'), (d) => {
      for (const b of replaced) for (const s of ['.log', '.index', '.timeindex']) renameSync(path.join(d, name(b, s)), path.join(d, name(b, s + '.deleted')));
    });
    const got = load(dir, false);
    expect(tempFiles(dir)).toEqual([]);
    expect(got).toEqual(cleanedRecords.filter((r) => r.offset < firstCleaned.next).concat(origRecords.filter((r) => r.offset >= firstCleaned.next)));
  });

  it('crash while renaming .swap → final (.log renamed, indexes still .swap): indexes are rebuilt', () => {
    const b = firstCleaned.base;
    const dir = crashedDir({ '.log': name(b, '.log'), '.index': name(b, '.index.swap'), '.timeindex': name(b, '.timeindex.swap') }, (d) => {
      for (const o of replaced.slice(1)) for (const s of ['.log', '.index', '.timeindex']) renameSync(path.join(d, name(o, s)), path.join(d, name(o, s + '.deleted')));
    });
    const got = load(dir);
    expect(tempFiles(dir)).toEqual([]);
    expect(got).toEqual(cleanedRecords.filter((r) => r.offset < firstCleaned.next).concat(origRecords.filter((r) => r.offset >= firstCleaned.next)));
  });
});
