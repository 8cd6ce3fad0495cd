/**
 * Kafka's BrokerBlockingSender: a follower's connection to one source broker (the leader) on the inter-broker
 * listener, one request in flight at a time. Connecting is bounded by `replica.socket.timeout.ms`, each request by
 * `request.timeout.ms` (as Kafka's NetworkClient in BrokerBlockingSender); any failure (refused, closed, timed out,
 * undecodable) closes the connection, and the next request connects again (the fetcher backs off in between).
 *
 * The connection uses the inter-broker listener's security (PLAINTEXT, SSL, SASL_*: security/client-channel.ts).
 * Differs from Kafka: no ApiVersions exchange — the
 * request versions come from inter.broker.protocol.version as Kafka's fetcher chooses them.
 *
 * Receiving (the follower's half of the fetch path, issue 17): the kernel reads a response straight into the buffer
 * it is decoded from ({@link ResponseReceiver}, Node's `onread`): no chunk list, no concatenation. A caller that
 * asks for it (`lend`: the fetcher's Fetch) gets the response in the sender's one reusable buffer, warm in the
 * cache and never returned to the allocator, and gives it back with {@link BrokerBlockingSender.returnBuffer} once
 * the records are appended; any other response — or one while the buffer is still lent — gets a buffer of its own.
 */
import type { Socket } from 'node:net';
import { connectToBroker, readsWithOnread } from '../security/client-channel.js';
import { apiKeyName } from '../../protocol/api-keys.js';
import { decodeResponse, encodeRequest, type RequestInput, type ResponseBody } from '../../protocol/frame.js';
import type { ImplementedApiKey } from '../../protocol/messages/index.js';
import type { LeaderEndpoint } from './fetcher-types.js';

export class SendFailedError extends Error { override name = 'SendFailedError'; }

/** Responses up to this size may land in the reusable buffer (replica.fetch.response.max.bytes is 10 MiB by default). */
const REUSABLE_MAX_BYTES = 16 * 1024 * 1024;
/** Reads made while no response size is known yet land here (then the size prefix says where the rest goes). */
const HEAD_BYTES = 64 * 1024;

/**
 * Frames a response stream of one-request-at-a-time exchanges: the 4-byte size, then exactly that many bytes read
 * into one buffer — by the kernel itself through {@link nextBuffer}/{@link onRead} (Node's `onread`), or copied
 * from stream chunks by {@link push}. Bytes beyond the one expected response are a protocol error.
 */
export class ResponseReceiver {
  private readonly head = Buffer.allocUnsafe(HEAD_BYTES);
  private headHave = 0;
  private frame: Buffer | null = null;
  private filled = 0;
  /** The next frame may use the reusable buffer (set per request by the sender). */
  lendNext = false;

  constructor(
    private readonly pool: ReusableBuffer,
    private readonly onFrame: (frame: Buffer) => void,
    private readonly onError: (message: string) => void,
  ) {}

  /** Where the next read lands: the rest of the current frame, or the head area while its size is unknown. */
  nextBuffer(): Buffer {
    return this.frame !== null ? this.frame.subarray(this.filled) : this.head.subarray(this.headHave);
  }

  /** `n` bytes were read into `buf` (the last {@link nextBuffer}). */
  onRead(n: number, buf: Buffer): void {
    if (n <= 0) return;
    if (this.frame !== null) {
      if (buf.buffer !== this.frame.buffer || buf.byteOffset !== this.frame.byteOffset + this.filled) { this.onError('read into an unexpected buffer'); return; }
      this.filled += n;
      if (this.filled === this.frame.length) this.deliver();
      return;
    }
    this.headHave += n;
    if (this.headHave < 4) return;
    const size = this.head.readInt32BE(0);
    if (size < 4) { this.onError(`invalid response size ${size}`); return; }
    const have = this.headHave - 4;
    if (have > size) { this.onError('unexpected bytes after the response'); return; }
    this.frame = this.lendNext ? this.pool.lend(size) : Buffer.allocUnsafe(size);
    this.head.copy(this.frame, 0, 4, 4 + have);
    this.filled = have;
    this.headHave = 0;
    if (this.filled === size) this.deliver();
  }

  /** Stream mode ('data' events, e.g. a TLS socket): the chunk is copied where a read would have landed. */
  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      const dst = this.nextBuffer();
      if (dst.length === 0) { this.onError('unexpected bytes after the response'); return; }
      const n = chunk.copy(dst, 0, off);
      off += n;
      this.onRead(n, dst);
    }
  }

  /** True when bytes of an unfinished response are buffered. */
  get partial(): boolean { return this.frame !== null || this.headHave > 0; }

  private deliver(): void {
    const f = this.frame!;
    this.frame = null;
    this.filled = 0;
    this.lendNext = false;
    this.onFrame(f);
  }
}

/** One buffer lent to one response at a time, grown to the largest response seen (up to {@link REUSABLE_MAX_BYTES}). */
export class ReusableBuffer {
  private buf: Buffer | null = null;
  private lent = false;
  /** Responses that got it / had to allocate (tests). */
  reused = 0;
  allocated = 0;

