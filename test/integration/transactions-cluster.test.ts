/**
 * Transactions on a 3-broker cluster: the partitions of a transaction are led by different brokers, so the
 * coordinator writes most markers with WriteTxnMarkers over the inter-broker listener (and its own in-process);
 * `__transaction_state` has replication factor 3 (min ISR 2). kafkajs commits and aborts across the three leaders;
 * read_committed sees exactly the committed records. Then the coordinator broker is killed (kill -9) with a
 * transaction open: a new coordinator takes over `__transaction_state`, and a new producer with the same id fences the
 * old transaction (aborted) and commits.
 *
 * Then the exactly-once pipeline under faults, and the transactional read-write workload under faults (G1c checker).
 *
 * Opt-in (`npm run test:transactions:full`, ~45 s with the cluster start for the first): the CI budget is spent by the single-broker
 * file (transactions.test.ts), which covers the in-process marker path and the WriteTxnMarkers handler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { partitionForTxn } from '../../src/services/transaction/transaction-log.js';
import { runCommand } from './support.js';
import { checkTransactions } from '../helpers/transaction-checker.js';
import { readBack, runTxnWorkload } from '../helpers/transaction-workload.js';

const FULL = process.env.RAFKA_TXN_FULL === '1';
let zk: ZooKeeperServer;
let c: Cluster;
let kafka: Kafka;

beforeAll(async () => {
  if (!FULL) return;
  zk = await startZooKeeper();
  c = await startCluster({
    zkConnect: zk.connectString,
    props: {
      'auto.create.topics.enable': 'false',
      'zookeeper.session.timeout.ms': '4000',
      'group.initial.rebalance.delay.ms': '0',
      'offsets.topic.num.partitions': '3',
      'transaction.state.log.num.partitions': '3',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
      // RAFKA_TXN_VERIFY=false: KIP-890 verification off (to tell its part in an anomaly apart)
      ...(process.env.RAFKA_TXN_VERIFY === 'false' ? { 'transaction.partition.verification.enable': 'false' } : {}),
    },
  });
  kafka = new Kafka({ clientId: 'txn-cluster', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'txc', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
  await admin.disconnect();
}, 120_000);
afterAll(async () => {
  await c?.close();
  await zk?.close();
});

async function readCommitted(topic: string, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `r-${Date.now()}`, maxWaitTimeInMs: 100 });
  const got: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }: EachMessagePayload) => { got.push(message.value!.toString()); } });
  try {
    await c.waitFor(() => got.length >= expected, `${expected} committed records of ${topic}`, 30_000);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await consumer.disconnect();
  }
  return got;
}

describe.runIf(FULL)('transactions on three brokers', () => {
  it('commit and abort across partitions led by three brokers (remote WriteTxnMarkers); the coordinator fails over', async () => {
    const leaders = new Set<number>();
    for (const p of [0, 1, 2]) leaders.add((await c.waitForLeader('txc', p)).leader);
    expect(leaders.size).toBeGreaterThan(1); // markers must go to another broker

    const producer = kafka.producer({ transactionalId: 'txc-id', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const all = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ partition: i % 3, value: `${prefix}${i}` }));
    const t1 = await producer.transaction();
    await t1.send({ topic: 'txc', messages: all('c', 6) });
    await t1.commit();
    const t2 = await producer.transaction();
    await t2.send({ topic: 'txc', messages: all('a', 6) });
    await t2.abort();
    const got = await readCommitted('txc', 6);
    expect([...got].sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);

    // kill the coordinator (the leader of the id's __transaction_state partition) with a transaction open
    const t3 = await producer.transaction();
    await t3.send({ topic: 'txc', messages: all('z', 3) });
    const coordinator = (await c.waitForLeader('__transaction_state', partitionForTxn('txc-id', 3))).leader;
    await c.kill(coordinator);
    await c.waitForLeader('__transaction_state', partitionForTxn('txc-id', 3), { not: coordinator, timeoutMs: 30_000 });
    await producer.disconnect().catch(() => {});
    const fresh = kafka.producer({ transactionalId: 'txc-id', maxInFlightRequests: 1, idempotent: true });
    await fresh.connect(); // fences and aborts t3 on the new coordinator
    const t4 = await fresh.transaction();
    await t4.send({ topic: 'txc', messages: all('n', 3) });
    await t4.commit();
    await fresh.disconnect();
    const after = await readCommitted('txc', 9);
    expect([...after].sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'n0', 'n1', 'n2']);
  }, 120_000);
});

/**
 * The exactly-once pipeline under faults (issue 13): a consume-transform-produce loop (kafkajs, read_committed,
 * `sendOffsets`, one transactional id) copies `eos-in` to `eos-out` partition by partition while the test kills the
 * coordinator (kill -9), kills an output leader (kill -9), freezes an input leader past its ZooKeeper session
 * (SIGSTOP, then SIGCONT) and crashes the pipeline mid-transaction twice (a new instance with the same id fences it).
 * Each output value carries its input value and the id of the transaction attempt that wrote it; the attempts'
 * outcomes as the pipeline saw them (committed / aborted / abandoned by a crash / unknown when commit or abort threw).
 *
 * The checker, in the spirit of Jepsen's queue workload, reads `eos-out` three ways — kcat (librdkafka) assigned to
 * every partition read_committed and read_uncommitted, and a subscribed kafkajs consumer read_committed — and counts:
 * lost inputs, duplicated inputs, aborted reads (a committed read of an attempt that was aborted or abandoned),
 * inconsistent offsets (one partition offset, two values across the reads or two deliveries), non-monotonic offsets
 * (each kcat pass) or input order (committed output) in a partition (the subscribed reader's rewinds after a rebalance
 * are legitimate for an at-least-once reader: printed, not counted), and group offsets inconsistent with the output (each input partition's committed offset = its end = the
 * outputs taken from it). Write-read cycles cannot arise here (the transactions read only non-transactional input),
 * so they are not counted. Records: RAFKA_TXN_EOS_RECORDS (default 6000; the issue's 100k is a longer run), per
 * transaction RAFKA_TXN_EOS_TXN_RECORDS (default 50).
 */
