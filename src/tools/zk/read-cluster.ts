/**
 * Reads a Kafka ZooKeeper tree (Kafka's or Rafka's: same layout) into a plain, JSON-serialisable
 * ClusterSnapshot. Read-only: only getData / getChildren / exists. A znode that cannot be decoded
 * keeps its place (fields null, `error` set) and is listed in `undecodable`.
 */
import { ZkSession, ZkCode, isZkError, longFromBuffer } from '../../services/zookeeper/zk-session.js';
import {
  ZkPaths, BrokerIdZNode, ClusterIdZNode, ConfigEntityZNode, ConfigEntityChangeNotification, FeatureZNode,
  CONFIG_CHANGE_PREFIX, LOG_DIR_EVENT_PREFIX, sequenceNumber, type FeatureStatus,
} from '../../services/zookeeper/zk-data.js';
import {
  TopicZNode, TopicPartitionStateZNode, TopicPaths, IsrChangeNotificationZNode, ISR_CHANGE_PREFIX,
  LogDirEventNotificationDecoder, ProducerIdBlockZNode, ControllerZNodeInfo, AclPaths, AclZNode, parseZnodeJson,
  ReassignPartitionsZNode, PreferredReplicaElectionZNode, MigrationZNode, type AclEntry, type MigrationState,
} from '../../services/zookeeper/zk-data-topics.js';

export const SNAPSHOT_SCHEMA = 'rafka.zk.snapshot/1';

export interface Undecodable { path: string; error: string }

export interface BrokerSnapshot {
  id: number;
  path: string;
  /** "LISTENER://host:port", as registered. */
  endpoints: string[] | null;
  listeners: Array<{ name: string; host: string | null; port: number; securityProtocol: string }> | null;
  rack: string | null;
  jmxPort: number | null;
  /** Registration timestamp (ms since epoch) from the JSON. */
  timestamp: number | null;
  /** Supported features advertised: name → {min_version, max_version}. */
  features: Record<string, { min_version: number; max_version: number }> | null;
  /** ephemeralOwner of the znode: the broker's ZooKeeper session as ZooKeeper prints it ("0x10000195e060001"). */
  sessionOwner: string;
  /** The znode's czxid (Kafka's broker epoch). */
  brokerEpoch: number;
  error: string | null;
}

export interface ControllerSnapshot {
  path: string;
  brokerId: number | null;
  timestamp: number | null;
  kraftControllerEpoch: number | null;
  sessionOwner: string;
  error: string | null;
}

export interface ControllerEpochSnapshot { path: string; epoch: number | null; zkVersion: number; error: string | null }

export interface PartitionStateSnapshot {
  leader: number;
  isr: number[];
  leaderEpoch: number;
  controllerEpoch: number;
  /** The state znode's version. */
  partitionEpoch: number;
  leaderRecoveryState: number;
}

export interface PartitionSnapshot {
  partition: number;
  /** Path of the state znode. */
  path: string;
  /** From the topic's assignment; null when the assignment does not list this partition (or is undecodable). */
  replicas: number[] | null;
  addingReplicas: number[];
  removingReplicas: number[];
  /** null when the state znode is missing or undecodable (then stateError is set for the latter). */
  state: PartitionStateSnapshot | null;
  stateError: string | null;
}

export interface TopicSnapshot {
  name: string;
  path: string;
  topicId: string | null;
  partitions: PartitionSnapshot[];
  /** ms since epoch, znode ctime. */
  ctime: number;
  /** Listed in /admin/delete_topics. */
  markedForDeletion: boolean;
  error: string | null;
}

export interface ConfigSnapshot {
  /** topics, brokers, clients, users, ips (or any other child of /config but changes). */
  type: string;
  /** Entity name as stored (user / client ids are URL-encoded by Kafka); "<default>" for defaults; "alice/clients/app" for nested user+client quotas. */
  name: string;
  path: string;
  config: Record<string, string> | null;
  error: string | null;
}

export interface NotificationBase { name: string; path: string; sequence: number | null; ctime: number; error: string | null }
export interface ConfigChangeSnapshot extends NotificationBase { entityPath: string | null }
export interface IsrChangeSnapshot extends NotificationBase { partitions: Array<{ topic: string; partition: number }> | null }
export interface LogDirEventSnapshot extends NotificationBase { broker: number | null; event: number | null }

export interface DeletionSnapshot { topic: string; path: string; ctime: number }

