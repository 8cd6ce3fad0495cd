import { describe, expect, it } from 'vitest';
import { metadataVersionFromString, metadataVersionOrdinal } from '../../src/config/metadata-version.js';

describe('metadata versions (inter.broker.protocol.version)', () => {
  it('maps short and patch versions to the latest sub-version, as MetadataVersion.fromVersionString', () => {
    expect(metadataVersionFromString('3.7')).toBe('3.7-IV4');
    expect(metadataVersionFromString('3.7.1')).toBe('3.7-IV4');
    expect(metadataVersionFromString('3.7-IV2')).toBe('3.7-IV2');
    expect(metadataVersionFromString('0.10.0.1')).toBe('0.10.0-IV1');
    expect(metadataVersionFromString('0.8.2')).toBe('0.8.2');
    expect(() => metadataVersionFromString('3.10')).toThrow('Version 3.10 is not a valid version');
  });

  it('orders versions for "IBP >= x" checks', () => {
    expect(metadataVersionOrdinal('2.7-IV0')).toBeGreaterThan(metadataVersionOrdinal('2.6'));
    expect(metadataVersionOrdinal('3.8')).toBeGreaterThan(metadataVersionOrdinal('3.7-IV4'));
    expect(metadataVersionOrdinal('2.7')).toBe(metadataVersionOrdinal('2.7-IV2'));
  });
});
