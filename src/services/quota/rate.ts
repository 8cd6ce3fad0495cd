/**
 * Kafka's windowed `Rate` over a `SampledStat` (org.apache.kafka.common.metrics.stats.Rate / SampledStat), what a
 * client quota sensor measures: `samples` windows of `windowMs`, the value recorded into the current window (a new
 * one once it is `windowMs` old), windows older than samples × windowMs reset, and the rate = sum / windowSize where
 * windowSize = the time since the oldest window, but at least (samples − 1) full windows (so a fresh sensor does not
 * see a huge rate after one request), at least 1 ms.
 *
 * Preallocated arrays: recording allocates nothing. Differs from Kafka: no `eventWindow` (Kafka's quota configs never
 * set one).
 */
export class Rate {
  private readonly values: Float64Array;
  private readonly starts: Float64Array;
  private used = 0;
  private current = 0;

  constructor(readonly samples: number, readonly windowMs: number) {
    this.values = new Float64Array(samples);
    this.starts = new Float64Array(samples);
  }

  record(value: number, now: number): void {
    if (this.used === 0) { this.used = 1; this.current = 0; this.starts[0] = now; this.values[0] = 0; }
    else if (now - this.starts[this.current]! >= this.windowMs) {
      this.current = (this.current + 1) % this.samples;
      if (this.current >= this.used) this.used = this.current + 1;
      this.starts[this.current] = now;
      this.values[this.current] = 0;
    }
    this.values[this.current]! += value;
  }

  /** SampledStat.purgeObsoleteSamples: windows older than samples × windowMs start over at `now`, empty. */
  private purge(now: number): void {
    const expireAge = this.samples * this.windowMs;
    for (let i = 0; i < this.used; i++) {
      if (now - this.starts[i]! >= expireAge) { this.starts[i] = now; this.values[i] = 0; }
    }
  }

  /** Rate.windowSize: ms since the oldest window, at least samples − 1 full windows, at least 1. */
  windowSize(now: number): number {
    this.purge(now);
    let oldest = now;
    for (let i = 0; i < this.used; i++) if (this.starts[i]! < oldest) oldest = this.starts[i]!;
    let elapsed = now - oldest;
    const fullWindows = Math.floor(elapsed / this.windowMs);
    const minFull = this.samples - 1;
    if (fullWindows < minFull) elapsed += (minFull - fullWindows) * this.windowMs;
    return Math.max(elapsed, 1);
  }

  /** Per second. */
  measure(now: number): number {
    this.purge(now);
    let sum = 0;
    for (let i = 0; i < this.used; i++) sum += this.values[i]!;
    return sum / (this.windowSize(now) / 1000);
  }
}
