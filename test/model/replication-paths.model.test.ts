/**
 * Model-based test of replication across three real brokers (xstate/graph): the environment is an abstract machine
 * of what happens to one RF=3, min.insync.replicas=2 partition — its leader or a follower killed (kill -9), the
 * leader cut off from the other brokers and from ZooKeeper (TCP proxies), a second replica lost while one is down,
 * and the recovery (restart of every dead broker, or the partition healed):
 *
 *   healthy ─KILL_LEADER──► leaderKilled ───RESTART──────────────────┐
 *      │   ─KILL_FOLLOWER─► followerKilled ─RESTART──────────────────┤
 *      │                        │ (leaderKilled too) KILL_LEADER     ├─► recovered
 *      │                        └──────────────► onlyOneLeft ─RESTART┤
 *      └───ISOLATE_LEADER─► leaderIsolated ───HEAL──────────────────┘
 *
 * Paths: xstate/graph's simple paths from healthy to recovered (5 paths, every transition of the model taken). CI
 * runs the one that takes the most transitions on its own (KILL_FOLLOWER, KILL_LEADER, RESTART); `npm run
 * test:model:full` runs all of them. Each path runs on the same cluster (a fresh topic per path).
 *
 * After every step the test checks what a client sees: in every state but onlyOneLeft a live leader (not a dead or
 * isolated broker) answers an acks=all produce with NONE; in onlyOneLeft the one replica left answers
 * NOT_ENOUGH_REPLICAS (the ISR is below min.insync.replicas) and writes nothing acknowledged; a dead broker leaves
 * the ISR; after recovery the ISR is full again; and every record acknowledged on the path is in the leader's log
 * exactly once.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { createMachine } from 'xstate';
import { createTestModel } from 'xstate/graph';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { BrokerBlockingSender } from '../../src/services/replication/broker-blocking-sender.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildRecordBatch } from '../../src/services/log/record-batch.js';

type ReplicationEvent = { type: 'KILL_LEADER' } | { type: 'KILL_FOLLOWER' } | { type: 'ISOLATE_LEADER' } | { type: 'HEAL' } | { type: 'RESTART' };

export const replicationModel = createMachine({
  id: 'threeBrokers',
  types: {} as { events: ReplicationEvent },
  initial: 'healthy',
  states: {
    healthy: { on: { KILL_LEADER: 'leaderKilled', KILL_FOLLOWER: 'followerKilled', ISOLATE_LEADER: 'leaderIsolated' } },
    leaderKilled: { on: { RESTART: 'recovered', KILL_LEADER: 'onlyOneLeft' } },
    followerKilled: { on: { RESTART: 'recovered', KILL_LEADER: 'onlyOneLeft' } },
    leaderIsolated: { on: { HEAL: 'recovered' } },
    onlyOneLeft: { on: { RESTART: 'recovered' } },
    recovered: { type: 'final' },
  },
});

const FULL = process.env.RAFKA_MODEL_FULL === '1';
const SESSION_MS = 3000;

const model = createTestModel(replicationModel);
const allPaths = model.getSimplePaths().filter((p) => p.state.matches('recovered'));
const eventsOf = (p: (typeof allPaths)[number]) => p.steps.slice(1).map((s) => s.event.type as ReplicationEvent['type']);
const transitionsOf = (p: (typeof allPaths)[number]) => p.steps.slice(1).map((s, i) => `${String(p.steps[i]!.state.value)} -${s.event.type}-> ${String(s.state.value)}`);
const byTransitions = [...allPaths].sort((a, b) => transitionsOf(b).length - transitionsOf(a).length || eventsOf(a).join().localeCompare(eventsOf(b).join()));
const paths = FULL ? byTransitions : byTransitions.slice(0, 1);

let zk: ZooKeeperServer;
let c: Cluster;
beforeAll(async () => {
  zk = await startZooKeeper({ tickTime: 500 });
  c = await startCluster({
    zkConnect: zk.connectString,
    proxies: true,
    props: {
      'auto.create.topics.enable': 'false', 'zookeeper.session.timeout.ms': String(SESSION_MS), 'replica.lag.time.max.ms': '3000',
      'replica.fetch.wait.max.ms': '200', 'unclean.leader.election.enable': 'false',
    },
  });
}, 120_000);
afterAll(async () => { await c?.close(); await zk?.close(); });

function kcat(bootstrap: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile('kcat', ['-b', bootstrap, ...args], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? 1 : 0 }));
  });
}

/** One Produce v7 acks=-1 straight to broker `id`: the partition's error code (-1: no answer in time). */
async function produce(id: number, topic: string, value: string, timeoutMs = 10_000): Promise<number> {
  const [host, port] = c.broker(id).address.split(':');
  const sender = new BrokerBlockingSender({ brokerId: id, host: host!, port: Number(port) }, { clientId: 'model', socketTimeoutMs: 5_000, requestTimeoutMs: timeoutMs + 10_000 });
  try {
    const records = buildRecordBatch({ records: [{ key: null, value, timestamp: Date.now() }], defaultTimestamp: Date.now() });
    const r = await sender.sendRequest(ApiKey.Produce, 7, { transactionalId: null, acks: -1, timeoutMs, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
    return r.responses[0]!.partitionResponses[0]!.errorCode;
  } catch {
    return -1;
  } finally { sender.close(); }
}

describe('replication model (3 brokers, xstate/graph paths)', () => {
  it('the paths reach every state and take every transition of the model', () => {
    const states = new Set(allPaths.flatMap((p) => p.steps.map((s) => String(s.state.value))));
    expect([...states].sort()).toEqual(Object.keys(replicationModel.config.states!).sort());
    const transitions = new Set(allPaths.flatMap(transitionsOf));
    expect(transitions.size).toBe(9);
    expect(allPaths).toHaveLength(5);
    expect(eventsOf(paths[0]!)).toEqual(['KILL_FOLLOWER', 'KILL_LEADER', 'RESTART']);
  });

  for (const [n, p] of paths.entries()) {
    const events = eventsOf(p);
    it(`path ${events.join(' → ')}`, async () => {
      const topic = `model-${n}`;
      const { Kafka, logLevel } = await import('kafkajs');
      const admin = new Kafka({ clientId: 'model', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 8 } }).admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
      } finally { await admin.disconnect(); }
      await c.waitForIsr(topic, 0, [1, 2, 3], 30_000);
      const acked: string[] = [];
      let seq = 0;
      const down = new Set<number>();
      let isolated: number | null = null;
      const ackOne = async (what: string) => {
        const value = `${topic}:${seq++}`;
        const st = await c.waitForLeader(topic, 0, { timeoutMs: 30_000 });
        // the controller may still be moving leadership: retry a not-leader answer until a live leader takes it
        const code = await c.waitFor(async () => {
          const s = (await c.partitionState(topic, 0))!;
          if (down.has(s.leader) || s.leader === isolated || s.leader < 0) return null;
          const e = await produce(s.leader, topic, value);
          return e === ErrorCode.NOT_LEADER_OR_FOLLOWER || e === -1 ? null : { e };
        }, `an acks=all answer ${what} (leader ${st.leader})`, 60_000);
        expect(code.e, `acks=all ${what}`).toBe(ErrorCode.NONE);
        acked.push(value);
      };
      await ackOne('before the path');
      for (const e of events) {
        const st = (await c.partitionState(topic, 0))!;
        switch (e) {
          case 'KILL_LEADER':
          case 'KILL_FOLLOWER': {
            const victim = e === 'KILL_LEADER' ? st.leader : st.isr.find((i) => i !== st.leader && !down.has(i))!;
            await c.kill(victim);
            down.add(victim);
            // the dead broker leaves the ISR (the controller, or the leader's shrink) and a live ISR member leads
            await c.waitFor(async () => { const s = (await c.partitionState(topic, 0))!; return !s.isr.includes(victim) && !down.has(s.leader) && s.leader > 0 ? s : null; }, `broker ${victim} out of the ISR after ${e}`, 60_000);
            break;
          }
          case 'ISOLATE_LEADER':
            isolated = st.leader;
            c.isolate(st.leader);
            await c.waitForLeader(topic, 0, { not: st.leader, timeoutMs: 60_000 });
            break;
          case 'HEAL':
            c.heal();
            isolated = null;
            break;
          case 'RESTART':
            for (const id of down) await c.start(id);
            down.clear();
            break;
        }
        const live = 3 - down.size;
        if (live === 1) {
          // below min.insync.replicas: the replica left refuses acks=all and nothing it took is acknowledged
          const s = (await c.partitionState(topic, 0))!;
          expect(s.isr).toHaveLength(1);
          const code = await produce(s.leader, topic, `${topic}:refused`, 3_000);
          expect([ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND]).toContain(code);
        } else {
          if (down.size === 0 && isolated === null) await c.waitForIsr(topic, 0, [1, 2, 3], 60_000);
          await ackOne(`after ${e}`);
        }
      }
      // every acknowledged record once, in order, on the leader
      const st = await c.waitForLeader(topic, 0, { timeoutMs: 30_000 });
      const r = await kcat(c.broker(st.leader).address, ['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
      const log = r.stdout.split('\n').filter((v) => v.startsWith(`${topic}:`) && v !== `${topic}:refused`);
      expect(log.filter((v) => acked.includes(v))).toEqual(acked);
      expect(new Set(log).size).toBe(log.length);
    }, 240_000);
  }
});