export interface FeatureSnapshot {
  path: string;
  version: number | null;
  status: FeatureStatus | null;
  /** Finalized features: name → max version level. */
  features: Record<string, number> | null;
  /** The znode's version. */
  epoch: number;
  error: string | null;
}

export interface ProducerIdBlockSnapshot { path: string; broker: number | null; blockStart: number | null; blockEnd: number | null; error: string | null }

export interface AclResourceSnapshot {
  path: string;
  patternType: string;
  resourceType: string;
  name: string;
  acls: AclEntry[] | null;
  error: string | null;
}

export interface AclSnapshot {
  /** Which of /kafka-acl, /kafka-acl-extended, /kafka-acl-changes, /kafka-acl-extended-changes exist. */
  presentPaths: string[];
  resources: AclResourceSnapshot[];
  /** Total ACL entries over all resources. */
  count: number;
  /** Pending children of /kafka-acl-changes + /kafka-acl-extended-changes. */
  pendingChanges: number;
}

export interface AdminRequestSnapshot<P> {
  path: string;
  partitions: P[] | null;
  ctime: number;
  error: string | null;
}

export interface MigrationSnapshot extends Partial<MigrationState> { path: string; error: string | null }

export interface ClusterSnapshot {
  schema: typeof SNAPSHOT_SCHEMA;
  /** The connect string as given (hosts + chroot). */
  connect: string;
  chroot: string | null;
  /** When the read started (ms since epoch). */
  readAt: number;
  /** A path prefix the snapshot was restricted to, or null. */
  filter: string | null;
  clusterId: string | null;
  controller: ControllerSnapshot | null;
  controllerEpoch: ControllerEpochSnapshot | null;
  brokers: BrokerSnapshot[];
  topics: TopicSnapshot[];
  configs: ConfigSnapshot[];
  configChanges: ConfigChangeSnapshot[];
  pendingDeletions: DeletionSnapshot[];
  /** Legacy /admin/reassign_partitions (null when absent; the controller deletes it when done). */
  reassignPartitions: AdminRequestSnapshot<{ topic: string; partition: number; replicas: number[] }> | null;
  /** Legacy /admin/preferred_replica_election (null when absent). */
  preferredReplicaElection: AdminRequestSnapshot<{ topic: string; partition: number }> | null;
  isrChangeNotifications: IsrChangeSnapshot[];
  logDirEventNotifications: LogDirEventSnapshot[];
  feature: FeatureSnapshot | null;
  producerIdBlock: ProducerIdBlockSnapshot | null;
  /** /migration, written when a KRaft controller migrates the cluster (null when absent). */
  migration: MigrationSnapshot | null;
  acls: AclSnapshot;
  /** Top-level persistent paths that are missing (e.g. /brokers/ids in a tree no broker ever used). */
  missingPaths: string[];
  undecodable: Undecodable[];
}

// ---- helpers -------------------------------------------------------------------------------------

/** A session id as ZooKeeper prints it (zkCli's ephemeralOwner): 0x + hex without leading zeros. */
const hexSession = (b: Buffer) => `0x${b.readBigUInt64BE(0).toString(16)}`;
const statTime = (b: Buffer) => Number(longFromBuffer(b));
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The read operations the reader uses. */
export type ZkReader = Pick<ZkSession, 'getDataOrNull' | 'getChildren' | 'exists'>;

/**
 * A ZkReader over the session where a znode the ACLs forbid (NO_AUTH: Kafka's sensitive paths with
 * zookeeper.set.acl=true) reads as absent and is recorded as unreadable, instead of failing the read.
 */
function tolerant(zk: ZkSession, bad: (path: string, e: unknown) => string): ZkReader {
  const guard = async <T>(path: string, fallback: T, op: () => Promise<T>): Promise<T> => {
    try { return await op(); } catch (e) {
      if (isZkError(e) && e.codeName === 'NO_AUTH') { bad(path, new Error('not readable: NO_AUTH (the znode ACL denies an unauthenticated client)')); return fallback; }
      throw e;
    }
  };
  return {
    getDataOrNull: (path: string) => guard(path, null, () => zk.getDataOrNull(path)),
    getChildren: (path: string) => guard(path, [] as string[], () => zk.getChildren(path)),
    exists: (path: string) => guard(path, null, () => zk.exists(path)),
  } as ZkReader;
}

