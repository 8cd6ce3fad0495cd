/**
 * ZkAdminManager.describeUserScramCredentials / alterUserScramCredentials (KIP-554) over `/config/users/<sanitized
 * user>`: the SCRAM-SHA-256 / SCRAM-SHA-512 keys of the user's entity config hold ScramCredentialUtils strings
 * (`salt=…,stored_key=…,server_key=…,iterations=N`), beside any quota keys of the same user, which are kept. A write
 * replaces the whole entity config and adds the `/config/changes` notification `users/<sanitized>`, so every broker's
 * CredentialCache drops the user and the next SCRAM login reads the new credential (AdminZkClient.changeConfigs).
 *
 * Validation and the order and texts of the results are Kafka's: empty user → UNACCEPTABLE_CREDENTIAL "Username must
 * not be empty"; unknown mechanism → UNSUPPORTED_SASL_MECHANISM; iterations below the mechanism's minimum (4096) or
 * above 16384 → UNACCEPTABLE_CREDENTIAL; a user/mechanism pair twice → DUPLICATE_RESOURCE; deleting a credential
 * that does not exist → RESOURCE_NOT_FOUND. Describe: RESOURCE_NOT_FOUND for a named user without any credential,
 * DUPLICATE_RESOURCE for a user named twice; describing all users lists only those with a credential, sorted.
 * Differs from Kafka: nothing (the store is the ZooKeeper session; the salted password never reaches a log line).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { SCRAM_MECHANISMS, credentialFromSaltedPassword, formatScramCredential, parseScramCredential, type ScramMechanism } from './scram.js';

/** ScramMechanism.type: 1 = SCRAM-SHA-256, 2 = SCRAM-SHA-512 (0 = UNKNOWN). */
export const SCRAM_MECHANISM_TYPES: ReadonlyMap<number, ScramMechanism> = new Map([[1, SCRAM_MECHANISMS[0]!], [2, SCRAM_MECHANISMS[1]!]]);
const typeOf = (m: ScramMechanism): number => (m.mechanismName === 'SCRAM-SHA-256' ? 1 : 2);
const MAX_ITERATIONS = 16384;
const USERNAME_EMPTY = 'Username must not be empty';

/** The user entity configs (desanitized user names; the store sanitizes). */
export interface UserConfigStore {
  /** Every user that has an entity config. */
  users(): Promise<string[]>;
  read(user: string): Promise<Record<string, string>>;
  /** Replaces the user's entity config and notifies the brokers. */
  write(user: string, config: Record<string, string>): Promise<void>;
}

export interface DescribeResult { user: string; errorCode: number; errorMessage: string | null; credentialInfos: Array<{ mechanism: number; iterations: number }> }
export interface AlterResult { user: string; errorCode: number; errorMessage: string | null }
export interface Upsertion { name: string; mechanism: number; iterations: number; salt: Uint8Array; saltedPassword: Uint8Array }
export interface Deletion { name: string; mechanism: number }

const errorMessageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

function describeOne(user: string, config: Record<string, string>, explicit: boolean): DescribeResult | null {
  const present = SCRAM_MECHANISMS.filter((m) => config[m.mechanismName] !== undefined);
  if (present.length === 0) {
    return explicit ? { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] } : null;
  }
  try {
    return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: present.map((m) => ({ mechanism: typeOf(m), iterations: parseScramCredential(config[m.mechanismName]!).iterations })) };
  } catch (e) {
    return { user, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: errorMessageOf(e), credentialInfos: [] };
  }
}

/** ZkAdminManager.describeUserScramCredentials; `users` null or empty = every user with a credential. */
export async function describeUserScramCredentials(store: UserConfigStore, users: string[] | null): Promise<{ errorCode: number; errorMessage: string | null; results: DescribeResult[] }> {
  try {
    if (users === null || users.length === 0) {
      const results: DescribeResult[] = [];
      for (const user of [...await store.users()].sort()) {
        const r = describeOne(user, await store.read(user), false);
        if (r) results.push(r);
      }
      return { errorCode: ErrorCode.NONE, errorMessage: null, results };
    }
    const byUser = new Map<string, DescribeResult>();
    const counts = new Map<string, number>();
    for (const u of users) counts.set(u, (counts.get(u) ?? 0) + 1);
    for (const user of new Set(users)) {
      if (user === '') byUser.set(user, { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: USERNAME_EMPTY, credentialInfos: [] });
      else if (counts.get(user)! > 1) byUser.set(user, { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] });
      else {
        try { byUser.set(user, describeOne(user, await store.read(user), true)!); } catch (e) {
          byUser.set(user, { user, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: errorMessageOf(e), credentialInfos: [] });
        }
      }
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, results: [...byUser.values()] };
  } catch (e) {
    return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: errorMessageOf(e), results: [] };
  }
}

