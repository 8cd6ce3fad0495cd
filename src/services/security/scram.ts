/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka's ScramSaslServer, ScramFormatter, ScramMessages and
 * ScramCredentialUtils: the salted credential kept in ZooKeeper (`/config/users/<user>` key `SCRAM-SHA-512`, value
 * `salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>`), and the server side of the exchange.
 *
 * Failures throw Kafka's exceptions with Kafka's messages: {@link SaslAuthenticationError} (sent to the client) for
 * an authorization id other than the user, {@link SaslError} (client sees a generic message) for an unknown user,
 * a wrong proof or too few iterations. As Kafka (ScramSaslServer), the client-final nonce and channel binding are not
 * compared with the server-first ones: only the proof over the AuthMessage as the client sent it counts (librdkafka
 * repeats its client nonce before the combined nonce, and Kafka accepts it).
 * Differs from Kafka: no delegation-token extension (`tokenauth=true` is refused).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** Kafka's SaslAuthenticationException: its message is sent to the client. */
export class SaslAuthenticationError extends Error { override name = 'SaslAuthenticationError'; }
/**
 * Kafka's plain SaslException: the client gets only the generic "Authentication failed during authentication due to
 * invalid credentials with SASL mechanism X" (so an unknown user and a wrong password look the same); the message is
 * for the broker's log.
 */
export class SaslError extends Error { override name = 'SaslError'; }

export interface ScramMechanism { readonly mechanismName: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; readonly hash: 'sha256' | 'sha512'; readonly keyLength: number; readonly minIterations: number; readonly maxIterations: number }

export const SCRAM_SHA_256: ScramMechanism = Object.freeze({ mechanismName: 'SCRAM-SHA-256', hash: 'sha256', keyLength: 32, minIterations: 4096, maxIterations: 16384 });
export const SCRAM_SHA_512: ScramMechanism = Object.freeze({ mechanismName: 'SCRAM-SHA-512', hash: 'sha512', keyLength: 64, minIterations: 4096, maxIterations: 16384 });
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = [SCRAM_SHA_256, SCRAM_SHA_512];
export const scramMechanism = (name: string): ScramMechanism | undefined => SCRAM_MECHANISMS.find((m) => m.mechanismName === name);

export interface ScramCredential { salt: Buffer; storedKey: Buffer; serverKey: Buffer; iterations: number }

const hmac = (m: ScramMechanism, key: Buffer, data: Buffer | string) => createHmac(m.hash, key).update(data).digest();
const hash = (m: ScramMechanism, data: Buffer) => createHash(m.hash).update(data).digest();
const xor = (a: Buffer, b: Buffer) => { const out = Buffer.alloc(a.length); for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!; return out; };

/** Hi(password, salt, i) of RFC 5802 = PBKDF2 with the mechanism's HMAC. */
export function saltedPassword(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, m.keyLength, m.hash);
}

/** ScramFormatter.generateCredential from a salted password (what AlterUserScramCredentials sends). */
export function credentialFromSaltedPassword(m: ScramMechanism, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(m, salted, 'Client Key');
  return { salt, storedKey: hash(m, clientKey), serverKey: hmac(m, salted, 'Server Key'), iterations };
}

export function credentialFromPassword(m: ScramMechanism, password: string, iterations = 4096, salt: Buffer = randomBytes(24)): ScramCredential {
  return credentialFromSaltedPassword(m, saltedPassword(m, password, salt, iterations), salt, iterations);
}

/** ScramCredentialUtils.credentialToString: the value stored under the mechanism's key in /config/users/<user>. */
export function formatScramCredential(c: ScramCredential): string {
  return `salt=${c.salt.toString('base64')},stored_key=${c.storedKey.toString('base64')},server_key=${c.serverKey.toString('base64')},iterations=${c.iterations}`;
}

/** ScramCredentialUtils.credentialFromString: exactly the four keys, else an error naming what is wrong. */
export function parseScramCredential(s: string): ScramCredential {
  const props = new Map<string, string>();
  for (const part of s.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`Credentials not valid: malformed entry '${part}'`);
    props.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const keys = ['salt', 'stored_key', 'server_key', 'iterations'];
  if (props.size !== 4 || !keys.every((k) => props.has(k))) throw new Error(`Credentials not valid: expected exactly the keys ${keys.join(', ')}`);
  const iterations = Number(props.get('iterations'));
  if (!Number.isInteger(iterations) || iterations <= 0) throw new Error('Credentials not valid: iterations is not a positive integer');
  return { salt: Buffer.from(props.get('salt')!, 'base64'), storedKey: Buffer.from(props.get('stored_key')!, 'base64'), serverKey: Buffer.from(props.get('server_key')!, 'base64'), iterations };
}

