/**
 * Kafka's `ClientQuotaManager` (core/src/main/scala/kafka/server/ClientQuotaManager.scala) with its
 * `DefaultQuotaCallback`, for one quota type: Produce (`producer_byte_rate`), Fetch (`consumer_byte_rate`),
 * Request (`request_percentage`, Kafka's ClientRequestQuotaManager: throttle capped at one quota window) or
 * ControllerMutation (`controller_mutation_rate`: stored and described, not enforced yet).
 *
 * - quota entities: (user, client-id) pairs where either may be absent or `<default>`; the limit of a client is the
 *   first entity defined in Kafka's precedence order (user+client, user+<default> client, user, <default> user+client,
 *   <default>+<default>, <default> user, client, <default> client); nothing defined → unlimited;
 * - one sensor per metric-tag pair, the tags chosen as Kafka's quotaMetricTags does: with quotas at one level only the
 *   level's tags, else the matched level's (a `<user>` quota is shared by all that user's clients);
 * - a sensor's rate is Kafka's windowed Rate (rate.ts) over `quota.window.num` × `quota.window.size.seconds`;
 *   recording a value that makes the rate exceed the bound returns the throttle time
 *   (observed − bound) / bound × windowSize (QuotaUtils.throttleTime), the value stays recorded;
 * - sensors idle for an hour are dropped (Kafka's InactiveSensorExpirationTimeSeconds).
 *
 * Differs from Kafka: the throttled channel is muted by the connection (ConnectionInfo.throttle) instead of a
 * delay-queue reaper thread; no client.quota.callback.class.
 */
import { Rate } from './rate.js';

export type ClientQuotaType = 'Produce' | 'Fetch' | 'Request' | 'ControllerMutation';

export const DEFAULT_ENTITY = '<default>';
const INACTIVE_SENSOR_EXPIRY_MS = 3600 * 1000;

export interface QuotaWindowConfig { numSamples: number; windowSizeSeconds: number }

/** One sensor: the quota rate of a metric-tag pair and the throttle times it caused. */
export class QuotaSensor {
  readonly rate: Rate;
  bound = Infinity;
  lastRecordMs = 0;
  throttleTimeSum = 0;
  throttleCount = 0;
  constructor(readonly user: string, readonly clientId: string, cfg: QuotaWindowConfig) {
    this.rate = new Rate(cfg.numSamples, cfg.windowSizeSeconds * 1000);
  }
}

const LEVEL_USER = 1;
const LEVEL_CLIENT = 2;
const LEVEL_USER_CLIENT = 4;

const entityKey = (user: string | null, clientId: string | null) => `${user ?? ''}\u0000${clientId ?? ''}`;

export class ClientQuotaManager {
  /** KafkaQuotaEntity → bound, per (user|null, client|null); `<default>` for defaults. */
  private readonly overridden = new Map<string, number>();
  private enabledLevels = 0;
  private readonly sensors = new Map<string, QuotaSensor>();
  private lastSweep = 0;

  constructor(readonly quotaType: ClientQuotaType, readonly config: QuotaWindowConfig, private readonly now: () => number = Date.now) {}

  /** Kafka's quotasEnabled: once any quota of this type was set (until restart). Off: nothing is recorded. */
  get quotasEnabled(): boolean { return this.enabledLevels !== 0; }

  /** Sets (bound) or removes (null) the quota of an entity; `user` / `clientId` null = not part of the entity. */
  updateQuota(user: string | null, clientId: string | null, bound: number | null): void {
    if (user !== null) this.enabledLevels |= clientId !== null ? LEVEL_USER_CLIENT : LEVEL_USER;
    else if (clientId !== null) this.enabledLevels |= LEVEL_CLIENT;
    const k = entityKey(user, clientId);
    if (bound === null) this.overridden.delete(k); else this.overridden.set(k, bound);
    // Kafka updateQuotaMetricConfigs: every existing sensor takes its (possibly new) limit; a client whose tags
    // change with the enabled levels gets a new sensor (the old one expires unused)
    for (const sensor of this.sensors.values()) sensor.bound = this.quotaLimit(sensor.user, sensor.clientId);
  }

  /** The configured entities of this type (for DescribeClientQuotas / tests). */
  entities(): Array<{ user: string | null; clientId: string | null; bound: number }> {
    return [...this.overridden].map(([k, bound]) => {
      const [u, c] = k.split('\u0000');
      return { user: u === '' ? null : u!, clientId: c === '' ? null : c!, bound };
    });
  }

  private has(user: string | null, clientId: string | null): boolean { return this.overridden.has(entityKey(user, clientId)); }
  private get(user: string | null, clientId: string | null): number | undefined { return this.overridden.get(entityKey(user, clientId)); }

