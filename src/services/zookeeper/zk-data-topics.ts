/**
 * More of Kafka's ZooKeeper layout (ZkData.scala), beyond what zk-data.ts covers: topic assignments,
 * partition state, topic deletion, ISR-change / log-dir-event notifications, the producer id block,
 * ACL paths and a richer /controller reader. Decoders throw an Error naming the znode on bad data.
 * Each has an encoder writing exactly what Kafka writes (used by tests and tools that build trees).
 */

const json = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');

/** JSON.parse of a znode's bytes; throws "Failed to parse the <what> json <text>: <reason>". */
export function parseZnodeJson(data: Buffer | null, what: string): any {
  if (!data || data.length === 0) throw new Error(`Empty ${what} znode`);
  const text = data.toString('utf8');
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) {
    throw new Error(`Failed to parse the ${what} json ${text.slice(0, 200)}: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`The ${what} json is not an object: ${text.slice(0, 200)}`);
  return v;
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);

function intArray(x: unknown, what: string): number[] {
  if (!Array.isArray(x) || !x.every(isInt)) throw new Error(`${what} is not an array of integers: ${JSON.stringify(x)}`);
  return x;
}

function requireInt(v: any, key: string, what: string): number {
  if (!isInt(v?.[key])) throw new Error(`Missing or non-integer "${key}" in ${what} json ${JSON.stringify(v).slice(0, 200)}`);
  return v[key];
}

/** Reads a Long that Kafka writes either as a JSON string ("999") or a number. */
function longField(v: any, key: string, what: string): number {
  const raw = v?.[key];
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (!isInt(n)) throw new Error(`Missing or non-integer "${key}" in ${what} json ${JSON.stringify(v).slice(0, 200)}`);
  return n;
}

export const TopicPaths = {
  topic: (t: string) => `/brokers/topics/${t}`,
  partitions: (t: string) => `/brokers/topics/${t}/partitions`,
  partition: (t: string, p: number | string) => `/brokers/topics/${t}/partitions/${p}`,
  partitionState: (t: string, p: number | string) => `/brokers/topics/${t}/partitions/${p}/state`,
  deleteTopic: (t: string) => `/admin/delete_topics/${t}`,
  reassignPartitions: '/admin/reassign_partitions',
  preferredReplicaElection: '/admin/preferred_replica_election',
} as const;

// ---- /brokers/topics/<t> -------------------------------------------------------------------------

export interface TopicAssignment {
  /** partition → replicas (ordered; first = preferred leader). */
  partitions: Map<number, number[]>;
  addingReplicas: Map<number, number[]>;
  removingReplicas: Map<number, number[]>;
  /** 22-char base64url Uuid, or null when the znode has none (pre-2.8 topics). */
  topicId: string | null;
}

function partitionMap(x: unknown, what: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (x === undefined || x === null) return out;
  if (typeof x !== 'object' || Array.isArray(x)) throw new Error(`${what} is not an object: ${JSON.stringify(x)}`);
  for (const [k, v] of Object.entries(x)) {
    if (!/^\d+$/.test(k)) throw new Error(`Invalid partition "${k}" in ${what}`);
    out.set(Number(k), intArray(v, `${what} of partition ${k}`));
  }
  return out;
}

const mapToObject = (m: Map<number, number[]>) => Object.fromEntries([...m.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));

/**
 * TopicZNode, always written as version 3. Like Kafka's decoder, ignores `version` and reads missing
 * fields as empty; unlike Kafka (which reads unparsable JSON as an empty assignment) it throws on bad JSON.
 */
export const TopicZNode = {
  encode(a: { partitions: Map<number, number[]>; addingReplicas?: Map<number, number[]>; removingReplicas?: Map<number, number[]>; topicId?: string | null }): Buffer {
    const out: Record<string, unknown> = {
      version: 3,
      partitions: mapToObject(a.partitions),
      adding_replicas: mapToObject(a.addingReplicas ?? new Map()),
      removing_replicas: mapToObject(a.removingReplicas ?? new Map()),
    };
    if (a.topicId) out.topic_id = a.topicId;
    return json(out);
  },
  decode(topic: string, data: Buffer | null): TopicAssignment {
    const what = `topic ${topic} assignment`;
    const v = parseZnodeJson(data, what);
    const topicId = v.topic_id ?? null;
    if (topicId !== null && typeof topicId !== 'string') throw new Error(`Invalid topic_id in ${what} json: ${JSON.stringify(topicId)}`);
    return {
      partitions: partitionMap(v.partitions, 'partitions'),
      addingReplicas: partitionMap(v.adding_replicas, 'adding_replicas'),
      removingReplicas: partitionMap(v.removing_replicas, 'removing_replicas'),
      topicId,
    };
  },
};

// ---- /brokers/topics/<t>/partitions/<p>/state ---------------------------------------------------

export interface PartitionState {
  /** -1 when the partition has no leader. */
  leader: number;
  leaderEpoch: number;
  isr: number[];
  /** Epoch of the controller that made the leadership decision. */
  controllerEpoch: number;
  /** 0 = RECOVERED (absent from the JSON), 1 = RECOVERING. */
  leaderRecoveryState: number;
}

export const NO_LEADER = -1;

export const TopicPartitionStateZNode = {
  encode(s: { leader: number; leaderEpoch: number; isr: number[]; controllerEpoch: number; leaderRecoveryState?: number }): Buffer {
    const out: Record<string, unknown> = { version: 1, leader: s.leader, leader_epoch: s.leaderEpoch, isr: s.isr, controller_epoch: s.controllerEpoch };
    if (s.leaderRecoveryState === 1) out.leader_recovery_state = 1;
    return json(out);
  },
  decode(path: string, data: Buffer | null): PartitionState {
    const what = `partition state ${path}`;
    const v = parseZnodeJson(data, what);
    const lrs = v.leader_recovery_state ?? 0;
    if (lrs !== 0 && lrs !== 1) throw new Error(`Unknown leader_recovery_state ${JSON.stringify(lrs)} in ${what} json`);
    return {
      leader: requireInt(v, 'leader', what),
      leaderEpoch: requireInt(v, 'leader_epoch', what),
      isr: intArray(v.isr, `"isr" in ${what} json`),
      controllerEpoch: requireInt(v, 'controller_epoch', what),
      leaderRecoveryState: lrs,
    };
  },
};

// ---- /admin/delete_topics/<t> (no data) ------------------------------------------------------------

export const DeleteTopicsZNode = { path: '/admin/delete_topics', topicPath: TopicPaths.deleteTopic } as const;

// ---- /isr_change_notification/isr_change_N ---------------------------------------------------------

export const ISR_CHANGE_PREFIX = 'isr_change_';

export const IsrChangeNotificationZNode = {
  path: '/isr_change_notification',
  encode: (partitions: Array<{ topic: string; partition: number }>) => json({ version: 1, partitions }),
  decode(path: string, data: Buffer | null): Array<{ topic: string; partition: number }> {
    const what = `isr change notification ${path}`;
    const v = parseZnodeJson(data, what);
    if (!Array.isArray(v.partitions)) throw new Error(`Missing "partitions" in ${what} json`);
    return v.partitions.map((p: any) => {
      if (typeof p?.topic !== 'string' || !isInt(p?.partition)) throw new Error(`Invalid partition entry ${JSON.stringify(p)} in ${what} json`);
      return { topic: p.topic, partition: p.partition };
    });
  },
};

// ---- /log_dir_event_notification/log_dir_event_N (encoder in zk-data.ts) -----------------------------

export const LogDirEventNotificationDecoder = {
  /** → { broker, event } (event 1 = LogDirFailure). */
  decode(path: string, data: Buffer | null): { broker: number; event: number } {
    const what = `log dir event notification ${path}`;
    const v = parseZnodeJson(data, what);
    return { broker: requireInt(v, 'broker', what), event: requireInt(v, 'event', what) };
  },
};

// ---- /latest_producer_id_block ------------------------------------------------------------------------

export interface ProducerIdBlock { broker: number; blockStart: number; blockEnd: number }

export const ProducerIdBlockZNode = {
  path: '/latest_producer_id_block',
  /** block_start / block_end are written as JSON strings. */
  encode: (b: ProducerIdBlock) => json({ version: 1, broker: b.broker, block_start: String(b.blockStart), block_end: String(b.blockEnd) }),
  /** null for an empty znode (created empty by createTopLevelPaths, before any block is allocated). */
  decode(data: Buffer | null): ProducerIdBlock | null {
    if (!data || data.length === 0) return null;
    const what = 'producer id block';
    const v = parseZnodeJson(data, what);
    return { broker: requireInt(v, 'broker', what), blockStart: longField(v, 'block_start', what), blockEnd: longField(v, 'block_end', what) };
  },
};

// ---- /controller (all fields; ControllerZNode in zk-data.ts gives only the id) ------------------------

export interface ControllerInfo { brokerId: number; timestamp: number | null; kraftControllerEpoch: number }

export const ControllerZNodeInfo = {
  decode(data: Buffer | null): ControllerInfo {
    const v = parseZnodeJson(data, 'controller');
    const brokerId = requireInt(v, 'brokerid', 'controller');
    const ts = v.timestamp === undefined ? null : Number(v.timestamp);
    return { brokerId, timestamp: ts !== null && Number.isFinite(ts) ? ts : null, kraftControllerEpoch: isInt(v.kraftControllerEpoch) ? v.kraftControllerEpoch : -1 };
  },
};

// ---- ACLs: /kafka-acl/<ResourceType>/<name>, /kafka-acl-extended/prefixed/<ResourceType>/<name> -------

export const AclPaths = {
  /** LITERAL pattern type. */
  literal: '/kafka-acl',
  literalChanges: '/kafka-acl-changes',
  /** Other pattern types: /kafka-acl-extended/<patternType lowercased>/... (Kafka writes only "prefixed"). */
  extended: '/kafka-acl-extended',
  extendedChanges: '/kafka-acl-extended-changes',
  ACL_CHANGE_PREFIX: 'acl_changes_',
} as const;

export interface AclEntry { principal: string; permissionType: string; operation: string; host: string }

export const AclZNode = {
  encode: (acls: AclEntry[]) => json({ version: 1, acls }),
  decode(path: string, data: Buffer | null): AclEntry[] {
    if (!data || data.length === 0) return [];
    const what = `acl ${path}`;
    const v = parseZnodeJson(data, what);
    if (!Array.isArray(v.acls)) throw new Error(`Missing "acls" in ${what} json`);
    return v.acls.map((a: any) => {
      for (const k of ['principal', 'permissionType', 'operation', 'host']) {
        if (typeof a?.[k] !== 'string') throw new Error(`Invalid acl entry ${JSON.stringify(a)} in ${what} json: "${k}" is missing`);
      }
      return { principal: a.principal, permissionType: a.permissionType, operation: a.operation, host: a.host };
    });
  },
};

// ---- legacy admin requests: /admin/reassign_partitions, /admin/preferred_replica_election ------------

export const ReassignPartitionsZNode = {
  path: TopicPaths.reassignPartitions,
  encode: (ps: Array<{ topic: string; partition: number; replicas: number[] }>) => json({ version: 1, partitions: ps }),
  decode(data: Buffer | null): Array<{ topic: string; partition: number; replicas: number[] }> {
    const what = 'partition reassignment';
    const v = parseZnodeJson(data, what);
    if (!Array.isArray(v.partitions)) throw new Error(`Missing "partitions" in ${what} json`);
    return v.partitions.map((p: any) => {
      if (typeof p?.topic !== 'string' || !isInt(p?.partition)) throw new Error(`Invalid partition entry ${JSON.stringify(p)} in ${what} json`);
      return { topic: p.topic, partition: p.partition, replicas: intArray(p.replicas, `replicas of ${p.topic}-${p.partition}`) };
    });
  },
};

export const PreferredReplicaElectionZNode = {
  path: TopicPaths.preferredReplicaElection,
  encode: (ps: Array<{ topic: string; partition: number }>) => json({ version: 1, partitions: ps }),
  decode(data: Buffer | null): Array<{ topic: string; partition: number }> {
    const what = 'preferred replica election';
    const v = parseZnodeJson(data, what);
    if (!Array.isArray(v.partitions)) throw new Error(`Missing "partitions" in ${what} json`);
    return v.partitions.map((p: any) => {
      if (typeof p?.topic !== 'string' || !isInt(p?.partition)) throw new Error(`Invalid partition entry ${JSON.stringify(p)} in ${what} json`);
      return { topic: p.topic, partition: p.partition };
    });
  },
};

// ---- /migration (written by a KRaft controller migrating this cluster) -----------------------------------

export interface MigrationState { kraftControllerId: number; kraftControllerEpoch: number; kraftMetadataOffset: number; kraftMetadataEpoch: number }

export const MigrationZNode = {
  path: '/migration',
  decode(data: Buffer | null): MigrationState {
    const what = 'migration';
    const v = parseZnodeJson(data, what);
    return {
      kraftControllerId: requireInt(v, 'kraft_controller_id', what), kraftControllerEpoch: requireInt(v, 'kraft_controller_epoch', what),
      kraftMetadataOffset: requireInt(v, 'kraft_metadata_offset', what), kraftMetadataEpoch: requireInt(v, 'kraft_metadata_epoch', what),
    };
  },
};
