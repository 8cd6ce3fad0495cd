import { describe, expect, it, afterEach, beforeEach, vi } from 'vitest';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { crc32c, crc32cJs, nativeCrc32cLoaded, NATIVE_THRESHOLD, setCrc32cImplementation } from '../../../src/services/log/crc32c.js';

// Bit-at-a-time reference (independent of the table implementation).
function reference(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    crc ^= buf[i]!;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pseudoRandom(n: number, seed = 12345): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('crc32c', () => {
  afterEach(() => setCrc32cImplementation(null));

  it('matches the standard check value and RFC 3720 vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cJs(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('agrees with a bitwise reference for many lengths, offsets and both implementations', () => {
    const data = pseudoRandom(5000);
    for (const len of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 100, NATIVE_THRESHOLD - 1, NATIVE_THRESHOLD, 1000, 4096, 4999]) {
      for (const start of [0, 1, 3]) {
        const end = Math.min(data.length, start + len);
        const want = reference(data, start, end);
        expect(crc32cJs(data, start, end)).toBe(want);
        expect(crc32c(data, start, end)).toBe(want);
      }
    }
  });

  it('continues from a previous CRC (incremental) in both implementations', () => {
    const data = pseudoRandom(3000, 7);
    const whole = reference(data);
    for (const split of [0, 5, 500, 2999, 3000]) {
      const a = crc32c(data, 0, split);
      expect(crc32c(data, split, data.length, a)).toBe(whole);
      const j = crc32cJs(data, 0, split);
      expect(crc32cJs(data, split, data.length, j)).toBe(whole);
    }
  });

  it('reports whether the native implementation is active and allows overriding', () => {
    expect(typeof nativeCrc32cLoaded).toBe('boolean');
    setCrc32cImplementation(() => 42);
    expect(crc32c(Buffer.from('x'))).toBe(42);
    setCrc32cImplementation(null);
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('falls back to pure JS when the native package is disabled/unavailable', async () => {
    vi.resetModules();
    process.env['RAFKA_CRC32C_JS'] = '1';
    try {
      const m = await import('../../../src/services/log/crc32c.js');
      expect(m.nativeCrc32cLoaded).toBe(false);
      const data = pseudoRandom(10000, 3);
      expect(m.crc32c(data)).toBe(reference(data));
    } finally {
      delete process.env['RAFKA_CRC32C_JS'];
    }
  });
});

describe('crc32c addon (native/crc32c.c, three interleaved SSE4.2 streams)', () => {
  beforeEach(() => vi.resetModules()); // the fallback test above leaves a JS-only module in the cache

  it('is the implementation in use when built, and agrees with the reference across its block boundaries', async () => {
    const m = await import('../../../src/services/log/crc32c.js');
    if (!fs.existsSync(m.ADDON_PATH) || process.env['RAFKA_NATIVE'] === '0') {
      // only where the build could not run (no compiler / not x86-64) or it is switched off: JS or @node-rs/crc32
      expect(m.crc32cImplementation).not.toBe('addon');
      return;
    }
    expect(m.crc32cImplementation).toBe('addon');
    const data = pseudoRandom(3 * 4096 * 2 + 3 * 256 * 3 + 100, 99);
    // lengths around 3 × 4096 (long blocks) and 3 × 256 (short blocks), unaligned starts, a running initial CRC
    for (const len of [80, 767, 768, 769, 3 * 256 * 2 + 5, 12287, 12288, 12289, 16014, 24576 + 7, data.length - 7]) {
      for (const start of [0, 1, 5, 7]) {
        const end = Math.min(data.length, start + len);
        expect(m.crc32c(data, start, end)).toBe(reference(data, start, end));
        const mid = start + (len >> 1);
        expect(m.crc32c(data, mid, end, m.crc32c(data, start, mid))).toBe(reference(data, start, end));
      }
    }
  });

  it('rejects ranges outside the buffer instead of reading past it', async () => {
    const m = await import('../../../src/services/log/crc32c.js');
    if (m.crc32cImplementation !== 'addon') return;
    const addon = createRequire(import.meta.url)(m.ADDON_PATH) as { crc32c: (b: Uint8Array, s: number, e: number, i: number) => number };
    expect(() => addon.crc32c(Buffer.alloc(100), 0, 101, 0)).toThrow(RangeError);
    expect(() => addon.crc32c(Buffer.alloc(100), 50, 40, 0)).toThrow(RangeError);
    expect(() => addon.crc32c('x' as unknown as Uint8Array, 0, 1, 0)).toThrow(TypeError);
  });
});
