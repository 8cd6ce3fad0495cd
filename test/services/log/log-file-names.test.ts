import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import {
  filenamePrefixFromOffset, isIndexFile, isLogFile, logFile, offsetFromFileName, parseSegmentFileName, segmentFileName,
  stripTemporarySuffix, timeIndexFile,
} from '../../../src/services/log/log-file-names.js';
import { compatDir } from '../../helpers/environment.js';

describe('log file names', () => {
  it('20-digit zero-padded prefixes', () => {
    expect(filenamePrefixFromOffset(0n)).toBe('00000000000000000000');
    expect(filenamePrefixFromOffset(1234)).toBe('00000000000000001234');
    expect(filenamePrefixFromOffset(9223372036854775807n)).toBe('09223372036854775807');
    expect(() => filenamePrefixFromOffset(-1n)).toThrow(RangeError);
    expect(segmentFileName(38n, '.snapshot')).toBe('00000000000000000038.snapshot');
    expect(segmentFileName(5n, '.log', '.swap')).toBe('00000000000000000005.log.swap');
    expect(logFile('/d', 18n)).toBe('/d/00000000000000000018.log');
    expect(timeIndexFile('/d', 18n, '.cleaned')).toBe('/d/00000000000000000018.timeindex.cleaned');
  });

  it('parses names, including temporary suffixes, and rejects others', () => {
    expect(parseSegmentFileName('00000000000000000042.timeindex.swap')).toEqual({ baseOffset: 42n, suffix: '.timeindex', tempSuffix: '.swap' });
    expect(parseSegmentFileName('00000000000000000042.log')).toEqual({ baseOffset: 42n, suffix: '.log', tempSuffix: '' });
    expect(parseSegmentFileName('09223372036854775807.txnindex.deleted')?.baseOffset).toBe(9223372036854775807n);
    expect(parseSegmentFileName('99999999999999999999.log')).toBeNull();
    expect(parseSegmentFileName('42.log')).toBeNull();
    expect(parseSegmentFileName('leader-epoch-checkpoint')).toBeNull();
    expect(parseSegmentFileName('00000000000000000042.log.tmp')).toBeNull();
    expect(offsetFromFileName('/x/00000000000000000018.log.deleted')).toBe(18n);
    expect(stripTemporarySuffix('00000000000000000018.index.swap')).toBe('00000000000000000018.index');
    expect(isLogFile('00000000000000000018.log')).toBe(true);
    expect(isLogFile('00000000000000000018.log.swap')).toBe(false);
    expect(isIndexFile('00000000000000000018.timeindex')).toBe(true);
  });

  it('round-trips every segment-related name in the Kafka 2.7.1 fixture', () => {
    const root = compatDir();
    let n = 0;
    for (const part of readdirSync(root, { withFileTypes: true })) {
      if (!part.isDirectory()) continue;
      for (const f of readdirSync(`${root}/${part.name}`)) {
        if (f === 'leader-epoch-checkpoint' || f === 'partition.metadata') continue;
        const p = parseSegmentFileName(f);
        expect(p, f).not.toBeNull();
        expect(segmentFileName(p!.baseOffset, p!.suffix, p!.tempSuffix)).toBe(f);
        n++;
      }
    }
    expect(n).toBeGreaterThan(50);
  });
});
