import { describe, expect, it } from 'vitest';
import { KafkaConfig } from '../../../src/config/kafka-config.js';
import {
  buildEffectiveConfig, encodePasswordConfigs, isPasswordConfig,
} from '../../../src/services/config/dynamic-broker-config.js';

const STATIC = { 'zookeeper.connect': 'zk:2181', 'broker.id': '1', 'password.encoder.secret': 'enc-secret', 'password.encoder.iterations': '1024' };
const KEY = 'listener.name.ssl.ssl.key.password';

describe('dynamic password configs', () => {
  it('recognises password keys, also listener-prefixed', () => {
    expect(isPasswordConfig('ssl.key.password')).toBe(true);
    expect(isPasswordConfig(KEY)).toBe(true);
    expect(isPasswordConfig('ssl.keystore.location')).toBe(false);
    expect(isPasswordConfig('password.encoder.secret')).toBe(false);
  });

  it('are stored encrypted and decoded into the effective config', () => {
    const stored = encodePasswordConfigs({ [KEY]: 'pw', 'num.io.threads': '2' }, true, KafkaConfig.fromProps(STATIC));
    expect(stored[KEY]).not.toContain('pw,');
    expect(stored[KEY]).toMatch(/^keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES\/CBC\/PKCS5Padding,/);
    expect(stored['num.io.threads']).toBe('2');
    const { config, ignored } = buildEffectiveConfig(STATIC, {}, stored);
    expect(ignored).toEqual([]);
    expect(config.originals[KEY]).toBe('pw');
  });

  it('decode with password.encoder.old.secret after a secret rotation', () => {
    const stored = encodePasswordConfigs({ [KEY]: 'pw' }, true, KafkaConfig.fromProps(STATIC));
    const rotated = { ...STATIC, 'password.encoder.secret': 'new', 'password.encoder.old.secret': 'enc-secret' };
    expect(buildEffectiveConfig(rotated, {}, stored).config.originals[KEY]).toBe('pw');
  });

  it('are ignored, not fatal, when they cannot be decoded', () => {
    const stored = encodePasswordConfigs({ [KEY]: 'pw' }, true, KafkaConfig.fromProps(STATIC));
    const { config, ignored } = buildEffectiveConfig({ ...STATIC, 'password.encoder.secret': 'other' }, {}, stored);
    expect(config.originals[KEY]).toBeUndefined();
    expect(ignored[0]!.reason).toMatch(/^Dynamic password config listener.name.ssl.ssl.key.password could not be decoded, ignoring/);
    const noSecret = buildEffectiveConfig({ 'zookeeper.connect': 'zk:2181' }, {}, stored);
    expect(noSecret.ignored[0]!.reason).toMatch(/Password encoder secret not configured$/);
  });

  it('may only be written per broker, with a secret', () => {
    const config = KafkaConfig.fromProps(STATIC);
    expect(() => encodePasswordConfigs({ [KEY]: 'pw' }, false, config)).toThrow('Password config can be defined only at broker level');
    expect(() => encodePasswordConfigs({ [KEY]: 'pw' }, true, KafkaConfig.fromProps({ 'zookeeper.connect': 'zk:2181' })))
      .toThrow('Password encoder secret not configured');
  });
});
