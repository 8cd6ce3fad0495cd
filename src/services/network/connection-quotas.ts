/**
 * Kafka's `ConnectionQuotas` (core/src/main/scala/kafka/network/SocketServer.scala, 3.7.1): connection counts and
 * creation rates, the decisions the acceptor takes for every accepted socket. Pure bookkeeping with the time passed
 * in; socket-server.ts acts on the decisions.
 *
 * - max.connections (broker-wide) and `listener.name.<l>.max.connections` (else the broker value, as Kafka's
 *   valuesWithPrefixOverride): with no slot free the acceptor waits (Kafka blocks its acceptor thread; the socket
 *   server queues the accepted sockets of that listener, unread, in order). The inter-broker listener is protected
 *   when there is more than one listener: it ignores the broker-wide limit (not its own), and while the broker-wide
 *   count is above the limit the others' processors close a connection (`maxConnectionsExceeded`).
 * - max.connection.creation.rate, broker-wide and per listener (windowed Rate over quota.window.num ×
 *   quota.window.size.seconds, as Kafka's sensors): a connection over the rate delays the acceptor by the throttle
 *   time (QuotaUtils.boundedThrottleTime, at most one quota window). The protected listener only counts its own rate.
 * - per IP: max.connections.per.ip, with max.connections.per.ip.overrides ("host:count,…"): the connection over the
 *   limit is counted, then closed at once (TooManyConnectionsException, logged at info). IP connection creation rate
 *   (quota entity `ips`, connection_creation_rate; `updateIpConnectionRateQuota`): a connection over it is not
 *   counted and its socket is closed only when the throttle ends (Kafka's DelayedCloseSocket), so the client backs off.
 *   An IP's rate state goes once it has seen no connection for an hour (Kafka's IpQuotaEntity sensor expiration,
 *   InactiveSensorExpirationTimeSeconds, checked every 30 s as its ExpireSensorTask), so a client spraying from many
 *   addresses does not keep state for ever.
 * Differs: overrides are keyed by IP literal (the socket server resolves host names, as Kafka's getByName); Kafka's acceptor
 * blocks on a condition variable, here a queue per listener bounded by socket.listen.backlog.size (past it the
 * socket is closed, as a full kernel backlog would refuse it).
 */
import { Rate } from '../quota/rate.js';

export const INT_MAX = 2147483647;
/** Kafka's ConnectionQuotas.InactiveSensorExpirationTimeSeconds (1 h) for per-IP rate sensors. */
export const IP_RATE_EXPIRY_MS = 3_600_000;
/** How often expired per-IP rate state is looked for (Kafka's Metrics ExpireSensorTask runs every 30 s). */
const IP_RATE_SWEEP_MS = 30_000;

export interface ListenerQuotaConfig { maxConnections: number; maxConnectionCreationRate: number }

