/**
 * Kafka's ControllerChannelManager: the active controller's connections to the other live brokers. One channel per
 * broker, on the endpoint of the inter-broker listener read from /brokers/ids/<id>; each has a FIFO queue and one
 * request in flight at a time (Kafka's RequestSendThread). A request that fails (no connection within
 * controller.socket.timeout.ms — RequestSendThread's awaitReady —, connection lost, no answer within
 * request.timeout.ms — the NetworkClient's request timeout) is retried on a new connection after a back-off until
 * it is answered or the broker is removed, so a broker sees the controller's requests in the order they were decided.
 */
import type { Socket } from 'node:net';
import { connectToBroker } from '../security/client-channel.js';
import type { Logger } from '../../logger.js';
import { sendOneRequest } from '../network/one-in-flight.js';
import { ApiKey, apiKeyName } from '../../protocol/api-keys.js';
import { decodeResponse, encodeRequest, type RequestInput, type ResponseBody } from '../../protocol/frame.js';
import type { BrokerInfo } from '../zookeeper/zk-data.js';
import {
  leaderAndIsrToWire, leaderAndIsrVersion, stopReplicaToWire, stopReplicaVersion, updateMetadataToWire, updateMetadataVersion,
  type BrokerRequests,
} from './control-requests.js';

type ControlApiKey = typeof ApiKey.LeaderAndIsr | typeof ApiKey.StopReplica | typeof ApiKey.UpdateMetadata;

/** `frame`: encoded once when queued (so a request that cannot be encoded is refused, not retried); the correlation id is patched per send. */
interface QueueItem { apiKey: ControlApiKey; version: number; frame: Buffer; enqueuedAt: number }

/** `brokerEpoch`: the registration of the broker the channel was opened for (a restarted broker gets a new channel). */
export interface ControlResponse { brokerId: number; brokerEpoch: bigint; apiKey: ControlApiKey; version: number; body: ResponseBody<ControlApiKey> }

export interface ChannelManagerOptions {
  controllerId: number;
  /** inter.broker.listener.name (or control.plane.listener.name): whose endpoint is dialled. */
  listenerName: string;
  /** inter.broker.protocol.version: picks the request versions, as Kafka's controller does. */
  interBrokerProtocolVersion: string;
  /** controller.socket.timeout.ms: how long a connection may take to be established. */
  socketTimeoutMs: number;
  /** request.timeout.ms: how long a sent request waits for its response (Kafka's default 30 s when not given). */
  requestTimeoutMs?: number;
  log: Logger;
  /** Reconnect back-off, doubling from initialMs to maxMs (default 100 ms → 1 s). */
  backoff?: { initialMs: number; maxMs: number };
  onResponse?: (r: ControlResponse) => void;
}

export interface LiveBroker { info: BrokerInfo; epoch: bigint }

export class ControllerChannelManager {
  private readonly channels = new Map<number, BrokerChannel>();

  constructor(private readonly opts: ChannelManagerOptions) {}

  /** Adds channels for new brokers, drops those of gone brokers, and replaces those whose epoch or endpoint changed. */
  updateBrokers(brokers: LiveBroker[]): void {
    const ids = new Set(brokers.map((b) => b.info.id));
    for (const [id, ch] of this.channels) if (!ids.has(id)) { ch.close(); this.channels.delete(id); }
    for (const b of brokers) {
      if (b.info.id === this.opts.controllerId) continue; // its own broker is served in-process
      const existing = this.channels.get(b.info.id);
      const target = this.endpoint(b.info);
      if (existing && existing.epoch === b.epoch && existing.target === target) continue;
      existing?.close();
      this.channels.set(b.info.id, new BrokerChannel(b.info.id, b.epoch, target, this.opts));
    }
  }

  brokerIds(): number[] { return [...this.channels.keys()].sort((a, b) => a - b); }
  queueSize(brokerId: number): number { return this.channels.get(brokerId)?.queueSize ?? 0; }

  /** Queues LeaderAndIsr, UpdateMetadata, StopReplica (in that order) for a broker; warns if it has no channel. */
  send(brokerId: number, requests: BrokerRequests): void {
    const ch = this.channels.get(brokerId);
    if (!ch) {
      this.opts.log.warn({ brokerId }, `Not sending requests to broker ${brokerId}, since it is offline`);
      return;
    }
    const ibp = this.opts.interBrokerProtocolVersion;
    if (requests.leaderAndIsr) { const v = leaderAndIsrVersion(ibp); ch.enqueue(ApiKey.LeaderAndIsr, v, leaderAndIsrToWire(requests.leaderAndIsr, v)); }
    if (requests.updateMetadata) { const v = updateMetadataVersion(ibp); ch.enqueue(ApiKey.UpdateMetadata, v, updateMetadataToWire(requests.updateMetadata, v)); }
    if (requests.stopReplica) { const v = stopReplicaVersion(ibp); for (const body of stopReplicaToWire(requests.stopReplica, v)) ch.enqueue(ApiKey.StopReplica, v, body); }
  }

  close(): void {
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
  }

  private endpoint(b: BrokerInfo): string {
    const ep = b.endpoints.find((e) => e.listenerName === this.opts.listenerName);
    return ep ? `${ep.host || 'localhost'}:${ep.port}:${ep.securityProtocol}` : '';
  }
}

