/**
 * The inter-broker client settings (ChannelBuilders.clientChannelBuilder's inputs): PLAINTEXT by default; SASL takes
 * sasl.mechanism.inter.broker.protocol and the broker's own username / password from the inter-broker listener's JAAS
 * config; Kafka's default GSSAPI and a JAAS config without a login are refused with the key named, never the password.
 */
import { describe, expect, it } from 'vitest';
import { KafkaConfig } from '../../../src/config/kafka-config.js';
import { buildInterBrokerClientSecurity } from '../../../src/services/security/client-channel.js';

const base = { 'zookeeper.connect': 'localhost:2181', 'broker.id': '1', 'log.dirs': '/tmp/x' };
const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="s3cret-Ib";';

describe('buildInterBrokerClientSecurity', () => {
  it('PLAINTEXT by default', () => {
    expect(buildInterBrokerClientSecurity(KafkaConfig.fromProps(base))).toEqual({ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', tls: null, sasl: null });
  });

  it('SASL_PLAINTEXT with SCRAM-SHA-512: the login of the listener\'s JAAS config for that mechanism', () => {
    const props = {
      ...base, listeners: 'INTERNAL://127.0.0.1:9093', 'listener.security.protocol.map': 'INTERNAL:SASL_PLAINTEXT', 'inter.broker.listener.name': 'INTERNAL',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512', 'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'listener.name.internal.scram-sha-512.sasl.jaas.config': jaas,
    };
    expect(buildInterBrokerClientSecurity(KafkaConfig.fromProps(props))).toEqual({
      listenerName: 'INTERNAL', securityProtocol: 'SASL_PLAINTEXT', tls: null, sasl: { mechanism: 'SCRAM-SHA-512', username: 'broker', password: 's3cret-Ib' } });
    const noLogin = { ...props, 'listener.name.internal.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;' };
    expect(() => buildInterBrokerClientSecurity(KafkaConfig.fromProps(noLogin))).toThrow(/listener\.name\.internal\.scram-sha-512\.sasl\.jaas\.config.*username="…" password="…"/);
    const { 'listener.name.internal.scram-sha-512.sasl.jaas.config': _drop, ...missing } = props;
    void _drop;
    expect(() => buildInterBrokerClientSecurity(KafkaConfig.fromProps(missing))).toThrow(/needs username/);
  });

  it('Kafka\'s default GSSAPI is refused, naming the key', () => {
    const props = { ...base, listeners: 'SASL_PLAINTEXT://127.0.0.1:9093', 'security.inter.broker.protocol': 'SASL_PLAINTEXT', 'sasl.enabled.mechanisms': 'GSSAPI' };
    let err: Error | null = null;
    try { buildInterBrokerClientSecurity(KafkaConfig.fromProps(props)); } catch (e) { err = e as Error; }
    expect(err?.message).toMatch(/sasl\.mechanism\.inter\.broker\.protocol.*GSSAPI is Kafka's default/);
  });
});
