/**
 * `<partition>/partition.metadata` (reference §4.9, Kafka `PartitionMetadataFile`): exactly
 * `version: 0\ntopic_id: <base64 Uuid>` with no trailing newline. Read splits each line on `:\s+`; an unknown
 * version, a malformed line or the zero Uuid is an I/O-class error (the dir goes offline).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from './leader-epoch-cache.js';

export const PARTITION_METADATA_FILE = 'partition.metadata';
export const PARTITION_METADATA_VERSION = 0;

export class PartitionMetadataError extends Error {
  readonly code = 'EPARTITIONMETADATA';
  constructor(message: string) {
    super(message);
    this.name = 'PartitionMetadataError';
  }
}

/** Kafka `InconsistentTopicIdException`. */
export class InconsistentTopicIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentTopicIdError';
  }
}

/** Kafka `Uuid.fromString`: URL-safe base64 (no padding) of 16 bytes; throws on anything else. */
export function parseUuid(s: string): Buffer {
  if (!/^[A-Za-z0-9_-]{22}$/.test(s)) throw new Error(`Invalid Uuid string ${s}`);
  const b = Buffer.from(s, 'base64url');
  if (b.length !== 16) throw new Error(`Invalid Uuid string ${s}`);
  return b;
}

export const isZeroUuid = (s: string): boolean => parseUuid(s).every((x) => x === 0);

export function partitionMetadataPath(dir: string): string {
  return path.join(dir, PARTITION_METADATA_FILE);
}

export function renderPartitionMetadata(topicId: string): string {
  return `version: ${PARTITION_METADATA_VERSION}\ntopic_id: ${topicId}`;
}

export function parsePartitionMetadata(text: string, file = PARTITION_METADATA_FILE): { version: number; topicId: string } {
  const lines = text.split(/\r?\n/);
  const field = (line: string | undefined, name: string): string => {
    const parts = (line ?? '').split(/:\s+/);
    if (parts.length !== 2 || parts[0] !== name) throw new PartitionMetadataError(`Malformed line in partition metadata file ${file}: ${line ?? ''}`);
    return parts[1]!;
  };
  const versionText = field(lines[0], 'version');
  if (!/^[0-9]+$/.test(versionText) || Number(versionText) !== PARTITION_METADATA_VERSION) {
    throw new PartitionMetadataError(`Unrecognized version of partition metadata file ${file}: ${versionText}`);
  }
  const topicId = field(lines[1], 'topic_id');
  try {
    if (isZeroUuid(topicId)) throw new Error('zero');
  } catch {
    throw new PartitionMetadataError(`Invalid topic ID ${topicId} in partition metadata file ${file}`);
  }
  return { version: PARTITION_METADATA_VERSION, topicId };
}

/** Topic id stored in `<dir>/partition.metadata`, or null when the file is absent. */
export function readPartitionMetadata(dir: string): string | null {
  const file = partitionMetadataPath(dir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return parsePartitionMetadata(text, file).topicId;
}

/** Write the file atomically (tmp + fsync + rename + dir fsync). */
export function writePartitionMetadata(dir: string, topicId: string): void {
  if (isZeroUuid(topicId)) throw new Error('Topic id must not be the zero Uuid');
  writeFileAtomicSync(partitionMetadataPath(dir), renderPartitionMetadata(topicId));
}
