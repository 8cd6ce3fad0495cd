/**
 * Transactions against the real broker (one broker and one ZooKeeper shared by the file): kafkajs
 * `producer.transaction()` commit / abort with read_committed and read_uncommitted consumers, `sendOffsets`
 * (consume-transform-produce: the group's offsets commit with the transaction), zombie fencing (two producers, one
 * transactional id: only the newer commits), the abort of a transaction past its timeout (the LSO moves on), and
 * the coordinator finishing a prepared commit after a restart.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { Producer as PltProducer, ProduceAcks, stringSerializers } from '@platformatic/kafka';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, eventually, runCommand, type TestBroker } from './support.js';
import { prerequisite } from '../helpers/environment.js';
import { existsSync, readFileSync } from 'node:fs';
import { REPO_ROOT } from '../helpers/broker-process.js';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { decodeResponse, encodeRequest, type RequestInput, type ResponseBody } from '../../src/protocol/frame.js';
import type { ImplementedApiKey } from '../../src/protocol/messages/index.js';
import { join } from 'node:path';
import { freePort } from '../helpers/zookeeper-server.js';
import { Log } from '../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG } from '../../src/services/log/log-config.js';
import { buildRecordBatch, iterateBatches, type RecordBatch } from '../../src/services/log/record-batch.js';
import { partitionForGroup } from '../../src/services/group/group-keys.js';
import { planTxnPaths, costOf, type TxnPath } from '../model/support/transaction-model.js';
import { checkTransactions } from '../helpers/transaction-checker.js';
import { readBack, runTxnWorkload } from '../helpers/transaction-workload.js';
import { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, partitionForTxn, type TxnLogValue } from '../../src/services/transaction/transaction-log.js';

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let bootstrap: string;
let kafka: Kafka;
let metricsUrl: string;

/** One sample of the broker's /metrics (Prometheus text), or undefined. */
async function metric(name: string): Promise<number | undefined> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

