import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { ConfigException } from '../../config/config-exception.js';

/**
 * Kafka's EncryptingPasswordEncoder, wire-compatible: dynamic password configs are stored in ZooKeeper as
 * "key:value,..." maps holding the PBKDF2 parameters, the salt, the IV and the base64 ciphertext.
 */
export interface PasswordEncoderSettings {
  secret: string;
  keyFactoryAlgorithm: string | null;
  cipherAlgorithm: string;
  keyLength: number;
  iterations: number;
}

const DEFAULT_KEY_FACTORY = 'PBKDF2WithHmacSHA512';
const PBKDF2_DIGESTS: Record<string, string> = { PBKDF2WithHmacSHA512: 'sha512', PBKDF2WithHmacSHA256: 'sha256', PBKDF2WithHmacSHA1: 'sha1' };
const GCM_TAG_BITS = 128;

function nodeCipher(cipherAlgorithm: string, keyLength: number): { name: string; gcm: boolean } {
  const m = /^AES\/(CBC|GCM)\/(PKCS5Padding|NoPadding)$/.exec(cipherAlgorithm);
  if (!m) throw new ConfigException(`Unsupported password encoder cipher ${cipherAlgorithm}`);
  return { name: `aes-${keyLength}-${m[1]!.toLowerCase()}`, gcm: m[1] === 'GCM' };
}

function deriveKey(secret: string, keyFactoryAlgorithm: string, salt: Buffer, iterations: number, keyLength: number): Buffer {
  const digest = PBKDF2_DIGESTS[keyFactoryAlgorithm];
  if (digest === undefined) throw new ConfigException(`Unsupported password encoder key factory ${keyFactoryAlgorithm}`);
  return pbkdf2Sync(Buffer.from(secret, 'utf8'), salt, iterations, keyLength / 8, digest);
}

export function encodePassword(password: string, s: PasswordEncoderSettings): string {
  const keyFactoryAlgorithm = s.keyFactoryAlgorithm ?? DEFAULT_KEY_FACTORY;
  const salt = randomBytes(256);
  const cipher = nodeCipher(s.cipherAlgorithm, s.keyLength);
  const iv = randomBytes(cipher.gcm ? 12 : 16);
  const enc = createCipheriv(cipher.name, deriveKey(s.secret, keyFactoryAlgorithm, salt, s.iterations, s.keyLength), iv);
  let encrypted = Buffer.concat([enc.update(password, 'utf8'), enc.final()]);
  // Java's GCM appends the authentication tag to the ciphertext.
  if (cipher.gcm) encrypted = Buffer.concat([encrypted, (enc as unknown as { getAuthTag(): Buffer }).getAuthTag()]);
  const fields: Record<string, string> = {
    keyFactoryAlgorithm, cipherAlgorithm: s.cipherAlgorithm, keyLength: String(s.keyLength),
    salt: salt.toString('base64'), iterations: String(s.iterations), encryptedPassword: encrypted.toString('base64'),
    passwordLength: String(password.length), initializationVector: iv.toString('base64'),
  };
  if (cipher.gcm) fields['authenticationTagLength'] = String(GCM_TAG_BITS);
  return Object.entries(fields).map(([k, v]) => `${k}:${v}`).join(',');
}

/** Csv.parseCsvMap: "k:v,k:v" (the value may not contain ',' — base64 never does). */
function parseCsvMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of text.trim().split(/\s*,\s*/)) {
    const i = entry.indexOf(':');
    if (i > 0) map[entry.slice(0, i).trim()] = entry.slice(i + 1).trim();
  }
  return map;
}

/** Decodes with the parameters stored alongside the ciphertext; only the secret comes from the broker. */
export function decodePassword(encoded: string, secret: string): string {
  const p = parseCsvMap(encoded);
  try {
    const keyLength = Number(p['keyLength']);
    const cipher = nodeCipher(p['cipherAlgorithm'] ?? '', keyLength);
    const key = deriveKey(secret, p['keyFactoryAlgorithm'] ?? DEFAULT_KEY_FACTORY, Buffer.from(p['salt'] ?? '', 'base64'),
      Number(p['iterations']), keyLength);
    let data = Buffer.from(p['encryptedPassword'] ?? '', 'base64');
    const dec = createDecipheriv(cipher.name, key, Buffer.from(p['initializationVector'] ?? '', 'base64'));
    if (cipher.gcm) {
      const tagBytes = Number(p['authenticationTagLength']) / 8;
      (dec as unknown as { setAuthTag(t: Buffer): void }).setAuthTag(data.subarray(data.length - tagBytes));
      data = data.subarray(0, data.length - tagBytes);
    }
    const password = Buffer.concat([dec.update(data), dec.final()]).toString('utf8');
    if (password.length !== Number(p['passwordLength'])) {
      throw new ConfigException('Password could not be decoded, sanity check of length failed');
    }
    return password;
  } catch (e) {
    if (e instanceof ConfigException) throw e;
    throw new ConfigException('Password could not be decoded');
  }
}
