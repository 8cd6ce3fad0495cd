import { afterEach, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { ResponseSend, carryOnSent, frameBytes, frameLength, withOnSent } from '../../../src/services/network/response-send.js';
import { Connection, InFlightBudget, type RequestHandler } from '../../../src/services/network/connection.js';
import { ReadBufferPool } from '../../../src/services/log/read-buffer-pool.js';

/** A connected loopback pair: `server` is the accepted side (the broker's), `client` the reader. */
async function pair(): Promise<{ server: Socket; client: Socket; srv: Server }> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => srv.once('connection', r));
  const client = connect((srv.address() as { port: number }).port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', r));
  return { server: await accepted, client, srv };
}

const cleanups: Array<() => void> = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

/** Reads exactly `n` bytes from `s`. */
function readN(s: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = []; let have = 0;
    const on = (d: Buffer) => { got.push(d); have += d.length; if (have >= n) { s.off('data', on); resolve(Buffer.concat(got).subarray(0, n)); } };
    s.on('data', on);
    s.once('error', reject);
  });
}

/** A frame of `size` bytes whose content identifies it (`tag`), split into chunks at the given sizes. */
function frame(tag: number, sizes: number[]): Buffer[] {
  return sizes.map((n, i) => Buffer.alloc(n, (tag * 7 + i) & 0xff));
}

describe('ResponseSend', () => {
  it('frameBytes / frameLength join chunked frames', () => {
    const f = [Buffer.from('ab'), Buffer.alloc(0), Buffer.from('cde')];
    expect(frameBytes(f).toString()).toBe('abcde');
    expect(frameLength(f)).toBe(5);
    const b = Buffer.from('x');
    expect(frameBytes(b)).toBe(b);
    expect(frameBytes([b])).toBe(b);
  });

  it('writes single and chunked responses in call order, byte for byte, through partial writes', async () => {
    const { server, client, srv } = await pair();
    cleanups.push(() => { client.destroy(); server.destroy(); srv.close(); });
    client.pause(); // nothing is read yet: the kernel buffers fill and the writes are partial
    const send = new ResponseSend(server);
    const frames: Array<Buffer | Buffer[]> = [];
    for (let i = 0; i < 40; i++) frames.push(i % 3 === 0 ? Buffer.alloc(1000 + i, i) : frame(i, [9, 400_000 + i, 0, 13, 170_000]));
    const sentAt: number[] = [];
    for (let i = 0; i < frames.length; i++) send.send(frames[i]!, (err) => { expect(err ?? null).toBeNull(); sentAt.push(i); });
    const expected = Buffer.concat(frames.map((f) => frameBytes(f)));
    expect(send.sent).toBe(40);
    expect(send.bytes).toBe(expected.length);
    // with the reader paused, at most what the kernel takes has left: later callbacks have not run
    await new Promise((r) => setTimeout(r, 20));
    expect(sentAt.length).toBeLessThan(40);
    client.resume();
    const got = await readN(client, expected.length);
    expect(got.equals(expected)).toBe(true);
    await new Promise<void>((r) => { const t = setInterval(() => { if (sentAt.length === 40) { clearInterval(t); r(); } }, 5); });
    expect(sentAt).toEqual([...Array(40).keys()]); // callbacks in order, each once
  });

  it('responses finished in one turn leave in one corked write', async () => {
    const { server, client, srv } = await pair();
    cleanups.push(() => { client.destroy(); server.destroy(); srv.close(); });
    let corks = 0; let uncorks = 0;
    const counting = {
      write: server.write.bind(server), destroyed: false,
      cork: () => { corks++; server.cork(); }, uncork: () => { uncorks++; server.uncork(); },
    } as unknown as Socket;
    const send = new ResponseSend(counting);
    for (let i = 0; i < 10; i++) send.send(Buffer.from([i]));
    await Promise.resolve().then(() => send.send(Buffer.from([10]))); // a microtask of the same turn joins
    expect(corks).toBe(1);
    expect([...(await readN(client, 11))]).toEqual([...Array(11).keys()]);
    expect(uncorks).toBe(1);
    send.send(Buffer.from([11]));
    expect([...(await readN(client, 1))]).toEqual([11]);
    expect(corks).toBe(2);
  });

  it('a response to a closed connection reports the failure to onSent (lent buffers are released once)', async () => {
    const { server, client, srv } = await pair();
    cleanups.push(() => { client.destroy(); srv.close(); });
    const send = new ResponseSend(server);
    client.pause();
    const results: Array<Error | null | undefined> = [];
    send.send(frame(1, [4, 8_000_000]), (err) => results.push(err)); // larger than the kernel buffers: still queued
    server.destroy();
    send.send(Buffer.from('late'), (err) => results.push(err));
    await new Promise<void>((r) => { const t = setInterval(() => { if (results.length === 2) { clearInterval(t); r(); } }, 5); });
    expect(results.every((e) => e instanceof Error)).toBe(true);
  });
});

