/**
 * In-memory BrokerContext for handler tests: metadata with waitFor, partition logs over Buffers, a topic admin
 * that "creates" topics (leaders on broker 1) and deletes them, all observable by the tests.
 */
import { KafkaConfig } from '../../../src/config/kafka-config.js';
import { createLogger } from '../../../src/logger.js';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { decodeResponse, encodeRequest, type RequestInput, type ResponseBody } from '../../../src/protocol/frame.js';
import type { ImplementedApiKey } from '../../../src/protocol/messages/index.js';
import type { TopicMetadata } from '../../../src/services/controller/cluster-metadata.js';
import { RecordBatch, iterateBatches, buildRecordBatch, type RecordInput } from '../../../src/services/log/record-batch.js';
import { DEFAULT_LOG_CONFIG, brokerLogConfig, logConfigWithOverrides, type LogConfig } from '../../../src/services/log/log-config.js';
import type { ConnectionInfo, RequestHandler } from '../../../src/services/network/connection.js';
import { frameBytes } from '../../../src/services/network/response-send.js';
import { Partition } from '../../../src/services/replication/partition.js';
import { endOffsetForEpoch } from '../../../src/services/log/leader-epoch-cache.js';
import { DelayedProducePurgatory } from '../../../src/services/replication/delayed-produce.js';
import type {
  AdminView,
  LeaderPartition,
  AppendResult,
  BrokerContext,
  CreateTopicRequest,
  MetadataView,
  PartitionLog,
  PartitionLookup,
  ReadResult,
  ReplicaView,
} from '../../../src/services/server/broker-context.js';
import type { BrokerInfo } from '../../../src/services/zookeeper/zk-data.js';
import { newPartitionsAssignment } from '../../../src/services/admin/add-partitions.js';
import { advanceIsrState } from '../../../src/machines/partition-isr-state.js';

export const CONN: ConnectionInfo = { id: 'c1', listenerName: 'PLAINTEXT', remoteAddress: '127.0.0.1', remotePort: 50000 };

export function brokerInfo(id: number, port = 9092, rack: string | null = null): BrokerInfo {
  return {
    id,
    endpoints: [
      { listenerName: 'PLAINTEXT', host: `broker${id}`, port, securityProtocol: 'PLAINTEXT' },
      { listenerName: 'INTERNAL', host: `internal${id}`, port: port + 1000, securityProtocol: 'PLAINTEXT' },
    ],
    rack,
    jmxPort: -1,
    timestamp: 0,
    features: {},
  };
}

class NamedError extends Error {
  constructor(name: string, message: string) { super(message); this.name = name; }
}

