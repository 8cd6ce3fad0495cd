/**
 * N real Rafka broker processes (default 3) on one ZooKeeper chroot, for replication and fault tests.
 *
 *   const zk = await startZooKeeper();
 *   const c = await startCluster({ zk, props: { 'default.replication.factor': '3', 'min.insync.replicas': '2' } });
 *   c.bootstrap                          // "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3" (client listeners)
 *   await c.kill(2); await c.start(2);   // kill -9 and restart with the same dirs and ports
 *   c.pause(1); c.resume(1);             // SIGSTOP / SIGCONT
 *   await c.terminate(3);                // SIGTERM and wait for a clean exit (controlled shutdown)
 *   const st = await c.partitionState('t', 0);   // { leader, leaderEpoch, isr, ... } from ZooKeeper
 *   await c.waitFor(async () => (await c.partitionState('t', 0))?.leader === 2, 'leader 2');
 *   c.isolate(1); c.heal();              // network partition through the proxies (opts.proxies)
 *   await c.close();
 *
 * Each broker has a client listener PLAINTEXT://127.0.0.1:<c> and, with `proxies: true`, an inter-broker
 * listener REPLICATION://127.0.0.1:<r> advertised as a TcpProxy in front of it; every controller request and
 * follower fetch to a broker then goes through that broker's proxy, and each broker's ZooKeeper session through
 * a proxy of its own. Proxies tag each connection with the broker process that opened it, so `isolate(id)` cuts
 * one broker from the others (both directions) and from ZooKeeper while clients still reach every broker.
 */
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawnBroker, writeBrokerConfig, type BrokerProcess, type LogLine } from './broker-process.js';
import { freePort } from './zookeeper-server.js';
import { processOfPeer, startTcpProxy, type ProxyMode, type TcpProxy } from './tcp-proxy.js';
import { ZkSession, isZkError, ZkCode } from '../../src/services/zookeeper/zk-session.js';
import { ensureChroot } from '../../src/services/zookeeper/kafka-zk-client.js';
import { runCommand } from '../integration/support.js';

export const brokerStarted = (l: LogLine) => /^\[KafkaServer id=\d+\] started$/.test(l.msg);

export interface ClusterBroker {
  readonly id: number;
  readonly dir: string;
  readonly logDirs: string[];
  readonly configPath: string;
  readonly props: Record<string, string>;
  /** host:port of the client listener. */
  readonly address: string;
  /** The running (or last) process; null before the first start. */
  process: BrokerProcess | null;
  /** Proxy in front of this broker's inter-broker listener (proxies: true). */
  readonly interBrokerProxy: TcpProxy | null;
  /** Proxy between this broker and ZooKeeper (proxies: true). */
  readonly zkProxy: TcpProxy | null;
  readonly running: boolean;
}

export interface PartitionState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  controllerEpoch: number;
  /** zkVersion of the state znode (the partition epoch). */
  version: number;
}

