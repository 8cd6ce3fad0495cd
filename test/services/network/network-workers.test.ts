// Network worker threads (num.network.threads, opt-in): a SocketServer in this process with 2 workers (the built
// worker script in dist: `npm test` builds it before vitest). Checks: frames reach the handler and answers reach the
// client in request order per connection though handled out of order; connections spread over the workers;
// closeAfterResponse / throttle / park / the request timestamps cross threads; a worker that stops closes its
// connections (the client sees the close) with one error line, and new connections go to the worker left.
import { describe, it, expect, afterEach } from 'vitest';
import { connect, type Socket } from 'node:net';
import { MessageChannel } from 'node:worker_threads';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { SocketServer } from '../../../src/services/network/socket-server.js';
import type { RequestHandler, RequestTimesSink } from '../../../src/services/network/connection.js';
import { networkThreadsOf, networkWorkersUnavailable } from '../../../src/services/network/worker/network-workers.js';
import { isCi } from '../../helpers/environment.js';

const servers: SocketServer[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });

const available = networkWorkersUnavailable() === null;
if (!available && isCi()) throw new Error(`network workers need the native addon in CI: ${networkWorkersUnavailable()}`);

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function start(handler: RequestHandler, extra: { requestTimes?: RequestTimesSink; queuedMaxRequests?: number; queuedMaxRequestBytes?: number } = {}) {
  const lines: any[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write(chunk, _e, cb) { lines.push(JSON.parse(chunk.toString())); cb(); } }));
  const server = new SocketServer({
    listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    maxRequestBytes: 1 << 20, idleTimeoutMs: 0, queuedMaxRequests: extra.queuedMaxRequests ?? 500, handler, log, networkThreads: 2,
    ...(extra.requestTimes ? { requestTimes: extra.requestTimes } : {}),
    ...(extra.queuedMaxRequestBytes !== undefined ? { queuedMaxRequestBytes: extra.queuedMaxRequestBytes } : {}),
  });
  servers.push(server);
  const [bound] = await server.bind();
  server.enableRequestProcessing();
  return { server, port: bound!.boundPort, lines };
}

/** A client collecting size-prefixed responses. */
function client(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  const responses: Buffer[] = [];
  let pending = Buffer.alloc(0);
  let isClosed = false;
  socket.on('close', () => { isClosed = true; });
  socket.on('error', () => undefined);
  socket.on('data', (d) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const n = pending.readInt32BE(0);
      responses.push(Buffer.from(pending.subarray(4, 4 + n)));
      pending = pending.subarray(4 + n);
    }
  });
  return { socket, responses, get closed() { return isClosed; } };
}

const frame = (payload: Buffer) => { const b = Buffer.alloc(4 + payload.length); b.writeInt32BE(payload.length, 0); payload.copy(b, 4); return b; };
/** An echo answer: the request bytes as the response body. */
const echo = (f: Buffer) => frame(Buffer.from(f));

