/**
 * Decoders for the records of `__consumer_offsets` (Kafka `GroupMetadataManager` schemas, up to Kafka 2.7 / 3.x
 * non-flexible versions) and for transaction markers in control batches. Used by `rafka dump-log --offsets-decoder`.
 *
 * Keys (int16 version first):
 *   v0, v1  offset commit:  group string, topic string, partition int32
 *   v2      group metadata: group string
 * Offset commit values:
 *   v0 offset i64, metadata string, commitTimestamp i64
 *   v1 offset i64, metadata string, commitTimestamp i64, expireTimestamp i64
 *   v2 offset i64, metadata string, commitTimestamp i64
 *   v3 offset i64, leaderEpoch i32, metadata string, commitTimestamp i64
 * Group metadata values:
 *   v0 protocolType string, generation i32, protocol string?, leader string?, members [member v0]
 *   v1 same, members [member v1]
 *   v2 protocolType, generation, protocol?, leader?, currentStateTimestamp i64, members [member v1]
 *   v3 same as v2, members [member v3]
 *   member v0: memberId, clientId, clientHost, sessionTimeout i32, subscription bytes, assignment bytes
 *   member v1: memberId, clientId, clientHost, rebalanceTimeout i32, sessionTimeout i32, subscription, assignment
 *   member v3: memberId, groupInstanceId string?, clientId, clientHost, rebalanceTimeout, sessionTimeout, subscription, assignment
 * A null value is a tombstone (offset deleted / group removed).
 */

export class OffsetsDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OffsetsDecodeError';
  }
}

