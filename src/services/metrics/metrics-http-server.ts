/**
 * The metrics HTTP listener (`metrics.http.listener`, `--metrics-listener`): what the Prometheus JMX exporter agent
 * serves for a Kafka broker, on a port of its own (never a Kafka listener's). GET only:
 *   /metrics  Prometheus text format (KafkaMetrics)
 *   /healthz  liveness: alive, event loop responsive (health.ts)
 *   /readyz   readiness: RUNNING, registered in ZooKeeper, an online log dir; JSON naming what is not ready
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from '../../logger.js';
import type { KafkaMetrics } from './kafka-metrics.js';
import type { ObservedBroker } from './observed-broker.js';
import { EventLoopWatch, liveness, readiness, type ProbeResult } from './health.js';

export interface MetricsAddress { host: string; port: number }

/** `HOST:PORT`, `[v6]:PORT` or `:PORT` (all interfaces); null for an empty value (off). Throws on anything else. */
export function parseMetricsListener(value: string | null | undefined): MetricsAddress | null {
  const v = (value ?? '').trim();
  if (v === '') return null;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`expected HOST:PORT (e.g. 127.0.0.1:9404), got '${v}'`);
  return { host: m[1] ?? m[2] ?? '', port };
}

export class MetricsHttpServer {
  private server: Server | null = null;
  private readonly watch = new EventLoopWatch();
  boundPort = -1;

  constructor(private readonly metrics: KafkaMetrics, private readonly broker: ObservedBroker, private readonly log: Logger) {}

  async listen(addr: MetricsAddress, kafkaPorts: readonly number[]): Promise<number> {
    if (addr.port !== 0 && kafkaPorts.includes(addr.port)) {
      throw new Error(`metrics.http.listener port ${addr.port} is a Kafka listener's port: the metrics listener needs a port of its own`);
    }
    const server = createServer((req, res) => {
      void this.answer(req.method ?? 'GET', (req.url ?? '/').split('?')[0]!).then(({ status, type, body }) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: addr.host === '' ? undefined : addr.host, port: addr.port }, () => { server.off('error', reject); resolve(); });
    }).catch((e: Error) => { throw new Error(`Cannot bind the metrics listener to ${addr.host || '0.0.0.0'}:${addr.port}: ${e.message}`); });
    server.on('error', (e) => this.log.error({ err: e.message }, 'Metrics listener error'));
    this.server = server;
    const a = server.address();
    this.boundPort = typeof a === 'object' && a ? a.port : addr.port;
    return this.boundPort;
  }

  private async answer(method: string, path: string): Promise<{ status: number; type: string; body: string }> {
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, type: 'text/plain', body: 'GET only\n' };
    const json = (p: ProbeResult) => ({ status: p.status, type: 'application/json', body: `${JSON.stringify(p.body)}\n` });
    switch (path) {
      case '/metrics':
        try {
          const { contentType, body } = await this.metrics.scrape();
          return { status: 200, type: contentType, body };
        } catch (e) {
          this.log.error({ err: (e as Error).message }, 'Collecting metrics failed');
          return { status: 500, type: 'text/plain', body: `collecting metrics failed: ${(e as Error).message}\n` };
        }
      case '/healthz': return json(liveness(this.watch));
      case '/readyz': return json(readiness(this.broker));
      default: return { status: 404, type: 'text/plain', body: 'not found: /metrics, /healthz, /readyz\n' };
    }
  }

  async close(): Promise<void> {
    this.watch.close();
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
