/**
 * Kafka's SaslServerAuthenticator, one per connection of a SASL_PLAINTEXT / SASL_SSL listener: until the client has
 * authenticated, every frame comes here instead of KafkaApis.
 *
 *   handshakeOrVersions ──ApiVersions──► handshake ──SaslHandshake v1──► authenticate ──SaslAuthenticate…──► complete
 *            └──────────SaslHandshake v0──────────────► rawTokens (size-prefixed tokens, no Kafka header) ──┘
 *   any other request before `complete` → the connection is closed (ILLEGAL_SASL_STATE), unanswered;
 *   an unknown mechanism → UNSUPPORTED_SASL_MECHANISM with the enabled list, then closed;
 *   a failed login → SASL_AUTHENTICATION_FAILED (Kafka's message) after connection.failed.authentication.delay.ms,
 *   then closed; logged once with the client address — never the token or password — through the socket server's
 *   warning rate limiter when one is given (per cause and client address, issue 16: a login flood is no log flood).
 * Frames before authentication are bounded by sasl.server.max.receive.size (the connection enforces it).
 * Re-authentication (KIP-368, connections.max.reauth.ms > 0 for the mechanism — listener.name.<l>.<mechanism>.
 * connections.max.reauth.ms, else the broker-wide key): SaslAuthenticate v1+ answers the session lifetime; a
 * SaslHandshake v1 on the authenticated connection starts a re-authentication with the same mechanism, which must end
 * with the same principal ("Cannot change principals during re-authentication", then closed); any other request after
 * the session expired closes the connection (Kafka's Processor: "Disconnecting expired channel"). Without a session
 * lifetime, SaslHandshake / SaslAuthenticate after authentication are answered ILLEGAL_SASL_STATE (KafkaApis) and
 * everything else goes to KafkaApis.
 *
 * Differs from Kafka: no GSSAPI, OAUTHBEARER or delegation tokens; a request other than SaslAuthenticate in the
 * authenticate state closes the connection without the ILLEGAL_SASL_STATE error response Kafka sends first.
 */
import type { Logger } from '../../logger.js';
import { ADVERTISED_APIS, ApiKey, type ApiRange, type ApiSupport } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/errors.js';
import { decodeRequest, encodeResponse, type DecodedRequest } from '../../protocol/frame.js';
import { CloseConnectionError, type ConnectionInfo, type RequestHandler } from '../network/connection.js';
import { PlainSaslServer } from './plain.js';
import { OAuthBearerSaslServer, type UnsecuredValidatorOptions } from './oauthbearer.js';
import { SaslAuthenticationError, ScramSaslServer, scramMechanism, type CredentialLookup } from './scram.js';

export interface SaslServerSettings {
  /** sasl.enabled.mechanisms of the listener (only those Rafka implements: validated at startup). */
  enabledMechanisms: readonly string[];
  /** PLAIN users (user_<name> options of the listener's plain.sasl.jaas.config). */
  plainUsers: ReadonlyMap<string, string>;
  /** SCRAM credentials (/config/users through the credential cache). */
  credentials: CredentialLookup;
  failedAuthenticationDelayMs: number;
  maxReceiveSize: number;
  /** connections.max.reauth.ms for a mechanism (0 = sessions never expire, no re-authentication); absent = 0. */
  reauthMs?: (mechanism: string) => number;
  /** OAUTHBEARER: the unsecured validator's unsecuredValidator* options (absent = Kafka's defaults). */
  oauthValidator?: UnsecuredValidatorOptions;
  /** For tests: the clock (ms). */
  now?: () => number;
}

interface MechanismServer { evaluateResponse(token: Buffer): Promise<Buffer>; readonly isComplete: boolean; readonly authorizationId: string }

