/**
 * Kafka's ZooKeeper layout (ZkData.scala): paths and the JSON each znode holds.
 * JSON key order is irrelevant to Kafka (Jackson maps); the field set and types are what matter.
 */
import { randomBytes } from 'node:crypto';

export const ZkPaths = {
  consumers: '/consumers',
  brokerIds: '/brokers/ids',
  brokerTopics: '/brokers/topics',
  configChanges: '/config/changes',
  deleteTopics: '/admin/delete_topics',
  brokerSequenceId: '/brokers/seqid',
  isrChangeNotification: '/isr_change_notification',
  producerIdBlock: '/latest_producer_id_block',
  logDirEventNotification: '/log_dir_event_notification',
  clusterId: '/cluster/id',
  controller: '/controller',
  controllerEpoch: '/controller_epoch',
  feature: '/feature',
  brokerIdPath: (id: number) => `/brokers/ids/${id}`,
  entityConfig: (type: string, name: string) => `/config/${type}/${name}`,
} as const;

export const CONFIG_TYPES = ['topics', 'clients', 'users', 'brokers', 'ips'] as const;
export const DEFAULT_ENTITY = '<default>';

/** ZkData.PersistentZkPaths, in Kafka's order. */
export const PERSISTENT_ZK_PATHS: readonly string[] = [
  ZkPaths.consumers, ZkPaths.brokerIds, ZkPaths.brokerTopics, ZkPaths.configChanges, ZkPaths.deleteTopics,
  ZkPaths.brokerSequenceId, ZkPaths.isrChangeNotification, ZkPaths.producerIdBlock, ZkPaths.logDirEventNotification,
  ...CONFIG_TYPES.map((t) => `/config/${t}`),
];

const json = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');

function parseJson(data: Buffer | null, what: string): any {
  if (!data || data.length === 0) throw new Error(`Empty ${what} znode`);
  try { return JSON.parse(data.toString('utf8')); } catch (e) {
    throw new Error(`Failed to parse the ${what} json ${data.toString('utf8').slice(0, 200)}: ${(e as Error).message}`);
  }
}

// ---- /cluster/id -------------------------------------------------------------------------------

/** A Kafka Uuid as 22-char URL-safe base64 without padding (CoreUtils.generateUuidAsBase64). */
export function generateClusterId(): string {
  return randomBytes(16).toString('base64url');
}

export const ClusterIdZNode = {
  encode: (id: string) => json({ version: '1', id }),
  decode(data: Buffer | null): string {
    const v = parseJson(data, 'cluster id');
    if (typeof v?.id !== 'string') throw new Error(`Failed to parse the cluster id json ${data?.toString()}`);
    return v.id;
  },
};

// ---- /brokers/ids/<id> -------------------------------------------------------------------------

export interface BrokerEndPoint { listenerName: string; host: string | null; port: number; securityProtocol: string }

export interface BrokerInfo {
  id: number;
  endpoints: BrokerEndPoint[];
  rack: string | null;
  jmxPort: number;
  timestamp: number;
  /** Supported features name → [min, max]; a ZK-mode Kafka broker advertises none. */
  features: Record<string, { min_version: number; max_version: number }>;
}

function formatEndpoint(e: BrokerEndPoint): string {
  const host = e.host === null ? '' : e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.listenerName}://${host}:${e.port}`;
}

/** BrokerIdZNode version 5 (IBP ≥ 2.7-IV0). */
export const BrokerIdZNode = {
  version: 5,
  encode(b: BrokerInfo): Buffer {
    const plaintext = b.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
    const out: Record<string, unknown> = {
      version: 5,
      host: plaintext ? plaintext.host : null,
      port: plaintext ? plaintext.port : -1,
      jmx_port: b.jmxPort,
      timestamp: String(b.timestamp),
      endpoints: b.endpoints.map(formatEndpoint),
      listener_security_protocol_map: Object.fromEntries(b.endpoints.map((e) => [e.listenerName, e.securityProtocol])),
      features: b.features,
    };
    if (b.rack !== null) out.rack = b.rack;
    return json(out);
  },
  decode(id: number, data: Buffer | null): BrokerInfo {
    const v = parseJson(data, `broker ${id} registration`);
    if (typeof v.version !== 'number' || v.version < 1) throw new Error(`Unsupported version of broker registration: ${data?.toString()}`);
    const protoMap: Record<string, string> = v.listener_security_protocol_map ?? {};
    const endpoints: BrokerEndPoint[] = v.version === 1
      ? [{ listenerName: 'PLAINTEXT', host: v.host, port: v.port, securityProtocol: 'PLAINTEXT' }]
      : (v.endpoints as string[]).map((s) => {
        const m = /^([^:]+):\/\/\[?([^\]]*?)\]?:(-?\d+)$/.exec(s);
        if (!m) throw new Error(`Invalid endpoint ${s} in broker ${id} registration`);
        return { listenerName: m[1], host: m[2] === '' ? null : m[2], port: Number(m[3]), securityProtocol: protoMap[m[1]] ?? m[1] };
      });
    return { id, endpoints, rack: v.rack ?? null, jmxPort: v.jmx_port ?? -1, timestamp: Number(v.timestamp), features: v.features ?? {} };
  },
};

