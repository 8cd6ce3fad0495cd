/**
 * SASL/OAUTHBEARER server with Kafka's unsecured-JWS validator — FOR DEVELOPMENT ONLY, as in Kafka
 * (OAuthBearerSaslServer + OAuthBearerUnsecuredValidatorCallbackHandler, the default when no
 * listener.name.<l>.oauthbearer.sasl.server.callback.handler.class is set): the client's initial response
 * `n,[a=<authzid>],\x01auth=Bearer <token>\x01[key=value\x01]*\x01` carries an unsigned JWS `<header>.<payload>.` whose
 * header says `"alg":"none"`; the payload needs a string `sub` (the principal) and a numeric `exp` (seconds) not in the
 * past; `iat`, if present, must be a number. Anyone can mint such a token: never enable OAUTHBEARER on a listener
 * reachable by untrusted clients. A token that fails validation gets Kafka's error challenge `{"status":"invalid_token"}`;
 * the client's `\x01` answer then fails the login with that text. The token is never logged.
 * The validator's options come from the OAUTHBEARER JAAS config of the listener
 * (`listener.name.<l>.oauthbearer.sasl.jaas.config=…OAuthBearerLoginModule required unsecuredValidatorRequiredScope="a b"
 * unsecuredValidatorAllowableClockSkewMs="30000" unsecuredValidatorPrincipalClaimName="client_id"
 * unsecuredValidatorScopeClaimName="scp";`), checked in Kafka's order (OAuthBearerUnsecuredJws +
 * OAuthBearerValidationUtils): `exp` present, the principal claim a non-blank string, `iat` not after now + skew,
 * now - skew before `exp`, `exp` after `iat`, every required scope element in the token's scope claim — a missing one
 * answers `{"status":"insufficient_scope", "scope":"[a, b]"}`. As Kafka's source, a string scope claim is ONE element
 * (trimmed, not split at spaces); a list claim gives its non-blank strings.
 * Differs from Kafka: Kafka requires a JAAS entry for OAUTHBEARER on the broker, Rafka takes the defaults without
 * one; SASL extensions are ignored (Kafka's unsecured validator accepts any).
 */
import { ConfigException } from '../../config/config-exception.js';
import { SaslAuthenticationError, SaslError } from './scram.js';

/** OAuthBearerUnsecuredValidatorCallbackHandler's options. */
export interface UnsecuredValidatorOptions {
  principalClaimName: string;
  scopeClaimName: string;
  requiredScope: readonly string[];
  allowableClockSkewMs: number;
}

export const DEFAULT_VALIDATOR_OPTIONS: UnsecuredValidatorOptions = Object.freeze({ principalClaimName: 'sub', scopeClaimName: 'scope', requiredScope: [], allowableClockSkewMs: 0 });

/** OAuthBearerScopeUtils.isValidScopeItem: RFC 6749 NQCHAR (%x21 / %x23-5B / %x5D-7E). */
const SCOPE_ITEM = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** The unsecuredValidator* options of a JAAS module (`key` names the config in errors); Kafka's defaults for blanks. */
export function unsecuredValidatorOptions(options: ReadonlyMap<string, string>, key: string): UnsecuredValidatorOptions {
  const opt = (name: string) => { const v = options.get(`unsecuredValidator${name}`); return v === undefined || v.trim() === '' ? null : v.trim(); };
  const scope = opt('RequiredScope');
  const requiredScope = scope === null ? [] : scope.split(' ').filter((x) => x !== '');
  for (const item of requiredScope) if (!SCOPE_ITEM.test(item)) throw new ConfigException(key, scope, `unsecuredValidatorRequiredScope: Invalid scope value: ${item}`);
  const skew = opt('AllowableClockSkewMs');
  const allowableClockSkewMs = skew === null ? 0 : Number(skew);
  if (!/^-?\d+$/.test(skew ?? '0') || !Number.isSafeInteger(allowableClockSkewMs) || allowableClockSkewMs > 2 ** 31 - 1) {
    throw new ConfigException(key, skew, 'unsecuredValidatorAllowableClockSkewMs must be an integer number of milliseconds');
  }
  if (allowableClockSkewMs < 0) throw new ConfigException(key, skew, `Allowable clock skew millis must not be negative: ${skew}`);
  return { principalClaimName: opt('PrincipalClaimName') ?? 'sub', scopeClaimName: opt('ScopeClaimName') ?? 'scope', requiredScope, allowableClockSkewMs };
}

