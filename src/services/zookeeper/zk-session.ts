import zookeeper from 'node-zookeeper-client';
import { ZooKeeperClientMetrics } from '../metrics/global-stats.js';
import type { Client, Stat, Event as ZkEvent } from 'node-zookeeper-client';
import { OPEN_ACL_UNSAFE, defaultAcls, type ZkAuthInfo } from './zk-acls.js';

const { Exception, CreateMode } = zookeeper;

/** How long close() waits for ZooKeeper to answer CLOSE before dropping the connection. */
const CLOSE_GRACE_MS = 1000;
export { CreateMode };
export type { Stat, ZkEvent };

export { OPEN_ACL_UNSAFE };
/** node-zookeeper-client's jute OP_CODES.CREATE: a create operation inside a multi. */
const OP_CREATE = 1;

/** A ZooKeeper error with the server's code name ("NODE_EXISTS", "NO_NODE", …) and the path. */
export class ZkError extends Error {
  constructor(readonly code: number, readonly codeName: string, readonly path: string, op: string) {
    super(`ZooKeeper ${op} ${path} failed: ${codeName}`);
    this.name = 'ZkError';
  }
}

export const ZkCode = {
  CONNECTION_LOSS: Exception.CONNECTION_LOSS,
  NO_NODE: Exception.NO_NODE,
  NODE_EXISTS: Exception.NODE_EXISTS,
  BAD_VERSION: Exception.BAD_VERSION,
  SESSION_EXPIRED: Exception.SESSION_EXPIRED,
  NOT_EMPTY: Exception.NOT_EMPTY,
} as const;

export function isZkError(e: unknown, code?: number): e is ZkError {
  return e instanceof ZkError && (code === undefined || e.code === code);
}

const HANDSHAKE_TIMEOUT_MS = 4000;

export type SessionEvent = 'connected' | 'disconnected' | 'expired' | 'authFailed';

export interface ZkSessionOptions {
  sessionTimeoutMs: number;
  /** First wait between reconnect rounds; doubles per failed round up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** What error messages call this ZooKeeper (the full zookeeper.connect, chroot included). */
  displayName?: string;
  /** The session's ZooKeeper login (`addauth`), sent on every (re)connect (zk-acls.ts). */
  auth?: ZkAuthInfo | null;
  /** zookeeper.set.acl: znodes are created with Kafka's secure ACLs (zk-acls.ts defaultAcls), not world-writable. */
  secureAcls?: boolean;
}

