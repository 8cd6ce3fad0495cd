/**
 * Turns actor context, events, inputs and outputs into small, JSON-safe values before they leave
 * the process (Stately inspector, the live viewer, `/events`). It runs on the live objects, where
 * class instances can still be recognised:
 *
 *   Buffer / typed array     → { type: 'Buffer', length }
 *   ZkHandle / ZkSession     → { type: 'ZkHandle', connectString, sessionId }
 *   pino logger              → '[Logger]'
 *   FileLock                 → { type: 'FileLock', path }
 *   KafkaConfig              → { type: 'KafkaConfig', brokerId, zkConnect, logDirs, listeners, … }
 *   actor ref                → { xstate$$type: 1, id, sessionId }   (as Actor#toJSON, plus sessionId)
 *   net.Server / net.Socket  → { type: 'Server', listening, address } / { type: 'Socket', remote, local }
 *   other EventEmitters (streams, file handles, child processes), timers → { type: <class name> }
 *   Error                    → { name, message }
 *   bigint / Date            → string
 *   functions, symbols       → dropped
 *
 * Secrets never leave: a key whose config type is `password` (also behind a `listener.name.<l>.`
 * prefix) or whose name looks secret (password, secret, jaas, credential, token, private key) has
 * its value replaced by '[hidden]'; so has the `value` of a `{ key, value }` pair naming such a key.
 * The sanitiser never throws: it runs inside the actor system, where a throw would kill the broker.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { configKey } from '../config/config-def.js';
import { KafkaConfig } from '../config/kafka-config.js';
import { ZkHandle } from '../services/zookeeper/zk-handle.js';
import { ZkSession } from '../services/zookeeper/zk-session.js';

export const HIDDEN = '[hidden]';
const MAX_DEPTH = 8;
const MAX_ARRAY = 200;
/** Values visited per sanitize() call: a context holding thousands of partitions stays cheap. */
const MAX_NODES = 20_000;
const MAX_STRING = 4000;
const SECRET_NAME = /password|secret|jaas|credential|token|private[._-]?key|keystore\.key|\.key$/i;

/** True when a config (or context/event field) named `key` holds a secret. */
export function isSecretKey(key: string): boolean {
  const bare = key.replace(/^listener\.name\.[^.]+\.(?:[^.]+\.(?=sasl\.))?/, '');
  if (configKey(bare)?.type === 'password' || configKey(key)?.type === 'password') return true;
  return SECRET_NAME.test(key);
}

/** A plain, secret-free summary of a broker config: enough to recognise it, never the originals. */
export function summariseKafkaConfig(c: KafkaConfig): Record<string, unknown> {
  return {
    type: 'KafkaConfig',
    brokerId: c.brokerId,
    rack: c.rack,
    zkConnect: c.zkConnect,
    logDirs: [...c.logDirs],
    listeners: c.listeners.map((e) => `${e.listenerName}://${e.host}:${e.port}`),
    advertisedListeners: c.effectiveAdvertisedListeners.map((e) => `${e.listenerName}://${e.host}:${e.port}`),
    interBrokerListenerName: c.interBrokerListenerName,
    inspectPort: c.inspectPort,
  };
}

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

function isLogger(v: Record<string, unknown>): boolean {
  return typeof v.child === 'function' && typeof v.info === 'function' && typeof v.level === 'string';
}

function isActorRef(v: Record<string, unknown>): boolean {
  return typeof v.send === 'function' && typeof v.sessionId === 'string' && typeof v.getSnapshot === 'function';
}

function isFileLock(v: Record<string, unknown>): boolean {
  return typeof v.release === 'function' && typeof v.path === 'string';
}

function isStateNode(v: Record<string, unknown>): boolean {
  return Array.isArray(v.path) && typeof v.machine === 'object' && v.machine !== null && typeof v.id === 'string';
}

function zkSummary(v: ZkHandle | ZkSession): Record<string, unknown> {
  if (v instanceof ZkSession) {
    let sessionId: string | null = null;
    try { sessionId = v.sessionId; } catch { /* not connected */ }
    return { type: 'ZkSession', connectString: v.connectString, sessionId };
  }
  let sessionId: string | null = null;
  try { sessionId = v.hasSession ? v.current.sessionId : null; } catch { /* closed */ }
  return { type: 'ZkHandle', connectString: v.connectString, sessionId };
}

/** Servers, sockets, streams, file handles, timers: what they are, never their internals. */
function ioSummary(o: object): Record<string, unknown> | null {
  if (o instanceof net.Server) {
    const a = o.address();
    return { type: 'Server', listening: o.listening, address: a && typeof a === 'object' ? `${a.address}:${a.port}` : a };
  }
  if (o instanceof net.Socket) return { type: 'Socket', remote: o.remoteAddress ? `${o.remoteAddress}:${o.remotePort}` : null, local: o.localAddress ? `${o.localAddress}:${o.localPort}` : null };
  const name = (o as { constructor?: { name?: string } }).constructor?.name ?? 'Object';
  if (o instanceof EventEmitter) return { type: name };
  if (name === 'Timeout' || name === 'Immediate') return { type: name };
  return null;
}

