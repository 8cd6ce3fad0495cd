import { ConfigException } from './config-exception.js';
import type { Validator } from './validators.js';

/** Kafka 3.8's production MetadataVersions ("inter.broker.protocol.version" values), oldest first. */
export const METADATA_VERSIONS: readonly string[] = [
  '0.8.0', '0.8.1', '0.8.2', '0.9.0',
  '0.10.0-IV0', '0.10.0-IV1', '0.10.1-IV0', '0.10.1-IV1', '0.10.1-IV2', '0.10.2-IV0',
  '0.11.0-IV0', '0.11.0-IV1', '0.11.0-IV2', '1.0-IV0', '1.1-IV0', '2.0-IV0', '2.0-IV1',
  '2.1-IV0', '2.1-IV1', '2.1-IV2', '2.2-IV0', '2.2-IV1', '2.3-IV0', '2.3-IV1', '2.4-IV0', '2.4-IV1',
  '2.5-IV0', '2.6-IV0', '2.7-IV0', '2.7-IV1', '2.7-IV2', '2.8-IV0', '2.8-IV1', '3.0-IV0', '3.0-IV1',
  '3.1-IV0', '3.2-IV0', '3.3-IV0', '3.3-IV1', '3.3-IV2', '3.3-IV3', '3.4-IV0', '3.5-IV0', '3.5-IV1',
  '3.5-IV2', '3.6-IV0', '3.6-IV1', '3.6-IV2', '3.7-IV0', '3.7-IV1', '3.7-IV2', '3.7-IV3', '3.7-IV4', '3.8-IV0',
];
export const LATEST_PRODUCTION_VERSION = '3.8-IV0';

/** Full versions map to themselves; a short version ("3.7") maps to its latest sub-version. */
const IBP_VERSIONS: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  for (const v of METADATA_VERSIONS) {
    m.set(v, v);
    m.set(v.split('-')[0]!, v);
  }
  return m;
})();

/** MetadataVersion.fromVersionString: extra patch segments ("3.7.1", "0.10.0.1") are ignored. */
export function metadataVersionFromString(versionString: string): string {
  const segments = versionString.split('.');
  const numSegments = versionString.startsWith('0.') ? 3 : 2;
  const key = numSegments >= segments.length ? versionString : segments.slice(0, numSegments).join('.');
  const version = IBP_VERSIONS.get(key);
  if (version === undefined) throw new Error(`Version ${versionString} is not a valid version`);
  return version;
}

/** Index in METADATA_VERSIONS, for "IBP >= x" comparisons. */
export function metadataVersionOrdinal(versionString: string): number {
  return METADATA_VERSIONS.indexOf(metadataVersionFromString(versionString));
}

export const metadataVersionValidator: Validator = {
  ensureValid(name, value) {
    try {
      metadataVersionFromString(String(value));
    } catch (e) {
      throw new ConfigException(name, value, (e as Error).message);
    }
  },
  toString: () => `[${METADATA_VERSIONS.join(', ')}]`,
};