/** A partition log over in-memory batches; offsets assigned on append; HW = LEO. */
export class MemoryLog implements PartitionLog {
  batches: Buffer[] = [];
  logStartOffset = 0n;
  logEndOffset = 0n;
  appendError: Error | null = null;
  constructor(private readonly onAppend: () => void = () => {}, public config: LogConfig = DEFAULT_LOG_CONFIG) {}
  /** Set to hold the high watermark below the log end offset (replication not caught up). */
  hwOverride: bigint | null = null;
  get highWatermark(): bigint { return this.hwOverride ?? this.logEndOffset; }
  /** When true the Partition's high watermark is kept (replication tests); else HW = LEO unless hwOverride holds it. */
  hwManaged = false;
  updateHighWatermark(hw: bigint): bigint {
    if (this.hwManaged) this.hwOverride = hw < this.logStartOffset ? this.logStartOffset : hw > this.logEndOffset ? this.logEndOffset : hw;
    return this.highWatermark;
  }
  epochs: Array<{ epoch: number; startOffset: bigint }> = [];
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: bigint } { return endOffsetForEpoch(this.epochs, epoch, this.logEndOffset); }
  maybeAssignEpochStartOffset(epoch: number, startOffset: bigint): void {
    if (this.epochs.at(-1)?.epoch !== epoch) this.epochs.push({ epoch, startOffset });
  }

  appendAsLeader(records: Buffer, leaderEpoch: number): AppendResult {
    if (this.appendError) throw this.appendError;
    const first = this.logEndOffset;
    let count = 0;
    for (const entry of iterateBatches(records)) {
      const copy = Buffer.from(records.subarray(entry.position, entry.position + entry.size));
      const b = new RecordBatch(copy);
      b.ensureValid();
      const n = b.lastOffsetDelta + 1;
      b.setBaseOffset(this.logEndOffset);
      b.setPartitionLeaderEpoch(leaderEpoch);
      if (this.epochs.at(-1)?.epoch !== leaderEpoch) this.epochs.push({ epoch: leaderEpoch, startOffset: this.logEndOffset });
      this.batches.push(copy);
      this.logEndOffset += BigInt(n);
      count += b.recordsCount;
    }
    this.onAppend();
    return { firstOffset: first, lastOffset: this.logEndOffset - 1n, logAppendTime: -1, logStartOffset: this.logStartOffset, recordCount: count };
  }

  read(startOffset: bigint, maxBytes: number, opts: { minOneMessage?: boolean } = {}): ReadResult {
    if (startOffset < this.logStartOffset || startOffset > this.logEndOffset) {
      throw new NamedError('OffsetOutOfRangeError', `offset ${startOffset} not in [${this.logStartOffset}, ${this.logEndOffset}]`);
    }
    const out: Buffer[] = [];
    let size = 0;
    for (const buf of this.batches) {
      const b = new RecordBatch(buf);
      if (b.lastOffset < startOffset) continue;
      if (size + buf.length > maxBytes && !(opts.minOneMessage && out.length === 0)) break;
      out.push(buf);
      size += buf.length;
    }
    return { records: Buffer.concat(out), highWatermark: this.highWatermark, logStartOffset: this.logStartOffset };
  }

  /** As the Log: -2 earliest (with the epoch of the first batch), -1 latest, -3 max timestamp, else by timestamp. */
  fetchOffsetByTimestamp(ts: number): { offset: bigint; timestamp: number; leaderEpoch: number } | null {
    if (ts === -2) {
      const first = this.batches.map((b) => new RecordBatch(b)).find((b) => b.lastOffset >= this.logStartOffset);
      return { offset: this.logStartOffset, timestamp: -1, leaderEpoch: first ? first.partitionLeaderEpoch : -1 };
    }
    if (ts === -1) return { offset: this.logEndOffset, timestamp: -1, leaderEpoch: -1 };
    if (ts === -3) {
      let best: RecordBatch | null = null;
      for (const buf of this.batches) { const b = new RecordBatch(buf); if (best === null || b.maxTimestamp > best.maxTimestamp) best = b; }
      return best ? { offset: best.lastOffset, timestamp: best.maxTimestamp, leaderEpoch: best.partitionLeaderEpoch } : null;
    }
    for (const buf of this.batches) {
      const b = new RecordBatch(buf);
      if (b.maxTimestamp >= ts) return { offset: b.baseOffset, timestamp: b.maxTimestamp, leaderEpoch: b.partitionLeaderEpoch };
    }
    return null;
  }

  /** As the Log's, for one segment (base = log start offset) last modified at `segmentModifiedMs`. */
  segmentModifiedMs = 1_000;
  legacyFetchOffsetsBefore(ts: number, maxNumOffsets: number): bigint[] {
    const candidates = [{ offset: this.logStartOffset, time: this.segmentModifiedMs }];
    if (this.logEndOffset > this.logStartOffset) candidates.push({ offset: this.logEndOffset, time: Date.now() });
    let i = ts === -1 ? candidates.length - 1 : ts === -2 ? 0 : candidates.findLastIndex((c) => c.time <= ts);
    const out: bigint[] = [];
    for (; i >= 0 && out.length < maxNumOffsets; i--) out.push(candidates[i]!.offset);
    return out;
  }
}

export function batch(values: string[], timestamp = 1_700_000_000_000, extra: { producerId?: bigint } = {}): Buffer {
  const records: RecordInput[] = values.map((v, i) => ({ key: `k${i}`, value: v, timestamp: timestamp + i }));
  return buildRecordBatch({ records, defaultTimestamp: timestamp, ...(extra.producerId !== undefined ? { producerId: extra.producerId, producerEpoch: 0, baseSequence: 0 } : {}) });
}

/** The leader side of a test lookup over any PartitionLog: appends as acks=1, no followers (handler tests' forced lookups). */
export function plainLeader(log: PartitionLog, leaderEpoch: number): LeaderPartition {
  return {
    appendRecordsToLeader: (records) => log.appendAsLeader(records, leaderEpoch),
    updateFollowerFetchState: () => false,
    lastOffsetForLeaderEpoch: () => ({ errorCode: 0, leaderEpoch: -1, endOffset: -1n }),
  };
}

const silent = createLogger('silent');

export interface FakeBroker {
  ctx: BrokerContext;
  topics: Map<string, TopicMetadata>;
  brokers: BrokerInfo[];
  logs: Map<string, MemoryLog>;
  /** The real Partition of each led partition (ISR and min ISR as addTopic set them). */
  partitions: Map<string, Partition>;
  lookups: Map<string, PartitionLookup>;
  created: Array<{ req: CreateTopicRequest; validateOnly: boolean }>;
  deleted: string[];
  /** /config/<type>/<name> as the admin stores them, keyed "<type>/<name>"; `configChanges` lists the notifications. */
  entityConfigs: Map<string, Record<string, string>>;
  configChanges: string[];
  /** When false, createTopic writes nothing to the metadata (timeouts). */
  admin: { applyCreates: boolean; applyDeletes: boolean; createError: Error | null; deleteError: Error | null };
  controllerId: number;
  notify(): void;
  /** `configs`: the topic's overrides, over the broker's log defaults (the logs' LogConfig). */
  /** `hwManaged`: the logs keep the high watermark the Partition sets (followers must fetch for it to move). */
  addTopic(name: string, partitions: number, opts?: { leader?: number; isr?: number[]; replicas?: number[]; topicId?: string | null; configs?: Record<string, string>; hwManaged?: boolean }): void;
  handler: RequestHandler;
}

