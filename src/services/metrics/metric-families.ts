/**
 * Metric families rendered at scrape time, for prom-client's Registry: the values live in Rafka's own objects
 * (plain numbers updated on the hot path, or state read when Prometheus scrapes), and each family's `get()` turns
 * them into samples only when /metrics is asked for. prom-client's own Counter/Gauge hash a label object on every
 * update, which the produce/fetch path must not pay.
 */
import type { Registry } from 'prom-client';
import { KAFKA_QUANTILES, type LatencyHistogram } from './latency-histogram.js';

export type Labels = Record<string, string | number>;
export interface Sample { value: number; labels?: Labels; metricName?: string }
export type MetricType = 'counter' | 'gauge' | 'summary';

/** The shape prom-client's Registry renders (registry.js getMetricsAsString: name, help, type, values). */
interface Family {
  name: string; help: string; type: MetricType; aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: MetricType; values: Sample[]; aggregator: 'sum' }>;
  reset(): void;
}

/** Registers a family whose samples `collect` computes at scrape time. */
export function registerFamily(registry: Registry, name: string, help: string, type: MetricType, collect: () => Sample[]): void {
  const family: Family = {
    name, help, type, aggregator: 'sum',
    get: async () => ({ name, help, type, values: collect(), aggregator: 'sum' }),
    reset: () => undefined,
  };
  registry.registerMetric(family as never);
}

/** One scrape-time gauge family; `collect` returns its samples (one unlabelled sample for a plain value). */
export function registerGauge(registry: Registry, name: string, help: string, collect: () => Sample[] | number): void {
  registerFamily(registry, name, help, 'gauge', () => { const v = collect(); return typeof v === 'number' ? [{ value: v }] : v; });
}

/** The samples of a summary as the JMX exporter renders a Yammer timer/histogram: quantiles, `_sum`, `_count`. */
export function summarySamples(name: string, h: LatencyHistogram, labels: Labels = {}): Sample[] {
  const qs = h.quantiles(KAFKA_QUANTILES);
  const out: Sample[] = KAFKA_QUANTILES.map((q, i) => ({ value: qs[i]!, labels: { ...labels, quantile: String(q) }, metricName: name }));
  out.push({ value: h.sum, labels, metricName: `${name}_sum` }, { value: h.count, labels, metricName: `${name}_count` });
  return out;
}
