/**
 * Model-based test of the broker's failure paths (xstate/graph), on the real broker process, a
 * real ZooKeeper and the real filesystem. The model (support/failure-model.ts) is an abstract
 * machine of what an operator does and sees — start it, break its dirs or its ZooKeeper, pause it,
 * reconfigure it, kill it, restart it — not of the broker's internals.
 *
 * Paths:
 *  1. `getShortestPaths()` with states serialised by value: one shortest path to every state of
 *     the model (prefixes of longer paths dropped by xstate/graph): 8 paths.
 *  2. `getSimplePaths()` with `filterEvents` (only events the model takes), the model's own bounds
 *     (at most MAX_FAULTS=2 running faults and one RESTART per path, each fault once: a finite,
 *     acyclic graph, ~550 simple paths) and MAX_LENGTH events; from those, greedily (most new
 *     transitions first, then cheapest) until every transition of the model is taken in every
 *     broker process it can happen in (first or restarted: 30 transitions): 6 paths.
 *     MAX_LENGTH = 6 is the shortest bound with which simple paths still reach all 30 (checked
 *     below: with 5 some transition is unreachable); longer paths would only add steps, and time.
 *  3. More simple paths for transition pairs not yet taken back to back (2-switch coverage), until
 *     there are MIN_PATHS = 36 (with the 4 lifecycle paths, ≥ 40 end-to-end paths run in CI; 80 in
 *     `npm run test:model:full`).
 *  Budget: 36 paths, ~2.5 min measured on two shared cores (EVENT_COST estimates ≤ 240 s; each path's
 *  timeout scales with its estimate);
 *  ZooKeeper runs with tickTime 500 ms, brokers with a 3 s session and 7 s connection timeout.
 *
 * After every step the test checks what an operator can observe of that state: process alive or
 * its exit code and fatal line, registration in /brokers/ids (and which session owns it), the
 * zookeeperClient/majordomo states from the live viewer's /events stream, log lines (log dirs
 * online/offline, clean-shutdown recovery, re-registrations, applied configs), and files on disk
 * (meta.properties, .lock, .kafka_cleanshutdown). Each path gets a fresh chroot and fresh dirs.
 * SIGTERM must end the process within the session timeout wherever it comes.
 *
 * Paths that hit a broker bug found here are kept, and must fail with exactly that bug's symptom
 * (KNOWN_BUGS), so the suite stays green until the bug is fixed and then asks for the entry to go.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import type { LogLine } from '../helpers/broker-process.js';
import { cleanupAll, eventually } from '../integration/support.js';
import { CreateMode } from '../../src/services/zookeeper/zk-session.js';
import { faultModel, planPaths, transitionsOf, eventsOf, costOf, type FaultEvent, type FaultSnapshot } from './support/failure-model.js';
import { BrokerUnderTest, exists, readMeta, readText, sleep } from './support/broker-under-test.js';

const MAX_LENGTH = 6;
const SESSION_TIMEOUT_MS = 3000;
const CONNECTION_TIMEOUT_MS = 7000; // room for ZooKeeper's JVM start and the client's 2 s max reconnect back-off on a loaded machine
const CORRUPT_META = 'version=0\nbroker.id=abc\n';
const FOREIGN_CLUSTER = 'AAAAAAAAAAAAAAAAAAAAAA';

/**
 * Broker bugs this model found (reported, not fixed here). A path taking `transition` must fail
 * with `symptom` — and only with it: any other failure, or none (bug fixed: drop the entry), fails.
 */
const KNOWN_BUGS: Array<{ transition: string; symptom: RegExp; bug: string }> = [
  // Both bugs this model found are fixed: SIGTERM now aborts the wait for a dead session's
  // registration (registerBroker takes the invoke's AbortSignal), and a halt names every log dir.
];

const FULL = process.env.RAFKA_MODEL_FULL === '1';
/** With the 4 paths of broker-lifecycle.model.test.ts, CI runs ≥ 40 generated end-to-end paths. */
const MIN_PATHS = FULL ? 80 : 36;
const plan = planPaths(MAX_LENGTH, MIN_PATHS);
const paths = [...plan.shortest, ...plan.simple, ...plan.pairs];

