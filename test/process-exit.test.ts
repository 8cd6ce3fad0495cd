// The CLI's last resort (src/process-exit.ts): a thread-pool thread stuck in open() on a FIFO (as on a hung disk)
// keeps the process alive and makes process.exit() hang; exitWhenStuck still ends it with the exit code.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dist = new URL('../dist/process-exit.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'rafka-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(script: string, timeoutMs = 10_000): Promise<{ code: number | null; signal: string | null; ms: number; stderr: string }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, ms: Date.now() - t0, stderr }); });
  });
}

describe('exitWhenStuck', () => {
  it('ends a process whose thread pool is stuck in open() on a FIFO, with the given exit code', async () => {
    const fifo = join(dir, 'hung');
    execFileSync('mkfifo', [fifo]);
    const r = await run(`
      import fs from 'node:fs';
      import { exitWhenStuck } from ${JSON.stringify(dist)};
      fs.open(${JSON.stringify(fifo)}, 'r', () => {}); // never returns: no writer
      exitWhenStuck(7, 300);`);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/still running 300 ms after it finished .*exiting with code 7/);
  });

  it('does not delay a process that ends by itself', async () => {
    const r = await run(`
      import { exitWhenStuck } from ${JSON.stringify(dist)};
      process.exitCode = 3;
      exitWhenStuck(3, 8000);`);
    expect(r.code).toBe(3);
    expect(r.ms).toBeLessThan(5000);
    expect(r.stderr).toBe('');
  });
});