async function childrenOrNull(zk: ZkReader, path: string): Promise<string[] | null> {
  try { return await zk.getChildren(path); } catch (e) { if (isZkError(e, ZkCode.NO_NODE)) return null; throw e; }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => { for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]); };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const numericOrName = (a: string, b: string) => {
  const na = /^\d+$/.test(a) ? Number(a) : NaN;
  const nb = /^\d+$/.test(b) ? Number(b) : NaN;
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
};

/** Reads in flight per list (node-zookeeper-client pipelines them on one connection); topics × partitions nest. */
const CONCURRENCY = 32;
const TOPIC_CONCURRENCY = 16;

export interface ReadOptions { connect?: string; chroot?: string | null; now?: () => number }

/** Reads the whole tree the session is rooted at (a chroot is applied by the session's connect string). */
export async function readCluster(session: ZkSession, opts: ReadOptions = {}): Promise<ClusterSnapshot> {
  const undecodable: Undecodable[] = [];
  const bad = (path: string, e: unknown): string => { const m = message(e); undecodable.push({ path, error: m }); return m; };
  const zk = tolerant(session, bad);
  const readAt = (opts.now ?? Date.now)();

  const missingPaths: string[] = [];
  for (const p of [ZkPaths.brokerIds, ZkPaths.brokerTopics]) if (!(await zk.exists(p))) missingPaths.push(p);

  // /cluster/id
  let clusterId: string | null = null;
  const cid = await zk.getDataOrNull(ZkPaths.clusterId);
  if (cid) { try { clusterId = ClusterIdZNode.decode(cid.data); } catch (e) { bad(ZkPaths.clusterId, e); } }

  // /controller, /controller_epoch
  let controller: ControllerSnapshot | null = null;
  const ctl = await zk.getDataOrNull(ZkPaths.controller);
  if (ctl) {
    controller = { path: ZkPaths.controller, brokerId: null, timestamp: null, kraftControllerEpoch: null, sessionOwner: hexSession(ctl.stat.ephemeralOwner), error: null };
    try { Object.assign(controller, ControllerZNodeInfo.decode(ctl.data)); } catch (e) { controller.error = bad(ZkPaths.controller, e); }
  }
  let controllerEpoch: ControllerEpochSnapshot | null = null;
  const ce = await zk.getDataOrNull(ZkPaths.controllerEpoch);
  if (ce) {
    const text = ce.data?.toString('utf8') ?? '';
    const ok = /^\s*-?\d+\s*$/.test(text);
    controllerEpoch = { path: ZkPaths.controllerEpoch, epoch: ok ? Number(text.trim()) : null, zkVersion: ce.stat.version, error: null };
    if (!ok) controllerEpoch.error = bad(ZkPaths.controllerEpoch, new Error(`Invalid controller epoch ${JSON.stringify(text.slice(0, 100))}: expected a decimal integer`));
  }

  // /brokers/ids/<id>
  const brokerIds = ((await childrenOrNull(zk, ZkPaths.brokerIds)) ?? []).sort(numericOrName);
  const brokers = (await mapLimit(brokerIds, CONCURRENCY, async (name): Promise<BrokerSnapshot | null> => {
    const path = `${ZkPaths.brokerIds}/${name}`;
    const node = await zk.getDataOrNull(path);
    if (!node) return null; // deregistered meanwhile
    const b: BrokerSnapshot = {
      id: Number(name), path, endpoints: null, listeners: null, rack: null, jmxPort: null, timestamp: null, features: null,
      sessionOwner: hexSession(node.stat.ephemeralOwner), brokerEpoch: statTime(node.stat.czxid), error: null,
    };
    try {
      if (!/^\d+$/.test(name)) throw new Error(`Invalid broker id "${name}"`);
      const info = BrokerIdZNode.decode(b.id, node.data);
      b.listeners = info.endpoints.map((e) => ({ name: e.listenerName, host: e.host, port: e.port, securityProtocol: e.securityProtocol }));
      b.endpoints = parseZnodeJson(node.data, 'broker').endpoints ?? b.listeners.map((l) => `${l.name}://${l.host ?? ''}:${l.port}`);
      b.rack = info.rack; b.jmxPort = info.jmxPort; b.timestamp = Number.isFinite(info.timestamp) ? info.timestamp : null; b.features = info.features;
    } catch (e) { b.error = bad(path, e); }
    return b;
  })).filter((b): b is BrokerSnapshot => b !== null);

  // /admin/delete_topics
  const deletionNames = ((await childrenOrNull(zk, ZkPaths.deleteTopics)) ?? []).sort();
  const pendingDeletions = (await mapLimit(deletionNames, CONCURRENCY, async (topic) => {
    const path = TopicPaths.deleteTopic(topic);
    const stat = await zk.exists(path);
    return stat ? { topic, path, ctime: statTime(stat.ctime) } : null;
  })).filter((d): d is DeletionSnapshot => d !== null);

  // /brokers/topics/<t>
  const topicNames = ((await childrenOrNull(zk, ZkPaths.brokerTopics)) ?? []).sort();
  const topics = (await mapLimit(topicNames, TOPIC_CONCURRENCY, (t) => readTopic(zk, t, bad))).filter((t): t is TopicSnapshot => t !== null);
  for (const t of topics) t.markedForDeletion = deletionNames.includes(t.name);

  // /config/<type>/<name>
  const configs = await readConfigs(zk, bad);

  // /config/changes
  const configChanges = await readNotifications<Omit<ConfigChangeSnapshot, keyof NotificationBase>>(zk, ZkPaths.configChanges, CONFIG_CHANGE_PREFIX, bad, (path, data): Omit<ConfigChangeSnapshot, keyof NotificationBase> => {
    const { type, name } = ConfigEntityChangeNotification.decode(data);
    return { entityPath: `${type}/${name}` };
  }, { entityPath: null });

  const isrChangeNotifications = await readNotifications<Omit<IsrChangeSnapshot, keyof NotificationBase>>(zk, IsrChangeNotificationZNode.path, ISR_CHANGE_PREFIX, bad,
    (path, data) => ({ partitions: IsrChangeNotificationZNode.decode(path, data) }), { partitions: null });
  const logDirEventNotifications = await readNotifications<Omit<LogDirEventSnapshot, keyof NotificationBase>>(zk, ZkPaths.logDirEventNotification, LOG_DIR_EVENT_PREFIX, bad,
    (path, data) => LogDirEventNotificationDecoder.decode(path, data), { broker: null, event: null });

  // /feature
  let feature: FeatureSnapshot | null = null;
  const f = await zk.getDataOrNull(ZkPaths.feature);
  if (f) {
    feature = { path: ZkPaths.feature, version: null, status: null, features: null, epoch: f.stat.version, error: null };
    try { Object.assign(feature, FeatureZNode.decode(f.data)); } catch (e) { feature.error = bad(ZkPaths.feature, e); }
  }

  // /latest_producer_id_block
  let producerIdBlock: ProducerIdBlockSnapshot | null = null;
  const pid = await zk.getDataOrNull(ProducerIdBlockZNode.path);
  if (pid) {
    try {
      const b = ProducerIdBlockZNode.decode(pid.data);
      if (b) producerIdBlock = { path: ProducerIdBlockZNode.path, ...b, error: null };
    } catch (e) {
      producerIdBlock = { path: ProducerIdBlockZNode.path, broker: null, blockStart: null, blockEnd: null, error: bad(ProducerIdBlockZNode.path, e) };
    }
  }

  const adminRequest = async <P>(path: string, decode: (d: Buffer | null) => P[]): Promise<AdminRequestSnapshot<P> | null> => {
    const node = await zk.getDataOrNull(path);
    if (!node) return null;
    const r: AdminRequestSnapshot<P> = { path, partitions: null, ctime: statTime(node.stat.ctime), error: null };
    try { r.partitions = decode(node.data); } catch (e) { r.error = bad(path, e); }
    return r;
  };
  const reassignPartitions = await adminRequest(ReassignPartitionsZNode.path, ReassignPartitionsZNode.decode);
  const preferredReplicaElection = await adminRequest(PreferredReplicaElectionZNode.path, PreferredReplicaElectionZNode.decode);

  let migration: MigrationSnapshot | null = null;
  const mig = await zk.getDataOrNull(MigrationZNode.path);
  if (mig) {
    migration = { path: MigrationZNode.path, error: null };
    try { Object.assign(migration, MigrationZNode.decode(mig.data)); } catch (e) { migration.error = bad(MigrationZNode.path, e); }
  }

  const acls = await readAcls(zk, bad);
  undecodable.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  return {
    schema: SNAPSHOT_SCHEMA, connect: opts.connect ?? session.connectString, chroot: opts.chroot ?? null, readAt, filter: null,
    clusterId, controller, controllerEpoch, brokers, topics, configs, configChanges, pendingDeletions, reassignPartitions,
    preferredReplicaElection, isrChangeNotifications, logDirEventNotifications, feature, producerIdBlock, migration, acls,
    missingPaths, undecodable,
  };
}