describe.skipIf(!available)('network worker threads', () => {
  it('serve connections over both workers, answers in request order per connection, bytes intact', async () => {
    // the first request of each connection is answered last: the worker must hold the later answers back
    const { server, port } = await start(async (f) => {
      if (f[0] === 1) await new Promise((r) => setTimeout(r, 30));
      return echo(f);
    });
    const clients = [client(port), client(port), client(port), client(port)];
    const sent: Buffer[][] = clients.map(() => []);
    clients.forEach((c, i) => {
      for (let k = 0; k < 20; k++) {
        // sizes from a few bytes to 200 KB (pooled produce-sized frames cross too)
        const body = Buffer.alloc(k === 5 ? 200_000 : 8 + k * 37, i * 31 + k);
        body[0] = k === 0 ? 1 : 0;
        sent[i]!.push(body);
        c.socket.write(frame(body));
      }
    });
    await until(() => clients.every((c) => c.responses.length === 20), 'every answer');
    clients.forEach((c, i) => c.responses.forEach((r, k) => expect(r.equals(sent[i]![k]!), `connection ${i} answer ${k}`).toBe(true)));
    expect(server.networkWorkers!.served).toEqual([2, 2]);
    for (const c of clients) c.socket.destroy();
    await until(() => server.connectionCount === 0, 'connections gone on the main thread');
  });

  it('hand-off buffers are reused: produce frames cross in slabs that come back, responses in pooled slabs; bytes intact', async () => {
    const { server, port } = await start(async (f) => echo(f));
    const a = client(port);
    const sent: Buffer[] = [];
    for (let k = 0; k < 24; k++) {
      // api key 0 (Produce), 40–200 KB: read into a worker slab, transferred to the main, given back after the handler
      const body = Buffer.alloc(40_000 + k * 7_000);
      for (let i = 4; i < body.length; i += 997) body[i] = (k * 13 + i) & 0xff;
      body.writeInt16BE(0, 0);
      body.writeInt32BE(k, 4);
      sent.push(body);
      a.socket.write(frame(body));
      // one at a time: each turn's slabs are back before the next request, so the pools must serve it
      await until(() => a.responses.length === k + 1, `answer ${k}`);
    }
    a.responses.forEach((r, k) => expect(r.equals(sent[k]!), `answer ${k}`).toBe(true));
    const stats = server.networkWorkers!.handoffStats;
    expect(stats.requestSlabsBack).toBe(24);
    expect(stats.responseSlabsReused).toBeGreaterThan(12);
    expect(stats.responseSlabsCreated).toBeLessThan(12);
    a.socket.destroy();
  });

  it('fetch read slabs move to the worker without a copy and come back to the fetch pool; bytes intact', async () => {
    const { fetchReadPool } = await import('../../../src/services/log/read-buffer-pool.js');
    const { withOnSent } = await import('../../../src/services/network/response-send.js');
    const { server, port } = await start(async (f) => {
      // as the Fetch handler: a header chunk, then records read into a lease of the fetch read pool
      const k = f.readInt32BE(4);
      const lease = fetchReadPool.acquire(70_000 + k * 3_000);
      for (let i = 0; i < lease.buffer.length; i += 1009) lease.buffer[i] = (k * 7 + i) & 0xff;
      const body = lease.buffer.subarray(100); // records need not start at the slab's first byte
      const h = Buffer.alloc(8);
      h.writeInt32BE(4 + body.length, 0);
      h.writeInt32BE(k, 4);
      return withOnSent([h, body], [lease.release]);
    });
    const reused0 = fetchReadPool.reused;
    const a = client(port);
    for (let k = 0; k < 16; k++) {
      const req = Buffer.alloc(8); req.writeInt16BE(1, 0); req.writeInt32BE(k, 4);
      a.socket.write(frame(req));
      await until(() => a.responses.length === k + 1, `answer ${k}`);
      const r = a.responses[k]!;
      expect(r.readInt32BE(0)).toBe(k);
      const want = Buffer.alloc(70_000 + k * 3_000);
      for (let i = 0; i < want.length; i += 1009) want[i] = (k * 7 + i) & 0xff;
      // bytes the handler did not write are whatever the slab held: compare the written ones
      for (let i = 0; i < want.length; i += 1009) if (i >= 100) expect(r[4 + i - 100]).toBe(want[i]);
      expect(r.length).toBe(4 + want.length - 100);
    }
    expect(server.networkWorkers!.handoffStats.fetchSlabsMoved).toBe(16);
    // one at a time: each slab came back (adopt) before the next read, which reused it
    expect(fetchReadPool.reused - reused0).toBeGreaterThanOrEqual(14);
    a.socket.destroy();
  });

  it('closeAfterResponse, throttle and park cross to the worker; request times arrive on the main clock', async () => {
    const recorded: number[][] = [];
    const sink: RequestTimesSink = { record: (...a) => { recorded.push(a); } };
    const { server, port } = await start(async (f, conn) => {
      if (f[4] === 9) conn.closeAfterResponse?.();
      if (f[4] === 7) conn.throttle?.(50);
      if (f[4] === 5) { conn.park?.(); await new Promise((r) => setTimeout(r, 20)); }
      return echo(f);
    }, { requestTimes: sink, queuedMaxRequests: 1 });
    // apiKey 0 / version 3 in the first 4 bytes, as a Kafka request header
    const req = (tag: number) => { const b = Buffer.alloc(8); b.writeInt16BE(0, 0); b.writeInt16BE(3, 2); b[4] = tag; return b; };
    const before = performance.now();
    const a = client(port);
    // park with queued.max.requests=1: the parked request leaves the budget, the next one is read and answered
    a.socket.write(frame(req(5)));
    a.socket.write(frame(req(7)));
    a.socket.write(frame(req(1)));
    await until(() => a.responses.length === 3, 'three answers');
    expect(a.responses.map((r) => r[4])).toEqual([5, 7, 1]);
    await until(() => recorded.length >= 3, 'three request-time records');
    for (const r of recorded) {
      expect(r.slice(0, 2)).toEqual([0, 3]);
      const [received, dequeued, completed, sendStart, sent] = r.slice(2);
      expect(received!).toBeGreaterThanOrEqual(before - 1);
      expect(received! <= dequeued! && dequeued! <= completed! && completed! <= sendStart! && sendStart! <= sent!).toBe(true);
      expect(sent!).toBeLessThanOrEqual(performance.now() + 1);
    }
    // an empty frame alone in its turn (the batch has no buffer) is still handled and answered
    a.socket.write(frame(Buffer.alloc(0)));
    await until(() => a.responses.length === 4, 'the empty frame\'s answer');
    expect(a.responses[3]!.length).toBe(0);
    // closeAfterResponse: the answer arrives, then the connection closes
    a.socket.write(frame(req(9)));
    await until(() => a.closed, 'closed after the response');
    expect(a.responses.at(-1)![4]).toBe(9);
    await until(() => server.connectionCount === 0, 'connection gone on the main thread');
  });

  it('queued.max.requests and queued.max.request.bytes are one budget for the broker, not one per worker', async () => {
    let concurrent = 0;
    let most = 0;
    let handled = 0;
    const handler: RequestHandler = async (f) => {
      concurrent++; most = Math.max(most, concurrent);
      await new Promise((r) => setTimeout(r, 2));
      concurrent--; handled++;
      return frame(Buffer.from([f[4]!]));
    };
    // (a) queued.max.requests=1: two connections on the two workers, 8 pipelined requests each — one at a time in all
    const s1 = await start(handler, { queuedMaxRequests: 1 });
    const [a, b] = [client(s1.port), client(s1.port)];
    for (let k = 0; k < 8; k++) for (const c of [a, b]) c.socket.write(frame(Buffer.alloc(8, k)));
    await until(() => a.responses.length === 8 && b.responses.length === 8, 'all answers (a)');
    expect(s1.server.networkWorkers!.served).toEqual([1, 1]);
    expect(most).toBe(1);
    // (b) queued.max.request.bytes=100000 and 120 KB produce frames: each takes the whole pool (non-strict: one may
    // overshoot), so the other worker's connection waits for memory
    most = 0; handled = 0;
    // the first request is held: its 120 KB reservation, made in a worker, is seen in the main thread's pool
    let hold: (() => void) | null = null;
    let first = true;
    const s2 = await start(async (f, conn) => {
      if (first) { first = false; concurrent++; most = Math.max(most, concurrent); await new Promise<void>((r) => { hold = r; }); concurrent--; }
      return handler(f, conn);
    }, { queuedMaxRequestBytes: 100_000 });
    const [c, d] = [client(s2.port), client(s2.port)];
    const big = (k: number) => { const x = Buffer.alloc(120_000, k); x.writeInt16BE(0, 0); return frame(x); };
    for (let k = 0; k < 4; k++) for (const x of [c, d]) x.socket.write(big(k));
    await until(() => hold !== null, 'the first request held');
    expect(s2.server.memoryPool!.usedBytes).toBeGreaterThanOrEqual(120_000);
    hold!();
    await until(() => c.responses.length === 4 && d.responses.length === 4, 'all answers (b)');
    expect(s2.server.networkWorkers!.served).toEqual([1, 1]);
    expect(most).toBe(1);
    expect(s2.server.memoryPool!.usedBytes).toBe(0);
    for (const x of [a, b, c, d]) x.socket.destroy();
  });

  it('a worker that stops: its connections close with an error line, new ones go to the other worker', async () => {
    let held: (() => void) | null = null;
    const { server, port, lines } = await start(async (f) => {
      if (f.toString() === 'hold') await new Promise<void>((r) => { held = r; });
      return echo(f);
    });
    const inFlight = (server as unknown as { inFlight: { inUse: number } }).inFlight;
    const a = client(port);
    const b = client(port);
    a.socket.write(frame(Buffer.from('a')));
    b.socket.write(frame(Buffer.from('b')));
    await until(() => a.responses.length === 1 && b.responses.length === 1, 'first answers');
    expect(server.networkWorkers!.served).toEqual([1, 1]);
    // a request of worker 0's connection is in the handler when the worker dies: its budget slot must come back
    a.socket.write(frame(Buffer.from('hold')));
    await until(() => held !== null, 'the held request in the handler');
    expect(inFlight.inUse).toBe(1);
    await server.networkWorkers!.workers[0]!.terminate();
    await until(() => a.closed, 'the stopped worker\'s client sees the close');
    expect(lines.some((l) => l.level === 50 && /Network worker 0 stopped unexpectedly .*closing its 1 connections; 1 network workers left/.test(l.msg))).toBe(true);
    expect(b.closed).toBe(false);
    b.socket.write(frame(Buffer.from('b2')));
    const c = client(port);
    c.socket.write(frame(Buffer.from('c')));
    await until(() => b.responses.length === 2 && c.responses.length === 1, 'answers from the worker left');
    expect(server.networkWorkers!.served).toEqual([1, 2]);
    await until(() => inFlight.inUse === 0, 'the dead worker\'s budget slot reclaimed');
    held!();
    b.socket.destroy(); c.socket.destroy();
  });

  it('a descriptor posted to a worker that stops before taking it is closed by the main thread (no fd leak)', async () => {
    const { NetworkWorkers } = await import('../../../src/services/network/worker/network-workers.js');
    const { readdirSync, readlinkSync } = await import('node:fs');
    const { createServer } = await import('node:net');
    // descriptors of this process that refer to one socket (`socket:[inode]`): counting all of /proc/self/fd would
    // also count the files the worker thread opens meanwhile (it loads its script in this process)
    const holdersOf = (target: string) => readdirSync('/proc/self/fd').filter((f) => { try { return readlinkSync(`/proc/self/fd/${f}`) === target; } catch { return false; } }).length;
    const srv = createServer({ pauseOnConnect: true });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const accepted = new Promise<Socket>((r) => srv.once('connection', r));
    const c = client((srv.address() as { port: number }).port);
    const socket = await accepted;
    const closes: Array<string | null> = [];
    const { SharedInFlightBudget } = await import('../../../src/services/network/shared-budgets.js');
    const workers = new NetworkWorkers({ threads: 1, maxRequestBytes: 1 << 20, idleTimeoutMs: 0, queuedMaxRequests: 10, handler: async () => null,
      inFlight: new SharedInFlightBudget(10), memoryPool: null,
      log: pino({ level: 'silent' }), onClose: (_c, reason) => closes.push(reason) });
    const inode = readlinkSync(`/proc/self/fd/${(socket as unknown as { _handle: { fd: number } })._handle.fd}`);
    expect(inode).toMatch(/^socket:\[\d+\]$/);
    expect(holdersOf(inode)).toBe(1);
    // handed off and the worker stopped at once: it is still loading its script, so it never reads the message
    const remote = workers.handOff(socket, { id: 'x', listenerName: 'PLAINTEXT', remoteAddress: '127.0.0.1', remotePort: 1 });
    expect(remote).not.toBeNull();
    expect(holdersOf(inode)).toBe(2); // the main's socket and the dup
    const exited = new Promise((r) => workers.workers[0]!.once('exit', r));
    void workers.workers[0]!.terminate();
    await exited;
    await until(() => closes.length === 1, 'the connection closed on the main thread');
    // the dup is closed (swept), and the main's own socket with it: the client sees the close
    await until(() => c.closed, 'the client sees the close');
    expect(holdersOf(inode)).toBe(0);
    await workers.close();
    srv.close();
  });

  it('opt-in: num.network.threads applies only with RAFKA_NETWORK_WORKERS=1', () => {
    expect(networkThreadsOf(3, {})).toBe(0);
    expect(networkThreadsOf(3, { RAFKA_NETWORK_WORKERS: '0' })).toBe(0);
    expect(networkThreadsOf(1, { RAFKA_NETWORK_WORKERS: '1' })).toBe(1);
    expect(networkThreadsOf(64, { RAFKA_NETWORK_WORKERS: '1' })).toBeLessThanOrEqual(64);
    expect(networkThreadsOf(64, { RAFKA_NETWORK_WORKERS: '1' })).toBeGreaterThanOrEqual(1);
  });
});

