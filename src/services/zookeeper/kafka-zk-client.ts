/**
 * KafkaZkClient: the ZooKeeper operations a ZK-mode broker performs, as plain async functions
 * over one ZkSession. The machines in src/machines decide when to call them.
 */
import { ZkSession, ZkCode, isZkError, CreateMode, longFromBuffer, OPEN_ACL_UNSAFE, type ZkEvent, type ZkSessionOptions } from './zk-session.js';
import {
  ZkPaths, PERSISTENT_ZK_PATHS, ClusterIdZNode, generateClusterId, BrokerIdZNode, ControllerZNode,
  ControllerEpochZNode, ConfigEntityZNode, LogDirEventNotificationZNode, FeatureZNode, DEFAULT_ENTITY,
  type BrokerInfo, type FeatureZNodeData,
} from './zk-data.js';
import { parseZkConnect } from './connect-string.js';

/**
 * Re-sends a request that failed with CONNECTION_LOSS once the session reconnects, as Kafka's
 * retryRequestsUntilConnected does. Waiting is event-driven (no polling); expiry ends the wait.
 */
export async function retryUntilConnected<T>(zk: ZkSession, op: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (;;) {
    try {
      return await op();
    } catch (e) {
      if (!isZkError(e, ZkCode.CONNECTION_LOSS)) throw e;
      await waitForReconnect(zk, signal);
    }
  }
}

function waitForReconnect(zk: ZkSession, signal?: AbortSignal): Promise<void> {
  // A closed session (shut down, or replaced after its expiry) emits nothing any more: waiting would never end.
  if (zk.isClosed) return Promise.reject(new Error('ZooKeeper session closed (shut down, or replaced after it expired) while waiting to reconnect'));
  if (zk.isConnected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => { off(); reject(new Error('aborted while waiting for ZooKeeper')); };
    const off = zk.on((e) => {
      if (e === 'connected') { off(); signal?.removeEventListener('abort', onAbort); resolve(); }
      if (e === 'expired') { off(); signal?.removeEventListener('abort', onAbort); reject(new Error('ZooKeeper session expired while waiting to reconnect')); }
    });
    signal?.addEventListener('abort', onAbort);
  });
}

/** Creates the chroot of `zookeeper.connect` through a temporary session (Kafka does the same, with the same login and ACLs). */
export async function ensureChroot(connect: string, sessionTimeoutMs: number, connectionTimeoutMs: number, signal?: AbortSignal,
  security: Pick<ZkSessionOptions, 'auth' | 'secureAcls'> = {}): Promise<void> {
  const { hosts, chroot } = parseZkConnect(connect);
  if (!chroot) return;
  const tmp = new ZkSession(hosts, { sessionTimeoutMs, displayName: connect, ...security });
  try {
    await tmp.connect(connectionTimeoutMs, signal);
    if (!(await tmp.exists(chroot))) await tmp.mkdirp(chroot);
  } finally {
    tmp.close();
  }
}

/** createTopLevelPaths: every persistent path, idempotently. */
export async function createTopLevelPaths(zk: ZkSession): Promise<void> {
  for (const p of PERSISTENT_ZK_PATHS) await retryUntilConnected(zk, () => zk.mkdirp(p));
}

/** getOrCreateClusterId: read /cluster/id, or create it with a fresh id (re-read on a race). */
export async function getOrCreateClusterId(zk: ZkSession): Promise<string> {
  const existing = await retryUntilConnected(zk, () => zk.getDataOrNull(ZkPaths.clusterId));
  if (existing) return ClusterIdZNode.decode(existing.data);
  const id = generateClusterId();
  try {
    await retryUntilConnected(zk, () => zk.mkdirp('/cluster'));
    await retryUntilConnected(zk, () => zk.create(ZkPaths.clusterId, ClusterIdZNode.encode(id)));
    return id;
  } catch (e) {
    if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e;
    const raced = await zk.getDataOrNull(ZkPaths.clusterId);
    if (!raced) throw new Error('Failed to get cluster id from Zookeeper. This can happen if /cluster/id is deleted from Zookeeper.');
    return ClusterIdZNode.decode(raced.data);
  }
}

