import { describe, it, expect } from 'vitest';
import { FrameReader, FrameSizeError, POOLED_FRAME_MIN_BYTES, type Frame } from '../../../src/services/network/frame-reader.js';
import { ReadBufferPool } from '../../../src/services/log/read-buffer-pool.js';
import { Connection, InFlightBudget, type ConnectionInfo, type ConnectionLimits, type RequestHandler, type RequestTimesSink } from '../../../src/services/network/connection.js';
import { withOnSent } from '../../../src/services/network/response-send.js';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

/** A request-like frame: int16 api key, then `len - 2` bytes of a pattern derived from `seed`. */
function body(apiKey: number, len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  b.writeInt16BE(apiKey, 0);
  for (let i = 2; i < len; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}
const framed = (b: Buffer): Buffer => { const h = Buffer.alloc(4); h.writeInt32BE(b.length, 0); return Buffer.concat([h, b]); };

/** Feeds `wire` in chunks of the given sizes (cycled), collecting every frame as soon as it is complete. */
function feed(reader: FrameReader, wire: Buffer, sizes: number[]): Frame[] {
  const out: Frame[] = [];
  for (let off = 0, i = 0; off < wire.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, wire.length - off);
    reader.push(wire.subarray(off, off + n));
    off += n;
    for (let f = reader.next(); f !== null; f = reader.next()) out.push(f);
  }
  return out;
}

const accept = (): null => null;
/** Byte equality without vitest's element-wise deep equal (slow on 100 KB buffers). */
const same = (got: Buffer[], want: Buffer[]): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => { expect(g.length).toBe(want[i]!.length); expect(Buffer.compare(g, want[i]!)).toBe(0); });
};