export interface Cluster {
  readonly brokers: ReadonlyMap<number, ClusterBroker>;
  readonly ids: number[];
  readonly chroot: string;
  /** `${zk}/${chroot}` as the brokers use it (without proxies). */
  readonly zkConnect: string;
  /** Client listener addresses of every broker, comma-separated. */
  readonly bootstrap: string;
  /** A ZooKeeper session on the cluster's chroot (direct, never through a proxy). */
  readonly zk: ZkSession;
  broker(id: number): ClusterBroker;
  /** Starts the broker (same dirs, ports, config) and waits for "started". */
  start(id: number, timeoutMs?: number): Promise<BrokerProcess>;
  startAll(): Promise<void>;
  /**
   * Waits until every running broker's Metadata answer (kcat -L) lists every running broker and a controller:
   * a client bootstrapping now finds a complete cluster.
   */
  waitForMetadata(timeoutMs?: number): Promise<void>;
  /** kill -9 and wait for the exit. */
  kill(id: number): Promise<void>;
  /** SIGSTOP (the process stays, frozen). */
  pause(id: number): void;
  /** SIGCONT. */
  resume(id: number): void;
  /** SIGTERM and wait for the exit (controlled shutdown when the broker does it); resolves with the exit code. */
  terminate(id: number, timeoutMs?: number): Promise<number | null>;
  /** terminate (or kill when `hard`) then start. */
  restart(id: number, opts?: { hard?: boolean }): Promise<void>;
  /** Broker ids registered in /brokers/ids. */
  liveBrokers(): Promise<number[]>;
  /** The controller's broker id from /controller, or null. */
  controller(): Promise<number | null>;
  /** /brokers/topics/<t>/partitions/<p>/state, or null. */
  partitionState(topic: string, partition: number): Promise<PartitionState | null>;
  /** The assigned replicas of each partition, from /brokers/topics/<t>. */
  assignment(topic: string): Promise<Map<number, number[]>>;
  /** Polls fn until it returns a truthy value; rejects after timeoutMs with `what` (and fn's last error). */
  waitFor<T>(fn: () => Promise<T> | T, what: string, timeoutMs?: number): Promise<NonNullable<T>>;
  /** Waits for a leader (other than `not`, when given) that is registered, and returns the state. */
  waitForLeader(topic: string, partition: number, opts?: { not?: number; timeoutMs?: number }): Promise<PartitionState>;
  /** Waits until the ISR (as a set) equals `isr`. */
  waitForIsr(topic: string, partition: number, isr: number[], timeoutMs?: number): Promise<PartitionState>;
  /** Cuts broker `id` off from the other brokers (both directions) and, unless `zk: false`, from ZooKeeper. */
  isolate(id: number, opts?: { mode?: Exclude<ProxyMode, 'pass'>; zk?: boolean }): void;
  /** Cuts only broker `id`'s ZooKeeper connection. */
  partitionZk(id: number, mode?: Exclude<ProxyMode, 'pass'>): void;
  /** Every proxy back to pass. */
  heal(): void;
  /**
   * For failure messages: registered brokers, controller, the state of each partition of `topics`, and each broker's
   * last `lines` log lines at warn level or above (level >= 40).
   */
  diagnose(topics?: string[], lines?: number): Promise<string>;
  /** Stops every broker (SIGKILL for a paused one), proxies, the session, removes dirs. */
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** ZooKeeper connect string (host:port[,host:port...]) without chroot. */
  zkConnect: string;
  /** Number of brokers, ids 1..n (default 3). */
  brokers?: number;
  /** Properties for every broker (override the defaults below). */
  props?: Record<string, string>;
  /** Per-broker properties. */
  brokerProps?: (id: number) => Record<string, string>;
  /** Inter-broker and ZooKeeper proxies (default false). */
  proxies?: boolean;
  /** Start every broker before resolving (default true). */
  start?: boolean;
  chroot?: string;
  env?: Record<string, string>;
  /** Extra command-line arguments for every broker, e.g. ['-v', 'debug']. */
  args?: string[];
  /** Log dirs per broker (default 1): `logs`, `logs2`, ... under the broker's dir (Q: AlterReplicaLogDirs tests). */
  logDirsPerBroker?: number;
}