/** generateBrokerId: bump /brokers/seqid's version; id = version + reserved.broker.max.id. */
export async function generateBrokerId(zk: ZkSession, reservedBrokerMaxId: number): Promise<number> {
  try {
    const stat = await retryUntilConnected(zk, async () => {
      try { return await zk.setData(ZkPaths.brokerSequenceId, Buffer.alloc(0), -1); } catch (e) {
        if (!isZkError(e, ZkCode.NO_NODE)) throw e;
        await zk.mkdirp(ZkPaths.brokerSequenceId);
        return zk.setData(ZkPaths.brokerSequenceId, Buffer.alloc(0), -1);
      }
    });
    return stat.version + reservedBrokerMaxId;
  } catch (e) {
    throw new Error(`Failed to generate broker.id: ${(e as Error).message}`);
  }
}

export class BrokerIdAlreadyRegisteredError extends Error {}

/**
 * registerBroker: checked ephemeral create of /brokers/ids/<id>. Returns the broker epoch (czxid).
 * A node owned by our own session is ours (a retried create); one owned by a session we used
 * before (expired, ZOOKEEPER-2985) is deleted and recreated. Any other owner is another session:
 * Kafka's CheckedEphemeral fails at once with NodeExists, and so do we — unless the node
 * advertises exactly our endpoints. Our listeners are bound already, so no live broker can serve
 * there: it is a crashed earlier process of this broker, whose session ZooKeeper has yet to expire,
 * and we wait (bounded by staleWaitMs) for that instead of failing a plain restart.
 */
export async function registerBroker(zk: ZkSession, info: BrokerInfo, previousSessionIds: string[] = [],
  opts: { staleWaitMs?: number; onWaiting?: (owner: string) => void; signal?: AbortSignal; onStep?: (step: string) => void } = {}): Promise<bigint> {
  const path = ZkPaths.brokerIdPath(info.id);
  const data = BrokerIdZNode.encode(info);
  const step = opts.onStep ?? (() => undefined); // which ZooKeeper call it waits on (broker-registration.ts reports a slow one)
  step(`creating ${ZkPaths.brokerIds}`);
  await retryUntilConnected(zk, () => zk.mkdirp(ZkPaths.brokerIds));
  const deadline = Date.now() + (opts.staleWaitMs ?? 0);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      step(`creating ephemeral ${path}`);
      await retryUntilConnected(zk, () => zk.create(path, data, CreateMode.EPHEMERAL));
      step(`reading back ${path}`);
      const stat = await retryUntilConnected(zk, () => zk.exists(path));
      if (stat) return longFromBuffer(stat.czxid);
    } catch (e) {
      if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e;
      // Kafka's getAfterNodeExists: ONE GetData gives the owner and the endpoints together. (Reading them
      // apart raced with the old session's expiry: the node gone between the two reads failed the start
      // with "registered by another live broker" instead of creating again.)
      step(`reading the existing ${path}`);
      const node = await retryUntilConnected(zk, () => zk.getDataOrNull(path));
      if (!node) continue; // "went away while reading it, attempting create() again"
      const { stat } = node;
      const owner = stat.ephemeralOwner.toString('hex');
      if (owner === zk.sessionId) return longFromBuffer(stat.czxid);
      if (previousSessionIds.includes(owner)) { step(`deleting our expired session's ${path}`); await zk.remove(path, stat.version).catch(() => undefined); continue; }
      // A crashed previous process leaves its ephemeral until its session expires: wait for that
      // (bounded), since an operator restarting a broker would otherwise have to retry by hand.
      if (Date.now() < deadline && !opts.signal?.aborted && advertisesEndpointsOf(node.data, info)) {
        opts.onWaiting?.(owner);
        step(`waiting for session 0x${owner} to expire and delete ${path}`);
        await waitForDeletion(zk, path, deadline - Date.now(), opts.signal);
        opts.signal?.throwIfAborted();
        attempt--;
        continue;
      }
      throw new BrokerIdAlreadyRegisteredError(
        `Error while creating ephemeral at ${path}, node already exists and owner '0x${owner}' does not match current session '0x${zk.sessionId}' (broker.id ${info.id} is registered by another live broker)`);
    }
  }
  throw new Error(`Could not register ${path}: it kept changing underneath us`);
}

