/**
 * A small Kafka protocol client for the `rafka` admin subcommands (the part of Kafka's KafkaAdminClient /
 * NetworkClient they need), speaking only the Kafka wire protocol through Rafka's own codec — so it works against any
 * Kafka-compatible cluster, Apache Kafka included. Per broker one connection, one request in flight (admin traffic);
 * each connection starts with ApiVersions and every request is sent at the highest version both sides implement.
 *
 * Routing as Kafka's admin client: `controller` requests go to the controller named by Metadata (retrying on
 * NOT_CONTROLLER after a metadata refresh is the caller's choice: {@link AdminClient.sendToController} does it once per
 * attempt), `leader` requests to the partition leader, anything else to the least loaded (here: the first reachable)
 * bootstrap broker.
 *
 * Differs from Kafka: PLAINTEXT only (no --command-config security settings yet); no request pipelining.
 */
import { connect, type Socket } from 'node:net';
import { apiKeyName } from '../../protocol/api-keys.js';
import { errorInfo } from '../../protocol/errors.js';
import { decodeResponse, encodeRequest, type RequestInput, type ResponseBody } from '../../protocol/frame.js';
import { MESSAGES, type ImplementedApiKey } from '../../protocol/messages/index.js';
import { parseVersions } from '../../protocol/schema.js';

export class AdminClientError extends Error { override name = 'AdminClientError'; }

export interface BrokerNode { id: number; host: string; port: number; rack: string | null }

export interface ClusterView {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerNode[];
  topics: Array<{ name: string; errorCode: number; isInternal: boolean; topicId: string; partitions: Array<{ partition: number; leader: number; leaderEpoch: number; replicas: number[]; isr: number[]; offlineReplicas: number[]; errorCode: number }> }>;
}

export interface AdminClientOptions {
  bootstrap: string;
  clientId?: string;
  requestTimeoutMs?: number;
}

/** The ImplementedApiKey's [min, max] versions the codec implements. */
function codecRange(apiKey: ImplementedApiKey): readonly [number, number] {
  return parseVersions(MESSAGES[apiKey].request.validVersions);
}

