/** WarningLimiter: per (cause, client address) one full line per interval, then a summary with the count. */
import { describe, it, expect } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { WarningLimiter, causeOf } from '../../../src/services/network/warning-limiter.js';

function capturingLog() {
  const lines: any[] = [];
  const log = pino({ level: 'info' }, new Writable({ write(chunk, _e, cb) { lines.push(JSON.parse(chunk.toString())); cb(); } }));
  return { log, lines };
}

describe('WarningLimiter', () => {
  it('logs the first warning per cause and address, counts the rest, and summarises them when the interval ends', () => {
    const { log, lines } = capturingLog();
    let now = 1000;
    const w = new WarningLimiter(log, { intervalMs: 5000, burst: 1, now: () => now });
    for (let i = 0; i < 20_000; i++) w.warn('10.0.0.1', { n: i }, `Closing connection PLAINTEXT-${i}: request of ${100 + i} bytes is larger than socket.request.max.bytes=100`, causeOf(`request of ${100 + i} bytes is larger than socket.request.max.bytes=100`));
    w.warn('10.0.0.2', {}, 'request of 200 bytes is larger than socket.request.max.bytes=100');
    w.warn('10.0.0.1', {}, 'malformed request header');
    expect(lines.map((l) => l.msg)).toEqual([
      'Closing connection PLAINTEXT-0: request of 100 bytes is larger than socket.request.max.bytes=100',
      'request of 200 bytes is larger than socket.request.max.bytes=100',
      'malformed request header',
    ]);
    now += 4999;
    w.flush();
    expect(lines).toHaveLength(3);
    now += 1;
    w.flush();
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ level: 40, client: '10.0.0.1', suppressed: 19_999, cause: 'request of N bytes is larger than socket.request.max.bytes=N' });
    expect(lines[3].msg).toBe('Suppressed 19999 more warning(s) from 10.0.0.1 in the last 5 s: request of N bytes is larger than socket.request.max.bytes=N');
    expect(w.suppressedTotal).toBe(19_999);
    // keys without suppressed warnings are dropped at the end of their interval; the noisy one stays (summary-only)
    expect(w.trackedKeys).toBe(1);
    w.warn('10.0.0.1', {}, 'request of 7 bytes is larger than socket.request.max.bytes=100');
    expect(lines).toHaveLength(4);
    now += 5000;
    w.flush();
    expect(lines[4]).toMatchObject({ suppressed: 1 });
    now += 5000;
    w.flush();
    expect(w.trackedKeys).toBe(0);
    w.close();
  });

  it('bounds the keys: past maxKeys new addresses share client "*"', () => {
    const { log, lines } = capturingLog();
    const w = new WarningLimiter(log, { maxKeys: 3, burst: 1, now: () => 0 });
    for (let i = 0; i < 100; i++) w.warn(`10.0.${i}.1`, {}, 'malformed request header');
    expect(w.trackedKeys).toBe(4);
    expect(lines).toHaveLength(4);
    w.close();
    expect(lines[4]).toMatchObject({ client: '*', suppressed: 96 });
  });
});
