// Preloaded into a broker by the benchmarks (`node --import ./bench/broker-probe.mjs`, with RAFKA_PROBE_DIR set):
// each SIGUSR2 toggles a probe window. Opening one starts a V8 CPU profile and resets an event-loop delay
// histogram; closing it writes <dir>/<pid>-<n>.cpuprofile (open it in Chrome DevTools, or summarise it with
// bench/profile-top.mjs) and <dir>/<pid>-<n>.json (event-loop delay percentiles in ms, this process's CPU
// seconds in the window). Not used by the broker itself; bench only.
// Stalls: a 1 ms timer notes every event-loop turn later than STALL_MS (default 25 ms) with what the process did in
// it (getrusage deltas: CPU ms, voluntary/involuntary context switches, major faults, fs writes) and the GC pauses
// (> 5 ms) of the window, so a stall reads as busy JS (cpu ≈ gap), preempted (involuntary switches, cpu ≪ gap) or
// blocked in a syscall (voluntary switches, cpu ≪ gap). `atUs` is CLOCK_MONOTONIC µs like the .cpuprofile's
// timestamps, so `node bench/profile-top.mjs <file> 25 <fromUs> <toUs>` shows what ran around one.
// RAFKA_PROBE_HEAP=1: also a sampling heap profile of the window (<dir>/<pid>-<n>.heapprofile: what allocates; summarise
// with `node bench/profile-top.mjs <file>.heapprofile`).
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.RAFKA_PROBE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  const eld = monitorEventLoopDelay({ resolution: 1 });
  let open = false; let n = 0; let cpu0 = process.cpuUsage(); let t0 = 0;
  const STALL_MS = Number(process.env.RAFKA_PROBE_STALL_MS ?? 25);
  /** RAFKA_PROBE_CPU=0: no CPU profile (its 500 µs sampling perturbs latency figures); delay, stalls and GC only. */
  const CPU_PROFILE = process.env.RAFKA_PROBE_CPU !== '0';
  let stalls = []; let gcs = []; let stallTimer = null;
  /** per GC kind (1 scavenge, 2 mark-sweep-compact, 4 incremental marking, 8 weak callbacks): count, total and max ms */
  let gcSum = {};
  const gcObs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const k = gcSum[e.detail?.kind] ??= { count: 0, totalMs: 0, maxMs: 0 };
      k.count++; k.totalMs = +(k.totalMs + e.duration).toFixed(1); k.maxMs = Math.max(k.maxMs, +e.duration.toFixed(1));
      if (e.duration > 5) gcs.push({ atMs: +e.startTime.toFixed(1), ms: +e.duration.toFixed(1), kind: e.detail?.kind });
    }
  });
  const startStalls = () => {
    stalls = []; gcs = []; gcSum = {};
    gcObs.observe({ entryTypes: ['gc'] });
    let last = performance.now(); let ru = process.resourceUsage();
    stallTimer = setInterval(() => {
      const now = performance.now(); const r = process.resourceUsage();
      if (now - last > STALL_MS) {
        stalls.push({ atUs: Number(process.hrtime.bigint() / 1000n), atMs: +now.toFixed(1), gapMs: +(now - last).toFixed(1),
          cpuMs: +((r.userCPUTime + r.systemCPUTime - ru.userCPUTime - ru.systemCPUTime) / 1000).toFixed(1),
          sysMs: +((r.systemCPUTime - ru.systemCPUTime) / 1000).toFixed(1),
          volSwitches: r.voluntaryContextSwitches - ru.voluntaryContextSwitches, involSwitches: r.involuntaryContextSwitches - ru.involuntaryContextSwitches,
          majorFaults: r.majorPageFault - ru.majorPageFault, minorFaults: r.minorPageFault - ru.minorPageFault, fsWrite: r.fsWrite - ru.fsWrite });
      }
      last = now; ru = r;
    }, 1);
  };
  const stopStalls = () => { clearInterval(stallTimer); gcObs.disconnect(); };
  process.on('SIGUSR2', async () => {
    if (!open) {
      open = true; n++;
      eld.reset(); eld.enable(); cpu0 = process.cpuUsage(); t0 = performance.now(); startStalls();
      if (CPU_PROFILE) {
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 500 });
        await session.post('Profiler.start');
      }
      if (process.env.RAFKA_PROBE_HEAP) await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      return;
    }
    open = false;
    eld.disable(); stopStalls();
    const cpu = process.cpuUsage(cpu0);
    const profile = CPU_PROFILE ? (await session.post('Profiler.stop')).profile : null;
    const base = join(dir, `${process.pid}-${n}`);
    if (process.env.RAFKA_PROBE_HEAP) {
      const { profile: heap } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(`${base}.heapprofile`, JSON.stringify(heap));
    }
    if (profile) writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
    const ms = (v) => +(v / 1e6).toFixed(2);
    writeFileSync(`${base}.json`, JSON.stringify({
      wallSecs: +((performance.now() - t0) / 1000).toFixed(2), cpuSecs: +((cpu.user + cpu.system) / 1e6).toFixed(2),
      eventLoopDelayMs: { p50: ms(eld.percentile(50)), p90: ms(eld.percentile(90)), p99: ms(eld.percentile(99)), p999: ms(eld.percentile(99.9)), max: ms(eld.max), mean: ms(eld.mean) },
      stalls, gcPauses: gcs, gcByKind: gcSum,
    }));
  });
}