function toError(err: unknown, path: string, op: string): Error {
  if (err && typeof err === 'object' && 'getCode' in err) {
    const ex = err as { getCode(): number; getName(): string };
    return new ZkError(ex.getCode(), ex.getName(), path, op);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * One ZooKeeper session over node-zookeeper-client, with promise-returning operations.
 * The library reconnects by itself while the session lives; we only make its reconnect
 * rounds back off (it retries every ≤1 s forever otherwise) so an outage costs ~no CPU.
 */
export class ZkSession {
  readonly client: Client;
  private listeners = new Set<(e: SessionEvent) => void>();
  private closed = false;
  private connectedOnce = false;

  constructor(readonly connectString: string, private readonly opts: ZkSessionOptions) {
    this.client = zookeeper.createClient(connectString, {
      sessionTimeout: opts.sessionTimeoutMs,
      spinDelay: opts.initialBackoffMs ?? 200,
      retries: 0,
    });
    if (opts.auth) this.client.addAuthInfo(opts.auth.scheme, Buffer.from(opts.auth.credentials, 'utf8'));
    this.installBackoff();
    this.client.on('state', (s) => this.onState(s.name));
  }

  private get secure(): boolean { return this.opts.secureAcls === true; }

  /**
   * Grows the library's reconnect delay while ZooKeeper stays unreachable; resets on connect.
   * The library's own findNextServer waits with a timer nobody can cancel: closed during that wait, a
   * never-connected session would keep the process alive until it fired (up to maxBackoffMs) and
   * then open one more socket. So the round (same order of servers, same random wait below
   * spinDelay) is done here, with a timer close() clears.
   */
  private spinTimer: NodeJS.Timeout | null = null;

  private installBackoff(): void {
    type Cm = { spinDelay: number; findNextServer: (cb: (server: unknown) => void) => void; servers: unknown[]; nextServerIndex: number; serverAttempts: number };
    const cm = (this.client as unknown as { connectionManager?: Cm }).connectionManager;
    if (!cm || typeof cm.findNextServer !== 'function' || !Array.isArray(cm.servers)) return;
    const initial = this.opts.initialBackoffMs ?? 200;
    const max = this.opts.maxBackoffMs ?? 2000;
    cm.findNextServer = (cb) => {
      if (this.closed) return;
      cm.nextServerIndex %= cm.servers.length;
      const next = () => { if (this.closed) return; cb(cm.servers[cm.nextServerIndex]); cm.nextServerIndex += 1; };
      if (cm.serverAttempts === cm.servers.length) {
        this.spinTimer = setTimeout(() => { this.spinTimer = null; cm.serverAttempts = 0; next(); }, Math.random() * cm.spinDelay);
      } else {
        cm.serverAttempts += 1;
        process.nextTick(next);
      }
      cm.spinDelay = Math.min(max, Math.max(initial, cm.spinDelay * 2));
    };
    this.on((e) => { if (e === 'connected') cm.spinDelay = initial; });
  }

  /**
   * The library clears its connect timeout once TCP connects and only arms a read timeout after the
   * session handshake, so a ZooKeeper that accepts but never answers (e.g. still loading after a
   * restart) would stall reconnection indefinitely. While not connected, drop a socket whose
   * handshake takes longer than HANDSHAKE_TIMEOUT_MS; the library then retries with back-off.
   */
  private handshakeWatchdog: NodeJS.Timeout | null = null;
  private handshakeSince: { socket: unknown; at: number } | null = null;

  private startHandshakeWatchdog(): void {
    if (this.handshakeWatchdog || this.closed) return;
    this.handshakeWatchdog = setInterval(() => this.checkHandshake(), 1000);
    this.handshakeWatchdog.unref();
  }

  private stopHandshakeWatchdog(): void {
    if (this.handshakeWatchdog) clearInterval(this.handshakeWatchdog);
    this.handshakeWatchdog = null;
    this.handshakeSince = null;
  }

  private checkHandshake(): void {
    const cm = (this.client as unknown as { connectionManager?: { socket?: { connecting?: boolean; destroyed?: boolean; destroy(): void } } }).connectionManager;
    const socket = cm?.socket;
    if (this.isConnected || !socket || socket.connecting || socket.destroyed) { this.handshakeSince = null; return; }
    if (this.handshakeSince?.socket !== socket) { this.handshakeSince = { socket, at: Date.now() }; return; }
    if (Date.now() - this.handshakeSince.at > HANDSHAKE_TIMEOUT_MS) { this.handshakeSince = null; socket.destroy(); }
  }

  private onState(name: string): void {
    const map: Record<string, SessionEvent | undefined> = {
      SYNC_CONNECTED: 'connected', CONNECTED_READ_ONLY: 'connected', DISCONNECTED: 'disconnected',
      EXPIRED: 'expired', AUTH_FAILED: 'authFailed',
    };
    const ev = map[name];
    if (!ev || this.closed) return;
    if (ev === 'connected') { this.connectedOnce = true; this.stopHandshakeWatchdog(); }
    if (ev === 'disconnected') this.startHandshakeWatchdog();
    for (const l of [...this.listeners]) l(ev);
  }

  on(listener: (e: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * False once closed: the library keeps reporting SYNC_CONNECTED while its CLOSE is in flight and answers every
   * request CONNECTION_LOSS at once, so a retry-until-connected loop would spin without ever yielding.
   */
  get isConnected(): boolean {
    if (this.closed) return false;
    const n = this.client.getState().name;
    return n === 'SYNC_CONNECTED' || n === 'CONNECTED_READ_ONLY';
  }

  get hasConnected(): boolean { return this.connectedOnce; }

  /** Closed (by us, or replaced after expiry): it will never connect again. */
  get isClosed(): boolean { return this.closed; }

  /** Session id as a 16-digit hex string (ZooKeeper's notation), or "0" before connecting. */
  get sessionId(): string { return this.client.getSessionId().toString('hex'); }

  /** Starts connecting; resolves once connected, rejects after timeoutMs (Kafka's message). */
  connect(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => { clearTimeout(timer); off(); signal?.removeEventListener('abort', onAbort); err ? reject(err) : resolve(); };
      const onAbort = () => done(new Error('connect aborted'));
      const off = this.on((e) => {
        if (e === 'connected') done();
        else if (e === 'authFailed') done(new Error('Auth failed either before or while waiting for connection'));
        else if (e === 'expired') done(new Error('Session expired either before or while waiting for connection'));
      });
      const timer = setTimeout(() => done(new Error(
        `Timed out waiting for connection to ZooKeeper at ${this.opts.displayName ?? this.connectString} (zookeeper.connection.timeout.ms=${timeoutMs}) while in state: ${this.client.getState().name}`)), timeoutMs);
      signal?.addEventListener('abort', onAbort);
      this.startHandshakeWatchdog();
      this.client.connect();
    });
  }

  /**
   * Closes the session. The library's close() only queues a CLOSE request (and throws when it never
   * had a socket), so when not connected the socket is dropped too: nothing may keep the process alive.
   */
  close(): void {
    if (this.closed) return;
    const wasConnected = this.isConnected;
    this.closed = true;
    this.stopHandshakeWatchdog();
    if (this.spinTimer) { clearTimeout(this.spinTimer); this.spinTimer = null; }
    this.listeners.clear();
    try { this.client.close(); } catch { /* never connected: nothing to close politely */ }
    const socket = (this.client as unknown as { connectionManager?: { socket?: { destroy(): void; destroyed?: boolean; once(e: 'close', f: () => void): void } } }).connectionManager?.socket;
    if (!wasConnected) { socket?.destroy(); return; }
    // The CLOSE request is answered in one round trip; a server stuck on an earlier request of this
    // session never answers it, and its open socket would keep the process alive.
    if (socket && !socket.destroyed) {
      const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      socket.once('close', () => clearTimeout(timer));
    }
  }

  private call<T>(op: string, path: string, fn: (cb: (err: unknown, ...res: any[]) => void) => void, pick: (...res: any[]) => T): Promise<T> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      fn((err, ...res) => {
        ZooKeeperClientMetrics.requestLatency.observe(performance.now() - started); // Kafka's ZooKeeperRequestLatencyMs
        if (err) reject(toError(err, path, op)); else resolve(pick(...res));
      });
    });
  }

  create(path: string, data: Buffer | null, mode: number = CreateMode.PERSISTENT): Promise<string> {
    return this.call('create', path, (cb) => this.client.create(path, data as Buffer, defaultAcls(this.secure, path), mode, cb), (p) => p);
  }

  /** Creates the path and any missing parents (persistent, null data), ignoring NODE_EXISTS; each with its own ACLs when secure. */
  async mkdirp(path: string): Promise<void> {
    if (!this.secure) return this.call('mkdirp', path, (cb) => this.client.mkdirp(path, cb), () => undefined);
    let prefix = '';
    for (const part of path.split('/').slice(1)) {
      prefix += `/${part}`;
      try { await this.create(prefix, null); } catch (e) { if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e; }
    }
  }

  getData(path: string, watcher?: (e: ZkEvent) => void): Promise<{ data: Buffer | null; stat: Stat }> {
    return this.call('getData', path, (cb) => (watcher ? this.client.getData(path, watcher, cb) : this.client.getData(path, cb)),
      (data, stat) => ({ data: data ?? null, stat }));
  }

  /** Like getData but NO_NODE resolves to null. */
  async getDataOrNull(path: string, watcher?: (e: ZkEvent) => void): Promise<{ data: Buffer | null; stat: Stat } | null> {
    try { return await this.getData(path, watcher); } catch (e) { if (isZkError(e, ZkCode.NO_NODE)) return null; throw e; }
  }

  exists(path: string, watcher?: (e: ZkEvent) => void): Promise<Stat | null> {
    return this.call('exists', path, (cb) => (watcher ? this.client.exists(path, watcher, cb) : this.client.exists(path, cb)), (stat) => stat ?? null);
  }

  getChildren(path: string, watcher?: (e: ZkEvent) => void): Promise<string[]> {
    return this.call('getChildren', path, (cb) => (watcher ? this.client.getChildren(path, watcher, cb) : this.client.getChildren(path, cb)), (c) => c);
  }

  setData(path: string, data: Buffer | null, version = -1): Promise<Stat> {
    return this.call('setData', path, (cb) => this.client.setData(path, data, version, cb), (stat) => stat);
  }

  remove(path: string, version = -1): Promise<void> {
    return this.call('remove', path, (cb) => this.client.remove(path, version, cb), () => undefined);
  }

  /** Runs a multi-op transaction; `build` adds the operations. */
  multi(build: (t: ReturnType<Client['transaction']>) => void, path: string): Promise<unknown[]> {
    const t = this.client.transaction();
    build(t);
    if (this.secure) {
      for (const op of (t as unknown as { ops: Array<{ type: number; path: string; acls: unknown }> }).ops) if (op.type === OP_CREATE) op.acls = defaultAcls(true, op.path);
    }
    return this.call('multi', path, (cb) => t.commit(cb), (results) => results);
  }
}

/** zxids and session ids arrive as 8-byte buffers. */
export function longFromBuffer(b: Buffer): bigint {
  return b.readBigInt64BE(0);
}
