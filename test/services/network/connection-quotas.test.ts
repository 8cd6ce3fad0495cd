/** ConnectionQuotas (Kafka's SocketServer.ConnectionQuotas): counts, per-IP limits and overrides, creation rates, the protected listener. */
import { describe, it, expect } from 'vitest';
import { ConnectionQuotas, INT_MAX, IP_RATE_EXPIRY_MS, parsePerIpOverrides, connectionQuotasConfigOf, type ConnectionQuotasConfig } from '../../../src/services/network/connection-quotas.js';
import { KafkaConfig } from '../../../src/config/kafka-config.js';

function cfg(over: Partial<ConnectionQuotasConfig> = {}, listeners: Record<string, [number, number]> = { PLAINTEXT: [INT_MAX, INT_MAX] }): ConnectionQuotasConfig {
  return {
    maxConnections: INT_MAX, maxConnectionsPerIp: INT_MAX, maxConnectionsPerIpOverrides: new Map(), maxConnectionCreationRate: INT_MAX,
    listeners: new Map(Object.entries(listeners).map(([n, [m, r]]) => [n, { maxConnections: m, maxConnectionCreationRate: r }])),
    interBrokerListenerName: 'PLAINTEXT', quotaWindowNum: 11, quotaWindowSizeSeconds: 1, ...over,
  };
}

