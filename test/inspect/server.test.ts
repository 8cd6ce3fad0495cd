/** The viewer server on its own: routes, replay then live on /events, local-only access, close. */
import { describe, it, expect, afterEach } from 'vitest';
import * as http from 'node:http';
import WebSocket from 'ws';
import { startViewerServer, type ViewerServer } from '../../src/inspect/server.js';
import { createRecorder } from '../../src/inspect/recorder.js';
import type { InspectionMessage } from '../../src/inspect/events.js';

const msg = (seq: number, type: InspectionMessage['type'] = '@xstate.event') =>
  ({ type, seq, t: seq, sessionId: 'x:0', rootId: 'x:0', createdAt: '0', id: null, _version: '0.7.2', event: { type: `E${seq}` } }) as unknown as InspectionMessage;

let server: ViewerServer | null = null;
afterEach(async () => { await server?.close(); server = null; });

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body, type: res.headers['content-type'] }));
    }).on('error', reject);
  });
}

describe('viewer server', () => {
  it('serves the page and the recording, streams replay then live over /events, and closes its clients', async () => {
    const recorder = createRecorder();
    recorder.push(msg(1, '@xstate.actor'));
    recorder.push(msg(2));
    server = await startViewerServer({ port: 0, recorder });
    expect(server.host).toBe('127.0.0.1');
    const { port } = server;
    const page = await get(port, '/');
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.body).toContain('id="charts"');
    expect(JSON.parse((await get(port, '/events.json')).body).map((m: InspectionMessage) => m.seq)).toEqual([1, 2]);
    expect((await get(port, '/nope')).status).toBe(404);

    const ws = new WebSocket(`ws://127.0.0.1:${port}/events`);
    const got: Array<{ type: string; seq?: number; count?: number }> = [];
    const replayed = new Promise<void>((resolve) => ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      got.push(m);
      if (m.type === '@rafka.replayed') resolve();
    }));
    await replayed;
    recorder.push(msg(3));
    await new Promise((r) => setTimeout(r, 50));
    expect(got.map((m) => m.type)).toEqual(['@rafka.hello', '@xstate.actor', '@xstate.event', '@rafka.replayed', '@xstate.event']);
    expect((got[0] as { definitions?: unknown[] }).definitions).toEqual([]); // none registered here
    expect(got[3].count).toBe(2);
    expect(got[4].seq).toBe(3);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await server.close();
    server = null;
    expect(await closed).toBe(1001);
  });

  it('answers local pages and tools only: foreign Origin or Host get 403', async () => {
    server = await startViewerServer({ port: 0, recorder: createRecorder() });
    const { port } = server;
    expect((await get(port, '/', { host: 'evil.example' })).status).toBe(403); // DNS rebinding
    expect((await get(port, '/', { host: `localhost:${port}` })).status).toBe(200);
    const tryWs = (headers: Record<string, string>) => new Promise<number | 'open'>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/events`, { headers });
      ws.on('open', () => { ws.terminate(); resolve('open'); });
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode!); ws.terminate(); });
      ws.on('error', () => undefined);
    });
    expect(await tryWs({ origin: 'https://evil.example' })).toBe(403); // cross-site WebSocket
    expect(await tryWs({ origin: `http://127.0.0.1:${port}` })).toBe('open');
    expect(await tryWs({})).toBe('open'); // non-browser tools send no Origin
  });

  it('the hello registers the machines that are definitions, not actors (per-partition / per-replica states)', async () => {
    const { brokerEntityDefinitions } = await import('../../src/inspect/entity-machines.js');
    server = await startViewerServer({ port: 0, recorder: createRecorder(), definitions: brokerEntityDefinitions() });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events`);
    const hello = await new Promise<{ type: string; definitions: Array<{ name: string; definition: string; counts?: { actor: string } }> }>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
    ws.close();
    expect(hello.type).toBe('@rafka.hello');
    expect(hello.definitions.map((d) => d.name)).toEqual(['partitionStateMachine', 'replicaStateMachine', 'partitionIsrState', 'partitionFetchState', 'replicaAlterLogDirsState']);
    const isr = JSON.parse(hello.definitions.find((d) => d.name === 'partitionIsrState')!.definition);
    expect(Object.keys(isr.states)).toEqual(['committed', 'pendingExpand', 'pendingShrink']);
    expect(hello.definitions[0]!.counts).toEqual({ actor: 'controller', path: ['stateCounts', 'partitions'] });
  });
});
