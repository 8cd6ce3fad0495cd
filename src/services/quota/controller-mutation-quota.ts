/**
 * KIP-599 controller mutation quota, as Kafka 3.7.1's `ControllerMutationQuotaManager` (+ Strict/Permissive
 * ControllerMutationQuota) over `org.apache.kafka.common.metrics.stats.TokenBucket`:
 * - `controller_mutation_rate` (partitions created / deleted per second) per user / client-id entity, with the same
 *   precedence as the other client quotas (the ClientQuotaManager of type ControllerMutation keeps the bounds);
 * - a token bucket of burst (samples − 1) × window × rate (controller.quota.window.num / .size.seconds), full at
 *   first, refilled at the rate; a mutation takes its partition count of tokens and may drive it negative;
 * - strict (CreateTopics v6+, CreatePartitions v3+, DeleteTopics v5+): before each topic's mutation, a bucket below
 *   zero refuses that topic with THROTTLING_QUOTA_EXCEEDED (ThrottlingQuotaExceededError here); permissive (older
 *   versions, whose clients do not know the error): the mutation proceeds and only the throttle time is kept;
 * - the throttle time is −tokens / rate × 1000 ms, less the time elapsed since it was computed; the response
 *   carries the larger of it and the request quota's, and the connection is muted for it (KIP-219) when it is the
 *   larger one (sendResponseMaybeThrottleWithControllerQuota).
 */
import type { ClientQuotaManager, QuotaSensor } from './client-quota-manager.js';
import { quotaUser, type QuotaConnection } from './quota-managers.js';

export class ThrottlingQuotaExceededError extends Error {
  override name = 'ThrottlingQuotaExceededError';
  constructor(readonly throttleTimeMs: number) { super('The throttling quota has been exceeded.'); }
}

/** Kafka's TokenBucket (tokens start at 0 with lastUpdate 0, so the first refill fills the bucket). */
export class TokenBucket {
  tokens = 0;
  lastUpdateMs = 0;
  private refill(rate: number, burst: number, now: number): void {
    this.tokens = Math.min(burst, this.tokens + rate * ((now - this.lastUpdateMs) / 1000));
    this.lastUpdateMs = now;
  }
  measure(rate: number, burst: number, now: number): number { this.refill(rate, burst, now); return this.tokens; }
  record(rate: number, burst: number, value: number, now: number): void {
    this.refill(rate, burst, now);
    this.tokens = Math.min(burst, this.tokens - value);
  }
}

export interface ControllerMutationQuota {
  /** Takes `permits` (partitions); strict: throws ThrottlingQuotaExceededError when the bucket is already below zero. */
  record(permits: number): void;
  /** Gives `permits` back (the mutation failed after recording: Rafka validates and writes in one admin call). */
  unrecord(permits: number): void;
  /** The throttle time left (ms), 0 when not throttled. */
  throttleTime(): number;
}

const UNBOUNDED: ControllerMutationQuota = { record: () => undefined, unrecord: () => undefined, throttleTime: () => 0 };

/**
 * The response's throttle_time_ms takes the controller throttle, and the connection is muted for it (the dispatcher's
 * request quota then keeps the larger of the two: applyClientQuotas).
 */
export function applyControllerThrottle(quota: ControllerMutationQuota, body: { throttleTimeMs: number }, conn: { throttle?: (ms: number) => void }): void {
  const ms = quota.throttleTime();
  if (ms <= 0) return;
  body.throttleTimeMs = Math.max(body.throttleTimeMs, ms);
  conn.throttle?.(ms);
}

const buckets = new WeakMap<QuotaSensor, TokenBucket>();

/**
 * ControllerMutationQuotaManager.newQuotaFor(request, strictSinceVersion): the quota of this request's user /
 * client-id; unbounded while no controller_mutation_rate is configured anywhere.
 */
export function newControllerMutationQuota(manager: ClientQuotaManager | undefined, conn: QuotaConnection, clientId: string | null,
  apiVersion: number, strictSinceVersion: number, now: () => number = Date.now): ControllerMutationQuota {
  if (!manager || !manager.quotasEnabled) return UNBOUNDED;
  const sensor = manager.sensor(quotaUser(conn), clientId ?? '');
  let bucket = buckets.get(sensor);
  if (!bucket) { bucket = new TokenBucket(); buckets.set(sensor, bucket); }
  const b = bucket;
  const strict = apiVersion >= strictSinceVersion;
  const { numSamples, windowSizeSeconds } = manager.config;
  let lastThrottleTimeMs = 0;
  let lastRecordedTimeMs = 0;
  return {
    record(permits: number): void {
      const rate = sensor.bound;
      if (rate === Infinity) return;
      const burst = (numSamples - 1) * windowSizeSeconds * rate;
      const t = now();
      sensor.lastRecordMs = t;
      if (strict) {
        // Sensor.checkQuotas before recording: a bucket already below zero refuses
        const tokens = b.measure(rate, burst, t);
        if (tokens < 0) {
          lastThrottleTimeMs = Math.round(-tokens / rate * 1000);
          lastRecordedTimeMs = t;
          manager.recordThrottle(sensor.user, sensor.clientId, lastThrottleTimeMs);
          throw new ThrottlingQuotaExceededError(lastThrottleTimeMs);
        }
        b.record(rate, burst, permits, t);
        return;
      }
      b.record(rate, burst, permits, t);
      if (b.tokens < 0) { lastThrottleTimeMs = Math.round(-b.tokens / rate * 1000); lastRecordedTimeMs = t; }
    },
    unrecord(permits: number): void {
      const rate = sensor.bound;
      if (rate === Infinity || permits === 0) return;
      b.record(rate, (numSamples - 1) * windowSizeSeconds * rate, -permits, now());
    },
    throttleTime(): number {
      return Math.max(0, lastThrottleTimeMs - (now() - lastRecordedTimeMs));
    },
  };
}

/** The tokens left in a client's bucket (metrics: ControllerMutation `tokens`); null when it has none yet. */
export function tokensOf(sensor: QuotaSensor, manager: ClientQuotaManager, now: number): number | null {
  const b = buckets.get(sensor);
  if (!b || sensor.bound === Infinity) return null;
  return b.measure(sensor.bound, (manager.config.numSamples - 1) * manager.config.windowSizeSeconds * sensor.bound, now);
}
