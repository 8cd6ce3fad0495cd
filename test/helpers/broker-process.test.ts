import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBroker, stopAllBrokers, writeBrokerConfig } from './broker-process.js';

let dir: string;
const script = (name: string, body: string) => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rafka-broker-proc-'));
});
afterEach(async () => {
  await stopAllBrokers();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// A stand-in for the broker: pino-like JSON lines on stdout, a plain line, stderr, args echoed.
const FAKE = `
const log = (level, msg, extra = {}) => process.stdout.write(JSON.stringify({ level, time: Date.now(), pid: process.pid, msg, ...extra }) + '\\n');
log(30, 'starting', { args: process.argv.slice(2), env: process.env.FAKE_ENV ?? null, cwd: process.cwd() });
process.stdout.write('not json at all\\n');
process.stderr.write('a warning on stderr\\n');
setTimeout(() => log(30, 'registered', { brokerId: 7 }), 200);
process.on('SIGTERM', () => { log(30, 'shutting down'); setTimeout(() => process.exit(0), 50); });
if (process.argv.includes('--exit-early')) setTimeout(() => { log(50, 'fatal config error'); process.exit(3); }, 100);
else setInterval(() => {}, 1000);
`;

describe('spawnBroker', () => {
  it('parses JSON and plain stdout lines, stderr, args, env and cwd; waits for past and future lines; stops with SIGTERM', async () => {
    const b = spawnBroker(['config.properties', '--x'], { script: script('fake.mjs', FAKE), env: { FAKE_ENV: 'yes' }, cwd: dir });
    expect(b.pid).toBeGreaterThan(0);
    const registered = await b.waitForLog((l) => l.msg === 'registered');
    expect(registered.brokerId).toBe(7);
    expect(registered.level).toBe(30);
    // existing line resolves at once
    const starting = await b.waitForLog((l) => l.msg === 'starting', 10);
    expect(starting.args).toEqual(['config.properties', '--x']);
    expect(starting.env).toBe('yes');
    expect(starting.cwd).toBe(dir);
    const raw = b.logs.find((l) => l.raw === true);
    expect(raw?.msg).toBe('not json at all');
    expect(b.stderr).toContain('a warning on stderr');

    expect(await b.stop()).toBe(0);
    expect(b.exited).toBe(true);
    expect(b.logs.at(-1)?.msg).toBe('shutting down');
  });

  it('rejects waitForLog with the recent lines when the process exits first; waitForExit gives the code', async () => {
    const b = spawnBroker(['--exit-early'], { script: script('fake2.mjs', FAKE) });
    const err = await b.waitForLog((l) => l.msg === 'never printed', 10_000).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/exited \(code 3\)/);
    expect((err as Error).message).toContain('fatal config error');
    expect((err as Error).message).toContain('starting');
    expect(await b.waitForExit()).toBe(3);
    // after exit: an existing line still resolves, a missing one rejects at once
    await expect(b.waitForLog((l) => l.msg === 'starting')).resolves.toMatchObject({ msg: 'starting' });
    await expect(b.waitForLog((l) => l.msg === 'nope')).rejects.toThrow(/already exited/);
  });

  it('rejects waitForLog on timeout with the last lines', async () => {
    const b = spawnBroker([], { script: script('fake3.mjs', FAKE) });
    await b.waitForLog((l) => l.msg === 'starting'); // a loaded machine may start the script after 300 ms
    await expect(b.waitForLog((l) => l.msg === 'never', 300)).rejects.toThrow(/within 300 ms[\s\S]*starting/);
    expect(b.exited).toBe(false);
  });

  it('stop() SIGKILLs a process that ignores SIGTERM after the grace period', async () => {
    const b = spawnBroker([], {
      script: script('stubborn.mjs', `process.on('SIGTERM', () => console.log('ignoring')); console.log('{"level":30,"msg":"up"}'); setInterval(() => {}, 1000);`),
    });
    await b.waitForLog((l) => l.msg === 'up');
    const t0 = Date.now();
    expect(await b.stop(1000)).toBeNull();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(b.proc.signalCode).toBe('SIGKILL');
    expect(b.logs.some((l) => l.msg === 'ignoring')).toBe(true);
  });

  it('signal() delivers signals', async () => {
    const b = spawnBroker([], { script: script('fake4.mjs', FAKE) });
    await b.waitForLog((l) => l.msg === 'starting');
    b.signal('SIGKILL');
    expect(await b.waitForExit()).toBeNull();
    expect(b.proc.signalCode).toBe('SIGKILL');
  });

  it('cpuSeconds: a busy loop uses CPU, a sleeping process does not', async () => {
    const busy = spawnBroker([], {
      script: script('busy.mjs', `console.log('{"level":30,"msg":"go"}'); const end = Date.now() + 20000; while (Date.now() < end) {}`),
    });
    const idle = spawnBroker([], { script: script('idle.mjs', `console.log('{"level":30,"msg":"go"}'); setInterval(() => {}, 1000);`) });
    await busy.waitForLog((l) => l.msg === 'go');
    await idle.waitForLog((l) => l.msg === 'go');
    const b0 = await busy.cpuSeconds();
    const i0 = await idle.cpuSeconds();
    // on a loaded machine the busy loop gets a share of a core, not a core: wait until it has used
    // 0.5 s of CPU (it must, within its 20 s), then the sleeper must still be near zero over that time
    let busyUsed = 0;
    const deadline = Date.now() + 15_000;
    while ((busyUsed = (await busy.cpuSeconds()) - b0) <= 0.5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const idleUsed = (await idle.cpuSeconds()) - i0;
    expect(busyUsed).toBeGreaterThan(0.5);
    expect(idleUsed).toBeLessThan(0.1);
    busy.signal('SIGKILL');
    await busy.waitForExit();
    await expect(busy.cpuSeconds()).rejects.toThrow(/gone/);
  });
});

describe('writeBrokerConfig', () => {
  it('writes key=value lines and returns the path', async () => {
    const p = await writeBrokerConfig(join(dir, 'cfg'), { 'broker.id': '1', 'log.dirs': '/tmp/a,/tmp/b', 'zookeeper.connect': '127.0.0.1:2181/rafka' });
    expect(p).toBe(join(dir, 'cfg', 'server.properties'));
    const lines = readFileSync(p, 'utf8').split('\n');
    expect(lines).toContain('broker.id=1');
    expect(lines).toContain('log.dirs=/tmp/a,/tmp/b');
    expect(lines).toContain('zookeeper.connect=127.0.0.1:2181/rafka');
  });
});
