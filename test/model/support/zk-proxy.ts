/**
 * A TCP proxy between the broker and ZooKeeper, for faults a stopped ZooKeeper cannot give:
 *
 * - partition(): ZooKeeper keeps running but the broker cannot reach it (connections cut, new ones
 *   closed at once), as when the network between them fails. ZooKeeper then expires the broker's
 *   session on its own clock; heal() lets the broker back in to learn so. (A *stopped* standalone
 *   ZooKeeper cannot do this: on restart it reloads every session from its snapshot and log and
 *   gives each a fresh timeout — SessionTrackerImpl — so a session outlives any outage whose
 *   client reconnects within the timeout after the restart.)
 * - gate(path): a ZooKeeper stuck on one request: the first request the broker sends for that
 *   exact znode path (framed by ZooKeeper's 4-byte length prefix; the path is matched with its own
 *   length prefix, so `/cluster` does not match `/cluster/id`) and every later request on that
 *   connection are withheld, in order — ZooKeeper answers a session's requests in order, so
 *   answering later ones first would be a fault no server makes — while pings still pass, so the
 *   session stays alive. A startup step that waits on ZooKeeper is held there for as long as the
 *   test wants (until the process dies or closes the connection).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

interface Gate { path: string; held: boolean }

/** A ping: request header xid -2 (a connect request, the first frame, is longer than a ping's 8 bytes). */
const isPing = (frame: Buffer) => frame.length === 12 && frame.readInt32BE(4) === -2;

export class ZkProxy {
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private gates: Gate[] = [];

  private constructor(private readonly server: Server, readonly port: number, private readonly upstreamPort: number) {}

  static async start(upstreamPort: number): Promise<ZkProxy> {
    let self: ZkProxy | null = null;
    const server = createServer((client) => self!.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    self = new ZkProxy(server, port, upstreamPort);
    return self;
  }

  get connectString(): string { return `127.0.0.1:${this.port}`; }

  /** Cuts every connection and refuses new ones until heal(). */
  partition(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  heal(): void { this.cut = false; }

  /** Holds the first request for `path` (the full path on the wire, chroot included) from now on. */
  gate(path: string): Gate {
    const g = { path, held: false };
    this.gates.push(g);
    return g;
  }

  /** Back to a plain proxy (held requests stay dropped: their connections die with the broker). */
  reset(): void {
    this.cut = false;
    this.gates = [];
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.cut) { client.destroy(); return; }
    const upstream = connect({ host: '127.0.0.1', port: this.upstreamPort });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => { this.sockets.delete(s); client.destroy(); upstream.destroy(); });
    }
    upstream.on('data', (d) => client.write(d));
    let pending = Buffer.alloc(0);
    let stuck = false;
    client.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      // Forward whole frames only, so that one can be held back.
      while (pending.length >= 4) {
        const len = pending.readInt32BE(0);
        if (pending.length < 4 + len) break;
        const frame = pending.subarray(0, 4 + len);
        pending = pending.subarray(4 + len);
        if (stuck && !isPing(frame)) continue; // behind the held request, never answered
        if (this.holds(frame)) { stuck = true; continue; }
        upstream.write(frame);
      }
    });
  }

  private holds(frame: Buffer): boolean {
    for (const g of this.gates) {
      if (g.held) continue;
      const p = Buffer.from(g.path);
      const needle = Buffer.alloc(4 + p.length);
      needle.writeInt32BE(p.length, 0);
      p.copy(needle, 4);
      if (frame.indexOf(needle, 12) >= 0) { g.held = true; return true; } // after len, xid and type
    }
    return false;
  }
}
