/**
 * A transactional read-write workload whose transactions read each other's output (issue 13's checker: write-read
 * cycles can only form when transactions consume what other transactions wrote). W workers, each a kafkajs
 * transactional producer with its own id and a subscribed read_committed consumer (a group of its own, reading
 * every partition of the topic). Each transaction of a worker takes as its reads everything its consumer delivered
 * since its previous transaction, then writes two values (`<prefix>-w<i>-<k>-<j>`) to partitions chosen round robin,
 * and commits — or aborts on purpose every `abortEvery`-th time, so that aborted data exists for the aborted-read
 * count. A transaction that fails ends its producer (outcome `aborted` if the abort went through, else `unknown`)
 * and the worker goes on with a new producer of the same id, which fences the old one.
 *
 * Afterwards {@link readBack} reads the topic with kcat (librdkafka, assigned to every partition) read_committed and
 * read_uncommitted, with offsets, for transaction-checker.ts.
 */
import type { Kafka } from 'kafkajs';
import { runCommand } from '../integration/support.js';
import type { Delivery, ReadRecord, TxnRecord } from './transaction-checker.js';

export interface WorkloadOptions {
  kafka: Kafka; topic: string; partitions: number; prefix: string; workers: number; txnsPerWorker: number;
  abortEvery?: number;
  /** One send() for both writes (kafkajs's multi-leader send, with its client-side loss/duplication; diagnosis only). */
  multiPartitionSend?: boolean;
  /** Called after each finished transaction (any worker) with the number finished so far: the test's fault schedule. */
  onProgress?: (finished: number) => void;
}

export interface WorkloadResult { txns: TxnRecord[]; deliveries: Delivery[]; errors: string[]; producersUsed: number }

export async function runTxnWorkload(o: WorkloadOptions): Promise<WorkloadResult> {
  const txns: TxnRecord[] = [];
  const deliveries: Delivery[] = [];
  const errors: string[] = [];
  let producersUsed = 0;
  let finished = 0;
  const abortEvery = o.abortEvery ?? 5;

  const worker = async (i: number) => {
    const reader = `w${i}`;
    const buffer: string[] = [];
    const mayRewind = new Set<number>();
    const consumer = o.kafka.consumer({ groupId: `${o.prefix}-r${i}`, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1000, retry: { retries: 10 } });
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    // after a (re)join the consumer starts again from the group's position (it commits nothing: the beginning):
    // its next delivery of each partition may legitimately go back
    consumer.on(consumer.events.GROUP_JOIN, () => { for (let p = 0; p < o.partitions; p++) mayRewind.add(p); });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const value = message.value!.toString();
        deliveries.push({ reader, partition, offset: BigInt(message.offset), value, ...(mayRewind.delete(partition) ? { rewind: true } : {}) });
        buffer.push(value);
      },
    });
    /** A producer of the worker's id (its InitProducerId fences the previous one); a broker down meanwhile is retried for 120 s. */
    const newProducer = async () => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        producersUsed++;
        const p = o.kafka.producer({ transactionalId: `${o.prefix}-w${i}`, maxInFlightRequests: 1, idempotent: true, transactionTimeout: 30_000, retry: { retries: 8, initialRetryTime: 200 } });
        try {
          await p.connect();
          return p;
        } catch (e) {
          errors.push(`w${i} connect: ${String(e)}`);
          await p.disconnect().catch(() => {});
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 500)); // retry back-off while the broker restarts
        }
      }
    };
    let producer = await newProducer();
    try {
      for (let k = 0; k < o.txnsPerWorker; k++) {
        const reads = buffer.splice(0);
        const writes = [0, 1].map((j) => ({ value: `${o.prefix}-w${i}-${k}-${j}`, partition: (i + k + j) % o.partitions }));
        const rec: TxnRecord = { id: `w${i}.${k}`, producer: `w${i}`, writes, reads, outcome: 'unknown' };
        txns.push(rec);
        let stage = 'begin';
        try {
          const t = await producer.transaction();
          stage = 'send';
          // One send() per partition, in turn: kafkajs 2.2.4's send() to several leaders at once loses and duplicates
          // records when one leader's request fails (sendMessages.js: the retry skips brokers that already answered, so
          // a partition whose leader moved to such a broker is never written though send() resolves; and Promise.all
          // rejects while a sibling request is still in flight, so the retry sends that partition's records again
          // under the next sequence number — the broker rightly appends both; see notes-V). What send() confirmed
          // (errorCode 0) is kept for the checker.
          rec.confirmed = [];
          if (o.multiPartitionSend) {
            const meta = await t.send({ topic: o.topic, acks: -1, messages: writes.map((w) => ({ partition: w.partition, value: w.value })) });
            for (const m of meta) if (m.errorCode === 0) rec.confirmed.push(m.partition);
          } else for (const w of writes) {
            const meta = await t.send({ topic: o.topic, acks: -1, messages: [{ partition: w.partition, value: w.value }] });
            for (const m of meta) if (m.errorCode === 0 && m.partition === w.partition) rec.confirmed.push(m.partition);
          }
          if ((k + 1) % abortEvery === 0) { stage = 'abort'; await t.abort(); rec.outcome = 'aborted'; } else { stage = 'commit'; await t.commit(); rec.outcome = 'committed'; }
        } catch (e) {
          errors.push(`${rec.id} ${stage}: ${String(e)}`);
          // unless the commit was asked, the transaction cannot have committed: the next producer of the id aborts it
          if (stage !== 'commit') rec.outcome = 'aborted';
          await producer.disconnect().catch(() => {});
          producer = await newProducer(); // InitProducerId fences the old producer and aborts what it left open
        }
        finished++;
        o.onProgress?.(finished);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      await producer.disconnect().catch(() => {});
      await consumer.disconnect().catch(() => {});
    }
  };
  await Promise.all(Array.from({ length: o.workers }, (_, i) => worker(i)));
  return { txns, deliveries, errors, producersUsed };
}

/** kcat assigned to every partition, from the beginning to the end it sees, with the given isolation. */
export async function readBack(bootstrap: string, topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<ReadRecord[]> {
  const r = await runCommand('kcat', ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${isolation}`, '-f', '%p %o %s\\n'], undefined, 120_000);
  if (r.code !== 0) throw new Error(`kcat: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => { const [p, off, v] = l.split(' '); return { partition: Number(p), offset: BigInt(off!), value: v! }; });
}
