import { BROKER_CONFIG_DEFS } from '../../config/config-def.js';
import { ConfigException, type KafkaConfig } from '../../config/kafka-config.js';
import { decodePassword, encodePassword } from './password-encoder.js';

/** Dynamic password configs (also when listener-prefixed) are stored encrypted with password.encoder.secret. */
const DYNAMIC_PASSWORD_CONFIGS = BROKER_CONFIG_DEFS.filter((k) => k.type === 'password' && k.dynamic !== 'read-only').map((k) => k.name);
export const isPasswordConfig = (name: string): boolean => DYNAMIC_PASSWORD_CONFIGS.some((p) => name.endsWith(p));

/** Decrypt a stored password with password.encoder.secret, falling back to password.encoder.old.secret. */
export function decodeStoredPassword(key: string, value: string, staticConfig: KafkaConfig): string {
  const secrets = [staticConfig.getPassword('password.encoder.secret'), staticConfig.getPassword('password.encoder.old.secret')]
    .filter((s): s is string => s !== null);
  if (secrets.length === 0) {
    throw new ConfigException(`Dynamic password config ${key} could not be decoded, ignoring: Password encoder secret not configured`);
  }
  let error: unknown;
  for (const secret of secrets) {
    try {
      return decodePassword(value, secret);
    } catch (e) {
      error = e;
    }
  }
  throw new ConfigException(`Dynamic password config ${key} could not be decoded, ignoring: ${(error as Error).message}`);
}

/**
 * DynamicBrokerConfig.toPersistentProps: encrypt password configs before they are written to ZooKeeper.
 * Passwords may only be stored per broker, and need password.encoder.secret in the static config.
 */
export function encodePasswordConfigs(
  props: Record<string, string>,
  perBrokerConfig: boolean,
  staticConfig: KafkaConfig,
): Record<string, string> {
  const out = { ...props };
  for (const [key, value] of Object.entries(props)) {
    if (!isPasswordConfig(key)) continue;
    if (!perBrokerConfig) throw new ConfigException('Password config can be defined only at broker level');
    const secret = staticConfig.getPassword('password.encoder.secret');
    if (secret === null) throw new ConfigException('Password encoder secret not configured');
    out[key] = encodePassword(value, {
      secret,
      keyFactoryAlgorithm: staticConfig.getString('password.encoder.keyfactory.algorithm'),
      cipherAlgorithm: staticConfig.getString('password.encoder.cipher.algorithm')!,
      keyLength: staticConfig.getInt('password.encoder.key.length'),
      iterations: staticConfig.getInt('password.encoder.iterations'),
    });
  }
  return out;
}
