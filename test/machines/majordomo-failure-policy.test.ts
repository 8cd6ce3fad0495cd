/**
 * The Majordomo's policy for a coordinator that fails unexpectedly (issue 10): the config-change coordinator
 * (dynamicConfig, Kafka's ZkConfigManager) is logged and restarted — a bounded number of times, then the broker
 * serves on without it — and never stops the broker; any other coordinator failing after startup is reported as
 * what failed (not as "Fatal error during KafkaServer startup") and shuts the broker down with exit code 1.
 * The real Majordomo runs in-process on a real ZooKeeper; only the failing coordinator is replaced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createActor, fromPromise, sendParent, setup, toPromise, type AnyActorLogic } from 'xstate';
import { KafkaConfig } from '../../src/config/kafka-config.js';
import { majordomoMachine } from '../../src/machines/majordomo.js';
import { freePort, startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';

let zk: ZooKeeperServer;
const dirs: string[] = [];
let seq = 0;
beforeAll(async () => { zk = await startZooKeeper(); });
afterAll(async () => { await zk?.close(); for (const d of dirs) await rm(d, { recursive: true, force: true }); });

interface Line { level: number; msg: string; [k: string]: unknown }

/** Runs the Majordomo with some coordinators replaced; resolves once it is RUNNING (or at once with `waitRunning: false`). */
async function runBroker(actors: Record<string, AnyActorLogic>, waitRunning = true, extraProps: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'rafka-majordomo-'));
  dirs.push(dir);
  const props = {
    'broker.id': '1', 'zookeeper.connect': `${zk.connectString}/majordomo${process.pid}-${++seq}`, 'log.dirs': join(dir, 'logs'),
    listeners: `PLAINTEXT://127.0.0.1:${await freePort()}`, 'zookeeper.session.timeout.ms': '6000', ...extraProps,
  };
  const lines: Line[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s) as Line); } });
  const machine = majordomoMachine.provide({ actors: actors as never });
  const actor = createActor(machine, { input: { config: KafkaConfig.fromProps(props), staticProps: props, log } }).start();
  const done = toPromise(actor);
  if (!waitRunning) return { actor, done, lines };
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      const s = actor.getSnapshot();
      if (s.context.brokerState === 'RUNNING') { sub.unsubscribe(); resolve(); }
      else if (s.status !== 'active') { sub.unsubscribe(); reject(new Error(`broker stopped: ${s.context.error}`)); }
    };
    const sub = actor.subscribe({ next: check, error: reject });
    check();
  });
  return { actor, done, lines };
}

/** A coordinator that throws while starting, the first `failures` times it is started. */
function failingOnStart(failures: number) {
  let left = failures;
  const starts = { count: 0 };
  const logic = setup({}).createMachine({ entry: () => { starts.count++; if (left-- > 0) throw new Error(`boom ${starts.count}`); } });
  return { logic, starts };
}

/** A coordinator that throws when sent `boom`. */
const failingOnBoom = setup({}).createMachine({ on: { boom: { actions: () => { throw new Error('kaboom'); } } } });

