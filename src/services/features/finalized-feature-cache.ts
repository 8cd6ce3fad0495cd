/**
 * FinalizedFeatureCache (Kafka's ZkMetadataCache feature part): the cluster-wide finalized
 * feature levels from /feature and their epoch (the znode version).
 */
import type { FeatureZNodeData } from '../zookeeper/zk-data.js';

/** Supported features of this broker, name → [min, max]. Like a ZK-mode Kafka broker: none. */
export const SUPPORTED_FEATURES: Readonly<Record<string, { min: number; max: number }>> = {};

export interface FinalizedFeatures { features: Record<string, number>; epoch: number }

export class FeatureCacheUpdateException extends Error {
  override name = 'FeatureCacheUpdateException';
}

/** Names of finalized features this broker cannot run with (unknown, or level outside range). */
export function incompatibleFeatures(finalized: Record<string, number>, supported = SUPPORTED_FEATURES): string[] {
  return Object.entries(finalized)
    .filter(([name, level]) => !supported[name] || level < supported[name].min || level > supported[name].max)
    .map(([name, level]) => `${name}=${level}`);
}

/**
 * The next cache value for a /feature read, as Kafka's FinalizedFeatureChangeListener computes it:
 * absent, undecodable or disabled → empty cache; enabled → checked for epoch order and compatibility.
 */
export function nextFinalizedFeatures(current: FinalizedFeatures | null, read: { data: FeatureZNodeData | null; epoch: number }): FinalizedFeatures | null {
  if (!read.data || read.data.status === 'disabled') return null;
  if (current && read.epoch < current.epoch) {
    throw new FeatureCacheUpdateException(`Can not update FinalizedFeatureCache with epoch ${read.epoch}: it is older than the cached epoch ${current.epoch}`);
  }
  const bad = incompatibleFeatures(read.data.features);
  if (bad.length > 0) {
    throw new FeatureCacheUpdateException(
      `Can not update FinalizedFeatureCache with incompatible finalized features (${bad.join(', ')}): this broker supports ${JSON.stringify(SUPPORTED_FEATURES)}`);
  }
  return { features: { ...read.data.features }, epoch: read.epoch };
}