describe('HandoffPool (the hand-off slabs)', () => {
  it('reuses given-back slabs by size class, ignores detached and foreign buffers, leases are transferable', async () => {
    const { HandoffPool } = await import('../../../src/services/network/worker/handoff-pool.js');
    const pool = new HandoffPool(1 << 20, 256 * 1024);
    const a = pool.take(20_000);
    expect(a.byteLength).toBe(32 * 1024);
    expect(pool.owns(a)).toBe(true);
    pool.giveBack(a);
    expect(pool.take(30_000)).toBe(a);
    expect(pool.reused).toBe(1);
    // a lease whose slab was transferred away: its release pools nothing (the slab is detached here)
    const lease = pool.acquire(100_000);
    expect(lease.buffer.length).toBe(100_000);
    expect(lease.buffer.byteOffset).toBe(0);
    const { port1, port2 } = new MessageChannel();
    const moved = new Promise<ArrayBuffer>((r) => port2.once('message', r));
    const ab = lease.buffer.buffer as ArrayBuffer;
    port1.postMessage(ab, [ab]);
    const back = await moved;
    port1.close();
    lease.release();
    expect(pool.idleBytes).toBe(0);
    // it comes back as another ArrayBuffer object: pooled and owned again
    pool.giveBack(back);
    expect(pool.owns(back)).toBe(true);
    expect(pool.idleBytes).toBe(128 * 1024);
    // not of a size class (or over the cap): not pooled
    pool.giveBack(new ArrayBuffer(12345));
    pool.giveBack(new ArrayBuffer(512 * 1024));
    expect(pool.idleBytes).toBe(128 * 1024);
    // a lease released without a transfer goes back at once
    const l2 = pool.acquire(40_000);
    l2.release(); l2.release();
    expect(pool.idleBytes).toBe(128 * 1024 + 64 * 1024);
  });
});

