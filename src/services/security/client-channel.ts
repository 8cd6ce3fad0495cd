/**
 * The client side of Kafka's ChannelBuilders (clientChannelBuilder for the inter-broker listener): how this broker
 * connects to another one — the controller channel (ControllerChannelManager), the replica fetcher and the
 * transaction marker sender (BrokerBlockingSender), the channel to the controller (AlterPartition,
 * ControlledShutdown) all call {@link connectToBroker}.
 *  - PLAINTEXT: a TCP connection (the caller may read it with `onread`);
 *  - SSL: TLS with the inter-broker listener's key store as the client certificate and its trust store
 *    (ssl-factory.ts buildClientTlsOptions; host name checked unless ssl.endpoint.identification.algorithm is empty);
 *  - SASL_PLAINTEXT / SASL_SSL: then SaslHandshake v1 + SaslAuthenticate v1 with sasl.mechanism.inter.broker.protocol
 *    (PLAIN or SCRAM-SHA-256/512; Kafka's default GSSAPI is refused at startup) and the `username` / `password` of
 *    the listener's JAAS config for that mechanism (`listener.name.<l>.<mechanism>.sasl.jaas.config`, else
 *    `sasl.jaas.config`) — the same login Kafka's broker uses on the client side.
 * When the broker answers the login with a session lifetime (connections.max.reauth.ms, KIP-368), the connection
 * re-authenticates before it expires (client-reauthenticator.ts), transparently to the caller.
 * The whole handshake is bounded by the caller's connect timeout; a failure rejects with the reason (never a
 * password or key). Kafka's client also exchanges ApiVersions first; Rafka's brokers pick versions from
 * inter.broker.protocol.version, so it does not.
 *
 * Decision: the inter-broker settings are built once at startup (majordomo → {@link setInterBrokerClientSecurity})
 * and read by the connectors here, rather than threaded through every channel's options: one broker per process.
 */
import { connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { ConfigException } from '../../config/config-exception.js';
import { errorInfo } from '../../protocol/errors.js';
import { decodeResponse, encodeRequest } from '../../protocol/frame.js';
import { sendOneRequest } from '../network/one-in-flight.js';
import { parseJaasConfig } from './jaas-config.js';
import { SASL_MECHANISMS, usesSasl, usesTls, type SecurityConfigView } from './listener-security.js';
import { ScramSaslClient, scramMechanism } from './scram.js';
import { buildClientTlsOptions } from './ssl-factory.js';
import { armReauthentication, type Exchange } from './client-reauthenticator.js';

export interface ClientSasl { mechanism: string; username: string; password: string }
export interface ClientSecurity {
  readonly listenerName: string;
  readonly securityProtocol: string;
  readonly tls: ConnectionOptions | null;
  readonly sasl: ClientSasl | null;
}

export const PLAINTEXT_CLIENT: ClientSecurity = Object.freeze({ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', tls: null, sasl: null });

let interBroker: ClientSecurity = PLAINTEXT_CLIENT;
/** What the broker's own client can log in with (OAUTHBEARER is server-side only, development tokens). */
const CLIENT_MECHANISMS: readonly string[] = SASL_MECHANISMS.filter((m) => m !== 'OAUTHBEARER');
/** Set once at broker startup from the config (inter.broker.listener.name / security.inter.broker.protocol). */
export function setInterBrokerClientSecurity(s: ClientSecurity): void { interBroker = s; }
export function interBrokerClientSecurity(): ClientSecurity { return interBroker; }

export interface InterBrokerConfigView extends SecurityConfigView {
  readonly interBrokerListenerName: string;
  readonly interBrokerSecurityProtocol: string;
  getString(name: string): string | null;
}

/** ChannelBuilders.clientChannelBuilder's inputs for the inter-broker listener; ConfigException for a bad one. */
export function buildInterBrokerClientSecurity(config: InterBrokerConfigView): ClientSecurity {
  const l = config.interBrokerListenerName;
  const protocol = config.interBrokerSecurityProtocol;
  let sasl: ClientSasl | null = null;
  if (usesSasl(protocol)) {
    const mechanism = config.getString('sasl.mechanism.inter.broker.protocol') ?? 'GSSAPI';
    if (!CLIENT_MECHANISMS.includes(mechanism)) {
      throw new ConfigException('sasl.mechanism.inter.broker.protocol', mechanism,
        `the inter-broker listener ${l} uses ${protocol}: Rafka's brokers log in to each other with ${CLIENT_MECHANISMS.join(', ')}${mechanism === 'GSSAPI' ? ' (GSSAPI is Kafka\'s default: set sasl.mechanism.inter.broker.protocol)' : ''}`);
    }
    const key = `listener.name.${l.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`;
    const jaas = config.listenerMechanismValue(l, mechanism, 'sasl.jaas.config') as string | null;
    const options = jaas === null ? null : parseJaasConfig(key, jaas)[0]?.options;
    const username = options?.get('username');
    const password = options?.get('password');
    if (username === undefined || password === undefined) {
      throw new ConfigException(key, jaas === null ? null : '[hidden]', `the broker's own ${mechanism} login for inter-broker connections needs username="…" password="…" in this JAAS config`);
    }
    sasl = { mechanism, username, password };
  }
  return { listenerName: l, securityProtocol: protocol, tls: usesTls(protocol) ? buildClientTlsOptions(config, l) : null, sasl };
}

export interface BrokerConnectOptions {
  /** Connect + TLS handshake + SASL login must finish within this. */
  timeoutMs: number;
  clientId: string;
  /** PLAINTEXT only: Node's `onread` (the caller reads into its own buffers); other protocols deliver 'data' events. */
  onread?: OnReadOpts;
  /** Default: the inter-broker settings. */
  security?: ClientSecurity;
}

/** True when {@link connectToBroker} honours `onread` (PLAINTEXT); otherwise read the socket's 'data' events. */
export const readsWithOnread = (security: ClientSecurity = interBroker): boolean => security.tls === null && security.sasl === null;

/** Connects (and authenticates) to another broker; rejects with an Error saying why. */
export function connectToBroker(host: string, port: number, o: BrokerConnectOptions): Promise<Socket> {
  const security = o.security ?? interBroker;
  return new Promise<Socket>((resolve, reject) => {
    let done = false;
    let socket: Socket;
    const finish = (e: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('error', onError);
      if (e) { socket.destroy(); reject(e); } else resolve(socket);
    };
    const onError = (e: Error) => finish(new Error(`${security.tls ? 'TLS ' : ''}connection to ${host}:${port} failed: ${e.message}`));
    const timer = setTimeout(() => finish(new Error(`connecting to ${host}:${port} (${security.securityProtocol}) did not complete within ${o.timeoutMs} ms`)), o.timeoutMs);
    const authenticate = () => {
      const sasl = security.sasl;
      if (!sasl) { finish(null); return; }
      const fail = (why: 'closed' | 'timeout') => new Error(`SASL ${sasl.mechanism} login: ${why === 'closed' ? 'connection closed by the broker' : 'no answer'}`);
      saslLogin((frame) => sendOneRequest(socket, frame, o.timeoutMs, fail), sasl, o.clientId).then((lifetimeMs) => {
        // KIP-368: log in again before the broker's session expires (client-reauthenticator.ts)
        if (lifetimeMs > 0 && !done) armReauthentication(socket, lifetimeMs, (exchange) => saslLogin(exchange, sasl, o.clientId), o.timeoutMs);
        finish(null);
      }, (e: Error) => finish(e));
    };
    if (security.tls) {
      socket = tlsConnect({ host, port, ...security.tls, ...(isIp(host) ? {} : { servername: host }) });
      socket.setNoDelay(true);
      socket.once('secureConnect', authenticate);
    } else {
      socket = netConnect({ host, port, noDelay: true, ...(o.onread && !security.sasl ? { onread: o.onread } : {}) });
      socket.once('connect', authenticate);
    }
    socket.on('error', onError);
  });
}

const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');

/**
 * SaslClientAuthenticator: SaslHandshake v1, then SaslAuthenticate v1 rounds until the mechanism is complete; resolves
 * with the session lifetime the broker answered (0 = none). Used for the first login and for re-authentication.
 */
async function saslLogin(exchange: Exchange, sasl: ClientSasl, clientId: string): Promise<number> {
  let correlationId = 0;
  let lifetimeMs = 0;
  const handshake = decodeResponse(await exchange(
    encodeRequest({ requestApiKey: 17, requestApiVersion: 1, correlationId: correlationId++, clientId }, { mechanism: sasl.mechanism })), 17, 1).body;
  if (handshake.errorCode !== 0) {
    throw new Error(`SASL handshake for ${sasl.mechanism} failed: ${errorInfo(handshake.errorCode).name} (the broker enables ${handshake.mechanisms.join(', ')})`);
  }
  const round = async (bytes: Buffer): Promise<Buffer> => {
    const r = decodeResponse(await exchange(
      encodeRequest({ requestApiKey: 36, requestApiVersion: 1, correlationId: correlationId++, clientId }, { authBytes: bytes })), 36, 1).body;
    if (r.errorCode !== 0) throw new Error(`SASL ${sasl.mechanism} login as ${sasl.username} failed: ${errorInfo(r.errorCode).name}${r.errorMessage ? ` (${r.errorMessage})` : ''}`);
    lifetimeMs = Number(r.sessionLifetimeMs);
    return Buffer.from(r.authBytes);
  };
  if (sasl.mechanism === 'PLAIN') {
    await round(Buffer.from(`\u0000${sasl.username}\u0000${sasl.password}`, 'utf8'));
    return lifetimeMs;
  }
  const m = scramMechanism(sasl.mechanism);
  if (!m) throw new Error(`SASL mechanism ${sasl.mechanism} is not implemented`);
  const client = new ScramSaslClient(m, sasl.username, sasl.password);
  const serverFirst = await round(client.firstMessage());
  client.verifyServerFinal(await round(client.finalMessage(serverFirst)));
  return lifetimeMs;
}
