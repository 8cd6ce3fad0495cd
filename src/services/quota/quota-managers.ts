/**
 * Kafka's `QuotaFactory.QuotaManagers` (produce, fetch, request, controller mutation) with the quota parts of
 * `ClientIdConfigHandler` / `UserConfigHandler` (ConfigHandler.scala: an entity's quota keys applied to every manager)
 * and of `KafkaApis` (handleProduceRequest / handleFetchRequest / sendResponseMaybeThrottle): {@link applyClientQuotas}
 * is called by the dispatcher once per request with the handler's response body.
 *
 * - Produce: the request's size is recorded against `producer_byte_rate` (acks=0 too: no response, but the channel
 *   is still muted);
 * - Fetch from a consumer: the response's record bytes against `consumer_byte_rate`; when throttled (by either quota)
 *   the bytes are taken back and the response carries no partitions (FetchContext.getThrottledResponse); follower
 *   fetches are exempt;
 * - every client request: its handler's time against `request_percentage` (ClientRequestQuotaManager), throttle capped
 *   at one window; inter-broker requests are exempt;
 * - the throttle time is the largest, set as the response's `throttle_time_ms`, and the connection stops being read for
 *   that long after the response (KIP-219: respond, then mute) through ConnectionInfo.throttle.
 *
 * Differs from Kafka: request time is the handler's synchronous turn on the event loop (Kafka: the request handler
 * thread's time), so waits in a purgatory or for file I/O, and the continuations after them, are not counted; the fetch size
 * is the record bytes, not the whole response.
 * `controller_mutation_rate` is enforced by the CreateTopics / CreatePartitions / DeleteTopics handlers (controller-mutation-quota.ts).
 */
import { ApiKey } from '../../protocol/api-keys.js';
import { ClientQuotaManager, DEFAULT_ENTITY, type ClientQuotaType, type QuotaWindowConfig } from './client-quota-manager.js';

/** Kafka's QuotaConfigs client keys, and which manager each configures. */
export const CLIENT_QUOTA_KEYS: Readonly<Record<string, ClientQuotaType>> = {
  producer_byte_rate: 'Produce',
  consumer_byte_rate: 'Fetch',
  request_percentage: 'Request',
  controller_mutation_rate: 'ControllerMutation',
};