  lend(size: number): Buffer {
    if (this.lent || size > REUSABLE_MAX_BYTES) { this.allocated++; return Buffer.allocUnsafe(size); }
    if (this.buf === null || this.buf.length < size) {
      this.allocated++;
      this.buf = Buffer.allocUnsafeSlow(Math.min(REUSABLE_MAX_BYTES, Math.max(size, (this.buf?.length ?? 0) * 2, 64 * 1024)));
    } else {
      this.reused++;
    }
    this.lent = true;
    return this.buf.subarray(0, size);
  }

  /** The lent buffer is no longer read by anyone: the next lend may overwrite it. */
  giveBack(): void { this.lent = false; }
  get isLent(): boolean { return this.lent; }
}

export interface SenderOptions {
  /** This broker's id, sent as the client id (Kafka: "broker-<id>-fetcher-<n>"). */
  clientId: string;
  socketTimeoutMs: number;
  requestTimeoutMs: number;
}

export class BrokerBlockingSender {
  private socket: Socket | null = null;
  private receiver: ResponseReceiver | null = null;
  /** The response being waited for (one request in flight). */
  private pending: { resolve: (frame: Buffer) => void; reject: (e: Error) => void } | null = null;
  readonly reusable = new ReusableBuffer();
  private correlationId = 0;
  private closed = false;

  constructor(readonly target: LeaderEndpoint, private readonly opts: SenderOptions) {}

  get connected(): boolean { return this.socket !== null && !this.socket.destroyed; }

  close(): void {
    this.closed = true;
    this.disconnect();
  }

  /** Drops the connection (after a failure); the next request reconnects. */
  disconnect(): void {
    this.socket?.destroy();
    this.socket = null;
    this.receiver = null;
  }

  /** The response lent with `lend` is no longer read: its buffer may take the next one. */
  returnBuffer(): void { this.reusable.giveBack(); }

  private async connectSocket(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    if (this.closed) throw new SendFailedError('sender closed');
    const { host, port } = this.target;
    const receiver = new ResponseReceiver(this.reusable,
      (frame) => { const p = this.pending; this.pending = null; p?.resolve(frame); },
      (message) => { const p = this.pending; this.pending = null; this.socket?.destroy(); p?.reject(new SendFailedError(message)); });
    // responses are read by the kernel into their final buffer (ResponseReceiver) on PLAINTEXT; TLS / SASL sockets
    // (services/security/client-channel.ts, the inter-broker listener's security) deliver chunks that are copied in
    const onread = { buffer: () => receiver.nextBuffer(), callback: (n: number, buf: Uint8Array) => { receiver.onRead(n, buf as Buffer); return true; } };
    let socket: Socket;
    try {
      socket = await connectToBroker(host, port, { timeoutMs: this.opts.socketTimeoutMs, clientId: this.opts.clientId, onread });
    } catch (e) {
      throw new SendFailedError(`Failed to connect to broker ${this.target.brokerId} at ${host}:${port}: ${(e as Error).message}`);
    }
    if (!readsWithOnread()) socket.on('data', (chunk: Buffer) => receiver.push(chunk));
    socket.on('error', () => socket.destroy()); // surfaced through the pending request's 'close'
    if (this.closed) { socket.destroy(); throw new SendFailedError('sender closed'); }
    this.socket = socket;
    this.receiver = receiver;
    return socket;
  }

  /**
   * Sends one request and waits for its response (decoded), or throws SendFailedError. With `lend` the response may
   * be read into the sender's reusable buffer: the caller must call {@link returnBuffer} when it no longer reads the
   * decoded body (its byte fields are views of that buffer).
   */
  async sendRequest<K extends ImplementedApiKey>(apiKey: K, version: number, body: RequestInput<K>, signal?: AbortSignal, lend = false): Promise<ResponseBody<K>> {
    const socket = await this.connectSocket();
    const receiver = this.receiver!;
    const correlationId = this.correlationId++ & 0x7fffffff;
    const frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.opts.clientId }, body);
    let response: Buffer;
    try {
      if (this.pending !== null || receiver.partial) throw new SendFailedError('a request is already in flight');
      response = await new Promise<Buffer>((resolve, reject) => {
        const cleanup = () => { clearTimeout(timer); socket.off('close', onClose); signal?.removeEventListener('abort', onAbort); };
        this.pending = {
          resolve: (f) => { cleanup(); resolve(f); },
          reject: (e) => { cleanup(); reject(e); },
        };
        const fail = (e: Error) => { const p = this.pending; this.pending = null; p?.reject(e); };
        const onClose = () => fail(new SendFailedError(`connection to broker ${this.target.brokerId} closed`));
        const onAbort = () => { socket.destroy(); fail(new SendFailedError('aborted')); };
        const timer = setTimeout(() => { socket.destroy(); fail(new SendFailedError(`no ${apiKeyName(apiKey)} response from broker ${this.target.brokerId} within ${this.opts.requestTimeoutMs} ms`)); }, this.opts.requestTimeoutMs);
        socket.once('close', onClose);
        if (signal?.aborted) { onAbort(); return; }
        signal?.addEventListener('abort', onAbort);
        receiver.lendNext = lend;
        socket.write(frame);
      });
    } catch (e) {
      this.pending = null;
      this.disconnect();
      throw e;
    }
    const decoded = decodeResponse(response, apiKey, version);
    if (decoded.correlationId !== correlationId) { this.disconnect(); throw new SendFailedError(`correlation id ${decoded.correlationId} does not match ${correlationId}`); }
    return decoded.body;
  }
}
