/**
 * The broker CLI's inspection flags, kept out of cli.ts and cheap to import (the inspector itself is
 * loaded with a dynamic import only when asked for).
 *
 *   --inspect[=URL]      Stately inspector relay; bare --inspect means ws://localhost:8080, the
 *                        default of @statelyai/inspect's createWebSocketInspector/createInspectorServer
 *   --inspect-port PORT  live viewer on http://127.0.0.1:PORT/ (overrides inspect.port in the config)
 */
import type { Logger } from '../logger.js';
import type { Inspection } from './index.js';

export const DEFAULT_INSPECT_URL = 'ws://localhost:8080';

export const INSPECT_PARSE_OPTIONS = {
  inspect: { type: 'string' },
  'inspect-port': { type: 'string' },
} as const;

export const INSPECT_USAGE =
  `      --inspect[=URL]          send every actor's (sanitised) inspection events to a Stately inspector
                               relay over WebSocket (default ${DEFAULT_INSPECT_URL})
      --inspect-port PORT      serve the live state viewer on http://127.0.0.1:PORT/ and the events
                               on ws://127.0.0.1:PORT/events (0 = any free port; config: inspect.port)
`;

export interface InspectCliOptions { url: string | null; port: number | null }

/** A bare `--inspect` (no `=URL`) means the default URL; parseArgs would otherwise eat the CONFIG. */
export function normaliseInspectArgv(argv: string[]): string[] {
  return argv.map((a) => (a === '--inspect' ? `--inspect=${DEFAULT_INSPECT_URL}` : a));
}

export function parseInspectValues(values: { inspect?: string; 'inspect-port'?: string }): InspectCliOptions | { error: string } {
  let url: string | null = null;
  if (values.inspect !== undefined) {
    const u = values.inspect === '' ? DEFAULT_INSPECT_URL : values.inspect;
    if (!/^wss?:\/\/[^\s/]+/.test(u)) return { error: `invalid --inspect URL '${u}': expected ws://HOST:PORT or wss://HOST:PORT` };
    url = u;
  }
  let port: number | null = null;
  if (values['inspect-port'] !== undefined) {
    const p = values['inspect-port'];
    if (!/^\d+$/.test(p) || Number(p) > 65535) return { error: `invalid --inspect-port '${p}': expected a port number 0-65535` };
    port = Number(p);
  }
  return { url, port };
}

/**
 * Starts inspection when a URL or a port (flag, else `inspect.port` from the config) is set;
 * returns null otherwise, so the broker passes no `inspect` option at all.
 */
export async function maybeStartInspection(opts: InspectCliOptions | undefined, configPort: number | null, log: Logger): Promise<Inspection | null> {
  const url = opts?.url ?? null;
  const port = opts?.port ?? configPort;
  if (url === null && port === null) return null;
  const { startInspection } = await import('./index.js');
  return startInspection({ url, port, log: log.child({ actor: 'inspector' }) });
}