let seq = 0;

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const n = opts.brokers ?? 3;
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const chroot = opts.chroot ?? `/cluster${process.pid}-${++seq}`;
  const zkConnect = `${opts.zkConnect}${chroot}`;
  const baseDir = await mkdtemp(join(tmpdir(), 'rafka-cluster-'));
  const proxies: TcpProxy[] = [];
  const brokers = new Map<number, ClusterBroker & { process: BrokerProcess | null }>();

  // Which broker process opened a connection (for per-source partitions).
  const pidsOf = () => new Map([...brokers].map(([id, b]) => [String(id), b.process && !b.process.exited ? b.process.pid : null]));
  const classify = (s: import('node:net').Socket) => processOfPeer(s, pidsOf);

  await ensureChroot(zkConnect, 6000, 10_000);
  const zk = new ZkSession(zkConnect, { sessionTimeoutMs: 6000 });
  await zk.connect(10_000);

  try {
    for (const id of ids) {
      const dir = join(baseDir, `broker-${id}`);
      const logDirs = Array.from({ length: Math.max(1, opts.logDirsPerBroker ?? 1) }, (_, i) => join(dir, i === 0 ? 'logs' : `logs${i + 1}`));
      const clientPort = await freePort();
      const props: Record<string, string> = {
        'broker.id': String(id),
        'zookeeper.connect': zkConnect,
        'zookeeper.session.timeout.ms': '6000',
        'zookeeper.connection.timeout.ms': '10000',
        'log.dirs': logDirs.join(','),
        listeners: `PLAINTEXT://127.0.0.1:${clientPort}`,
        'offsets.topic.replication.factor': String(Math.min(3, n)),
        'transaction.state.log.replication.factor': String(Math.min(3, n)),
      };
      let interBrokerProxy: TcpProxy | null = null;
      let zkProxy: TcpProxy | null = null;
      if (opts.proxies) {
        const ibPort = await freePort();
        interBrokerProxy = await startTcpProxy({ target: { host: '127.0.0.1', port: ibPort }, classify });
        proxies.push(interBrokerProxy);
        const [zkHost, zkPort] = opts.zkConnect.split(',')[0]!.split(':');
        zkProxy = await startTcpProxy({ target: { host: zkHost!, port: Number(zkPort) } });
        proxies.push(zkProxy);
        Object.assign(props, {
          listeners: `PLAINTEXT://127.0.0.1:${clientPort},REPLICATION://127.0.0.1:${ibPort}`,
          'advertised.listeners': `PLAINTEXT://127.0.0.1:${clientPort},REPLICATION://127.0.0.1:${interBrokerProxy.port}`,
          'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,REPLICATION:PLAINTEXT',
          'inter.broker.listener.name': 'REPLICATION',
          'zookeeper.connect': `${zkProxy.address}${chroot}`,
        });
      }
      Object.assign(props, opts.props ?? {}, opts.brokerProps?.(id) ?? {});
      for (const [k, v] of Object.entries(props)) if (v === '') delete props[k];
      const configPath = await writeBrokerConfig(dir, props);
      const b = {
        id,
        dir,
        logDirs,
        configPath,
        props,
        address: `127.0.0.1:${clientPort}`,
        process: null as BrokerProcess | null,
        interBrokerProxy,
        zkProxy,
        get running() {
          return this.process !== null && !this.process.exited;
        },
      };
      brokers.set(id, b);
    }
  } catch (e) {
    zk.close();
    for (const p of proxies) await p.close();
    await rm(baseDir, { recursive: true, force: true });
    throw e;
  }

  const broker = (id: number) => {
    const b = brokers.get(id);
    if (!b) throw new Error(`no broker ${id} in this cluster (ids ${ids.join(',')})`);
    return b;
  };

  const waitFor = async <T>(fn: () => Promise<T> | T, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> => {
    const deadline = Date.now() + timeoutMs;
    let lastErr: unknown;
    for (;;) {
      try {
        const v = await fn();
        if (v) return v as NonNullable<T>;
      } catch (e) {
        lastErr = e;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const start = async (id: number, timeoutMs = 60_000) => {
    const b = broker(id);
    if (b.running) throw new Error(`broker ${id} is already running (pid ${b.process!.pid})`);
    const p = spawnBroker([...(opts.args ?? []), b.configPath], { env: opts.env });
    b.process = p;
    await p.waitForLog(brokerStarted, timeoutMs);
    return p;
  };

  const running = (id: number) => {
    const b = broker(id);
    if (!b.running) throw new Error(`broker ${id} is not running`);
    return b.process!;
  };

  const partitionState = async (topic: string, partition: number): Promise<PartitionState | null> => {
    const node = await zk.getDataOrNull(`/brokers/topics/${topic}/partitions/${partition}/state`);
    if (node === null || node.data === null) return null;
    const j = JSON.parse(node.data.toString('utf8')) as { leader: number; leader_epoch: number; isr: number[]; controller_epoch: number };
    return { leader: j.leader, leaderEpoch: j.leader_epoch, isr: j.isr, controllerEpoch: j.controller_epoch, version: node.stat.version };
  };

  const liveBrokers = async () => (await zk.getChildren('/brokers/ids').catch((e) => (isZkError(e, ZkCode.NO_NODE) ? [] : Promise.reject(e)))).map(Number).sort((a, b) => a - b);

  const cluster: Cluster = {
    brokers,
    ids,
    chroot,
    zkConnect,
    get bootstrap() {
      return ids.map((id) => broker(id).address).join(',');
    },
    zk,
    broker,
    start,
    async startAll() {
      await Promise.all(ids.filter((id) => !broker(id).running).map((id) => start(id)));
    },
    async waitForMetadata(timeoutMs = 30_000) {
      const up = ids.filter((id) => broker(id).running);
      await waitFor(async () => {
        for (const id of up) {
          const r = await runCommand('kcat', ['-b', broker(id).address, '-L', '-J', '-m', '5'], undefined, 10_000);
          if (r.code !== 0) return false;
          const m = JSON.parse(r.stdout) as { controllerid: number; brokers: Array<{ id: number }> };
          if (m.controllerid < 0 || m.brokers.length !== up.length) return false;
        }
        return true;
      }, `every broker's metadata to list brokers ${up.join(',')} and a controller`, timeoutMs);
    },
    async kill(id) {
      const p = running(id);
      p.signal('SIGKILL');
      await p.waitForExit(20_000);
    },
    pause(id) {
      running(id).signal('SIGSTOP');
    },
    resume(id) {
      running(id).signal('SIGCONT');
    },
    async terminate(id, timeoutMs = 60_000) {
      const p = running(id);
      p.signal('SIGTERM');
      return p.waitForExit(timeoutMs);
    },
    async restart(id, o = {}) {
      if (o.hard) await cluster.kill(id);
      else await cluster.terminate(id);
      await start(id);
    },
    liveBrokers,
    async controller() {
      const node = await zk.getDataOrNull('/controller');
      if (node === null || node.data === null) return null;
      return (JSON.parse(node.data.toString('utf8')) as { brokerid: number }).brokerid;
    },
    partitionState,
    async assignment(topic) {
      const node = await zk.getData(`/brokers/topics/${topic}`);
      const j = JSON.parse(node.data!.toString('utf8')) as { partitions: Record<string, number[]> };
      return new Map(Object.entries(j.partitions).map(([p, r]) => [Number(p), r]));
    },
    waitFor,
    async waitForLeader(topic, partition, o = {}) {
      return waitFor(async () => {
        const st = await partitionState(topic, partition);
        if (st === null || st.leader < 0 || st.leader === o.not) return null;
        return (await liveBrokers()).includes(st.leader) ? st : null;
      }, `a leader of ${topic}-${partition}${o.not !== undefined ? ` other than ${o.not}` : ''}`, o.timeoutMs ?? 30_000);
    },
    async waitForIsr(topic, partition, isr, timeoutMs = 30_000) {
      const want = [...isr].sort((a, b) => a - b).join(',');
      return waitFor(async () => {
        const st = await partitionState(topic, partition);
        return st !== null && [...st.isr].sort((a, b) => a - b).join(',') === want ? st : null;
      }, `ISR of ${topic}-${partition} to be [${want}]`, timeoutMs);
    },
    isolate(id, o = {}) {
      const b = broker(id);
      if (!b.interBrokerProxy) throw new Error('isolate() needs a cluster started with proxies: true');
      const mode = o.mode ?? 'blackhole';
      // Everything into this broker's inter-broker listener...
      b.interBrokerProxy.partition(mode);
      // ...and everything it opens to the others.
      for (const other of brokers.values()) if (other.id !== id) other.interBrokerProxy!.partition(mode, [String(id)]);
      if (o.zk !== false) b.zkProxy!.partition(mode);
    },
    partitionZk(id, mode = 'blackhole') {
      const b = broker(id);
      if (!b.zkProxy) throw new Error('partitionZk() needs a cluster started with proxies: true');
      b.zkProxy.partition(mode);
    },
    heal() {
      for (const p of proxies) p.heal();
    },
    async diagnose(topics = [], lines = 15) {
      const out: string[] = [];
      out.push(`registered: [${(await liveBrokers().catch(() => [])).join(',')}], controller: ${await cluster.controller().catch(() => '?')}`);
      for (const t of topics) {
        const parts = await cluster.assignment(t).catch(() => new Map<number, number[]>());
        for (const [p, replicas] of parts) out.push(`${t}-${p} replicas [${replicas.join(',')}]: ${JSON.stringify(await partitionState(t, p).catch(() => null))}`);
      }
      for (const b of brokers.values()) {
        const p = b.process;
        const state = p === null ? 'never started' : p.exited ? `exited (${p.exitCode})` : `running pid ${p.pid}`;
        out.push(`--- broker ${b.id}: ${state}`);
        if (p) {
          for (const l of p.logs.filter((x) => x.level >= 40).slice(-lines)) {
            const { level, msg, time: _t, pid: _p, hostname: _h, ...rest } = l;
            out.push(`  [${level}] ${msg} ${JSON.stringify(rest).slice(0, 300)}`);
          }
        }
      }
      return out.join('\n');
    },
    async close() {
      await Promise.all(
        [...brokers.values()].map(async (b) => {
          const p = b.process;
          if (p === null || p.exited) return;
          p.signal('SIGCONT');
          await p.stop(15_000).catch(() => undefined);
        }),
      );
      zk.close();
      for (const p of proxies) await p.close();
      await rm(baseDir, { recursive: true, force: true });
    },
  };

  if (opts.start !== false) {
    try {
      await cluster.startAll();
      await cluster.waitForMetadata();
    } catch (e) {
      await cluster.close();
      throw e;
    }
  }
  return cluster;
}
