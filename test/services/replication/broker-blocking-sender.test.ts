import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { encodeResponse } from '../../../src/protocol/frame.js';
import { BrokerBlockingSender, ResponseReceiver, ReusableBuffer, SendFailedError } from '../../../src/services/replication/broker-blocking-sender.js';

const frameOf = (payload: Buffer) => { const b = Buffer.alloc(4 + payload.length); b.writeInt32BE(payload.length, 0); payload.copy(b, 4); return b; };

describe('ResponseReceiver', () => {
  const run = (mode: 'onread' | 'push', stream: Buffer, cuts: number[], lend: boolean[] = []) => {
    const pool = new ReusableBuffer();
    const frames: Buffer[] = []; const errors: string[] = [];
    const r = new ResponseReceiver(pool, (f) => { frames.push(Buffer.from(f)); pool.giveBack(); r.lendNext = lend[frames.length] ?? false; }, (m) => errors.push(m));
    r.lendNext = lend[0] ?? false;
    let off = 0;
    for (const cut of [...cuts, stream.length]) {
      while (off < cut) {
        if (mode === 'push') { r.push(stream.subarray(off, cut)); off = cut; continue; }
        const dst = r.nextBuffer(); // what the kernel would fill
        const n = Math.min(dst.length, cut - off);
        stream.copy(dst, 0, off, off + n);
        off += n;
        r.onRead(n, dst);
      }
    }
    return { frames, errors, pool };
  };

  for (const mode of ['onread', 'push'] as const) {
    it(`${mode}: frames of every size, cut at any byte, come out whole and in order`, () => {
      const payloads = [Buffer.alloc(4, 1), Buffer.alloc(70_000, 2), Buffer.from('abcdefgh'), Buffer.alloc(1_048_600, 3), Buffer.alloc(5, 4)];
      // one request at a time: each frame is fed on its own, cut at awkward places (inside the size prefix, too)
      for (const cutsOf of [(n: number) => [1, 2, 3, 5, n - 1], (n: number) => [Math.floor(n / 3), Math.floor(n / 2)], () => []]) {
        for (const p of payloads) {
          const f = frameOf(p);
          const { frames, errors } = run(mode, f, cutsOf(f.length).filter((c) => c > 0 && c < f.length));
          expect(errors).toEqual([]);
          expect(frames).toHaveLength(1);
          expect(frames[0]!.equals(p)).toBe(true);
        }
      }
    });
  }

  it('bytes beyond the one expected response are an error', () => {
    const two = Buffer.concat([frameOf(Buffer.from('abcd')), frameOf(Buffer.from('efgh'))]);
    expect(run('push', two, []).errors).toEqual(['unexpected bytes after the response']);
    expect(run('onread', Buffer.from([0, 0, 0, 1, 9]), []).errors).toEqual(['invalid response size 1']);
  });

  it('the reusable buffer is lent to one response at a time and reused after it is given back', () => {
    const pool = new ReusableBuffer();
    const a = pool.lend(1000);
    a.fill(7);
    const b = pool.lend(1000); // still lent: b is a buffer of its own, a is untouched
    b.fill(9);
    expect(a.every((x) => x === 7)).toBe(true);
    expect(a.buffer).not.toBe(b.buffer);
    pool.giveBack();
    const c = pool.lend(500);
    expect(c.buffer).toBe(a.buffer);
    expect(pool.reused).toBe(1);
    pool.giveBack();
    const d = pool.lend(200_000); // larger: grows
    expect(d.length).toBe(200_000);
    expect(pool.isLent).toBe(true);
  });
});

describe('BrokerBlockingSender', () => {
  let srv: Server | null = null;
  afterEach(() => { srv?.close(); srv = null; });

  /** A fake leader answering each ApiVersions request with a response carrying `size` bytes of junk in a tagged field-free body. */
  async function fakeLeader(answer: (correlationId: number, sock: Socket) => void): Promise<number> {
    srv = createServer((sock) => {
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
          const correlationId = buf.readInt32BE(8);
          buf = buf.subarray(4 + buf.readInt32BE(0));
          answer(correlationId, sock);
        }
      });
    });
    await new Promise<void>((r) => srv!.listen(0, '127.0.0.1', r));
    return (srv.address() as { port: number }).port;
  }

  const versions = (n: number) => Array.from({ length: n }, (_, i) => ({ apiKey: i % 30_000, minVersion: i % 7, maxVersion: i % 13 }));
  const same = (a: unknown, b: unknown) => expect(JSON.stringify(a) === JSON.stringify(b)).toBe(true);

  it('decodes large responses written in small pieces; the reusable buffer serves one lent response at a time', async () => {
    const port = await fakeLeader((correlationId, sock) => {
      const resp = encodeResponse(correlationId, ApiKey.ApiVersions, 0, { errorCode: 0, apiKeys: versions(correlationId % 2 === 0 ? 50_000 : 7) });
      // dribble the response out in uneven pieces
      let off = 0; const cuts = [1, 3, 4, 9, 4096, 65_536, 70_001];
      const next = () => { if (off >= resp.length) return; const end = Math.min(resp.length, off + (cuts.shift() ?? 100_000)); sock.write(resp.subarray(off, end)); off = end; setImmediate(next); };
      next();
    });
    const sender = new BrokerBlockingSender({ brokerId: 1, host: '127.0.0.1', port }, { clientId: 't', socketTimeoutMs: 5000, requestTimeoutMs: 10_000 });
    try {
      const first = await sender.sendRequest(ApiKey.ApiVersions, 0, {}, undefined, true);
      expect(first.apiKeys).toHaveLength(50_000);
      expect(sender.reusable.isLent).toBe(true);
      // not given back: the next response gets a buffer of its own
      const allocated = sender.reusable.allocated;
      const second = await sender.sendRequest(ApiKey.ApiVersions, 0, {}, undefined, true);
      same(second.apiKeys, versions(7));
      expect(sender.reusable.allocated).toBe(allocated + 1);
      sender.returnBuffer();
      for (let i = 0; i < 4; i++) {
        const r = await sender.sendRequest(ApiKey.ApiVersions, 0, {}, undefined, true);
        same(r.apiKeys, versions(i % 2 === 0 ? 50_000 : 7));
        sender.returnBuffer();
      }
      expect(sender.reusable.reused).toBeGreaterThanOrEqual(3);
    } finally {
      sender.close();
    }
  });

  it('extra bytes after a response fail the request and drop the connection', async () => {
    const port = await fakeLeader((correlationId, sock) => {
      const resp = encodeResponse(correlationId, ApiKey.ApiVersions, 0, { errorCode: 0, apiKeys: [] });
      sock.write(Buffer.concat([resp, Buffer.from([0, 0])]));
    });
    const sender = new BrokerBlockingSender({ brokerId: 1, host: '127.0.0.1', port }, { clientId: 't', socketTimeoutMs: 5000, requestTimeoutMs: 10_000 });
    try {
      // the response and the junk usually arrive in one read; if not, the junk arrives while nothing is expected
      const r = await sender.sendRequest(ApiKey.ApiVersions, 0, {}).then(() => null, (e: unknown) => e);
      if (r !== null) expect(r).toBeInstanceOf(SendFailedError);
      else {
        const again = await sender.sendRequest(ApiKey.ApiVersions, 0, {}).then(() => null, (e: unknown) => e);
        expect(again).toBeInstanceOf(SendFailedError);
      }
    } finally {
      sender.close();
    }
  });
});
