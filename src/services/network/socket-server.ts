/**
 * Kafka's SocketServer: one acceptor per listener, connections with framing and ordering
 * (connection.ts). Binding and closing are async steps the socket-server machine invokes.
 * Listener sockets take socket.listen.backlog.size and socket.receive.buffer.bytes, accepted
 * ones socket.send.buffer.bytes (socket-buffers.ts), as Kafka's Acceptor does.
 * With network workers on (networkThreads > 0: RAFKA_NETWORK_WORKERS=1, num.network.threads), PLAINTEXT listeners'
 * connections are served by worker threads (worker/network-workers.ts); TLS and SASL listeners stay in this thread.
 */
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../../logger.js';
import { Connection, InFlightBudget, type ConnectionInfo, type RequestBudget, type RequestHandler, type RequestTimesSink } from './connection.js';
import { SharedInFlightBudget, SharedMemoryPool } from './shared-budgets.js';
import type { ListenerSecurity } from '../security/listener-security.js';
import { SaslServerAuthenticator } from '../security/sasl-server-authenticator.js';
import { ANONYMOUS, rfc2253SubjectOf, type KafkaPrincipal } from '../security/principal.js';
import { SO_RCVBUF, SO_SNDBUF, setSocketBuffer, socketBufferSupport } from './socket-buffers.js';
import { WarningLimiter, causeOf } from './warning-limiter.js';
import { ConnectionQuotas, normalizeIp, type ConnectionQuotasConfig } from './connection-quotas.js';
import { requestMemoryPool, type MemoryPool } from './memory-pool.js';
import type { IpConnectionRateQuotas } from '../quota/quota-managers.js';
import { resolveIpEntity, type HostResolver } from '../quota/ip-entity.js';
import { NetworkWorkers, networkWorkersUnavailable, type ServedConnection } from './worker/network-workers.js';

export interface ListenerSpec { listenerName: string; host: string; port: number; securityProtocol: string }

export interface SocketServerOptions {
  listeners: ListenerSpec[];
  maxRequestBytes: number;
  idleTimeoutMs: number;
  queuedMaxRequests: number;
  /** socket.listen.backlog.size (Kafka's default 50); the kernel caps it at net.core.somaxconn. */
  listenBacklog?: number;
  /** socket.send.buffer.bytes for accepted sockets; -1 (default here) keeps the OS default. */
  sendBufferBytes?: number;
  /** socket.receive.buffer.bytes for the listening socket, inherited by accepted ones; -1 keeps the OS default. */
  receiveBufferBytes?: number;
  handler: RequestHandler;
  log: Logger;
  /** Per listener name: TLS settings (SSL / SASL_SSL); absent or missing entries serve plaintext. */
  security?: ReadonlyMap<string, ListenerSecurity>;
  /** Interval of the rate-limited connection warnings' summaries (default 5000 ms). */
  warningIntervalMs?: number;
  /**
   * queued.max.request.bytes: one memory pool bounds the partly received and queued requests of all connections
   * (memory-pool.ts; ≤ 0 → a default from the heap); absent: no pool.
   */
  queuedMaxRequestBytes?: number;
  /** max.connections / .per.ip / overrides / max.connection.creation.rate (connection-quotas.ts); absent: no limits. */
  connectionQuotas?: ConnectionQuotasConfig;
  /** `ips` quota entities (connection_creation_rate), followed live; needs connectionQuotas. */
  ipConnectionRates?: IpConnectionRateQuotas;
  /** RequestMetrics' queue / send / total times (metrics on: KafkaMetrics.requests.connectionTimes()); absent: not timed. */
  requestTimes?: RequestTimesSink;
  /** Resolves host names of max.connections.per.ip.overrides (default ip-entity.ts resolveIpEntity: dns.lookup). */
  resolveHost?: HostResolver;
  /**
   * Network worker threads serving PLAINTEXT listeners' connections (0 or absent: every connection in this thread).
   * The broker sets it from num.network.threads only when RAFKA_NETWORK_WORKERS=1 (majordomo).
   */
  networkThreads?: number;
}