/** Kafka's Sanitizer.sanitize (URL-encoding as java.net.URLEncoder, then `*` → %2A and `+` → %20). */
export function sanitize(name: string): string {
  return encodeURIComponent(name).replace(/[!'()~*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
export function desanitize(name: string): string {
  try { return decodeURIComponent(name); } catch { return name; }
}

/** The APIs only brokers send (cluster actions): never throttled (sendResponseExemptThrottle). */
const EXEMPT = new Set<number>([ApiKey.LeaderAndIsr, ApiKey.StopReplica, ApiKey.UpdateMetadata, ApiKey.ControlledShutdown, ApiKey.AlterPartition]);

/** What the connection offers: its principal (B's security work; ANONYMOUS without) and the mute. */
export interface QuotaConnection { principal?: { name: string }; throttle?: (ms: number) => void }

/**
 * `ips` quota entities (connection_creation_rate per IP, `<default>` for every IP): what Kafka's IpConfigHandler hands
 * to ConnectionQuotas.updateIpConnectionRateQuota. The socket server subscribes (it may start after the configs load).
 */
export class IpConnectionRateQuotas {
  /** IP (`null` = the default) → connections per second. */
  readonly rates = new Map<string | null, number>();
  private readonly listeners: Array<(ip: string | null, rate: number | null) => void> = [];
  set(ip: string | null, rate: number | null): void {
    if (rate === null) this.rates.delete(ip); else this.rates.set(ip, rate);
    for (const l of this.listeners) l(ip, rate);
  }
  /** Calls `fn` for every current entry now, then on each change. */
  subscribe(fn: (ip: string | null, rate: number | null) => void): void {
    for (const [ip, rate] of this.rates) fn(ip, rate);
    this.listeners.push(fn);
  }
}

export const IP_CONNECTION_RATE_KEY = 'connection_creation_rate';

export class QuotaManagers {
  /** `ips` entities' connection_creation_rate (applied by the socket server's ConnectionQuotas). */
  readonly ipConnectionRates = new IpConnectionRateQuotas();
  readonly produce: ClientQuotaManager;
  readonly fetch: ClientQuotaManager;
  readonly request: ClientQuotaManager;
  readonly controllerMutation: ClientQuotaManager;

  constructor(window: QuotaWindowConfig, controllerWindow: QuotaWindowConfig = window, now: () => number = Date.now) {
    this.produce = new ClientQuotaManager('Produce', window, now);
    this.fetch = new ClientQuotaManager('Fetch', window, now);
    this.request = new ClientQuotaManager('Request', window, now);
    this.controllerMutation = new ClientQuotaManager('ControllerMutation', controllerWindow, now);
  }

  private manager(t: ClientQuotaType): ClientQuotaManager {
    switch (t) {
      case 'Produce': return this.produce;
      case 'Fetch': return this.fetch;
      case 'Request': return this.request;
      case 'ControllerMutation': return this.controllerMutation;
    }
  }

  /**
   * ClientIdConfigHandler / UserConfigHandler.processConfigChanges: the entity's config (the whole znode; absent keys
   * remove that quota). `sanitizedUser` as stored (`<default>` or URL-encoded), `sanitizedClientId` likewise; null = not
   * part of the entity. Unknown keys are ignored here (AlterClientQuotas refuses them; SCRAM keys live beside them).
   */
  applyEntityConfig(sanitizedUser: string | null, sanitizedClientId: string | null, config: Record<string, string>): void {
    const clientId = sanitizedClientId === null || sanitizedClientId === DEFAULT_ENTITY ? sanitizedClientId : desanitize(sanitizedClientId);
    for (const [key, type] of Object.entries(CLIENT_QUOTA_KEYS)) {
      const raw = config[key];
      const v = raw === undefined ? NaN : Number(raw);
      this.manager(type).updateQuota(sanitizedUser, clientId, Number.isFinite(v) && v > 0 ? v : null);
    }
  }
}

/** The user a connection's usage is counted under: Kafka's sanitized principal name. */
export function quotaUser(conn: QuotaConnection): string {
  return sanitize(conn.principal?.name ?? 'ANONYMOUS');
}

/**
 * KafkaApis' quota step for one answered request: records, decides the throttle, sets `throttleTimeMs` on the body
 * (an emptied Fetch when throttled), mutes the connection. Returns the throttle time (0 = none). Positional numbers,
 * no request object: called for every request.
 * @param sizeBytes the request frame's size (Produce's recorded value)
 * @param handlerTimeMs the handler's own time on the event loop (request_percentage)
 * @param replicaId Fetch: the fetching broker id (≥ 0: a follower, exempt); else -1
 * @param acks Produce: acks (no request quota for acks=0); else -1
 */
export function applyClientQuotas(q: QuotaManagers, apiKey: number, clientIdOrNull: string | null, sizeBytes: number, handlerTimeMs: number,
  replicaId: number, acks: number, conn: QuotaConnection, body: unknown, nowMs = Date.now()): number {
  if (EXEMPT.has(apiKey)) return 0;
  if (!q.produce.quotasEnabled && !q.fetch.quotasEnabled && !q.request.quotasEnabled) return 0;
  const user = quotaUser(conn);
  const clientId = clientIdOrNull ?? '';
  let bandwidthMs = 0;
  let bandwidth: ClientQuotaManager | null = null;
  if (apiKey === ApiKey.Produce) {
    bandwidth = q.produce;
    bandwidthMs = q.produce.maybeRecordAndGetThrottleTimeMs(user, clientId, sizeBytes, nowMs);
  }
  const fetchBody = apiKey === ApiKey.Fetch && replicaId < 0 ? body as FetchBody | null : null;
  let fetchBytes = 0;
  if (fetchBody) {
    bandwidth = q.fetch;
    fetchBytes = fetchRecordBytes(fetchBody);
    bandwidthMs = q.fetch.maybeRecordAndGetThrottleTimeMs(user, clientId, fetchBytes, nowMs);
  }
  if (apiKey === ApiKey.Fetch && replicaId >= 0) return 0; // replication has its own quota
  const requestMs = acks === 0 ? 0 : q.request.maybeRecordAndGetThrottleTimeMs(user, clientId, handlerTimeMs * 100 / 1000, nowMs);
  const throttleMs = Math.max(bandwidthMs, requestMs);
  if (throttleMs <= 0) return 0;
  if (fetchBody) {
    q.fetch.unrecord(user, clientId, fetchBytes, nowMs);
    fetchBody.responses = [];
  }
  (bandwidth !== null && bandwidthMs >= requestMs ? bandwidth : q.request).recordThrottle(user, clientId, throttleMs);
  // the larger of this and a controller-mutation throttle the handler already set (sendResponseMaybeThrottleWithControllerQuota)
  if (body !== null && typeof body === 'object' && 'throttleTimeMs' in body) {
    const b = body as { throttleTimeMs: number };
    b.throttleTimeMs = Math.max(b.throttleTimeMs, throttleMs);
  }
  conn.throttle?.(throttleMs);
  return throttleMs;
}

interface FetchBody { responses?: Array<{ partitions?: Array<{ records?: Uint8Array | null }> }> }

function fetchRecordBytes(b: FetchBody): number {
  let n = 0;
  for (const t of b.responses ?? []) for (const p of t.partitions ?? []) n += p.records?.length ?? 0;
  return n;
}

/**
 * KafkaApis.handleFetchRequest: a consumer's fetch is capped to what its consumer_byte_rate allows in one quota window
 * (ClientQuotaManager.getMaxValueInQuotaWindow: rate × (samples − 1) × window), so one response cannot overshoot the
 * quota by more than that; followers are exempt. Infinity when no fetch quota applies.
 */
export function maxFetchBytesInQuotaWindow(q: QuotaManagers | undefined, conn: QuotaConnection, clientIdOrNull: string | null, replicaId: number): number {
  if (!q || replicaId >= 0 || !q.fetch.quotasEnabled) return Infinity;
  return Math.floor(q.fetch.maxValueInQuotaWindow(quotaUser(conn), clientIdOrNull ?? ''));
}