/** Whether a registration's data names exactly the endpoints of `info` (false when undecodable). */
function advertisesEndpointsOf(data: Buffer | null, info: BrokerInfo): boolean {
  try {
    const key = (b: BrokerInfo) => b.endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`).sort().join(',');
    return key(BrokerIdZNode.decode(info.id, data)) === key(info);
  } catch {
    return false;
  }
}

/** Resolves when `path` is deleted, after `timeoutMs`, or on abort (an exists-watch, no polling). */
function waitForDeletion(zk: ZkSession, path: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, Math.max(0, timeoutMs));
    signal?.addEventListener('abort', done);
    zk.exists(path, done).then((st) => { if (!st) done(); }, done);
  });
}

/** All registered brokers (for the duplicate-endpoint check before registering). */
export async function getAllBrokers(zk: ZkSession): Promise<BrokerInfo[]> {
  return (await getAllBrokersWithEpochs(zk)).map((b) => b.info);
}

/**
 * Registered brokers with their broker epochs (the czxid of /brokers/ids/<id>, as Kafka's controller reads them).
 * `watcher`: armed as a data watch on each broker znode (Kafka's BrokerModificationsHandler: a broker's new endpoints).
 */
export async function getAllBrokersWithEpochs(zk: ZkSession, watcher?: (e: ZkEvent) => void): Promise<Array<{ info: BrokerInfo; epoch: bigint }>> {
  const ids = await retryUntilConnected(zk, () => zk.getChildren(ZkPaths.brokerIds));
  // pipelined, as Kafka's getAllBrokerAndEpochsInCluster sends its GetData requests together (one round trip)
  const nodes = await Promise.all(ids.map((id) => zk.getDataOrNull(ZkPaths.brokerIdPath(Number(id)), watcher)));
  const out: Array<{ info: BrokerInfo; epoch: bigint }> = [];
  ids.forEach((id, i) => {
    const node = nodes[i];
    if (node) out.push({ info: BrokerIdZNode.decode(Number(id), node.data), epoch: longFromBuffer(node.stat.czxid) });
  });
  return out;
}

// ---- controller election -----------------------------------------------------------------------------

/** Reads /controller, arming a one-shot watch when `watcher` is given. */
export async function getControllerId(zk: ZkSession, watcher?: (e: ZkEvent) => void): Promise<number | null> {
  const stat = await retryUntilConnected(zk, () => zk.exists(ZkPaths.controller, watcher));
  if (!stat) return null;
  const node = await zk.getDataOrNull(ZkPaths.controller);
  return node ? ControllerZNode.decode(node.data) : null;
}

export interface ControllerElection { elected: boolean; controllerId: number | null; epoch: number; epochZkVersion: number }

/**
 * registerControllerAndIncrementControllerEpoch: one multi that creates the ephemeral /controller
 * and bumps /controller_epoch conditionally, so two brokers can never both win one epoch.
 */
export async function tryElectController(zk: ZkSession, brokerId: number, now = Date.now()): Promise<ControllerElection> {
  let epochNode = await retryUntilConnected(zk, () => zk.getDataOrNull(ZkPaths.controllerEpoch));
  if (!epochNode) {
    try { await zk.create(ZkPaths.controllerEpoch, ControllerEpochZNode.encode(0)); } catch (e) { if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e; }
    epochNode = await zk.getData(ZkPaths.controllerEpoch);
  }
  const epoch = ControllerEpochZNode.decode(epochNode.data);
  const newEpoch = epoch + 1;
  try {
    await zk.multi((t) => t
      .create(ZkPaths.controller, ControllerZNode.encode(brokerId, now), OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL)
      .setData(ZkPaths.controllerEpoch, ControllerEpochZNode.encode(newEpoch), epochNode!.stat.version), ZkPaths.controller);
    const after = await zk.getData(ZkPaths.controllerEpoch);
    return { elected: true, controllerId: brokerId, epoch: newEpoch, epochZkVersion: after.stat.version };
  } catch (e) {
    // A failed multi arrives as a ZkError with the first failing op's code (ZkSession maps it).
    if (!isZkError(e, ZkCode.NODE_EXISTS) && !isZkError(e, ZkCode.BAD_VERSION)) throw e;
    const current = await getControllerId(zk);
    const epochNow = await zk.getData(ZkPaths.controllerEpoch);
    return { elected: current === brokerId, controllerId: current, epoch: ControllerEpochZNode.decode(epochNow.data), epochZkVersion: epochNow.stat.version };
  }
}

/** Resign: delete /controller if we hold it (used on clean shutdown before closing the session). */
export async function deleteControllerIfOwned(zk: ZkSession, brokerId: number): Promise<void> {
  const node = await zk.getDataOrNull(ZkPaths.controller);
  if (node && ControllerZNode.decode(node.data) === brokerId) await zk.remove(ZkPaths.controller, node.stat.version).catch(() => undefined);
}

// ---- dynamic broker config -------------------------------------------------------------------------

export async function getEntityConfig(zk: ZkSession, type: string, name: string): Promise<Record<string, string>> {
  const node = await retryUntilConnected(zk, () => zk.getDataOrNull(`/config/${type}/${name}`));
  return node ? ConfigEntityZNode.decode(node.data) : {};
}

export async function getBrokerDynamicConfigs(zk: ZkSession, brokerId: number): Promise<{ clusterDefault: Record<string, string>; perBroker: Record<string, string> }> {
  return {
    clusterDefault: await getEntityConfig(zk, 'brokers', DEFAULT_ENTITY),
    perBroker: await getEntityConfig(zk, 'brokers', String(brokerId)),
  };
}

// ---- log dir failure ---------------------------------------------------------------------------------

/** Writes /log_dir_event_notification/log_dir_event_<seq> so the controller learns of a failed dir. */
export async function createLogDirEventNotification(zk: ZkSession, brokerId: number): Promise<string> {
  return retryUntilConnected(zk, () => zk.create(LogDirEventNotificationZNode.path(), LogDirEventNotificationZNode.encode(brokerId), CreateMode.PERSISTENT_SEQUENTIAL));
}

// ---- /feature ----------------------------------------------------------------------------------------

export interface FeatureZNodeRead { data: FeatureZNodeData | null; epoch: number; error?: Error }

/** Reads /feature with an exists-watch armed; epoch = the znode's version (-1 when absent). */
export async function readFeatureZNode(zk: ZkSession, watcher?: (e: ZkEvent) => void): Promise<FeatureZNodeRead> {
  const stat = await retryUntilConnected(zk, () => zk.exists(ZkPaths.feature, watcher));
  if (!stat) return { data: null, epoch: -1 };
  const node = await zk.getDataOrNull(ZkPaths.feature);
  if (!node) return { data: null, epoch: -1 };
  try { return { data: FeatureZNode.decode(node.data), epoch: node.stat.version }; } catch (e) {
    return { data: null, epoch: node.stat.version, error: e as Error };
  }
}

/** The controller creates /feature (enabled, empty: a ZK-mode broker supports no features) when absent. */
export async function ensureFeatureZNode(zk: ZkSession): Promise<void> {
  try {
    await zk.create(ZkPaths.feature, FeatureZNode.encode({ status: 'enabled', features: {} }));
  } catch (e) {
    if (!isZkError(e, ZkCode.NODE_EXISTS)) throw e;
    const node = await zk.getData(ZkPaths.feature);
    let disabled = false;
    try { disabled = FeatureZNode.decode(node.data).status === 'disabled'; } catch { /* undecodable: leave it */ }
    if (disabled) await zk.setData(ZkPaths.feature, FeatureZNode.encode({ status: 'enabled', features: {} }), node.stat.version);
  }
}

// ---- topics ------------------------------------------------------------------------------------------

/** Topic names under /brokers/topics. */
export async function getAllTopics(zk: ZkSession): Promise<string[]> {
  return retryUntilConnected(zk, () => zk.getChildren(ZkPaths.brokerTopics));
}

/** `/config/topics/<t>` overrides of the given topics (empty for a topic without the znode). */
export async function readTopicConfigs(zk: ZkSession, topics: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const topic of topics) out.set(topic, await getEntityConfig(zk, 'topics', topic));
  return out;
}

/** /config/topics/<t> for every topic in /brokers/topics (LogManager.startup reads these). */
export async function getAllTopicConfigs(zk: ZkSession): Promise<Map<string, Record<string, string>>> {
  return readTopicConfigs(zk, await getAllTopics(zk));
}
