import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { processOfPeer, startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { trackChild } from './child-reaper.js';

let echo: Server;
let echoPort: number;
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  echo = createServer((s) => { s.on('error', () => undefined); s.pipe(s); });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoPort = (echo.address() as { port: number }).port;
});
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});
afterAll(async () => {
  await new Promise<void>((r) => echo.close(() => r()));
});

async function proxy(classify?: (s: Socket) => Promise<string | undefined>): Promise<TcpProxy> {
  const p = await startTcpProxy({ target: { host: '127.0.0.1', port: echoPort }, classify });
  proxies.push(p);
  return p;
}

/** A client that collects what it reads and how it ended. */
function client(port: number) {
  const s = connect({ host: '127.0.0.1', port });
  const st = { data: '', ended: false, error: null as string | null, closed: false, s };
  s.setEncoding('utf8');
  s.on('data', (d: string) => { st.data += d; });
  s.on('end', () => { st.ended = true; });
  s.on('error', (e: NodeJS.ErrnoException) => { st.error = e.code ?? e.message; });
  s.on('close', () => { st.closed = true; });
  return st;
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('tcp proxy', () => {
  it('forwards both ways and counts bytes', async () => {
    const p = await proxy();
    const c = client(p.port);
    c.s.write('hello');
    await until(() => c.data === 'hello', 'echo');
    expect(p.bytes).toEqual({ up: 5, down: 5 });
    expect(p.accepted).toBe(1);
    c.s.destroy();
  });

  it('blackhole: nothing moves on an open or a new connection; heal delivers everything in order', async () => {
    const p = await proxy();
    const old = client(p.port);
    old.s.write('a');
    await until(() => old.data === 'a', 'first echo');
    p.partition('blackhole');
    expect(p.modeFor()).toBe('blackhole');
    old.s.write('b');
    const fresh = client(p.port);
    fresh.s.write('x');
    // Absence can only be checked over a window; a short one cannot make the test flaky.
    await new Promise((r) => setTimeout(r, 300));
    expect(old.data).toBe('a');
    expect(fresh.data).toBe('');
    expect(old.closed || fresh.closed).toBe(false);
    p.heal();
    await until(() => old.data === 'ab' && fresh.data === 'x', 'delivery after heal');
    old.s.destroy();
    fresh.s.destroy();
  });

  it('reset: open connections see ECONNRESET, new ones are reset at once', async () => {
    const p = await proxy();
    const c = client(p.port);
    c.s.write('a');
    await until(() => c.data === 'a', 'echo');
    p.partition('reset');
    await until(() => c.closed, 'reset of the open connection');
    expect(c.error).toBe('ECONNRESET');
    const n = client(p.port);
    await until(() => n.closed, 'reset of a new connection');
    expect(n.data).toBe('');
    p.heal();
    const ok = client(p.port);
    ok.s.write('z');
    await until(() => ok.data === 'z', 'echo after heal');
    ok.s.destroy();
  });

  it('drop: open connections end cleanly', async () => {
    const p = await proxy();
    const c = client(p.port);
    c.s.write('a');
    await until(() => c.data === 'a', 'echo');
    p.partition('drop');
    await until(() => c.ended, 'FIN');
    expect(c.error).toBeNull();
  });

  it('partitions only the tagged source; processOfPeer tells which process opened a connection', async () => {
    let childPid: number | null = null;
    const tags: string[] = [];
    const p = await proxy(async (s) => {
      const t = await processOfPeer(s, () => new Map([['me', process.pid], ['child', childPid]]));
      tags.push(t ?? 'unknown');
      return t;
    });
    const child = spawn(process.execPath, ['-e', `
      const s = require('net').connect(${p.port}, '127.0.0.1');
      s.setEncoding('utf8');
      s.on('data', (d) => process.stdout.write(d));
      process.stdin.on('data', (d) => s.write(d));
      s.on('error', () => {});
      s.on('close', () => { process.stdout.write('[closed]'); process.exit(0); });
    `], { stdio: ['pipe', 'pipe', 'inherit'] });
    trackChild(child);
    childPid = child.pid ?? null;
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stdin!.write('from-child');
    await until(() => out === 'from-child', 'child echo');
    const mine = client(p.port);
    mine.s.write('mine');
    await until(() => mine.data === 'mine', 'own echo');
    expect(tags.sort()).toEqual(['child', 'me']);

    p.partition('reset', ['child']);
    expect(p.modeFor('child')).toBe('reset');
    expect(p.modeFor('me')).toBe('pass');
    await until(() => out.endsWith('[closed]'), 'the child connection to be reset');
    mine.s.write('-still');
    await until(() => mine.data === 'mine-still', 'the other source to go on');
    mine.s.destroy();
    child.kill('SIGKILL');
  });
});