let zk: ZooKeeperServer;
let u: BrokerUnderTest | null = null;
beforeAll(async () => { zk = await startZooKeeper({ tickTime: 500 }); });
afterEach(async () => {
  await u?.close();
  u = null;
  if (!zk.running) await zk.start(); // every path starts with ZooKeeper up
});
afterAll(async () => { await cleanupAll(); await zk?.close(); });

const registered = (l: LogLine) => l.msg.startsWith('Registered broker 1 ');
const reregistered = (l: LogLine) => l.msg.startsWith('Re-registered broker 1 ');
const expiredLine = (l: LogLine) => l.msg.startsWith('ZooKeeper session expired');
const appliedLive = (l: LogLine) => l.msg === 'Applied dynamic broker config';

describe('the failure model', () => {
  it('reaches every state and takes every transition, within MAX_LENGTH', () => {
    const stateNames = Object.keys(faultModel.config.states!);
    const reached = new Set(paths.flatMap((p) => p.steps.map((s) => String(s.state.value))));
    expect([...reached].sort()).toEqual([...stateNames].sort());
    expect([...plan.covered].sort()).toEqual([...plan.allTransitions].sort());
    expect(plan.allTransitions.size).toBe(30);
    // MAX_LENGTH is the smallest bound that still covers everything.
    expect(planPaths(MAX_LENGTH - 1).covered.size).toBeLessThan(plan.allTransitions.size);
    expect(plan.shortest.length + plan.simple.length).toBe(14); // full transition coverage
    expect(paths.length).toBe(MIN_PATHS); // + transition pairs (there are more pair candidates than needed)
    expect(new Set(paths.map((p) => eventsOf(p).join(' '))).size).toBe(paths.length); // all distinct
    const seconds = paths.reduce((s, p) => s + costOf(p), 0);
    expect(seconds, 'estimated run time of all paths').toBeLessThan(FULL ? 600 : 240);
    for (const p of paths) for (const t of transitionsOf(p)) expect(t).toMatch(/ @[12]$/);
  });
});