// ---- /controller, /controller_epoch --------------------------------------------------------------

export const ControllerZNode = {
  encode: (brokerId: number, timestamp: number) => json({ version: 2, brokerid: brokerId, timestamp: String(timestamp), kraftControllerEpoch: -1 }),
  /** The controller's broker id, or null when the znode is unparsable (Kafka treats both the same). */
  decode(data: Buffer | null): number | null {
    try { const v = parseJson(data, 'controller'); return typeof v.brokerid === 'number' ? v.brokerid : null; } catch { return null; }
  },
};

export const ControllerEpochZNode = {
  encode: (epoch: number) => Buffer.from(String(epoch), 'utf8'),
  decode: (data: Buffer | null) => Number.parseInt(data?.toString('utf8') ?? '', 10),
};

// ---- /config/<type>/<name>, /config/changes ---------------------------------------------------------

export const ConfigEntityZNode = {
  encode: (config: Record<string, string>) => json({ version: 1, config }),
  decode(data: Buffer | null): Record<string, string> {
    if (!data || data.length === 0) return {};
    const v = parseJson(data, 'entity config');
    const config: Record<string, string> = {};
    for (const [k, val] of Object.entries(v.config ?? {})) config[k] = String(val);
    return config;
  },
};

export const CONFIG_CHANGE_PREFIX = 'config_change_';

export const ConfigEntityChangeNotification = {
  encode: (entityPath: string) => json({ version: 2, entity_path: entityPath }),
  /** → { type, name } or throws for an unknown version (Kafka logs and skips it). */
  decode(data: Buffer | null): { type: string; name: string } {
    const v = parseJson(data, 'config change notification');
    if (v.version === 2 && typeof v.entity_path === 'string') {
      const i = v.entity_path.indexOf('/');
      if (i < 0) throw new Error(`Invalid entity_path ${v.entity_path}`);
      return { type: v.entity_path.slice(0, i), name: v.entity_path.slice(i + 1) };
    }
    if (v.version === 1 && (v.entity_type === 'topics' || v.entity_type === 'clients')) return { type: v.entity_type, name: String(v.entity_name) };
    throw new Error(`Version ${v.version} of config change notification is not supported`);
  },
};

/** Sequence number suffix of a sequential znode name (config_change_0000000042 → 42). */
export function sequenceNumber(name: string, prefix: string): number {
  return Number.parseInt(name.slice(prefix.length), 10);
}

// ---- /log_dir_event_notification ---------------------------------------------------------------

export const LOG_DIR_EVENT_PREFIX = 'log_dir_event_';
export const LogDirEventNotificationZNode = {
  LogDirFailure: 1,
  path: () => `${ZkPaths.logDirEventNotification}/${LOG_DIR_EVENT_PREFIX}`,
  encode: (brokerId: number) => json({ version: 1, broker: brokerId, event: 1 }),
};

// ---- /feature --------------------------------------------------------------------------------------

export type FeatureStatus = 'enabled' | 'disabled';
export interface FeatureZNodeData { version: number; status: FeatureStatus; features: Record<string, number> }

export const FeatureZNode = {
  /** Kafka writes v2 (IBP ≥ 3.3): max_version_level only. */
  encode(f: { status: FeatureStatus; features: Record<string, number> }): Buffer {
    const features = Object.fromEntries(Object.entries(f.features).map(([k, v]) => [k, { max_version_level: v }]));
    return json({ version: 2, status: f.status === 'enabled' ? 1 : 0, features });
  },
  decode(data: Buffer | null): FeatureZNodeData {
    const v = parseJson(data, 'feature');
    if (v.version !== 1 && v.version !== 2) throw new Error(`Unsupported version ${v.version} of feature znode`);
    if (v.status !== 0 && v.status !== 1) throw new Error(`Unknown status ${v.status} in feature znode`);
    if (typeof v.features !== 'object' || v.features === null) throw new Error('Features map is missing in feature znode');
    const features: Record<string, number> = {};
    for (const [name, range] of Object.entries<any>(v.features)) {
      const level = range?.max_version_level;
      if (typeof level !== 'number' || level < 1) throw new Error(`Invalid max_version_level for feature ${name}`);
      if (v.version === 1 && typeof range.min_version_level !== 'number') throw new Error(`Missing min_version_level for feature ${name}`);
      features[name] = level;
    }
    return { version: v.version, status: v.status === 1 ? 'enabled' : 'disabled', features };
  },
};
