/**
 * The real broker with --inspect=URL and --inspect-port against a real ZooKeeper: the live
 * viewer's /events WebSocket replays the actor tree up to `running` and streams the shutdown live;
 * the relay of @statelyai/inspect (createInspectorServer) passes the same messages on to its page;
 * no secret leaves the process.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { readFile } from 'node:fs/promises';
import { WebSocketServer, WebSocket } from 'ws';
import { createInspectorServer } from '@statelyai/inspect/server';
import { startZooKeeper, freePort, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll } from '../integration/support.js';

let zk: ZooKeeperServer;
beforeAll(async () => { zk = await startZooKeeper(); });
afterEach(async () => { await stopAllBrokers(); });
afterAll(async () => { await cleanupAll(); await zk?.close(); });

const SECRET = 'Sup3rS3cretKeystorePw';
const COORDINATORS = ['majordomo', 'zookeeperClient', 'logDirFailureChannel', 'featureListener', 'controller', 'dynamicConfig'];

type Msg = { type: string; [k: string]: any };

/** Connects to /events and collects every message; `until` resolves on the first match. */
function eventsClient(url: string) {
  const ws = new WebSocket(url);
  const messages: Msg[] = [];
  const raw: string[] = [];
  const waiters: Array<{ pred: (m: Msg) => boolean; resolve: (m: Msg) => void }> = [];
  ws.on('message', (data) => {
    const text = data.toString();
    raw.push(text);
    const m = JSON.parse(text) as Msg;
    messages.push(m);
    for (const w of [...waiters]) if (w.pred(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
  });
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  const until = (pred: (m: Msg) => boolean, timeoutMs = 15_000) => new Promise<Msg>((resolve, reject) => {
    const hit = messages.find(pred);
    if (hit) { resolve(hit); return; }
    const t = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${messages.length}: ${raw.slice(-5).join('\n')}`)), timeoutMs);
    waiters.push({ pred, resolve: (m) => { clearTimeout(t); resolve(m); } });
  });
  return { ws, messages, raw, until, closed };
}

/** True when something listens on 127.0.0.1:port and nothing on another address (from /proc/net/tcp*, no traffic). */
async function listenAddresses(port: number): Promise<string[]> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 3 && cols[3] === '0A' && cols[1].endsWith(`:${hex}`)) out.push(cols[1].split(':')[0]);
    }
  }
  return out;
}

describe('rafka --inspect / --inspect-port (real broker, real ZooKeeper)', () => {
  it('streams the actor tree to /events (replay + live) and to a Stately relay, sanitised', async () => {
    // The relay a Stately inspector user runs: createInspectorServer() from @statelyai/inspect/server
    // (it serves a page that iframes stately.ai/inspect; here a plain WebSocket client plays that page).
    const relayPort = await freePort();
    const relay = createInspectorServer({ port: relayPort, autoOpen: false });
    const relayed: string[] = [];
    let receiver!: WebSocket;
    for (let attempt = 0; ; attempt++) { // it listens asynchronously and reports nothing: retry briefly
      receiver = new WebSocket(`ws://127.0.0.1:${relayPort}`);
      const ok = await new Promise<boolean>((resolve) => { receiver.once('open', () => resolve(true)); receiver.once('error', () => resolve(false)); });
      if (ok) break;
      if (attempt > 40) throw new Error(`the Stately relay did not listen on ${relayPort}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    receiver.on('message', (d) => relayed.push(d.toString()));
    try {
      const port = await freePort();
      const b = await brokerConfig(zk, { 'ssl.keystore.password': SECRET });
      const broker = startBroker(b, [`--inspect=ws://127.0.0.1:${relayPort}`, '--inspect-port', String(port)]);
      const viewerLine = await broker.waitForLog((l) => l.msg.startsWith('Live state viewer at'));
      expect(viewerLine.url).toBe(`http://127.0.0.1:${port}/`);
      expect(await listenAddresses(port)).toEqual(['0100007F']); // 127.0.0.1 only
      await broker.waitForLog(started);

      // A client connecting after startup gets the replay: hello, every actor, the way to `running`.
      const c = eventsClient(`ws://127.0.0.1:${port}/events`);
      await c.until((m) => m.type === '@rafka.replayed');
      expect(c.messages[0]).toMatchObject({ type: '@rafka.hello', pid: broker.pid });
      const actors = c.messages.filter((m) => m.type === '@xstate.actor');
      const names = actors.map((a) => a.name);
      for (const n of COORDINATORS) expect(names, n).toContain(n);
      const major = actors.find((a) => a.name === 'majordomo')!;
      expect(major.parentId).toBeUndefined();
      expect(JSON.parse(major.definition).states.starting.states).toHaveProperty('connectingToZooKeeper');
      const zkc = actors.find((a) => a.name === 'zookeeperClient')!;
      expect(zkc).toMatchObject({ parentId: major.sessionId, systemId: 'zookeeperClient', _version: '0.7.2' });
      const majorValues = c.messages.filter((m) => m.type === '@xstate.snapshot' && m.sessionId === major.sessionId).map((m) => JSON.stringify(m.snapshot.value));
      expect(majorValues).toContain(JSON.stringify({ starting: 'connectingToZooKeeper' }));
      expect(majorValues).toContain(JSON.stringify({ running: 'serving' }));
      expect(majorValues.indexOf(JSON.stringify({ starting: 'gettingClusterId' }))).toBeLessThan(majorValues.indexOf(JSON.stringify({ running: 'serving' })));
      // seq orders everything; t is ms since process start (for an actor: when it was created).
      const evs = c.messages.filter((m) => typeof m.seq === 'number');
      for (let i = 1; i < evs.length; i++) expect(evs[i].seq).toBeGreaterThan(evs[i - 1].seq);
      const steps = evs.filter((m) => m.type !== '@xstate.actor');
      for (let i = 1; i < steps.length; i++) expect(steps[i].t).toBeGreaterThanOrEqual(steps[i - 1].t);
      expect(major.t).toBeLessThanOrEqual(steps[0].t);

      // Sanitised context: no logger, no ZooKeeper client internals, KafkaConfig summarised, secrets hidden.
      const lastMajor = c.messages.filter((m) => m.type === '@xstate.snapshot' && m.sessionId === major.sessionId).at(-1)!;
      const ctx = lastMajor.snapshot.context;
      expect(ctx.log).toBe('[Logger]');
      expect(ctx.handle).toMatchObject({ type: 'ZkHandle', connectString: b.props['zookeeper.connect'] });
      expect(ctx.handle.sessionId).toMatch(/^[0-9a-f]{16}$/);
      expect(ctx.config).toMatchObject({ type: 'KafkaConfig', brokerId: 1 });
      expect(ctx.config).not.toHaveProperty('originals');
      expect(ctx.staticProps['ssl.keystore.password']).toBe('[hidden]');
      // (FileLocks, Buffers etc. are covered by the sanitiser's unit test: where they live in context changes.)
      expect(c.raw.join('\n')).not.toMatch(/"(connectionManager|_events|_handle|_readableState)":/); // no client, server or stream internals anywhere
      expect(ctx.brokerState).toBe('RUNNING');

      // Other tools can fetch the same recording over HTTP; the page needs nothing from elsewhere.
      const all = (await (await fetch(`http://127.0.0.1:${port}/events.json`)).json()) as Msg[];
      expect(all.filter((m) => m.type === '@xstate.actor').map((m) => m.name).slice(0, names.length)).toEqual(names);
      expect(names).toEqual(expect.arrayContaining(['getClusterId', 'registerBroker', 'openSession'])); // invoked helpers by logic key
      const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(page).toContain('<script>');
      expect(page).toContain('function createTimelineModel');
      expect(page).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);

      // Live: the shutdown arrives over the already open socket, then the server closes it.
      const stopping = c.until((m) => m.type === '@xstate.snapshot' && m.sessionId === major.sessionId && m.snapshot.value === 'stopped');
      expect(await broker.stop()).toBe(0);
      const final = await stopping;
      expect(final.snapshot.status).toBe('done');
      await c.closed;

      expect(c.raw.join('\n')).not.toContain(SECRET);
      expect(all.length).toBeGreaterThan(50);

      // The Stately relay passed on the same wire messages (flushed before exit), and no secret either.
      const stately = relayed.map((t) => JSON.parse(t) as Msg);
      expect(stately.filter((m) => m.type === '@xstate.actor').map((m) => m.name)).toEqual(expect.arrayContaining(COORDINATORS));
      expect(stately.every((m) => m._version === '0.7.2' && typeof m.sessionId === 'string' && typeof m.createdAt === 'string')).toBe(true);
      expect(stately.some((m) => m.type === '@xstate.snapshot' && m.snapshot.value === 'stopped')).toBe(true);
      expect(relayed.join('\n')).not.toContain(SECRET);
    } finally {
      receiver.terminate();
      relay.stop();
    }
  });

  it('exits (no hang) when the Stately inspector is unreachable, and fails fast when the viewer port is taken', async () => {
    const b = await brokerConfig(zk);
    const deadPort = await freePort();
    const broker = startBroker(b, [`--inspect=ws://127.0.0.1:${deadPort}`]);
    await broker.waitForLog(started);
    expect(broker.logs.some((l) => l.msg.startsWith('Live state viewer'))).toBe(false);
    const t0 = Date.now();
    expect(await broker.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);

    const busy = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => busy.once('listening', r));
    try {
      const taken = (busy.address() as { port: number }).port;
      const b2 = await brokerConfig(zk, { 'inspect.port': String(taken) });
      const second = startBroker(b2);
      const fatal = await second.waitForLog((l) => l.msg.startsWith('Cannot start the live state viewer'));
      expect(fatal.msg).toContain('EADDRINUSE');
      expect(await second.waitForExit()).toBe(1);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });
});
