import { describe, expect, it } from 'vitest';
import { ConfigException } from '../../../src/config/config-exception.js';
import { decodePassword, encodePassword } from '../../../src/services/config/password-encoder.js';

// Produced by a JDK 17 program using javax.crypto the way Kafka's EncryptingPasswordEncoder does
// (PBKDF2WithHmacSHA512, 4096 iterations, 128-bit key, secret "kafka-secret").
const JAVA_CBC = 'keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/CBC/PKCS5Padding,keyLength:128,salt:YkIv/1IHppki892sFtWjt6TstBLqqk7gDepBtrEXVC3pBPsGQE8SMo4rsXCrdY+EpX0EpTn2iiPF6k3HLQT4Q9sSFnszy+qQ5z9zl3lOpz4lU36SlDMdcClCrT14S9RN7ZLteuHUDeYhuVn84UHGg8tEk7XHj4qGpaNmobgIbyZpkI0HbkMpkd63MeUQQy1JnIjiBE/riLu0NiTe0OjivjmwruvGxfr1XDiNZpSIlK2KOK4F4Tpj5ahDmV7L7Hltsdj0UKaO1vWLkd2irwdXCfVhhVJSYvYLIwEqXAIJft5sIKINtpfBoKuQlSZ6UDo8qYbR/UGw7krIXtQmS4sr5w==,iterations:4096,encryptedPassword:aA8I6z3kUwC0KGj/jS7Ehw==,passwordLength:7,initializationVector:NlObmIT7ze0mgirQvu76wA==';
const JAVA_GCM = 'keyFactoryAlgorithm:PBKDF2WithHmacSHA512,cipherAlgorithm:AES/GCM/NoPadding,keyLength:128,salt:7LXGHkNwJFyLdG4YnmCUL0fmqS2dp8uBTNwONyaeE2PXQ5pdWCxRkhXTDUqyTsXtN+gPlqVdWCuweVzemI4otUWsbsHAkIapcyPfvwFwWzfVnKZVND59rchTN3pPbE9KrvhNOzh5Rus4F3h7QaYQ9i05LeBESOJoVoU9KNzq4eygK9+ikPYYnZQrqGrwFi9b1OwuNqJ+AOJb+Hsy0GpTDON8f0m5Pq8WjbF5PT9D5sf86Q9ncm2KSbQUNeeXI2RYX/HvvlzRSozgMlAHzme2qSWtWf3WUqrhI2xLt3tx6Rw0Ph8cnvCkXnzfhoVlUxqLLZ4xiwdz/C4Uwtg+Zcx0wg==,iterations:4096,encryptedPassword:+JJcUzqA1jum8XWfKVp1iH6S8V8he6jK,passwordLength:8,initializationVector:xuprduacz5Bc1t5n,authenticationTagLength:128';

const SETTINGS = { secret: 's3', keyFactoryAlgorithm: null, cipherAlgorithm: 'AES/CBC/PKCS5Padding', keyLength: 128, iterations: 1024 };

describe('password encoder (Kafka-compatible)', () => {
  it('decodes values encrypted by Java (CBC and GCM)', () => {
    expect(decodePassword(JAVA_CBC, 'kafka-secret')).toBe('ks-p@ss');
    expect(decodePassword(JAVA_GCM, 'kafka-secret')).toBe('gcm-pass');
  });

  it('fails with a ConfigException under the wrong secret', () => {
    expect(() => decodePassword(JAVA_CBC, 'wrong')).toThrow(ConfigException);
  });

  it('round-trips with fresh salt and IV every time', () => {
    for (const cipherAlgorithm of ['AES/CBC/PKCS5Padding', 'AES/GCM/NoPadding']) {
      const a = encodePassword('päss:wörd,1', { ...SETTINGS, cipherAlgorithm });
      const b = encodePassword('päss:wörd,1', { ...SETTINGS, cipherAlgorithm });
      expect(a).not.toBe(b);
      expect(a).toContain(`cipherAlgorithm:${cipherAlgorithm}`);
      expect(a).toContain('keyFactoryAlgorithm:PBKDF2WithHmacSHA512');
      expect(decodePassword(a, 's3')).toBe('päss:wörd,1');
    }
  });
});
