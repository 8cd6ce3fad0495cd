import { afterEach, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { ResponseSend, frameBytes, frameLength } from '../../../src/services/network/response-send.js';

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
