/**
 * The `__consumer_offsets` record formats, as Kafka's GroupCoordinatorRecordSerde / GroupMetadataManager write them
 * (coordinator-common message JSONs: OffsetCommitKey/Value, GroupMetadataKey/Value). Every key and value starts
 * with an int16 schema version; the bodies are non-flexible at the versions written here:
 *
 * - OffsetCommitKey v1 (v0 reads the same): group string, topic string, partition int32.
 * - OffsetCommitValue v3: offset int64, leaderEpoch int32, metadata string, commitTimestamp int64
 *   (v0: offset, metadata, timestamp; v1: + expireTimestamp; v2: offset, metadata, commitTimestamp — all readable).
 * - GroupMetadataKey v2: group string.
 * - GroupMetadataValue v3: protocolType string, generation int32, protocol nullable string, leader nullable string,
 *   currentStateTimestamp int64, members [memberId, groupInstanceId nullable, clientId, clientHost, rebalanceTimeout,
 *   sessionTimeout, subscription bytes, assignment bytes] (v0–v2 readable).
 *
 * A null value is a tombstone: the offset (or the whole group) was deleted.
 */
import { Reader } from '../../protocol/primitives/reader.js';
import { Writer } from '../../protocol/primitives/writer.js';

export interface OffsetKey { kind: 'offset'; group: string; topic: string; partition: number }
export interface GroupKey { kind: 'group'; group: string }
export type CoordinatorKey = OffsetKey | GroupKey;

export interface OffsetValue {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Only in v1 values (explicit retention of OffsetCommit v2–v4); -1 otherwise. */
  expireTimestamp: number;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: StoredMember[];
}

export function encodeOffsetKey(group: string, topic: string, partition: number): Buffer {
  const w = new Writer(64);
  w.int16(1);
  w.string(group);
  w.string(topic);
  w.int32(partition);
  return w.finish();
}

export function encodeGroupKey(group: string): Buffer {
  const w = new Writer(32);
  w.int16(2);
  w.string(group);
  return w.finish();
}

/** Value v3, or v1 when an explicit expire timestamp must be kept (as Kafka). */
export function encodeOffsetValue(v: OffsetValue): Buffer {
  const w = new Writer(64);
  if (v.expireTimestamp >= 0) {
    w.int16(1);
    w.int64(v.offset);
    w.string(v.metadata);
    w.int64(v.commitTimestamp);
    w.int64(v.expireTimestamp);
    return w.finish();
  }
  w.int16(3);
  w.int64(v.offset);
  w.int32(v.leaderEpoch);
  w.string(v.metadata);
  w.int64(v.commitTimestamp);
  return w.finish();
}

export function encodeGroupValue(v: GroupValue): Buffer {
  const w = new Writer(256);
  w.int16(3);
  w.string(v.protocolType);
  w.int32(v.generation);
  w.nullableString(v.protocol);
  w.nullableString(v.leader);
  w.int64(v.currentStateTimestamp);
  w.int32(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId);
    w.nullableString(m.groupInstanceId);
    w.string(m.clientId);
    w.string(m.clientHost);
    w.int32(m.rebalanceTimeoutMs);
    w.int32(m.sessionTimeoutMs);
    w.bytes(m.subscription);
    w.bytes(m.assignment);
  }
  return w.finish();
}

/** Decodes a record key; null for key versions this coordinator does not own (e.g. KIP-848 records). */
export function decodeKey(buf: Buffer): CoordinatorKey | null {
  const r = new Reader(buf);
  const version = r.int16();
  if (version === 0 || version === 1) return { kind: 'offset', group: r.string(), topic: r.string(), partition: r.int32() };
  if (version === 2) return { kind: 'group', group: r.string() };
  return null;
}

export function decodeOffsetValue(buf: Buffer): OffsetValue {
  const r = new Reader(buf);
  const version = r.int16();
  const offset = r.int64();
  let leaderEpoch = -1;
  if (version >= 3) leaderEpoch = r.int32();
  const metadata = r.string();
  const commitTimestamp = Number(r.int64());
  const expireTimestamp = version === 1 ? Number(r.int64()) : -1;
  if (version < 0 || version > 4) throw new Error(`Unknown offset commit value version ${version}`);
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function decodeGroupValue(buf: Buffer): GroupValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0 || version > 3) throw new Error(`Unknown group metadata value version ${version}`);
  const protocolType = r.string();
  const generation = r.int32();
  const protocol = r.nullableString();
  const leader = r.nullableString();
  const currentStateTimestamp = version >= 2 ? Number(r.int64()) : -1;
  const n = r.arrayLength(false);
  const members: StoredMember[] = [];
  for (let i = 0; i < n; i++) {
    const memberId = r.string();
    const groupInstanceId = version >= 3 ? r.nullableString() : null;
    const clientId = r.string();
    const clientHost = r.string();
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
    const sessionTimeoutMs = r.int32();
    const subscription = Buffer.from(r.bytes());
    const assignment = Buffer.from(r.bytes());
    members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs: rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs, sessionTimeoutMs, subscription, assignment });
  }
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}

/** The topics of a ConsumerProtocolSubscription (any version: int16 version, then [topics] as int32 + strings); null if unreadable. */
export function consumerSubscriptionTopics(metadata: Buffer): string[] | null {
  try {
    const r = new Reader(metadata);
    r.int16();
    const n = r.arrayLength(false);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(r.string());
    return out;
  } catch {
    return null;
  }
}