describe('ConnectionQuotas', () => {
  it('max.connections.per.ip with overrides (IPv4-mapped addresses match): the connection over the limit is counted, then refused', () => {
    const q = new ConnectionQuotas(cfg({ maxConnectionsPerIp: 2, maxConnectionsPerIpOverrides: parsePerIpOverrides('10.0.0.9:3, [::1]:0') }));
    expect(q.incIp('PLAINTEXT', '10.0.0.1', 0)).toEqual({ kind: 'accept' });
    expect(q.incIp('PLAINTEXT', '::ffff:10.0.0.1', 0)).toEqual({ kind: 'accept' });
    expect(q.incIp('PLAINTEXT', '10.0.0.1', 0)).toEqual({ kind: 'tooMany', max: 2 });
    expect(q.get('10.0.0.1')).toBe(3);
    q.dec('PLAINTEXT', '10.0.0.1');
    expect(q.get('10.0.0.1')).toBe(2);
    for (let i = 0; i < 3; i++) expect(q.incIp('PLAINTEXT', '10.0.0.9', 0).kind).toBe('accept');
    expect(q.incIp('PLAINTEXT', '10.0.0.9', 0)).toEqual({ kind: 'tooMany', max: 3 });
    expect(q.incIp('PLAINTEXT', '::1', 0)).toEqual({ kind: 'tooMany', max: 0 });
    expect(() => parsePerIpOverrides('host-without-count')).toThrow(/host:count/);
  });

  it('max.connections: no slot once the broker-wide or the listener limit is reached; a close frees one', () => {
    const q = new ConnectionQuotas(cfg({ maxConnections: 3, interBrokerListenerName: 'INTERNAL' }, { PLAINTEXT: [2, INT_MAX], INTERNAL: [INT_MAX, INT_MAX] }));
    q.incIp('PLAINTEXT', '10.0.0.1', 0);
    q.incIp('PLAINTEXT', '10.0.0.2', 0);
    expect(q.connectionSlotAvailable('PLAINTEXT')).toBe(false); // listener limit 2
    q.incIp('INTERNAL', '10.0.0.3', 0);
    // the inter-broker listener is protected (more than one listener): it ignores the broker-wide limit
    expect(q.connectionSlotAvailable('INTERNAL')).toBe(true);
    q.incIp('INTERNAL', '10.0.0.4', 0);
    expect(q.total).toBe(4);
    expect(q.maxConnectionsExceeded('PLAINTEXT')).toBe(true);
    expect(q.maxConnectionsExceeded('INTERNAL')).toBe(false);
    q.dec('PLAINTEXT', '10.0.0.1');
    expect(q.connectionSlotAvailable('PLAINTEXT')).toBe(false); // broker-wide: 3 of 3
    q.dec('INTERNAL', '10.0.0.4');
    expect(q.connectionSlotAvailable('PLAINTEXT')).toBe(true);
    // with a single listener nothing is protected
    const single = new ConnectionQuotas(cfg({ maxConnections: 1 }));
    single.incIp('PLAINTEXT', '10.0.0.1', 0);
    expect(single.connectionSlotAvailable('PLAINTEXT')).toBe(false);
  });

  it('max.connection.creation.rate: the acceptor is delayed by QuotaUtils.throttleTime, at most one quota window; per listener too', () => {
    const q = new ConnectionQuotas(cfg({ maxConnectionCreationRate: 5, quotaWindowNum: 2, quotaWindowSizeSeconds: 1 }));
    // a fresh Rate's window is at least (samples - 1) full windows = 1 s: five connections at t=0 are within 5/s
    for (let i = 0; i < 5; i++) expect(q.recordConnectionAndGetThrottleTimeMs('PLAINTEXT', 0)).toBe(0);
    // the sixth: 6 per 1 s, (6 - 5) / 5 × 1000 ms
    expect(q.recordConnectionAndGetThrottleTimeMs('PLAINTEXT', 0)).toBe(200);
    for (let i = 0; i < 100; i++) q.recordConnectionAndGetThrottleTimeMs('PLAINTEXT', 0);
    expect(q.recordConnectionAndGetThrottleTimeMs('PLAINTEXT', 0)).toBe(1000); // capped at quota.window.size.seconds
    const l = new ConnectionQuotas(cfg({ quotaWindowNum: 2 }, { PLAINTEXT: [INT_MAX, 2], OTHER: [INT_MAX, INT_MAX] }));
    l.recordConnectionAndGetThrottleTimeMs('PLAINTEXT', 0);
    l.recordConnectionAndGetThrottleTimeMs('PLAINTEXT', 0);
    expect(l.recordConnectionAndGetThrottleTimeMs('PLAINTEXT', 0)).toBeGreaterThan(0);
    expect(l.recordConnectionAndGetThrottleTimeMs('OTHER', 0)).toBe(0);
  });

  it('IP connection creation rate (ips entity): over it the connection is not counted and is closed after the throttle; default and override', () => {
    const q = new ConnectionQuotas(cfg({ quotaWindowNum: 2, quotaWindowSizeSeconds: 1 }));
    q.updateIpConnectionRateQuota(null, 2);
    q.updateIpConnectionRateQuota('10.0.0.7', 100);
    expect(q.incIp('PLAINTEXT', '10.0.0.1', 0).kind).toBe('accept');
    expect(q.incIp('PLAINTEXT', '10.0.0.1', 0).kind).toBe('accept');
    const third = q.incIp('PLAINTEXT', '10.0.0.1', 0);
    expect(third).toEqual({ kind: 'throttled', throttleMs: 500 });
    expect(q.get('10.0.0.1')).toBe(2);
    for (let i = 0; i < 10; i++) expect(q.incIp('PLAINTEXT', '10.0.0.7', 0).kind).toBe('accept');
    // after the window the rate is back under the quota (the throttled one was un-recorded)
    expect(q.incIp('PLAINTEXT', '10.0.0.1', 2500).kind).toBe('accept');
    q.updateIpConnectionRateQuota(null, null);
    for (let i = 0; i < 10; i++) expect(q.incIp('PLAINTEXT', '10.0.0.1', 2500).kind).toBe('accept');
  });

  it('an IP\'s rate state expires after an hour without connections (Kafka\'s inactive sensor expiry), swept at most every 30 s', () => {
    const q = new ConnectionQuotas(cfg({ quotaWindowNum: 2, quotaWindowSizeSeconds: 1 }));
    q.updateIpConnectionRateQuota(null, 1000);
    for (let i = 0; i < 100; i++) expect(q.incIp('PLAINTEXT', `10.1.0.${i}`, 0).kind).toBe('accept');
    expect(q.ipRateEntries).toBe(100);
    q.incIp('PLAINTEXT', '10.1.0.5', 1_800_000); // one of them active again half an hour later
    q.incIp('PLAINTEXT', '10.2.0.1', IP_RATE_EXPIRY_MS); // exactly an hour: not yet expired
    expect(q.ipRateEntries).toBe(101);
    q.incIp('PLAINTEXT', '10.2.0.2', IP_RATE_EXPIRY_MS + 1); // swept less than 30 s ago: nothing dropped yet
    expect(q.ipRateEntries).toBe(102);
    q.incIp('PLAINTEXT', '10.2.0.3', IP_RATE_EXPIRY_MS + 30_000);
    expect(q.ipRateEntries).toBe(4); // 10.1.0.5, 10.2.0.1-3
    // the quota itself (configuration) stays: a returning IP gets a fresh window under the same bound
    q.updateIpConnectionRateQuota('10.1.0.9', 1);
    expect(q.incIp('PLAINTEXT', '10.1.0.9', 10 * IP_RATE_EXPIRY_MS).kind).toBe('accept');
    expect(q.incIp('PLAINTEXT', '10.1.0.9', 10 * IP_RATE_EXPIRY_MS).kind).toBe('throttled');
  });

  it('reads its figures from the broker config, per-listener values through listener.name.<l>. prefixes', () => {
    const c = KafkaConfig.fromProps({
      'zookeeper.connect': 'localhost:2181', 'broker.id': '1',
      listeners: 'PLAINTEXT://:9092,INTERNAL://:9093', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT', 'inter.broker.listener.name': 'INTERNAL',
      'max.connections': '100', 'listener.name.plaintext.max.connections': '10', 'max.connection.creation.rate': '50',
      'max.connections.per.ip': '5', 'max.connections.per.ip.overrides': '127.0.0.1:20',
    });
    const q = connectionQuotasConfigOf(c);
    expect(q.maxConnections).toBe(100);
    expect(q.listeners.get('PLAINTEXT')).toEqual({ maxConnections: 10, maxConnectionCreationRate: 50 });
    expect(q.listeners.get('INTERNAL')).toEqual({ maxConnections: 100, maxConnectionCreationRate: 50 });
    expect(q.interBrokerListenerName).toBe('INTERNAL');
    expect(q.maxConnectionsPerIp).toBe(5);
    expect([...q.maxConnectionsPerIpOverrides]).toEqual([['127.0.0.1', 20]]);
  });
});

describe('max.connections.per.ip.overrides validation', () => {
  it('a malformed entry refuses to start with the key named', () => {
    expect(() => KafkaConfig.fromProps({ 'zookeeper.connect': 'zk:2181', 'max.connections.per.ip.overrides': '127.0.0.1:5,nonsense' }))
      .toThrow(/max.connections.per.ip.overrides.*'nonsense' is not host:count/);
  });
});