const EOS_RECORDS = Number(process.env.RAFKA_TXN_EOS_RECORDS ?? 6000);
/** Records per pipeline transaction (RAFKA_TXN_EOS_TXN_RECORDS, default 50); larger ones make long runs shorter. */
const TXN_RECORDS = Number(process.env.RAFKA_TXN_EOS_TXN_RECORDS ?? 50);
describe.runIf(FULL)('exactly-once pipeline under faults (3 brokers, RF 3)', () => {
  it('copies every input exactly once; the checker counts zero anomalies', async () => {
    const N = EOS_RECORDS;
    for (const id of c.ids) if (!c.broker(id).running) await c.start(id);
    await c.waitForMetadata(60_000);
    const eos = new Kafka({ clientId: 'eos', brokers: c.bootstrap.split(','), logLevel: logLevel.NOTHING, requestTimeout: 10_000, retry: { retries: 8, initialRetryTime: 200 } });
    const admin = eos.admin();
    await admin.connect();
    await admin.createTopics({ topics: ['eos-in', 'eos-out'].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] })), waitForLeaders: true });
    // input: in-<p>-<i>, i increasing per partition
    const seeder = eos.producer({ idempotent: true, maxInFlightRequests: 1 });
    await seeder.connect();
    for (let off = 0; off < N; off += 1000) {
      await seeder.send({ topic: 'eos-in', acks: -1, messages: Array.from({ length: Math.min(1000, N - off) }, (_, k) => { const i = off + k; return { partition: i % 3, value: `in-${i % 3}-${Math.floor(i / 3)}` }; }) });
    }
    await seeder.disconnect();

    const TXN_ID = 'eos-pipe';
    const GROUP = 'eos-g';
    const status = new Map<string, 'open' | 'committed' | 'aborted' | 'abandoned' | 'unknown'>();
    const sizes = new Map<string, number>();
    let committedRecords = 0;
    let crashRequested = false;
    let finished = false;
    let instances = 0;
    const errors: string[] = [];

    /** One pipeline instance; resolves when it died (an error, a crash) or was stopped at the end. */
    async function instance(): Promise<void> {
      const n = ++instances;
      let seq = 0;
      const producer = eos.producer({ transactionalId: TXN_ID, maxInFlightRequests: 1, idempotent: true, transactionTimeout: 15_000 });
      const consumer = eos.consumer({ groupId: GROUP, maxWaitTimeInMs: 100, sessionTimeout: 6000, heartbeatInterval: 500, maxBytesPerPartition: Math.max(8192, TXN_RECORDS * 160), retry: { retries: 3 } });
      let dead!: (why: string) => void;
      const died = new Promise<string>((r) => { dead = r; });
      let stopping = false;
      try {
        await producer.connect();
        await consumer.connect();
        await consumer.subscribe({ topic: 'eos-in', fromBeginning: true });
        consumer.on(consumer.events.CRASH, (e) => dead(`consumer crashed: ${String(e.payload.error)}`));
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, heartbeat, resolveOffset }) => {
            for (let k = 0; k < batch.messages.length && !stopping; k += TXN_RECORDS) {
              const chunk = batch.messages.slice(k, k + TXN_RECORDS);
              const attempt = `${n}.${seq++}`;
              status.set(attempt, 'open');
              sizes.set(attempt, chunk.length);
              const txn = await producer.transaction().catch((e: unknown) => { stopping = true; dead(`transaction(): ${String(e)}`); return null; });
              if (txn === null) { status.set(attempt, 'abandoned'); return; }
              try {
                await txn.send({ topic: 'eos-out', acks: -1, messages: chunk.map((m) => ({ partition: batch.partition, value: `${m.value!.toString()}|${attempt}` })) });
                const next = (BigInt(chunk[chunk.length - 1]!.offset) + 1n).toString();
                await txn.sendOffsets({ consumerGroupId: GROUP, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
                if (crashRequested) { // the pipeline dies mid-transaction: output written, never committed
                  crashRequested = false;
                  status.set(attempt, 'abandoned');
                  stopping = true;
                  dead('crash');
                  return;
                }
                try {
                  await txn.commit();
                  status.set(attempt, 'committed');
                  committedRecords += chunk.length;
                  resolveOffset(chunk[chunk.length - 1]!.offset); // the next fetch starts after the chunk
                } catch (e) {
                  status.set(attempt, 'unknown'); // EndTxn may have been written
                  throw e;
                }
              } catch (e) {
                if (status.get(attempt) === 'open') status.set(attempt, await txn.abort().then(() => 'aborted' as const, () => 'unknown' as const));
                stopping = true;
                dead(`attempt ${attempt}: ${String(e)}`);
                return;
              }
              await heartbeat().catch(() => {});
            }
          },
        });
      } catch (e) {
        dead(`start: ${String(e)}`);
      }
      const stop = setInterval(() => { if (finished) dead('finished'); }, 100);
      const why = await died;
      clearInterval(stop);
      stopping = true;
      if (why !== 'finished' && why !== 'crash') errors.push(why);
      const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, 15_000))]);
      await bounded(consumer.disconnect());
      await bounded(producer.disconnect());
    }

    const supervisor = (async () => { while (!finished) await instance(); })();
    const t0 = Date.now();
    const state = () => JSON.stringify({ s: Math.round((Date.now() - t0) / 1000), committedRecords, instances, crashRequested, lastErrors: errors.slice(-3), open: [...status].filter(([, v]) => v === 'open').map(([k]) => k) });
    const ticker = setInterval(() => console.log('eos progress', state()), 15_000);
    const progress = (fraction: number) => c.waitFor(() => committedRecords >= N * fraction, `${Math.round(fraction * 100)}% of ${N} records through the pipeline (${committedRecords})`, Math.max(240_000, N * 15)); // a stage is ≤ 15% of N: ≥ 10 records/s
    const leaderOf = async (topic: string, p: number) => (await c.waitForLeader(topic, p, { timeoutMs: 60_000 })).leader;
    const faults: string[] = [];
    // a restart after kill -9 waits for the dead session's /brokers/ids/<id> to expire: 180 s bound on the loaded VM
    // (one 100k run saw a restart not registered within the helper's default 60 s); the time is reported
    const restartTimed = async (id: number) => { const t = Date.now(); await c.start(id, 180_000); faults.push(`broker ${id} restarted in ${Math.round((Date.now() - t) / 1000)} s`); };

    await progress(0.1);
    const coord = await leaderOf('__transaction_state', partitionForTxn(TXN_ID, 3));
    await c.kill(coord); faults.push(`kill -9 coordinator ${coord}`);
    await c.waitForLeader('__transaction_state', partitionForTxn(TXN_ID, 3), { not: coord, timeoutMs: 60_000 });
    await restartTimed(coord);

    await progress(0.25);
    crashRequested = true; faults.push('pipeline crash');
    await c.waitFor(() => !crashRequested, 'the pipeline to crash', 120_000);

    await progress(0.4);
    const outLeader = await leaderOf('eos-out', 0);
    await c.kill(outLeader); faults.push(`kill -9 eos-out-0 leader ${outLeader}`);
    await c.waitForLeader('eos-out', 0, { not: outLeader, timeoutMs: 60_000 });
    await restartTimed(outLeader);

    await progress(0.55);
    const inLeader = await leaderOf('eos-in', 1);
    c.pause(inLeader); faults.push(`SIGSTOP eos-in-1 leader ${inLeader}`);
    try {
      await c.waitForLeader('eos-in', 1, { not: inLeader, timeoutMs: 60_000 });
    } finally {
      c.resume(inLeader);
    }

    await progress(0.7);
    crashRequested = true; faults.push('pipeline crash');
    await c.waitFor(() => !crashRequested, 'the pipeline to crash', 120_000);

    // the end: the group's committed offsets reach every input partition's end
    const inEnds = new Map((await admin.fetchTopicOffsets('eos-in')).map((o) => [o.partition, o.high]));
    let lastOffsets = '';
    try {
      await c.waitFor(async () => {
        const o = await admin.fetchOffsets({ groupId: GROUP, topics: ['eos-in'] });
        lastOffsets = JSON.stringify(o[0]!.partitions.map((p) => [p.partition, p.offset, inEnds.get(p.partition)]));
        return o[0]!.partitions.every((p) => p.offset === inEnds.get(p.partition));
      }, 'the group offsets at the end of eos-in', Math.max(300_000, N * 30)); // the last 30% of N at ≥ 10 records/s
    } catch (e) {
      console.log('eos stuck', state(), lastOffsets, faults, await c.diagnose(['eos-in', 'eos-out', '__transaction_state', '__consumer_offsets']));
      throw e;
    } finally {
      clearInterval(ticker);
    }
    finished = true;
    await supervisor;

    // ---- checker
    const kcatRead = async (isolation: string) => {
      const r = await runCommand('kcat', ['-b', c.bootstrap, '-C', '-t', 'eos-out', '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${isolation}`, '-f', '%p %o %s\\n'], undefined, 120_000);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.split('\n').filter((l) => l !== '').map((l) => { const [p, o, v] = l.split(' '); return { p: Number(p), o: BigInt(o!), v: v! }; });
    };
    const committed = await kcatRead('read_committed');
    const uncommitted = await kcatRead('read_uncommitted');
    // the subscribed reader may legitimately re-deliver after a rebalance or a fetch retry on a loaded machine (it is
    // at-least-once: it commits nothing): a re-delivery must carry the same value (inconsistent offsets), and a rewind
    // to an earlier offset is counted apart, not as a non-monotonic read
    const subscribedByPos = new Map<string, { p: number; o: bigint; v: string }>();
    let subscribedRewinds = 0;
    const subscribedLast = new Map<number, bigint>();
    const inconsistentDeliveries: string[] = [];
    const reader = eos.consumer({ groupId: `eos-check-${Date.now()}`, maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topic: 'eos-out', fromBeginning: true });
    await reader.run({ eachMessage: async ({ partition, message }) => {
      const r = { p: partition, o: BigInt(message.offset), v: message.value!.toString() };
      if ((subscribedLast.get(r.p) ?? -1n) >= r.o) subscribedRewinds++;
      subscribedLast.set(r.p, r.o);
      const prev = subscribedByPos.get(`${r.p}:${r.o}`);
      if (prev && prev.v !== r.v) inconsistentDeliveries.push(`${r.p}:${r.o}`);
      subscribedByPos.set(`${r.p}:${r.o}`, r);
    } });
    await c.waitFor(() => subscribedByPos.size >= committed.length, `the subscribed reader to see ${committed.length} records (${subscribedByPos.size})`, Math.max(120_000, N * 3));
    await reader.disconnect();
    const subscribed = [...subscribedByPos.values()].sort((a, b) => a.p - b.p || (a.o < b.o ? -1 : a.o > b.o ? 1 : 0));

    const inputs = new Set(Array.from({ length: N }, (_, i) => `in-${i % 3}-${Math.floor(i / 3)}`));
    const seen = new Map<string, number>();
    let abortedReads = 0;
    for (const r of committed) {
      const [input, attempt] = r.v.split('|');
      seen.set(input!, (seen.get(input!) ?? 0) + 1);
      const s = status.get(attempt!);
      if (s === 'aborted' || s === 'abandoned') abortedReads++;
    }
    const lost = [...inputs].filter((i) => !seen.has(i)).length;
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    const byPos = new Map<string, string>();
    let inconsistentOffsets = inconsistentDeliveries.length;
    for (const r of [...committed, ...uncommitted, ...subscribed]) {
      const k = `${r.p}:${r.o}`;
      const v = byPos.get(k);
      if (v === undefined) byPos.set(k, r.v);
      else if (v !== r.v) inconsistentOffsets++;
    }
    let nonMonotonic = 0;
    for (const read of [committed, uncommitted]) { // kcat: one pass from the beginning each
      const lastOffset = new Map<number, bigint>();
      for (const r of read) { if ((lastOffset.get(r.p) ?? -1n) >= r.o) nonMonotonic++; lastOffset.set(r.p, r.o); }
    }
    const lastInput = new Map<number, number>(); // committed output keeps input order per partition
    for (const r of committed) {
      const [, p, i] = r.v.split('|')[0]!.split('-');
      if (Number(p) !== r.p || (lastInput.get(r.p) ?? -1) >= Number(i)) nonMonotonic++;
      lastInput.set(r.p, Number(i));
    }
    const groupOffsets = (await admin.fetchOffsets({ groupId: GROUP, topics: ['eos-in'] }))[0]!.partitions;
    let inconsistentGroupOffsets = 0;
    for (const g of groupOffsets) {
      const fromP = committed.filter((r) => r.v.startsWith(`in-${g.partition}-`)).length;
      if (g.offset !== inEnds.get(g.partition) || BigInt(fromP) !== BigInt(g.offset)) inconsistentGroupOffsets++;
    }
    await admin.disconnect();
    const outcome = (s: string) => [...status.values()].filter((x) => x === s).length;
    const counts = { lost, duplicates, abortedReads, inconsistentOffsets, nonMonotonic, inconsistentGroupOffsets };
    console.log(JSON.stringify({
      records: N, committedRead: committed.length, uncommittedRead: uncommitted.length, subscribedRead: subscribed.length, subscribedRewinds, instances, faults,
      attempts: { committed: outcome('committed'), aborted: outcome('aborted'), abandoned: outcome('abandoned'), unknown: outcome('unknown'), open: outcome('open') },
      pipelineErrors: errors.length, ...counts,
    }));
    expect(faults).toHaveLength(7); // 5 faults + 2 timed restarts
    expect(instances).toBeGreaterThanOrEqual(3); // the two crashes restarted it
    expect(uncommitted.length).toBeGreaterThan(committed.length); // aborted output exists, so the check has something to catch
    expect(counts).toEqual({ lost: 0, duplicates: 0, abortedReads: 0, inconsistentOffsets: 0, nonMonotonic: 0, inconsistentGroupOffsets: 0 });
    expect(committed.length).toBe(N);
    expect(subscribed.length).toBe(N); // the subscribed reader saw the same records (each position once, same value)
  }, Math.max(900_000, EOS_RECORDS * 60)); // ~35 records/s through kafkajs on the loaded 2-core VM: 100k ≈ 50 min, bound 100 min
});

