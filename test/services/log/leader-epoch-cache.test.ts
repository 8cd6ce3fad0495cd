import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderEpochCache } from '../../../src/services/log/leader-epoch-cache.js';
import { makeTmpDir, rmrf } from './tmp.js';

const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

async function dir(): Promise<string> {
  const d = await makeTmpDir();
  cleanup.push(d);
  return d;
}

describe('LeaderEpochCache', () => {
  it('reads Kafka-written files, assigns (write-through), truncates from end and start', async () => {
    const d = await dir();
    writeFileSync(path.join(d, 'leader-epoch-checkpoint'), '0\n2\n0 0\n3 10\n');
    const c = LeaderEpochCache.load(d);
    expect(c.latestEpoch).toBe(3);
    expect(c.epochForOffset(9n)).toBe(0);
    expect(c.epochForOffset(10n)).toBe(3);
    expect(c.assign(3, 15n)).toBe(false);
    expect(c.assign(5, 20n)).toBe(true);
    expect(readFileSync(path.join(d, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n3\n0 0\n3 10\n5 20\n');
    // a lower start offset for a new epoch removes non-monotonic entries
    c.assign(6, 12n);
    expect(c.epochEntries()).toEqual([{ epoch: 0, startOffset: 0n }, { epoch: 3, startOffset: 10n }, { epoch: 6, startOffset: 12n }]);
    c.truncateFromEnd(12n);
    expect(c.epochEntries().map((e) => e.epoch)).toEqual([0, 3]);
    c.truncateFromStart(11n);
    expect(readFileSync(path.join(d, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n1\n3 11\n');
    expect(c.assign(-1, 100n)).toBe(false);
  });

  it('a missing file is empty; a malformed one throws (the dir goes offline)', async () => {
    const d = await dir();
    expect(LeaderEpochCache.load(d).epochEntries()).toEqual([]);
    const e = path.join(d, 'x');
    mkdirSync(e);
    writeFileSync(path.join(e, 'leader-epoch-checkpoint'), '0\n1\nfoo\n');
    expect(() => LeaderEpochCache.load(e)).toThrow(/Malformed line/);
  });
});