describe('shared budgets (queued.max.requests / queued.max.request.bytes across threads)', () => {
  it('a release in one view wakes a waiter of another view of the same shared memory', async () => {
    const { SharedInFlightBudget, SharedMemoryPool } = await import('../../../src/services/network/shared-budgets.js');
    const a = new SharedInFlightBudget(2);
    const b = new SharedInFlightBudget(2, a.shared);
    expect(a.tryAcquire() && b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    expect(a.inUse).toBe(2);
    let woken = 0;
    b.onAvailable(() => { woken++; });
    a.release();
    await until(() => woken === 1, 'the other view woken');
    expect(b.tryAcquire()).toBe(true);
    expect(a.inUse).toBe(2);

    const p = new SharedMemoryPool(1000, 5000);
    const q = new SharedMemoryPool(1000, 5000, p.shared);
    expect(q.availableBytes).toBe(1000);
    expect(p.tryAllocate(1500)).toBe(true); // non-strict: allowed while any memory is left
    expect(q.availableBytes).toBe(-500);
    expect(q.tryAllocate(1)).toBe(false);
    expect(q.depletedCount).toBe(1);
    let qWoken = 0;
    q.onAvailable(() => { qWoken++; });
    expect(q.waiting).toBe(1);
    p.release(1500);
    await until(() => qWoken === 1, 'the pool\'s other view woken');
    p.release(700); // a double release does not grow the pool
    expect(q.availableBytes).toBe(1000);
    expect(() => q.tryAllocate(6000)).toThrow(RangeError);
  });
});