type Bad = (path: string, e: unknown) => string;

async function readTopic(zk: ZkReader, name: string, bad: Bad): Promise<TopicSnapshot | null> {
  const path = TopicPaths.topic(name);
  const node = await zk.getDataOrNull(path);
  if (!node) return null; // deleted meanwhile
  const topic: TopicSnapshot = { name, path, topicId: null, partitions: [], ctime: statTime(node.stat.ctime), markedForDeletion: false, error: null };
  let assignment: ReturnType<typeof TopicZNode.decode> | null = null;
  try { assignment = TopicZNode.decode(name, node.data); topic.topicId = assignment.topicId; } catch (e) { topic.error = bad(path, e); }
  const ids = new Set<number>(assignment ? assignment.partitions.keys() : []);
  for (const p of (await childrenOrNull(zk, TopicPaths.partitions(name))) ?? []) if (/^\d+$/.test(p)) ids.add(Number(p));
  topic.partitions = await mapLimit([...ids].sort((a, b) => a - b), CONCURRENCY, async (p): Promise<PartitionSnapshot> => {
    const statePath = TopicPaths.partitionState(name, p);
    const part: PartitionSnapshot = {
      partition: p, path: statePath, replicas: assignment?.partitions.get(p) ?? null,
      addingReplicas: assignment?.addingReplicas.get(p) ?? [], removingReplicas: assignment?.removingReplicas.get(p) ?? [],
      state: null, stateError: null,
    };
    const st = await zk.getDataOrNull(statePath);
    if (st) {
      try {
        const s = TopicPartitionStateZNode.decode(statePath, st.data);
        part.state = { leader: s.leader, isr: s.isr, leaderEpoch: s.leaderEpoch, controllerEpoch: s.controllerEpoch, partitionEpoch: st.stat.version, leaderRecoveryState: s.leaderRecoveryState };
      } catch (e) { part.stateError = bad(statePath, e); }
    }
    return part;
  });
  return topic;
}

