/** The history checker finds each anomaly it claims to (no broker needed). */
import { describe, expect, it } from 'vitest';
import { HwObserver, NumberedProducer, checkHistory, historyOk, formatReport, type LogRecord } from './fault-checker.js';

function producer(id: string, partition: number, acked: number[], failed: number[] = [], offsets: Array<[number, number]> = []): NumberedProducer {
  const p = new NumberedProducer(id, 't', partition, ['127.0.0.1:1']);
  for (const s of acked) p.acked.add(s);
  for (const s of failed) p.failed.add(s);
  for (const [s, o] of offsets) p.ackedOffsets.set(s, o);
  p.sent = acked.length + failed.length;
  return p;
}
const log = (...vals: string[]): LogRecord[] => vals.map((v, i) => ({ offset: i, key: v.split(':')[0]!, value: v }));
function observer(seen: Array<[number, string]>, extra: Partial<Pick<HwObserver, 'inconsistent' | 'backwards'>> = {}): HwObserver {
  const o = new HwObserver('t', 0, '127.0.0.1:1');
  for (const [off, v] of seen) o.seen.set(off, v);
  if (extra.inconsistent) o.inconsistent.push(...extra.inconsistent);
  if (extra.backwards) o.backwards.push(...extra.backwards);
  return o;
}

describe('HwObserver.ingest', () => {
  it('takes complete "offset value" lines only, never the cut last line of a killed kcat', () => {
    const o = new HwObserver('t', 0, '127.0.0.1:1');
    o.ingest('0 a:0\n1 a:1\n2 a:');
    expect([...o.seen]).toEqual([[0, 'a:0'], [1, 'a:1']]);
    o.ingest('2 a:2\n3 a:3\n45');
    expect([...o.seen.keys()]).toEqual([0, 1, 2, 3]);
    expect(o.inconsistent).toEqual([]);
    expect(o.backwards).toEqual([]);
  });
});

describe('checkHistory', () => {
  it('passes a clean history, failed (indeterminate) records present or not', () => {
    const r = checkHistory({
      producers: [producer('a', 0, [0, 1, 3], [2, 4], [[0, 0], [1, 1], [3, 3]])],
      finalLogs: new Map([[0, log('a:0', 'a:1', 'a:2', 'a:3')]]),
      observers: [observer([[0, 'a:0'], [1, 'a:1']])],
      faults: 2,
    });
    expect(historyOk(r), formatReport(r)).toBe(true);
    expect(r).toMatchObject({ sent: 5, acknowledged: 3, failed: 2, faults: 2 });
  });

  it('does not hold an indeterminate (failed) record that landed late against the order', () => {
    const r = checkHistory({
      producers: [producer('a', 0, [0, 1, 3], [2])],
      finalLogs: new Map([[0, log('a:0', 'a:1', 'a:3', 'a:2')]]),
      faults: 1,
    });
    expect(historyOk(r), formatReport(r)).toBe(true);
  });

  it('finds lost, duplicated and reordered records and a wrong acknowledged offset', () => {
    const r = checkHistory({
      producers: [producer('a', 0, [0, 1, 2, 3], [], [[3, 3]])],
      finalLogs: new Map([[0, log('a:0', 'a:2', 'a:1', 'a:2')]]),
      faults: 1,
    });
    expect(historyOk(r)).toBe(false);
    expect(r.lost).toEqual(['a:3']);
    expect(r.duplicated).toEqual(['a:2 ×2']);
    expect(r.reordered.length).toBe(2);
    expect(r.ackOffsetMismatch).toEqual(['a:3 acknowledged at offset 3, final log has a:2 there']);
  });

  it('finds records an observer read that vanished or changed, inconsistent offsets and backwards polls', () => {
    const r = checkHistory({
      producers: [producer('a', 0, [0])],
      finalLogs: new Map([[0, log('a:0', 'a:9')]]),
      observers: [observer([[0, 'a:0'], [1, 'a:1'], [2, 'a:2']], { inconsistent: [{ offset: 0, a: 'x', b: 'a:0' }], backwards: [{ after: 2, got: 1 }] })],
      faults: 0,
    });
    expect(historyOk(r)).toBe(false);
    expect(r.vanished).toEqual(['t-0@2=a:2 (gone)']);
    expect(r.inconsistentOffsets).toEqual(['t-0@0: x vs a:0', 't-0@1: observed a:1, final a:9']);
    expect(r.backwardsPolls).toBe(1);
    expect(formatReport(r)).toMatch(/vanished=1/);
  });
});