export function fakeBroker(props: Record<string, string> = {}, createHandler?: (ctx: BrokerContext) => RequestHandler): FakeBroker {
  const config = KafkaConfig.fromProps({ 'zookeeper.connect': 'localhost:2181', 'log.dirs': '/tmp/rafka-fake', 'broker.id': '1', ...props });
  const topics = new Map<string, TopicMetadata>();
  const logs = new Map<string, MemoryLog>();
  const partitionMap = new Map<string, Partition>();
  // a forced lookup (a test's own log) is a single replica: replicated once appended
  const delayedProduce = new DelayedProducePurgatory((k, off) => (lookups.has(k) ? { done: true, errorCode: 0 } : partitionMap.get(k)?.checkEnoughReplicasReachOffset(off) ?? { done: true, errorCode: 6 }));
  const lookups = new Map<string, PartitionLookup>();
  const waiters = new Set<() => void>();
  const dataWaiters = new Set<() => void>();
  const fb: FakeBroker = {
    ctx: undefined as unknown as BrokerContext,
    topics,
    brokers: [brokerInfo(1, 9092, 'rack-a')],
    logs,
    partitions: partitionMap,
    lookups,
    created: [],
    deleted: [],
    entityConfigs: new Map(),
    configChanges: [],
    admin: { applyCreates: true, applyDeletes: true, createError: null, deleteError: null },
    controllerId: 1,
    notify() { for (const w of [...waiters]) w(); },
    addTopic(name, partitions, opts = {}) {
      const leader = opts.leader ?? 1;
      topics.set(name, {
        name,
        topicId: opts.topicId === undefined ? Buffer.alloc(16, name.length).toString('base64url') : opts.topicId,
        partitions: Array.from({ length: partitions }, (_, p) => ({
          partition: p, leader, leaderEpoch: 3, controllerEpoch: 1, isr: opts.isr ?? [1], replicas: opts.replicas ?? [1], offlineReplicas: [], partitionEpoch: 0,
        })),
      });
      for (let p = 0; p < partitions; p++) {
        const logConfig = logConfigWithOverrides(brokerLogConfig(fb.ctx.config()), opts.configs);
        if (!logs.has(`${name}-${p}`)) logs.set(`${name}-${p}`, new MemoryLog(() => { for (const w of [...dataWaiters]) w(); }, logConfig));
        if (opts.hwManaged) { logs.get(`${name}-${p}`)!.hwManaged = true; logs.get(`${name}-${p}`)!.hwOverride = 0n; }
        const part = new Partition(name, p, null, logs.get(`${name}-${p}`)!, {
          brokerId: 1, advanceIsrState, alterPartitionManager: { submit: () => new Promise(() => {}) }, replicaLagTimeMaxMs: () => 30_000, isBrokerAlive: () => true, log: silent,
          onHighWatermarkIncreased: () => { delayedProduce.checkAndComplete(`${name}-${p}`); for (const w of [...dataWaiters]) w(); },
          onIsrChanged: () => delayedProduce.checkAndComplete(`${name}-${p}`),
        });
        const replicas = opts.replicas ?? [1];
        if (leader === 1) part.makeLeader({ controllerEpoch: 1, leader, leaderEpoch: 3, isr: opts.isr ?? [1], partitionEpoch: 0, replicas: replicas.includes(1) ? replicas : [1, ...replicas] });
        partitionMap.set(`${name}-${p}`, part);
      }
      fb.notify();
    },
    handler: undefined as unknown as RequestHandler,
  };
  const metadata: MetadataView = {
    brokerId: 1,
    clusterId: () => 'test-cluster-id',
    controllerId: () => fb.controllerId,
    brokers: () => fb.brokers,
    topics: () => [...topics.values()],
    topic: (name) => topics.get(name),
    waitFor(pred, timeoutMs) {
      if (pred(metadata)) return Promise.resolve(true);
      return new Promise((resolve) => {
        const check = () => { if (pred(metadata)) { done(); resolve(true); } };
        const timer = setTimeout(() => { done(); resolve(false); }, timeoutMs);
        const done = () => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
      });
    },
  };
  const replicas: ReplicaView = {
    partition(topic, partition) {
      const key = `${topic}-${partition}`;
      const forced = lookups.get(key);
      if (forced) return forced;
      const t = topics.get(topic);
      const p = t?.partitions.find((x) => x.partition === partition);
      if (!t || !p) return { kind: 'unknown' };
      if (p.leader !== 1) return { kind: 'notLeader' };
      return { kind: 'leader', log: logs.get(key)!, leaderEpoch: p.leaderEpoch, partition: partitionMap.get(key)! };
    },
    waitForReplication(items, timeoutMs) {
      return delayedProduce.tryCompleteElseWatch(items.map((i) => ({ key: `${i.topic}-${i.partition}`, requiredOffset: i.requiredOffset })), timeoutMs);
    },
    waitForData(_parts, timeoutMs) {
      return new Promise((resolve) => {
        const wake = () => { clearTimeout(timer); dataWaiters.delete(wake); resolve(); };
        const timer = setTimeout(wake, timeoutMs);
        dataWaiters.add(wake);
      });
    },
  };
  const admin = {
    async createTopic(req, validateOnly) {
      fb.created.push({ req, validateOnly });
      if (fb.admin.createError) throw fb.admin.createError;
      if (topics.has(req.name)) throw new NamedError('TopicExistsError', `Topic '${req.name}' already exists.`);
      if (validateOnly || !fb.admin.applyCreates) return;
      const n = req.assignments ? req.assignments.size : req.numPartitions;
      setTimeout(() => fb.addTopic(req.name, n), 5);
    },
    async deleteTopic(name) {
      fb.deleted.push(name);
      if (fb.admin.deleteError) throw fb.admin.deleteError;
      if (!fb.admin.applyDeletes) return;
      setTimeout(() => { topics.delete(name); fb.notify(); }, 5);
    },
  } as AdminView;
  admin.entityConfigs = async (type, name) => ({ ...(fb.entityConfigs.get(`${type}/${name}`) ?? {}) });
  admin.changeEntityConfigs = async (type, name, configs) => { fb.entityConfigs.set(`${type}/${name}`, { ...configs }); fb.configChanges.push(`${type}/${name}`); };
  admin.createPartitions = async (topic, count, assignments, validateOnly) => {
    const t = topics.get(topic);
    if (!t) throw new NamedError('UnknownTopicOrPartitionError', `The topic '${topic}' does not exist.`);
    const added = newPartitionsAssignment(new Map(t.partitions.map((p) => [p.partition, p.replicas])), fb.brokers.map((b) => b.id), count, assignments);
    if (validateOnly || !fb.admin.applyCreates) return;
    setTimeout(() => {
      for (const [partition, replicas] of added) {
        t.partitions.push({ partition, leader: replicas[0]!, leaderEpoch: 0, controllerEpoch: 1, isr: replicas, replicas, offlineReplicas: [], partitionEpoch: 0 });
        logs.set(`${topic}-${partition}`, new MemoryLog());
      }
      fb.notify();
    }, 5);
  };
  fb.ctx = { config: () => config, metadata, replicas, admin, log: createLogger('silent') };
  if (createHandler) fb.handler = createHandler(fb.ctx);
  return fb;
}