async function readConfigs(zk: ZkReader, bad: Bad): Promise<ConfigSnapshot[]> {
  const types = ((await childrenOrNull(zk, '/config')) ?? []).filter((t) => t !== 'changes').sort();
  const out: ConfigSnapshot[] = [];
  const entity = async (type: string, name: string, node: { data: Buffer | null }) => {
    const path = `/config/${type}/${name}`;
    const c: ConfigSnapshot = { type, name, path, config: null, error: null };
    try { c.config = ConfigEntityZNode.decode(node.data); } catch (e) { c.error = bad(path, e); }
    return c;
  };
  for (const type of types) {
    const names = ((await childrenOrNull(zk, `/config/${type}`)) ?? []).sort();
    const found = await mapLimit(names, CONCURRENCY, async (name) => {
      const path = `/config/${type}/${name}`;
      const node = await zk.getDataOrNull(path);
      const res: ConfigSnapshot[] = [];
      if (!node) return res;
      // A users/<u> parent created only to hold clients/<c> has no data: not an entity of its own.
      if (node.data && node.data.length > 0) res.push(await entity(type, name, node));
      else if (node.stat.numChildren === 0) res.push(await entity(type, name, node));
      if (node.stat.numChildren > 0) {
        for (const sub of ((await childrenOrNull(zk, path)) ?? []).sort()) {
          for (const child of ((await childrenOrNull(zk, `${path}/${sub}`)) ?? []).sort()) {
            const n = await zk.getDataOrNull(`${path}/${sub}/${child}`);
            if (n) res.push(await entity(type, `${name}/${sub}/${child}`, n));
          }
        }
      }
      return res;
    });
    for (const f of found) out.push(...f);
  }
  return out;
}

async function readNotifications<X extends object>(
  zk: ZkReader, parent: string, prefix: string, bad: Bad,
  decode: (path: string, data: Buffer | null) => X, empty: X,
): Promise<Array<NotificationBase & X>> {
  const names = ((await childrenOrNull(zk, parent)) ?? []).sort();
  const out = await mapLimit(names, CONCURRENCY, async (name) => {
    const path = `${parent}/${name}`;
    const node = await zk.getDataOrNull(path);
    if (!node) return null; // processed meanwhile
    const seq = name.startsWith(prefix) ? sequenceNumber(name, prefix) : NaN;
    const n = { name, path, sequence: Number.isFinite(seq) ? seq : null, ctime: statTime(node.stat.ctime), error: null as string | null, ...empty };
    try { Object.assign(n, decode(path, node.data)); } catch (e) { n.error = bad(path, e); }
    return n;
  });
  return out.filter((n): n is NotificationBase & X => n !== null);
}

