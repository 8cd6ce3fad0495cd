/**
 * Kafka's SocketServer: one acceptor per listener, connections with framing and ordering
 * (connection.ts). Binding and closing are async steps the socket-server machine invokes.
 */
import { createServer, type Server } from 'node:net';
import type { Logger } from '../../logger.js';
import { Connection, InFlightBudget, type RequestHandler } from './connection.js';

export interface ListenerSpec { listenerName: string; host: string; port: number; securityProtocol: string }

export interface SocketServerOptions {
  listeners: ListenerSpec[];
  maxRequestBytes: number;
  idleTimeoutMs: number;
  queuedMaxRequests: number;
  listenBacklog?: number;
  handler: RequestHandler;
  log: Logger;
}

export interface BoundListener extends ListenerSpec { boundPort: number }

export class SocketBindError extends Error { override name = 'SocketBindError'; }

export class SocketServer {
  private readonly servers: Server[] = [];
  private readonly connections = new Set<Connection>();
  private readonly inFlight: InFlightBudget;
  private nextId = 0;
  /** Kafka binds early but serves only from enableRequestProcessing(); connections wait till then. */
  private enabled = false;
  private readonly waiting: Array<() => void> = [];
  readonly bound: BoundListener[] = [];

  constructor(private readonly opts: SocketServerOptions) {
    this.inFlight = new InFlightBudget(opts.queuedMaxRequests);
  }

  get connectionCount(): number { return this.connections.size; }

  /** Binds every listener; an empty host binds all interfaces (as Kafka does). */
  async bind(): Promise<BoundListener[]> {
    for (const l of this.opts.listeners) {
      const server = createServer((socket) => this.accept(l, socket));
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: l.host === '' ? undefined : l.host, port: l.port, backlog: this.opts.listenBacklog ?? 50 }, () => { server.off('error', reject); resolve(); });
        });
      } catch (e) {
        await this.close();
        throw new SocketBindError(`Socket server failed to bind to ${l.host || '0.0.0.0'}:${l.port}: ${(e as Error).message}.`);
      }
      server.on('error', (e) => this.opts.log.error({ listener: l.listenerName, err: e.message }, 'Listener error'));
      this.servers.push(server);
      const address = server.address();
      this.bound.push({ ...l, boundPort: typeof address === 'object' && address ? address.port : l.port });
    }
    return this.bound;
  }

  enableRequestProcessing(): void {
    this.enabled = true;
    for (const start of this.waiting.splice(0)) start();
  }

  private accept(l: ListenerSpec, socket: import('node:net').Socket): void {
    if (!this.enabled) {
      socket.pause();
      socket.on('error', () => socket.destroy());
      this.waiting.push(() => { if (!socket.destroyed) { this.accept(l, socket); socket.resume(); } });
      return;
    }
    const info = { id: `${l.listenerName}-${this.nextId++}`, listenerName: l.listenerName, remoteAddress: socket.remoteAddress ?? '?', remotePort: socket.remotePort ?? 0 };
    const conn = new Connection(socket, info, { maxRequestBytes: this.opts.maxRequestBytes, idleTimeoutMs: this.opts.idleTimeoutMs, inFlight: this.inFlight },
      this.opts.handler, {
        onClose: (c, reason) => {
          this.connections.delete(c);
          if (reason) this.opts.log.warn({ connection: c.info.id, listener: c.info.listenerName, client: `${c.info.remoteAddress}:${c.info.remotePort}`, reason }, `Closing connection ${c.info.id}: ${reason}`);
        },
      });
    this.connections.add(conn);
  }

  /** Stops accepting new connections; open ones stay until close(). Resolves once all are gone. */
  stopAccepting(): Promise<void> {
    const closed = this.servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    this.servers.length = 0;
    return Promise.all(closed).then(() => undefined);
  }

  /** Waits up to `graceMs` for in-flight requests to be answered, then drops every connection. */
  async close(graceMs = 0): Promise<void> {
    const allClosed = this.stopAccepting();
    const deadline = Date.now() + graceMs;
    while (this.inFlight.inUse > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const c of [...this.connections]) c.close(null);
    await allClosed;
  }
}
