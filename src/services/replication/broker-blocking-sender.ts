/**
 * Kafka's BrokerBlockingSender: a follower's connection to one source broker (the leader) on the inter-broker
 * listener, one request in flight at a time. Connecting is bounded by `replica.socket.timeout.ms`, each request by
 * `request.timeout.ms` (as Kafka's NetworkClient in BrokerBlockingSender); any failure (refused, closed, timed out,
 * undecodable) closes the connection, and the next request connects again (the fetcher backs off in between).
 *
 * Differs from Kafka: PLAINTEXT only (SSL/SASL listeners are refused at startup); no ApiVersions exchange — the
 * request versions come from inter.broker.protocol.version as Kafka's fetcher chooses them.
 */
import { connect, type Socket } from 'node:net';
import { apiKeyName } from '../../protocol/api-keys.js';
import { decodeResponse, encodeRequest, type RequestInput, type ResponseBody } from '../../protocol/frame.js';
import type { ImplementedApiKey } from '../../protocol/messages/index.js';
import type { LeaderEndpoint } from './fetcher-types.js';

export class SendFailedError extends Error { override name = 'SendFailedError'; }

export interface SenderOptions {
  /** This broker's id, sent as the client id (Kafka: "broker-<id>-fetcher-<n>"). */
  clientId: string;
  socketTimeoutMs: number;
  requestTimeoutMs: number;
}

export class BrokerBlockingSender {
  private socket: Socket | null = null;
  private correlationId = 0;
  private closed = false;

  constructor(readonly target: LeaderEndpoint, private readonly opts: SenderOptions) {}

  get connected(): boolean { return this.socket !== null && !this.socket.destroyed; }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = null;
  }

  /** Drops the connection (after a failure); the next request reconnects. */
  disconnect(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private async connectSocket(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    if (this.closed) throw new SendFailedError('sender closed');
    const { host, port } = this.target;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => { s.destroy(); reject(new SendFailedError(`Failed to connect to broker ${this.target.brokerId} at ${host}:${port} within ${this.opts.socketTimeoutMs} ms`)); }, this.opts.socketTimeoutMs);
      s.once('connect', () => { clearTimeout(timer); s.off('error', onError); resolve(s); });
      const onError = (e: Error) => { clearTimeout(timer); reject(new SendFailedError(`Failed to connect to broker ${this.target.brokerId} at ${host}:${port}: ${e.message}`)); };
      s.once('error', onError);
    });
    socket.on('error', () => socket.destroy()); // surfaced through the pending request's 'close'
    if (this.closed) { socket.destroy(); throw new SendFailedError('sender closed'); }
    this.socket = socket;
    return socket;
  }

  /** Sends one request and waits for its response (decoded), or throws SendFailedError. */
  async sendRequest<K extends ImplementedApiKey>(apiKey: K, version: number, body: RequestInput<K>, signal?: AbortSignal): Promise<ResponseBody<K>> {
    const socket = await this.connectSocket();
    const correlationId = this.correlationId++ & 0x7fffffff;
    const frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.opts.clientId }, body);
    let response: Buffer;
    try {
      response = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let have = 0;
        let need = -1;
        const cleanup = () => { clearTimeout(timer); socket.off('data', onData); socket.off('close', onClose); signal?.removeEventListener('abort', onAbort); };
        const onData = (d: Buffer) => {
          chunks.push(d);
          have += d.length;
          if (need < 0 && have >= 4) need = 4 + (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).readInt32BE(0);
          if (need < 0 || have < need) return;
          cleanup();
          const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, have);
          if (have > need) { socket.destroy(); reject(new SendFailedError('unexpected bytes after the response')); return; }
          resolve(all.subarray(4, need));
        };
        const onClose = () => { cleanup(); reject(new SendFailedError(`connection to broker ${this.target.brokerId} closed`)); };
        const onAbort = () => { cleanup(); socket.destroy(); reject(new SendFailedError('aborted')); };
        const timer = setTimeout(() => { cleanup(); socket.destroy(); reject(new SendFailedError(`no ${apiKeyName(apiKey)} response from broker ${this.target.brokerId} within ${this.opts.requestTimeoutMs} ms`)); }, this.opts.requestTimeoutMs);
        socket.on('data', onData);
        socket.once('close', onClose);
        if (signal?.aborted) { onAbort(); return; }
        signal?.addEventListener('abort', onAbort);
        socket.write(frame);
      });
    } catch (e) {
      this.disconnect();
      throw e;
    }
    const decoded = decodeResponse(response, apiKey, version);
    if (decoded.correlationId !== correlationId) { this.disconnect(); throw new SendFailedError(`correlation id ${decoded.correlationId} does not match ${correlationId}`); }
    return decoded.body;
  }
}