async function readAcls(zk: ZkReader, bad: Bad): Promise<AclSnapshot> {
  const presentPaths: string[] = [];
  for (const p of [AclPaths.literal, AclPaths.extended, AclPaths.literalChanges, AclPaths.extendedChanges]) if (await zk.exists(p)) presentPaths.push(p);
  const stores: Array<{ root: string; patternType: string }> = [];
  if (presentPaths.includes(AclPaths.literal)) stores.push({ root: AclPaths.literal, patternType: 'LITERAL' });
  if (presentPaths.includes(AclPaths.extended)) {
    for (const pt of ((await childrenOrNull(zk, AclPaths.extended)) ?? []).sort()) stores.push({ root: `${AclPaths.extended}/${pt}`, patternType: pt.toUpperCase() });
  }
  const resources: AclResourceSnapshot[] = [];
  for (const { root, patternType } of stores) {
    for (const resourceType of ((await childrenOrNull(zk, root)) ?? []).sort()) {
      const names = ((await childrenOrNull(zk, `${root}/${resourceType}`)) ?? []).sort();
      const rs = await mapLimit(names, CONCURRENCY, async (name) => {
        const path = `${root}/${resourceType}/${name}`;
        const node = await zk.getDataOrNull(path);
        if (!node) return null;
        const r: AclResourceSnapshot = { path, patternType, resourceType, name, acls: null, error: null };
        try { r.acls = AclZNode.decode(path, node.data); } catch (e) { r.error = bad(path, e); }
        return r;
      });
      for (const r of rs) if (r) resources.push(r);
    }
  }
  let pendingChanges = 0;
  for (const p of [AclPaths.literalChanges, AclPaths.extendedChanges]) pendingChanges += ((await childrenOrNull(zk, p)) ?? []).length;
  return { presentPaths, resources, count: resources.reduce((n, r) => n + (r.acls?.length ?? 0), 0), pendingChanges };
}

// ---- path filter -----------------------------------------------------------------------------------

/** True when `path` is under the filter prefix, or is an ancestor of the filter (so its section shows). */
export function pathMatches(path: string, filter: string | null): boolean {
  if (filter === null) return true;
  return path.startsWith(filter) || filter.startsWith(`${path}/`);
}

/** The snapshot restricted to znodes whose path starts with `filter` (plus the ancestors needed to show them). */
export function filterSnapshot(s: ClusterSnapshot, filter: string | null): ClusterSnapshot {
  if (filter === null) return s;
  const m = (p: string) => pathMatches(p, filter);
  const keep = <T extends { path: string }>(xs: T[]) => xs.filter((x) => m(x.path));
  return {
    ...s,
    filter,
    clusterId: m(ZkPaths.clusterId) ? s.clusterId : null,
    controller: s.controller && m(s.controller.path) ? s.controller : null,
    controllerEpoch: s.controllerEpoch && m(s.controllerEpoch.path) ? s.controllerEpoch : null,
    brokers: keep(s.brokers),
    topics: keep(s.topics).map((t) => ({ ...t, partitions: t.partitions.filter((p) => m(p.path) || m(TopicPaths.partition(t.name, p.partition))) })),
    configs: keep(s.configs),
    configChanges: keep(s.configChanges),
    pendingDeletions: keep(s.pendingDeletions),
    isrChangeNotifications: keep(s.isrChangeNotifications),
    logDirEventNotifications: keep(s.logDirEventNotifications),
    feature: s.feature && m(s.feature.path) ? s.feature : null,
    producerIdBlock: s.producerIdBlock && m(s.producerIdBlock.path) ? s.producerIdBlock : null,
    reassignPartitions: s.reassignPartitions && m(s.reassignPartitions.path) ? s.reassignPartitions : null,
    preferredReplicaElection: s.preferredReplicaElection && m(s.preferredReplicaElection.path) ? s.preferredReplicaElection : null,
    migration: s.migration && m(s.migration.path) ? s.migration : null,
    acls: (() => {
      const resources = keep(s.acls.resources);
      return { ...s.acls, presentPaths: s.acls.presentPaths.filter(m), resources, count: resources.reduce((n, r) => n + (r.acls?.length ?? 0), 0) };
    })(),
    missingPaths: s.missingPaths.filter(m),
    undecodable: keep(s.undecodable),
  };
}