interface Walk { seen: WeakSet<object>; nodes: number }

function walk(v: unknown, depth: number, w: Walk): unknown {
  switch (typeof v) {
    case 'string': return v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…(${v.length} chars)` : v;
    case 'number': return Number.isFinite(v) ? v : String(v);
    case 'boolean': return v;
    case 'bigint': return v.toString();
    case 'undefined': case 'function': case 'symbol': return undefined;
  }
  if (v === null) return null;
  const o = v as object;
  if (Buffer.isBuffer(o) || ArrayBuffer.isView(o)) return { type: 'Buffer', length: (o as ArrayBufferView).byteLength };
  if (o instanceof ArrayBuffer) return { type: 'Buffer', length: o.byteLength };
  if (o instanceof KafkaConfig) return summariseKafkaConfig(o);
  if (o instanceof ZkHandle || o instanceof ZkSession) return zkSummary(o);
  if (o instanceof Date) return Number.isNaN(o.getTime()) ? 'Invalid Date' : o.toISOString();
  if (o instanceof Error) return { name: o.name, message: o.message, ...('code' in o && o.code !== undefined ? { code: walk(o.code, depth + 1, w) } : {}) };
  const r = o as Record<string, unknown>;
  if (isLogger(r)) return '[Logger]';
  if (isActorRef(r)) return { xstate$$type: 1, id: r.id, sessionId: r.sessionId };
  if (isStateNode(r)) return { type: 'StateNode', id: r.id };
  if (isFileLock(r)) return { type: 'FileLock', path: r.path };
  const io = ioSummary(o);
  if (io) return io;
  if (w.seen.has(o)) return '[Circular]';
  if (depth >= MAX_DEPTH || ++w.nodes > MAX_NODES) return '[…]';
  w.seen.add(o);
  try {
    if (Array.isArray(o) || o instanceof Set) {
      const size = Array.isArray(o) ? o.length : (o as Set<unknown>).size;
      const items = Array.isArray(o) ? o.slice(0, MAX_ARRAY) : take(o as Set<unknown>, MAX_ARRAY);
      const out = items.map((x) => walk(x, depth + 1, w) ?? null);
      if (size > MAX_ARRAY) out.push(`…(${size - MAX_ARRAY} more)`);
      return out;
    }
    const total = o instanceof Map ? o.size : Object.keys(o).length;
    const entries: Array<[string, unknown]> = o instanceof Map
      ? take(o.entries(), MAX_ARRAY).map(([k, x]) => [String(k), x])
      : Object.keys(o).slice(0, MAX_ARRAY).map((k) => [k, r[k]]);
    const out: Record<string, unknown> = {};
    if (!isPlainObject(o) && !(o instanceof Map)) {
      const name = (o as { constructor?: { name?: string } }).constructor?.name;
      if (name) out.type = name;
    }
    // `{ key: 'ssl.keystore.password', value: '…' }` (e.g. an ignored dynamic config) hides its value.
    const pairIsSecret = typeof r.key === 'string' && 'value' in r && isSecretKey(r.key);
    for (const [k, x] of entries) {
      if (isSecretKey(k) || (pairIsSecret && k === 'value')) { if (x !== undefined && x !== null) out[k] = HIDDEN; else out[k] = x; continue; }
      const s = walk(x, depth + 1, w);
      if (s !== undefined) out[k] = s;
    }
    if (total > MAX_ARRAY) out['…'] = `${total - MAX_ARRAY} more`;
    return out;
  } finally {
    w.seen.delete(o);
  }
}

function take<T>(it: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  for (const x of it) { if (out.length >= n) break; out.push(x); }
  return out;
}

/** A JSON-safe, secret-free copy of any value (context, event, input, output). Never throws. */
export function sanitize(value: unknown): unknown {
  try {
    return walk(value, 0, { seen: new WeakSet(), nodes: 0 });
  } catch (e) {
    return { type: 'Unserialisable', error: e instanceof Error ? e.message : String(e) };
  }
}

/** An event object: keeps `type` (a string) and sanitises the rest. */
export function sanitizeEvent(event: unknown): { type: string; [k: string]: unknown } {
  const s = sanitize(event);
  if (s !== null && typeof s === 'object' && !Array.isArray(s) && typeof (s as { type?: unknown }).type === 'string') return s as { type: string };
  return { type: typeof event === 'string' ? event : 'unknown', value: s };
}

/**
 * The JSON-able part of a snapshot (machine, promise or callback actor): status, value, context,
 * children (as refs), output, error, input, tags — each sanitised.
 */
export function sanitizeSnapshot(snapshot: unknown): Record<string, unknown> {
  if (snapshot === null || typeof snapshot !== 'object') return { status: 'active' };
  const s = snapshot as Record<string, unknown>;
  const out: Record<string, unknown> = { status: typeof s.status === 'string' ? s.status : 'active' };
  for (const k of ['value', 'context', 'children', 'output', 'error', 'input'] as const) {
    if (s[k] !== undefined) out[k] = sanitize(s[k]);
  }
  if (s.tags instanceof Set) out.tags = [...s.tags].map(String);
  return out;
}
