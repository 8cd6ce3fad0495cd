// Hostile input: random frames, truncated and corrupted real frames, random bodies for every schema version.
// Decoding must either succeed or throw ProtocolDecodeError: never another exception, never a hang.
import { performance } from 'node:perf_hooks';
import { expect, test } from 'vitest';
import { ADVERTISED_APIS, apiSupport } from '../../src/protocol/api-keys.js';
import { decodeRequest } from '../../src/protocol/frame.js';
import { MESSAGES } from '../../src/protocol/messages/index.js';
import { ProtocolDecodeError } from '../../src/protocol/primitives/errors.js';
import { codecFor, parseVersions, type MessageSchema } from '../../src/protocol/schema.js';
import { loadFixture, SCENARIOS } from './support/golden.js';
import { Rng } from './support/random-body.js';

const ALL = apiSupport(['required', 'recommended', 'sasl', 'inter-broker']);

interface Tally {
  ok: number;
  rejected: number;
  slowestMs: number;
}

function attempt(fn: () => unknown, t: Tally): void {
  const start = performance.now();
  try {
    fn();
    t.ok++;
  } catch (e) {
    if (!(e instanceof ProtocolDecodeError)) throw e;
    t.rejected++;
  }
  t.slowestMs = Math.max(t.slowestMs, confirmedMs(fn, performance.now() - start));
}

/**
 * A pathological input (a huge allocation, a runaway loop) is slow on every run; a GC pause or a
 * descheduled test worker on a busy machine is not. So a slow decode is timed twice more and the
 * fastest of the three counts.
 */
function confirmedMs(fn: () => unknown, firstMs: number): number {
  let best = firstMs;
  for (let i = 0; i < 2 && best > 20; i++) {
    const start = performance.now();
    try { fn(); } catch { /* same outcome as the first run */ }
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

test('10,000 random frames (half with a valid API key and version) only ever throw ProtocolDecodeError', () => {
  const rng = new Rng(12345);
  const t: Tally = { ok: 0, rejected: 0, slowestMs: 0 };
  for (let i = 0; i < 10_000; i++) {
    const frame = rng.bytes(rng.int(0, 256));
    if (frame.length >= 4 && rng.bool()) {
      const api = ADVERTISED_APIS[rng.int(0, ADVERTISED_APIS.length - 1)]!;
      frame.writeInt16BE(api.apiKey, 0);
      frame.writeInt16BE(rng.int(api.minVersion, api.maxVersion), 2);
      // and often a plausible client id
      if (frame.length >= 12 && rng.bool()) frame.writeInt16BE(rng.int(-1, 2), 8);
    }
    attempt(() => decodeRequest(frame, ALL), t);
  }
  expect(t.ok + t.rejected).toBe(10_000);
  expect(t.slowestMs).toBeLessThan(100);
});

const realFrames = Object.keys(SCENARIOS).flatMap((s) => loadFixture(s).map((f) => Buffer.from(f.hex, 'hex')));

test('every truncation of every captured client frame is a ProtocolDecodeError', () => {
  const t: Tally = { ok: 0, rejected: 0, slowestMs: 0 };
  for (const frame of realFrames) {
    for (let len = 0; len < frame.length; len++) {
      attempt(() => decodeRequest(frame.subarray(0, len), ALL), t);
    }
  }
  // a strict prefix of a frame is never a complete request (every body ends with something)
  expect(t.ok).toBe(0);
  expect(t.rejected).toBeGreaterThan(1000);
});

test('corrupted captured frames: flipped bytes and giant or negative lengths written anywhere', () => {
  const rng = new Rng(777);
  const t: Tally = { ok: 0, rejected: 0, slowestMs: 0 };
  const nasty = [0x7fffffff, -2, -1, 0x10000000, 0x7fff, 0xffff];
  for (let i = 0; i < 10_000; i++) {
    const frame = Buffer.from(realFrames[rng.int(0, realFrames.length - 1)]!);
    const at = rng.int(4, frame.length - 1); // keep the api key and version, corrupt the rest
    if (rng.bool()) frame[at] = rng.int(0, 255);
    else if (at + 4 <= frame.length) frame.writeInt32BE(nasty[rng.int(0, nasty.length - 1)]! | 0, at);
    else if (at + 2 <= frame.length) frame.writeInt16BE(rng.bool() ? -2 : 0x7fff, at);
    attempt(() => decodeRequest(frame, ALL), t);
  }
  expect(t.rejected).toBeGreaterThan(1000);
  expect(t.slowestMs).toBeLessThan(100);
});

const schemas: MessageSchema[] = Object.values(MESSAGES).flatMap((m) => [m.request, m.response]);

test('random bytes as every body of every schema version', () => {
  const rng = new Rng(99);
  const t: Tally = { ok: 0, rejected: 0, slowestMs: 0 };
  for (const s of schemas) {
    const [lo, hi] = parseVersions(s.validVersions);
    const c = codecFor(s);
    for (let v = lo; v <= hi; v++) {
      for (let i = 0; i < 40; i++) {
        const bytes = rng.bytes(rng.int(0, 64));
        attempt(() => c.decode(bytes, v), t);
      }
    }
  }
  expect(t.rejected).toBeGreaterThan(0);
  expect(t.slowestMs).toBeLessThan(100);
});
