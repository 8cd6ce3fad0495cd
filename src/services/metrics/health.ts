/**
 * Kubernetes-style probes (Rafka's own; Kafka has none):
 * - `/healthz`: the process is alive and its event loop responsive (the answer itself proves it runs; a stall
 *   longer than {@link STALL_LIMIT_MS} seen by the lag monitor answers 503);
 * - `/readyz`: the broker serves: BrokerState RUNNING (not starting, not in controlled shutdown or shutting down),
 *   connected to ZooKeeper and registered at /brokers/ids/<id>, at least one online log dir. The JSON body names
 *   every reason it is not ready.
 */
import type { ObservedBroker } from './observed-broker.js';

export const STALL_LIMIT_MS = 5_000;

export interface ProbeResult { status: 200 | 503; body: Record<string, unknown> }

export function readiness(b: ObservedBroker): ProbeResult {
  const notReady: string[] = [];
  const state = b.brokerState();
  if (state !== 'RUNNING') notReady.push(`broker state is ${state}, not RUNNING`);
  if (!b.zooKeeperConnected()) notReady.push('not connected to ZooKeeper');
  if (!b.registered()) notReady.push(`not registered in ZooKeeper (/brokers/ids/${b.brokerId() ?? '?'})`);
  if (b.onlineLogDirs().length === 0) notReady.push('no online log dir');
  return {
    status: notReady.length === 0 ? 200 : 503,
    body: { ready: notReady.length === 0, brokerId: b.brokerId(), brokerState: state, notReady, offlineLogDirs: b.offlineLogDirs() },
  };
}

/** Measures event-loop stalls with a 500 ms timer (unref'd: never keeps the process alive). */
export class EventLoopWatch {
  private last = performance.now();
  private maxLagMs = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly intervalMs = 500) {
    this.timer = setInterval(() => {
      const now = performance.now();
      this.maxLagMs = Math.max(0, now - this.last - this.intervalMs);
      this.last = now;
    }, intervalMs);
    this.timer.unref();
  }
  /** The lag of the latest tick, ms. */
  get lagMs(): number { return this.maxLagMs; }
  close(): void { clearInterval(this.timer); }
}

export function liveness(watch: EventLoopWatch): ProbeResult {
  const lag = Math.round(watch.lagMs);
  const ok = lag < STALL_LIMIT_MS;
  return { status: ok ? 200 : 503, body: { alive: true, eventLoopResponsive: ok, eventLoopLagMs: lag } };
}
