/**
 * Rafka's optional native addon (`native/`, C + N-API, built by `npm ci` through scripts/build-native.mjs):
 * SSE4.2 CRC-32C and a read-ahead thread for log recovery, and _exit for the CLI's last resort. Null when it was not built (no compiler, other CPU)
 * or `RAFKA_NATIVE=0`; every user has a JavaScript fallback.
 */

import { createRequire } from 'node:module';

/** An opaque handle of a read-ahead thread. */
export type ReadAheadHandle = { readonly __brand: 'ReadAheadHandle' };

export interface NativeAddon {
  /** Absent when the CPU lacks SSE4.2. Unsigned CRC-32C of data[start, end) continuing from `initial`. */
  crc32c?: (data: Uint8Array, start: number, end: number, initial: number) => number;
  readAheadCreate(): ReadAheadHandle;
  /** pread(fd, buffer[offset, offset + length), position) on the reader's thread; one outstanding read. */
  readAheadStart(r: ReadAheadHandle, fd: number, buffer: Uint8Array, offset: number, length: number, position: number): void;
  /** Bytes the outstanding read got (short at end of file); throws its error (`code`, `errno`, `syscall`). */
  readAheadWait(r: ReadAheadHandle): number;
  /** Waits for an outstanding read and stops the thread. */
  readAheadClose(r: ReadAheadHandle): void;
  /** _exit(code): ends the process even past a thread stuck in a system call (see src/process-exit.ts). */
  exitImmediately(code: number): never;
}

/** From src/services/log or dist/services/log. */
export const NATIVE_ADDON_PATH = new URL('../../../native/build/Release/rafka_native.node', import.meta.url).pathname;

function load(): NativeAddon | null {
  if (process.env['RAFKA_NATIVE'] === '0') return null;
  try {
    return createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeAddon;
  } catch {
    return null;
  }
}

export const nativeAddon: NativeAddon | null = load();
