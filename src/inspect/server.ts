/**
 * The live viewer, on 127.0.0.1 only:
 *
 *   GET /             the viewer page (inline JS/CSS, nothing fetched from the internet)
 *   GET /events.json  everything recorded so far, as a JSON array
 *   WS  /events       {"type":"@rafka.hello",…,"definitions":[…]}, then a replay of everything recorded so far,
 *                     then {"type":"@rafka.replayed","count":N}, then every new message as it happens
 *
 * The hello registers the machines that are definitions rather than actors (entity-machines.ts): per-partition
 * and per-replica states advanced as pure transitions, which no inspection event would ever show.
 * Messages are the sanitised inspection messages of events.ts (the @statelyai/inspect wire format
 * plus seq and t = ms since process start). Requests must name a loopback Host and, when they carry
 * an Origin (browsers), come from the viewer's own page: other sites and DNS rebinding get 403.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import type { Recorder } from './recorder.js';
import { renderViewerPage } from './viewer-page.js';
import type { EntityDefinition } from './entity-machines.js';

export interface ViewerServer {
  readonly port: number;
  readonly host: string;
  readonly url: string;
  close(): Promise<void>;
}

/** Kept small so a stalled client cannot make the broker buffer without bound. */
const MAX_CLIENT_BUFFER = 8 * 1024 * 1024;

export async function startViewerServer(opts: { port: number; host?: string; recorder: Recorder; title?: string; definitions?: EntityDefinition[] }): Promise<ViewerServer> {
  const host = opts.host ?? '127.0.0.1';
  const { recorder } = opts;
  const page = renderViewerPage({ title: opts.title ?? 'Rafka live state viewer' });
  const definitions = opts.definitions ?? [];
  const hello = () => JSON.stringify({ type: '@rafka.hello', pid: process.pid, timeOrigin: performance.timeOrigin, now: performance.now(), definitions });

  let port = 0;
  // Local tools only: a web page elsewhere must not read the stream (cross-site WebSocket) and a
  // rebound DNS name must not reach the page, so Host must be loopback and any Origin our own.
  const localHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const allowed = (req: http.IncomingMessage) => {
    if (!localHosts().includes(req.headers.host ?? '')) return false;
    const origin = req.headers.origin;
    return origin === undefined || localHosts().some((h) => origin === `http://${h}`);
  };
  const server = http.createServer((req, res) => {
    if (!allowed(req)) { res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden: the viewer answers local pages and tools only\n'); return; }
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET' }).end(); return; }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
    } else if (url.pathname === '/events.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(recorder.messages()));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try / or /events (WebSocket) or /events.json\n');
    }
  });
  const wss = new WebSocketServer({ server, path: '/events', verifyClient: (info: { req: http.IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => done(allowed(info.req), 403, 'Forbidden'),
  });
  // ws re-emits the HTTP server's errors (EADDRINUSE on listen): the listen promise reports those.
  wss.on('error', () => undefined);
  wss.on('connection', (ws) => {
    ws.send(hello());
    const replay = recorder.messages();
    // Subscribe before sending the replay: nothing happens in between (single thread), so no gap.
    const unsubscribe = recorder.subscribe((m) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > MAX_CLIENT_BUFFER) { ws.terminate(); return; }
      ws.send(JSON.stringify(m));
    });
    for (const m of replay) ws.send(JSON.stringify(m));
    ws.send(JSON.stringify({ type: '@rafka.replayed', count: replay.length, dropped: recorder.dropped }));
    ws.on('close', unsubscribe);
    ws.on('error', () => ws.terminate());
    ws.on('message', () => { /* read-only stream */ });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => { server.off('error', reject); resolve(); });
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    host,
    url: `http://${host}:${port}/`,
    async close() {
      for (const c of wss.clients) c.close(1001, 'broker stopped');
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { for (const c of wss.clients) c.terminate(); resolve(); }, 500);
        t.unref();
        wss.close(() => { clearTimeout(t); resolve(); });
      });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