describe('pooled read buffers on a connection (read-buffer-pool.ts + Connection + ResponseSend)', () => {
  it('a slab goes back once its response was written, so reuse never overwrites a response still in flight', async () => {
    const { server, client, srv } = await pair();
    cleanups.push(() => { client.destroy(); server.destroy(); srv.close(); });
    const pool = new ReadBufferPool();
    const SIZE = 6 * 1024 * 1024; // more than the loopback socket buffers: a response stays in flight while unread
    let handled = 0;
    const handler: RequestHandler = async (frame) => {
      const tag = frame[0]!;
      handled++;
      const lease = pool.acquire(SIZE);
      lease.buffer.fill(tag); // what a log read would put there
      const head = Buffer.alloc(5); head.writeInt32BE(1 + SIZE, 0); head[4] = tag;
      return carryOnSent(withOnSent({}, [lease.release]), [head, lease.buffer]);
    };
    const conn = new Connection(server, { id: 'c', listenerName: 'PLAINTEXT', remoteAddress: '127.0.0.1', remotePort: 1 },
      { maxRequestBytes: 1024, idleTimeoutMs: 0, inFlight: new InFlightBudget(10) }, handler, { onClose: () => {} });
    cleanups.push(() => conn.close(null));
    client.pause();
    for (const tag of [1, 2, 3]) client.write(Buffer.from([0, 0, 0, 1, tag]));
    await new Promise<void>((r) => { const t = setInterval(() => { if (handled === 3) { clearInterval(t); r(); } }, 5); });
    await new Promise((r) => setTimeout(r, 20));
    expect(pool.released).toBe(0); // nothing was read: no response has left completely
    expect(pool.reused).toBe(0);
    client.resume();
    const got = await readN(client, 3 * (4 + 1 + SIZE));
    for (let i = 0; i < 3; i++) {
      const f = got.subarray(i * (5 + SIZE), (i + 1) * (5 + SIZE));
      expect(f[4]).toBe(i + 1);
      expect(f.subarray(5).every((b) => b === i + 1)).toBe(true);
    }
    await new Promise<void>((r) => { const t = setInterval(() => { if (pool.released === 3) { clearInterval(t); r(); } }, 5); });
    // the next read reuses a slab, the responses already sent are not affected
    client.write(Buffer.from([0, 0, 0, 1, 4]));
    const fourth = await readN(client, 5 + SIZE);
    expect(pool.reused).toBe(1);
    expect(fourth.subarray(5).every((b) => b === 4)).toBe(true);
  });

  it('a response dropped because the connection closed gives its slab back too', async () => {
    const { server, client, srv } = await pair();
    cleanups.push(() => { client.destroy(); srv.close(); });
    const pool = new ReadBufferPool();
    let finish: (() => void) | null = null;
    const handler: RequestHandler = async () => {
      const lease = pool.acquire(100_000);
      await new Promise<void>((r) => { finish = r; });
      return carryOnSent(withOnSent({}, [lease.release]), [Buffer.from([0, 0, 0, 4]), lease.buffer.subarray(0, 4)]);
    };
    const conn = new Connection(server, { id: 'c', listenerName: 'PLAINTEXT', remoteAddress: '127.0.0.1', remotePort: 1 },
      { maxRequestBytes: 1024, idleTimeoutMs: 0, inFlight: new InFlightBudget(10) }, handler, { onClose: () => {} });
    client.write(Buffer.from([0, 0, 0, 1, 9]));
    await new Promise<void>((r) => { const t = setInterval(() => { if (finish) { clearInterval(t); r(); } }, 5); });
    conn.close(null);
    finish!();
    await new Promise<void>((r) => { const t = setInterval(() => { if (pool.released === 1) { clearInterval(t); r(); } }, 5); });
    expect(pool.released).toBe(1);
  });
});

describe('ReadBufferPool', () => {
  it('reuses released slabs by size class, releases once, and does not pool oversized reads', () => {
    const pool = new ReadBufferPool(1024 * 1024, 512 * 1024);
    const a = pool.acquire(100_000);
    expect(a.buffer.length).toBe(100_000);
    a.release();
    a.release(); // idempotent: the slab is in the free list once
    const b = pool.acquire(120_000); // same class (128 KiB)
    const c = pool.acquire(120_000);
    expect(b.buffer.buffer).toBe(a.buffer.buffer);
    expect(c.buffer.buffer).not.toBe(a.buffer.buffer);
    expect(pool.reused).toBe(1);
    const big = pool.acquire(600_000);
    big.release();
    expect(pool.idleBytes).toBe(0);
    // the free list is bounded
    const many = Array.from({ length: 20 }, () => pool.acquire(100_000));
    for (const l of many) l.release();
    expect(pool.idleBytes).toBeLessThanOrEqual(1024 * 1024);
  });
});