export { NamedError };

let correlation = 100;

/** Encodes a request, runs the handler, decodes the response (asserting the correlation id). */
export async function call<K extends ImplementedApiKey>(
  handler: RequestHandler, apiKey: K, version: number, body: RequestInput<K>, clientId: string | null = 'test-client',
): Promise<ResponseBody<K>> {
  const correlationId = ++correlation;
  const frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId }, body);
  const answer = await handler(frame.subarray(4), CONN);
  if (answer === null) throw new Error('no response');
  const out = frameBytes(answer); // Fetch answers are chunks (response-send.ts)
  if (out.readInt32BE(0) !== out.length - 4) throw new Error('bad size prefix');
  const decoded = decodeResponse(out.subarray(4), apiKey, version);
  if (decoded.correlationId !== correlationId) throw new Error(`correlation id ${decoded.correlationId} != ${correlationId}`);
  return decoded.body;
}

/** The raw handler answer (null for none). */
export async function callRaw<K extends ImplementedApiKey>(handler: RequestHandler, apiKey: K, version: number, body: RequestInput<K>): Promise<Buffer | null> {
  const frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId: ++correlation, clientId: 'test-client' }, body);
  const out = await handler(frame.subarray(4), CONN);
  return out === null ? null : frameBytes(out);
}

export const API = ApiKey;

/** An AdminView for tests whose requests never reach admin APIs: every call fails loudly. */
export const unusedAdmin: AdminView = {
  createTopic: async () => { throw new Error('admin not used in this test'); },
  deleteTopic: async () => { throw new Error('admin not used in this test'); },
  entityConfigs: async () => { throw new Error('admin not used in this test'); },
  changeEntityConfigs: async () => { throw new Error('admin not used in this test'); },
  createPartitions: async () => { throw new Error('admin not used in this test'); },
};