const range = (k: number, lo: number, hi: number): [number, ApiRange] => [k, { ...ADVERTISED_APIS.find((a) => a.apiKey === k)!, minVersion: lo, maxVersion: hi }];
const SASL_SUPPORT: ApiSupport = new Map([range(ApiKey.SaslHandshake, 0, 1), range(ApiKey.SaslAuthenticate, 0, 2)]);

type State = 'handshakeOrVersions' | 'handshake' | 'authenticate' | 'rawTokens' | 'complete' | 'failed';

export class SaslServerAuthenticator {
  private state: State = 'handshakeOrVersions';
  private mechanism: string | null = null;
  private server: MechanismServer | null = null;
  /** When the session expires (ms), null = never (KafkaChannel's serverAuthenticationSessionExpired). */
  private sessionExpiresAt: number | null = null;
  /** During a re-authentication: the principal it must end with. */
  private reauthPrincipal: string | null = null;
  private readonly now: () => number;

  /** `warnings`: the failed-login lines go through it (socket-server's WarningLimiter), else straight to `log`. */
  constructor(private readonly settings: SaslServerSettings, private readonly inner: RequestHandler, private readonly log: Logger,
    private readonly warnings?: { warn(client: string, fields: Record<string, unknown>, message: string): void }) {
    this.now = settings.now ?? Date.now;
  }

  get isComplete(): boolean { return this.state === 'complete'; }

  /** The connection's request handler while this authenticator is in front of KafkaApis. */
  readonly handle: RequestHandler = async (frame, conn) => {
    if (this.state === 'complete') {
      const key = frame.length >= 2 ? frame.readInt16BE(0) : -1;
      // KIP-368: a session with a lifetime may re-authenticate (SaslHandshake v1, even after expiry)
      if (key === ApiKey.SaslHandshake && this.sessionExpiresAt !== null && frame.length >= 4 && frame.readInt16BE(2) >= 1) return this.beginReauthentication(frame, conn);
      if (key === ApiKey.SaslHandshake || key === ApiKey.SaslAuthenticate) return this.illegalAfterAuthentication(frame, conn);
      if (this.sessionExpiresAt !== null && this.now() > this.sessionExpiresAt) {
        throw new CloseConnectionError(`Disconnecting expired SASL session of ${conn.principal ? `${conn.principal.principalType}:${conn.principal.name}` : 'an unknown principal'} from ${conn.remoteAddress}:${conn.remotePort} on ${conn.listenerName} (connections.max.reauth.ms passed without re-authentication)`);
      }
      return this.inner(frame, conn);
    }
    if (this.state === 'failed') return null;
    if (this.state === 'rawTokens') return this.rawToken(frame, conn);
    const apiKey = frame.length >= 2 ? frame.readInt16BE(0) : -1;
    if (apiKey === ApiKey.ApiVersions && this.state === 'handshakeOrVersions') {
      this.state = 'handshake';
      return this.inner(frame, conn);
    }
    const expected = this.state === 'authenticate' ? 'SaslAuthenticate' : 'SaslHandshake';
    if ((apiKey === ApiKey.SaslHandshake && this.state !== 'authenticate') || (apiKey === ApiKey.SaslAuthenticate && this.state === 'authenticate')) {
      let req: DecodedRequest;
      try {
        req = decodeRequest(frame, SASL_SUPPORT);
      } catch (e) {
        return this.fail(conn, `invalid ${expected} request: ${(e as Error).message}`);
      }
      if (req.apiKey === ApiKey.SaslHandshake) return this.handshake(req, conn);
      if (req.apiKey === ApiKey.SaslAuthenticate) return this.authenticate(req, conn);
    }
    return this.fail(conn, `Unexpected Kafka request of type ${apiKey} during SASL handshake (ILLEGAL_SASL_STATE: expected ${expected})`);
  };

  private fail(conn: ConnectionInfo, why: string): never {
    this.state = 'failed';
    throw new CloseConnectionError(`SASL authentication of ${conn.remoteAddress}:${conn.remotePort} on ${conn.listenerName} failed: ${why}`);
  }

