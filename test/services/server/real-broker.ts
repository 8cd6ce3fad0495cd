/**
 * A broker of real parts and no processes, for tests of the controller's requests and the coordinators' leadership:
 * the real dispatcher (createRequestHandler) over a real ReplicaManager, MetadataCache and LogManager on a temp dir
 * (or on a given log dir, e.g. one written by Apache Kafka). fake-broker.ts is the in-memory counterpart.
 *
 * Every broker made here is shut down (ReplicaManager, then LogManager: no file work left in flight) before its
 * temp dir is removed, by {@link closeRealBrokers} — call it from the test file's afterAll.
 */
import { ApiKey } from '../../../src/protocol/api-keys.js';
import type { RequestInput } from '../../../src/protocol/frame.js';
import { LogManager } from '../../../src/services/log/log-manager.js';
import { MetadataCache } from '../../../src/services/server/metadata-cache.js';
import { ReplicaManager } from '../../../src/services/server/replica-manager.js';
import { createRequestHandler } from '../../../src/services/server/kafka-apis.js';
import type { BrokerContext, ControlPlane } from '../../../src/services/server/broker-context.js';
import type { RequestHandler } from '../../../src/services/network/connection.js';
import { advanceIsrState } from '../../../src/machines/partition-isr-state.js';
import { makeConfig, captureLogger, type CapturedLogger } from '../log/log-test-helpers.js';
import { makeTmpDir, rmrf } from '../log/tmp.js';
import { unusedAdmin } from './fake-broker.js';

export interface RealBroker {
  handler: RequestHandler;
  logs: LogManager;
  ctx: BrokerContext;
  replicas: ReplicaManager;
  metadata: MetadataCache;
  /** This broker's epoch as its ControlPlane reports it (tests change it). */
  epoch: { value: bigint };
  dir: string;
  lines: CapturedLogger['lines'];
}

export interface RealBrokerOptions {
  brokerId: number;
  /** Temp dir name prefix (a fresh dir is made); ignored with `dir`. */
  prefix?: string;
  /** An existing log dir to open instead (removed by closeRealBrokers too). */
  dir?: string;
  props?: Record<string, string>;
  /** The Majordomo's control callbacks, as the test wires them (src/machines/majordomo.ts). */
  hooks?: Pick<ControlPlane, 'onLeaderAndIsr' | 'onStopReplica'>;
  /** Builds the handler from the context (default: the dispatcher without coordinators). */
  handler?: (ctx: BrokerContext) => RequestHandler;
}

const open: Array<{ b: RealBroker; closed: boolean }> = [];

export async function realBroker(opts: RealBrokerOptions): Promise<RealBroker> {
  const dir = opts.dir ?? await makeTmpDir(opts.prefix ?? 'rafka-real-broker-');
  const config = makeConfig([dir], { 'broker.id': String(opts.brokerId), ...opts.props });
  const { logger, lines } = captureLogger();
  const entry = { b: { dir } as RealBroker, closed: false };
  open.push(entry); // the dir is removed even if the LogManager fails to open it
  const logs = await LogManager.create({ logDirs: [dir], initialOfflineDirs: [], config, log: logger, onDirFailure: () => {} });
  entry.b = { dir, logs, replicas: { shutdown: () => {} } } as RealBroker;
  await logs.loadLogs(); // Kafka's LogManager.startup: the dir's partitions (recovered after an unclean shutdown)
  const metadata = new MetadataCache(opts.brokerId, 'cluster');
  const replicas = new ReplicaManager(opts.brokerId, logs, metadata, logger, { advanceIsrState });
  const epoch = { value: 100n };
  const ctx: BrokerContext = {
    config: () => config, metadata, replicas, log: logger, admin: unusedAdmin,
    control: { brokerEpoch: () => epoch.value, replicas, log: logger, ...opts.hooks },
  };
  entry.b = { handler: (opts.handler ?? createRequestHandler)(ctx), logs, ctx, replicas, metadata, epoch, dir, lines };
  return entry.b;
}

/** Shuts down every broker made by {@link realBroker} and removes its dir. */
export async function closeRealBrokers(): Promise<void> {
  for (const e of open.splice(0)) {
    if (!e.closed && e.b.logs) { // (a LogManager that failed to open has nothing to close)
      e.closed = true;
      e.b.replicas.shutdown();
      await e.b.logs.shutdown();
    }
    await rmrf(e.b.dir);
  }
}

// ------------------------------------------------------------------------------------------- controller requests

export const CONTROL_HEADER = { controllerId: 1, controllerEpoch: 5, brokerEpoch: 100n } as const;

/** One partition's replica assignment and leadership, as the controller sends it. */
export interface ReplicaState { partition: number; leader: number; leaderEpoch: number; replicas: number[]; isr?: number[]; isNew?: boolean }

export interface TopicReplicas { topic: string; topicId: string; partitions: ReplicaState[] }

const brokersOf = (topics: TopicReplicas[]): number[] => [...new Set(topics.flatMap((t) => t.partitions.flatMap((p) => p.replicas)))].sort((a, b) => a - b);

/** LeaderAndIsr v7 for these topics (every replica named is a live leader). */
export function leaderAndIsrRequest(topics: TopicReplicas[]): RequestInput<typeof ApiKey.LeaderAndIsr> {
  return {
    ...CONTROL_HEADER, type: 0,
    topicStates: topics.map((t) => ({
      topicName: t.topic, topicId: t.topicId,
      partitionStates: t.partitions.map((p) => ({
        topicName: t.topic, partitionIndex: p.partition, controllerEpoch: CONTROL_HEADER.controllerEpoch, leader: p.leader, leaderEpoch: p.leaderEpoch,
        isr: p.isr ?? p.replicas, partitionEpoch: p.leaderEpoch, replicas: p.replicas, isNew: p.isNew ?? p.leaderEpoch === 0,
      })),
    })),
    liveLeaders: brokersOf(topics).map((brokerId) => ({ brokerId, hostName: `h${brokerId}`, port: 9092 })),
  };
}

/** UpdateMetadata v8 for these topics, every replica named a live broker. */
export function updateMetadataRequest(topics: TopicReplicas[]): RequestInput<typeof ApiKey.UpdateMetadata> {
  return {
    ...CONTROL_HEADER,
    topicStates: topics.map((t) => ({
      topicName: t.topic, topicId: t.topicId,
      partitionStates: t.partitions.map((p) => ({
        partitionIndex: p.partition, controllerEpoch: CONTROL_HEADER.controllerEpoch, leader: p.leader, leaderEpoch: p.leaderEpoch,
        isr: p.isr ?? p.replicas, zkVersion: p.leaderEpoch, replicas: p.replicas, offlineReplicas: [],
      })),
    })),
    liveBrokers: brokersOf(topics).map((id) => ({ id, rack: null, endpoints: [{ host: `broker${id}`, port: 9092, listener: 'PLAINTEXT', securityProtocol: 0 }] })),
  };
}

/** StopReplica v4 for these partitions of one topic. */
export function stopReplicaRequest(topic: string, partitions: number[], deletePartition: boolean, leaderEpoch: number): RequestInput<typeof ApiKey.StopReplica> {
  return { ...CONTROL_HEADER, topicStates: [{ topicName: topic, partitionStates: partitions.map((partitionIndex) => ({ partitionIndex, leaderEpoch, deletePartition })) }] };
}

/** Polls `cond` on each turn of the event loop until it holds (bounded); `what` describes the wait in the error. */
export async function until(cond: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setImmediate(r));
  }
}