/** ScramFormatter.username: `=2C` → `,`, `=3D` → `=`; any other `=` escape is invalid. */
export function saslNameToUsername(saslName: string): string {
  if (/=(?!2C|3D)/.test(saslName)) throw new SaslAuthenticationError('Authentication failed: Invalid username format');
  return saslName.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

const VALUE_SAFE = '[\\x01-\\x2b\\x2d-\\x7f]+';
const CLIENT_FIRST = new RegExp(`^n,(a=(?<authzid>${VALUE_SAFE}))?,(?<bare>n=(?<saslname>${VALUE_SAFE}),r=(?<nonce>[\\x21-\\x2b\\x2d-\\x7e]+)(?<extensions>(,[a-zA-Z]+=[\\x01-\\x2b\\x2d-\\x7f]*)*))$`, 's');
const CLIENT_FINAL = new RegExp(`^(?<without>c=(?<channel>[a-zA-Z0-9+/=]+),r=(?<nonce>[\\x21-\\x2b\\x2d-\\x7e]+)(,[a-zA-Z]+=[\\x01-\\x2b\\x2d-\\x7f]*)*),p=(?<proof>[a-zA-Z0-9+/=]+)$`, 's');

/** Looks up a user's credential for a mechanism (null: unknown user or no credential of that mechanism). */
export type CredentialLookup = (user: string, m: ScramMechanism) => Promise<ScramCredential | null>;

/** ScramSaslServer: client-first → server-first → client-final → server-final. */
export class ScramSaslServer {
  private state: 'clientFirst' | 'clientFinal' | 'complete' | 'failed' = 'clientFirst';
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private credential: ScramCredential | null = null;
  private user = '';

  constructor(readonly mechanism: ScramMechanism, private readonly lookup: CredentialLookup,
    private readonly serverNonce: () => string = () => randomBytes(18).toString('base64').replace(/[^a-zA-Z0-9]/g, 'x')) {}

  get isComplete(): boolean { return this.state === 'complete'; }
  get authorizationId(): string { return this.user; }

  async evaluateResponse(token: Buffer): Promise<Buffer> {
    try {
      const text = token.toString('utf8');
      switch (this.state) {
        case 'clientFirst': return await this.clientFirst(text);
        case 'clientFinal': return this.clientFinal(text);
        default: throw new SaslAuthenticationError(`Unexpected SCRAM message in state ${this.state}`);
      }
    } catch (e) {
      this.state = 'failed';
      throw e;
    }
  }

  private async clientFirst(text: string): Promise<Buffer> {
    const m = CLIENT_FIRST.exec(text);
    if (!m?.groups) throw new SaslError('Invalid SCRAM client first message format');
    const g = m.groups;
    if (g.extensions && /(^|,)tokenauth=/.test(g.extensions)) throw new SaslAuthenticationError('Authentication failed: delegation tokens are not supported');
    this.user = saslNameToUsername(g.saslname!);
    if (g.authzid !== undefined && g.authzid !== '' && saslNameToUsername(g.authzid) !== this.user) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    const credential = await this.lookup(this.user, this.mechanism);
    if (!credential) throw new SaslError('Authentication failed: Invalid user credentials');
    if (credential.iterations < this.mechanism.minIterations) {
      throw new SaslError(`Iterations ${credential.iterations} is less than the minimum ${this.mechanism.minIterations} for ${this.mechanism.mechanismName}`);
    }
    this.credential = credential;
    this.clientFirstBare = g.bare!;
    this.nonce = g.nonce! + this.serverNonce();
    this.serverFirst = `r=${this.nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.state = 'clientFinal';
    return Buffer.from(this.serverFirst, 'utf8');
  }

  private clientFinal(text: string): Buffer {
    const m = CLIENT_FINAL.exec(text);
    if (!m?.groups) throw new SaslError('Invalid SCRAM client final message format');
    const g = m.groups;
    const c = this.credential!;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${g.without}`;
    const proof = Buffer.from(g.proof!, 'base64');
    const clientSignature = hmac(this.mechanism, c.storedKey, authMessage);
    if (proof.length !== clientSignature.length) throw new SaslError('Invalid client credentials');
    const computedStoredKey = hash(this.mechanism, xor(proof, clientSignature));
    if (computedStoredKey.length !== c.storedKey.length || !timingSafeEqual(computedStoredKey, c.storedKey)) {
      throw new SaslError('Invalid client credentials');
    }
    this.state = 'complete';
    return Buffer.from(`v=${hmac(this.mechanism, c.serverKey, authMessage).toString('base64')}`, 'utf8');
  }
}

/** The client side (tests, and the broker's own inter-broker logins). */
export class ScramSaslClient {
  private readonly clientNonce = randomBytes(18).toString('base64').replace(/[^a-zA-Z0-9]/g, 'y');
  private clientFirstBare = '';
  private expectedServerSignature: Buffer | null = null;

  constructor(readonly mechanism: ScramMechanism, private readonly username: string, private readonly password: string) {}

  firstMessage(): Buffer {
    const saslName = this.username.replace(/=/g, '=3D').replace(/,/g, '=2C');
    this.clientFirstBare = `n=${saslName},r=${this.clientNonce}`;
    return Buffer.from(`n,,${this.clientFirstBare}`, 'utf8');
  }

  finalMessage(serverFirst: Buffer): Buffer {
    const text = serverFirst.toString('utf8');
    const m = /^r=([^,]+),s=([^,]+),i=(\d+)/.exec(text);
    if (!m || !m[1]!.startsWith(this.clientNonce)) throw new Error('Invalid server first message');
    const salted = saltedPassword(this.mechanism, this.password, Buffer.from(m[2]!, 'base64'), Number(m[3]));
    const clientKey = hmac(this.mechanism, salted, 'Client Key');
    const storedKey = hash(this.mechanism, clientKey);
    const without = `c=biws,r=${m[1]}`;
    const authMessage = `${this.clientFirstBare},${text},${without}`;
    this.expectedServerSignature = hmac(this.mechanism, hmac(this.mechanism, salted, 'Server Key'), authMessage);
    const proof = xor(clientKey, hmac(this.mechanism, storedKey, authMessage));
    return Buffer.from(`${without},p=${proof.toString('base64')}`, 'utf8');
  }

  verifyServerFinal(serverFinal: Buffer): void {
    const text = serverFinal.toString('utf8');
    if (text.startsWith('e=')) throw new Error(`SCRAM server error: ${text.slice(2)}`);
    if (!this.expectedServerSignature || text !== `v=${this.expectedServerSignature.toString('base64')}`) throw new Error('Invalid server signature');
  }
}