  private handshake(req: Extract<DecodedRequest, { apiKey: 17 }>, conn: ConnectionInfo): Buffer {
    const mechanisms = [...this.settings.enabledMechanisms];
    const mechanism = req.body.mechanism;
    const reply = (errorCode: number) => encodeResponse(req.header.correlationId, ApiKey.SaslHandshake, req.apiVersion, { errorCode, mechanisms });
    if (!mechanisms.includes(mechanism)) {
      this.state = 'failed';
      this.warnFailed(conn, { connection: conn.id, listener: conn.listenerName, client: `${conn.remoteAddress}:${conn.remotePort}`, mechanism },
        `Failed authentication with /${conn.remoteAddress} (Unsupported SASL mechanism ${mechanism}: enabled are ${mechanisms.join(', ')})`);
      conn.closeAfterResponse?.();
      return reply(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    }
    this.mechanism = mechanism;
    const scram = scramMechanism(mechanism);
    this.server = scram ? new ScramSaslServer(scram, this.settings.credentials)
      : mechanism === 'OAUTHBEARER' ? new OAuthBearerSaslServer(this.now, this.settings.oauthValidator) : new PlainSaslServer(this.settings.plainUsers);
    this.state = req.apiVersion === 0 ? 'rawTokens' : 'authenticate';
    return reply(ErrorCode.NONE);
  }

  private async authenticate(req: Extract<DecodedRequest, { apiKey: 36 }>, conn: ConnectionInfo): Promise<Buffer> {
    const reply = (errorCode: number, errorMessage: string | null, authBytes: Buffer, sessionLifetimeMs = 0) =>
      encodeResponse(req.header.correlationId, ApiKey.SaslAuthenticate, req.apiVersion, { errorCode, errorMessage, authBytes, sessionLifetimeMs: BigInt(sessionLifetimeMs) });
    try {
      const challenge = await this.server!.evaluateResponse(Buffer.from(req.body.authBytes));
      if (this.server!.isComplete) {
        this.completed(conn);
        // the lifetime goes to clients that can re-authenticate (SaslAuthenticate v1+); a v0 client's session expires too
        // calcCompletionTimesAndReturnSessionLifetimeMs: the broker's limit, the credential's (OAUTHBEARER token exp), or the smaller
        const maxReauth = this.settings.reauthMs?.(this.mechanism!) ?? 0;
        const credentialEnd = this.server instanceof OAuthBearerSaslServer ? this.server.expiresAtMs : null;
        const credentialLeft = credentialEnd === null ? null : Math.max(0, credentialEnd - this.now());
        const lifetime = credentialLeft === null ? maxReauth : maxReauth > 0 ? Math.min(credentialLeft, maxReauth) : credentialLeft;
        this.sessionExpiresAt = credentialLeft !== null || maxReauth > 0 ? this.now() + lifetime : null;
        return reply(ErrorCode.NONE, null, challenge, req.apiVersion >= 1 ? lifetime : 0);
      }
      return reply(ErrorCode.NONE, null, challenge);
    } catch (e) {
      const message = await this.failedLogin(e, conn);
      return reply(ErrorCode.SASL_AUTHENTICATION_FAILED, message, Buffer.alloc(0));
    }
  }

  /** Handshake v0: the frame is the token itself; the answer is the size-prefixed challenge. A failure just closes. */
  private async rawToken(token: Buffer, conn: ConnectionInfo): Promise<Buffer> {
    try {
      const challenge = await this.server!.evaluateResponse(token);
      if (this.server!.isComplete) this.completed(conn);
      const out = Buffer.allocUnsafe(4 + challenge.length);
      out.writeInt32BE(challenge.length, 0);
      challenge.copy(out, 4);
      return out;
    } catch (e) {
      await this.failedLogin(e, conn);
      throw new CloseConnectionError(`SASL authentication of ${conn.remoteAddress}:${conn.remotePort} failed (handshake v0: no error response)`);
    }
  }

  private completed(conn: ConnectionInfo): void {
    if (this.reauthPrincipal !== null && this.reauthPrincipal !== this.server!.authorizationId) {
      const was = this.reauthPrincipal;
      this.reauthPrincipal = null;
      throw new SaslAuthenticationError(`Cannot change principals during re-authentication from User:${was}: User:${this.server!.authorizationId}`);
    }
    this.reauthPrincipal = null;
    this.state = 'complete';
    conn.principal = { principalType: 'User', name: this.server!.authorizationId };
    conn.maxReceiveBytes = undefined;
    this.log.debug({ connection: conn.id, principal: `User:${this.server!.authorizationId}`, mechanism: this.mechanism }, 'SASL authentication succeeded');
  }

  private warnFailed(conn: ConnectionInfo, fields: Record<string, unknown>, message: string): void {
    if (this.warnings) this.warnings.warn(conn.remoteAddress, fields, message);
    else this.log.warn(fields, message);
  }

  /** Logs the failure once (client address, mechanism, Kafka's reason), waits the delay, marks close-after-response. */
  private async failedLogin(e: unknown, conn: ConnectionInfo): Promise<string> {
    this.state = 'failed';
    // As Kafka: a SaslAuthenticationException's message goes to the client; any other failure gets the generic one.
    const message = e instanceof SaslAuthenticationError ? e.message
      : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}`;
    const reason = e instanceof Error ? e.message : String(e);
    this.warnFailed(conn, { connection: conn.id, listener: conn.listenerName, client: `${conn.remoteAddress}:${conn.remotePort}`, mechanism: this.mechanism, reason },
      `Failed authentication with /${conn.remoteAddress} (${reason})`);
    if (this.settings.failedAuthenticationDelayMs > 0) await new Promise((r) => setTimeout(r, this.settings.failedAuthenticationDelayMs));
    conn.closeAfterResponse?.();
    return message;
  }

  /**
   * KafkaChannel.maybeBeginServerReauthentication: a SaslHandshake v1 on an authenticated connection whose session has
   * a lifetime starts over with the same mechanism (another one fails the re-authentication and closes).
   */
  private beginReauthentication(frame: Buffer, conn: ConnectionInfo): Buffer {
    let req: DecodedRequest;
    try { req = decodeRequest(frame, SASL_SUPPORT); } catch (e) { return this.fail(conn, `invalid SaslHandshake for re-authentication: ${(e as Error).message}`); }
    if (req.apiKey !== ApiKey.SaslHandshake) return this.fail(conn, 'expected SaslHandshake');
    if (req.body.mechanism !== this.mechanism) {
      return this.fail(conn, `re-authentication with mechanism ${req.body.mechanism} differs from the original mechanism ${this.mechanism}`);
    }
    this.reauthPrincipal = this.server!.authorizationId;
    this.state = 'handshake';
    return this.handshake(req, conn);
  }

  /** KafkaApis' answer to SaslHandshake / SaslAuthenticate on an authenticated connection. */
  private illegalAfterAuthentication(frame: Buffer, conn: ConnectionInfo): Buffer {
    let req: DecodedRequest;
    try { req = decodeRequest(frame, SASL_SUPPORT); } catch (e) { throw new CloseConnectionError(`invalid SASL request after authentication from ${conn.remoteAddress}:${conn.remotePort}: ${(e as Error).message}`); }
    if (req.apiKey === ApiKey.SaslHandshake) {
      return encodeResponse(req.header.correlationId, ApiKey.SaslHandshake, req.apiVersion, { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [...this.settings.enabledMechanisms] });
    }
    return encodeResponse(req.header.correlationId, ApiKey.SaslAuthenticate, req.apiVersion,
      { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate after authentication: re-authentication (connections.max.reauth.ms) is not enabled', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n });
  }
}