  /** DefaultQuotaCallback.quotaMetricTags: which (user, client-id) pair a client's usage is counted under. */
  metricTags(user: string, clientId: string): [string, string] {
    switch (this.enabledLevels) {
      case 0: case LEVEL_CLIENT: return ['', clientId];
      case LEVEL_USER: return [user, ''];
      case LEVEL_USER_CLIENT: return [user, clientId];
    }
    if (this.has(user, clientId) || this.has(user, DEFAULT_ENTITY)) return [user, clientId];
    if (this.has(user, null)) return [user, ''];
    if (this.has(DEFAULT_ENTITY, clientId) || this.has(DEFAULT_ENTITY, DEFAULT_ENTITY)) return [user, clientId];
    if (this.has(DEFAULT_ENTITY, null)) return [user, ''];
    return ['', clientId];
  }

  /** DefaultQuotaCallback.quotaLimit for metric tags; Infinity when no entity applies. */
  quotaLimit(userTag: string, clientTag: string): number {
    let q: number | undefined;
    if (userTag !== '' && clientTag !== '') {
      q = this.get(userTag, clientTag) ?? this.get(userTag, DEFAULT_ENTITY) ?? this.get(DEFAULT_ENTITY, clientTag) ?? this.get(DEFAULT_ENTITY, DEFAULT_ENTITY);
    } else if (userTag !== '') {
      q = this.get(userTag, null) ?? this.get(DEFAULT_ENTITY, null);
    } else if (clientTag !== '') {
      q = this.get(null, clientTag) ?? this.get(null, DEFAULT_ENTITY);
    }
    return q ?? Infinity;
  }

  /** getOrCreateQuotaSensors. */
  sensor(user: string, clientId: string): QuotaSensor {
    const [u, c] = this.metricTags(user, clientId);
    const k = entityKey(u, c);
    let s = this.sensors.get(k);
    if (s === undefined) {
      s = new QuotaSensor(u, c, this.config);
      s.bound = this.quotaLimit(u, c);
      this.sensors.set(k, s);
    }
    return s;
  }

  /**
   * maybeRecordAndGetThrottleTimeMs: records `value` for the client and returns how long it must be throttled (0
   * when within its quota or when no quota of this type exists).
   */
  maybeRecordAndGetThrottleTimeMs(user: string, clientId: string, value: number, nowMs = this.now()): number {
    if (!this.quotasEnabled) return 0;
    this.maybeSweep(nowMs);
    const s = this.sensor(user, clientId);
    s.lastRecordMs = nowMs;
    s.rate.record(value, nowMs);
    if (s.bound === Infinity) return 0;
    const observed = s.rate.measure(nowMs);
    if (observed <= s.bound) return 0;
    const throttle = Math.round((observed - s.bound) / s.bound * s.rate.windowSize(nowMs));
    // ClientRequestQuotaManager: a request-time throttle is at most one quota window
    return this.quotaType === 'Request' ? Math.min(throttle, this.config.windowSizeSeconds * 1000) : throttle;
  }

  /** unrecordQuotaSensor: a throttled fetch returns nothing, so its bytes are taken back. */
  unrecord(user: string, clientId: string, value: number, nowMs = this.now()): void {
    if (!this.quotasEnabled) return;
    this.sensor(user, clientId).rate.record(-value, nowMs);
  }

  /** getMaxValueInQuotaWindow: the most a client may take at once without certain throttling (Infinity: no quota). */
  maxValueInQuotaWindow(user: string, clientId: string): number {
    if (!this.quotasEnabled) return Infinity;
    const s = this.sensor(user, clientId);
    return s.bound === Infinity ? Infinity : s.bound * (this.config.numSamples - 1) * this.config.windowSizeSeconds;
  }

  /** ClientQuotaManager.throttle's throttle-time sensor (the connection mute itself is the caller's). */
  recordThrottle(user: string, clientId: string, throttleMs: number): void {
    const s = this.sensor(user, clientId);
    s.throttleTimeSum += throttleMs;
    s.throttleCount++;
  }

  /** The live sensors (metrics: byte-rate / throttle-time per user and client-id). */
  allSensors(): Iterable<QuotaSensor> { return this.sensors.values(); }

  private maybeSweep(nowMs: number): void {
    if (nowMs - this.lastSweep < 60_000) return;
    this.lastSweep = nowMs;
    for (const [k, s] of this.sensors) if (nowMs - s.lastRecordMs > INACTIVE_SENSOR_EXPIRY_MS) this.sensors.delete(k);
  }
}