/** An accepted socket waiting for the acceptor's throttle or a connection slot (Kafka's blocked acceptor). */
interface PendingAccept { socket: Socket; readyAt: number; recorded: boolean }

export interface BoundListener extends ListenerSpec { boundPort: number }

export class SocketBindError extends Error { override name = 'SocketBindError'; }

export class SocketServer {
  private readonly servers: Server[] = [];
  /** Each listener's acceptor, by listener name (removeListeners closes one). */
  private readonly serverByListener = new Map<string, Server>();
  private readonly connections = new Set<ServedConnection>();
  /** num.network.threads workers (null: off, or not available here). */
  readonly networkWorkers: NetworkWorkers | null = null;
  /** Accepted sockets of TLS listeners by `address:port` until their handshake ends (closed with the server). */
  private readonly handshaking = new Map<string, ConnectionInfo>();
  private readonly handshakingSockets = new Set<Socket>();
  private readonly tlsServers = new Map<string, TlsServer>();
  private readonly inFlight: RequestBudget;
  private nextId = 0;
  /** Kafka binds early but serves only from enableRequestProcessing(); connections wait till then. */
  private enabled = false;
  private readonly waiting: Array<() => void> = [];
  readonly bound: BoundListener[] = [];
  /** Per-connection warnings (malformed / oversized frames, failed handshakes) rate-limited per cause and client address. */
  readonly warnings: WarningLimiter;
  /** queued.max.request.bytes (Kafka's SocketServer memoryPool; null when the caller set none). */
  readonly memoryPool: MemoryPool | SharedMemoryPool | null;
  /** Kafka's ConnectionQuotas (null: no limits configured by the caller). */
  readonly connectionQuotas: ConnectionQuotas | null;
  /** Per listener: accepted sockets the acceptor has not taken yet (rate throttle or no slot), in arrival order. */
  private readonly pendingAccepts = new Map<string, { spec: ListenerSpec; queue: PendingAccept[]; timer: NodeJS.Timeout | null }>();
  /** Sockets refused by an IP's connection creation rate, closed when their throttle ends (DelayedCloseSocket). */
  private readonly throttledSockets = new Set<Socket>();
  private stopped = false;
  /** Connections served per listener since start (socket-server-metrics connection-creation-total). */
  readonly acceptedConnections = new Map<string, number>();
  /** Sockets closed because too many already waited for the acceptor (a full backlog). */
  refusedBacklogFull = 0;

  constructor(private readonly opts: SocketServerOptions) {
    this.warnings = new WarningLimiter(opts.log, { intervalMs: opts.warningIntervalMs });
    this.connectionQuotas = opts.connectionQuotas ? new ConnectionQuotas(opts.connectionQuotas) : null;
    const quotas = this.connectionQuotas;
    if (quotas) opts.ipConnectionRates?.subscribe((ip, rate) => quotas.updateIpConnectionRateQuota(ip, rate));
    if (opts.connectionQuotas) this.resolveOverrideHosts(opts.connectionQuotas, true);
    const threads = opts.networkThreads ?? 0;
    const unavailable = threads > 0 ? networkWorkersUnavailable() : null;
    if (unavailable) opts.log.error({ networkThreads: threads }, `Network worker threads not started (${unavailable}): every connection is served by the main thread`);
    const workers = threads > 0 && !unavailable;
    // with workers, queued.max.requests and queued.max.request.bytes are one budget and one pool in shared memory for
    // every thread (Kafka's are one per broker); without, the single-thread ones
    const inFlight = workers ? new SharedInFlightBudget(opts.queuedMaxRequests) : new InFlightBudget(opts.queuedMaxRequests);
    this.inFlight = inFlight;
    let pool: MemoryPool | SharedMemoryPool | null = null;
    if (opts.queuedMaxRequestBytes !== undefined) {
      const local = requestMemoryPool(opts.queuedMaxRequestBytes, opts.maxRequestBytes);
      pool = workers ? new SharedMemoryPool(local.capacity, local.maxSingleAllocation) : local;
    }
    this.memoryPool = pool;
    if (workers) {
      this.networkWorkers = new NetworkWorkers({
        threads, maxRequestBytes: opts.maxRequestBytes, idleTimeoutMs: opts.idleTimeoutMs, queuedMaxRequests: opts.queuedMaxRequests,
        inFlight: inFlight as SharedInFlightBudget, memoryPool: pool as SharedMemoryPool | null,
        handler: opts.handler, log: opts.log, ...(opts.requestTimes ? { requestTimes: opts.requestTimes } : {}),
        onClose: (c, reason) => this.onConnectionClosed(c, reason),
      });
      opts.log.info({ networkThreads: threads }, `${threads} network worker threads serve the PLAINTEXT listeners' connections`);
    }
  }