class RequestFailed extends Error {}

/** One broker's queue and connection (Kafka's RequestSendThread + its NetworkClient). */
class BrokerChannel {
  private readonly queue: QueueItem[] = [];
  private socket: Socket | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  private backoffMs: number;
  private correlationId = 0;
  private readonly log: Logger;

  constructor(readonly brokerId: number, readonly epoch: bigint, readonly target: string, private readonly opts: ChannelManagerOptions) {
    this.log = opts.log.child({ targetBrokerId: brokerId });
    this.backoffMs = opts.backoff?.initialMs ?? 100;
    void this.run();
  }

  get queueSize(): number { return this.queue.length; }

  enqueue(apiKey: ControlApiKey, version: number, body: RequestInput<ControlApiKey>): void {
    if (this.closed) return;
    let frame: Buffer;
    try {
      frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId: 0, clientId: String(this.opts.controllerId) }, body as never);
    } catch (e) {
      this.log.error({ api: apiKeyName(apiKey), apiVersion: version, err: (e as Error).message }, `Cannot encode ${apiKeyName(apiKey)} v${version} for broker ${this.brokerId}; not sent`);
      return;
    }
    this.queue.push({ apiKey, version, frame, enqueuedAt: Date.now() });
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.socket?.destroy();
    this.socket = null;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const item = this.queue[0];
      if (!item) { await new Promise<void>((r) => { this.wake = r; }); this.wake = null; continue; }
      try {
        const body = await this.roundTrip(item);
        if (this.closed) return;
        this.queue.shift();
        this.backoffMs = this.opts.backoff?.initialMs ?? 100;
        this.completed(item, body);
      } catch (e) {
        if (this.closed) return;
        this.log.warn({ api: apiKeyName(item.apiKey), target: this.target, err: (e as Error).message },
          `Controller ${this.opts.controllerId} failed to send ${apiKeyName(item.apiKey)} to broker ${this.brokerId}; reconnecting in ${this.backoffMs} ms`);
        this.socket?.destroy();
        this.socket = null;
        await new Promise<void>((r) => { const t = setTimeout(r, this.backoffMs); this.wake = () => { clearTimeout(t); r(); }; });
        this.wake = null;
        this.backoffMs = Math.min(this.backoffMs * 2, this.opts.backoff?.maxMs ?? 1000);
      }
    }
  }

  private completed(item: QueueItem, body: ResponseBody<ControlApiKey>): void {
    const errorCode = (body as { errorCode: number }).errorCode;
    const fields = { api: apiKeyName(item.apiKey), apiVersion: item.version, errorCode, queuedMs: Date.now() - item.enqueuedAt };
    if (errorCode !== 0) this.log.warn(fields, `Broker ${this.brokerId} answered ${apiKeyName(item.apiKey)} with error ${errorCode}`);
    else this.log.debug(fields, `Broker ${this.brokerId} acknowledged ${apiKeyName(item.apiKey)}`);
    this.opts.onResponse?.({ brokerId: this.brokerId, brokerEpoch: this.epoch, apiKey: item.apiKey, version: item.version, body });
  }

  private async connectSocket(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    if (this.target === '') throw new RequestFailed(`broker ${this.brokerId} has no endpoint for listener ${this.opts.listenerName}`);
    const [host, port, protocol] = splitTarget(this.target);
    let socket: Socket;
    try {
      // the inter-broker listener's TLS / SASL settings (services/security/client-channel.ts)
      socket = await connectToBroker(host, port, { timeoutMs: this.opts.socketTimeoutMs, clientId: String(this.opts.controllerId) });
    } catch (e) {
      throw new RequestFailed(`${protocol} connection: ${(e as Error).message}`);
    }
    socket.on('error', () => socket.destroy()); // surfaced through the pending round trip's 'close'
    this.log.info({ target: this.target }, `Controller ${this.opts.controllerId} connected to broker ${this.brokerId} for sending state change requests`);
    this.socket = socket;
    return socket;
  }

  /** Sends one request and reads its response (one in flight: the next response is this one's). */
  private async roundTrip(item: QueueItem): Promise<ResponseBody<ControlApiKey>> {
    const socket = await this.connectSocket();
    const correlationId = this.correlationId++ & 0x7fffffff;
    const frame = item.frame;
    frame.writeInt32BE(correlationId, 8); // size(4) apiKey(2) apiVersion(2) correlationId(4)
    const timeoutMs = this.opts.requestTimeoutMs ?? 30_000;
    const response = await sendOneRequest(socket, frame, timeoutMs, (why) =>
      new RequestFailed(why === 'closed' ? 'connection closed' : `no response within request.timeout.ms=${timeoutMs}`));
    const decoded = decodeResponse(response, item.apiKey, item.version);
    if (decoded.correlationId !== correlationId) throw new RequestFailed(`correlation id ${decoded.correlationId} does not match ${correlationId}`);
    return decoded.body;
  }
}

function splitTarget(t: string): [string, number, string] {
  const protoAt = t.lastIndexOf(':');
  const portAt = t.lastIndexOf(':', protoAt - 1);
  return [t.slice(0, portAt), Number(t.slice(portAt + 1, protoAt)), t.slice(protoAt + 1)];
}
