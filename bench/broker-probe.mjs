// Preloaded into a broker by the benchmarks (`node --import ./bench/broker-probe.mjs`, with RAFKA_PROBE_DIR set):
// each SIGUSR2 toggles a probe window. Opening one starts a V8 CPU profile and resets an event-loop delay
// histogram; closing it writes <dir>/<pid>-<n>.cpuprofile (open it in Chrome DevTools, or summarise it with
// bench/profile-top.mjs) and <dir>/<pid>-<n>.json (event-loop delay percentiles in ms, this process's CPU
// seconds in the window). Not used by the broker itself; bench only.
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.RAFKA_PROBE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  const eld = monitorEventLoopDelay({ resolution: 1 });
  let open = false; let n = 0; let cpu0 = process.cpuUsage(); let t0 = 0;
  process.on('SIGUSR2', async () => {
    if (!open) {
      open = true; n++;
      eld.reset(); eld.enable(); cpu0 = process.cpuUsage(); t0 = performance.now();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 500 });
      await session.post('Profiler.start');
      return;
    }
    open = false;
    eld.disable();
    const cpu = process.cpuUsage(cpu0);
    const { profile } = await session.post('Profiler.stop');
    const base = join(dir, `${process.pid}-${n}`);
    writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
    const ms = (v) => +(v / 1e6).toFixed(2);
    writeFileSync(`${base}.json`, JSON.stringify({
      wallSecs: +((performance.now() - t0) / 1000).toFixed(2), cpuSecs: +((cpu.user + cpu.system) / 1e6).toFixed(2),
      eventLoopDelayMs: { p50: ms(eld.percentile(50)), p90: ms(eld.percentile(90)), p99: ms(eld.percentile(99)), p999: ms(eld.percentile(99.9)), max: ms(eld.max), mean: ms(eld.mean) },
    }));
  });
}
