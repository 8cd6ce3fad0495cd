import { describe, expect, it } from 'vitest';
import { parseConfigsToBeAdded } from '../../src/commands/configs.js';

describe('rafka configs --add-config (Kafka ConfigCommand.parseConfigsToBeAdded)', () => {
  it('commas inside square brackets stay in the value; the brackets go; empty values are kept', () => {
    expect(parseConfigsToBeAdded('listeners=[PLAINTEXT://:9092,EXTRA://127.0.0.1:9093],log.retention.ms = 5, ssl.endpoint.identification.algorithm=')).toEqual([
      ['listeners', 'PLAINTEXT://:9092,EXTRA://127.0.0.1:9093'], ['log.retention.ms', '5'], ['ssl.endpoint.identification.algorithm', ''],
    ]);
    expect(parseConfigsToBeAdded('num.replica.fetchers=2')).toEqual([['num.replica.fetchers', '2']]);
    expect(parseConfigsToBeAdded('')).toEqual([]);
    expect(() => parseConfigsToBeAdded('a=b=c')).toThrow(/expected KEY=VALUE/);
    expect(() => parseConfigsToBeAdded('novalue')).toThrow(/expected KEY=VALUE/);
  });
});
