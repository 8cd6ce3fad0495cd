/**
 * Kafka's windowed `Rate` over a `SampledStat` (org.apache.kafka.common.metrics.stats.Rate / SampledStat), what a
 * client quota sensor measures: windows of `windowMs`, the value recorded into the current window (a new one once it
 * is `windowMs` old), and the rate = sum / windowSize where windowSize = the time since the oldest kept window's start,
 * but at least (samples − 1) full windows (so a fresh sensor does not see a huge rate after one request), at least 1 ms.
 *
 * As Kafka 3.8+ (apache/kafka 862ea12, "Fix rate metric spikes", KAFKA 3.8.0), not 3.7.1: the ring holds samples + 1
 * windows, and a window is dropped only when its LAST event is samples × windowMs old (3.7.1 dropped it when its start
 * was). With 3.7.1's rule a throttled client's windows (each a little longer than windowMs: a window starts at the first
 * record after the previous one completes) spread over more than samples × windowMs, so the oldest was reset to "now,
 * empty" before the ring reached it: its data left the sum while windowSize, padded back up to (samples − 1) full
 * windows, still counted its time — the rate read low by up to 1/samples and a throttled producer ran at
 * samples / (samples − 1) × its quota (1.1× with 11 windows, bursts to 1.2× with 3), then stalled for seconds when the
 * padding ran out. test/services/metrics/client-quota-manager.test.ts simulates that client.
 *
 * Preallocated arrays: recording allocates nothing. Differs from Kafka: no `eventWindow` (Kafka's quota configs never
 * set one).
 */
export class Rate {
  private readonly values: Float64Array;
  private readonly starts: Float64Array;
  private readonly lastEvents: Float64Array;
  /** Ring size: samples + 1 (Kafka 3.8: one extra slot for the window overlapping the monitored span's start). */
  private readonly slots: number;
  private used = 0;
  private current = 0;

  constructor(readonly samples: number, readonly windowMs: number) {
    this.slots = samples + 1;
    this.values = new Float64Array(this.slots);
    this.starts = new Float64Array(this.slots);
    this.lastEvents = new Float64Array(this.slots);
  }

  record(value: number, now: number): void {
    if (this.used === 0) { this.used = 1; this.current = 0; this.reset(0, now); }
    else if (now - this.starts[this.current]! >= this.windowMs) {
      this.current = (this.current + 1) % this.slots;
      if (this.current >= this.used) this.used = this.current + 1;
      this.reset(this.current, now);
    }
    this.values[this.current]! += value;
    this.lastEvents[this.current] = now;
  }

  private reset(i: number, now: number): void {
    this.starts[i] = now;
    this.lastEvents[i] = now;
    this.values[i] = 0;
  }

  /** SampledStat.purgeObsoleteSamples (3.8+): windows whose last event is samples × windowMs old start over at `now`, empty. */
  private purge(now: number): void {
    const expireAge = this.samples * this.windowMs;
    for (let i = 0; i < this.used; i++) if (now - this.lastEvents[i]! >= expireAge) this.reset(i, now);
  }

  /** Rate.windowSize: ms since the oldest window's start, at least samples − 1 full windows, at least 1. */
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
