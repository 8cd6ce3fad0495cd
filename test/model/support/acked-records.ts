/**
 * The data side of the failure model: keyed records produced with acks=all (kafkajs: a send
 * resolves only once the broker acknowledged it) to the two partitions of topic `data` — one per
 * log dir, since a new log goes to the dir with the fewest partitions — and read back with kcat.
 * Everything acknowledged must still be readable after any fault, restart or recovery, unless its
 * partition's dir is offline.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { BrokerBlockingSender } from '../../../src/services/replication/broker-blocking-sender.js';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { buildRecordBatch } from '../../../src/services/log/record-batch.js';

export const TOPIC = 'data';
export const PARTITIONS = [0, 1] as const;

export class AckedRecords {
  /** Acknowledged `key=value` per partition, in offset order. */
  readonly acked: Record<number, string[]> = { 0: [], 1: [] };
  private created = false;
  private seq = 0;

  constructor(private readonly bootstrap: () => string, private readonly tag: string) {}

  private kafka(): Kafka {
    return new Kafka({ brokers: [this.bootstrap()], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 }, connectionTimeout: 3000 });
  }

  /** Creates the topic once per path (idempotent across restarts: it exists on disk and in ZooKeeper). */
  async ensureTopic(): Promise<void> {
    if (this.created) return;
    const admin = this.kafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS.length, replicationFactor: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    this.created = true;
  }

  /**
   * Produces `n` keyed records to each partition in `partitions` with acks=all; records only what was acknowledged.
   * `raw`: one Produce request per partition instead of kafkajs — with a partition offline (its dir failed, so the
   * controller left it without a leader, as Kafka does) kafkajs refuses the whole topic's metadata
   * (LEADER_NOT_AVAILABLE), as it would against Kafka.
   */
  async produce(partitions: readonly number[], n = 3, opts: { raw?: boolean } = {}): Promise<void> {
    await this.ensureTopic();
    if (opts.raw) { await this.produceRaw(partitions, n); return; }
    const producer = this.kafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (const partition of partitions) {
        const messages = Array.from({ length: n }, () => {
          const k = `${this.tag}-${++this.seq}`;
          return { key: k, value: `v${this.seq}`, partition };
        });
        await producer.send({ topic: TOPIC, acks: -1, timeout: 5000, messages });
        this.acked[partition]!.push(...messages.map((m) => `${m.key}=${m.value}`));
      }
    } finally {
      await producer.disconnect();
    }
  }

  private async produceRaw(partitions: readonly number[], n: number): Promise<void> {
    const [host, port] = this.bootstrap().split(':');
    const sender = new BrokerBlockingSender({ brokerId: -1, host: host!, port: Number(port) }, { clientId: 'acked-records', socketTimeoutMs: 5_000, requestTimeoutMs: 15_000 });
    try {
      for (const partition of partitions) {
        const messages = Array.from({ length: n }, () => { const k = `${this.tag}-${++this.seq}`; return { key: k, value: `v${this.seq}` }; });
        const records = buildRecordBatch({ records: messages.map((m) => ({ key: m.key, value: m.value, timestamp: Date.now() })), defaultTimestamp: Date.now() });
        // a few attempts for retriable answers (as kafkajs's retry: 2), each a new batch of the same records is fine: none was acknowledged
        let errorCode: number = ErrorCode.NONE;
        for (let attempt = 0; attempt < 3; attempt++) {
          const r = await sender.sendRequest(ApiKey.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] });
          errorCode = r.responses[0]!.partitionResponses[0]!.errorCode;
          if (errorCode === ErrorCode.NONE) break;
          await new Promise((res) => setTimeout(res, 200 * (attempt + 1)));
        }
        if (errorCode !== ErrorCode.NONE) throw new Error(`Produce to ${TOPIC}-${partition} answered error ${errorCode}`);
        this.acked[partition]!.push(...messages.map((m) => `${m.key}=${m.value}`));
      }
    } finally { sender.close(); }
  }

  /** Sends one record that must fail (its dir's filesystem is full); resolves with the error. */
  async produceFailing(partition: number): Promise<Error | null> {
    const producer = new Kafka({ brokers: [this.bootstrap()], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer();
    await producer.connect();
    try {
      await producer.send({ topic: TOPIC, acks: -1, timeout: 3000, messages: [{ key: 'lost', value: 'x'.repeat(64 * 1024), partition }] });
      return null;
    } catch (e) {
      return e as Error;
    } finally {
      await producer.disconnect();
    }
  }

  /** What a consumer reads from a partition, from the beginning to its end (kcat -e). */
  read(partition: number): Promise<string[]> {
    return new Promise((resolve, reject) => {
      execFile('kcat', ['-b', this.bootstrap(), '-C', '-t', TOPIC, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', '%k=%s\n'],
        { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`kcat -C -p ${partition}: ${err.message} ${stderr}`)) : resolve(stdout.split('\n').filter(Boolean))));
    });
  }

  /** The dir (of `dirs`) that holds a partition of the topic, or null before the topic exists. */
  static dirOf(dirs: string[], partition: number): string | null {
    return dirs.find((d) => existsSync(join(d, `${TOPIC}-${partition}`))) ?? null;
  }
}
