/**
 * Forwards inspection messages to a Stately inspector over WebSocket: the client half of
 * `@statelyai/inspect`'s `createWebSocketInspector`, speaking the same JSON messages, e.g. to a relay
 * started with `createInspectorServer()` from `@statelyai/inspect/server` (ws://localhost:8080).
 *
 * Why not `createWebSocketInspector` itself: after a connection error it retries every 5 s on a
 * timer that `stop()` does not cancel, so a broker whose inspector is down would never exit after
 * shutdown (checked with 0.7.2). This adapter keeps the same behaviour (buffer up to 200 messages
 * until connected, retry every 5 s) with an unref'd, cancellable timer, and also keeps every
 * @xstate.actor message while waiting, so an inspector started after the broker sees all actors.
 */
import WebSocket from 'ws';
import type { InspectionMessage } from './events.js';

export interface StatelyForwarder {
  send(m: InspectionMessage): void;
  /** Flushes what it can (bounded wait) and closes for good. */
  stop(): Promise<void>;
}

export function createStatelyForwarder(url: string, opts: { maxDeferred?: number; retryMs?: number; onState?: (s: 'open' | 'closed', detail?: string) => void } = {}): StatelyForwarder {
  const maxDeferred = opts.maxDeferred ?? 200;
  const retryMs = opts.retryMs ?? 5000;
  let ws: WebSocket | null = null;
  let open = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  // Until connected: the last `maxDeferred` messages, plus every @xstate.actor message (never
  // dropped, so a late inspector still learns the whole actor tree, root included).
  const deferred: Array<{ text: string; actor: boolean }> = [];
  let others = 0;

  const connect = () => {
    if (stopped) return;
    const sock = new WebSocket(url);
    ws = sock;
    sock.on('open', () => {
      open = true;
      opts.onState?.('open');
      for (const m of deferred.splice(0)) sock.send(m.text);
      others = 0;
    });
    sock.on('message', () => { /* the relay echoes nothing we need */ });
    sock.on('error', () => { /* 'close' follows */ });
    sock.on('close', () => {
      const wasOpen = open;
      open = false;
      if (wasOpen) opts.onState?.('closed');
      if (stopped || ws !== sock) return;
      timer = setTimeout(connect, retryMs);
      timer.unref();
    });
  };
  connect();

  return {
    send(m) {
      if (stopped) return;
      const text = JSON.stringify(m);
      if (open && ws) ws.send(text);
      else {
        const actor = m.type === '@xstate.actor';
        deferred.push({ text, actor });
        if (!actor && ++others > maxDeferred) {
          deferred.splice(deferred.findIndex((d) => !d.actor), 1);
          others--;
        }
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const sock = ws;
      if (!sock) return;
      if (sock.readyState === WebSocket.OPEN) {
        // Let queued frames go out, then close; never wait more than a second.
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => { sock.terminate(); resolve(); }, 1000);
          t.unref();
          sock.once('close', () => { clearTimeout(t); resolve(); });
          sock.close(1000, 'broker stopped');
        });
      } else {
        sock.terminate();
      }
    },
  };
}
