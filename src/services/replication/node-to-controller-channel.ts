/**
 * Kafka's NodeToControllerChannelManager (ZooKeeper mode: MetadataCacheControllerNodeProvider): a broker's connection
 * to the active controller on the controller's listener (control.plane.listener.name, else inter.broker.listener.name),
 * found through the metadata cache (the controller id of the last UpdateMetadata and that broker's endpoint).
 *
 * `send` queues one request; requests go one at a time (Kafka's one in-flight request per channel). A request that
 * cannot be delivered — no controller known, cannot connect, connection lost, no answer within the request timeout —
 * is retried on a fresh connection after `retryBackoffMs`, re-resolving the controller each time, until it is answered,
 * `retryTimeoutMs` passes (then it rejects with {@link ControllerRequestTimeout}) or the channel is closed (it rejects
 * with {@link ChannelClosedError}). An answer is returned as is: the caller reads its error codes (a NOT_CONTROLLER answer
 * also drops the connection, so the next request finds the new controller).
 *
 * Differs from Kafka: no ApiVersions exchange (Rafka controllers accept every version of the requests sent here; the
 * caller picks the version as Kafka's client would against a Kafka 3.7 controller).
 */
import type { Socket } from 'node:net';
import { connectToBroker } from '../security/client-channel.js';
import type { Logger } from '../../logger.js';
import { sendOneRequest } from '../network/one-in-flight.js';
import { apiKeyName } from '../../protocol/api-keys.js';
import { decodeResponse, encodeRequest, type RequestInput, type ResponseBody } from '../../protocol/frame.js';
import type { ImplementedApiKey } from '../../protocol/messages/index.js';

export interface ControllerNode { id: number; host: string; port: number }

/** The active controller's address on the controller listener, or null when unknown (no UpdateMetadata yet, or no such endpoint). */
export type ControllerNodeProvider = () => ControllerNode | null;

export class ChannelClosedError extends Error { override name = 'ChannelClosedError'; }
export class ControllerRequestTimeout extends Error { override name = 'ControllerRequestTimeout'; }
/** The request cannot be encoded at that version (a bug, never retried). */
export class RequestEncodeError extends Error { override name = 'RequestEncodeError'; }

export interface NodeToControllerChannelOptions {
  /** Kafka's channel name ("alter-partition", "controlled-shutdown"): in the client id and the log lines. */
  channelName: string;
  brokerId: number;
  controller: ControllerNodeProvider;
  /** request.timeout.ms / controller.socket.timeout.ms: connect and per-attempt answer timeout. */
  requestTimeoutMs: number;
  /** Pause between attempts (Kafka: retry.backoff.ms for ControlledShutdown; 50 ms-ish for AlterPartition). */
  retryBackoffMs: number;
  /** Give up after this long (default: never, as Kafka's AlterPartition channel). */
  retryTimeoutMs?: number;
  log: Logger;
}

interface Pending {
  apiKey: ImplementedApiKey; version: number; frame: Buffer; deadline: number;
  resolve: (body: unknown) => void; reject: (e: Error) => void;
}

export class NodeToControllerChannel {
  private readonly queue: Pending[] = [];
  private socket: Socket | null = null;
  private connectedTo: number | null = null;
  private running = false;
  private closed = false;
  private correlationId = 0;
  private cancelWait: (() => void) | null = null;

  constructor(private readonly opts: NodeToControllerChannelOptions) {}