/** ZkAdminManager.alterUserScramCredentials: one result per user touched. */
export async function alterUserScramCredentials(store: UserConfigStore, upsertions: readonly Upsertion[], deletions: readonly Deletion[]): Promise<AlterResult[]> {
  const results: AlterResult[] = [];
  // 1. illegal requests, one message per user (the upsertion's reason wins over the deletion's, as Kafka's map ++)
  const illegal = new Map<string, string>();
  for (const d of deletions) {
    if (d.name === '') illegal.set(d.name, USERNAME_EMPTY);
    else if (!SCRAM_MECHANISM_TYPES.has(d.mechanism)) illegal.set(d.name, 'Unknown SCRAM mechanism');
  }
  for (const u of upsertions) {
    const m = SCRAM_MECHANISM_TYPES.get(u.mechanism);
    if (u.name === '') illegal.set(u.name, USERNAME_EMPTY);
    else if (!m) illegal.set(u.name, 'Unknown SCRAM mechanism');
    else if (u.iterations > MAX_ITERATIONS) illegal.set(u.name, 'Too many iterations');
    else if (u.iterations < m.minIterations) illegal.set(u.name, 'Too few iterations');
  }
  for (const [user, msg] of illegal) {
    results.push({ user, errorCode: msg === 'Unknown SCRAM mechanism' ? ErrorCode.UNSUPPORTED_SASL_MECHANISM : ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: msg });
  }
  // 2. a user/mechanism pair twice
  const pairs = [...upsertions, ...deletions].filter((x) => !illegal.has(x.name)).map((x) => `${x.mechanism}\u0000${x.name}`);
  const seen = new Set<string>();
  const duplicated = new Set<string>();
  for (const p of pairs) { if (seen.has(p)) duplicated.add(p.slice(p.indexOf('\u0000') + 1)); seen.add(p); }
  for (const user of duplicated) results.push({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'A user credential cannot be altered twice in the same request' });
  const candidates = [...new Set([...upsertions, ...deletions].map((x) => x.name))].filter((u) => !illegal.has(u) && !duplicated.has(u));
  // 3. read each user's config; deleting a credential that is not there fails the user
  const configs = new Map<string, Record<string, string>>();
  const failed = new Map<string, AlterResult>();
  for (const user of candidates) {
    try { configs.set(user, { ...await store.read(user) }); } catch (e) { failed.set(user, { user, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: errorMessageOf(e) }); }
  }
  const missingDeletion = new Set(deletions.filter((d) => configs.has(d.name) && configs.get(d.name)![SCRAM_MECHANISM_TYPES.get(d.mechanism)!.mechanismName] === undefined).map((d) => d.name));
  for (const user of missingDeletion) results.push({ user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' });
  // 4. apply and persist
  const toAlter = candidates.filter((u) => configs.has(u) && !missingDeletion.has(u));
  for (const user of toAlter) {
    const config = configs.get(user)!;
    try {
      for (const d of deletions) if (d.name === user) delete config[SCRAM_MECHANISM_TYPES.get(d.mechanism)!.mechanismName];
      for (const u of upsertions) {
        if (u.name !== user) continue;
        const m = SCRAM_MECHANISM_TYPES.get(u.mechanism)!;
        config[m.mechanismName] = formatScramCredential(credentialFromSaltedPassword(m, Buffer.from(u.saltedPassword), Buffer.from(u.salt), u.iterations));
      }
      await store.write(user, config);
    } catch (e) {
      failed.set(user, { user, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: errorMessageOf(e) });
    }
  }
  results.push(...failed.values());
  for (const user of toAlter) if (!failed.has(user)) results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null });
  return results;
}
