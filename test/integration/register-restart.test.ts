/**
 * Opt-in stress (issue 11, helper U): `kill -9` of a broker and an immediate restart, in a loop, while the cluster
 * is loaded — the restart must always reach "started" (S's 100k EOS run once saw a restarted broker stay in
 * registeringBroker for 60 s). Not in CI: `RAFKA_REGISTER_STRESS=1 npx vitest run test/integration/register-restart.test.ts`
 * (RAFKA_REGISTER_CYCLES, default 20). On a stuck start it prints the broker's log tail, the owner of
 * /brokers/ids/<id>, and whether the stuck process burns CPU (a busy event loop) or sleeps (a lost callback).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';

const STRESS = process.env.RAFKA_REGISTER_STRESS === '1';
const CYCLES = Number(process.env.RAFKA_REGISTER_CYCLES ?? 20);
const SESSION_MS = 4000;
const VICTIM = 3;

let zk: ZooKeeperServer;
let c: Cluster;

describe.runIf(STRESS)('kill -9 and restart at once, under load', () => {
  beforeAll(async () => {
    zk = await startZooKeeper();
    c = await startCluster({
      zkConnect: zk.connectString,
      args: ['-v', 'debug'],
      props: {
        'auto.create.topics.enable': 'false',
        'zookeeper.session.timeout.ms': String(SESSION_MS),
        'default.replication.factor': '3',
        'offsets.topic.replication.factor': '3',
        'offsets.topic.num.partitions': '3',
      },
    });
    await c.startAll();
  }, 120_000);

  afterAll(async () => {
    await c?.close();
    await zk?.close();
  });

  it(`restarts broker ${VICTIM} ${CYCLES} times, each reaching "started"`, async () => {
    const kafka = new Kafka({ clientId: 'u-load', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 100, maxRetryTime: 2000 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: Array.from({ length: 4 }, (_, i) => ({ topic: `load-${i}`, numPartitions: 4, replicationFactor: 3 })) });
    await admin.disconnect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    let stop = false;
    let sent = 0;
    const payload = 'x'.repeat(512);
    const load = (async () => {
      while (!stop) {
        await Promise.all(Array.from({ length: 4 }, (_, t) => producer.send({
          topic: `load-${t}`, acks: 1, messages: Array.from({ length: 50 }, (_, i) => ({ key: String(i), value: payload })),
        }).then(() => { sent += 50; }, () => undefined)));
      }
    })();
    const startedAt: number[] = [];
    try {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        await c.kill(VICTIM);
        const t0 = Date.now();
        try {
          await c.start(VICTIM, 60_000);
        } catch (e) {
          const p = c.broker(VICTIM).process!;
          const cpu0 = await p.cpuSeconds().catch(() => NaN);
          await new Promise((r) => setTimeout(r, 3000));
          const cpu1 = await p.cpuSeconds().catch(() => NaN);
          const node = await c.zk.getDataOrNull(`/brokers/ids/${VICTIM}`);
          console.log(`cycle ${cycle}: STUCK. cpu over 3 s: ${(cpu1 - cpu0).toFixed(2)} s; /brokers/ids/${VICTIM} owner ${node?.stat.ephemeralOwner.toString('hex') ?? 'none'}\n${(e as Error).message}`);
          console.log(p.logs.slice(-60).map((l) => JSON.stringify(l)).join('\n'));
          throw e;
        }
        startedAt.push(Date.now() - t0);
        console.log(`cycle ${cycle}: started after ${Date.now() - t0} ms (sent ${sent})`);
      }
    } finally {
      stop = true;
      await load;
      await producer.disconnect().catch(() => undefined);
    }
    expect(startedAt).toHaveLength(CYCLES);
  }, 3_600_000);
});
