/**
 * KIP-368 on the client side, as Kafka's KafkaChannel.maybeBeginClientReauthentication + SaslClientAuthenticator:
 * when the broker answered the login with a session lifetime (connections.max.reauth.ms on its listener, SaslAuthenticate
 * v1+), the connection logs in again on the same socket (SaslHandshake v1 + SaslAuthenticate v1, same mechanism and
 * login) before that session expires, so the broker does not close it. Kafka re-authenticates at a random 85–95 % of
 * the lifetime, on the next send with nothing in flight; so does Rafka.
 *
 * How: the socket that connectToBroker hands out (the controller channel, replica fetchers, marker sender and the
 * channel to the controller read it through 'data' events on SASL connections) gets two hooks, so none of those
 * callers change: `write` (a request written once re-authentication is due and no response is outstanding first runs
 * the login, then goes out; requests written meanwhile wait in order) and `emit('data')` (during the login the
 * broker's answers go to the login, not to the caller; otherwise the response frames are counted to know what is in
 * flight). A failed re-authentication destroys the socket with the reason: the caller's request fails and it
 * reconnects, as after any connection loss.
 * Differs from Kafka: no ApiVersions exchange (as the first login); a request written while a response is still
 * outstanding is sent on the old session (Kafka also waits for no in-flight requests).
 */
import type { Socket } from 'node:net';

/** One login round trip on the raw socket: the request frame out, the whole response frame (without its size) back. */
export type Exchange = (frame: Buffer) => Promise<Buffer>;
/** Logs in over `exchange`; resolves with the broker's session lifetime in ms (0 = no expiry). */
export type Login = (exchange: Exchange) => Promise<number>;

export interface ReauthState {
  /** When the next re-authentication is due (ms, the `now` clock), or null (no session expiry). */
  dueAt: number | null;
  /** Completed re-authentications on this connection. */
  count: number;
}

const states = new WeakMap<Socket, ReauthState>();
/** The re-authentication state of a connection made by connectToBroker (tests, metrics); undefined if none was armed. */
export const reauthStateOf = (socket: Socket): ReauthState | undefined => states.get(socket);

/** SaslClientAuthenticator.ReauthInfo: a random point between 85 % and 95 % of the session lifetime. */
export function reauthDelayMs(sessionLifetimeMs: number, random: () => number = Math.random): number {
  return Math.floor(sessionLifetimeMs * (0.85 + 0.1 * random()));
}

/**
 * Arms re-authentication on a socket just logged in with a session lifetime; `login` runs the same login again.
 * `timeoutMs` bounds each re-authentication round trip.
 */
export function armReauthentication(socket: Socket, sessionLifetimeMs: number, login: Login, timeoutMs: number, now: () => number = Date.now): ReauthState {
  const state: ReauthState = { dueAt: sessionLifetimeMs > 0 ? now() + reauthDelayMs(sessionLifetimeMs) : null, count: 0 };
  states.set(socket, state);
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
  let inFlight = 0;
  // response frame boundaries on the data path: bytes left of the current frame, or the size prefix being read
  let left = 0;
  let header: Buffer = Buffer.alloc(0);
  const countResponses = (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (left > 0) { const n = Math.min(left, chunk.length - i); left -= n; i += n; if (left === 0) inFlight = Math.max(0, inFlight - 1); continue; }
      const need = 4 - header.length;
      header = Buffer.concat([header, chunk.subarray(i, i + need)]);
      i += Math.min(need, chunk.length - i);
      if (header.length === 4) { left = header.readInt32BE(0); header = Buffer.alloc(0); if (left === 0) inFlight = Math.max(0, inFlight - 1); }
    }
  };
  let sink: ((chunk: Buffer) => void) | null = null;
  let queued: Array<unknown[]> | null = null;

  const exchange: Exchange = (frame) => new Promise<Buffer>((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const done = (e: Error | null, out?: Buffer) => { clearTimeout(timer); sink = null; socket.off('close', onClose); if (e) reject(e); else resolve(out!); };
    const onClose = () => done(new Error('connection closed during re-authentication'));
    const timer = setTimeout(() => done(new Error(`no answer to re-authentication within ${timeoutMs} ms`)), timeoutMs);
    sink = (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) done(null, buf.subarray(4, 4 + buf.readInt32BE(0)));
    };
    socket.once('close', onClose);
    write(frame);
  });

  const reauthenticate = () => {
    queued = [];
    login(exchange).then((lifetime) => {
      state.count += 1;
      state.dueAt = lifetime > 0 ? now() + reauthDelayMs(lifetime) : null;
      const pending = queued ?? [];
      queued = null;
      for (const args of pending) { inFlight += 1; write(...args); }
    }, (e: Error) => {
      queued = null;
      socket.destroy(new Error(`SASL re-authentication failed: ${e.message}`));
    });
  };

  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'data') {
      const chunk = args[0] as Buffer;
      if (sink) { sink(chunk); return true; }
      countResponses(chunk);
    }
    return emit(event, ...args);
  }) as Socket['emit'];
  socket.write = ((...args: unknown[]) => {
    if (queued === null && state.dueAt !== null && now() >= state.dueAt && inFlight === 0 && !socket.destroyed) reauthenticate();
    if (queued !== null) { queued.push(args); return true; }
    inFlight += 1;
    return write(...args);
  }) as Socket['write'];
  return state;
}