/**
 * The transactional read-write workload (test/helpers/transaction-workload.ts: transactions that read each other's
 * output read_committed, so write-read cycles could form) under faults: the coordinator of worker 0's transactional id
 * is killed (kill -9) at 25% of the transactions and the leader of g1c-0 at 60%, each restarted. The checker
 * (transaction-checker.ts) counts lost, duplicates, aborted reads, inconsistent offsets, non-monotonic sends/polls and
 * G1c (wr cycles); all must be 0. Transactions per worker: RAFKA_TXN_G1C_TXNS (default 40).
 */
describe.runIf(FULL)('transactional read-write workload under faults: no G1c (3 brokers, RF 3)', () => {
  it('counts zero anomalies and zero write-read cycles', async () => {
    const perWorker = Number(process.env.RAFKA_TXN_G1C_TXNS ?? 40);
    const workers = 3;
    for (const id of c.ids) if (!c.broker(id).running) await c.start(id);
    await c.waitForMetadata(60_000);
    // kafkajs's own error lines (its retries: 'Failed to send messages: …'), kept with the evidence of an anomaly
    const clientLog: string[] = [];
    const g = new Kafka({
      clientId: 'g1c', brokers: c.bootstrap.split(','), requestTimeout: 10_000, retry: { retries: 8, initialRetryTime: 200 },
      logLevel: logLevel.ERROR, logCreator: () => ({ namespace, level, log }) => { if (clientLog.length < 10_000) clientLog.push(`${new Date().toISOString()} ${level} ${namespace} ${JSON.stringify(log)}`); },
    });
    const admin = g.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'g1c', numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
    await admin.disconnect();
    const prefix = `g${Date.now()}`;
    const total = workers * perWorker;
    const faults: string[] = [];
    let faulting: Promise<void> = Promise.resolve();
    const killedLogs: Array<{ id: number; lines: unknown[] }> = [];
    const fault = (name: string, victim: () => Promise<number>) => {
      faulting = faulting.then(async () => {
        const id = await victim();
        await c.kill(id);
        faults.push(`${name} ${id}`);
        killedLogs.push({ id, lines: c.broker(id).process?.logs ?? [] }); // the killed process's log, for a diagnosis
        await c.start(id);
      });
    };
    const leaderOf = async (topic: string, p: number) => (await c.waitForLeader(topic, p, { timeoutMs: 60_000 })).leader;
    const t0 = Date.now();
    const w = await runTxnWorkload({
      kafka: g, topic: 'g1c', partitions: 3, prefix, workers, txnsPerWorker: perWorker, abortEvery: 5,
      // RAFKA_TXN_G1C_MULTI_SEND=1: both writes in one send() — reproduces kafkajs 2.2.4's own losses/duplicates (notes-V)
      multiPartitionSend: process.env.RAFKA_TXN_G1C_MULTI_SEND === '1',
      onProgress: (n) => {
        if (n === Math.round(total * 0.25)) fault('kill -9 coordinator of w0', () => leaderOf('__transaction_state', partitionForTxn(`${prefix}-w0`, 3)));
        if (n === Math.round(total * 0.6)) fault('kill -9 g1c-0 leader', () => leaderOf('g1c', 0));
      },
    });
    await faulting;
    // read back once the cluster has settled: every g1c replica in sync again, and two consecutive reads the same (a
    // read while leadership still moves after the restarts can stop early at a lagging leader's end or re-fetch a range)
    for (let p = 0; p < 3; p++) await c.waitForIsr('g1c', p, c.ids, 120_000);
    const settled = async (isolation: 'read_committed' | 'read_uncommitted') => {
      let last = '';
      let read: Awaited<ReturnType<typeof readBack>> = [];
      await c.waitFor(async () => {
        read = await readBack(c.bootstrap, 'g1c', isolation);
        const key = read.map((r) => `${r.partition}:${r.offset}:${r.value}`).join(',');
        const same = key === last;
        last = key;
        return same;
      }, `two equal ${isolation} reads of g1c`, 120_000);
      return read;
    };
    const committed = await settled('read_committed');
    const uncommitted = await settled('read_uncommitted');
    const r = checkTransactions(w.txns, committed, [uncommitted], w.deliveries);
    // where the anomalies are, for a diagnosis: the positions of a duplicated value, a lost value in the uncommitted read
    const positions = (read: typeof committed, v: string) => read.filter((x) => x.value === v).map((x) => `${x.partition}:${x.offset}`);
    const where = r.examples.map((e) => { const v = /(g\d+-w\d+-\d+-\d)/.exec(e)?.[1]; return v ? `${e} @committed[${positions(committed, v)}] @uncommitted[${positions(uncommitted, v)}]` : e; });
    console.log('txn workload under faults', JSON.stringify({ where, s: Math.round((Date.now() - t0) / 1000), txns: w.txns.length, committedTxns: r.committedTxns, abortedTxns: r.abortedTxns,
      unknown: w.txns.filter((t) => t.outcome === 'unknown').length, wrEdges: r.wrEdges, deliveries: w.deliveries.length, rewinds: w.deliveries.filter((d) => d.rewind).length,
      producers: w.producersUsed, faults, unconfirmedMissing: r.unconfirmedMissing, errors: w.errors.length, lastErrors: w.errors.slice(-3), ...r.counts, examples: r.examples }));
    if (r.counts.lost + r.counts.nonAtomic + r.counts.duplicates + r.unconfirmedMissing > 0) {
      // keep the evidence (the cluster's dirs are deleted on close): every broker's log dirs and log lines, the history
      const keep = await mkdtemp(join(tmpdir(), 'rafka-g1c-keep-'));
      for (const id of c.ids) {
        const b = c.broker(id);
        await cp(b.dir, join(keep, `broker-${id}`), { recursive: true }).catch((e) => console.log(`copy broker ${id}: ${String(e)}`));
        await writeFile(join(keep, `broker-${id}.log.jsonl`), (b.process?.logs ?? []).map((l) => JSON.stringify(l)).join('\n'));
      }
      for (const [i, k] of killedLogs.entries()) await writeFile(join(keep, `killed-${i}-broker-${k.id}.log.jsonl`), k.lines.map((l) => JSON.stringify(l)).join('\n'));
      await writeFile(join(keep, 'kafkajs.log'), clientLog.join('\n'));
      await writeFile(join(keep, 'history.json'), JSON.stringify({ txns: w.txns, errors: w.errors, faults, counts: r.counts, examples: r.examples, where }, null, 1));
      console.log(`g1c anomaly evidence kept in ${keep}`);
    }
    expect(faults).toHaveLength(2);
    expect(r.counts).toEqual({ lost: 0, nonAtomic: 0, duplicates: 0, abortedReads: 0, inconsistentOffsets: 0, nonMonotonicSends: 0, nonMonotonicPolls: 0, g1c: 0 });
    expect(r.wrEdges).toBeGreaterThan(0);
    expect(uncommitted.length).toBeGreaterThan(committed.length);
  }, 600_000);
});
