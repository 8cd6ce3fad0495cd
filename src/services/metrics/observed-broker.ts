/**
 * What the metrics and health endpoints read of the broker, at scrape / probe time only: the Majordomo's state and
 * the services it created. The metrics-server machine builds it from the Majordomo's snapshot (services never import
 * machines); tests can supply a plain object.
 */
import type { LogManager } from '../log/log-manager.js';
import type { ReplicaManager } from '../server/replica-manager.js';
import type { GroupCoordinator } from '../group/group-coordinator.js';
import type { MetadataCache } from '../server/metadata-cache.js';
import type { SocketServer } from '../network/socket-server.js';
import type { QuotaManagers } from '../quota/quota-managers.js';

export interface ActorStateSample { actor: string; state: string }

export interface ObservedBroker {
  /** Kafka's BrokerState name (NOT_RUNNING, STARTING, RECOVERY, RUNNING, PENDING_CONTROLLED_SHUTDOWN, SHUTTING_DOWN). */
  brokerState(): string;
  brokerId(): number | null;
  /** The ZooKeeper session is connected (zookeeperClient in session.watching). */
  zooKeeperConnected(): boolean;
  /** This broker's /brokers/ids/<id> was written in the current session (a broker epoch exists). */
  registered(): boolean;
  onlineLogDirs(): readonly string[];
  offlineLogDirs(): readonly string[];
  /** Every coordinator actor and its current state value, flattened (`session.watching`). */
  actorStates(): ActorStateSample[];
  /** Seconds each Majordomo startup step took (`connectingToZooKeeper` …), in order, once completed. */
  startupSteps(): ReadonlyArray<[string, number]>;
  /** The active controller's id (-1 unknown). */
  controllerId(): number;
  logManager(): LogManager | null;
  replicaManager(): ReplicaManager | null;
  groupCoordinator(): GroupCoordinator | null;
  metadata(): MetadataCache | null;
  /** The controller actor's view: active here, and every partition's PartitionStateMachine state ("topic-p" → state). */
  controller(): { active: boolean; partitionStates: ReadonlyMap<string, string> } | null;
  /** ZooKeeper session expiries and disconnects seen so far (SessionExpireListener). */
  zooKeeperEvents(): { expires: number; disconnects: number };
  socketServer(): SocketServer | null;
  quotas(): QuotaManagers | null;
  /** KIP-227's FetchSessionCache (the broker's FetchManager), null before the socket server's services exist. */
  fetchSessionCache(): FetchSessionCacheView | null;
}

/** What FetchSessionCache's gauges read (fetch-session.ts FetchSessionCache). */
export interface FetchSessionCacheView { readonly size: number; readonly totalPartitions: number; readonly evictions: number }