const INITIAL = /^n,(?:a=([^,]*))?,\u0001(.*)\u0001$/s;
const AUTH = /^([\w]+) +([-_.a-zA-Z0-9]+)$/;

export class OAuthBearerSaslServer {
  private complete = false;
  private principal = '';
  private errorMessage: string | null = null;
  /** The token's expiry (ms since the epoch) once complete: the session's credential lifetime (KIP-368). */
  expiresAtMs: number | null = null;

  constructor(private readonly now: () => number = Date.now, private readonly options: UnsecuredValidatorOptions = DEFAULT_VALIDATOR_OPTIONS) {}

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
    const claims = validateUnsecuredJws(auth[2]!, this.now(), this.options);
    if ('status' in claims) {
      // OAuthBearerSaslServer.jsonErrorResponse
      this.errorMessage = claims.scope === undefined ? `{"status":"${claims.status}"}` : `{"status":"${claims.status}", "scope":"${claims.scope}"}`;
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

export type ValidationFailure = { status: 'invalid_token' | 'insufficient_scope'; scope?: string; reason: string };

/**
 * OAuthBearerUnsecuredJws + OAuthBearerUnsecuredValidatorCallbackHandler's checks, in Kafka's order: the claims, or
 * why the token is refused (`reason` for tests and debugging; never sent, never logged with the token).
 */
export function validateUnsecuredJws(token: string, nowMs: number, options: UnsecuredValidatorOptions = DEFAULT_VALIDATOR_OPTIONS): { sub: string; exp: number } | ValidationFailure {
  const invalid = (reason: string): ValidationFailure => ({ status: 'invalid_token', reason });
  const parts = token.split('.');
  if (parts.length !== 3 || parts[2] !== '') return invalid('not an unsecured JWS (3 dot-separated sections, the last empty)');
  const json = (s: string): Record<string, unknown> | null => {
    try { const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown; return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null; } catch { return null; }
  };
  const header = json(parts[0]!);
  const payload = json(parts[1]!);
  if (!header || !payload || header.alg !== 'none') return invalid('header or payload is not a JSON object, or alg is not none');
  // the JWS itself (OAuthBearerUnsecuredJws' constructor): scope claim type, exp, the principal
  const scopeClaim = payload[options.scopeClaimName];
  let scope: string[];
  if (typeof scopeClaim === 'string') scope = scopeClaim.trim() === '' ? [] : [scopeClaim.trim()];
  else if (scopeClaim === undefined || scopeClaim === null) scope = [];
  else if (Array.isArray(scopeClaim) && scopeClaim.every((x) => typeof x === 'string')) scope = scopeClaim.filter((x) => x.trim() !== '').map((x) => x.trim());
  else return invalid(`The ${options.scopeClaimName} claim had the incorrect type`);
  const { exp, iat } = payload;
  if (exp === undefined || exp === null) return invalid('No expiration time in JWT');
  if (typeof exp !== 'number') return invalid('The exp claim had the incorrect type');
  const sub = payload[options.principalClaimName];
  if (sub !== undefined && sub !== null && typeof sub !== 'string') return invalid(`The ${options.principalClaimName} claim had the incorrect type`);
  if (typeof sub !== 'string' || sub.trim() === '') return invalid(`No principal name in JWT claim: ${options.principalClaimName}`);
  if (iat !== undefined && iat !== null && typeof iat !== 'number') return invalid('The iat claim had the incorrect type');
  const skew = options.allowableClockSkewMs;
  if (typeof iat === 'number' && 1000 * iat > nowMs + skew) return invalid('The Issued At value was after the indicated time plus allowable clock skew');
  if (nowMs - skew >= 1000 * exp) return invalid('The indicated time minus allowable clock skew was on or after the Expiration Time value');
  if (typeof iat === 'number' && exp <= iat) return invalid('The Expiration Time time was not after the Issued At time');
  for (const required of options.requiredScope) {
    if (!scope.includes(required)) return { status: 'insufficient_scope', scope: `[${options.requiredScope.join(', ')}]`, reason: `The provided scope was missing a required scope (${required})` };
  }
  return { sub, exp };
}
