/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by Kafka record batches v2
 * (`DefaultRecordBatch` CRC over bytes [21, end)) and producer-state snapshots.
 *
 * Three implementations, the first that loads wins for ranges of at least {@link NATIVE_THRESHOLD} bytes:
 *  - the project's addon `native/` (crc32c.c) (C, N-API; built by `npm ci` via scripts/build-native.mjs): the SSE4.2
 *    crc32 instruction on three interleaved streams; takes (buffer, start, end) so a call costs ~60 ns;
 *  - `@node-rs/crc32` (prebuilt N-API binary): needs a `subarray` per call (~190 ns fixed);
 *  - pure JavaScript, table-driven "slicing-by-8" (also used below the threshold).
 *
 * Measured 2026-12-04 (2 × Intel Xeon, Node 20; bench/log-crc32c.mjs, bytes [21, size) of a buffer):
 *   size     JS slicing-by-8    addon native/         @node-rs/crc32
 *   64 B     1.24 GB/s  52 ns   1.07 GB/s   60 ns     0.34 GB/s 186 ns
 *   128 B    1.22 GB/s 105 ns   2.02 GB/s   63 ns     0.65 GB/s 196 ns
 *   1 KiB    1.41 GB/s          8.35 GB/s             2.92 GB/s
 *   16 KiB   1.51 GB/s         21.7 GB/s              7.91 GB/s
 *   1 MiB    1.60 GB/s         24.5 GB/s             11.5 GB/s
 * (`sse4_crc32`, a node-gyp package, measured 8.1 GB/s at 16 KiB earlier: single stream.) If no native one
 * loads, everything uses JS. `RAFKA_CRC32C_JS=1` forces JS, `RAFKA_CRC32C_ADDON=0` skips the addon.
 */

import { createRequire } from 'node:module';
import { NATIVE_ADDON_PATH, nativeAddon } from './native-addon.js';

const TABLES: Int32Array = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/**
 * Pure-JS CRC-32C of `buf[start, end)`, continuing from `initial` (a previous CRC result, 0 to start).
 * Returns an unsigned 32-bit integer.
 */
export function crc32cJs(buf: Uint8Array, start = 0, end = buf.length, initial = 0): number {
  const t = TABLES;
  let crc = ~initial | 0;
  let i = start;
  // Align nothing: byte-indexed reads are cheap in V8; process 8 bytes per iteration.
  const end8 = end - ((end - i) & 7);
  while (i < end8) {
    const a = (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)) ^ crc;
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + buf[i + 4]!]! ^
      t[512 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!;
    i += 8;
  }
  while (i < end) {
    crc = t[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}

type Crc32cImpl = (buf: Uint8Array, start: number, end: number, initial: number) => number;

type NativeCrc32c = (input: Uint8Array, initialState?: number | null) => number;
/** The project's own addon (native/crc32c): takes the range itself, so no subarray per call. */
type AddonCrc32c = (data: Uint8Array, start: number, end: number, initial: number) => number;

const CHECK = Buffer.from('123456789');
const CHECK_VALUE = 0xe3069283;

/** Path of the addon built by `npm ci` (scripts/build-native.mjs). */
export const ADDON_PATH = NATIVE_ADDON_PATH;

function loadAddon(): AddonCrc32c | null {
  if (process.env['RAFKA_CRC32C_JS'] === '1' || process.env['RAFKA_CRC32C_ADDON'] === '0') return null;
  const fn = nativeAddon?.crc32c; // absent when the CPU lacks SSE4.2
  if (typeof fn !== 'function' || fn(CHECK, 0, CHECK.length, 0) !== CHECK_VALUE) return null;
  return fn;
}

function loadNative(): NativeCrc32c | null {
  if (process.env['RAFKA_CRC32C_JS'] === '1') return null;
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@node-rs/crc32') as { crc32c?: NativeCrc32c };
    const fn = mod.crc32c;
    if (typeof fn !== 'function') return null;
    // Self-test against the standard check value before trusting it.
    if (fn(CHECK) >>> 0 !== CHECK_VALUE) return null;
    return fn;
  } catch {
    return null;
  }
}

const addon: AddonCrc32c | null = loadAddon();
const native: NativeCrc32c | null = addon === null ? loadNative() : null;

/** Ranges shorter than this many bytes use JS even with a native implementation (its fixed call cost is higher). */
export const NATIVE_THRESHOLD: number = addon !== null ? 80 : 448;

/** Which implementation {@link crc32c} uses for large ranges. */
export const crc32cImplementation: 'addon' | '@node-rs/crc32' | 'js' = addon !== null ? 'addon' : native !== null ? '@node-rs/crc32' : 'js';

/** True when a native implementation (the addon or `@node-rs/crc32`) is in use for large ranges. */
export const nativeCrc32cLoaded: boolean = crc32cImplementation !== 'js';

function hybrid(buf: Uint8Array, start: number, end: number, initial: number): number {
  if (end - start < NATIVE_THRESHOLD) return crc32cJs(buf, start, end, initial);
  if (addon !== null) return addon(buf, start, end, initial);
  if (native === null) return crc32cJs(buf, start, end, initial);
  const view = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  return native(view, initial) >>> 0;
}

let impl: Crc32cImpl = hybrid;

/**
 * CRC-32C of `buf[start, end)`, continuing from `initial` (the CRC of the preceding bytes; 0 to start).
 * Returns an unsigned 32-bit integer.
 */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length, initial = 0): number {
  return impl(buf, start, end, initial);
}

/**
 * Replace the CRC-32C implementation (tests, benchmarks). `null` restores the default (hybrid JS/native).
 * The function must accept (buf, start, end, initialCrc) and return an unsigned 32-bit CRC-32C.
 */
export function setCrc32cImplementation(fn: Crc32cImpl | null): void {
  impl = fn ?? hybrid;
}
