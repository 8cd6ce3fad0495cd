/**
 * Describe/AlterUserScramCredentials (ZkAdminManager's logic) over an in-memory /config/users: Kafka's validation
 * errors and texts, quota keys kept beside the credential, deletion, describe-all sorted; an upserted credential (salt
 * + salted password as the client sends them) lets a SCRAM login with the password succeed; the handlers' NOT_CONTROLLER
 * and error responses.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { alterUserScramCredentials, describeUserScramCredentials, type UserConfigStore } from '../../../src/services/security/user-scram-admin.js';
import { SCRAM_SHA_256, SCRAM_SHA_512, ScramSaslClient, ScramSaslServer, parseScramCredential, saltedPassword } from '../../../src/services/security/scram.js';
import { alterUserScramCredentialsHandler, describeUserScramCredentialsHandler } from '../../../src/services/server/handlers/user-scram-credentials.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

function memoryStore(initial: Record<string, Record<string, string>> = {}): UserConfigStore & { data: Record<string, Record<string, string>>; writes: string[] } {
  const data = structuredClone(initial);
  const writes: string[] = [];
  return {
    data, writes,
    users: async () => Object.keys(data),
    read: async (u) => ({ ...(data[u] ?? {}) }),
    write: async (u, c) => { data[u] = { ...c }; writes.push(u); },
  };
}

const upsert = (name: string, mechanism: number, password: string, iterations = 4096) => {
  const salt = randomBytes(16);
  const m = mechanism === 1 ? SCRAM_SHA_256 : SCRAM_SHA_512;
  return { name, mechanism, iterations, salt, saltedPassword: mechanism === 1 || mechanism === 2 ? saltedPassword(m, password, salt, Math.max(1, Math.min(iterations, 8192))) : Buffer.alloc(32) };
};

describe('AlterUserScramCredentials / DescribeUserScramCredentials (ZkAdminManager)', () => {
  it('an upserted credential is stored in Kafka\'s format beside quota keys, and a SCRAM login with the password succeeds', async () => {
    const store = memoryStore({ carol: { producer_byte_rate: '1024' } });
    const results = await alterUserScramCredentials(store, [upsert('carol', 2, 'c-secret', 8192), upsert('dave', 1, 'd-secret')], []);
    expect(results).toEqual([{ user: 'carol', errorCode: 0, errorMessage: null }, { user: 'dave', errorCode: 0, errorMessage: null }]);
    expect(store.data.carol!.producer_byte_rate).toBe('1024');
    expect(store.data.carol!['SCRAM-SHA-512']).toMatch(/^salt=[A-Za-z0-9+/=]+,stored_key=[A-Za-z0-9+/=]+,server_key=[A-Za-z0-9+/=]+,iterations=8192$/);
    const login = async (user: string, password: string) => {
      const c = new ScramSaslClient(SCRAM_SHA_512, user, password);
      const s = new ScramSaslServer(SCRAM_SHA_512, async (u) => (store.data[u]?.['SCRAM-SHA-512'] ? parseScramCredential(store.data[u]!['SCRAM-SHA-512']!) : null));
      c.verifyServerFinal(await s.evaluateResponse(c.finalMessage(await s.evaluateResponse(c.firstMessage()))));
      return s.authorizationId;
    };
    expect(await login('carol', 'c-secret')).toBe('carol');
    await expect(login('carol', 'wrong')).rejects.toThrow(/Invalid client credentials/);
    const described = await describeUserScramCredentials(store, null);
    expect(described).toEqual({ errorCode: 0, errorMessage: null, results: [
      { user: 'carol', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 8192 }] },
      { user: 'dave', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }] },
    ] });
    // deletion: the credential goes, the quota stays
    expect(await alterUserScramCredentials(store, [], [{ name: 'carol', mechanism: 2 }])).toEqual([{ user: 'carol', errorCode: 0, errorMessage: null }]);
    expect(store.data.carol).toEqual({ producer_byte_rate: '1024' });
    expect((await describeUserScramCredentials(store, [])).results.map((r) => r.user)).toEqual(['dave']);
  });

  it('Kafka\'s errors: empty user, unknown mechanism, iterations, duplicates, deleting a missing credential, describing an unknown user', async () => {
    const store = memoryStore({ erin: { 'SCRAM-SHA-256': 'salt=c2FsdA==,stored_key=c3Q=,server_key=c2s=,iterations=4096' } });
    const results = await alterUserScramCredentials(store, [
      upsert('', 1, 'x'), upsert('u1', 7, 'x'), upsert('u2', 1, 'x', 100), upsert('u3', 2, 'x', 20000), upsert('u4', 1, 'x'), upsert('u4', 1, 'y'),
    ], [{ name: 'u5', mechanism: 2 }, { name: 'erin', mechanism: 1 }]);
    expect(results).toEqual([
      { user: '', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Username must not be empty' },
      { user: 'u1', errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: 'Unknown SCRAM mechanism' },
      { user: 'u2', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' },
      { user: 'u3', errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too many iterations' },
      { user: 'u4', errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'A user credential cannot be altered twice in the same request' },
      { user: 'u5', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' },
      { user: 'erin', errorCode: 0, errorMessage: null },
    ]);
    expect(store.writes).toEqual(['erin']);
    const d = await describeUserScramCredentials(store, ['nobody', 'x', 'x', '']);
    expect(d.results.map((r) => [r.user, r.errorCode])).toEqual([['nobody', ErrorCode.RESOURCE_NOT_FOUND], ['x', ErrorCode.DUPLICATE_RESOURCE], ['', ErrorCode.RESOURCE_NOT_FOUND]]);
    expect(d.results[0]!.errorMessage).toBe('Attempt to describe a user credential that does not exist: nobody');
  });

  it('handlers: Alter off the controller is NOT_CONTROLLER; error responses as Kafka\'s getErrorResponse', async () => {
    const ctx = { metadata: { controllerId: () => 2, brokerId: 1 } } as never;
    const alter = alterUserScramCredentialsHandler();
    const body = { deletions: [{ name: 'z', mechanism: 1 }], upsertions: [upsert('a', 1, 'p')] };
    expect(await alter.handle({ apiKey: 51, apiVersion: 0, body } as never, { broker: ctx, conn: {} as never })).toEqual({
      throttleTimeMs: 0, results: [{ user: 'a', errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null }, { user: 'z', errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null }] });
    const describeH = describeUserScramCredentialsHandler();
    expect(describeH.errorResponse({ body: { users: [{ name: 'a' }] } } as never, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null)).toEqual({
      throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, results: [{ user: '', errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, credentialInfos: [] }] });
  });
});
