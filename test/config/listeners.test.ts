import { describe, expect, it } from 'vitest';
import { ConfigException, KafkaConfig } from '../../src/config/kafka-config.js';

const build = (props: Record<string, string>) => KafkaConfig.fromProps({ 'zookeeper.connect': 'zk:2181', ...props });

describe('listeners', () => {
  it('defaults to PLAINTEXT://:9092 (empty host = default interface)', () => {
    expect(build({}).listeners).toEqual([{ listenerName: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  });

  it('parses a comma list with hostnames, IPv4 and bracketed IPv6 hosts', () => {
    const c = build({
      listeners: 'PLAINTEXT://broker1:9092, SSL://[::1]:9093,internal://10.0.0.1:9094',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,INTERNAL:SASL_PLAINTEXT',
    });
    expect(c.listeners).toEqual([
      { listenerName: 'PLAINTEXT', host: 'broker1', port: 9092, securityProtocol: 'PLAINTEXT' },
      { listenerName: 'SSL', host: '::1', port: 9093, securityProtocol: 'SSL' },
      { listenerName: 'INTERNAL', host: '10.0.0.1', port: 9094, securityProtocol: 'SASL_PLAINTEXT' },
    ]);
    expect(c.listenerSecurityProtocolMap).toEqual({ PLAINTEXT: 'PLAINTEXT', SSL: 'SSL', INTERNAL: 'SASL_PLAINTEXT' });
  });

  it('rejects unparsable entries', () => {
    expect(() => build({ listeners: 'localhost:9092' }))
      .toThrow('Invalid value localhost:9092 for configuration listeners: Unable to parse localhost:9092 to a broker endpoint');
  });

  it('requires every listener name to map to a security protocol', () => {
    expect(() => build({ listeners: 'CLIENT://:9092' }))
      .toThrow('Invalid value CLIENT://:9092 for configuration listeners: No security protocol defined for listener CLIENT');
  });

  it('rejects unknown protocols in the map', () => {
    expect(() => build({ 'listener.security.protocol.map': 'PLAINTEXT:TLS' }))
      .toThrow('Invalid security protocol `TLS` defined in listener.security.protocol.map');
  });

  it('rejects duplicate names, case-insensitively', () => {
    expect(() => build({ listeners: 'PLAINTEXT://:9092,plaintext://:9093' }))
      .toThrow(/Each listener must have a different name, duplicate: PLAINTEXT/);
  });

  it('rejects duplicate ports unless one IPv4 and one IPv6 address', () => {
    const map = { 'listener.security.protocol.map': 'A:PLAINTEXT,B:PLAINTEXT', 'inter.broker.listener.name': 'A' };
    expect(() => build({ ...map, listeners: 'A://:9092,B://:9092' })).toThrow(ConfigException);
    expect(() => build({ ...map, listeners: 'A://h1:9092,B://h2:9092' })).toThrow(/Each listener must have a different port/);
    expect(() => build({ ...map, listeners: 'A://127.0.0.1:9092,B://10.0.0.1:9092' })).toThrow(/different port/);
    expect(build({ ...map, listeners: 'A://127.0.0.1:9092,B://[::1]:9092' }).listeners).toHaveLength(2);
    expect(build({ ...map, listeners: 'A://:0,B://:0' }).listeners).toHaveLength(2);
  });

  it('checks advertised listeners against listeners and the inter-broker listener', () => {
    expect(() => build({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' })).toThrow(/nonroutable meta-address 0.0.0.0/);
    expect(() => build({ listeners: 'PLAINTEXT://:9092,SSL://:9093', 'advertised.listeners': 'SSL://h:9093' }))
      .toThrow(/inter.broker.listener.name must be a listener name defined in advertised.listeners/);
    expect(() => build({ 'advertised.listeners': 'PLAINTEXT://h:9092,SSL://h:9093' }))
      .toThrow(/advertised.listeners listener names must be equal to or a subset of the ones defined in listeners/);
    expect(() => build({ listeners: '' })).toThrow('There must be at least one advertised listener.');
  });

  it('lets advertised listeners share a port (different hosts behind NAT)', () => {
    const c = build({
      listeners: 'PLAINTEXT://:9092,SSL://:9093',
      'advertised.listeners': 'PLAINTEXT://h:9092,SSL://h:9092',
    });
    expect(c.effectiveAdvertisedListeners.map((e) => e.port)).toEqual([9092, 9092]);
  });
});
