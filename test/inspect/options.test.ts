/** The broker CLI's inspection flags and the "off costs nothing" rule. */
import { describe, it, expect } from 'vitest';
import { pino } from 'pino';
import { parseCli } from '../../src/cli.js';
import { DEFAULT_INSPECT_URL, normaliseInspectArgv, parseInspectValues, maybeStartInspection } from '../../src/inspect/options.js';

const quiet = () => undefined;

describe('--inspect / --inspect-port', () => {
  it('a bare --inspect means the @statelyai/inspect default URL and does not swallow CONFIG', () => {
    expect(DEFAULT_INSPECT_URL).toBe('ws://localhost:8080');
    expect(normaliseInspectArgv(['--inspect', 'server.properties'])).toEqual([`--inspect=${DEFAULT_INSPECT_URL}`, 'server.properties']);
    const p = parseCli(['--inspect', 'server.properties'], quiet, quiet);
    expect(p).toMatchObject({ kind: 'run', opts: { configPath: 'server.properties', inspect: { url: DEFAULT_INSPECT_URL, port: null } } });
    expect(parseCli(['--inspect=ws://127.0.0.1:9999', '--inspect-port', '0', 'c.properties'], quiet, quiet))
      .toMatchObject({ kind: 'run', opts: { inspect: { url: 'ws://127.0.0.1:9999', port: 0 } } });
    expect(parseCli(['c.properties'], quiet, quiet)).toMatchObject({ kind: 'run', opts: { inspect: { url: null, port: null } } });
  });

  it('rejects bad values with exit code 2', () => {
    const err: string[] = [];
    expect(parseCli(['--inspect=http://x', 'c'], quiet, (s) => err.push(s))).toEqual({ kind: 'exit', code: 2 });
    expect(parseCli(['--inspect-port', '70000', 'c'], quiet, (s) => err.push(s))).toEqual({ kind: 'exit', code: 2 });
    expect(parseCli(['--inspect-port', 'abc', 'c'], quiet, (s) => err.push(s))).toEqual({ kind: 'exit', code: 2 });
    expect(err.join('')).toMatch(/invalid --inspect URL 'http:\/\/x'.*\n.*invalid --inspect-port '70000'/s);
    expect(parseInspectValues({ inspect: '' })).toEqual({ url: DEFAULT_INSPECT_URL, port: null });
  });

  it('starts nothing when off (no inspect option for the Majordomo); the flag wins over inspect.port', async () => {
    const log = pino({ level: 'silent' });
    expect(await maybeStartInspection(undefined, null, log)).toBeNull();
    expect(await maybeStartInspection({ url: null, port: null }, null, log)).toBeNull();
    const fromConfig = await maybeStartInspection({ url: null, port: null }, 0, log);
    const fromFlag = await maybeStartInspection({ url: null, port: 0 }, 1, log); // port 1 would fail to bind
    try {
      expect(fromConfig?.viewer?.host).toBe('127.0.0.1');
      expect(fromFlag?.viewer?.port).toBeGreaterThan(1);
      expect(typeof fromFlag?.inspect).toBe('function');
    } finally {
      await fromConfig?.close();
      await fromFlag?.close();
    }
  });
});
