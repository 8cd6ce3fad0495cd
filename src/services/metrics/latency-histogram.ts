/**
 * A latency histogram for the request path (what Kafka's Yammer `Histogram` with an exponentially decaying
 * reservoir gives the JMX exporter: Count, Mean, 50/75/95/98/99/99.9th percentiles), without allocating per
 * observation: log-linear buckets (8 per power of two, ~9% relative error) in preallocated typed arrays.
 *
 * Differs from Kafka: quantiles cover a sliding window of WINDOW_SLOTS x SLOT_MS (5 x 60 s, the span Yammer's
 * reservoir favours) instead of a forward-decaying sample; `count` and `sum` are cumulative since start, as a
 * Prometheus summary's `_count` / `_sum` must be.
 */

const SUB_BUCKETS = 8;
/** 2^24 ms ≈ 4.6 h: anything longer lands in the last bucket. */
const MAX_POW = 24;
export const BUCKETS = MAX_POW * SUB_BUCKETS + 1;
const WINDOW_SLOTS = 5;
const SLOT_MS = 60_000;

/** The quantiles the JMX exporter renders from a Yammer histogram (50thPercentile … 999thPercentile). */
export const KAFKA_QUANTILES: readonly number[] = [0.5, 0.75, 0.95, 0.98, 0.99, 0.999];

function bucketOf(v: number): number {
  if (!(v > 0)) return 0;
  const i = Math.floor(Math.log2(v + 1) * SUB_BUCKETS);
  return i >= BUCKETS ? BUCKETS - 1 : i;
}

/** The upper bound of bucket i (what a quantile in that bucket is reported as). */
function bucketUpper(i: number): number {
  return 2 ** ((i + 1) / SUB_BUCKETS) - 1;
}

/**
 * A clock for the window's slot rotation, read per observation: Date.now() costs 0.1–0.3 µs on some VMs (no vDSO
 * clock source), several times per request; slots are 60 s long, so a value refreshed every second is precise enough.
 */
let coarseMs = Date.now();
let coarseTimer: NodeJS.Timeout | null = null;
function coarseNow(): number {
  if (coarseTimer === null) {
    coarseMs = Date.now();
    coarseTimer = setInterval(() => { coarseMs = Date.now(); }, 1000);
    coarseTimer.unref();
  }
  return coarseMs;
}

export class LatencyHistogram {
  count = 0;
  sum = 0;
  private readonly slots = new Float64Array(WINDOW_SLOTS * BUCKETS);
  private readonly slotStart = new Float64Array(WINDOW_SLOTS);
  private current = 0;

  constructor(private readonly now: () => number = coarseNow) {
    this.slotStart[0] = now();
  }

  observe(ms: number): void {
    this.count++;
    this.sum += ms;
    const t = this.now();
    if (t - this.slotStart[this.current]! >= SLOT_MS) this.rotate(t);
    this.slots[this.current * BUCKETS + bucketOf(ms)]!++;
  }

  private rotate(t: number): void {
    this.current = (this.current + 1) % WINDOW_SLOTS;
    this.slotStart[this.current] = t;
    this.slots.fill(0, this.current * BUCKETS, (this.current + 1) * BUCKETS);
  }

  /** The quantiles over the window (0 when nothing was observed in it); scrape time only. */
  quantiles(qs: readonly number[]): number[] {
    const t = this.now();
    if (t - this.slotStart[this.current]! >= SLOT_MS) this.rotate(t);
    const merged = new Float64Array(BUCKETS);
    let total = 0;
    for (let s = 0; s < WINDOW_SLOTS; s++) {
      if (t - this.slotStart[s]! > WINDOW_SLOTS * SLOT_MS) continue;
      for (let i = 0; i < BUCKETS; i++) { const c = this.slots[s * BUCKETS + i]!; merged[i]! += c; total += c; }
    }
    return qs.map((q) => {
      if (total === 0) return 0;
      const rank = q * total;
      let acc = 0;
      for (let i = 0; i < BUCKETS; i++) {
        acc += merged[i]!;
        if (acc >= rank) return i === 0 ? 0 : bucketUpper(i);
      }
      return bucketUpper(BUCKETS - 1);
    });
  }
}
