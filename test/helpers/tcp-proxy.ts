/**
 * A real TCP proxy on 127.0.0.1 that a test can partition and heal, for network faults between brokers and
 * between a broker and ZooKeeper (Jepsen's "partition" nemesis, done in user space: no iptables, no root).
 *
 *   const p = await startTcpProxy({ target: { host: '127.0.0.1', port: 9092 } });
 *   connect to p.port ...
 *   p.partition('blackhole');          // every connection (and new ones) stops moving bytes
 *   p.partition('reset', ['broker-2']); // only connections whose classify() tag is broker-2: RST
 *   p.heal();                          // forward again (blackholed bytes are delivered, as TCP would retransmit)
 *   await p.close();
 *
 * Modes (per source tag, or for every source):
 *   pass      forward both ways.
 *   blackhole accept but move nothing: both directions paused, a new connection is held without connecting
 *             upstream (a SYN that gets no answer). Heal resumes them: buffered bytes flow, nothing lost or
 *             reordered — a partition that TCP's retransmission outlives. Peers notice only by their own timeouts.
 *   drop      close connections with FIN, new ones at once (the other side went away cleanly).
 *   reset     close connections with RST, new ones at once (connection refused / reset by peer).
 *
 * `classify(socket)` (optional, async) tags each accepted connection, e.g. with the broker process that opened
 * it (see `processOfPeer`), so one broker can be cut off from a shared destination while others still reach it.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { readdir, readFile, readlink } from 'node:fs/promises';

export type ProxyMode = 'pass' | 'blackhole' | 'drop' | 'reset';

export interface TcpProxy {
  /** Port the proxy listens on (127.0.0.1). */
  readonly port: number;
  readonly address: string;
  /** Connections open now (both sides). */
  readonly connections: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Bytes forwarded client→target and target→client so far. */
  readonly bytes: { up: number; down: number };
  /** Tags of the connections open now (undefined for an untagged one). */
  sources(): Array<string | undefined>;
  /** The mode now for a tag (or for untagged / every source). */
  modeFor(tag?: string): ProxyMode;
  /** Sets the mode for the given source tags, or (no tags) for every source, existing connections included. */
  partition(mode: Exclude<ProxyMode, 'pass'>, tags?: string[]): void;
  /** Back to pass for every source; held and paused connections go on. */
  heal(): void;
  /** Points new connections at another target (e.g. a restarted server on a new port). */
  retarget(target: { host: string; port: number }): void;
  /** Closes the listener and every connection. */
  close(): Promise<void>;
}

interface Conn {
  client: Socket;
  upstream: Socket | null;
  tag: string | undefined;
  /** Accepted, not yet connected upstream (classifying or held by a blackhole). */
  pending: boolean;
}

export async function startTcpProxy(opts: {
  target: { host: string; port: number };
  port?: number;
  classify?: (client: Socket) => Promise<string | undefined>;
}): Promise<TcpProxy> {
  let target = opts.target;
  const conns = new Set<Conn>();
  let everyone: ProxyMode = 'pass';
  const byTag = new Map<string, ProxyMode>();
  let accepted = 0;
  const bytes = { up: 0, down: 0 };
  let closed = false;

  const modeFor = (tag?: string): ProxyMode => {
    if (everyone !== 'pass') return everyone;
    return (tag !== undefined ? byTag.get(tag) : undefined) ?? 'pass';
  };

  const destroy = (c: Conn, how: 'drop' | 'reset') => {
    conns.delete(c);
    for (const s of [c.client, c.upstream]) {
      if (s === null || s.destroyed) continue;
      if (how === 'reset') s.resetAndDestroy();
      else s.end(() => s.destroy());
    }
  };

  /** Copies src → dst with back-pressure; a blackholed connection keeps both sides paused. */
  const forward = (c: Conn, src: Socket, dst: Socket, dir: 'up' | 'down') => {
    src.on('data', (chunk: Buffer) => {
      bytes[dir] += chunk.length;
      if (!dst.write(chunk)) {
        src.pause();
        dst.once('drain', () => {
          if (modeFor(c.tag) === 'pass') src.resume();
        });
      }
    });
    src.on('end', () => dst.end());
    src.on('close', () => {
      conns.delete(c);
      if (!dst.destroyed) dst.destroy();
    });
    src.on('error', () => undefined);
  };

  const connectUpstream = (c: Conn) => {
    c.pending = false;
    const up = connect({ host: target.host, port: target.port });
    c.upstream = up;
    up.setNoDelay(true);
    up.on('error', () => {
      if (!c.client.destroyed) c.client.resetAndDestroy();
      conns.delete(c);
    });
    forward(c, c.client, up, 'up');
    forward(c, up, c.client, 'down');
    if (modeFor(c.tag) === 'pass') c.client.resume();
    else up.pause();
  };

  /** Applies the current mode to one connection. */
  const apply = (c: Conn) => {
    const m = modeFor(c.tag);
    if (m === 'drop' || m === 'reset') {
      destroy(c, m);
      return;
    }
    if (c.pending) {
      if (m === 'pass') connectUpstream(c);
      return;
    }
    for (const s of [c.client, c.upstream]) {
      if (s === null) continue;
      if (m === 'blackhole') s.pause();
      else s.resume();
    }
  };

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    accepted++;
    client.setNoDelay(true);
    client.on('error', () => undefined);
    const c: Conn = { client, upstream: null, tag: undefined, pending: true };
    conns.add(c);
    client.once('close', () => conns.delete(c));
    const classified = opts.classify ? opts.classify(client).catch(() => undefined) : Promise.resolve(undefined);
    void classified.then((tag) => {
      c.tag = tag;
      if (closed || client.destroyed) {
        conns.delete(c);
        return;
      }
      apply(c);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('tcp proxy: could not read the bound port');
  const port = addr.port;

  return {
    port,
    address: `127.0.0.1:${port}`,
    get connections() {
      return conns.size;
    },
    get accepted() {
      return accepted;
    },
    bytes,
    sources: () => [...conns].map((c) => c.tag),
    modeFor,
    partition(mode, tags) {
      if (tags === undefined) everyone = mode;
      else for (const t of tags) byTag.set(t, mode);
      for (const c of [...conns]) apply(c);
    },
    heal() {
      everyone = 'pass';
      byTag.clear();
      for (const c of [...conns]) apply(c);
    },
    retarget(t) {
      target = t;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const c of [...conns]) destroy(c, 'reset');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Which of the given processes owns the other end of an accepted loopback connection (Linux: /proc/net/tcp
 * gives the socket inode of the peer's local port, /proc/<pid>/fd which process holds it). Returns the
 * matching key of `pids`, or undefined.
 */
export async function processOfPeer(client: Socket, pids: () => Map<string, number | null>): Promise<string | undefined> {
  const peerPort = client.remotePort;
  const ourPort = client.localPort;
  if (peerPort === undefined || ourPort === undefined) return undefined;
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
  const want = `:${hex(peerPort)}`;
  const rem = `:${hex(ourPort)}`;
  let inode: string | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const f = line.trim().split(/\s+/);
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
      if (f.length > 9 && f[1]!.endsWith(want) && f[2]!.endsWith(rem)) {
        inode = f[9];
        break;
      }
    }
    if (inode !== undefined) break;
  }
  if (inode === undefined || inode === '0') return undefined;
  const needle = `socket:[${inode}]`;
  for (const [key, pid] of pids()) {
    if (pid === null) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (link === needle) return key;
    }
  }
  return undefined;
}