class Connection {
  private socket: Socket | null = null;
  private correlationId = 0;
  private versions: Map<number, [number, number]> | null = null;
  private buffered: Buffer = Buffer.alloc(0);
  private pending: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly host: string, readonly port: number, private readonly clientId: string, private readonly timeoutMs: number) {}

  private async open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const s = await new Promise<Socket>((resolve, reject) => {
      const sock = connect({ host: this.host, port: this.port, noDelay: true });
      const timer = setTimeout(() => { sock.destroy(); reject(new AdminClientError(`Could not connect to ${this.host}:${this.port} within ${this.timeoutMs} ms`)); }, this.timeoutMs);
      sock.once('connect', () => { clearTimeout(timer); resolve(sock); });
      sock.once('error', (e) => { clearTimeout(timer); reject(new AdminClientError(`Could not connect to ${this.host}:${this.port}: ${e.message}`)); });
    });
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('error', () => s.destroy());
    s.on('close', () => { this.fail(new AdminClientError(`Connection to ${this.host}:${this.port} closed`)); });
    this.socket = s;
    this.buffered = Buffer.alloc(0);
    this.versions = null;
    return s;
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = null;
    this.socket = null;
    p?.reject(e);
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const p = this.pending;
      this.pending = null;
      p?.resolve(frame);
    }
  }

  private async roundTrip<K extends ImplementedApiKey>(apiKey: K, version: number, body: RequestInput<K>): Promise<ResponseBody<K>> {
    const s = await this.open();
    const correlationId = ++this.correlationId;
    const frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.clientId } as never, body);
    const response = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => { this.socket?.destroy(); this.fail(new AdminClientError(`${apiKeyName(apiKey)} to ${this.host}:${this.port} timed out after ${this.timeoutMs} ms`)); }, this.timeoutMs);
      this.pending = { resolve: (b) => { clearTimeout(timer); resolve(b); }, reject: (e) => { clearTimeout(timer); reject(e); } };
      s.write(frame);
    });
    const decoded = decodeResponse(response, apiKey, version);
    if (decoded.correlationId !== correlationId) throw new AdminClientError(`Correlation id mismatch from ${this.host}:${this.port}`);
    return decoded.body;
  }

  /** ApiVersions once per connection: the broker's ranges. */
  private async negotiate(): Promise<Map<number, [number, number]>> {
    if (this.versions && this.socket && !this.socket.destroyed) return this.versions;
    const r = await this.roundTrip(18, 3, { clientSoftwareName: 'rafka-admin', clientSoftwareVersion: '0.1.0' });
    let body = r;
    if (r.errorCode !== 0) body = await this.roundTrip(18, 0, {});
    this.versions = new Map(body.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    return this.versions;
  }

  /** Sends at the highest version both implement (or `version` when given); one request at a time. */
  send<K extends ImplementedApiKey>(apiKey: K, body: RequestInput<K>, opts: { maxVersion?: number } = {}): Promise<{ version: number; body: ResponseBody<K> }> {
    const run = async () => {
      const broker = (await this.negotiate()).get(apiKey);
      if (!broker) throw new AdminClientError(`The broker at ${this.host}:${this.port} does not support ${apiKeyName(apiKey)} (API key ${apiKey})`);
      const [lo, hi] = codecRange(apiKey);
      const version = Math.min(hi, broker[1], opts.maxVersion ?? Infinity);
      if (version < Math.max(lo, broker[0])) throw new AdminClientError(`No common version of ${apiKeyName(apiKey)} with the broker at ${this.host}:${this.port}`);
      return { version, body: await this.roundTrip(apiKey, version, body) };
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  close(): void { this.socket?.destroy(); this.socket = null; }
}

export class AdminClient {
  private readonly bootstrap: Array<{ host: string; port: number }>;
  private readonly conns = new Map<string, Connection>();
  private readonly clientId: string;
  private readonly timeoutMs: number;
  private cluster: ClusterView | null = null;

  constructor(opts: AdminClientOptions) {
    this.bootstrap = parseBootstrap(opts.bootstrap);
    this.clientId = opts.clientId ?? 'rafka-admin';
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
  }

  private conn(host: string, port: number): Connection {
    const k = `${host}:${port}`;
    let c = this.conns.get(k);
    if (!c) this.conns.set(k, (c = new Connection(host, port, this.clientId, this.timeoutMs)));
    return c;
  }

  /** To the first bootstrap (or known) broker that answers. */
  async sendAny<K extends ImplementedApiKey>(apiKey: K, body: RequestInput<K>, opts: { maxVersion?: number } = {}): Promise<{ version: number; body: ResponseBody<K> }> {
    const targets = [...this.bootstrap, ...(this.cluster?.brokers ?? [])];
    let last: unknown = null;
    for (const t of targets) {
      try { return await this.conn(t.host, t.port).send(apiKey, body, opts); } catch (e) { last = e; }
    }
    throw new AdminClientError(`No broker of ${this.bootstrap.map((b) => `${b.host}:${b.port}`).join(',')} answered: ${last instanceof Error ? last.message : String(last)}`);
  }

  async sendTo<K extends ImplementedApiKey>(brokerId: number, apiKey: K, body: RequestInput<K>, opts: { maxVersion?: number } = {}): Promise<{ version: number; body: ResponseBody<K> }> {
    const node = (this.cluster ?? await this.metadata()).brokers.find((b) => b.id === brokerId) ?? (await this.metadata()).brokers.find((b) => b.id === brokerId);
    if (!node) throw new AdminClientError(`Broker ${brokerId} is not in the cluster metadata`);
    return this.conn(node.host, node.port).send(apiKey, body, opts);
  }

  /**
   * To the controller (Metadata's controller id); `isNotController` says whether an answer is NOT_CONTROLLER (then the
   * metadata is refreshed and the request sent again, up to `attempts` times, as Kafka's admin client retries).
   */
  async sendToController<K extends ImplementedApiKey>(apiKey: K, body: RequestInput<K>, isNotController: (b: ResponseBody<K>) => boolean,
    opts: { attempts?: number; maxVersion?: number } = {}): Promise<{ version: number; body: ResponseBody<K> }> {
    const attempts = opts.attempts ?? 5;
    let last: { version: number; body: ResponseBody<K> } | null = null;
    for (let i = 0; i < attempts; i++) {
      const md = await this.metadata();
      if (md.controllerId < 0) { await sleep(200); continue; }
      last = await this.sendTo(md.controllerId, apiKey, body, opts.maxVersion !== undefined ? { maxVersion: opts.maxVersion } : {});
      if (!isNotController(last.body)) return last;
      await sleep(200);
    }
    if (last) return last;
    throw new AdminClientError('No controller found in the cluster metadata');
  }

  /** Metadata for `topics` (null = all), without auto-creation. */
  async metadata(topics: string[] | null = null): Promise<ClusterView> {
    const r = await this.sendAny(3, { topics: topics === null ? null : topics.map((name) => ({ name })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, { maxVersion: 9 });
    const b = r.body;
    const view: ClusterView = {
      clusterId: b.clusterId, controllerId: b.controllerId,
      brokers: b.brokers.map((x) => ({ id: x.nodeId, host: x.host, port: x.port, rack: x.rack })).sort((x, y) => x.id - y.id),
      topics: b.topics.map((t) => ({
        name: t.name ?? '', errorCode: t.errorCode, isInternal: t.isInternal, topicId: t.topicId,
        partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: [...p.replicaNodes], isr: [...p.isrNodes], offlineReplicas: [...p.offlineReplicas], errorCode: p.errorCode }))
          .sort((x, y) => x.partition - y.partition),
      })).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)),
    };
    if (topics === null) this.cluster = view;
    else if (!this.cluster) this.cluster = { ...view, topics: [] };
    else this.cluster = { ...this.cluster, brokers: view.brokers, controllerId: view.controllerId };
    return view;
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}

/** "h1:p1,h2:p2" → list; throws a clear error for a malformed entry. */
export function parseBootstrap(s: string): Array<{ host: string; port: number }> {
  const out = s.split(',').map((x) => x.trim()).filter((x) => x !== '').map((x) => {
    const i = x.lastIndexOf(':');
    const host = i > 0 ? x.slice(0, i).replace(/^\[|\]$/g, '') : '';
    const port = i > 0 ? Number(x.slice(i + 1)) : NaN;
    if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) throw new AdminClientError(`Invalid bootstrap server "${x}": expected host:port`);
    return { host, port };
  });
  if (out.length === 0) throw new AdminClientError('--bootstrap-server is required (host:port[,host:port...])');
  return out;
}

/** "NOT_CONTROLLER (41): This is not the correct controller for this cluster." */
export function describeError(code: number, message?: string | null): string {
  const info = errorInfo(code);
  return `${info.name}${message ? `: ${message}` : info.message ? `: ${info.message}` : ''}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
