/**
 * SASL/OAUTHBEARER server with Kafka's unsecured-JWS validator — FOR DEVELOPMENT ONLY, as in Kafka
 * (OAuthBearerSaslServer + OAuthBearerUnsecuredValidatorCallbackHandler, the default when no
 * listener.name.<l>.oauthbearer.sasl.server.callback.handler.class is set): the client's initial response
 * `n,[a=<authzid>],\x01auth=Bearer <token>\x01[key=value\x01]*\x01` carries an unsigned JWS `<header>.<payload>.` whose
 * header says `"alg":"none"`; the payload needs a string `sub` (the principal) and a numeric `exp` (seconds) not in the
 * past; `iat`, if present, must be a number. Anyone can mint such a token: never enable OAUTHBEARER on a listener
 * reachable by untrusted clients. A token that fails validation gets Kafka's error challenge `{"status":"invalid_token"}`;
 * the client's `\x01` answer then fails the login with that text. The token is never logged.
 * Differs from Kafka: no unsecuredValidatorRequiredScope / AllowableClockSkewMs / custom principal claim options;
 * SASL extensions are ignored (Kafka's unsecured validator accepts none either).
 */
import { SaslAuthenticationError, SaslError } from './scram.js';

const INITIAL = /^n,(?:a=([^,]*))?,\u0001(.*)\u0001$/s;
const AUTH = /^([\w]+) +([-_.a-zA-Z0-9]+)$/;

export class OAuthBearerSaslServer {
  private complete = false;
  private principal = '';
  private errorMessage: string | null = null;
  /** The token's expiry (ms since the epoch) once complete: the session's credential lifetime (KIP-368). */
  expiresAtMs: number | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  get isComplete(): boolean { return this.complete; }
  get authorizationId(): string { return this.principal; }

  async evaluateResponse(response: Buffer): Promise<Buffer> {
    if (response.length === 1 && response[0] === 0x01 && this.errorMessage !== null) throw new SaslAuthenticationError(this.errorMessage);
    this.errorMessage = null;
    const m = INITIAL.exec(response.toString('utf8'));
    if (!m) throw new SaslError('Invalid OAUTHBEARER client first message');
    const authzid = m[1] ?? '';
    const kv = new Map(m[2]!.split('\u0001').filter((p) => p !== '').map((p) => { const i = p.indexOf('='); return [p.slice(0, i), p.slice(i + 1)] as const; }));
    const auth = AUTH.exec(kv.get('auth') ?? '');
    if (!auth || auth[1]!.toLowerCase() !== 'bearer') throw new SaslError('Invalid OAUTHBEARER client first message: no auth=Bearer <token>');
    const claims = validateUnsecuredJws(auth[2]!, this.now());
    if (claims === null) {
      this.errorMessage = '{"status":"invalid_token"}';
      return Buffer.from(this.errorMessage, 'utf8');
    }
    if (authzid !== '' && authzid !== claims.sub) {
      throw new SaslAuthenticationError(`Authentication failed: Client requested an authorization id (${authzid}) that is different from the token's principal name (${claims.sub})`);
    }
    this.principal = claims.sub;
    this.expiresAtMs = claims.exp * 1000;
    this.complete = true;
    return Buffer.alloc(0);
  }
}

/** OAuthBearerUnsecuredJws + the validator's checks; null when the token is not acceptable. */
export function validateUnsecuredJws(token: string, nowMs: number): { sub: string; exp: number } | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[2] !== '') return null;
  const json = (s: string): Record<string, unknown> | null => {
    try { const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown; return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null; } catch { return null; }
  };
  const header = json(parts[0]!);
  const payload = json(parts[1]!);
  if (!header || !payload || header.alg !== 'none') return null;
  const { sub, exp, iat } = payload;
  if (typeof sub !== 'string' || sub.trim() === '' || typeof exp !== 'number') return null;
  if (iat !== undefined && typeof iat !== 'number') return null;
  if (exp * 1000 <= nowMs) return null;
  return { sub, exp };
}