class Reader {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    readonly what: string,
  ) {}
  private need(n: number, field: string): void {
    if (this.pos + n > this.buf.length) {
      throw new OffsetsDecodeError(`${this.what}: ${field} at byte ${this.pos} needs ${n} bytes, only ${this.buf.length - this.pos} left`);
    }
  }
  int16(field: string): number {
    this.need(2, field);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(field: string): number {
    this.need(4, field);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(field: string): number {
    this.need(8, field);
    const v = Number(this.buf.readBigInt64BE(this.pos));
    this.pos += 8;
    return v;
  }
  nullableString(field: string): string | null {
    const len = this.int16(`${field} length`);
    if (len < 0) return null;
    this.need(len, field);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  string(field: string): string {
    const s = this.nullableString(field);
    if (s === null) throw new OffsetsDecodeError(`${this.what}: ${field} is null (not nullable)`);
    return s;
  }
  /** Bytes field: returns the size only (null → -1). */
  bytesSize(field: string): number {
    const len = this.int32(`${field} length`);
    if (len < 0) return -1;
    this.need(len, field);
    this.pos += len;
    return len;
  }
  end(): void {
    if (this.pos !== this.buf.length) throw new OffsetsDecodeError(`${this.what}: ${this.buf.length - this.pos} unexpected trailing bytes at byte ${this.pos}`);
  }
}

export type OffsetsKey =
  | { type: 'offset_commit'; version: number; group: string; topic: string; partition: number }
  | { type: 'group_metadata'; version: number; group: string };

export interface OffsetCommitValue {
  type: 'offset_commit';
  version: number;
  offset: number;
  leaderEpoch: number | null;
  metadata: string;
  commitTimestamp: number;
  expireTimestamp: number | null;
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number | null;
  sessionTimeout: number;
  subscriptionSize: number;
  assignmentSize: number;
}

export interface GroupMetadataValue {
  type: 'group_metadata';
  version: number;
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number | null;
  members: GroupMember[];
}

export type OffsetsValue = OffsetCommitValue | GroupMetadataValue;

export function decodeOffsetsKey(key: Buffer): OffsetsKey {
  const r = new Reader(key, 'offsets key');
  const version = r.int16('version');
  if (version === 0 || version === 1) {
    const group = r.string('group');
    const topic = r.string('topic');
    const partition = r.int32('partition');
    r.end();
    return { type: 'offset_commit', version, group, topic, partition };
  }
  if (version === 2) {
    const group = r.string('group');
    r.end();
    return { type: 'group_metadata', version, group };
  }
  throw new OffsetsDecodeError(`offsets key: unknown key version ${version}`);
}

export function decodeOffsetCommitValue(value: Buffer): OffsetCommitValue {
  const r = new Reader(value, 'offset commit value');
  const version = r.int16('version');
  if (version < 0 || version > 3) throw new OffsetsDecodeError(`offset commit value: unknown version ${version}`);
  const offset = r.int64('offset');
  const leaderEpoch = version === 3 ? r.int32('leader_epoch') : null;
  const metadata = r.string('metadata');
  const commitTimestamp = r.int64('commit_timestamp');
  const expireTimestamp = version === 1 ? r.int64('expire_timestamp') : null;
  r.end();
  return { type: 'offset_commit', version, offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function decodeGroupMetadataValue(value: Buffer): GroupMetadataValue {
  const r = new Reader(value, 'group metadata value');
  const version = r.int16('version');
  if (version < 0 || version > 3) throw new OffsetsDecodeError(`group metadata value: unknown version ${version}`);
  const protocolType = r.string('protocol_type');
  const generation = r.int32('generation');
  const protocol = r.nullableString('protocol');
  const leader = r.nullableString('leader');
  const currentStateTimestamp = version >= 2 ? r.int64('current_state_timestamp') : null;
  const n = r.int32('members count');
  if (n < 0) throw new OffsetsDecodeError(`group metadata value: negative member count ${n}`);
  const members: GroupMember[] = [];
  for (let i = 0; i < n; i++) {
    const memberId = r.string(`members[${i}].member_id`);
    const groupInstanceId = version >= 3 ? r.nullableString(`members[${i}].group_instance_id`) : null;
    const clientId = r.string(`members[${i}].client_id`);
    const clientHost = r.string(`members[${i}].client_host`);
    const rebalanceTimeout = version >= 1 ? r.int32(`members[${i}].rebalance_timeout`) : null;
    const sessionTimeout = r.int32(`members[${i}].session_timeout`);
    const subscriptionSize = r.bytesSize(`members[${i}].subscription`);
    const assignmentSize = r.bytesSize(`members[${i}].assignment`);
    members.push({ memberId, groupInstanceId, clientId, clientHost, rebalanceTimeout, sessionTimeout, subscriptionSize, assignmentSize });
  }
  r.end();
  return { type: 'group_metadata', version, protocolType, generation, protocol, leader, currentStateTimestamp, members };
}

/** Decode one `__consumer_offsets` record. `value` null → tombstone (`value: null`). */
export function decodeOffsetsRecord(key: Buffer | null, value: Buffer | null): { key: OffsetsKey; value: OffsetsValue | null } {
  if (key === null) throw new OffsetsDecodeError('offsets record has a null key');
  const k = decodeOffsetsKey(key);
  if (value === null) return { key: k, value: null };
  return { key: k, value: k.type === 'offset_commit' ? decodeOffsetCommitValue(value) : decodeGroupMetadataValue(value) };
}

/** Control record (transaction marker / other control types) of a control batch. */
export interface ControlRecord {
  type: 'ABORT' | 'COMMIT' | `UNKNOWN(${number})`;
  version: number;
  coordinatorEpoch: number | null;
}

/** Decode a control record key (int16 version, int16 type) and, for markers, the value (int16 version, int32 coordinatorEpoch). */
export function decodeControlRecord(key: Buffer | null, value: Buffer | null): ControlRecord {
  if (key === null || key.length < 4) throw new OffsetsDecodeError(`control record key is ${key === null ? 'null' : `${key.length} bytes`}, expected 4`);
  const version = key.readInt16BE(0);
  const t = key.readInt16BE(2);
  const type = t === 0 ? 'ABORT' : t === 1 ? 'COMMIT' : (`UNKNOWN(${t})` as const);
  let coordinatorEpoch: number | null = null;
  if ((t === 0 || t === 1) && value !== null && value.length >= 6) coordinatorEpoch = value.readInt32BE(2);
  return { type, version, coordinatorEpoch };
}

/** One-line human form of a decoded key. */
export function formatOffsetsKey(k: OffsetsKey): string {
  return k.type === 'offset_commit'
    ? `offset_commit::group=${k.group},partition=${k.topic}-${k.partition}`
    : `group_metadata::group=${k.group}`;
}

/** One-line human form of a decoded value (compact JSON-like). */
export function formatOffsetsValue(v: OffsetsValue | null): string {
  if (v === null) return '<DELETE>';
  if (v.type === 'offset_commit') {
    const parts = [`offset=${v.offset}`];
    if (v.leaderEpoch !== null) parts.push(`leaderEpoch=${v.leaderEpoch}`);
    parts.push(`metadata=${v.metadata}`, `commitTimestamp=${v.commitTimestamp}`);
    if (v.expireTimestamp !== null) parts.push(`expireTimestamp=${v.expireTimestamp}`);
    return parts.join(',');
  }
  return JSON.stringify({
    protocolType: v.protocolType,
    protocol: v.protocol,
    generationId: v.generation,
    leader: v.leader,
    currentStateTimestamp: v.currentStateTimestamp,
    members: v.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeout,
      sessionTimeout: m.sessionTimeout,
      subscriptionBytes: m.subscriptionSize,
      assignmentBytes: m.assignmentSize,
    })),
  });
}