  /** Whether a listener's connections go to the network workers (PLAINTEXT, no TLS, no SASL). */
  private servedByWorkers(l: ListenerSpec): boolean {
    const sec = this.opts.security?.get(l.listenerName);
    return this.networkWorkers !== null && l.securityProtocol === 'PLAINTEXT' && !sec?.ssl && !sec?.sasl;
  }

  get connectionCount(): number { return this.connections.size; }

  /**
   * Binds every listener; an empty host binds all interfaces (as Kafka does). With `listeners` (addListeners: a dynamic
   * config change) binds only those, and a failure closes only those.
   */
  async bind(listeners: readonly ListenerSpec[] = this.opts.listeners): Promise<BoundListener[]> {
    const adding = listeners !== this.opts.listeners;
    if (!adding) await this.checkOverrideHostsResolved();
    const sendBuffer = this.opts.sendBufferBytes ?? -1;
    const receiveBuffer = this.opts.receiveBufferBytes ?? -1;
    const unsupported = sendBuffer === -1 && receiveBuffer === -1 ? null : socketBufferSupport();
    if (unsupported) {
      this.opts.log.warn({ sendBufferBytes: sendBuffer, receiveBufferBytes: receiveBuffer },
        `socket.send.buffer.bytes / socket.receive.buffer.bytes not applied (OS defaults kept): ${unsupported}`);
    }
    for (const l of listeners) {
      // worker listeners: the main thread never reads their sockets (the worker reads its own descriptor)
      const server = createServer({ pauseOnConnect: this.servedByWorkers(l) }, (socket) => { this.configureAccepted(socket, sendBuffer); this.accept(l, socket); });
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: l.host === '' ? undefined : l.host, port: l.port, backlog: this.opts.listenBacklog ?? 50 }, () => { server.off('error', reject); resolve(); });
        });
      } catch (e) {
        if (adding) await this.removeListeners(listeners.map((x) => x.listenerName));
        else await this.close();
        throw new SocketBindError(`Socket server failed to bind to ${l.host || '0.0.0.0'}:${l.port}: ${(e as Error).message}.`);
      }
      server.on('error', (e) => this.opts.log.error({ listener: l.listenerName, err: e.message }, 'Listener error'));
      this.servers.push(server);
      this.serverByListener.set(l.listenerName, server);
      if (!unsupported && receiveBuffer !== -1) {
        try {
          setSocketBuffer(server, SO_RCVBUF, receiveBuffer);
        } catch (e) {
          this.opts.log.warn({ listener: l.listenerName, err: (e as Error).message }, `Cannot set socket.receive.buffer.bytes=${receiveBuffer} on listener ${l.listenerName}`);
        }
      }
      const address = server.address();
      this.bound.push({ ...l, boundPort: typeof address === 'object' && address ? address.port : l.port });
    }
    return this.bound;
  }

  /** Acceptor.configureAcceptedSocketChannel: the send buffer (a failure is logged, the connection kept). */
  private configureAccepted(socket: Socket, sendBuffer: number): void {
    if (sendBuffer === -1) return;
    try {
      setSocketBuffer(socket, SO_SNDBUF, sendBuffer);
    } catch (e) {
      this.opts.log.warn({ err: (e as Error).message }, `Cannot set socket.send.buffer.bytes=${sendBuffer} on an accepted connection`);
    }
  }

  enableRequestProcessing(): void {
    this.enabled = true;
    for (const start of this.waiting.splice(0)) start();
  }

  /** False when a network worker took the socket (this thread must not read it). */
  private accept(l: ListenerSpec, socket: Socket): boolean {
    if (!this.enabled) {
      socket.pause();
      socket.on('error', () => socket.destroy());
      this.waiting.push(() => { if (!socket.destroyed) { if (this.accept(l, socket) && !this.connectionQuotas) socket.resume(); } });
      return true;
    }
    if (this.connectionQuotas) { this.enqueueAccept(l, socket); return true; }
    return this.admit(l, socket);
  }

  /** Kafka's Acceptor + ConnectionQuotas.inc: the socket waits (unread) behind earlier ones of its listener. */
  private enqueueAccept(l: ListenerSpec, socket: Socket): void {
    let p = this.pendingAccepts.get(l.listenerName);
    if (!p) { p = { spec: l, queue: [], timer: null }; this.pendingAccepts.set(l.listenerName, p); }
    if (p.queue.length >= (this.opts.listenBacklog ?? 50)) {
      // a blocked Kafka acceptor leaves sockets in the kernel backlog; past socket.listen.backlog.size they are refused
      this.warnings.warn(normalizeIp(socket.remoteAddress ?? '?'), { listener: l.listenerName },
        `Refused a connection on ${l.listenerName}: ${p.queue.length} accepted connections already wait for a connection slot or the connection creation rate`);
      this.refusedBacklogFull++;
      socket.destroy();
      return;
    }
    socket.pause();
    socket.on('error', () => socket.destroy());
    p.queue.push({ socket, readyAt: 0, recorded: false });
    this.processAccepts(l.listenerName);
  }

  /** Takes queued sockets of one listener while the creation rate and the connection slots allow. */
  private processAccepts(listenerName: string): void {
    const p = this.pendingAccepts.get(listenerName);
    const quotas = this.connectionQuotas;
    if (!p || !quotas || p.timer || this.stopped) return;
    while (p.queue.length > 0) {
      const head = p.queue[0]!;
      if (head.socket.destroyed) { p.queue.shift(); continue; }
      const now = Date.now();
      if (!head.recorded) {
        head.recorded = true;
        const throttleMs = quotas.recordConnectionAndGetThrottleTimeMs(listenerName, now);
        head.readyAt = now + throttleMs;
        if (throttleMs > 0) quotas.stats.acceptorWaits++;
      }
      if (now < head.readyAt) {
        p.timer = setTimeout(() => { p.timer = null; this.processAccepts(listenerName); }, head.readyAt - now);
        return;
      }
      if (!quotas.connectionSlotAvailable(listenerName)) return; // woken by a close (dec)
      p.queue.shift();
      this.takeAccepted(p.spec, head.socket, now);
    }
  }

  /** The IP's creation rate and connection limit, then the connection is served. */
  private takeAccepted(l: ListenerSpec, socket: Socket, now: number): void {
    const quotas = this.connectionQuotas!;
    const ip = socket.remoteAddress ?? '?';
    const decision = quotas.incIp(l.listenerName, ip, now);
    if (decision.kind === 'throttled') {
      // not counted; closed when the throttle ends, so a client reconnecting at once does not spin
      this.throttledSockets.add(socket);
      const timer = setTimeout(() => { this.throttledSockets.delete(socket); socket.destroy(); }, decision.throttleMs);
      timer.unref();
      socket.once('close', () => { clearTimeout(timer); this.throttledSockets.delete(socket); });
      return;
    }
    let counted = true;
    socket.once('close', () => {
      if (!counted) return;
      counted = false;
      quotas.dec(l.listenerName, ip);
      this.wakeAcceptors();
    });
    if (decision.kind === 'tooMany') {
      this.warnings.warn(normalizeIp(ip), { listener: l.listenerName, client: ip, max: decision.max },
        `Rejected connection from ${normalizeIp(ip)}, address already has the configured maximum of ${decision.max} connections.`);
      socket.destroy();
      return;
    }
    if (this.admit(l, socket)) socket.resume();
    this.closeExcessConnections();
  }

  /** New limits (a dynamic config change): the acceptors look again, as Kafka's notifyAll after updateBrokerMaxConnections. */
  reconfigureConnectionQuotas(cfg: ConnectionQuotasConfig): void {
    // host names: the overrides in force stay until every name of the new ones is resolved (then all of them apply)
    const names = [...cfg.maxConnectionsPerIpOverrides.keys()].some((h) => isIP(h) === 0);
    this.connectionQuotas?.reconfigure(names ? { ...cfg, maxConnectionsPerIpOverrides: this.appliedOverrides } : cfg);
    if (!names) { this.overrideSeq++; this.appliedOverrides = cfg.maxConnectionsPerIpOverrides; }
    this.wakeAcceptors();
    if (names) this.resolveOverrideHosts(cfg, false);
  }

  /** The last resolution of max.connections.per.ip.overrides host names (tests wait for it). */
  overrideResolution: Promise<void> = Promise.resolve();
  private overrideSeq = 0;
  /** The overrides in force, keyed by address. */
  private appliedOverrides: ReadonlyMap<string, number> = new Map();
  /** The start-up configuration's unresolvable override host names (bind() refuses to start then). */
  private unresolvedAtStart: string[] = [];

  /** Start-up: an override host name that does not resolve fails the broker's start, as Kafka's ConnectionQuotas does. */
  private async checkOverrideHostsResolved(): Promise<void> {
    await this.overrideResolution;
    if (this.unresolvedAtStart.length === 0) return;
    throw new Error(`Unable to resolve address ${this.unresolvedAtStart.join(', ')} in max.connections.per.ip.overrides ` +
      '(Kafka: java.net.UnknownHostException from ConnectionQuotas)');
  }

  /**
   * Host names in max.connections.per.ip.overrides are resolved as Kafka's ConnectionQuotas does (InetAddress.getByName;
   * ip-entity.ts), then the limits apply keyed by address. A name that does not resolve refuses the whole
   * configuration, as Kafka 3.7.1's getByName throwing does: at start-up bind() fails (Kafka: the broker does not
   * start); on a dynamic update an error is logged and the overrides in force stay (Kafka: SocketServer.reconfigure
   * throws, the error is logged by DynamicBrokerConfig, the old map is kept). Differs: the other max.connections*
   * values of that update still apply (in Kafka, an accident of its order: those after the overrides did not).
   */
  private resolveOverrideHosts(cfg: ConnectionQuotasConfig, atStart: boolean): void {
    const seq = ++this.overrideSeq;
    const overrides = cfg.maxConnectionsPerIpOverrides;
    if (![...overrides.keys()].some((h) => isIP(h) === 0)) { this.appliedOverrides = overrides; return; }
    this.overrideResolution = (async () => {
      const resolved = new Map<string, number>();
      const unresolved: string[] = [];
      for (const [host, limit] of overrides) {
        const address = isIP(host) !== 0 ? host : await (this.opts.resolveHost ?? resolveIpEntity)(host);
        if (address === null) { unresolved.push(host); continue; }
        if (!resolved.has(normalizeIp(address))) resolved.set(normalizeIp(address), limit);
      }
      if (seq !== this.overrideSeq || this.stopped) return;
      if (unresolved.length > 0) {
        if (atStart) { this.unresolvedAtStart = unresolved; return; }
        this.opts.log.error({ hosts: unresolved }, `Failed to update max.connections.per.ip.overrides: unable to resolve address ` +
          `${unresolved.join(', ')}; the overrides in force stay`);
        return;
      }
      this.appliedOverrides = resolved;
      this.connectionQuotas?.reconfigure({ ...cfg, maxConnectionsPerIpOverrides: resolved });
      this.wakeAcceptors();
    })();
  }

  /** A slot may have been freed: every listener's acceptor looks again. */
  private wakeAcceptors(): void {
    for (const name of this.pendingAccepts.keys()) this.processAccepts(name);
  }

  /**
   * Processor.closeExcessConnections: when the protected inter-broker listener took the broker above max.connections,
   * the other listeners each close a connection (Kafka: the least recently used one; here the oldest).
   */
  private closeExcessConnections(): void {
    const quotas = this.connectionQuotas!;
    // one per accept, as Kafka closes one per processor poll; the count moves on the socket's 'close'
    for (const c of this.connections) {
      if (!quotas.maxConnectionsExceeded(c.info.listenerName)) continue;
      c.close('closed to bring the broker back to max.connections (the inter-broker listener took it over the limit)');
      return;
    }
  }

  /** False when a network worker took the socket (this thread must not read it). */
  private admit(l: ListenerSpec, socket: Socket): boolean {
    this.acceptedConnections.set(l.listenerName, (this.acceptedConnections.get(l.listenerName) ?? 0) + 1);
    const id = `${l.listenerName}-${this.nextId++}`;
    const info: ConnectionInfo = { id, listenerName: l.listenerName, remoteAddress: socket.remoteAddress ?? '?', remotePort: socket.remotePort ?? 0,
      securityProtocol: l.securityProtocol, principal: ANONYMOUS };
    const ssl = this.opts.security?.get(l.listenerName)?.ssl ?? null;
    if (ssl) { this.startTls(l, socket, info, ssl); return true; }
    if (this.networkWorkers && this.servedByWorkers(l)) {
      const remote = this.networkWorkers.handOff(socket, info);
      if (remote) { this.connections.add(remote); return false; }
      // no live worker: served here; a pauseOnConnect socket must be started
      this.serve(socket, info);
      socket.resume();
      return true;
    }
    this.serve(socket, info);
    return true;
  }

  /**
   * SslTransportLayer's server handshake, through one (non-listening) tls.Server per TLS listener fed the accepted
   * sockets: the connection serves requests only once TLS is up. A failed handshake (plaintext client on a TLS port,
   * untrusted or missing client certificate with ssl.client.auth=required, no common protocol or cipher) is Kafka's
   * "Failed authentication with /<ip> (SSL handshake failed)": one warning with the client address, and the
   * socket is closed. A handshake that does not finish within connections.max.idle.ms is dropped the same way.
   */
  private tlsServerFor(l: ListenerSpec, ssl: NonNullable<ListenerSecurity['ssl']>): TlsServer {
    const existing = this.tlsServers.get(l.listenerName);
    if (existing) return existing;
    const server = createTlsServer({
      ...ssl.options,
      requestCert: ssl.clientAuth !== 'none',
      // verified below (secureConnection): Node's own rejection destroys the socket with no reason ("socket hang up"),
      // so an expired / untrusted / missing client certificate could not be logged as what it is
      rejectUnauthorized: false,
      handshakeTimeout: Math.max(this.opts.idleTimeoutMs, 1000),
    });
    const pendingOf = (t: TLSSocket) => {
      const key = `${t.remoteAddress}:${t.remotePort}`;
      const info = this.handshaking.get(key);
      this.handshaking.delete(key);
      return info;
    };
    const fail = (info: ConnectionInfo, why: string) => {
      this.warnings.warn(info.remoteAddress, { connection: info.id, listener: l.listenerName, client: `${info.remoteAddress}:${info.remotePort}`, reason: why },
        `Failed authentication with /${info.remoteAddress} (SSL handshake failed: ${why})`, `${l.listenerName}: SSL handshake failed: ${causeOf(why)}`);
    };
    server.on('tlsClientError', (e: Error & { reason?: string }, t: TLSSocket) => {
      const info = pendingOf(t);
      if (info) fail(info, e.reason ?? e.message);
      t.destroy();
    });
    server.on('secureConnection', (t: TLSSocket) => {
      const info = pendingOf(t);
      if (!info) { t.destroy(); return; }
      const current = this.opts.security?.get(l.listenerName)?.ssl ?? ssl;
      let principal: KafkaPrincipal = ANONYMOUS;
      const cert = current.clientAuth === 'none' ? null : t.getPeerCertificate();
      if (current.clientAuth === 'required' && !cert?.raw) { fail(info, 'no client certificate (ssl.client.auth=required)'); t.destroy(); return; }
      if (cert && cert.raw) {
        // ssl.client.auth=requested: a certificate that does not verify fails, as Java's wantClientAuth does
        if (!t.authorized) { fail(info, clientCertificateFailure(String(t.authorizationError), cert.valid_from, cert.valid_to)); t.destroy(); return; }
        try {
          principal = { principalType: 'User', name: current.principalMapper.getName(rfc2253SubjectOf(cert.raw)) };
        } catch (e) {
          fail(info, (e as Error).message);
          t.destroy();
          return;
        }
      }
      info.principal = principal;
      this.serve(t, info);
    });
    this.tlsServers.set(l.listenerName, server);
    return server;
  }

  /** A new key store for a TLS listener (dynamic update): connections accepted from now on use it. */
  updateTls(listenerName: string, ssl: NonNullable<ListenerSecurity['ssl']>): void {
    const sec = this.opts.security?.get(listenerName);
    if (sec) sec.ssl = ssl; // a TLS server created later (first connection after the update) starts from it too
    this.tlsServers.get(listenerName)?.setSecureContext(ssl.options);
  }

  /** The TLS settings a listener serves now (a dynamic key store update is compared with them: tls-reconfigure.ts). */
  currentTls(listenerName: string): ListenerSecurity['ssl'] {
    return this.opts.security?.get(listenerName)?.ssl ?? null;
  }

  private startTls(l: ListenerSpec, raw: Socket, info: ConnectionInfo, ssl: NonNullable<ListenerSecurity['ssl']>): void {
    raw.setNoDelay(true);
    this.handshaking.set(`${raw.remoteAddress}:${raw.remotePort}`, info);
    this.handshakingSockets.add(raw);
    raw.once('close', () => { this.handshakingSockets.delete(raw); this.handshaking.delete(`${info.remoteAddress}:${info.remotePort}`); });
    this.tlsServerFor(l, ssl).emit('connection', raw);
  }

  /** A SASL listener's connection talks to its SaslServerAuthenticator until the client has authenticated. */
  private serve(socket: Socket, info: ConnectionInfo): void {
    const sasl = this.opts.security?.get(info.listenerName)?.sasl ?? null;
    let handler = this.opts.handler;
    if (sasl) {
      handler = new SaslServerAuthenticator(sasl, this.opts.handler, this.opts.log, this.warnings).handle;
      info.maxReceiveBytes = sasl.maxReceiveSize;
    }
    const conn = new Connection(socket, info, { maxRequestBytes: this.opts.maxRequestBytes, idleTimeoutMs: this.opts.idleTimeoutMs, inFlight: this.inFlight,
      ...(this.memoryPool ? { memoryPool: this.memoryPool } : {}), ...(this.opts.requestTimes ? { requestTimes: this.opts.requestTimes } : {}) },
      handler, { onClose: (c, reason) => this.onConnectionClosed(c, reason) });
    this.connections.add(conn);
  }

  private onConnectionClosed(c: ServedConnection, reason: string | null): void {
    this.connections.delete(c);
    if (reason) {
      this.warnings.warn(c.info.remoteAddress, { connection: c.info.id, listener: c.info.listenerName, client: `${c.info.remoteAddress}:${c.info.remotePort}`, reason },
        `Closing connection ${c.info.id}: ${reason}`, causeOf(reason));
    }
  }

  /**
   * Kafka's SocketServer.addListeners (DynamicListenerConfig.reconfigure: listeners added at runtime): binds an acceptor
   * per new listener (names already bound are skipped), served at once once the broker serves. `security` holds the
   * new listeners' TLS / SASL settings. Returns the new listeners as bound (port 0 resolved).
   */
  async addListeners(listeners: readonly ListenerSpec[], security?: ReadonlyMap<string, ListenerSecurity>): Promise<BoundListener[]> {
    const fresh = listeners.filter((l) => !this.serverByListener.has(l.listenerName));
    if (fresh.length === 0 || this.stopped) return [];
    if (security) {
      const merged = new Map(this.opts.security ?? []);
      for (const l of fresh) { const sec = security.get(l.listenerName); if (sec) merged.set(l.listenerName, sec); }
      this.opts.security = merged;
    }
    const before = this.bound.length;
    await this.bind(fresh);
    return this.bound.slice(before);
  }

  /**
   * Kafka's SocketServer.removeListeners: each named listener's acceptor stops (its port is released), sockets waiting
   * for it or in their TLS handshake are dropped, and every connection it served is closed (network workers' too).
   * Resolves once the acceptors are closed.
   */
  async removeListeners(names: readonly string[]): Promise<void> {
    const gone = new Set(names);
    const closing: Array<Promise<void>> = [];
    for (const name of gone) {
      const server = this.serverByListener.get(name);
      if (server) {
        this.serverByListener.delete(name);
        const i = this.servers.indexOf(server);
        if (i >= 0) this.servers.splice(i, 1);
        closing.push(new Promise<void>((r) => server.close(() => r())));
      }
      const p = this.pendingAccepts.get(name);
      if (p) {
        if (p.timer) clearTimeout(p.timer);
        for (const a of p.queue.splice(0)) a.socket.destroy();
        this.pendingAccepts.delete(name);
      }
      this.tlsServers.delete(name);
    }
    for (const s of [...this.handshakingSockets]) {
      const info = this.handshaking.get(`${s.remoteAddress}:${s.remotePort}`);
      if (info && gone.has(info.listenerName)) s.destroy();
    }
    let closed = 0;
    for (const c of [...this.connections]) if (gone.has(c.info.listenerName)) { c.close(null); closed++; }
    for (let i = this.bound.length - 1; i >= 0; i--) if (gone.has(this.bound[i]!.listenerName)) this.bound.splice(i, 1);
    if (this.opts.security && [...gone].some((n) => this.opts.security!.has(n))) {
      this.opts.security = new Map([...this.opts.security].filter(([n]) => !gone.has(n)));
    }
    if (closed > 0) this.opts.log.info({ listeners: [...gone], connections: closed }, `Closed ${closed} connections of removed listeners ${[...gone].join(', ')}`);
    await Promise.all(closing);
  }

  /** Stops accepting new connections; open ones stay until close(). Resolves once all are gone. */
  stopAccepting(): Promise<void> {
    this.stopped = true;
    for (const p of this.pendingAccepts.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.timer = null;
      for (const a of p.queue.splice(0)) a.socket.destroy();
    }
    for (const s of [...this.throttledSockets]) s.destroy();
    this.throttledSockets.clear();
    const closed = this.servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    this.servers.length = 0;
    return Promise.all(closed).then(() => undefined);
  }

  /** Waits up to `graceMs` for in-flight requests to be answered, then drops every connection. */
  async close(graceMs = 0): Promise<void> {
    const allClosed = this.stopAccepting();
    const deadline = Date.now() + graceMs;
    while ((this.inFlight.inUse > 0 || (this.networkWorkers?.inFlight ?? 0) > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const c of [...this.connections]) c.close(null);
    await this.networkWorkers?.close();
    for (const s of [...this.handshakingSockets]) s.destroy();
    await allClosed;
    this.warnings.close();
  }
}

/** A clear reason for a client certificate that did not verify (Node's X509 error code, as Java's CertificateExpiredException etc. name it). */
export function clientCertificateFailure(code: string, validFrom?: string, validTo?: string): string {
  if (code === 'CERT_HAS_EXPIRED') return `client certificate expired (notAfter ${validTo ?? '?'}): CERT_HAS_EXPIRED`;
  if (code === 'CERT_NOT_YET_VALID') return `client certificate not yet valid (notBefore ${validFrom ?? '?'}): CERT_NOT_YET_VALID`;
  return `client certificate not trusted: ${code}`;
}