describe('FrameReader', () => {
  it('reads a size prefix split at every byte, and the frame after it', () => {
    const frames = [body(3, 10, 1), body(18, 7, 2), body(0, 40, 3)];
    const wire = Buffer.concat(frames.map(framed));
    for (let cut = 1; cut < wire.length; cut++) {
      const r = new FrameReader(accept);
      const got = feed(r, wire, [cut]);
      same(got.map((f) => f.buffer), frames);
      expect(r.bufferedBytes).toBe(0);
    }
  });

  it('many frames in one chunk are views of it (no copy)', () => {
    const frames = Array.from({ length: 50 }, (_, i) => body(1, 20 + i, i));
    const wire = Buffer.concat(frames.map(framed));
    const r = new FrameReader(accept);
    const got = feed(r, wire, [wire.length]);
    same(got.map((f) => f.buffer), frames);
    expect(r.viewed).toBe(50);
    expect(r.copied + r.pooled).toBe(0);
    expect(got[7]!.buffer.buffer).toBe(wire.buffer); // a view of the chunk
  });

  it('a frame spanning many chunks is read into one buffer of its size as the chunks arrive', () => {
    const big = body(1, 300_000, 9); // Fetch-sized, not Produce: a buffer of its own
    const small = body(18, 12, 4);
    const wire = Buffer.concat([framed(big), framed(small)]);
    const r = new FrameReader(accept);
    r.push(wire.subarray(0, 1000));
    expect(r.next()).toBeNull();
    // the frame's buffer exists once the size is known, and the chunk's bytes are already in it
    expect(r.copied).toBe(1);
    expect(r.bufferedBytes).toBe(1000 - 4);
    const got = feed(r, wire.subarray(1000), [65536, 1, 4093, 17]);
    same(got.map((f) => f.buffer), [big, small]);
    expect(got[0]!.buffer.length).toBe(300_000);
    expect(r.pooled).toBe(0);
  });

  it('big produce frames come from the pool and go back on release; a released slab is reused', () => {
    const pool = new ReadBufferPool();
    const r = new FrameReader(accept, pool);
    const p1 = body(0, 200_000, 5);
    const p2 = body(0, 180_000, 6);
    const got = feed(r, Buffer.concat([framed(p1), framed(p2)]), [65536]);
    same(got.map((f) => f.buffer), [p1, p2]);
    expect(r.pooled).toBe(2);
    expect(pool.leased).toBe(2);
    expect(pool.reused).toBe(0);
    // both are lent at once: distinct memory
    expect(got[0]!.buffer.buffer).not.toBe(got[1]!.buffer.buffer);
    got[0]!.release();
    got[0]!.release(); // idempotent
    expect(pool.released).toBe(1);
    const p3 = body(0, 150_000, 7);
    const [f3] = feed(r, framed(p3), [40_000]);
    same([f3!.buffer], [p3]);
    expect(pool.reused).toBe(1);
    expect(f3!.buffer.buffer).toBe(got[0]!.buffer.buffer);
  });

  it('a small produce frame, or one whole in a chunk, is not pooled', () => {
    const pool = new ReadBufferPool();
    const r = new FrameReader(accept, pool);
    const small = body(0, POOLED_FRAME_MIN_BYTES - 1, 1);
    const whole = body(0, 100_000, 2);
    same(feed(r, framed(small), [1000]).map((f) => f.buffer), [small]);
    same(feed(r, framed(whole), [200_000]).map((f) => f.buffer), [whole]);
    expect(pool.leased).toBe(0);
    expect(r.copied).toBe(1);
    expect(r.viewed).toBe(1);
  });

  it('waits for the api key before choosing where a big frame goes (size prefix and api key split)', () => {
    const pool = new ReadBufferPool();
    const r = new FrameReader(accept, pool);
    const p = body(0, 70_000, 3);
    const wire = framed(p);
    r.push(wire.subarray(0, 5));
    expect(r.next()).toBeNull();
    expect(pool.leased).toBe(0);
    r.push(wire.subarray(5, 6));
    expect(r.next()).toBeNull();
    expect(pool.leased).toBe(1);
    r.push(wire.subarray(6));
    same([r.next()!.buffer], [p]);
  });

  it('refuses an oversized or negative size before allocating anything for it', () => {
    const pool = new ReadBufferPool();
    const seen: number[] = [];
    const r = new FrameReader((size) => { seen.push(size); return size > 1000 ? `request of ${size} bytes is larger than socket.request.max.bytes=1000` : null; }, pool);
    const head = Buffer.alloc(6); head.writeInt32BE(50_000_000, 0); head.writeInt16BE(0, 4);
    r.push(head);
    expect(() => r.next()).toThrow(new FrameSizeError('request of 50000000 bytes is larger than socket.request.max.bytes=1000'));
    expect(seen).toEqual([50_000_000]);
    expect(pool.leased).toBe(0);
    expect(r.copied).toBe(0);
    const neg = new FrameReader(accept);
    neg.push(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
    expect(() => neg.next()).toThrow(/request of -2 bytes is a negative size/);
  });

  it('clear() gives a partly read pooled frame back', () => {
    const pool = new ReadBufferPool();
    const r = new FrameReader(accept, pool);
    r.push(framed(body(0, 100_000, 1)).subarray(0, 50_000));
    expect(r.next()).toBeNull();
    expect(pool.leased).toBe(1);
    r.clear();
    expect(pool.released).toBe(1);
    expect(r.bufferedBytes).toBe(0);
  });

  it('own reads: frames come out intact when every read buffer given out is scribbled over after its callback', () => {
    const pool = new ReadBufferPool();
    const frames = [body(0, 150_000, 1), body(1, 9, 2), body(1, 20_000, 3), body(0, 40_000, 4), ...Array.from({ length: 30 }, (_, i) => body(2, 30 + i, i)), body(0, 90_000, 5)];
    const wire = Buffer.concat(frames.map(framed));
    // reads that end 2 bytes into each size prefix leave bytes in the shared buffer across callbacks (settle's job)
    const cuts: number[] = [];
    for (let off = 0, i = 0; i < frames.length; off += 4 + frames[i]!.length, i++) cuts.push(off + 2);
    for (const step of [7, 1000, 16 * 1024, 16 * 1024 + 1, 65536, 200_000, -1]) {
      const r = new FrameReader(accept, pool);
      r.ownReads = true;
      const got: Frame[] = [];
      let direct = 0;
      for (let off = 0; off < wire.length;) {
        const target = r.nextReadBuffer();
        const upTo = step > 0 ? off + step : (cuts.find((c) => c > off) ?? wire.length);
        const n = Math.min(upTo - off, target.length, wire.length - off);
        wire.copy(target, 0, off, off + n);
        off += n;
        const before = r.directReads;
        r.onRead(n, target);
        direct += r.directReads - before;
        for (let f = r.next(); f !== null; f = r.next()) got.push(f);
        r.settle();
        if (r.directReads === before) target.fill(0xaa); // the shared buffer is reused by the next read: nothing may point into it
      }
      same(got.map((f) => f.buffer), frames);
      if (step >= 1000) expect(direct).toBeGreaterThan(0); // reads landed straight in big frames
      for (const f of got) f.release();
    }
  });

  it('a zero-size frame is returned (empty), not a stall', () => {
    const r = new FrameReader(accept);
    r.push(Buffer.concat([Buffer.alloc(4), framed(body(1, 8, 1))]));
    expect(r.next()!.buffer.length).toBe(0);
    same([r.next()!.buffer], [body(1, 8, 1)]);
  });
});

describe('Connection with a request memory pool (queued.max.request.bytes hook)', () => {
  /** Kafka-MemoryPool-like: refuses what does not fit, wakes waiters on release. */
  class TestPool {
    used = 0; refused = 0; private waiters: Array<() => void> = [];
    constructor(readonly capacity: number) {}
    tryAllocate(n: number): boolean { if (this.used + n > this.capacity) { this.refused++; return false; } this.used += n; return true; }
    release(n: number): void { this.used -= n; expect(this.used).toBeGreaterThanOrEqual(0); const w = this.waiters.splice(0); for (const f of w) f(); }
    onAvailable(fn: () => void): void { this.waiters.push(fn); }
  }
  const until = async (cond: () => boolean, what: string) => {
    for (const t0 = Date.now(); !cond();) { if (Date.now() - t0 > 20_000) throw new Error(`timed out waiting for ${what}`); await new Promise((r) => setTimeout(r, 5)); }
  };

  const PLAINTEXT: ConnectionInfo = { id: 'c', listenerName: 'PLAINTEXT', remoteAddress: '', remotePort: 0 };
  /** The Connection's limits in these tests (4 MiB frames, no idle timeout, 100 in flight), with the case's own. */
  const limits = (own: Partial<ConnectionLimits> = {}): ConnectionLimits => ({ maxRequestBytes: 1 << 22, idleTimeoutMs: 0, inFlight: new InFlightBudget(100), ...own });
  /** A Connection on the server side of a loopback TCP socket, and the connected client. */
  async function loopback(handler: RequestHandler, own: Partial<ConnectionLimits> = {}): Promise<{ client: Socket; conn: () => Connection; close: () => Promise<void> }> {
    let conn: Connection | null = null;
    const srv = createServer((s) => { conn = new Connection(s, PLAINTEXT, limits(own), handler, { onClose: () => {} }); });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const client = connect((srv.address() as AddressInfo).port, '127.0.0.1');
    await new Promise<void>((r) => client.on('connect', () => r()));
    const close = async (): Promise<void> => { client.destroy(); await until(() => conn!.isClosed, 'the close'); srv.close(); };
    return { client, conn: () => conn!, close };
  }

  it('reserves each frame before reading it, stops reading while the pool is full, releases on answer and on close', async () => {
    const pool = new TestPool(1000);
    const held: Array<() => void> = [];
    const seen: number[] = [];
    const handler: RequestHandler = async (f) => { seen.push(f[2]!); await new Promise<void>((r) => held.push(r)); return framed(Buffer.from([f[2]!])); };
    const { client: c, close } = await loopback(handler, { maxRequestBytes: 1 << 20, memoryPool: pool });
    const answers: number[] = [];
    c.on('data', (d) => { for (let o = 0; o + 5 <= d.length; o += 5) answers.push(d[o + 4]!); });
    c.write(Buffer.concat([0, 1, 2, 3].map((i) => framed(body(1, 400, i)))));
    await until(() => seen.length === 2 && pool.refused > 0, 'two frames admitted and the third refused');
    expect(pool.used).toBe(800);
    held.shift()!(); // answering the first gives its 400 bytes back: the third is read
    await until(() => seen.length === 3, 'the third frame');
    await until(() => answers.length === 1, 'the first answer');
    expect(answers).toEqual([body(1, 400, 0)[2]]);
    expect(pool.used).toBe(800);
    await close(); // the fourth is still unread; every reservation goes back with the connection
    expect(pool.used).toBe(0);
    for (const r of held) r();
  });

  it('a plaintext connection reads a big produce frame straight into its pooled slab (Node onread hooks present)', async () => {
    const got: string[] = [];
    const { client: c, conn, close } = await loopback(async (f) => { got.push(createHash('sha256').update(f).digest('hex')); return framed(Buffer.from('ok')); });
    const frames = [body(0, 2_000_000, 1), body(1, 10, 2), body(0, 700_000, 3), body(3, 5, 4)];
    // written in pieces so that reads start mid-frame
    const wire = Buffer.concat(frames.map(framed));
    for (let off = 0; off < wire.length; off += 300_001) c.write(wire.subarray(off, off + 300_001));
    await until(() => got.length === 4, 'four frames');
    expect(got).toEqual(frames.map((f) => createHash('sha256').update(f).digest('hex')));
    expect(conn().ownReads).toBe(true);
    expect(conn().frameStats.pooled).toBe(2);
    expect(conn().frameStats.directReads).toBeGreaterThan(0);
    await close();
  });

  it('requestTimes: each answered request is recorded once with ordered timestamps; a later answer waits for an earlier one', async () => {
    type Rec = { apiKey: number; apiVersion: number; t: number[] };
    const recs: Rec[] = [];
    const sink: RequestTimesSink = { record: (apiKey, apiVersion, ...t) => { recs.push({ apiKey, apiVersion, t }); } };
    let releaseFirst: () => void = () => {};
    let firstCompleted = 0;
    // api key 10 is held until released, 11 answers at once, 12 has no response (acks=0)
    const handler: RequestHandler = async (f) => {
      const key = f.readInt16BE(0);
      if (key === 10) { await new Promise<void>((r) => { releaseFirst = r; }); firstCompleted = performance.now(); }
      return key === 12 ? null : withOnSent(framed(Buffer.from([key])), [() => released.push(key)]);
    };
    const released: number[] = [];
    const { client: c, conn, close } = await loopback(handler, { maxRequestBytes: 1 << 20, requestTimes: sink });
    const answers: number[] = [];
    c.on('data', (d) => { for (let o = 0; o + 5 <= d.length; o += 5) answers.push(d[o + 4]!); });
    const req = (key: number, version: number) => { const b = Buffer.alloc(8); b.writeInt16BE(key, 0); b.writeInt16BE(version, 2); return framed(b); };
    c.write(Buffer.concat([req(10, 3), req(11, 7), req(12, 1)]));
    await until(() => conn().requests === 3, 'three requests dispatched');
    expect(recs).toEqual([]); // nothing is recorded before it is sent, and the first blocks the others
    releaseFirst();
    await until(() => recs.length === 3 && answers.length === 2, 'three records, two answers');
    expect(answers).toEqual([10, 11]);
    const by = new Map(recs.map((r) => [r.apiKey, r]));
    expect([...by.keys()].sort()).toEqual([10, 11, 12]);
    expect(by.get(10)!.apiVersion).toBe(3);
    expect(by.get(11)!.apiVersion).toBe(7);
    for (const r of recs) for (let i = 1; i < 5; i++) expect(r.t[i]!).toBeGreaterThanOrEqual(r.t[i - 1]!);
    // 11 was answered at once but handed to the socket only after 10 (ResponseQueueTime)
    expect(by.get(11)!.t[2]!).toBeLessThan(firstCompleted);
    expect(by.get(11)!.t[3]!).toBeGreaterThanOrEqual(firstCompleted);
    const none = by.get(12)!.t;
    expect(none[3]).toBe(none[2]);
    expect(none[4]).toBe(none[2]);
    // each response's onSent release ran once, in order (one write callback per connection takes them oldest first)
    expect(released).toEqual([10, 11]);
    await close();
    expect(recs.length).toBe(3);
  });

  /**
   * A socket as Node's accepted TCP sockets look to readIntoOwnBuffers (its onread slots and a handle with
   * useUserBuffer): the test plays the kernel, one read at a time, so what the connection reads while paused is exact.
   */
  class FakeReadSocket {
    readableLength = 0; destroyed = false; resumed = 0;
    readonly _handle = { useUserBuffer: (_b: Buffer): void => {} };
    private readonly listeners = new Map<string, Array<() => void>>();
    constructor() { for (const d of ['kBuffer', 'kBufferCb', 'kBufferGen']) (this as unknown as Record<symbol, unknown>)[Symbol(d)] = null; }
    private slot(d: string): unknown {
      const k = Object.getOwnPropertySymbols(this).find((x) => x.description === d)!;
      return (this as unknown as Record<symbol, unknown>)[k];
    }
    /** One read of up to `bytes.length` bytes into the buffer the connection chose: what its callback returned, and n. */
    read(bytes: Buffer): { more: boolean; n: number } {
      const buf = this.slot('kBuffer') as Buffer;
      const n = Math.min(buf.length, bytes.length);
      bytes.copy(buf, 0, 0, n);
      const more = (this.slot('kBufferCb') as (n: number, b: Buffer) => boolean)(n, buf);
      const next = (this.slot('kBufferGen') as () => Buffer)();
      const k = Object.getOwnPropertySymbols(this).find((x) => x.description === 'kBuffer')!;
      (this as unknown as Record<symbol, unknown>)[k] = next;
      return { more, n };
    }
    setNoDelay(): this { return this; }
    on(ev: string, fn: () => void): this { this.listeners.set(ev, [...(this.listeners.get(ev) ?? []), fn]); return this; }
    pause(): this { return this; }
    resume(): this { this.resumed++; return this; }
    destroy(): this { this.destroyed = true; return this; }
    cork(): void {} uncork(): void {}
    write(_b: Buffer, cb?: (err?: Error | null) => void): boolean { if (cb) process.nextTick(cb, null); return true; }
    end(): this { return this; }
  }

  /**
   * Plays reads of `sizes` (cycled) from `wire` at `off` while the connection holds reading back (paused or muted),
   * `already` bytes read since it started to: every read but the last leaves it under 16 KiB read ahead, the last
   * one (its callback answers `more` false) takes it over by less than one read. Returns the new offset.
   */
  function readAheadWhilePaused(sock: FakeReadSocket, wire: Buffer, off: number, sizes: number[], already = 0): number {
    let ahead = already; let largest = already;
    for (let i = 0; ; i++) {
      const r = sock.read(wire.subarray(off, off + sizes[i % sizes.length]!));
      off += r.n; ahead += r.n; largest = Math.max(largest, r.n);
      if (!r.more) break;
      expect(ahead).toBeLessThan(16 * 1024);
    }
    expect(ahead).toBeGreaterThanOrEqual(16 * 1024);
    expect(ahead).toBeLessThan(16 * 1024 + largest);
    return off;
  }

  it('a paused plaintext connection (queued.max.requests) reads ahead at most 16 KiB + one read (e65e338)', async () => {
    const sock = new FakeReadSocket();
    let releaseFirst: () => void = () => {};
    const got: Buffer[] = [];
    // queued.max.requests = 1: the first request is held, so the second one pauses the connection
    const conn = new Connection(sock as unknown as Socket, PLAINTEXT, limits({ inFlight: new InFlightBudget(1) }),
      async (f) => { got.push(Buffer.from(f)); if (got.length === 1) await new Promise<void>((r) => { releaseFirst = r; }); return framed(Buffer.from('ok')); },
      { onClose: () => {} });
    expect(conn.ownReads).toBe(true);
    const big = body(0, 300_000, 9); // a produce frame: read into a pooled slab, straight from the socket once started
    const wire = Buffer.concat([framed(body(1, 6, 1)), framed(body(2, 6, 2)), framed(big)]);
    let off = 0;
    const first = sock.read(wire.subarray(0, 20)); // both small frames: the first is dispatched, the second waits
    off += first.n;
    expect(got.length).toBe(1);
    off = readAheadWhilePaused(sock, wire, off, [3000, 7000, 1000, 9000, 5000], first.n);
    expect(sock.resumed).toBe(0);
    // the budget frees: reading resumes; the rest (with reads straight into the produce frame's slab) arrives intact
    releaseFirst();
    await until(() => sock.resumed > 0 && got.length === 2, 'resumed, second frame dispatched');
    while (off < wire.length) {
      const r = sock.read(wire.subarray(off, off + 64 * 1024));
      off += r.n;
      expect(r.more).toBe(true);
    }
    await until(() => got.length === 3, 'the produce frame');
    expect(Buffer.compare(got[2]!, big)).toBe(0);
    expect(conn.frameStats.pooled).toBe(1);
    expect(conn.frameStats.directReads).toBeGreaterThan(0);
    conn.close(null);
  });

  it('a muted plaintext connection (quota throttle) counts reads straight into a frame against the same bound (e65e338)', async () => {
    const sock = new FakeReadSocket();
    const got: Buffer[] = [];
    let info: ConnectionInfo | null = null;
    const conn = new Connection(sock as unknown as Socket, PLAINTEXT, limits(),
      async (f, i) => { got.push(Buffer.from(f)); info = i; return framed(Buffer.from('ok')); }, { onClose: () => {} });
    const big = body(0, 300_000, 3);
    const wire = Buffer.concat([framed(body(1, 6, 1)), framed(big)]);
    let off = sock.read(wire.subarray(0, 2000)).n; // the small frame and the produce frame's start
    expect(got.length).toBe(1);
    off += sock.read(wire.subarray(off, off + 1000)).n; // straight into the slab
    const direct0 = conn.frameStats.directReads;
    expect(direct0).toBe(1);
    // a KIP-219 throttle mutes the connection while the produce frame is half read (the reads below are synchronous:
    // the mute cannot end among them)
    info!.throttle!(60_000);
    off = readAheadWhilePaused(sock, wire, off, [6000, 2000, 7000]);
    expect(conn.frameStats.directReads).toBeGreaterThan(direct0 + 2); // the reads while muted went into the slab
    expect(sock.resumed).toBe(0);
    info!.throttle!(1); // a new throttle replaces the long one: reading resumes when it ends
    await until(() => sock.resumed > 0, 'the mute ends');
    while (off < wire.length) { const r = sock.read(wire.subarray(off, off + 64 * 1024)); off += r.n; expect(r.more).toBe(true); }
    await until(() => got.length === 2, 'the produce frame');
    expect(Buffer.compare(got[1]!, big)).toBe(0);
    conn.close(null);
  });

  it('TLS: a 2 MB produce frame written in pieces goes through the pooled slab (data-chunk path) intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rafka-tls-frame-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'),
        '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
      const got: string[] = [];
      let conn: Connection | null = null;
      const srv = createTlsServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (s) => {
        conn = new Connection(s, { ...PLAINTEXT, listenerName: 'SSL' }, limits(),
          async (f) => { got.push(createHash('sha256').update(f).digest('hex')); return framed(Buffer.from('ok')); }, { onClose: () => {} });
      });
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
      const c = tlsConnect({ port: (srv.address() as AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false });
      await new Promise<void>((r) => c.on('secureConnect', () => r()));
      const frames = [body(0, 2_000_000, 5), body(1, 10, 6), body(0, 40_000, 7)];
      const wire = Buffer.concat(frames.map(framed));
      for (let o = 0; o < wire.length; o += 250_003) c.write(wire.subarray(o, o + 250_003));
      await until(() => got.length === 3, 'three frames over TLS');
      expect(got).toEqual(frames.map((f) => createHash('sha256').update(f).digest('hex')));
      expect(conn!.ownReads).toBe(false);
      expect(conn!.frameStats.pooled).toBe(2);
      c.destroy();
      await until(() => conn!.isClosed, 'the close');
      srv.close();
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
