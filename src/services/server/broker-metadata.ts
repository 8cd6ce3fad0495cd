/**
 * KafkaServer startup steps 4–6 and 9 as plain functions: meta.properties across log dirs,
 * the broker id (configured, stored or generated) and the registration payload.
 */
import { hostname } from 'node:os';
import type { KafkaConfig } from '../../config/kafka-config.js';
import type { ZkSession } from '../zookeeper/zk-session.js';
import { generateBrokerId, getAllBrokers } from '../zookeeper/kafka-zk-client.js';
import type { BrokerInfo } from '../zookeeper/zk-data.js';
import { loadMetaProperties, verifyMetaProperties, storedBrokerId, writeMetaProperties, type MetaPropertiesState } from '../log/meta-properties.js';

export interface OfflineDir { dir: string; error: string }

export interface MetaPropertiesEnsemble { states: MetaPropertiesState[]; errorDirs: OfflineDir[] }

/** Loads meta.properties from every dir; unreadable/corrupt ones are returned as error dirs. */
export async function loadMetaPropertiesEnsemble(dirs: string[]): Promise<MetaPropertiesEnsemble> {
  if (dirs.length === 0) throw new Error('You must specify at least one log directory.');
  const states = await Promise.all(dirs.map((d) => loadMetaProperties(d)));
  const errorDirs = states.flatMap((s) => (s.kind === 'error' ? [{ dir: s.dir, error: s.error.message }] : []));
  return { states, errorDirs };
}

/** getOrGenerateBrokerId: configured id, else the stored one, else a generated one (or an error). */
export async function getOrGenerateBrokerId(zk: ZkSession, config: KafkaConfig, states: MetaPropertiesState[]): Promise<{ brokerId: number; source: 'configured' | 'stored' | 'generated' }> {
  if (config.brokerId >= 0) return { brokerId: config.brokerId, source: 'configured' };
  const stored = storedBrokerId(states);
  if (stored !== undefined) return { brokerId: stored, source: 'stored' };
  if (!config.brokerIdGenerationEnable) throw new Error(`No broker ID found, and broker.id.generation.enable is disabled.`);
  return { brokerId: await generateBrokerId(zk, config.reservedBrokerMaxId), source: 'generated' };
}

export function verifyEnsemble(states: MetaPropertiesState[], clusterId: string, brokerId?: number): void {
  verifyMetaProperties(states, { clusterId, brokerId });
}

/** Writes meta.properties to every dir not already failed; a write error puts that dir offline. */
export async function writeMetaPropertiesToDirs(dirs: string[], brokerId: number, clusterId: string): Promise<{ written: string[]; failed: OfflineDir[] }> {
  const written: string[] = [];
  const failed: OfflineDir[] = [];
  await Promise.all(dirs.map(async (dir) => {
    try { if (await writeMetaProperties(dir, { brokerId, clusterId })) written.push(dir); } catch (e) {
      failed.push({ dir, error: `Error while writing meta.properties to ${dir}: ${(e as Error).message}` });
    }
  }));
  return { written, failed };
}

/** The registration payload; an advertised port 0 becomes the port its listener actually bound. */
export function createBrokerInfo(config: KafkaConfig, brokerId: number, now = Date.now(), bound: Array<{ listenerName: string; boundPort: number }> = []): BrokerInfo {
  const boundPort = (name: string, port: number) => (port === 0 ? bound.find((b) => b.listenerName === name)?.boundPort ?? 0 : port);
  return {
    id: brokerId,
    endpoints: config.effectiveAdvertisedListeners.map((e) => ({
      listenerName: e.listenerName, host: e.host === '' ? hostnameForRegistration() : e.host, port: boundPort(e.listenerName, e.port), securityProtocol: e.securityProtocol,
    })),
    rack: config.rack,
    jmxPort: -1,
    timestamp: now,
    features: {},
  };
}

/** Kafka uses the canonical host name for a blank listener host. */
function hostnameForRegistration(): string { return hostname(); }

/** Another live broker must not have registered one of our advertised host:port pairs. */
export async function checkEndpointsUnregistered(zk: ZkSession, info: BrokerInfo): Promise<void> {
  const others = (await getAllBrokers(zk)).filter((b) => b.id !== info.id);
  for (const ep of info.endpoints) {
    const owner = others.find((b) => b.endpoints.some((o) => o.host === ep.host && o.port === ep.port));
    if (owner) throw new Error(`requirement failed: Configured end points ${ep.host}:${ep.port} in advertised listeners are already registered by broker ${owner.id}`);
  }
}