describe('broker failure paths (real broker, real ZooKeeper, real disk)', () => {
  for (const path of paths) {
    const name = `${eventsOf(path).join(' → ')}  ⇒ ${String(path.state.value)}`;
    const bugNote = KNOWN_BUGS.filter((k) => transitionsOf(path).includes(k.transition)).map(() => '  [known broker bug]').join('');
    it(name + bugNote, async () => {
      const sut = (u = await BrokerUnderTest.create(zk, {
        'zookeeper.session.timeout.ms': String(SESSION_TIMEOUT_MS),
        'zookeeper.connection.timeout.ms': String(CONNECTION_TIMEOUT_MS),
      }));
      const online = (c: FaultSnapshot['context']) => (c.offlineDir ? [sut.dirA] : [sut.dirA, sut.dirB]);
      const exitOf = async (timeoutMs = 20_000) => sut.broker.waitForExit(timeoutMs);
      const fatal = () => sut.fatalLines().join('\n');
      let stopMs = -1;
      /** Which broker process (1-based) saw ZooKeeper stopped under it, if any. */
      let outageInProc = 0;
      /** SIGTERM → exit 0, promptly (the shutdown itself takes ~0.1–0.5 s; 3 s is the session timeout). */
      const exitedPromptly = async () => {
        expect(sut.broker.exitCode, sut.broker.tail()).toBe(0);
        expect(await sut.listening(), 'listener closed').toBe(false);
        expect(stopMs, `SIGTERM → exit took ${stopMs} ms\n${sut.broker.tail(8)}`).toBeLessThan(SESSION_TIMEOUT_MS);
      };

      /** The session of a SIGKILLed earlier process, which may still own /brokers/ids/1 until it expires. */
      const deadSessions = () => sut.procs.slice(0, -1).filter((p) => p.broker.exitCode === null)
        .map((p) => p.broker.logs.filter((l) => l.msg === 'Connected to ZooKeeper').at(-1)?.sessionId);
      /** Exit 1 with one fatal line matching `pattern`, and not registered (only a dead session may still be). */
      const failedWith = async (pattern: RegExp) => {
        expect(sut.broker.exitCode, sut.broker.tail()).toBe(1);
        expect(fatal()).toMatch(pattern);
        const owner = await sut.registrationOwner();
        expect(owner === null || deadSessions().includes(owner), `registered by ${owner}`).toBe(true);
      };
      /** Clean-shutdown markers in exactly the online dirs, locks released. */
      const cleanlyClosed = async (c: FaultSnapshot['context']) => {
        for (const d of [sut.dirA, sut.dirB]) {
          const marker = await readText(join(d, '.kafka_cleanshutdown'));
          if (online(c).includes(d)) {
            expect(marker, `clean-shutdown marker in ${d}`).not.toBeNull();
            expect(JSON.parse(marker!)).toEqual({ version: 0, brokerEpoch: -1 });
            expect(await exists(join(d, '.lock')), `lock released in ${d}`).toBe(false);
          } else {
            expect(marker, `no marker in the offline dir ${d}`).toBeNull();
          }
        }
      };

      const events: Record<FaultEvent['type'], () => Promise<void>> = {
        START: async () => { await sut.start(); },
        LOG_DIR_CORRUPT_META: async () => {
          await mkdir(sut.dirB, { recursive: true });
          await writeFile(join(sut.dirB, 'meta.properties'), CORRUPT_META);
          await sut.start();
        },
        LOG_DIR_ALL_BAD: async () => {
          for (const d of [sut.dirA, sut.dirB]) {
            await mkdir(d, { recursive: true });
            await writeFile(join(d, 'meta.properties'), CORRUPT_META);
          }
          await sut.start(false);
          await exitOf();
        },
        INCONSISTENT_CLUSTER_ID: async () => {
          if (sut.procs.length === 0) {
            // Dirs that belong to another cluster.
            await mkdir(sut.dirA, { recursive: true });
            await writeFile(join(sut.dirA, 'meta.properties'), `#\nversion=0\nbroker.id=1\ncluster.id=${FOREIGN_CLUSTER}\n`);
          } else {
            // ZooKeeper lost its data (a new ensemble): the next start makes a new cluster id.
            await sut.zkRead((s) => s.remove('/cluster/id'));
          }
          await sut.start(false);
          await exitOf();
        },
        ZOOKEEPER_DOWN_AT_START: async () => {
          await zk.stop();
          await sut.start();
          await sut.broker.waitForLog((l) => l.msg.startsWith('Connecting to ZooKeeper'));
        },
        ZK_START: async () => { await zk.start(); },
        CONNECTION_TIMEOUT: async () => { await exitOf(CONNECTION_TIMEOUT_MS + 15_000); },
        ZK_STOP: async () => { outageInProc = sut.procs.length; await zk.stop(); },
        SESSION_EXPIRED: async () => {
          // A process pause past the session timeout (a long GC pause, a stopped VM).
          const before = sut.count(reregistered);
          sut.broker.signal('SIGSTOP');
          try {
            await eventually(async () => (await sut.registrationOwner()) === null, 15_000, "the paused broker's registration to expire");
          } finally {
            sut.broker.signal('SIGCONT');
          }
          await eventually(async () => sut.count(reregistered) > before, 20_000, 're-registration');
          await sleep(1000); // a duplicate re-registration would show by now
        },
        DYNAMIC_CONFIG_CHANGE: async () => {
          // What kafka-configs.sh --alter --entity-type brokers --entity-name 1 writes.
          const before = sut.count(appliedLive);
          await sut.zkRead(async (s) => {
            const data = Buffer.from(JSON.stringify({ version: 1, config: { 'log.retention.ms': '4242' } }));
            if (await s.exists('/config/brokers/1')) await s.setData('/config/brokers/1', data); else await s.create('/config/brokers/1', data);
            await s.create('/config/changes/config_change_', Buffer.from(JSON.stringify({ version: 2, entity_path: 'brokers/1' })), CreateMode.PERSISTENT_SEQUENTIAL);
          });
          await eventually(async () => sut.count(appliedLive) > before, 10_000, 'the config change to be applied');
        },
        FEATURE_INCOMPATIBLE: async () => {
          await sut.zkRead((s) => s.setData('/feature', Buffer.from(JSON.stringify({ version: 2, status: 1, features: { 'metadata.version': { max_version_level: 7 } } }))));
          await exitOf();
        },
        SIGTERM: async () => {
          const t0 = Date.now();
          sut.broker.signal('SIGTERM');
          await exitOf(15_000);
          stopMs = Date.now() - t0;
        },
        SIGKILL: async () => { sut.broker.signal('SIGKILL'); await exitOf(); },
        RESTART: async () => { await sut.start(); },
        OLD_SESSION_EXPIRED: async () => {
          await eventually(async () => (await sut.registrationOwner()) === sut.lastSessionId(), 15_000, 'the dead session to expire and the new one to register');
        },
      };

      const states: Record<string, (s: FaultSnapshot) => Promise<void>> = {
        setup: async () => {
          expect(sut.procs).toHaveLength(0);
        },
        awaitingZk: async () => {
          await sut.actorIn('zookeeperClient', 'connecting');
          expect(sut.current.view.find('majordomo')!.state).toBe('starting.connectingToZooKeeper');
          expect(sut.broker.exited).toBe(false);
          for (const d of [sut.dirA, sut.dirB]) expect(await readMeta(d), `nothing written in ${d} yet`).toBeNull();
          expect(await sut.listening(), 'no listener before ZooKeeper answers').toBe(false);
        },
        running: async ({ context: c }) => {
          await sut.actorIn('majordomo', 'running.serving', 20_000);
          await sut.actorIn('zookeeperClient', 'session.watching', 30_000);
          // Serving clients: they see this broker in the metadata.
          expect((await sut.metadata())?.brokers, 'kcat -L').toEqual([{ id: 1, name: sut.bootstrap }]);
          // Registered, by this process's live session.
          const owner = await eventually(() => sut.registrationOwner(), 10_000, 'the registration');
          expect(owner).toBe(sut.lastSessionId());
          expect(sut.count(registered)).toBe(1);
          const expiredHere = c.expiredIn === c.generation ? 1 : 0;
          const expiries = sut.count(expiredLine);
          // A ZooKeeper outage may itself outlast the session (ZooKeeper's restart plus the client's
          // back-off can exceed a 3 s session on a loaded machine): that is one more real expiry.
          if (outageInProc === sut.procs.length) expect(expiries).toBeGreaterThanOrEqual(expiredHere);
          else expect(expiries, 'session expiries in this process').toBe(expiredHere);
          expect(sut.count(reregistered), 're-registered exactly once per expiry').toBe(expiries);
          // Log dirs: the corrupted one offline (and untouched), the others online, locked, with meta.properties.
          const ready = sut.logs.find((l) => l.msg === 'Log dirs ready')!;
          expect(ready.online).toEqual(online(c));
          expect(ready.offline).toEqual(c.offlineDir ? [sut.dirB] : []);
          const clusterId = await sut.zkRead(async (s) => JSON.parse((await s.getData('/cluster/id')).data!.toString()).id as string);
          for (const d of online(c)) {
            expect(await readMeta(d)).toMatchObject({ version: '0', 'broker.id': '1', 'cluster.id': clusterId });
            expect(await exists(join(d, '.lock'))).toBe(true);
            expect(await exists(join(d, '.kafka_cleanshutdown')), 'marker consumed at startup').toBe(false);
          }
          if (c.offlineDir) expect(await readText(join(sut.dirB, 'meta.properties'))).toBe(CORRUPT_META);
          // Recovery: dirs the previous process closed cleanly skip it; after SIGKILL none do.
          const loaded = sut.logs.find((l) => l.msg.startsWith('Log manager ready'))!;
          expect(loaded.hadCleanShutdown).toEqual(c.previous === 'clean' ? online(c) : []);
          // Dynamic config: applied live once in the process that got it, read from ZooKeeper by a later one.
          expect(sut.count(appliedLive)).toBe(c.reconfiguredIn === c.generation ? 1 : 0);
          if (c.reconfiguredIn !== 0 && c.reconfiguredIn < c.generation) {
            expect(sut.logs.find((l) => l.msg === 'Applied dynamic broker configs from ZooKeeper')?.dynamicConfigs).toContain('log.retention.ms');
          }
        },
        degraded: async () => {
          await sut.actorIn('zookeeperClient', 'session.degraded');
          expect(sut.current.view.find('majordomo')!.state).toBe('running.serving'); // it keeps serving
          expect(sut.broker.exited).toBe(false);
          expect(sut.logs.some((l) => l.msg.startsWith('Disconnected from ZooKeeper'))).toBe(true);
          expect((await sut.metadata())?.brokers, 'clients still get metadata during the outage').toEqual([{ id: 1, name: sut.bootstrap }]);
        },
        stopped: async ({ context: c }) => {
          await exitedPromptly();
          expect(sut.logs.filter((l) => typeof l.brokerState === 'string').map((l) => l.brokerState).slice(-2)).toEqual(['SHUTTING_DOWN', 'NOT_RUNNING']);
          const owner = await sut.registrationOwner();
          if (sut.logs.some((l) => l.msg.startsWith('Registered broker'))) {
            expect(owner, 'ephemeral gone at once').toBeNull();
          } else {
            // Stopped while reclaiming: it never registered, so only the dead process's session can
            // still hold /brokers/ids/1 (until that session expires on its own).
            expect(owner === null || deadSessions().includes(owner), `owner ${owner} is neither absent nor a dead session`).toBe(true);
          }
          await cleanlyClosed(c);
        },
        reclaiming: async () => {
          // Up, but the dead process's session still owns the registration: it says so and waits.
          const dead = sut.procs.at(-2)!.broker.logs.filter((l) => l.msg === 'Connected to ZooKeeper').at(-1)!.sessionId as string;
          await sut.broker.waitForLog((l) => l.level === 40 && l.msg.startsWith(`/brokers/ids/1 is held by session 0x${dead}; waiting`), 10_000);
          expect(sut.broker.exited).toBe(false);
          await sut.actorIn('majordomo', 'starting.registeringBroker');
          expect(await sut.registrationOwner()).toBe(dead);
        },
        killed: async () => {
          expect(sut.broker.exitCode).toBeNull();
          expect(sut.broker.proc.signalCode).toBe('SIGKILL');
          for (const d of [sut.dirA, sut.dirB]) expect(await exists(join(d, '.kafka_cleanshutdown'))).toBe(false);
          // The dead session's registration lingers until ZooKeeper expires it.
          expect(await sut.registrationOwner()).toBe(sut.lastSessionId());
        },
        halted: async () => {
          await failedWith(/none of the specified log dirs .*can be created or validated/);
          const kafkas = `none of the specified log dirs from ${sut.dirA}, ${sut.dirB} can be created or validated`;
          expect(fatal().includes(kafkas), `Kafka's halt message names every dir; got: ${fatal()}`).toBe(true);
          for (const d of [sut.dirA, sut.dirB]) expect(await readText(join(d, 'meta.properties'))).toBe(CORRUPT_META);
        },
        clusterIdRejected: async () => {
          await failedWith(/Invalid cluster\.id in: .*logs-a\/meta\.properties\. Expected [\w-]{22}, but read [\w-]{22}/);
        },
        connectionTimedOut: async () => {
          expect(sut.broker.exitCode).toBe(1);
          expect(fatal()).toMatch(new RegExp(`Timed out waiting for connection to ZooKeeper at .* \\(zookeeper\\.connection\\.timeout\\.ms=${CONNECTION_TIMEOUT_MS}\\)`));
          for (const d of [sut.dirA, sut.dirB]) expect(await readMeta(d)).toBeNull();
        },
        featureRejected: async ({ context: c }) => {
          await failedWith(/incompatible finalized features \(metadata\.version=7\)/);
          await cleanlyClosed(c); // a fatal error still shuts down cleanly
        },
        stoppedWhileConnecting: async () => {
          await exitedPromptly();
          for (const d of [sut.dirA, sut.dirB]) expect(await readMeta(d)).toBeNull();
        },
        stoppedDuringOutage: async ({ context: c }) => {
          await exitedPromptly();
          await cleanlyClosed(c);
        },
      };

      const known = KNOWN_BUGS.filter((k) => transitionsOf(path).includes(k.transition));
      if (known.length === 0) {
        await path.test({ events, states: states as never });
        return;
      }
      const error = await path.test({ events, states: states as never }).then(() => null, (e: unknown) => e as Error);
      expect(error, `known broker bug no longer shows — fixed? drop it from KNOWN_BUGS: ${known.map((k) => k.bug).join('; ')}`).not.toBeNull();
      expect(known.some((k) => k.symptom.test(error!.message)), `failed, but not with the known bug's symptom:\n${error!.message}`).toBe(true);
    }, 30_000 + costOf(path) * 4000);
  }
});