export interface ConnectionQuotasConfig {
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** IP literal → limit (max.connections.per.ip.overrides). */
  maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;
  maxConnectionCreationRate: number;
  listeners: ReadonlyMap<string, ListenerQuotaConfig>;
  interBrokerListenerName: string | null;
  quotaWindowNum: number;
  quotaWindowSizeSeconds: number;
}

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`, what a dual-stack socket reports) → the IPv4 form, so limits match either. */
export function normalizeIp(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** max.connections.per.ip.overrides: "host:count,host:count" (Kafka's KafkaConfig.getMap; IPv6 literals in [..]). */
export function parsePerIpOverrides(value: string | null): Map<string, number> {
  const out = new Map<string, number>();
  if (!value || value.trim() === '') return out;
  for (const part of value.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const colon = entry.lastIndexOf(':');
    const count = Number(entry.slice(colon + 1).trim());
    if (colon <= 0 || !Number.isInteger(count) || count < 0) {
      throw new Error(`Invalid max.connections.per.ip.overrides entry '${entry}': expected host:count`);
    }
    const host = entry.slice(0, colon).trim().replace(/^\[(.*)\]$/, '$1');
    out.set(normalizeIp(host), count);
  }
  return out;
}

/** A windowed-rate quota sensor (Kafka: Sensor + Rate + Quota.upperBound). */
class RateQuota {
  readonly rate: Rate;
  /** When it last recorded a connection (per-IP sensors expire after an hour without one). */
  lastRecordMs = 0;
  constructor(public bound: number, samples: number, windowMs: number) { this.rate = new Rate(samples, windowMs); }
  /** Records one connection; the throttle time (capped at `maxMs`) when the rate is now above the bound, else 0. */
  recordAndGetThrottleTimeMs(now: number, maxMs: number): number {
    this.lastRecordMs = now;
    this.rate.record(1, now);
    if (this.bound >= INT_MAX) return 0;
    const observed = this.rate.measure(now);
    if (observed <= this.bound) return 0;
    return Math.min(Math.round((observed - this.bound) / this.bound * this.rate.windowSize(now)), maxMs);
  }
  unrecord(now: number): void { this.rate.record(-1, now); }
}

export type IpDecision =
  | { kind: 'accept' }
  /** TooManyConnectionsException: counted, close now (the caller must still call dec). */
  | { kind: 'tooMany'; max: number }
  /** ConnectionThrottledException: not counted; close the socket after `throttleMs`. */
  | { kind: 'throttled'; throttleMs: number };

export class ConnectionQuotas {
  private cfg: ConnectionQuotasConfig;
  private readonly counts = new Map<string, number>();
  private readonly listenerCounts = new Map<string, number>();
  private totalCount = 0;
  private readonly brokerRate: RateQuota;
  private readonly listenerRates = new Map<string, RateQuota>();
  private defaultConnectionRatePerIp = INT_MAX;
  private readonly connectionRatePerIp = new Map<string, number>();
  private readonly ipRates = new Map<string, RateQuota>();
  private nextIpRateSweepMs = 0;
  /** Connections refused or delayed, for metrics and tests. */
  readonly stats = { tooManyPerIp: 0, ipThrottled: 0, acceptorWaits: 0 };

  constructor(cfg: ConnectionQuotasConfig) {
    this.cfg = cfg;
    this.brokerRate = this.newRate(cfg.maxConnectionCreationRate);
    for (const [name, l] of cfg.listeners) {
      this.listenerCounts.set(name, 0);
      this.listenerRates.set(name, this.newRate(l.maxConnectionCreationRate));
    }
  }

  private newRate(bound: number): RateQuota {
    return new RateQuota(bound, this.cfg.quotaWindowNum, this.cfg.quotaWindowSizeSeconds * 1000);
  }

  private get maxThrottleTimeMs(): number { return this.cfg.quotaWindowSizeSeconds * 1000; }

  /** Live reconfiguration (max.connections*, max.connection.creation.rate are dynamic in Kafka). */
  reconfigure(cfg: ConnectionQuotasConfig): void {
    this.cfg = cfg;
    this.brokerRate.bound = cfg.maxConnectionCreationRate;
    for (const [name, l] of cfg.listeners) {
      if (!this.listenerCounts.has(name)) this.listenerCounts.set(name, 0);
      const r = this.listenerRates.get(name);
      if (r) r.bound = l.maxConnectionCreationRate; else this.listenerRates.set(name, this.newRate(l.maxConnectionCreationRate));
    }
  }

  /** updateIpConnectionRateQuota: `ip` null = the default for every IP; `rate` null = back to unlimited / default. */
  updateIpConnectionRateQuota(ip: string | null, rate: number | null): void {
    if (ip === null) {
      this.defaultConnectionRatePerIp = rate ?? INT_MAX;
      for (const [addr, q] of this.ipRates) q.bound = this.connectionRateForIp(addr);
      return;
    }
    const addr = normalizeIp(ip);
    if (rate === null) this.connectionRatePerIp.delete(addr); else this.connectionRatePerIp.set(addr, rate);
    const q = this.ipRates.get(addr);
    if (q) q.bound = this.connectionRateForIp(addr);
  }

  connectionRateForIp(ip: string): number {
    return this.connectionRatePerIp.get(ip) ?? this.defaultConnectionRatePerIp;
  }

  /** The inter-broker listener is exempt from the broker-wide limits when the broker has more than one listener. */
  protectedListener(listener: string): boolean {
    return this.cfg.interBrokerListenerName === listener && this.listenerCounts.size > 1;
  }

  /**
   * First step of Kafka's waitForConnectionSlot, once per accepted socket: records it in the broker-wide (unless
   * protected) and listener rates; the longer throttle is how long the acceptor waits before taking it.
   */
  recordConnectionAndGetThrottleTimeMs(listener: string, now: number): number {
    const brokerMs = this.protectedListener(listener) ? 0 : this.brokerRate.recordAndGetThrottleTimeMs(now, this.maxThrottleTimeMs);
    const l = this.listenerRates.get(listener);
    const listenerMs = l ? l.recordAndGetThrottleTimeMs(now, this.maxThrottleTimeMs) : 0;
    return Math.max(brokerMs, listenerMs);
  }

  /** Second step: is there a slot on this listener (its own limit; then the broker-wide one unless protected)? */
  connectionSlotAvailable(listener: string): boolean {
    if ((this.listenerCounts.get(listener) ?? 0) >= (this.cfg.listeners.get(listener)?.maxConnections ?? INT_MAX)) return false;
    if (this.protectedListener(listener)) return true;
    return this.totalCount < this.cfg.maxConnections;
  }

  /** Last step of inc(): the IP's creation rate, then the count and the per-IP limit. */
  incIp(listener: string, rawIp: string, now: number): IpDecision {
    const ip = normalizeIp(rawIp);
    if (now >= this.nextIpRateSweepMs) this.expireIpRates(now);
    const rateQuota = this.connectionRateForIp(ip);
    if (rateQuota !== INT_MAX) {
      let q = this.ipRates.get(ip);
      if (!q) { q = this.newRate(rateQuota); this.ipRates.set(ip, q); }
      const throttleMs = q.recordAndGetThrottleTimeMs(now, this.maxThrottleTimeMs);
      if (throttleMs > 0) {
        // not accepted: un-record it from the IP, broker and listener rates (Kafka's updateListenerMetrics)
        q.unrecord(now);
        if (!this.protectedListener(listener)) this.brokerRate.unrecord(now);
        this.listenerRates.get(listener)?.unrecord(now);
        this.stats.ipThrottled++;
        return { kind: 'throttled', throttleMs };
      }
    }
    const count = this.counts.get(ip) ?? 0;
    this.counts.set(ip, count + 1);
    this.totalCount++;
    if (this.listenerCounts.has(listener)) this.listenerCounts.set(listener, this.listenerCounts.get(listener)! + 1);
    const max = this.cfg.maxConnectionsPerIpOverrides.get(ip) ?? this.cfg.maxConnectionsPerIp;
    if (count >= max) { this.stats.tooManyPerIp++; return { kind: 'tooMany', max }; }
    return { kind: 'accept' };
  }

  /** Drops the rate state of IPs without a connection for {@link IP_RATE_EXPIRY_MS} (Kafka's inactive sensor expiry). */
  expireIpRates(now: number): void {
    this.nextIpRateSweepMs = now + IP_RATE_SWEEP_MS;
    for (const [ip, q] of this.ipRates) if (now - q.lastRecordMs > IP_RATE_EXPIRY_MS) this.ipRates.delete(ip);
  }

  /** IPs with connection-rate state (tests, diagnostics). */
  get ipRateEntries(): number { return this.ipRates.size; }

  /** A counted connection closed. */
  dec(listener: string, rawIp: string): void {
    const ip = normalizeIp(rawIp);
    const count = this.counts.get(ip) ?? 0;
    if (count <= 1) this.counts.delete(ip); else this.counts.set(ip, count - 1);
    if (this.totalCount > 0) this.totalCount--;
    const l = this.listenerCounts.get(listener);
    if (l !== undefined && l > 0) this.listenerCounts.set(listener, l - 1);
  }

  /** Processor.closeExcessConnections: above the broker-wide limit (the protected listener took more), others shed. */
  maxConnectionsExceeded(listener: string): boolean {
    return this.totalCount > this.cfg.maxConnections && !this.protectedListener(listener);
  }

  get(ip: string): number { return this.counts.get(normalizeIp(ip)) ?? 0; }
  get total(): number { return this.totalCount; }
  listenerCount(listener: string): number { return this.listenerCounts.get(listener) ?? 0; }
}

/** The figures ConnectionQuotas needs, from the broker config (per-listener values through listener.name.<l>. prefixes). */
export function connectionQuotasConfigOf(c: {
  getInt(name: string): number; getString(name: string): string | null;
  listenerValue(listener: string, name: string): unknown;
  readonly listeners: ReadonlyArray<{ listenerName: string }>; readonly interBrokerListenerName: string;
}): ConnectionQuotasConfig {
  const listeners = new Map<string, ListenerQuotaConfig>();
  for (const l of c.listeners) {
    listeners.set(l.listenerName, {
      maxConnections: Number(c.listenerValue(l.listenerName, 'max.connections')),
      maxConnectionCreationRate: Number(c.listenerValue(l.listenerName, 'max.connection.creation.rate')),
    });
  }
  return {
    maxConnections: c.getInt('max.connections'),
    maxConnectionsPerIp: c.getInt('max.connections.per.ip'),
    maxConnectionsPerIpOverrides: parsePerIpOverrides(c.getString('max.connections.per.ip.overrides')),
    maxConnectionCreationRate: c.getInt('max.connection.creation.rate'),
    listeners,
    interBrokerListenerName: c.interBrokerListenerName,
    quotaWindowNum: c.getInt('quota.window.num'),
    quotaWindowSizeSeconds: c.getInt('quota.window.size.seconds'),
  };
}