  /** Sends a request to the active controller; resolves with its answer (see the class comment for retries). */
  send<K extends ImplementedApiKey>(apiKey: K, version: number, body: RequestInput<K>): Promise<ResponseBody<K>> {
    if (this.closed) return Promise.reject(new ChannelClosedError(`${this.opts.channelName} channel is closed`));
    let frame: Buffer;
    try {
      frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId: 0, clientId: `${this.opts.channelName}-${this.opts.brokerId}` }, body);
    } catch (e) {
      return Promise.reject(new RequestEncodeError(`Cannot encode ${apiKeyName(apiKey)} v${version}: ${(e as Error).message}`));
    }
    const deadline = this.opts.retryTimeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + this.opts.retryTimeoutMs;
    return new Promise<ResponseBody<K>>((resolve, reject) => {
      this.queue.push({ apiKey, version, frame, deadline, resolve: resolve as (b: unknown) => void, reject });
      void this.run();
    });
  }

  /** Rejects whatever is queued and drops the connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dropConnection();
    this.cancelWait?.();
    for (const p of this.queue.splice(0)) p.reject(new ChannelClosedError(`${this.opts.channelName} channel closed`));
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const item = this.queue[0]!;
        try {
          const body = await this.attempt(item);
          this.queue.shift();
          if ((body as { errorCode?: number }).errorCode === 41 /* NOT_CONTROLLER */) this.dropConnection();
          item.resolve(body);
        } catch (e) {
          if (this.closed) return;
          if (Date.now() >= item.deadline) {
            this.queue.shift();
            item.reject(new ControllerRequestTimeout(`${apiKeyName(item.apiKey)} to the controller not answered within ${this.opts.retryTimeoutMs} ms: ${(e as Error).message}`));
            continue;
          }
          this.opts.log.debug({ channel: this.opts.channelName, api: apiKeyName(item.apiKey), err: (e as Error).message }, `Request to the controller failed; retrying in ${this.opts.retryBackoffMs} ms`);
          this.dropConnection();
          await new Promise<void>((r) => { const t = setTimeout(r, this.opts.retryBackoffMs); this.cancelWait = () => { clearTimeout(t); r(); }; });
          this.cancelWait = null;
        }
      }
    } finally {
      this.running = false;
    }
  }

  private dropConnection(): void {
    this.socket?.destroy();
    this.socket = null;
    this.connectedTo = null;
  }

  private async connectSocket(): Promise<Socket> {
    const node = this.opts.controller();
    if (!node) throw new Error('no controller known');
    if (this.socket && !this.socket.destroyed && this.connectedTo === node.id) return this.socket;
    this.dropConnection();
    const timeout = this.opts.requestTimeoutMs;
    // the inter-broker listener's TLS / SASL settings (services/security/client-channel.ts)
    const socket = await connectToBroker(node.host || 'localhost', node.port, { timeoutMs: timeout, clientId: `broker-${this.opts.brokerId}-${this.opts.channelName}` });
    socket.on('error', () => socket.destroy());
    if (this.closed) { socket.destroy(); throw new ChannelClosedError('closed'); }
    this.socket = socket;
    this.connectedTo = node.id;
    return socket;
  }

  private async attempt(item: Pending): Promise<unknown> {
    const socket = await this.connectSocket();
    const correlationId = this.correlationId++ & 0x7fffffff;
    item.frame.writeInt32BE(correlationId, 8); // size(4) apiKey(2) apiVersion(2) correlationId(4)
    const response = await sendOneRequest(socket, item.frame, this.opts.requestTimeoutMs, (why) =>
      new Error(why === 'closed' ? 'connection to the controller closed' : `no answer within ${this.opts.requestTimeoutMs} ms`));
    const decoded = decodeResponse(response, item.apiKey, item.version);
    if (decoded.correlationId !== correlationId) throw new Error(`correlation id ${decoded.correlationId} does not match ${correlationId}`);
    return decoded.body;
  }
}

/** The controller's endpoint on `listenerName` from a metadata view (ZooKeeper mode's MetadataCacheControllerNodeProvider). */
export function metadataControllerNodeProvider(
  metadata: { controllerId(): number; brokers(): Array<{ id: number; endpoints: Array<{ listenerName: string; host: string | null; port: number }> }> },
  listenerName: string,
): ControllerNodeProvider {
  return () => {
    const id = metadata.controllerId();
    if (id < 0) return null;
    const b = metadata.brokers().find((x) => x.id === id);
    const ep = b?.endpoints.find((e) => e.listenerName === listenerName);
    return ep ? { id, host: ep.host ?? '', port: ep.port } : null;
  };
}
