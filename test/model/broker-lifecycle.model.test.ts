/**
 * Model-based test (xstate/graph): an abstract model of the broker as an operator sees it,
 * driving the real broker process and a real ZooKeeper. Each path of the model is one test:
 * its events are done for real (stop/start ZooKeeper, SIGTERM), and each state it reaches is
 * checked on the real broker — through the live viewer's /events stream (the same inspection
 * messages the viewer shows), folded with the viewer's own timeline model.
 *
 *   running ──ZK_STOP──► degraded ──ZK_START──► recovered
 *      │                    │                      │
 *      └──────SIGTERM───────┴───────SIGTERM────────┴──► stopped (exit 0)
 *
 * getSimplePaths gives four paths (one broker run each, ~8 s in all) that together take every
 * edge of the model, recovered→degraded (a second outage) included; getShortestPaths would
 * reach every state but skip edges (degraded→stopped, recovered→…).
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { createMachine } from 'xstate';
import { createTestModel } from 'xstate/graph';
import WebSocket from 'ws';
import { startZooKeeper, freePort, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll } from '../integration/support.js';
import { createTimelineModel, type TimelineModel } from '../../src/inspect/timeline.js';

const brokerModel = createMachine({
  id: 'broker',
  initial: 'running',
  states: {
    running: { on: { ZK_STOP: 'degraded', SIGTERM: 'stopped' } },
    degraded: { on: { ZK_START: 'recovered', SIGTERM: 'stopped' } },
    recovered: { on: { ZK_STOP: 'degraded', SIGTERM: 'stopped' } },
    stopped: { type: 'final' },
  },
});

let zk: ZooKeeperServer;
beforeAll(async () => { zk = await startZooKeeper(); });
afterEach(async () => {
  await stopAllBrokers();
  if (!zk.running) await zk.start(); // the next path starts with ZooKeeper up
});
afterAll(async () => { await cleanupAll(); await zk?.close(); });

/** The broker under test and what its inspection stream says. */
interface Sut { broker: BrokerProcess; view: TimelineModel; ws: WebSocket; exitCode?: number | null }

async function startSut(): Promise<Sut> {
  const port = await freePort();
  const b = await brokerConfig(zk);
  const broker = startBroker(b, ['--inspect-port', String(port)]);
  await broker.waitForLog(started);
  const view = createTimelineModel();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/events`);
  ws.on('message', (d) => view.apply(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return { broker, view, ws };
}

/** Waits until the actor `name` is in `state` according to the inspection stream. */
async function actorIn(sut: Sut, name: string, state: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (sut.view.find(name)?.state !== state) {
    if (Date.now() > deadline) throw new Error(`${name} not in ${state} within ${timeoutMs} ms (is ${sut.view.find(name)?.state})\n${sut.broker.tail(15)}`);
    if (sut.broker.exited) throw new Error(`broker exited while waiting for ${name} in ${state}\n${sut.broker.tail(15)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const paths = createTestModel(brokerModel).getSimplePaths();

describe('broker lifecycle model (real broker, real ZooKeeper)', () => {
  it('the model has the paths we expect', () => {
    expect(paths.map((p) => p.steps.map((s) => s.event.type).filter((t) => t !== 'xstate.init').join(' → ')).sort())
      .toEqual(['SIGTERM', 'ZK_STOP → SIGTERM', 'ZK_STOP → ZK_START → SIGTERM', 'ZK_STOP → ZK_START → ZK_STOP → SIGTERM']);
  });

  for (const path of paths) {
    it(path.description, async () => {
      let sut: Sut | null = null;
      try {
        await path.test({
          events: {
            ZK_STOP: async () => { await zk.stop(); },
            ZK_START: async () => { await zk.start(); },
            SIGTERM: async () => { sut!.broker.signal('SIGTERM'); sut!.exitCode = await sut!.broker.waitForExit(15_000); },
          },
          states: {
            running: async () => {
              sut = await startSut();
              await actorIn(sut, 'majordomo', 'running.serving');
              await actorIn(sut, 'zookeeperClient', 'session.watching');
            },
            degraded: async () => {
              await actorIn(sut!, 'zookeeperClient', 'session.degraded');
              expect(sut!.view.find('majordomo')!.state).toBe('running.serving'); // the broker stays up
              expect(sut!.broker.exited).toBe(false);
            },
            recovered: async () => {
              await actorIn(sut!, 'zookeeperClient', 'session.watching', 30_000);
              await actorIn(sut!, 'majordomo', 'running.serving');
            },
            stopped: async () => {
              expect(sut!.exitCode).toBe(0);
              expect(sut!.view.find('majordomo')).toMatchObject({ state: 'stopped', status: 'done' });
              expect(sut!.broker.logs.some((l) => l.brokerState === 'NOT_RUNNING')).toBe(true);
            },
          },
        });
      } finally {
        (sut as Sut | null)?.ws.terminate();
      }
    });
  }
});