beforeAll(async () => {
  zk = await startZooKeeper();
  b = await brokerConfig(zk, {
    'num.partitions': '1', 'auto.create.topics.enable': 'false',
    'offsets.topic.num.partitions': '2', 'offsets.topic.replication.factor': '1',
    'transaction.state.log.num.partitions': '3', 'transaction.state.log.replication.factor': '1', 'transaction.state.log.min.isr': '1',
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': '300',
    'group.initial.rebalance.delay.ms': '0',
  });
  const metricsPort = await freePort();
  broker = startBroker(b, ['--metrics-listener', `127.0.0.1:${metricsPort}`]); // KIP-890 verification metrics (P's exporter)
  metricsUrl = `http://127.0.0.1:${metricsPort}`;
  await broker.waitForLog(started, 30_000);
  bootstrap = b.props.listeners.replace('PLAINTEXT://', '');
  kafka = new Kafka({ brokers: [bootstrap], clientId: 'txn-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: ['tx-basic', 'tx-in', 'tx-out', 'tx-zombie', 'tx-timeout', 'tx-rdk', 'tx-rdk-in', 'tx-verify', 'tx-model', 'tx-g1c', 'tx-plt'].map((topic) => ({ topic, numPartitions: topic === 'tx-basic' ? 2 : topic === 'tx-g1c' ? 3 : 1 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
}, 60_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

/** One request on its own connection (the admin APIs no installed client speaks). */
function call<K extends ImplementedApiKey>(apiKey: K, version: number, body: RequestInput<K>): Promise<ResponseBody<K>> {
  const [host, port] = bootstrap.split(':');
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), host!);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no answer to api key ${apiKey}`)); }, 10_000);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(decodeResponse(buf.subarray(4, 4 + buf.readInt32BE(0)), apiKey, version).body);
      }
    });
    sock.once('error', (e) => { clearTimeout(timer); reject(e); });
    sock.once('close', () => { clearTimeout(timer); reject(new Error(`connection closed without an answer to api key ${apiKey} v${version}`)); }); // no-op once resolved
    sock.write(encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId: 1, clientId: 'txn-admin' }, body));
  });
}

/** Every value of `topic` (all partitions) read by a fresh group with the given isolation, until `expected` values arrived (then a short settle). */
async function readAll(topic: string, readUncommitted: boolean, expected: number): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({ groupId: `reader-${topic}-${readUncommitted}-${Date.now()}`, readUncommitted, maxWaitTimeInMs: 100 });
  const got: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }: EachMessagePayload) => { got.push(message.value!.toString()); } });
  try {
    await eventually(async () => got.length >= expected, 20_000, `${expected} records from ${topic}`);
    await new Promise((r) => setTimeout(r, 300)); // anything beyond `expected` would be a defect the assertion shows
  } finally {
    await consumer.disconnect();
  }
  return got;
}

const LIBRDKAFKA = ['/usr/lib/x86_64-linux-gnu/librdkafka.so.1', '/usr/lib/aarch64-linux-gnu/librdkafka.so.1', '/usr/lib/librdkafka.so.1'];
const hasLibrdkafka = prerequisite('librdkafka1', LIBRDKAFKA.some((p) => existsSync(p)), 'apt-get install -y librdkafka1 (kcat depends on it)');
const hasKcat = prerequisite('kcat', ['/usr/bin/kcat', '/usr/local/bin/kcat'].some((p) => existsSync(p)), 'apt-get install -y kcat');

/** Every value of partition 0 of `topic` as kcat (librdkafka) reads it with the given isolation level, up to the end it sees. */
async function kcatRead(topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
  const r = await runCommand('kcat', ['-b', bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${isolation}`, '-f', '%s\\n']);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe.skipIf(!hasLibrdkafka || !hasKcat)('librdkafka transactions (ctypes, test/integration/librdkafka_txn.py)', () => {
  it('init / begin / produce / send_offsets / commit and abort; zombie fenced; kcat read_committed sees only committed records', async () => {
    const r = await runCommand('python3', [join(REPO_ROOT, 'test', 'integration', 'librdkafka_txn.py'), bootstrap, 'tx-rdk-id', 'tx-rdk', 'tx-rdk-in', 'rdk-txn-group'], undefined, 90_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout) as { version: string; steps: Array<[string, null | { name: string }]>; zombieCommit: null | { name: string; fatal: boolean } };
    expect(out.steps).toEqual(['init', 'begin-1', 'send-offsets-1', 'commit-1', 'begin-2', 'abort-2', 'begin-3', 'commit-3', 'begin-zombie', 'fresh-init', 'fresh-begin', 'fresh-commit'].map((s) => [s, null]));
    // the fenced producer's commit fails fatally (PRODUCER_FENCED, or INVALID_PRODUCER_EPOCH at older versions)
    expect(out.zombieCommit).toMatchObject({ fatal: true });
    expect(out.zombieCommit!.name).toMatch(/FENCED|EPOCH/);

    // markers are written after EndTxn answers: wait until the last commit is visible, then the whole partition must be exact
    const committed = await eventually(async () => {
      const v = await kcatRead('tx-rdk', 'read_committed');
      return v.includes('f1') ? v : undefined;
    }, 20_000, 'the committed records through kcat read_committed');
    expect(committed).toEqual(['c1', 'c2', 'c3', 'c4', 'f1']);
    expect(await kcatRead('tx-rdk', 'read_uncommitted')).toEqual(['c1', 'c2', 'c3', 'x1', 'x2', 'c4', 'z1', 'f1']);
    // the offsets sent with the first transaction are the group's committed offsets
    const o = await call(ApiKey.OffsetFetch, 7, { groupId: 'rdk-txn-group', topics: [{ name: 'tx-rdk-in', partitionIndexes: [0] }], requireStable: true });
    expect(o.topics[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: 7n });
    expect(broker.logs.filter((l) => l.level >= 50)).toEqual([]);
  }, 120_000);
});

describe('@platformatic/kafka transactions', () => {
  it('beginTransaction / send / commit and abort: read_committed sees only the committed records, in order; read_uncommitted sees all', async () => {
    const p = new PltProducer({ clientId: 'plt-txn', bootstrapBrokers: [bootstrap], idempotent: true, transactionalId: 'tx-plt-id', acks: ProduceAcks.ALL, serializers: stringSerializers, retries: 5, retryDelay: 100, timeout: 10_000 });
    try {
      const send = async (values: string[], commit: boolean) => {
        const t = await p.beginTransaction();
        await t.send({ messages: values.map((value) => ({ topic: 'tx-plt', key: 'k', value })) });
        if (commit) await t.commit(); else await t.abort();
      };
      await send(['p1', 'p2'], true);
      await send(['px1', 'px2'], false);
      await send(['p3'], true);
    } finally {
      await p.close();
    }
    const committed = await readAll('tx-plt', false, 3);
    expect(committed).toEqual(['p1', 'p2', 'p3']);
    const all = await readAll('tx-plt', true, 5);
    expect(all).toEqual(['p1', 'p2', 'px1', 'px2', 'p3']);
  });
});