const waitFor = async (what: string, cond: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const startupFatal = (lines: Line[]) => lines.filter((l) => /Fatal error during KafkaServer startup/.test(l.msg));

describe('Majordomo: a coordinator failing unexpectedly', () => {
  it('dynamicConfig is logged and restarted; the broker keeps serving', async () => {
    const flaky = failingOnStart(2);
    const { actor, done, lines } = await runBroker({ dynamicConfig: flaky.logic });
    await waitFor('the third start', () => flaky.starts.count === 3);
    const restarts = lines.filter((l) => l.coordinator === 'dynamicConfig');
    expect(restarts.map((l) => [l.level, l.msg])).toEqual([
      [50, 'Coordinator dynamicConfig failed: boom 1; restarting it (1/5), the broker keeps serving'],
      [50, 'Coordinator dynamicConfig failed: boom 2; restarting it (2/5), the broker keeps serving'],
    ]);
    expect(actor.getSnapshot().context.brokerState).toBe('RUNNING');
    expect(actor.getSnapshot().children.dynamicConfig?.getSnapshot().status).toBe('active');
    expect(startupFatal(lines)).toEqual([]);
    actor.send({ type: 'broker.shutdown' });
    expect((await done).exitCode).toBe(0);
  });

  it('dynamicConfig failing for good: restarted a bounded number of times, then the broker serves on without it', async () => {
    const broken = failingOnStart(Infinity);
    const { actor, done, lines } = await runBroker({ dynamicConfig: broken.logic });
    await waitFor('the last restart', () => lines.some((l) => /not restarted again after 5 restarts/.test(l.msg)));
    expect(broken.starts.count).toBe(6); // the first start and 5 restarts
    expect(actor.getSnapshot().context.brokerState).toBe('RUNNING');
    expect(actor.getSnapshot().children.dynamicConfig).toBeUndefined();
    expect(startupFatal(lines)).toEqual([]);
    actor.send({ type: 'broker.shutdown' });
    expect((await done).exitCode).toBe(0);
  });

  it('another coordinator failing after startup: said what failed, not a startup error; the broker shuts down with 1', async () => {
    const { actor, done, lines } = await runBroker({ groupCoordinator: failingOnBoom });
    actor.system.get('groupCoordinator')!.send({ type: 'boom' });
    const out = await done;
    expect(out).toMatchObject({ exitCode: 1, error: 'Coordinator groupCoordinator failed after startup: kaboom' });
    expect(lines.filter((l) => l.level === 60).map((l) => l.msg)).toEqual(['Coordinator groupCoordinator failed after startup: kaboom. The broker cannot serve without it: shutting down']);
    expect(startupFatal(lines)).toEqual([]);
  });
});

describe('Majordomo: the ZooKeeper session replaced while the broker registers (issue 11)', () => {
  it('registers again on the new session: the registration in flight holds the dead one', async () => {
    type RegisterArgs = { input: { handle: { current: { sessionId: string } } } };
    const real = (majordomoMachine.implementations.actors.registerBroker as unknown as { config: (a: RegisterArgs) => Promise<bigint> }).config;
    const sessions: string[] = [];
    const registerBroker = fromPromise<bigint, RegisterArgs['input']>((args) => {
      sessions.push(args.input.handle.current.sessionId);
      if (sessions.length === 1) return new Promise<bigint>(() => undefined); // the old session's call: never answered
      return real(args as unknown as RegisterArgs);
    });
    const { actor, done } = await runBroker({ registerBroker: registerBroker as AnyActorLogic }, false);
    await waitFor('the first registration attempt', () => sessions.length === 1);
    // The session expires: the zookeeper-client opens a new one and tells the Majordomo (zk.sessionReinitialized).
    actor.system.get('zookeeperClient')!.send({ type: 'zk.expired' });
    await waitFor('RUNNING', () => actor.getSnapshot().context.brokerState === 'RUNNING', 20_000);
    expect(sessions).toHaveLength(2);
    expect(sessions[1]).not.toBe(sessions[0]);
    const handle = actor.getSnapshot().context.handle;
    expect(handle.current.sessionId).toBe(sessions[1]);
    expect((await handle.current.getData('/brokers/ids/1')).stat.ephemeralOwner.toString('hex')).toBe(sessions[1]);
    actor.send({ type: 'broker.shutdown' });
    expect((await done).exitCode).toBe(0);
  });

  it('registers again once RUNNING when the session was replaced while it waited for its first metadata', async () => {
    // A controller that stays silent until told: the Majordomo waits in awaitingMetadata meanwhile.
    const quietController = setup({}).createMachine({
      on: { go: { actions: sendParent({ type: 'controller.elected', controllerId: 2, epoch: 1, isActive: false }) } },
    });
    // (no controlled shutdown at the end: the silent controller's broker 2 does not exist)
    const { actor, done, lines } = await runBroker({ controller: quietController as AnyActorLogic }, false, { 'controlled.shutdown.enable': 'false' });
    await waitFor('awaitingMetadata', () => actor.getSnapshot().matches({ starting: 'awaitingMetadata' }), 20_000);
    const handle = actor.getSnapshot().context.handle;
    const first = handle.current.sessionId;
    expect((await handle.current.getData('/brokers/ids/1')).stat.ephemeralOwner.toString('hex')).toBe(first);
    actor.system.get('zookeeperClient')!.send({ type: 'zk.expired' }); // replaced: the old session (and its registration) closed
    await waitFor('the new session', () => handle.hasSession && handle.current.sessionId !== first && handle.current.isConnected);
    actor.system.get('controller')!.send({ type: 'go' });
    await waitFor('re-registered', () => lines.some((l) => l.msg.startsWith('Re-registered broker 1 ')));
    expect((await handle.current.getData('/brokers/ids/1')).stat.ephemeralOwner.toString('hex')).toBe(handle.current.sessionId);
    actor.send({ type: 'broker.shutdown' });
    expect((await done).exitCode).toBe(0);
  });
});
