/**
 * SASL/PLAIN server as Kafka's PlainSaslServer + PlainServerCallbackHandler: the client sends
 * `[authzid] NUL authcid NUL password`; the user is accepted iff the JAAS option `user_<authcid>` equals the password.
 * Users come from `listener.name.<l>.plain.sasl.jaas.config` (jaas-config.ts). Failures throw
 * SaslAuthenticationError with Kafka's messages; the password never appears in one.
 */
import { timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationError } from './scram.js';

export class PlainSaslServer {
  private complete = false;
  private user = '';

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  get isComplete(): boolean { return this.complete; }
  get authorizationId(): string { return this.user; }

  async evaluateResponse(token: Buffer): Promise<Buffer> {
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`);
    const [authzid, username, password] = parts as [string, string, string];
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    const expected = this.users.get(username);
    const a = Buffer.from(password, 'utf8');
    const b = Buffer.from(expected ?? '', 'utf8');
    if (expected === undefined || a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new SaslAuthenticationError('Authentication failed: Invalid username or password');
    }
    if (authzid !== '' && authzid !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    this.user = username;
    this.complete = true;
    return Buffer.alloc(0);
  }
}