describe('kafkajs transactions', () => {
  it('commit and abort: read_committed sees only committed records, in order; read_uncommitted sees all', async () => {
    const producer = kafka.producer({ transactionalId: 'tx-basic-id', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const t1 = await producer.transaction();
    await t1.send({ topic: 'tx-basic', messages: [{ key: 'a', value: 'c1' }, { key: 'a', value: 'c2' }, { key: 'a', value: 'c3' }] });
    await t1.commit();
    const t2 = await producer.transaction();
    await t2.send({ topic: 'tx-basic', messages: [{ key: 'a', value: 'x1' }, { key: 'b', value: 'x2' }] });
    await t2.abort();
    const t3 = await producer.transaction();
    await t3.send({ topic: 'tx-basic', messages: [{ key: 'a', value: 'c4' }] });
    await t3.commit();
    await producer.disconnect();

    const committed = await readAll('tx-basic', false, 4);
    expect(committed.filter((v) => v.startsWith('x'))).toEqual([]);
    expect(committed.filter((v) => ['c1', 'c2', 'c3', 'c4'].includes(v))).toEqual(['c1', 'c2', 'c3', 'c4']); // key 'a' → one partition, in order
    expect(committed).toHaveLength(4);
    const all = await readAll('tx-basic', true, 6);
    expect([...all].sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'x1', 'x2']);
  });

  it('sendOffsets: consume-transform-produce commits the output and the group offsets together; an aborted batch is re-read', async () => {
    const setup = kafka.producer();
    await setup.connect();
    await setup.send({ topic: 'tx-in', messages: Array.from({ length: 10 }, (_, i) => ({ value: `in-${i}` })) });
    await setup.disconnect();

    const groupId = 'tx-pipeline';
    const producer = kafka.producer({ transactionalId: 'tx-pipeline-id', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'tx-in', fromBeginning: true });
    let aborted = false;
    let processed = 0;
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        const txn = await producer.transaction();
        await txn.send({ topic: 'tx-out', messages: batch.messages.map((m) => ({ value: `out-${m.value!.toString()}` })) });
        const next = (BigInt(batch.messages[batch.messages.length - 1]!.offset) + 1n).toString();
        await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
        if (!aborted) {
          aborted = true; // the first batch is aborted: its output must never be seen, and its input re-read
          await txn.abort();
          throw new Error('abort once');
        }
        await txn.commit();
        for (const m of batch.messages) resolveOffset(m.offset);
        processed += batch.messages.length;
        await heartbeat();
      },
    });
    await eventually(async () => processed >= 10, 30_000, 'the pipeline to process 10 records');
    await consumer.disconnect();
    await producer.disconnect();

    const out = await readAll('tx-out', false, 10);
    expect([...out].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `out-in-${i}`).sort());
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId, topics: ['tx-in'] });
    await admin.disconnect();
    expect(offsets[0]!.partitions[0]!.offset).toBe('10');
  });

  it('zombie fencing: of two producers with one transactional id only the newer commits', async () => {
    const old = kafka.producer({ transactionalId: 'tx-zombie-id', maxInFlightRequests: 1, idempotent: true, retry: { retries: 1 } });
    await old.connect();
    const oldTxn = await old.transaction();
    await oldTxn.send({ topic: 'tx-zombie', messages: [{ value: 'zombie' }] });

    const fresh = kafka.producer({ transactionalId: 'tx-zombie-id', maxInFlightRequests: 1, idempotent: true });
    await fresh.connect(); // InitProducerId: the old producer's open transaction is aborted, the epoch bumped
    const t = await fresh.transaction();
    await t.send({ topic: 'tx-zombie', messages: [{ value: 'fresh' }] });
    await t.commit();

    await expect(oldTxn.commit()).rejects.toThrow(/fenced|epoch|INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/i);
    await old.disconnect().catch(() => {});
    await fresh.disconnect();
    const got = await readAll('tx-zombie', false, 1);
    expect(got).toEqual(['fresh']);
  });

  it('a transaction past its timeout is aborted and the LSO moves on', async () => {
    const abandoned = kafka.producer({ transactionalId: 'tx-timeout-id', transactionTimeout: 1000, maxInFlightRequests: 1, idempotent: true });
    await abandoned.connect();
    const t = await abandoned.transaction();
    await t.send({ topic: 'tx-timeout', messages: [{ value: 'never-committed' }] });
    // another producer commits after the abandoned transaction's records
    const other = kafka.producer({ transactionalId: 'tx-timeout-other', maxInFlightRequests: 1, idempotent: true });
    await other.connect();
    const t2 = await other.transaction();
    await t2.send({ topic: 'tx-timeout', messages: [{ value: 'committed-after' }] });
    await t2.commit();
    await other.disconnect();
    // until the coordinator aborts the abandoned one (timeout 1 s, checked every 300 ms) the LSO holds at its first record
    const got = await readAll('tx-timeout', false, 1);
    expect(got).toEqual(['committed-after']);
    await expect(t.commit()).rejects.toThrow();
    await abandoned.disconnect().catch(() => {});
  });

  it('DescribeTransactions, ListTransactions and DescribeProducers show an open transaction, then its commit', async () => {
    const producer = kafka.producer({ transactionalId: 'tx-admin-id', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const t = await producer.transaction();
    await t.send({ topic: 'tx-zombie', messages: [{ value: 'admin-1' }] });

    const d = await call(ApiKey.DescribeTransactions, 0, { transactionalIds: ['tx-admin-id', 'no-such-id'] });
    const open = d.transactionStates[0]!;
    expect([open.errorCode, open.transactionState, open.topics]).toEqual([ErrorCode.NONE, 'Ongoing', [{ topic: 'tx-zombie', partitions: [0] }]]);
    expect(open.transactionStartTimeMs).toBeGreaterThan(0n);
    expect(d.transactionStates[1]!.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    const l = await call(ApiKey.ListTransactions, 0, { stateFilters: ['Ongoing', 'Bogus'], producerIdFilters: [] });
    expect(l.errorCode).toBe(ErrorCode.NONE);
    expect(l.unknownStateFilters).toEqual(['Bogus']);
    expect(l.transactionStates).toContainEqual({ transactionalId: 'tx-admin-id', producerId: open.producerId, transactionState: 'Ongoing' });
    const p = await call(ApiKey.DescribeProducers, 0, { topics: [{ name: 'tx-zombie', partitionIndexes: [0, 9] }] });
    const [p0, p9] = p.topics[0]!.partitions;
    expect(p9!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const mine = p0!.activeProducers.find((x) => x.producerId === open.producerId)!;
    expect(mine.currentTxnStartOffset).toBeGreaterThanOrEqual(0n);

    await t.commit();
    await producer.disconnect();
    await eventually(async () => (await call(ApiKey.DescribeTransactions, 0, { transactionalIds: ['tx-admin-id'] })).transactionStates[0]!.transactionState === 'CompleteCommit', 10_000, 'CompleteCommit');
    const p2 = await call(ApiKey.DescribeProducers, 0, { topics: [{ name: 'tx-zombie', partitionIndexes: [0] }] });
    expect(p2.topics[0]!.partitions[0]!.activeProducers.find((x) => x.producerId === open.producerId)!.currentTxnStartOffset).toBe(-1n);
  });

  it('OffsetFetch require_stable: an offset sent with an open transaction is UNSTABLE_OFFSET_COMMIT until the commit', async () => {
    const producer = kafka.producer({ transactionalId: 'tx-stable-id', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const t = await producer.transaction();
    await t.sendOffsets({ consumerGroupId: 'stable-g', topics: [{ topic: 'tx-in', partitions: [{ partition: 0, offset: '5' }] }] });
    const fetch = async (requireStable: boolean) =>
      (await call(ApiKey.OffsetFetch, 7, { groupId: 'stable-g', topics: [{ name: 'tx-in', partitionIndexes: [0] }], requireStable })).topics[0]!.partitions[0]!;
    expect(await fetch(true)).toMatchObject({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT, committedOffset: -1n });
    expect(await fetch(false)).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: -1n });
    await t.commit();
    await producer.disconnect();
    await eventually(async () => (await fetch(true)).committedOffset === 5n, 10_000, 'the committed offset');
  });

  it('KIP-890: a transactional batch for a partition not in the transaction is refused (INVALID_TXN_STATE), also a late one after the abort; AddPartitionsToTxn v4 verifyOnly', async () => {
    const id = 'tx-verify-id';
    await eventually(async () => (await call(ApiKey.FindCoordinator, 4, { key: '', keyType: 1, coordinatorKeys: [id] })).coordinators[0]!.errorCode === ErrorCode.NONE, 20_000, 'the transaction coordinator');
    const init = await eventually(async () => {
      const r = await call(ApiKey.InitProducerId, 3, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
      return r.errorCode === ErrorCode.NONE ? r : undefined;
    }, 10_000, 'InitProducerId');
    const { producerId, producerEpoch } = init!;
    const produce = async (seq: number) => {
      const records = buildRecordBatch({ records: [{ value: `v${seq}` }], producerId, producerEpoch, baseSequence: seq, isTransactional: true });
      const r = await call(ApiKey.Produce, 7, { transactionalId: id, acks: -1, timeoutMs: 10_000, topicData: [{ name: 'tx-verify', partitionData: [{ index: 0, records }] }] });
      return r.responses[0]!.partitionResponses[0]!;
    };
    const verify = async (txns: Array<{ transactionalId: string; producerId: bigint; producerEpoch: number }>) => {
      const r = await call(ApiKey.AddPartitionsToTxn, 4, {
        transactions: txns.map((t) => ({ ...t, verifyOnly: true, topics: [{ name: 'tx-verify', partitions: [0] }] })),
        v3AndBelowTransactionalId: '', v3AndBelowProducerId: 0n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [],
      });
      expect(r.errorCode).toBe(ErrorCode.NONE);
      return r.resultsByTransaction.map((t) => [t.transactionalId, t.topicResults[0]!.resultsByPartition[0]!.partitionErrorCode]);
    };
    // 1. not added to the transaction: the leader asks the coordinator, which says no; nothing is written
    const failuresBefore = (await metric('kafka_server_addpartitionstotxnmanager_verificationfailurerate_total')) ?? 0;
    const timesBefore = (await metric('kafka_server_addpartitionstotxnmanager_verificationtimems_count')) ?? 0;
    expect(await produce(0)).toMatchObject({ errorCode: ErrorCode.INVALID_TXN_STATE }); // (Produce v8+ would carry 'Partition was not added to the transaction'; Rafka answers up to v7)
    // VerificationFailureRate marked with the one partition, one VerificationTimeMs sample (the in-process coordinator)
    expect(await metric('kafka_server_addpartitionstotxnmanager_verificationfailurerate_total')).toBe(failuresBefore + 1);
    expect(await metric('kafka_server_addpartitionstotxnmanager_verificationtimems_count')).toBe(timesBefore + 1);
    expect(await verify([{ transactionalId: id, producerId, producerEpoch }, { transactionalId: 'tx-verify-unknown', producerId, producerEpoch }]))
      .toEqual([[id, ErrorCode.INVALID_TXN_STATE], ['tx-verify-unknown', ErrorCode.INVALID_PRODUCER_ID_MAPPING]]);
    // 2. added (AddPartitionsToTxn v3, as clients send): verified, and the batch is appended
    const add = await call(ApiKey.AddPartitionsToTxn, 3, { transactions: [], v3AndBelowTransactionalId: id, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: [{ name: 'tx-verify', partitions: [0] }] });
    expect(add.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(ErrorCode.NONE);
    expect(await verify([{ transactionalId: id, producerId, producerEpoch }, { transactionalId: id + '-x', producerId: -5n, producerEpoch: 0 }]))
      .toEqual([[id, ErrorCode.NONE], [id + '-x', ErrorCode.INVALID_PRODUCER_ID_MAPPING]]);
    expect(await verify([{ transactionalId: id, producerId, producerEpoch: producerEpoch + 1 }])).toEqual([[id, ErrorCode.PRODUCER_FENCED]]);
    const first = await produce(0);
    expect(first.errorCode).toBe(ErrorCode.NONE);
    // 3. aborted; a late batch of the same epoch (a retry that arrives after the abort marker) must not open a hanging transaction
    expect((await call(ApiKey.EndTxn, 3, { transactionalId: id, producerId, producerEpoch, committed: false })).errorCode).toBe(ErrorCode.NONE);
    await eventually(async () => (await call(ApiKey.DescribeTransactions, 0, { transactionalIds: [id] })).transactionStates[0]!.transactionState === 'CompleteAbort', 10_000, 'CompleteAbort');
    expect(await produce(1)).toMatchObject({ errorCode: ErrorCode.INVALID_TXN_STATE });
    // the LSO is the log end: no transaction hangs on the partition
    const lo = await call(ApiKey.ListOffsets, 4, { replicaId: -1, isolationLevel: 1, topics: [{ name: 'tx-verify', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] });
    expect(lo.topics[0]!.partitions[0]!.offset).toBe(first.baseOffset + 2n); // the aborted batch and its marker
  });

  it('KIP-890: TxnOffsetCommit to a group not added by AddOffsetsToTxn is refused (INVALID_TXN_STATE), nothing hangs on __consumer_offsets; once added it commits; a late one after the end is refused', async () => {
    const id = 'tx-verify-oc';
    const group = 'tx-verify-g';
    const init = await eventually(async () => {
      const r = await call(ApiKey.InitProducerId, 3, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
      return r.errorCode === ErrorCode.NONE ? r : undefined;
    }, 20_000, 'InitProducerId');
    const { producerId, producerEpoch } = init!;
    await eventually(async () => (await call(ApiKey.FindCoordinator, 4, { key: '', keyType: 0, coordinatorKeys: [group] })).coordinators[0]!.errorCode === ErrorCode.NONE, 20_000, 'the group coordinator');
    const commitOffset = async (offset: bigint) => (await call(ApiKey.TxnOffsetCommit, 3, {
      transactionalId: id, groupId: group, producerId, producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'tx-verify', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
    })).topics[0]!.partitions[0]!.errorCode;
    // the group's __consumer_offsets partition: read_committed end (LSO) = read_uncommitted end (HW) means no open transaction there
    const offsetsPartition = partitionForGroup(group, 2);
    const ends = async () => Promise.all([0, 1].map(async (isolationLevel) => (await call(ApiKey.ListOffsets, 4, { replicaId: -1, isolationLevel, topics: [{ name: '__consumer_offsets', partitions: [{ partitionIndex: offsetsPartition, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] })).topics[0]!.partitions[0]!.offset));
    const before = await ends();
    // 1. no AddOffsetsToTxn: the coordinator says the partition is not in the transaction; nothing is appended
    expect(await commitOffset(3n)).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await ends()).toEqual(before);
    // 2. added: the offset is appended (an open transaction on the partition) and committed with the transaction
    expect((await call(ApiKey.AddOffsetsToTxn, 3, { transactionalId: id, producerId, producerEpoch, groupId: group })).errorCode).toBe(ErrorCode.NONE);
    expect(await commitOffset(5n)).toBe(ErrorCode.NONE);
    const [uncommittedEnd, committedEnd] = await ends();
    expect(uncommittedEnd).toBeGreaterThan(before[0]!);
    expect(committedEnd).toBeLessThan(uncommittedEnd!); // the LSO waits for the marker
    expect((await call(ApiKey.EndTxn, 3, { transactionalId: id, producerId, producerEpoch, committed: true })).errorCode).toBe(ErrorCode.NONE);
    await eventually(async () => (await call(ApiKey.DescribeTransactions, 0, { transactionalIds: [id] })).transactionStates[0]!.transactionState === 'CompleteCommit', 10_000, 'CompleteCommit');
    const fetched = async () => (await call(ApiKey.OffsetFetch, 7, { groupId: group, topics: [{ name: 'tx-verify', partitionIndexes: [0] }], requireStable: true, groups: [] })).topics[0]!.partitions[0]!;
    await eventually(async () => (await fetched()).committedOffset === 5n, 10_000, 'the committed offset 5');
    // 3. a late TxnOffsetCommit of the ended transaction (a retry after the marker) must not open a hanging transaction
    expect(await commitOffset(7n)).toBe(ErrorCode.INVALID_TXN_STATE);
    const after = await ends();
    expect(after[1]).toBe(after[0]); // LSO = HW
    expect((await fetched()).committedOffset).toBe(5n);
  });

  it('read-write workload: 3 transactional workers reading each other\'s output read_committed — no aborted read, loss, duplicate, inconsistent offset, non-monotonic send/poll or write-read cycle (G1c)', async () => {
    const w = await runTxnWorkload({ kafka, topic: 'tx-g1c', partitions: 3, prefix: `g1c${Date.now()}`, workers: 3, txnsPerWorker: 8, abortEvery: 4 });
    const committed = await readBack(bootstrap, 'tx-g1c', 'read_committed');
    const uncommitted = await readBack(bootstrap, 'tx-g1c', 'read_uncommitted');
    const r = checkTransactions(w.txns, committed, [uncommitted], w.deliveries);
    console.log('txn workload (1 broker, no faults)', JSON.stringify({ txns: w.txns.length, committedTxns: r.committedTxns, abortedTxns: r.abortedTxns, wrEdges: r.wrEdges, deliveries: w.deliveries.length, errors: w.errors.length, ...r.counts, examples: r.examples }));
    expect(w.errors).toEqual([]);
    expect(r.counts).toEqual({ lost: 0, nonAtomic: 0, duplicates: 0, abortedReads: 0, inconsistentOffsets: 0, nonMonotonicSends: 0, nonMonotonicPolls: 0, g1c: 0 });
    expect(r.abortedTxns).toBe(6); // every 4th of 8 per worker: the aborted data the aborted-read count must not see
    expect(uncommitted.length).toBe(committed.length + 12);
    expect(r.wrEdges, 'the transactions read each other\'s output (else no cycle could form)').toBeGreaterThan(0);
  });

  it("the README's kafkajs transaction example works as written", async () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const m = /<!-- tested: test\/integration\/transactions\.test\.ts[^\n]*\n```js\n([\s\S]*?)```/.exec(readme);
    expect(m, 'the tested example block in README.md').not.toBeNull();
    const code = m![1]!.replace("'localhost:9092'", `'${bootstrap}'`);
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', code], { cwd: REPO_ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    // kafkajs logs JSON lines to stdout too; the example prints plain lines
    expect(r.stdout.trim().split('\n').filter((l) => !l.startsWith('{'))).toEqual(['alice: debit 10', 'bob: credit 10']);
  }, 90_000);


});

/**
 * The failure model's transaction events (test/model/support/transaction-model.ts) on this file's broker, through the
 * wire protocol: one transactional id per path, two records per SEND to `tx-model`. CI runs the cheapest path with a
 * crash between PrepareCommit and CompleteCommit and a fenced zombie (one restart); `npm run test:transactions:full`
 * runs the covering set (every transition, then every back-to-back pair; kill -9 included).
 *
 * CRASH_IN_PREPARE_*: the broker stops with the transaction Ongoing and its __transaction_state then gets the
 * PrepareCommit/PrepareAbort record a coordinator writes just before it would send the markers — the state a crash
 * between prepare and complete leaves (the stop is a clean one: the record, not the signal, is the point, and a
 * kill -9 would wait out the 6 s ZooKeeper session); KILL is a real kill -9 with the transaction open.
 */
const TXN_PLAN = planTxnPaths();
const TXN_MODEL_PATHS: TxnPath[] = process.env.RAFKA_TXN_FULL === '1' ? TXN_PLAN.full : TXN_PLAN.ci;
const TXN_STATE_DONE = new Set(['Empty', 'CompleteCommit', 'CompleteAbort']);

describe.skipIf(!hasKcat)('transaction failure model (test/model/support/transaction-model.ts)', () => {
  TXN_MODEL_PATHS.forEach((path, i) => {
    it(`path ${i + 1}/${TXN_MODEL_PATHS.length}: ${path.events.join(' → ')}`, async () => {
      const id = `tx-model-${i}-${Date.now()}`;
      const prefix = `m${i}.${Date.now()}-`;
      let seq = 0;
      let n = 0;
      let open: string[] = [];
      const expected: string[] = [];
      const initPid = async () => (await eventually(async () => {
        const r = await call(ApiKey.InitProducerId, 3, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
        return r.errorCode === ErrorCode.NONE ? r : undefined; // CONCURRENT_TRANSACTIONS while a fenced transaction aborts, COORDINATOR_* after a restart
      }, 30_000, `InitProducerId ${id}`))!;
      let producer = await initPid();
      const retried = (what: string, req: () => Promise<number>) => eventually(async () => {
        const code = await req();
        if (code === ErrorCode.NONE) return true;
        if ([ErrorCode.CONCURRENT_TRANSACTIONS, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR, ErrorCode.NOT_LEADER_OR_FOLLOWER].includes(code as never)) return false;
        throw new Error(`${what}: error ${code}`);
      }, 30_000, what).catch((e: unknown) => { throw new Error(`${what}: ${String(e)}`); });
      const endTxn = (committed: boolean) => retried(`EndTxn ${committed}`, async () => (await call(ApiKey.EndTxn, 3, { transactionalId: id, ...producer, committed })).errorCode);
      const state = async () => (await call(ApiKey.DescribeTransactions, 0, { transactionalIds: [id] })).transactionStates[0]!;
      const ends = async () => Promise.all([0, 1].map(async (isolationLevel) => (await call(ApiKey.ListOffsets, 4, { replicaId: -1, isolationLevel, topics: [{ name: 'tx-model', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] })).topics[0]!.partitions[0]!.offset));
      const restart = async () => { broker = startBroker(b); await broker.waitForLog(started, 30_000); };
      const writePrepare = (txnState: 'PrepareCommit' | 'PrepareAbort') => {
        const p = partitionForTxn(id, 3);
        const dir = b.logDirs.map((d) => join(d, `__transaction_state-${p}`)).find((d) => existsSync(d))!;
        const log = Log.load({ dir, topic: '__transaction_state', partition: p, config: { ...DEFAULT_LOG_CONFIG, cleanupPolicy: ['compact'] }, hadCleanShutdown: true }).log;
        let last: TxnLogValue | null = null;
        for (const e of iterateBatches(log.read(log.logStartOffset, 1 << 20, { minOneMessage: true }).records)) {
          const c = (e.batch as RecordBatch).records();
          while (c.next()) if (decodeTxnKey(c.key()!) === id && c.value()) last = decodeTxnValue(c.value()!);
        }
        expect(last?.state).toBe('Ongoing');
        log.appendAsLeader(buildRecordBatch({ records: [{ key: encodeTxnKey(id), value: encodeTxnValue({ ...last!, state: txnState, txnLastUpdateTimestamp: Date.now() }) }] }), log.latestEpoch);
        log.close();
      };

      for (const ev of path.events) {
        switch (ev) {
          case 'SEND': {
            await retried('AddPartitionsToTxn', async () => (await call(ApiKey.AddPartitionsToTxn, 3, { transactions: [], v3AndBelowTransactionalId: id, v3AndBelowProducerId: producer.producerId, v3AndBelowProducerEpoch: producer.producerEpoch, v3AndBelowTopics: [{ name: 'tx-model', partitions: [0] }] })).resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode);
            const values = [`${prefix}${n++}`, `${prefix}${n++}`];
            const records = buildRecordBatch({ records: values.map((value) => ({ value })), producerId: producer.producerId, producerEpoch: producer.producerEpoch, baseSequence: seq, isTransactional: true });
            const r = (await call(ApiKey.Produce, 7, { transactionalId: id, acks: -1, timeoutMs: 10_000, topicData: [{ name: 'tx-model', partitionData: [{ index: 0, records }] }] })).responses[0]!.partitionResponses[0]!;
            expect(r.errorCode, 'transactional produce').toBe(ErrorCode.NONE);
            seq += values.length;
            open.push(...values);
            break;
          }
          case 'COMMIT': case 'ABORT':
            await endTxn(ev === 'COMMIT');
            if (ev === 'COMMIT') expected.push(...open);
            open = [];
            break;
          case 'FENCE': { // a second producer with the same id: the open transaction is aborted, the old producer fenced
            const old = producer;
            producer = await initPid();
            expect(producer.producerEpoch).toBeGreaterThan(old.producerEpoch);
            seq = 0;
            expect((await call(ApiKey.EndTxn, 3, { transactionalId: id, ...old, committed: true })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
            open = [];
            break;
          }
          case 'KILL':
            broker.signal('SIGKILL');
            await broker.waitForExit(10_000);
            await restart();
            break;
          case 'CRASH_IN_PREPARE_COMMIT': case 'CRASH_IN_PREPARE_ABORT':
            expect(await broker.stop()).toBe(0);
            writePrepare(ev === 'CRASH_IN_PREPARE_COMMIT' ? 'PrepareCommit' : 'PrepareAbort');
            await restart();
            if (ev === 'CRASH_IN_PREPARE_COMMIT') expected.push(...open);
            open = [];
            break;
          case 'FINISH':
            break;
        }
        // what a client sees in the model's state after the step
        if (open.length > 0) { // ongoing
          await eventually(async () => (await state()).transactionState === 'Ongoing', 30_000, `${ev}: ${id} Ongoing`);
          const [hw, lso] = await ends();
          expect(lso, `${ev}: the open transaction holds the LSO`).toBeLessThan(hw!);
        } else { // ready / finished: the coordinator finished the transaction (markers + Complete*), nothing hangs
          await eventually(async () => TXN_STATE_DONE.has((await state()).transactionState), 30_000, `${ev}: ${id} completed`);
          await eventually(async () => { const [hw, lso] = await ends(); return lso === hw; }, 30_000, `${ev}: LSO = log end`);
          expect((await kcatRead('tx-model', 'read_committed')).filter((v) => v.startsWith(prefix)), `${ev}: read_committed`).toEqual(expected);
        }
      }
      expect((await kcatRead('tx-model', 'read_uncommitted')).filter((v) => v.startsWith(prefix))).toHaveLength(n); // every record was written
    }, 60_000 + costOf(path.events) * 5_000);
  });
});
